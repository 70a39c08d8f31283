"""Race-to-the-bottom verdicts, closed forms, and critical values."""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deterrence as dt
from deterrence.analysis.race import _sequential_br


def _pure(game, actions):
    return [np.eye(k)[a] for k, a in zip(game.shape, actions, strict=True)]


# ----------------------------------------------------------------------------- closed form 1
@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 4),
    extra=st.integers(2, 4),
    b=st.lists(st.floats(0.1, 1.0), min_size=4, max_size=4),
    c=st.lists(st.floats(0.0, 0.3), min_size=4, max_size=4),
    kappa=st.lists(st.floats(0.5, 2.0), min_size=4, max_size=4),
    margin=st.floats(0.01, 1.0),
    revenue=st.sampled_from([0.0, 0.5]),
)
def test_penalty_above_every_gain_gives_a_full_race(n, extra, b, c, kappa, margin, revenue):
    """Closed form 1: a penalty above the most any violence can gain.

    Setting: heterogeneous organizations with u_i = R share_i + b_i v - c_i v^2 - L_i P_i,
    levels 0 = v_0 < ... < v_{K-1} = 1 with step delta, "most violent" rule (ties split,
    floor 0), scores kappa_i v_i > 0 for v_i > 0. Let G_i = max_v [b_i v - c_i v^2] + R *
    (share range) be the most violence can gain i (``model.violence_gain()``).

    (a) If L_i > G_i for all i, everyone at 0 is an equilibrium: all scores are 0, nobody is
        designated; a deviation to v > 0 makes i the unique top above the floor, designated
        for sure, so its payoff changes by at most G_i - L_i < 0.
    (b) It is the only pure equilibrium when also L_i / N > b_i * delta + R (the most one
        grid step can gain): at any other profile the top score m > 0 is held by k >= 1
        organizations, each designated with probability 1/k. With k = 1 the top one gains
        L_i - G_i > 0 by dropping to 0; with k >= 2 it gains at least L_i / k - (b_i delta
        + R * one-step share gain) > 0 by stepping one level down (the others still top).
    Sequential best responses therefore end at everyone's minimum: the verdict is "full",
    and no designation ever has to be carried out.
    """
    K = n + extra
    lv = np.linspace(0.0, 1.0, K)
    b, c, kappa = b[:n], c[:n], kappa[:n]
    model = dt.TargetingModel(
        n_orgs=n,
        levels=lv,
        benefit=b,
        cost=c,
        penalty=1.0,
        metrics={"violence": kappa},
        market=dt.Market(revenue=revenue, exponent=1.0, base=1.0) if revenue else None,
    )
    gain = model.violence_gain()
    step = np.array(b) * (lv[1] - lv[0]) + revenue  # (a generous bound on one step's gain)
    penalty = np.maximum(gain * (1 + margin), n * step * (1 + margin))
    model = dataclasses.replace(model, penalty=penalty)
    game = model.game()
    res = dt.solve(game, method="pure")
    assert res.complete
    assert [e.pure_profile for e in res] == [model.minimum_profile()]
    assert res[0].regret == 0.0
    rep = dt.race_to_the_bottom(model, mixed="none")
    assert (rep.verdict, rep.dynamics) == ("full", "converged")
    assert rep.policy_violence == rep.minimum_violence == 0.0
    assert rep.designations == 0.0
    assert np.all(rep.designation_probabilities == 0.0)


