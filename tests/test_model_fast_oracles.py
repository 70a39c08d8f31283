"""The targeting game's fast second-order oracle and symmetric hooks.

:class:`~deterrence.model.structured.TargetingGame` overrides ``_pair_payoffs_all`` (every
pair matrix in one pass: what the logit solver's Jacobian needs) and provides the symmetric
solver's hooks ``symmetric_payoffs`` / ``symmetric_pair_payoffs`` (closed forms). Both are
checked against independent references:

* the generic fallback ``Game._pair_payoffs_all`` (one structured-oracle call per action of
  each player, with that player's strategy replaced by a pure one);
* the dense table's ``NormalFormGame._pair_payoffs_all`` (exact tensor contractions of the
  pure-profile payoffs, built by ``to_normal_form``);
* closed forms derived by hand (docstrings below).
"""

from __future__ import annotations

import dataclasses
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import integrate

import deterrence as dt
from deterrence.errors import (
    DeterrenceError,
    GameTooLargeError,
    InvalidProfileError,
    UnsupportedGameError,
)
from deterrence.games.base import Game

#: Examples of the property test (a big sweep: DETERRENCE_FAST_ORACLE_EXAMPLES=2000).
EXAMPLES = int(os.environ.get("DETERRENCE_FAST_ORACLE_EXAMPLES", "150"))

# ----------------------------------------------------------------------------- helpers


def _max_pair_error(a, b) -> float:
    n = len(a)
    return max(
        float(np.abs(np.asarray(a[i][j]) - np.asarray(b[i][j])).max())
        for i in range(n)
        for j in range(n)
        if i != j
    )


def _random_profile(rng, shape, zeros=0.25):
    out = []
    for k in shape:
        w = rng.random(k) * (rng.random(k) >= zeros)
        if w.sum() == 0:
            w[rng.integers(k)] = 1.0
        out.append(w / w.sum())
    return tuple(out)


ALL_RULES = [
    dt.NoTargeting(),
    dt.MostViolent(),
    dt.MostViolent(ties="random", floor=1.0),
    dt.MostViolent(ties="lowest"),
    dt.MostViolent(margin=1.0),
    dt.MostViolent(margin=0.5, floor=-1.0),
    dt.TopK(k=2),
    dt.TopK(k=3, ties="lowest", floor=0.5),
    dt.Priority(order=(2, 0, 4, 1, 3)),
    dt.Proportional(),
    dt.Proportional(basis="score", weights={"b": 1.0}),
    dt.NoisyMostViolent(noise=0.1),
    dt.NoisyMostViolent(noise=2.0, floor=1.0, per_revenue=True),
    dt.NoisyMostViolent(noise=0.4, kind="probit"),
    dt.NoisyMostViolent(noise=0.3, kind="probit", floor=0.5),
    dt.MostViolent(per_revenue=True),
    dt.TopK(k=2, ties="lowest", per_revenue=True),
    dt.Proportional(basis="score", per_revenue=True),
]


def _contest_refuses(rule) -> str | None:
    """The field a model with a contest market names when it refuses a per-dollar score:
    the revenue actually paid divides every score by a common factor ``sum_j X_j / R``
    that moves with the profile, which matters for noise, a margin and a floor above 0."""
    if not getattr(rule, "per_revenue", False):
        return None
    if isinstance(rule, dt.NoisyMostViolent):
        return "noise"
    if (getattr(rule, "floor", None) or 0.0) > 0:
        return "floor"
    if getattr(rule, "margin", 0.0) > 0:
        return "margin"
    return None


def _five_orgs(rule, structure: str) -> dt.TargetingModel:
    """Integer grids shared by look-alike organizations (many exact ties); with
    ``structure="blocks"`` a contest market, misattribution (a block of three) and a false
    flag (a block of two)."""
    kw = {
        "n_orgs": 5,
        "levels": [[0.0, 1.0, 2.0]] * 3 + [[0.0, 2.0], [1.0, 2.0, 3.0]],
        "benefit": [1.0, 1.0, 0.8, 1.2, 0.5],
        "cost": [0.1, 0.1, 0.0, 0.2, 0.05],
        "penalty": [2.0, 2.0, 1.0, 3.0, 2.5],
        "carrot": [0.3, 0.3, 0.0, 0.1, 0.2],
        "extortion": [0.0, 0.0, 0.2, 0.0, 0.1],
        "revenue": [1.0, 1.0, 2.0, 0.5, 1.5],
        "metrics": {"a": [1.0, 1.0, 1.0, 0.5, 2.0], "b": [0.0, 0.0, 0.5, 1.0, 0.2]},
        "rule": rule,
    }
    if structure == "blocks":
        kw["market"] = dt.Market(revenue=3.0, exponent=0.7, base=[1.0, 0.5, 2.0, 1.5, 1.0])
        kw["attribution"] = dt.model.confusion_matrix(5, 0.2, pairs=[(0, 1), (1, 3)])
        kw["framing"] = dt.model.framing_matrix(5, [(4, 2, 0.3)])
    elif structure == "fixed-market":
        kw["market"] = dt.Market(revenue=2.0, shares=[0.3, 0.2, 0.2, 0.1, 0.2])
    return dt.TargetingModel(**kw)


