"""A catalog of benchmark games: random and correlated-payoff generators, the classic
textbook games, and the dense "most violent pays" contest of the deterrence story.

Every generator returns a :class:`~deterrence.NormalFormGame`; the random ones take one
``rng`` keyword (anything :func:`numpy.random.default_rng` accepts), so the same seed gives
the same game. Dense tables are refused with :class:`~deterrence.GameTooLargeError` above
``max_profiles`` pure profiles, before anything is allocated.

>>> from deterrence.games import catalog
>>> catalog.random_game((2, 3), rng=0) == catalog.random_game((2, 3), rng=0)
True
>>> catalog.prisoners_dilemma().shape
(2, 2)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import (
    check_choice,
    check_finite_array,
    check_int,
    check_real,
    normalize_rng,
)
from ..errors import DeterrenceError, GameTooLargeError
from .base import DEFAULT_MAX_PROFILES
from .normal_form import NormalFormGame

__all__ = [
    "battle_of_the_sexes",
    "coordination_game",
    "covariant_game",
    "matching_pennies",
    "most_violent_contest",
    "prisoners_dilemma",
    "random_game",
    "rock_paper_scissors",
    "shapley_game",
]

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
def prisoners_dilemma() -> NormalFormGame:
    """The prisoner's dilemma (T=5, R=3, P=1, S=0); the unique equilibrium is (D, D).

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> catalog.prisoners_dilemma()[1, 1].tolist()
    [1.0, 1.0]
    """
    A = [[3, 0], [5, 1]]
    return NormalFormGame.from_bimatrix(
        A,
        np.transpose(A),
        player_names=["Row", "Column"],
        action_names=[["Cooperate", "Defect"], ["Cooperate", "Defect"]],
        title="Prisoner's dilemma",
    )


def matching_pennies() -> NormalFormGame:
    """Matching pennies: zero-sum, the row player wins on a match; the unique equilibrium
    is both players mixing 1/2-1/2.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> catalog.matching_pennies().payoffs[0].tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    return NormalFormGame.from_bimatrix(
        [[1, -1], [-1, 1]],
        player_names=["Matcher", "Mismatcher"],
        action_names=[["Heads", "Tails"], ["Heads", "Tails"]],
        title="Matching pennies",
    )


def rock_paper_scissors() -> NormalFormGame:
    """Rock-paper-scissors: zero-sum, win 1, lose -1; the unique equilibrium is uniform.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> catalog.rock_paper_scissors().payoffs[0].tolist()
    [[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]]
    """
    names = ["Rock", "Paper", "Scissors"]
    return NormalFormGame.from_bimatrix(
        [[0, -1, 1], [1, 0, -1], [-1, 1, 0]],
        player_names=["1", "2"],
        action_names=[names, names],
        title="Rock-paper-scissors",
    )


def shapley_game() -> NormalFormGame:
    """Shapley's (1964) 3x3 game, on which fictitious play cycles for ever.

    ``A = I`` (the row player wants to match) and ``B`` pays the column player for playing
    one step "ahead" of the row player; the unique equilibrium is uniform mixing.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> g = catalog.shapley_game()
    >>> g.payoffs[1].tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    A = np.eye(3)
    B = np.roll(np.eye(3), 1, axis=1)
    names = ["1", "2", "3"]
    return NormalFormGame.from_bimatrix(
        A, B, action_names=[names, names], title="Shapley's game (1964)"
    )


def coordination_game(n_actions: int = 2, *, n_players: int = 2) -> NormalFormGame:
    """Pure coordination: every player gets 1 when all choose the same action, else 0.

    Its pure equilibria are the ``n_actions`` profiles where everybody agrees (plus, with
    three or more players, every profile where no single player can complete a match).

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> catalog.coordination_game(3).payoffs[0].tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    k = check_int("n_actions", n_actions, low=1)
    n = check_int("n_players", n_players, low=1)
    shape = (k,) * n
    _check_size(shape, DEFAULT_MAX_PROFILES)
    idx = np.indices(shape)
    agree = np.all(idx == idx[0], axis=0).astype(float)
    return NormalFormGame(
        np.broadcast_to(agree, (n, *shape)),
        title=f"Coordination game ({n} players x {k} actions)",
    )


def battle_of_the_sexes() -> NormalFormGame:
    """Battle of the sexes: two pure equilibria (both at the opera, both at the football
    game) and one mixed.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> g = catalog.battle_of_the_sexes()
    >>> g[0, 0].tolist(), g[1, 1].tolist()
    ([3.0, 2.0], [2.0, 3.0])
    """
    names = ["Opera", "Football"]
    return NormalFormGame.from_bimatrix(
        [[3, 0], [0, 2]],
        [[2, 0], [0, 3]],
        player_names=["Alice", "Bob"],
        action_names=[names, names],
        title="Battle of the sexes",
    )


