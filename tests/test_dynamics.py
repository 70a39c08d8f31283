"""Best-response dynamics and basins of attraction: hand-derived cases, properties, and the
contract (outcomes, cycles, reproducibility, dense fast path == oracle path)."""

from __future__ import annotations

import concurrent.futures as cf
import itertools
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deterrence as dt
from deterrence.errors import DeterrenceError, InvalidProfileError
from deterrence.games.base import Game

MP = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
COORD = dt.NormalFormGame([[[2, 0], [0, 1]], [[2, 0], [0, 1]]])
SHAPLEY = dt.NormalFormGame.from_bimatrix(
    np.eye(3), np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=float)
)


class OracleOnly(Game):
    """A game seen only through its deviation-payoff oracle (a stand-in for a structured
    game: no dense table is available to the dynamics)."""

    def __init__(self, dense: dt.NormalFormGame) -> None:
        self._dense = dense

    @property
    def shape(self) -> tuple[int, ...]:
        return self._dense.shape

    def _deviation_payoffs(self, profile):
        return self._dense._deviation_payoffs(profile)


def most_violent_game(
    n_orgs: int, n_levels: int = 11, benefit: float = 1.0, penalty: float = 0.45
) -> dt.NormalFormGame:
    """The "most violent pays" contest as a dense table.

    Levels ``v = 0, 0.1, ..., 1``; ``u_i = b * v_i - L * [i designated]`` where the
    designated organization is the unique top score above the floor 0, and ties at the top
    split ``L`` (each of ``k`` tied organizations loses ``L / k``).
    """
    levels = np.linspace(0.0, 1.0, n_levels)
    idx = np.indices((n_levels,) * n_orgs)
    top = idx.max(axis=0)
    at_top = idx == top
    designated = at_top & (top > 0)
    return dt.NormalFormGame(benefit * levels[idx] - penalty * designated / at_top.sum(axis=0))


# --------------------------------------------------------------------- hand-derived cases
def test_potential_game_converges_congestion():
    """Three drivers, two roads, payoff = -(number of drivers on one's road).

    Rosenthal potential: every strict improvement raises it, so best responses converge.
    From (0, 0, 0), sequential order: driver 0 sees load 3 on road 0 vs 1 on road 1 and
    moves (1, 0, 0). Driver 1 then compares road 0 (load 2 with it) with road 1 (load 2 if
    it joins driver 0): a tie, so with ``tie_breaking="stay"`` it stays; likewise driver 2;
    driver 0 keeps road 1 (load 1 vs 3). The rest point (1, 0, 0), a pure equilibrium, is
    reached at iteration 1.
    """
    game = dt.NormalFormGame.from_function(
        (2, 2, 2), lambda a: [-sum(1 for b in a if b == x) for x in a]
    )
    res = dt.best_response_dynamics(game, (0, 0, 0))
    assert res.outcome == "converged"
    assert res.end == (1, 0, 0)
    assert res.iterations == 1
    assert res.trajectory.tolist() == [[0, 0, 0], [1, 0, 0]]
    assert res.is_equilibrium and res.regret == 0.0
    assert res.cycle == () and res.period is None


