"""The polishing step of the logit solvers: an equilibrium on a candidate support.

Once the path tracer (:mod:`deterrence.solvers._continuation`) sees the candidate support of
the branch's limit settle (:func:`_support_candidate`: actions whose log-probability gap to
the best one stays bounded as lambda grows), :func:`_polish` solves the equilibrium
conditions on that support (all support actions earn the same payoff, probabilities sum to
one) by Newton's method from the path's current point (falling back to
:func:`scipy.optimize.root`, MINPACK's hybrid and Levenberg-Marquardt methods, on the last
attempt), drops actions whose probability comes out negative and adds profitable
deviations; :func:`_heading_to` accepts a polished profile only if the path is heading to
it. :func:`_final_polish` makes the last attempts when the path ended without one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.linalg.lapack
import scipy.optimize
from numpy.typing import NDArray

__all__: list[str] = []

_GESV = scipy.linalg.lapack.dgesv

_SUPPORT_LOG_RATIO = 30.0  # never in a candidate support: p below exp(-30) * max p
_POLISH_RADIUS = 0.25  # a polished equilibrium is never farther from the path point
_FINAL_POINTS = 4  # last path points tried by the final polish
_LATE_LAMBDA = 1e4  # beyond this lambda, accept a polish within _LATE_GAP / lambda ...
_LATE_GAP = 100.0  # ... of the path point (the branch's own O(1 / lambda) distance)
_FINAL_CUTS = (_SUPPORT_LOG_RATIO, 12.0, 5.0, 2.0)  # their supports: log-odds cut-offs


def _block_regrets(sys: Any, p: NDArray, u: NDArray) -> NDArray:
    """Each block's regret: best payoff minus the (normalised) mixture's payoff."""
    o = sys.offsets
    return np.maximum.reduceat(u, o) - np.add.reduceat(p * u, o) / np.add.reduceat(p, o)


def _lapack_solve(M: NDArray, rhs: NDArray) -> NDArray | None:
    """``solve(M, rhs)`` through LAPACK's gesv (no wrapper overhead); None if singular."""
    _, _, x, info = _GESV(M, rhs, overwrite_a=True, overwrite_b=False)
    if info != 0 or not math.isfinite(float(x.sum())):
        return None
    return x


def _final_polish(sys: Any, out: Any, tol: float) -> NDArray | None:
    """Last attempts after the path ended without an accepted polish: polish the last few
    path points (latest first) on the supports their log-probabilities suggest, from the
    strictest to the loosest, with the forgiving solvers (``out``: the tracer's record, of
    which ``points`` and ``polish_attempts`` are read and counted)."""
    tried: set[bytes] = set()
    o, b = sys.offsets, sys.block_of
    n_pts = len(out.points)
    for k in range(n_pts - 1, max(n_pts - 1 - _FINAL_POINTS, -1), -1):
        last = out.points[k]
        xl = np.log(np.maximum(last, 1e-300))
        r = np.maximum.reduceat(xl, o)[b] - xl
        for cut in _FINAL_CUTS:
            mask = r <= cut
            key = mask.tobytes()
            if key in tried:
                continue
            tried.add(key)
            out.polish_attempts += 1
            q = _polish(sys, last, _split_support(sys, mask), tol, final=True)
            if q is not None:
                return q
    return None


def _heading_to(q: NDArray, p: NDArray, t: NDArray, lam: float, K: int) -> bool:
    """True if the path at ``p`` (unit tangent ``t``) is heading to the equilibrium ``q``.

    Along the branch ``p(lambda) = p* + a / lambda + O(1 / lambda**2)``, so the
    extrapolation ``p + lambda * dp/dlambda`` is within ``O(1 / lambda**2)`` of the limit
    ``p*``: a polished equilibrium is accepted only if it is ten times closer to that
    extrapolation than to the path point itself (another equilibrium near the path, as
    often sits on an enlarged support, is not; at five times, one game in a thousand
    ended at such a neighbour). At very large lambda (``_LATE_LAMBDA``
    times the payoff scale) it is also accepted when its distance to the path point is
    ``O(1 / lambda)``: on a degenerate game the branch may creep along a continuum of
    equilibria, where the extrapolation never settles, and any point of it is the answer.
    """
    dist = float(np.abs(q - p).max())
    if dist <= 1e-9:
        return True
    if dist > _POLISH_RADIUS or t[K] <= 0:
        return False
    if lam >= _LATE_LAMBDA and lam * dist <= _LATE_GAP:
        return True
    p_ext = p * (1.0 + lam * t[:K] / t[K])
    return float(np.abs(q - p_ext).max()) <= 0.1 * dist


