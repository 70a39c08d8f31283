"""``dt.analyze`` and ``AnalysisReport``: the library call behind ``deterrence analyze``."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import numpy as np
import pytest

import deterrence as dt
from deterrence.cli import main


@pytest.fixture(scope="module")
def default_report() -> dt.AnalysisReport:
    return dt.analyze("default")


def test_default_scenario_report(default_report: dt.AnalysisReport) -> None:
    rep = default_report
    assert rep.source == "default"
    assert rep.verdict == "partial" and rep.race.dynamics == "cycle"
    assert rep.model.n_orgs == 6 and rep.title == rep.model.title
    # the status quo is an equilibrium of the baseline game, and the mixed equilibrium of
    # the policy game is one (checked by its regret)
    assert rep.race.baseline_equilibria is not None
    assert rep.race.status_quo in [e.pure_profile for e in rep.race.baseline_equilibria]
    assert rep.race.policy_mixed is not None
    assert rep.race.policy_mixed.max_regret < 1e-8
    assert 0 < rep.race.violence_reduction < 1
    # four critical values, in report order, each a verified switch
    params = [t.parameter for t in rep.thresholds]
    assert params == ["penalty scale", "penalty scale", "logit noise", "market revenue"]
    assert all(t.found and t.applicable for t in rep.thresholds)
    crit, eq = rep.thresholds[0], rep.thresholds[1]
    assert eq.value <= crit.value  # all-minimum is an equilibrium before the race reaches it
    assert "at 10.4 x the scenario's penalties" in rep.thresholds[2].message
    assert rep.parameters == {"thresholds": True, "mixed": "auto", "max_iter": 100_000}
    # false flags: who gains
    assert rep.framing_gains is not None and len(rep.framing_gains) == 6


def test_views(default_report: dt.AnalysisReport) -> None:
    rep = default_report
    df = rep.to_dataframe()
    assert list(df["organization"]) == list(rep.model.names)
    assert {"policy_level", "designation_probability", "payoff_gain"} <= set(df.columns)
    np.testing.assert_allclose(df["payoff_gain"], rep.framing_gains["payoff_gain"])
    th = rep.thresholds_dataframe()
    assert len(th) == 4 and th["found"].all()
    html = rep._repr_html_()
    assert "Verdict: partial" in html and "<table" in html and "Critical values" in html
    r = repr(rep)
    assert "\n" not in r and len(r) < 120 and "partial" in r
    text = rep.summary()
    assert text.startswith(rep.title) and str(rep) == text
    assert "VERDICT: PARTIAL" in text and "critical values" in text and "false flags" in text


def test_to_dict_is_json_and_equals_the_cli_output(default_report, capsys) -> None:
    d = default_report.to_dict()
    text = json.dumps(d, allow_nan=False)  # plain JSON types only
    assert json.loads(text) == d
    assert d["verdict"] == "partial" and d["scenario"]["source"] == "default"
    assert len(d["thresholds"]) == 4 and d["framing_gains"] is not None
    assert main(["analyze", "default", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == d


def test_cli_text_equals_summary(capsys) -> None:
    rep = dt.analyze("capacity")
    assert main(["analyze", "capacity"]) == 0
    assert capsys.readouterr().out == rep.summary() + "\n"
    # a rule without attribution noise: the noise threshold is reported as not applicable
    na = [t for t in rep.thresholds if not t.applicable]
    assert len(na) == 1 and na[0].value is None and "not applicable" in na[0].message
    d = rep.to_dict()
    assert na[0].message in d["thresholds"]  # printed as the sentence, as before


def test_a_model_and_a_path(tmp_path) -> None:
    model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 5), penalty=2.0)
    rep = dt.analyze(model, mixed="none")
    assert rep.source is None and rep.verdict == "full"
    assert rep.to_dict()["scenario"]["source"] is None
    assert rep.race.policy_mixed is None
    quiet = dt.analyze(dataclasses.replace(model, rule=dt.NoTargeting()), mixed="none")
    assert quiet.thresholds == () and quiet.verdict == "none"
    path = tmp_path / "s.toml"
    path.write_text((resources.files("deterrence") / "presets" / "symmetric.toml").read_text())
    rep = dt.analyze(path, thresholds=False, mixed="none")
    assert rep.source == str(path) and rep.verdict == "full"


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"model": 42}, "model=int"),
        ({"mixed": "bogus"}, "mixed='bogus'"),
        ({"thresholds": "yes"}, "thresholds='yes'"),
        ({"max_iter": 0}, "max_iter=0"),
        ({"executor": "threads"}, "executor='threads'"),
    ],
)
def test_bad_arguments(kwargs, match) -> None:
    args = {"model": dt.TargetingModel(n_orgs=2, levels=[0.0, 1.0]), **kwargs}
    with pytest.raises(dt.DeterrenceError, match=match):
        dt.analyze(args.pop("model"), **args)
