"""dt.calibrate: recovers known parameters, refuses bad input before any work."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import deterrence as dt
from deterrence.calibration import status_quo


def _market_model(**kw):
    """Three organizations in a Tullock market: u_i = R (a_i + v_i) / S - c_i v_i^2."""
    base = {
        "n_orgs": 3,
        "levels": np.linspace(0, 20, 81),
        "benefit": 0.0,
        "cost": [0.01, 0.02, 0.04],
        "penalty": 1.0,
        "market": dt.Market(revenue=10.0, exponent=1.0, base=[4.0, 2.0, 1.0]),
        "names": ["A", "B", "C"],
    }
    base.update(kw)
    return dt.TargetingModel(**base)


def _observe(model):
    prof, outcome = status_quo(model)
    assert outcome == "converged"
    return np.array([model.levels[i][a] for i, a in enumerate(prof)])


def test_status_quo_matches_the_continuous_first_order_condition():
    """No market: u_i = b v - c_i v^2, so v_i = b / (2 c_i) exactly on the grid."""
    m = dt.TargetingModel(
        n_orgs=3, levels=np.linspace(0, 10, 41), benefit=1.0, cost=[0.1, 0.2, 0.4], penalty=1.0
    )
    np.testing.assert_allclose(_observe(m), [5.0, 2.5, 1.25])


def test_recovers_known_costs_in_a_market():
    truth = _market_model()
    lv = _observe(truth)
    assert len(set(lv)) == 3  # a strict ranking to recover
    start = dataclasses.replace(truth, cost=[0.05, 0.05, 0.05])
    res = dt.calibrate(
        start,
        targets={
            "total_violence": float(lv.sum()),
            "violence_shares": dict(zip("ABC", lv / lv.sum(), strict=True)),
        },
        parameters={"cost.A": (1e-4, 0.1), "cost.B": (1e-4, 0.1), "cost.C": (1e-4, 0.1)},
        rng=1,
    )
    assert res.success and res.ranking_ok
    np.testing.assert_allclose(res.status_quo_levels, lv)
    for p, true in zip(res.parameters, truth.cost, strict=True):
        lo, hi = res.ranges[p]
        assert lo <= true <= hi, (p, lo, true, hi)
        # the grid (step 0.25) limits how well a cost is pinned down
        assert res.values[p] == pytest.approx(true, rel=0.15)
    assert res.to_dataframe().shape == (3, 6)
    assert "total_violence" in res.fit_dataframe().index
    assert "<table" in res._repr_html_()
    assert "ranking" in str(res)


def test_recovers_a_shared_cost_and_the_contest_exponent():
    truth = _market_model(
        cost=0.02, market=dt.Market(revenue=10.0, exponent=0.7, base=[4.0, 2.0, 1.0])
    )
    lv = _observe(truth)
    w = (np.array([4.0, 2.0, 1.0]) + lv) ** 0.7
    res = dt.calibrate(
        dataclasses.replace(truth, cost=0.01),
        targets={
            "total_violence": float(lv.sum()),
            "market_shares": dict(zip("ABC", w / w.sum(), strict=True)),
        },
        parameters={"cost": (1e-4, 0.1), "market.exponent": (0.2, 2.0)},
        rng=2,
    )
    assert res.loss < 1e-4
    assert res.values["market.exponent"] == pytest.approx(0.7, rel=0.1)
    assert res.values["cost"] == pytest.approx(0.02, rel=0.15)
    lo, hi = res.ranges["market.exponent"]
    assert lo <= 0.7 <= hi


def test_killings_target_goes_through_units():
    truth = dt.TargetingModel(
        n_orgs=2,
        levels=np.linspace(0, 10, 41),
        benefit=1.0,
        cost=[0.1, 0.2],
        penalty=1.0,
        names=["A", "B"],
    )
    units = dt.Units(killings_per_unit=100.0)
    res = dt.calibrate(
        dataclasses.replace(truth, cost=0.5),
        targets={"killings_per_month": 750.0, "violence_shares": {"A": 2.0, "B": 1.0}},
        parameters={"cost.A": (0.01, 1.0), "cost.B": (0.01, 1.0)},
        units=units,
        rng=0,
    )
    assert res.fit["killings_per_month"]["achieved"] == pytest.approx(750.0)
    assert res.values["cost.A"] == pytest.approx(0.1, rel=0.1)


def test_the_mexico_preset_recalibrates_within_its_ranges():
    """Fit the seven-organization preset from its own calibration table: the fit lands
    inside the shipped ranges and reproduces 15,273 killings within 5%."""
    sc = dt.load_scenario("mexico-2010", with_metadata=True)
    res = dt.calibrate(sc, n_samples=8, n_starts=1, rng=0)
    assert res.ranking_ok
    assert res.fit["killings_per_month"]["achieved"] * 12 == pytest.approx(15_273, rel=0.05)
    for p in res.parameters:
        lo, hi = sc.ranges[p]
        assert lo * 0.9 <= res.values[p] <= hi * 1.1, p


@pytest.mark.parametrize(
    ("targets", "parameters", "match"),
    [
        ({"total": 3.0}, ["cost"], "unknown key 'total'"),
        ({"total_violence": -1.0}, ["cost"], "total_violence=-1.0"),
        ({"total_violence": float("nan")}, ["cost"], "expected a finite number"),
        ({"violence_shares": {"A": 1.0}}, ["cost"], "misses"),
        ({"violence_shares": {"A": 1, "B": 1, "Z": 1}}, ["cost"], "names"),
        ({"killings_per_month": 100.0}, ["cost"], "needs units"),
        ({"ranking": ["A", "B"]}, ["cost"], "only a ranking"),
        ({"ranking": ["A"], "total_violence": 1.0}, ["cost"], "every organization once"),
        ({"total_violence": 3.0}, ["costt"], "did you mean 'cost'"),
        ({"total_violence": 3.0}, ["cost.Z"], "not a parameter"),
        ({"total_violence": 3.0}, ["market.exponent"], "needs a market"),
        ({"total_violence": 3.0}, {"cost": (1.0, 0.5)}, "low <= high"),
        ({"total_violence": 3.0}, {"cost": (-1.0, 0.5)}, "domain"),
        ({"total_violence": 3.0}, ["cost", "cost.A"], "overlaps"),
        ({"total_violence": 3.0}, ["cost", "cost"], "given twice"),
        ({"total_violence": 3.0}, [], "empty"),
        ({"total_violence": 3.0}, "cost", "expected a list"),
        ("bogus", ["cost"], "expected a mapping"),
    ],
)
def test_bad_input_is_refused_before_work(monkeypatch, targets, parameters, match):
    import deterrence.calibration as cal

    def boom(*a, **k):
        raise AssertionError("an equilibrium was computed")

    monkeypatch.setattr(cal, "status_quo", boom)
    m = dt.TargetingModel(
        n_orgs=2, levels=np.linspace(0, 1, 3), benefit=1.0, cost=1.0, penalty=1.0, names=["A", "B"]
    )
    with pytest.raises(dt.DeterrenceError, match=match):
        dt.calibrate(m, targets=targets, parameters=parameters)


def test_bad_options_are_refused():
    m = dt.TargetingModel(n_orgs=2, levels=np.linspace(0, 1, 3), benefit=1.0, cost=1.0, penalty=1.0)
    ok = {"targets": {"total_violence": 1.0}, "parameters": ["cost"]}
    with pytest.raises(dt.DeterrenceError, match="tolerance"):
        dt.calibrate(m, tolerance=0.0, **ok)
    with pytest.raises(dt.DeterrenceError, match="n_samples"):
        dt.calibrate(m, n_samples=0, **ok)
    with pytest.raises(dt.DeterrenceError, match="model_or_scenario"):
        dt.calibrate(3.0, **ok)
    with pytest.raises(dt.DeterrenceError, match="parameters is required"):
        dt.calibrate(m, targets={"total_violence": 1.0})