# ----------------------------------------------------------------------------- closed form 2
@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(2, 4),
    b=st.floats(0.5, 2.0),
    ratio=st.floats(0.2, 0.9),
    finer=st.integers(1, 3),
)
def test_penalty_below_the_gain_has_no_pure_equilibrium_and_cycles(n, b, ratio, finer):
    """Closed form 2: undercutting. N identical organizations, u = b v - L P, levels 0..1
    with step delta, "most violent" (ties split, floor 0), and L = ratio * b < b.

    If delta < L / (N b) there is no pure equilibrium:
    * everyone at 0: anyone gains b - L > 0 by jumping to 1;
    * a unique top at m < 1: it is designated anyway, so it gains b (1 - m) by going to 1;
    * a unique top at 1: the others, undesignated, sit at their best level below 1, i.e.
      1 - delta; the top then gains b (1 - 2 delta) - (b - L) = L - 2 b delta > 0 by
      undercutting them;
    * k >= 2 tied at the top m > 0: each pays L / k; stepping one level down gains
      L / k - b delta > 0.
    Sequential best responses live on the finite set of (profile, whose turn): without a
    pure equilibrium they cannot settle, so they revisit a state — an exact cycle (here the
    Edgeworth-like undercutting down the grid, then a jump back to the top).
    """
    L = ratio * b
    K = math.ceil(n * b / L) + 1 + finer  # delta = 1/(K-1) < L / (N b)
    lv = np.linspace(0.0, 1.0, K)
    assert lv[1] < L / (n * b)
    model = dt.TargetingModel(n_orgs=n, levels=lv, benefit=b, penalty=L)
    game = model.game()
    if game.n_profiles <= 200_000:
        res = dt.solve(game, method="pure")
        assert res.complete and len(res) == 0
    rep = dt.race_to_the_bottom(model, mixed="none", equilibria=False)
    assert rep.dynamics == "cycle"
    assert rep.verdict == "partial"
    assert rep.minimum_violence < rep.policy_violence < rep.baseline_violence == n
    # the cycle is made of strict best responses, one organization at a time
    cyc = [*list(rep.cycle), rep.cycle[0]]
    for a, nxt in itertools.pairwise(cyc):
        moved = [i for i in range(n) if a[i] != nxt[i]]
        assert len(moved) == 1
        i = moved[0]
        dev = game.deviation_payoffs(_pure(game, a))[i]
        # best-response tolerance 1e-9: payoffs like 2/3 are not exact in binary
        assert dev[nxt[i]] >= dev.max() - 1e-9
        assert dev[a[i]] < dev.max() - 1e-9


# ----------------------------------------------------------------------------- closed form 3
@pytest.mark.parametrize(
    ("n", "b", "L", "K"), [(2, 1.0, 1.0, 11), (4, 1.0, 2.0, 101), (6, 0.5, 3.0, 41)]
)
def test_logit_noise_past_which_uniform_maximal_violence_is_an_equilibrium(n, b, L, K):
    """Closed form 3: attribution noise that makes maximal violence stable.

    N identical organizations, u = b v - L P, levels 0..1 with step delta, logit
    attribution noise s (no floor): P_i = exp(S_i/s) / sum_j exp(S_j/s), S = v. At
    everyone-at-1, P_i = 1/N. If i deviates to v = 1 - w, its designation probability is
    P(w) = 1 / (1 + (N - 1) e^{w/s}), and the deviation does not pay iff

        b w >= L h(w),   h(w) = 1/N - P(w),   for every grid gap w = delta, 2 delta, ...

    P is a logistic in w evaluated left of its inflection point (N >= 2), hence convex, so
    h is concave with h(0) = 0: h(w)/w decreases, and the binding gap is the smallest,
    w = delta. Solving b delta = L h(delta) for s:

        s_delta = delta / ln[ (1 / (1/N - b delta / L) - 1) / (N - 1) ]

    (which needs delta < L / (N b)), and s_delta -> L (N - 1) / (b N^2) as delta -> 0
    (the first-order condition b = L P'(0) at w = 0). For s >= s_delta uniform maximal
    violence is an equilibrium; below, stepping down pays.
    """
    delta = 1.0 / (K - 1)
    assert delta < L / (n * b)
    s_delta = delta / math.log((1.0 / (1.0 / n - b * delta / L) - 1.0) / (n - 1))
    model = dt.TargetingModel(
        n_orgs=n,
        levels=np.linspace(0, 1, K),
        benefit=b,
        penalty=L,
        rule=dt.NoisyMostViolent(noise=1.0),
    )
    t = dt.equilibrium_noise(model)
    assert t.found
    assert t.value == pytest.approx(s_delta, rel=1e-9)
    top = model.maximum_profile()
    for s, is_eq in [(s_delta * (1 + 1e-6), True), (s_delta * (1 - 1e-6), False)]:
        g = dataclasses.replace(model, rule=dt.NoisyMostViolent(noise=s)).game()
        assert dt.is_equilibrium(g, _pure(g, top), tol=0.0) is is_eq
    # the continuum limit: s_delta = s* (1 + O(delta))
    if n <= 4:
        fine = dataclasses.replace(model, levels=np.linspace(0, 1, 5001))
        limit = L * (n - 1) / (b * n * n)
        assert dt.equilibrium_noise(fine).value == pytest.approx(limit, rel=2e-3)


