"""The input battery: bad and valid inputs across the public API (see test_battery.py).

Each case is ``(id, expect, code)``: ``code`` is Python run with ``dt`` (deterrence), ``np``
and the helpers below in scope; ``expect`` is ``"ok"`` (the code runs, and its own asserts
hold) or a regular expression that the message of the ``DeterrenceError`` it must raise has
to match — the field's name and the value, as the user wrote them. CLI cases call
``cli(argv)``, which runs ``deterrence.cli.main`` in-process and raises ``CliError`` (exit
code and stderr) when the exit code is not 0; for those, ``expect`` starts with ``"cli:"``
and the rest must match the one-line message. Files that do not exist or are directories
raise the standard ``OSError`` subclasses (as ``open`` does): ``expect`` starts with
``"os:"``.
"""

from __future__ import annotations

CASES: list[tuple[str, str, str]] = []


def case(cid: str, expect: str, code: str) -> None:
    CASES.append((cid, expect, code))


# ----------------------------------------------------------------------------- games
PD = "[[[3, 0], [5, 1]], [[3, 5], [0, 1]]]"
case("nfg-game-ok", "ok", f"g = dt.NormalFormGame({PD}); assert g.shape == (2, 2)")
case("nfg-game-nan", r"NaN|nan", "dt.NormalFormGame([[[1, np.nan], [0, 1]], [[1, 0], [0, 1]]])")
case("nfg-game-inf", r"inf", "dt.NormalFormGame([[[1, np.inf], [0, 1]], [[1, 0], [0, 1]]])")
case("nfg-game-string", r"payoffs", "dt.NormalFormGame([[['a', 'b'], [0, 1]], [[1, 0], [0, 1]]])")
case(
    "nfg-game-bool",
    r"payoffs.*bool|bool.*payoffs",
    "dt.NormalFormGame(np.ones((2, 2, 2), dtype=bool))",
)
case(
    "nfg-game-complex",
    r"payoffs.*complex|complex.*payoffs",
    "dt.NormalFormGame(np.ones((2, 2, 2)) + 1j)",
)
case(
    "nfg-game-complex-zero-imag",
    r"payoffs.*complex|complex.*payoffs",
    "dt.NormalFormGame(np.ones((2, 2, 2), dtype=complex))",
)
case("nfg-game-ragged", r"payoffs", "dt.NormalFormGame([[[1, 2], [0]], [[1, 0], [0, 1]]])")
case("nfg-game-scalar", r"payoffs", "dt.NormalFormGame(3.0)")
case("nfg-game-1d", r"payoffs", "dt.NormalFormGame([1.0, 2.0])")
case("nfg-game-wrong-lead", r"payoffs.*shape|shape", "dt.NormalFormGame(np.zeros((3, 2, 2)))")
case("nfg-game-empty-axis", r"payoffs|action", "dt.NormalFormGame(np.zeros((2, 0, 2)))")
case("nfg-game-object", r"payoffs", "dt.NormalFormGame(np.array([[[object()]]], dtype=object))")
case("nfg-game-none", r"payoffs", "dt.NormalFormGame(None)")
case("nfg-game-dict", r"payoffs", "dt.NormalFormGame({'a': 1})")
case("nfg-game-one-player-ok", "ok", "g = dt.NormalFormGame([[1.0, 2.0]]); assert g.n_players == 1")
case(
    "nfg-game-names-wrong-count",
    r"player_names|names",
    f"dt.NormalFormGame({PD}, player_names=['a'])",
)
case(
    "nfg-game-names-duplicate",
    r"player_names|names|duplicate",
    f"dt.NormalFormGame({PD}, player_names=['a', 'a'])",
)
case(
    "nfg-from-function-bad-shape",
    r"shape",
    "dt.NormalFormGame.from_function((2, -1), lambda p: [0, 0])",
)
case(
    "nfg-from-function-wrong-len",
    r"payoff|return|player",
    "dt.NormalFormGame.from_function((2, 2), lambda p: [0.0])",
)
case(
    "nfg-from-function-raises-index",
    r"payoff|function|profile",
    "dt.NormalFormGame.from_function((2, 2), lambda p: [[0, 1][p[0] + 5], 0])",
)
case(
    "nfg-from-function-nan",
    r"NaN|nan|finite",
    "dt.NormalFormGame.from_function((2, 2), lambda p: [float('nan'), 0.0])",
)
case(
    "nfg-from-bimatrix-mismatch",
    r"shape|bimatrix|same",
    "dt.NormalFormGame.from_bimatrix(np.zeros((2, 2)), np.zeros((3, 2)))",
)
case(
    "random-game-huge",
    r"too large|profiles|memory",
    "dt.catalog.random_game((1000, 1000, 1000, 1000))",
)
case("random-game-65-players", r"player|profiles|too large", "dt.catalog.random_game((2,) * 65)")
case("random-game-zero-actions", r"shape|action", "dt.catalog.random_game((2, 0))")
case("random-game-float-shape", r"shape", "dt.catalog.random_game((2.5, 2))")
case("random-game-negative-seed", r"rng|seed", "dt.catalog.random_game((2, 2), rng=-3)")
case("random-game-ok", "ok", "g = dt.catalog.random_game((3, 4), rng=1); assert g.shape == (3, 4)")

