"""The continuation engine of the logit solvers: a pseudo-arc-length path tracer.

:func:`_trace` follows the principal branch of the logit QRE correspondence of a
:class:`~deterrence.games.base.PayoffJacobian` (the game as a function of one concatenated
profile vector, from :meth:`~deterrence.games.base.Game.payoff_jacobian`), in
log-probability coordinates ``x_ia = log p_ia``, on the equations, for each block ``i``::

    x_ia - x_ir = lambda * (u_ia(p) - u_ir(p))     for every action a != r
    sum_a exp(x_ia) = 1

The predictor goes along the tangent (with a second-order term from the tangent's turn over
the last step), the corrector is Newton's method in the hyperplane orthogonal to the tangent
(Allgower and Georg 1990); step-size control, branch-jump detection (the sign of the
orientation determinant) and the freezing of dying actions are described in
:mod:`deterrence.solvers.logit`. Whenever the candidate support of the branch's limit has
settled, the tracer asks :mod:`deterrence.solvers._polish` for an equilibrium on it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg.lapack
from numpy.typing import NDArray

from ._block_lowrank import BlockLayout, LowRankSystem, lu_sign
from ._block_lowrank import kernels as block_kernels
from ._polish import (
    _block_regrets,
    _final_polish,
    _heading_to,
    _lapack_solve,
    _polish,
    _split_support,
    _support_candidate,
)

__all__ = ["DEFAULT_LAMBDA_MAX"]

_GESV = scipy.linalg.lapack.dgesv
_GETRS = scipy.linalg.lapack.dgetrs
_MAX = np.maximum.reduce  # (the ndarray methods add a Python-level wrapper call)

#: Largest lambda (times the payoff scale) traced when the caller gives no ``lambda_max``.
DEFAULT_LAMBDA_MAX = 1e7

# Step-size control (Allgower and Georg's nominal values, in log-probability units).
_D_MAX = 0.2  # largest first corrector step accepted
_D_NOM = 0.15  # nominal first corrector step
_K_MAX = 0.35  # largest Newton contraction rate accepted
_K_NOM = 0.3  # nominal contraction rate
_A_NOM = 0.25  # nominal angle between successive tangents (radians)
_A_MAX = 0.6  # largest angle accepted
_MAX_NEWTON = 8
# weighted corrector error (log-probability units) accepted: path points must be far closer
# to the branch than the radius in which Newton's method converges, which shrinks near
# near-bifurcations (two branches passing close) and sharp turns at large lambda
_CORRECTOR_TOL = 1e-9
_QUADRATIC = 0.1  # a Newton contraction rate this small counts as quadratic convergence
_ROUNDING = 16 * 2.0**-52  # relative rounding error of the residual (times 1 + lambda)
_NOISE_CHECK = 1e-6  # corrector steps below this are compared with that rounding floor
_SMALL_K = 40  # up to this many actions in all, matrix products build the Jacobian
_P_WEIGHT = 100.0  # log-probabilities of actions below 1/_P_WEIGHT count proportionally
_POLISH_MIN_LAMBDA = 2.0  # in payoff-scale units
_STABLE_FACTOR = 2.0  # polish once the candidate support held while lambda doubled
_DROP_LOG_ODDS = 40.0  # freeze an action once p < exp(-40) * (its block's largest p)
_ADD_LOG_ODDS = 36.0  # track a frozen action again once p > exp(-36) * (block's largest)
_REVIVE_LOG_ODDS = 30.0  # reject a step after which a frozen action is above exp(-30) * ...
_REF_LAG = 10.0  # re-choose a block's reference action when it falls this far behind
_LOWRANK_MIN_K = 150  # from this many actions, block + low-rank solves (dense below)
_H_BIFURCATION = 1e-6  # a relative step this small may cross a bifurcation (sign change)


# ----------------------------------------------------------------------------- tracing
@dataclass
class _Trace:
    lambdas: list[float] = field(default_factory=list)  # in payoff-scale units
    points: list[NDArray] = field(default_factory=list)
    regrets: list[float] = field(default_factory=list)  # in payoff-scale units
    equilibrium: NDArray | None = None
    converged: bool = False
    message: str = ""
    nit: int = 0
    polish_attempts: int = 0
    missed: list[float] = field(default_factory=list)  # requested lambdas not solved


class _Tracked:
    """The actions the tracer follows, and each block's reference action.

    An action whose probability falls below ``exp(-_DROP_LOG_ODDS)`` times its block's
    largest is *frozen*: it no longer changes any payoff in double precision, and its
    log-probability follows explicitly from the tracked ones,
    ``x_ia = x_ir + lambda * (u_ia - u_ir)`` (``r`` the block's reference action). The
    tracer then works in the coordinates ``(x_tracked, lambda)`` only, so the unbounded
    log-probabilities of dying actions never enter the arc length, the step-size control,
    the corrector's tolerance or the conditioning of the Jacobian. A frozen action whose
    explicit log-odds come back above ``-_ADD_LOG_ODDS`` is tracked again. The reference
    action of a block is always tracked; it is re-chosen (as the block's likeliest) when
    it falls far behind.
    """

    def __init__(
        self, sys: Any, mask: NDArray, refs: NDArray, prior: NDArray | None = None
    ) -> None:
        K, b = sys.K, sys.block_of
        act = np.flatnonzero(mask)
        m = len(act)
        pos = np.full(K, -1, dtype=np.intp)
        pos[act] = np.arange(m)
        is_ref = np.zeros(K, dtype=bool)
        is_ref[refs] = True
        nonref = act[~is_ref[act]]
        self.mask = mask.copy()
        # log-odds beyond which a tracked action is frozen, within which a frozen one returns
        # (a reference action changes when it falls _REF_LAG behind)
        self.limit = np.where(mask, _DROP_LOG_ODDS, _ADD_LOG_ODDS)
        self.limit[refs] = _REF_LAG
        self.act, self.m, self.refs = act, m, refs.copy()
        self.everything = m == K
        self.idx = np.append(act, K)  # the tracked coordinates within (x, lambda)
        self.nonref = nonref
        self.nonref_ref = refs[b[nonref]]
        self.r_non = pos[nonref]
        self.r_ref_of = pos[self.nonref_ref]
        self.r_refs = pos[refs]
        self.frozen = np.flatnonzero(~mask)
        self.frozen_ref = refs[b[self.frozen]]
        # a prior's log-odds (the constant of each log-odds equation; None: uniform)
        self.prior = prior
        self.c_non = None if prior is None else prior[nonref] - prior[self.nonref_ref]
        self.c_frozen = None if prior is None else prior[self.frozen] - prior[self.frozen_ref]
        # the first tracked entry of each block (every block tracks its reference action)
        self.starts = np.flatnonzero(np.r_[True, b[act][1:] != b[act][:-1]])
        self.blk = np.zeros((len(sys.sizes), m))
        self.blk[b[act], np.arange(m)] = 1.0
        self._bufs: tuple[NDArray, ...] | None = None  # large systems: evaluate's buffers
        self._layout: BlockLayout | None = None  # block + low-rank systems: their layout
        self._i64: tuple[NDArray, ...] | None = None  # the compiled dense route's indices
        self._mbuf: NDArray | None = None  # and its matrix
        # small systems: the difference and sum operators as matrices (one small
        # single-threaded product each is faster than row gathers); large ones use gathers
        self.small = K <= _SMALL_K
        if self.small:
            Dk = np.zeros((m, K))
            Dk[self.r_non, nonref] = 1.0
            Dk[self.r_non, self.nonref_ref] -= 1.0
            self.Dk = Dk
            self.Dm = np.ascontiguousarray(Dk[:, act])
            R0 = np.zeros((m, m))
            R0[pos[refs[b[act]]], np.arange(m)] = 1.0
            self.R0 = R0
            self.e_ref = np.zeros(m)
            self.e_ref[self.r_refs] = 1.0
            if prior is not None:  # the constants join the simplex rows' -1
                self.e_ref = self.e_ref + Dk @ prior

    def full_x(self, x: NDArray, xa: NDArray, lam: float, u: NDArray) -> NDArray:
        """``x`` with the tracked entries ``xa`` and the frozen ones explicit (in place)."""
        x[self.act] = xa
        if len(self.frozen):
            fr = self.frozen_ref
            x[self.frozen] = x[fr] + lam * (u[self.frozen] - u[fr])
            if self.c_frozen is not None:
                x[self.frozen] += self.c_frozen
        return x

    def full_tangent(self, t: NDArray, K: int) -> NDArray:
        tf = np.zeros(K + 1)
        tf[self.idx] = t
        return tf

    def _probs(self, sys: Any, xa: NDArray) -> tuple[NDArray, NDArray] | None:
        """Tracked and full probabilities (zero where frozen) at tracked log-probs xa."""
        if not _MAX(xa) < 700.0:  # a wild iterate (or NaN): exp would overflow
            return None
        if not np.maximum.reduceat(xa, self.starts).min() > -700.0:
            return None  # a wild iterate: a whole block's probabilities underflow to 0
        pa = np.exp(xa)  # (tracked actions are within ~_DROP_LOG_ODDS of their block's best)
        if self.everything:
            return pa, pa
        p = np.zeros(sys.K)
        p[self.act] = pa
        return pa, p

    def residual(self, sys: Any, z: NDArray):
        """Residual H (m,) at the tracked point z = (x_tracked, lambda), with the tracked
        and full probabilities and the payoffs (one first-order oracle call)."""
        m = self.m
        xa = z[:m]
        pr = self._probs(sys, xa)
        if pr is None:
            return None
        pa, p = pr
        u = sys.payoffs_ext(p)
        lam = z[m]
        if self.small:
            H = self.Dm @ xa + self.R0 @ pa
            H -= self.e_ref
            H -= lam * (self.Dk @ u)
            return H, pa, p, u
        return self._residual(xa, pa, u, lam)[0], pa, p, u

    def _residual(self, xa: NDArray, pa: NDArray, u: NDArray, lam: float):
        """H of a large system (row gathers) and the payoff gaps ``du`` of its log-odds
        rows."""
        du = u[self.nonref] - u[self.nonref_ref]
        H = np.empty(self.m)
        H[self.r_non] = xa[self.r_non] - xa[self.r_ref_of] - lam * du
        if self.c_non is not None:
            H[self.r_non] -= self.c_non
        H[self.r_refs] = self.blk @ pa - 1.0
        return H, du

    def evaluate(self, sys: Any, z: NDArray, lam: float | None = None):
        """Residual H (m,) and the augmented Jacobian M ((m+1) x (m+1); its last row is
        left for the caller) at the tracked point z = (x_tracked, lambda), with the
        tracked and full probabilities (zero where frozen) and payoffs. Large systems use
        row gathers only: a matrix-matrix product of that size runs multithreaded in
        BLAS, which stalls badly when the machine is busy; a large system with
        ``payoffs_jacobian_parts`` (a dense agent form) has its rows written from the
        factored Jacobian by one compiled pass when numba is there (no ``K x K``
        array: :meth:`_evaluate_from_parts`)."""
        m = self.m
        xa = z[:m]
        lam = z[m] if lam is None else lam
        pr = self._probs(sys, xa)
        if pr is None:
            return None
        pa, p = pr
        if not self.small and hasattr(sys, "payoffs_jacobian_parts"):
            kern = block_kernels()
            if kern is not None:
                return self._evaluate_from_parts(sys, kern, xa, pa, p, lam)
        u, J = sys.payoffs_jacobian(p)
        if self.small:
            Jp = (J if self.everything else J[:, self.act]) * pa
            M = np.empty((m + 1, m + 1))
        else:
            # one set of buffers per tracked set, reused by every call: a fresh K x K
            # array per call costs more in page faults than the arithmetic on it (the
            # caller uses M before the next call; gesv factors a copy of it)
            if self._bufs is None:
                nr = len(self.nonref)
                self._bufs = (
                    np.empty((m + 1, m + 1)),
                    np.empty((sys.K, m)),
                    np.empty((nr, m)),
                    np.empty((nr, m)),
                )
            M, Jp, D, D2 = self._bufs
            np.multiply(J if self.everything else J[:, self.act], pa, out=Jp)
        if self.small:
            Du = self.Dk @ u
            H = self.Dm @ xa + self.R0 @ pa
            H -= self.e_ref
            H -= lam * Du
            top = M[:m, :m]
            np.matmul(self.Dk, Jp, out=top)
            top *= -lam
            top += self.Dm
            top += self.R0 * pa
            np.negative(Du, out=M[:m, m])
            return H, M, pa, p, u
        H, du = self._residual(xa, pa, u, lam)
        np.take(Jp, self.nonref_ref, axis=0, out=D)
        D -= np.take(Jp, self.nonref, axis=0, out=D2)
        D *= lam
        M[self.r_non, :m] = D
        M[self.r_non, self.r_non] += 1.0
        M[self.r_non, self.r_ref_of] -= 1.0
        M[self.r_non, m] = -du
        M[self.r_refs, :m] = self.blk * pa
        M[self.r_refs, m] = 0.0
        return H, M, pa, p, u

    def _evaluate_from_parts(self, sys: Any, kern: Any, xa, pa, p, lam: float):
        """:meth:`evaluate` of a large system with ``payoffs_jacobian_parts``: the rows
        of ``M`` written by one compiled pass over the factored Jacobian
        (:func:`~deterrence.solvers._block_lowrank._dense_rows`), no ``K x K`` array."""
        m = self.m
        parts = sys.payoffs_jacobian_parts(p)
        u = parts.u
        if self._mbuf is None:  # (reused, as evaluate's buffers)
            self._mbuf = np.empty((m + 1, m + 1))
        M = self._mbuf
        H, du = self._residual(xa, pa, u, lam)
        act64, nonref64, nonref_ref64, r_non64, r_ref_of64 = self._int64()
        G = parts.G
        kern.dense_rows(
            parts.W,
            G.reshape(G.shape[0], -1),
            parts.P,
            np.asarray(parts.player, dtype=np.int64),
            sys.L,
            pa,
            float(lam),
            du,
            act64,
            act64 // sys.L,
            nonref64,
            nonref_ref64,
            r_non64,
            r_ref_of64,
            M,
        )
        M[self.r_refs, :m] = self.blk * pa
        M[self.r_refs, m] = 0.0
        return H, M, pa, p, u

    def _int64(self) -> tuple[NDArray, ...]:
        """The index arrays of the compiled dense route (int64, made once)."""
        if self._i64 is None:
            self._i64 = tuple(
                np.asarray(a, dtype=np.int64)
                for a in (self.act, self.nonref, self.nonref_ref, self.r_non, self.r_ref_of)
            )
        return self._i64

    def evaluate_parts(self, sys: Any, z: NDArray):
        """Residual H and the augmented Jacobian in block + low-rank form
        (:class:`~deterrence.solvers._block_lowrank.LowRankSystem`) at the tracked point
        ``z``, with the probabilities and payoffs: the route of a system with
        ``payoffs_jacobian_parts`` (no ``K x K`` array)."""
        m = self.m
        xa = z[:m]
        lam = z[m]
        pr = self._probs(sys, xa)
        if pr is None:
            return None
        pa, p = pr
        parts = sys.payoffs_jacobian_parts(p)
        u = parts.u
        if self._layout is None:
            self._layout = BlockLayout(
                self.act,
                sys.L,
                sys.m,
                self.r_non,
                self.r_ref_of,
                self.r_refs,
                sys.block_of,
                parts.player,
                sys.N,
            )
        H, du = self._residual(xa, pa, u, lam)
        with np.errstate(all="ignore"):  # (a wild iterate: the factorisation rejects it)
            lr = LowRankSystem(self._layout, parts, pa, float(lam), du)
        return H, lr, pa, p, u


def _retrack(sys: Any, tk: _Tracked, x: NDArray, r: NDArray) -> _Tracked | None:
    """The tracked set at the full log-probabilities ``x`` (``r``: each action's gap to the
    best of its block), or None if unchanged."""
    beyond = r > tk.limit
    if not (beyond == tk.mask).any():  # no tracked action beyond, no frozen one within
        return None
    mask = np.where(tk.mask, r <= _DROP_LOG_ODDS, r < _ADD_LOG_ODDS)
    refs = tk.refs.copy()
    for blk in np.flatnonzero(beyond[refs]):
        refs[blk] = sys.offsets[blk] + int(np.argmax(x[sys.slices[blk]]))
    mask[refs] = True
    return _Tracked(sys, mask, refs, tk.prior)


def _trace(
    sys: Any,
    *,
    lambda_max: float,
    targets: Sequence[float] = (),
    first_step: float = 0.03,
    max_accel: float = 2.0,
    max_steps: int = 10_000,
    tol: float = 1e-10,
    stop_at_equilibrium: bool = True,
    chord: bool = False,
    corrector_tol: float = _CORRECTOR_TOL,
    log_prior: NDArray | None = None,
) -> _Trace:
    """Trace the principal logit branch of ``sys`` (lambda in payoff-scale units).

    ``chord=True``: the corrector evaluates the Jacobian once, at the predicted point, and
    takes chord steps from there while they contract fast (a costly Jacobian: one per step
    instead of two; the tangent comes from the predicted point's factorisation).
    ``corrector_tol``: the weighted corrector error accepted at a path point.
    ``log_prior``: the log-probabilities (each block summing to one in probability) of a
    prior the path starts from, instead of the centroid: the equations become ``x_ia -
    x_ir = lambda (u_ia - u_ir) + log(pi_ia / pi_ir)`` (the logit path of the tracing
    procedure with that prior, whose limit is an equilibrium as well).

    A system with ``payoffs_jacobian_parts`` (a dense stochastic game's agent form) and at
    least :data:`_LOWRANK_MIN_K` actions is solved in block + low-rank form
    (:mod:`deterrence.solvers._block_lowrank`), never as a dense matrix."""
    fresh, rate0 = (1, 0.0) if chord else (2, 1.0)
    lowrank = hasattr(sys, "payoffs_jacobian_parts") and sys.K >= _LOWRANK_MIN_K
    sizes = sys.sizes
    K = sys.K
    refs0 = np.asarray(sys.offsets, dtype=np.intp)
    weight = np.empty(K + 1)

    def corrector(tk: _Tracked, z: NDArray, t_ref: NDArray):
        """Newton on H = 0 within the hyperplane orthogonal to t_ref (chord steps, reusing
        the last factorisation, once convergence is quadratic); returns the point, its
        probabilities and payoffs, the unit tangent there, the first step length, the
        largest contraction rate and the sign of det([H_z; t_ref]) (or None if the
        corrector fails)."""
        m = tk.m
        rhs = np.zeros((m + 1, 2))
        rhs[m, 1] = 1.0
        w = weight[: m + 1]
        d1, prev, kappa, rate = 0.0, 0.0, 0.0, rate0
        lu = piv = tau = fac = sign = None
        for it in range(_MAX_NEWTON):
            if it < fresh or rate > _QUADRATIC:
                if lowrank:
                    ev = tk.evaluate_parts(sys, z)
                    if ev is None:
                        return None
                    H, LR, pa, p, u = ev
                    fac = LR.factor(t_ref)
                    if fac is None:
                        return None
                    rhs[:m, 0] = -H
                    sol = fac.solve(rhs)
                    if sol is None:
                        return None
                    sign = fac.sign
                else:
                    ev = tk.evaluate(sys, z)
                    if ev is None:
                        return None
                    H, M, pa, p, u = ev
                    M[m] = t_ref
                    rhs[:m, 0] = -H
                    lu, piv, sol, info = _GESV(M, rhs, overwrite_a=True, overwrite_b=False)
                    if info != 0:
                        return None
                    fac, sign = None, None
                delta, tau = sol[:, 0], sol[:, 1]
            else:
                ev = tk.residual(sys, z)
                if ev is None:
                    return None
                H, pa, p, u = ev
                rhs[:m, 0] = -H
                if fac is not None:
                    delta = fac.solve(rhs[:, 0])
                    if delta is None:
                        return None
                else:
                    delta, info = _GETRS(lu, piv, rhs[:, 0])
                    if info != 0:
                        return None
            # distances count a log-probability fully only where the probability is not
            # negligible (the log of a small probability moves fast but harmlessly), and
            # lambda relative to its size
            np.multiply(pa, _P_WEIGHT, out=w[:m])
            np.minimum(w, 1.0, out=w)
            w[m] = 1.0 / (1.0 + abs(z[m]))
            wd = delta * w
            dn = math.sqrt(float(wd @ wd))  # (NaN if the solve overflowed: rejected below)
            if it == 0:
                d1 = dn
                if not d1 <= _D_MAX:
                    return None
            else:
                rate = dn / prev if prev > 0 else 0.0
                kappa = max(kappa, rate)
            done = dn <= corrector_tol
            if not done and dn < _NOISE_CHECK:
                # converged all the same if the step is what rounding errors in H (about
                # eps * lambda) alone would cause, which no tolerance can get below
                hmax = float(_MAX(np.abs(H)))
                done = dn <= dn / max(hmax, 1e-300) * _ROUNDING * (1.0 + abs(z[m]))
            if not done and it > 0 and not rate <= _K_MAX:
                return None
            # the updated point is already within tolerance if the next step would be: in
            # the quadratic regime the rate squares at each step (dn * rate**2), else
            # dn * rate at most; its payoffs cost one oracle call
            # (chord steps from the predicted point's Jacobian contract linearly)
            nxt = dn * rate * rate if rate <= _QUADRATIC and not chord else dn * rate
            early = not done and it > 0 and nxt <= corrector_tol
            prev = dn
            if done or early:
                norm = math.sqrt(float(tau @ tau))
                if not norm > 0:
                    return None
                if early:
                    z = z + delta
                    pr = tk._probs(sys, z[:m])
                    if pr is None:
                        return None
                    p = pr[1]
                    u = sys.payoffs_ext(p)
                if sign is None:
                    sign = lu_sign(lu, piv)
                return z, p, u, tau / norm, d1, kappa, sign
            z = z + delta
        return None

    def fixed_lambda_point(tk: _Tracked, x0: NDArray, lam: float) -> NDArray | None:
        m = tk.m
        x = x0.copy()
        z = np.append(x, lam)
        for _ in range(50):
            z[:m] = x
            ev = tk.evaluate(sys, z, lam)
            if ev is None:
                return None
            H, M = ev[0], ev[1]
            dx = _lapack_solve(M[:m, :m], -H[:, None])
            if dx is None:
                return None
            dx = dx[:, 0]
            big = np.abs(dx).max()
            x = x + dx * min(1.0, 1.0 / big) if big > 0 else x  # damped: log-prob units
            if big <= 1e-13 * (1.0 + np.abs(x).max()):
                return x
        return None

    out = _Trace()
    o, b = sys.offsets, sys.block_of

    def full_point(tk: _Tracked, z: NDArray, u: NDArray) -> tuple[NDArray, NDArray]:
        """Full log-probabilities (frozen ones explicit) and each action's log-odds gap
        to the best of its block."""
        x = tk.full_x(np.empty(K), z[: tk.m], float(z[-1]), u)
        return x, np.maximum.reduceat(x, o)[b] - x

    def record(lam: float, r: NDArray, p: NDArray, u: NDArray) -> None:
        q = np.exp(-r)
        out.lambdas.append(lam)
        out.points.append(q / np.add.reduceat(q, o)[b])
        out.regrets.append(float(_block_regrets(sys, p, u).max()))

    if log_prior is None:
        tk = _Tracked(sys, np.ones(K, dtype=bool), refs0)
        x0 = np.concatenate([np.full(n, -math.log(n)) for n in sizes])
    else:
        x0 = np.asarray(log_prior, dtype=float)
        tk = _Tracked(sys, np.ones(K, dtype=bool), refs0, x0)
    z = np.append(x0, 0.0)
    e_lam = np.zeros(K + 1)
    e_lam[K] = 1.0
    start = corrector(tk, z, e_lam)
    if start is None:  # pragma: no cover - the centroid always solves H = 0
        out.message = "could not start the path at the centroid"
        return out
    z, p, u, t, _, _, det_sign = start
    if t[K] < 0:
        t, det_sign = -t, -det_sign
    x, r = full_point(tk, z, u)  # the current point (full log-probabilities, gaps)
    record(0.0, r, p, u)
    targets = sorted(float(v) for v in targets)
    pending = [v for v in targets if v > 0.0]
    for v in targets:
        if v == 0.0:
            record(0.0, r, p, u)
    h = first_step
    h_min = 1e-12
    support_prev: bytes | None = None
    lam_seen = 0.0
    tried: bytes | None = None
    lam_tried = 0.0
    fallback: NDArray | None = None
    reached = False
    r_prev, lam_prev = r, 0.0
    curv: NDArray | None = None
    while True:
        if out.nit >= max_steps:
            out.message = (
                f"stopped after max_steps={max_steps} path steps at lambda={z[-1] / sys.scale:.6g}"
            )
            break
        # second-order predictor: the tangent's rate of turn over the last step
        z_pred = z + h * t if curv is None else z + h * t + (0.5 * h * h) * curv
        res = corrector(tk, z_pred, t)
        bad = res is None
        if not bad:
            z_new, p_new, u_new, t_new, d1, kappa, sign = res
            alpha = math.acos(min(1.0, max(-1.0, float(t_new @ t))))
            # the tangent turned too fast (the step may have left the branch), or the
            # orientation determinant changed sign: the step jumped to another branch or
            # crossed a bifurcation (only a degenerate game has one: crossed at a tiny
            # step, it is accepted and the orientation follows)
            bad = alpha > _A_MAX or (sign != det_sign and h > _H_BIFURCATION * (1.0 + abs(z[-1])))
            if not bad:
                x_new, r_new = full_point(tk, z_new, u_new)
                # a frozen action may not come back to life within one step: its
                # probability was left out of that step (it is tracked again from the
                # next step on if it comes within exp(-_ADD_LOG_ODDS) of its block's best)
                bad = len(tk.frozen) > 0 and bool((r_new[tk.frozen] < _REVIVE_LOG_ODDS).any())
        if bad:
            h *= 0.5
            if h < h_min * (1.0 + abs(z[-1])):
                out.message = (
                    f"step size fell below {h_min:g} at lambda={z[-1] / sys.scale:.6g} (a "
                    "bifurcation or a singular point of the path)"
                )
                break
            continue
        m = tk.m
        while pending and z[m] < pending[0] <= z_new[m]:
            lam_t = pending.pop(0)
            frac = (lam_t - z[m]) / (z_new[m] - z[m])
            xt = fixed_lambda_point(tk, z[:m] + frac * (z_new[:m] - z[:m]), lam_t)
            if xt is not None:
                zt = np.append(xt, lam_t)
                _, _, pt, ut = tk.residual(sys, zt)
                record(lam_t, full_point(tk, zt, ut)[1], pt, ut)
            else:
                out.missed.append(lam_t)
        dz = z_new - z
        s_step = math.sqrt(float(dz @ dz))
        curv = (t_new - t) / s_step if s_step > 0 else None
        z, t, det_sign, x, r = z_new, t_new, sign, x_new, r_new
        lam = float(z[m])
        out.nit += 1
        record(lam, r, p_new, u_new)
        f = max(math.sqrt(d1 / _D_NOM), math.sqrt(kappa / _K_NOM), alpha / _A_NOM, 1.0 / max_accel)
        h = h / min(f, 2.0)
        # follow the actions that matter: freeze the dying ones, revive the returning ones
        new_tk = _retrack(sys, tk, x, r)
        if new_tk is not None:
            t_guess = tk.full_tangent(t, K)[new_tk.idx]
            t_guess /= math.sqrt(float(t_guess @ t_guess))
            z_guess = np.append(x[new_tk.act], lam)
            if not (new_tk.mask & ~tk.mask).any():
                # frozen actions and new reference actions only: the rest of the system
                # and its tangent (restricted) are unchanged, and so is the sign of its
                # orientation determinant (a frozen action's column vanishes but for its
                # own row and the tangent row; a new reference recombines the rows of
                # its block with determinant 1)
                tk, z, t, curv = new_tk, z_guess, t_guess, None
            else:
                res = corrector(new_tk, z_guess, t_guess)
                if res is not None:
                    tk, curv = new_tk, None
                    z, _, _, t, _, _, det_sign = res
        if lam >= lambda_max and not pending:
            out.message = f"reached lambda_max at lambda={lam / sys.scale:.6g}"
            reached = True
            break
        if not stop_at_equilibrium or pending or lam < _POLISH_MIN_LAMBDA:
            continue
        mask = _support_candidate(r, lam, r_prev, lam_prev)
        r_prev, lam_prev = r, lam
        key = mask.tobytes()
        if key != support_prev:
            support_prev, lam_seen = key, lam
        if lam >= _STABLE_FACTOR * lam_seen and (key != tried or lam >= 4.0 * lam_tried):
            tried, lam_tried = key, lam
            out.polish_attempts += 1
            q = _polish(sys, out.points[-1], _split_support(sys, mask), tol)
            if q is not None:
                if _heading_to(q, out.points[-1], tk.full_tangent(t, K), lam, K):
                    out.equilibrium = q
                    out.converged = True
                    out.message = (
                        f"polished the path point at lambda={lam / sys.scale:.6g} to an "
                        f"equilibrium on its support ({out.nit} path steps)"
                    )
                    return out
                fallback = q
    # the path ended without an accepted polish: last attempts
    if stop_at_equilibrium:
        q = _final_polish(sys, out, tol)
        if q is None:
            q = fallback
        if q is not None:
            out.equilibrium = q
            out.converged = True
            out.message += "; polished the last point to an equilibrium"
        elif min(out.regrets) <= tol:
            # (a degenerate game whose branch ends at a continuum of equilibria: the path
            # got there to tolerance although no support system could be solved)
            k = int(np.argmin(out.regrets))
            out.equilibrium = out.points[k]
            out.converged = True
            out.message += (
                "; the polish found no equilibrium on the path's support, but the path point "
                f"at lambda={out.lambdas[k] / sys.scale:.6g} is one to tolerance"
            )
        else:
            out.message += "; the polish found no equilibrium on the path's support"
    else:
        out.converged = reached
    return out
