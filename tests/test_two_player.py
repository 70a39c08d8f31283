"""Two-player solvers: every equilibrium (``support``), Lemke-Howson, zero-sum LP.

Three layers: literature and hand-derived games with their known equilibria; hypothesis
properties on random games, cross-checked against pygambit's ``enummixed_solve`` and
nashpy; input validation. Every returned equilibrium is checked by its regret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import deterrence as dt
from deterrence.errors import DeterrenceError, UnsupportedGameError
from deterrence.games.base import Game

#: equilibria of the seeded 10 x 10 game of test_regression_pin_random_10x10 (pygambit: 3)
PIN_10x10_COUNT = 3

THOROUGH = os.environ.get("DETERRENCE_HYPOTHESIS_PROFILE") == "thorough"


# ----------------------------------------------------------------------- helpers
def _profiles(res) -> np.ndarray:
    if len(res) == 0:
        return np.empty((0, 0))
    return np.array([np.concatenate(e.strategies) for e in res]).reshape(len(res), -1)


def _same_set(X: np.ndarray, Y: np.ndarray, atol: float = 1e-6) -> bool:
    if len(X) == 0 or len(Y) == 0:
        return len(X) == len(Y)
    D = np.abs(X[:, None, :] - Y[None, :, :]).max(axis=2)
    return bool((D.min(axis=1) <= atol).all() and (D.min(axis=0) <= atol).all())


def _subset(X: np.ndarray, Y: np.ndarray, atol: float = 1e-6) -> bool:
    """Every row of X is (within atol) a row of Y."""
    if len(X) == 0:
        return True
    if len(Y) == 0:
        return False
    D = np.abs(X[:, None, :] - Y[None, :, :]).max(axis=2)
    return bool((D.min(axis=1) <= atol).all())


def _gambit_all(A: np.ndarray, B: np.ndarray, *, rational: bool) -> np.ndarray:
    gbt = pytest.importorskip("pygambit", reason="pygambit (test extra) cross-check")
    if rational:  # exact payoffs for an exact run
        A = [[Fraction(v).limit_denominator() for v in row] for row in A]
        B = [[Fraction(v).limit_denominator() for v in row] for row in B]
    g = gbt.Game.from_arrays(A, B)
    res = gbt.nash.enummixed_solve(g, rational=rational)
    rows = [[float(eq[s]) for p in g.players for s in p.strategies] for eq in res.equilibria]
    return np.array(rows, dtype=float).reshape(len(rows), len(A) + len(A[0]))


def _game(A, B=None) -> dt.NormalFormGame:
    return dt.NormalFormGame.from_bimatrix(A, B)


def _check_equilibria(game, res, tol=1e-9):
    assert len(res) > 0
    for eq in res:
        assert eq.regret <= tol
        assert dt.regret(game, eq.strategies) <= tol
        for s in eq.strategies:
            assert s.min() >= 0.0
            assert abs(s.sum() - 1.0) <= 1e-12


# ------------------------------------------------------------- literature cases
@dataclass(frozen=True, kw_only=True)
class Case:
    """A game and its extreme equilibria (exact fractions where written by hand)."""

    name: str
    A: list
    B: list | None
    equilibria: list  # of (row strategy, column strategy)
    continua: tuple = ()  # expected details["continua"], as sets of equilibria positions
    degenerate: bool = False
    atol: float = 1e-9
    notes: str = field(default="", compare=False)


CASES = [
    Case(
        name="battle of the sexes",
        A=[[3, 0], [0, 2]],
        B=[[2, 0], [0, 3]],
        equilibria=[([1, 0], [1, 0]), ([0, 1], [0, 1]), ([3 / 5, 2 / 5], [2 / 5, 3 / 5])],
    ),
    Case(
        name="matching pennies",
        A=[[1, -1], [-1, 1]],
        B=None,
        equilibria=[([0.5, 0.5], [0.5, 0.5])],
    ),
    Case(
        name="rock paper scissors",
        A=[[0, -1, 1], [1, 0, -1], [-1, 1, 0]],
        B=None,
        equilibria=[([1 / 3] * 3, [1 / 3] * 3)],
    ),
    Case(
        name="prisoner's dilemma",
        A=[[3, 0], [5, 1]],
        B=[[3, 5], [0, 1]],
        equilibria=[([0, 1], [0, 1])],
    ),
    Case(
        name="3x3 coordination (identity): one equilibrium per nonempty support",
        A=np.eye(3).tolist(),
        B=np.eye(3).tolist(),
        equilibria=[
            ([1, 0, 0], [1, 0, 0]),
            ([0, 1, 0], [0, 1, 0]),
            ([0, 0, 1], [0, 0, 1]),
            ([0.5, 0.5, 0], [0.5, 0.5, 0]),
            ([0.5, 0, 0.5], [0.5, 0, 0.5]),
            ([0, 0.5, 0.5], [0, 0.5, 0.5]),
            ([1 / 3] * 3, [1 / 3] * 3),
        ],
    ),
    Case(
        name="von Stengel (2007), nondegenerate 3x2 example",
        A=[[3, 3], [2, 5], [0, 6]],
        B=[[3, 2], [2, 6], [3, 1]],
        equilibria=[
            ([1, 0, 0], [1, 0]),
            ([4 / 5, 1 / 5, 0], [2 / 3, 1 / 3]),
            ([0, 1 / 3, 2 / 3], [1 / 3, 2 / 3]),
        ],
    ),
    Case(
        name="von Stengel (2007), degenerate 3x2 example",
        A=[[3, 3], [2, 5], [0, 6]],
        B=[[3, 3], [2, 6], [3, 1]],
        # Row 1 leaves the column player indifferent; it is a best response to
        # y = (1 - s, s) iff 3 >= 2 + 3s, i.e. s <= 1/3: a segment of equilibria with
        # end points s = 0 and s = 1/3, plus the isolated mixed equilibrium.
        equilibria=[
            ([1, 0, 0], [1, 0]),
            ([1, 0, 0], [2 / 3, 1 / 3]),
            ([0, 1 / 3, 2 / 3], [1 / 3, 2 / 3]),
        ],
        continua=({0, 1},),
        degenerate=True,
    ),
    Case(
        name="matching pennies with a duplicated row",
        A=[[1, -1], [1, -1], [-1, 1]],
        B=[[-1, 1], [-1, 1], [1, -1]],
        # rows 0 and 1 are copies: any split of probability 1/2 between them works
        equilibria=[([0.5, 0, 0.5], [0.5, 0.5]), ([0, 0.5, 0.5], [0.5, 0.5])],
        continua=({0, 1},),
        degenerate=True,
    ),
    Case(
        name="constant game: every profile is an equilibrium",
        A=[[0, 0, 0], [0, 0, 0]],
        B=[[0, 0, 0], [0, 0, 0]],
        equilibria=[
            (np.eye(2)[i].tolist(), np.eye(3)[j].tolist()) for i in range(2) for j in range(3)
        ],
        continua=({0, 1, 2, 3, 4, 5},),
        degenerate=True,
    ),
    Case(
        name="1 x 3: the column player's best responses",
        A=[[1, 2, 3]],
        B=[[0, 2, 2]],
        equilibria=[([1], [0, 1, 0]), ([1], [0, 0, 1])],
        continua=({0, 1},),
        degenerate=True,
    ),
    Case(
        name="3 x 1: a unique best row",
        A=[[1], [4], [2]],
        B=[[0], [0], [0]],
        equilibria=[([0, 1, 0], [1])],
    ),
    Case(
        name="1 x 1",
        A=[[5.0]],
        B=[[-2.0]],
        equilibria=[([1], [1])],
    ),
]


def _expected(case: Case) -> np.ndarray:
    return np.array([np.concatenate([x, y]) for x, y in case.equilibria], dtype=float)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("route", ["auto", "lex"])
def test_support_literature(case, route):
    g = _game(case.A, case.B)
    res = dt.vertex_enumeration(g, route=route)
    _check_equilibria(g, res)
    assert res.complete and res.converged
    assert res.method == "support"
    assert len(res) == len(case.equilibria)
    assert _same_set(_profiles(res), _expected(case), atol=case.atol)
    assert res.details["degenerate"] == case.degenerate
    # continua, as sets of expected-equilibrium positions
    X, E = _profiles(res), _expected(case)
    to_case = [int(np.argmin(np.abs(E - x).max(axis=1))) for x in X]
    got = sorted(sorted(to_case[k] for k in comp) for comp in res.details["continua"])
    assert got == sorted(sorted(c) for c in case.continua)
    if case.continua:
        assert "continu" in res.message
    # dt.solve dispatches to the same solver
    via_solve = dt.solve(g, method="support", route=route)
    assert _same_set(_profiles(via_solve), X)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_lemke_howson_literature(case):
    """Every label's path ends at an equilibrium, which is one of the extreme equilibria;
    degenerate cases (duplicated rows, ties, constant games) terminate."""
    g = _game(case.A, case.B)
    res = dt.lemke_howson(g)
    _check_equilibria(g, res)
    assert res.converged and not res.complete
    assert _subset(_profiles(res), _expected(case))
    m, n = g.shape
    assert set(res.details["labels"]) == set(range(m + n))
    assert all(k is not None for k in res.details["labels"].values())
    assert res.nit == sum(res.details["pivots"].values())
    # one label at a time gives the same end points
    for label in range(m + n):
        one = dt.solve(g, method="lemke-howson", initial_label=label)
        k = res.details["labels"][label]
        assert _same_set(_profiles(one), _profiles(res)[[k]])


def test_nash_subsets_of_a_continuum():
    """Every convex combination inside a maximal Nash subset is an equilibrium; the
    components tile the extreme equilibria."""
    g = _game([[3, 3], [2, 5], [0, 6]], [[3, 3], [2, 6], [3, 1]])
    res = dt.vertex_enumeration(g)
    comps = res.details["components"]
    assert sorted(k for c in comps for k in c) == list(range(len(res)))
    (sub,) = [s for s in res.details["nash_subsets"] if len(s) > 1]
    a, b = (res[k] for k in sub)
    for w in np.linspace(0.0, 1.0, 7):
        mid = [w * p + (1 - w) * q for p, q in zip(a.strategies, b.strategies, strict=True)]
        assert dt.regret(g, mid) <= 1e-12


def test_components_of_a_large_degenerate_game():
    """The constant 3 x 4 game: 12 extreme equilibria, one component, and a single
    maximal Nash subset (the whole product of simplices)."""
    g = _game(np.zeros((3, 4)), np.zeros((3, 4)))
    res = dt.vertex_enumeration(g)
    assert len(res) == 12 and res.complete
    assert res.details["components"] == (tuple(range(12)),)
    assert res.details["nash_subsets"] == (tuple(range(12)),)


# ------------------------------------------------------------------------ zero-sum
ZERO_SUM = [
    ("matching pennies", [[1, -1], [-1, 1]], 0.0, [0.5, 0.5], [0.5, 0.5]),
    ("rock paper scissors", [[0, -1, 1], [1, 0, -1], [-1, 1, 0]], 0.0, [1 / 3] * 3, [1 / 3] * 3),
    # 2 x 3, derived by hand: the row player equalises columns 2 and 3,
    # 2p + 3(1 - p) = 3p + (1 - p) -> p = 2/3, value 7/3; the column player mixes columns
    # 2 and 3 so that 3 - q = 1 + 2q -> q = 2/3; column 1 costs him 3 > 7/3.
    ("2x3 textbook", [[4, 2, 3], [1, 3, 1]], 7 / 3, [2 / 3, 1 / 3], [0, 2 / 3, 1 / 3]),
]


@pytest.mark.parametrize(("name", "A", "value", "x", "y"), ZERO_SUM, ids=[z[0] for z in ZERO_SUM])
def test_lp_known_values(name, A, value, x, y):
    g = _game(A)
    res = dt.solve_zero_sum(g)
    assert res.converged and res.method == "lp"
    assert res.details["value"] == pytest.approx(value, abs=1e-9)
    assert res.details["values"][1] == pytest.approx(-value, abs=1e-9)
    np.testing.assert_allclose(res[0].strategies[0], x, atol=1e-9)
    np.testing.assert_allclose(res[0].strategies[1], y, atol=1e-9)
    assert res[0].regret <= 1e-9
    np.testing.assert_allclose(res[0].payoffs, [value, -value], atol=1e-9)
    # the unique equilibrium found by the other methods is the same
    sup = dt.solve(g, method="support")
    assert len(sup) == 1
    assert _same_set(_profiles(sup), _profiles(res))


def test_lp_constant_sum():
    """A + B = 10: the LP works on the row player's matrix and reports both values."""
    A = np.array([[6.0, 2.0], [3.0, 5.0]])
    res = dt.solve(_game(A, 10.0 - A), method="lp")
    # x: 6p + 3(1-p) = 2p + 5(1-p) -> p = 1/3, value 4
    assert res.details["constant"] == pytest.approx(10.0)
    assert res.details["values"] == pytest.approx((4.0, 6.0))
    np.testing.assert_allclose(res[0].strategies[0], [1 / 3, 2 / 3], atol=1e-9)


