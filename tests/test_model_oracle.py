"""The structured oracle of the targeting model against an independent brute force.

The brute force below is written from the payoff formula in plain Python, from the raw
parameters a test draws (never from the model's derived arrays): it scores every pure
profile, designates by the rule's definition, and averages over the others' mixed
strategies with ``itertools.product``. Every rule, markets, attribution errors and false
flags are covered, with heterogeneous organizations drawn by hypothesis.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.special import ndtr

import deterrence as dt
from deterrence.errors import (
    DeterrenceError,
    GameTooLargeError,
    InvalidProfileError,
    UnsupportedGameError,
)
from deterrence.games.base import Game

# ----------------------------------------------------------------------------- brute force


def paid_revenue(
    p: dict, R: float, share: list[float], tol: float, x_sum: float = 1.0
) -> tuple[list, float]:
    """The revenue each organization is paid at a profile, for per-dollar scores, and the
    tie tolerance on those scores. Without a market: the nominal revenue. Fixed shares:
    ``R * share_i``. A contest: ``R * share_i`` too, and the scores are then the true ones,
    ``sum_j X_j / R`` times the model's own-level scores ``kappa_i v_i / X_i``: the model's
    tolerance (on its own-level scores) is scaled by the same factor. Any ``R > 0`` gives
    the same designations for the rules a contest allows with per-dollar scores (the
    factor is common), so a tiny ``R`` (which would only overflow these floats, and ``R =
    0``, the model's limit) is replaced by 1."""
    mk = p["market"]
    if mk is None:
        return list(p["revenue"]), tol
    if mk.get("shares") is not None:
        return [R * s for s in share], tol
    r = R if R >= 1e-6 else 1.0
    return [r * s for s in share], tol * x_sum / r


def brute_payoffs(p: dict, prof: tuple[int, ...], tol: float) -> list[float]:
    """Every organization's payoff at one pure profile, from the raw parameters ``p``."""
    n = p["n"]
    v = [float(p["levels"][i][a]) for i, a in enumerate(prof)]
    rule = p["rule"]
    name = type(rule).__name__
    own = [
        (p["benefit"][i] + p["extortion"][i]) * v[i] - p["cost"][i] * v[i] ** 2 for i in range(n)
    ]
    mk = p["market"]
    if mk is None:
        R = 0.0
        share = [r / sum(p["revenue"]) for r in p["revenue"]]
    elif mk.get("shares") is not None:
        R = mk["revenue"]
        share = list(mk["shares"])
    else:
        R = mk["revenue"]
        X = [(mk["base"][i] + v[i]) ** mk["exponent"] for i in range(n)]
        share = [x / sum(X) for x in X]
    # per dollar: the revenue actually paid in this profile, R * share_i (the nominal
    # revenue without a market); see paid_revenue for the contest's tolerance
    if getattr(rule, "per_revenue", False):
        x_sum = sum(X) if mk is not None and mk.get("shares") is None else 1.0
        paid, tol = paid_revenue(p, R, share, tol, x_sum)
    # scores: metric mix x announced weights (per dollar if asked), then attribution
    weights = getattr(rule, "weights", None)
    kappa = []
    for i in range(n):
        k = 0.0
        for metric, mix in p["metrics"].items():
            k += (1.0 if weights is None else weights.get(metric, 0.0)) * mix[i]
        if getattr(rule, "per_revenue", False):
            k /= paid[i]
        kappa.append(k)
    A = p["attribution"] if p["attribution"] is not None else np.eye(n).tolist()
    F = p["framing"] if p["framing"] is not None else [[0.0] * n for _ in range(n)]
    S = [0.0] * n
    for i in range(n):  # i's violence: kept as its own (1 - sum F[i]) or dressed up as k's
        for k in range(n):
            looks = (1.0 - sum(F[i])) if k == i else F[i][k]
            for j in range(n):  # what looks like k's is charged to j by the authorities
                S[j] += looks * A[k][j] * kappa[i] * v[i]
    P = [0.0] * n
    if name == "NoTargeting":
        pass
    elif name == "Proportional":
        if rule.basis == "size":
            P = share[:]
        else:
            tot = sum(S)
            P = [S[i] / tot if S[i] > 0 else 0.0 for i in range(n)]
    elif name == "NoisyMostViolent":
        s = rule.noise
        opts = S + ([rule.floor] if rule.floor is not None else [])
        if rule.kind == "logit":
            mx = max(opts)
            den = sum(math.exp((o - mx) / s) for o in opts)
            P = [math.exp((S[i] - mx) / s) / den for i in range(n)]
        else:
            for i in range(n):

                def f(t, i=i):
                    out = math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
                    for k, o in enumerate(opts):
                        if k != i:
                            out *= ndtr(t + (S[i] - o) / s)
                    return out

                P[i] = integrate.quad(f, -12, 12, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
    elif name == "Priority":
        for i in rule.order:
            if S[i] > rule.floor + tol:
                P[i] = 1.0
                break
    else:
        k = 1 if name == "MostViolent" else rule.k
        for i in range(n):
            if not S[i] > rule.floor + tol:
                continue
            if name == "MostViolent" and rule.margin > 0:
                ok = all(S[j] <= S[i] - rule.margin + tol for j in range(n) if j != i)
                P[i] = 1.0 if ok else 0.0
                continue
            above = sum(1 for j in range(n) if j != i and S[j] > S[i] + tol)
            tied = [j for j in range(n) if j != i and abs(S[j] - S[i]) <= tol]
            if rule.ties == "lowest":
                above += sum(1 for j in tied if j < i)
                P[i] = 1.0 if above < k else 0.0
            elif above < k:
                P[i] = min(1.0, (k - above) / (len(tied) + 1))
    floor = getattr(rule, "floor", None)
    alone = [1.0 if floor is not None and S[i] <= floor + tol else 0.0 for i in range(n)]
    return [
        own[i] + R * share[i] - p["penalty"][i] * P[i] + p["carrot"][i] * alone[i] for i in range(n)
    ]


def brute_table(p: dict, tol: float) -> dict:
    shape = [len(g) for g in p["levels"]]
    return {prof: brute_payoffs(p, prof, tol) for prof in itertools.product(*map(range, shape))}


def brute_deviations(p: dict, table: dict, profile) -> list[np.ndarray]:
    n = p["n"]
    out = [np.zeros(len(g)) for g in p["levels"]]
    for prof, u in table.items():
        for i in range(n):
            w = 1.0
            for j in range(n):
                if j != i:
                    w *= profile[j][prof[j]]
            out[i][prof[i]] += w * u[i]
    return out


def build(p: dict) -> dt.TargetingModel:
    mk = p["market"]
    market = None
    if mk is not None:
        market = (
            dt.Market(revenue=mk["revenue"], shares=mk["shares"])
            if mk.get("shares") is not None
            else dt.Market(revenue=mk["revenue"], exponent=mk["exponent"], base=mk["base"])
        )
    return dt.TargetingModel(
        n_orgs=p["n"],
        levels=p["levels"],
        benefit=p["benefit"],
        cost=p["cost"],
        penalty=p["penalty"],
        carrot=p["carrot"],
        extortion=p["extortion"],
        revenue=p["revenue"],
        metrics=p["metrics"],
        rule=p["rule"],
        market=market,
        attribution=p["attribution"],
        framing=p["framing"],
    )


# ----------------------------------------------------------------------------- strategies
small = st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0]) | st.floats(0.0, 3.0)