# ----------------------------------------------------------------------------- verdicts
def test_the_four_verdicts():
    lv = np.linspace(0, 1, 11)
    strong = dt.TargetingModel(n_orgs=3, levels=lv, benefit=1.0, penalty=2.0)
    assert dt.race_to_the_bottom(strong, mixed="none").verdict == "full"
    weak = dataclasses.replace(strong, penalty=0.6)
    assert dt.race_to_the_bottom(weak, mixed="none").verdict == "partial"
    free = dataclasses.replace(strong, penalty=0.0)
    rep = dt.race_to_the_bottom(free, mixed="none")
    assert (rep.verdict, rep.dynamics) == ("none", "converged")
    # lifting the threat: the baseline is the designation rule, the "policy" is none
    lifted = dataclasses.replace(strong, rule=dt.NoTargeting(), baseline=dt.MostViolent())
    rep = dt.race_to_the_bottom(lifted, mixed="none")
    assert rep.verdict == "escalation"
    assert rep.baseline_violence == 0.0 and rep.policy_violence == 3.0


def test_graded_verdict_bands_and_nan_safe_share():
    """The grade refines a "partial" verdict by the share of reducible violence removed.

    Hand computation for the "strong" case: five organizations, benefit 1, levels 0..1, no
    targeting before (everyone at 1, total 5), then "designate the 4 most violent" (floor
    0). The fifth has penalty 0.01 < 1: it stays at 1 and is designated for sure. The other
    four have penalty 5: at any level above 0 one of them is among the four highest scores
    above the floor (there are only five) and is designated, losing 5 for a gain of at
    most 1, so each ends at 0. Policy violence 1, minimum 0: share (5 - 1) / 5 = 0.8, above
    the 0.75 band: "strong".
    """
    from deterrence.analysis.race import GRADE_BANDS, GRADES

    assert dt.GRADES == GRADES and {g for g, _ in GRADE_BANDS} <= set(GRADES)
    lv = np.linspace(0, 1, 11)
    five = dt.TargetingModel(
        n_orgs=5, levels=lv, benefit=1.0, penalty=[5.0, 5.0, 5.0, 5.0, 0.01], rule=dt.TopK(k=4)
    )
    rep = dt.race_to_the_bottom(five, mixed="none")
    assert (rep.verdict, rep.dynamics, rep.end) == ("partial", "converged", (0, 0, 0, 0, 10))
    assert rep.reduction_share == pytest.approx(0.8) and rep.grade == "strong"
    three = dt.TargetingModel(n_orgs=3, levels=lv, benefit=1.0, penalty=2.0)
    cases = {0.4: "weak", 0.6: "partial", 2.0: "full", 0.0: "none"}
    for pen, grade in cases.items():
        rep = dt.race_to_the_bottom(dataclasses.replace(three, penalty=pen), mixed="none")
        share = (rep.baseline_violence - rep.policy_violence) / (
            rep.baseline_violence - rep.minimum_violence
        )
        assert rep.grade == grade and rep.reduction_share == pytest.approx(share), pen
        assert (rep.grade == "full") == (rep.verdict == "full")
    # nothing reducible: the status quo is the minimum (1.0 if it stays there, else 0.0)
    rep = dt.race_to_the_bottom(three, start=(0, 0, 0), mixed="none")
    assert rep.baseline_violence == rep.minimum_violence
    assert (rep.reduction_share, rep.grade) == (1.0, "full")
    lifted = dataclasses.replace(three, rule=dt.NoTargeting(), baseline=dt.MostViolent())
    rep = dt.race_to_the_bottom(lifted, mixed="none")
    assert (rep.reduction_share, rep.grade) == (0.0, "escalation")
    d = json.loads(json.dumps(rep.to_dict()))
    assert d["grade"] == "escalation" and d["reduction_share"] == 0.0
    assert "GRADE: ESCALATION" in rep.summary() and "grade escalation" in rep._repr_html_()
    assert rep.to_dataframe().attrs["grade"] == "escalation"


