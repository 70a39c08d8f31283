"""Stationary equilibria of random stochastic games, side by side with sgamesolver.

Inputs (one benchmark group per input; each round solves the same seeded random games,
``dt.StochasticGame.random``: payoffs uniform on [0, 1), Dirichlet(1) transition rows,
discount 0.95, every state reachable from every other, so the state graph is cyclic):

* ``stochastic 3s x 2p x 3a`` (smoke), ``8s x 3p x 5a`` (the acceptance size) and
  ``8s x 3p x 11a`` (full run only).

Contenders:

* ``deterrence-homotopy``: ``dt.solve_stochastic(game, method="homotopy")`` (the logit
  path of the agent form, polished to regret <= 1e-10 x payoff range);
* ``sgamesolver-qre-cython`` and ``sgamesolver-qre-numpy``: ``sgamesolver.homotopy.QRE``
  with its two implementations (defaults; its end point is an approximate equilibrium at
  a large precision, not polished). Beyond the smallest input (cython) they run only in
  the full run (sgamesolver takes seconds to minutes per game).

sgamesolver (``pip install --no-build-isolation sgamesolver``; it needs ``wheel`` and
``cython`` in the environment) uses ``numpy.NaN``, removed in numpy 2: it is restored
here, in the benchmark only, before the import. It is skipped with a reason when it is not
installed. Its values are reported unnormalised, like ours (checked below).

Outside the timed part every answer is checked by an independent computation written here
(`_sg.check_profile`: the profile's values from the dense arrays, then every one-shot deviation
gain): ours converged with regret <= 1e-8 x payoff range; sgamesolver's regret is
recorded (and must be below 1e-3 x range), with the largest distance between its
strategies and ours (both trace the principal branch of the same logit correspondence).

The ratio table splits each ratio into path steps (ours: ``StochasticResult.nit``;
sgamesolver: its tracer's step count) times the time per step: both follow the same
principal branch, so the step ratio says how much a better step control could still give
and the per-step ratio how much the per-step work does.

Full run (prints a ratio table at the end)::

    DETERRENCE_BENCH_FULL=1 python -m pytest benchmarks/test_bench_stochastic.py \\
        --benchmark-enable
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import numpy as np
import pytest

import deterrence as dt

sys.path.insert(0, str(Path(__file__).parent))
from _sg import check_profile, import_sgamesolver, payoff_span, sgs_solve

#: (states, players, actions, games per round, full only)
INPUTS = [(3, 2, 3, 2, False), (8, 3, 5, 3, False), (8, 3, 11, 1, True)]
CONTENDERS = ["deterrence-homotopy", "sgamesolver-qre-cython", "sgamesolver-qre-numpy"]
_FASTEST: dict[tuple[str, str], float] = {}
_REPORT: dict[str, list[str]] = {}
#: path steps of all the games of an input, by contender (the same each round)
_STEPS: dict[tuple[str, str], int] = {}


def _param(S: int, N: int, A: int, k: int, full: bool):
    gid = f"stochastic {S}s x {N}p x {A}a"
    marks = [pytest.mark.benchmark(group=gid)]
    if full:
        marks.append(pytest.mark.full_only)
    return pytest.param((S, N, A, k), id=f"{S}s-{N}p-{A}a", marks=marks)


@functools.cache
def _games(S: int, N: int, A: int, k: int) -> tuple[dt.StochasticGame, ...]:
    rng = np.random.default_rng(10_000 * S + 100 * N + A)
    return tuple(dt.StochasticGame.random(S, N, A, discount=0.95, rng=rng) for _ in range(k))


@pytest.mark.parametrize("size", [_param(*x) for x in INPUTS])
@pytest.mark.parametrize("contender", CONTENDERS)
def test_stochastic(benchmark, bench_min, full_run, size, contender):
    S, N, A, k = size
    games = _games(S, N, A, k)
    ours = [dt.solve_stochastic(g, method="homotopy") for g in games]  # untimed reference
    for g, res in zip(games, ours, strict=True):
        assert res.converged, res.message
        reg, V = check_profile(g, res.strategies)
        assert reg <= 1e-8 * payoff_span(g), reg
        np.testing.assert_allclose(res.values, V, atol=1e-8 * np.abs(V).max())
    label = f"{S}s x {N}p x {A}a"
    _STEPS[(label, "deterrence-homotopy")] = sum(r.nit for r in ours)
    if contender == "deterrence-homotopy":
        out = benchmark(lambda: [dt.solve_stochastic(g, method="homotopy") for g in games])
        assert all(r.converged for r in out)
    else:
        impl = contender.rsplit("-", 1)[1]
        if not full_run and (impl == "numpy" or size != INPUTS[0][:4]):
            pytest.skip("sgamesolver beyond the smallest input runs only in the full run")
        sgs = import_sgamesolver()
        if impl == "cython":
            from sgamesolver.homotopy import _qre

            if not getattr(_qre, "ct", False):
                pytest.skip("sgamesolver was installed without its cython extension")
        peers = [
            sgs.SGame(list(g.payoffs), list(g.transitions), np.asarray(g.discount)) for g in games
        ]
        out = benchmark.pedantic(
            lambda: [sgs_solve(sgs, p, impl, with_steps=True) for p in peers],
            rounds=1,
            iterations=1,
        )
        _STEPS[(label, contender)] = sum(o[2] for o in out)
        notes = []
        for g, res, (strat, vals, _) in zip(games, ours, out, strict=True):
            prof = [[strat[s, i, : g.shape(s)[i]] for i in range(N)] for s in range(S)]
            reg, V = check_profile(g, prof)
            # sgamesolver's values are the unnormalised V = r + d P V, as ours
            np.testing.assert_allclose(vals, V, rtol=1e-3)
            assert reg <= 1e-3 * payoff_span(g), f"sgamesolver's regret {reg}"
            dist = max(
                float(np.abs(prof[s][i] - res.strategies[s][i]).max())
                for s in range(S)
                for i in range(N)
            )
            notes.append(f"regret {reg / payoff_span(g):.1e} x range, distance to ours {dist:.1e}")
        _REPORT[f"{label} {impl}"] = notes
    t = bench_min(benchmark)
    if t is not None:
        _FASTEST[(label, contender)] = t


def test_print_ratios(capsys):
    """Ratio table of the timed run (sgamesolver time / ours); nothing when timing is off."""
    if not _FASTEST:
        pytest.skip("no timings (run with --benchmark-enable)")
    lines = ["", "stochastic: fastest round, sgamesolver QRE / deterrence homotopy"]
    for inp in sorted({i for i, _ in _FASTEST}):
        ours = _FASTEST.get((inp, "deterrence-homotopy"))
        for impl in ("cython", "numpy"):
            peer = _FASTEST.get((inp, f"sgamesolver-qre-{impl}"))
            if ours and peer:
                lines.append(
                    f"  {inp}: deterrence {ours:7.3f} s, sgamesolver-{impl} {peer:7.2f} s, "
                    f"ratio {peer / ours:6.1f}x"
                )
                n_ours = _STEPS.get((inp, "deterrence-homotopy"))
                n_peer = _STEPS.get((inp, f"sgamesolver-qre-{impl}"))
                if n_ours and n_peer:
                    # the ratio splits into (path steps) x (time per step)
                    lines.append(
                        f"      path steps: deterrence {n_ours}, sgamesolver {n_peer} "
                        f"({n_peer / n_ours:.2f}x); time per step: deterrence "
                        f"{1e3 * ours / n_ours:.3f} ms, sgamesolver {1e3 * peer / n_peer:.3f} ms "
                        f"({(peer / n_peer) / (ours / n_ours):.1f}x)"
                    )
                lines.extend(f"      {n}" for n in _REPORT.get(f"{inp} {impl}", []))
    with capsys.disabled():
        print("\n".join(lines))