# ----------------------------------------------------------------------------- pair oracle
@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.describe()[:45])
@pytest.mark.parametrize("structure", ["plain", "blocks", "fixed-market"])
def test_pair_payoffs_all_equal_generic_and_dense_for_every_rule(rule, structure):
    field = _contest_refuses(rule) if structure == "blocks" else None
    if field is not None:
        with pytest.raises(UnsupportedGameError, match=rf"rule\.{field}=.*per_revenue=True"):
            _five_orgs(rule, structure)
        return
    game = _five_orgs(rule, structure).game()
    dense = game.to_normal_form()
    rng = np.random.default_rng(11)
    profiles = [_random_profile(rng, game.shape) for _ in range(2)]
    profiles.append(tuple(np.eye(k)[-1] for k in game.shape))  # pure: everyone at the top
    profiles.append(tuple(np.full(k, 1.0 / k) for k in game.shape))
    for prof in profiles:
        fast = game._pair_payoffs_all(prof)
        assert all(fast[i][i] is None for i in range(5))
        assert _max_pair_error(fast, Game._pair_payoffs_all(game, prof)) <= 1e-12
        assert _max_pair_error(fast, dense._pair_payoffs_all(prof)) <= 1e-10
        # the Jacobian's rows reproduce the deviation payoffs
        dev = game.deviation_payoffs(prof)
        for i in range(5):
            j = (i + 1) % 5
            np.testing.assert_allclose(fast[i][j] @ prof[j], dev[i], atol=1e-12)


