"""Dense N-player games in strategic form.

Axis convention (stated once, used everywhere): ``payoffs`` is a float array of shape
``(n_players, n_1, ..., n_N)`` and ``payoffs[i][a_1, ..., a_N]`` is player ``i``'s payoff
when player ``j`` plays action ``a_j``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import DeterrenceError, GameTooLargeError, InvalidGameError
from .base import DEFAULT_MAX_PROFILES, Game, PayoffJacobian, as_mixed_profile

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


#: Most players of a dense table: numpy arrays have at most 64 axes, one is the player axis.
MAX_PLAYERS = 63
#: Most pure profiles :meth:`NormalFormGame.from_function` evaluates (one Python call each).
FROM_FUNCTION_MAX_PROFILES = 10_000_000


def _real_scalar(v: Any, where: str) -> float:
    """``v`` as a float; booleans, complex numbers and strings are refused."""
    if isinstance(v, bool | np.bool_):
        raise InvalidGameError(f"{where} has the boolean {v!r}; expected real-number payoffs")
    if isinstance(v, complex | np.complexfloating):
        raise InvalidGameError(f"{where} has the complex number {v!r}; expected real payoffs")
    if isinstance(v, str | bytes):
        raise InvalidGameError(f"{where} has the string {v!r}; expected real-number payoffs")
    try:
        return float(v)
    except (TypeError, ValueError):
        raise InvalidGameError(f"{where} has {v!r}; expected real-number payoffs") from None


def _too_many_axes(ndim: int) -> InvalidGameError:
    return InvalidGameError(
        f"payoffs would need {ndim} array axes ({ndim - 1} players); a dense table holds at "
        f"most {MAX_PLAYERS} players (numpy's limit of 64 axes); describe larger games as a "
        "structured game (a dt.Game subclass) instead"
    )


def _as_payoff_array(payoffs: Any) -> NDArray[np.float64]:
    """The payoffs as a C-ordered float array; strings, booleans and complex numbers (even
    with zero imaginary parts) are refused rather than coerced."""
    if payoffs is None or isinstance(payoffs, dict | str | bytes):
        raise InvalidGameError(
            f"payoffs={payoffs!r} is not valid; expected an array of real numbers of shape "
            "(n_players, n_1, ..., n_N)"
        )
    try:
        raw = payoffs if isinstance(payoffs, np.ndarray) else np.asarray(payoffs)
    except (TypeError, ValueError) as exc:
        if "dimension" in str(exc) and "64" in str(exc):
            raise _too_many_axes(65) from None
        raise InvalidGameError(
            f"payoffs cannot be read as a rectangular array of real numbers ({exc}); "
            "expected shape (n_players, n_1, ..., n_N)"
        ) from None
    kind = raw.dtype.kind
    if kind == "b":
        raise InvalidGameError(
            "payoffs has dtype bool; expected real numbers (convert explicitly with "
            "payoffs.astype(float) if 0/1 is meant)"
        )
    if kind == "c":
        raise InvalidGameError(
            f"payoffs has dtype {raw.dtype} (complex numbers); expected real numbers (take "
            "the real part explicitly if that is meant)"
        )
    if kind in "USV":
        raise InvalidGameError(
            f"payoffs has dtype {raw.dtype} (strings or raw bytes); expected real numbers"
        )
    if kind == "O":
        flat = raw.ravel()
        vals = np.empty(flat.shape)
        for k, v in enumerate(flat):
            vals[k] = _real_scalar(v, f"payoffs entry {k}")
        raw = vals.reshape(raw.shape)
    try:
        return np.array(raw, dtype=float, order="C")
    except (TypeError, ValueError) as exc:
        raise InvalidGameError(
            f"payoffs cannot be read as an array of real numbers ({exc}); expected shape "
            "(n_players, n_1, ..., n_N)"
        ) from None


def _check_shape(shape: Any) -> tuple[int, ...]:
    """A game shape: a non-empty sequence of positive ints, at most MAX_PLAYERS of them."""
    if isinstance(shape, str | bytes) or not isinstance(shape, Sequence | np.ndarray):
        raise InvalidGameError(
            f"shape={shape!r} is not valid; expected a sequence of action counts, one per player"
        )
    out = []
    for i, k in enumerate(shape):
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise InvalidGameError(
                f"shape[{i}]={k!r} is not valid; expected a positive integer (number of actions)"
            )
        out.append(int(k))
    if not out:
        raise InvalidGameError("shape=() is empty; expected at least one player")
    if len(out) > MAX_PLAYERS:
        raise _too_many_axes(len(out) + 1)
    total = math.prod(out)
    if total > FROM_FUNCTION_MAX_PROFILES:
        raise GameTooLargeError(
            f"shape={tuple(out)} has {total} pure profiles, above the limit "
            f"{FROM_FUNCTION_MAX_PROFILES} of from_function (one Python call per profile); "
            "build the payoff array with numpy and pass it to dt.NormalFormGame"
        )
    return tuple(out)


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
        arr = _as_payoff_array(payoffs)
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
        every pure profile (for small hand-written games; vectorise for large ones).

        ``shape`` is checked first (positive integers, at most :data:`MAX_PLAYERS` players,
        at most :data:`FROM_FUNCTION_MAX_PROFILES` profiles); an exception raised by
        ``payoff`` or a return value that is not ``n_players`` real numbers becomes an
        :class:`~deterrence.errors.InvalidGameError` naming the profile.

        Examples
        --------
        >>> import deterrence as dt
        >>> g = dt.NormalFormGame.from_function((2, 2), lambda a: [float(a[0] == a[1])] * 2)
        >>> g.payoffs[0].tolist()
        [[1.0, 0.0], [0.0, 1.0]]
        >>> try:
        ...     dt.NormalFormGame.from_function((2, 2), lambda a: [0.0])
        ... except dt.DeterrenceError as exc:
        ...     print(exc)
        payoff((0, 0)) returned 1 value(s); expected 2 (one per player)
        """
        shape = _check_shape(shape)
        n = len(shape)
        arr = np.empty((n, *shape))
        for prof in itertools.product(*(range(k) for k in shape)):
            try:
                val = payoff(prof)
            except DeterrenceError:
                raise
            except Exception as exc:  # the user's function failed on this profile
                raise InvalidGameError(
                    f"payoff({prof}) raised {type(exc).__name__}: {exc}; expected the payoff "
                    f"function to return {n} payoffs (one per player) for every profile"
                ) from exc
            try:
                row = np.asarray(val)
                if row.dtype.kind in "bc" or row.dtype.kind in "USO":
                    row = np.asarray([_real_scalar(v, f"payoff({prof})") for v in val])
                row = row.astype(float)
            except DeterrenceError:
                raise
            except (TypeError, ValueError):
                raise InvalidGameError(
                    f"payoff({prof}) returned {val!r}; expected {n} real numbers (one per player)"
                ) from None
            if row.shape != (n,):
                got = row.size if row.ndim == 1 else f"shape {row.shape}"
                raise InvalidGameError(
                    f"payoff({prof}) returned {got} value(s); expected {n} (one per player)"
                )
            arr[(slice(None), *prof)] = row
        return cls(arr, **kwargs)

    # --------------------------------------------------------------- properties
    @property
    def payoffs(self) -> NDArray[np.float64]:
        """Read-only payoff array, shape ``(n_players, n_1, ..., n_N)``."""
        return self._payoffs

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of actions of each player: the payoff array's shape after the player axis."""
        return tuple(self._payoffs.shape[1:])

    @property
    def player_names(self) -> tuple[str, ...]:
        """Player labels given to the constructor (default ``"1"``, ``"2"``, ...)."""
        return self._player_names

    @property
    def action_names(self) -> tuple[tuple[str, ...], ...]:
        """Action labels of each player given to the constructor (default ``"1"``, ``"2"``, ...)."""
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
        """Player ``i``'s payoff for each action pair of ``i`` and ``j``, contracting the
        other players' axes of the table (no oracle calls)."""
        i, j = self._check_pair(i, j)
        p = as_mixed_profile(self, profile)
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

    def symmetric_payoffs(self, q: ArrayLike) -> NDArray[np.float64]:
        """Player 0's payoff of each action when every other player plays ``q``, contracted
        from the table."""
        self._shared_size()
        q = np.asarray(q, dtype=float)
        return _contract_others(self._payoffs[0], (q,) * self.n_players, 0)

    def symmetric_pair_payoffs(self, q: ArrayLike) -> NDArray[np.float64]:
        """Player 0's payoff table over its action and player 1's, with players ``2..N-1``
        contracted with ``q`` (zeros for a one-player game)."""
        n = self._shared_size()
        if self.n_players < 2:
            return np.zeros((n, n))
        q = np.asarray(q, dtype=float)
        t = self._payoffs[0]
        for _ in range(self.n_players - 2):
            t = t @ q
        return t

    def payoff_scale(self, *, symmetric: bool = False) -> float:
        """The range of the payoff table (1.0 if every payoff is the same), whether or not
        the caller solves in the shared strategy (``symmetric``)."""
        s = float(np.ptp(self._payoffs))
        return s if np.isfinite(s) and s > 0 else 1.0

    def payoff_jacobian(self, *, scale: float = 1.0) -> PayoffJacobian:
        """One batched tensor product per evaluation when the laid-out tables fit in
        :attr:`_DensePayoffJacobian.MAX_ENTRIES` floats; else the generic evaluator on the
        dense second-order oracle (see :meth:`Game.payoff_jacobian`)."""
        if _DensePayoffJacobian.fits(self):
            return _DensePayoffJacobian(self, scale)
        return PayoffJacobian(self, scale)

    def dense_payoffs(self) -> NDArray[np.float64]:
        """The (read-only) payoff array: a dense game holds its table."""
        return self._payoffs

    def to_normal_form(self, *, max_profiles: int = DEFAULT_MAX_PROFILES) -> NormalFormGame:
        """A dense game is its own normal form."""
        return self

    def is_symmetric(self, *, tol: float = 0.0) -> bool:  # exact: never None
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