def _support_candidate(r: NDArray, lam: float, r_prev: NDArray, lam_prev: float) -> NDArray:
    """Boolean mask of the actions that look like the support of the branch's limit.

    On the branch ``r_ia = max_b x_ib - x_ia = lambda * (payoff gap of a)``: it tends to a
    constant for an action in the limit's support and grows like ``lambda`` for one
    outside it. An action is kept when it is (nearly) the most likely one, or when
    ``r_ia`` is moderate and its elasticity ``d log r / d log lambda`` (from the previous
    path point, where the gaps were ``r_prev``) is below 1/2.
    """
    keep = r <= 1e-3
    growth = math.log(lam / lam_prev) if lam_prev > 0 and lam > lam_prev else 0.0
    if growth > 0:
        rp = np.maximum(r_prev, 1e-300)
        elast = np.log(np.maximum(r, 1e-300) / rp) / growth
        keep |= (r <= _SUPPORT_LOG_RATIO) & (elast < 0.5)
    else:
        keep |= r <= _SUPPORT_LOG_RATIO
    return keep


def _split_support(sys: Any, mask: NDArray) -> list[NDArray]:
    return [np.flatnonzero(mask[s]) for s in sys.slices]


def _newton(
    fun: Any, z0: NDArray, ftol: float, maxit: int = 20, *, min_norm: bool = False
) -> NDArray | None:
    """Newton's method on ``fun(z) -> (F, jacobian)`` from a close start; None when it does
    not reach ``max |F| <= ftol`` (a wrong support usually has no solution at all). With
    ``min_norm``, the steps are least-squares minimum-norm ones (Gauss-Newton), which still
    converge to a nearby solution when the solutions form a continuum (a degenerate game:
    singular Jacobian)."""
    z = z0
    F, jac = fun(z)
    fn = float(np.abs(F).max())
    for _ in range(maxit):
        if fn <= ftol:
            return z
        if min_norm:
            step = np.linalg.lstsq(jac, -F[:, None], rcond=1e-10)[0]
        else:
            step = _lapack_solve(jac, -F[:, None])
            if step is None:
                return None
        z = z + step[:, 0]
        F, jac = fun(z)
        fn_new = float(np.abs(F).max())
        if not np.isfinite(fn_new) or fn_new > 1e3 * max(fn, 1e-8):
            return None
        fn = fn_new
    return z if fn <= ftol else None


def _repair_support(S: list[NDArray], probs: Sequence[NDArray]) -> list[NDArray]:
    """Drop the least likely actions of players whose indifference conditions outnumber
    the others' degrees of freedom (a generic game has no equilibrium on such a support).
    With one block (a symmetric game) every action's condition involves the block itself,
    so nothing is dropped."""
    if len(S) < 2:
        return S
    S = [s.copy() for s in S]
    changed = True
    while changed:
        changed = False
        dof = [len(s) - 1 for s in S]
        total = sum(dof)
        for i, s in enumerate(S):
            if dof[i] > total - dof[i]:
                a = s[int(np.argmin(probs[i][s]))]
                S[i] = s[s != a]
                changed = True
                break
    return S


