"""All-to-all misattribution at scale, the size policy, and the fast dense table.

* The common-shift route (:mod:`deterrence.model._shift`) against the brute-force dense
  table (``to_normal_form``: every pure profile scored with the full matrix ``z @ M``, an
  independent path): exact at pure profiles, within 1e-12 at mixed ones, for every
  shift-invariant rule, with and without framing, with floors that bind (the dynamic
  program runs) and with carrots (the left-alone term).
* The documented default (the scenario without ``rivals``) is computed, fast.
* What cannot be computed is refused before any work, with the parameter, the estimate and
  the limit (the size policy of :mod:`deterrence.model._numerics`).
* The fast dense build is bitwise equal to the generic chunked build.
"""

from __future__ import annotations

import importlib.resources as resources
import time
import tomllib

import numpy as np
import pytest

import deterrence as dt
import deterrence.model._shift as shift_mod
from deterrence.errors import GameTooLargeError
from deterrence.model._shift import split_common
from deterrence.model.attribution import confusion_matrix, framing_matrix

RULES = [
    dt.MostViolent(),
    dt.MostViolent(ties="lowest"),
    dt.MostViolent(ties="all"),
    dt.MostViolent(floor=0.5),
    dt.MostViolent(margin=0.1, floor=0.2),
    dt.TopK(k=2),
    dt.TopK(k=2, floor=0.4, ties="lowest"),
    dt.NoisyMostViolent(noise=0.3),
    dt.NoisyMostViolent(noise=0.2, kind="probit"),
]


def _model(n: int, L: int, rule: dt.Rule, framed: bool, seed: int = 0) -> dt.TargetingModel:
    rng = np.random.default_rng(seed)
    return dt.TargetingModel(
        n_orgs=n,
        levels=np.linspace(0, 1, L),
        benefit=rng.uniform(0.5, 1.5, n),
        penalty=rng.uniform(1.0, 2.0, n),
        carrot=0.3,
        cost=0.2,
        rule=rule,
        attribution=confusion_matrix(n, 0.15),
        framing=framing_matrix(n, [(1, 2, 0.2)]) if framed else None,
    )


def _max_err(a, b) -> float:
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b, strict=True))


@pytest.fixture
def dp_calls(monkeypatch):
    calls = [0]
    orig = shift_mod._below

    def counted(*args, **kwargs):
        calls[0] += 1
        return orig(*args, **kwargs)

    monkeypatch.setattr(shift_mod, "_below", counted)
    return calls


@pytest.mark.parametrize("framed", [False, True])
@pytest.mark.parametrize("rule", RULES, ids=repr)
@pytest.mark.parametrize(("n", "L"), [(3, 5), (5, 4)])
def test_all_to_all_matches_the_brute_force_table(n, L, rule, framed):
    game = _model(n, L, rule, framed).game()
    assert game._shift is not None  # the common-shift route, not enumeration
    assert len(game.model.blocks) == 1  # one block of everybody
    dense = game.to_normal_form()
    rng = np.random.default_rng(n * 10 + L)
    for _ in range(2):
        prof = [rng.dirichlet(np.ones(L)) for _ in range(n)]
        assert _max_err(game.deviation_payoffs(prof), dense.deviation_payoffs(prof)) <= 1e-12
        pa = game._pair_payoffs_all(tuple(prof))
        pb = dense._pair_payoffs_all(tuple(prof))
        err = max(
            float(np.max(np.abs(pa[i][j] - pb[i][j]))) for i in range(n) for j in range(n) if i != j
        )
        assert err <= 1e-12
    for _ in range(3):
        pure = [np.eye(L)[rng.integers(L)] for _ in range(n)]
        got, want = game.deviation_payoffs(pure), dense.deviation_payoffs(pure)
        if getattr(rule, "kind", None) == "probit":  # two quadratures of the same integral
            assert _max_err(got, want) <= 1e-12
        else:
            assert _max_err(got, want) == 0.0


def test_binding_floor_runs_the_dynamic_program(dp_calls):
    """With a floor inside the score range, the correction is needed, and still exact."""
    game = _model(4, 5, dt.MostViolent(floor=0.5), True).game()
    prof = [np.random.default_rng(4).dirichlet(np.ones(5)) for _ in range(4)]
    got = game.deviation_payoffs(prof)
    assert dp_calls[0] > 0
    assert _max_err(got, game.to_normal_form().deviation_payoffs(prof)) <= 1e-12


