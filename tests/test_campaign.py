"""The campaign as a stochastic game: closed forms, the designated state, stop rules,
simulation (seeded, serial == parallel), independent regret checks, bad input."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import networkx as nx
import numpy as np
import pytest

import deterrence as dt
from deterrence.model.campaign import (
    _brute_designation,
    designation_distribution,
    stop_rule_gain,
    tournament_values,
    two_org_campaign,
)


def two_orgs(b=1.0, R=10.0, rule=None, **kw):
    return dt.TargetingModel(
        n_orgs=2,
        levels=[0.0, 1.0],
        benefit=b,
        market=dt.Market(revenue=R, shares=[0.5, 0.5]),
        rule=dt.MostViolent() if rule is None else rule,
        **kw,
    )


def independent_regret(camp, strategies, values):
    """One-shot deviation gains by brute force over pure profiles of each state, from the
    survivors' pure payoffs and the rule's designation at each pure profile (not through
    the campaign's deviation oracle)."""
    worst = 0.0
    for s in range(camp.n_states):
        stage = camp.stage(s)
        sub = stage.sub
        active = stage.active
        T, stay, dependent = camp._outcomes(s)
        prof = [np.asarray(strategies[s][i]) for i in active]
        shape = sub.shape
        for k, i in enumerate(active):
            q = np.zeros(shape[k])
            for a in itertools.product(*[range(m) for m in shape]):
                w = np.prod([prof[m][a[m]] for m in range(len(shape)) if m != k])
                if w == 0:
                    continue
                comp = sub.pure_components(np.array([a]))
                pay = comp["payoff"][0, k]
                if dependent:
                    des = comp["designation"][0]
                    law = des @ T + (1 - des.sum()) * stay
                else:
                    law = T[0] if T.shape[0] == 1 else stay
                q[a[k]] += w * (pay + camp.discount[i] * law @ values[:, i])
            worst = max(worst, float(q.max() - prof[k] @ q))
    return worst


# ----------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize(
    ("b", "p", "d", "restraint"),
    [(1.0, 0.5, 0.9, True), (1.0, 0.01, 0.5, False), (3.0, 0.2, 0.6, False), (0.5, 0.1, 0.9, True)],
)
def test_two_org_franchise_and_critical_penalty(b, p, d, restraint):
    R = 10.0
    cf = two_org_campaign(revenue=R, benefit=b, destroy=p, discount=d)
    assert bool(cf["restraint_is_equilibrium"]) == restraint
    camp = dt.Campaign(two_orgs(b, R), destroy=p, discount=d)
    res = dt.solve_stochastic(camp)
    assert res.converged
    assert independent_regret(camp, res.strategies, res.values) < 1e-9
    # the monopoly values
    assert res.values[1, 0] == pytest.approx(cf["monopoly"], rel=1e-12)
    if restraint:
        assert [int(q.argmax()) for q in res.strategies[0]] == [0, 0]
        assert res.values[0, 0] == pytest.approx(cf["franchise"], rel=1e-12)
        # implied penalty d p F beats the critical fixed penalty b
        assert cf["implied_penalty"] >= cf["critical_penalty"]
    else:
        assert cf["violence_is_equilibrium"]
        assert [int(q.argmax()) for q in res.strategies[0]] == [1, 1]
        assert res.values[0, 0] == pytest.approx(cf["violent_value"], rel=1e-12)


def test_critical_destruction_probability_is_the_switch():
    R, b, d = 10.0, 1.0, 0.8
    cf = two_org_campaign(revenue=R, benefit=b, destroy=0.5, discount=d)
    p_star = cf["critical_destroy"]
    assert p_star == pytest.approx(b / (d * R / 2 / (1 - d)))
    for p, restrain in ((p_star * 1.05, True), (p_star * 0.95, False)):
        res = dt.solve_campaign(dt.Campaign(two_orgs(b, R), destroy=p, discount=d))
        prof = [tuple(np.eye(2)[0]), tuple(np.eye(2)[0])]
        camp = dt.Campaign(two_orgs(b, R), destroy=p, discount=d)
        strat = [prof] + [list(res.strategies[s]) for s in range(1, camp.n_states)]
        reg = dt.stochastic_regret(camp, strat)
        assert (reg <= 1e-12) == restrain