def test_status_quo_by_a_declared_rule():
    """Benefit 0 and no targeting: every organization is indifferent, so all 3 x 3 pure
    profiles are baseline equilibria. The most violent is (2, 2), the least violent (0, 0),
    and sequential best responses from the minimum stay at (0, 0) ("stay" ties)."""
    m = dt.TargetingModel(n_orgs=2, levels=[0, 1, 2], benefit=0.0, penalty=1.0)
    expect = {"most_violent": (2, 2), "least_violent": (0, 0), "dynamics": (0, 0)}
    for rule, sq in expect.items():
        rep = dt.race_to_the_bottom(m, status_quo=rule, mixed="none")
        assert rep.status_quo == sq and rep.status_quo_rule == rule
        assert rep.baseline_multiplicity == 9
        assert f"status quo (rule {rule!r})" in rep.summary()
        assert rep.to_dict()["status_quo_rule"] == rule
    assert "most violent of the baseline's 9" in dt.race_to_the_bottom(m).status_quo_method
    assert dt.race_to_the_bottom(m).status_quo_rule == "most_violent"  # the default
    # not enumerated: the fallback is the dynamics, and the report says why
    rep = dt.race_to_the_bottom(m, equilibria=False)
    assert rep.status_quo == (0, 0) and rep.baseline_multiplicity is None
    assert "equilibria=False" in rep.status_quo_method
    rep = dt.race_to_the_bottom(m, start=(1, 2), mixed="none")
    assert rep.status_quo_rule == "start" and rep.status_quo == (1, 2)
    for kwargs in ({"status_quo": "start"}, {"status_quo": "dynamics", "start": (0, 0)}):
        with pytest.raises(dt.DeterrenceError, match="status_quo="):
            dt.race_to_the_bottom(m, **kwargs)
    with pytest.raises(dt.DeterrenceError, match="status_quo='median'"):
        dt.race_to_the_bottom(m, status_quo="median")


def test_too_large_baseline_is_reported_not_raised(monkeypatch):
    """The structured pure search refusing (GameTooLargeError) is a note, not a crash."""
    import deterrence.solvers.api as api

    real = api.solve

    def refusing(game, method="auto", **kw):
        if method == "pure" and kw.get("route") == "structured":
            raise dt.GameTooLargeError("the structured pure search gave up (test)")
        return real(game, method=method, **kw)

    monkeypatch.setattr(api, "solve", refusing)
    m = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 11), benefit=1.0, penalty=2.0)
    rep = dt.race_to_the_bottom(m, enumerate_limit=10, mixed="none")
    assert rep.baseline_equilibria is None and rep.policy_equilibria is None
    assert any("not enumerated" in n and "gave up (test)" in n for n in rep.notes)
    assert "could not be enumerated" in rep.status_quo_method
    assert rep.verdict == "full"
    # mixed="auto" skips the (slow) logit solver for many actions, and says so
    het = dataclasses.replace(m, levels=np.linspace(0, 1, 150), benefit=[1.0, 0.9, 0.8])
    from deterrence.analysis.race import AUTO_LOGIT_MAX_ACTIONS

    assert sum(het.game().shape) > AUTO_LOGIT_MAX_ACTIONS
    rep = dt.race_to_the_bottom(het, equilibria=True, enumerate_limit=10)
    assert rep.policy_mixed is None and any("skips the logit solver" in n for n in rep.notes)
    # under the table limit, the dense route still enumerates them
    rep = dt.race_to_the_bottom(m, mixed="none")
    assert rep.baseline_equilibria is not None and rep.baseline_multiplicity == 1