# ----------------------------------------------------------------------------- profiles
G = f"dt.NormalFormGame({PD})"
for cid, prof, pat in [
    ("short", "[[1, 0]]", r"profile has 1|one per player|expected 2"),
    ("long", "[[1, 0], [1, 0], [1, 0]]", r"profile has 3|expected 2"),
    ("wrong-length", "[[1, 0, 0], [1, 0]]", r"profile\[0\]"),
    ("negative", "[[1.5, -0.5], [1, 0]]", r"profile\[0\].*negative"),
    ("sum", "[[0.5, 0.4], [1, 0]]", r"profile\[0\].*sums to"),
    ("nan", "[[np.nan, 1], [1, 0]]", r"profile\[0\].*NaN"),
    ("inf", "[[np.inf, 1], [1, 0]]", r"profile\[0\].*(NaN|inf)"),
    ("string", "[['a', 'b'], [1, 0]]", r"profile\[0\]"),
    ("scalar", "3", r"profile"),
    ("none", "None", r"profile"),
    ("2d-entry", "[[[1, 0]], [1, 0]]", r"profile\[0\]"),
    ("complex", "[[1 + 0j, 0], [1, 0]]", r"profile\[0\]"),
]:
    case(f"profile-{cid}-regret", pat, f"dt.regret({G}, {prof})")
    case(f"profile-{cid}-deviation", pat, f"{G}.deviation_payoffs({prof})")
case("profile-ok-numpy-2d", "ok", f"assert dt.regret({G}, np.array([[0., 1.], [0., 1.]])) == 0")
case("profile-is-equilibrium-tol", r"tol", f"dt.is_equilibrium({G}, [[0, 1], [0, 1]], tol=-1)")
case(
    "profile-is-equilibrium-tol-nan",
    r"tol",
    f"dt.is_equilibrium({G}, [[0, 1], [0, 1]], tol=np.nan)",
)
case(
    "pair-payoffs-bad-player",
    r"player|\bi\b|\bj\b",
    f"{G}.pair_payoffs([[0.5, 0.5], [0.5, 0.5]], 0, 5)",
)
case(
    "pair-payoffs-same-player",
    r"different players|i=j",
    f"{G}.pair_payoffs([[0.5, 0.5], [0.5, 0.5]], 1, 1)",
)
case(
    "best-response-tie-bogus",
    r"tie_breaking",
    f"dt.best_response({G}, [[0.5, 0.5], [0.5, 0.5]], 0, tie_breaking='first')",
)
case("best-response-bad-player", r"player", f"dt.best_response({G}, [[0.5, 0.5], [0.5, 0.5]], 7)")

# ----------------------------------------------------------------------------- solve
for method in ["auto", "pure", "support", "lemke-howson", "lp", "logit", "symmetric"]:
    case(f"solve-{method}-bogus-option", r"bogus", f"dt.solve({G}, method={method!r}, bogus=1)")
case("solve-bogus-method", r"method='nash'", f"dt.solve({G}, method='nash')")
case("solve-not-a-game", r"game=", "dt.solve([[1, 2], [3, 4]])")
for opt in [
    "tol=-1.0",
    "tol=np.nan",
    "tol='small'",
    "max_steps=0",
    "max_steps=2.5",
    "lambda_max=-5",
    "first_step=0",
]:
    case(f"solve-logit-{opt}", opt.split("=")[0], f"dt.solve({G}, method='logit', {opt})")
case(
    "solve-support-3p",
    r"2-player|two.player|players",
    "dt.solve(dt.catalog.random_game((2, 2, 2), rng=0), method='support')",
)
case("solve-lp-not-zero-sum", r"zero.sum", f"dt.solve({G}, method='lp')")
case(
    "solve-symmetric-not-symmetric",
    r"symmetric",
    "dt.solve(dt.catalog.random_game((3, 3, 3), rng=0), method='symmetric')",
)
case("solve-lh-bad-label", r"initial_label|label", f"dt.lemke_howson({G}, initial_label=9)")
case(
    "solve-pure-ok",
    "ok",
    f"assert [e.pure_profile for e in dt.solve({G}, method='pure')] == [(1, 1)]",
)
case(
    "solve-support-ok",
    "ok",
    "r = dt.solve(dt.catalog.matching_pennies(), method='support'); "
    "assert r.complete and len(r) == 1 and r[0].regret < 1e-12",
)
case(
    "solve-huge-offset",
    "ok",
    "A = np.array([[3., 0.], [5., 1.]]); B = A.T.copy()\n"
    "g = dt.NormalFormGame.from_bimatrix(A * 1e15 + 1e15, B * 1e15 - 1e15)\n"
    "r = dt.solve(g, method='support')\n"
    "assert [e.pure_profile for e in r if e.is_pure] == [(1, 1)] and len(r) == 1",
)
case(
    "solve-huge-offset-lh",
    "ok",
    "A = np.array([[1., -1.], [-1., 1.]])\n"
    "g = dt.NormalFormGame.from_bimatrix(A * 1e15 + 3e15, -A * 1e15)\n"
    "r = dt.lemke_howson(g)\n"
    "assert len(r) >= 1 and np.allclose(r[0].strategies[0], [0.5, 0.5])",
)