def test_lp_refuses_general_sum():
    with pytest.raises(UnsupportedGameError, match="constant-sum") as info:
        dt.solve(_game([[3, 0], [5, 1]], [[3, 5], [0, 1]]), method="lp")
    assert "A + B is not constant" in str(info.value)


@settings(max_examples=40)
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(1, 7),
    n=st.integers(1, 7),
    integer=st.booleans(),
)
def test_lp_matches_support_on_zero_sum(seed, m, n, integer):
    """Every equilibrium of a zero-sum game pays the value: the LP value equals each
    support equilibrium's payoff, and the LP profile is in the support set's hull (it has
    zero regret)."""
    rng = np.random.default_rng(seed)
    A = rng.integers(-3, 4, (m, n)).astype(float) if integer else rng.normal(size=(m, n))
    g = _game(A)
    lp = dt.solve(g, method="lp")
    sup = dt.solve(g, method="support")
    assert lp[0].regret <= 1e-9
    assert sup.complete
    for eq in sup:
        assert eq.payoffs[0] == pytest.approx(lp.details["value"], abs=1e-8)
    if not sup.details["degenerate"]:  # unique equilibrium then
        assert _same_set(_profiles(sup), _profiles(lp), atol=1e-7)


# --------------------------------------------------------------- random games
@settings(max_examples=200 if THOROUGH else 30)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 10), n=st.integers(1, 10))
@example(seed=0, m=10, n=10)
def test_support_equals_pygambit_on_random_games(seed, m, n):
    """Acceptance (a): on random (almost surely nondegenerate) games up to 10 x 10 the set
    is exactly pygambit's enummixed set and complete is True."""
    rng = np.random.default_rng(seed)
    A, B = rng.random((m, n)), rng.random((m, n))
    g = _game(A, B)
    res = dt.solve(g, method="support")
    _check_equilibria(g, res)
    assert res.complete
    assert not res.details["degenerate"]
    assert _same_set(_profiles(res), _gambit_all(A, B, rational=False))


