"""The game catalog: the most-violent contest against an independent brute-force table,
reproducible random generators, the classics' known equilibria, size limits, and the
bundled .nfg files (which must equal the catalog's games)."""

from __future__ import annotations

import itertools
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deterrence as dt
from deterrence.errors import DeterrenceError, GameTooLargeError
from deterrence.games import catalog, nfg


# ------------------------------------------------------------- most violent contest
def brute_contest(n, levels, benefit, penalty, floor, ties):
    """u_i = b_i v_i - L_i P(i designated), profile by profile with itertools."""
    levels = list(levels)
    b = np.broadcast_to(np.asarray(benefit, dtype=float), (n,))
    L = np.broadcast_to(np.asarray(penalty, dtype=float), (n,))
    k = len(levels)
    out = np.zeros((n, *(k,) * n))
    for prof in itertools.product(range(k), repeat=n):
        v = [levels[a] for a in prof]
        top = max(v)
        tied = [i for i in range(n) if v[i] == top]
        for i in range(n):
            p = 0.0
            if top > floor and i in tied:
                p = 1.0 if ties == "all" else 1.0 / len(tied)
            out[(i, *prof)] = b[i] * v[i] - L[i] * p
    return out


class TestMostViolent:
    @pytest.mark.parametrize("n", [1, 2, 3, 4])
    @pytest.mark.parametrize("ties", ["split", "random", "all"])
    def test_matches_brute_force(self, n, ties):
        levels = np.linspace(0, 1, 4)
        g = catalog.most_violent_contest(n, levels, benefit=1.0, penalty=1.5, ties=ties)
        np.testing.assert_allclose(
            g.payoffs, brute_contest(n, levels, 1.0, 1.5, 0.0, ties), rtol=0, atol=1e-15
        )
        assert g.player_names == tuple(f"Org {i + 1}" for i in range(n))
        assert g.action_names[0] == ("0", "0.333333", "0.666667", "1")

    @settings(max_examples=40)
    @given(
        n=st.integers(1, 4),
        levels=st.lists(st.integers(-3, 6).map(lambda x: x / 4), min_size=1, max_size=4),
        benefit=st.lists(st.floats(-2, 2), min_size=4, max_size=4),
        penalty=st.lists(st.floats(0, 5), min_size=4, max_size=4),
        floor=st.floats(-1, 1),
        ties=st.sampled_from(["split", "random", "all"]),
        per_org=st.booleans(),
    )
    def test_matches_brute_force_on_random_parameters(
        self, n, levels, benefit, penalty, floor, ties, per_org
    ):
        b = benefit[:n] if per_org else benefit[0]
        L = penalty[:n] if per_org else penalty[0]
        g = catalog.most_violent_contest(n, levels, benefit=b, penalty=L, floor=floor, ties=ties)
        want = brute_contest(n, levels, b, L, floor, ties)
        np.testing.assert_allclose(g.payoffs, want, rtol=1e-14, atol=1e-14)

    def test_default_levels_and_shape(self):
        g = catalog.most_violent_contest(2)
        assert g.shape == (11, 11)
        assert g.action_names[0][:3] == ("0", "0.1", "0.2")
        assert not catalog.DEFAULT_LEVELS.flags.writeable

    def test_ties_split_the_penalty(self):
        g = catalog.most_violent_contest(3, [0, 1], benefit=1.0, penalty=3.0)
        assert g[1, 1, 1].tolist() == [0.0, 0.0, 0.0]  # 1 - 3/3 each
        assert g[1, 1, 0].tolist() == [-0.5, -0.5, 0.0]  # 1 - 3/2
        assert g[1, 0, 0].tolist() == [-2.0, 0.0, 0.0]
        assert g[0, 0, 0].tolist() == [0.0, 0.0, 0.0]  # the top 0 is not above the floor

    def test_floor(self):
        g = catalog.most_violent_contest(2, [0, 1, 2], penalty=5.0, floor=1.0)
        assert g[1, 0].tolist() == [1.0, 0.0]  # top 1 is not above floor 1: no designation
        assert g[2, 1].tolist() == [-3.0, 1.0]

    @pytest.mark.parametrize("n", [2, 3, 4])
    def test_deterrence_race_to_the_bottom(self, n):
        # L > b * max(v): the only pure equilibrium is everybody at level 0
        g = catalog.most_violent_contest(n, np.linspace(0, 1, 5), benefit=1.0, penalty=1.2)
        assert [e.pure_profile for e in dt.solve(g, method="pure")] == [(0,) * n]

    @pytest.mark.parametrize("n", [2, 3])
    def test_no_penalty_means_top_violence(self, n):
        g = catalog.most_violent_contest(n, np.linspace(0, 1, 5), penalty=0.0)
        assert [e.pure_profile for e in dt.solve(g, method="pure")] == [(4,) * n]

    def test_symmetric_when_parameters_are_common(self):
        assert catalog.most_violent_contest(3, [0, 0.5, 1]).is_symmetric()
        assert not catalog.most_violent_contest(3, [0, 0.5, 1], penalty=[1, 2, 3]).is_symmetric()

    @pytest.mark.parametrize(
        ("kwargs", "phrase"),
        [
            ({"n_orgs": 0}, "n_orgs=0"),
            ({"n_orgs": 2.5}, "n_orgs=2.5"),
            ({"n_orgs": 2, "levels": []}, "levels is empty"),
            ({"n_orgs": 2, "levels": [[0, 1]]}, "levels: has 2 dimension(s)"),
            ({"n_orgs": 2, "levels": [0, np.nan]}, "levels: entry (1,)"),
            ({"n_orgs": 2, "penalty": -1.0}, "penalty=-1.0"),
            ({"n_orgs": 2, "penalty": [1, 2, 3]}, "penalty has shape (3,); expected a number or 2"),
            ({"n_orgs": 2, "benefit": np.inf}, "benefit"),
            ({"n_orgs": 2, "floor": "low"}, "floor='low'"),
            ({"n_orgs": 2, "ties": "lowest"}, "ties='lowest' is not valid"),
        ],
    )
    def test_bad_arguments(self, kwargs, phrase):
        with pytest.raises(DeterrenceError) as info:
            catalog.most_violent_contest(**kwargs)
        assert phrase in str(info.value)

    def test_size_limit(self):
        with pytest.raises(GameTooLargeError, match="max_profiles=50000000"):
            catalog.most_violent_contest(10, np.linspace(0, 1, 11))
        with pytest.raises(GameTooLargeError, match="max_profiles=100"):
            catalog.most_violent_contest(3, np.linspace(0, 1, 5), max_profiles=100)


