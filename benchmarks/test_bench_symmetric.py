"""Symmetric equilibria through the structured oracle, beside what pygambit needs.

The game is the "most violent pays" contest built by the library's targeting model,
``dt.TargetingModel(n_orgs=N, levels=linspace(0, 1, levels), benefit=1, penalty=1,
rule=dt.MostViolent(floor=-1.0))``: ``u_i = v_i - P(i designated)``, the most violent
designated, ties split. At N = 6 with 11 levels it has no pure equilibrium (checked on the
dense table in benchmarks/test_bench_contest.py). Its oracle is exact and polynomial in N
and the number of levels; it never builds the table.

Inputs (one benchmark group each):

* ``most-violent N=6 x 11`` (smoke): ``deterrence-symmetric`` on the structured oracle,
  ``deterrence-symmetric-dense`` on the dense table (1.77 million profiles, built once,
  untimed), and ``pygambit-build-table`` (full run only: building the pygambit game from
  the table, before any solver runs; 70-90 s and 2.4 GB in the issue's measurement);
* ``most-violent N=50 x 11`` (smoke): ours; a table would have 11**50 profiles;
* ``symmetric 6 x 101`` (smoke): ours, 101**6 = 10**12 profiles.

Every answer is checked outside the timed part (regret <= 1e-10 by the N-player oracle).

Full run (prints a table at the end)::

    DETERRENCE_BENCH_FULL=1 python -m pytest benchmarks/test_bench_symmetric.py \\
        --benchmark-enable
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import deterrence as dt

_FASTEST: dict[tuple[str, str], float] = {}


@functools.cache
def _contest(N: int, levels: int):
    model = dt.TargetingModel(
        n_orgs=N,
        levels=np.linspace(0.0, 1.0, levels),
        benefit=1.0,
        penalty=1.0,
        rule=dt.MostViolent(floor=-1.0),
    )
    return model.game()


@functools.cache
def _dense(N: int, levels: int) -> dt.NormalFormGame:
    return _contest(N, levels).to_normal_form()


def _record(benchmark, bench_min, group: str, contender: str) -> None:
    t = bench_min(benchmark)
    if t is not None:
        _FASTEST[(group, contender)] = t


def _check(game, res) -> None:
    assert res.converged, res.message
    assert res[0].regret <= 1e-10
    assert dt.regret(game, res[0].strategies) <= 1e-10


@pytest.mark.benchmark(group="most-violent N=6 x 11")
def test_most_violent_6_structured(benchmark, bench_min):
    g = _contest(6, 11)
    res = benchmark(dt.solve, g, method="symmetric")
    _check(g, res)
    _record(benchmark, bench_min, "most-violent N=6 x 11", "deterrence-symmetric")


@pytest.mark.benchmark(group="most-violent N=6 x 11")
def test_most_violent_6_dense(benchmark, bench_min):
    dense = _dense(6, 11)
    res = benchmark.pedantic(
        dt.solve, args=(dense,), kwargs={"method": "symmetric"}, rounds=3, iterations=1
    )
    _check(dense, res)
    ref = dt.solve(_contest(6, 11), method="symmetric")
    np.testing.assert_allclose(res[0].strategies[0], ref[0].strategies[0], atol=1e-8)
    _record(benchmark, bench_min, "most-violent N=6 x 11", "deterrence-symmetric-dense")


@pytest.mark.full_only
@pytest.mark.benchmark(group="most-violent N=6 x 11")
def test_most_violent_6_pygambit_build(benchmark, bench_min):
    gbt = pytest.importorskip("pygambit", reason="pygambit comparison")
    dense = _dense(6, 11)
    arrays = [np.array(dense.payoffs[i]) for i in range(6)]
    gg = benchmark.pedantic(gbt.Game.from_arrays, args=arrays, rounds=1, iterations=1)
    assert len(gg.players) == 6
    _record(benchmark, bench_min, "most-violent N=6 x 11", "pygambit-build-table")


@pytest.mark.benchmark(group="most-violent N=50 x 11")
def test_most_violent_50(benchmark, bench_min):
    g = _contest(50, 11)
    res = benchmark(dt.solve, g, method="symmetric")
    _check(g, res)
    _record(benchmark, bench_min, "most-violent N=50 x 11", "deterrence-symmetric")


@pytest.mark.benchmark(group="symmetric 6 x 101")
def test_six_by_101(benchmark, bench_min):
    g = _contest(6, 101)
    res = benchmark(dt.solve, g, method="symmetric")
    _check(g, res)
    _record(benchmark, bench_min, "symmetric 6 x 101", "deterrence-symmetric")


def test_print_table(capsys):
    """Fastest rounds of the timed run; nothing when timing is off."""
    if not _FASTEST:
        pytest.skip("no timings (run with --benchmark-enable)")
    lines = ["", "symmetric: fastest round"]
    for (group, contender), t in sorted(_FASTEST.items()):
        lines.append(f"  {group:24s} {contender:28s} {t * 1e3:10.1f} ms")
    with capsys.disabled():
        print("\n".join(lines))