# ----------------------------------------------------------------------------- model
M = "dict(n_orgs=3, levels=np.linspace(0, 1, 5), benefit=1.0, penalty=2.0)"


def model_case(cid: str, expect: str, **override: str) -> None:
    args = ", ".join(f"{k}={v}" for k, v in override.items())
    case(f"model-{cid}", expect, f"kw = {M}; kw.update(dict({args})); dt.TargetingModel(**kw)")


for field in ["benefit", "cost", "penalty", "carrot", "extortion"]:
    for bad in ["np.nan", "np.inf", "'x'", "[1.0, 2.0]", "None", "True", "1 + 2j"]:
        model_case(f"{field}-{bad}", field, **{field: bad})
    if field != "benefit":
        model_case(f"{field}-negative", field, **{field: "-1.0"})
    model_case(f"{field}-per-org-ok", "ok", **{field: "[0.5, 1.0, 1.5]"})
for bad in ["0", "-1", "2.5", "'3'", "True", "np.nan", "10**9"]:
    model_case(f"n_orgs-{bad}", "n_orgs", n_orgs=bad)
for cid, bad, pat in [
    ("empty", "[]", "levels"),
    ("decreasing", "[1.0, 0.5]", "levels"),
    ("duplicate", "[0.0, 0.0, 1.0]", "levels"),
    ("negative", "[-1.0, 0.0]", "levels"),
    ("nan", "[0.0, np.nan]", "levels"),
    ("string", "'fine'", "levels"),
    ("wrong-count", "[[0, 1], [0, 1]]", "levels"),
    ("2d", "np.zeros((2, 2, 2))", "levels"),
    ("huge", "np.linspace(0, 1, 10**7)", "levels|too large|memory"),
]:
    model_case(f"levels-{cid}", pat, levels=bad)
model_case("cost_exponent-zero", "cost_exponent", cost_exponent="0.0")
model_case("cost_exponent-nan", "cost_exponent", cost_exponent="np.nan")
model_case("revenue-zero", "revenue", revenue="0.0")
model_case("revenue-wrong-len", "revenue", revenue="[1.0, 2.0]")
model_case("names-duplicate", "names", names="['a', 'a', 'b']")
model_case("names-wrong-count", "names", names="['a']")
model_case("names-not-strings", "names", names="[1, 2, 3]")
model_case("rule-not-a-rule", "rule", rule="'most_violent'")
model_case("baseline-not-a-rule", "baseline", baseline="3")
model_case("market-not-a-market", "market", market="{'revenue': 1}")
model_case("attribution-wrong-shape", "attribution", attribution="np.eye(2)")
model_case(
    "attribution-negative",
    "attribution",
    attribution="np.array([[1.2, -0.2, 0], [0, 1, 0], [0, 0, 1]])",
)
# per dollar of the revenue the market pays: a contest's common factor sum X / R defeats
# noise, margins and floors above 0; fixed shares must pay everyone something
CONTEST = "dt.Market(revenue=2.0, exponent=0.5)"
for cid, rule, pat in [
    ("noise", "dt.NoisyMostViolent(noise=0.5, per_revenue=True)", r"rule\.noise=0\.5.*per_revenue"),
    ("floor", "dt.MostViolent(floor=0.5, per_revenue=True)", r"rule\.floor=0\.5.*contest"),
    ("margin", "dt.MostViolent(margin=0.25, per_revenue=True)", r"rule\.margin=0\.25"),
    ("topk-floor", "dt.TopK(k=2, floor=1.0, per_revenue=True)", r"rule\.floor=1\.0"),
    ("priority-floor", "dt.Priority(order=(2, 0, 1), floor=0.1, per_revenue=True)", r"rule\.floor"),
]:
    model_case(f"per-revenue-contest-{cid}", pat, rule=rule, market=CONTEST)
