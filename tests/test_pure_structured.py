"""Pure equilibria of targeting games through the structure (no table), against the table.

The structured search (deterrence/solvers/_pure_structured.py) must return exactly the set
the dense route returns (``route="dense"``: the table, screened exactly) on every model
whose table fits: random rules, markets, heterogeneous benefits and penalties, attribution
blocks, carrots, ties on purpose (levels shared between organizations, equal scores). Every
equilibrium it returns is also checked by its regret through the game's oracle. The
``monotone_form`` hook is exercised on user games that are not targeting games (a Cournot
market and a tournament), against their tables, and on malformed forms.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import deterrence as dt
import deterrence.solvers._pure_structured as ps
from deterrence.solvers._pure_structured import structured_pure_equilibria, structured_reason
from deterrence.solvers.pure import MonotoneForm

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


# ------------------------------------------------------------------ heterogeneous models
HETEROGENEOUS_RULES = [
    dt.MostViolent(),
    dt.MostViolent(ties="lowest"),
    dt.MostViolent(ties="all"),
    dt.MostViolent(floor=0.25),
    dt.MostViolent(floor=0.1, margin=0.2),
    dt.MostViolent(margin=0.3),
    dt.NoisyMostViolent(noise=0.2),
    dt.NoisyMostViolent(noise=0.3, kind="probit"),
    dt.NoisyMostViolent(noise=0.25, floor=0.3),
    dt.TopK(k=2),
    dt.TopK(k=2, floor=0.2),
    dt.Priority(order=(2, 0, 1)),
    dt.Proportional(),
    dt.Proportional(basis="score"),
    dt.NoTargeting(),
]


@st.composite
def heterogeneous_models(draw):
    """Every organization different (benefits, costs, penalties, market bases, grids),
    drawn from coarse value sets so that ties between organizations happen on purpose."""
    n = draw(st.integers(2, 5))
    k = draw(st.integers(2, 6 if n <= 4 else 4))
    rule = draw(st.sampled_from(HETEROGENEOUS_RULES))
    if isinstance(rule, dt.Priority):
        rule = dt.Priority(
            order=tuple(int(x) for x in np.roll(np.arange(n), draw(st.integers(0, n - 1))))
        )
    if isinstance(rule, dt.TopK) and rule.k >= n:
        rule = dataclasses.replace(rule, k=n - 1)
    coarse = st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0, 1.5, 3.0])
    top = [draw(st.sampled_from([0.5, 1.0, 2.0])) for _ in range(n)]
    kw = {
        "n_orgs": n,
        "levels": [np.linspace(0.0, t, k) for t in top],
        "benefit": [draw(coarse) for _ in range(n)],
        "cost": [draw(st.sampled_from([0.0, 0.2, 0.5, 1.0])) for _ in range(n)],
        "penalty": [draw(coarse) for _ in range(n)],
        "rule": rule,
    }
    if draw(st.booleans()):
        kw["market"] = dt.Market(
            revenue=draw(st.sampled_from([0.5, 2.0, 6.0])),
            exponent=draw(st.sampled_from([0.5, 1.0, 2.0])),
            base=tuple(draw(st.sampled_from([0.5, 1.0, 3.0])) for _ in range(n)),
        )
    if rule.has_floor and draw(st.booleans()):
        kw["carrot"] = [draw(st.sampled_from([0.0, 0.3, 1.0])) for _ in range(n)]
    shape = draw(st.sampled_from(["none", "pair", "triple"] if n >= 3 else ["none", "pair"]))
    if shape != "none":
        m = np.eye(n)
        m[0, 0], m[0, 1] = 0.7, 0.3
        m[1, 1], m[1, 0] = 0.9, 0.1
        if shape == "triple":
            m[2, 2], m[2, 0] = 0.8, 0.2
        kw["attribution"] = m
    return dt.TargetingModel(**kw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=heterogeneous_models(), tol=st.sampled_from([0.0, 0.0, 1e-9, 0.02]))
@example(  # Tullock market, most violent pays: three organizations, all different
    model=dt.TargetingModel(
        n_orgs=3,
        levels=np.linspace(0.0, 1.0, 6),
        benefit=[0.2, 0.5, 1.0],
        cost=[0.5, 0.2, 0.0],
        penalty=[3.0, 0.5, 1.0],
        market=dt.Market(revenue=2.0, exponent=1.0, base=(3.0, 1.0, 0.5)),
    ),
    tol=0.0,
)
def test_structured_equals_dense_heterogeneous(model, tol):
    game = model.game()
    found = structured_pure_equilibria(game, tol=tol)
    assert found is not None
    profiles, details = found
    assert profiles == _dense_set(game, tol), details
    for p in profiles:
        assert dt.regret(game, dt.games.pure_to_mixed(game, p)) <= tol + 1e-9


def test_mexico_2010_every_pure_equilibrium():
    """7 organizations x 161 levels (2.8e15 profiles): settled exactly, with no table.

    The only pure equilibrium is everybody at 0 (nobody above the floor 0, nobody
    designated). Its regret is checked through the oracle; completeness is cross-checked
    against the table on coarsened grids of the same scenario (every 40th and 32nd level),
    where the structured and dense routes must agree."""
    model = dt.load_scenario("mexico-2010")
    game = model.game()
    assert game.n_profiles == 161**7
    res = dt.solve(game, method="pure")
    assert res.complete and res.details["route"] == "structured"
    assert [e.pure_profile for e in res] == [(0,) * 7]
    assert res[0].regret == 0.0
    assert res.details["profiles_evaluated"] < 1e8
    for step in (40, 32):
        coarse = dataclasses.replace(model, levels=[g[::step] for g in model.levels])
        g = coarse.game()
        assert dt.pure_equilibria(g) == _dense_set(g)


def test_search_budget_refuses_cleanly(monkeypatch):
    monkeypatch.setattr(ps, "MAX_EVALUATIONS", 1000)
    game = dt.load_scenario("mexico-2010").game()
    with pytest.raises(dt.errors.GameTooLargeError, match="evaluated more than 1000"):
        dt.solve(game, method="pure")


# ------------------------------------------------------------------ the hook on user games
class Cournot(dt.Game):
    """Firms choose quantities ``q_i = grid[a_i]``; ``u_i = q_i (A - B sum_j q_j) - c_i q_i``.

    The price falls with every rival's quantity, so ``u_i`` is non-increasing in every
    other action (all of it ``dec``). Groups of firms (``groups``) may share a cost
    synergy ``s q_i q_j`` that is not monotone (``s`` of either sign) inside the group."""

    def __init__(self, costs, grid, groups=None, synergy=0.0):
        self.costs = np.asarray(costs, dtype=float)
        self.grid = np.asarray(grid, dtype=float)
        n = len(self.costs)
        self.groups = tuple(groups) if groups else tuple((i,) for i in range(n))
        self.synergy = synergy

    @property
    def shape(self):
        return (len(self.grid),) * len(self.costs)

    def _pay(self, prof):
        prof = np.asarray(prof, dtype=np.intp)
        q = self.grid[prof]
        price = 10.0 - q.sum(axis=1, keepdims=True)
        u = q * price - self.costs * q
        for g in self.groups:
            for i in g:
                for j in g:
                    if i != j:
                        u[:, i] += self.synergy * q[:, i] * q[:, j]
        return u

    def to_normal_form(self, **kw):
        grid = np.stack(np.meshgrid(*(range(k) for k in self.shape), indexing="ij"), -1)
        u = self._pay(grid.reshape(-1, len(self.shape)))
        return dt.NormalFormGame(u.T.reshape(len(self.shape), *self.shape))

    def _deviation_payoffs(self, profile):
        return self.to_normal_form().deviation_payoffs(profile)

    def monotone_form(self):
        def split(rows, i):
            u = self._pay(rows)[:, i]
            return u, np.zeros_like(u)

        return MonotoneForm(groups=self.groups, split=split, payoffs=self._pay, scale=100.0)


@pytest.mark.parametrize("seed", range(6))
def test_user_game_opts_in(seed):
    rng = np.random.default_rng(seed)
    n = 3 + seed % 2
    groups = [(0, 1), *[(i,) for i in range(2, n)]] if seed >= 3 else None
    game = Cournot(
        rng.choice([0.0, 1.0, 2.0], n),
        np.arange(0, 6) * 0.5,
        groups,
        synergy=rng.choice([-0.5, 0.4]),
    )
    assert structured_reason(game) is None
    res = dt.solve(game, method="pure")
    assert res.details["route"] == "structured"
    assert [e.pure_profile for e in res] == _dense_set(game.to_normal_form())
    assert len(res) > 0  # a Cournot game with a fine enough grid has pure equilibria


def test_hook_default_and_bad_forms():
    nfg = dt.NormalFormGame([[[1, 0], [0, 1]], [[1, 0], [0, 1]]])
    assert nfg.monotone_form() is None
    assert "monotone_form" in structured_reason(nfg)
    assert dt.solve(nfg, method="pure").details["route"] == "dense"

    class Bad(Cournot):
        def monotone_form(self):
            form = super().monotone_form()
            return dataclasses.replace(form, groups=((0,), (0, 1)))

    with pytest.raises(dt.errors.InvalidGameError, match="groups"):
        dt.solve(Bad([1.0, 1.0, 1.0], [0.0, 1.0]), method="pure")

    class NotAForm(Cournot):
        def monotone_form(self):
            return {"groups": ((0,), (1,))}

    with pytest.raises(dt.errors.InvalidGameError, match="MonotoneForm"):
        dt.solve(NotAForm([1.0, 1.0], [0.0, 1.0]), method="pure")


def test_share_gain_min_against_a_fine_grid():
    """The closed-form least contest gain over ``T in [t_lo, t_hi]`` against a fine grid of
    ``T`` (the grid can only find a larger minimum), for both signs of the weight."""
    rng = np.random.default_rng(5)
    xa, xb = rng.uniform(0.1, 5.0, 200), rng.uniform(0.1, 5.0, 200)
    t_lo = rng.uniform(0.0, 4.0, 200)
    t_hi = t_lo + rng.uniform(0.0, 6.0, 200)
    grid = t_lo[:, None] + (t_hi - t_lo)[:, None] * np.linspace(0.0, 1.0, 4001)[None, :]
    f = xb[:, None] / (xb[:, None] + grid) - xa[:, None] / (xa[:, None] + grid)
    for w in (1.7, -0.6):
        got = ps._share_gain_min(xa, xb, t_lo, t_hi, w)
        brute = (w * f).min(axis=1)
        assert np.all(got <= brute + 1e-12)
        assert np.allclose(got, brute, atol=1e-6)


def test_mexico_2010_no_targeting_baseline():
    """The race report's baseline (no targeting: a pure Tullock contest with quadratic
    costs, interior best replies): settled at the root by the contest bound, with one
    equilibrium, checked by its regret and against the table on coarsened grids."""
    model = dataclasses.replace(dt.load_scenario("mexico-2010"), rule=dt.NoTargeting())
    res = dt.solve(model.game(), method="pure")
    assert res.details["route"] == "structured" and len(res) == 1
    assert res[0].regret == 0.0 and min(res[0].pure_profile) > 0
    assert res.details["profiles_evaluated"] < 1e6
    for step in (40, 32):
        g = dataclasses.replace(model, levels=[v[::step] for v in model.levels]).game()
        assert dt.pure_equilibria(g) == _dense_set(g)


def test_bad_contest_form():
    class BadContest(Cournot):
        def monotone_form(self):
            form = super().monotone_form()
            x = tuple(np.array([1.0, 0.5]) for _ in range(2))  # decreasing weights
            return dataclasses.replace(form, contest=x, contest_weight=np.ones(2))

    with pytest.raises(dt.errors.InvalidGameError, match="contest"):
        dt.solve(BadContest([1.0, 1.0], [0.0, 1.0]), method="pure")