# --------------------------------------------------------------------------- random
class TestRandom:
    @pytest.mark.parametrize(
        "make",
        [
            lambda rng: catalog.random_game((3, 2, 4), rng=rng),
            lambda rng: catalog.random_game((3, 2, 4), rng=rng, integer=True),
            lambda rng: catalog.covariant_game((3, 2, 4), 0.5, rng=rng),
        ],
        ids=["real", "integer", "covariant"],
    )
    def test_seeds_are_reproducible(self, make):
        assert make(42) == make(42)
        assert make(np.random.default_rng(7)) == make(np.random.default_rng(7))
        assert make(np.random.SeedSequence(3)) == make(3)
        assert make(42) != make(43)

    def test_random_game_ranges(self):
        g = catalog.random_game((4, 4), rng=0, low=-2.0, high=3.0)
        assert g.payoffs.min() >= -2.0 and g.payoffs.max() < 3.0
        h = catalog.random_game((5, 5, 5), rng=0, integer=True, low=-1, high=1)
        assert set(np.unique(h.payoffs).tolist()) == {-1.0, 0.0, 1.0}  # both ends included
        k = catalog.random_game((6, 6), rng=0, integer=True)
        assert k.payoffs.min() >= 0 and k.payoffs.max() <= 9
        assert np.all(k.payoffs == np.round(k.payoffs))
        assert catalog.random_game((2, 2), rng=0).payoffs.max() < 1.0

    def test_integer_games_have_ties(self):
        g = catalog.random_game((11, 11, 11), rng=1, integer=True)
        best = g.payoffs[0].max(axis=0)
        n_best = (g.payoffs[0] == best).sum(axis=0)
        assert (n_best > 1).mean() > 0.3  # many best responses are tied

    def test_random_game_errors(self):
        with pytest.raises(DeterrenceError, match=r"shape\[1\]=0"):
            catalog.random_game((2, 0))
        with pytest.raises(DeterrenceError, match=r"shape=\(\)"):
            catalog.random_game(())
        with pytest.raises(DeterrenceError, match="sequence of action counts"):
            catalog.random_game(None)
        with pytest.raises(DeterrenceError, match="high"):
            catalog.random_game((2, 2), low=1.0, high=1.0)
        with pytest.raises(DeterrenceError, match="high"):
            catalog.random_game((2, 2), integer=True, low=3, high=2)
        with pytest.raises(DeterrenceError, match=r"low=0\.5"):
            catalog.random_game((2, 2), integer=True, low=0.5)
        with pytest.raises(DeterrenceError, match="rng="):
            catalog.random_game((2, 2), rng="seed")
        with pytest.raises(GameTooLargeError, match="100000000 pure profiles"):
            catalog.random_game((10_000, 10_000))
        assert catalog.random_game(3, rng=0).shape == (3,)

    def test_covariant_correlation(self):
        for rho in (-0.45, 0.0, 0.8):
            g = catalog.covariant_game((20, 20, 20), rho, rng=2)
            c = np.corrcoef(g.payoffs.reshape(3, -1))
            off = c[~np.eye(3, dtype=bool)]
            assert np.all(np.abs(off - rho) < 0.05), (rho, off)
            assert abs(g.payoffs.std() - 1.0) < 0.05

    def test_covariant_extremes(self):
        g = catalog.covariant_game((4, 5), -1.0, rng=0)
        np.testing.assert_allclose(g.payoffs[0], -g.payoffs[1], atol=1e-12)
        h = catalog.covariant_game((3, 3, 3), 1.0, rng=0)
        np.testing.assert_allclose(h.payoffs[0], h.payoffs[2], atol=1e-12)
        m = catalog.covariant_game((3, 3, 3), -0.5, rng=0)  # the lowest rho for 3 players
        np.testing.assert_allclose(m.payoffs.sum(axis=0), 0.0, atol=1e-10)
        with pytest.raises(DeterrenceError, match=r"rho=-0\.6 is out of range"):
            catalog.covariant_game((3, 3, 3), -0.6)
        with pytest.raises(DeterrenceError, match=r"rho=1\.5"):
            catalog.covariant_game((3, 3), 1.5)


