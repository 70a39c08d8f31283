"""The NormalFormGame contract: validation, the deviation-payoff oracle and its second-order
version against brute-force sums over profiles, regret and best responses, profile
validation, immutability, symmetry and nashpy interop."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import deterrence as dt
from deterrence.errors import InvalidGameError, InvalidProfileError
from deterrence.games.base import PROB_ATOL, Game, as_pure_profile, pure_to_mixed

PD = [[[3, 0], [5, 1]], [[3, 5], [0, 1]]]


# ------------------------------------------------------------------ independent helpers
def random_game(seed: int, max_players: int = 4, max_actions: int = 4, integer=False):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, max_players + 1))
    shape = tuple(int(k) for k in rng.integers(1, max_actions + 1, size=n))
    if integer:
        payoffs = rng.integers(-3, 4, size=(n, *shape)).astype(float)
    else:
        payoffs = rng.normal(size=(n, *shape)) * 10.0 ** rng.integers(-3, 4)
    return dt.NormalFormGame(payoffs), rng


def random_profile(rng, shape, *, sparse=True):
    """A mixed profile; with ``sparse`` some entries are exactly 0 (and some are pure)."""
    out = []
    for k in shape:
        p = rng.dirichlet(np.ones(k))
        if sparse and k > 1 and rng.random() < 0.4:
            p[rng.integers(k)] = 0.0
            if p.sum() == 0:
                p[0] = 1.0
            p = p / p.sum()
        if sparse and rng.random() < 0.2:
            p = np.zeros(k)
            p[rng.integers(k)] = 1.0
        out.append(p)
    return out


def brute_deviation(game, profile):
    """out[i][a] = sum over profiles with a_i = a of u_i * prod_{j != i} p_j(a_j)."""
    shape = game.shape
    out = [np.zeros(k) for k in shape]
    for prof in itertools.product(*(range(k) for k in shape)):
        for i in range(game.n_players):
            w = math.prod(profile[j][prof[j]] for j in range(game.n_players) if j != i)
            out[i][prof[i]] += w * game.payoffs[(i, *prof)]
    return out


def brute_pair(game, profile, i, j):
    shape = game.shape
    out = np.zeros((shape[i], shape[j]))
    for prof in itertools.product(*(range(k) for k in shape)):
        w = math.prod(profile[k][prof[k]] for k in range(game.n_players) if k not in (i, j))
        out[prof[i], prof[j]] += w * game.payoffs[(i, *prof)]
    return out


def brute_regrets(game, profile):
    dev = brute_deviation(game, profile)
    return np.array([d.max() - d @ p for d, p in zip(dev, profile, strict=True)])


def brute_symmetric(game, tol=0.0):
    """u_{pi(i)}(a o pi^-1) == u_i(a) for every permutation pi, player i, profile a."""
    n, shape = game.n_players, game.shape
    if len(set(shape)) != 1:
        return False
    u = game.payoffs
    for pi in itertools.permutations(range(n)):
        for a in itertools.product(*(range(k) for k in shape)):
            b = [0] * n
            for i in range(n):
                b[pi[i]] = a[i]
            for i in range(n):
                if abs(u[(pi[i], *b)] - u[(i, *a)]) > tol:
                    return False
    return True


# ------------------------------------------------------------------------- validation
class TestValidation:
    @pytest.mark.parametrize(
        ("payoffs", "phrase"),
        [
            ([1.0, 2.0], "expected (n_players"),
            (np.zeros((2, 2)), "2 payoff tables for 1 player"),
            (np.zeros((3, 2, 2)), "3 payoff tables for 2 player"),
            (np.zeros((1, 2, 2)), "1 payoff tables for 2 player"),
            (np.zeros((2, 0, 2)), "at least one action"),
            (np.zeros((2, 2, 0)), "at least one action"),
            ([[[1, 2], [3]], [[1, 2], [3, 4]]], "rectangular"),
            ([[["a", "b"]], [["c", "d"]]], "real numbers"),
            (5.0, "expected (n_players"),
        ],
    )
    def test_bad_payoffs(self, payoffs, phrase):
        with pytest.raises(InvalidGameError, match=None) as info:
            dt.NormalFormGame(payoffs)
        assert phrase in str(info.value)
        assert isinstance(info.value, ValueError)

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_non_finite_payoff_is_named(self, bad):
        p = np.zeros((2, 2, 3))
        p[1, 0, 2] = bad
        with pytest.raises(InvalidGameError) as info:
            dt.NormalFormGame(p)
        msg = str(info.value)
        assert "payoffs[1][0, 2]" in msg and "finite" in msg

    def test_one_player_game_is_valid(self):
        g = dt.NormalFormGame([[1.0, 3.0, 2.0]])
        assert g.shape == (3,) and g.n_players == 1
        assert dt.best_responses(g, [[1 / 3] * 3])[0].tolist() == [1]

    @pytest.mark.parametrize(
        ("kwargs", "phrase"),
        [
            ({"player_names": ["a"]}, "1 names; expected 2"),
            ({"player_names": ["a", "b", "c"]}, "3 names; expected 2"),
            ({"player_names": ["a", "a"]}, "duplicates"),
            ({"player_names": "ab"}, "is a string"),
            ({"action_names": [["C", "D"]]}, "1 entries; expected 2"),
            ({"action_names": [["C", "D"], ["C"]]}, "action_names[1] has 1 labels; expected 2"),
            ({"action_names": [["C", "D"], "CD"]}, "is a string"),
            ({"action_names": [["C", "D", "E"], ["C", "D"]]}, "action_names[0] has 3 labels"),
        ],
    )
    def test_bad_names(self, kwargs, phrase):
        with pytest.raises(InvalidGameError) as info:
            dt.NormalFormGame(PD, **kwargs)
        assert phrase in str(info.value)

    def test_names_and_defaults(self):
        g = dt.NormalFormGame(PD)
        assert g.player_names == ("1", "2")
        assert g.action_names == (("1", "2"), ("1", "2"))
        g = dt.NormalFormGame(
            PD, player_names=["Row", "Col"], action_names=[["C", "D"]] * 2, title="PD"
        )
        assert g.player_names == ("Row", "Col") and g.action_names[1] == ("C", "D")
        assert g.title == "PD" and "title='PD'" in repr(g)

    def test_from_bimatrix(self):
        A = np.arange(6.0).reshape(2, 3)
        g = dt.NormalFormGame.from_bimatrix(A)
        assert np.array_equal(g.payoffs[1], -A)  # zero-sum by default
        with pytest.raises(InvalidGameError, match="same shape"):
            dt.NormalFormGame.from_bimatrix(A, A.T)

    def test_from_function(self):
        g = dt.NormalFormGame.from_function((2, 3, 2), lambda a: [a[0], 10 * a[1], a[0] + a[2]])
        for a in itertools.product(range(2), range(3), range(2)):
            assert g[a].tolist() == [a[0], 10 * a[1], a[0] + a[2]]


# ------------------------------------------------------------------------- oracle
class TestOracle:
    @settings(max_examples=60)
    @given(seed=st.integers(0, 2**32 - 1), integer=st.booleans())
    @example(seed=0, integer=True)
    def test_deviation_payoffs_match_brute_force(self, seed, integer):
        game, rng = random_game(seed, integer=integer)
        profile = random_profile(rng, game.shape)
        got = game.deviation_payoffs(profile)
        want = brute_deviation(game, profile)
        scale = np.abs(game.payoffs).max() + 1.0
        assert len(got) == game.n_players
        for g, w, k in zip(got, want, game.shape, strict=True):
            assert g.shape == (k,)
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12 * scale)

    @settings(max_examples=40)
    @given(seed=st.integers(0, 2**32 - 1))
    def test_expected_payoffs(self, seed):
        game, rng = random_game(seed)
        profile = random_profile(rng, game.shape)
        want = [d @ p for d, p in zip(brute_deviation(game, profile), profile, strict=True)]
        scale = np.abs(game.payoffs).max() + 1.0
        np.testing.assert_allclose(game.expected_payoffs(profile), want, atol=1e-12 * scale)

    def test_pure_profile_reads_the_table(self):
        game, rng = random_game(7)
        for _ in range(10):
            a = tuple(int(rng.integers(k)) for k in game.shape)
            prof = pure_to_mixed(game, a)
            np.testing.assert_allclose(game.expected_payoffs(prof), game[a], rtol=1e-14)
            for i in range(game.n_players):
                row = game.payoffs[(i, *a[:i], slice(None), *a[i + 1 :])]
                np.testing.assert_allclose(game.deviation_payoffs(prof)[i], row, rtol=1e-14)

    @settings(max_examples=40)
    @given(seed=st.integers(0, 2**32 - 1))
    def test_pair_payoffs_match_brute_force(self, seed):
        game, rng = random_game(seed)
        profile = random_profile(rng, game.shape)
        scale = np.abs(game.payoffs).max() + 1.0
        for i, j in itertools.permutations(range(game.n_players), 2):
            got = game.pair_payoffs(profile, i, j)
            assert got.shape == (game.shape[i], game.shape[j])
            np.testing.assert_allclose(got, brute_pair(game, profile, i, j), atol=1e-12 * scale)
            # the generic (oracle-based) fallback agrees with the dense override
            np.testing.assert_allclose(
                Game.pair_payoffs(game, profile, i, j), got, atol=1e-12 * scale
            )

    @settings(max_examples=25)
    @given(seed=st.integers(0, 2**32 - 1))
    def test_pair_payoffs_all_matches_pair_payoffs(self, seed):
        game, rng = random_game(seed)
        if not hasattr(game, "pair_payoffs_all"):
            pytest.skip("NormalFormGame.pair_payoffs_all not present")
        profile = random_profile(rng, game.shape)
        allp = game.pair_payoffs_all(profile)
        scale = np.abs(game.payoffs).max() + 1.0
        for i, j in itertools.product(range(game.n_players), repeat=2):
            if i == j:
                assert allp[i][j] is None
            else:
                np.testing.assert_allclose(
                    allp[i][j], brute_pair(game, profile, i, j), atol=1e-12 * scale
                )

    def test_pair_payoffs_same_player_is_refused(self):
        g = dt.NormalFormGame(PD)
        with pytest.raises(InvalidProfileError, match="two different players"):
            g.pair_payoffs([[0.5, 0.5]] * 2, 1, 1)

    def test_profile_as_2d_array(self):
        g = dt.NormalFormGame(PD)
        a = g.deviation_payoffs(np.array([[0.25, 0.75], [0.5, 0.5]]))
        b = g.deviation_payoffs([[0.25, 0.75], [0.5, 0.5]])
        for x, y in zip(a, b, strict=True):
            assert np.array_equal(x, y)


# ------------------------------------------------------------------ regret, responses
class TestRegret:
    @settings(max_examples=50)
    @given(seed=st.integers(0, 2**32 - 1), integer=st.booleans())
    def test_regret_matches_brute_force(self, seed, integer):
        game, rng = random_game(seed, integer=integer)
        profile = random_profile(rng, game.shape)
        want = brute_regrets(game, profile)
        scale = np.abs(game.payoffs).max() + 1.0
        np.testing.assert_allclose(
            dt.player_regrets(game, profile), np.maximum(want, 0), atol=1e-12 * scale
        )
        assert dt.regret(game, profile) == pytest.approx(want.max(), abs=1e-12 * scale)
        assert dt.regret(game, profile) >= 0.0

    @settings(max_examples=50)
    @given(seed=st.integers(0, 2**32 - 1))
    def test_is_equilibrium_agrees_with_pure_brute_force(self, seed):
        game, _ = random_game(seed, integer=True, max_actions=3)
        for a in itertools.product(*(range(k) for k in game.shape)):
            brute = all(
                game.payoffs[(i, *a)] >= game.payoffs[(i, *a[:i], b, *a[i + 1 :])]
                for i in range(game.n_players)
                for b in range(game.shape[i])
            )
            assert dt.is_equilibrium(game, pure_to_mixed(game, a)) == brute

    def test_prisoners_dilemma(self):
        g = dt.NormalFormGame(PD)
        assert dt.is_equilibrium(g, [[0, 1], [0, 1]])
        assert not dt.is_equilibrium(g, [[1, 0], [1, 0]])
        assert dt.regret(g, [[1, 0], [1, 0]]) == 2.0
        assert dt.player_regrets(g, [[1, 0], [0, 1]]).tolist() == [1.0, 0.0]  # (C, D)

    def test_is_equilibrium_tolerance(self):
        g = dt.NormalFormGame(PD)
        near = [[0.1, 0.9], [0, 1]]  # player 1 loses 0.1 * 1 = 0.1 by not defecting fully
        assert dt.regret(g, near) == pytest.approx(0.1)
        assert not dt.is_equilibrium(g, near)
        assert dt.is_equilibrium(g, near, tol=0.11)
        with pytest.raises(dt.DeterrenceError, match="tol"):
            dt.is_equilibrium(g, near, tol=-1)

    def test_best_responses_with_ties(self):
        mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
        assert [b.tolist() for b in dt.best_responses(mp, [[0.5, 0.5]] * 2)] == [[0, 1], [0, 1]]
        assert [b.tolist() for b in dt.best_responses(mp, [[0.6, 0.4]] * 2)] == [[0], [1]]
        near = [[0.5 + 1e-10, 0.5 - 1e-10]] * 2
        assert dt.best_responses(mp, near)[1].tolist() == [1]
        assert dt.best_responses(mp, near, tol=1e-6)[1].tolist() == [0, 1]

    def test_best_response_tie_breaking(self):
        g = dt.NormalFormGame([[[1, 1, 1], [0, 0, 0], [1, 1, 1]], np.zeros((3, 3))])
        prof = [[1 / 3] * 3] * 2
        assert dt.best_response(g, 0, prof) == 0
        assert dt.best_response(g, 0, prof, tie_breaking="largest") == 2
        picks = {dt.best_response(g, 0, prof, tie_breaking="random", rng=s) for s in range(40)}
        assert picks == {0, 2}
        assert dt.best_response(g, 0, prof, tie_breaking="random", rng=3) == dt.best_response(
            g, 0, prof, tie_breaking="random", rng=3
        )
        with pytest.raises(dt.DeterrenceError, match="'smallest', 'largest', 'random'"):
            dt.best_response(g, 0, prof, tie_breaking="first")
        with pytest.raises(dt.DeterrenceError, match="player=2"):
            dt.best_response(g, 2, prof)


# ----------------------------------------------------------------------- profiles
class TestProfiles:
    @pytest.mark.parametrize(
        ("profile", "phrase"),
        [
            ([[0.5, 0.5]], "1 strategies; expected 2"),
            ([[0.5, 0.5]] * 3, "3 strategies; expected 2"),
            ([[1.0], [0.5, 0.5]], "profile[0] has shape (1,); expected (2,)"),
            ([[0.5, 0.5], [0.2, 0.3, 0.5]], "profile[1] has shape (3,)"),
            ([[0.5, 0.5], [[0.5, 0.5]]], "profile[1] has shape (1, 2)"),
            ([[1.5, -0.5], [0.5, 0.5]], "negative probability"),
            ([[0.5, 0.4], [0.5, 0.5]], "profile[0] sums to"),
            ([[0.5, 0.5], [0.6, 0.6]], "profile[1] sums to"),
            ([[np.nan, 1.0], [0.5, 0.5]], "NaN or inf"),
            ([["a", "b"], [0.5, 0.5]], "profile[0]="),
            (3, "expected a sequence of 2 mixed strategies"),
        ],
    )
    def test_bad_profiles(self, profile, phrase):
        g = dt.NormalFormGame(PD)
        for call in (g.deviation_payoffs, lambda p: dt.regret(g, p), g.expected_payoffs):
            with pytest.raises(InvalidProfileError) as info:
                call(profile)
            assert phrase in str(info.value)

    def test_sum_message_names_the_value(self):
        g = dt.NormalFormGame(PD)
        with pytest.raises(InvalidProfileError, match=r"profile\[1\] sums to .*1\.2.*expected 1"):
            g.deviation_payoffs([[0.5, 0.5], [0.6, 0.6]])

    def test_tolerance_is_stated_and_applied(self):
        g = dt.NormalFormGame(PD)
        eps = PROB_ATOL / 2
        g.deviation_payoffs([[0.5 + eps, 0.5], [1.0 + eps, -eps]])  # within PROB_ATOL: fine
        with pytest.raises(InvalidProfileError, match="sums to"):
            g.deviation_payoffs([[0.5 + 4 * eps, 0.5], [0.5, 0.5]])
        with pytest.raises(InvalidProfileError, match="negative"):
            g.deviation_payoffs([[1.0 + 4 * eps, -4 * eps], [0.5, 0.5]])

    def test_pure_profiles(self):
        g = dt.NormalFormGame(np.zeros((3, 2, 3, 4)))
        assert as_pure_profile(g, [1, 2, 3]) == (1, 2, 3)
        assert [p.tolist() for p in pure_to_mixed(g, (0, 2, 1))] == [
            [1, 0],
            [0, 0, 1],
            [0, 1, 0, 0],
        ]
        for bad, phrase in [
            ((1, 2), "2 actions; expected 3"),
            ((1, 3, 0), "[0, 2]"),
            ((-1, 0, 0), "profile[0]=-1"),
            ((0, 1.0, 0), "profile[1]=1.0"),
            ((True, 0, 0), "profile[0]=True"),
        ]:
            with pytest.raises(InvalidProfileError) as info:
                as_pure_profile(g, bad)
            assert phrase in str(info.value)


# ------------------------------------------------------------------- immutability
class TestImmutability:
    def test_payoffs_are_read_only(self):
        g = dt.NormalFormGame(PD)
        assert not g.payoffs.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            g.payoffs[0, 0, 0] = 99.0
        assert g.payoffs.flags.c_contiguous and g.payoffs.dtype == np.float64

    def test_input_is_copied(self):
        arr = np.array(PD, dtype=float)
        g = dt.NormalFormGame(arr)
        arr[0, 0, 0] = 99.0
        assert g.payoffs[0, 0, 0] == 3.0

    def test_game_indexing_and_equality(self):
        g = dt.NormalFormGame(PD)
        assert g[1, 0].tolist() == [5.0, 0.0]
        assert g == dt.NormalFormGame(np.array(PD, dtype=float))
        assert g != dt.NormalFormGame(PD, player_names=["a", "b"])
        assert g != dt.NormalFormGame([[[3, 0], [5, 2]], [[3, 5], [0, 1]]])
        with pytest.raises(TypeError):
            hash(g)


# ------------------------------------------------------------------------ symmetry
def symmetrize(seed, n, k):
    """u_i(a) = f(a_i, sorted multiset of the others' actions): a symmetric game."""
    rng = np.random.default_rng(seed)
    table = {}
    payoffs = np.empty((n, *(k,) * n))
    for a in itertools.product(range(k), repeat=n):
        for i in range(n):
            key = (a[i], tuple(sorted(a[:i] + a[i + 1 :])))
            if key not in table:
                table[key] = float(rng.integers(-5, 6))
            payoffs[(i, *a)] = table[key]
    return dt.NormalFormGame(payoffs)


class TestSymmetry:
    @pytest.mark.parametrize(("n", "k"), [(2, 2), (2, 3), (3, 2), (3, 3), (4, 2)])
    def test_symmetric_games(self, n, k):
        for seed in range(3):
            g = symmetrize(seed, n, k)
            assert brute_symmetric(g)
            assert g.is_symmetric()

    @pytest.mark.parametrize(("n", "k"), [(2, 2), (3, 2), (3, 3)])
    def test_perturbed_games_are_not_symmetric(self, n, k):
        rng = np.random.default_rng(n * 10 + k)
        for seed in range(5):
            p = np.array(symmetrize(seed, n, k).payoffs)
            idx = (int(rng.integers(n)), *(int(x) for x in rng.integers(k, size=n)))
            p[idx] += 1.0
            g = dt.NormalFormGame(p)
            assert brute_symmetric(g) == g.is_symmetric()
            assert not g.is_symmetric()
            assert g.is_symmetric(tol=1.5)

    @settings(max_examples=40)
    @given(seed=st.integers(0, 2**32 - 1))
    def test_matches_brute_force_on_random_games(self, seed):
        game, _ = random_game(seed, max_actions=2, integer=True)
        assert game.is_symmetric() == brute_symmetric(game)

    def test_classics(self):
        rps = dt.NormalFormGame.from_bimatrix([[0, -1, 1], [1, 0, -1], [-1, 1, 0]])
        assert rps.is_symmetric()
        assert dt.NormalFormGame(PD).is_symmetric()
        bos = dt.NormalFormGame.from_bimatrix([[3, 0], [0, 2]], [[2, 0], [0, 3]])
        assert not bos.is_symmetric()
        assert not dt.NormalFormGame(np.zeros((2, 2, 3))).is_symmetric()  # shapes differ


# -------------------------------------------------------------------------- nashpy
class TestNashpy:
    def test_round_trip(self):
        nashpy = pytest.importorskip("nashpy")
        rng = np.random.default_rng(3)
        A, B = rng.normal(size=(2, 3, 4))
        ng = nashpy.Game(A, B)
        g = dt.NormalFormGame.from_nashpy(ng, title="t")
        assert g.shape == (3, 4) and g.title == "t"
        assert np.array_equal(g.payoffs[0], A) and np.array_equal(g.payoffs[1], B)
        back = g.to_nashpy()
        assert isinstance(back, nashpy.Game)
        for x, y in zip(back.payoff_matrices, (A, B), strict=True):
            assert np.array_equal(x, y)
        assert dt.NormalFormGame.from_nashpy(back) == dt.NormalFormGame.from_bimatrix(A, B)

    def test_zero_sum_and_equilibria_agree(self):
        nashpy = pytest.importorskip("nashpy")
        ng = nashpy.Game(np.array([[1, -1], [-1, 1]]))
        g = dt.NormalFormGame.from_nashpy(ng)
        assert np.array_equal(g.payoffs[1], -g.payoffs[0])
        for eq in g.to_nashpy().support_enumeration():
            assert dt.is_equilibrium(g, eq)

    def test_errors(self):
        with pytest.raises(InvalidGameError, match=r"nashpy\.Game"):
            dt.NormalFormGame.from_nashpy(object())
        with pytest.raises(InvalidGameError, match="2-player"):
            dt.NormalFormGame(np.zeros((3, 2, 2, 2))).to_nashpy()


class TestPayoffTypes:
    """Issue 10 item 4: booleans, complex numbers and strings are refused, never coerced."""

    @pytest.mark.parametrize(
        ("payoffs", "phrase"),
        [
            (np.ones((2, 2, 2), dtype=bool), "bool"),
            (np.ones((2, 2, 2)) + 1j, "complex"),
            (np.ones((2, 2, 2), dtype=complex), "complex"),  # zero imaginary parts too
            ([[[1 + 0j, 0], [0, 1]], [[1, 0], [0, 1]]], "complex"),
            (np.array([[[1.0, True], [0, 1]], [[1, 0], [0, 1]]], dtype=object), "boolean"),
            (np.array([[["1", 0], [0, 1]], [[1, 0], [0, 1]]], dtype=object), "string"),
        ],
    )
    def test_refused(self, payoffs, phrase):
        with pytest.raises(InvalidGameError, match=phrase):
            dt.NormalFormGame(payoffs)

    def test_object_array_of_reals_accepted(self):
        from fractions import Fraction

        arr = np.array([[[Fraction(1, 2), 0]], [[1, 2]]], dtype=object)
        assert dt.NormalFormGame(arr).payoffs.tolist() == [[[0.5, 0.0]], [[1.0, 2.0]]]

    def test_from_function_errors(self):
        with pytest.raises(InvalidGameError, match=r"payoff\(\(0, 0\)\) raised IndexError"):
            dt.NormalFormGame.from_function((2, 2), lambda p: [[0, 1][p[0] + 5], 0])
        with pytest.raises(InvalidGameError, match="returned 1 value"):
            dt.NormalFormGame.from_function((2, 2), lambda p: [0.0])
        with pytest.raises(InvalidGameError, match=r"shape\[1\]=-1"):
            dt.NormalFormGame.from_function((2, -1), lambda p: [0, 0])
        with pytest.raises(InvalidGameError, match="complex"):
            dt.NormalFormGame.from_function((2,), lambda p: [1j])

    def test_too_many_players(self):
        with pytest.raises(InvalidGameError, match="at most 63 players"):
            dt.NormalFormGame.from_function((1,) * 64, lambda p: [0.0] * 64)
        nested: list = [0.0]
        for _ in range(65):
            nested = [nested]
        with pytest.raises(InvalidGameError, match="players"):
            dt.NormalFormGame(nested)