@st.composite
def heterogeneous_models(draw):
    """The keyword arguments of small heterogeneous models: per-organization grids (with
    ties), parameters, every rule, optional contest or fixed-share market, misattribution
    and false flags."""
    n = draw(st.integers(2, 4))
    vals = st.sampled_from([0.0, 0.5, 1.0, 2.0]) | st.floats(0.0, 3.0)
    grids = [sorted(set(draw(st.lists(vals, min_size=1, max_size=3)))) for _ in range(n)]
    if draw(st.booleans()):
        grids = [grids[0]] * n
    per = lambda lo, hi: draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n))  # noqa: E731
    kind = draw(
        st.sampled_from(
            [
                "most_violent",
                "random",
                "lowest",
                "margin",
                "topk",
                "topk_lowest",
                "priority",
                "prop_size",
                "prop_score",
                "logit",
                "probit",
                "none",
            ]
        )
    )
    floor = draw(st.sampled_from([-1.0, 0.0, 0.5, 1.0]))
    weights = draw(st.none() | st.just({"a": 1.0, "b": 2.0}))
    kw = {"weights": weights, "per_revenue": draw(st.booleans())}
    rule = {
        "most_violent": lambda: dt.MostViolent(floor=floor, **kw),
        "random": lambda: dt.MostViolent(ties="random", floor=floor, **kw),
        "lowest": lambda: dt.MostViolent(ties="lowest", floor=floor, **kw),
        "margin": lambda: dt.MostViolent(
            margin=draw(st.sampled_from([0.25, 1.0])), floor=floor, **kw
        ),
        "topk": lambda: dt.TopK(k=draw(st.integers(1, n)), floor=floor, **kw),
        "topk_lowest": lambda: dt.TopK(k=draw(st.integers(1, n)), ties="lowest", floor=floor, **kw),
        "priority": lambda: dt.Priority(
            order=tuple(draw(st.permutations(range(n)))), floor=floor, **kw
        ),
        "prop_size": dt.Proportional,
        "prop_score": lambda: dt.Proportional(basis="score", **kw),
        "logit": lambda: dt.NoisyMostViolent(
            noise=draw(st.sampled_from([0.05, 0.5, 2.0])),
            floor=draw(st.none() | st.just(0.5)),
            **kw,
        ),
        "probit": lambda: dt.NoisyMostViolent(
            noise=draw(st.sampled_from([0.2, 1.0])), kind="probit", **kw
        ),
        "none": dt.NoTargeting,
    }[kind]()
    market = draw(st.sampled_from([None, "contest", "fixed"]))
    if market == "contest":
        market = dt.Market(
            revenue=draw(st.floats(0.0, 3.0)),
            exponent=draw(st.sampled_from([0.5, 1.0])),
            base=per(0.2, 2.0),
        )
    elif market == "fixed":
        w = np.array(per(0.1, 1.0))
        market = dt.Market(revenue=draw(st.floats(0.0, 3.0)), shares=list(w / w.sum()))
    attribution = framing = None
    if n >= 2 and draw(st.booleans()):
        a, b = draw(st.permutations(range(n)))[:2]
        attribution = dt.model.confusion_matrix(n, draw(st.floats(0.0, 0.5)), pairs=[(a, b)])
    if n >= 2 and draw(st.booleans()):
        a, b = draw(st.permutations(range(n)))[:2]
        framing = dt.model.framing_matrix(n, [(a, b, draw(st.floats(0.0, 0.6)))])
    return {
        "n_orgs": n,
        "levels": grids,
        "benefit": per(-0.5, 2.0),
        "cost": per(0.0, 0.5),
        "penalty": per(0.0, 4.0),
        "carrot": per(0.0, 1.0),
        "extortion": per(0.0, 0.5),
        "revenue": per(0.2, 3.0),
        "metrics": {"a": per(0.0, 2.0), "b": per(0.0, 1.0)},
        "rule": rule,
        "market": market,
        "attribution": attribution,
        "framing": framing,
    }


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(kw=heterogeneous_models(), seed=st.integers(0, 2**32 - 1))
@example(  # found by the property: a per-dollar probit score over a 1e-102 market
    kw={
        "n_orgs": 4,
        "levels": [[0.5], [0.0], [0.0], [0.0]],
        "benefit": 0.0,
        "revenue": 1.0,
        "metrics": {"a": [0.0, 0.0, 0.0, 0.0], "b": [1.0, 0.0, 0.0, 0.0]},
        "rule": dt.NoisyMostViolent(per_revenue=True, noise=0.2, kind="probit", floor=None),
        "market": dt.Market(revenue=1.4740121771165833e-102, shares=(0.25, 0.25, 0.25, 0.25)),
    },
    seed=0,
)
def test_pair_payoffs_all_property(kw, seed):
    """On random heterogeneous models and random mixed profiles (with zero probabilities),
    the one-pass pair matrices equal the generic fallback and the dense table's. A
    per-dollar score that the market defeats is refused when the model is built: a contest
    with noise, a margin or a floor above 0; fixed shares paying somebody nothing."""
    mk, rule = kw["market"], kw["rule"]
    field = _contest_refuses(rule) if mk is not None and mk.contest else None
    scores = rule.uses_scores and not (isinstance(rule, dt.Proportional) and rule.basis == "size")
    if mk is not None and not mk.contest and getattr(rule, "per_revenue", False) and scores:
        paid = [mk.revenue * s for s in mk.shares]
        if any(x == 0 or math.isinf(1.0 / x) for x in paid):
            with pytest.raises(DeterrenceError, match=r"rule\.per_revenue=True divides"):
                dt.TargetingModel(**kw)
            return
    if field is not None:
        with pytest.raises(UnsupportedGameError, match=rf"rule\.{field}=.*per_revenue=True"):
            dt.TargetingModel(**kw)
        return
    game = dt.TargetingModel(**kw).game()
    prof = _random_profile(np.random.default_rng(seed), game.shape)
    try:
        fast = game._pair_payoffs_all(prof)
    except GameTooLargeError as exc:
        # a per-dollar score over a near-zero market revenue is astronomically large (1e102
        # for a market of 1e-102): the noisy oracles refuse its quadrature lattice with a
        # clear error, which is their contract
        assert getattr(rule, "per_revenue", False) and "quadrature lattice" in str(exc)
        assert isinstance(rule, dt.NoisyMostViolent)
        return
    assert _max_pair_error(fast, Game._pair_payoffs_all(game, prof)) <= 1e-12
    assert _max_pair_error(fast, game.to_normal_form()._pair_payoffs_all(prof)) <= 1e-10


