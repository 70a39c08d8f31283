"""Fictitious play, logit response and replicator dynamics: hand-derived behaviour,
conserved quantities, and cross-checks against QuantEcon."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import deterrence as dt
from deterrence.dynamics.fictitious import play_runs
from deterrence.dynamics.replicator import replicator_field
from deterrence.errors import DeterrenceError
from deterrence.games.base import Game

MP = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
COORD = dt.NormalFormGame([[[2, 0], [0, 1]], [[2, 0], [0, 1]]])
SHAPLEY_B = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=float)
SHAPLEY = dt.NormalFormGame.from_bimatrix(np.eye(3), SHAPLEY_B)


def _qe_game(game):
    """The same game for QuantEcon (player i's array: own action first, then i+1, ...)."""
    from quantecon.game_theory import NormalFormGame as QEGame
    from quantecon.game_theory import Player

    n = game.n_players
    return QEGame(
        [
            Player(np.array(np.transpose(game.payoffs[i], [(i + k) % n for k in range(n)])))
            for i in range(n)
        ]
    )


# --------------------------------------------------------------------- fictitious play
def test_shapley_fictitious_play_cycles():
    """Shapley (1964): in his 3x3 game fictitious play does not converge.

    Best responses go round the six profiles in the order derived in the best-response
    test: (0,1) -> (1,1) -> (1,2) -> (2,2) -> (2,0) -> (0,0) -> (0,1): the row player
    switches to match the column's action once the belief on it dominates, the column
    player switches to "one ahead" of the row's action. Each run must outlast the previous
    one by a constant factor (the beliefs need ever more rounds to shift), so the runs
    lengthen geometrically and the empirical frequencies keep circling (Shapley's
    triangle) instead of settling at the unique equilibrium (1/3, 1/3, 1/3) twice.
    """
    res = dt.fictitious_play(SHAPLEY, (0, 1), max_iter=20_000)
    assert res.outcome == "cycle" and res.period == 6
    assert res.cycle == ((0, 0), (0, 1), (1, 1), (1, 2), (2, 2), (2, 0))
    runs = play_runs(res.plays)
    order = [p for p, _ in runs]
    cyc = list(res.cycle)
    for a, b in itertools.pairwise(order):
        assert cyc[(cyc.index(a) + 1) % 6] == b  # always the next profile of the cycle
    lengths = [n for _, n in runs[:-1]]
    assert all(b > a for a, b in itertools.pairwise(lengths[3:]))  # runs grow
    ratios = np.array(lengths[-6:]) / np.array(lengths[-7:-1])
    assert np.all((ratios > 1.3) & (ratios < 1.7))  # geometric growth
    # beliefs do not converge: they keep moving over a wide range, far from equilibrium
    t = len(res.times)
    x = res.strategies[0][t // 3 :, 0]
    assert x.max() - x.min() > 0.25
    regrets = [dt.regret(SHAPLEY, [s[k] for s in res.strategies]) for k in range(t // 2, t, 101)]
    assert min(regrets) > 0.1
    assert not res.is_equilibrium


def test_matching_pennies_fictitious_play_beliefs_converge_slowly():
    """Zero-sum: fictitious play beliefs converge to the equilibrium (Robinson 1951) while
    the play itself cycles through the four profiles; the belief regret falls with t."""
    short = dt.fictitious_play(MP, (0, 0), max_iter=500)
    long = dt.fictitious_play(MP, (0, 0), max_iter=8_000)
    assert long.regret < short.regret / 2
    assert long.cycle == ((0, 0), (0, 1), (1, 1), (1, 0))
    assert dt.fictitious_play(MP, (0, 0), max_iter=50_000, tol=0.02).outcome == "converged"


@pytest.mark.peer
@pytest.mark.parametrize("which", ["shapley", "random3"])
def test_fictitious_play_matches_quantecon(which):
    """With initial weight 1, our update is QuantEcon's decreasing-gain FictitiousPlay
    (step 1/(t+2), smallest-index ties): the belief paths agree to rounding."""
    pytest.importorskip("quantecon", reason="QuantEcon cross-check")
    from quantecon.game_theory import FictitiousPlay

    if which == "shapley":
        game, start = SHAPLEY, (0, 1)
    else:
        rng = np.random.default_rng(1)
        game = dt.NormalFormGame(rng.integers(-5, 6, size=(3, 3, 2, 4)).astype(float))
        start = (0, 1, 2)
    ours = dt.fictitious_play(game, start, max_iter=1_000, tol=0.0)
    init = tuple(np.eye(k)[a] for k, a in zip(game.shape, start, strict=True))
    theirs = FictitiousPlay(_qe_game(game)).time_series(
        1_001, init_actions=init, tie_breaking="smallest", tol=1e-9
    )
    for i in range(game.n_players):
        np.testing.assert_allclose(ours.strategies[i], theirs[i], atol=1e-12)


def test_coordination_fictitious_play_converges():
    res = dt.fictitious_play(COORD, [[0.2, 0.8], [0.2, 0.8]], tol=1e-3)
    assert res.outcome == "converged" and res.is_equilibrium and res.regret <= 1e-3
    assert (res.plays == 1).all()


def test_smooth_fictitious_play_reaches_logit_qre():
    """Smooth FP stops at a fixed point of the logit response: beliefs B with
    B_i = softmax(u_i(B_-i) / T); in matching pennies that is the centre, by symmetry."""
    T = 0.5
    res = dt.fictitious_play(
        MP, [[0.9, 0.1], [0.3, 0.7]], variant="smooth", temperature=T, tol=1e-3, max_iter=200_000
    )
    assert res.outcome == "converged"
    dev = MP.deviation_payoffs(res.end)
    for b, d in zip(res.end, dev, strict=True):
        z = np.exp(d / T)
        assert np.abs(z / z.sum() - b).max() <= 1e-3
    assert res.plays is None
    assert np.allclose([p[0] for p in res.end], 0.5, atol=0.01)


def test_stochastic_fictitious_play_is_seeded():
    kw = {"variant": "stochastic", "temperature": 0.2, "max_iter": 300}
    a = dt.fictitious_play(SHAPLEY, (0, 1), rng=5, **kw)
    b = dt.fictitious_play(SHAPLEY, (0, 1), rng=5, **kw)
    c = dt.fictitious_play(SHAPLEY, (0, 1), rng=6, **kw)
    assert np.array_equal(a.trajectory, b.trajectory) and np.array_equal(a.plays, b.plays)
    assert not np.array_equal(a.plays, c.plays)


def test_fictitious_play_rejects_bad_options():
    with pytest.raises(DeterrenceError, match="variant"):
        dt.fictitious_play(MP, variant="weighted")
    with pytest.raises(DeterrenceError, match="temperature"):
        dt.fictitious_play(MP, variant="smooth")
    with pytest.raises(DeterrenceError, match="temperature"):
        dt.fictitious_play(MP, temperature=0.1)
    with pytest.raises(DeterrenceError, match="initial_weight"):
        dt.fictitious_play(MP, initial_weight=0)
    with pytest.raises(DeterrenceError):
        dt.fictitious_play(MP, [[0.5, 0.6], [0.5, 0.5]])


# --------------------------------------------------------------------- logit response
def test_logit_response_stationary_distribution_is_gibbs():
    """Blume (1993): with one uniformly drawn reviser per step choosing by the logit rule,
    in a potential game the chain is reversible with stationary law pi(a) ~ exp(Phi(a)/T)
    (detailed balance: pi(a) P(a->b) = pi(b) P(b->a) for a, b differing in one player's
    action, since exp(Phi/T) and the logit weights share the same numerators). The
    coordination game is its own potential (Phi = common payoff: 2, 0, 0, 1). After enough
    steps 4,000 independent chains (run in lockstep by ``basins``) are distributed as
    Gibbs."""
    T = 0.7
    b = dt.basins(COORD, method="logit_response", temperature=T, max_iter=60, n_starts=4_000, rng=2)
    phi = np.array([2.0, 0.0, 0.0, 1.0])
    gibbs = np.exp(phi / T) / np.exp(phi / T).sum()
    freq = np.zeros(4)
    for a in b.attractors:
        p = a.profiles[0]
        freq[2 * p[0] + p[1]] = a.share
    se = np.sqrt(gibbs * (1 - gibbs) / 4_000)
    assert np.all(np.abs(freq - gibbs) < 5 * se)
    assert all(a.kind == "end" for a in b.attractors)


def test_logit_response_time_average_matches_gibbs_and_quantecon():
    """One long chain: its occupation frequencies approach the same Gibbs law, as do
    QuantEcon's LogitDynamics (beta = 1/T) on the same game."""
    pytest.importorskip("quantecon", reason="QuantEcon cross-check")
    from quantecon.game_theory import LogitDynamics

    T = 0.7
    phi = np.array([2.0, 0.0, 0.0, 1.0])
    gibbs = np.exp(phi / T) / np.exp(phi / T).sum()
    res = dt.logit_response_dynamics(COORD, (1, 1), temperature=T, max_iter=20_000, rng=9)
    codes = 2 * res.trajectory[:, 0] + res.trajectory[:, 1]
    ours = np.bincount(codes, minlength=4) / len(codes)
    ld = LogitDynamics(_qe_game(COORD), beta=1 / T)
    series = ld.time_series(20_000, init_actions=(1, 1), random_state=9)
    theirs = np.bincount(2 * series[:, 0] + series[:, 1], minlength=4) / len(series)
    assert np.abs(ours - gibbs).max() < 0.03
    assert np.abs(theirs - gibbs).max() < 0.03


def test_logit_response_seeded_and_validated():
    a = dt.logit_response_dynamics(MP, (0, 0), temperature=1.0, rng=1, max_iter=100)
    b = dt.logit_response_dynamics(MP, (0, 0), temperature=1.0, rng=1, max_iter=100)
    assert np.array_equal(a.trajectory, b.trajectory) and a.outcome == "max_iter"
    with pytest.raises(DeterrenceError, match="temperature"):
        dt.logit_response_dynamics(MP, (0, 0), temperature=0.0)


# --------------------------------------------------------------------- replicator
def _H(x, y, xs, ys):
    return xs * np.log(x) + (1 - xs) * np.log(1 - x) + ys * np.log(y) + (1 - ys) * np.log(1 - y)


@pytest.mark.parametrize(
    ("A", "xs", "ys"),
    [
        # matching pennies: x* = y* = 1/2
        (np.array([[1.0, -1.0], [-1.0, 1.0]]), 0.5, 0.5),
        # A = [[a, b], [c, d]] = [[3, -1], [-2, 1]], alpha = a - b - c + d = 7:
        # y* = (d - b) / alpha = 2/7, x* = (d - c) / alpha = 3/7
        (np.array([[3.0, -1.0], [-2.0, 1.0]]), 3 / 7, 2 / 7),
    ],
)
def test_replicator_zero_sum_conserves_H(A, xs, ys):
    """2x2 zero-sum game (B = -A) with interior equilibrium (x*, y*); x, y = shares of
    action 0. The payoff advantages are D1 = alpha (y - y*) and D2 = -alpha (x - x*), so
    x' = x(1-x) alpha (y - y*), y' = -y(1-y) alpha (x - x*), and
    dH/dt = (x* - x) alpha (y - y*) + (y* - y)(-alpha)(x - x*) = 0 for
    H = x* log x + (1-x*) log(1-x) + y* log y + (1-y*) log(1-y): orbits are closed."""
    game = dt.NormalFormGame.from_bimatrix(A)
    x0, y0 = 0.8, 0.6
    res = dt.replicator_dynamics(
        game, [[x0, 1 - x0], [y0, 1 - y0]], t_max=40.0, n_points=2001, rtol=1e-11, atol=1e-13
    )
    x, y = res.trajectory[:, 0], res.trajectory[:, 2]
    H = _H(x, y, xs, ys)
    assert np.abs(H - H[0]).max() < 1e-7
    assert res.outcome == "max_iter"  # an orbit: never at rest
    assert x.max() - x.min() > 0.1  # and it really moves
    assert np.allclose(res.trajectory[:, :2].sum(axis=1), 1.0, atol=1e-9)
    # the derivation's vector field is the one integrated
    for k in (0, 500, 1500):
        f = replicator_field(game, res.trajectory[k])
        alpha = A[0, 0] - A[0, 1] - A[1, 0] + A[1, 1]
        assert np.isclose(f[0], x[k] * (1 - x[k]) * alpha * (y[k] - ys))
        assert np.isclose(f[2], -y[k] * (1 - y[k]) * alpha * (x[k] - xs))


def test_replicator_converges_in_coordination_and_pure_rest_points():
    res = dt.replicator_dynamics(COORD, [[0.5, 0.5], [0.5, 0.5]])
    assert res.outcome == "converged" and res.is_equilibrium
    assert np.allclose([p[0] for p in res.end], 1.0, atol=1e-6)
    # faces are invariant: a pure profile is a rest point even when it is no equilibrium
    rest = dt.replicator_dynamics(MP, (0, 0))
    assert rest.outcome == "converged" and rest.iterations == 1 and len(rest.times) == 1
    assert not rest.is_equilibrium and rest.regret == 2.0


class OracleOnly(Game):
    """A game seen only through its deviation-payoff oracle (no dense table)."""

    def __init__(self, dense: dt.NormalFormGame) -> None:
        self._dense = dense

    @property
    def shape(self) -> tuple[int, ...]:
        return self._dense.shape

    def _deviation_payoffs(self, profile):
        return self._dense._deviation_payoffs(profile)


def test_replicator_three_player_structured_equals_dense():
    rng = np.random.default_rng(4)
    dense = dt.NormalFormGame(rng.normal(size=(3, 2, 3, 2)))
    a = dt.replicator_dynamics(dense, t_max=5.0, n_points=11)
    b = dt.replicator_dynamics(OracleOnly(dense), t_max=5.0, n_points=11)
    np.testing.assert_allclose(a.trajectory, b.trajectory, rtol=0, atol=1e-12)
    assert a.strategies[1].shape == (len(a.times), 3)


def test_replicator_rejects_bad_options():
    with pytest.raises(DeterrenceError, match="t_max"):
        dt.replicator_dynamics(MP, t_max=0)
    with pytest.raises(DeterrenceError, match="method"):
        dt.replicator_dynamics(MP, method="Euler")