@settings(max_examples=200 if THOROUGH else 40)
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(1, 6),
    n=st.integers(1, 6),
    levels=st.integers(2, 3),
)
@example(seed=1, m=6, n=6, levels=2)
def test_support_on_games_with_many_ties(seed, m, n, levels):
    """Acceptance (b): integer payoffs in {0, .., levels-1} (ties everywhere): every
    profile has regret <= 1e-9, and when complete the set contains every extreme
    equilibrium pygambit's exact (rational) enummixed finds, and nothing else."""
    rng = np.random.default_rng(seed)
    A = rng.integers(0, levels, (m, n)).astype(float)
    B = rng.integers(0, levels, (m, n)).astype(float)
    g = _game(A, B)
    res = dt.solve(g, method="support")
    _check_equilibria(g, res)
    gambit = _gambit_all(A, B, rational=True)
    if res.complete:
        assert _subset(gambit, _profiles(res))
        assert _subset(_profiles(res), gambit)
    # every convex combination inside a maximal Nash subset is an equilibrium
    for sub in res.details["nash_subsets"]:
        w = rng.dirichlet(np.ones(len(sub)))
        mix = [sum(wk * res[k].strategies[i] for wk, k in zip(w, sub, strict=True)) for i in (0, 1)]
        assert dt.regret(g, mix) <= 1e-9


