"""The tracer's block + low-rank linear algebra (deterrence.solvers._block_lowrank) against
the dense augmented Jacobian it replaces, and the traced equilibria it gives."""

from __future__ import annotations

import numpy as np
import pytest

import deterrence as dt
from deterrence.solvers import _block_lowrank
from deterrence.solvers import _continuation as cont
from deterrence.solvers._block_lowrank import DenseFactor, LowRankSystem, _Woodbury
from deterrence.solvers._stochastic_homotopy import DenseAgentSystem


def _tracked(sysm, rng, freeze: float):
    """A tracked set with some actions frozen and random reference actions."""
    K = sysm.K
    refs = np.array([o + rng.integers(n) for o, n in zip(sysm.offsets, sysm.sizes, strict=True)])
    mask = rng.random(K) > freeze
    mask[refs] = True
    return cont._Tracked(sysm, mask, refs)


CASES = [(3, 2, 3, 0.0), (4, 3, 2, 0.3), (5, 3, 3, 0.4), (2, 1, 4, 0.2), (4, 4, 2, 0.25)]


@pytest.fixture(params=["compiled", "numpy"])
def route(request, monkeypatch):
    """Both routes of the block factorisation: numba's kernels and numpy's inverse."""
    if request.param == "compiled":
        pytest.importorskip("numba")
    else:
        monkeypatch.setattr(_block_lowrank, "ENABLED", False)
    return request.param


@pytest.mark.parametrize(("S", "N", "A", "freeze"), CASES)
def test_factored_matrix_is_the_dense_one(S, N, A, freeze, route):
    rng = np.random.default_rng(S * 100 + N * 10 + A)
    sg = dt.StochasticGame.random(S, N, A, discount=0.9, rng=rng)
    sysm = DenseAgentSystem(sg, range(S), np.zeros((S, N)), sg.payoff_range())
    tk = _tracked(sysm, rng, freeze)
    m = tk.m
    z = np.append(np.log(rng.random(m) * 0.9 + 0.05), 3.7)  # off the simplex, lambda 3.7
    t = rng.standard_normal(m + 1)
    H, M, *_ = tk.evaluate(sysm, z)
    M = M.copy()
    M[m] = t
    H2, LR, *_ = tk.evaluate_parts(sysm, z)
    np.testing.assert_allclose(H2, H, rtol=0, atol=1e-13)
    np.testing.assert_allclose(LR.dense(t), M, rtol=0, atol=1e-12)
    fac = LR.factor(t)
    assert isinstance(fac, _Woodbury)
    y = rng.standard_normal((m + 1, 2))
    np.testing.assert_allclose(fac.solve(y), np.linalg.solve(M, y), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(fac.solve(y[:, 0]), np.linalg.solve(M, y[:, 0]), rtol=1e-9)
    assert fac.sign == int(np.sign(np.linalg.det(M)))


def test_singular_block_falls_back_to_dense(route):
    """A state's own block singular (its rows dependent) while M is not: the Woodbury
    factorisation refuses and the dense one answers."""
    rng = np.random.default_rng(5)
    sg = dt.StochasticGame.random(3, 2, 3, discount=0.9, rng=rng)
    sysm = DenseAgentSystem(sg, range(3), np.zeros((3, 2)), 1.0)
    tk = _tracked(sysm, rng, 0.0)
    m = tk.m
    z = np.append(np.log(np.full(m, 1 / 3)), 2.0)
    _, LR, *_ = tk.evaluate_parts(sysm, z)
    LR.D[1, 1] = LR.D[1, 0]  # two equal rows: block 1 singular
    t = rng.standard_normal(m + 1)
    M = LR.dense(t)
    assert abs(np.linalg.det(M)) > 1e-8
    assert _Woodbury.of(LR, t) is None
    fac = LR.factor(t)
    assert isinstance(fac, DenseFactor)
    y = rng.standard_normal(m + 1)
    np.testing.assert_allclose(fac.solve(y.copy()), np.linalg.solve(M, y), rtol=1e-9)
    assert fac.sign == int(np.sign(np.linalg.det(M)))
    assert isinstance(LR, LowRankSystem)


@pytest.mark.parametrize(
    ("S", "N", "A", "freeze"), [(5, 3, 3, 0.0), (6, 3, 3, 0.3), (8, 2, 4, 0.35), (4, 4, 3, 0.2)]
)
def test_dense_rows_from_the_parts_are_the_jacobians(S, N, A, freeze, monkeypatch):
    """The dense route of a large system (more than ``_SMALL_K`` actions) writes the
    augmented Jacobian from the factored parts in one compiled pass: the same matrix as the
    one gathered from the full ``K x K`` Jacobian, frozen actions and off-simplex points
    included."""
    pytest.importorskip("numba")
    rng = np.random.default_rng(S * 1000 + N * 10 + A)
    sg = dt.StochasticGame.random(S, N, A, discount=0.9, rng=rng)
    sysm = DenseAgentSystem(sg, range(S), np.zeros((S, N)), sg.payoff_range())
    assert sysm.K > cont._SMALL_K
    for _ in range(3):
        tk = _tracked(sysm, rng, freeze)
        m = tk.m
        z = np.append(np.log(rng.random(m) * 0.9 + 0.05), rng.uniform(0.5, 40.0))
        H, M, pa, p, u = (np.array(x, copy=True) for x in tk.evaluate(sysm, z))
        with monkeypatch.context() as mp:
            mp.setattr(cont, "block_kernels", lambda: None)  # the K x K route
            H2, M2, pa2, p2, u2 = tk.evaluate(sysm, z)
        for a, b in ((H, H2), (pa, pa2), (p, p2), (u, u2)):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(M[:m], M2[:m], rtol=0, atol=1e-13 * np.abs(M2[:m]).max())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_traced_equilibrium_does_not_depend_on_the_linear_algebra(monkeypatch, seed):
    """The same path, corrector solves dense or block + low-rank: the same equilibrium,
    certified by the independent loops of the stochastic tests."""
    sg = dt.StochasticGame.random(5, 3, 3, discount=0.95, rng=700 + seed)
    monkeypatch.setattr(cont, "_LOWRANK_MIN_K", 10**9)
    dense = dt.solve_stochastic(sg, method="homotopy")
    monkeypatch.setattr(cont, "_LOWRANK_MIN_K", 0)
    lowrank = dt.solve_stochastic(sg, method="homotopy")
    assert dense.converged and lowrank.converged
    assert lowrank.regret <= 1e-10 * sg.payoff_range()
    for s in range(sg.n_states):
        for i in range(sg.n_players):
            np.testing.assert_allclose(lowrank.strategies[s][i], dense.strategies[s][i], atol=1e-8)
    np.testing.assert_allclose(lowrank.values, dense.values, atol=1e-8)
