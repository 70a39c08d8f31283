"""Pure-equilibrium enumeration on random dense games, side by side in one run.

Contenders, on the same game in the same run (one benchmark group per game size):

* ``read-once-max`` / ``read-once-sum``: ``np.max(payoffs)`` / ``payoffs.sum()``, the time
  to read the payoff array once from memory (the floor any exact method must be compared
  with);
* ``deterrence-pure_equilibria``; ``deterrence-cold-cache``, the same with the CPU caches
  flushed before each round (a 64 MB read, untimed); ``deterrence-solve``
  (``dt.solve(game, "pure")``, with payoffs and regrets); ``deterrence-gen`` (the
  streaming generator, 2**18-profile slabs);
* ``pygambit-enumpure_solve``: the solve alone; building the pygambit game is not timed
  (its build time is stored in ``extra_info["build_seconds"]``);
* ``quantecon-pure_nash_brute``: not run at 6 x 11 (about 600 s measured there).

Smoke size (CI, ``--benchmark-disable``): 3 players x 5 actions. Full sizes
(``DETERRENCE_BENCH_FULL=1``): 4, 5 and 6 players x 11 actions; the 6 x 11 game has
1.77 M profiles and an 85 MB payoff array, and pygambit needs 70-90 s (more on a
busy machine) and ~2.4 GB to build it. Every contender's answer is checked against ours
(outside the timed part).

Full run (prints a ratio table at the end)::

    DETERRENCE_BENCH_FULL=1 python -m pytest benchmarks/test_bench_pure.py --benchmark-enable
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import time
import tracemalloc

import numpy as np
import pytest

import deterrence as dt

SIZES = [(3, 5, False), (4, 11, True), (5, 11, True), (6, 11, True)]
CONTENDERS = [
    "read-once-max",
    "read-once-sum",
    "deterrence-pure_equilibria",
    "deterrence-cold-cache",
    "deterrence-solve",
    "deterrence-gen",
    "pygambit-enumpure_solve",
    "quantecon-pure_nash_brute",
]
#: rounds for the slow peers (pedantic), by number of players
PEER_ROUNDS = {3: 20, 4: 5, 5: 3, 6: 3}
QUANTECON_ROUNDS = {3: 20, 4: 3, 5: 1}


def _size_param(n: int, k: int, full: bool):
    marks = [pytest.mark.benchmark(group=f"pure {n}x{k}")]
    if full:
        marks.append(pytest.mark.full_only)
    return pytest.param((n, k), id=f"{n}x{k}", marks=marks)


SIZE_PARAMS = [_size_param(*s) for s in SIZES]

#: (size id, contender) -> fastest round in seconds; filled as the benchmarks run
_FASTEST: dict[tuple[str, str], float] = {}
#: size id -> extra figures (pygambit build seconds, tracemalloc peaks)
_EXTRA: dict[str, dict[str, float]] = {}


@functools.lru_cache(maxsize=1)
def _game(n: int, k: int) -> dt.NormalFormGame:
    rng = np.random.default_rng(1000 * n + k)
    return dt.NormalFormGame(rng.random((n, *(k,) * n)))


@functools.lru_cache(maxsize=1)
def _cache_flusher() -> np.ndarray:
    """64 MB to read between rounds: more than the last-level cache."""
    return np.ones(8 << 20)


def _profiles_from_gambit(game, result) -> list[tuple[int, ...]]:
    out = []
    for eq in result.equilibria:
        prof = []
        for player in game.players:
            probs = [eq[s] for s in player.strategies]
            prof.append(probs.index(1))
        out.append(tuple(prof))
    return sorted(out)


@pytest.mark.parametrize("contender", CONTENDERS)
@pytest.mark.parametrize("size", SIZE_PARAMS)
def test_pure_enumeration(benchmark, bench_min, size, contender):
    n, k = size
    sid = f"{n}x{k}"
    g = _game(n, k)
    u = g.payoffs
    benchmark.extra_info.update(players=n, actions=k, profiles=g.n_profiles, bytes=u.nbytes)
    ours = dt.pure_equilibria(g)

    if contender == "read-once-max":
        benchmark(np.max, u)
    elif contender == "read-once-sum":
        benchmark(np.sum, u)
    elif contender == "deterrence-pure_equilibria":
        assert benchmark(dt.pure_equilibria, g) == ours
    elif contender == "deterrence-cold-cache":
        junk = _cache_flusher()

        def flush_then_args():
            junk.sum()
            return (g,), {}

        res = benchmark.pedantic(dt.pure_equilibria, setup=flush_then_args, rounds=50)
        assert res == ours
    elif contender == "deterrence-solve":
        res = benchmark(dt.solve, g, method="pure")
        assert [eq.pure_profile for eq in res] == ours
        assert all(eq.regret == 0.0 for eq in res)
    elif contender == "deterrence-gen":
        assert benchmark(lambda: list(dt.pure_equilibria_gen(g, block_size=1 << 18))) == ours
    elif contender == "pygambit-enumpure_solve":
        gbt = pytest.importorskip("pygambit", reason="pygambit (test extra) is not installed")
        benchmark.extra_info["pygambit"] = gbt.__version__
        t0 = time.perf_counter()
        game = gbt.Game.from_arrays(*(u[i] for i in range(n)))  # floats -> exact decimals
        build = time.perf_counter() - t0
        benchmark.extra_info["build_seconds"] = build
        _EXTRA.setdefault(sid, {})["pygambit_build_s"] = build
        res = benchmark.pedantic(
            gbt.nash.enumpure_solve, args=(game,), rounds=PEER_ROUNDS[n], iterations=1
        )
        assert _profiles_from_gambit(game, res) == ours
        del game, res
        gc.collect()
    elif contender == "quantecon-pure_nash_brute":
        if n not in QUANTECON_ROUNDS:
            pytest.skip(f"QuantEcon pure_nash_brute takes ~600 s at {sid}: not run")
        qe = pytest.importorskip("quantecon", reason="quantecon (test extra) is not installed")
        from quantecon.game_theory import NormalFormGame, pure_nash_brute

        benchmark.extra_info["quantecon"] = qe.__version__
        qg = NormalFormGame(np.moveaxis(u, 0, -1))  # payoff-profile array (..., n_players)
        res = benchmark.pedantic(
            pure_nash_brute, args=(qg,), kwargs={"tol": 0.0}, rounds=QUANTECON_ROUNDS[n]
        )
        assert sorted(res) == ours
    else:  # pragma: no cover
        raise AssertionError(contender)

    fastest = bench_min(benchmark)
    if fastest is not None:
        _FASTEST[(sid, contender)] = fastest
        base = _FASTEST.get((sid, "read-once-max"))
        if base:
            benchmark.extra_info["x_read_once_max"] = fastest / base


@pytest.mark.parametrize("size", SIZE_PARAMS)
def test_pure_peak_memory(size):
    """tracemalloc peak of a full enumeration (numpy reports its buffers to tracemalloc):
    acceptance floor 3x the payoff array."""
    n, k = size
    g = _game(n, k)
    dt.pure_equilibria(g)
    peaks = {}
    for name, call in [
        ("pure_equilibria", lambda: dt.pure_equilibria(g)),
        ("solve", lambda: dt.solve(g, method="pure")),
        ("pure_equilibria tol=1e-9", lambda: dt.pure_equilibria(g, tol=1e-9)),
    ]:
        tracemalloc.start()
        try:
            call()
            peaks[name] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    _EXTRA.setdefault(f"{n}x{k}", {}).update(
        {f"peak/array {name}": p / g.payoffs.nbytes for name, p in peaks.items()}
    )
    # (+64 KiB: at smoke size the array is 3 KB and fixed Python overheads dominate)
    assert max(peaks.values()) <= 3 * g.payoffs.nbytes + (64 << 10)


def test_pure_summary(capsys):
    """Print the ratios measured above; at 6 x 11 check the acceptance floor: at least 50x
    faster than pygambit's solve and within 4x of reading the payoff array once."""
    if not _FASTEST:
        pytest.skip("no timings (run with --benchmark-enable)")
    ours = "deterrence-pure_equilibria"
    lines = ["", "pure enumeration: fastest rounds and ratios (same run)"]
    for n, k, _ in SIZES:
        sid = f"{n}x{k}"
        t = {c: _FASTEST[(sid, c)] for c in CONTENDERS if (sid, c) in _FASTEST}
        if ours not in t:
            continue
        row = [f"{sid}: ours {t[ours] * 1e3:.3g} ms"]
        for c in ("read-once-max", "read-once-sum"):
            if c in t:
                row.append(f"ours/{c} {t[ours] / t[c]:.2f}")
        for c in ("deterrence-cold-cache", "deterrence-solve", "deterrence-gen"):
            if c in t:
                row.append(f"{c}/ours {t[c] / t[ours]:.2f}")
        for c in ("pygambit-enumpure_solve", "quantecon-pure_nash_brute"):
            if c in t:
                row.append(f"{c} {t[c]:.3g} s = {t[c] / t[ours]:.0f}x ours")
        row += [f"{key} {v:.3g}" for key, v in _EXTRA.get(sid, {}).items()]
        lines.append("  " + "; ".join(row))
    with capsys.disabled():
        print("\n".join(lines))
    if ("6x11", ours) in _FASTEST:
        t = {c: _FASTEST.get(("6x11", c)) for c in CONTENDERS}
        assert t[ours] <= 4 * t["read-once-max"]
        if t["pygambit-enumpure_solve"] is not None:
            assert t["pygambit-enumpure_solve"] >= 50 * t[ours]


