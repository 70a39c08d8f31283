"""Adding a rule = one class + one kernel, in this file alone.

Two new rules are defined here, registered in the rule table
(:func:`deterrence.model.kernels.register_rule`), and every oracle of the targeting game
is checked against a brute-force dense table computed in this file from the rules'
definitions (never from the library's engines):

* ``LeastViolent``: designate the organization with the *lowest* score (ties split) — a
  counting rule whose "above" is "scores lower";
* ``RandomAboveFloor``: designate one organization uniformly at random among those whose
  score exceeds a floor (nobody when none does) — a counting rule where nobody is "above"
  and every live organization is "tied".
"""

from __future__ import annotations

import itertools
import math
import textwrap
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

import deterrence as dt
from deterrence.errors import DeterrenceError
from deterrence.games.base import Game
from deterrence.model import RULES, Rule
from deterrence.model._numerics import TIE_RTOL
from deterrence.model.kernels import CountingKernel, CountSpec, kernel_for, register_rule
from deterrence.scenario import scenario_from_dict


# ----------------------------------------------------------------------------- the new rules
@dataclass(frozen=True, kw_only=True)
class LeastViolent(Rule):
    """Designate the organization with the lowest score (ties split)."""

    kind_name: ClassVar[str] = "least_violent"
    uses_scores: ClassVar[bool] = True


class _LowerSpec(CountSpec):
    def classify(self, s, i, j, x):
        up = x < s - self.tol  # j outranks the column when it scores lower
        return up, (np.abs(x - s) <= self.tol) & ~up


class LeastViolentKernel(CountingKernel):
    def spec(self, game):
        return _LowerSpec("split", 1, -np.inf, game.tie_tol)


@dataclass(frozen=True, kw_only=True)
class RandomAboveFloor(Rule):
    """One organization at random among those scoring above ``floor``."""

    floor: float = 0.5
    kind_name: ClassVar[str] = "random_above_floor"
    uses_scores: ClassVar[bool] = True

    def __post_init__(self):
        if not isinstance(self.floor, int | float) or not math.isfinite(self.floor):
            raise DeterrenceError(f"floor={self.floor!r} is not valid; expected a number")


class _LiveSpec(CountSpec):
    def classify(self, s, i, j, x):
        live = np.broadcast_to(x > self.floor + self.tol, np.broadcast(s, x).shape)
        return np.zeros(live.shape, dtype=bool), live


class RandomAboveFloorKernel(CountingKernel):
    def spec(self, game):
        return _LiveSpec("split", 1, self.rule.floor, game.tie_tol)


register_rule(LeastViolent, LeastViolentKernel)
register_rule(RandomAboveFloor, RandomAboveFloorKernel)


# ----------------------------------------------------------------------------- brute force
def designated(rule, S, tol):
    """P(each organization designated) at one pure profile, by the rule's definition."""
    n = len(S)
    if isinstance(rule, LeastViolent):
        low = min(S)
        tied = [i for i in range(n) if S[i] <= low + tol]
        return [1.0 / len(tied) if i in tied else 0.0 for i in range(n)]
    live = [i for i in range(n) if S[i] > rule.floor + tol]
    return [1.0 / len(live) if i in live else 0.0 for i in range(n)]


def dense_table(model, tol):
    """``u[i][profile]`` = own_i(v_i) + R share_i - L_i P_i, profile by profile."""
    n = model.n_orgs
    shape = model.shape
    out = np.zeros((n, *shape))
    z = model.raw_scores()
    M = model.effective_attribution
    for prof in itertools.product(*map(range, shape)):
        v = [model.levels[i][a] for i, a in enumerate(prof)]
        S = [sum(M[k, j] * z[k][prof[k]] for k in range(n)) for j in range(n)]
        P = designated(model.rule, S, tol)
        X = [(0.5 + v[i]) ** 0.7 for i in range(n)]
        for i in range(n):
            own = model.benefit[i] * v[i] - model.cost[i] * v[i] ** 2
            out[(i, *prof)] = own + 2.0 * X[i] / sum(X) - model.penalty[i] * P[i]
    return out


def dense_dev(u, profile, i):
    """Deviation payoffs of player i from the dense table."""
    t = u[i]
    for k in reversed(range(len(profile))):
        if k != i:
            t = np.tensordot(t, profile[k], axes=([k], [0]))
    return t


def dense_pair(u, profile, i, j):
    t = u[i]
    for k in reversed(range(len(profile))):
        if k not in (i, j):
            t = np.tensordot(t, profile[k], axes=([k], [0]))
    return t if i < j else t.T


def make(rule, attribution=None, n=4, levels=None, symmetric=False):
    rng = np.random.default_rng(1)
    return dt.TargetingModel(
        n_orgs=n,
        levels=np.array([0.0, 0.4, 0.4 + 1e-13, 1.0]) if levels is None else levels,
        benefit=1.0 if symmetric else rng.uniform(0.5, 1.5, n),
        cost=0.2 if symmetric else rng.uniform(0.0, 0.4, n),
        penalty=1.5 if symmetric else rng.uniform(1.0, 2.0, n),
        metrics=None if symmetric else {"v": rng.uniform(0.5, 1.5, n)},
        market=dt.Market(revenue=2.0, exponent=0.7, base=0.5),
        rule=rule,
        attribution=attribution,
    )