model_case(
    "baseline-per-revenue-contest-floor",
    r"baseline\.floor=1\.0.*per_revenue",
    baseline="dt.MostViolent(floor=1.0, per_revenue=True)",
    market=CONTEST,
)
model_case(
    "per-revenue-contest-ok",
    "ok",
    rule="dt.MostViolent(floor=-1.0, per_revenue=True)",
    market=CONTEST,
)
model_case(
    "per-revenue-fixed-zero-share",
    r"rule\.per_revenue.*market\.shares\[2\] = 2\.0 \* 0\.0",
    rule="dt.TopK(k=1, per_revenue=True)",
    market="dt.Market(revenue=2.0, shares=[0.5, 0.5, 0.0])",
)
model_case(
    "per-revenue-fixed-zero-revenue",
    r"market\.revenue \* market\.shares\[0\] = 0\.0",
    rule="dt.MostViolent(per_revenue=True)",
    market="dt.Market(revenue=0.0, shares=[0.5, 0.25, 0.25])",
)
model_case(
    "per-revenue-fixed-ok",
    "ok",
    rule="dt.NoisyMostViolent(noise=0.5, floor=1.0, per_revenue=True)",
    market="dt.Market(revenue=2.0, shares=[0.5, 0.25, 0.25])",
)
model_case("attribution-nan", "attribution", attribution="np.full((3, 3), np.nan)")
model_case("attribution-rows", "attribution", attribution="np.full((3, 3), 0.5)")
model_case("framing-wrong-shape", "framing", framing="np.zeros((4, 4))")
model_case("metrics-unknown-shape", "metrics", metrics="{'killings': [1.0, 2.0]}")
model_case("metrics-negative", "metrics", metrics="{'killings': [-1.0, 1.0, 1.0]}")
model_case(
    "ok-all",
    "ok",
    rule="dt.NoisyMostViolent(noise=0.3)",
    market="dt.Market(revenue=2.0, exponent=0.5)",
)
case(
    "model-topk-k-above-n",
    r"k.*3|organizations",
    f"kw = {M}; kw['rule'] = dt.TopK(k=5); dt.TargetingModel(**kw)",
)
case(
    "model-priority-order-wrong",
    r"order",
    f"kw = {M}; kw['rule'] = dt.Priority(order=[0, 1]); dt.TargetingModel(**kw)",
)
case(
    "model-priority-order-out-of-range",
    r"order",
    f"kw = {M}; kw['rule'] = dt.Priority(order=[0, 1, 7]); dt.TargetingModel(**kw)",
)
case(
    "model-attribution-all-to-all-7",
    "ok",
    "m = dt.TargetingModel(n_orgs=7, levels=np.linspace(0, 1, 11), benefit=1.0, penalty=2.0,\n"
    "    attribution=np.full((7, 7), 0.05) + np.eye(7) * 0.65)\n"
    "g = m.game(); q = [np.full(11, 1 / 11)] * 7\n"
    "d = g.deviation_payoffs(q); assert len(d) == 7 and all(np.isfinite(x).all() for x in d)",
)
case(
    "model-to-normal-form-too-large",
    r"too large|profiles",
    "dt.TargetingModel(n_orgs=30, levels=np.linspace(0, 1, 11)).game().to_normal_form()",
)
case(
    "model-noisy-tiny-noise",
    "ok",
    "m = dt.TargetingModel(n_orgs=4, levels=np.linspace(0, 1, 11), penalty=2.0,\n"
    "    rule=dt.NoisyMostViolent(noise=1e-9))\n"
    "d = m.game().deviation_payoffs([np.full(11, 1 / 11)] * 4)\n"
    "assert all(np.isfinite(x).all() for x in d)",
)

# rules
for cid, code, pat in [
    ("mv-ties", "dt.MostViolent(ties='first')", "ties"),
    ("mv-floor-nan", "dt.MostViolent(floor=np.nan)", "floor"),
    ("mv-floor-str", "dt.MostViolent(floor='0')", "floor"),
    ("mv-margin-negative", "dt.MostViolent(margin=-1.0)", "margin"),
    ("mv-weights-negative", "dt.MostViolent(weights={'a': -1.0})", "weights"),
    ("mv-weights-nan", "dt.MostViolent(weights={'a': np.nan})", "weights"),
    ("mv-weights-not-mapping", "dt.MostViolent(weights=[1.0])", "weights"),
    ("mv-per-revenue-str", "dt.MostViolent(per_revenue='yes')", "per_revenue"),
    ("noisy-zero", "dt.NoisyMostViolent(noise=0.0)", "noise"),
    ("noisy-negative", "dt.NoisyMostViolent(noise=-1.0)", "noise"),
    ("noisy-nan", "dt.NoisyMostViolent(noise=np.nan)", "noise"),
    ("noisy-kind", "dt.NoisyMostViolent(noise=0.1, kind='gauss')", "kind"),
    ("topk-zero", "dt.TopK(k=0)", "k"),
    ("topk-float", "dt.TopK(k=1.5)", "k"),
    ("priority-empty", "dt.Priority(order=[])", "order"),
    ("priority-dup", "dt.Priority(order=[0, 0])", "order"),
    ("proportional-basis", "dt.Proportional(basis='votes')", "basis"),
    ("market-negative", "dt.Market(revenue=-1.0)", "revenue"),
    ("market-exponent-negative", "dt.Market(revenue=1.0, exponent=-1.0)", "exponent"),
    ("market-base-zero", "dt.Market(revenue=1.0, base=0.0)", "base"),
    ("market-shares-sum", "dt.Market(revenue=1.0, shares=(0.5, 0.6))", "shares"),
]:
    case(f"rule-{cid}", pat, code)

