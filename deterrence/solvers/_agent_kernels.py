"""Optional compiled kernels (numba) for the agent form of dense stochastic games.

Private engine of :class:`~deterrence.solvers._stochastic_homotopy.DenseAgentSystem`: its
two tensor contractions, called thousands of times per solve on small tensors, where the
numpy routes (``_deviation_all`` and ``_contract_except``) are dominated by call overhead.
Each kernel is written as plain Python loops on numpy arrays and compiled with
``numba.njit(cache=True, nogil=True)`` the first time it is needed (:func:`kernels`); when
numba is not importable (it is in the optional ``fast`` extra), or :data:`ENABLED` is
False, :func:`kernels` returns None and the callers keep the numpy routes, which compute
the same answers up to rounding (the tests check that they agree).

Conventions, shared by both kernels: ``m`` states, all with the action counts ``shape``
(int64, length ``N``); a table over pure profiles is flattened in C order over players
``0..N-1`` (player 0 slowest), ``P = prod(shape)`` entries; the mixed strategy of player
``j`` at state ``k`` is ``sig[k, offsets[j] : offsets[j] + shape[j]]`` (``offsets`` int64,
the cumulative sums of ``shape`` from 0); ``nmax = max(shape)``, and the outputs are
zero-padded beyond each player's count.

``deviations(X, sig, offsets, shape)``
    ``X`` of shape ``(m, C, P)`` (``C`` channels: payoffs, transition probabilities)
    contracted, for every player ``i``, with every other player's strategy:
    ``D[i, k, c, a] = sum_{profiles with a_i = a} X[k, c, profile] prod_{j != i}
    sig_{k,j}(a_j)``, an array ``(N, m, C, nmax)``.
``pair_blocks(Cont, sig, offsets, shape)``
    The pair blocks of the Jacobian: ``Cont`` of shape ``(m, N, P)`` (channel ``a`` is
    player ``a``'s continuation table) and, for ``a != b``, ``B[a, b, k, x, y] =
    sum_{profiles with a_a = x, a_b = y} Cont[k, a, profile] prod_{l not in {a, b}}
    sig_{k,l}(a_l)``; ``B[a, a] = 0``; an array ``(N, N, m, nmax, nmax)``.

Weights. Every product of strategies over a run of consecutive players is tabulated once
per state as an outer product in C order (:func:`_outer`, expanded in place from the
back), never by dividing a factor out of a full product: strategies have exact zeros.

Deviations: nested contractions from the front, per state and channel. With
``T_0 = X[k, c]`` and ``T_{i+1} = sum_a sig_i(a) T_i[a, :]`` (players ``0..i`` contracted,
``prod(shape[i+1:])`` entries), ``D[i, k, c, a]`` is the dot product of the row
``T_i[a, :]`` with the outer product of the strategies of players ``i+1..N-1``, and
``D[N-1, k, c] = T_{N-1}``. Both are read off one pass over the rows of ``T_i``, so ``X``
is streamed once, contiguously, with about ``2 P`` multiply-adds per channel: one long
dot product (length ``P / n_0``) and one long ``axpy`` per action of player 0, and much
less at the deeper levels. A loop over profiles one by one (an odometer, with prefix and
suffix products) makes the same ``2 P`` operations in rows of ``n_{N-1}`` entries, too short
to vectorise: it measured 3 to 6 times slower with 3 players of 11 actions.

Pair blocks: one pass per unordered pair ``i < j`` over both channels ``i`` and ``j`` (they
share their weights). A profile is ``(l, x, u, y, r)``, with ``x = a_i``, ``y = a_j`` and
``l``, ``u``, ``r`` the players before ``i``, between and after ``j``; the pass adds
``w_l(l) w_u(u) Cont[k, c, l, x, u, :]`` (the contiguous block of ``(y, r)``) into an
accumulator ``acc[c, x, (y, r)]``, looping over ``l``, ``u`` and then ``x`` so that
successive updates touch different rows (no chain through one row), then dots each
``acc[c, x, y, :]`` with ``w_r``. With no player between the pair, the rows of every ``x``
are one contiguous block, added in one loop; with none before ``i`` either, the dot
products read ``Cont`` directly. (With 3 players the pairs ``(0, 1)`` and ``(0, 2)`` are
still done in rows of ``n_2`` entries, the second most of the time.)

The kernels are compiled with the ``reassoc`` and ``contract`` fast-math flags only, which
lets LLVM vectorise the dot products and fuse multiply-adds (results differ from the numpy
routes by rounding, in the order of summation; infinities and NaN keep their meaning). The
inner loops of the pair kernel index with unsigned integers (``np.uintp``), which spares
numba's wraparound code for negative indices: with it the loads were not vectorised. The
results are allocated afresh at each call (preallocated buffers saved nothing measurable:
the allocation costs about 2 microseconds).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ._numba import LazyKernels

__all__ = ["ENABLED", "kernels"]

#: Set to False to make :func:`kernels` return None (the numpy routes run instead).
ENABLED = True

#: LLVM fast-math flags of the kernels: reassociation (vectorised sums) and fused
#: multiply-adds, nothing that changes the meaning of infinities or NaN.
_FASTMATH = {"reassoc", "contract"}


def kernels() -> SimpleNamespace | None:
    """The compiled kernels (``.deviations``, ``.pair_blocks``), or None when numba is not
    importable or :data:`ENABLED` is False. Compiled once per process (and cached on disk
    by numba)."""
    return _KERNELS.get(ENABLED)


def _compile(numba: Any) -> SimpleNamespace:
    """Compile the kernels."""
    jit = numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)
    g = globals()
    for name in _HELPERS:  # the kernels call the compiled helpers through these globals
        g[name] = jit(g[name])
    return SimpleNamespace(deviations=jit(_deviations), pair_blocks=jit(_pair_blocks))


# ------------------------------------------------------------------------- helpers
def _outer(sig, k, offsets, shape, lo, hi, out):
    """Fill ``out[:size]`` with the outer product of the strategies at state ``k`` of
    players ``lo..hi-1``, in C order (``out[0] = 1`` when ``lo >= hi``), and return
    ``size``. Expanded in place from the back (entry ``p`` is read before the entries
    ``p * n ..`` it spreads to are written), so no factor is ever divided out."""
    size = 1
    out[0] = 1.0
    for j in range(lo, hi):
        n = shape[j]
        o = offsets[j]
        for p in range(size - 1, -1, -1):
            v = out[p]
            for a in range(n - 1, -1, -1):
                out[p * n + a] = v * sig[k, o + a]
        size *= n
    return size


# ------------------------------------------------------------------------- kernels
def _deviations(X, sig, offsets, shape):
    """``D[i, k, c, a]``: ``X[k, c]`` contracted with every strategy but player ``i``'s, at
    ``a_i = a`` (see the module docstring); float64 ``(N, m, C, max(shape))``."""
    m, C = X.shape[0], X.shape[1]
    N = shape.size
    L = N - 1
    nmax = 0
    P1 = 1
    for j in range(N):
        nmax = max(nmax, shape[j])
        if j > 0:
            P1 *= shape[j]
    D = np.zeros((N, m, C, nmax))
    Wr = np.empty((N, P1))  # Wr[i, :R[i]]: outer product of the strategies of i+1..N-1
    R = np.empty(N, dtype=np.int64)
    buf = np.empty((2, P1))  # T_i for i >= 1, alternating rows
    for k in range(m):
        for i in range(N):
            R[i] = _outer(sig, k, offsets, shape, i + 1, N, Wr[i])
        for c in range(C):
            if L == 0:
                for x in range(shape[0]):
                    D[0, k, c, x] = X[k, c, x]
                continue
            # level 0 reads X: D_0 row by row, and T_1 = sum_x sig_0(x) T_0[x, :]
            R0 = R[0]
            so = offsets[0]
            for r in range(R0):
                buf[0, r] = 0.0
            for x in range(shape[0]):
                base = x * R0
                a = sig[k, so + x]
                s = 0.0
                for r in range(R0):
                    v = X[k, c, base + r]
                    s += v * Wr[0, r]
                    buf[0, r] += a * v
                D[0, k, c, x] = s
            src = 0
            for i in range(1, L):  # the same on T_i, into the other row of buf
                Ri = R[i]
                so = offsets[i]
                dst = 1 - src
                for r in range(Ri):
                    buf[dst, r] = 0.0
                for x in range(shape[i]):
                    base = x * Ri
                    a = sig[k, so + x]
                    s = 0.0
                    for r in range(Ri):
                        v = buf[src, base + r]
                        s += v * Wr[i, r]
                        buf[dst, r] += a * v
                    D[i, k, c, x] = s
                src = dst
            for x in range(shape[L]):
                D[L, k, c, x] = buf[src, x]
    return D


def _pair_blocks(Cont, sig, offsets, shape):
    """``B[a, b, k, x, y]``: channel ``a`` of ``Cont[k]`` contracted with every strategy
    but players ``a`` and ``b``'s, at ``a_a = x, a_b = y`` (see the module docstring);
    float64 ``(N, N, m, max(shape), max(shape))``, zero on the diagonal ``a = b``."""
    m = Cont.shape[0]
    N = shape.size
    nmax = 0
    P = 1
    for j in range(N):
        nmax = max(nmax, shape[j])
        P *= shape[j]
    B = np.zeros((N, N, m, nmax, nmax))
    if N < 2:
        return B
    wl_ = np.empty(P)  # the weights of the players before i, between i and j, after j
    wu_ = np.empty(P)
    wr_ = np.empty(P)
    acc = np.empty(2 * P)  # channel i at [0, P), channel j at [P, 2 P): (x, y, r)
    for k in range(m):
        for i in range(N - 1):
            Pl = _outer(sig, k, offsets, shape, 0, i, wl_)
            for j in range(i + 1, N):
                Pu = _outer(sig, k, offsets, shape, i + 1, j, wu_)
                Pr = _outer(sig, k, offsets, shape, j + 1, N, wr_)
                ni, nj = shape[i], shape[j]
                nb = nj * Pr  # the contiguous block of (y, r)
                if Pl * Pu == 1:  # nothing to add up before the dot products
                    for x in range(ni):
                        for y in range(nj):
                            s0 = 0.0
                            s1 = 0.0
                            b0 = x * nb + y * Pr
                            for r in range(Pr):
                                w = wr_[np.uintp(r)]
                                s0 += Cont[k, i, np.uintp(b0 + r)] * w
                                s1 += Cont[k, j, np.uintp(b0 + r)] * w
                            B[i, j, k, x, y] = s0
                            B[j, i, k, y, x] = s1
                    continue
                for q in range(ni * nb):
                    acc[q] = 0.0
                    acc[P + q] = 0.0
                # with no player between i and j, the rows of all x are one block
                nx, run = (1, ni * nb) if Pu == 1 else (ni, nb)
                for h in range(Pl):
                    wl = wl_[h]
                    for u in range(Pu):
                        w = wl * wu_[u]
                        for x in range(nx):
                            ab = x * nb
                            base = ((h * ni + x) * Pu + u) * nb
                            for q in range(run):
                                acc[np.uintp(ab + q)] += w * Cont[k, i, np.uintp(base + q)]
                                acc[np.uintp(P + ab + q)] += w * Cont[k, j, np.uintp(base + q)]
                for x in range(ni):
                    for y in range(nj):
                        s0 = 0.0
                        s1 = 0.0
                        b0 = x * nb + y * Pr
                        for r in range(Pr):
                            w = wr_[np.uintp(r)]
                            s0 += acc[np.uintp(b0 + r)] * w
                            s1 += acc[np.uintp(P + b0 + r)] * w
                        B[i, j, k, x, y] = s0
                        B[j, i, k, y, x] = s1
    return B


#: Module functions compiled (in place, as globals) before the kernels that call them.
_HELPERS = ("_outer",)


_KERNELS = LazyKernels(_compile)