def test_dynamic_program_against_explicit_sum():
    """``_below`` = ``E[1{Y <= thr} phi(m0 + above, t0 + tied)]`` summed by hand."""
    rng = np.random.default_rng(7)
    rows = []
    for _ in range(3):
        R = 4
        p = rng.dirichlet(np.ones(R))
        y = rng.integers(0, 3, R).astype(float)
        rows.append((p, y, rng.integers(0, 2, R), rng.integers(0, 2, R)))
    kk, T1 = 2, 5  # at most 1 + 3 ties
    phi = rng.uniform(size=(kk, T1))
    for thr in (-1.0, 0.5, 2.0, 3.5, 10.0):
        want = 0.0
        for r0 in range(4):
            for r1 in range(4):
                for r2 in range(4):
                    pick = [
                        (rows[b][0][r], rows[b][1][r], rows[b][2][r], rows[b][3][r])
                        for b, r in enumerate((r0, r1, r2))
                    ]
                    pr = np.prod([x[0] for x in pick])
                    y = sum(x[1] for x in pick)
                    m = sum(x[2] for x in pick)
                    t = 1 + sum(x[3] for x in pick)
                    if y <= thr and m < kk:
                        want += pr * phi[m, t]
        got = shift_mod._below(thr, rows, kk, T1, 0, 1, phi)
        assert got == pytest.approx(want, abs=1e-15)


def _default_all_to_all() -> dt.TargetingModel:
    root = resources.files("deterrence")
    folder = root / "presets"
    text = (folder / "default.toml").read_text()
    t = tomllib.loads(text)
    t["attribution"].pop("rivals")
    return dt.load_scenario(t)


def test_default_scenario_without_rivals_is_computed():
    model = _default_all_to_all()
    game = model.game()
    assert len(model.blocks) == 1 and model.n_orgs == 6
    start = time.perf_counter()
    dev = game.deviation_payoffs([np.full(11, 1 / 11)] * 6)
    assert time.perf_counter() - start < 2.0
    assert all(np.isfinite(d).all() for d in dev)
    # at a pure profile: the deviation profiles scored directly with z @ M
    actions = [3, 5, 2, 7, 0, 10]
    pure = game.deviation_payoffs([np.eye(11)[a] for a in actions])
    for i in range(6):
        rows = np.tile(actions, (11, 1))
        rows[:, i] = np.arange(11)
        direct = game.pure_components(rows)["payoff"][:, i]
        np.testing.assert_array_equal(pure[i], direct)
    # the logit solver's second-order oracle works too (pair matrices, finite)
    pairs = game._pair_payoffs_all(tuple([np.full(11, 1 / 11)] * 6))
    assert all(np.isfinite(pairs[i][j]).all() for i in range(6) for j in range(6) if i != j)


def test_split_common():
    M = confusion_matrix(5, 0.2)
    a, B = split_common(M)
    assert a == pytest.approx(0.05)
    np.testing.assert_allclose(B + a, M, atol=1e-15)
    assert np.count_nonzero(B - np.diag(np.diag(B))) == 0
    assert split_common(np.eye(4))[0] == 0.0
    assert split_common(confusion_matrix(2, 0.2))[0] == 0.0  # a pair is a small block anyway


# ------------------------------------------------------------------ refusals (size policy)
def _quick_refusal(fn, *patterns: str) -> str:
    start = time.perf_counter()
    with pytest.raises(GameTooLargeError) as info:
        fn()
    assert time.perf_counter() - start < 1.0
    msg = str(info.value)
    for pat in patterns:
        assert pat in msg, (pat, msg)
    return msg


def test_general_dense_matrix_is_refused_with_estimate_and_limit():
    cycle = 0.9 * np.eye(7) + 0.1 * np.roll(np.eye(7), 1, axis=1)
    game = dt.TargetingModel(n_orgs=7, levels=np.linspace(0, 1, 11), attribution=cycle).game()
    assert game._shift is None
    _quick_refusal(
        lambda: game.deviation_payoffs(dt.games.uniform_profile(game)),
        "attribution block",
        "7 organizations",
        "limit",
        "general attribution matrix",
    )
    _quick_refusal(lambda: game._pair_payoffs_all(dt.games.uniform_profile(game)), "limit")


def test_non_shift_invariant_rule_is_refused_and_says_why():
    model = dt.TargetingModel(
        n_orgs=7,
        levels=np.linspace(0, 1, 11),
        attribution=confusion_matrix(7, 0.1),
        rule=dt.Priority(order=list(range(7))),
    )
    game = model.game()
    _quick_refusal(
        lambda: game.deviation_payoffs(dt.games.uniform_profile(game)),
        "Priority is not shift-invariant",
        "limit",
    )


def test_tiny_noise_is_computed_on_a_sparse_grid():
    levels = np.linspace(0, 1, 11)
    noisy = dt.TargetingModel(
        n_orgs=4, levels=levels, penalty=2.0, rule=dt.NoisyMostViolent(noise=1e-9)
    )
    sharp = dt.TargetingModel(n_orgs=4, levels=levels, penalty=2.0, rule=dt.MostViolent(floor=-1))
    u = [np.full(11, 1 / 11)] * 4
    start = time.perf_counter()
    got = noisy.game().deviation_payoffs(u)
    assert time.perf_counter() - start < 1.0
    # noise far below the level spacing: the noiseless rule (ties split by symmetry)
    assert _max_err(got, sharp.game().deviation_payoffs(u)) <= 1e-7