# ----------------------------------------------------------------------------- race & thresholds
MODEL = (
    "dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 6), benefit=1.0, penalty=2.0,"
    " rule=dt.MostViolent())"
)
for cid, code, pat in [
    ("not-a-model", "dt.race_to_the_bottom(3)", "model"),
    ("max-iter-zero", f"dt.race_to_the_bottom({MODEL}, max_iter=0)", "max_iter"),
    ("max-iter-huge", f"dt.race_to_the_bottom({MODEL}, max_iter=10**15)", "max_iter"),
    ("mixed", f"dt.race_to_the_bottom({MODEL}, mixed='nash')", "mixed"),
    ("tol", f"dt.race_to_the_bottom({MODEL}, tol=-1)", "tol"),
    ("start-short", f"dt.race_to_the_bottom({MODEL}, start=[0])", "start|profile"),
    ("start-range", f"dt.race_to_the_bottom({MODEL}, start=[0, 0, 99])", "start|profile"),
    ("baseline", f"dt.race_to_the_bottom({MODEL}, baseline='none')", "baseline"),
    ("critical-penalty-bracket", f"dt.critical_penalty({MODEL}, bracket=(5.0, 1.0))", "bracket"),
    ("critical-penalty-xtol", f"dt.critical_penalty({MODEL}, xtol=0)", "xtol"),
    ("deviation-gain-profile", f"dt.deviation_gain({MODEL}, [0, 0])", "profile"),
    ("deviation-gain-range", f"dt.deviation_gain({MODEL}, [0, 0, 9])", "profile"),
]:
    case(f"race-{cid}", pat, code)
case(
    "race-ok-full",
    "ok",
    f"r = dt.race_to_the_bottom({MODEL}, mixed='none'); assert r.verdict == 'full'",
)

# ----------------------------------------------------------------------------- dynamics
for cid, code, pat in [
    ("br-order", f"dt.best_response_dynamics({G}, [0, 0], order='parallel')", "order"),
    ("br-max-iter-0", f"dt.best_response_dynamics({G}, [0, 0], max_iter=0)", "max_iter"),
    ("br-max-iter-neg", f"dt.best_response_dynamics({G}, [0, 0], max_iter=-5)", "max_iter"),
    ("br-max-iter-float", f"dt.best_response_dynamics({G}, [0, 0], max_iter=2.5)", "max_iter"),
    ("br-max-iter-huge", f"dt.best_response_dynamics({G}, [0, 0], max_iter=10**13)", "max_iter"),
    ("br-start-short", f"dt.best_response_dynamics({G}, [0])", "start|profile"),
    ("br-start-range", f"dt.best_response_dynamics({G}, [0, 2])", "start|profile"),
    ("br-start-float", f"dt.best_response_dynamics({G}, [0.5, 0])", "start|profile"),
    ("br-tie", f"dt.best_response_dynamics({G}, [0, 0], tie_breaking='any')", "tie_breaking"),
    ("br-inertia", f"dt.best_response_dynamics({G}, [0, 0], inertia=1.5)", "inertia"),
    ("br-tol", f"dt.best_response_dynamics({G}, [0, 0], tol=np.nan)", "tol"),
    ("br-rng", f"dt.best_response_dynamics({G}, [0, 0], order='random', rng='x')", "rng"),
    ("fp-variant", f"dt.fictitious_play({G}, variant='fast')", "variant"),
    ("fp-temperature", f"dt.fictitious_play({G}, variant='smooth', temperature=-1)", "temperature"),
    ("fp-max-iter", f"dt.fictitious_play({G}, max_iter=0)", "max_iter"),
    ("fp-weight", f"dt.fictitious_play({G}, initial_weight=-1)", "initial_weight"),
    ("fp-start", f"dt.fictitious_play({G}, start=[[2, -1], [1, 0]])", "start|profile"),
    ("lr-temperature", f"dt.logit_response_dynamics({G}, [0, 0], temperature=0)", "temperature"),
    ("lr-order", f"dt.logit_response_dynamics({G}, [0, 0], temperature=1, order='x')", "order"),
    ("rep-t-max", f"dt.replicator_dynamics({G}, t_max=-1)", "t_max"),
    ("rep-points", f"dt.replicator_dynamics({G}, n_points=1)", "n_points"),
    ("rep-method", f"dt.replicator_dynamics({G}, method='Euler')", "method"),
    ("rep-points-huge", f"dt.replicator_dynamics({G}, n_points=10**10)", "n_points"),
    ("basins-method", f"dt.basins({G}, method='bogus')", "method"),
    ("basins-n-starts", f"dt.basins({G}, n_starts=0)", "n_starts"),
    ("basins-n-starts-huge", f"dt.basins({G}, n_starts=10**12)", "n_starts"),
    ("basins-chunk", f"dt.basins({G}, chunk_size=0)", "chunk_size"),
    ("basins-executor", f"dt.basins({G}, executor=5)", "executor"),
    ("basins-option", f"dt.basins({G}, bogus=1)", "bogus"),
]:
    case(f"dyn-{cid}", pat, code)
