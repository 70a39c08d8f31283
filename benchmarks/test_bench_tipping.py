"""The tipping model: capacity sweeps and the exact chain.

Sweep input: the issue's model (n = 100 violators, gains max(0, N(0.6, 0.2)), F = 1,
Beta(1, 0.25) over z = 2 periods, gamma = 0.8, random enforcement), capacities evenly spaced
on [0, 60], every run started high, fixed seed. ``dt.simulate_tipping`` draws two binomials
per run and period (exact in distribution, see its docstring). No library simulates this
model, so the baseline is the straightforward agent-level simulation the binomial shortcut
replaces: numpy arrays over runs x agents, one gain and one capture draw per agent and
period (same model, same inputs; checked to give the same long-run means within noise).

Sizes: CI smoke (``--benchmark-disable``) runs 10 capacities x 4 runs x 2,000 periods. With
``DETERRENCE_BENCH_FULL=1``: the issue's size, 100 violators x 20,000 periods x 100
capacities, 10 runs per capacity (1,000 runs), serially and on a two-process pool (the same
numbers: blocks draw from ``SeedSequence.spawn`` children), against the agent-level baseline
on the same input; the ratio is printed.

Chain input: ``dt.markov_chain`` on the same model with n = 5 (smoke; 441 states) or n = 8
(full; 2,025 states), capacity 0.3 n; its stationary solve (sparse LU / ARPACK on the sparse
transition matrix) against QuantEcon's ``MarkovChain.stationary_distributions`` (dense GTH
elimination) on the same matrix.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import deterrence as dt
from deterrence.analysis.tipping_chain import _stationary

FULL = os.environ.get("DETERRENCE_BENCH_FULL") == "1"
N_CAPS, RUNS, PERIODS = (100, 10, 20_000) if FULL else (10, 4, 2_000)
CHAIN_N = 8 if FULL else 5
MODEL = dt.TippingModel()
CAPS = np.linspace(0.0, 60.0, N_CAPS)
SEED = 2024


def agent_level(
    model: dt.TippingModel, caps: np.ndarray, runs: int, periods: int, burn_in: int, seed: int
) -> np.ndarray:
    """Baseline: every agent draws its own gain and every violator its own capture."""
    rng = np.random.default_rng(seed)
    r = np.repeat(caps, runs)
    b, n, z = r.size, model.n, model.memory
    hist_v = np.full((z, b), float(n))
    hist_a = np.repeat(np.floor(model.gamma * np.minimum(n, r) + 0.5)[None], z, axis=0)
    total = np.zeros(b)
    for t in range(periods):
        q = (model.alpha + hist_a.sum(0)) / (model.alpha + model.beta + hist_v.sum(0))
        gains = np.maximum(0.0, rng.normal(model.mean, model.sd, size=(b, n)))
        viol = gains >= model.sanction * q[:, None]
        v = viol.sum(axis=1)
        c = model.gamma * np.minimum(1.0, r / np.maximum(v, 1))
        a = ((rng.random((b, n)) < c[:, None]) & viol).sum(axis=1)
        hist_v[t % z], hist_a[t % z] = v, a
        if t >= burn_in:
            total += v
    return (total / (periods - burn_in)).reshape(len(caps), runs).mean(axis=1)


def _ours(executor=None):
    return dt.simulate_tipping(
        MODEL, capacity=CAPS, runs=RUNS, periods=PERIODS, start="high", rng=SEED, executor=executor
    )


GROUP = f"tipping-sweep-{N_CAPS}caps-{RUNS}runs-{PERIODS}periods"


@pytest.mark.benchmark(group=GROUP)
def test_bench_sweep_serial(benchmark):
    res = benchmark.pedantic(_ours, rounds=1, iterations=1)
    assert res.counts.shape == (N_CAPS, MODEL.n + 1)
    # reproducible by seed
    again = _ours()
    np.testing.assert_array_equal(res.counts, again.counts)
    # the cliff: swamped at the low end of the grid, deterred at the top
    assert res.mean_violations[0] > 95 and res.mean_violations[-1] < 25


@pytest.mark.benchmark(group=GROUP)
def test_bench_sweep_two_processes(benchmark):
    with ProcessPoolExecutor(max_workers=2) as ex:
        res = benchmark.pedantic(_ours, args=(ex,), rounds=1, iterations=1)
    np.testing.assert_array_equal(res.counts, _ours().counts)


@pytest.mark.peer
@pytest.mark.benchmark(group=GROUP)
def test_bench_sweep_agent_level_baseline(benchmark):
    means = benchmark.pedantic(
        agent_level, args=(MODEL, CAPS, RUNS, PERIODS, PERIODS // 10, SEED), rounds=1, iterations=1
    )
    ours = _ours().mean_violations
    # same model: the long-run means agree up to Monte Carlo noise, except inside the
    # bistable band, where the time to tip is itself random
    outside = (CAPS < 15) | (CAPS > 50)
    np.testing.assert_allclose(means[outside], ours[outside], rtol=0.05)


def test_ratio_report():
    """Time ours and the agent-level baseline on the same input once more; print the ratio."""
    t0 = time.perf_counter()
    _ours()
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    agent_level(MODEL, CAPS, RUNS, PERIODS, PERIODS // 10, SEED)
    t_base = time.perf_counter() - t0
    print(
        f"\n[bench tipping] {N_CAPS} capacities x {RUNS} runs x {PERIODS} periods, n=100: "
        f"deterrence {t_ours:.2f}s, agent-level numpy {t_base:.2f}s, "
        f"ratio {t_base / t_ours:.1f}x"
    )
    if FULL:
        assert t_ours < 300  # "minutes", serially, on a shared machine


# ---------------------------------------------------------------------------- chain
@pytest.fixture(scope="module")
def chain_matrix():
    chain = dt.markov_chain(dt.TippingModel(n=CHAIN_N, capacity=0.3 * CHAIN_N))
    return chain._transition


@pytest.mark.benchmark(group=f"tipping-chain-n{CHAIN_N}")
def test_bench_chain_stationary(benchmark, chain_matrix):
    pi = benchmark.pedantic(_stationary, args=(chain_matrix,), rounds=3, iterations=1)
    assert np.abs(chain_matrix.T @ pi - pi).max() < 1e-12


@pytest.mark.peer
@pytest.mark.benchmark(group=f"tipping-chain-n{CHAIN_N}")
def test_bench_chain_quantecon(benchmark, chain_matrix):
    qe = pytest.importorskip("quantecon", reason="QuantEcon is the peer of this benchmark")
    dense = chain_matrix.toarray()

    def peer():
        return qe.MarkovChain(dense).stationary_distributions[0]

    pi = benchmark.pedantic(peer, rounds=1, iterations=1)
    ours = _stationary(chain_matrix)
    ours = np.clip(ours, 0, None) / np.clip(ours, 0, None).sum()
    np.testing.assert_allclose(pi, ours, atol=1e-10)
