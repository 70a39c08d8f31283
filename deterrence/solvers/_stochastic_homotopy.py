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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ..games.base import PayoffJacobian
from ..games.normal_form import NormalFormGame
from ..games.stochastic import BaseStochasticGame, StochasticGame

__all__ = ["AgentSystem", "fast_normal_form"]


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
        self.col_state = np.repeat(np.repeat(np.arange(m), N), self.sizes)
        self.row_player = np.tile(np.repeat(np.arange(N), shape), m)
        self.eye = np.eye(m)[None]
        self.last_values: NDArray | None = None
        # the Jacobian's buffer, reused by every call (a fresh K x K array per call costs
        # more in page faults than filling it): callers use J before the next evaluation
        self._J = np.empty((self.K, self.K))

    def profiles(self, p: NDArray) -> list[tuple[NDArray, ...]]:
        b = self.blocks(p)
        N = self.N
        return [tuple(b[k * N : (k + 1) * N]) for k in range(self.m)]

    def values(self, profs: list[tuple[NDArray, ...]]) -> tuple[NDArray, list, NDArray]:
        p = np.concatenate([np.concatenate(pr) for pr in profs])
        V, _, _, _, Ms = self._core(p)
        return V, [], Ms

    def _core(self, p: NDArray):
        N, d = self.N, self.d
        sig = [p[ix] for ix in self.idx]
        D = _deviation_all(self.X, sig)  # D[i]: (m, N + S, n_i)
        rdev = [D[i][:, i, :] for i in range(N)]
        T = [D[i][:, N:, :] for i in range(N)]  # (m, S, n_i)
        r = np.stack([np.einsum("mk,mk->m", sig[i], rdev[i]) for i in range(N)], axis=1)
        P = np.einsum("msk,mk->ms", T[0], sig[0])
        PA, PO = P[:, self.A], P[:, self.out]
        V = self.fixed.copy()
        Ms = _inverse(self.eye - d[:, None, None] * PA[None])
        rhs = r + d[None, :] * (PO @ self.fixed[self.out])
        V[self.A] = np.einsum("itk,ki->ti", Ms, rhs)
        # Q_i = rdev_i + d_i T_i V_i: one weighted sum over the N + S channels of D[i]
        w = np.zeros((N, N + self.S))
        w[np.arange(N), np.arange(N)] = 1.0
        w[:, N:] = (V * d).T
        Q = [np.matmul(w[i], D[i]) for i in range(N)]
        return V, sig, T, Q, Ms

    def _raw_payoffs(self, p: NDArray) -> NDArray:
        V, _, _, Q, _ = self._core(p)
        self.last_values = V
        u = np.empty(self.K)
        for i in range(self.N):
            u[self.idx[i]] = Q[i]
        return u / self.scale

    def continuation_tables(self, V: NDArray) -> NDArray:
        """``C[k, i] = U[k, i] + d_i sum_t P(t | .) V[t, i]`` for every active state, shape
        ``(m, N, *actions)``: one batched matrix product over the transition channels."""
        N, m = self.N, self.m
        Tflat = self.X[:, N:].reshape(m, self.S, -1)
        C = np.matmul((V * self.d).T, Tflat).reshape(self.U.shape)
        C += self.U
        return C

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

    def _jacobian(self, p: NDArray, s: NDArray | None) -> tuple[NDArray, NDArray]:
        V, sig, T, Q, Ms = self._core(p)
        self.last_values = V
        N, m, K, d = self.N, self.m, self.K, self.d
        inv = 1.0 / self.scale
        # column factor 1 / (s_j * scale) per block (k, j), shape (m, N)
        cf = np.full((m, N), inv) if s is None else inv / s.reshape(m, N)
        u = np.empty(K)
        Gt = np.empty((N, K))  # G[i, col] (minus e_{k',i} on the chain-rule path)
        e = np.stack([np.einsum("mk,mk->m", sig[i], Q[i]) for i in range(N)])  # (N, m)
        for i in range(N):
            u[self.idx[i]] = Q[i]
            Gt[i, self.idx[i]] = Q[i]
        pairs: list[tuple[int, int, NDArray]] = []
        if N > 1:
            C = self.continuation_tables(V)
            for i in range(N):
                for j in range(i + 1, N):
                    Cij = _contract_except(C, sig, (i, j))  # (m, N, n_i, n_j)
                    for a, b, Pab in ((i, j, Cij[:, i]), (j, i, np.swapaxes(Cij[:, j], 1, 2))):
                        pairs.append((a, b, Pab))
                        Gt[a, self.idx[b]] = np.einsum("mx,mxy->my", sig[a], Pab)
        if s is not None:
            Gt -= e[:, :, None].repeat(K // m, axis=2).reshape(N, K)
        Gt *= cf.reshape(-1)[self.block_of][None, :]
        Wrows = np.empty((K, m))
        A = self.A
        for i in range(N):
            W = d[i] * np.einsum("msa,st->mat", T[i][:, A, :], Ms[i])  # (m, n_i, m)
            Wrows[self.idx[i].reshape(-1)] = W.reshape(-1, m)
        # rows and columns are grouped by state (L entries each): J[(k, l), (k', l')] =
        # W[(k, l), k'] * G[player of l, (k', l')], one broadcast product written in place
        L = K // m
        J = self._J
        np.multiply(
            Wrows.reshape(m, L, m)[:, :, :, None],
            Gt.reshape(N, m, L)[self.row_player[:L]][None],
            out=J.reshape(m, L, m, L),
        )
        # the pair blocks sit in the state-diagonal blocks of J: a strided view of them
        diag = np.lib.stride_tricks.as_strided(
            J, shape=(m, L, L), strides=((K + 1) * L * J.itemsize, K * J.itemsize, J.itemsize)
        )
        lo = self.offsets[:N]
        for a, b, Pab in pairs:
            blk = Pab if s is None else Pab - Q[a][:, :, None]
            blk *= cf[:, b][:, None, None]
            diag[:, lo[a] : lo[a] + self.shape_[a], lo[b] : lo[b] + self.shape_[b]] += blk
        u *= inv
        return u, J


def agent_system(
    sg: BaseStochasticGame, states: Sequence[int], fixed: NDArray, scale: float
) -> PayoffJacobian:
    """The fastest agent-form evaluator that fits the game."""
    states = tuple(int(s) for s in states)
    if DenseAgentSystem.fits(sg, states):
        return DenseAgentSystem(sg, states, fixed, scale)  # type: ignore[arg-type]
    return AgentSystem(sg, states, fixed, scale)