def test_fixed_penalty_is_the_repeated_one_shot_game():
    m = two_orgs(1.0, 10.0, penalty=0.5)  # L < b: the one-shot fine does not deter
    camp = dt.Campaign(m, penalty="fixed", destroy=1.0, discount=0.9)
    res = dt.solve_stochastic(camp)
    assert [int(q.argmax()) for q in res.strategies[0]] == [1, 1]
    # nobody is ever destroyed: state 0 loops; value = one-shot payoff / (1 - d)
    assert camp.successors(0) == (0,)
    one_shot = 5.0 + 1.0 - 0.5 * 0.5
    assert res.values[0, 0] == pytest.approx(one_shot / 0.1)


@pytest.mark.parametrize(("n", "b", "d"), [(3, 0.2, 0.7), (4, 0.1, 0.9), (3, 5.0, 0.5)])
def test_elimination_tournament(n, b, d):
    R = 6.0
    m = dt.TargetingModel(
        n_orgs=n,
        levels=[0.0, 1.0],
        benefit=b,
        market=dt.Market(revenue=R, shares=[1 / n] * n),
        rule=dt.MostViolent(floor=-1.0),
    )
    camp = dt.Campaign(m, destroy=1.0, discount=d)
    res = dt.solve_campaign(camp)
    assert res.converged
    assert independent_regret(camp, res.strategies, res.values) < 1e-9
    V = tournament_values(n, revenue=R, benefit=b, discount=d)
    for s in range(camp.n_states):
        k = len(camp.state_info(s)["active"])
        i = camp.state_info(s)["active"][0]
        restrain = all(b <= d * (j - 1) / j * V[j - 2] for j in range(2, k + 1))
        if restrain:
            assert res.values[s, i] == pytest.approx(V[k - 1], rel=1e-12)
    # the stage game of the full state is the one-shot game with penalty d V_{n-1}
    if b <= d * (n - 1) / n * V[n - 2]:
        one_shot = dt.TargetingModel(
            n_orgs=n,
            levels=[0.0, 1.0],
            benefit=b,
            market=dt.Market(revenue=R, shares=[1 / n] * n),
            rule=dt.MostViolent(floor=-1.0),
            penalty=d * V[n - 2],
        ).game()
        prof = list(res.strategies[0])
        assert dt.regret(one_shot, prof) <= 1e-12


def three_orgs(b=1.0, R=9.0, rule=None):
    return dt.TargetingModel(
        n_orgs=3,
        levels=[0.0, 1.0],
        benefit=b,
        market=dt.Market(revenue=R, shares=[1 / 3] * 3),
        rule=dt.MostViolent() if rule is None else rule,
    )


