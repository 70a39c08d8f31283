"""Benchmark: the campaign among 7 organizations x 11 levels, all 127 survivor states.

``campaign-7x11`` solves the whole survivor lattice (``2**7 - 1 = 127`` states) by
:func:`deterrence.solve_campaign` (backward induction with the structured per-state search)
and certifies the result (regret recomputed from the game). Target: under 10 s on two
cores. ``campaign-4x5`` (smoke) also runs the generic :func:`deterrence.solve_stochastic`
on the same campaign and checks both agree on being equilibria.

Against sgamesolver (``campaign-vs-sgamesolver``): the same campaign solved by
:func:`deterrence.solve_campaign` and by sgamesolver's QRE homotopy on its dense form
(``Campaign.to_dense``), 3 x 5 (smoke), 3 x 11, 4 x 5 and 4 x 7 (full run), both answers checked
on the dense arrays; ``test_print_campaign_ratios`` prints the ratios of the timed run.

Mixed stage states (issue 11): ``campaign-symmetric`` solves the shipped "symmetric" preset
(6 identical organizations x 11 levels, 63 states, no pure equilibrium in the 57 targeted
states) by the symmetric state tracer; ``campaign-het-mixed`` a heterogeneous campaign
(benefits 0.8 ... 1.2, no market) whose targeted states all mix, by the agent tracer with
the batched exact Jacobian. ``campaign-capacity``: the same with ``dt.TopK(k=2)`` (two
designated a round; the transitions follow the designated set). ``campaign-pressure``: the
designated state with two slots (up to two groups under pressure at once).
``campaign-mixed-ratio``
times the same campaign with the fast mixed paths switched off (the generic one-state
logit homotopy of :func:`deterrence.solve_stochastic`, the previous fallback) and reports
the ratio.

Timed run: ``DETERRENCE_BENCH_FULL=1 python -m pytest benchmarks/test_bench_campaign.py
--benchmark-enable``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import deterrence as dt

sys.path.insert(0, str(Path(__file__).parent))
from _sg import check_profile, import_sgamesolver, payoff_span, sgs_solve


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
    gen = dt.solve_stochastic(camp, method="backward")  # the generic solver
    assert res.converged and gen.converged
    assert dt.stochastic_regret(camp, res.strategies) <= 1e-10 * res.payoff_range


def symmetric_mixed(n: int, levels: int) -> dt.Campaign:
    model = dt.TargetingModel(n_orgs=n, levels=np.linspace(0.0, 1.0, levels), benefit=1.0)
    return dt.Campaign(model, destroy=0.5, discount=0.9)


def het_mixed(n: int, levels: int) -> dt.Campaign:
    model = dt.TargetingModel(
        n_orgs=n, levels=np.linspace(0.0, 1.0, levels), benefit=np.linspace(0.8, 1.2, n)
    )
    return dt.Campaign(model, destroy=0.5, discount=0.9)


def _check(res: dt.StochasticResult, kind: str) -> None:
    assert res.converged
    assert res.regret <= 1e-10 * res.payoff_range
    assert kind in res.details["stage_methods"]


@pytest.mark.benchmark(group="campaign-symmetric")
def test_campaign_symmetric_preset(benchmark, full_run):
    if full_run:
        camp = dt.Campaign(dt.load_scenario("symmetric"), destroy=0.5, discount=0.9)
        assert camp.n_states == 63
    else:
        camp = symmetric_mixed(3, 5)
    res = benchmark.pedantic(lambda: dt.solve_campaign(camp), rounds=1, iterations=1)
    _check(res, "symmetric")


@pytest.mark.benchmark(group="campaign-het-mixed")
def test_campaign_heterogeneous_mixed(benchmark, full_run):
    camp = het_mixed(4, 11) if full_run else het_mixed(3, 4)
    res = benchmark.pedantic(lambda: dt.solve_campaign(camp), rounds=1, iterations=1)
    _check(res, "agent")


@pytest.mark.benchmark(group="campaign-mixed-ratio")
@pytest.mark.parametrize("kind", ["symmetric", "agent"])
def test_campaign_mixed_versus_generic_fallback(benchmark, full_run, monkeypatch, kind):
    import time

    from deterrence.solvers import _campaign as ac

    if kind == "symmetric":
        camp = symmetric_mixed(3, 11) if full_run else symmetric_mixed(2, 3)
    else:
        camp = het_mixed(3, 6) if full_run else het_mixed(2, 3)
    res = benchmark.pedantic(lambda: dt.solve_campaign(camp), rounds=1, iterations=1)
    _check(res, kind)
    if not full_run:  # the generic fallback takes seconds even on the smoke inputs
        return
    t0 = time.perf_counter()
    dt.solve_campaign(camp)
    fast = time.perf_counter() - t0
    monkeypatch.setattr(ac, "_symmetric_state", lambda *a, **k: None)
    monkeypatch.setattr(ac, "_agent_state", lambda *a, **k: None)
    t0 = time.perf_counter()
    old = dt.solve_campaign(camp)
    slow = time.perf_counter() - t0
    assert old.converged and "homotopy" in old.details["stage_methods"]
    print(f"\n{kind}: fast {fast:.2f} s, generic fallback {slow:.2f} s, ratio {slow / fast:.0f}x")


@pytest.mark.benchmark(group="campaign-capacity")
@pytest.mark.parametrize("kind", ["heterogeneous", "symmetric"])
def test_campaign_capacity_two(benchmark, full_run, kind):
    """Capacity 2 (``dt.TopK(k=2)``: two designated, and at risk, a round): the 7 x 11
    heterogeneous campaign (pure states) and 7 identical organizations x 11 levels without
    a market (every targeted state mixes: the symmetric tracer by class of designated
    set), all 127 states; smoke: 4 x 5 and 3 x 5."""
    n, L = (7, 11) if full_run else ((4, 5) if kind == "heterogeneous" else (3, 5))
    base = het_campaign(n, L) if kind == "heterogeneous" else symmetric_mixed(n, L)
    camp = dt.Campaign(base.model.with_rule(dt.TopK(k=2)), destroy=0.5, discount=0.9)
    assert camp.stage(0).sets is not None
    res = benchmark.pedantic(lambda: dt.solve_campaign(camp), rounds=1, iterations=1)
    assert res.converged, res.message
    assert res.regret <= 1e-10 * res.payoff_range
    if kind == "symmetric":
        assert res.details["stage_methods"][0] == "symmetric"


@pytest.mark.benchmark(group="campaign-pressure")
def test_campaign_pressure_with_two_slots(benchmark, full_run):
    """The designated state with capacity 2 (``designated_state=True``, ``dt.TopK(k=2)``):
    up to two groups under pressure at once, the others scored for the free slot; the
    7 x 11 heterogeneous campaign has 1,219 states (survivor sets times the sets under
    pressure); smoke: 4 x 5 (61 states)."""
    n, L = (7, 11) if full_run else (4, 5)
    base = het_campaign(n, L)
    camp = dt.Campaign(
        base.model.with_rule(dt.TopK(k=2)), destroy=0.5, discount=0.9, designated_state=True
    )
    assert camp.n_states == (1219 if full_run else 61)
    assert any(camp.stage(s).scorer is not None for s in range(camp.n_states))
    res = benchmark.pedantic(lambda: dt.solve_campaign(camp), rounds=1, iterations=1)
    assert res.converged, res.message
    assert res.regret <= 1e-10 * res.payoff_range


# ---------------------------------------------------------------- against sgamesolver
#: (organizations, levels, full run only)
SG_INPUTS = [(3, 5, False), (3, 11, True), (4, 5, True), (4, 7, True)]
_SG_TIMES: dict[tuple[str, str], float] = {}


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(
            (n, L),
            id=f"{n}x{L}",
            marks=[pytest.mark.benchmark(group=f"campaign-vs-sgamesolver {n}x{L}")]
            + ([pytest.mark.full_only] if full else []),
        )
        for n, L, full in SG_INPUTS
    ],
)
@pytest.mark.parametrize("contender", ["deterrence-campaign", "sgamesolver-qre-cython"])
def test_campaign_versus_sgamesolver(benchmark, bench_min, size, contender):
    """The same campaign (``het_campaign``: every survivor set a state) solved by
    :func:`deterrence.solve_campaign` (the structured oracle, backward over the survivor
    lattice) and by sgamesolver's QRE homotopy on its dense form
    (:meth:`~deterrence.games.stochastic.BaseStochasticGame.to_dense`: a payoff table and a
    transition table per state, which is all sgamesolver can take). Both answers are
    checked on the dense arrays by the independent ``_sg.check_profile``."""
    n, L = size
    camp = het_campaign(n, L)
    dense = camp.to_dense()
    label = f"{n} organizations x {L} levels, {camp.n_states} states"
    if contender == "deterrence-campaign":
        res = benchmark.pedantic(lambda: dt.solve_campaign(camp), rounds=3, iterations=1)
        assert res.converged
        reg, V = check_profile(dense, res.strategies)
        assert reg <= 1e-8 * payoff_span(dense), reg
        np.testing.assert_allclose(res.values, V, atol=1e-8 * np.abs(V).max())
    else:
        sgs = import_sgamesolver()
        from sgamesolver.homotopy import _qre

        if not getattr(_qre, "ct", False):
            pytest.skip("sgamesolver was installed without its cython extension")
        peer = sgs.SGame(list(dense.payoffs), list(dense.transitions), np.asarray(dense.discount))
        strat, vals = benchmark.pedantic(
            lambda: sgs_solve(sgs, peer, "cython"), rounds=1, iterations=1
        )
        S = dense.n_states
        prof = [[strat[s, i, : dense.shape(s)[i]] for i in range(n)] for s in range(S)]
        reg, V = check_profile(dense, prof)
        np.testing.assert_allclose(vals, V, rtol=1e-3, atol=1e-9 * np.abs(V).max())
        assert reg <= 1e-3 * payoff_span(dense), f"sgamesolver's regret {reg}"
    t = bench_min(benchmark)
    if t is not None:
        _SG_TIMES[(label, contender)] = t


def test_print_campaign_ratios(capsys):
    """Ratio table of the timed run (sgamesolver time / ours); nothing when timing is off."""
    if not _SG_TIMES:
        pytest.skip("no timings (run with --benchmark-enable)")
    lines = ["", "campaign: fastest round, sgamesolver QRE (dense form) / solve_campaign"]
    for label in sorted({k for k, _ in _SG_TIMES}):
        ours = _SG_TIMES.get((label, "deterrence-campaign"))
        peer = _SG_TIMES.get((label, "sgamesolver-qre-cython"))
        if ours and peer:
            lines.append(
                f"  {label}: deterrence {ours:7.3f} s, sgamesolver {peer:7.2f} s, "
                f"ratio {peer / ours:6.1f}x"
            )
    with capsys.disabled():
        print("\n".join(lines))
