"""The tracer's linear algebra for an agent form with few states coupled at low rank.

The corrector of :func:`deterrence.solvers._continuation._trace` solves, at every path
step, with the augmented Jacobian of the logit equations in the tracked coordinates
(``n`` tracked actions and ``lambda``)::

    M = [[A, b],          A (n x n): the log-odds and simplex rows,
         [t, t_lam]]      b: their lambda derivative, [t, t_lam]: the tangent row.

For a dense stochastic game's agent form the payoff Jacobian factors
(:class:`~deterrence.solvers._stochastic_homotopy.JacobianParts`): an agent's payoffs
depend on the other states' strategies only through the values of those states, one
number per (player, state). The rows of ``A`` are combinations of the payoff rows *of
the same agent* and its columns are scaled by the probabilities, so

    A = blockdiag(D_1, ..., D_S) + U V^T,    rank(U V^T) <= N S,

``D_k`` the exact diagonal block of state ``k`` (its own pair blocks and its own value
coupling) and ``U V^T`` the coupling between different states: ``U[row, (i, k')] =
lambda (W[ref, k'] - W[row, k'])`` for a log-odds row of player ``i`` (zero for
``k' = k``, which ``D_k`` holds) and ``V[col, (i, k')] = G[i, k', col] p_col`` for a
column of state ``k'``. With the border written as two more rank-one terms, ``M = Dt +
Ut Vt^T`` where ``Dt = blockdiag(D_1, ..., D_S, 1)``, and the Woodbury identity solves
with ``M`` from the block inverses and one small *capacitance* matrix
``C = I + Vt^T Dt^-1 Ut`` of order ``N S + 2``::

    M^-1 y = Dt^-1 y - (Dt^-1 Ut) C^-1 (Vt^T Dt^-1 y),   det M = det Dt * det C,

so the orientation sign the tracer watches is exact as well. The cost is ``S`` block
inversions of the tracked actions of one state and products with ``n x (N S + 2)``
matrices, against a dense factorisation of order ``n`` (264 at 8 states x 3 players x 11
actions: about fifteen times fewer operations, and no ``n x n`` array is built).

Safeguard: a block may be singular (the state's own system turning) while ``M`` is not;
every factorisation checks its first solve's residual against ``M`` itself (applied in
factored form) and, when the identity lost accuracy or a block is singular, factors the
dense ``M`` assembled from the same pieces instead (:class:`DenseFactor`).

Below the low-rank threshold the tracer factors ``M`` densely, and :func:`_dense_rows`
writes its log-odds rows straight from the factored Jacobian (one compiled pass, no
``K x K`` payoff Jacobian; 25-30% less time per evaluation at 8 states x 3 players x 5
actions).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import scipy.linalg.lapack
from numpy.typing import NDArray

from ._numba import LazyKernels

__all__ = ["BlockLayout", "DenseFactor", "LowRankSystem", "lu_sign"]

_GETRF = scipy.linalg.lapack.dgetrf
_GETRS = scipy.linalg.lapack.dgetrs
_ACCURACY = 1e-9  # largest relative residual of a Woodbury solve accepted

#: Compile the block kernels with numba when it is importable (else numpy's batched
#: inverse, same answers).
ENABLED = True


def kernels() -> SimpleNamespace | None:
    """The compiled block kernels (``.lu``, ``.solve``, ``.build``, ``.dense_rows``), or
    None without numba."""
    return _KERNELS.get(ENABLED)


def _compile(numba: Any) -> SimpleNamespace:
    """Compile the kernels."""
    jit = numba.njit(cache=True, nogil=True)
    return SimpleNamespace(
        lu=jit(_lu_blocks), solve=jit(_solve_blocks), build=jit(_build), dense_rows=jit(_dense_rows)
    )


def _lu_blocks(D, piv):
    """LU factors with partial pivoting of every block of ``D`` (S, n, n), in place;
    ``piv[k, j]`` the row swapped with row ``j``. Returns the sign of the product of the
    determinants, 0 when a block is exactly singular."""
    S, n = D.shape[0], D.shape[1]
    sign = 1
    for k in range(S):
        A = D[k]
        for j in range(n):
            p = j
            best = abs(A[j, j])
            for i in range(j + 1, n):
                v = abs(A[i, j])
                if v > best:
                    best, p = v, i
            piv[k, j] = p
            if best == 0.0:
                return 0
            if p != j:
                sign = -sign
                for c in range(n):
                    tmp = A[j, c]
                    A[j, c] = A[p, c]
                    A[p, c] = tmp
            d = A[j, j]
            if d < 0.0:
                sign = -sign
            for i in range(j + 1, n):
                f = A[i, j] / d
                A[i, j] = f
                if f != 0.0:
                    for c in range(j + 1, n):
                        A[i, c] -= f * A[j, c]
    return sign


def _build(W, G, P, player, pa, lam, du, st, loc, rk, count, ref_of, is_ref, agent, D, U, V, b):
    """:class:`LowRankSystem`'s pieces in one pass (the numpy route's equations):
    ``D`` (S, Lm, Lm) on entry the identity, ``U``, ``V`` (n, N S) and ``b`` (n,) on entry
    zero; ``du`` the payoff gaps of the log-odds rows in tracked order (0 for the rest);
    the tracked positions of a state are consecutive (``count[k]`` of them)."""
    n = st.shape[0]
    S = D.shape[0]
    for c in range(n):
        k = st[c]
        lc = loc[c]
        r = rk[c]
        j0, j1 = c - r, c - r + count[k]  # the tracked positions of state k
        if is_ref[c]:
            for j in range(j0, j1):
                D[k, r, rk[j]] = pa[j] if agent[j] == agent[c] else 0.0
            continue
        rr = ref_of[c]
        lr = loc[rr]
        i = player[lc]
        pr, pc = player[lr], player[lc]
        for j in range(j0, j1):
            lj = loc[j]
            jr = W[k, lr, k] * G[pr, k, lj] + P[k, lr, lj]
            jc = W[k, lc, k] * G[pc, k, lj] + P[k, lc, lj]
            D[k, r, rk[j]] = lam * (jr - jc) * pa[j]
        D[k, r, r] += 1.0
        D[k, r, rk[rr]] -= 1.0
        for kk in range(S):
            if kk != k:
                U[c, i * S + kk] = lam * (W[k, lr, kk] - W[k, lc, kk])
        b[c] = -du[c]
    N = G.shape[0]
    for c in range(n):
        k = st[c]
        for i in range(N):
            V[c, i * S + k] = G[i, k, loc[c]] * pa[c]


def _dense_rows(W, G, P, player, L, pa, lam, du, act, kcol, nonref, nonref_ref, r_non, r_ref_of, M):
    """The log-odds rows of the dense augmented Jacobian straight from the factored
    payoff Jacobian (the tracer's dense route without the ``K x K`` matrix): row ``r_non[q]``
    of ``M`` (tracked columns ``act``, then lambda) is ``lambda (J[ref] - J[a]) * pa``
    plus the log-odds identity, for the action ``a = nonref[q]`` and its reference
    ``nonref_ref[q]``, with ``J[x, y] = W[k_x, l_x, k_y] G[player[l_x], y] + [k_x = k_y]
    P[k_x, l_x, l_y]`` (``k = index // L``, ``l = index % L``; ``G`` flattened to
    (N, K), ``kcol`` the state of each tracked column); its last entry is ``-du[q]``."""
    m = act.shape[0]
    S = W.shape[0]
    wa = np.empty(S)
    wb = np.empty(S)
    for q in range(r_non.shape[0]):
        c = r_non[q]
        a, b = nonref[q], nonref_ref[q]
        k, la, lb = a // L, a % L, b % L  # (an action and its reference share a state)
        ga, gb = G[player[la]], G[player[lb]]
        for t in range(S):
            wa[t] = W[k, la, t]
            wb[t] = W[k, lb, t]
        off = k * L
        for j in range(m):
            y = act[j]
            ky = kcol[j]
            g = wb[ky] * gb[y] - wa[ky] * ga[y]
            if ky == k:
                g += P[k, lb, y - off] - P[k, la, y - off]
            M[c, j] = lam * g * pa[j]
        M[c, c] += 1.0
        M[c, r_ref_of[q]] -= 1.0
        M[c, m] = -du[q]


def _solve_blocks(LU, piv, Y):
    """``Y[k] <- D[k]^-1 Y[k]`` for every block, from :func:`_lu_blocks`' factors
    (``Y``: (S, n, q), in place)."""
    S, n, q = Y.shape[0], Y.shape[1], Y.shape[2]
    for k in range(S):
        A = LU[k]
        B = Y[k]
        for j in range(n):
            p = piv[k, j]
            if p != j:
                for c in range(q):
                    tmp = B[j, c]
                    B[j, c] = B[p, c]
                    B[p, c] = tmp
        for j in range(n):
            for i in range(j + 1, n):
                f = A[i, j]
                if f != 0.0:
                    for c in range(q):
                        B[i, c] -= f * B[j, c]
        for j in range(n - 1, -1, -1):
            d = A[j, j]
            for c in range(q):
                B[j, c] /= d
            for i in range(j):
                f = A[i, j]
                if f != 0.0:
                    for c in range(q):
                        B[i, c] -= f * B[j, c]


def lu_sign(lu: NDArray, piv: NDArray) -> int:
    """The sign of ``det(M)`` from LAPACK's LU factors of ``M`` (``piv`` 0-based)."""
    neg = np.count_nonzero(lu.diagonal() < 0) + np.count_nonzero(piv != np.arange(len(piv)))
    return -1 if neg % 2 else 1


class DenseFactor:
    """LU factors of a dense matrix, with ``solve`` and the sign of its determinant."""

    __slots__ = ("lu", "piv", "sign")

    def __init__(self, lu: NDArray, piv: NDArray) -> None:
        self.lu, self.piv = lu, piv
        self.sign = lu_sign(lu, piv)

    @classmethod
    def of(cls, M: NDArray) -> DenseFactor | None:
        """Factor ``M`` (overwritten), or None when it is singular."""
        lu, piv, info = _GETRF(M, overwrite_a=True)
        if info != 0:
            return None
        return cls(lu, piv)

    def solve(self, rhs: NDArray) -> NDArray | None:
        """``M^-1 rhs`` (vector or matrix), or None when LAPACK refuses."""
        x, info = _GETRS(self.lu, self.piv, rhs)
        return x if info == 0 else None


class BlockLayout:
    """The tracked actions of one tracked set grouped by state, padded to equal blocks.

    ``act`` are the tracked actions (indices into the full profile, sorted), each state
    holding ``L`` consecutive entries of it; ``r_non``/``r_ref_of`` the tracked positions
    of the log-odds rows and of their reference actions, ``r_refs`` those of the simplex
    rows, ``agent`` the agent (block) of each full index.
    """

    def __init__(
        self,
        act: NDArray,
        L: int,
        n_states: int,
        r_non: NDArray,
        r_ref_of: NDArray,
        r_refs: NDArray,
        agent: NDArray,
        player: NDArray,
        n_players: int,
    ) -> None:
        n = len(act)
        S = n_states
        st = act // L
        loc = act % L
        counts = np.bincount(st, minlength=S)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rk = np.arange(n) - first[st]
        Lm = int(counts.max())
        self.n, self.S, self.Lm, self.N = n, S, Lm, n_players
        self.st, self.loc, self.rk = st, loc, rk  # (intp: the compiled route's int64)
        self.pad = st * Lm + rk  # flat index into (S, Lm)
        lt = np.zeros((S, Lm), dtype=np.intp)
        lt[st, rk] = loc
        self.lt = lt
        self.full = bool(n == S * Lm and (lt == np.arange(Lm)).all())
        valid = np.zeros((S, Lm), dtype=bool)
        valid[st, rk] = True
        self.pad_k, self.pad_r = np.nonzero(~valid)
        self.r_non, self.r_ref_of, self.r_refs = r_non, r_ref_of, r_refs
        self.non_k, self.non_r, self.non_rr = st[r_non], rk[r_non], rk[r_ref_of]
        self.ref_k, self.ref_r = st[r_refs], rk[r_refs]
        ag = np.full((S, Lm), -1, dtype=np.intp)
        ag[st, rk] = agent[act]
        self.ref_mask = ag[self.ref_k] == agent[act[r_refs]][:, None]  # (n_refs, Lm)
        self.kk = np.arange(S)[:, None, None]
        self.player_non = player[loc[r_non]]  # player of each log-odds row
        self.st_non = st[r_non]
        self.arange_n = np.arange(n)
        self.r = n_players * S
        # the compiled route's per-position arrays
        self.ref_of = np.arange(n, dtype=np.int64)
        self.ref_of[r_non] = r_ref_of
        self.is_ref = np.zeros(n, dtype=np.bool_)
        self.is_ref[r_refs] = True
        self.agent_t = np.asarray(agent[act], dtype=np.int64)
        self.count = np.asarray(counts, dtype=np.int64)

    def to_pad(self, Y: NDArray) -> NDArray:
        """Rows of ``Y`` (n, ...) scattered into the padded blocks (S, Lm, ...)."""
        out = np.zeros((self.S * self.Lm, *Y.shape[1:]))
        out[self.pad] = Y
        return out.reshape(self.S, self.Lm, *Y.shape[1:])

    def from_pad(self, Yp: NDArray) -> NDArray:
        """The inverse gather of :meth:`to_pad`."""
        return Yp.reshape(self.S * self.Lm, *Yp.shape[2:])[self.pad]


class LowRankSystem:
    """The augmented Jacobian ``M`` of one corrector point in block + low-rank form."""

    __slots__ = ("D", "U", "V", "b", "lay")

    def __init__(self, lay: BlockLayout, parts: Any, pa: NDArray, lam: float, du: NDArray):
        kern = kernels()
        if kern is not None:
            n, r = lay.n, lay.r
            D = np.zeros((lay.S, lay.Lm, lay.Lm))
            D[:, np.arange(lay.Lm), np.arange(lay.Lm)] = 1.0
            U = np.zeros((n, r))
            V = np.zeros((n, r))
            b = np.zeros(n)
            du_t = np.zeros(n)
            du_t[lay.r_non] = du
            kern.build(
                parts.W,
                parts.G,
                parts.P,
                parts.player,
                pa,
                lam,
                du_t,
                lay.st,
                lay.loc,
                lay.rk,
                lay.count,
                lay.ref_of,
                lay.is_ref,
                lay.agent_t,
                D,
                U,
                V,
                b,
            )
            self.D, self.U, self.V, self.b, self.lay = D, U, V, b, lay
            return
        S, Lm = lay.S, lay.Lm
        W, G, P, player = parts.W, parts.G, parts.P, parts.player
        ar = np.arange(S)
        # the state-diagonal blocks of J (self value coupling included), tracked entries
        Wd = W[ar, :, ar]  # (S, L): W[k, l, k]
        Gk = np.swapaxes(G, 0, 1)[:, player, :]  # (S, L, L): G[player[l], k, l']
        Jd = Wd[:, :, None] * Gk
        Jd += P
        if lay.full:  # every action tracked: the blocks are the states' own
            Jt = Jd
        else:
            lt = lay.lt
            Jt = Jd[lay.kk, lt[:, :, None], lt[:, None, :]]  # (S, Lm, Lm)
        pa_pad = lay.to_pad(pa)  # zero on padding
        Jt *= pa_pad[:, None, :]
        D = np.zeros((S, Lm, Lm))
        nk, nr, nrr = lay.non_k, lay.non_r, lay.non_rr
        D[nk, nr] = lam * (Jt[nk, nrr] - Jt[nk, nr])
        D[nk, nr, nr] += 1.0
        D[nk, nr, nrr] -= 1.0
        D[lay.ref_k, lay.ref_r] = lay.ref_mask * pa_pad[lay.ref_k]
        D[lay.pad_k, lay.pad_r, lay.pad_r] = 1.0
        # the coupling between states
        n, N = lay.n, lay.N
        Wt = W[lay.st, lay.loc]  # (n, S)
        dW = Wt[lay.r_ref_of] - Wt[lay.r_non]  # (n_non, S)
        dW *= lam
        dW[np.arange(len(lay.r_non)), lay.st_non] = 0.0
        U = np.zeros((n, N, S))
        U[lay.r_non, lay.player_non] = dW
        V = np.zeros((n, N, S))
        V[lay.arange_n, :, lay.st] = G[:, lay.st, lay.loc].T * pa[:, None]
        b = np.zeros(n)
        b[lay.r_non] = -du
        self.D, self.U, self.V, self.b, self.lay = D, U.reshape(n, -1), V.reshape(n, -1), b, lay

    def dense(self, t: NDArray) -> NDArray:
        """The dense augmented matrix (the fallback and the tests)."""
        lay = self.lay
        n = lay.n
        M = np.empty((n + 1, n + 1))
        top = M[:n, :n]
        np.matmul(self.U, self.V.T, out=top)
        blocks = self.D[lay.st[:, None], lay.rk[:, None], lay.rk[None, :]]
        same = lay.st[:, None] == lay.st[None, :]
        top[same] += blocks[same]
        M[:n, n] = self.b
        M[n] = t
        return M

    def factor(self, t: NDArray) -> Any:
        """A factorisation of ``M`` with the tangent row ``t`` (Woodbury, or dense when
        that would be inaccurate): an object with ``solve(rhs)`` and ``sign``; None when
        ``M`` is singular."""
        if not (
            np.isfinite(self.D).all() and np.isfinite(self.U).all() and np.isfinite(self.V).all()
        ):
            return None
        f = _Woodbury.of(self, t)
        if f is not None:
            return f
        return DenseFactor.of(self.dense(t))


class _Woodbury:
    """``M^-1`` by the Woodbury identity (module docstring)."""

    __slots__ = ("Vt", "Z", "blocks", "lay", "lu", "piv", "sign")

    @classmethod
    def of(cls, sysm: LowRankSystem, t: NDArray) -> _Woodbury | None:
        lay = sysm.lay
        n, r = lay.n, sysm.U.shape[1]
        self = cls.__new__(cls)
        self.lay = lay
        kern = kernels()
        if kern is not None:
            LUb = sysm.D.copy()
            piv = np.empty(LUb.shape[:2], dtype=np.int64)
            sgn = kern.lu(LUb, piv)
            if sgn == 0:
                return None
            self.blocks = (kern, LUb, piv)
        else:
            try:
                sg, _ = np.linalg.slogdet(sysm.D)
                Dinv = np.linalg.inv(sysm.D)
            except np.linalg.LinAlgError:
                return None
            if not np.all(sg != 0) or not np.isfinite(Dinv).all():
                return None
            sgn = int(np.prod(sg))
            self.blocks = Dinv
        Ut = np.zeros((n + 1, r + 2))
        Ut[:n, :r] = sysm.U
        Ut[:n, r] = sysm.b
        Ut[n, r + 1] = 1.0
        Vt = np.zeros((n + 1, r + 2))
        Vt[:n, :r] = sysm.V
        Vt[n, r] = 1.0
        Vt[:n, r + 1] = t[:n]
        Vt[n, r + 1] = t[n] - 1.0
        self.Vt = Vt
        Z = np.empty((n + 1, r + 2))
        Z[:n] = self._dsolve(Ut[:n])
        Z[n] = Ut[n]
        if not np.isfinite(Z).all():
            return None
        self.Z = Z
        C = Vt.T @ Z
        C[np.diag_indices(r + 2)] += 1.0
        lu, piv, info = _GETRF(C, overwrite_a=True)
        if info != 0:
            return None
        self.lu, self.piv = lu, piv
        self.sign = sgn * lu_sign(lu, piv)
        # accuracy: the solve of a test right-hand side against M applied in factored form
        y = np.ones(n + 1)
        x = self.solve(y)
        if x is None or not _accurate(sysm, t, x, y):
            return None
        return self

    def _dsolve(self, Y: NDArray) -> NDArray:
        """``blockdiag(D)^-1 Y`` for ``Y`` of shape (n, q)."""
        lay = self.lay
        Yp = lay.to_pad(Y)
        if isinstance(self.blocks, tuple):
            kern, LUb, piv = self.blocks
            kern.solve(LUb, piv, Yp)
            return lay.from_pad(Yp)
        return lay.from_pad(np.matmul(self.blocks, Yp))

    def solve(self, rhs: NDArray) -> NDArray | None:
        """``M^-1 rhs`` for a vector or an ``(n + 1, q)`` matrix."""
        n = self.lay.n
        vec = rhs.ndim == 1
        R = rhs[:, None] if vec else rhs
        w = np.empty(R.shape)
        w[:n] = self._dsolve(R[:n])
        w[n] = R[n]
        c, info = _GETRS(self.lu, self.piv, self.Vt.T @ w)
        if info != 0:
            return None
        w -= self.Z @ c
        return w[:, 0] if vec else w


def _accurate(sysm: LowRankSystem, t: NDArray, x: NDArray, y: NDArray) -> bool:
    """``M x`` (factored) agrees with ``y`` to :data:`_ACCURACY` relative to the terms."""
    lay = sysm.lay
    n = lay.n
    xt = x[:n]
    top = lay.from_pad(np.matmul(sysm.D, lay.to_pad(xt)[..., None])[..., 0])
    top += sysm.U @ (sysm.V.T @ xt)
    top += sysm.b * x[n]
    last = float(t @ x)
    err = max(float(np.abs(top - y[:n]).max()), abs(last - float(y[n])))
    size = float(np.abs(x).max()) * (1.0 + float(np.abs(sysm.D).max())) + float(np.abs(y).max())
    return bool(err <= _ACCURACY * size)


_KERNELS = LazyKernels(_compile)
