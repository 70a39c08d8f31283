"""The Mexico 2010 presets: every number sourced, units, the calibrated status quo."""

from __future__ import annotations

import dataclasses
import tomllib
from importlib import resources

import numpy as np
import pytest

import deterrence as dt
from deterrence._scenario_meta import FLAGS, entry_for, number_paths

PRESETS = ("mexico-2010", "mexico-2010-six")
NDTA_SEVEN = (
    "Sinaloa",
    "Los Zetas",
    "Gulf",
    "Juarez",
    "Beltran-Leyva",
    "La Familia Michoacana",
    "Tijuana",
)
KILLINGS_2010 = 15_273


def _raw(name: str) -> dict:
    text = (resources.files("deterrence") / "presets" / f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


@pytest.mark.parametrize("name", PRESETS)
def test_every_number_has_a_source(name):
    data = _raw(name)
    sources = data["sources"]
    paths = list(number_paths(data))
    assert len(paths) > 20
    missing = [p for p, _ in paths if entry_for(sources, p) is None]
    assert missing == [], f"numbers without a [sources] entry: {missing}"
    for key, entry in sources.items():
        assert isinstance(entry, str) and entry.strip(), key
        flagged = entry.startswith(FLAGS)
        cited = any(s in entry for s in ("NDIC", "RAND", "Government of Mexico", "Calderon"))
        assert flagged or cited, f"{key}: {entry!r} is neither a citation nor flagged"


def test_walker_catches_an_unsourced_number():
    data = _raw("mexico-2010")
    data["market"]["base"] = 1.0
    missing = [p for p, _ in number_paths(data) if entry_for(data["sources"], p) is None]
    assert missing == ["market.base"]


def test_a_source_for_a_missing_number_is_refused():
    data = _raw("mexico-2010")
    data["sources"]["market.bogus"] = "assumption: nothing"
    with pytest.raises(dt.ScenarioError, match=r"sources\.market\.bogus: names no number"):
        dt.load_scenario(data)


def test_organizations_and_anchors():
    seven = dt.load_scenario("mexico-2010", with_metadata=True)
    six = dt.load_scenario("mexico-2010-six", with_metadata=True)
    assert set(seven.model.names) == set(NDTA_SEVEN)
    assert six.model.names == (
        "Sinaloa",
        "Gulf-Zetas",
        "Juarez",
        "Beltran-Leyva",
        "La Familia Michoacana",
        "Tijuana",
    )
    cities7 = {n: seven.data[n]["us_cities"] for n in seven.model.names}
    cities6 = {n: six.data[n]["us_cities"] for n in six.model.names}
    assert cities6 == {
        "Sinaloa": 75,
        "Gulf-Zetas": 37,
        "Juarez": 33,
        "Beltran-Leyva": 30,
        "La Familia Michoacana": 27,
        "Tijuana": 21,
    }
    assert cities7["Gulf"] + cities7["Los Zetas"] == 37
    assert seven.sources["organizations.Gulf.us_cities"].startswith("proxy:")
    # revenue split by city links, summing to the market's revenue
    for sc, cities in ((seven, cities7), (six, cities6)):
        rev = np.asarray(sc.model.revenue)
        assert rev.sum() == pytest.approx(sc.model.market.revenue, rel=1e-8)
        w = np.array([cities[n] for n in sc.model.names])
        np.testing.assert_allclose(rev / rev.sum(), w / w.sum(), rtol=1e-8)
        # RAND OP-325: $1.5bn at the midpoint 20.5% of export revenue, per month
        assert sc.model.market.revenue * 12 == pytest.approx(1.5 / 0.205, rel=1e-6)
        assert sc.campaign["vacuum"] == 0.365
        assert sc.units.killings_per_month(1.0) == pytest.approx(10.0)
        assert sc.calibration["killings_per_month"] == pytest.approx(KILLINGS_2010 / 12)
    # the violence proxy: the 7,451 deaths of the three states are inside the shares
    shares = seven.calibration["violence_shares"]
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-8)
    rivals = (
        shares["Sinaloa"]
        + shares["Juarez"]
        + shares["Beltran-Leyva"]
        + shares["Gulf"]
        + shares["Los Zetas"]
    )
    assert rivals * KILLINGS_2010 > 7_451


@pytest.mark.parametrize("name", PRESETS)
def test_calibrated_status_quo_reproduces_2010(name):
    """The status quo as race_to_the_bottom finds it (baseline rule) gives 15,273 killings
    in 2010 within 5%, and the proxy ranking."""
    sc = dt.load_scenario(name, with_metadata=True)
    rep = dt.race_to_the_bottom(sc.model, equilibria=False, mixed="none", max_iter=5000)
    per_year = float(sc.units.killings_per_year(rep.baseline_violence))
    assert per_year == pytest.approx(KILLINGS_2010, rel=0.05)
    # the status quo is a pure equilibrium of the baseline game
    bgame = dataclasses.replace(sc.model, rule=sc.model.baseline).game()
    profile = [np.eye(len(g))[a] for g, a in zip(sc.model.levels, rep.status_quo, strict=True)]
    assert dt.regret(bgame, profile) <= 1e-9
    # ranking: the target order is reproduced (ties in the target may go either way)
    target = np.array([sc.calibration["violence_shares"][n] for n in sc.model.names])
    got = rep.baseline_levels
    for i in range(len(target)):
        for j in range(len(target)):
            if target[i] > target[j] * (1 + 1e-9):
                assert got[i] > got[j], (sc.model.names[i], sc.model.names[j])
    # and each share within a few points of its proxy
    np.testing.assert_allclose(got / got.sum(), target, atol=0.01)


@pytest.mark.parametrize("name", PRESETS)
def test_ranges_contain_the_fitted_values(name):
    sc = dt.load_scenario(name, with_metadata=True)
    params = sc.calibration["parameters"]
    assert set(params) <= set(sc.ranges)
    # the other ranges are the flagged assumptions the main job sweeps, each with its source
    for extra in set(sc.ranges) - set(params):
        assert sc.sources[f"ranges.{extra}"].startswith("assumption:"), extra
    for p in params:
        org = p.split(".", 1)[1]
        value = float(sc.model.cost[sc.model.names.index(org)])
        lo, hi = sc.ranges[p]
        assert lo <= value <= hi, p
        assert sc.sources[f"organizations.{org}.cost"].startswith("calibrated:")


def test_scenarios_lists_the_presets():
    table = dt.scenarios()
    row = table.set_index("name").loc["mexico-2010"]
    assert row["n_orgs"] == 7 and row["units"] and row["calibrated"]
    assert row["description"].startswith("Mexico's seven major")
    assert "default" in dt.available_scenarios()


def test_units_are_validated():
    with pytest.raises(dt.ScenarioError, match=r"units\.period"):
        dt.Units(period="week")
    with pytest.raises(dt.ScenarioError, match="killings_per_unit"):
        dt.Units(killings_per_unit=-1.0)
    data = _raw("mexico-2010")
    data["units"]["periodd"] = "month"
    with pytest.raises(dt.ScenarioError, match=r"units\.periodd: unknown key; did you mean"):
        dt.load_scenario(data)
    data = _raw("mexico-2010")
    data["calibration"]["violence_shares"]["Sinaloaa"] = 0.1
    with pytest.raises(dt.ScenarioError, match="Sinaloaa"):
        dt.load_scenario(data)
    data = _raw("mexico-2010")
    data["campaign"]["vacuum"] = -0.1
    with pytest.raises(dt.ScenarioError, match=r"campaign\.vacuum"):
        dt.load_scenario(data)
    assert dt.Units().describe().startswith("one period = one month")
