"""Tests of ``method="auto"`` (the default of ``dt.solve``): the choice and its record."""

from __future__ import annotations

import numpy as np
import pytest

import deterrence as dt
from deterrence.errors import DeterrenceError
from deterrence.games.base import Game
from deterrence.solvers.auto import solve_auto


def volunteer(N, b=4.0, c=1.0):
    return dt.NormalFormGame.from_function(
        (2,) * N, lambda prof: [b * (0 in prof) - c * (a == 0) for a in prof]
    )


def test_two_players_get_every_equilibrium():
    bos = dt.NormalFormGame.from_bimatrix([[3, 0], [0, 2]], [[2, 0], [0, 3]])
    res = dt.solve(bos)
    assert res.method == "auto:support"
    assert res.details["auto"]["chosen"] == "support"
    assert "2-player" in res.details["auto"]["reason"]
    assert len(res) == 3 and res.complete  # two pure and one mixed
    assert all(eq.regret <= 1e-9 for eq in res)


def test_symmetric_games_with_more_players():
    res = dt.solve(volunteer(5))
    assert res.method == "auto:symmetric"
    s = (1 / 4) ** (1 / 4)
    np.testing.assert_allclose(res[0].strategies[2], [1 - s, s], atol=1e-9)
    assert res.details["auto"]["tried"][0]["method"] == "symmetric"


def test_asymmetric_games_use_the_logit_path():
    rng = np.random.default_rng(0)
    g = dt.NormalFormGame(rng.integers(0, 50, size=(3, 3, 4, 2)))
    res = solve_auto(g)
    assert res.method == "auto:logit" and res.converged
    assert "not symmetric" in res.details["auto"]["reason"]
    assert [t["method"] for t in res.details["auto"]["tried"]] == ["symmetric", "logit"]
    assert res[0].regret <= 1e-10 * float(np.ptp(g.payoffs))
    # the logit details stay available
    assert "path" in res.details


class TwoPlayerStructured(Game):
    """A 2-player game known only through its oracle (no dense table)."""

    A = np.array([[1.0, -1.0], [-1.0, 1.0]])

    @property
    def shape(self):
        return (2, 2)

    def _deviation_payoffs(self, profile):
        return [self.A @ profile[1], -(self.A.T @ profile[0])]


def test_two_player_structured_game_falls_back_to_logit():
    res = dt.solve(TwoPlayerStructured())
    assert res.method == "auto:logit"
    tried = res.details["auto"]["tried"]
    assert tried[0]["method"] == "support" and "unavailable" in tried[0]["outcome"]
    np.testing.assert_allclose(res[0].strategies[0], [0.5, 0.5], atol=1e-10)


class DeclaredSymmetric(Game):
    """A structured symmetric 3-player game: each pays 1 for action 0, and gets 3 if it is
    alone on its action (anti-coordination); declares ``symmetric = True``."""

    symmetric = True

    @property
    def shape(self):
        return (2, 2, 2)

    def _deviation_payoffs(self, profile):
        out = []
        for i in range(3):
            others = [profile[j] for j in range(3) if j != i]
            alone = np.array([others[0][1] * others[1][1], others[0][0] * others[1][0]])
            out.append(3.0 * alone - np.array([1.0, 0.0]))
        return out


def test_structured_symmetric_game_declared():
    res = dt.solve(DeclaredSymmetric())
    assert res.method == "auto:symmetric" and res.converged
    q = res[0].strategies[0]
    # closed form: with the others on action 0 with probability x, action 0 pays
    # 3 (1-x)^2 - 1 and action 1 pays 3 x^2: indifference 3 - 6x - 1 = 0, x = 1/3
    np.testing.assert_allclose(q, [1 / 3, 2 / 3], atol=1e-10)


def test_one_player_game():
    res = dt.solve(dt.NormalFormGame([[2.0, 7.0, 1.0]]))
    assert res.method == "auto:logit" and res[0].pure_profile == (1,)


def test_rejects_options_and_non_games():
    # (auto used to take no options; it now forwards the candidates' options, see
    # tests/test_solve_options.py, and refuses the others: still a TypeError)
    with pytest.raises(TypeError, match="unknown option bogus=1"):
        dt.solve(volunteer(3), method="auto", bogus=1)
    res = dt.solve(volunteer(3), method="auto", tol=1e-3)
    assert res.parameters["tol"] == 1e-3
    with pytest.raises(DeterrenceError):
        solve_auto("not a game")