case(
    "dyn-br-ok",
    "ok",
    f"r = dt.best_response_dynamics({G}, [0, 0]); assert r.outcome == 'converged'",
)
case(
    "dyn-br-long-run-memory",
    "ok",
    "g = dt.catalog.shapley_game()\n"
    "r = dt.best_response_dynamics(g, [0, 0], max_iter=1_000_000)\n"
    "assert r.outcome == 'cycle'",
)

# ----------------------------------------------------------------------------- tipping & capacity
for cid, code, pat in [
    ("n-zero", "dt.TippingModel(n=0)", r"\bn\b"),
    ("sd-negative", "dt.TippingModel(sd=-1)", "sd"),
    ("alpha-negative", "dt.TippingModel(alpha=-1)", "alpha"),
    ("memory-zero", "dt.TippingModel(memory=0)", "memory"),
    ("gamma-above-one", "dt.TippingModel(gamma=1.5)", "gamma"),
    ("capacity-negative", "dt.TippingModel(capacity=-1)", "capacity"),
    ("enforcement", "dt.TippingModel(enforcement='fair')", "enforcement"),
    ("tier-size", "dt.TippingModel(tier_size=0)", "tier_size"),
    ("sim-runs", "dt.simulate_tipping(dt.TippingModel(), runs=0)", "runs"),
    ("sim-periods", "dt.simulate_tipping(dt.TippingModel(), periods=0)", "periods"),
    ("sim-periods-huge", "dt.simulate_tipping(dt.TippingModel(), periods=10**12)", "periods"),
    ("sim-start", "dt.simulate_tipping(dt.TippingModel(), start='middle')", "start"),
    ("sim-capacity-nan", "dt.simulate_tipping(dt.TippingModel(), capacity=[np.nan])", "capacity"),
    (
        "sim-capacity-huge-sweep",
        "dt.simulate_tipping(dt.TippingModel(), capacity=np.zeros(10**8))",
        "capacity|too large|memory",
    ),
    (
        "chain-too-large",
        "dt.markov_chain(dt.TippingModel(n=100000))",
        "states|too large|max_states",
    ),
    ("compliance-n", "dt.ComplianceGame(n_actors=0)", "n_actors"),
    ("compliance-rule", "dt.ComplianceGame(rule='fair')", "rule"),
    ("compliance-capacity", "dt.ComplianceGame(capacity=-1)", "capacity"),
    (
        "compliance-order",
        "dt.ComplianceGame(n_actors=3, rule='priority', order=(0, 0, 1))",
        "order",
    ),
]:
    case(f"tip-{cid}", pat, code)

# ----------------------------------------------------------------------------- .nfg text
NFG_OK = 'NFG 1 R "t" { "1" "2" } { 2 2 }\n1 1 0 2 2 0 0 0\n'
case("nfg-read-ok", "ok", f"g = dt.read_nfg({NFG_OK!r}); assert g.shape == (2, 2)")
for cid, text, pat in [
    ("empty", "", "empty|NFG|line 1"),
    ("no-header", "foo\nbar\n", "NFG|:1:"),
    ("version", 'NFG 2 R "t" { "1" "2" } { 2 2 }\n1 1 0 2 2 0 0 0\n', "version|NFG 1|line 1"),
    ("field", 'NFG 1 Q "t" { "1" "2" } { 2 2 }\n1 1 0 2 2 0 0 0\n', "R|line 1"),
    ("unterminated-title", 'NFG 1 R "t { "1" "2" } { 2 2 }\n1 1 0 2 2 0 0 0\n', ":1:"),
    ("missing-brace", 'NFG 1 R "t" { "1" "2" { 2 2 }\n1 1 0 2 2 0 0 0\n', "line"),
    ("too-few-payoffs", 'NFG 1 R "t" { "1" "2" } { 2 2 }\n1 1 0 2 2 0\n', "line|payoff|expected"),
    (
        "too-many-payoffs",
        'NFG 1 R "t" { "1" "2" } { 2 2 }\n1 1 0 2 2 0 0 0 9\n',
        "line|payoff|expected",
    ),
    ("bad-number", 'NFG 1 R "t" { "1" "2" } { 2 2 }\n1 1 0 2 2 0 0 x\n', r":2:15:.*x"),
    ("nan-number", 'NFG 1 R "t" { "1" "2" } { 2 2 }\n1 1 0 2 2 0 0 nan\n', r":2:15:"),
    ("zero-strategies", 'NFG 1 R "t" { "1" "2" } { 0 2 }\n\n', "strateg|line 1"),
    ("negative-strategies", 'NFG 1 R "t" { "1" "2" } { -1 2 }\n\n', "strateg|line 1"),
    (
        "huge-dims",
        'NFG 1 R "t" { "1" "2" "3" } { 100000 100000 100000 }\n1\n',
        "too large|profiles",
    ),
    ("players-mismatch", 'NFG 1 R "t" { "1" "2" } { 2 2 2 }\n1\n', "player|line 1"),
    ("outcome-index", 'NFG 1 R "t" { "1" "2" } { 2 2 }\n{ "" 1 1 }\n1 9 0 0\n', "outcome|line"),
    ("rational-zero-den", 'NFG 1 R "t" { "1" "2" } { 2 2 }\n1 1 0 2 2 0 0 1/0\n', ":2:15:"),
    ("binary-garbage", "b'\\x00\\x01\\x02'", "NFG|line|decode|UTF"),
]:
    arg = text if text.startswith("b'") else repr(text)
    case(f"nfg-text-{cid}", pat, f"dt.read_nfg({arg})")
