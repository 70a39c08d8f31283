"""One equilibrium of N-player games by the logit QRE path, side by side with pygambit.

Inputs (one benchmark group per input; each round solves the same 5 seeded games with
integer payoffs uniform on 0..99, so the ratio is not the luck of one game):

* ``logit 3p x 4a`` (smoke), ``logit 3p x 6a`` (the acceptance size, smoke too: it is
  small), ``logit 4p x 4a`` and ``logit 5p x 3a`` (full run only).

Contenders:

* ``deterrence-logit``: ``dt.solve(game, method="logit")`` (path to a stable support,
  Newton polish to regret <= 1e-10 relative to the payoff range);
* ``pygambit-logit_solve``: ``gbt.nash.logit_solve`` (defaults: traces until regret <=
  1e-8 relative); building the pygambit games is not timed.

Outside the timed part every answer is checked: ours converged with regret <= 1e-10 times
the payoff range, and pygambit's end point is the same equilibrium (within 1e-4).

Full run (prints a ratio table at the end)::

    DETERRENCE_BENCH_FULL=1 python -m pytest benchmarks/test_bench_logit.py \\
        --benchmark-enable
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import deterrence as dt

N_GAMES = 5
#: (players, actions, full only)
INPUTS = [(3, 4, False), (3, 6, False), (4, 4, True), (5, 3, True)]
CONTENDERS = ["deterrence-logit", "pygambit-logit_solve"]
_FASTEST: dict[tuple[str, str], float] = {}


def _param(n: int, k: int, full: bool):
    gid = f"logit {n}p x {k}a"
    marks = [pytest.mark.benchmark(group=gid)]
    if full:
        marks.append(pytest.mark.full_only)
    return pytest.param((n, k), id=f"{n}p-{k}a", marks=marks)


@functools.cache
def _games(n: int, k: int) -> tuple[dt.NormalFormGame, ...]:
    rng = np.random.default_rng(1000 * n + k)
    return tuple(
        dt.NormalFormGame(rng.integers(0, 100, size=(n,) + (k,) * n).astype(float))
        for _ in range(N_GAMES)
    )


def _profile(gbt_eq, gg) -> list[np.ndarray]:
    return [np.array([float(gbt_eq[p][s]) for s in p.strategies]) for p in gg.players]


@pytest.mark.parametrize("size", [_param(*x) for x in INPUTS])
@pytest.mark.parametrize("contender", CONTENDERS)
def test_logit(benchmark, bench_min, size, contender):
    n, k = size
    games = _games(n, k)
    ours = [dt.solve(g, method="logit") for g in games]  # reference answers, untimed
    for g, res in zip(games, ours, strict=True):
        assert res.converged, res.message
        assert res[0].regret <= 1e-10 * float(np.ptp(g.payoffs))
    if contender == "deterrence-logit":
        out = benchmark(lambda: [dt.solve(g, method="logit") for g in games])
        assert all(r.converged for r in out)
    else:
        gbt = pytest.importorskip("pygambit", reason="pygambit comparison")
        ggs = [gbt.Game.from_arrays(*[g.payoffs[i] for i in range(n)]) for g in games]
        out = benchmark(lambda: [gbt.nash.logit_solve(gg) for gg in ggs])
        for res, gr, gg in zip(ours, out, ggs, strict=True):
            ref = _profile(gr.equilibria[0], gg)
            dist = max(np.abs(a - b).max() for a, b in zip(res[0].strategies, ref, strict=True))
            assert dist <= 1e-4, f"pygambit's end point differs from ours by {dist}"
    t = bench_min(benchmark)
    if t is not None:
        _FASTEST[(f"{n}p x {k}a", contender)] = t


def test_print_ratios(capsys):
    """Ratio table of the timed run (pygambit time / ours); nothing when timing is off."""
    if not _FASTEST:
        pytest.skip("no timings (run with --benchmark-enable)")
    lines = ["", "logit: fastest round of 5 games, pygambit / deterrence"]
    for inp in sorted({i for i, _ in _FASTEST}):
        ours = _FASTEST.get((inp, "deterrence-logit"))
        peer = _FASTEST.get((inp, "pygambit-logit_solve"))
        if ours and peer:
            lines.append(
                f"  {inp}: deterrence {ours * 1e3:8.1f} ms, pygambit {peer * 1e3:8.1f} ms, "
                f"ratio {peer / ours:5.1f}x"
            )
    with capsys.disabled():
        print("\n".join(lines))