def _polish(
    sys: Any, p: NDArray, support: Sequence[NDArray], tol: float, *, final: bool = False
) -> NDArray | None:
    """Solve the equilibrium conditions on a support by Newton, adjusting the support when
    probabilities come out negative or an outside action is a profitable deviation.
    Returns the full (concatenated) profile, or None."""
    sizes, offsets, K = sys.sizes, sys.offsets, sys.K
    nb = len(sizes)
    S = [np.array(s, dtype=np.intp) for s in support]
    if not final:
        S = _repair_support(S, [p[o : o + n] for o, n in zip(offsets, sizes, strict=True)])
    seen: set[tuple] = set()
    for _ in range(2 * K + 2 if final else 4):
        key = tuple(tuple(s.tolist()) for s in S)
        if key in seen:
            return None
        seen.add(key)
        idx = np.concatenate([o + s for o, s in zip(offsets, S, strict=True)])
        bof = np.repeat(np.arange(nb), [len(s) for s in S])
        m = len(idx)
        rows = np.arange(m)

        def fun(z: NDArray, idx=idx, bof=bof, m=m, rows=rows):
            pf = np.zeros(K)
            pf[idx] = z[:m]
            # (a Newton iterate may leave the simplex, even zero a block: its NaN/inf
            # payoffs are rejected by the callers, which check every residual is finite)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                u, J = sys.payoffs_jacobian(pf)
            F = np.empty(m + nb)
            F[:m] = u[idx] - z[m + bof]
            F[m:] = np.bincount(bof, weights=z[:m], minlength=nb) - 1.0
            jac = np.zeros((m + nb, m + nb))
            jac[:m, :m] = J[np.ix_(idx, idx)]
            jac[rows, m + bof] = -1.0
            jac[m + bof, rows] = 1.0
            return F, jac

        q0 = p[idx].copy()
        sums = np.bincount(bof, weights=q0, minlength=nb)
        if np.any(sums <= 0):
            q0 = np.ones(m)
            sums = np.bincount(bof, weights=q0, minlength=nb)
        q0 = q0 / sums[bof]
        pf0 = np.zeros(K)
        pf0[idx] = q0
        u0 = sys.payoffs(pf0)
        v0 = np.bincount(bof, weights=q0 * u0[idx], minlength=nb)
        z0 = np.concatenate([q0, v0])
        ftol = max(tol * 1e-2, 1e-13)
        z = _newton(fun, z0, ftol)
        if z is None and final:
            z = _newton(fun, z0, ftol, min_norm=True)
        if z is None and final:
            # the slower but more forgiving MINPACK solvers, for degenerate systems
            for method in ("hybr", "lm"):
                opts = {"maxfev": 400} if method == "hybr" else {"maxiter": 400}
                try:
                    sol = scipy.optimize.root(
                        fun, z0, jac=True, method=method, tol=1e-14, options=opts
                    )
                except (np.linalg.LinAlgError, ValueError, FloatingPointError):
                    continue
                F, _ = fun(sol.x)
                if np.all(np.isfinite(sol.x)) and np.abs(F).max() <= ftol:
                    z = sol.x
                    break
        if z is None:
            return None
        q_s = z[:m]
        neg = q_s < -1e-12
        if neg.any():
            drop = set(idx[neg].tolist())
            S = [
                np.array([a for a in s if o + a not in drop], dtype=np.intp)
                for o, s in zip(offsets, S, strict=True)
            ]
            if any(len(s) == 0 for s in S):
                return None
            continue
        q = np.zeros(K)
        q[idx] = np.maximum(q_s, 0.0)
        q /= np.repeat(np.add.reduceat(q, offsets), sizes)
        u = sys.payoffs(q)
        reg = _block_regrets(sys, q, u)
        if reg.max() <= tol:
            return q
        changed = False
        for b in range(nb):
            if reg[b] > tol:
                o, n = offsets[b], sizes[b]
                ub = u[o : o + n].copy()
                ub[S[b]] = -np.inf
                a = int(np.argmax(ub))
                if np.isfinite(ub[a]):
                    S[b] = np.union1d(S[b], [a]).astype(np.intp)
                    changed = True
        if not changed:
            return None
    return None