def test_relative_stop_rule_lets_uniform_violence_stand_floor_breaks_it():
    b, p, d = 1.0, 0.5, 0.9
    high = [np.array([0.0, 1.0])] * 3
    # purely relative: margin > 0, no absolute floor below the scores
    rel = dt.Campaign(
        three_orgs(b, rule=dt.MostViolent(floor=-1.0)),
        destroy=p,
        discount=d,
        stop=dt.Stop(margin=0.5),
    )
    res_rel = dt.solve_campaign(rel)
    assert res_rel.converged
    strat = [high] + [list(res_rel.strategies[s]) for s in range(1, rel.n_states)]
    assert dt.stochastic_regret(rel, strat) == pytest.approx(0.0, abs=1e-12)
    # and lowering violence costs exactly b: the closed form's gain -b
    Q = rel.deviation_values(0, high, res_rel.values)
    assert float(Q[0][0] - Q[0][1]) == pytest.approx(
        stop_rule_gain(n=3, benefit=b, destroy=p, discount=d, next_value=0.0, rule="margin")
    )
    # absolute floor (no margin): uniform violence is broken, restraint follows
    ab = dt.Campaign(three_orgs(b), destroy=p, discount=d, stop=dt.Stop(floor=0.5))
    res_ab = dt.solve_campaign(ab)
    assert res_ab.converged
    assert [int(q.argmax()) for q in res_ab.strategies[0]] == [0, 0, 0]
    strat = [high] + [list(res_ab.strategies[s]) for s in range(1, ab.n_states)]
    pair = next(s for s in range(ab.n_states) if ab.state_info(s)["active"] == (0, 1))
    X = float(res_ab.values[pair, 0])
    gain = stop_rule_gain(n=3, benefit=b, destroy=p, discount=d, next_value=X, rule="floor")
    assert gain > 0
    assert dt.stochastic_regret(ab, strat) == pytest.approx(gain, rel=1e-12)


# ----------------------------------------------------------------------------- designated state
def test_designated_group_amps_up_its_violence():
    m = dt.TargetingModel(
        n_orgs=3,
        levels=np.linspace(0, 1, 5),
        benefit=1.0,
        cost=0.6,
        market=dt.Market(revenue=6.0, shares=[1 / 3] * 3),
    )
    camp = dt.Campaign(m, destroy=0.3, discount=0.9, designated_state=True)
    res = dt.solve_campaign(camp)
    assert res.converged
    assert independent_regret(camp, res.strategies, res.values) < 1e-9
    # myopic best response: max v - 0.6 v^2 on the grid -> v = 0.75 (index 3)
    myopic = int(np.argmax(m.own_payoffs()[0]))
    assert myopic == 3
    assert [int(q.argmax()) for q in res.strategies[0]] == [0, 0, 0]
    flagged = [s for s in range(camp.n_states) if camp.state_info(s)["flag"] >= 0]
    assert flagged
    for s in flagged:
        f = camp.state_info(s)["flag"]
        assert int(res.strategies[s][f].argmax()) == myopic
        # the hazard is independent of the actions: the continuation game is flat
        T = camp.deviation_transitions(s, res.strategies[s])
        assert np.allclose(T[f], T[f][0])


def test_large_groups_take_longer():
    m = dt.TargetingModel(n_orgs=3, levels=[0.0, 1.0], revenue=[4.0, 1.0, 1.0])
    camp = dt.Campaign(m, destroy=0.5, size_elasticity=1.0)
    p = camp.destruction_probability(0)
    # relative sizes 3 * [4, 1, 1] / 6 = [2, 0.5, 0.5]
    assert p.tolist() == pytest.approx([0.25, 1.0, 1.0])


def test_round_limit_adds_a_counter_and_ends_designation():
    camp = dt.Campaign(two_orgs(1.0, 10.0), destroy=0.1, discount=0.9, stop=dt.Stop(rounds=2))
    res = dt.solve_campaign(camp)
    assert res.converged
    last = [s for s in range(camp.n_states) if camp.state_info(s)["round"] == 2]
    assert all(not camp.state_info(s)["targeting"] for s in last)
    # in the last round nothing deters: both violent
    s_full_last = next(s for s in last if len(camp.state_info(s)["active"]) == 2)
    assert [int(q.argmax()) for q in res.strategies[s_full_last]] == [1, 1]


