"""A user's own :class:`~deterrence.Game` subclass runs through every solver and dynamic.

The subclass writes only ``shape`` and ``_deviation_payoffs`` (the seam); everything else
comes from :class:`~deterrence.Game`'s generic protocol methods. Each answer is checked
against the dense version of the same game (``NormalFormGame.from_function``), which goes
through the dense fast paths instead.

The game: ``N`` players each pick one of ``k`` routes; route ``a`` costs ``c_a`` per user,
so player ``i`` on route ``a`` earns ``b_ia - c_a * n_a`` (``n_a`` the number of players on
``a``, ``i`` included). Against independent mixtures ``p_j`` the expected payoff of route
``a`` is ``b_ia - c_a * (1 + sum_{j != i} p_ja)``: linear, so the oracle is one line.

Symmetric equilibrium (``b = 0``), derived by hand: with everyone else playing ``q``, route
``a`` earns ``-c_a (1 + (N - 1) q_a)``, strictly decreasing in ``q_a``, so the symmetric
equilibrium is unique. If every route is used, all routes earn the same ``-v``:
``q_a = (v / c_a - 1) / (N - 1)``, and ``sum_a q_a = 1`` gives ``v = (N - 1 + k) / H`` with
``H = sum_a 1 / c_a``; every route is used when ``v > max_a c_a``.
"""

from __future__ import annotations

import numpy as np
import pytest

import deterrence as dt
from deterrence.errors import UnsupportedGameError
from deterrence.solvers.symmetric import declares_symmetry


class Congestion(dt.Game):
    """Only what the seam requires: ``shape`` and ``_deviation_payoffs``."""

    def __init__(self, n_players, cost, bonus=None):
        self.cost = np.asarray(cost, dtype=float)
        k = len(self.cost)
        self.bonus = np.zeros((n_players, k)) if bonus is None else np.asarray(bonus, float)
        self._shape = (k,) * n_players

    @property
    def shape(self):
        return self._shape

    def _deviation_payoffs(self, profile):
        total = np.sum(profile, axis=0)
        return [self.bonus[i] - self.cost * (1.0 + total - p) for i, p in enumerate(profile)]


class SymmetricCongestion(Congestion):
    """The same game, declaring its symmetry (valid when ``bonus`` is the same for all)."""

    symmetric = True


def dense_of(game):
    cost, bonus, N = game.cost, game.bonus, game.n_players

    def payoff(a):
        return [bonus[i][a[i]] - cost[a[i]] * a.count(a[i]) for i in range(N)]

    return dt.NormalFormGame.from_function(game.shape, payoff)


def closed_form_symmetric(N, cost):
    cost = np.asarray(cost, dtype=float)
    v = (N - 1 + len(cost)) / np.sum(1.0 / cost)
    assert v > cost.max(), "the closed form needs every route used"
    return (v / cost - 1.0) / (N - 1)


def random_profile(rng, shape):
    return [rng.dirichlet(np.ones(k)) for k in shape]


COST = [1.0, 1.5, 2.0]


def asymmetric(N, seed=0):
    rng = np.random.default_rng(seed)
    return Congestion(N, COST, bonus=rng.uniform(0.0, 2.0, size=(N, len(COST))))