@st.composite
def rules(draw, n: int):
    weights = draw(st.none() | st.just({"a": 1.0, "b": 2.0}) | st.just({"b": 1.0}))
    per = draw(st.booleans())
    kw = {"weights": weights, "per_revenue": per}
    kind = draw(
        st.sampled_from(
            [
                "most_violent",
                "margin",
                "lowest",
                "topk",
                "priority",
                "prop_size",
                "prop_score",
                "logit",
                "probit",
                "none",
            ]
        )
    )
    floor = draw(st.sampled_from([0.0, 0.5, 1.0]))
    if kind == "most_violent":
        return dt.MostViolent(ties=draw(st.sampled_from(["split", "random"])), floor=floor, **kw)
    if kind == "margin":
        return dt.MostViolent(margin=draw(st.sampled_from([0.25, 1.0])), floor=floor, **kw)
    if kind == "lowest":
        return dt.MostViolent(ties="lowest", floor=floor, **kw)
    if kind == "topk":
        return dt.TopK(
            k=draw(st.integers(1, n)),
            ties=draw(st.sampled_from(["split", "lowest"])),
            floor=floor,
            **kw,
        )
    if kind == "priority":
        return dt.Priority(order=tuple(draw(st.permutations(range(n)))), floor=floor, **kw)
    if kind == "prop_size":
        return dt.Proportional()
    if kind == "prop_score":
        return dt.Proportional(basis="score", **kw)
    if kind in ("logit", "probit"):
        return dt.NoisyMostViolent(
            noise=draw(st.sampled_from([0.05, 0.3, 2.0])),
            kind=kind,
            floor=draw(st.none() | st.just(0.5)),
            **kw,
        )
    return dt.NoTargeting()


