"""Benchmark: the campaign among 7 organizations x 11 levels, all 127 survivor states.

``campaign-7x11`` solves the whole survivor lattice (``2**7 - 1 = 127`` states) by
:func:`deterrence.solve_campaign` (backward induction with the structured per-state search)
and certifies the result (regret recomputed from the game). Target: under 10 s on two
cores. ``campaign-4x5`` (smoke) also runs the generic :func:`deterrence.solve_stochastic`
on the same campaign and checks both agree on being equilibria.

Timed run: ``DETERRENCE_BENCH_FULL=1 python -m pytest benchmarks/test_bench_campaign.py
--benchmark-enable``.
"""

from __future__ import annotations

import numpy as np
import pytest

import deterrence as dt


def het_campaign(n: int, levels: int) -> dt.Campaign:
    rng = np.random.default_rng(0)
    model = dt.TargetingModel(
        n_orgs=n,
        levels=np.linspace(0.0, 1.0, levels),
        benefit=rng.uniform(0.05, 0.15, n),
        cost=rng.uniform(0.0, 0.3, n),
        market=dt.Market(revenue=2.0, exponent=0.5, base=rng.uniform(0.5, 2.0, n)),
    )
    return dt.Campaign(model, destroy=0.5, discount=0.9)


@pytest.mark.full_only
@pytest.mark.benchmark(group="campaign-7x11")
def test_campaign_7x11_all_states(benchmark):
    camp = het_campaign(7, 11)
    assert camp.n_states == 127

    def run():
        return dt.solve_campaign(het_campaign(7, 11))

    res = benchmark.pedantic(run, rounds=1, iterations=1)
    assert res.converged
    assert res.regret <= 1e-10 * res.payoff_range


@pytest.mark.benchmark(group="campaign-4x5")
def test_campaign_4x5_smoke(benchmark):
    camp = het_campaign(4, 5)
    res = benchmark.pedantic(lambda: dt.solve_campaign(camp), rounds=1, iterations=1)
    gen = dt.solve_stochastic(camp)
    assert res.converged and gen.converged
    assert dt.stochastic_regret(camp, res.strategies) <= 1e-10 * res.payoff_range