case(
    "nfg-rational-ok",
    "ok",
    'g = dt.read_nfg(\'NFG 1 R "t" { "1" "2" } { 2 2 }\\n1 1 0 2 2 0 0 1/3\\n\')\n'
    "assert abs(g.payoffs[1][1, 1] - 1 / 3) < 1e-15",
)
case("nfg-file-missing", r"os:no such", "dt.read_nfg('/nonexistent/x.nfg')")
case("nfg-file-directory", r"os:is a directory", "dt.read_nfg('/tmp')")
case("nfg-write-not-a-game", r"game", "dt.write_nfg([[1, 2]])")

# ----------------------------------------------------------------------------- scenarios
SC = (
    'levels = { min = 0, max = 1, num = 5 }\n[rule]\ntype = "most_violent"\n'
    '[[organizations]]\nname = "A"\nbenefit = 1.0\npenalty = 2.0\n'
    '[[organizations]]\nname = "B"\nbenefit = 1.0\npenalty = 2.0\n'
)


def scen(cid: str, expect: str, text: str) -> None:
    case(f"scenario-{cid}", expect, f"dt.load_scenario(tomllib.loads({text!r}))")


scen("ok", "ok", SC)
scen("unknown-top-key", r"rulez|did you mean", SC + "rulez = 1\n")
scen(
    "unknown-org-key", r"organizations\[0\]\.benfit", SC.replace("benefit = 1.0", "benfit = 1.0", 1)
)
scen(
    "org-penalty-negative",
    r"organizations\[0\]\.penalty",
    SC.replace("penalty = 2.0", "penalty = -2.0", 1),
)
scen(
    "org-penalty-string",
    r"organizations\[0\]\.penalty",
    SC.replace("penalty = 2.0", 'penalty = "x"', 1),
)
scen("org-name-duplicate", r"name|duplicate", SC.replace('name = "B"', 'name = "A"'))
scen("no-orgs", r"organizations", 'levels = { min = 0, max = 1, num = 5 }\n[rule]\ntype = "none"\n')
scen("rule-type", r"rule\.type", SC.replace('type = "most_violent"', 'type = "loudest"'))
scen("rule-missing", r"rule", SC.replace('[rule]\ntype = "most_violent"\n', ""))
scen(
    "rule-per-revenue-contest-floor",
    r"rule\.floor: .*contest",
    SC.replace('type = "most_violent"', 'type = "most_violent"\nfloor = 0.5\nper_revenue = true')
    + "[market]\nrevenue = 2.0\n",
)
scen(
    "rule-noise-zero",
    r"rule\.noise",
    SC.replace('type = "most_violent"', 'type = "noisy_most_violent"\nnoise = 0.0'),
)
scen("rule-k-above-n", r"rule\.k", SC.replace('type = "most_violent"', 'type = "top_k"\nk = 5'))
scen(
    "rule-unknown-key",
    r"rule\.nois",
    SC.replace('type = "most_violent"', 'type = "most_violent"\nnois = 1'),
)
scen("levels-num", r"levels\.num", SC.replace("num = 5", "num = 0"))
scen("levels-max", r"levels", SC.replace("max = 1", "max = -1"))
scen(
    "levels-bad-type",
    r"levels",
    SC.replace("levels = { min = 0, max = 1, num = 5 }", 'levels = "fine"'),
)
scen("market-revenue", r"market\.revenue", SC + "[market]\nrevenue = -1.0\n")
scen("market-unknown", r"market\.revnue", SC + "[market]\nrevnue = 1.0\n")
scen(
    "attribution-unknown-org",
    r"rivals|Z",
    SC + '[attribution]\nmisattribution = 0.1\nrivals = [["A", "Z"]]\n',
)
scen("attribution-share", r"misattribution", SC + "[attribution]\nmisattribution = 1.5\n")
scen("framing-unknown-org", r"framing\[0\]", SC + '[[framing]]\nby = "A"\nas = "Q"\nshare = 0.1\n')
scen(
    "framing-share", r"framing\[0\]\.share", SC + '[[framing]]\nby = "A"\nas = "B"\nshare = -0.1\n'
)
scen("attribution-all-to-all-ok", "ok", SC + "[attribution]\nmisattribution = 0.1\n")
case(
    "scenario-file-missing", r"scenario|no such|not found", "dt.load_scenario('/nonexistent.toml')"
)
case("scenario-bad-toml", r"TOML|line", "dt.load_scenario(str(_write('x = = 1')))")
case("scenario-unknown-name", r"default|available|scenario", "dt.load_scenario('atlantis')")
case("scenario-default-ok", "ok", "m = dt.load_scenario('default'); assert m.n_orgs == 6")
case(
    "scenario-default-all-to-all",
    "ok",
    "import deterrence.scenario as S, tomllib, importlib.resources as R\n"
    "t = tomllib.loads((R.files('deterrence') / 'presets' / 'default.toml').read_text())\n"
    "t['attribution'].pop('rivals')\n"
    "m = dt.load_scenario(t); g = m.game()\n"
    "d = g.deviation_payoffs([np.full(11, 1 / 11)] * 6)\n"
    "assert all(np.isfinite(x).all() for x in d)",
)