@st.composite
def grids(draw):
    k = draw(st.integers(1, 4))
    vals = sorted(
        set(
            draw(
                st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]) | small, min_size=k, max_size=k)
            )
        )
    )
    return vals


@st.composite
def scenarios(draw):
    n = draw(st.integers(2, 4))
    per = lambda lo, hi: draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n))  # noqa: E731
    shared = draw(st.booleans())
    levels = [draw(grids())] * n if shared else [draw(grids()) for _ in range(n)]
    market = draw(st.sampled_from([None, "contest", "fixed"]))
    mk = None
    if market == "contest":
        mk = {
            "revenue": draw(st.floats(0.0, 4.0)),
            "exponent": draw(st.sampled_from([0.5, 1.0])),
            "base": per(0.2, 2.0),
        }
    elif market == "fixed":
        w = np.array(per(0.1, 1.0))
        # no revenue, or at least 1e-3 (a per-revenue score of a revenue like 1e-50 spans
        # more noise scales than the quadrature lattice indexes: refused, tested below)
        revenue = draw(st.one_of(st.just(0.0), st.floats(1e-3, 4.0)))
        mk = {"revenue": revenue, "shares": list(w / w.sum())}
    attribution = None
    if draw(st.booleans()):
        a, b = draw(st.permutations(range(n)))[:2]
        attribution = dt.model.confusion_matrix(n, draw(st.floats(0.0, 0.5)), pairs=[(a, b)])
        attribution = attribution.tolist()
    framing = None
    if draw(st.booleans()):
        a, b = draw(st.permutations(range(n)))[:2]
        framing = [[0.0] * n for _ in range(n)]
        framing[a][b] = draw(st.floats(0.0, 0.6))
    p = {
        "n": n,
        "levels": levels,
        "benefit": per(-0.5, 2.0),
        "cost": per(0.0, 0.5),
        "penalty": per(0.0, 4.0),
        "carrot": per(0.0, 1.0),
        "extortion": per(0.0, 0.5),
        "revenue": per(0.2, 3.0),
        "metrics": {"a": per(0.0, 2.0), "b": draw(st.sampled_from([[1.0] * n, per(0.0, 1.0)]))},
        "market": mk,
        "attribution": attribution,
        "framing": framing,
    }
    p["rule"] = draw(rules(n))
    if isinstance(p["rule"], dt.NoisyMostViolent) and p["rule"].kind == "probit":
        p["levels"] = [g[:3] for g in p["levels"][:3]]
        for key in ("benefit", "cost", "penalty", "carrot", "extortion", "revenue"):
            p[key] = p[key][:3]
        p["metrics"] = {k: v[:3] for k, v in p["metrics"].items()}
        p["n"] = min(n, 3)
        if p["market"] is not None and "base" in p["market"]:
            p["market"]["base"] = p["market"]["base"][:3]
        if p["market"] is not None and "shares" in p["market"]:
            p["market"] = None
        if p["rule"].weights is not None or p["n"] < n:
            p["attribution"] = p["framing"] = None
    return p


@st.composite
def mixed_profiles(draw, shape):
    out = []
    for k in shape:
        w = np.array(
            draw(
                st.lists(
                    st.sampled_from([0.0, 0.0, 0.3, 1.0]) | st.floats(0.0, 1.0),
                    min_size=k,
                    max_size=k,
                )
            )
        )
        if w.sum() <= 0:
            w[draw(st.integers(0, k - 1))] = 1.0
        out.append(w / w.sum())
    return out


