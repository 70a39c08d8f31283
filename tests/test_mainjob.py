"""The main job: ``deterrence analyze`` (and ``deterrence`` alone) on ``mexico-2010``.

One run of the command line with ``--out`` (small sample) feeds every test: the HTML report
is parsed (figures embedded as base64 PNG, the tables), the Parquet and CSV tables are read
back, the JSON keys are checked, and the numbers are checked against closed forms:

* the franchise: with every organization restraining (the policy's outcome), the campaign's
  value of organization i is its Tullock share of the revenue at the minimum for ever,
  ``V_i = R a_i / sum_j a_j / (1 - d)`` (``a`` the market bases), and the penalty is
  ``d p V_i``;
* the random target: violence does not change who is designated, so in the first month
  every organization plays its status quo (the month's killings are the status quo's),
  exactly one organization is designated, and it is destroyed with probability ``p``;
* the demand reduction: at the revenue found the status quo is down to the policy's level,
  and with 5% more revenue it is not;
* the transition: month 0 answers the status quo (the month before the announcement). The
  status quo's most violent organization is designated at any level above the runner-up's,
  so it undercuts it (its highest level strictly below; a tie would split the designation),
  and the others, not designated, keep their no-policy best responses: month 0's killings
  are the status quo's with the leader moved just below the runner-up, in every run.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import deterrence as dt
from deterrence.analysis._comparisons import status_quo_violence
from deterrence.cli import main

KILLINGS_2010 = 15_273


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.tables = 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs).get("src", ""))
        elif tag == "table":
            self.tables += 1


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """``deterrence analyze --out DIR --json`` with a small sample, and the report."""
    out = tmp_path_factory.mktemp("mainjob")
    args = ["--samples", "6", "--runs", "20", "--rounds", "12", "--seed", "7"]
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["analyze", "--out", str(out), "--json", *args]) == 0
    data = json.loads(buf.getvalue())
    rep = dt.analyze("mexico-2010", samples=6, runs=20, rounds=12, rng=7)
    return out, data, rep


def test_json_keys_and_the_2010_count(run):
    _, data, rep = run
    for key in (
        "status_quo_killings_per_month",
        "policy_killings_per_month",
        "grade",
        "bands",
        "campaign",
        "random_target",
        "transition",
        "noise",
        "demand_reduction",
        "assumptions",
        "sources",
        "penalty",
        "fixed_fine",
    ):
        assert key in data, key
    assert data["status_quo_killings_per_month"] == pytest.approx(KILLINGS_2010 / 12, rel=0.05)
    assert data["grade"] in dt.analysis.race.GRADES
    assert data["penalty"]["kind"] == "franchise"
    assert {"point", "p10", "p90"} <= set(data["bands"]["policy_killings_per_month"])
    assert data["campaign"]["rounds"] == 12 and len(data["campaign"]["rounds_table"]) == 12
    tr = data["transition"]
    assert tr["rounds"] == 12 and len(tr["rounds_table"]) == 12 and tr["runs"] == 20
    assert tr["start_killings_per_month"] == data["status_quo_killings_per_month"]
    assert tr["rounds_table"][0]["killings_mean"] == rep.main.transition["killings_mean"].iloc[0]
    assert data["samples"] == 6
    # the library call gives the same numbers (same seed)
    same = rep.to_dict()
    assert set(same.pop("timings")) == set(data.pop("timings"))  # wall-clock times differ
    assert same == data
    assert rep.status_quo_killings_per_month == data["status_quo_killings_per_month"]
    json.dumps(data, allow_nan=False)


def test_html_report_has_the_figures_and_tables(run):
    out, _, _ = run
    page = _Page()
    page.feed((out / "report.html").read_text("utf-8"))
    pngs = [s for s in page.images if s.startswith("data:image/png;base64,")]
    assert len(pngs) == 4 and len(page.images) == 4
    import base64

    for src in pngs:
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.tables >= 7
    for name in ("campaign", "transition", "noise", "bands"):
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temporary files


def test_tables_read_back(run):
    out, data, rep = run
    for name in (
        "organizations",
        "campaign_rounds",
        "transition_rounds",
        "random_target_rounds",
        "noise",
        "bands",
        "samples",
        "assumptions",
    ):
        csv = pd.read_csv(out / f"{name}.csv")
        pq = pd.read_parquet(out / f"{name}.parquet")
        assert list(csv.columns) == list(pq.columns) and len(csv) == len(pq) > 0, name
    rounds = pd.read_parquet(out / "campaign_rounds.parquet")
    np.testing.assert_allclose(rounds["killings_mean"], rep.main.campaign["killings_mean"])
    trans = pd.read_parquet(out / "transition_rounds.parquet")
    assert list(trans.columns) == list(rounds.columns)
    np.testing.assert_allclose(trans["killings_p90"], rep.main.transition["killings_p90"])
    orgs = pd.read_parquet(out / "organizations.parquet")
    assert list(orgs["organization"]) == list(rep.model.names)
    assert len(pd.read_parquet(out / "samples.parquet")) == 6
    flagged = pd.read_csv(out / "assumptions.csv")
    assert (flagged["kind"] == "flagged").sum() == len(data["assumptions"])


def test_franchise_closed_form(run):
    _, _, rep = run
    job = rep.main
    sc = rep.scenario
    m = sc.model
    base = np.asarray(m.market.base, dtype=float)
    closed = m.market.revenue * base / base.sum() / (1 - job.discount)
    np.testing.assert_allclose(job.franchise["franchise_value"], closed, rtol=1e-6)
    np.testing.assert_allclose(
        job.franchise["franchise_penalty"], job.discount * job.destroy * closed, rtol=1e-6
    )
    np.testing.assert_allclose(job.franchise["restraint_value"], closed, rtol=1e-9)
    np.testing.assert_allclose(rep.model.penalty, job.franchise["franchise_penalty"])
    # the fixed fine is the preset's penalty, reported beside it
    fixed = dt.load_scenario("mexico-2010").penalty
    np.testing.assert_allclose(job.franchise["fixed_fine"], fixed)
    # under a full race nobody is designated in the campaign's equilibrium
    if rep.grade == "full":
        assert job.policy_killings_per_month == 0
        assert float(job.campaign["designations"].sum()) == 0


def test_random_target_first_month(run):
    _, _, rep = run
    job = rep.main
    first = job.random_campaign.iloc[0]
    assert first["killings_mean"] == pytest.approx(job.status_quo_killings_per_month)
    assert first["designations"] == 1.0 and first["survivors"] == 7
    # destruction with probability p: 20 runs, within four standard errors
    se = np.sqrt(job.destroy * (1 - job.destroy) / 20)
    assert abs(first["destructions"] - job.destroy) <= 4 * se
    # the vacuum shows up after destructions
    assert job.random_campaign["vacuum_killings"].sum() > 0


def test_transition_first_month_answers_the_status_quo(run):
    _, _, rep = run
    job = rep.main
    kpu = job.killings_per_unit
    fr = job.franchise
    sq = fr["status_quo_killings"].to_numpy(dtype=float)
    assert sq.sum() == pytest.approx(job.status_quo_killings_per_month)
    lead, second = np.argsort(-sq)[:2]
    assert sq[lead] > sq[second]
    levels = np.asarray(rep.model.levels[lead], dtype=float)
    below = levels[levels < sq[second] / kpu - 1e-9].max()
    expected = sq.sum() - sq[lead] + kpu * below
    first = job.transition.iloc[0]
    assert first["killings_mean"] == pytest.approx(expected, rel=1e-12)
    assert first["killings_p10"] == first["killings_p90"] == first["killings_mean"]
    assert first["killings_mean"] < job.status_quo_killings_per_month
    # the runner-up is now the most violent: designated in every run, no vacuum yet
    assert first["designated"] == fr["organization"].iloc[second]
    assert first["designated_share"] == 1.0 and first["designations"] == 1.0
    assert first["vacuum_killings"] == 0 and first["survivors"] == 7
    # on the way down: fewer killings at the end than in month 0, destructions on the way
    tr = job.transition
    assert tr["killings_mean"].iloc[-1] < first["killings_mean"]
    assert (tr["destructions"] <= tr["designations"] + 1e-12).all()
    assert list(tr.columns) == list(job.campaign.columns)
    text = rep.summary()
    assert "3. THE TRANSITION from the status quo" in text
    assert f"start: the status quo, {job.status_quo_killings_per_month:,.0f} killings" in text


def test_transition_has_its_own_seed_and_the_others_keep_theirs(run):
    """The transition is run_campaign(policy="dynamics", start=the status quo) with the
    fourth SeedSequence child; the campaign keeps the first (``spawn(4)`` does not move the
    first three children)."""
    from deterrence.analysis._comparisons import _designation_success, _per_round

    _, _, rep = run
    job = rep.main
    sc = rep.scenario
    camp = dt.Campaign(sc.model, destroy=_designation_success(sc), discount=job.discount)
    sol = dt.solve_campaign(camp)
    seeds = np.random.SeedSequence(7).spawn(4)
    kw = {"rounds": 12, "runs": 20, "progress": False, "solution": sol}
    args = (job.killings_per_unit, 20, job.vacuum, job.vacuum_periods)
    dyn = dt.run_campaign(camp, rng=seeds[3], policy="dynamics", start="status_quo", **kw)
    np.testing.assert_allclose(dyn.start, rep.race.baseline_levels)
    pd.testing.assert_frame_equal(_per_round(dyn.to_dataframe(), *args), job.transition)
    eq = dt.run_campaign(camp, rng=seeds[0], **kw)
    pd.testing.assert_frame_equal(_per_round(eq.to_dataframe(), *args), job.campaign)


def test_noise_and_critical_noise(run):
    _, _, rep = run
    job = rep.main
    crit = job.critical_noise
    assert crit is not None and crit.found
    kpu = job.killings_per_unit
    for r in job.noise.itertuples():
        if r.noise_killings < crit.bracket[0] * kpu:
            assert r.grade == "full"
        elif r.noise_killings > crit.bracket[1] * kpu:
            assert r.grade != "full"
    assert [t.parameter for t in rep.thresholds] == ["penalty scale", "logit noise"]
    # where it breaks: the franchise penalties scaled by the critical value still give a
    # full race, a little below they do not (the threshold's own bracket)
    pen = rep.thresholds[0]
    assert pen.found and 0 < pen.value < 1
    lo, hi = pen.bracket
    for scale, full in ((hi, True), (lo, False)):
        m = dataclasses.replace(rep.model, penalty=scale * np.asarray(rep.model.penalty))
        r = dt.race_to_the_bottom(m, equilibria=False, mixed="none")
        assert (r.verdict == "full") is full


def test_demand_reduction_brackets_the_policy(run):
    _, _, rep = run
    dem = rep.main.demand
    assert dem["found"]
    m = rep.scenario.model
    f = 1.0 - dem["revenue_fall"]
    kpu = rep.main.killings_per_unit
    target = rep.main.policy_killings_per_month / kpu

    def at(factor):
        mk = dataclasses.replace(m.market, revenue=factor * m.market.revenue)
        return status_quo_violence(dataclasses.replace(m, market=mk))

    assert at(f) <= target + 0.5 * 0.5 + 1e-9
    assert at(min(1.0, 1.05 * f)) > target + 0.25


def test_bands_are_ordered(run):
    _, _, rep = run
    b = rep.main.bands.set_index("quantity")
    for q in ("status_quo_killings_per_month", "policy_killings_per_month", "reduction_share"):
        assert b.loc[q, "p10"] <= b.loc[q, "median"] <= b.loc[q, "p90"], q
        assert b.loc[q, "samples"] == 6
    s = rep.main.samples
    sc = rep.scenario
    for key, (lo, hi) in sc.ranges.items():
        if key == "penalty.designation_success":
            col = s["designation_success"]
        elif key == "campaign.discount":
            col = s["discount"]
        elif key == "market.exponent":
            col = s["model.market.exponent"]
        else:
            col = s[f"model.cost[{sc.model.names.index(key.split('.', 1)[1])}]"]
        assert col.between(lo, hi).all(), key


def test_assumptions_and_sources_listed(run):
    _, _, rep = run
    job = rep.main
    assert "penalty.designation_success" in job.assumptions
    assert "campaign.vacuum" in job.sources
    text = rep.summary()
    assert text.splitlines()[2].startswith("MAIN RESULT:")
    assert "ASSUMPTIONS" in text and "ANY TARGET WILL DO" in text and "DEMAND REDUCTION" in text
    assert "THE TRANSITION" in text


def test_deterrence_alone_runs_analyze(monkeypatch):
    """The ``deterrence`` script without arguments runs ``deterrence analyze``."""
    from deterrence.cli import analyze as cli_analyze

    seen = {}

    def fake(args):
        seen["scenario"] = args.scenario
        return 0

    monkeypatch.setattr(cli_analyze, "run", fake)
    monkeypatch.setattr(sys, "argv", ["deterrence"])
    assert main() == 0
    assert seen["scenario"] == "mexico-2010"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"samples": -1}, "samples=-1"),
        ({"runs": 0}, "runs=0"),
        ({"noise": [0.0]}, "noise="),
        ({"main": "yes"}, "main='yes'"),
        ({"progress": 1}, "progress=1"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(dt.DeterrenceError, match=match):
        dt.analyze("mexico-2010", **kwargs)


def test_main_needs_units():
    model = dt.TargetingModel(n_orgs=2, levels=[0.0, 1.0], penalty=2.0)
    with pytest.raises(dt.DeterrenceError, match="main=True"):
        dt.analyze(model, main=True)
    with pytest.raises(dt.DeterrenceError, match="out is not valid"):
        dt.analyze(model, mixed="none").write("/tmp/never")


def test_bad_workers_fail_before_work(capsys):
    assert main(["analyze", "--workers", "0"]) == 2
    assert "--workers=0" in capsys.readouterr().err