# ----------------------------------------------------------------------------- sweeps
for cid, kw, pat in [
    ("unknown", "{'penalt': [1.0]}", "penalt"),
    ("empty", "{'penalty': []}", "penalty"),
    ("type", "{'penalty': ['x']}", "penalty"),
    ("range", "{'penalty': (2.0, 1.0)}, design='lhs:4'", "penalty"),
]:
    case(f"sweep-{cid}", pat, f"dt.sweep({MODEL}, {kw}, progress=False)")

# ----------------------------------------------------------------------------- CLI
for cid, argv, pat in [
    ("no-such-command", "['frobnicate']", "frobnicate|invalid choice"),
    ("solve-missing-file", "['solve', '/nonexistent.nfg']", "nonexistent"),
    ("solve-directory", "['solve', '/tmp']", "directory"),
    ("solve-bad-method", "['solve', 'prisoners_dilemma', '--method', 'nash']", "nash"),
    ("solve-bad-option", "['solve', 'prisoners_dilemma', '-o', 'bogus=1']", "bogus"),
    ("solve-malformed-option", "['solve', 'prisoners_dilemma', '-o', 'bogus']", "bogus|KEY=VALUE"),
    ("analyze-missing", "['analyze', '/nonexistent.toml']", "nonexistent|scenario"),
    ("analyze-unknown-name", "['analyze', 'atlantis']", "atlantis|scenario"),
    ("tipping-bad-capacity", "['tipping', '--capacity', 'lots']", "capacity|lots"),
    ("tipping-negative-runs", "['tipping', '--runs', '-1']", "runs|-1"),
]:
    case(f"cli-{cid}", f"cli:{pat}", f"cli({argv})")
case("cli-games-ok", "ok", "cli(['games'])")
case("cli-solve-ok", "ok", "cli(['solve', 'prisoners_dilemma', '--json'])")

# ----------------------------------------------------------------------------- more valid input
case(
    "sweep-ok",
    "ok",
    f"df = dt.sweep({MODEL}, {{'penalty': [0.5, 3.0]}}, progress=False)\n"
    "assert df['verdict'].tolist()[-1] == 'full'",
)
case("scenario-mexico-ok", "ok", "m = dt.load_scenario('mexico-2010'); assert m.n_orgs == 7")
case(
    "scenario-mexico-six-ok", "ok", "m = dt.load_scenario('mexico-2010-six'); assert m.n_orgs == 6"
)
case(
    "campaign-ok",
    "ok",
    "m = dt.TargetingModel(n_orgs=3, levels=[0.0, 0.5, 1.0], benefit=1.0,\n"
    "    market=dt.Market(revenue=6.0, shares=[1/3, 1/3, 1/3]))\n"
    "r = dt.solve_campaign(dt.Campaign(m, destroy=0.5, discount=0.8)); assert r.converged",
)
case(
    "stochastic-ok",
    "ok",
    "g = dt.StochasticGame.random(3, 2, 2, rng=0); r = dt.solve_stochastic(g)\n"
    "assert r.converged and r.regret <= 1e-8 * max(r.payoff_range, 1.0)",
)
case(
    "pure-structured-ok",
    "ok",
    "m = dt.TargetingModel(n_orgs=10, levels=np.linspace(0, 1, 11), benefit=1.0, penalty=4.0)\n"
    "r = dt.solve(m.game(), method='pure'); assert r.complete and len(r) == 1",
)
case("analyze-ok", "ok", "rep = dt.analyze(dt.load_scenario('symmetric')); assert rep.to_dict()")