# ------------------------------------------------------------------ targeting games, no table
#: Structured pure enumeration of targeting games (issue 14 item 5). ``structured``: the
#: branch-and-prune / multiset search of ``deterrence.solvers._pure_structured`` (no
#: table); ``dense``: the same game's table built and screened (``route="dense"``);
#: ``pygambit``: ``enumpure_solve`` on that table (building the table and the pygambit game
#: is not timed; where the table is large they are full runs only). The 10 x 11 game
#: (2.6e10 profiles) and the Mexico presets (up to 2.8e15) have no dense contender.
_TARGETING_FASTEST: dict[tuple[str, str], float] = {}
TARGETING = {
    "het-4x11": lambda: dt.TargetingModel(
        n_orgs=4,
        levels=np.linspace(0.0, 1.0, 11),
        benefit=[0.4, 0.6, 0.8, 1.0],
        cost=[0.3, 0.2, 0.1, 0.2],
        penalty=[2.0, 1.0, 0.5, 0.25],
        market=dt.Market(revenue=2.0, exponent=1.0, base=(3.0, 2.0, 1.0, 0.5)),
    ),
    "default-6x11": lambda: dt.load_scenario("default"),
    "identical-10x11": lambda: dt.TargetingModel(
        n_orgs=10, levels=np.linspace(0.0, 1.0, 11), penalty=2.0
    ),
    "mexico-2010-six-6x161": lambda: dt.load_scenario("mexico-2010-six"),
    "mexico-2010-7x161": lambda: dt.load_scenario("mexico-2010"),
    "mexico-2010-baseline-7x161": lambda: dataclasses.replace(
        dt.load_scenario("mexico-2010"), rule=dt.NoTargeting()
    ),
}
#: cases whose table fits (dense and pygambit contenders), and which of them are small
#: enough for CI's smoke run
_TABLE = {"het-4x11": True, "default-6x11": False}


