"""Dense N-player games in strategic form.

Axis convention (stated once, used everywhere): ``payoffs`` is a float array of shape
``(n_players, n_1, ..., n_N)`` and ``payoffs[i][a_1, ..., a_N]`` is player ``i``'s payoff
when player ``j`` plays action ``a_j``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InvalidGameError, InvalidProfileError
from .base import DEFAULT_MAX_PROFILES, Game, as_mixed_profile

__all__ = ["NormalFormGame"]


def _contract_others(t: NDArray, profile: Sequence[NDArray], i: int) -> NDArray:
    """Contract every axis of ``t`` (one per player) except axis ``i`` with the profile.

    Axes after ``i`` are contracted from the last one (``t @ p``), axes before ``i`` from
    the first one (``p @ t.reshape(k, -1)``): each step is one BLAS matrix-vector product on
    a C-contiguous array, so no axis is ever moved or copied.
    """
    n = t.ndim
    for j in range(n - 1, i, -1):
        t = t @ profile[j]
    for j in range(i):
        rest = t.shape[1:]
        t = (profile[j] @ t.reshape(t.shape[0], -1)).reshape(rest)
    return t


def _contract_axis(t: NDArray, v: NDArray, k: int) -> NDArray:
    """Contract axis ``k`` of ``t`` with the vector ``v`` (one batched BLAS product)."""
    shape = t.shape
    pre = int(np.prod(shape[:k], dtype=np.int64))
    post = int(np.prod(shape[k + 1 :], dtype=np.int64))
    return (v @ t.reshape(pre, shape[k], post)).reshape(shape[:k] + shape[k + 1 :])


class NormalFormGame(Game):
    """An immutable dense game: every player's payoff for every pure profile.

    Parameters
    ----------
    payoffs
        array_like of shape ``(n_players, n_1, ..., n_N)``; ``payoffs[i][a]`` is player
        ``i``'s payoff at pure profile ``a``. Coerced once to a read-only C-ordered float
        array. Every entry must be finite.
    player_names
        Optional labels, one per player (unique).
    action_names
        Optional labels, one sequence per player with one label per action.
    title
        Optional title (kept by :func:`~deterrence.write_nfg`).

    Examples
    --------
    >>> import deterrence as dt
    >>> pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]],
    ...                        action_names=[["C", "D"], ["C", "D"]])
    >>> pd
    NormalFormGame(2 players, shape=(2, 2))
    >>> [d.tolist() for d in pd.deviation_payoffs([[0.5, 0.5], [0.5, 0.5]])]
    [[1.5, 3.0], [1.5, 3.0]]
    """

    __slots__ = ("_action_names", "_payoffs", "_player_names", "title")

    def __init__(
        self,
        payoffs: ArrayLike,
        *,
        player_names: Sequence[str] | None = None,
        action_names: Sequence[Sequence[str]] | None = None,
        title: str = "",
    ) -> None:
        try:
            arr = np.array(payoffs, dtype=float, order="C")
        except (TypeError, ValueError) as exc:
            raise InvalidGameError(
                f"payoffs cannot be read as a rectangular array of real numbers ({exc}); "
                "expected shape (n_players, n_1, ..., n_N)"
            ) from None
        if arr.ndim < 2:
            raise InvalidGameError(
                f"payoffs has shape {arr.shape}; expected (n_players, n_1, ..., n_N) with at "
                "least one player"
            )
        if arr.shape[0] != arr.ndim - 1:
            raise InvalidGameError(
                f"payoffs has shape {arr.shape}: {arr.shape[0]} payoff tables for "
                f"{arr.ndim - 1} player axes; expected shape[0] == number of players "
                f"({arr.ndim - 1})"
            )
        if any(n < 1 for n in arr.shape[1:]):
            raise InvalidGameError(
                f"payoffs has shape {arr.shape}; every player needs at least one action"
            )
        if not np.isfinite(arr).all():
            bad = tuple(int(b) for b in np.argwhere(~np.isfinite(arr))[0])
            raise InvalidGameError(
                f"payoffs[{bad[0]}][{', '.join(map(str, bad[1:]))}] is {arr[bad]!r}; "
                "expected finite payoffs (no NaN or inf)"
            )
        arr.flags.writeable = False
        self._payoffs = arr
        n = arr.ndim - 1
        self._player_names = _check_player_names(player_names, n)
        self._action_names = _check_action_names(action_names, arr.shape[1:])
        self.title = str(title)

    # ------------------------------------------------------------- constructors
    @classmethod
    def from_bimatrix(
        cls, A: ArrayLike, B: ArrayLike | None = None, **kwargs: Any
    ) -> NormalFormGame:
        """A 2-player game from the row player's matrix ``A`` and the column player's ``B``
        (``B = -A``, zero-sum, when omitted)."""
        A = np.asarray(A, dtype=float)
        B = -A if B is None else np.asarray(B, dtype=float)
        if A.ndim != 2 or A.shape != B.shape:
            raise InvalidGameError(
                f"A has shape {A.shape} and B has shape {B.shape}; expected two matrices of "
                "the same shape (n_row_actions, n_col_actions)"
            )
        return cls(np.stack([A, B]), **kwargs)

    @classmethod
    def from_function(cls, shape: Sequence[int], payoff: Any, **kwargs: Any) -> NormalFormGame:
        """Build a game by calling ``payoff(profile) -> sequence of n_players payoffs`` on
        every pure profile (for small hand-written games; vectorise for large ones)."""
        shape = tuple(int(k) for k in shape)
        arr = np.empty((len(shape), *shape))
        for prof in itertools.product(*(range(k) for k in shape)):
            arr[(slice(None), *prof)] = payoff(prof)
        return cls(arr, **kwargs)

    # --------------------------------------------------------------- properties
    @property
    def payoffs(self) -> NDArray[np.float64]:
        """Read-only payoff array, shape ``(n_players, n_1, ..., n_N)``."""
        return self._payoffs

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._payoffs.shape[1:])

    @property
    def player_names(self) -> tuple[str, ...]:
        return self._player_names

    @property
    def action_names(self) -> tuple[tuple[str, ...], ...]:
        return self._action_names

    def __getitem__(self, pure_profile: Sequence[int]) -> NDArray[np.float64]:
        """Payoff vector of all players at a pure profile: ``game[a1, a2, ...]``."""
        return self._payoffs[(slice(None), *tuple(pure_profile))]

    def __repr__(self) -> str:
        title = f", title={self.title!r}" if self.title else ""
        return f"NormalFormGame({self.n_players} players, shape={self.shape}{title})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NormalFormGame):
            return NotImplemented
        return (
            self.shape == other.shape
            and np.array_equal(self._payoffs, other._payoffs)
            and self.player_names == other.player_names
            and self.action_names == other.action_names
        )

    __hash__ = None  # type: ignore[assignment]  # mutable-free but array-valued: no hashing

    # ------------------------------------------------------------------- oracle
    def _deviation_payoffs(self, profile: tuple[NDArray, ...]) -> list[NDArray]:
        return [_contract_others(self._payoffs[i], profile, i) for i in range(self.n_players)]

    def pair_payoffs(self, profile: Sequence[ArrayLike], i: int, j: int) -> NDArray[np.float64]:
        p = as_mixed_profile(self, profile)
        if i == j:
            raise InvalidProfileError(f"pair_payoffs needs two different players, got i=j={i}")
        t = self._payoffs[i]
        lo, hi = min(i, j), max(i, j)
        for k in range(self.n_players - 1, hi, -1):
            t = t @ p[k]
        # axes now 0..hi; contract those strictly between lo and hi and before lo
        for k in range(hi - 1, lo, -1):
            t = np.tensordot(t, p[k], axes=([k], [0]))
        for k in range(lo):
            t = np.tensordot(p[k], t, axes=([0], [0]))
        return t if i < j else t.T

    def _pair_payoffs_all(self, profile: tuple[NDArray, ...]) -> list[list[NDArray | None]]:
        # For player i the trailing axes are contracted one at a time (BLAS mat-vec) and the
        # leading ones from the front, each partial contraction shared by the pairs that
        # need it; only the axes strictly between i and j are contracted per pair.
        n = self.n_players
        out: list[list[NDArray | None]] = [[None] * n for _ in range(n)]
        for i in range(n):
            t = self._payoffs[i]
            for j in range(n - 1, i, -1):  # t has axes 0..j
                m = t
                for k in range(j - 1, i, -1):
                    m = _contract_axis(m, profile[k], k)
                for k in range(i):
                    m = (profile[k] @ m.reshape(m.shape[0], -1)).reshape(m.shape[1:])
                out[i][j] = m
                t = t @ profile[j]
            lead = t  # axes 0..i, then axes j..i as the leading ones are contracted
            for j in range(i):
                m = lead
                for pos in range(i - j - 1, 0, -1):
                    m = _contract_axis(m, profile[j + pos], pos)
                out[i][j] = m.T
                lead = (profile[j] @ lead.reshape(lead.shape[0], -1)).reshape(lead.shape[1:])
        return out

    def to_normal_form(self, *, max_profiles: int = DEFAULT_MAX_PROFILES) -> NormalFormGame:
        """A dense game is its own normal form."""
        return self

    def is_symmetric(self, *, tol: float = 0.0) -> bool:
        """True if all players have the same number of actions and
        ``payoffs[i][a] == payoffs[pi(i)][a permuted by pi]`` for every permutation ``pi``
        (checked on the adjacent transpositions, which generate all permutations)."""
        n, shape = self.n_players, self.shape
        if len(set(shape)) != 1:
            return False
        u = self._payoffs
        for k in range(n - 1):
            perm = list(range(n))
            perm[k], perm[k + 1] = perm[k + 1], perm[k]
            for i in range(n):
                # swapping players k and k+1 maps player i's role to sigma(i)
                si = perm[i]
                if not np.allclose(u[si], np.transpose(u[i], perm), rtol=0.0, atol=tol):
                    return False
        return True

    # ---------------------------------------------------------------- interop
    @classmethod
    def from_nashpy(cls, game: Any, **kwargs: Any) -> NormalFormGame:
        """Convert a ``nashpy.Game`` (2 players) to a :class:`NormalFormGame`."""
        try:
            A, B = game.payoff_matrices
        except AttributeError:
            raise InvalidGameError(
                f"expected a nashpy.Game (with .payoff_matrices), got {type(game).__name__}"
            ) from None
        return cls.from_bimatrix(A, B, **kwargs)

    def to_nashpy(self) -> Any:
        """This 2-player game as a ``nashpy.Game``."""
        import nashpy

        if self.n_players != 2:
            raise InvalidGameError(
                f"to_nashpy needs a 2-player game; this game has {self.n_players} players"
            )
        return nashpy.Game(np.array(self._payoffs[0]), np.array(self._payoffs[1]))


def _check_player_names(names: Sequence[str] | None, n: int) -> tuple[str, ...]:
    if names is None:
        return tuple(str(i + 1) for i in range(n))
    if isinstance(names, str):
        raise InvalidGameError(
            f"player_names={names!r} is a string; expected a sequence of {n} names"
        )
    names = tuple(str(x) for x in names)
    if len(names) != n:
        raise InvalidGameError(
            f"player_names has {len(names)} names; expected {n} (one per player)"
        )
    if len(set(names)) != n:
        raise InvalidGameError(f"player_names={list(names)} has duplicates; expected unique names")
    return names


def _check_action_names(
    names: Sequence[Sequence[str]] | None, shape: tuple[int, ...]
) -> tuple[tuple[str, ...], ...]:
    if names is None:
        return tuple(tuple(str(a + 1) for a in range(k)) for k in shape)
    names = tuple(names)
    if len(names) != len(shape):
        raise InvalidGameError(
            f"action_names has {len(names)} entries; expected {len(shape)} (one per player)"
        )
    out = []
    for i, (labels, k) in enumerate(zip(names, shape, strict=True)):
        if isinstance(labels, str):
            raise InvalidGameError(f"action_names[{i}]={labels!r} is a string; expected {k} labels")
        labels = tuple(str(x) for x in labels)
        if len(labels) != k:
            raise InvalidGameError(
                f"action_names[{i}] has {len(labels)} labels; expected {k} (player {i}'s actions)"
            )
        out.append(labels)
    return tuple(out)