def test_symmetric_multiplicity_is_reported():
    """Two identical organizations, levels 0, 1, 2, u = v - 3 P under "most violent": both
    at 0 is a symmetric equilibrium, and so is q = (1/3, 0, 2/3). Check of the second: with
    the other at q, level 0 earns 0 (designated only if the other is also at 0 and the
    floor does not count ties at 0), level 2 earns 2 - 3 (q_0 + q_2 / 2) = 2 - 3 * 2/3 = 0,
    level 1 earns 1 - 3 q_0 = 0: every action earns 0, nobody gains by deviating."""
    from deterrence.analysis.race import symmetric_equilibria

    m = dt.TargetingModel(n_orgs=2, levels=[0, 1, 2], penalty=3.0)
    rep = dt.race_to_the_bottom(m, mixed="symmetric")
    assert "symmetric logit QRE path" in rep.mixed_selection
    assert rep.symmetric_search.startswith("2 distinct symmetric equilibria found from 4 starts")
    assert not rep.symmetric_unique
    qs = sorted(rep.symmetric_equilibria, key=lambda q: q[0])
    np.testing.assert_allclose(qs[0], [1 / 3, 0, 2 / 3], atol=1e-9)
    np.testing.assert_allclose(qs[1], [1, 0, 0], atol=1e-12)
    g = m.game()
    for q in qs:
        assert dt.regret(g, (q, q)) < 1e-9
    assert "multiplicity: 2 distinct" in rep.summary()
    assert rep.to_dict()["n_symmetric_equilibria"] == 2
    none = dt.race_to_the_bottom(m, mixed="symmetric", symmetric_starts=0)
    assert none.symmetric_search == "" and none.symmetric_equilibria == ()
    # a dominance-solvable game: uniqueness proven (prisoner's dilemma, defect dominates)
    pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    found = symmetric_equilibria(pd)
    assert found["proven_unique"] and "unique (proof" in found["text"]
    np.testing.assert_allclose(found["equilibria"][0], [0, 1])


def test_report_views_and_serialisation():
    model = dt.TargetingModel(
        n_orgs=3,
        levels=np.linspace(0, 1, 21),
        benefit=1.0,
        penalty=0.5,
        names=["A", "B", "C"],
        title="toy",
    )
    rep = dt.race_to_the_bottom(model, mixed="none")
    assert rep.dynamics == "cycle" and len(rep.cycle) > 2
    df = rep.to_dataframe()
    assert list(df["organization"]) == ["A", "B", "C"]
    assert {
        "baseline_level",
        "policy_level",
        "designation_probability",
        "penalty",
        "violence_gain",
    } <= set(df.columns)
    np.testing.assert_allclose(df["designation_probability"].sum(), rep.designations)
    assert rep.designations == pytest.approx(1.0)  # somebody is always the most violent
    d = json.loads(json.dumps(rep.to_dict()))
    assert d["verdict"] == "partial" and d["dynamics"] == "cycle"
    assert d["policy_equilibria"]["n_equilibria"] == 0
    text = rep.summary()
    assert "VERDICT: PARTIAL" in text and "CYCLE" in text and "toy" in text
    assert repr(rep).startswith("RaceReport(verdict='partial', dynamics='cycle'")
    assert "<b>Race to the bottom: partial</b>" in rep._repr_html_()
    assert rep.trajectory.shape[1] == 3 and not rep.trajectory.flags.writeable
    assert 0 < rep.violence_reduction < 1


def test_plot_returns_axes():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    model = dt.TargetingModel(n_orgs=2, levels=[0, 1, 2], penalty=3.0)
    ax = dt.race_to_the_bottom(model, mixed="none").plot()
    assert ax.get_xlabel() == "revision step"


def test_dynamics_are_deterministic_with_exact_cycle_detection():
    model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 21), benefit=1.0, penalty=0.5)
    game = model.game()
    a = _sequential_br(game, (20, 20, 20), max_iter=10_000, tol=1e-12)
    b = _sequential_br(game, (20, 20, 20), max_iter=10_000, tol=1e-12)
    assert a["outcome"] == "cycle" and a["states"] == b["states"]
    period = len(a["cycle_states"])
    assert period % 3 == 0  # a state includes whose turn it is
    # the state after the cycle is the state where it began
    assert a["states"][-1] == a["cycle_states"][0]
    short = _sequential_br(game, (20, 20, 20), max_iter=5, tol=1e-12)
    assert short["outcome"] == "max_iter"


def test_start_and_limits():
    model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 21), benefit=1.0, penalty=2.0)
    rep = dt.race_to_the_bottom(model, start=(3, 0, 0), mixed="none")
    assert rep.status_quo == (3, 0, 0) and rep.verdict == "full"
    rep = dt.race_to_the_bottom(
        dataclasses.replace(model, penalty=0.5), max_iter=7, mixed="none", equilibria=False
    )
    assert rep.dynamics == "max_iter" and any("max_iter" in n for n in rep.notes)
    big = dt.TargetingModel(n_orgs=30, levels=np.linspace(0, 1, 11), penalty=5.0)
    rep = dt.race_to_the_bottom(big, mixed="none")
    # 11^30 profiles: beyond any table, the structured search still enumerates them all
    assert rep.baseline_equilibria.complete and rep.verdict == "full"
    assert [e.pure_profile for e in rep.baseline_equilibria] == [(10,) * 30]
    assert any("structured" in n and "no table" in n for n in rep.notes)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mixed": "gambit"}, "mixed='gambit'"),
        ({"max_iter": 0}, "max_iter=0"),
        ({"baseline": "none"}, "baseline="),
        ({"start": (0, 0)}, "pure profile has 2 actions"),
    ],
)
def test_race_rejects_bad_options(kwargs, match):
    model = dt.TargetingModel(n_orgs=3, levels=[0, 1], penalty=2.0)
    with pytest.raises(dt.DeterrenceError, match=match):
        dt.race_to_the_bottom(model, **kwargs)
    with pytest.raises(dt.DeterrenceError, match="TargetingModel"):
        dt.race_to_the_bottom(model.game())