def test_pair_payoffs_all_public_wrapper_and_limits():
    game = _five_orgs(dt.TopK(k=2), "blocks").game()
    prof = _random_profile(np.random.default_rng(2), game.shape)
    pub = game.pair_payoffs_all(prof)
    assert _max_pair_error(pub, game._pair_payoffs_all(prof)) == 0.0
    np.testing.assert_allclose(pub[3][0], game.pair_payoffs(prof, 3, 0), atol=1e-12)
    with pytest.raises(InvalidProfileError):
        game.pair_payoffs_all([np.ones(3)] * 5)
    # one attribution block of 8 organizations x 11 levels that the all-to-all route cannot
    # take (a general dense matrix: a confusion cycle): refused, as by the oracle (uniform
    # confusion is computed: tests/test_attribution_scale.py)
    cycle = 0.9 * np.eye(8) + 0.1 * np.roll(np.eye(8), 1, axis=1)
    big = dt.TargetingModel(n_orgs=8, levels=np.linspace(0, 1, 11), attribution=cycle)
    g = big.game()
    with pytest.raises(GameTooLargeError):
        g._pair_payoffs_all(dt.games.uniform_profile(g))


def test_single_organization():
    g = dt.TargetingModel(n_orgs=1, levels=[0.0, 1.0, 2.0], penalty=1.0).game()
    assert g._pair_payoffs_all(dt.games.uniform_profile(g)) == [[None]]
    np.testing.assert_allclose(g.symmetric_payoffs([1 / 3] * 3), [0.0, 0.0, 1.0])
    res = dt.solve(g, method="symmetric")
    assert res.converged and res[0].pure_profile == (2,)


def test_logit_through_the_structured_oracle_on_blocks_and_market():
    """The logit path on a heterogeneous game with attribution blocks and a contest market,
    entirely through the structured oracle; its regret checked on the dense table."""
    game = _five_orgs(dt.MostViolent(), "blocks").game()
    res = dt.solve(game, method="logit")
    assert res.converged
    assert res[0].regret <= 1e-10 * 10
    assert dt.regret(game.to_normal_form(), res[0].strategies) <= 1e-9


def test_logit_on_the_default_scenario():
    """The measured case of the issue (113 s before the one-pass pair oracle)."""
    game = dt.load_scenario("default").game()
    res = dt.solve(game, method="logit")
    assert res.converged and res[0].regret <= 1e-10


# ----------------------------------------------------------------------------- symmetric hooks
SYMMETRIC_RULES = [
    dt.NoTargeting(),
    dt.MostViolent(),
    dt.MostViolent(ties="random", floor=0.5),
    dt.MostViolent(margin=0.3, floor=-1.0),
    dt.TopK(k=2),
    dt.TopK(k=7, floor=0.2),
    dt.Proportional(),
    dt.Proportional(basis="score"),
    dt.NoisyMostViolent(noise=0.1),
    dt.NoisyMostViolent(noise=2.0, floor=1.0, per_revenue=True),
    dt.NoisyMostViolent(noise=0.4, kind="probit"),
    dt.NoisyMostViolent(noise=0.3, kind="probit", floor=0.5),
    dt.MostViolent(per_revenue=True),
    dt.TopK(k=2, per_revenue=True),
]
MARKETS = {
    "none": None,
    "contest": dt.Market(revenue=2.0, exponent=0.6, base=0.5),
    "fixed": "fixed",
}


