"""Game.pure_payoff_rows: one player's payoff rows at pure profiles (the dynamics' hook).

The generic hook reads the deviation oracle at the one-hot profile; the targeting game
evaluates the deviation profiles with its pure-profile formulas, the numbers its dense
table is built from, so best-response dynamics on the structured game and on its table
take exactly the same steps (ties included).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import deterrence as dt
from deterrence.dynamics._engine import OracleRows, row_provider
from deterrence.errors import DeterrenceError, InvalidProfileError


def _small_models():
    """Small targeting models over the rules and features the pure formulas read: the
    most-violent rule with each tie rule, floors and carrots, a margin, top-k, a priority
    list, noisy attribution (logit and probit), size-proportional enforcement, no
    targeting; a Tullock market and fixed shares; misattribution and false flags; exact
    ties (identical organizations, tie_rtol=0)."""
    rng = np.random.default_rng(7)
    rules = [
        dt.MostViolent(),
        dt.MostViolent(ties="lowest"),
        dt.MostViolent(ties="all", floor=0.5),
        dt.MostViolent(margin=0.3),
        dt.TopK(k=2),
        dt.Priority(order=(2, 0, 1)),
        dt.NoisyMostViolent(noise=0.4),
        dt.NoisyMostViolent(noise=0.4, kind="probit"),
        dt.NoTargeting(),
    ]
    out = []
    for k, rule in enumerate(rules):
        n = 3
        kw = {
            "n_orgs": n,
            "levels": np.linspace(0.0, 1.0, 4 + k % 2),
            "benefit": rng.uniform(0.2, 1.5, n).round(2),
            "cost": rng.uniform(0.0, 0.5, n).round(2),
            "penalty": rng.uniform(0.5, 3.0, n).round(2),
            "rule": rule,
        }
        if k % 3 == 0:
            kw["market"] = dt.Market(revenue=3.0, exponent=0.5, base=(1.0, 2.0, 0.5))
        elif k % 3 == 1:
            kw["market"] = dt.Market(revenue=2.0, shares=(0.5, 0.3, 0.2))
        if k % 4 == 2:
            kw["carrot"] = 0.4
        if k % 4 == 1 and not isinstance(rule, dt.NoTargeting):
            f = np.zeros((n, n))
            f[0, 2] = 0.4
            kw["framing"] = f
        out.append(dt.TargetingModel(**kw))
    # identical organizations: exact ties everywhere, at the default and at zero tolerance
    for tie_rtol in (1e-9, 0.0):
        out.append(
            dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 4), penalty=1.5, tie_rtol=tie_rtol)
        )
    # all-to-all misattribution (the common-shift route of the mixed oracle)
    a = np.full((3, 3), 0.1)
    np.fill_diagonal(a, 0.8)
    out.append(dt.TargetingModel(n_orgs=3, levels=[0.0, 0.5, 1.0], penalty=2.0, attribution=a))
    return out


MODELS = _small_models()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.rule.describe()[:30])
def test_structured_rows_are_the_dense_tables_rows_bitwise(model):
    game = model.game()
    table = game.to_normal_form().payoffs
    profiles = np.array(list(itertools.product(*[range(k) for k in game.shape])))
    for i in range(game.n_players):
        rows = game.pure_payoff_rows(i, profiles)
        assert rows.shape == (len(profiles), game.shape[i])
        ref = np.stack([table[(i, *p[:i], slice(None), *p[i + 1 :])] for p in profiles.tolist()])
        assert np.array_equal(rows, ref)
        # the mixed oracle at the one-hot profile agrees to rounding
        oracle = Generic(game).pure_payoff_rows(i, profiles[:20])
        np.testing.assert_allclose(rows[:20], oracle, rtol=0, atol=1e-11)


class Generic(dt.Game):
    """Any game seen through its deviation oracle only (the generic hooks)."""

    def __init__(self, inner: dt.Game) -> None:
        self.inner = inner

    @property
    def shape(self):
        return self.inner.shape

    def _deviation_payoffs(self, profile):
        return self.inner._deviation_payoffs(profile)


def test_generic_hook_reads_the_oracle_at_the_one_hot_profile():
    rng = np.random.default_rng(3)
    dense = dt.NormalFormGame(rng.normal(size=(3, 2, 3, 4)))
    g = Generic(dense)
    profiles = np.array(list(itertools.product(range(2), range(3), range(4))))
    for i in range(3):
        rows = g.pure_payoff_rows(i, profiles)
        for p, row in zip(profiles.tolist(), rows, strict=True):
            idx = [*p]
            idx[i] = slice(None)
            np.testing.assert_array_equal(row, dense.payoffs[(i, *idx)])
    # one profile as a 1-D array; the player's own entry is ignored
    np.testing.assert_array_equal(
        g.pure_payoff_rows(1, [1, 0, 3]), g.pure_payoff_rows(1, [1, 2, 3])
    )
    assert g.pure_payoff_rows(2, np.zeros((0, 3), dtype=int)).shape == (0, 4)


def test_resetting_the_hook_restores_the_generic_default():
    class Plain(type(MODELS[0].game())):
        _pure_payoff_rows = None

    model = MODELS[0]
    fast = model.game()
    plain = Plain(model)
    assert type(plain)._pure_payoff_rows is dt.Game._pure_payoff_rows
    profiles = np.array([[0, 1, 2], [3, 3, 0], [1, 1, 1]])
    for i in range(3):
        np.testing.assert_allclose(
            fast.pure_payoff_rows(i, profiles), plain.pure_payoff_rows(i, profiles), atol=1e-11
        )


@pytest.mark.parametrize(
    ("i", "profiles", "match"),
    [
        (3, [[0, 0, 0]], "i=3 is not a player"),
        (True, [[0, 0, 0]], "is not a player"),
        (0, [[0, 0]], r"expected integer action indices of shape \(m, 3\)"),
        (0, [[0.0, 1.0, 0.0]], "dtype float64"),
        (0, [[0, 9, 0]], r"profiles\[0, 1\]=9 is out of range"),
        (0, [[0, -1, 0]], "out of range"),
    ],
)
def test_bad_input_is_refused_before_any_work(i, profiles, match):
    game = MODELS[0].game()
    with pytest.raises(InvalidProfileError, match=match) as info:
        game.pure_payoff_rows(i, profiles)
    assert isinstance(info.value, DeterrenceError)


def test_oracle_rows_fetch_each_row_once_per_other_players_actions():
    game = MODELS[0].game()
    calls = []

    class Counting(type(game)):
        def _pure_payoff_rows(self, i, profiles):
            calls.append((i, len(profiles)))
            return super()._pure_payoff_rows(i, profiles)

    rows = OracleRows(Counting(MODELS[0]))
    a = rows.rows(0, np.array([[0, 1, 2], [3, 1, 2], [1, 0, 0]]))
    # rows 0 and 1 differ only in player 0's own action: one fetch of two distinct rows
    assert calls == [(0, 2)]
    np.testing.assert_array_equal(a[0], a[1])
    b = rows.rows(0, np.array([[2, 1, 2]]))
    assert calls == [(0, 2)]  # cached
    np.testing.assert_array_equal(b[0], a[0])
    rows.rows(1, np.array([[2, 1, 2]]))
    assert calls == [(0, 2), (1, 1)]
    with pytest.raises(ValueError, match="read-only"):
        b[0, 0] = 1.0
    # the cache is bounded
    small = OracleRows(game, cache_size=2)
    small.rows(2, np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0]]))
    assert len(small.cache) == 3  # one batch is kept whole
    small.rows(2, np.array([[3, 3, 0]]))
    assert len(small.cache) == 1  # full: cleared before the new row


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.rule.describe()[:30])
def test_dynamics_on_the_structured_game_and_on_its_table_are_identical(model):
    """Same trajectories, outcomes, cycles, step by step, for sequential and simultaneous
    orders and the deterministic tie rules, from every fourth pure profile."""
    game = model.game()
    dense = game.to_normal_form()
    assert row_provider(game).kind == "oracle" and row_provider(dense).kind == "dense"
    starts = list(itertools.product(*[range(k) for k in game.shape]))[::4]
    for order, tie in itertools.product(("sequential", "simultaneous"), ("stay", "smallest")):
        for start in starts:
            kw = {"order": order, "tie_breaking": tie, "max_iter": 200}
            a = dt.best_response_dynamics(game, start, **kw)
            b = dt.best_response_dynamics(dense, start, **kw)
            assert a.outcome == b.outcome, (order, tie, start)
            np.testing.assert_array_equal(a.trajectory, b.trajectory)
            assert a.cycle == b.cycle and a.end == b.end
    # lockstep batches (every start at once) and the largest-index rule
    a = dt.basins(game, "all", order="sequential", tie_breaking="largest")
    b = dt.basins(dense, "all", order="sequential", tie_breaking="largest")
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.outcomes, b.outcomes)
    np.testing.assert_array_equal(a.iterations, b.iterations)
    assert [x.profiles for x in a.attractors] == [x.profiles for x in b.attractors]
