"""The stochastic game as the logit tracer sees it: the *agent form*.

Each (state, player) pair is one agent (one block of actions). Given a stationary profile
``sigma`` the values solve the linear Bellman system ``V_i = r_i(sigma) + d_i P_sigma V_i``
(for the *active* states; the other states' values are held fixed), and agent ``(s, i)``'s
payoff for action ``a`` is its deviation value

    u_{s,i,a}(sigma) = Q_{s,i,a}(sigma_s, V(sigma))
                     = r_i(a, sigma_{s,-i}) + d_i sum_t P(t | a, sigma_{s,-i}) V_{t,i}(sigma).

A stationary profile is a stationary (Markov-perfect) equilibrium exactly when every agent
best-responds to these payoffs (one-shot deviation principle), so the stationary logit
equilibria ``sigma = softmax(lambda u(sigma))`` are the logit QRE of the agent form, the
same correspondence sgamesolver's QRE homotopy traces (there with ``V`` as unknowns). The
principal branch is traced by :func:`deterrence.solvers._continuation._trace` (predictor-corrector
in log-probabilities, support polish at the end).

Jacobian (everything is evaluated on the simplex; the tracer applies the chain rule of
the normalisation). With ``M_i = (I - d_i P_AA)^-1`` over the active states ``A``:

    du_{s,i,a} / dsigma_{s',j,b} = [s = s', j != i] dQ_{s,i,a}/dsigma_{s,j,b}       (1)
                                 + d_i (T_{s,i} M_i)[a, s'] g_{s',i}(j, b)          (2)

(1) is the second-order oracle of the continuation game of ``s`` at ``V`` (the pair
payoffs); in (2) ``T_{s,i}[a, t]`` are the deviation transitions into active states and
``g_{s',i}(j, b)`` is the derivative of player ``i``'s expected continuation value at
``s'`` with respect to ``sigma_{s',j,b}``: ``Q_{s',i,b}`` if ``j = i``, else
``sigma_{s',i} @ pairs_{s'}[i][j][:, b]``. Term (2) is, for each agent, a sum of rank-one
blocks, assembled with one outer product per player.

Speed (:class:`DenseAgentSystem`, every active state of one shape). The states are batched
in tensor products; the normalisation's chain rule is fused into the Jacobian (the radial
sums are closed forms, see :meth:`DenseAgentSystem.payoffs_jacobian`), which is written in
one pass into a buffer reused across calls (a fresh ``K x K`` array per call costs more in
page faults than filling it); and the tracer runs with ``chord=True``: one Jacobian per
path step, at the predicted point, then chord corrector steps (the Jacobian and its
factorisation cost about six payoff evaluations here).

With numba (the ``fast`` extra) the two contractions run as compiled kernels
(:mod:`deterrence.solvers._agent_kernels`) and the glue between them -- the values, the
payoffs, the factored Jacobian -- in one compiled call each
(:mod:`deterrence.solvers._agent_fused`); numpy computes the same otherwise. The Jacobian
is also available factored (:meth:`DenseAgentSystem.payoffs_jacobian_parts`,
:class:`JacobianParts`): block-diagonal by state plus a coupling of rank ``N m``, which the
tracer solves with by the Woodbury identity from 150 actions on
(:mod:`deterrence.solvers._block_lowrank`). On the 8 states x 3 players x 11 actions
benchmark game that is 1.7x faster than the dense factorisation, which it replaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..games.base import PayoffJacobian
from ..games.normal_form import NormalFormGame
from ..games.stochastic import BaseStochasticGame, StochasticGame
from . import _agent_fused, _agent_kernels

__all__ = ["AgentSystem", "JacobianParts", "fast_normal_form"]


class JacobianParts(NamedTuple):
    """A dense agent form's Jacobian in factored form, states grouped (``m`` states,
    ``L`` entries each, ``K = m L``)::

        J[(k, l), (k', l')] = W[k, l, k'] * G[player[l], k', l'] + [k = k'] P[k, l, l']

    ``u`` (K,) the payoffs; ``W`` (m, L, m) how a row's payoff moves with the value of
    each state, ``G`` (N, m, L) how each player's value at a state moves with each entry,
    ``P`` (m, L, L) the state's own pair blocks (player-diagonal sub-blocks zero) and
    ``player`` (L,) the player of each entry of a state. The off-state coupling has rank
    at most ``N m``; :func:`deterrence.solvers._continuation._trace` solves with it by the
    Woodbury identity instead of factoring the dense matrix."""

    u: NDArray
    W: NDArray
    G: NDArray
    P: NDArray
    player: NDArray


def _inverse(M: NDArray) -> NDArray:
    """``inv(I - d P)``: always invertible on the simplex (``d < 1``); an off-simplex
    Newton iterate may make it singular, and then the pseudo-inverse keeps the function
    finite (the tracer and the polish reject such points by their residuals)."""
    try:
        return np.linalg.inv(M)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(M)


def fast_normal_form(table: NDArray) -> NormalFormGame:
    """A :class:`NormalFormGame` on an already valid float table (no copy, no checks):
    used only on tables the solver computed itself from validated inputs."""
    g = NormalFormGame.__new__(NormalFormGame)
    g._payoffs = table
    n = table.ndim - 1
    g._player_names = tuple(str(i + 1) for i in range(n))
    g._action_names = ()
    g.title = ""
    return g


class AgentSystem(PayoffJacobian):
    """Agent form of ``sg`` over the active ``states`` (values of the others fixed)."""

    def __init__(
        self,
        sg: BaseStochasticGame,
        states: Sequence[int],
        fixed: NDArray,
        scale: float,
    ) -> None:
        N = sg.n_players
        self.sg = sg
        self.states = tuple(int(s) for s in states)
        self.N = N
        self.shapes = [tuple(sg.shape(s)) for s in self.states]
        sizes = [k for sh in self.shapes for k in sh]
        super().__init__(None, scale, sizes=sizes)  # type: ignore[arg-type]
        self.fixed = np.array(fixed, dtype=float)
        self.S = sg.n_states
        self.d = np.asarray(sg.discount, dtype=float)
        self.A = np.array(self.states, dtype=np.intp)
        mask = np.ones(self.S, dtype=bool)
        mask[self.A] = False
        self.out = np.flatnonzero(mask)
        m = len(self.states)
        # active-state index of each column
        self.col_state = np.repeat(np.repeat(np.arange(m), N), sizes)
        self.dense = isinstance(sg, StochasticGame)
        self.last_values: NDArray | None = None

    # -- pieces
    def profiles(self, p: NDArray) -> list[tuple[NDArray, ...]]:
        b = self.blocks(p)
        N = self.N
        return [tuple(b[k * N : (k + 1) * N]) for k in range(len(self.states))]

    def _cont_game(self, s: int, V: NDArray) -> NormalFormGame:
        sg = self.sg
        if self.dense:
            return fast_normal_form(sg.continuation_table(s, V))  # type: ignore[attr-defined]
        return sg.continuation_game(s, V)

    def values(self, profs: list[tuple[NDArray, ...]]) -> tuple[NDArray, list, NDArray]:
        """Values of every state (active ones solved), the deviation transitions of each
        active state and the inverse matrices ``M_i``."""
        sg, N, d = self.sg, self.N, self.d
        m = len(self.states)
        P = np.empty((m, self.S))
        r = np.empty((m, N))
        Ts = []
        for k, s in enumerate(self.states):
            prof = profs[k]
            T = sg.deviation_transitions(s, prof)
            rd = sg.stage(s)._deviation_payoffs(prof)
            P[k] = prof[0] @ T[0]
            for i in range(N):
                r[k, i] = prof[i] @ rd[i]
            Ts.append(T)
        V = self.fixed.copy()
        PA = P[:, self.A]
        PO = P[:, self.out]
        Ms = np.empty((N, m, m))
        eye = np.eye(m)
        for i in range(N):
            Ms[i] = _inverse(eye - d[i] * PA)
            rhs = r[:, i] + d[i] * (PO @ self.fixed[self.out, i])
            V[self.A, i] = Ms[i] @ rhs
        return V, Ts, Ms

    def _raw_payoffs(self, p: NDArray) -> NDArray:
        profs = self.profiles(p)
        V, _, _ = self.values(profs)
        self.last_values = V
        out = []
        for k, s in enumerate(self.states):
            out.extend(self._cont_game(s, V)._deviation_payoffs(profs[k]))
        return np.concatenate([np.asarray(u, dtype=float) for u in out]) / self.scale

    def _raw(self, p: NDArray) -> tuple[NDArray, NDArray]:
        profs = self.profiles(p)
        V, Ts, Ms = self.values(profs)
        self.last_values = V
        N, d, K = self.N, self.d, self.K
        m = len(self.states)
        J = np.zeros((K, K))
        u = np.empty(K)
        G = np.zeros((N, K))  # G[i, col] = g_{s',i}(j, b)
        off = self.offsets
        sz = self.sizes
        for k, s in enumerate(self.states):
            g = self._cont_game(s, V)
            prof = profs[k]
            Q = g._deviation_payoffs(prof)
            pairs = g._pair_payoffs_all(prof) if N > 1 else [[None]]
            for i in range(N):
                bi = k * N + i
                oi, ni = off[bi], sz[bi]
                u[oi : oi + ni] = Q[i]
                G[i, oi : oi + ni] = Q[i]
                for j in range(N):
                    if j == i:
                        continue
                    bj = k * N + j
                    oj, nj = off[bj], sz[bj]
                    pij = pairs[i][j]
                    J[oi : oi + ni, oj : oj + nj] = pij
                    G[i, oj : oj + nj] = prof[i] @ pij
        cs = self.col_state
        for k in range(m):
            for i in range(N):
                bi = k * N + i
                oi, ni = off[bi], sz[bi]
                W = d[i] * (Ts[k][i][:, self.A] @ Ms[i])  # (n_i, m)
                J[oi : oi + ni, :] += W[:, cs] * G[i][None, :]
        return u / self.scale, J / self.scale


def _deviation_all(X: NDArray, sig: Sequence[NDArray]) -> list[NDArray]:
    """For every player ``i``, ``X`` (shape ``(m, c, n_0, ..., n_{N-1})``) contracted with
    every other player's ``sig[j]`` (shape ``(m, n_j)``): a list of ``(m, c, n_i)``.

    The trailing contractions are shared (``X`` contracted over players ``j..N-1`` serves
    every player before ``j``); leading axes are contracted from the front, as in
    :class:`~deterrence.NormalFormGame`, so each step is one batched matrix product.
    """
    N = len(sig)
    m, c = X.shape[0], X.shape[1]
    suffix: list[NDArray] = [X] * (N + 1)
    t = X
    for j in range(N - 1, 0, -1):
        t = np.matmul(t, sig[j].reshape((m,) + (1,) * (t.ndim - 3) + (sig[j].shape[1], 1)))
        t = t[..., 0]
        suffix[j] = t
    out = []
    for i in range(N):
        t = suffix[i + 1]  # (m, c, n_0, ..., n_i)
        for j in range(i):
            sh = t.shape
            t = np.matmul(sig[j][:, None, None, :], t.reshape(m, c, sh[2], -1))
            t = t.reshape((m, c, *sh[3:]))
        out.append(t)
    return out


def _contract_except(t: NDArray, sig: Sequence[NDArray], keep: Sequence[int]) -> NDArray:
    """Contract the player axes of ``t`` (shape ``(m, c, n_0, ..., n_{N-1})``, batched over
    ``m`` states) with ``sig[j]`` (shape ``(m, n_j)``) for every player ``j`` not in
    ``keep``; the kept axes stay in their order."""
    m = t.shape[0]
    for j in range(len(sig) - 1, -1, -1):
        if j in keep:
            continue
        ax = 2 + j
        if ax != t.ndim - 1:
            t = np.moveaxis(t, ax, -1)
        v = sig[j].reshape((m,) + (1,) * (t.ndim - 3) + (sig[j].shape[1], 1))
        t = np.matmul(t, v)[..., 0]
    return t


class DenseAgentSystem(PayoffJacobian):
    """:class:`AgentSystem` of a dense :class:`StochasticGame` whose active states share
    one shape: every state is handled at once by batched tensor products (same equations,
    no per-state Python loop)."""

    @staticmethod
    def fits(sg: BaseStochasticGame, states: Sequence[int]) -> bool:
        if not isinstance(sg, StochasticGame) or sg.n_players < 1:
            return False
        return len({sg.shape(s) for s in states}) == 1

    def __init__(
        self, sg: StochasticGame, states: Sequence[int], fixed: NDArray, scale: float
    ) -> None:
        N = sg.n_players
        self.sg = sg
        self.states = tuple(int(s) for s in states)
        m = len(self.states)
        shape = tuple(sg.shape(self.states[0]))
        super().__init__(None, scale, sizes=list(shape) * m)  # type: ignore[arg-type]
        self.N, self.m, self.shape_ = N, m, shape
        self.S = sg.n_states
        self.fixed = np.array(fixed, dtype=float)
        self.d = np.asarray(sg.discount, dtype=float)
        self.A = np.array(self.states, dtype=np.intp)
        mask = np.ones(self.S, dtype=bool)
        mask[self.A] = False
        self.out = np.flatnonzero(mask)
        self.U = np.stack([sg.payoffs[s] for s in self.states])  # (m, N, *A)
        self.Tr = np.stack([sg.transitions[s] for s in self.states])  # (m, *A, S)
        self.X = np.ascontiguousarray(
            np.concatenate([self.U, np.moveaxis(self.Tr, -1, 1)], axis=1)
        )  # (m, N + S, *A)
        off = np.asarray(self.offsets).reshape(m, N)
        self.idx = [off[:, i][:, None] + np.arange(shape[i])[None, :] for i in range(N)]
        self.row_player = np.tile(np.repeat(np.arange(N), shape), m)
        self.L = self.K // m  # entries per state (rows and columns are grouped by state)
        # padded per-player layout (N, nmax) of one state's entries, for the batched core
        self.nmax = max(shape)
        self.equal = len(set(shape)) == 1
        lo = np.asarray(self.offsets[:N])
        self.pad_idx = np.array(
            [[lo[i] + min(a, shape[i] - 1) for a in range(self.nmax)] for i in range(N)]
        )
        self.pad_mask = np.array(
            [[1.0 if a < shape[i] else 0.0 for a in range(self.nmax)] for i in range(N)]
        )
        self.flat_idx = np.concatenate([i * self.nmax + np.arange(shape[i]) for i in range(N)])
        self.X3 = self.X.reshape(m, N + self.S, -1)
        self.T_sm = np.ascontiguousarray(np.swapaxes(self.X3[:, N:], 0, 1).reshape(self.S, -1))
        self.U_flat = self.X3[:, :N]
        self.offsets64 = lo.astype(np.int64)
        self.shape64 = np.asarray(shape, dtype=np.int64)
        self.w0 = np.zeros((N, N + self.S))
        self.w0[np.arange(N), np.arange(N)] = 1.0
        self.eye = np.eye(m)[None]
        self.last_values: NDArray | None = None
        # the Jacobian's buffer, made by the first dense Jacobian and reused by every call
        # (a fresh K x K array per call costs more in page faults than filling it; callers
        # use J before the next evaluation); the factored routes never need it
        self._J: NDArray | None = None

    def profiles(self, p: NDArray) -> list[tuple[NDArray, ...]]:
        b = self.blocks(p)
        N = self.N
        return [tuple(b[k * N : (k + 1) * N]) for k in range(self.m)]

    def values(self, profs: list[tuple[NDArray, ...]]) -> tuple[NDArray, list, NDArray]:
        p = np.concatenate([np.concatenate(pr) for pr in profs])
        V, _, _, _, Ms = self._core(p)
        return V, [], Ms

    def _deviations(self, p: NDArray) -> NDArray:
        """``D[i, k, c, a]``: channel ``c`` of ``X`` (payoffs, then transitions) at state
        ``k`` with player ``i`` deviating to ``a``, the others mixing as in ``p`` (zero
        beyond ``n_i``): the compiled kernel when numba is there, else numpy."""
        m, N = self.m, self.N
        kern = _agent_kernels.kernels()
        if kern is not None:
            return kern.deviations(self.X3, p.reshape(m, self.L), self.offsets64, self.shape64)
        sig = [p[ix] for ix in self.idx]
        D = _deviation_all(self.X, sig)
        if self.equal:
            return np.stack(D)
        out = np.zeros((N, m, N + self.S, self.nmax))
        for i in range(N):
            out[i, :, :, : self.shape_[i]] = D[i]
        return out

    def _core(self, p: NDArray, inverse: bool = True):
        """Values, strategies, deviations, payoffs and (``inverse``) the matrices ``M_i``."""
        N, d, m = self.N, self.d, self.m
        D = self._deviations(p)  # (N, m, N + S, nmax)
        fused = _agent_fused.kernels()
        if fused is not None:
            V = np.empty((self.S, N))
            Q = np.empty((N, m, self.nmax))
            Ms = np.empty((N, m, m))
            if fused.core(
                D,
                p.reshape(m, self.L),
                self.offsets64,
                self.shape64,
                d,
                self.A,
                self.out,
                self.fixed,
                V,
                Q,
                Ms,
            ):
                return V, p.reshape(m, self.L), D, Q, Ms
        sig = p.reshape(m, self.L)[:, self.pad_idx]  # (m, N, nmax), zero-padded
        sig *= self.pad_mask
        ar = np.arange(N)
        rdev = D[ar, :, ar, :]  # (N, m, nmax)
        r = np.einsum("imk,mik->mi", rdev, sig)
        P = np.einsum("msk,mk->ms", D[0, :, N:, :], sig[:, 0])
        PA, PO = P[:, self.A], P[:, self.out]
        V = self.fixed.copy()
        rhs = r + d[None, :] * (PO @ self.fixed[self.out])
        Ms = _inverse(self.eye - d[:, None, None] * PA[None])
        V[self.A] = np.einsum("itk,ki->ti", Ms, rhs)
        # Q_i = rdev_i + d_i T_i V_i: one weighted sum over the N + S channels of D[i]
        w = self.w0.copy()
        w[:, N:] = (V * d).T
        Q = np.einsum("ic,imca->ima", w, D)
        return V, sig, D, Q, Ms

    def _raw_payoffs(self, p: NDArray) -> NDArray:
        V, _, _, Q, _ = self._core(p)
        self.last_values = V
        return self._flat(Q) / self.scale

    def _flat(self, Q: NDArray) -> NDArray:
        """A padded ``(N, m, nmax)`` array as the concatenated profile vector."""
        return np.swapaxes(Q, 0, 1).reshape(self.m, -1)[:, self.flat_idx].reshape(-1)

    def continuation_tables(self, V: NDArray) -> NDArray:
        """``C[k, i] = U[k, i] + d_i sum_t P(t | .) V[t, i]`` for every active state, shape
        ``(m, N, *actions)``: one batched matrix product over the transition channels."""
        N, m = self.N, self.m
        # one matrix product (N x S by S x m P) over the transitions laid out state-major
        C = np.add(((V * self.d).T @ self.T_sm).reshape(N, m, -1).swapaxes(0, 1), self.U_flat)
        return C.reshape(self.U.shape)

    def _raw(self, p: NDArray) -> tuple[NDArray, NDArray]:
        """Payoffs and Jacobian on the simplex (``p`` already normalised)."""
        return self._jacobian(p, None)

    def payoffs_jacobian(self, p: NDArray) -> tuple[NDArray, NDArray]:
        """``(u, J)`` at any positive ``p``, the normalisation's chain rule fused in.

        With ``ph = p / s`` block by block, ``d/dp_jb = (d/dph_jb - sum_c ph_jc d/dph_jc)
        / s_j``, and the radial sums have closed forms: every function of a state's
        strategies here is multilinear, so ``sum_b ph_jb dF/dph_jb = F`` for each factor.
        The pair block ``dQ_{k,i}(a) / dph_{k,j}`` sums to ``Q_{k,i}(a)``, and
        ``g_{k',i}(j, .) @ ph_{k',j}`` to ``e_{k',i} = ph_{k',i} @ Q_{k',i}`` (player
        ``i``'s expected continuation value at ``k'``), so the whole Jacobian is written
        in one pass, with no dense subtraction afterwards.
        """
        ph, s = self._normalize(p)
        return self._jacobian(ph, s)

    def payoffs_jacobian_parts(self, p: NDArray) -> JacobianParts:
        """:meth:`payoffs_jacobian` at any positive ``p`` in factored form (no ``K x K``
        array): ``J = blockdiag(P) + [W (x) G]`` (see :class:`JacobianParts`)."""
        ph, s = self._normalize(p)
        return self._parts(ph, s)

    def _jacobian(self, p: NDArray, s: NDArray | None) -> tuple[NDArray, NDArray]:
        parts = self._parts(p, s)
        m, L = self.m, self.L
        # rows and columns are grouped by state (L entries each): J[(k, l), (k', l')] =
        # W[k, l, k'] * G[player of l, k', l'], one broadcast product written in place
        if self._J is None:
            self._J = np.empty((self.K, self.K))
        J = self._J
        np.multiply(
            parts.W[:, :, :, None], parts.G[self.row_player[:L]][None], out=J.reshape(m, L, m, L)
        )
        # the pair blocks sit in the state-diagonal blocks of J: a strided view of them
        K = self.K
        diag = np.lib.stride_tricks.as_strided(
            J, shape=(m, L, L), strides=((K + 1) * L * J.itemsize, K * J.itemsize, J.itemsize)
        )
        diag += parts.P
        return parts.u, J

    def _pair_blocks(self, V: NDArray, p: NDArray) -> NDArray:
        """``B[a, b, k, x, y]``: player ``a``'s continuation payoff at state ``k`` when
        ``a`` plays ``x`` and ``b`` plays ``y`` (the others mix), zero-padded, ``B[a, a] =
        0``: the compiled kernel when numba is there, else numpy."""
        N, m, nmax = self.N, self.m, self.nmax
        C = self.continuation_tables(V)
        kern = _agent_kernels.kernels()
        if kern is not None:
            return kern.pair_blocks(
                C.reshape(m, N, -1), p.reshape(m, self.L), self.offsets64, self.shape64
            )
        B = np.zeros((N, N, m, nmax, nmax))
        pm = p.reshape(m, self.L)
        lo = self.offsets64
        sl = [pm[:, lo[j] : lo[j] + self.shape_[j]] for j in range(N)]
        for i in range(N):
            for j in range(i + 1, N):
                Cij = _contract_except(C, sl, (i, j))  # (m, N, n_i, n_j)
                ni, nj = self.shape_[i], self.shape_[j]
                B[i, j, :, :ni, :nj] = Cij[:, i]
                B[j, i, :, :nj, :ni] = np.swapaxes(Cij[:, j], 1, 2)
        return B

    def _parts(self, p: NDArray, s: NDArray | None) -> JacobianParts:
        V, sig, D, Q, Ms = self._core(p)
        self.last_values = V
        N, m, d, L, nmax = self.N, self.m, self.d, self.L, self.nmax
        inv = 1.0 / self.scale
        # column factor 1 / (s_j * scale) per block (k, j), shape (m, N)
        if s is None:
            cf = np.full((m, N), inv)
        else:  # (a Newton iterate may zero a block: its inf/NaN make the caller reject it)
            with np.errstate(divide="ignore", invalid="ignore"):
                cf = inv / s.reshape(m, N)
        fused = _agent_fused.kernels()
        if fused is not None and sig.ndim == 2:  # (the fused core ran: sig is (m, L))
            B = self._pair_blocks(V, p) if N > 1 else np.zeros((N, N, m, nmax, nmax))
            W = np.empty((m, L, m))
            G = np.empty((N, m, L))
            P = np.empty((m, L, L))
            fused.parts(
                sig,
                Q,
                D,
                Ms,
                B,
                cf,
                s is not None,
                d,
                self.A,
                self.offsets64,
                self.shape64,
                W,
                G,
                P,
            )
            return JacobianParts(self._flat(Q) * inv, W, G, P, self.row_player[:L])
        fi = self.flat_idx
        if N > 1:
            B = self._pair_blocks(V, p)  # (N, N, m, nmax, nmax)
            # G[a, k, (b, y)] = sig_{k,a} @ B[a, b, k, :, y]; G[a, k, (a, .)] = Q[a, k]
            Gp = np.einsum("kax,abkxy->akby", sig, B)
            ar = np.arange(N)
            Gp[ar, :, ar, :] = Q
            if s is not None:  # the radial sums: the pair block sums to Q, G to e
                B -= Q[:, None, :, :, None]
                e = np.einsum("kia,ika->ik", sig, Q)
                Gp -= e[:, :, None, None]
            B *= cf.T[None, :, :, None, None]
            B[ar, ar] = 0.0
            P = np.transpose(B, (2, 0, 3, 1, 4)).reshape(m, N * nmax, N * nmax)
            if not self.equal:
                P = P[:, fi][:, :, fi]
        else:
            Gp = Q[:, :, None, :].copy()
            if s is not None:
                Gp -= np.einsum("kia,ika->ik", sig, Q)[:, :, None, None]
            P = np.zeros((m, L, L))
        Gp *= cf[None, :, :, None]
        G = Gp.reshape(N, m, N * nmax)
        if not self.equal:
            G = G[:, :, fi]
        # W[k, (i, a), k'] = d_i sum_t T_i[k, t, a] M_i[t, k'] over the active states t
        Wp = np.einsum("imta,itu->miau", D[:, :, N + self.A, :], Ms)
        Wp *= d[None, :, None, None]
        W = Wp.reshape(m, N * nmax, m)
        if not self.equal:
            W = W[:, fi]
        u = self._flat(Q) * inv
        return JacobianParts(u, W, G, np.ascontiguousarray(P), self.row_player[:L])


def agent_system(
    sg: BaseStochasticGame, states: Sequence[int], fixed: NDArray, scale: float
) -> PayoffJacobian:
    """The fastest agent-form evaluator that fits the game."""
    states = tuple(int(s) for s in states)
    if DenseAgentSystem.fits(sg, states):
        return DenseAgentSystem(sg, states, fixed, scale)  # type: ignore[arg-type]
    return AgentSystem(sg, states, fixed, scale)