# -------------------------------------------------------------------------- classics
def support_equilibria(game):
    nashpy = pytest.importorskip("nashpy")
    assert isinstance(game.to_nashpy(), nashpy.Game)
    return [
        tuple(np.round(s, 10).tolist() for s in eq) for eq in game.to_nashpy().support_enumeration()
    ]


class TestClassics:
    def test_prisoners_dilemma(self):
        g = catalog.prisoners_dilemma()
        assert [e.pure_profile for e in dt.solve(g, method="pure")] == [(1, 1)]
        assert g.is_symmetric()

    def test_matching_pennies(self):
        g = catalog.matching_pennies()
        assert dt.solve(g, method="pure").equilibria == ()
        assert dt.regret(g, [[0.5, 0.5]] * 2) == 0.0
        assert np.array_equal(g.payoffs[0], -g.payoffs[1])

    def test_rock_paper_scissors(self):
        g = catalog.rock_paper_scissors()
        eqs = support_equilibria(g)
        assert len(eqs) == 1 and np.allclose(eqs[0], 1 / 3)
        assert dt.regret(g, [[1 / 3] * 3] * 2) < 1e-15
        assert g.is_symmetric()

    def test_shapley_unique_uniform_equilibrium(self):
        g = catalog.shapley_game()
        eqs = support_equilibria(g)
        assert len(eqs) == 1 and np.allclose(eqs[0], 1 / 3)
        assert dt.solve(g, method="pure").equilibria == ()
        # every pure profile has a profitable deviation that cycles (best responses differ)
        for a in itertools.product(range(3), repeat=2):
            assert dt.regret(g, dt.games.pure_to_mixed(g, a)) > 0

    def test_battle_of_the_sexes(self):
        g = catalog.battle_of_the_sexes()
        assert [e.pure_profile for e in dt.solve(g, method="pure")] == [(0, 0), (1, 1)]
        assert dt.regret(g, [[0.6, 0.4], [0.4, 0.6]]) < 1e-15
        assert len(support_equilibria(g)) == 3

    @pytest.mark.parametrize(("k", "n"), [(2, 2), (3, 2), (2, 3), (3, 3)])
    def test_coordination(self, k, n):
        g = catalog.coordination_game(k, n_players=n)
        assert g.shape == (k,) * n and g.is_symmetric()
        pure = {e.pure_profile for e in dt.solve(g, method="pure")}
        assert {(a,) * n for a in range(k)} <= pure
        for a in itertools.product(range(k), repeat=n):
            want = 1.0 if len(set(a)) == 1 else 0.0
            assert g[a].tolist() == [want] * n

    def test_coordination_errors(self):
        with pytest.raises(DeterrenceError, match="n_actions=0"):
            catalog.coordination_game(0)
        with pytest.raises(DeterrenceError, match="n_players=0"):
            catalog.coordination_game(2, n_players=0)