@pytest.mark.parametrize("rule", SYMMETRIC_RULES, ids=lambda r: r.describe()[:45])
@pytest.mark.parametrize("market", list(MARKETS))
@pytest.mark.parametrize("N", [2, 3, 5])
def test_symmetric_hooks_equal_the_oracle(rule, market, N):
    """``w(q)`` equals organization 0's deviation payoffs with everyone else at ``q``;
    ``pair(q)[:, b]`` equals them with organization 1 at level ``b``; ``pair(q) @ q == w(q)``;
    and ``(N - 1) pair(q)`` is the derivative of ``w`` along the simplex (finite
    differences). The grid has two levels closer than a grid step (1 and 1.0001) and a
    level tie within the tie tolerance (2 and 2 + 1e-12)."""
    mk = MARKETS[market]
    if mk == "fixed":
        mk = dt.Market(revenue=1.0, shares=[1.0 / N] * N)
    if isinstance(rule, dt.TopK) and rule.k > N:  # capacity for everybody: k = N (k > N is
        rule = dataclasses.replace(rule, k=N)  # refused, tests/test_scenario.py)
    kw = {
        "n_orgs": N,
        "levels": [0.0, 0.5, 1.0, 1.0001, 2.0, 2.0 + 1e-12],
        "benefit": 1.0,
        "cost": 0.2,
        "penalty": 1.5,
        "carrot": 0.3,
        "rule": rule,
        "market": mk,
    }
    field = _contest_refuses(rule) if market == "contest" else None
    if field is not None:
        with pytest.raises(UnsupportedGameError, match=rf"rule\.{field}=.*per_revenue=True"):
            dt.TargetingModel(**kw)
        return
    model = dt.TargetingModel(**kw)
    g = model.game()
    assert g.is_symmetric() and g._symmetric_forms is not None
    rng = np.random.default_rng(N)
    n = g.shape[0]
    for _ in range(3):
        q = _random_profile(rng, (n,))[0]
        w = g.symmetric_payoffs(q)
        np.testing.assert_allclose(w, g._deviation_payoffs_for([q] * N, [0])[0], atol=1e-13)
        pair = g.symmetric_pair_payoffs(q)
        if N >= 2:
            cols = [g._deviation_payoffs_for([q, e] + [q] * (N - 2), [0])[0] for e in np.eye(n)]
            np.testing.assert_allclose(pair, np.stack(cols, axis=1), atol=1e-13)
        np.testing.assert_allclose(pair @ q, w, atol=1e-13)
        d = rng.normal(size=n)
        d -= d.mean()
        eps = 1e-6
        fd = (g.symmetric_payoffs(q + eps * d) - g.symmetric_payoffs(q - eps * d)) / (2 * eps)
        np.testing.assert_allclose(fd, (N - 1) * pair @ d, atol=1e-6)


def _designation_closed_form(q: np.ndarray, N: int) -> np.ndarray:
    """(F(v)^N - F(v-)^N) / (N q_v), and F(v-)^(N-1) where q_v = 0."""
    F = np.cumsum(q)
    G = F - q
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (F**N - G**N) / (N * q)
    return np.where(q > 0, out, G ** (N - 1))


@pytest.mark.parametrize("N", [2, 3, 6, 20, 50])
def test_most_violent_closed_form(N):
    """Closed form of the "most violent pays" contest (split ties, no floor).

    Organization 0 at level v, the N - 1 others i.i.d. with probabilities q and CDF F. It
    is designated iff nobody is above v, and then with probability 1/(1 + K) where K others
    tie at v: with F(v-) = P(other < v),

        P(designated | v) = sum_{k=0}^{N-1} C(N-1, k) q_v^k F(v-)^(N-1-k) / (k + 1)
                          = (F(v)^N - F(v-)^N) / (N q_v)          (q_v > 0)

    (C(N-1, k) / (k+1) = C(N, k+1) / N and the binomial theorem on (F(v-) + q_v)^N), with
    limit F(v-)^(N-1) as q_v -> 0. The pair matrix is its derivative: organization 1 at
    level b fixed, the N - 2 others i.i.d. q,

        pair_des[a, b] = sum_k C(N-2, k) q_a^k F(a-)^(N-2-k) * (1/(k+1) if b < a,
                         1/(k+2) if b = a, 0 if b > a)
                       = int_0^1 (F(a-) + t q_a)^(N-2) * (1 if b < a, t if b = a) dt

    (``1/(k+1) = int t^k dt``, ``1/(k+2) = int t^(k+1) dt``), checked here by quadrature.
    The payoff is u(v) = b v - L P(designated | v).
    """
    lv = np.linspace(0.0, 1.0, 11)
    model = dt.TargetingModel(
        n_orgs=N, levels=lv, benefit=1.0, penalty=1.5, rule=dt.MostViolent(floor=-1.0)
    )
    g = model.game()
    rng = np.random.default_rng(N)
    q = rng.dirichlet(np.ones(11))
    q[[2, 7]] = 0.0
    q /= q.sum()
    np.testing.assert_allclose(
        g.symmetric_payoffs(q), lv - 1.5 * _designation_closed_form(q, N), atol=1e-13
    )
    pair = g.symmetric_pair_payoffs(q)
    F = np.cumsum(q)
    G = F - q
    for a in (0, 2, 5, 10):
        for b in (0, 3, 5, 10):
            if b > a:
                want = 0.0
            else:
                weight = (lambda t: 1.0) if b < a else (lambda t: t)
                want = integrate.quad(
                    lambda t, a=a, w=weight: (G[a] + t * q[a]) ** (N - 2) * w(t),
                    0.0,
                    1.0,
                    epsabs=1e-15,
                    epsrel=1e-13,
                )[0]
            assert pair[a, b] == pytest.approx(lv[a] - 1.5 * want, abs=1e-12)


