"""The catalog's game families: every known answer checked against our solvers (set equality,
regret of each listed equilibrium) and, where installed, pygambit; every game through .nfg."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deterrence as dt
from deterrence.games import catalog
from deterrence.games.families import FAMILIES, CatalogGame

REGRET_TOL = 1e-9


def key(profile, digits=9):
    return tuple(tuple(np.round(np.asarray(s, dtype=float), digits).tolist()) for s in profile)


def solver_set(game, method="support"):
    res = dt.solve(game, method=method)
    assert res.complete
    for eq in res.equilibria:
        assert eq.regret <= REGRET_TOL
    return {key(eq.strategies) for eq in res.equilibria}


def check_listed(c: CatalogGame):
    for profile in c.equilibria:
        assert dt.regret(c.game, profile) <= REGRET_TOL, (c.name, profile)
    assert len({key(p) for p in c.equilibria}) == len(c.equilibria)  # no repeats


def gambit():
    return pytest.importorskip("pygambit", reason="pygambit (test extra) not installed")


def gambit_game(game):
    return gambit().read_nfg(io.StringIO(dt.write_nfg(game, form="payoff")))


# ------------------------------------------------------------------ every family
@pytest.mark.parametrize("name", sorted(FAMILIES))
class TestEveryFamily:
    def test_listed_equilibria_have_zero_regret(self, name):
        fn, kwargs = FAMILIES[name]
        c = fn(**kwargs)
        assert isinstance(c, CatalogGame) and c.name == name
        check_listed(c)
        if c.answer in ("all", "some", "extreme", "pure"):
            assert c.equilibria
        if c.answer == "all":
            assert c.n_equilibria == len(c.equilibria) and not c.continuum
        if c.continuum:
            assert c.answer == "extreme" and c.n_equilibria is None

    def test_known_answer_matches_our_solvers(self, name):
        fn, kwargs = FAMILIES[name]
        c = fn(**kwargs)
        listed = {key(p) for p in c.equilibria}
        if c.answer in ("all", "extreme"):
            assert solver_set(c.game) == listed
        elif c.answer == "pure":
            assert solver_set(c.game, "pure") == listed
        elif c.answer == "some":
            assert listed <= solver_set(c.game, "pure" if c.game.n_players > 2 else "support")
        elif c.answer == "count":
            assert len(solver_set(c.game)) == c.n_equilibria

    def test_writable_as_nfg_and_read_back_to_the_same_table(self, name, tmp_path):
        fn, kwargs = FAMILIES[name]
        game = fn(**kwargs).game
        dense = game.to_normal_form()
        for form in ("payoff", "outcome"):
            path = tmp_path / f"{name}-{form}.nfg"
            dt.write_nfg(game, path, form=form)
            back = dt.read_nfg(path)
            assert back.shape == dense.shape
            assert np.array_equal(back.payoffs, dense.payoffs)

    @pytest.mark.peer
    def test_gambit_reads_the_same_table(self, name):
        fn, kwargs = FAMILIES[name]
        dense = fn(**kwargs).game.to_normal_form()
        theirs = gambit_game(dense)
        arrays = [np.asarray(a, dtype=float) for a in theirs.to_arrays(dtype=float)]
        for mine, yours in zip(dense.payoffs, arrays, strict=True):
            assert np.array_equal(mine, yours)


def test_games_table_lists_every_family():
    t = dt.catalog.games()
    assert list(t["name"]) == list(FAMILIES)
    assert {"name", "players", "sizes", "parameters", "answer", "n_equilibria", "source"} <= set(
        t.columns
    )
    row = t.set_index("name").loc["coordination"]
    assert (row["players"], row["sizes"], row["n_equilibria"], row["answer"]) == (
        2,
        (3, 3),
        7,
        "all",
    )
    for name, sizes in zip(t["name"], t["sizes"], strict=True):
        fn, kwargs = FAMILIES[name]
        assert tuple(fn(**kwargs).game.shape) == sizes


# ------------------------------------------------------------------ random families
@pytest.mark.parametrize(
    "make",
    [
        lambda rng: catalog.uniform_game((3, 4), rng=rng),
        lambda rng: catalog.normal_game((3, 4), rng=rng),
        lambda rng: catalog.integer_game((3, 4), rng=rng),
        lambda rng: catalog.covariant((3, 4), 0.3, rng=rng),
    ],
    ids=["uniform", "normal", "integer", "covariant"],
)
def test_random_families_are_seeded(make):
    assert make(5).game == make(5).game
    assert make(np.random.default_rng(5)).game == make(5).game
    assert make(5).game != make(6).game


def test_random_families_parameters():
    g = catalog.normal_game((200, 50), mean=3.0, sd=0.5, rng=0).game
    assert abs(g.payoffs.mean() - 3.0) < 0.01 and abs(g.payoffs.std() - 0.5) < 0.01
    g = catalog.integer_game((4, 4), low=-1, high=1, rng=0).game
    assert set(np.unique(g.payoffs).tolist()) == {-1.0, 0.0, 1.0}
    g = catalog.uniform_game((50, 50), low=2.0, high=3.0, rng=0).game
    assert g.payoffs.min() >= 2.0 and g.payoffs.max() < 3.0
    with pytest.raises(dt.DeterrenceError, match="sd"):
        catalog.normal_game((2, 2), sd=0.0)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(2, 4))
def test_integer_games_with_ties_solve_with_small_regret(seed, k):
    g = catalog.integer_game((k, k), low=0, high=2, rng=seed).game
    res = dt.solve(g, method="support")
    assert res.equilibria and all(e.regret <= REGRET_TOL for e in res.equilibria)


# ------------------------------------------------------------------ coordination
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_coordination_has_2_to_the_n_minus_1_equilibria(n):
    weights = np.random.default_rng(n).uniform(0.5, 3.0, size=n)
    c = catalog.coordination(n, weights=weights)
    assert c.n_equilibria == 2**n - 1 == len(c.equilibria)
    check_listed(c)
    assert solver_set(c.game) == {key(p) for p in c.equilibria}


@pytest.mark.peer
@pytest.mark.parametrize("n", [2, 3, 4])
def test_coordination_count_matches_gambit(n):
    gbt = gambit()
    c = catalog.coordination(n)
    res = gbt.nash.enummixed_solve(gambit_game(c.game), rational=True)
    theirs = {
        key([[float(p[s]) for s in pl.strategies] for pl in p.game.players]) for p in res.equilibria
    }
    assert theirs == {key(p) for p in c.equilibria}


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_anti_coordination_extreme_equilibria(n):
    c = catalog.anti_coordination(n)
    assert len(c.equilibria) == n * (n - 1) + 1
    assert c.continuum == (n >= 3)
    check_listed(c)
    assert solver_set(c.game) == {key(p) for p in c.equilibria}
    if n >= 3:  # the derivation: any mixtures on disjoint supports are an equilibrium
        x = np.array([0.3, 0.7] + [0.0] * (n - 2))
        y = np.array([0.0, 0.0, 1.0] + [0.0] * (n - 3))
        assert dt.regret(c.game, [x, y]) <= REGRET_TOL


def test_coordination_bad_arguments():
    with pytest.raises(dt.DeterrenceError, match="weights"):
        catalog.coordination(3, weights=[1, 2])
    with pytest.raises(dt.DeterrenceError, match="weights"):
        catalog.coordination(2, weights=[1, -2])
    with pytest.raises(dt.DeterrenceError, match="n_actions"):
        catalog.anti_coordination(1)


# ------------------------------------------------------------------ literature
class TestVonStengel:
    def test_75_equilibria_by_support_enumeration(self):
        c = catalog.von_stengel_75()
        res = dt.solve(c.game, method="support")
        assert res.complete and len(res.equilibria) == 75 == c.n_equilibria
        assert max(e.regret for e in res.equilibria) <= REGRET_TOL
        assert "nondegenerate" in res.message

    def test_bundled_file_is_the_published_matrix(self):
        A, B = catalog.von_stengel_75().game.payoffs
        assert A.shape == B.shape == (6, 6)
        # spot values of the published matrices (first row and a corner)
        assert A[0].tolist() == [9504, -660, 19976, -20526, 1776, -8976]
        assert B[5].tolist() == [-453420, -227040, -113850, -45936, -660, 31680]

    @pytest.mark.peer
    def test_gambit_enummixed_agrees(self):
        gbt = gambit()
        c = catalog.von_stengel_75()
        res = gbt.nash.enummixed_solve(gambit_game(c.game), rational=True)
        assert len(res.equilibria) == 75
        theirs = {
            key([[float(p[s]) for s in pl.strategies] for pl in p.game.players], 7)
            for p in res.equilibria
        }
        ours = {key(e.strategies, 7) for e in dt.solve(c.game, method="support").equilibria}
        assert theirs == ours


# ------------------------------------------------------------------ story games
class TestContest:
    @pytest.mark.parametrize("n", [2, 3])
    def test_most_violent_is_the_dense_contest(self, n):
        levels = [0.0, 0.25, 0.5, 1.0]
        c = catalog.most_violent_game(n, levels, benefit=1.0, penalty=1.5)
        dense = catalog.most_violent_contest(n, levels, benefit=1.0, penalty=1.5)
        assert np.array_equal(c.game.to_normal_form().payoffs, dense.payoffs)

    @settings(max_examples=25, deadline=None)
    @given(
        b=st.floats(0.0, 2.0),
        cost=st.floats(0.0, 2.0),
        L=st.floats(0.0, 3.0),
        n=st.integers(2, 3),
    )
    def test_all_zero_listed_exactly_when_it_is_an_equilibrium(self, b, cost, L, n):
        c = catalog.most_violent_game(n, [0.0, 0.5, 1.0], benefit=b, cost=cost, penalty=L)
        zero = tuple(np.eye(3)[0] for _ in range(n))
        is_eq = dt.regret(c.game, zero) <= 1e-12
        if c.equilibria:
            assert c.answer == "some" and key(c.equilibria[0]) == key(zero)
            assert is_eq
        else:
            assert c.answer is None
            assert not dt.is_equilibrium(c.game, zero, tol=0.0)

    def test_noisy_and_tullock_are_the_model_games(self):
        noisy = catalog.noisy_contest(3, [0, 0.5, 1], noise=0.2)
        model = dt.TargetingModel(
            n_orgs=3,
            levels=[0, 0.5, 1],
            benefit=1.0,
            penalty=1.5,
            rule=dt.NoisyMostViolent(noise=0.2),
        )
        assert np.array_equal(
            noisy.game.to_normal_form().payoffs, model.game().to_normal_form().payoffs
        )
        t = catalog.tullock_contest(2, [0, 1], revenue=2.0, targeting=False)
        dense = t.game.to_normal_form().payoffs
        # no designation, no direct gain: Tullock shares (1 + v_i) / sum_j (1 + v_j) of 2
        assert dense[0, 1, 0] == pytest.approx(2.0 * 2 / 3)
        assert dense[0, 0, 0] == pytest.approx(1.0)

    def test_noisy_contest_solves_by_logit(self):
        c = catalog.noisy_contest(2, [0, 0.5, 1], noise=0.3)
        res = dt.solve(c.game, method="logit")
        assert res.equilibria and res.equilibria[0].regret <= 1e-6


class TestCapacity:
    @pytest.mark.parametrize("n", [1, 2, 3, 4])
    @pytest.mark.parametrize("k", [0, 1, 2])
    @pytest.mark.parametrize("sanction", [0.5, 1.0, 1.5, 2.0, 4.0])
    def test_random_rule_pure_equilibria(self, n, k, sanction):
        c = catalog.capacity_game(n, k, cost=1.0, sanction=sanction)
        assert c.answer == "pure"
        check_listed(c)
        assert solver_set(c.game, "pure") == {key(p) for p in c.equilibria}

    @pytest.mark.parametrize("n", [2, 3])
    def test_priority_rule_unique_equilibrium(self, n):
        c = catalog.capacity_game(n, 1, cost=1.0, sanction=1.5, rule="priority")
        assert c.answer == "all" and c.n_equilibria == 1
        check_listed(c)
        assert solver_set(c.game, "pure") == {key(p) for p in c.equilibria}
        if n == 2:
            assert solver_set(c.game) == {key(p) for p in c.equilibria}

    def test_bad_arguments_are_the_games(self):
        with pytest.raises(dt.DeterrenceError, match="capacity"):
            catalog.capacity_game(2, -1)
