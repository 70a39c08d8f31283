"""The compiled agent-form kernels (:mod:`deterrence.solvers._agent_kernels`) against the
numpy routes of :mod:`deterrence.solvers._stochastic_homotopy` and against brute force."""

from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest

pytest.importorskip("numba", reason="the compiled kernels need numba (the 'fast' extra)")

from deterrence.solvers import _agent_kernels
from deterrence.solvers._stochastic_homotopy import (
    _contract_except,
    _deviation_all,
)

#: (m, shape): N = 1 to 4, equal and unequal counts, single actions
CASES = [
    (3, (4,)),
    (2, (1,)),
    (3, (2, 3)),
    (2, (3, 1)),
    (4, (2, 3, 4)),
    (8, (5, 5, 5)),
    (2, (4, 1, 3)),
    (3, (3, 2, 2, 3)),
    (2, (2, 1, 3, 2)),
]


@pytest.fixture(scope="module")
def K():
    """The compiled kernels."""
    k = _agent_kernels.kernels()
    assert k is not None
    return k


def _seed(*key):
    """A seed fixed by ``key`` (``hash`` of a string varies between runs)."""
    return zlib.crc32(repr(key).encode())


def _layout(shape):
    """``(shape, offsets)`` as the kernels take them."""
    shp = np.array(shape, dtype=np.int64)
    off = np.concatenate([[0], np.cumsum(shp)[:-1]]).astype(np.int64)
    return shp, off


def _strategies(rng, m, shape, kind):
    """Mixed strategies ``(m, sum(shape))``: interior, with exact zeros, or pure."""
    blocks = []
    for n in shape:
        s = rng.random((m, n)) + 0.05
        if kind == "zeros":
            s[rng.random((m, n)) < 0.4] = 0.0
            s[np.arange(m), rng.integers(n, size=m)] += 0.5  # never all zero
        elif kind == "pure":
            s = np.zeros((m, n))
            s[np.arange(m), rng.integers(n, size=m)] = 1.0
        blocks.append(s / s.sum(axis=1, keepdims=True))
    return np.concatenate(blocks, axis=1)


def _close(actual, expected):
    """Agreement to 1e-12 relative (to the largest entry, as sums may cancel)."""
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12 * scale)


@pytest.mark.parametrize("kind", ["interior", "zeros", "pure"])
@pytest.mark.parametrize(("m", "shape"), CASES)
def test_deviations_match_numpy(K, m, shape, kind):
    """``deviations`` is ``_deviation_all``, zero-padded to ``max(shape)``."""
    rng = np.random.default_rng(_seed(m, shape, kind))
    shp, off = _layout(shape)
    N, C, P = len(shape), len(shape) + 3, int(np.prod(shape))
    sig = _strategies(rng, m, shape, kind)
    X = rng.standard_normal((m, C, P))
    D = K.deviations(X, sig, off, shp)
    assert D.shape == (N, m, C, max(shape))
    ref = _deviation_all(
        X.reshape(m, C, *shape), [sig[:, o : o + n] for o, n in zip(off, shape, strict=True)]
    )
    for i in range(N):
        _close(D[i, :, :, : shape[i]], ref[i])
        assert not D[i, :, :, shape[i] :].any()


@pytest.mark.parametrize("kind", ["interior", "zeros", "pure"])
@pytest.mark.parametrize(("m", "shape"), CASES)
def test_pair_blocks_match_numpy(K, m, shape, kind):
    """``pair_blocks`` is ``_contract_except`` on the two kept players, laid out as the
    Jacobian's pair blocks (channel of the row player, zero diagonal and padding)."""
    rng = np.random.default_rng(_seed(m, shape, kind, 1))
    shp, off = _layout(shape)
    N, P, nmax = len(shape), int(np.prod(shape)), max(shape)
    sig = _strategies(rng, m, shape, kind)
    Cont = rng.standard_normal((m, N, P))
    B = K.pair_blocks(Cont, sig, off, shp)
    assert B.shape == (N, N, m, nmax, nmax)
    ref = np.zeros_like(B)
    sl = [sig[:, o : o + n] for o, n in zip(off, shape, strict=True)]
    for i in range(N):
        for j in range(i + 1, N):
            Cij = _contract_except(Cont.reshape(m, N, *shape), sl, (i, j))
            ref[i, j, :, : shape[i], : shape[j]] = Cij[:, i]
            ref[j, i, :, : shape[j], : shape[i]] = np.swapaxes(Cij[:, j], 1, 2)
    _close(B, ref)


def test_brute_force(K):
    """Both kernels against a loop over every pure profile (no library code)."""
    rng = np.random.default_rng(7)
    m, shape = 2, (2, 3, 2)
    shp, off = _layout(shape)
    N, C = len(shape), 4
    sig = _strategies(rng, m, shape, "zeros")
    X = rng.standard_normal((m, C, *shape))
    Cont = rng.standard_normal((m, N, *shape))
    D = np.zeros((N, m, C, max(shape)))
    B = np.zeros((N, N, m, max(shape), max(shape)))
    for k in range(m):
        for prof in itertools.product(*(range(n) for n in shape)):
            p = [sig[k, off[j] + prof[j]] for j in range(N)]
            for i in range(N):
                w = np.prod([p[j] for j in range(N) if j != i])
                D[i, k, :, prof[i]] += X[(k, slice(None), *prof)] * w
                for b in range(N):
                    if b != i:
                        w2 = np.prod([p[j] for j in range(N) if j not in (i, b)])
                        B[i, b, k, prof[i], prof[b]] += Cont[(k, i, *prof)] * w2
    _close(K.deviations(X.reshape(m, C, -1), sig, off, shp), D)
    _close(K.pair_blocks(Cont.reshape(m, N, -1), sig, off, shp), B)


def test_single_player(K):
    """One player: the deviations are ``X`` itself and there are no pair blocks."""
    rng = np.random.default_rng(3)
    shp, off = _layout((5,))
    X = rng.standard_normal((3, 4, 5))
    sig = _strategies(rng, 3, (5,), "interior")
    np.testing.assert_array_equal(K.deviations(X, sig, off, shp)[0], X)
    B = K.pair_blocks(rng.standard_normal((3, 1, 5)), sig, off, shp)
    assert B.shape == (1, 1, 3, 5, 5) and not B.any()


def test_disabled(monkeypatch):
    """``kernels()`` is None when :data:`ENABLED` is False, and back once it is True."""
    monkeypatch.setattr(_agent_kernels, "ENABLED", False)
    assert _agent_kernels.kernels() is None
    monkeypatch.setattr(_agent_kernels, "ENABLED", True)
    assert _agent_kernels.kernels() is not None
