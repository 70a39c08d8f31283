"""Pure Nash equilibria: known games, an oracle-based reference, peers (pygambit, QuantEcon),
tolerances, the streaming generator, both internal screening paths, errors and memory."""

from __future__ import annotations

import itertools
import tracemalloc
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import deterrence as dt
from deterrence.errors import DeterrenceError, InvalidGameError
from deterrence.games import Game, pure_to_mixed
from deterrence.solvers import pure

# --------------------------------------------------------------------------- helpers


def oracle_equilibria(game: Game, tol: float = 0.0) -> list[tuple[int, ...]]:
    """Reference: every pure profile, checked one by one through the deviation oracle."""
    return [
        a
        for a in itertools.product(*(range(k) for k in game.shape))
        if dt.regret(game, pure_to_mixed(game, a)) <= tol
    ]


@st.composite
def payoff_arrays(draw, *, min_players=1, max_players=5, max_actions=4, max_profiles=256):
    """Random payoff arrays: integers from a tiny range (many ties) or continuous floats."""
    n = draw(st.integers(min_players, max_players))
    shape = []
    for _ in range(n):
        cap = max(1, min(max_actions, max_profiles // max(1, int(np.prod(shape)))))
        shape.append(draw(st.integers(1, cap)))
    size = n * int(np.prod(shape))
    kind = draw(st.sampled_from(["tiny-int", "int", "float"]))
    if kind == "tiny-int":
        values = draw(st.lists(st.integers(0, 2), min_size=size, max_size=size))
    elif kind == "int":
        values = draw(st.lists(st.integers(-5, 5), min_size=size, max_size=size))
    else:
        seed = draw(st.integers(0, 2**32 - 1))
        values = np.random.default_rng(seed).normal(size=size) * 10
    return np.asarray(values, dtype=float).reshape(n, *shape)


N_PEER_GAMES = max(300, settings().max_examples)


# ------------------------------------------------------------------ known games


@dataclass(frozen=True, kw_only=True)
class KnownCase:
    name: str
    payoffs: list
    equilibria: list[tuple[int, ...]]


KNOWN = [
    KnownCase(
        name="prisoners-dilemma",
        payoffs=[[[3, 0], [5, 1]], [[3, 5], [0, 1]]],
        equilibria=[(1, 1)],
    ),
    KnownCase(
        name="coordination",
        payoffs=[[[2, 0], [0, 1]], [[2, 0], [0, 1]]],
        equilibria=[(0, 0), (1, 1)],
    ),
    KnownCase(
        name="matching-pennies",
        payoffs=[[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]],
        equilibria=[],
    ),
    KnownCase(
        name="battle-of-the-sexes",
        payoffs=[[[3, 0], [0, 2]], [[2, 0], [0, 3]]],
        equilibria=[(0, 0), (1, 1)],
    ),
    KnownCase(
        name="rock-paper-scissors",
        payoffs=[
            [[0, -1, 1], [1, 0, -1], [-1, 1, 0]],
            [[0, 1, -1], [-1, 0, 1], [1, -1, 0]],
        ],
        equilibria=[],
    ),
    KnownCase(
        # every profile ties: all 8 are equilibria
        name="all-zero-3-players",
        payoffs=np.zeros((3, 2, 2, 2)).tolist(),
        equilibria=list(itertools.product(range(2), repeat=3)),
    ),
    KnownCase(
        # 3-player majority game: matching the other two pays 1 -> unanimity is stable
        name="majority-3-players",
        payoffs=[
            [[[float(a == b == c) for c in range(2)] for b in range(2)] for a in range(2)]
            for _ in range(3)
        ],
        equilibria=[(0, 0, 0), (1, 1, 1)],
    ),
    KnownCase(name="one-player", payoffs=[[1.0, 3.0, 3.0, 2.0]], equilibria=[(1,), (2,)]),
    KnownCase(name="one-player-one-action", payoffs=[[7.0]], equilibria=[(0,)]),
    KnownCase(name="one-action-each", payoffs=[[[1.0]], [[-2.0]]], equilibria=[(0, 0)]),
    KnownCase(
        # player 1 has one action; player 0 best-responds
        name="one-action-opponent",
        payoffs=[[[1.0], [4.0], [4.0]], [[0.0], [0.0], [0.0]]],
        equilibria=[(1, 0), (2, 0)],
    ),
]


@pytest.mark.parametrize("case", KNOWN, ids=lambda c: c.name)
def test_known_games(case):
    g = dt.NormalFormGame(case.payoffs)
    assert dt.pure_equilibria(g) == case.equilibria
    assert list(dt.pure_equilibria_gen(g, block_size=1)) == case.equilibria
    res = dt.solve(g, method="pure")
    assert [eq.pure_profile for eq in res] == case.equilibria
    assert res.method == "pure" and res.complete and res.converged
    assert all(eq.regret == 0.0 for eq in res)


def test_exact_by_default_with_tiny_and_huge_payoffs():
    # differences of one unit in the last place must count, at any magnitude
    for scale in (1e-300, 1.0, 1e300, -5e-324):
        hi = np.nextafter(scale, np.inf)
        g = dt.NormalFormGame.from_bimatrix([[scale], [hi]], [[0.0], [0.0]])
        assert dt.pure_equilibria(g) == [(1, 0)]
        # with a tolerance as large as the gap both count
        assert dt.pure_equilibria(g, tol=hi - scale) == [(0, 0), (1, 0)]
    # extreme payoffs (the deviation gain overflows to inf) are still handled
    g = dt.NormalFormGame.from_bimatrix([[-1e308], [1e308]], [[0.0], [0.0]])
    assert dt.pure_equilibria(g, tol=1.0) == [(1, 0)]


# ------------------------------------------------------ tolerance semantics


def test_tol_boundary_is_inclusive():
    # player 0 gains exactly 0.5 by deviating from (0, 0)
    g = dt.NormalFormGame.from_bimatrix([[1.0, 0.0], [1.5, 0.0]], [[0.0, 0.0], [0.0, 0.0]])
    assert dt.pure_equilibria(g) == [(0, 1), (1, 0), (1, 1)]
    assert dt.pure_equilibria(g, tol=0.5) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert dt.pure_equilibria(g, tol=0.49) == [(0, 1), (1, 0), (1, 1)]
    res = dt.solve(g, method="pure", tol=0.5)
    assert res.parameters["tol"] == 0.5
    assert res.max_regret == 0.5


@settings(max_examples=100)
@given(u=payoff_arrays(max_profiles=128), tol=st.sampled_from([0.0, 0.25, 1.0, 2.5]))
def test_tol_means_regret_at_most_tol(u, tol):
    """Returned profiles are exactly those whose regret (through the oracle) is <= tol."""
    g = dt.NormalFormGame(u)
    assert dt.pure_equilibria(g, tol=tol) == oracle_equilibria(g, tol)


# --------------------------------------------------- reference and peers


@settings(max_examples=100)
@given(u=payoff_arrays(max_profiles=128))
@example(u=np.zeros((4, 2, 2, 2, 2)))
@example(u=np.zeros((1, 1)))
def test_matches_oracle_reference(u):
    g = dt.NormalFormGame(u)
    eqs = dt.pure_equilibria(g)
    assert eqs == oracle_equilibria(g)
    assert eqs == sorted(eqs)  # lexicographic order


def _gambit_equilibria(u):
    gbt = pytest.importorskip("pygambit", reason="pygambit (test extra) is not installed")
    # exact conversion: float -> Fraction -> pygambit Rational, so ties stay ties
    to_rational = np.vectorize(lambda x: gbt.Rational(Fraction(float(x))), otypes=[object])
    game = gbt.Game.from_arrays(*[to_rational(u[i]) for i in range(u.shape[0])])
    res = gbt.nash.enumpure_solve(game)
    out = []
    for eq in res.equilibria:
        prof = []
        for player in game.players:
            probs = [eq[s] for s in player.strategies]
            assert sorted(probs) == [0] * (len(probs) - 1) + [1]
            prof.append(probs.index(1))
        out.append(tuple(prof))
    return sorted(out)


@pytest.mark.peer
@settings(max_examples=N_PEER_GAMES)
@given(u=payoff_arrays(min_players=2, max_players=5))
@example(u=np.zeros((5, 2, 2, 2, 2, 2)))
def test_matches_pygambit_enumpure(u):
    """Hundreds of random games (2-5 players; tied integers and continuous payoffs)."""
    g = dt.NormalFormGame(u)
    expected = _gambit_equilibria(u)
    assert dt.pure_equilibria(g) == expected
    assert list(dt.pure_equilibria_gen(g, block_size=8)) == expected  # the slab path


@pytest.mark.peer
@settings(max_examples=200)
@given(u=payoff_arrays(min_players=2, max_players=5))
def test_matches_quantecon_pure_nash_brute(u):
    gt = pytest.importorskip(
        "quantecon.game_theory", reason="quantecon (test extra) is not installed"
    )
    n = u.shape[0]
    # QuantEcon's convention: player i's array lists i's own action first, then the
    # others in cyclic order i+1, ..., n-1, 0, ..., i-1
    players = [gt.Player(np.transpose(u[i], [*range(i, n), *range(i)])) for i in range(n)]
    qe = gt.pure_nash_brute(gt.NormalFormGame(players), tol=0.0)
    assert dt.pure_equilibria(dt.NormalFormGame(u)) == sorted(qe)


# ----------------------------------------------- internal paths agree


@pytest.mark.parametrize(
    ("sparse_factor", "small_inner"),
    [(0, 0), (0, 10**9), (10**9, 0), (10**9, 10**9)],
    ids=["sparse-reduce", "sparse-sliceloop", "dense-reduce", "dense-sliceloop"],
)
@pytest.mark.parametrize("kind", ["tiny-int", "float"])
@pytest.mark.parametrize("tol", [0.0, 0.3])
def test_dense_and_sparse_screens_agree(monkeypatch, sparse_factor, small_inner, kind, tol):
    """Force each screening path (dense masks / sparse gathers, reduce / slice loop) on games
    big enough to have several screens, and compare with the default path and the oracle."""
    rng = np.random.default_rng(7)
    games = [(4, 3, 5, 2), (3, 6, 6), (2, 1, 7), (5, 3, 3, 3, 3)]
    for shape in games:
        n = len(shape)
        if kind == "tiny-int":
            u = rng.integers(0, 2, size=(n, *shape)).astype(float)
        else:
            u = rng.normal(size=(n, *shape))
        g = dt.NormalFormGame(u)
        default = dt.pure_equilibria(g, tol=tol)
        with monkeypatch.context() as m:
            m.setattr(pure, "_SPARSE_FACTOR", sparse_factor)
            m.setattr(pure, "_SMALL_INNER", small_inner)
            m.setattr(pure, "_SLICE_LOOP_MIN_SIZE", 0)
            m.setattr(pure, "_SMALL_GAME", 0)  # small games take the plain path otherwise
            assert dt.pure_equilibria(g, tol=tol) == default
            assert list(dt.pure_equilibria_gen(g, tol=tol, block_size=7)) == default
        assert default == oracle_equilibria(g, tol)


# ---------------------------------------------------------- generator


@settings(max_examples=60)
@given(u=payoff_arrays(max_profiles=200), block_size=st.integers(1, 300))
def test_generator_equals_list(u, block_size):
    g = dt.NormalFormGame(u)
    assert list(dt.pure_equilibria_gen(g, block_size=block_size)) == dt.pure_equilibria(g)


def test_generator_streams_and_validates_eagerly():
    g = dt.NormalFormGame(np.zeros((3, 4, 4, 4)))  # every profile is an equilibrium
    gen = dt.pure_equilibria_gen(g, block_size=16)
    assert next(gen) == (0, 0, 0)
    assert next(gen) == (0, 0, 1)
    assert len(list(gen)) == 62
    # errors come at call time, before any next()
    with pytest.raises(DeterrenceError, match="block_size"):
        dt.pure_equilibria_gen(g, block_size=0)
    with pytest.raises(DeterrenceError, match="tol"):
        dt.pure_equilibria_gen(g, tol=-1.0)


# ------------------------------------------------------------- solve_pure


@pytest.mark.parametrize("few", [0, 10**9], ids=["vectorised-regrets", "per-profile-regrets"])
def test_solve_pure_result_and_honest_regrets(monkeypatch, few):
    monkeypatch.setattr(pure, "_FEW_EQUILIBRIA", few)
    rng = np.random.default_rng(3)
    u = rng.integers(0, 3, size=(3, 3, 4, 2)).astype(float)
    g = dt.NormalFormGame(u)
    for tol in (0.0, 1.0, 2.0):
        res = dt.solve(g, method="pure", tol=tol)
        assert res.method == "pure" and res.complete and res.converged
        assert dict(res.parameters) == {"tol": tol}
        assert [eq.pure_profile for eq in res] == dt.pure_equilibria(g, tol=tol)
        assert f"{len(res)} pure equilibri" in res.message and "24 pure profiles" in res.message
        assert len(res) > 0
        for eq in res:
            prof = eq.pure_profile
            ref = dt.Equilibrium.from_profile(g, pure_to_mixed(g, prof))
            assert eq.regret == ref.regret == dt.regret(g, eq.strategies)
            assert eq.regret <= tol
            np.testing.assert_array_equal(eq.payoffs, u[(slice(None), *prof)])
            np.testing.assert_array_equal(eq.payoffs, ref.payoffs)
            for s, a, k in zip(eq.strategies, prof, g.shape, strict=True):
                assert s.shape == (k,) and s[a] == 1.0 and s.sum() == 1.0
                assert not s.flags.writeable
            assert not eq.payoffs.flags.writeable


def test_solve_pure_no_equilibrium_is_still_complete():
    g = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    res = dt.solve(g, method="pure")
    assert len(res) == 0 and res.complete and res.converged and not res.success
    assert res.message == "0 pure equilibria among 4 pure profiles"


class _Structured(Game):
    """A non-dense game: only the oracle and a dense conversion (as structured games do)."""

    def __init__(self, payoffs):
        self._g = dt.NormalFormGame(payoffs)

    @property
    def shape(self):
        return self._g.shape

    def _deviation_payoffs(self, profile):
        return self._g._deviation_payoffs(profile)

    def to_normal_form(self, *, max_profiles=None):
        return self._g


def test_structured_game_goes_through_its_dense_table_and_oracle():
    u = np.random.default_rng(5).integers(0, 2, size=(3, 2, 3, 2)).astype(float)
    s, g = _Structured(u), dt.NormalFormGame(u)
    assert dt.pure_equilibria(s) == dt.pure_equilibria(g)
    assert list(dt.pure_equilibria_gen(s, block_size=2)) == dt.pure_equilibria(g)
    res_s, res_g = dt.solve(s, method="pure"), dt.solve(g, method="pure")
    assert len(res_s) == len(res_g) > 0
    for a, b in zip(res_s, res_g, strict=True):
        assert a.pure_profile == b.pure_profile and a.regret == b.regret == 0.0
        np.testing.assert_array_equal(a.payoffs, b.payoffs)


# ----------------------------------------------------------------- errors


@pytest.mark.parametrize("tol", [-1e-12, float("nan"), float("inf"), True, None, [0.1]])
def test_bad_tol(tol):
    g = dt.NormalFormGame([[[1.0]], [[1.0]]])
    for call in (dt.pure_equilibria, dt.pure_equilibria_gen, pure.solve_pure):
        with pytest.raises(DeterrenceError, match=r"tol="):
            call(g, tol=tol)


@pytest.mark.parametrize("block_size", [0, -3, 1.5, "10", True, None])
def test_bad_block_size(block_size):
    g = dt.NormalFormGame([[[1.0]], [[1.0]]])
    with pytest.raises(DeterrenceError, match=r"block_size="):
        dt.pure_equilibria_gen(g, block_size=block_size)


@pytest.mark.parametrize("bad", [np.zeros((2, 2, 2)), [[1.0]], "game.nfg", None])
def test_not_a_game(bad):
    for call in (dt.pure_equilibria, dt.pure_equilibria_gen, pure.solve_pure):
        with pytest.raises(InvalidGameError, match="NormalFormGame"):
            call(bad)


def test_unknown_option_is_rejected():
    g = dt.NormalFormGame([[[1.0]], [[1.0]]])
    with pytest.raises(TypeError):
        dt.solve(g, method="pure", tolerance=0.1)


# ----------------------------------------------------------------- memory


@pytest.mark.parametrize("tol", [0.0, 0.1])
def test_peak_memory_is_small_next_to_the_table(tol):
    """The acceptance floor is 3x the payoff array; the design needs well under 1x."""
    u = np.random.default_rng(11).random((5, *(8,) * 5))  # 32768 profiles, 1.3 MB
    g = dt.NormalFormGame(u)
    dt.pure_equilibria(g, tol=tol)  # warm-up (imports, caches)
    tracemalloc.start()
    try:
        dt.pure_equilibria(g, tol=tol)
        list(dt.pure_equilibria_gen(g, tol=tol, block_size=4096))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.5 * u.nbytes
