"""Who is designated: ``TargetingGame.designation_matrix`` against brute-force enumeration.

``out[i][a, j]`` = P(organization ``j`` is designated | ``i`` plays ``a``, the others mix).
The reference below is written from the rules' definitions in plain Python: it scores every
pure profile from the raw parameters (metric mixes, weights, attribution and false flags),
designates by the rule's definition (``scipy.integrate.quad`` for probit noise), and
averages over the others' mixed strategies with ``itertools.product``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate
from scipy.special import ndtr

import deterrence as dt
from deterrence.errors import InvalidProfileError, UnsupportedGameError

# ----------------------------------------------------------------------------- reference


def paid(p: dict, v: list[float]) -> tuple[list[float], float]:
    """The revenue each organization is actually paid at levels ``v`` (the denominator of a
    per-dollar score) and the factor by which the tie tolerance scales with it: the nominal
    revenue without a market; ``R * X_i / sum_j X_j`` in the contest, whose true scores are
    ``sum_j X_j / R`` times the model's own-level scores ``kappa_i v_i / X_i`` (so is the
    tolerance); ``R * share_i`` with fixed shares."""
    mk = p["market"]
    if mk is None:
        return list(p["revenue"]), 1.0
    if mk.get("shares") is not None:
        return [mk["revenue"] * s for s in mk["shares"]], 1.0
    X = [(mk["base"][i] + v[i]) ** mk["exponent"] for i in range(p["n"])]
    return [mk["revenue"] * x / sum(X) for x in X], sum(X) / mk["revenue"]


def scores(p: dict, prof: tuple[int, ...]) -> list[float]:
    """Attributed scores at one pure profile, from the raw parameters."""
    return _scores(p, prof)[0]


def _scores(p: dict, prof: tuple[int, ...]) -> tuple[list[float], float]:
    n, rule = p["n"], p["rule"]
    v = [float(p["levels"][i][a]) for i, a in enumerate(prof)]
    weights = getattr(rule, "weights", None)
    per = getattr(rule, "per_revenue", False)
    rev, scale = paid(p, v) if per else (None, 1.0)
    kappa = []
    for i in range(n):
        k = sum(
            (1.0 if weights is None else weights.get(m, 0.0)) * mix[i]
            for m, mix in p["metrics"].items()
        )
        if per:
            k /= rev[i]
        kappa.append(k)
    A = p["attribution"] if p["attribution"] is not None else np.eye(n).tolist()
    F = p["framing"] if p["framing"] is not None else [[0.0] * n for _ in range(n)]
    S = [0.0] * n
    for i in range(n):
        for k in range(n):
            looks = (1.0 - sum(F[i])) if k == i else F[i][k]
            for j in range(n):
                S[j] += looks * A[k][j] * kappa[i] * v[i]
    return S, scale


def designation(p: dict, prof: tuple[int, ...], tol: float) -> list[float]:
    """P(j designated) for every organization at one pure profile, by definition."""
    n, rule = p["n"], p["rule"]
    name = type(rule).__name__
    S, scale = _scores(p, prof)
    tol *= scale
    P = [0.0] * n
    if name == "NoTargeting":
        return P
    if name == "Proportional":
        if rule.basis == "size":
            mk = p["market"]
            if mk is None:
                return [r / sum(p["revenue"]) for r in p["revenue"]]
            v = [float(p["levels"][i][a]) for i, a in enumerate(prof)]
            X = [(mk["base"][i] + v[i]) ** mk["exponent"] for i in range(n)]
            return [x / sum(X) for x in X]
        tot = sum(S)
        return [S[i] / tot if S[i] > 0 else 0.0 for i in range(n)]
    if name == "NoisyMostViolent":
        s = rule.noise
        opts = S + ([rule.floor] if rule.floor is not None else [])
        if rule.kind == "logit":
            mx = max(opts)
            den = sum(math.exp((o - mx) / s) for o in opts)
            return [math.exp((S[i] - mx) / s) / den for i in range(n)]
        for i in range(n):

            def f(t, i=i):
                out = math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
                for k, o in enumerate(opts):
                    if k != i:
                        out *= ndtr(t + (S[i] - o) / s)
                return out

            P[i] = integrate.quad(f, -12, 12, epsabs=1e-15, epsrel=1e-13, limit=200)[0]
        return P
    if name == "Priority":
        for i in rule.order:
            if S[i] > rule.floor + tol:
                P[i] = 1.0
                break
        return P
    k = 1 if name == "MostViolent" else rule.k
    for i in range(n):
        if not S[i] > rule.floor + tol:
            continue
        if name == "MostViolent" and rule.margin > 0:
            P[i] = float(all(S[j] <= S[i] - rule.margin + tol for j in range(n) if j != i))
            continue
        above = sum(1 for j in range(n) if j != i and S[j] > S[i] + tol)
        tied = [j for j in range(n) if j != i and abs(S[j] - S[i]) <= tol]
        if rule.ties == "lowest":
            above += sum(1 for j in tied if j < i)
            P[i] = float(above < k)
        elif rule.ties == "all":
            P[i] = float(above < k)
        elif above < k:
            P[i] = min(1.0, (k - above) / (len(tied) + 1))
    return P


def brute_matrix(p: dict, profile: list[np.ndarray], tol: float) -> list[np.ndarray]:
    """``out[i][a, j]`` by enumeration of every pure profile."""
    n = p["n"]
    shape = [len(g) for g in p["levels"]]
    cache = {prof: designation(p, prof, tol) for prof in itertools.product(*map(range, shape))}
    out = [np.zeros((shape[i], n)) for i in range(n)]
    for prof, d in cache.items():
        for i in range(n):
            w = math.prod(profile[k][prof[k]] for k in range(n) if k != i)
            if w:
                out[i][prof[i]] += w * np.asarray(d)
    return out


def build(p: dict) -> dt.TargetingModel:
    mk = p["market"]
    return dt.TargetingModel(
        n_orgs=p["n"],
        levels=p["levels"],
        benefit=1.0,
        penalty=p["penalty"],
        revenue=p["revenue"],
        metrics=p["metrics"],
        rule=p["rule"],
        market=None if mk is None else dt.Market(**mk),
        attribution=p["attribution"],
        framing=p["framing"],
    )


# ----------------------------------------------------------------------------- cases
RULES = [
    dt.NoTargeting(),
    dt.MostViolent(),
    dt.MostViolent(floor=-1.0),  # always designates somebody
    dt.MostViolent(ties="random", floor=1.0),
    dt.MostViolent(ties="lowest"),
    dt.MostViolent(ties="all"),
    dt.MostViolent(margin=0.75),
    dt.TopK(k=2),
    dt.TopK(k=2, ties="lowest", floor=0.5),
    dt.TopK(k=2, ties="all"),
    dt.Priority(order=(2, 0, 3, 1)),
    dt.Proportional(),
    dt.Proportional(basis="score", weights={"b": 1.0}),
    dt.NoisyMostViolent(noise=0.3),
    dt.NoisyMostViolent(noise=1.5, floor=1.0, per_revenue=True),
    dt.NoisyMostViolent(noise=0.4, kind="probit"),
    dt.NoisyMostViolent(noise=0.5, kind="probit", floor=0.8),
    dt.MostViolent(per_revenue=True),
    dt.MostViolent(ties="all", floor=-1.0, per_revenue=True),
    dt.MostViolent(margin=0.75, per_revenue=True),
    dt.TopK(k=2, ties="lowest", per_revenue=True),
    dt.TopK(k=2, floor=0.5, per_revenue=True),
    dt.Priority(order=(2, 0, 3, 1), floor=0.5, per_revenue=True),
    dt.Proportional(basis="score", per_revenue=True),
]


def refused(rule, structure: str) -> str | None:
    """The field a per-dollar score names when the contest market (``"blocks"``) defeats
    it: the common factor ``sum_j X_j / R`` of the revenue actually paid matters for noise,
    a margin and a floor above 0 (a fixed market here always pays everyone)."""
    if structure != "blocks" or not getattr(rule, "per_revenue", False):
        return None
    if isinstance(rule, dt.NoisyMostViolent):
        return "noise"
    if (getattr(rule, "floor", None) or 0.0) > 0:
        return "floor"
    if getattr(rule, "margin", 0.0) > 0:
        return "margin"
    return None


@pytest.mark.parametrize("rule", [r for r in RULES if refused(r, "blocks")], ids=repr)
def test_per_revenue_with_a_contest_refuses_scale_dependent_rules(rule):
    field = refused(rule, "blocks")
    with pytest.raises(UnsupportedGameError, match=rf"rule\.{field}=.*per_revenue=True"):
        build(params(rule, "blocks"))
    build(params(rule, "plain"))  # without a market: the nominal revenue, as before


def params(rule, structure: str) -> dict:
    """Four heterogeneous organizations; integer grids shared by organizations 0 and 1 give
    exact ties, and levels 2 and 2 + 1e-12 a tie within the tolerance."""
    n = 4
    p = {
        "n": n,
        "levels": [[0.0, 1.0, 2.0], [0.0, 1.0, 2.0 + 1e-12], [0.0, 0.5, 2.0], [1.0, 3.0]],
        "penalty": [2.0, 1.5, 1.0, 3.0],
        "revenue": [1.0, 1.0, 2.0, 0.5],
        "metrics": {"a": [1.0, 1.0, 1.0, 0.5], "b": [0.0, 0.0, 0.5, 1.0]},
        "market": None,
        "attribution": None,
        "framing": None,
        "rule": rule,
    }
    if structure == "blocks":
        p["market"] = {"revenue": 2.0, "exponent": 0.7, "base": [1.0, 0.5, 2.0, 1.5]}
        p["attribution"] = dt.model.confusion_matrix(n, 0.2, pairs=[(0, 1)]).tolist()
        p["framing"] = dt.model.framing_matrix(n, [(3, 2, 0.3)]).tolist()
    return p


def profiles(shape, seed: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(2):
        prof = []
        for k in shape:
            w = rng.random(k) * (rng.random(k) < 0.8)
            if w.sum() == 0:
                w[rng.integers(k)] = 1.0
            prof.append(w / w.sum())
        out.append(prof)
    out.append([np.eye(k)[rng.integers(k)] for k in shape])
    out.append([np.eye(k)[-1] for k in shape])
    return out


def _single(rule) -> bool:
    return not isinstance(rule, dt.TopK) and getattr(rule, "ties", "") != "all"


def _always(rule) -> bool:
    """Rules that designate exactly one organization at every profile of ``params``."""
    if isinstance(rule, dt.Proportional):
        return rule.basis == "size"
    if isinstance(rule, dt.NoisyMostViolent):
        return rule.floor is None
    return (
        isinstance(rule, dt.MostViolent)
        and rule.floor < 0
        and rule.ties != "all"
        and rule.margin == 0
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.describe()[:45])
@pytest.mark.parametrize("structure", ["plain", "blocks"])
def test_designation_matrix_equals_brute_force(rule, structure):
    if refused(rule, structure):
        pytest.skip("refused: test_per_revenue_with_a_contest_refuses_scale_dependent_rules")
    p = params(rule, structure)
    g = build(p).game()
    for k, prof in enumerate(profiles(g.shape, seed=len(rule.describe()))):
        got = g.designation_matrix(prof)
        want = brute_matrix(p, prof, g.tie_tol)
        fast = g._designation_matrix(tuple(prof))
        for i in range(p["n"]):
            assert got[i].shape == (g.shape[i], p["n"])
            np.testing.assert_allclose(got[i], want[i], atol=1e-12, err_msg=f"profile {k}")
            np.testing.assert_array_equal(fast[i], got[i])
        # column i is the organization's own designation probability
        exp = g.expected_designations(prof)
        np.testing.assert_allclose([got[i][:, i] @ prof[i] for i in range(p["n"])], exp, atol=1e-12)
        # rows: the expected number designated given i's level
        sums = np.concatenate([m.sum(axis=1) for m in got])
        if _single(rule):
            assert sums.max() <= 1 + 1e-12
        if isinstance(rule, dt.TopK) and rule.ties != "all":
            assert sums.max() <= rule.k + 1e-12
        if _always(rule):
            np.testing.assert_allclose(sums, 1.0, atol=1e-12)
        # everyone's view agrees on the expected designations
        for i in range(p["n"]):
            np.testing.assert_allclose(prof[i] @ got[i], exp, atol=1e-12)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.describe()[:45])
def test_pure_batch_equals_brute_force(rule):
    structure = "plain" if refused(rule, "blocks") else "blocks"
    p = params(rule, structure)
    g = build(p).game()
    rng = np.random.default_rng(3)
    idx = np.stack([rng.integers(k, size=12) for k in g.shape], axis=1)
    got = g.designation_probabilities_pure(idx)
    assert got.shape == (12, p["n"])
    want = np.array([designation(p, tuple(int(a) for a in row), g.tie_tol) for row in idx])
    np.testing.assert_allclose(got, want, atol=1e-12)
    np.testing.assert_allclose(got, g.pure_components(idx)["designation"], atol=0)
    one = g.designation_probabilities_pure(idx[0])
    np.testing.assert_array_equal(one, got[:1])


def test_symmetric_game_treats_rivals_alike():
    g = dt.TargetingModel(n_orgs=4, levels=np.linspace(0, 1, 5), penalty=2.0).game()
    q = np.array([0.1, 0.2, 0.3, 0.2, 0.2])
    m = g.designation_matrix([q] * 4)
    for i in range(4):
        rivals = [j for j in range(4) if j != i]
        for j in rivals:
            np.testing.assert_allclose(m[i][:, j], m[0][:, 1], atol=1e-14)
        np.testing.assert_allclose(m[i][:, i], m[0][:, 0], atol=1e-14)
    # at the top level with the others below it, i is designated alone
    pure = [np.eye(5)[4]] + [np.eye(5)[1]] * 3
    np.testing.assert_array_equal(g.designation_matrix(pure)[0][4], [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(g.designation_matrix(pure)[0][1], [0.25] * 4)


def test_closed_form_two_organizations():
    """Two organizations, levels 0 < 1, most-violent with floor 0, the rival at level 1
    with probability r: at level 1, i is designated w.p. (1 - r) + r/2 and the rival
    w.p. r/2; at level 0 the rival w.p. r."""
    g = dt.TargetingModel(n_orgs=2, levels=[0.0, 1.0]).game()
    for r in (0.0, 0.3, 1.0):
        m = g.designation_matrix([[0.5, 0.5], [1 - r, r]])[0]
        np.testing.assert_allclose(m, [[0.0, r], [1 - r / 2, r / 2]], atol=1e-15)


def test_input_errors():
    g = dt.TargetingModel(n_orgs=3, levels=[0.0, 1.0]).game()
    with pytest.raises(InvalidProfileError):
        g.designation_matrix([[1.0, 0.0]] * 2)
    with pytest.raises(InvalidProfileError, match="expected \\(m, 3\\)"):
        g.designation_probabilities_pure([[0, 1]])
    with pytest.raises(InvalidProfileError, match=r"profiles\[1, 2\]=2 is out of range"):
        g.designation_probabilities_pure([[0, 1, 1], [0, 0, 2]])
    with pytest.raises(InvalidProfileError, match="non-integer"):
        g.designation_probabilities_pure([[0, 0.5, 1]])


def test_campaign_size_mixed_and_pure():
    """7 organizations x 11 levels (the campaign's stage game): the mixed matrix agrees with
    the pure fast path at a pure profile, and rows stay probabilities."""
    rng = np.random.default_rng(0)
    n, L = 7, 11
    g = dt.TargetingModel(
        n_orgs=n,
        levels=np.linspace(0, 1, L),
        penalty=rng.uniform(1, 3, n),
        metrics={"v": rng.uniform(0.5, 1.5, n)},
        rule=dt.NoisyMostViolent(noise=0.1),
    ).game()
    prof = [rng.dirichlet(np.ones(L)) for _ in range(n)]
    m = g._designation_matrix(prof)
    np.testing.assert_allclose(np.concatenate([x.sum(axis=1) for x in m]), 1.0, atol=1e-12)
    pure = [np.eye(L)[a] for a in rng.integers(L, size=n)]
    # the pure fast path against the mixed machinery at a nearly pure profile
    near = [0.999999999 * q + 1e-9 / L for q in pure]
    a = g._designation_matrix(pure)
    b = g._designation_matrix(near)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, atol=1e-7)


@pytest.mark.parametrize(
    "rule", [dt.MostViolent(ties="all"), dt.TopK(k=2, ties="all")], ids=lambda r: r.describe()[:40]
)
def test_all_ties_symmetric_closed_forms(rule):
    """``ties="all"`` (every tied organization designated) is anonymous: the symmetric
    closed forms equal the generic oracle, and the oracle equals the dense table."""
    g = dt.TargetingModel(n_orgs=4, levels=[0.0, 0.5, 1.0], cost=0.2, penalty=1.5, rule=rule).game()
    assert g._symmetric_forms is not None
    q = np.array([0.2, 0.5, 0.3])
    np.testing.assert_allclose(
        g.symmetric_payoffs(q), g._deviation_payoffs_for([q] * 4, [0])[0], atol=1e-13
    )
    cols = [g._deviation_payoffs_for([q, e, q, q], [0])[0] for e in np.eye(3)]
    np.testing.assert_allclose(g.symmetric_pair_payoffs(q), np.stack(cols, axis=1), atol=1e-13)
    nf = g.to_normal_form()
    np.testing.assert_allclose(
        nf.deviation_payoffs([q] * 4)[0], g.deviation_payoffs([q] * 4)[0], atol=1e-13
    )