@pytest.mark.parametrize("kind", ["logit", "probit"])
def test_sparse_grid_matches_brute_force(kind):
    """Noise 1e-3 over a unit range: the lattice (4000+ nodes) is larger than the bands
    around the 11 distinct scores, so the sparse grid is used."""
    rng = np.random.default_rng(11)
    m = dt.TargetingModel(
        n_orgs=3,
        levels=np.linspace(0, 1, 11),
        benefit=rng.uniform(0.5, 1.5, 3),
        penalty=2.0,
        rule=dt.NoisyMostViolent(noise=1e-3, kind=kind),
    )
    g = m.game()
    prof = [rng.dirichlet(np.ones(11)) for _ in range(3)]
    assert _max_err(g.deviation_payoffs(prof), g.to_normal_form().deviation_payoffs(prof)) <= 1e-12


def test_noise_grid_refused_when_even_the_bands_are_too_many():
    m = dt.TargetingModel(
        n_orgs=2, levels=np.linspace(0, 1, 20_000), rule=dt.NoisyMostViolent(noise=1e-9)
    )
    g = m.game()
    _quick_refusal(lambda: g.deviation_payoffs(dt.games.uniform_profile(g)), "noise=1e-09", "limit")


def test_model_size_limits():
    _quick_refusal(lambda: dt.TargetingModel(n_orgs=10**9, levels=[0.0, 1.0]), "n_orgs=")
    _quick_refusal(
        lambda: dt.TargetingModel(n_orgs=2, levels=np.linspace(0, 1, 2_000_000)), "levels="
    )
    g = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 3000)).game()
    _quick_refusal(lambda: g._pair_payoffs_all(dt.games.uniform_profile(g)), "levels=", "pair")
    _quick_refusal(lambda: g.symmetric_payoffs(np.full(3000, 1 / 3000)), "levels=")
    # first-order oracles are linear in the levels: computed
    assert len(g.deviation_payoffs(dt.games.uniform_profile(g))) == 3
    with pytest.raises(dt.DeterrenceError, match="names"):
        dt.TargetingModel(n_orgs=3, levels=[0.0, 1.0], names=[1, 2, 3])


def test_dense_table_size_estimate():
    g = dt.TargetingModel(n_orgs=9, levels=np.linspace(0, 1, 8)).game()
    _quick_refusal(lambda: g.to_normal_form(max_profiles=10**9), "floats", "limit")


# ------------------------------------------------------------------ fast dense table
def _generic_table(game) -> np.ndarray:
    n, total = game.n_players, game.n_profiles
    out = np.empty((n, total))
    for start in range(0, total, 50_000):
        flat = np.arange(start, min(total, start + 50_000))
        idx = np.stack(np.unravel_index(flat, game.shape), axis=1)
        out[:, start : start + len(flat)] = game.pure_components(idx)["payoff"].T
    return out.reshape((n, *game.shape))


@pytest.mark.parametrize(
    "rule",
    [
        dt.MostViolent(),
        dt.MostViolent(ties="lowest"),
        dt.MostViolent(ties="all"),
        dt.MostViolent(margin=0.2),
        dt.MostViolent(floor=0.3),
        dt.NoTargeting(),
        dt.Proportional(basis="size"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("market", [False, True])
@pytest.mark.parametrize(("n", "L", "rtol"), [(3, 4, 0.0), (5, 3, 1e-9), (9, 2, 1e-9)])
def test_fast_dense_table_is_bitwise_equal(rule, market, n, L, rtol):
    rng = np.random.default_rng(n + L)
    mk = dt.Market(revenue=2.0, exponent=0.5, base=rng.uniform(0.5, 2, n)) if market else None
    game = dt.TargetingModel(
        n_orgs=n,
        levels=np.linspace(0, 1, L),
        rule=rule,
        market=mk,
        benefit=rng.uniform(0.5, 1.5, n),
        penalty=rng.uniform(1, 2, n),
        carrot=0.25 if rule.has_floor else 0.0,
        cost=0.1,
        tie_rtol=rtol,
    ).game()
    assert game._dense_fast() is not None
    np.testing.assert_array_equal(game.to_normal_form().payoffs, _generic_table(game))


def test_dense_table_of_six_organizations_is_fast():
    game = dt.TargetingModel(n_orgs=6, levels=np.linspace(0, 1, 11), tie_rtol=0.0).game()
    game.to_normal_form()  # warm up
    start = time.perf_counter()
    game.to_normal_form()
    assert time.perf_counter() - start < 1.5  # about 0.2 s; loose for shared CI machines