def test_other_rules_race():
    lv = np.linspace(0, 1, 6)
    base = {"n_orgs": 4, "levels": lv, "benefit": [1.0, 0.9, 0.8, 0.7], "penalty": 2.0}
    for rule in [
        dt.TopK(k=2),
        dt.Priority(order=(3, 2, 1, 0)),
        dt.NoisyMostViolent(noise=0.05, floor=0.0),
    ]:
        rep = dt.race_to_the_bottom(dt.TargetingModel(rule=rule, **base), mixed="none")
        assert rep.verdict == "full", rule
    # with noise, innocent designations happen even at the bottom: 1/(N + 1) each
    noisy = dt.race_to_the_bottom(
        dt.TargetingModel(rule=dt.NoisyMostViolent(noise=0.05, floor=0.0), **base), mixed="none"
    )
    assert noisy.designations == pytest.approx(4 / 5)
    # status-quo enforcement by size gives violence no disadvantage without a market
    prop = dt.race_to_the_bottom(dt.TargetingModel(rule=dt.Proportional(), **base), mixed="none")
    assert prop.verdict == "none"


@pytest.mark.skipif(
    importlib.util.find_spec("deterrence.solvers.logit") is None,
    reason="the logit solver has not landed",
)
def test_mixed_equilibrium_is_reported_with_its_regret():
    model = dt.TargetingModel(
        n_orgs=3, levels=[0.0, 0.5, 1.0], benefit=[1.0, 0.8, 0.9], penalty=[0.5, 0.4, 0.45]
    )
    rep = dt.race_to_the_bottom(model, mixed="logit")
    assert rep.policy_mixed is not None
    assert rep.policy_mixed.max_regret < 1e-8
    assert rep.mixed_violence is not None and rep.mixed_designations is not None
    eq = rep.policy_mixed[0]
    assert dt.regret(model.game(), eq.strategies) < 1e-8


# ----------------------------------------------------------------------------- thresholds
def test_critical_penalty_matches_the_closed_form():
    """Identical organizations, u = v - L P: all-minimum is an equilibrium iff L >= 1 (the
    gain of the top level), and the race is full just above it."""
    model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 11), benefit=1.0, penalty=1.0)
    eq = dt.equilibrium_penalty(model)
    assert eq.value == pytest.approx(1.0, abs=1e-10)
    t = dt.critical_penalty(model)
    assert t.found and t.monotone
    assert t.value == pytest.approx(1.0, abs=2e-3)
    lo, hi = t.bracket
    above = dataclasses.replace(model, penalty=hi)
    below = dataclasses.replace(model, penalty=lo)
    assert dt.race_to_the_bottom(above, mixed="none", equilibria=False).verdict == "full"
    assert dt.race_to_the_bottom(below, mixed="none", equilibria=False).verdict != "full"


def test_equilibrium_penalty_with_a_market_matches_a_direct_formula():
    lv = np.linspace(0, 1, 6)
    b = np.array([1.0, 0.5, 0.8])
    base = np.array([1.0, 2.0, 0.5])
    model = dt.TargetingModel(
        n_orgs=3,
        levels=lv,
        benefit=b,
        cost=0.2,
        penalty=[1.0, 2.0, 1.5],
        market=dt.Market(revenue=1.0, exponent=1.0, base=base),
    )
    want = 0.0
    for i in range(3):  # i deviates from all-minimum; designated for sure when v > 0
        for v in lv[1:]:
            share = (base[i] + v) / (base.sum() + v)
            gain = b[i] * v - 0.2 * v**2 + (share - base[i] / base.sum())
            want = max(want, gain / model.penalty[i])
    assert dt.equilibrium_penalty(model).value == pytest.approx(want, rel=1e-10)