@settings(max_examples=100 if THOROUGH else 25)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 8), n=st.integers(1, 8))
def test_routes_agree(seed, m, n):
    """The certified Qhull route and the lexicographic search give the same set."""
    rng = np.random.default_rng(seed)
    if seed % 2:
        A, B = rng.random((m, n)), rng.random((m, n))
    else:
        A, B = rng.integers(0, 3, (2, m, n)).astype(float)
    g = _game(A, B)
    a = dt.vertex_enumeration(g, route="auto")
    b = dt.vertex_enumeration(g, route="lex")
    assert a.complete and b.complete
    assert _same_set(_profiles(a), _profiles(b), atol=1e-9)
    assert a.details["continua"] == b.details["continua"]


@settings(max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 4), n=st.integers(1, 4))
def test_support_matches_nashpy_backend(seed, m, n):
    """nashpy (the alternative backend) agrees on small random games: its vertex
    enumeration finds our set, its support enumeration a subset (it can miss equilibria of
    nondegenerate games, depending on the floating point: only the subset is asserted);
    never marked complete."""
    pytest.importorskip("nashpy", reason="nashpy cross-check")
    rng = np.random.default_rng(seed)
    g = _game(rng.random((m, n)), rng.random((m, n)))
    ours = dt.solve(g, method="support")
    for method in ("support_enumeration", "vertex_enumeration"):
        theirs = dt.solve(g, method="support", backend="nashpy", nashpy_method=method)
        assert not theirs.complete
        # whatever nashpy returns (its vertex enumeration calls Qhull, which may refuse
        # dimension 1; then nothing, reported as not converged) is a subset of ours
        assert all(eq.regret <= 1e-9 for eq in theirs)
        assert _subset(_profiles(theirs), _profiles(ours))
        if method == "vertex_enumeration" and theirs.converged:
            assert _same_set(_profiles(theirs), _profiles(ours))


