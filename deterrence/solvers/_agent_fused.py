"""Optional compiled (numba) glue of the dense agent form: values, payoffs, Jacobian parts.

Private engine of :class:`~deterrence.solvers._stochastic_homotopy.DenseAgentSystem`,
beside the contraction kernels of :mod:`deterrence.solvers._agent_kernels`. On the small
tensors of a path step (8 states x 3 players x 5 actions: arrays of a few hundred
entries) numpy's per-call overhead, not arithmetic, dominates the steps between the two
contractions; these kernels do them in one call each, with the same equations as the
numpy route (which runs when numba is absent, and which the tests compare them with):

``core(D, sig, offsets, shape, d, A, out, fixed, V, Q, Ms)``
    From the deviation tables ``D`` (N, m, N + S, nmax): each active state's stage payoff
    ``r[k, i] = sig_{k,i} . D[i, k, i, :]`` and transition row ``P[k, t] = sum_a D[0, k,
    N + t, a] sig_{k,0}(a)``; for each player ``M_i = (I - d_i P_AA)^-1`` (Gauss-Jordan
    with partial pivoting; a singular matrix, possible only off the simplex, returns
    False) and the values ``V[A, i] = M_i (r_i + d_i P_AO fixed_O)``; the payoffs
    ``Q[i, k, a] = D[i, k, i, a] + d_i sum_t D[i, k, N + t, a] V[t, i]``. Outputs written in
    place.
``parts(sig, Q, D, Ms, B, cf, radial, d, A, offsets, shape, W, G, P)``
    The factored Jacobian (:class:`~deterrence.solvers._stochastic_homotopy.JacobianParts`)
    from the pair blocks ``B`` (N, N, m, nmax, nmax): ``G[a, k, (b, y)] = sig_{k,a} .
    B[a, b, k, :, y]`` (``Q[a, k, y]`` for ``b = a``), ``P[k, (a, x), (b, y)] = B[a, b, k,
    x, y]``, and ``W[k, (i, a), k'] = d_i sum_t D[i, k, N + A_t, a] M_i[t, k']``; with
    ``radial`` the normalisation's closed-form radial sums are subtracted (the pair block
    sums to ``Q[a, k, x]``, ``G[a, k, .]`` to ``e[a, k] = sig_{k,a} . Q[a, k]``) and every
    column is scaled by ``cf[k, b]``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ._numba import LazyKernels

__all__ = ["ENABLED", "kernels"]

#: Set to False to make :func:`kernels` return None (the numpy route runs instead).
ENABLED = True


def kernels() -> SimpleNamespace | None:
    """The compiled kernels (``.core``, ``.parts``), or None without numba."""
    return _KERNELS.get(ENABLED)


def _compile(numba: Any) -> SimpleNamespace:
    """Compile the kernels."""
    jit = numba.njit(cache=True, nogil=True)
    return SimpleNamespace(core=jit(_core), parts=jit(_parts))


def _core(D, sig, offsets, shape, d, A, out, fixed, V, Q, Ms):
    """Values, payoffs and the matrices ``M_i`` (module docstring); False if singular."""
    N, m, nmax = D.shape[0], D.shape[1], D.shape[3]
    S = fixed.shape[0]
    r = np.zeros((m, N))
    P = np.zeros((m, S))
    for k in range(m):
        for i in range(N):
            o = offsets[i]
            acc = 0.0
            for a in range(shape[i]):
                acc += sig[k, o + a] * D[i, k, i, a]
            r[k, i] = acc
        o = offsets[0]
        for t in range(S):
            acc = 0.0
            for a in range(shape[0]):
                acc += D[0, k, N + t, a] * sig[k, o + a]
            P[k, t] = acc
    for t in range(S):
        for i in range(N):
            V[t, i] = fixed[t, i]
    nA = A.shape[0]
    aug = np.empty((nA, 2 * nA))
    rhs = np.empty(nA)
    for i in range(N):
        di = d[i]
        for k in range(nA):
            for c in range(nA):
                aug[k, c] = -di * P[k, A[c]]
                aug[k, nA + c] = 0.0
            aug[k, k] += 1.0
            aug[k, nA + k] = 1.0
            acc = r[k, i]
            for c in range(out.shape[0]):
                acc += di * P[k, out[c]] * fixed[out[c], i]
            rhs[k] = acc
        # Gauss-Jordan with partial pivoting: aug = [I - d P_AA | I] -> [I | M_i]
        for j in range(nA):
            p = j
            best = abs(aug[j, j])
            for k in range(j + 1, nA):
                v = abs(aug[k, j])
                if v > best:
                    best, p = v, k
            if best == 0.0 or not np.isfinite(best):
                return False
            if p != j:
                for c in range(2 * nA):
                    tmp = aug[j, c]
                    aug[j, c] = aug[p, c]
                    aug[p, c] = tmp
            piv = aug[j, j]
            for c in range(2 * nA):
                aug[j, c] /= piv
            for k in range(nA):
                if k != j:
                    f = aug[k, j]
                    if f != 0.0:
                        for c in range(2 * nA):
                            aug[k, c] -= f * aug[j, c]
        for k in range(nA):
            acc = 0.0
            for c in range(nA):
                Ms[i, k, c] = aug[k, nA + c]
                acc += aug[k, nA + c] * rhs[c]
            V[A[k], i] = acc
    for i in range(N):
        di = d[i]
        for k in range(m):
            for a in range(nmax):
                acc = D[i, k, i, a]
                for t in range(S):
                    acc += di * D[i, k, N + t, a] * V[t, i]
                Q[i, k, a] = acc
    return True


def _parts(sig, Q, D, Ms, B, cf, radial, d, A, offsets, shape, W, G, P):
    """The factored Jacobian from the pair blocks (module docstring), in place."""
    N, m = D.shape[0], D.shape[1]
    nA = A.shape[0]
    for a in range(N):
        oa, na = offsets[a], shape[a]
        for k in range(m):
            e = 0.0
            if radial:
                for x in range(na):
                    e += sig[k, oa + x] * Q[a, k, x]
            for b in range(N):
                ob, nb = offsets[b], shape[b]
                cb = cf[k, b]
                if b == a:
                    for y in range(nb):
                        G[a, k, ob + y] = (Q[a, k, y] - e) * cb
                        for x in range(na):
                            P[k, oa + x, ob + y] = 0.0
                    continue
                for y in range(nb):
                    g = 0.0
                    for x in range(na):
                        v = B[a, b, k, x, y]
                        g += sig[k, oa + x] * v
                        if radial:
                            v -= Q[a, k, x]
                        P[k, oa + x, ob + y] = v * cb
                    G[a, k, ob + y] = (g - e) * cb
    for i in range(N):
        oi, ni = offsets[i], shape[i]
        di = d[i]
        for k in range(m):
            for a in range(ni):
                for u in range(nA):
                    acc = 0.0
                    for t in range(nA):
                        acc += D[i, k, N + A[t], a] * Ms[i, t, u]
                    W[k, oi + a, u] = di * acc


_KERNELS = LazyKernels(_compile)