# -------------------------------------------------------------------- bundled files
BUNDLED = {
    "prisoners_dilemma": catalog.prisoners_dilemma,
    "matching_pennies": catalog.matching_pennies,
    "battle_of_the_sexes": catalog.battle_of_the_sexes,
    "rock_paper_scissors": catalog.rock_paper_scissors,
    "shapley": catalog.shapley_game,
    "most_violent_3x4": lambda: catalog.most_violent_contest(
        3, np.linspace(0, 1, 4), benefit=1.0, penalty=1.5
    ),
    "von_stengel_75": lambda: catalog.von_stengel_75().game,
}


def bundled_path(name):
    return resources.files("deterrence.games") / "data" / f"{name}.nfg"


class TestBundled:
    @pytest.mark.parametrize("name", sorted(BUNDLED))
    def test_file_equals_catalog_game(self, name):
        path = bundled_path(name)
        assert path.is_file()
        f = nfg.parse_nfg(str(path))
        game = BUNDLED[name]()
        assert f.to_game() == game and f.title == game.title
        assert f.comment  # every bundled file documents itself

    def test_every_bundled_file_is_listed(self):
        data = resources.files("deterrence.games") / "data"
        names = {p.name[:-4] for p in data.iterdir() if p.name.endswith(".nfg")}
        assert names == set(BUNDLED)

    def test_most_violent_3x4_documents_its_parameters(self):
        comment = nfg.parse_nfg(str(bundled_path("most_violent_3x4"))).comment
        for phrase in ("b = 1", "L = 1.5", "floor 0", "unique pure equilibrium is (0, 0, 0)"):
            assert phrase in comment.replace("\n", " ")
        g = dt.read_nfg(str(bundled_path("most_violent_3x4")))
        assert [e.pure_profile for e in dt.solve(g, method="pure")] == [(0, 0, 0)]

    def test_cli_solves_a_bundled_game_by_name(self, capsys):
        from deterrence.cli import main

        assert main(["solve", "most_violent_3x4", "--method", "pure"]) == 0
        out = capsys.readouterr().out
        assert "Org 1" in out and "1 pure equilibrium" in out.replace("equilibria", "equilibrium")

    def test_cli_json(self, capsys):
        import json

        from deterrence.cli import main

        assert main(["solve", "battle_of_the_sexes", "--method", "pure", "--json"]) == 0
        res = json.loads(capsys.readouterr().out)
        assert [e["pure_profile"] for e in res["equilibria"]] == [[0, 0], [1, 1]]
        assert res["game"]["actions"] == [["Opera", "Football"]] * 2

    def test_cli_reports_a_bad_file(self, tmp_path, capsys):
        from deterrence.cli import main

        p = tmp_path / "bad.nfg"
        p.write_text('NFG 1 R "x" { "a" } { 2 }\n1\n', encoding="utf-8")
        assert main(["solve", str(p), "--method", "pure"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "bad.nfg:3:1" in err and "ends after 1 number" in err
