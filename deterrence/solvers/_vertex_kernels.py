"""Optional compiled kernels (numba) for the two-player solvers.

Private engine of :mod:`deterrence.solvers.two_player`. Two kernels, each written as plain
Python on numpy arrays and compiled with ``numba.njit(cache=True)`` the first time it is
needed (:func:`kernels`); when numba is not importable (it is in the optional ``fast``
extra), or :data:`ENABLED` is False, :func:`kernels` returns None and the callers use their
numpy routes, which compute the same answers (the tests check that they agree).

``vertex_enumeration(A, B, tol, band, max_vertices)``
    Every extreme equilibrium of a *nondegenerate* bimatrix game, the whole fast route of
    :func:`~deterrence.solvers.two_player.vertex_enumeration` in one call: iterated strict
    dominance, the tie test, the vertices of the best-response polytope ``P`` of the player
    with fewer actions, the partner of each vertex in the other polytope, the equilibria
    normalised, their payoffs and regrets, and their order. Anything it cannot certify is
    reported by a status code and the caller takes its numpy routes (which handle
    degenerate games).
``lemke_howson(A, B, label, max_pivots, tol)``
    One Lemke-Howson path, the same pivots as ``two_player._lh_single``.

Vertex enumeration: a breadth-first search over the vertices of
``P = {x >= 0, B'^T x <= 1}`` (labels as in :mod:`deterrence.solvers._polytope`), each
vertex a *basis* ``T`` of ``m`` tight constraints, held as the bit set of its labels. For
each vertex the point and the edge directions are computed afresh from its basis (never
by chains of pivots, so no error accumulates): with ``Z`` the basic sign constraints
(``x_i = 0``), ``C`` the basic columns (``(B'^T x)_j = 1``) and ``S`` the complement of
``Z`` (``|S| = |C| = s``), ``x_S = M^{-1} 1`` with ``M = B'[S, C]^T``. Freeing the sign
constraint ``i0`` moves along ``dx_{i0} = 1, dx_S = -M^{-1} B'[i0, C]``, freeing the column
``C[a]`` along ``dx_S = -M^{-1} e_a``; the slack of constraint ``l`` changes at rate
``-G_l dx`` and the first constraint to become tight (the minimum ratio) is the neighbour's
new label.

Certificate (the same as the Qhull route's): every vertex found is a feasible basic point
whose nonbasic slacks all exceed ``tol`` (so it is a *simple* vertex with exactly these
labels), and every edge of every such vertex leads, by a ratio test with a unique
minimiser, to a basis that is itself verified as a vertex -- the other end of that edge,
because only two vertices of a simple polytope contain the edge's ``m - 1`` tight
constraints. The set is thus closed under adjacency, hence (the graph of a polytope being
connected) every vertex. A vertex ``x`` with labels ``T`` completes to an equilibrium only
with the ``y`` of the complementary labels: ``y`` zero off ``C`` and ``A'[S, C] y_C = 1``;
it is one iff ``y_C > 0`` and ``(A' y)_i < 1`` off ``S`` (a value within ``band`` of zero is
not certified). This is exactly the route of ``two_player._one_polytope`` with the
vertices found by pivoting instead of Qhull.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ._numba import LazyKernels

__all__ = ["ENABLED", "kernels"]

#: Set to False to make :func:`kernels` return None (the numpy routes run instead).
ENABLED = True

#: Status codes of the vertex-enumeration kernel.
OK, TIES, UNCERTIFIED, TOO_MANY = 0, 1, 2, 3


def kernels() -> SimpleNamespace | None:
    """The compiled kernels (``.vertex_enumeration``, ``.lemke_howson``), or None when numba
    is not importable or :data:`ENABLED` is False. Compiled once per process (and cached on
    disk by numba)."""
    return _KERNELS.get(ENABLED)


def _compile(numba: Any) -> SimpleNamespace:
    """Compile the kernels."""
    jit = numba.njit(cache=True, nogil=True)
    g = globals()
    for name in _HELPERS:  # the kernels call the compiled helpers through these globals
        g[name] = jit(g[name])
    return SimpleNamespace(vertex_enumeration=jit(_ve_kernel), lemke_howson=jit(_lh_kernel))


_KERNELS = LazyKernels(_compile)


# ------------------------------------------------------------------------- helpers
def _scale_unit(M):
    """Positive affine image of ``M`` into ``[1, 2]`` (all ones if constant), as
    ``_polytope._scale_unit``."""
    lo, hi = M.min(), M.max()
    if hi - lo <= 0.0:
        return np.ones_like(M)
    return (M - lo) / (hi - lo) + 1.0


def _has_ties(M, tol):
    """Two entries within ``tol`` in one row or one column of ``M``."""
    r, c = M.shape
    if c > 1:
        for i in range(r):
            v = np.sort(M[i, :])
            for k in range(c - 1):
                if v[k + 1] - v[k] <= tol:
                    return True
    if r > 1:
        for j in range(c):
            v = np.sort(M[:, j])
            for k in range(r - 1):
                if v[k + 1] - v[k] <= tol:
                    return True
    return False


def _undominated(A, B, margin):
    """Masks of the rows and columns surviving iterated strict dominance by a pure
    strategy (by more than ``margin``), removing one side at a time: as
    ``two_player._undominated``."""
    m, n = A.shape
    rows = np.ones(m, dtype=np.bool_)
    cols = np.ones(n, dtype=np.bool_)
    rdom = np.zeros(m, dtype=np.bool_)
    cdom = np.zeros(n, dtype=np.bool_)
    while True:
        anyr = False
        for i in range(m):
            rdom[i] = False
            if not rows[i]:
                continue
            for k in range(m):
                if k == i or not rows[k]:
                    continue
                beats = True
                for c in range(n):
                    if cols[c] and not (A[k, c] > A[i, c] + margin):
                        beats = False
                        break
                if beats:
                    rdom[i] = True
                    anyr = True
                    break
        anyc = False
        for j in range(n):
            cdom[j] = False
            if not cols[j]:
                continue
            for k in range(n):
                if k == j or not cols[k]:
                    continue
                beats = True
                for r in range(m):
                    if rows[r] and not (B[r, k] > B[r, j] + margin):
                        beats = False
                        break
                if beats:
                    cdom[j] = True
                    anyc = True
                    break
        if not (anyr or anyc):
            return rows, cols
        if anyr:
            for i in range(m):
                if rdom[i]:
                    rows[i] = False
        else:
            for j in range(n):
                if cdom[j]:
                    cols[j] = False


def _gauss(M, R, s, w):
    """Solve ``M[:s, :s] X = R[:s, :w]`` in place (``R`` becomes ``X``) by Gaussian
    elimination with partial pivoting; ``M`` is overwritten. False if a pivot is below
    ``1e-13`` times the largest entry (numerically singular)."""
    big = 0.0
    for i in range(s):
        for j in range(s):
            big = max(big, abs(M[i, j]))
    if not big > 0.0:
        return False
    floor = 1e-13 * big
    for c in range(s):
        p = c
        for i in range(c + 1, s):
            if abs(M[i, c]) > abs(M[p, c]):
                p = i
        if not abs(M[p, c]) > floor:
            return False
        if p != c:
            for j in range(s):
                M[c, j], M[p, j] = M[p, j], M[c, j]
            for j in range(w):
                R[c, j], R[p, j] = R[p, j], R[c, j]
        inv = 1.0 / M[c, c]
        for i in range(c + 1, s):
            f = M[i, c] * inv
            if f != 0.0:
                for j in range(c + 1, s):
                    M[i, j] -= f * M[c, j]
                for j in range(w):
                    R[i, j] -= f * R[c, j]
    for c in range(s - 1, -1, -1):
        inv = 1.0 / M[c, c]
        for j in range(w):
            acc = R[c, j]
            for k in range(c + 1, s):
                acc -= M[c, k] * R[k, j]
            R[c, j] = acc * inv
    return True


def _slot(key, mask):
    h = np.uint64(key)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    return np.int64(h & np.uint64(mask))


def _insert(table, key):
    """Insert ``key`` (>= 0) into the open-addressing table (``-1`` marks a free slot);
    True if it was not there."""
    mask = table.size - 1
    i = _slot(key, mask)
    while True:
        t = table[i]
        if t == key:
            return False
        if t < 0:
            table[i] = key
            return True
        i = (i + 1) & mask


def _grown(table):
    new = np.full(2 * table.size, -1, dtype=np.int64)
    for t in table:
        if t >= 0:
            _insert(new, t)
    return new


def _enumerate(A1, B1, tol, band, max_vertices):
    """Vertices of ``P`` of the scaled game ``(A1, B1)`` and their equilibrium partners
    (see the module docstring). Returns ``(status, n_vertices, X, Y)`` with the
    unnormalised points of the extreme equilibria."""
    m, n = A1.shape
    K = m + n
    bit = np.empty(K, dtype=np.int64)
    for lab in range(K):
        bit[lab] = np.int64(1) << np.int64(lab)
    origin = np.int64(0)
    for i in range(m):
        origin += bit[i]
    table = np.full(1024, -1, dtype=np.int64)
    queue = np.empty(1024, dtype=np.int64)
    _insert(table, origin)
    queue[0] = origin
    head, tail = 0, 1
    X = np.zeros((8, m))
    Y = np.zeros((8, n))
    E = 0
    S = np.empty(m, dtype=np.int64)
    Z = np.empty(m, dtype=np.int64)
    C = np.empty(m, dtype=np.int64)
    free = np.empty(n, dtype=np.int64)  # the nonbasic columns
    M = np.empty((m, m))
    Minv = np.empty((m, m))
    N = np.empty((m, m))
    rhs = np.empty((m, 1))
    xs = np.empty(m)
    dx = np.empty(m)
    wcol = np.empty(n)
    while head < tail:
        key = queue[head]
        head += 1
        nz = ns = nc = nf = 0
        for i in range(m):
            if (key >> i) & 1:
                Z[nz] = i
                nz += 1
            else:
                S[ns] = i
                ns += 1
        for j in range(n):
            if (key >> (m + j)) & 1:
                if nc == m:
                    return UNCERTIFIED, tail, X[:E], Y[:E]
                C[nc] = j
                nc += 1
            else:
                free[nf] = j
                nf += 1
        s = ns
        if nc != s:
            return UNCERTIFIED, tail, X[:E], Y[:E]
        # the point: x_S = M^{-1} 1, M[a, b] = B1[S[b], C[a]]
        if s > 0:
            for a in range(s):
                for b in range(s):
                    M[a, b] = B1[S[b], C[a]]
                    Minv[a, b] = 1.0 if a == b else 0.0
            if not _gauss(M, Minv, s, s):
                return UNCERTIFIED, tail, X[:E], Y[:E]
            for b in range(s):
                acc = 0.0
                for a in range(s):
                    acc += Minv[b, a]
                xs[b] = acc
                if not xs[b] > tol:  # a nonbasic sign slack at zero: degenerate
                    return UNCERTIFIED, tail, X[:E], Y[:E]
        for q in range(nf):
            j = free[q]
            acc = 1.0
            for b in range(s):
                acc -= B1[S[b], j] * xs[b]
            wcol[q] = acc
            if not acc > tol:  # infeasible, or a nonbasic column tight: degenerate
                return UNCERTIFIED, tail, X[:E], Y[:E]
        # the partner: y zero off C, A1[S, C] y_C = 1, checked against the rows in Z
        if s > 0:
            for a in range(s):
                rhs[a, 0] = 1.0
                for b in range(s):
                    N[a, b] = A1[S[a], C[b]]
            if not _gauss(N, rhs, s, 1):
                return UNCERTIFIED, tail, X[:E], Y[:E]
            low = np.inf
            for b in range(s):
                low = min(low, rhs[b, 0])
            for q in range(nz):
                acc = 1.0
                for b in range(s):
                    acc -= A1[Z[q], C[b]] * rhs[b, 0]
                low = min(low, acc)
            if not abs(low) > band:  # (also NaN)
                return UNCERTIFIED, tail, X[:E], Y[:E]
            if low > 0.0:
                if X.shape[0] == E:
                    X2 = np.zeros((2 * E, m))
                    Y2 = np.zeros((2 * E, n))
                    X2[:E] = X
                    Y2[:E] = Y
                    X, Y = X2, Y2
                for b in range(s):
                    X[E, S[b]] = xs[b]
                    Y[E, C[b]] = rhs[b, 0]
                E += 1
        # the edges: free each basic constraint, ratio test on the fresh point
        for p in range(nz + nc):
            if p < nz:  # free the sign constraint i0: dx_i0 = 1, dx_S = -M^{-1} B1[i0, C]
                i0 = Z[p]
                for b in range(s):
                    acc = 0.0
                    for a in range(s):
                        acc -= Minv[b, a] * B1[i0, C[a]]
                    dx[b] = acc
                leaving = i0
            else:  # free the column C[a0]: dx_S = -M^{-1} e_a0
                a0 = p - nz
                for b in range(s):
                    dx[b] = -Minv[b, a0]
                i0 = -1
                leaving = m + C[a0]
            best, second, enter = np.inf, np.inf, -1
            for b in range(s):  # sign slacks w_i = x_i change at rate dx_i
                if dx[b] < -tol:
                    t = xs[b] / -dx[b]
                    if t < best:
                        best, second, enter = t, best, S[b]
                    elif t < second:
                        second = t
            for q in range(nf):  # column slacks change at rate -(B1^T dx)_j
                j = free[q]
                rate = 0.0
                for b in range(s):
                    rate -= B1[S[b], j] * dx[b]
                if i0 >= 0:
                    rate -= B1[i0, j]
                if rate < -tol:
                    t = wcol[q] / -rate
                    if t < best:
                        best, second, enter = t, best, m + j
                    elif t < second:
                        second = t
            if enter < 0 or not second - best > tol:  # unbounded edge, or a tie
                return UNCERTIFIED, tail, X[:E], Y[:E]
            nkey = key - bit[leaving] + bit[enter]
            if _insert(table, nkey):
                if tail >= max_vertices:
                    return TOO_MANY, tail, X[:E], Y[:E]
                if tail == queue.size:
                    q2 = np.empty(2 * tail, dtype=np.int64)
                    q2[:tail] = queue
                    queue = q2
                queue[tail] = nkey
                tail += 1
                if 2 * tail > table.size:
                    table = _grown(table)
    return OK, tail, X[:E], Y[:E]


def _ve_kernel(A, B, tol, band, max_vertices):
    """The fast route of ``two_player.vertex_enumeration`` (see the module docstring).

    Returns ``(status, n_vertices, swapped, rows, cols, xs, ys, pay, reg, spread)``:
    ``spread`` the larger payoff range of ``A`` and ``B`` (at least 1), ``rows`` and
    ``cols`` the masks of the undominated strategies, ``swapped`` whether the column
    player's polytope was enumerated, and the equilibria (strategies normalised and
    embedded in the full game, payoffs and regrets on ``A`` and ``B``), in the order of
    ``two_player._order``. ``status`` is :data:`OK` only when the answer is certified.
    """
    m, n = A.shape
    spread = max(A.max() - A.min(), B.max() - B.min(), 1.0)
    rows, cols = _undominated(A, B, tol * spread)
    ri = np.flatnonzero(rows)
    ci = np.flatnonzero(cols)
    mr, nr = ri.size, ci.size
    Ar = np.empty((mr, nr))
    Br = np.empty((mr, nr))
    for a in range(mr):
        for b in range(nr):
            Ar[a, b] = A[ri[a], ci[b]]
            Br[a, b] = B[ri[a], ci[b]]
    swapped = mr > nr
    if swapped:  # the column player's polytope is the row player's of (B^T, A^T)
        A1 = _scale_unit(np.ascontiguousarray(Br.T))
        B1 = _scale_unit(np.ascontiguousarray(Ar.T))
    else:
        A1 = _scale_unit(Ar)
        B1 = _scale_unit(Br)
    empty = np.zeros((0, 1))
    if mr + nr > 62:  # label sets are the bits of an int64
        return UNCERTIFIED, 0, swapped, rows, cols, empty, empty, empty, np.zeros(0), spread
    if _has_ties(B1, tol) or _has_ties(A1, tol):
        return TIES, 0, swapped, rows, cols, empty, empty, empty, np.zeros(0), spread
    status, nv, X, Y = _enumerate(A1, B1, tol, band, max_vertices)
    E = X.shape[0]
    if status != OK or E == 0:
        status = UNCERTIFIED if status == OK else status
        return status, nv, swapped, rows, cols, empty, empty, empty, np.zeros(0), spread
    if swapped:
        X, Y = Y, X
    xs = np.zeros((E, m))
    ys = np.zeros((E, n))
    for e in range(E):
        sx = 0.0
        for a in range(mr):
            sx += max(X[e, a], 0.0)
        for a in range(mr):
            xs[e, ri[a]] = max(X[e, a], 0.0) / sx
        sy = 0.0
        for b in range(nr):
            sy += max(Y[e, b], 0.0)
        for b in range(nr):
            ys[e, ci[b]] = max(Y[e, b], 0.0) / sy
    # payoffs and regrets, as two_player._equilibria: A y and x B for every equilibrium
    Ay = ys @ A.T
    xB = xs @ B
    pay = np.empty((E, 2))
    reg = np.empty(E)
    for e in range(E):
        u = 0.0
        for i in range(m):
            u += xs[e, i] * Ay[e, i]
        v = 0.0
        for j in range(n):
            v += xB[e, j] * ys[e, j]
        pay[e, 0], pay[e, 1] = u, v
        reg[e] = max(max(Ay[e].max() - u, xB[e].max() - v), 0.0)
    # order: lexicographically decreasing probabilities rounded to 10 decimals (stable)
    keys = np.empty((E, m + n))
    for e in range(E):
        for i in range(m):
            keys[e, i] = -np.rint(xs[e, i] * 1e10)
        for j in range(n):
            keys[e, m + j] = -np.rint(ys[e, j] * 1e10)
    order = np.arange(E)
    for a in range(1, E):
        cur = order[a]
        b = a - 1
        while b >= 0 and _lex_less(keys[cur], keys[order[b]]):
            order[b + 1] = order[b]
            b -= 1
        order[b + 1] = cur
    return (status, nv, swapped, rows, cols, xs[order], ys[order], pay[order], reg[order], spread)


def _lex_less(a, b):
    for k in range(a.size):
        if a[k] < b[k]:
            return True
        if a[k] > b[k]:
            return False
    return False


# ------------------------------------------------------------------- Lemke-Howson
def _lh_kernel(A, B, label, max_pivots, tol):
    """One Lemke-Howson path from ``label``, the pivots of ``two_player._lh_single``
    (dictionaries ``w = c + D w_B`` of each polytope, pivoted in place; ``tol`` for the
    ratio test's candidates and ties).

    Returns ``(ok, x, y, n_pivots, payoffs, regret, spread)`` (``spread`` the larger payoff
    range, at least 1); ``ok`` is False at a tie, an
    unbounded edge or after ``max_pivots`` pivots (the caller then runs the lexicographic
    route).
    """
    m, n = A.shape
    K = m + n
    spread = max(A.max() - A.min(), B.max() - B.min(), 1.0)
    A1 = _scale_unit(A)
    B1 = _scale_unit(B)
    TP = np.zeros((K, m + 1))
    TQ = np.zeros((K, n + 1))
    for i in range(m):
        TP[i, 1 + i] = 1.0
        TQ[i, 0] = 1.0
        for j in range(n):
            TQ[i, 1 + j] = -A1[i, j]
    for j in range(n):
        TP[m + j, 0] = 1.0
        TQ[m + j, 1 + j] = 1.0
        for i in range(m):
            TP[m + j, 1 + i] = -B1[i, j]
    bP = np.arange(m)
    bQ = np.arange(m, K)
    side = 0 if label < m else 1
    leave = label
    x = np.zeros(m)
    y = np.zeros(n)
    pay = np.zeros(2)
    for n_piv in range(1, max_pivots + 1):
        T = TP if side == 0 else TQ
        basis = bP if side == 0 else bQ
        d = basis.size
        p = 0
        while basis[p] != leave:
            p += 1
        best = -np.inf
        j = -1
        for r in range(K):
            col = T[r, 1 + p]
            if col < -tol:
                ratio = T[r, 0] / col
                if ratio > best:
                    best, j = ratio, r
        if j < 0:
            return False, x, y, n_piv, pay, 0.0, spread
        n_tied = 0
        for r in range(K):
            col = T[r, 1 + p]
            if col < -tol and T[r, 0] / col >= best - tol:
                n_tied += 1
        if n_tied > 1:
            return False, x, y, n_piv, pay, 0.0, spread
        piv = T[j, 1 + p]
        row = T[j].copy()
        for r in range(K):
            f = T[r, 1 + p] / piv
            if r == j:
                f = 1.0
            for c in range(d + 1):
                T[r, c] -= f * row[c]
            T[r, 1 + p] = f
        basis[p] = j
        if j == label:
            for i in range(m):
                x[i] = max(TP[i, 0], 0.0)
            for jj in range(n):
                y[jj] = max(TQ[m + jj, 0], 0.0)
            for b in bP:
                if b < m:
                    x[b] = 0.0
            for b in bQ:
                if b >= m:
                    y[b - m] = 0.0
            sx, sy = x.sum(), y.sum()
            if not (sx > 0.0 and sy > 0.0):
                return False, x, y, n_piv, pay, 0.0, spread
            x /= sx
            y /= sy
            Ay = A @ y
            xB = x @ B
            u = x @ Ay
            v = xB @ y
            pay[0], pay[1] = u, v
            reg = max(max(Ay.max() - u, xB.max() - v), 0.0)
            return True, x, y, n_piv, pay, reg, spread
        leave = j
        side = 1 - side
    return False, x, y, max_pivots, pay, 0.0, spread


#: Module functions compiled (in place, as globals) before the kernels that call them.
_HELPERS = (
    "_scale_unit",
    "_has_ties",
    "_undominated",
    "_gauss",
    "_slot",
    "_insert",
    "_grown",
    "_enumerate",
    "_lex_less",
)