NEW_RULES = [LeastViolent(), RandomAboveFloor(floor=0.3)]
ATTRIBUTION = {
    "independent": None,
    "misattribution": dt.model.confusion_matrix(4, 0.25, pairs=[(0, 2)]),
}


# ----------------------------------------------------------------------------- tests
def test_registered_in_the_rule_table():
    assert RULES["least_violent"] is LeastViolent
    assert isinstance(kernel_for(LeastViolent()), LeastViolentKernel)
    assert isinstance(kernel_for(RandomAboveFloor()), RandomAboveFloorKernel)


@pytest.mark.parametrize("rule", NEW_RULES, ids=lambda r: r.kind_name)
@pytest.mark.parametrize("attr", list(ATTRIBUTION))
def test_structured_oracle_equals_dense_brute_force(rule, attr):
    model = make(rule, ATTRIBUTION[attr])
    g = model.game()
    u = dense_table(model, g.tie_tol)
    np.testing.assert_allclose(g.to_normal_form().payoffs, u, atol=1e-12)
    rng = np.random.default_rng(4)
    n = model.n_orgs
    mixed = [rng.dirichlet(np.ones(k)) for k in g.shape]
    sparse = [q * (rng.random(len(q)) < 0.6) + np.eye(len(q))[0] * 1e-3 for q in mixed]
    sparse = [q / q.sum() for q in sparse]
    pure = [np.eye(k)[rng.integers(k)] for k in g.shape]
    tie = [np.eye(k)[1] for k in g.shape]  # everybody at 0.4: all tied
    for prof in (mixed, sparse, pure, tie):
        dev = g.deviation_payoffs(prof)
        for i in range(n):
            np.testing.assert_allclose(dev[i], dense_dev(u, prof, i), atol=1e-12)
        pairs = g._pair_payoffs_all(tuple(prof))
        for i in range(n):
            for j in range(n):
                if i != j:
                    np.testing.assert_allclose(pairs[i][j], dense_pair(u, prof, i, j), atol=1e-12)
        # who is designated, given i's level: P(j des | i = a)
        m = g.designation_matrix(prof)
        for i in range(n):
            want = np.zeros((g.shape[i], n))
            for p_ in itertools.product(*map(range, g.shape)):
                w = math.prod(prof[k][p_[k]] for k in range(n) if k != i)
                if w:
                    S = g.pure_scores(np.array([p_]))[0]
                    want[p_[i]] += w * np.asarray(designated(rule, list(S), g.tie_tol))
            np.testing.assert_allclose(m[i], want, atol=1e-12)


@pytest.mark.parametrize("rule", NEW_RULES, ids=lambda r: r.kind_name)
def test_symmetric_closed_forms(rule):
    """An anonymous registered counting rule gets the symmetric solver's closed forms."""
    g = make(rule, symmetric=True, n=4, levels=[0.0, 0.5, 1.0]).game()
    assert g.is_symmetric() and g._symmetric_forms is not None
    q = np.array([0.2, 0.5, 0.3])
    w = g.symmetric_payoffs(q)
    np.testing.assert_allclose(w, g._deviation_payoffs_for([q] * 4, [0])[0], atol=1e-13)
    pair = g.symmetric_pair_payoffs(q)
    cols = [g._deviation_payoffs_for([q, e, q, q], [0])[0] for e in np.eye(3)]
    np.testing.assert_allclose(pair, np.stack(cols, axis=1), atol=1e-13)
    res = dt.solve(g, method="symmetric")
    assert res[0].regret <= 1e-8
    assert Game._pair_payoffs_all is not None  # the generic fallback exists for other rules


def test_scenario_loader_reads_a_registered_rule():
    text = textwrap.dedent("""
        [levels]
        min = 0
        max = 1
        num = 3
        [rule]
        type = "random_above_floor"
        floor = 0.25
        [[organizations]]
        name = "A"
        penalty = 1.0
        [[organizations]]
        name = "B"
        penalty = 1.0
    """)
    import tomllib

    model = scenario_from_dict(tomllib.loads(text))
    assert model.rule == RandomAboveFloor(floor=0.25)
    with pytest.raises(DeterrenceError, match="rule: floor='x' is not valid"):
        scenario_from_dict(tomllib.loads(text.replace("floor = 0.25", 'floor = "x"')))


def test_tie_tolerance_is_the_shared_one():
    g = make(LeastViolent()).game()
    assert g.tie_tol == TIE_RTOL * max(
        1.0,
        float(
            np.max(
                np.abs(
                    np.array([z.max() for z in g.model.raw_scores()])
                    @ g.model.effective_attribution
                )
            )
        ),
    )
