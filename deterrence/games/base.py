"""The one seam of the library: the deviation-payoff oracle.

Every game, dense or structured, is a :class:`Game`. A game answers one question
(:meth:`Game.deviation_payoffs`): for each player ``i``, the expected payoff of each of
``i``'s pure actions when every other player ``j`` plays the mixed strategy ``profile[j]``
independently. Regret, best responses, logit/QRE paths and every learning dynamic are built
on that oracle only, so they run unchanged on a 50-organization targeting game that never
builds its 50-dimensional payoff tensor.

Conventions (stated once): players are numbered ``0..n_players-1``; player ``i`` has
``shape[i]`` actions numbered ``0..shape[i]-1``; a *mixed profile* is a sequence of 1-D
arrays, one per player, each non-negative and summing to one within :data:`PROB_ATOL`; a
*pure profile* is a sequence of action indices, one per player.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InvalidProfileError

__all__ = [
    "PROB_ATOL",
    "Game",
    "as_mixed_profile",
    "as_pure_profile",
    "pure_to_mixed",
    "uniform_profile",
]

#: Absolute tolerance on ``sum(p) == 1`` and ``p >= 0`` for mixed strategies.
PROB_ATOL = 1e-8

#: Largest number of pure profiles for which :meth:`Game.to_normal_form` builds a table.
DEFAULT_MAX_PROFILES = 50_000_000


class Game(abc.ABC):
    """Abstract N-player game in strategic form, defined by its deviation-payoff oracle.

    Subclasses implement :attr:`shape` and :meth:`deviation_payoffs`; everything else has a
    generic implementation on top of them, which structured games may override for speed
    (notably :meth:`pair_payoffs`, the second-order oracle used by path-following solvers).
    """

    # ------------------------------------------------------------------ required
    @property
    @abc.abstractmethod
    def shape(self) -> tuple[int, ...]:
        """Number of actions of each player, ``(n_1, ..., n_N)``."""

    @abc.abstractmethod
    def _deviation_payoffs(self, profile: tuple[NDArray[np.float64], ...]) -> list[NDArray]:
        """Oracle on an already validated mixed profile (subclasses implement this)."""

    # ------------------------------------------------------------------ derived
    @property
    def n_players(self) -> int:
        """Number of players."""
        return len(self.shape)

    @property
    def n_profiles(self) -> int:
        """Number of pure profiles, ``prod(shape)``: a Python int, it can be astronomical."""
        return int(np.prod([int(n) for n in self.shape], dtype=object))

    @property
    def player_names(self) -> tuple[str, ...]:
        """Player labels (default ``"1"``, ``"2"``, ...)."""
        return tuple(str(i + 1) for i in range(self.n_players))

    @property
    def action_names(self) -> tuple[tuple[str, ...], ...]:
        """Action labels of each player (default ``"1"``, ``"2"``, ...)."""
        return tuple(tuple(str(a + 1) for a in range(n)) for n in self.shape)

    def deviation_payoffs(self, profile: Sequence[ArrayLike]) -> list[NDArray[np.float64]]:
        """Expected payoff of each pure action of each player against the others' mixtures.

        Parameters
        ----------
        profile
            One mixed strategy (1-D, non-negative, summing to one) per player.

        Returns
        -------
        list of ndarray
            ``out[i][a]`` is player ``i``'s expected payoff from action ``a`` when every
            other player ``j`` plays ``profile[j]`` independently.
        """
        return self._deviation_payoffs(as_mixed_profile(self, profile))

    def expected_payoffs(self, profile: Sequence[ArrayLike]) -> NDArray[np.float64]:
        """Each player's expected payoff under the mixed profile, shape ``(n_players,)``."""
        p = as_mixed_profile(self, profile)
        dev = self._deviation_payoffs(p)
        return np.array([float(d @ q) for d, q in zip(dev, p, strict=True)])

    def pair_payoffs(self, profile: Sequence[ArrayLike], i: int, j: int) -> NDArray[np.float64]:
        """Second-order oracle: player ``i``'s payoff for each action pair of ``i`` and ``j``.

        ``out[a, b]`` is player ``i``'s expected payoff when ``i`` plays ``a``, ``j`` plays
        ``b`` and every other player ``k`` plays ``profile[k]``. The generic version makes
        ``shape[j]`` oracle calls; dense and structured games override it.
        """
        if i == j:
            raise InvalidProfileError(f"pair_payoffs needs two different players, got i=j={i}")
        p = list(as_mixed_profile(self, profile))
        cols = []
        for b in range(self.shape[j]):
            pb = np.zeros(self.shape[j])
            pb[b] = 1.0
            p[j] = pb
            cols.append(self._deviation_payoffs(tuple(p))[i])
        return np.stack(cols, axis=1)

    def pair_payoffs_all(self, profile: Sequence[ArrayLike]) -> list[list[NDArray | None]]:
        """Every second-order matrix at once: ``out[i][j]`` is ``pair_payoffs(profile, i, j)``
        for ``i != j`` and ``out[i][i]`` is ``None`` (the Jacobian of the oracle).

        The generic version makes ``sum(shape)`` oracle calls (one per pure action of each
        player, which answers for every other player at once); dense games contract the
        table once per pair. Structured games with a faster second-order oracle override
        :meth:`_pair_payoffs_all`, which solvers call without validation (Newton iterates
        may leave the simplex slightly).
        """
        return self._pair_payoffs_all(as_mixed_profile(self, profile))

    def _pair_payoffs_all(
        self, profile: tuple[NDArray[np.float64], ...]
    ) -> list[list[NDArray | None]]:
        """:meth:`pair_payoffs_all` without validation (subclasses may override)."""
        n = self.n_players
        out: list[list[NDArray | None]] = [[None] * n for _ in range(n)]
        p = list(profile)
        for j in range(n):
            saved = p[j]
            cols = []
            for b in range(self.shape[j]):
                pb = np.zeros(self.shape[j])
                pb[b] = 1.0
                p[j] = pb
                cols.append(self._deviation_payoffs(tuple(p)))
            p[j] = saved
            for i in range(n):
                if i != j:
                    out[i][j] = np.stack([c[i] for c in cols], axis=1)
        return out

    def to_normal_form(self, *, max_profiles: int = DEFAULT_MAX_PROFILES) -> Any:
        """The dense :class:`~deterrence.NormalFormGame` of this game (refused when too large)."""
        raise NotImplementedError(f"{type(self).__name__} does not provide a dense table")

    def is_symmetric(self, *, tol: float = 0.0) -> bool:
        """True if every player has the same actions and payoffs are invariant under any
        permutation of the players (checked exactly on the dense table by default)."""
        return self.to_normal_form().is_symmetric(tol=tol)