def test_entry_splinters_and_generic_solver_agree():
    m = dt.TargetingModel(
        n_orgs=2,
        levels=[0.0, 0.5, 1.0],
        benefit=1.0,
        market=dt.Market(revenue=4.0, shares=[0.5, 0.5]),
    )
    camp = dt.Campaign(m, destroy=0.4, discount=0.8, entry=dt.Entry(probability=0.5, break_in=0.5))
    assert camp.n_players == 4 and camp.player_names[2] == "org1'"
    res = dt.solve_campaign(camp)
    gen = dt.solve_stochastic(camp)
    assert res.converged and gen.converged
    assert independent_regret(camp, res.strategies, res.values) < 1e-9
    # a splinter's lowest level is the break-in violence
    s = next(s for s in range(camp.n_states) if 2 in camp.state_info(s)["active"])
    k = camp.state_info(s)["active"].index(2)
    assert camp.stage(s).sub.model.levels[k].tolist() == [0.5, 1.0]
    # transitions out of the full state after org1's destruction: splinter w.p. q
    T, _, _ = camp._outcomes(0)
    nxt = np.flatnonzero(T[0] > 0)
    assert sorted(T[0][nxt].round(12).tolist()) == [0.2, 0.2, 0.6]


def test_pure_designation_matches_brute_force():
    m = dt.TargetingModel(
        n_orgs=3, levels=[[0, 1, 2], [0, 1.5], [0, 1, 2]], rule=dt.MostViolent(floor=0.5)
    )
    g = m.game()
    for a in itertools.product(range(3), range(2), range(3)):
        prof = [np.eye(k)[x] for k, x in zip(g.shape, a, strict=True)]
        fast = designation_distribution(g, prof)
        slow = _brute_designation(g, prof)
        for x, y in zip(fast, slow, strict=True):
            np.testing.assert_allclose(x, y, atol=1e-14)


def test_dense_cross_check_through_the_stage_table():
    m = dt.TargetingModel(
        n_orgs=3,
        levels=[0.0, 0.5, 1.0],
        benefit=0.8,
        cost=0.2,
        market=dt.Market(revenue=3.0, exponent=1.0, base=1.0),
    )
    camp = dt.Campaign(m, destroy=0.5, discount=0.85)
    table = camp.stage(0).to_normal_form()
    prof = [np.array([0.2, 0.3, 0.5])] * 3
    for x, y in zip(
        table.deviation_payoffs(prof), camp.stage(0).deviation_payoffs(prof), strict=True
    ):
        np.testing.assert_allclose(x, y, atol=1e-12)
    # an absent player has one action and payoff 0
    s = next(s for s in range(camp.n_states) if len(camp.state_info(s)["active"]) == 2)
    assert 1 in camp.stage(s).shape
    res = dt.solve_campaign(camp)
    assert independent_regret(camp, res.strategies, res.values) < 1e-9


# ----------------------------------------------------------------------------- simulation
def small_campaign():
    m = dt.TargetingModel(
        n_orgs=3,
        levels=[0.0, 0.5, 1.0],
        benefit=1.0,
        rule=dt.NoisyMostViolent(noise=0.3),
        market=dt.Market(revenue=3.0, shares=[1 / 3] * 3),
        revenue=[1, 1, 1],
    )
    terr = dt.Territory(graph=nx.path_graph(["org1", "org2", "org3"]), cost=0.5)
    return dt.Campaign(m, destroy=0.5, discount=0.8, territory=terr)


def test_run_campaign_is_reproducible_and_parallel_equals_serial():
    camp = small_campaign()
    a = dt.run_campaign(camp, rounds=5, runs=8, rng=7, progress=False)
    b = dt.run_campaign(camp, rounds=5, runs=8, rng=7, progress=False)
    with ThreadPoolExecutor(max_workers=2) as ex:
        c = dt.run_campaign(camp, rounds=5, runs=8, rng=7, progress=False, executor=ex)
    da, db, dc = a.to_dataframe(), b.to_dataframe(), c.to_dataframe()
    assert da.equals(db) and da.equals(dc)
    assert set(da.groupby(["run", "round"]).size()) == {3}
    # violence and destruction bookkeeping
    s = a.summary()
    assert (s["destructions"] <= s["designations"] + 1e-12).all()
    assert s["survivors"].iloc[0] == 3
    # the vacuum: every destruction of org2 (two neighbours) adds R(n-1)/(n c) = 1
    d2 = da[(da.organization == "org2") & da.destroyed]
    for _, row in d2.iterrows():
        vac = da[(da.run == row.run) & (da["round"] == row["round"])]["vacuum"].sum()
        assert vac == pytest.approx(1.0 * (2 - 1) / (2 * 0.5)) or vac == 0.0
    assert "CampaignResult" in repr(a) and "<table" in a._repr_html_()