# ----------------------------------------------------------------------------- contest
def most_violent_contest(
    n_orgs: int,
    levels: ArrayLike = DEFAULT_LEVELS,
    *,
    benefit: ArrayLike = 1.0,
    penalty: ArrayLike = 1.5,
    floor: float = 0.0,
    ties: str = "split",
    max_profiles: int = DEFAULT_MAX_PROFILES,
) -> NormalFormGame:
    """The "most violent pays" contest as a dense game.

    Each organization ``i`` picks a violence level ``v_i`` from ``levels``; the
    organization with the top score is designated (if that score exceeds ``floor``) and
    loses ``penalty``:

    ``u_i(v) = benefit_i * v_i - penalty_i * P(i is designated | v)``.

    The whole table is built by broadcasting, with no Python loop over profiles.

    Parameters
    ----------
    n_orgs
        Number of organizations (players).
    levels
        The violence levels every organization chooses from (1-D, finite); default
        ``np.linspace(0, 1, 11)``.
    benefit, penalty
        ``b`` and ``L``: a number, or one per organization. ``penalty >= 0``.
    floor
        Nobody is designated unless the top level is strictly above ``floor``.
    ties
        When several organizations share the top level: ``"split"`` -- each is designated
        with probability ``1/(number tied)``; ``"random"`` -- one of them, uniformly at
        random (the same expected payoffs as ``"split"``); ``"all"`` -- every one of them.
    max_profiles
        Refuse tables with more pure profiles (``len(levels) ** n_orgs``) than this.

    Examples
    --------
    With ``L > b * max(levels)`` the threat deters: nobody gains by being the most violent,
    and everybody at level 0 is the only pure equilibrium.

    >>> import deterrence as dt
    >>> from deterrence.games import catalog
    >>> g = catalog.most_violent_contest(3, [0, 1/3, 2/3, 1], benefit=1.0, penalty=1.5)
    >>> g.shape
    (4, 4, 4)
    >>> g[3, 3, 0].tolist()   # two organizations tied at the top share the penalty
    [0.25, 0.25, 0.0]
    >>> [eq.pure_profile for eq in dt.solve(g, method="pure")]
    [(0, 0, 0)]
    """
    n = check_int("n_orgs", n_orgs, low=1)
    v = check_finite_array("levels", levels, ndim=1)
    if v.size == 0:
        raise DeterrenceError("levels is empty; expected at least one violence level")
    b = _per_player("benefit", benefit, n)
    L = _per_player("penalty", penalty, n)
    if np.any(L < 0):
        raise DeterrenceError(f"penalty={penalty!r} is out of range; expected penalty >= 0")
    floor = check_real("floor", floor)
    check_choice("ties", ties, TIES)
    k = v.size
    shape = (k,) * n
    _check_size(shape, max_profiles)

    # axes[i]: org i's level, shaped to broadcast along axis i (no profile loop anywhere;
    # the loops below run over organizations, filling one (k,)*n slab each)
    axes = [v.reshape((1,) * i + (k,) + (1,) * (n - 1 - i)) for i in range(n)]
    top = axes[0]
    for a in axes[1:]:
        top = np.maximum(top, a)  # the top level at every profile, shape (k,)*n
    n_top = np.zeros(shape, dtype=np.intp)
    for a in axes:
        n_top += a == top
    # "split"/"random": each tied organization w.p. 1 / (number tied); "all": each for sure
    share = (top > floor) / n_top if ties != "all" else (top > floor).astype(float)
    payoffs = np.empty((n, *shape))
    for i, a in enumerate(axes):
        np.multiply(a == top, share, out=payoffs[i])
        payoffs[i] *= -L[i]
        payoffs[i] += b[i] * a

    names = [_level_name(x) for x in v]
    b_txt = _param_text(b)
    L_txt = _param_text(L)
    return NormalFormGame(
        payoffs,
        player_names=[f"Org {i + 1}" for i in range(n)],
        action_names=[names] * n,
        title=f"Most violent pays: {n} organizations x {k} levels (b={b_txt}, L={L_txt}, "
        f"floor={floor:g}, ties={ties})",
    )


def _level_name(x: float) -> str:
    return f"{x:.6g}"


def _param_text(values: NDArray) -> str:
    if np.all(values == values[0]):
        return f"{values[0]:g}"
    return "[" + ", ".join(f"{x:g}" for x in values) + "]"