def refusal(p: dict) -> tuple[type, str] | None:
    """The error (and the field it names) a model must raise for a per-dollar score the
    market defeats: with fixed shares an organization paid nothing (``R * share_i = 0``,
    or so little the score overflows); with a contest any rule for which the common factor
    ``sum_j X_j / R`` matters (noise, a margin, a floor above 0)."""
    rule, mk = p["rule"], p["market"]
    name = type(rule).__name__
    if not getattr(rule, "per_revenue", False) or mk is None:
        return None
    if name == "NoTargeting" or (name == "Proportional" and rule.basis == "size"):
        return None
    if mk.get("shares") is not None:
        paid = [mk["revenue"] * s for s in mk["shares"]]
        if any(x == 0 or math.isinf(1.0 / x) for x in paid):
            return DeterrenceError, "per_revenue"
        return None
    if name == "NoisyMostViolent":
        return UnsupportedGameError, "noise"
    if getattr(rule, "floor", None) is not None and rule.floor > 0:
        return UnsupportedGameError, "floor"
    if getattr(rule, "margin", 0.0) > 0:
        return UnsupportedGameError, "margin"
    return None


def _check(p: dict, profiles) -> None:
    refused = refusal(p)
    if refused is not None:
        with pytest.raises(refused[0], match=rf"rule\.{refused[1]}="):
            build(p)
        return
    model = build(p)
    game = model.game()
    table = brute_table(p, game.tie_tol)
    for prof in profiles:
        got = game.deviation_payoffs(prof)
        want = brute_deviations(p, table, prof)
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            np.testing.assert_allclose(g, w, rtol=0, atol=1e-9, err_msg=f"player {i}, {p}")


# ----------------------------------------------------------------------------- properties
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_structured_oracle_equals_brute_force(data):
    """Deviation payoffs at random mixed and pure profiles equal the brute-force expectation,
    for every rule, heterogeneous organizations, markets, misattribution and false flags."""
    p = data.draw(scenarios())
    shape = [len(g) for g in p["levels"]]
    mixed = data.draw(mixed_profiles(shape))
    pure = [np.eye(k)[data.draw(st.integers(0, k - 1))] for k in shape]
    _check(p, [mixed, pure])


ALL_RULES = [
    dt.NoTargeting(),
    dt.MostViolent(),
    dt.MostViolent(ties="random", floor=1.0),
    dt.MostViolent(ties="lowest"),
    dt.MostViolent(margin=1.0),
    dt.TopK(k=2),
    dt.TopK(k=3, ties="lowest"),
    dt.Priority(order=(2, 0, 4, 1, 3)),
    dt.Proportional(),
    dt.Proportional(basis="score", weights={"b": 1.0}),
    dt.NoisyMostViolent(noise=0.1),
    dt.NoisyMostViolent(noise=2.0, floor=1.0, per_revenue=True),
    dt.NoisyMostViolent(noise=0.4, kind="probit"),
    # per dollar of the revenue paid: exact with a contest for the ranking rules, refused
    # (naming the field) for a margin or a floor above 0
    dt.MostViolent(per_revenue=True),
    dt.MostViolent(ties="lowest", floor=-1.0, per_revenue=True),
    dt.MostViolent(margin=0.5, per_revenue=True),
    dt.TopK(k=2, per_revenue=True, weights={"a": 1.0, "b": 2.0}),
    dt.TopK(k=2, floor=0.5, per_revenue=True),
    dt.Priority(order=(2, 0, 4, 1, 3), per_revenue=True),
    dt.Proportional(basis="score", per_revenue=True),
]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.describe()[:40])
@pytest.mark.parametrize("structure", ["plain", "market+attribution+framing", "fixed-shares"])
def test_every_rule_with_ties_and_blocks(rule, structure):
    """Integer grids shared by identical-looking organizations produce many exact ties; the
    attribution pairs and framing make blocks of two and three organizations."""
    n = 5
    p = {
        "n": n,
        "levels": [[0.0, 1.0, 2.0]] * 3 + [[0.0, 2.0], [1.0, 2.0, 3.0]],
        "benefit": [1.0, 1.0, 0.8, 1.2, 0.5],
        "cost": [0.1, 0.1, 0.0, 0.2, 0.05],
        "penalty": [2.0, 2.0, 1.0, 3.0, 2.5],
        "carrot": [0.3, 0.3, 0.0, 0.1, 0.2],
        "extortion": [0.0, 0.0, 0.2, 0.0, 0.1],
        "revenue": [1.0, 1.0, 2.0, 0.5, 1.5],
        "metrics": {"a": [1.0, 1.0, 1.0, 0.5, 2.0], "b": [0.0, 0.0, 0.5, 1.0, 0.2]},
        "market": None,
        "attribution": None,
        "framing": None,
        "rule": rule,
    }
    if structure == "fixed-shares":
        p["market"] = {"revenue": 2.0, "shares": [0.3, 0.2, 0.2, 0.1, 0.2]}
    elif structure != "plain":
        p["market"] = {"revenue": 3.0, "exponent": 0.7, "base": [1.0, 0.5, 2.0, 1.5, 1.0]}
        if not (isinstance(rule, dt.NoisyMostViolent) and rule.kind == "probit"):
            p["attribution"] = dt.model.confusion_matrix(n, 0.2, pairs=[(0, 1), (1, 3)]).tolist()
            p["framing"] = dt.model.framing_matrix(n, [(4, 2, 0.3)]).tolist()
    rng = np.random.default_rng(7)
    shape = [len(g) for g in p["levels"]]
    profiles = []
    for _ in range(3):
        prof = []
        for k in shape:
            w = rng.random(k) * (rng.random(k) < 0.75)
            if w.sum() == 0:
                w[rng.integers(k)] = 1.0
            prof.append(w / w.sum())
        profiles.append(prof)
    profiles.append([np.eye(k)[rng.integers(k)] for k in shape])
    profiles.append([np.eye(k)[-1] for k in shape])
    _check(p, profiles)