class _DensePayoffJacobian(PayoffJacobian):
    """A small dense game: every ordered pair's table is laid out once as a matrix
    ``(n_i * n_j, prod of the others' sizes)``, so the whole Jacobian is one batched
    matrix product with the Kronecker products of the other players' strategies."""

    #: Largest number of floats in the laid-out tables (else use the game's own oracle).
    MAX_ENTRIES = 4_000_000

    @classmethod
    def fits(cls, game: NormalFormGame) -> bool:
        """True if the laid-out tables of ``game`` stay within :attr:`MAX_ENTRIES`."""
        if game.n_players < 2:
            return False
        shape = game.shape
        n = len(shape)
        big_pair = max(shape[i] * shape[j] for i in range(n) for j in range(n) if i != j)
        big_rest = max(
            math.prod(shape[k] for k in range(n) if k not in (i, j))
            for i in range(n)
            for j in range(n)
            if i != j
        )
        return n * (n - 1) * big_pair * big_rest <= cls.MAX_ENTRIES

    def __init__(self, game: NormalFormGame, scale: float) -> None:
        super().__init__(game, scale)
        shape = self.sizes
        n = len(shape)
        K = self.K
        self.pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
        self.others = [tuple(k for k in range(n) if k not in (i, j)) for i, j in self.pairs]
        big_pair = max(shape[i] * shape[j] for i, j in self.pairs)
        big_rest = max(math.prod(shape[k] for k in o) for o in self.others)
        T = np.zeros((len(self.pairs), big_pair, big_rest))
        flat, src = [], []
        for r, ((i, j), o) in enumerate(zip(self.pairs, self.others, strict=True)):
            t = np.transpose(game.payoffs[i], (i, j, *o)).reshape(shape[i] * shape[j], -1)
            T[r, : t.shape[0], : t.shape[1]] = t / scale
            a, b = np.divmod(np.arange(shape[i] * shape[j]), shape[j])
            flat.append((self.offsets[i] + a) * K + self.offsets[j] + b)
            src.append(r * big_pair + np.arange(shape[i] * shape[j]))
        self.T = T
        self.flat = np.concatenate(flat)
        self.src = np.concatenate(src)
        self.big_rest = big_rest
        # the pair (i, j) and (j, i) share the same others: compute each product once
        self.kron_rows: dict[tuple[int, ...], list[int]] = {}
        for r, o in enumerate(self.others):
            self.kron_rows.setdefault(o, []).append(r)
        # two players: the Jacobian is constant; three: it is linear in the profile,
        # vec(J) = W @ p, one small matrix-vector product
        self.J_const: NDArray | None = None
        self.W: NDArray | None = None
        if n == 2:
            self.J_const = self._batched(np.zeros(K))
        elif n == 3 and K**3 <= self.MAX_ENTRIES:
            W = np.zeros((K * K, K))
            start = 0
            for r, ((i, j), o) in enumerate(zip(self.pairs, self.others, strict=True)):
                m = shape[i] * shape[j]
                rows = self.flat[start : start + m]
                cols = self.offsets[o[0]] + np.arange(shape[o[0]])
                W[np.ix_(rows, cols)] = T[r, :m, : shape[o[0]]]
                start += m
            self.W = W

    def payoffs(self, p: NDArray) -> NDArray:
        ph, _ = self._normalize(p)
        return self._raw(ph)[0]

    def payoffs_ext(self, p: NDArray) -> NDArray:
        return self._raw(p)[0]

    def payoffs_jacobian(self, p: NDArray) -> tuple[NDArray, NDArray]:
        # the dense payoffs are multilinear: their extension off the simplex is exact, and
        # u and J below are its value and derivative at any p (no normalisation needed)
        return self._raw(p)

    def _raw(self, p: NDArray) -> tuple[NDArray, NDArray]:
        K = self.K
        if self.J_const is not None:
            J = self.J_const
        elif self.W is not None:
            J = (self.W @ p).reshape(K, K)
        else:
            J = self._batched(p)
        return (J @ p) / (len(self.sizes) - 1), J

    def _batched(self, p: NDArray) -> NDArray:
        blocks = self.blocks(p)
        kron = np.zeros((len(self.pairs), self.big_rest, 1))
        for o, rows in self.kron_rows.items():
            v = blocks[o[0]] if o else np.ones(1)
            for k in o[1:]:
                v = np.multiply.outer(v, blocks[k]).ravel()
            kron[rows, : len(v), 0] = v
        R = np.matmul(self.T, kron)
        K = self.K
        J = np.zeros(K * K)
        J[self.flat] = R.ravel()[self.src]
        return J.reshape(K, K)


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