# ---------------------------------------------------------------------- profiles
def as_mixed_profile(
    game: Game, profile: Sequence[ArrayLike], *, atol: float = PROB_ATOL
) -> tuple[NDArray[np.float64], ...]:
    """Validate a mixed profile and return it as a tuple of float arrays.

    Raises
    ------
    InvalidProfileError
        If there is not one strategy per player, a strategy has the wrong length, a NaN or
        a negative entry, or does not sum to one within ``atol``.
    """
    shape = game.shape
    if isinstance(profile, np.ndarray) and profile.dtype != object and profile.ndim == 2:
        profile = list(profile)
    try:
        n = len(profile)
    except TypeError:
        raise InvalidProfileError(
            f"profile={profile!r} is not valid; expected a sequence of {len(shape)} mixed "
            "strategies (one 1-D array per player)"
        ) from None
    if n != len(shape):
        raise InvalidProfileError(
            f"profile has {n} strategies; expected {len(shape)} (one per player)"
        )
    out = []
    for i, (s, k) in enumerate(zip(profile, shape, strict=True)):
        try:
            p = np.asarray(s, dtype=float)
        except (TypeError, ValueError):
            raise InvalidProfileError(
                f"profile[{i}]={s!r} is not valid; expected a 1-D array of {k} probabilities"
            ) from None
        if p.ndim != 1 or p.shape[0] != k:
            raise InvalidProfileError(
                f"profile[{i}] has shape {p.shape}; expected ({k},) for player {i}'s {k} actions"
            )
        if not np.all(np.isfinite(p)):
            raise InvalidProfileError(f"profile[{i}]={p.tolist()} contains NaN or inf")
        if np.any(p < -atol):
            raise InvalidProfileError(
                f"profile[{i}] has a negative probability {float(p.min())!r}; expected >= 0"
            )
        total = p.sum()
        if abs(total - 1.0) > atol:
            raise InvalidProfileError(
                f"profile[{i}] sums to {float(total)!r}; expected 1 (within {atol:g})"
            )
        out.append(p)
    return tuple(out)


def as_pure_profile(game: Game, profile: Sequence[int]) -> tuple[int, ...]:
    """Validate a pure profile (one action index per player) and return it as a tuple."""
    shape = game.shape
    try:
        actions = tuple(profile)
    except TypeError:
        raise InvalidProfileError(
            f"pure profile={profile!r} is not valid; expected {len(shape)} action indices"
        ) from None
    if len(actions) != len(shape):
        raise InvalidProfileError(
            f"pure profile has {len(actions)} actions; expected {len(shape)} (one per player)"
        )
    for i, (a, k) in enumerate(zip(actions, shape, strict=True)):
        if isinstance(a, bool) or not isinstance(a, int | np.integer) or not 0 <= a < k:
            raise InvalidProfileError(
                f"pure profile[{i}]={a!r} is not valid; expected an integer in [0, {k - 1}]"
            )
    return tuple(int(a) for a in actions)


def pure_to_mixed(game: Game, actions: Sequence[int]) -> tuple[NDArray[np.float64], ...]:
    """The mixed profile that puts probability one on each player's given action."""
    actions = as_pure_profile(game, actions)
    out = []
    for a, k in zip(actions, game.shape, strict=True):
        p = np.zeros(k)
        p[a] = 1.0
        out.append(p)
    return tuple(out)


def uniform_profile(game: Game) -> tuple[NDArray[np.float64], ...]:
    """Every player mixes uniformly over its actions (the centroid)."""
    return tuple(np.full(k, 1.0 / k) for k in game.shape)