def test_nashpy_support_enumeration_cross_check_on_a_nondegenerate_3x3():
    """A nondegenerate 3 x 3 game with a unique equilibrium, where nashpy's support
    enumeration is numerically fragile (on some CPUs it returns nothing and warns that the
    game looks degenerate). Only what is true of our answer is asserted: it is complete,
    the unique equilibrium, has zero regret, and agrees with the exact (rational)
    enumeration of pygambit when installed; whatever nashpy returns -- possibly nothing --
    is a subset of ours and each of its points has small regret. The peer's failure is
    never asserted: it depends on the machine's floating point."""
    pytest.importorskip("nashpy", reason="nashpy cross-check")
    rng = np.random.default_rng(3_568_229_146)
    A, B = rng.random((3, 3)), rng.random((3, 3))
    g = _game(A, B)
    ours = dt.solve(g, method="support")
    assert ours.complete and len(ours) == 1 and not ours.details["degenerate"]
    assert ours.max_regret <= 1e-12
    assert dt.regret(g, ours[0].strategies) <= 1e-12
    # the unique equilibrium is also what the independent lexicographic route finds
    assert _same_set(_profiles(dt.vertex_enumeration(g, route="lex")), _profiles(ours), 1e-9)
    theirs = dt.solve(g, method="support", backend="nashpy", nashpy_method="support_enumeration")
    assert not theirs.complete
    assert all(dt.regret(g, eq.strategies) <= 1e-9 for eq in theirs)
    assert _subset(_profiles(theirs), _profiles(ours))
    try:
        import pygambit  # noqa: F401
    except ImportError:
        return
    assert _same_set(_gambit_all(A, B, rational=True), _profiles(ours))


@settings(max_examples=60 if THOROUGH else 30)
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(1, 8),
    n=st.integers(1, 8),
    integer=st.booleans(),
)
def test_lemke_howson_random(seed, m, n, integer):
    """Acceptance (c): every label ends at an equilibrium, which is an extreme one, on
    random and on tie-ridden integer games."""
    rng = np.random.default_rng(seed)
    if integer:
        A, B = rng.integers(0, 3, (2, m, n)).astype(float)
    else:
        A, B = rng.random((m, n)), rng.random((m, n))
    g = _game(A, B)
    lh = dt.lemke_howson(g)
    assert lh.converged
    _check_equilibria(g, lh)
    assert _subset(_profiles(lh), _profiles(dt.vertex_enumeration(g)))


@settings(max_examples=60 if THOROUGH else 25)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(2, 9), n=st.integers(2, 9))
def test_one_polytope_route_on_random_games(seed, m, n):
    """On random games the default route enumerates only the polytope of the player with
    fewer actions and solves for the partners; its set is the lexicographic search's over
    both polytopes, and the polytope not enumerated is reported as None."""
    rng = np.random.default_rng(seed)
    A, B = rng.random((m, n)), rng.random((m, n))
    g = _game(A, B)
    fast = dt.vertex_enumeration(g)
    both = dt.vertex_enumeration(g, route="lex")
    assert fast.complete and both.complete
    _check_equilibria(g, fast, tol=1e-12)
    assert _same_set(_profiles(fast), _profiles(both), atol=1e-9)
    if fast.details["dominated"] == ((), ()):  # else the reduced game decides the side
        skipped = 0 if m > n else 1
        assert fast.details["routes"][skipped] is None
        assert fast.details["n_vertices"][skipped] is None
        assert fast.details["n_vertices"][1 - skipped] == both.details["n_vertices"][1 - skipped]
    for eq in fast:  # unused actions have exactly zero probability, as the lex route's
        for s in eq.strategies:
            assert ((s == 0.0) | (s > 1e-12)).all()


def test_one_polytope_route_refuses_what_it_cannot_certify():
    """The fast route hands over to both polytopes when it cannot certify its answer: a
    partner slack within the band of zero makes ``complementary_points`` return None; and
    a degenerate game without any tied payoffs (the column player is indifferent among
    all three columns at x = (1/2, 1/2), so P has a vertex with 3 > 2 labels) fails the
    Qhull certificate and is solved exactly by the lexicographic search."""
    from deterrence.solvers import _polytope as pt

    rng = np.random.default_rng(5)
    A, B = rng.random((3, 3)), rng.random((3, 3))
    P, Q = pt.best_response_polytopes(A, B)
    VP = pt.enumerate_vertices(P, tol=1e-9, route="qhull-only")
    assert VP is not None
    assert pt.complementary_points(P, Q, VP, band=1e-7) is not None
    assert pt.complementary_points(P, Q, VP, band=10.0) is None  # every slack "ambiguous"

    A = np.array([[3.0, 1.0, 0.5], [0.0, 2.0, 4.0]])
    B = np.array([[1.0, 2.5, 3.0], [3.0, 1.5, 1.0]])  # no ties in any row or column
    res = dt.vertex_enumeration(_game(A, B))
    assert res.complete and res.details["degenerate"]
    assert None not in res.details["routes"]
    _check_equilibria(_game(A, B), res)
    assert _same_set(_profiles(res), _profiles(dt.vertex_enumeration(_game(A, B), route="lex")))