def test_hooks_are_polynomials_off_the_simplex():
    """The solver evaluates the hooks without validation (Newton iterates can leave the
    simplex slightly): they must be the polynomial, not a clipped evaluation. Off the
    simplex (a negative entry, a sum above one) ``w`` is the first sum of the closed form
    above, term by term."""
    N = 6
    lv = np.linspace(0.0, 1.0, 5)
    g = dt.TargetingModel(
        n_orgs=N, levels=lv, benefit=1.0, penalty=2.0, rule=dt.MostViolent(floor=-1.0)
    ).game()
    q = np.array([0.3, -0.02, 0.4, 0.25, 0.1])
    F = np.cumsum(q)
    G = F - q
    want = np.array(
        [
            sum(math.comb(N - 1, k) * q[v] ** k * G[v] ** (N - 1 - k) / (k + 1) for k in range(N))
            for v in range(5)
        ]
    )
    np.testing.assert_allclose(g.symmetric_payoffs(q), lv - 2.0 * want, atol=1e-14)


def test_hooks_fall_back_to_the_oracle_when_scores_are_linked():
    """Identical organizations with uniform misattribution form one attribution block: the
    game is symmetric but scores are not independent, so the hooks use the oracle."""
    model = dt.TargetingModel(
        n_orgs=3,
        levels=np.linspace(0, 1, 4),
        penalty=2.0,
        attribution=dt.model.confusion_matrix(3, 0.2),
    )
    g = model.game()
    assert g.is_symmetric() and g._symmetric_forms is None
    q = np.array([0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(g.symmetric_payoffs(q), g.deviation_payoffs([q] * 3)[0])
    e = np.eye(4)
    cols = [g.deviation_payoffs([q, e[b], q])[0] for b in range(4)]
    np.testing.assert_allclose(g.symmetric_pair_payoffs(q), np.stack(cols, axis=1))
    res = dt.solve(g, method="symmetric")
    assert res.converged and res[0].regret <= 1e-10


def test_hook_input_errors():
    g = dt.TargetingModel(n_orgs=3, levels=[0.0, 1.0], penalty=2.0).game()
    with pytest.raises(InvalidProfileError, match="expected \\(2,\\)"):
        g.symmetric_payoffs([1.0, 0.0, 0.0])
    uneven = dt.TargetingModel(n_orgs=2, levels=[[0.0, 1.0], [0.0, 1.0, 2.0]]).game()
    with pytest.raises(UnsupportedGameError, match="same number of levels"):
        uneven.symmetric_pair_payoffs([0.5, 0.5])


# ----------------------------------------------------------------------------- the yardstick
@pytest.mark.parametrize("N", [4, 6, 20, 50])
def test_most_violent_contest_solves_through_the_hooks(N, monkeypatch):
    """The issue's yardstick: N organizations, 11 levels, b = L = 1, no floor. The
    symmetric solver uses the closed-form hooks only (the N-player oracle is called once,
    to certify the result), and the equilibrium satisfies the closed form: every level in
    the support earns the same, none outside earns more."""
    lv = np.linspace(0.0, 1.0, 11)
    g = dt.TargetingModel(
        n_orgs=N, levels=lv, benefit=1.0, penalty=1.0, rule=dt.MostViolent(floor=-1.0)
    ).game()
    calls = []
    orig = g._deviation_payoffs_for
    monkeypatch.setattr(
        g, "_deviation_payoffs_for", lambda p, players: calls.append(1) or orig(p, players)
    )
    res = dt.solve(g, method="symmetric")
    assert res.converged
    assert res[0].regret <= 1e-10
    assert len(calls) <= 2
    q = res[0].strategies[0]
    u = lv - _designation_closed_form(q, N)
    value = float(u @ q)
    assert u.max() <= value + 1e-10
    if N == 4:
        assert dt.regret(g.to_normal_form(), res[0].strategies) <= 1e-10
