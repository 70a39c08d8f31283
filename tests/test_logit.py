"""Tests of ``method="logit"`` and ``dt.logit_path``: the logit QRE path followed through
the oracle, polished to a Nash equilibrium, on dense and structured N-player games."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import deterrence as dt
from deterrence.errors import DeterrenceError
from deterrence.games.base import Game, as_mixed_profile
from deterrence.solvers.logit import LogitPath, logit_path, solve_logit

FULL = os.environ.get("DETERRENCE_TEST_FULL") == "1"


def random_game(seed, shape, high=100):
    rng = np.random.default_rng(seed)
    return dt.NormalFormGame(rng.integers(0, high, size=(len(shape), *shape)).astype(float))


class Polymatrix(Game):
    """A structured N-player game: ``u_i(a) = sum_{j != i} A[i, j][a_i, a_j]``.

    Oracle in closed form (``u_i = sum_j A[i, j] @ p_j``), never a table, so it runs with
    many players; its dense table (``to_normal_form``) is built only for cross-checks.
    """

    def __init__(self, A):
        self.A = np.asarray(A, dtype=float)  # (N, N, n, n)

    @property
    def shape(self):
        return (self.A.shape[2],) * self.A.shape[0]

    def _deviation_payoffs(self, profile):
        P = np.asarray(profile)
        N = len(P)
        return [sum(self.A[i, j] @ P[j] for j in range(N) if j != i) for i in range(N)]

    def pair_payoffs(self, profile, i, j):
        P = np.asarray(as_mixed_profile(self, profile))
        rest = sum(self.A[i, k] @ P[k] for k in range(len(P)) if k not in (i, j))
        return self.A[i, j] + np.asarray(rest)[:, None]

    def to_normal_form(self, *, max_profiles=50_000_000):
        N, n = self.A.shape[0], self.A.shape[2]
        pay = np.zeros((N,) + (n,) * N)
        for prof in itertools.product(range(n), repeat=N):
            for i in range(N):
                pay[(i, *prof)] = sum(self.A[i, j][prof[i], prof[j]] for j in range(N) if j != i)
        return dt.NormalFormGame(pay)


# --------------------------------------------------------------------------- known games
def test_matching_pennies_path_and_equilibrium():
    mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    res = dt.solve(mp, method="logit")
    assert res.method == "logit" and res.converged and not res.complete
    np.testing.assert_allclose(res[0].strategies[0], [0.5, 0.5], atol=1e-12)
    path = res.details["path"]
    assert isinstance(path, LogitPath) and path.lambdas[0] == 0.0


def test_pure_dominant_equilibrium():
    pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    res = solve_logit(pd)
    assert res.converged and res[0].pure_profile == (1, 1)
    assert res[0].regret == 0.0


def test_three_player_closed_form_qre():
    """Three players, two actions, each player's payoff is 1 for action 0 and 0 for action
    1 whatever the others do: the QRE at lambda is p0 = 1 / (1 + exp(-lambda)) for
    everyone, exactly, and the limit is the pure equilibrium (0, 0, 0)."""
    pay = np.zeros((3, 2, 2, 2))
    pay[:, 0] = 0  # set below per player
    for i in range(3):
        idx = [slice(None)] * 3
        idx[i] = 0
        pay[(i, *idx)] = 1.0
    g = dt.NormalFormGame(pay)
    lams = [0.5, 1.0, 3.0]
    path = logit_path(g, lambdas=lams)
    for lam in lams:
        expect = 1.0 / (1.0 + np.exp(-lam))
        for s in path.profile_at(lam):
            np.testing.assert_allclose(s, [expect, 1 - expect], atol=1e-12)
    assert path.equilibrium.pure_profile == (0, 0, 0)


def test_constant_game_stays_at_centroid():
    g = dt.NormalFormGame(np.full((3, 2, 3, 2), 7.0))
    res = solve_logit(g)
    assert res.converged and res[0].regret <= 1e-12
    np.testing.assert_allclose(res[0].strategies[1], [1 / 3] * 3)


def test_one_player_game():
    g = dt.NormalFormGame([[1.0, 5.0, 2.0]])
    res = solve_logit(g)
    assert res.converged and res[0].pure_profile == (1,)


# --------------------------------------------------------------------------- properties
shapes = st.integers(3, 5).flatmap(lambda n: st.tuples(*[st.integers(2, 4) for _ in range(n)]))


@settings(max_examples=25 if not FULL else 1000)
@given(seed=st.integers(0, 2**32 - 1), shape=shapes)
@example(seed=5, shape=(3, 3, 4, 2, 2))
@example(seed=13, shape=(6, 6, 6))
# turning point at lambda = 25.2 (the branch goes back to 0.4, then on to the equilibrium):
# points accepted 1e-3 off the branch made every corrector diverge there
@example(seed=1927799, shape=(4, 3, 2, 4))
@example(seed=3898536946, shape=(4, 3, 2, 4, 3))  # near-bifurcation: Newton radius ~1e-5
@example(seed=819894016, shape=(2, 4, 4, 4, 4))  # residual at its rounding floor (eps*lambda)
@example(seed=3447825273, shape=(3, 2, 4, 4, 2))  # a frozen action comes back to life
@example(seed=3181863808, shape=(2, 4, 2, 3))  # once jumped branches (to lambda -> -inf)
@example(seed=891523650, shape=(4, 4, 4, 4))
def test_random_games_reach_tiny_regret(seed, shape):
    """Random 3- to 5-player games: the polished end point is a Nash equilibrium to regret
    <= 1e-10 times the payoff range (the acceptance floor is 1e-8)."""
    g = random_game(seed, shape)
    res = solve_logit(g)
    eq = res[0]
    scale = float(np.ptp(g.payoffs)) or 1.0
    assert eq.regret == pytest.approx(dt.regret(g, eq.strategies), abs=1e-12)
    assert res.converged, res.message
    assert eq.regret <= 1e-10 * scale
    for s in eq.strategies:
        assert s.min() >= 0 and abs(s.sum() - 1) <= 1e-12


@settings(max_examples=20 if not FULL else 1000)
@given(seed=st.integers(0, 2**32 - 1), shape=shapes, high=st.integers(2, 3))
@example(seed=1800111347, shape=(4, 4, 2, 4), high=3)
@example(seed=4103067138, shape=(3, 2, 2, 3), high=2)
@example(seed=838543262, shape=(3, 3, 2), high=2)
@example(seed=923161, shape=(3, 2, 2, 4), high=3)  # ends at a continuum of equilibria,
@example(seed=59, shape=(4, 4, 4), high=2)  # where only a minimum-norm Newton polish works
def test_games_with_many_ties(seed, shape, high):
    """Integer payoffs in {0, 1} or {0, 1, 2}: many ties, degenerate supports, continua of
    equilibria (the path may end at a non-isolated one). The polish still finds an
    equilibrium to regret <= 1e-10 times the payoff range, and the result is honest."""
    g = random_game(seed, shape, high=high)
    res = solve_logit(g)
    scale = float(np.ptp(g.payoffs)) or 1.0
    assert res[0].regret == pytest.approx(dt.regret(g, res[0].strategies), abs=1e-12)
    assert res.converged, res.message
    assert res[0].regret <= 1e-10 * scale


# --------------------------------------------------------------------------- pygambit
GAMBIT_GAMES = [
    (s, shape)
    for s, shape in enumerate(
        [
            (3, 3, 3),
            (2, 3, 4),
            (4, 4, 4),
            (3, 2, 3, 3),
            (2, 2, 2, 2, 2),
            (6, 6, 6),
            (4, 3, 2),
            (3, 3, 2, 2),
            (5, 4, 3),
            (2, 4, 3, 2),
            (3, 3, 3, 3),
            (6, 6, 6),
            (6, 6, 6),
        ]
    )
]


@pytest.mark.peer
@pytest.mark.parametrize("seed,shape", GAMBIT_GAMES)
def test_path_and_end_point_agree_with_pygambit(seed, shape):
    """The QRE at a few lambdas agrees with pygambit's ``logit_solve_lambda`` (same
    principal branch, first crossing), and the polished end point with ``logit_solve``'s
    (to its own tolerance, 1e-8 relative regret)."""
    gbt = pytest.importorskip("pygambit", reason="pygambit cross-check")
    g = random_game(1000 + seed, shape)
    gg = gbt.Game.from_arrays(*[g.payoffs[i] for i in range(g.n_players)])
    scale = float(np.ptp(g.payoffs))
    lams = [v / scale for v in (0.5, 2.0, 5.0, 10.0)]
    path = logit_path(g, lambdas=lams)
    for lam, q in zip(lams, gbt.qre.logit_solve_lambda(gg, lam=lams), strict=True):
        ref = [np.array([float(q.profile[p][s]) for s in p.strategies]) for p in gg.players]
        for a, b in zip(path.profile_at(lam), ref, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-7)
    res = solve_logit(g)
    eq = gbt.nash.logit_solve(gg).equilibria[0]
    ref = [np.array([float(eq[p][s]) for s in p.strategies]) for p in gg.players]
    assert res.converged
    dist = max(np.abs(a - b).max() for a, b in zip(res[0].strategies, ref, strict=True))
    assert dist <= 1e-4, f"end points differ by {dist}"


@pytest.mark.peer
@pytest.mark.parametrize(
    "seed,shape",
    [
        (505518942, (3, 3, 4)),  # a neighbouring equilibrium once passed the heading test
        (4224153537, (3, 3, 3, 4, 2)),  # the next four once jumped to another branch
        (1983087631, (3, 4, 3, 4)),
        (2831756386, (4, 2, 4, 4, 4)),
        (240604011, (4, 3, 2)),
    ],
)
def test_end_point_is_the_branch_limit(seed, shape):
    """Games on which the end point used to be an equilibrium other than the principal
    branch's limit (pygambit's ``logit_solve``, which follows the same branch)."""
    gbt = pytest.importorskip("pygambit", reason="pygambit cross-check")
    g = random_game(seed, shape)
    res = solve_logit(g)
    assert res.converged, res.message
    gg = gbt.Game.from_arrays(*[g.payoffs[i] for i in range(g.n_players)])
    eq = gbt.nash.logit_solve(gg).equilibria[0]
    ref = [np.array([float(eq[p][s]) for s in p.strategies]) for p in gg.players]
    dist = max(np.abs(a - b).max() for a, b in zip(res[0].strategies, ref, strict=True))
    assert dist <= 1e-4, f"end points differ by {dist}"


@pytest.mark.peer
def test_path_through_turning_points_agrees_with_pygambit():
    """A branch with two turning points at large lambda (the falsifying example of a former
    step-size collapse): lambda rises to about 25.19, falls back to about 0.40, then rises to
    the equilibrium, while dying actions' probabilities fall to 1e-230 at the first turn.
    Every recorded point is a QRE (the logit equations hold), the first crossings of a few
    lambdas agree with pygambit's ``logit_solve_lambda`` and the end point with its
    ``logit_solve``."""
    gbt = pytest.importorskip("pygambit", reason="pygambit cross-check")
    g = random_game(1927799, (4, 3, 2, 4))
    lams = [1.0, 5.0, 20.0, 25.0]
    path = logit_path(g, lambdas=lams)
    assert path.converged, path.message
    k = int(np.argmax(path.lambdas))
    assert 25.1 < path.lambdas[k] < 25.3 and path.lambdas[k:].min() < 0.5
    for j in range(len(path)):
        prof = path.profile(j)
        for s, d in zip(prof, g.deviation_payoffs(prof), strict=True):
            expect = np.exp(path.lambdas[j] * (d - d.max()))
            np.testing.assert_allclose(s, expect / expect.sum(), rtol=1e-6, atol=1e-9)
    gg = gbt.Game.from_arrays(*[g.payoffs[i] for i in range(g.n_players)])
    for lam, q in zip(lams, gbt.qre.logit_solve_lambda(gg, lam=lams), strict=True):
        ref = [np.array([float(q.profile[p][s]) for s in p.strategies]) for p in gg.players]
        for a, b in zip(path.profile_at(lam), ref, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-7)
    eq = gbt.nash.logit_solve(gg).equilibria[0]
    ref = [np.array([float(eq[p][s]) for s in p.strategies]) for p in gg.players]
    for a, b in zip(path.equilibrium.strategies, ref, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


# --------------------------------------------------------------------------- structured
def test_structured_polymatrix_through_the_oracle():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(5, 5, 3, 3))
    g = Polymatrix(A)
    res = solve_logit(g)
    assert res.converged, res.message
    dense = g.to_normal_form()
    assert dt.regret(dense, res[0].strategies) <= 1e-10 * res.details["payoff_scale"] * 10
    # the dense and structured runs follow the same branch
    res_dense = solve_logit(dense)
    assert res_dense.converged
    for a, b in zip(res[0].strategies, res_dense[0].strategies, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_structured_game_with_many_players():
    """12 players x 3 actions (531441 profiles) through the closed-form oracle."""
    rng = np.random.default_rng(11)
    g = Polymatrix(rng.normal(size=(12, 12, 3, 3)) / 12)
    res = solve_logit(g)
    assert res.converged, res.message
    assert res[0].regret <= 1e-10 * res.details["payoff_scale"]


def test_generic_second_order_fallback():
    """A structured game with only the first-order oracle: the Jacobian comes from the
    generic ``_pair_payoffs_all`` (one oracle call per pure action)."""

    class FirstOrderOnly(Polymatrix):
        pair_payoffs = Game.pair_payoffs

    rng = np.random.default_rng(5)
    A = rng.normal(size=(3, 3, 3, 3))
    a = solve_logit(FirstOrderOnly(A))
    b = solve_logit(Polymatrix(A))
    assert a.converged and b.converged
    for x, y in zip(a[0].strategies, b[0].strategies, strict=True):
        np.testing.assert_allclose(x, y, atol=1e-8)


# --------------------------------------------------------------------------- core oracle
@pytest.mark.parametrize("shape", [(2, 3), (3, 4, 2), (2, 3, 2, 3), (3, 2, 2, 3, 2)])
def test_pair_payoffs_all_matches_pairwise(shape):
    rng = np.random.default_rng(len(shape))
    g = dt.NormalFormGame(rng.normal(size=(len(shape), *shape)))
    prof = [rng.dirichlet(np.ones(k)) for k in shape]
    fast = g.pair_payoffs_all(prof)
    generic = Game._pair_payoffs_all(g, as_mixed_profile(g, prof))
    for i in range(len(shape)):
        assert fast[i][i] is None and generic[i][i] is None
        for j in range(len(shape)):
            if i != j:
                np.testing.assert_allclose(fast[i][j], g.pair_payoffs(prof, i, j), atol=1e-12)
                np.testing.assert_allclose(generic[i][j], fast[i][j], atol=1e-12)


# --------------------------------------------------------------------------- LogitPath
def test_logit_path_result_object(tmp_path):
    g = random_game(2, (3, 3, 3))
    lams = [0.01, 0.05]
    path = dt.logit_path(g, lambdas=lams)
    assert isinstance(path, LogitPath)
    assert len(path) == len(path.lambdas) == len(path.regrets) == path.profiles[0].shape[0]
    assert path.converged and path.equilibrium is not None
    assert "LogitPath(" in repr(path) and "<p>" in path._repr_html_()
    with pytest.raises(AttributeError):
        path.converged = False  # frozen
    with pytest.raises(ValueError):
        path.lambdas[0] = 1.0  # read-only arrays
    df = path.to_dataframe()
    assert list(df.columns[:2]) == ["lambda", "regret"] and len(df) == len(path)
    assert df.shape[1] == 2 + 9
    np.testing.assert_allclose(df.filter(like="1:").sum(axis=1), 1.0)
    # exact QREs at the requested lambdas: the logit equations hold
    for lam in lams:
        prof = path.profile_at(lam)
        dev = g.deviation_payoffs(prof)
        for s, d in zip(prof, dev, strict=True):
            expect = np.exp(lam * (d - d.max()))
            np.testing.assert_allclose(s, expect / expect.sum(), atol=1e-11)
    with pytest.raises(DeterrenceError, match="out of range"):
        path.profile_at(1e12)
    # regrets decrease towards the equilibrium overall
    assert path.regrets[-1] < path.regrets[0]


def test_logit_path_plot():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    path = dt.logit_path(random_game(4, (2, 3, 2)))
    ax = path.plot()
    assert ax.get_xscale() == "log" and len(ax.lines) == 7
    _fig, ax2 = plt.subplots()
    assert path.plot(ax=ax2, players=[1], xscale="linear") is ax2 and len(ax2.lines) == 3
    plt.close("all")
    with pytest.raises(DeterrenceError):
        path.plot(xscale="weird")


def test_trace_to_lambda_max_without_stopping():
    g = random_game(8, (3, 3, 3))
    path = logit_path(g, stop_at_equilibrium=False, lambda_max=5.0)
    assert path.converged and path.equilibrium is None
    assert path.lambdas[-1] >= 5.0
    assert "lambda_max" in path.message


# --------------------------------------------------------------------------- honesty
def test_reports_non_convergence_honestly():
    g = random_game(9, (4, 4, 4))
    res = solve_logit(g, max_steps=2)
    assert not res.converged and res.nit == 2
    assert "max_steps" in res.message
    eq = res[0]
    assert eq.regret > 0 and eq.regret == pytest.approx(dt.regret(g, eq.strategies))
    assert res.details["path"].equilibrium is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tol": 0},
        {"tol": -1e-3},
        {"lambda_max": 0},
        {"first_step": -1},
        {"max_accel": 0.9},
        {"max_steps": 0},
        {"max_steps": 2.5},
    ],
)
def test_validates_options(kwargs):
    g = random_game(1, (2, 2, 2))
    with pytest.raises(DeterrenceError):
        solve_logit(g, **kwargs)


def test_validates_game_and_lambdas():
    with pytest.raises(DeterrenceError, match="not a deterrence game"):
        solve_logit(np.zeros((2, 2, 2)))
    g = random_game(1, (2, 2))
    with pytest.raises(DeterrenceError, match="lambdas"):
        logit_path(g, lambdas=[1.0, -2.0])
    with pytest.raises(TypeError):
        dt.solve(g, method="logit", bogus=1)