@settings(max_examples=40 if THOROUGH else 20)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 10), n=st.integers(1, 10))
def test_lemke_howson_single_path_matches_quantecon(seed, m, n):
    """One path (the lean in-place pivoting loop) ends where the batched lexicographic
    paths end, and where QuantEcon's ``lemke_howson`` ends, for every starting label of a
    random game."""
    rng = np.random.default_rng(seed)
    A, B = rng.random((m, n)), rng.random((m, n))
    g = _game(A, B)
    every = dt.lemke_howson(g)
    try:
        from quantecon.game_theory import NormalFormGame, Player, lemke_howson
    except ImportError:
        lemke_howson = None
    for label in range(m + n):
        one = dt.lemke_howson(g, initial_label=label)
        assert one.converged and len(one) == 1 and one[0].regret <= 1e-12
        k = every.details["labels"][label]
        assert _same_set(_profiles(one), _profiles(every)[[k]], atol=1e-9)
        assert one.details["pivots"][label] == every.details["pivots"][label]
        if lemke_howson is not None:
            qe = lemke_howson(NormalFormGame([Player(A), Player(B.T)]), init_pivot=label)
            assert _same_set(_profiles(one), np.concatenate(qe)[None, :], atol=1e-9)


def test_lemke_howson_duplicated_rows_and_columns_terminate():
    """Copies of every row and column (massively degenerate) and a constant block."""
    rng = np.random.default_rng(3)
    A, B = rng.integers(0, 2, (2, 3, 3)).astype(float)
    A2, B2 = (np.repeat(np.repeat(M, 2, axis=0), 2, axis=1) for M in (A, B))
    g = _game(A2, B2)
    res = dt.lemke_howson(g, max_pivots=200)
    assert res.converged
    _check_equilibria(g, res)
    assert max(res.details["pivots"].values()) < 200


# --------------------------------------------------------------- compiled kernels
def _kernels_or_skip():
    from deterrence.solvers import _vertex_kernels as vk

    if vk.kernels() is None:
        pytest.skip("numba (the fast extra) is not installed: only the numpy routes run")
    return vk


def _numpy_routes(call):
    """``call()`` with the compiled kernels switched off (the numpy routes)."""
    from deterrence.solvers import _vertex_kernels as vk

    saved, vk.ENABLED = vk.ENABLED, False
    try:
        return call()
    finally:
        vk.ENABLED = saved


def test_without_numba_the_numpy_routes_run(monkeypatch):
    """numba is optional: when it cannot be imported, :func:`kernels` says so and every
    solver takes its numpy route, with the same answers."""
    import sys

    from deterrence.solvers import _vertex_kernels as vk

    monkeypatch.setitem(sys.modules, "numba", None)  # import numba raises ImportError
    monkeypatch.setattr(vk._KERNELS, "compiled", None)
    assert vk.kernels() is None
    bos = _game([[3, 0], [0, 2]], [[2, 0], [0, 3]])
    res = dt.vertex_enumeration(bos)
    assert res.complete and len(res) == 3 and "pivot" not in res.details["routes"]
    one = dt.lemke_howson(bos, initial_label=0)
    assert one.converged and [s.tolist() for s in one[0].strategies] == [[1.0, 0.0]] * 2
    assert len(dt.lemke_howson(bos)) == 2


def _random_game(rng, m, n, kind):
    if kind == "integer":
        return rng.integers(0, 3, (2, m, n)).astype(float)
    A, B = rng.random((m, n)), rng.random((m, n))
    if kind == "dominated" and m > 1:  # row 0 strictly dominated by row 1
        A[0] = A[1] - 0.25
    return A, B


@settings(max_examples=80 if THOROUGH else 30)
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(1, 9),
    n=st.integers(1, 9),
    kind=st.sampled_from(["uniform", "integer", "dominated"]),
)
def test_compiled_vertex_enumeration_agrees_with_numpy_routes(seed, m, n, kind):
    """The compiled pivoting search (numba) and the numpy routes (Qhull with certificate,
    lexicographic search) return the same equilibria, vertex counts, dominated strategies
    and continua; unused actions get exactly zero in both."""
    _kernels_or_skip()
    A, B = _random_game(np.random.default_rng(seed), m, n, kind)
    g = _game(A, B)
    fast = dt.vertex_enumeration(g)
    slow = _numpy_routes(lambda: dt.vertex_enumeration(g))
    assert fast.complete and slow.complete
    assert _same_set(_profiles(fast), _profiles(slow), atol=1e-9)
    for key in ("degenerate", "dominated", "continua", "components", "nash_subsets"):
        assert fast.details[key] == slow.details[key]
    if "pivot" in fast.details["routes"] and None in slow.details["routes"]:
        assert fast.details["n_vertices"] == slow.details["n_vertices"]
        assert _profiles(fast).tolist() == _profiles(fast)[_order_of(fast)].tolist()
    _check_equilibria(g, fast, tol=1e-9 if kind == "integer" else 1e-12)
    for eq in fast:
        for s in eq.strategies:
            assert ((s == 0.0) | (s > 1e-12)).all()