def test_critical_noise_and_revenue():
    model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 5), penalty=3.0)
    t = dt.critical_noise(model)
    assert t.found and t.kind == "largest"
    lo, hi = t.bracket
    rule = lambda s: dt.NoisyMostViolent(noise=s, floor=0.0)  # noqa: E731
    ok = dt.race_to_the_bottom(dataclasses.replace(model, rule=rule(lo)), mixed="none")
    bad = dt.race_to_the_bottom(dataclasses.replace(model, rule=rule(hi)), mixed="none")
    assert ok.verdict == "full" and bad.verdict != "full"
    assert "largest logit noise" in t.describe()
    market = dataclasses.replace(model, penalty=2.0, market=dt.Market(revenue=1.0, base=0.5))
    r = dt.critical_revenue(market)
    assert r.found and r.value > 1.0
    with pytest.raises(dt.UnsupportedGameError):
        dt.critical_revenue(model)
    with pytest.raises(dt.UnsupportedGameError):
        dt.critical_noise(dataclasses.replace(model, rule=dt.TopK(k=1)))
    assert json.loads(json.dumps(t.to_dict()))["found"] is True


def test_threshold_not_found_is_reported():
    model = dt.TargetingModel(n_orgs=2, levels=[0.0, 1.0], penalty=1.0)
    t = dt.critical_penalty(model, bracket=(0.0, 0.5))
    assert not t.found and t.value is None and "no full race" in t.message
    t = dt.critical_penalty(model, bracket=(3.0, 4.0))
    assert not t.found and "already a full race" in t.message


def test_framing_gains_show_the_framer_benefits():
    m = dt.TargetingModel(n_orgs=2, levels=[0, 1, 2], penalty=3.0, framing=[[0, 0], [0.5, 0]])
    df = dt.framing_gains(m, mixed="none")
    assert df.loc[1, "payoff_gain"] > 0 > df.loc[0, "payoff_gain"]
    with pytest.raises(dt.DeterrenceError, match="framing"):
        dt.framing_gains(dataclasses.replace(m, framing=None))


@pytest.mark.parametrize("name", ["undercutting", "default", "dynamic_concentration"])
def test_race_dynamics_agree_with_the_dynamics_module(name):
    """The trajectory, end point and cycle that race_to_the_bottom reports are those of
    dt.best_response_dynamics(order="sequential", tie_breaking="stay") from the status quo,
    revision for revision."""
    model = dt.load_scenario(name)
    game = model.game()
    rep = dt.race_to_the_bottom(model, equilibria=False)
    res = dt.best_response_dynamics(
        game, rep.status_quo, order="sequential", max_iter=100_000, tie_breaking="stay", tol=1e-9
    )
    assert res.outcome == rep.dynamics
    assert tuple(res.end) == rep.end
    np.testing.assert_array_equal(res.trajectory, rep.trajectory[: len(res.trajectory)])
    if rep.dynamics == "cycle":
        assert set(res.cycle) == set(rep.cycle)


def test_per_revenue_score_divides_by_the_revenue_actually_paid():
    """Hand computation, 2 organizations, contest market R = 1, exponent 1, bases
    (0.5, 3), nominal revenues (10, 1), "most violent per dollar". At levels (2, 1) the
    Tullock weights are 0.5 + 2 = 2.5 and 3 + 1 = 4, so the market pays 2.5 / 6.5 = 0.385
    and 4 / 6.5 = 0.615. Violence per dollar actually paid: 2 / 0.385 = 5.2 against
    1 / 0.615 = 1.625, so organization 1 is the most violent per dollar and is designated.
    (Per nominal dollar it would be 2 / 10 = 0.2 against 1 / 1 = 1: organization 2.)"""
    m = dt.TargetingModel(
        n_orgs=2,
        levels=[0, 1, 2],
        revenue=[10.0, 1.0],
        market=dt.Market(revenue=1.0, exponent=1.0, base=[0.5, 3.0]),
        rule=dt.MostViolent(per_revenue=True),
    )
    des = m.game().designation_probabilities_pure([[2, 1]])
    np.testing.assert_allclose(des, [[1.0, 0.0]])