@functools.lru_cache(maxsize=2)
def _targeting_game(name: str):
    return TARGETING[name]().game()


@pytest.mark.parametrize("route", ["structured", "dense", "pygambit"])
@pytest.mark.parametrize("name", list(TARGETING))
def test_targeting_pure(benchmark, bench_min, full_run, name, route):
    if route != "structured" and name not in _TABLE:
        pytest.skip(f"{name}: no table ({_targeting_game(name).n_profiles:.2g} profiles)")
    if route != "structured" and not _TABLE[name] and not full_run:
        pytest.skip(f"full-size benchmark case: set DETERRENCE_BENCH_FULL=1 to run {name}")
    benchmark.group = f"targeting pure {name}"
    game = _targeting_game(name)
    if route == "pygambit":
        gbt = pytest.importorskip("pygambit", reason="pygambit (test extra) is not installed")
        u = game.to_normal_form().payoffs
        pg = gbt.Game.from_arrays(*(u[i] for i in range(game.n_players)))
        ours = dt.pure_equilibria(game)
        res = benchmark.pedantic(gbt.nash.enumpure_solve, args=(pg,), rounds=3, iterations=1)
        assert _profiles_from_gambit(pg, res) == ours
        benchmark.extra_info.update(pygambit=gbt.__version__, equilibria=len(ours))
    else:
        res = benchmark(dt.solve, game, method="pure", route=route)
        assert res.complete
        assert all(e.regret <= 1e-9 for e in res)
        if route == "dense":
            structured = dt.solve(game, method="pure")
            assert [e.pure_profile for e in structured] == [e.pure_profile for e in res]
        benchmark.extra_info.update(
            profiles=game.n_profiles,
            equilibria=len(res),
            evaluated=res.details.get("profiles_evaluated"),
            nodes=res.details.get("nodes"),
        )
    fastest = bench_min(benchmark)
    if fastest is not None:
        _TARGETING_FASTEST[(name, route)] = fastest


def test_targeting_pure_summary(capsys):
    """Print the structured route's times and its ratios to the dense route and pygambit
    (same run); check the acceptance floors (default 6 x 11 under 0.1 s, 10 identical x
    11 under 1 s) when they were timed."""
    if not _TARGETING_FASTEST:
        pytest.skip("no timings (run with --benchmark-enable)")
    lines = ["", "targeting pure enumeration: fastest rounds and ratios (same run)"]
    for name in TARGETING:
        t = {r: _TARGETING_FASTEST.get((name, r)) for r in ("structured", "dense", "pygambit")}
        if t["structured"] is None:
            continue
        row = [f"{name}: structured {t['structured'] * 1e3:.3g} ms"]
        for r in ("dense", "pygambit"):
            if t[r] is not None:
                row.append(f"{r} {t[r] * 1e3:.4g} ms = {t[r] / t['structured']:.1f}x structured")
        lines.append("  " + "; ".join(row))
    with capsys.disabled():
        print("\n".join(lines))
    if ("default-6x11", "structured") in _TARGETING_FASTEST:
        assert _TARGETING_FASTEST[("default-6x11", "structured")] < 0.1
    if ("identical-10x11", "structured") in _TARGETING_FASTEST:
        assert _TARGETING_FASTEST[("identical-10x11", "structured")] < 1.0
