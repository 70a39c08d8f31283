"""TOML scenarios: the shipped presets, validation with key paths, and `deterrence analyze`."""

from __future__ import annotations

import json
import textwrap
import tomllib

import numpy as np
import pytest

import deterrence as dt
from deterrence.cli import main
from deterrence.errors import DeterrenceError, ScenarioError
from deterrence.scenario import scenario_from_dict

MINIMAL = """
title = "two rivals"

[levels]
min = 0
max = 2
num = 3

[market]
revenue = 2.0
exponent = 0.5

[rule]
type = "most_violent"
weights = { civilians = 3.0, rivals = 1.0 }

[penalty]
designation_success = 0.5

[defaults]
benefit = 0.4
metrics = { rivals = 1.0, civilians = 0.0 }

[[organizations]]
name = "A"
revenue = 4.0
us_share = 0.5
market_base = 2.0
metrics = { rivals = 0.5, civilians = 0.5 }

[[organizations]]
name = "B"
penalty = 1.5
cost = 0.1
"""


def write(tmp_path, text: str, name: str = "s.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


# ----------------------------------------------------------------------------- loading
@pytest.mark.parametrize("name", dt.available_scenarios())
def test_every_shipped_scenario_loads_and_races(name):
    model = dt.load_scenario(name)
    assert model.title
    assert model.n_orgs >= 2
    rep = dt.race_to_the_bottom(model, equilibria=False)
    assert rep.verdict in ("full", "partial", "none", "escalation")


def test_shipped_presets():
    assert {
        "default",
        "symmetric",
        "undercutting",
        "per_dollar",
        "noisy_attribution",
        "dynamic_concentration",
        "capacity",
    } <= set(dt.available_scenarios())
    assert dt.race_to_the_bottom(dt.load_scenario("symmetric"), equilibria=False).verdict == "full"
    und = dt.race_to_the_bottom(dt.load_scenario("undercutting"), equilibria=False)
    assert und.dynamics == "cycle"
    assert dt.race_to_the_bottom(dt.load_scenario("per_dollar"), equilibria=False).verdict == "none"


def test_default_scenario_is_the_main_scenario():
    """Kleiman's proposal: about six heterogeneous organizations, a market, most-violent with
    split ties, attribution noise, penalties from U.S.-distribution shares."""
    model = dt.load_scenario("default")
    assert model.n_orgs == 6
    assert isinstance(model.rule, dt.MostViolent) and model.rule.ties == "split"
    assert model.market is not None and model.market.contest
    assert model.attribution is not None and model.framing is not None
    assert len(set(model.penalty.tolist())) == 6  # penalties differ by U.S. exposure
    # L_i = designation_success * us_share_i * revenue_i for Sinaloa: 0.6 * 0.8 * 2.6
    assert model.penalty[0] == pytest.approx(0.6 * 0.8 * 2.6)
    assert dt.load_scenario("default.toml").names == model.names


def test_minimal_scenario_fields(tmp_path):
    model = dt.load_scenario(write(tmp_path, MINIMAL))
    assert model.title == "two rivals"
    assert model.names == ("A", "B")
    np.testing.assert_allclose(model.levels[0], [0, 1, 2])
    np.testing.assert_allclose(model.penalty, [0.5 * 0.5 * 4.0, 1.5])
    np.testing.assert_allclose(model.benefit, [0.4, 0.4])
    np.testing.assert_allclose(model.cost, [0.0, 0.1])
    assert model.market.base == (2.0, 1.0)
    # score weight per unit: A = 0.5 * 1 + 0.5 * 3, B (defaults) = 1 * 1
    np.testing.assert_allclose(model.metric_weight(), [2.0, 1.0])
    assert isinstance(model.baseline, dt.NoTargeting)
    same = dt.load_scenario(dict(__import__("tomllib").loads(textwrap.dedent(MINIMAL))))
    np.testing.assert_allclose(same.penalty, model.penalty)


def test_rules_attribution_and_framing(tmp_path):
    text = MINIMAL.replace(
        '[rule]\ntype = "most_violent"',
        '[rule]\ntype = "priority"\norder = ["B", "A"]\nfloor = 0.5',
    ) + textwrap.dedent("""
        [baseline]
        type = "noisy_most_violent"
        noise = 0.5
        kind = "probit"

        [attribution]
        misattribution = 0.2
        rivals = [["A", "B"]]

        [[framing]]
        by = "B"
        as = "A"
        share = 0.25
    """)
    model = dt.load_scenario(write(tmp_path, text))
    assert model.rule.order == (1, 0) and model.rule.floor == 0.5
    assert model.baseline.kind == "probit"
    np.testing.assert_allclose(model.attribution, [[0.8, 0.2], [0.2, 0.8]])
    np.testing.assert_allclose(model.framing, [[0, 0], [0.25, 0]])


# ----------------------------------------------------------------------------- validation
BAD = [
    # (edit of MINIMAL, key path, message fragment)
    (
        lambda t: t.replace("penalty = 1.5", "penalt = 1.5"),
        "organizations[1].penalt",
        "did you mean 'penalty'",
    ),
    (lambda t: t.replace("[penalty]", "[penalties]"), "penalties", "did you mean 'penalty'"),
    (
        lambda t: t.replace("revenue = 4.0", 'revenue = "four"'),
        "organizations[0].revenue",
        "expected a number",
    ),
    (
        lambda t: t.replace("penalty = 1.5", "penalty = -1.5"),
        "organizations[1].penalty",
        "expected >= 0",
    ),
    (lambda t: t.replace("num = 3", "num = 0"), "levels.num", "expected >= 1"),
    (lambda t: t.replace("min = 0\nmax = 2\nnum = 3", "values = []"), "levels.values", "is empty"),
    (
        lambda t: t.replace("min = 0\nmax = 2\nnum = 3", "values = [0, 2, 1]"),
        "levels.values",
        "strictly increasing",
    ),
    (
        lambda t: t.replace('type = "most_violent"', 'type = "noisy_most_violent"\nnoise = 0'),
        "rule.noise",
        "expected > 0",
    ),
    (
        lambda t: t.replace('type = "most_violent"', 'type = "noisy_most_violent"\nnoise = -2'),
        "rule.noise",
        "expected > 0",
    ),
    (
        lambda t: t.replace('type = "most_violent"', 'type = "noisy_most_violent"'),
        "rule.noise",
        "is required",
    ),
    (
        lambda t: t.replace('type = "most_violent"', 'type = "most_violet"'),
        "rule.type",
        "did you mean 'most_violent'",
    ),
    (
        lambda t: t.replace("civilians = 3.0", "civilian = 3.0"),
        "rule.weights.civilian",
        "did you mean 'civilians'",
    ),
    (
        lambda t: t.replace('type = "most_violent"', 'type = "most_violent"\nties = "first"'),
        "rule.ties",
        "expected one of split, random, lowest",
    ),
    (
        lambda t: t.replace('type = "most_violent"', 'type = "top_k"\nk = 5'),
        "rule.k",
        "at most the number of organizations",
    ),
    (
        lambda t: t.replace('type = "most_violent"', 'type = "priority"\norder = ["A"]'),
        "rule.order",
        "every organization exactly once",
    ),
    (
        lambda t: t.replace('type = "most_violent"', 'type = "priority"\norder = ["A", "C"]'),
        "rule.order[1]",
        "expected one of A, B",
    ),
    (
        lambda t: t.replace("us_share = 0.5", "us_share = 1.5"),
        "organizations[0].us_share",
        "expected <= 1",
    ),
    (lambda t: t.replace("penalty = 1.5\n", ""), "organizations[1].penalty", "is missing"),
    (lambda t: t.replace('name = "B"', 'name = "A"'), "organizations[1].name", "unique"),
    (lambda t: t.replace("exponent = 0.5", "exponent = -0.5"), "market.exponent", "expected >= 0"),
    (
        lambda t: t + '\n[[framing]]\nby = "B"\nas = "BB"\nshare = 0.1\n',
        "framing[0].as",
        "did you mean 'B'",
    ),
    (
        lambda t: t + '\n[[framing]]\nby = "B"\nas = "B"\nshare = 0.1\n',
        "framing[0].as",
        "the framer itself",
    ),
    (
        lambda t: t + '\n[attribution]\nmisattribution = 0.1\nrivals = [["A", "A"]]\n',
        "attribution.rivals[0]",
        "with itself",
    ),
    (
        lambda t: t + "\n[attribution]\nmatrix = [[1, 0.5], [0, 1]]\n",
        "attribution.matrix[0]",
        "sums to 1.5",
    ),
    (
        lambda t: t.replace("benefit = 0.4", "benefit = true"),
        "defaults.benefit",
        "expected a number",
    ),
    (lambda t: t.replace("[rule]", "[rules]"), "rules", "did you mean 'rule'"),
]


@pytest.mark.parametrize(("edit", "key", "fragment"), BAD, ids=[b[1] for b in BAD])
def test_invalid_fields_name_their_key_path(tmp_path, edit, key, fragment):
    path = write(tmp_path, edit(textwrap.dedent(MINIMAL)))
    with pytest.raises(ScenarioError) as info:
        dt.load_scenario(path)
    err = info.value
    assert err.key == key
    assert fragment in str(err)
    assert str(err).startswith(str(path))
    assert isinstance(err, ValueError)


def test_file_level_errors(tmp_path):
    with pytest.raises(ScenarioError, match="no such file, and not a shipped scenario"):
        dt.load_scenario(tmp_path / "missing.toml")
    with pytest.raises(ScenarioError, match="not a shipped scenario"):
        dt.load_scenario("defualt")
    with pytest.raises(ScenarioError, match=r"invalid TOML.*line 2") as info:
        dt.load_scenario(write(tmp_path, "title = 'x'\n[rule\n"))
    assert info.value.key == "<toml>"
    with pytest.raises(ScenarioError, match="organizations: is required"):
        dt.load_scenario(write(tmp_path, "[rule]\ntype = 'none'\n"))
    with pytest.raises(ScenarioError, match="expected a path"):
        dt.load_scenario(42)


# ----------------------------------------------------------------------------- CLI
def test_cli_default_scenario_json(capsys):
    """The main job's scenario through the command line, as JSON (thresholds and the mixed
    solver skipped to keep the test short; the README's `deterrence analyze` runs them)."""
    code = main(["analyze", "default", "--json", "--no-thresholds", "--mixed", "none"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert data["verdict"] in ("full", "partial", "none", "escalation")
    assert data["title"].startswith("Kleiman")
    assert len(data["organizations"]) == 6
    assert data["baseline_equilibria"]["complete"] is True
    assert data["scenario"]["source"] == "default"


def test_cli_text_report_with_thresholds(capsys, tmp_path):
    path = write(tmp_path, MINIMAL)
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    assert "VERDICT:" in out and "two rivals" in out
    assert "critical values" in out and "penalty scale" in out
    assert main(["analyze", "symmetric", "--mixed", "none", "--no-thresholds"]) == 0
    assert "VERDICT: FULL" in capsys.readouterr().out
    assert main(["analyze", "--list"]) == 0
    assert "default" in capsys.readouterr().out.split()


def test_cli_bad_file_exits_2_with_one_line(capsys, tmp_path):
    path = write(tmp_path, MINIMAL.replace("penalty = 1.5", "penalty = -1.5"))
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "organizations[1].penalty" in err and err.startswith("deterrence analyze: error:")
    assert main(["analyze", str(tmp_path / "nope.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = write(tmp_path, "x = [", name="broken.toml")
    assert main(["analyze", str(bad)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_top_k_capacity_is_checked_in_one_place():
    """TopK with k above the number of organizations: the model and the scenario loader
    both refuse it through the rule table's check, naming rule.k, its value and N."""
    with pytest.raises(
        DeterrenceError,
        match=r"rule\.k=5 is not valid; expected at most the "
        r"number of organizations \(3\)",
    ):
        dt.TargetingModel(n_orgs=3, levels=[0.0, 1.0], rule=dt.TopK(k=5))
    with pytest.raises(DeterrenceError, match=r"baseline\.k=4 .*organizations \(3\)"):
        dt.TargetingModel(n_orgs=3, levels=[0.0, 1.0], baseline=dt.TopK(k=4))
    dt.TargetingModel(n_orgs=3, levels=[0.0, 1.0], rule=dt.TopK(k=3))  # k = N is fine
    text = MINIMAL.replace('type = "most_violent"', 'type = "top_k"\nk = 3')
    with pytest.raises(
        ScenarioError,
        match=r"rule\.k: is 3; expected at most the number of "
        r"organizations \(2\)",
    ) as info:
        scenario_from_dict(tomllib.loads(text))
    assert info.value.key == "rule.k"
