"""Seeded generators of random dense games and the shared size checks of the catalog.

Kept apart from :mod:`deterrence.games.catalog` (which re-exports them) so that the catalog
and its families (:mod:`deterrence.games.families`) both import them without a cycle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import (
    check_finite_array,
    check_int,
    check_real,
    normalize_rng,
)
from ..errors import DeterrenceError, GameTooLargeError
from .base import DEFAULT_MAX_PROFILES
from .normal_form import NormalFormGame

__all__ = ["DEFAULT_LEVELS", "TIES", "covariant_game", "random_game"]


#: The contest's tie vocabulary (a subset of the rules' ``TIES``).
TIES = ("split", "random", "all")

#: Default violence grid of :func:`most_violent_contest`: 0, 0.1, ..., 1 (read-only).
DEFAULT_LEVELS = np.linspace(0.0, 1.0, 11)
DEFAULT_LEVELS.flags.writeable = False


# ----------------------------------------------------------------------------- helpers
def _check_shape(shape: Any, max_profiles: int) -> tuple[int, ...]:
    if isinstance(shape, int | np.integer) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise DeterrenceError(
            f"shape={shape!r} is not valid; expected a sequence of action counts, one per "
            "player, e.g. (3, 3)"
        ) from None
    if not dims:
        raise DeterrenceError("shape=() is not valid; expected at least one player")
    out = tuple(check_int(f"shape[{i}]", k, low=1) for i, k in enumerate(dims))
    _check_size(out, max_profiles)
    return out


def _check_size(shape: tuple[int, ...], max_profiles: int) -> None:
    max_profiles = check_int("max_profiles", max_profiles, low=1)
    n_profiles = math.prod(shape)
    if n_profiles > max_profiles:
        raise GameTooLargeError(
            f"a dense table of shape {' x '.join(map(str, shape))} has {n_profiles} pure "
            f"profiles; expected at most max_profiles={max_profiles} (raise max_profiles, or "
            "use a structured game with a payoff oracle)"
        )


def _per_player(name: str, value: ArrayLike, n: int) -> NDArray[np.float64]:
    """A scalar or one value per player, as a float array of length ``n``."""
    arr = check_finite_array(name, value)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise DeterrenceError(
            f"{name} has shape {arr.shape}; expected a number or {n} numbers (one per player)"
        )
    return arr


# ----------------------------------------------------------------------------- random
def random_game(
    shape: Sequence[int],
    *,
    rng: Any = None,
    integer: bool = False,
    low: float = 0,
    high: float | None = None,
    max_profiles: int = DEFAULT_MAX_PROFILES,
) -> NormalFormGame:
    """A game with independent random payoffs.

    Parameters
    ----------
    shape
        Number of actions of each player, e.g. ``(3, 3, 2)``.
    rng
        Seed or :class:`numpy.random.Generator`.
    integer
        If true, payoffs are integers drawn uniformly from ``low..high`` (both included):
        a small range gives many ties, the hard case for equilibrium enumeration.
    low, high
        Payoff range. ``high`` defaults to 1.0 (real payoffs, uniform on ``[low, high)``)
        or to ``low + 9`` (integer payoffs).
    max_profiles
        Refuse larger tables with :class:`~deterrence.GameTooLargeError`.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> g = catalog.random_game((2, 2, 2), rng=1, integer=True, low=0, high=2)
    >>> g.shape, sorted(set(g.payoffs.ravel().tolist())) <= [0.0, 1.0, 2.0]
    ((2, 2, 2), True)
    """
    dims = _check_shape(shape, max_profiles)
    gen = normalize_rng(rng)
    size = (len(dims), *dims)
    if integer:
        lo = check_int("low", low)
        hi = lo + 9 if high is None else check_int("high", high, low=lo)
        payoffs = gen.integers(lo, hi, size=size, endpoint=True).astype(float)
        title = f"Random integer game {dims} in [{lo}, {hi}]"
    else:
        lo = check_real("low", low)
        hi = 1.0 if high is None else check_real("high", high, low=lo)
        if hi <= lo:
            raise DeterrenceError(f"high={high!r} is out of range; expected high > low={low!r}")
        payoffs = gen.uniform(lo, hi, size=size)
        title = f"Random game {dims} on [{lo:g}, {hi:g})"
    return NormalFormGame(payoffs, title=title)


def covariant_game(
    shape: Sequence[int],
    rho: float,
    *,
    rng: Any = None,
    max_profiles: int = DEFAULT_MAX_PROFILES,
) -> NormalFormGame:
    """GAMUT's covariant game: at each pure profile the players' payoffs are standard
    normal with correlation ``rho`` between any two players.

    ``rho = 1`` gives a common-interest game, ``rho = 0`` independent payoffs and, with two
    players, ``rho = -1`` a zero-sum game. With ``n`` players, ``rho`` must lie in
    ``[-1/(n-1), 1]`` (the correlation matrix must be positive semidefinite).

    Examples
    --------
    >>> import numpy as np
    >>> from deterrence.games import catalog
    >>> g = catalog.covariant_game((3, 3), -1.0, rng=0)
    >>> bool(np.allclose(g.payoffs[0], -g.payoffs[1]))
    True
    """
    dims = _check_shape(shape, max_profiles)
    n = len(dims)
    lowest = -1.0 / (n - 1) if n > 1 else -1.0
    rho = check_real("rho", rho, low=lowest, high=1.0)
    gen = normalize_rng(rng)
    # One-factor construction X_i = a Z_i + d sum_j Z_j with Z iid standard normal:
    # var X_i - cov(X_i, X_j) = a^2 = 1 - rho and cov = 2ad + n d^2 = rho. It is exact at
    # both ends (rho = 1: identical payoffs; rho = -1/(n-1): payoffs summing to zero).
    a = math.sqrt(1.0 - rho)
    d = (-a + math.sqrt(max(1.0 + (n - 1) * rho, 0.0))) / n  # a^2 + n rho, exactly 0 at the end
    z = gen.standard_normal((n, *dims))
    payoffs = a * z + d * z.sum(axis=0)
    return NormalFormGame(payoffs, title=f"Covariant game {dims}, rho={rho:g}")


# ----------------------------------------------------------------------------- classics