# --------------------------------------------------------------------------- the oracle
@pytest.mark.parametrize("N", [2, 3, 4])
def test_oracle_regret_and_payoffs_match_the_dense_table(N):
    g = asymmetric(N, seed=N)
    dense = dense_of(g)
    rng = np.random.default_rng(1)
    for _ in range(5):
        prof = random_profile(rng, g.shape)
        for a, b in zip(g.deviation_payoffs(prof), dense.deviation_payoffs(prof), strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
        np.testing.assert_allclose(
            g.expected_payoffs(prof), dense.expected_payoffs(prof), rtol=0, atol=1e-12
        )
        assert dt.regret(g, prof) == pytest.approx(dt.regret(dense, prof), abs=1e-12)


def test_generic_protocol_methods_match_the_dense_overrides():
    """The generic second-order oracle, symmetric hooks and Jacobian evaluator (all built
    on ``_deviation_payoffs``) agree with the dense game's own implementations."""
    g = SymmetricCongestion(4, COST)
    dense = dense_of(g)
    rng = np.random.default_rng(2)
    prof = random_profile(rng, g.shape)
    gen, den = g.pair_payoffs_all(prof), dense.pair_payoffs_all(prof)
    for i in range(4):
        for j in range(4):
            if i == j:
                assert gen[i][j] is None and den[i][j] is None
            else:
                np.testing.assert_allclose(gen[i][j], den[i][j], rtol=0, atol=1e-12)
                np.testing.assert_allclose(g.pair_payoffs(prof, i, j), den[i][j], atol=1e-12)
    q = prof[0]
    np.testing.assert_allclose(g.symmetric_payoffs(q), dense.symmetric_payoffs(q), atol=1e-12)
    np.testing.assert_allclose(
        g.symmetric_pair_payoffs(q), dense.symmetric_pair_payoffs(q), atol=1e-12
    )
    # the Jacobian evaluators: the same payoffs, and the same derivative along the simplex
    # (the generic one differentiates p -> p / sum(p), the dense one the multilinear
    # extension: they differ only in directions that leave the simplex)
    p = np.concatenate(prof)
    u_g, J_g = g.payoff_jacobian(scale=2.0).payoffs_jacobian(p)
    u_d, J_d = dense.payoff_jacobian(scale=2.0).payoffs_jacobian(p)
    np.testing.assert_allclose(u_g, u_d, atol=1e-12)
    for _ in range(3):
        d = np.concatenate([x - x.mean() for x in random_profile(rng, g.shape)])
        np.testing.assert_allclose(J_g @ d, J_d @ d, atol=1e-12)
    # the generic payoff scale: the range of the deviation payoffs at the centroid
    dev = np.concatenate(g.deviation_payoffs(dt.games.uniform_profile(g)))
    assert g.payoff_scale() == pytest.approx(np.ptp(dev))
    assert g.dense_payoffs() is None and dense.dense_payoffs() is dense.payoffs


def test_symmetry_is_unknown_unless_declared():
    assert Congestion(3, COST).is_symmetric() is None
    assert declares_symmetry(Congestion(3, COST)) is None
    assert SymmetricCongestion(3, COST).is_symmetric() is True
    assert declares_symmetry(SymmetricCongestion(3, COST)) is True
    assert dense_of(Congestion(3, COST)).is_symmetric() is True
    assert dense_of(asymmetric(3)).is_symmetric() is False


def test_none_restores_a_generic_hook():
    class Fast(Congestion):
        def symmetric_payoffs(self, q):
            return np.full(len(q), 99.0)  # deliberately wrong

    class Plain(Fast):
        symmetric_payoffs = None

    q = np.array([0.2, 0.3, 0.5])
    assert Fast(3, COST).symmetric_payoffs(q).tolist() == [99.0] * 3
    np.testing.assert_allclose(
        Plain(3, COST).symmetric_payoffs(q), Congestion(3, COST).deviation_payoffs([q] * 3)[0]
    )


# --------------------------------------------------------------------------- solvers
@pytest.mark.parametrize("N", [2, 3, 4])
def test_logit_solves_it(N):
    g = asymmetric(N, seed=10 + N)
    dense = dense_of(g)
    res = dt.solve(g, method="logit")
    assert res.converged, res.message
    assert dt.regret(dense, res[0].strategies) <= 1e-10 * res.details["payoff_scale"]
    assert res[0].regret == pytest.approx(dt.regret(dense, res[0].strategies), abs=1e-12)


@pytest.mark.parametrize("N", [3, 4, 6])
def test_symmetric_solver_finds_the_closed_form(N):
    g = SymmetricCongestion(N, COST)
    res = dt.solve(g, method="symmetric")
    assert res.converged, res.message
    np.testing.assert_allclose(res[0].strategies[0], closed_form_symmetric(N, COST), atol=1e-9)
    dense = dense_of(g)
    assert dt.regret(dense, res[0].strategies) <= 1e-9
    # the dense game (exact symmetry check, dense hooks) reaches the same point
    ref = dt.solve(dense, method="symmetric")
    np.testing.assert_allclose(ref[0].strategies[0], res[0].strategies[0], atol=1e-9)


def test_symmetric_solver_refuses_an_undeclared_game():
    with pytest.raises(UnsupportedGameError, match="cannot tell"):
        dt.solve(Congestion(3, COST), method="symmetric")


def test_auto_chooses_by_structure():
    sym = dt.solve(SymmetricCongestion(4, COST))
    assert sym.method == "auto:symmetric"
    np.testing.assert_allclose(sym[0].strategies[0], closed_form_symmetric(4, COST), atol=1e-9)

    g3 = asymmetric(3, seed=5)
    res = dt.solve(g3, tol=1e-12)
    assert res.method == "auto:logit" and res.converged
    assert res.parameters["tol"] == 1e-12
    assert res.details["auto"]["tried"][0]["outcome"].startswith("skipped")
    assert dt.regret(dense_of(g3), res[0].strategies) <= 1e-12 * res.details["payoff_scale"]

    # two players without a table: support enumeration is unavailable, logit answers
    g2 = asymmetric(2, seed=6)
    res = dt.solve(g2)
    assert res.method == "auto:logit" and res.converged
    assert res.details["auto"]["tried"][0]["method"] == "support"
    assert res.details["auto"]["tried"][0]["outcome"].startswith("unavailable")
    assert dt.regret(dense_of(g2), res[0].strategies) <= 1e-9


def test_pure_needs_a_table():
    with pytest.raises(NotImplementedError):
        dt.solve(Congestion(2, COST), method="pure")


# --------------------------------------------------------------------------- dynamics
@pytest.mark.parametrize("order", ["sequential", "simultaneous"])
def test_best_response_dynamics_match_the_dense_table(order):
    """The oracle path (rows from ``_deviation_payoffs``) and the dense path (rows read
    from the table) take the same revisions."""
    g = asymmetric(3, seed=7)
    dense = dense_of(g)
    for start in [(0, 0, 0), (2, 1, 0), (1, 2, 2)]:
        a = dt.best_response_dynamics(g, start, order=order, max_iter=200)
        b = dt.best_response_dynamics(dense, start, order=order, max_iter=200)
        assert a.outcome == b.outcome
        assert a.end == b.end
        np.testing.assert_array_equal(a.trajectory, b.trajectory)
        if a.outcome == "converged":
            assert a.is_equilibrium and dt.regret(dense, dt.games.pure_to_mixed(g, a.end)) == 0


def test_fictitious_play_matches_the_dense_table():
    g = asymmetric(3, seed=8)
    dense = dense_of(g)
    a = dt.fictitious_play(g, (0, 1, 2), max_iter=300)
    b = dt.fictitious_play(dense, (0, 1, 2), max_iter=300)
    assert a.outcome == b.outcome
    np.testing.assert_allclose(a.trajectory, b.trajectory, rtol=0, atol=1e-12)
    assert a.regret == pytest.approx(dt.regret(dense, a.end), abs=1e-12)
