"""Every equilibrium of 2-player games, and Lemke-Howson, side by side in one run.

Inputs (one benchmark group per input; each round solves the same few seeded games, so
the ratio is not the luck of one game):

* ``random KxK``: 5 games with payoffs uniform on [0, 1) (nondegenerate almost surely);
* ``ties KxK``: 5 games with integer payoffs in {0, 1, 2} (degenerate: ties, continua);
* ``lemke-howson KxK``: 5 random games, Lemke-Howson from every label.

Contenders for all equilibria:

* ``deterrence-support``: ``dt.solve(game, method="support")`` (certified Qhull vertex
  enumeration, lexicographic search on degenerate polytopes), with payoffs and regrets;
* ``deterrence-lex``: the same with ``route="lex"`` (the numpy-only search everywhere);
* ``quantecon-vertex_enumeration`` (numba; compiled by a warm-up call before timing;
  on degenerate games it does not claim to find everything);
* ``pygambit-enummixed_solve`` (``rational=False``; building the pygambit game is not
  timed);
* ``nashpy-support_enumeration``: up to 8 x 8, and at 10 x 10 a single round on the first
  game only (15-30 s); times are compared per game.

Smoke sizes (CI, ``--benchmark-disable``): 5 x 5. Full sizes (``DETERRENCE_BENCH_FULL=1``):
8 x 8, 10 x 10, 12 x 12 random, 8 x 8 and 10 x 10 with ties, Lemke-Howson at 10 x 10.
Every contender's answer is checked against ours, outside the timed part.

Full run (prints a ratio table at the end)::

    DETERRENCE_BENCH_FULL=1 python -m pytest benchmarks/test_bench_two_player.py \\
        --benchmark-enable
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import deterrence as dt

N_GAMES = 5
#: (kind, size, full only)
INPUTS = [
    ("random", 5, False),
    ("ties", 5, False),
    ("random", 8, True),
    ("random", 10, True),
    ("random", 12, True),
    ("ties", 8, True),
    ("ties", 10, True),
]
CONTENDERS = [
    "deterrence-support",
    "deterrence-lex",
    "quantecon-vertex_enumeration",
    "pygambit-enummixed_solve",
    "nashpy-support_enumeration",
]
LH_INPUTS = [(5, False), (10, True)]
LH_CONTENDERS = ["deterrence-lemke_howson", "quantecon-lemke_howson", "nashpy-lemke_howson"]

#: (input id, contender) -> fastest round in seconds
_FASTEST: dict[tuple[str, str], float] = {}


def _param(kind: str, k: int, full: bool, prefix: str = ""):
    gid = f"{prefix}{kind} {k}x{k}"
    marks = [pytest.mark.benchmark(group=gid)]
    if full:
        marks.append(pytest.mark.full_only)
    return pytest.param((kind, k), id=f"{kind}-{k}x{k}", marks=marks)


@functools.cache
def _games(kind: str, k: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    rng = np.random.default_rng(7919 * k + (kind == "ties"))
    out = []
    for _ in range(N_GAMES):
        if kind == "random":
            out.append((rng.random((k, k)), rng.random((k, k))))
        else:
            A, B = rng.integers(0, 3, (2, k, k)).astype(float)
            out.append((A, B))
    return tuple(out)


def _as_set(profiles) -> np.ndarray:
    rows = [np.concatenate([np.asarray(x, float), np.asarray(y, float)]) for x, y in profiles]
    return np.array(rows).reshape(len(rows), -1)


def _same(X: np.ndarray, Y: np.ndarray, atol: float = 1e-6) -> tuple[bool, bool]:
    """(every row of X is in Y, every row of Y is in X)."""
    if len(X) == 0 or len(Y) == 0:
        return len(X) == 0, len(Y) == 0
    D = np.abs(X[:, None, :] - Y[None, :, :]).max(axis=2)
    return bool((D.min(axis=1) <= atol).all()), bool((D.min(axis=0) <= atol).all())


def _ours(games, route="auto"):
    out = []
    for A, B in games:
        res = dt.solve(dt.NormalFormGame.from_bimatrix(A, B), method="support", route=route)
        out.append(res)
    return out


@pytest.mark.parametrize("contender", CONTENDERS)
@pytest.mark.parametrize("inp", [_param(*i) for i in INPUTS])
def test_all_equilibria(benchmark, bench_min, full_run, inp, contender):
    kind, k = inp
    iid = f"{kind} {k}x{k}"
    games = _games(kind, k)
    ours = [_as_set(tuple(e.strategies) for e in r) for r in _ours(games)]
    benchmark.extra_info.update(kind=kind, size=k, games=len(games))

    if contender == "deterrence-support":
        res = benchmark(_ours, games)
        assert all(r.complete and r.max_regret <= 1e-9 for r in res)
    elif contender == "deterrence-lex":
        res = benchmark(_ours, games, "lex")
        for r, s in zip(res, ours, strict=True):
            assert r.complete and all(_same(_as_set(tuple(e.strategies) for e in r), s))
    elif contender == "quantecon-vertex_enumeration":
        qe = pytest.importorskip("quantecon", reason="quantecon (test extra) is not installed")
        from quantecon.game_theory import NormalFormGame, Player, vertex_enumeration

        benchmark.extra_info["quantecon"] = qe.__version__
        qgames = [NormalFormGame([Player(A), Player(B.T)]) for A, B in games]
        vertex_enumeration(qgames[0])  # numba compilation, not timed

        def run():
            return [vertex_enumeration(g) for g in qgames]

        res = benchmark(run)
        found = [_same(_as_set(r), s) for r, s in zip(res, ours, strict=True)]
        benchmark.extra_info["same_set_as_ours"] = all(a and b for a, b in found)
        if kind == "random":
            assert all(a and b for a, b in found)
    elif contender == "pygambit-enummixed_solve":
        gbt = pytest.importorskip("pygambit", reason="pygambit (test extra) is not installed")
        benchmark.extra_info["pygambit"] = gbt.__version__
        ggames = [gbt.Game.from_arrays(A, B) for A, B in games]

        def run():
            return [gbt.nash.enummixed_solve(g, rational=False) for g in ggames]

        rounds = 1 if (k >= 10 or not full_run) else 3
        res = benchmark.pedantic(run, rounds=rounds, iterations=1)
        for g, r, s in zip(ggames, res, ours, strict=True):
            rows, cols = (list(p.strategies) for p in g.players)
            theirs = _as_set(
                ([float(eq[a]) for a in rows], [float(eq[b]) for b in cols]) for eq in r.equilibria
            )
            assert _same(theirs, s)[0]  # everything pygambit finds, we find
            if kind == "random":
                assert all(_same(theirs, s))
    elif contender == "nashpy-support_enumeration":
        nashpy = pytest.importorskip("nashpy", reason="nashpy (test extra) is not installed")
        if k > 10 or (k == 10 and kind != "random"):
            pytest.skip("nashpy support enumeration: minutes at this size")
        benchmark.extra_info["nashpy"] = nashpy.__version__
        if k >= 10:  # 15-30 s a game: one game, one round (times are compared per game)
            games, ours = games[:1], ours[:1]
        ngames = [nashpy.Game(A, B) for A, B in games]

        def run():
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return [list(g.support_enumeration()) for g in ngames]

        rounds = 1 if k >= 8 else 3
        res = benchmark.pedantic(run, rounds=rounds, iterations=1)
        hits = [_same(_as_set(r), s) for r, s in zip(res, ours, strict=True)]
        benchmark.extra_info["nashpy_missed_some"] = not all(b for _, b in hits)
    else:  # pragma: no cover
        raise AssertionError(contender)

    fastest = bench_min(benchmark)
    if fastest is not None:
        _FASTEST[(iid, contender)] = fastest / len(games)
        benchmark.extra_info["seconds_per_game"] = fastest / len(games)


@pytest.mark.parametrize("contender", LH_CONTENDERS)
@pytest.mark.parametrize("inp", [_param("random", k, f, "lemke-howson ") for k, f in LH_INPUTS])
def test_lemke_howson_all_labels(benchmark, bench_min, inp, contender):
    _, k = inp
    iid = f"lemke-howson {k}x{k}"
    games = _games("random", k)
    if contender == "deterrence-lemke_howson":
        gs = [dt.NormalFormGame.from_bimatrix(A, B) for A, B in games]
        res = benchmark(lambda: [dt.lemke_howson(g) for g in gs])
        assert all(r.converged and r.max_regret <= 1e-9 for r in res)
    elif contender == "quantecon-lemke_howson":
        pytest.importorskip("quantecon", reason="quantecon (test extra) is not installed")
        from quantecon.game_theory import NormalFormGame, Player, lemke_howson

        qgames = [NormalFormGame([Player(A), Player(B.T)]) for A, B in games]
        lemke_howson(qgames[0], init_pivot=0)  # numba compilation, not timed
        res = benchmark(
            lambda: [lemke_howson(g, init_pivot=p) for g in qgames for p in range(2 * k)]
        )
        assert len(res) == len(games) * 2 * k
    elif contender == "nashpy-lemke_howson":
        nashpy = pytest.importorskip("nashpy", reason="nashpy (test extra) is not installed")
        if k >= 10:
            pytest.skip(
                "nashpy lemke_howson did not return within 120 s on a random 10 x 10 game "
                "(label 0) when measured here"
            )
        ngames = [nashpy.Game(A, B) for A, B in games]

        def run():
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                labels = range(2 * k)
                return [g.lemke_howson(initial_dropped_label=p) for g in ngames for p in labels]

        res = benchmark.pedantic(run, rounds=3, iterations=1)
        assert len(res) == len(games) * 2 * k
    else:  # pragma: no cover
        raise AssertionError(contender)
    fastest = bench_min(benchmark)
    if fastest is not None:
        _FASTEST[(iid, contender)] = fastest / len(games)
        benchmark.extra_info["seconds_per_game"] = fastest / len(games)


def test_two_player_summary():
    """Print the ratios measured above (same run, same games); at 10 x 10 random check
    the acceptance floor: within 2x of QuantEcon and at least 40x faster than pygambit."""
    if not _FASTEST:
        pytest.skip("no timings (run with --benchmark-enable)")
    lines = ["", "2-player solvers: fastest round per game, and ratios (same run, same games)"]
    inputs = sorted({iid for iid, _ in _FASTEST})
    for iid in inputs:
        t = {c: v for (i, c), v in _FASTEST.items() if i == iid}
        ours = t.get("deterrence-support") or t.get("deterrence-lemke_howson")
        if ours is None:
            continue
        row = [f"{iid}: ours {ours * 1e3:.3g} ms"]
        for c, v in sorted(t.items()):
            if v != ours:
                row.append(f"{c} {v * 1e3:.3g} ms (ours/theirs {ours / v:.2f})")
        lines.append("; ".join(row))
    print("\n".join(lines))
    t = {c: v for (i, c), v in _FASTEST.items() if i == "random 10x10"}
    if "deterrence-support" in t:
        ours = t["deterrence-support"]
        if "quantecon-vertex_enumeration" in t:
            assert ours <= 2.0 * t["quantecon-vertex_enumeration"]
        if "pygambit-enummixed_solve" in t:
            assert t["pygambit-enummixed_solve"] >= 40.0 * ours