def test_matching_pennies_cycles_with_period_four():
    """No pure equilibrium: sequential best responses from (0, 0). Player 0 (matcher) keeps
    0 against 0; player 1 (mismatcher) moves to 1; player 0 follows to 1; player 1 to 0;
    player 0 to 0: the state (profile (0, 0), player 0 to move) recurs after the first
    no-op, so the cycle starts at index 1 with period 4."""
    res = dt.best_response_dynamics(MP, (0, 0))
    assert res.outcome == "cycle"
    assert res.cycle_start == 1 and res.period == 4
    assert res.cycle == ((0, 0), (0, 1), (1, 1), (1, 0))
    assert res.iterations == 5
    assert res.trajectory.tolist() == [[0, 0], [0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]
    assert not res.is_equilibrium and res.regret == 2.0


def test_shapley_best_response_cycle():
    """Shapley's game: the row player wants to match the column (A = I), the column player
    wants to be one ahead (B[r, c] = 1 iff c = r + 1 mod 3). From (0, 1), sequentially:
    row -> 1, column -> 2, row -> 2, column -> 0, row -> 0, column -> 1: back at (0, 1)
    with the row player to move, after 6 revisions."""
    res = dt.best_response_dynamics(SHAPLEY, (0, 1))
    assert res.outcome == "cycle" and res.cycle_start == 0 and res.period == 6
    assert res.cycle == ((0, 1), (1, 1), (1, 2), (2, 2), (2, 0), (0, 0))


def test_most_violent_two_orgs_ratchet_cycle():
    """Two organizations, b = 1, L = 0.45, levels in tenths (indices 0..10).

    Player i's best response to the other's level m (index): undercutting to m - 1 pays
    (m - 1)/10; tying at m pays m/10 - 0.225, always worse; jumping above pays at most
    1 - 0.45 = 0.55 (at 10, when m < 10); at m = 0 staying at 0 pays 0 (top score 0 is not
    above the floor) against 0.55 for jumping. So BR(m) = m - 1 if (m - 1)/10 > 0.55, i.e.
    m >= 7, and 10 otherwise. Sequentially from (0, 0): (10, 0), (10, 9), (8, 9), (8, 7),
    (6, 7), (6, 10) [6 -> jump], (9, 10), (9, 8), (7, 8), (7, 6), (10, 6), (10, 9): the
    state after step 2 (profile (10, 9), player 0 to move) recurs after 10 steps.
    Violence ratchets down one grid step per revision and jumps back to the top.
    """
    res = dt.best_response_dynamics(most_violent_game(2), (0, 0))
    assert res.outcome == "cycle"
    assert res.cycle_start == 2 and res.period == 10
    assert res.cycle == (
        (10, 9),
        (8, 9),
        (8, 7),
        (6, 7),
        (6, 10),
        (9, 10),
        (9, 8),
        (7, 8),
        (7, 6),
        (10, 6),
    )
    assert res.trajectory[:3].tolist() == [[0, 0], [10, 0], [10, 9]]
    top = [max(p) for p in res.cycle]
    # the top score falls by one step at a time, then jumps back to 10
    assert top == [10, 9, 8, 7, 10, 10, 9, 8, 7, 10]
    assert not res.is_equilibrium


def test_most_violent_three_orgs_ratchet_cycle():
    """Three organizations, same parameters: with k others tied at the top, tying pays
    m/10 - 0.45/(k+1) <= m/10 - 0.15 < (m - 1)/10, so BR(m) is again m - 1 for m >= 7 and
    10 otherwise (m = the others' top). From (0, 0, 0): (10,0,0), (10,9,0), (10,9,9),
    (8,9,9), (8,8,9), (8,8,7), (7,8,7), (7,6,7), (7,6,6), (10,6,6) [6 -> jump], (10,9,6),
    (10,9,9): the state after step 3 recurs, period 9."""
    res = dt.best_response_dynamics(most_violent_game(3), (0, 0, 0))
    assert res.outcome == "cycle" and res.cycle_start == 3 and res.period == 9
    assert res.cycle == (
        (10, 9, 9),
        (8, 9, 9),
        (8, 8, 9),
        (8, 8, 7),
        (7, 8, 7),
        (7, 6, 7),
        (7, 6, 6),
        (10, 6, 6),
        (10, 9, 6),
    )


def test_most_violent_strong_penalty_races_to_the_bottom():
    """With L = 1.5 > b, jumping to the top never pays (1 - 1.5 < 0) and at m = 0 staying at
    0 (payoff 0) beats any positive level (v - 1.5 < 0): BR(m) = max(m - 1, 0). Sequential
    best responses from (10, 10) ratchet down to (0, 0), a pure equilibrium."""
    res = dt.best_response_dynamics(most_violent_game(2, penalty=1.5), (10, 10))
    assert res.outcome == "converged" and res.end == (0, 0) and res.is_equilibrium
    tops = [max(p) for p in res.trajectory.tolist()]
    assert all(a - b in (0, 1) for a, b in itertools.pairwise(tops))


def test_simultaneous_order_matching_pennies():
    """Simultaneous revisions from (0, 0): (0, 1), (1, 1), (1, 0), (0, 0): period 4."""
    res = dt.best_response_dynamics(MP, (0, 0), order="simultaneous")
    assert res.outcome == "cycle" and res.period == 4 and res.cycle_start == 0
    assert res.cycle == ((0, 0), (0, 1), (1, 1), (1, 0))


def test_simultaneous_miscoordination_two_cycle_and_inertia_breaks_it():
    """Coordination from (0, 1), simultaneous: both switch to the other's action, (1, 0),
    then back: a 2-cycle. With inertia, one eventually moves alone and play coordinates
    (an absorbing rest point), reported as converged."""
    res = dt.best_response_dynamics(COORD, (0, 1), order="simultaneous")
    assert res.outcome == "cycle" and res.cycle == ((0, 1), (1, 0))
    res = dt.best_response_dynamics(COORD, (0, 1), order="simultaneous", inertia=0.5, rng=3)
    assert res.outcome == "converged" and res.end in {(0, 0), (1, 1)} and res.is_equilibrium


def test_random_order_never_claims_a_cycle():
    res = dt.best_response_dynamics(MP, (0, 0), order="random", max_iter=200, rng=1)
    assert res.outcome == "max_iter" and res.cycle == () and res.iterations == 200
    assert "not detected" in res.message
    assert len(res.trajectory) == 201


@pytest.mark.parametrize(
    ("tie_breaking", "end"), [("stay", (1, 1)), ("smallest", (0, 0)), ("largest", (2, 2))]
)
def test_tie_breaking_rules(tie_breaking, end):
    """Every action pays the same: every profile is an equilibrium. "stay" keeps the start;
    "smallest"/"largest" move each player to action 0 / 2."""
    game = dt.NormalFormGame(np.zeros((2, 3, 3)))
    res = dt.best_response_dynamics(game, (1, 1), tie_breaking=tie_breaking)
    assert res.outcome == "converged" and res.end == end and res.is_equilibrium


def test_random_tie_breaking_is_seeded():
    game = dt.NormalFormGame(np.zeros((2, 3, 3)))
    a = dt.best_response_dynamics(game, (1, 1), tie_breaking="random", max_iter=50, rng=7)
    b = dt.best_response_dynamics(game, (1, 1), tie_breaking="random", max_iter=50, rng=7)
    assert np.array_equal(a.trajectory, b.trajectory)
    assert a.outcome == "max_iter"  # with random ties no profile is absorbing here


@pytest.mark.parametrize("order", ["sequential", "simultaneous", "random"])
@pytest.mark.parametrize("tie_breaking", ["stay", "smallest", "random"])
def test_dense_fast_path_equals_oracle_path(order, tie_breaking):
    rng = np.random.default_rng(5)
    dense = dt.NormalFormGame(rng.integers(0, 3, size=(3, 3, 2, 4)).astype(float))
    oracle = OracleOnly(dense)
    for start in [(0, 0, 0), (2, 1, 3), (1, 0, 2)]:
        kw = {"order": order, "tie_breaking": tie_breaking, "max_iter": 300, "inertia": 0.0}
        a = dt.best_response_dynamics(dense, start, rng=11, **kw)
        b = dt.best_response_dynamics(oracle, start, rng=11, **kw)
        assert a.parameters["payoff_path"] == "dense" and b.parameters["payoff_path"] == "oracle"
        assert np.array_equal(a.trajectory, b.trajectory)
        assert (a.outcome, a.cycle, a.regret) == (b.outcome, b.cycle, b.regret)


# --------------------------------------------------------------------- properties
@st.composite
def potential_games(draw):
    """Random exact potential games: u_i(a) = Phi(a) + h_i(a_-i) with integer payoffs."""
    shape = tuple(draw(st.lists(st.integers(2, 3), min_size=2, max_size=3)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    phi = rng.integers(-6, 7, size=shape).astype(float)
    pay = []
    for i in range(len(shape)):
        h = rng.integers(-6, 7, size=(*shape[:i], 1, *shape[i + 1 :])).astype(float)
        pay.append(phi + h)
    start = tuple(draw(st.integers(0, k - 1)) for k in shape)
    order = draw(st.sampled_from(["sequential", "random"]))
    return dt.NormalFormGame(np.stack(pay)), phi, start, order, seed


@settings(max_examples=60)
@given(potential_games())
def test_best_response_converges_in_potential_games(case):
    """Each change is a strict improvement for the mover, hence raises the potential by the
    same amount; the potential is bounded, so sequential (and random-order) best responses
    with "stay" tie-breaking reach a pure equilibrium."""
    game, phi, start, order, seed = case
    res = dt.best_response_dynamics(game, start, order=order, rng=seed, max_iter=5_000)
    assert res.outcome == "converged"
    assert res.is_equilibrium and res.regret == 0.0
    assert res.end in dt.pure_equilibria(game)
    traj = res.trajectory.tolist()
    for p, q in itertools.pairwise(traj):
        if p != q:
            assert phi[tuple(q)] > phi[tuple(p)]


@settings(max_examples=40)
@given(st.integers(0, 2**32 - 1))
def test_cycles_are_real_cycles(seed):
    """On random games, a reported cycle replays exactly: restarting from its first state
    reproduces the same states, and no state of a cycle is a rest point."""
    rng = np.random.default_rng(seed)
    game = dt.NormalFormGame(rng.integers(0, 4, size=(3, 3, 3, 2)).astype(float))
    start = tuple(int(rng.integers(k)) for k in game.shape)
    res = dt.best_response_dynamics(game, start)
    if res.outcome != "cycle":
        assert res.outcome == "converged" and res.is_equilibrium
        return
    mu, lam = res.cycle_start, res.period
    assert lam % game.n_players == 0  # the (profile, turn) state needs whole rounds
    assert np.array_equal(res.trajectory[mu], res.trajectory[mu + lam])
    assert len(res.trajectory) == mu + lam + 1
    assert any(not dt.is_equilibrium(game, dt.games.pure_to_mixed(game, p)) for p in res.cycle)


# --------------------------------------------------------------------- basins
def test_basins_all_starts_coordination():
    b = dt.basins(COORD, "all")
    assert [a.profiles[0] for a in b.attractors] == [(0, 0), (1, 1)]
    assert b.shares.tolist() == [0.5, 0.5]
    assert all(a.is_equilibrium for a in b.attractors)
    assert b.share_of((1, 1)) == 0.5 and b.share_of((0, 1)) == 0.0
    df = b.to_dataframe()
    assert list(df["count"]) == [2, 2]
    assert "<table" in b._repr_html_()


def test_basins_match_single_runs():
    """The lockstep batch (with precomputed best-response tables) gives, start by start,
    the attractor the single-run dynamics reports."""
    rng = np.random.default_rng(0)
    game = dt.NormalFormGame(rng.integers(0, 4, size=(3, 3, 3, 3)).astype(float))
    for order in ("sequential", "simultaneous"):
        b = dt.basins(game, "all", order=order, chunk_size=7)
        for s, start in enumerate(b.starts):
            single = dt.best_response_dynamics(game, tuple(start), order=order)
            att = b.attractors[b.labels[s]]
            assert b.outcomes[s] == single.outcome
            if single.outcome == "converged":
                assert att.profiles[0] == single.end
                assert b.iterations[s] == single.iterations
            else:
                assert att.period == single.period
                assert set(att.profiles) == set(single.cycle)


def test_basins_most_violent_three_orgs_one_cycle():
    """Every start of the 3-organization contest (L = 0.45) ends in a ratchet cycle; the
    cycle derived by hand above is one of them."""
    game = most_violent_game(3)
    b = dt.basins(game, "all")
    assert b.n_starts == 11**3
    assert all(a.kind == "cycle" and not a.is_equilibrium for a in b.attractors)
    assert abs(b.shares.sum() - 1.0) < 1e-12
    target = {
        (10, 9, 9),
        (8, 9, 9),
        (8, 8, 9),
        (8, 8, 7),
        (7, 8, 7),
        (7, 6, 7),
        (7, 6, 6),
        (10, 6, 6),
        (10, 9, 6),
    }
    assert any(set(a.profiles) == target and a.period == 9 for a in b.attractors)


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("best_response", {"order": "random", "inertia": 0.3, "max_iter": 300}),
        ("logit_response", {"temperature": 0.5, "max_iter": 50}),
        (
            "fictitious_play",
            {"variant": "stochastic", "temperature": 0.3, "max_iter": 200, "tol": 1e-2},
        ),
    ],
)
def test_basins_reproducible_serial_and_parallel(method, options):
    game = most_violent_game(2, n_levels=6) if method != "fictitious_play" else COORD
    kw = {"method": method, "n_starts": 60, "chunk_size": 16, **options}
    serial = dt.basins(game, rng=123, **kw)
    again = dt.basins(game, rng=123, **kw)
    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        threaded = dt.basins(game, rng=123, executor=ex, **kw)
    results = [again, threaded]
    if method == "best_response":
        with cf.ProcessPoolExecutor(max_workers=2) as ex:
            results.append(dt.basins(game, rng=123, executor=ex, **kw))
    for other in results:
        assert np.array_equal(serial.starts, other.starts)
        assert np.array_equal(serial.labels, other.labels)
        assert np.array_equal(serial.iterations, other.iterations)
        assert [a.label for a in serial.attractors] == [a.label for a in other.attractors]
        assert serial.shares.tolist() == other.shares.tolist()
    different = dt.basins(game, rng=124, **kw)
    assert not np.array_equal(serial.starts, different.starts)


def test_basins_map_like_callable_and_progress(capsys):
    b1 = dt.basins(MP, n_starts=30, rng=1, chunk_size=8)
    b2 = dt.basins(
        MP, n_starts=30, rng=1, chunk_size=8, executor=lambda f, xs: map(f, xs), progress=True
    )
    assert np.array_equal(b1.labels, b2.labels)
    assert b1.attractors[0].kind == "cycle" and b1.attractors[0].period == 4


def test_basins_replicator_coordination_split():
    """Replicator in the 2x2 coordination game: with x, y the shares of action 0, x grows
    iff 2y > 1 - y, i.e. y > 1/3 (and symmetrically), so the basin boundary is the line
    through (1/3, 1/3) and both pure equilibria attract a positive share."""
    b = dt.basins(COORD, method="replicator", n_starts=40, rng=0, t_max=60.0)
    kinds = {a.kind for a in b.attractors}
    assert kinds == {"rest point"}
    assert len(b.attractors) == 2 and all(a.is_equilibrium for a in b.attractors)
    for s, row in enumerate(b.starts):
        x, y = row[0], row[2]
        goes_to_0 = b.attractors[b.labels[s]].profiles[0][0][0] > 0.5
        if abs(x + 2 * y - 1) > 0.05 and abs(2 * x + y - 1) > 0.05 and ((x > 1 / 3) == (y > 1 / 3)):
            assert goes_to_0 == (x > 1 / 3)


# --------------------------------------------------------------------- contract & errors
@dataclass(frozen=True)
class BadCall:
    kwargs: dict
    match: str


@pytest.mark.parametrize(
    "case",
    [
        BadCall({"order": "clockwise"}, "order"),
        BadCall({"tie_breaking": "first"}, "tie_breaking"),
        BadCall({"inertia": 1.0}, "inertia"),
        BadCall({"max_iter": 0}, "max_iter"),
        BadCall({"tol": -1.0}, "tol"),
    ],
)
def test_best_response_dynamics_rejects_bad_options(case):
    with pytest.raises(DeterrenceError, match=case.match):
        dt.best_response_dynamics(MP, (0, 0), **case.kwargs)


def test_bad_starts_and_games():
    with pytest.raises(InvalidProfileError):
        dt.best_response_dynamics(MP, (0, 2))
    with pytest.raises(InvalidProfileError):
        dt.best_response_dynamics(MP, (0,))
    with pytest.raises(DeterrenceError, match="game"):
        dt.best_response_dynamics([[1, 2]], (0, 0))
    with pytest.raises(DeterrenceError, match="option 'ordr'"):
        dt.basins(MP, ordr="sequential")
    with pytest.raises(DeterrenceError, match="method"):
        dt.basins(MP, method="annealing")
    with pytest.raises(InvalidProfileError, match="starts"):
        dt.basins(MP, np.zeros((3, 3), dtype=int))
    with pytest.raises(InvalidProfileError):
        dt.basins(MP, np.array([[0, 5]]))
    with pytest.raises(DeterrenceError, match="temperature"):
        dt.basins(MP, method="logit_response")
    with pytest.raises(DeterrenceError, match="executor"):
        dt.basins(MP, executor=42)
    with pytest.raises(DeterrenceError, match="starts"):
        dt.basins(MP, "everything")


def test_result_is_frozen_and_tabular():
    res = dt.best_response_dynamics(most_violent_game(2), (0, 0))
    with pytest.raises(AttributeError):
        res.outcome = "converged"
    with pytest.raises(ValueError):
        res.trajectory[0, 0] = 3
    df = res.to_dataframe()
    assert list(df.columns) == ["time", "1", "2"] and len(df) == len(res.trajectory)
    levels = np.linspace(0, 1, 11)
    assert np.allclose(res.mean_actions(levels)[:, 0], levels[res.trajectory[:, 0]])
    assert "cycle" in repr(res) and "<table" in res._repr_html_()
    assert res.parameters["order"] == "sequential"


def test_plots_return_axes():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = dt.best_response_dynamics(most_violent_game(2), (0, 0))
    ax = res.plot(levels=np.linspace(0, 1, 11))
    assert ax.get_ylabel() == "level"
    _fig, ax2 = plt.subplots()
    assert dt.basins(COORD, "all").plot(ax=ax2) is ax2
    plt.close("all")


class LinearPotentialGame(Game):
    """A structured game too large for any table: ``u_i(a) = a_i * sum_{j != i} a_j / n -
    a_i**2 / 2`` (actions 0..k-1). Its deviation payoffs need only the others' mean actions,
    and ``Phi(a) = sum_{i<j} a_i a_j / n - sum_i a_i**2 / 2`` is an exact potential."""

    def __init__(self, n: int, k: int) -> None:
        self._shape = (k,) * n

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    def _deviation_payoffs(self, profile):
        acts = np.arange(self._shape[0], dtype=float)
        means = np.array([p @ acts for p in profile])
        n = len(profile)
        return [acts * (means.sum() - m) / n - acts**2 / 2 for m in means]


def test_structured_game_beyond_int64_codes():
    """25 players x 5 actions: 5**25 * 26 profiles-and-turns overflow an int64, so states
    are compared row by row through the oracle path; best responses still converge (an
    exact potential game) to a pure equilibrium, checked by the oracle's regret."""
    game = LinearPotentialGame(25, 5)
    res = dt.best_response_dynamics(game, (4,) * 12 + (0,) * 13)
    assert res.parameters["payoff_path"] == "oracle"
    assert res.outcome == "converged" and res.is_equilibrium and res.regret == 0.0
    b = dt.basins(game, n_starts=12, rng=0, chunk_size=5)
    assert all(a.kind == "rest point" and a.is_equilibrium for a in b.attractors)
    # a game with a cycle through the oracle path too: matching pennies seen as structured
    b = dt.basins(OracleOnly(MP), "all")
    assert b.attractors[0].kind == "cycle" and b.attractors[0].period == 4


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda g: dt.best_response_dynamics(g, [0, 0], max_iter=10**9 + 1), "max_iter"),
        (lambda g: dt.fictitious_play(g, max_iter=10**10), "max_iter"),
        (
            lambda g: dt.logit_response_dynamics(g, [0, 0], temperature=1.0, max_iter=10**12),
            "max_iter",
        ),
        (lambda g: dt.replicator_dynamics(g, n_points=10**7 + 1), "n_points"),
    ],
)
def test_iteration_caps_refused_before_work(call, field):
    g = dt.NormalFormGame([[[1, 0], [0, 1]], [[1, 0], [0, 1]]])
    with pytest.raises(dt.DeterrenceError, match=field):
        call(g)
