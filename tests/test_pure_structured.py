"""Pure equilibria of targeting games through the structure (no table), against the table.

The structured search (deterrence/solvers/_pure_structured.py) must return exactly the set
the dense route returns (``route="dense"``: the table, screened exactly) on every model
whose table fits: random rules, markets, heterogeneous benefits and penalties, attribution
blocks, carrots, ties on purpose (levels shared between organizations, equal scores). Every
equilibrium it returns is also checked by its regret through the game's oracle.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import deterrence as dt
from deterrence.solvers._pure_structured import structured_pure_equilibria, structured_reason

RULES = [
    dt.NoTargeting(),
    dt.MostViolent(),
    dt.MostViolent(ties="lowest"),
    dt.MostViolent(ties="all"),
    dt.MostViolent(floor=0.3),
    dt.MostViolent(margin=0.25),
    dt.NoisyMostViolent(noise=0.3),
    dt.NoisyMostViolent(noise=0.5, kind="probit"),
    dt.NoisyMostViolent(noise=0.4, floor=0.2),
    dt.TopK(k=2),
    dt.Priority(order=(1, 0, 2, 3)),
    dt.Proportional(),
    dt.Proportional(basis="score"),
]


@st.composite
def models(draw):
    n = draw(st.integers(1, 4))
    k = draw(st.integers(2, 5))
    rule = draw(st.sampled_from(RULES))
    if isinstance(rule, dt.Priority):
        rule = dt.Priority(order=tuple(np.random.default_rng(n).permutation(n).tolist()))
    if isinstance(rule, dt.TopK) and rule.k > n:
        rule = dt.TopK(k=n)
    identical = draw(st.booleans())
    vals = st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0, 3.0])

    def per_org(strategy):
        return draw(strategy) if identical else [draw(strategy) for _ in range(n)]

    kw = {
        "n_orgs": n,
        "levels": np.linspace(0.0, 1.0, k),
        "benefit": per_org(vals),
        "cost": per_org(st.sampled_from([0.0, 0.5, 1.0])),
        "penalty": per_org(vals),
        "rule": rule,
    }
    if draw(st.booleans()):
        kw["market"] = dt.Market(
            revenue=draw(st.sampled_from([0.5, 2.0, 5.0])),
            exponent=draw(st.sampled_from([0.0, 0.5, 1.0])),
            base=draw(st.sampled_from([0.5, 1.0])),
        )
    if draw(st.booleans()) and rule.has_floor:
        kw["carrot"] = per_org(st.sampled_from([0.0, 0.5]))
    if n >= 2 and draw(st.booleans()):
        m = np.eye(n)
        if identical and draw(st.booleans()):  # symmetric confusion among everyone
            eps = 0.1
            m = np.full((n, n), eps / (n - 1))
            np.fill_diagonal(m, 1 - eps)
        else:
            m[0, 0], m[0, 1] = 0.8, 0.2
        kw["attribution"] = m
    return dt.TargetingModel(**kw)


def _dense_set(game, tol=0.0):
    return dt.pure_equilibria(game, tol=tol, route="dense")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=models(), tol=st.sampled_from([0.0, 0.0, 1e-6, 0.05]))
@example(model=dt.TargetingModel(n_orgs=3, levels=[0.0, 0.5, 1.0], penalty=0.5), tol=0.0)
@example(
    model=dt.TargetingModel(
        n_orgs=3,
        levels=[0.0, 1.0],
        penalty=[0.5, 2.0, 0.0],
        benefit=1.0,
        market=dt.Market(revenue=1.0),
    ),
    tol=0.0,
)
def test_structured_equals_dense(model, tol):
    game = model.game()
    assert structured_reason(game) is None
    found = structured_pure_equilibria(game, tol=tol)
    assert found is not None
    profiles, details = found
    assert profiles == _dense_set(game, tol), details
    res = dt.solve(game, method="pure", tol=tol)
    assert res.complete and [e.pure_profile for e in res] == profiles
    assert res.details["route"].startswith("structured")
    for eq in res:  # regrets through the oracle, independent of the search
        assert eq.regret <= tol + 1e-9
        assert dt.regret(game, eq.strategies) <= tol + 1e-9


def test_default_scenario_without_table():
    model = dt.load_scenario("default")
    game = model.game()
    res = dt.solve(game, method="pure")
    assert res.complete and res.details["route"] == "structured"
    assert res.details["profiles_evaluated"] < game.n_profiles / 2
    assert [e.pure_profile for e in res] == _dense_set(game)


def test_ten_identical_organizations_beyond_any_table():
    """2.6e10 profiles: the dense route refuses, the multiset search answers.

    Closed form: with ``L = 20``, ``b = 1`` and no cost, at any profile with a positive top
    score the ``m <= 10`` organizations tied at the top are each designated with
    probability ``1/m``; dropping to level 0 (not above the floor 0) gains
    ``L/m - b v >= 20/10 - 1 > 0``. So the only equilibrium is everyone at 0, where a
    deviation to ``v > 0`` earns ``v - 20 < 0``."""
    model = dt.TargetingModel(n_orgs=10, levels=np.linspace(0, 1, 11), penalty=20.0)
    game = model.game()
    assert game.n_profiles == 11**10
    with pytest.raises(dt.errors.GameTooLargeError):
        dt.pure_equilibria(game, route="dense")
    res = dt.solve(game, method="pure")
    assert res.complete and res.details["route"] == "structured-symmetric"
    assert [e.pure_profile for e in res] == [(0,) * 10]
    assert res.details["multisets_searched"] == math.comb(20, 10)
    assert res[0].regret == 0.0


def test_identical_organizations_permutations_listed():
    """Weak penalty, no cost: a 3-organization game whose equilibria are not all symmetric
    profiles; every permutation of an equilibrium multiset is listed (checked by table)."""
    model = dt.TargetingModel(
        n_orgs=3, levels=[0.0, 0.5, 1.0], penalty=1.2, market=dt.Market(revenue=1.0)
    )
    game = model.game()
    got = dt.pure_equilibria(game)
    assert got == _dense_set(game)
    assert set(got) == {tuple(p) for p in got}  # no duplicates
    for p in got:
        for q in {p[::-1], (p[1], p[2], p[0])}:
            assert q in got


def test_route_option_checked_and_reported():
    game = dt.TargetingModel(n_orgs=2, levels=[0.0, 1.0]).game()
    with pytest.raises(dt.DeterrenceError, match="route"):
        dt.solve(game, method="pure", route="fast")
    dense = dt.solve(game, method="pure", route="dense")
    assert dense.details["route"] == "dense"
    nfg = dt.NormalFormGame([[[1, 0], [0, 1]], [[1, 0], [0, 1]]])
    with pytest.raises(dt.DeterrenceError, match="structured"):
        dt.solve(nfg, method="pure", route="structured")