def _order_of(res):
    from deterrence.solvers.two_player import _order

    return _order(_profiles(res))


def test_compiled_vertex_enumeration_status_codes():
    """The kernel refuses what it cannot certify, and the caller then takes the numpy
    routes: ties (straight away), a degenerate game without ties (a vertex with more
    than ``m`` labels: the fresh slack check fails), more vertices than ``max_vertices``.
    """
    vk = _kernels_or_skip()

    def ve(A, B, *args):  # read-only payoffs, as a game's (one compiled specialisation)
        A, B = _game(A, B).payoffs
        return vk.kernels().vertex_enumeration(A, B, *args)

    tied = np.array([[1.0, 1.0], [0.0, 2.0]]), np.array([[2.0, 0.0], [1.0, 3.0]])
    assert ve(*tied, 1e-9, 1e-7, 10**6)[0] == vk.TIES
    A = np.array([[3.0, 1.0, 0.5], [0.0, 2.0, 4.0]])
    B = np.array([[1.0, 2.5, 3.0], [3.0, 1.5, 1.0]])
    assert ve(A, B, 1e-9, 1e-7, 10**6)[0] == vk.UNCERTIFIED
    res = dt.vertex_enumeration(_game(A, B))
    assert res.complete and res.details["degenerate"] and "pivot" not in res.details["routes"]
    rng = np.random.default_rng(11)
    A, B = rng.random((6, 6)), rng.random((6, 6))
    out = ve(A, B, 1e-9, 1e-7, 5)
    assert out[0] == vk.TOO_MANY and out[1] == 5
    capped = dt.vertex_enumeration(_game(A, B), max_bases=5)  # the numpy fast route
    assert capped.complete and "pivot" not in capped.details["routes"]
    full = dt.vertex_enumeration(_game(A, B))
    assert full.details["routes"] == ("pivot", None)
    assert _same_set(_profiles(capped), _profiles(full), atol=1e-9)
    status, nv, *_ = ve(A, B, 1e-9, 1e-7, 10**6)
    assert status == vk.OK and nv == full.details["n_vertices"][0]


@pytest.mark.parametrize("k", [12, 13])
def test_compiled_vertex_enumeration_large(k):
    """12 x 12 and a 13 x 12 game (the column player's polytope is enumerated when, after
    dominance, it has fewer actions): the compiled search finds the numpy route's vertex
    count and equilibria."""
    _kernels_or_skip()
    rng = np.random.default_rng(100)  # at k = 13 nothing is dominated
    g = _game(rng.random((k, 12)), rng.random((k, 12)))
    fast = dt.vertex_enumeration(g)
    slow = _numpy_routes(lambda: dt.vertex_enumeration(g))
    assert fast.complete and slow.complete
    assert fast.details["n_vertices"] == slow.details["n_vertices"]
    rows, cols = (k - len(fast.details["dominated"][0]), 12 - len(fast.details["dominated"][1]))
    assert fast.details["routes"] == ((None, "pivot") if rows > cols else ("pivot", None))
    assert k == 12 or fast.details["routes"] == (None, "pivot")
    assert [r is None for r in fast.details["routes"]] == [
        r is None for r in slow.details["routes"]
    ]
    assert _same_set(_profiles(fast), _profiles(slow), atol=1e-9)
    _check_equilibria(g, fast, tol=1e-12)


@settings(max_examples=40 if THOROUGH else 15)
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(1, 9),
    n=st.integers(1, 9),
    integer=st.booleans(),
)
def test_compiled_lemke_howson_agrees_with_numpy_path(seed, m, n, integer):
    """For every starting label, the compiled path ends where the numpy path ends, after
    as many pivots (on tie-ridden games both hand over to the lexicographic paths); from
    every label at once, the compiled paths give the batched paths' result."""
    _kernels_or_skip()
    A, B = _random_game(np.random.default_rng(seed), m, n, "integer" if integer else "uniform")
    g = _game(A, B)
    for label in range(m + n):
        fast = dt.lemke_howson(g, initial_label=label)
        slow = _numpy_routes(lambda label=label: dt.lemke_howson(g, initial_label=label))
        assert fast.converged and slow.converged
        assert _same_set(_profiles(fast), _profiles(slow), atol=1e-9)
        assert fast.details == slow.details and fast.nit == slow.nit
        _check_equilibria(g, fast)
    every = dt.lemke_howson(g)  # every label: compiled paths one by one, or batched
    batched = _numpy_routes(lambda: dt.lemke_howson(g))
    assert every.converged and batched.converged
    assert np.abs(_profiles(every) - _profiles(batched)).max() <= 1e-9  # same order
    assert every.details == batched.details and every.nit == batched.nit
    assert every.message == batched.message