def test_run_campaign_dynamics_policy_and_plot():
    import matplotlib

    matplotlib.use("Agg")
    camp = small_campaign()
    out = dt.run_campaign(camp, rounds=4, runs=3, rng=0, progress=False, policy="dynamics")
    df = out.to_dataframe()
    # round 0 from the top level: best responses to everyone at the top
    assert set(df["round"]) == {0, 1, 2, 3}
    ax = out.plot()
    assert ax.get_xlabel() == "round"


def test_shipped_scenario_is_reproducible_by_seed():
    model = dt.load_scenario("default")
    camp = dt.Campaign(dataclass_small(model), destroy=0.5, discount=0.8)
    a = dt.run_campaign(camp, rounds=3, runs=2, rng=11, progress=False)
    b = dt.run_campaign(camp, rounds=3, runs=2, rng=11, progress=False, solution=a.solution)
    assert a.to_dataframe().equals(b.to_dataframe())


def dataclass_small(model):
    """The shipped scenario on a coarse 3-level grid (keeps the test fast)."""
    import dataclasses

    return dataclasses.replace(model, levels=np.array([0.0, 5.0, 10.0]))


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"destroy": 1.5}, "destroy"),
        ({"destroy": [0.5]}, "destroy"),
        ({"discount": 1.0}, "discount"),
        ({"discount": -0.1}, "discount"),
        ({"penalty": "death"}, "penalty"),
        ({"stop": {"margin": 1}}, "stop"),
        ({"supply": "graph"}, "supply"),
        ({"entry": 0.5}, "entry"),
        ({"size_elasticity": -1}, "size_elasticity"),
        ({"bogus": 1}, "unknown option"),
        ({"designated_state": "yes"}, "designated_state"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(dt.DeterrenceError, match=match):
        dt.Campaign(two_orgs(), **kwargs)


def test_bad_input_rules_and_graphs():
    with pytest.raises(dt.DeterrenceError, match="designates 2"):
        dt.Campaign(dt.TargetingModel(n_orgs=3, levels=[0, 1], rule=dt.TopK(k=2)))
    with pytest.raises(dt.DeterrenceError, match=r"stop\.margin"):
        dt.Campaign(
            dt.TargetingModel(n_orgs=2, levels=[0, 1], rule=dt.NoisyMostViolent(noise=1.0)),
            stop=dt.Stop(margin=1.0),
        )
    g = nx.DiGraph()
    g.add_edge("Nowhere", "LA", volume=1.0)
    with pytest.raises(dt.DeterrenceError, match="unknown organization"):
        dt.Campaign(two_orgs(), supply=dt.SupplyNetwork(graph=g))
    with pytest.raises(dt.DeterrenceError, match="unknown organization"):
        dt.Campaign(two_orgs(), territory=dt.Territory(graph=nx.path_graph(["org1", "X"])))
    with pytest.raises(dt.DeterrenceError, match="rounds"):
        dt.run_campaign(dt.Campaign(two_orgs()), rounds=0, runs=1)
    with pytest.raises(dt.DeterrenceError, match="policy"):
        dt.run_campaign(dt.Campaign(two_orgs()), rounds=1, runs=1, policy="chaos")
    with pytest.raises(dt.DeterrenceError, match="rng"):
        dt.run_campaign(dt.Campaign(two_orgs()), rounds=1, runs=1, rng="seed")
    with pytest.raises(dt.DeterrenceError, match="executor"):
        dt.run_campaign(dt.Campaign(two_orgs()), rounds=1, runs=1, executor=3, progress=False)