def test_dense_table_equals_brute_force_and_solvers_agree():
    p = {
        "n": 3,
        "levels": [[0.0, 1.0, 2.0], [0.0, 1.0], [0.0, 0.5, 1.0, 2.0]],
        "benefit": [1.0, 0.7, 1.2],
        "cost": [0.1, 0.0, 0.2],
        "penalty": [2.0, 1.0, 3.0],
        "carrot": [0.2, 0.0, 0.1],
        "extortion": [0.0, 0.3, 0.0],
        "revenue": [1.0, 2.0, 0.5],
        "metrics": {"a": [1.0, 1.5, 0.8]},
        "market": {"revenue": 2.0, "exponent": 1.0, "base": [1.0, 0.5, 0.8]},
        "attribution": None,
        "framing": None,
        "rule": dt.MostViolent(floor=0.5),
    }
    game = build(p).game()
    nf = game.to_normal_form()
    assert nf.shape == (3, 2, 4)
    assert nf.player_names == ("org1", "org2", "org3")
    assert nf.action_names[2] == ("0", "0.5", "1", "2")
    for prof, u in brute_table(p, game.tie_tol).items():
        np.testing.assert_allclose(nf[prof], u, atol=1e-12)
    prof = [np.array([0.2, 0.3, 0.5]), np.array([0.6, 0.4]), np.full(4, 0.25)]
    for a, b in zip(game.deviation_payoffs(prof), nf.deviation_payoffs(prof), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_pair_payoffs_match_generic_and_dense():
    model = dt.TargetingModel(
        n_orgs=4,
        levels=[0.0, 1.0, 2.0],
        benefit=[1.0, 0.8, 1.1, 0.9],
        penalty=2.0,
        rule=dt.TopK(k=2),
        market=dt.Market(revenue=1.0, base=0.5),
        attribution=dt.model.confusion_matrix(4, 0.2, pairs=[(0, 1)]),
    )
    game = model.game()
    nf = game.to_normal_form()
    rng = np.random.default_rng(3)
    prof = [rng.dirichlet(np.ones(3)) for _ in range(4)]
    for i, j in [(0, 1), (2, 0), (3, 2)]:
        fast = game.pair_payoffs(prof, i, j)
        np.testing.assert_allclose(fast, Game.pair_payoffs(game, prof, i, j), atol=1e-12)
        np.testing.assert_allclose(fast, nf.pair_payoffs(prof, i, j), atol=1e-12)
    with pytest.raises(InvalidProfileError):
        game.pair_payoffs(prof, 1, 1)
    np.testing.assert_allclose(game.deviation_payoffs_of(prof, 2), game.deviation_payoffs(prof)[2])


# ----------------------------------------------------------------------------- exactness
def test_pure_profiles_are_closed_form():
    """At pure profiles the logit designation is exactly the softmax and the Tullock share
    exactly X_i / sum X (no quadrature): compare to the formulas to the last bits."""
    lv = np.array([0.0, 0.3, 1.0])
    model = dt.TargetingModel(
        n_orgs=3,
        levels=lv,
        benefit=0.0,
        penalty=1.0,
        rule=dt.NoisyMostViolent(noise=0.2),
        market=dt.Market(revenue=1.0, exponent=1.0, base=[1.0, 2.0, 0.5]),
    )
    game = model.game()
    dev = game.deviation_payoffs([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    v_others = np.array([1.0, 0.0])  # org2 at 1.0, org3 at 0
    for a, v in enumerate(lv):
        y = np.exp(np.array([v, *v_others]) / 0.2)
        x = np.array([1.0 + v, 2.0 + 1.0, 0.5 + 0.0])
        want = x[0] / x.sum() - y[0] / y.sum()
        assert abs(dev[0][a] - want) <= 4e-16


def test_split_and_random_ties_give_the_same_game():
    kw = {"n_orgs": 3, "levels": [0.0, 1.0, 2.0], "penalty": 1.5}
    a = dt.TargetingModel(rule=dt.MostViolent(ties="split"), **kw).game().to_normal_form()
    b = dt.TargetingModel(rule=dt.MostViolent(ties="random"), **kw).game().to_normal_form()
    assert a == b


def test_mixed_noisy_quadrature_against_enumeration_small_noise():
    """Small noise relative to the score range: the integral grid spans hundreds of noise
    scales; the band integration must stay exact to 1e-12."""
    p = {
        "n": 3,
        "levels": [[0.0, 1.0, 3.0, 10.0]] * 3,
        "benefit": [1.0] * 3,
        "cost": [0.0] * 3,
        "penalty": [1.0, 2.0, 3.0],
        "carrot": [0.0] * 3,
        "extortion": [0.0] * 3,
        "revenue": [1.0] * 3,
        "metrics": {"a": [1.0, 0.7, 1.3]},
        "market": None,
        "attribution": None,
        "framing": None,
        "rule": dt.NoisyMostViolent(noise=0.02),
    }
    model = build(p)
    game = model.game()
    table = brute_table(p, game.tie_tol)
    prof = [
        np.array([0.1, 0.2, 0.3, 0.4]),
        np.array([0.5, 0.0, 0.5, 0.0]),
        np.array([0.25, 0.25, 0.25, 0.25]),
    ]
    for g, w in zip(game.deviation_payoffs(prof), brute_deviations(p, table, prof), strict=True):
        np.testing.assert_allclose(g, w, atol=1e-12)


# ----------------------------------------------------------------------------- structure
def test_symmetry_is_declared_from_the_model():
    lv = np.linspace(0, 1, 4)
    sym = dt.TargetingModel(n_orgs=3, levels=lv, penalty=2.0, market=dt.Market(revenue=1.0))
    assert sym.game().is_symmetric()
    assert sym.game().to_normal_form().is_symmetric(tol=1e-12)
    for change in [
        {"penalty": [2.0, 2.0, 2.5]},
        {"rule": dt.MostViolent(ties="lowest")},
        {"rule": dt.Priority(order=(0, 1, 2))},
        {"attribution": dt.model.confusion_matrix(3, 0.2, pairs=[(0, 1)])},
    ]:
        g = dataclasses.replace(sym, **change).game()
        assert not g.is_symmetric()
    uniform = dataclasses.replace(sym, attribution=dt.model.confusion_matrix(3, 0.2))
    assert uniform.game().is_symmetric()
    assert uniform.game().to_normal_form().is_symmetric(tol=1e-12)


def test_symmetric_shortcut_agrees_with_full_computation():
    model = dt.TargetingModel(n_orgs=4, levels=np.linspace(0, 1, 6), penalty=1.0)
    game = model.game()
    q = np.array([0.1, 0.2, 0.3, 0.1, 0.2, 0.1])
    short = game.deviation_payoffs([q] * 4)
    full = [game._deviation_payoffs_for([q] * 4, [i])[0] for i in range(4)]
    for a, b in zip(short, full, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-14)


def test_dense_table_refused_past_the_limit():
    model = dt.TargetingModel(n_orgs=50, levels=np.linspace(0, 1, 101))
    game = model.game()
    with pytest.raises(GameTooLargeError, match="max_profiles"):
        game.to_normal_form()
    with pytest.raises(GameTooLargeError, match="10 x 10"):
        dt.TargetingModel(n_orgs=2, levels=np.arange(10.0)).game().to_normal_form(max_profiles=50)


def test_large_attribution_block_is_refused():
    # all-to-all uniform confusion is computed (tests/test_attribution_scale.py); what is
    # still refused: a general dense matrix (here a confusion cycle i -> i + 1), and a
    # rule that is not shift-invariant (a priority list reads every floor test)
    cycle = 0.9 * np.eye(8) + 0.1 * np.roll(np.eye(8), 1, axis=1)
    uniform = dt.model.confusion_matrix(8, 0.1)
    for kw in (
        {"attribution": cycle},
        {"attribution": uniform, "rule": dt.Priority(order=list(range(8)))},
    ):
        model = dt.TargetingModel(n_orgs=8, levels=np.arange(8.0), **kw)
        game = model.game()
        with pytest.raises(GameTooLargeError, match="attribution block"):
            game.deviation_payoffs(dt.games.uniform_profile(game))
        # pure profiles need no enumeration
        assert len(game.deviation_payoffs([np.eye(8)[0]] * 8)) == 8


def test_breakdown_and_designations():
    model = dt.TargetingModel(n_orgs=3, levels=[0.0, 1.0], penalty=1.0, carrot=0.5)
    game = model.game()
    b = game.breakdown([[0, 1], [0, 1], [1, 0]])
    np.testing.assert_allclose(b["designation"], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(b["alone"], [0.0, 0.0, 1.0])
    assert game.expected_designations([[1, 0]] * 3).sum() == 0.0


def test_replace_for_comparative_statics():
    model = dt.TargetingModel(n_orgs=3, levels=[0, 1, 2], penalty=[1.0, 2.0, 3.0])
    more = dataclasses.replace(model, penalty=2.0)
    assert more.penalty.tolist() == [2.0, 2.0, 2.0]
    assert model.penalty.tolist() == [1.0, 2.0, 3.0]
    assert not more.penalty.flags.writeable


def test_score_ranges_show_when_per_dollar_cannot_discriminate():
    """Violence per dollar: a small newcomer that needs some violence to operate scores
    above the big organizations whatever anyone does — it is always ranked first, they
    never are, and the threat moves nobody (verdict none); the absolute metric races."""
    kw = {
        "n_orgs": 3,
        "levels": [[0, 2, 4, 6, 8, 10], [0, 2, 4, 6, 8, 10], [1, 2, 3]],
        "revenue": [10.0, 10.0, 0.5],
        "benefit": 0.3,
        "penalty": 4.0,
    }
    per_dollar = dt.TargetingModel(rule=dt.MostViolent(per_revenue=True), **kw)
    ranges = per_dollar.score_ranges()
    assert ranges["always_top"].tolist() == [False, False, True]
    assert ranges["never_top"].tolist() == [True, True, False]
    rep = dt.race_to_the_bottom(per_dollar, mixed="none")
    assert rep.verdict == "none"
    assert rep.policy_levels.tolist() == [10.0, 10.0, 3.0] == rep.baseline_levels.tolist()
    # the absolute metric discriminates: the big organizations undercut the newcomer and
    # each other, and total violence falls from 23 to 4 on average over the cycle
    absolute = dt.TargetingModel(rule=dt.MostViolent(), **kw)
    assert not absolute.score_ranges()["always_top"].any()
    rep = dt.race_to_the_bottom(absolute, mixed="none")
    assert (rep.verdict, rep.dynamics) == ("partial", "cycle")
    assert rep.policy_violence == pytest.approx(4.0)


@example(rule=dt.MostViolent())
@given(rule=st.sampled_from([r for r in ALL_RULES if getattr(r, "weights", None) is None]))
def test_rule_descriptions_and_repr(rule):
    assert isinstance(rule.describe(), str) and rule.describe()
    model = dt.TargetingModel(n_orgs=5, levels=[0, 1], rule=rule)
    assert "TargetingModel(" in repr(model)
    assert "TargetingGame(" in repr(model.game())
    assert "<p><b>TargetingModel</b>" in model._repr_html_()


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: dt.NoisyMostViolent(noise=0.0), r"noise=0.0 is out of range"),
        (lambda: dt.NoisyMostViolent(noise=-1.0), r"noise=-1.0"),
        (lambda: dt.NoisyMostViolent(noise=1.0, kind="cauchy"), r"kind='cauchy'"),
        (lambda: dt.MostViolent(ties="first"), r"ties='first' is not valid.*'split'"),
        (lambda: dt.MostViolent(margin=-0.1), r"margin"),
        (lambda: dt.TopK(k=0), r"k=0"),
        (lambda: dt.Priority(order=(0, 0)), r"distinct"),
        (lambda: dt.Proportional(basis="violence"), r"basis"),
        (lambda: dt.MostViolent(weights={"a": -1.0}), r"weights\['a'\]"),
        (lambda: dt.Market(revenue=-1.0), r"revenue=-1.0"),
        (lambda: dt.Market(revenue=1.0, base=0.0), r"base"),
        (lambda: dt.Market(revenue=1.0, shares=[0.5, 0.4]), r"sums to"),
        (lambda: dt.TargetingModel(n_orgs=2, levels=[]), r"levels is empty"),
        (lambda: dt.TargetingModel(n_orgs=2, levels=[0, 2, 1]), r"not strictly increasing"),
        (lambda: dt.TargetingModel(n_orgs=2, levels=[-1, 0]), r"negative"),
        (lambda: dt.TargetingModel(n_orgs=2, levels=[[0, 1]] * 3), r"3 grids"),
        (lambda: dt.TargetingModel(n_orgs=2, levels=[0, 1], penalty=-1), r"penalty=-1"),
        (lambda: dt.TargetingModel(n_orgs=2, levels=[0, 1], penalty=[1, 2, 3]), r"3 entries"),
        (lambda: dt.TargetingModel(n_orgs=2, levels=[0, 1], cost=[1, -2]), r"cost\[1\]"),
        (lambda: dt.TargetingModel(n_orgs=2, levels=[0, 1], rule="most violent"), r"rule="),
        (
            lambda: dt.TargetingModel(
                n_orgs=2, levels=[0, 1], rule=dt.MostViolent(weights={"kills": 1.0})
            ),
            r"unknown metric",
        ),
        (
            lambda: dt.TargetingModel(n_orgs=3, levels=[0, 1], rule=dt.Priority(order=(0, 1))),
            r"permutation",
        ),
        (
            lambda: dt.TargetingModel(n_orgs=2, levels=[0, 1], attribution=[[1, 0.5], [0, 1]]),
            r"attribution\[0\] sums to",
        ),
        (
            lambda: dt.TargetingModel(n_orgs=2, levels=[0, 1], framing=[[0.5, 0], [0, 0]]),
            r"framing\[0\]\[0\]",
        ),
        (
            lambda: dt.TargetingModel(
                n_orgs=2, levels=[0, 1], market=dt.Market(revenue=1.0, base=[1.0, 2.0, 3.0])
            ),
            r"market.base has 3",
        ),
        (lambda: dt.TargetingModel(n_orgs=2, levels=[0, 1], names=["a", "a"]), r"unique"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_error(make, match):
    with pytest.raises(dt.DeterrenceError, match=match):
        make()


def test_noise_too_small_for_the_score_span_is_refused():
    """A per-revenue score of a tiny revenue (1e-52) under attribution noise 0.05 spans more
    quadrature steps than the lattice can index: a GameTooLargeError naming the noise, not a
    numpy warning."""
    model = dt.TargetingModel(
        n_orgs=2,
        levels=[[0.0], [0.0, 0.5]],
        market=dt.Market(revenue=4e-52, shares=[0.5, 0.5]),
        rule=dt.NoisyMostViolent(noise=0.05, per_revenue=True),
    )
    with pytest.raises(GameTooLargeError, match=r"noise=0\.05 .*quadrature lattice steps"):
        model.game().deviation_payoffs([[1.0], [0.5, 0.5]])
