"""The capacity (compliance) game: equilibria, the structured oracle, unravelling."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deterrence as dt
from deterrence.model.compliance import _leave_one_out_counts


@dataclass(frozen=True)
class TwoActorCase:
    cost: float
    sanction: float
    regret_tol: float = 1e-12


# C < P < 2C, including a near-boundary case on each side
CASES = [
    TwoActorCase(1.0, 1.5),
    TwoActorCase(1.0, 1.01),
    TwoActorCase(1.0, 1.99),
    TwoActorCase(3.0, 4.0),
]


def _support_solver_available(game: dt.Game) -> dt.NashResult | None:
    try:
        return dt.solve(game, method="support")
    except (ImportError, AttributeError, NotImplementedError):
        return None


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"C={c.cost},P={c.sanction}")
def test_two_actors_random_three_equilibria(case: TwoActorCase) -> None:
    """Random enforcement, two actors, capacity one, C < P < 2C: three equilibria.

    Payoffs (0 = comply, 1 = violate): complying costs C. A lone violator is sanctioned
    for sure (payoff -P); when both violate the one sanction falls on either with
    probability 1/2 (payoff -P/2).

    * (comply, comply): deviating gives -P < -C, so it is an equilibrium.
    * (violate, violate): deviating gives -C < -P/2 (as P < 2C), an equilibrium.
    * (comply, violate): the violator gets -P < -C and would rather comply: not one.
    * Mixed: if the other violates with probability p, violating yields
      -(1 - p) P - p P / 2 = -P (1 - p/2), complying -C. Indifference: P (1 - p/2) = C, so
      p* = 2 (P - C) / P, inside (0, 1) exactly because C < P < 2C.
    """
    c, p = case.cost, case.sanction
    g = dt.ComplianceGame(n_actors=2, capacity=1, cost=c, sanction=p, rule="random")

    pure = dt.solve(g, method="pure")
    assert [eq.pure_profile for eq in pure] == [(0, 0), (1, 1)]
    assert pure.complete
    assert all(eq.regret <= case.regret_tol for eq in pure)

    p_star = 2 * (p - c) / p
    mixed = [np.array([1 - p_star, p_star])] * 2
    assert dt.regret(g, mixed) <= 1e-12
    assert dt.regret(g.to_normal_form(), mixed) <= 1e-12
    # a nearby profile is not an equilibrium: the derived probability is the only one
    assert dt.regret(g, [np.array([1 - p_star + 0.01, p_star - 0.01])] * 2) > 1e-6

    sym = g.symmetric_equilibria()
    assert sym.complete
    assert [float(eq.strategies[0][1]) for eq in sym] == pytest.approx(
        [0.0, p_star, 1.0], abs=1e-12
    )

    res = _support_solver_available(g.to_normal_form())
    if res is not None:  # every equilibrium of the 2-player game
        assert res.complete and len(res) == 3
        got = sorted(float(eq.strategies[0][1]) for eq in res)
        assert got == pytest.approx([0.0, p_star, 1.0], abs=1e-9)
        assert all(eq.regret <= 1e-9 for eq in res)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"C={c.cost},P={c.sanction}")
def test_two_actors_priority_unique_all_comply(case: TwoActorCase) -> None:
    """Priority enforcement: actor 1 (ranked first) is sanctioned whenever it violates, so
    complying (-C) strictly dominates violating (-P); given that, actor 2 is sanctioned when
    it violates too. The only equilibrium — pure or mixed — is (comply, comply)."""
    g = dt.ComplianceGame(
        n_actors=2, capacity=1, cost=case.cost, sanction=case.sanction, rule="priority"
    )
    pure = dt.solve(g, method="pure")
    assert [eq.pure_profile for eq in pure] == [(0, 0)]
    assert pure[0].regret == 0.0
    u = dt.unravelling(g)
    assert u.rounds == 2 and u.eliminated == ((0,), (1,))
    # no mixed equilibrium: actor 1 strictly prefers to comply against anything
    for q in np.linspace(0, 1, 11):
        dev = g.deviation_payoffs([[0.5, 0.5], [1 - q, q]])
        assert dev[0][0] > dev[0][1]
    res = _support_solver_available(g.to_normal_form())
    if res is not None:
        assert res.complete and [eq.pure_profile for eq in res] == [(0, 0)]


def test_two_actor_cross_check_with_pygambit() -> None:
    gbt = pytest.importorskip("pygambit", reason="pygambit is the peer cross-check")
    g = dt.ComplianceGame(n_actors=2, capacity=1, cost=1.0, sanction=1.5)
    u = g.to_normal_form().payoffs
    peer = gbt.Game.from_arrays(u[0], u[1])
    eqs = gbt.nash.enummixed_solve(peer, rational=False).equilibria
    first = next(iter(peer.players))
    probs = sorted(float(eq[list(first.strategies)[1]]) for eq in eqs)
    assert probs == pytest.approx([0.0, 2 / 3, 1.0], abs=1e-9)


# ----------------------------------------------------------------------- the oracle
@settings(max_examples=60)
@given(
    n=st.integers(1, 6),
    data=st.data(),
    rule=st.sampled_from(["random", "priority"]),
)
def test_structured_oracle_matches_dense_table(n: int, data: st.DataObject, rule: str) -> None:
    k = data.draw(st.integers(0, n + 1))
    order = tuple(data.draw(st.permutations(range(n))))
    probs = data.draw(
        st.lists(st.sampled_from([0.0, 1.0, 0.5, 0.13, 0.91]), min_size=n, max_size=n)
    )
    g = dt.ComplianceGame(n_actors=n, capacity=k, cost=1.0, sanction=2.7, rule=rule, order=order)
    profile = [np.array([1 - q, q]) for q in probs]
    dense = g.to_normal_form()
    for a, b in zip(g.deviation_payoffs(profile), dense.deviation_payoffs(profile), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert dt.regret(g, profile) == pytest.approx(dt.regret(dense, profile), abs=1e-12)


def test_leave_one_out_counts_against_direct_convolution() -> None:
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.random(30), [0.0, 1.0, 0.5, 1e-12, 1 - 1e-12]])
    out = _leave_one_out_counts(p)
    for i in range(len(p)):
        d = np.array([1.0])
        for j, q in enumerate(p):
            if j != i:
                d = np.convolve(d, [1 - q, q])
        np.testing.assert_allclose(out[i], d, rtol=0, atol=1e-13)


def test_large_game_uses_the_oracle_not_the_table() -> None:
    g = dt.ComplianceGame(n_actors=300, capacity=30, cost=1.0, sanction=4.0)
    with pytest.raises(dt.GameTooLargeError, match="n_actors=300"):
        g.to_normal_form()
    p = 0.4
    dev = g.deviation_payoffs([np.array([1 - p, p])] * 300)
    # symmetric profile: the others' count is Binomial(299, p)
    from scipy import stats

    x = np.arange(300)
    expected = -4.0 * stats.binom.pmf(x, 299, p) @ np.minimum(1.0, 30 / (1 + x))
    assert dev[17][1] == pytest.approx(expected, rel=1e-10)
    assert dev[17][0] == -1.0
    res = g.symmetric_equilibria()
    assert len(res) == 3 and res.max_regret <= 1e-9
    assert g.pure_equilibrium_counts() == [0, 300]


def test_symmetric_equilibria_need_random_rule() -> None:
    with pytest.raises(dt.DeterrenceError, match="rule='random'"):
        dt.ComplianceGame(n_actors=3, rule="priority").symmetric_equilibria()


@pytest.mark.parametrize("n,k,c,p", [(5, 1, 1.0, 1.5), (12, 4, 1.0, 2.0), (8, 2, 2.0, 3.0)])
def test_symmetric_equilibria_are_equilibria(n: int, k: int, c: float, p: float) -> None:
    g = dt.ComplianceGame(n_actors=n, capacity=k, cost=c, sanction=p)
    res = g.symmetric_equilibria()
    assert all(eq.regret <= 1e-9 for eq in res)
    swamped = p * k / n < c  # all-violate is an equilibrium iff the capacity is swamped
    assert len(res) == (3 if swamped else 1)
    if n <= 10:  # the pure solver agrees on the symmetric pure equilibria
        pure = {eq.pure_profile for eq in dt.solve(g, method="pure")}
        assert ((1,) * n in pure) == swamped
        assert (0,) * n in pure


# ---------------------------------------------------------------------- unravelling
@pytest.mark.parametrize("n,k", [(1, 1), (2, 1), (7, 2), (10, 3), (10, 10), (25, 1)])
def test_priority_unravels_in_ceil_n_over_k_rounds(n: int, k: int) -> None:
    g = dt.ComplianceGame(
        n_actors=n,
        capacity=k,
        cost=1.0,
        sanction=1.2,
        rule="priority",
        order=tuple(reversed(range(n))),
    )
    u = dt.unravelling(g)
    assert u.rounds == math.ceil(n / k)
    assert u.everyone_complies
    assert u.eliminated[0] == tuple(sorted(range(n - 1, n - 1 - min(k, n), -1)))
    assert sorted(a for r in u.eliminated for a in r) == list(range(n))
    assert len(u.to_dataframe()) == u.rounds
    if n <= 10:  # the unravelled profile is the unique pure equilibrium
        assert [eq.pure_profile for eq in dt.solve(g, method="pure")] == [(0,) * n]


def test_random_unravels_only_when_capacity_covers_everyone() -> None:
    assert dt.unravelling(dt.ComplianceGame(n_actors=10, capacity=7, sanction=1.5)).rounds == 1
    u = dt.unravelling(dt.ComplianceGame(n_actors=10, capacity=6, sanction=1.5))
    assert u.rounds is None and not u.everyone_complies and len(u.survivors) == 10


def test_weak_sanction_forces_violation() -> None:
    u = dt.unravelling(
        dt.ComplianceGame(n_actors=4, capacity=2, cost=1.0, sanction=0.5, rule="priority")
    )
    assert u.rounds is None and u.forced_violators == (0, 1, 2, 3)


def test_unravelling_needs_a_compliance_game() -> None:
    with pytest.raises(dt.DeterrenceError, match="ComplianceGame"):
        dt.unravelling(dt.NormalFormGame([[[0, 0], [0, 0]], [[0, 0], [0, 0]]]))


@pytest.mark.parametrize("n,c,p", [(100, 1.0, 1.5), (10, 1.0, 3.0), (7, 2.0, 2.5)])
def test_minimum_deterrent_capacity(n: int, c: float, p: float) -> None:
    k = dt.minimum_deterrent_capacity(n, cost=c, sanction=p)
    assert dt.ComplianceGame(
        n_actors=n, capacity=k, cost=c, sanction=p
    ).pure_equilibrium_counts() == [0]
    assert (
        n
        in dt.ComplianceGame(
            n_actors=n, capacity=k - 1, cost=c, sanction=p
        ).pure_equilibrium_counts()
    )
    assert dt.minimum_deterrent_capacity(n, cost=c, sanction=p, rule="priority") == 1
    assert dt.minimum_deterrent_capacity(n, cost=c, sanction=c) is None


# ----------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"n_actors": 0}, "n_actors=0"),
        ({"capacity": -1}, "capacity=-1"),
        ({"capacity": 1.5}, "capacity=1.5"),
        ({"cost": 0.0}, "cost=0.0"),
        ({"sanction": -2.0}, "sanction=-2.0"),
        ({"rule": "lottery"}, "rule='lottery'"),
        ({"n_actors": 3, "order": (0, 0, 1)}, "permutation"),
        ({"n_actors": 3, "order": "abc"}, "permutation"),
    ],
)
def test_bad_parameters(kwargs: dict, match: str) -> None:
    with pytest.raises(dt.DeterrenceError, match=match):
        dt.ComplianceGame(**kwargs)


def test_names_and_symmetry() -> None:
    g = dt.ComplianceGame(n_actors=3, capacity=1, rule="priority")
    assert g.action_names[0] == ("comply", "violate")
    assert g.player_names == ("actor 1", "actor 2", "actor 3")
    assert not g.is_symmetric()
    assert dt.ComplianceGame(n_actors=3, capacity=1).is_symmetric()
    assert g.to_normal_form().is_symmetric() is False
    assert dt.ComplianceGame(n_actors=3, capacity=1).to_normal_form().is_symmetric()
    assert "capacity=1" in repr(g)