# ------------------------------------------------------------------ input errors
class _ThreePlayerOracle(Game):
    """A structured 3-player game whose dense table must never be requested."""

    @property
    def shape(self):
        return (2, 2, 2)

    def _deviation_payoffs(self, profile):
        return [np.zeros(2)] * 3

    def to_normal_form(self, **kw):  # pragma: no cover - must not be reached
        raise AssertionError("to_normal_form called before the player-count check")


class _TwoPlayerOracle(Game):
    """A structured 2-player game (battle of the sexes) known only through its oracle and
    its dense table."""

    def __init__(self):
        self._g = _game([[3, 0], [0, 2]], [[2, 0], [0, 3]])

    @property
    def shape(self):
        return (2, 2)

    def _deviation_payoffs(self, profile):
        return self._g._deviation_payoffs(profile)

    def to_normal_form(self, **kw):
        return self._g


@pytest.mark.parametrize("method", ["support", "lemke-howson", "lp"])
def test_refuses_other_than_two_players_before_work(method):
    with pytest.raises(UnsupportedGameError, match="2-player") as info:
        dt.solve(_ThreePlayerOracle(), method=method)
    assert "3 players" in str(info.value)
    with pytest.raises(UnsupportedGameError):
        dt.solve(dt.NormalFormGame(np.zeros((3, 2, 2, 2))), method=method)


def test_structured_two_player_game():
    res = dt.solve(_TwoPlayerOracle(), method="support")
    assert len(res) == 3 and res.complete
    assert len(dt.solve(_TwoPlayerOracle(), method="lemke-howson")) == 2


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda g: dt.vertex_enumeration(g, tol=-1.0), "tol"),
        (lambda g: dt.vertex_enumeration(g, tol=0.5), "tol"),
        (lambda g: dt.vertex_enumeration(g, route="simplex"), "route"),
        (lambda g: dt.vertex_enumeration(g, max_bases=0), "max_bases"),
        (lambda g: dt.solve(g, method="support", backend="gambit"), "backend"),
        (lambda g: dt.solve(g, method="support", nashpy_method="lh"), "nashpy_method"),
        (lambda g: dt.lemke_howson(g, initial_label=4), "initial_label"),
        (lambda g: dt.lemke_howson(g, initial_label=-1), "initial_label"),
        (lambda g: dt.lemke_howson(g, initial_label=[]), "initial_label"),
        (lambda g: dt.lemke_howson(g, initial_label=1.5), "initial_label"),
        (lambda g: dt.lemke_howson(g, max_pivots=0), "max_pivots"),
        (lambda g: dt.solve_zero_sum(g, tol=float("nan")), "tol"),
        (lambda g: dt.vertex_enumeration("not a game"), "not a deterrence game"),
    ],
)
def test_bad_options(call, match):
    g = _game([[1, -1], [-1, 1]])
    with pytest.raises(DeterrenceError, match=match):
        call(g)


def test_max_bases_truncation_is_reported():
    """A search cut short says so and is not complete."""
    g = _game(np.zeros((4, 4)), np.zeros((4, 4)))
    res = dt.vertex_enumeration(g, route="lex", max_bases=2)
    assert not res.complete
    assert "max_bases" in res.message
    for eq in res:
        assert eq.regret <= 1e-9


def test_lemke_howson_out_of_pivots_is_reported():
    rng = np.random.default_rng(0)
    g = _game(rng.random((8, 8)), rng.random((8, 8)))
    res = dt.lemke_howson(g, max_pivots=1)
    assert not res.converged
    assert "max_pivots=1" in res.message
    for eq in res:
        assert eq.regret <= 1e-9


# ------------------------------------------------------------------ regression pins
def test_regression_pin_random_10x10():
    """Seeded random 10 x 10 game: the number of equilibria and the extreme payoffs
    (pinned from this implementation, cross-checked against pygambit when installed)."""
    rng = np.random.default_rng(2024)
    A, B = rng.random((10, 10)), rng.random((10, 10))
    res = dt.solve(_game(A, B), method="support")
    assert res.complete
    assert len(res) == PIN_10x10_COUNT
    assert res.max_regret <= 1e-12
