"""Tests of ``method="symmetric"``: symmetric equilibria of symmetric games, in the one shared
mixed strategy, on dense tables and on structured contests far too large for a table."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

import deterrence as dt
from deterrence.errors import DeterrenceError, UnsupportedGameError
from deterrence.games.base import Game, as_mixed_profile
from deterrence.solvers.symmetric import declares_symmetry, solve_symmetric

FULL = os.environ.get("DETERRENCE_TEST_FULL") == "1"


# --------------------------------------------------------------------------- contest game
class MostViolentContest(Game):
    """ "Most violent pays": N organisations choose a violence level; the most violent one is
    designated (ties split uniformly) and loses ``penalty``.

    ``u_i(v) = benefit * v_i - cost * v_i**2 - penalty * P(i designated | v)``.

    The oracle never builds the table. With the others independent, organisation ``i`` at
    level ``v`` is designated when nobody is above ``v``, and then with probability
    ``1 / (1 + K)`` where ``K`` others tie at ``v``. Since ``E[1/(1+K)] = int_0^1 E[t**K]
    dt`` and the others are independent,
    ``P(designated | v) = int_0^1 prod_{j != i} (F_j(v-) + p_j(v) * t) dt``
    (``F_j(v-)`` the probability that ``j`` is strictly below ``v``), a polynomial of degree
    ``N - 1`` in ``t``, integrated exactly by Gauss-Legendre with ``ceil(N/2) + 1`` nodes.
    When all others play the same ``p`` this is ``(F(v)**N - F(v-)**N) / (N * p(v))``, and
    its limit ``F(v)**(N-1)`` when ``p(v) = 0``. The second-order oracle is the same
    integral with ``j``'s factor replaced by 1 (``j`` below), ``t`` (``j`` ties) or 0
    (``j`` above).
    """

    def __init__(self, n_players, levels, *, benefit=1.0, penalty=1.0, cost=0.0):
        self.N = int(n_players)
        self.levels = np.asarray(levels, dtype=float)
        self.benefit, self.penalty, self.cost = float(benefit), float(penalty), float(cost)
        self.base = benefit * self.levels - cost * self.levels**2
        t, w = np.polynomial.legendre.leggauss(self.N // 2 + 2)
        self.t, self.w = (t + 1) / 2, w / 2

    @property
    def shape(self):
        return (len(self.levels),) * self.N

    def is_symmetric(self, *, tol: float = 0.0) -> bool:
        return True

    def _factors(self, profile):
        P = np.asarray(profile, dtype=float)  # (N, n)
        below = np.cumsum(P, axis=1) - P  # F_j(v-)
        return below[:, :, None] + P[:, :, None] * self.t  # (N, n, m)

    def _deviation_payoffs(self, profile):
        f = self._factors(profile)
        N = self.N
        pre = np.ones_like(f)
        suf = np.ones_like(f)
        pre[1:] = np.cumprod(f[:-1], axis=0)
        suf[:-1] = np.cumprod(f[::-1], axis=0)[::-1][1:]
        prob = (pre * suf) @ self.w  # (N, n)
        return [self.base - self.penalty * prob[i] for i in range(N)]

    def pair_payoffs(self, profile, i, j):
        prof = as_mixed_profile(self, profile)
        return self._pair(self._factors(prof), i, j)

    def _pair(self, f, i, j):
        others = [k for k in range(self.N) if k not in (i, j)]
        rest = np.prod(f[others], axis=0) if others else np.ones(f.shape[1:])
        n = len(self.levels)
        below = np.tril(np.ones((n, n)), -1)  # b < a
        # h[a, b, t]: j's factor given that j plays b and i plays a
        h = below[:, :, None] + np.eye(n)[:, :, None] * self.t
        prob = np.einsum("am,abm,m->ab", rest, h, self.w)
        return self.base[:, None] - self.penalty * prob

    def _pair_payoffs_all(self, profile):
        f = self._factors(profile)
        return [
            [None if i == j else self._pair(f, i, j) for j in range(self.N)] for i in range(self.N)
        ]

    # optional symmetric hooks (see deterrence.solvers.symmetric)
    def symmetric_payoffs(self, q):
        q = np.asarray(q, dtype=float)
        F = np.cumsum(q)
        G = F - q
        m = np.arange(self.N)
        prob = (F[:, None] ** m * G[:, None] ** (self.N - 1 - m)).sum(axis=1) / self.N
        return self.base - self.penalty * prob

    def symmetric_pair_payoffs(self, q):
        q = np.asarray(q, dtype=float)
        G = np.cumsum(q) - q
        n = len(self.levels)
        rest = (G[:, None] + q[:, None] * self.t) ** (self.N - 2)  # (n, m)
        below = rest @ self.w  # j below a
        tie = (rest * self.t) @ self.w  # j ties at a
        prob = np.tril(np.ones((n, n)), -1) * below[:, None] + np.diag(tie)
        return self.base[:, None] - self.penalty * prob

    def to_normal_form(self, *, max_profiles: int = 50_000_000):
        n, N = len(self.levels), self.N
        if n**N > max_profiles:
            raise dt.GameTooLargeError(f"{n}**{N} profiles > max_profiles={max_profiles}")
        idx = np.indices(self.shape).reshape(N, -1)
        top = idx.max(axis=0)
        at_top = idx == top
        share = at_top / at_top.sum(axis=0)
        pay = self.base[idx] - self.penalty * share
        return dt.NormalFormGame(pay.reshape((N, *self.shape)))


def contest_symmetric_equilibria(N, levels, benefit, penalty):
    """Every symmetric equilibrium of the linear contest ``u = b v - L P(designated)``,
    derived by hand (no solver involved); there are at most ``len(levels)`` of them.

    With everyone else playing ``q`` (CDF ``F``, ``G_k = F_{k-1}``, ``F_{-1} = 0``), the
    payoff of level ``k`` is ``w_k = b v_k - L Phi(F_k, G_k)`` where
    ``Phi(F, G) = (F**N - G**N) / (N (F - G)) = (1/N) sum_{m<N} F**m G**(N-1-m)``
    (``G**(N-1)`` when ``F = G``: no mass at ``k``). In a symmetric equilibrium with
    value ``c`` every level with mass earns ``c`` and every other level at most ``c``.
    ``Phi`` increases in ``F`` from ``Phi(G, G)`` to ``Phi(1, G)``, so, sweeping the levels
    upwards from the lowest one in the support, ``j``, with ``t_k = (b v_k - c) / L``:

    - ``t_k < Phi(G, G)``: level ``k`` earns less than ``c`` even without mass: none;
    - ``Phi(G, G) <= t_k <= Phi(1, G)``: the unique ``F_k`` with ``Phi(F_k, G) = t_k``;
    - ``t_k > Phi(1, G)``: impossible, ``c`` is too low.

    ``c`` is pinned down by the CDF reaching exactly 1: every change between overshooting
    1 and never reaching it on a grid of ``c`` values is refined by bisection. A candidate
    is kept when no level earns more than ``c`` (the levels below ``j`` earn ``b v_k``,
    those above the top ``b v_k - L``).
    """
    v = np.asarray(levels, dtype=float)
    n = len(v)
    b, L = benefit, penalty

    def phi(F, G):
        m = np.arange(N)
        return float(np.sum(F**m * G ** (N - 1 - m))) / N

    def shoot(c, j):
        """(+1, F, K) if the CDF overshoots 1 at level K (c too low); (-1, F, None) if it
        never reaches 1 (c too high)."""
        F = np.zeros(n)
        G = 0.0
        for k in range(j, n):
            t = (b * v[k] - c) / L
            if t > phi(1.0, G):
                F[k:] = 1.0
                return +1, F, k
            if t >= phi(G, G) and (k > j or t > 0):
                G = scipy.optimize.brentq(lambda x, G=G, t=t: phi(x, G) - t, G, 1.0, xtol=1e-16)
            F[k] = G
        return -1, F, None

    def payoffs(q):
        F = np.cumsum(q)
        G = F - q
        return np.array([b * v[k] - L * phi(F[k], G[k]) for k in range(n)])

    out = []
    for j in range(n):
        # every sign change of the shooting outcome on a grid of c, refined by bisection
        grid = np.linspace(b * v[j] - L, b * v[j], 121)
        signs = [shoot(c, j)[0] for c in grid]
        for lo, hi, s_lo, s_hi in zip(grid[:-1], grid[1:], signs[:-1], signs[1:], strict=True):
            if s_lo == s_hi:
                continue
            over, under = (lo, hi) if s_lo > 0 else (hi, lo)
            for _ in range(60):
                mid = 0.5 * (over + under)
                if shoot(mid, j)[0] > 0:
                    over = mid
                else:
                    under = mid
            _, F, _ = shoot(over, j)  # overshoots by a rounding error: the top takes 1 - G
            q = np.diff(np.concatenate([[0.0], F]))
            if q[j] <= 0 or np.any(q < 0):
                continue
            w = payoffs(q)
            if w.max() - q @ w <= 1e-11 and not any(np.abs(q - x).max() < 1e-9 for x in out):
                out.append(q)
    return out


# --------------------------------------------------------------------------- structured oracle
@pytest.mark.parametrize("N,n", [(2, 3), (3, 4), (4, 3)])
def test_contest_oracle_matches_dense_table(N, n):
    rng = np.random.default_rng(N * 10 + n)
    g = MostViolentContest(N, np.linspace(0, 1, n), benefit=1.0, penalty=1.3, cost=0.2)
    dense = g.to_normal_form()
    for _ in range(3):
        prof = [rng.dirichlet(np.ones(n)) for _ in range(N)]
        for a, b in zip(g.deviation_payoffs(prof), dense.deviation_payoffs(prof), strict=True):
            np.testing.assert_allclose(a, b, atol=1e-12)
        pairs = g.pair_payoffs_all(prof)
        for i in range(N):
            for j in range(N):
                if i != j:
                    np.testing.assert_allclose(
                        pairs[i][j], dense.pair_payoffs(prof, i, j), atol=1e-12
                    )
        q = prof[0]
        np.testing.assert_allclose(
            g.symmetric_payoffs(q), dense.deviation_payoffs([q] * N)[0], atol=1e-12
        )
        if N >= 2:
            np.testing.assert_allclose(
                g.symmetric_pair_payoffs(q), dense.pair_payoffs([q] * N, 0, 1), atol=1e-12
            )
    assert dense.is_symmetric(tol=1e-12)


# --------------------------------------------------------------------------- closed forms
@dataclass(frozen=True, kw_only=True)
class VolunteerCase:
    n_players: int
    benefit: float
    cost: float
    regret_tol: float = 1e-10


VOLUNTEER_CASES = [
    VolunteerCase(n_players=2, benefit=4.0, cost=1.0),
    VolunteerCase(n_players=3, benefit=4.0, cost=1.0),
    VolunteerCase(n_players=5, benefit=10.0, cost=3.0),
    VolunteerCase(n_players=8, benefit=2.0, cost=1.0),
]


def volunteer_game(N, b, c):
    def payoff(profile):
        anyone = 0 in profile
        return [b * anyone - c * (a == 0) for a in profile]

    return dt.NormalFormGame.from_function((2,) * N, payoff)


@pytest.mark.parametrize("case", VOLUNTEER_CASES, ids=lambda c: f"N{c.n_players}")
def test_volunteers_dilemma_closed_form(case):
    """Volunteer's dilemma: action 0 = volunteer (cost ``c``), everyone gets ``b`` if at
    least one volunteers. With the others staying out with probability ``s`` each,
    volunteering pays ``b - c`` and staying out pays ``b (1 - s**(N-1))``. Neither pure
    symmetric profile is an equilibrium (all volunteer: staying out gains ``c``; nobody
    does: volunteering gains ``b - c > 0``), and indifference gives the unique symmetric
    equilibrium ``s = (c / b) ** (1 / (N - 1))``."""
    N, b, c = case.n_players, case.benefit, case.cost
    g = volunteer_game(N, b, c)
    res = dt.solve(g, method="symmetric")
    assert res.method == "symmetric" and res.converged
    s = (c / b) ** (1.0 / (N - 1))
    for strat in res[0].strategies:
        np.testing.assert_allclose(strat, [1 - s, s], atol=1e-9)
    assert res[0].regret <= case.regret_tol * res.details["payoff_scale"]
    np.testing.assert_allclose(res[0].payoffs, b - c, atol=1e-9)


def test_two_level_contest_closed_form():
    """Most-violent contest with two levels {0, 1}, ``u = b v - L P(designated)``, N = 3.

    With the others at level 1 with probability ``q`` each (``s = 1 - q``): at level 0 one
    is designated only if all are at 0, payoff ``-L s**(N-1) / N``; at level 1 the payoff
    is ``b - L (1 - s**N) / (N (1 - s)) = b - (L/N) sum_{m<N} s**m``. Indifference:
    ``b = (L/N) sum_{m<=N-2} s**m``; for N = 3, ``s = 3b/L - 1``. With b = 1.5, L = 3:
    ``s = 1/2``. (Both pure symmetric profiles are also equilibria here; the logit path
    selects the mixed one, which the test pins.)"""
    g = MostViolentContest(3, [0.0, 1.0], benefit=1.5, penalty=3.0)
    res = dt.solve(g, method="symmetric")
    assert res.converged
    eq = res[0]
    if eq.is_pure:  # a legitimate symmetric equilibrium too: check it is one of the two
        assert eq.pure_profile in [(0, 0, 0), (1, 1, 1)]
    else:
        np.testing.assert_allclose(eq.strategies[0], [0.5, 0.5], atol=1e-10)
    assert eq.regret <= 1e-10 * res.details["payoff_scale"]
    # the dense table agrees that it is an equilibrium
    assert dt.regret(g.to_normal_form(), eq.strategies) <= 1e-10


@pytest.mark.parametrize(
    "N,n,benefit,penalty",
    [(3, 3, 1.0, 1.0), (4, 6, 1.0, 1.0), (3, 11, 1.0, 1.5), (6, 11, 1.0, 1.0)],
)
def test_contest_matches_hand_derived_equilibria(N, n, benefit, penalty):
    """The symmetric equilibrium found on the structured oracle is one of the equilibria
    derived by hand in :func:`contest_symmetric_equilibria` (support a run of levels)."""
    levels = np.linspace(0, 1, n)
    g = MostViolentContest(N, levels, benefit=benefit, penalty=penalty)
    res = dt.solve(g, method="symmetric")
    assert res.converged, res.message
    q = res[0].strategies[0]
    assert res[0].regret <= 1e-10 * res.details["payoff_scale"]
    cands = contest_symmetric_equilibria(N, levels, benefit, penalty)
    assert cands, "the derivation found no symmetric equilibrium"
    assert min(np.abs(c - q).max() for c in cands) <= 1e-8


def test_no_pure_equilibrium_at_six_players():
    """The benchmark contest (6 organisations, 11 levels, b = L = 1) has no pure
    equilibrium: checked on the dense table (1.77 million profiles); its symmetric mixed
    equilibrium is found through the structured oracle."""
    g = MostViolentContest(6, np.linspace(0, 1, 11), benefit=1.0, penalty=1.0)
    dense = g.to_normal_form()
    assert dt.pure_equilibria(dense, tol=1e-12) == []
    res = dt.solve(g, method="symmetric")
    assert res.converged
    assert res[0].regret <= 1e-10
    assert dt.regret(dense, res[0].strategies) <= 1e-10


@pytest.mark.parametrize("N", [6, 50])
def test_big_contests_through_the_oracle(N):
    g = MostViolentContest(N, np.linspace(0, 1, 11), benefit=1.0, penalty=1.0)
    res = solve_symmetric(g)
    assert res.converged and res[0].regret <= 1e-10


def test_six_by_hundred_and_one():
    """10**12 profiles: solved in the shared strategy, regret checked by the N-player
    oracle."""
    g = MostViolentContest(6, np.linspace(0, 1, 101), benefit=1.0, penalty=1.0)
    res = solve_symmetric(g)
    assert res.converged, res.message
    assert res[0].regret <= 1e-10 * res.details["payoff_scale"]
    assert g.n_profiles == 101**6


def test_generic_fallbacks_without_hooks():
    """A structured game with no symmetric hooks and no pair oracle: the solver still works
    (one oracle call per column of the Jacobian)."""

    class Plain(MostViolentContest):
        symmetric_payoffs = None
        symmetric_pair_payoffs = None

    g = Plain(4, np.linspace(0, 1, 6), benefit=1.0, penalty=2.0)
    res = solve_symmetric(g)
    assert res.converged and res[0].regret <= 1e-10 * res.details["payoff_scale"]
    ref = solve_symmetric(MostViolentContest(4, np.linspace(0, 1, 6), benefit=1.0, penalty=2.0))
    np.testing.assert_allclose(res[0].strategies[0], ref[0].strategies[0], atol=1e-9)


# --------------------------------------------------------------------------- properties
def random_symmetric_game(rng, N, n, high=20):
    """A random symmetric game: u_i(a) = f(a_i, sorted multiset of the others' actions),
    integer payoffs in ``[0, high)``."""
    import itertools

    table = {}
    shape = (n,) * N
    pay = np.empty((N, *shape))
    for prof in itertools.product(range(n), repeat=N):
        for i in range(N):
            key = (prof[i], tuple(sorted(prof[:i] + prof[i + 1 :])))
            if key not in table:
                table[key] = float(rng.integers(0, high))
            pay[(i, *prof)] = table[key]
    return dt.NormalFormGame(pay)


@settings(max_examples=30 if not FULL else 600)
@given(
    seed=st.integers(0, 2**32 - 1),
    N=st.integers(2, 4),
    n=st.integers(2, 4),
    high=st.sampled_from([3, 20]),
)
def test_random_symmetric_games(seed, N, n, high):
    """Random symmetric games, with many ties when payoffs are in {0, 1, 2}: a symmetric
    equilibrium to regret <= 1e-10 times the payoff scale, the regret reported honestly."""
    rng = np.random.default_rng(seed)
    g = random_symmetric_game(rng, N, n, high)
    assert g.is_symmetric()
    res = solve_symmetric(g)
    eq = res[0]
    assert all(np.array_equal(s, eq.strategies[0]) for s in eq.strategies)
    assert eq.regret == pytest.approx(dt.regret(g, eq.strategies), abs=1e-12)
    assert res.converged, res.message
    assert eq.regret <= 1e-10 * res.details["payoff_scale"]


@pytest.mark.parametrize("k,high", [(254, 20), (272, 20), (229, 3)])
def test_former_step_size_collapses(k, high):
    """Games on which the shared path tracer used to stop ("step size fell below 1e-12", or
    lambda_max reached on a degenerate game with payoffs in {0, 1, 2} without a polished
    equilibrium): path points accepted far from the branch at large lambda, and dying
    actions' log-probabilities dominating the traced system. Now they converge."""
    rng = np.random.default_rng([k, high])
    N = int(rng.integers(2, 6))
    n = int(rng.integers(2, 7 if N <= 3 else 5))
    g = random_symmetric_game(rng, N, n, high)
    res = solve_symmetric(g)
    assert res.converged, res.message
    assert dt.regret(g, res[0].strategies) <= 1e-10 * res.details["payoff_scale"]


def test_agrees_with_pygambit_on_symmetric_dense_games():
    gbt = pytest.importorskip("pygambit", reason="pygambit cross-check")
    rng = np.random.default_rng(7)
    for _ in range(5):
        g = random_symmetric_game(rng, 3, 3)
        res = solve_symmetric(g)
        assert res.converged
        # pygambit's enumeration of every equilibrium is only for 2 players; check instead
        # that gambit agrees the profile is an equilibrium (its own regret)
        gg = gbt.Game.from_arrays(*[g.payoffs[i] for i in range(3)])
        prof = gg.mixed_strategy_profile(rational=False)
        for pl, s in zip(gg.players, res[0].strategies, strict=True):
            for st_, x in zip(pl.strategies, s, strict=True):
                prof[st_] = float(x)
        assert prof.max_regret() <= 1e-9


# --------------------------------------------------------------------------- refusals
def test_refuses_asymmetric_games():
    pd_asym = dt.NormalFormGame([[[3, 0], [5, 1]], [[2, 5], [0, 1]]])
    with pytest.raises(UnsupportedGameError, match="not symmetric"):
        dt.solve(pd_asym, method="symmetric")
    rect = dt.NormalFormGame(np.zeros((2, 2, 3)))
    with pytest.raises(UnsupportedGameError, match="same number of actions"):
        dt.solve(rect, method="symmetric")


def test_refuses_structured_game_that_cannot_tell():
    class Opaque(Game):
        @property
        def shape(self):
            return (2, 2, 2)

        def _deviation_payoffs(self, profile):
            return [np.zeros(2)] * 3

    with pytest.raises(UnsupportedGameError, match="cannot tell"):
        solve_symmetric(Opaque())
    assert declares_symmetry(Opaque()) is None

    class Declared(Opaque):
        symmetric = True

    res = solve_symmetric(Declared())
    assert res.converged and res[0].regret == 0.0


@pytest.mark.parametrize(
    "kwargs", [{"tol": 0.0}, {"tol": -1}, {"max_steps": 0}, {"max_accel": 0.5}, {"first_step": 0}]
)
def test_validates_options(kwargs):
    g = volunteer_game(3, 4.0, 1.0)
    with pytest.raises(DeterrenceError):
        solve_symmetric(g, **kwargs)


def test_path_is_recorded_and_shared():
    g = volunteer_game(4, 4.0, 1.0)
    res = solve_symmetric(g)
    path = res.details["path"]
    assert len(path.profiles) == 4 and path.profiles[0] is path.profiles[3]
    assert path.lambdas[0] == 0.0
    np.testing.assert_allclose(path.profiles[0][0], [0.5, 0.5])
    assert math.isfinite(path.regrets[-1])
