"""Benchmarks of the targeting model's structured oracle.

* ``oracle-50x101`` (full size only): ``deviation_payoffs`` of a 50-organization,
  101-level heterogeneous model at a mixed profile — no dense table could exist
  (101**50 profiles). Most-violent rule, logit noise and a Tullock market.
* ``oracle-6x11`` / ``oracle-4x11`` (smoke): the same kind of model small enough for the
  dense table: the structured oracle against the dense oracle on the prebuilt table (our
  ``NormalFormGame``, and QuantEcon's ``Player.payoff_vector`` as the peer), and the cost
  of building the table.
* ``all-to-all`` (smoke): uniform misattribution among 6 and 7 organizations (one
  attribution block of everybody), first and second order, by the common-shift route.

Run the timed version with ``DETERRENCE_BENCH_FULL=1 python -m pytest
benchmarks/test_bench_model.py --benchmark-enable``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import deterrence as dt

FULL = os.environ.get("DETERRENCE_BENCH_FULL") == "1"
full_only = pytest.mark.skipif(not FULL, reason="full-size benchmark: set DETERRENCE_BENCH_FULL=1")


def het_model(n: int, levels: int, rule=None, market: bool = True) -> dt.TargetingModel:
    rng = np.random.default_rng(0)
    return dt.TargetingModel(
        n_orgs=n,
        levels=np.linspace(0.0, 1.0, levels),
        benefit=rng.uniform(0.5, 1.5, n),
        cost=rng.uniform(0.0, 0.3, n),
        penalty=rng.uniform(1.0, 3.0, n),
        metrics={"rivals": rng.uniform(0.3, 1.0, n), "civilians": rng.uniform(0.0, 0.5, n)},
        rule=dt.MostViolent(weights={"rivals": 1.0, "civilians": 3.0}) if rule is None else rule,
        market=dt.Market(revenue=2.0, exponent=0.5, base=rng.uniform(0.5, 2.0, n))
        if market
        else None,
    )


def mixed_profile(game, seed: int = 1):
    rng = np.random.default_rng(seed)
    return [rng.dirichlet(np.ones(k)) for k in game.shape]


RULES = {
    "most_violent": None,
    "logit_noise": dt.NoisyMostViolent(noise=0.05),
    "top3": dt.TopK(k=3),
}


# ----------------------------------------------------------------------------- 50 x 101
@full_only
@pytest.mark.benchmark(group="oracle-50x101")
@pytest.mark.parametrize("rule", list(RULES))
def test_structured_oracle_50x101(benchmark, rule):
    game = het_model(50, 101, RULES[rule]).game()
    prof = mixed_profile(game)
    out = benchmark(game.deviation_payoffs, prof)
    assert len(out) == 50 and out[0].shape == (101,)


@full_only
@pytest.mark.benchmark(group="oracle-50x101")
def test_structured_oracle_50x101_pure(benchmark):
    game = het_model(50, 101).game()
    prof = [np.eye(101)[a] for a in np.random.default_rng(2).integers(0, 101, 50)]
    out = benchmark(game.deviation_payoffs, prof)
    assert len(out) == 50


@pytest.mark.benchmark(group="oracle-10x21")
def test_structured_oracle_smoke(benchmark):
    game = het_model(10, 21).game()
    out = benchmark(game.deviation_payoffs, mixed_profile(game))
    assert len(out) == 10


# ----------------------------------------------------------------------------- dense sizes
SIZES = [pytest.param(6, marks=full_only, id="6x11"), pytest.param(4, id="4x11")]


def _qe_players(nf):
    qe = pytest.importorskip("quantecon.game_theory", reason="QuantEcon is a test extra")
    n = nf.n_players
    players = []
    for i in range(n):
        order = [(i + k) % n for k in range(n)]  # own action first, then the cyclic order
        players.append(qe.Player(np.ascontiguousarray(np.transpose(nf.payoffs[i], order))))
    return players


@pytest.mark.parametrize("n", SIZES)
def test_structured_oracle_dense_size(benchmark, n):
    game = het_model(n, 11).game()
    benchmark.group = f"oracle-{n}x11"
    prof = mixed_profile(game)
    out = benchmark(game.deviation_payoffs, prof)
    want = game.to_normal_form().deviation_payoffs(prof)
    for a, b in zip(out, want, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.parametrize("n", SIZES)
def test_dense_oracle_prebuilt_table(benchmark, n):
    game = het_model(n, 11).game()
    nf = game.to_normal_form()
    benchmark.group = f"oracle-{n}x11"
    out = benchmark(nf.deviation_payoffs, mixed_profile(game))
    assert len(out) == n


@pytest.mark.parametrize("n", SIZES)
def test_peer_quantecon_payoff_vector(benchmark, n):
    game = het_model(n, 11).game()
    nf = game.to_normal_form()
    players = _qe_players(nf)
    prof = mixed_profile(game)
    benchmark.group = f"oracle-{n}x11"

    def qe_dev():
        return [
            pl.payoff_vector(tuple(prof[(i + k) % n] for k in range(1, n)))
            for i, pl in enumerate(players)
        ]

    out = benchmark(qe_dev)
    for a, b in zip(out, nf.deviation_payoffs(prof), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-10)


@pytest.mark.parametrize("n", SIZES)
def test_dense_table_build(benchmark, n):
    game = het_model(n, 11).game()
    benchmark.group = f"oracle-{n}x11"
    nf = benchmark.pedantic(game.to_normal_form, rounds=1 if n >= 6 else 3, iterations=1)
    assert nf.shape == (11,) * n


@pytest.mark.benchmark(group="all-to-all")
@pytest.mark.parametrize("n", [6, 7])
def test_all_to_all_oracle(benchmark, n):
    """Uniform confusion among everybody (one attribution block of ``n``): the common-shift
    route (polynomial) at a mixed profile; enumeration would need ``11**n`` joint actions."""
    import dataclasses

    m = dataclasses.replace(het_model(n, 11), attribution=dt.model.confusion_matrix(n, 0.1))
    game = m.game()
    out = benchmark(game.deviation_payoffs, mixed_profile(game))
    assert all(np.isfinite(d).all() for d in out)


@pytest.mark.benchmark(group="all-to-all")
def test_all_to_all_pairs(benchmark):
    """The second-order oracle (logit solver's Jacobian) of the same model at six."""
    import dataclasses

    m = dataclasses.replace(het_model(6, 11), attribution=dt.model.confusion_matrix(6, 0.1))
    game = m.game()
    prof = tuple(mixed_profile(game))
    out = benchmark.pedantic(game._pair_payoffs_all, args=(prof,), rounds=1, iterations=1)
    assert np.isfinite(out[0][1]).all()
