"""Reading and writing Gambit .nfg files, side by side with pygambit in one run.

Contenders, on the same text in the same run (one benchmark group per game size and form):

* ``deterrence-read_nfg`` / ``pygambit-read_nfg``: parse the text into a game;
* ``deterrence-write_nfg`` / ``pygambit-to_nfg``: write the game (pygambit writes the
  outcome form only).

Games: random integer payoffs in 0..9 (``catalog.random_game(..., integer=True)``).
Smoke size (CI, ``--benchmark-disable``): 3 players x 5 actions. Full sizes
(``DETERRENCE_BENCH_FULL=1``): 4 players x 11 actions (14,641 profiles) and, for
deterrence alone, 5 x 11 (161,051 profiles; pygambit 16.7 took ~263 s to read the payoff
form and ~86 s the outcome form of that file when measured, so it is left out).

Full run::

    DETERRENCE_BENCH_FULL=1 python -m pytest benchmarks/test_bench_nfg.py --benchmark-enable
"""

from __future__ import annotations

import functools
import io

import numpy as np
import pytest

import deterrence as dt
from deterrence.games import catalog

SIZES = [(3, 5, False, True), (4, 11, True, True), (5, 11, True, False)]


@functools.lru_cache(maxsize=2)
def _game(n: int, k: int) -> dt.NormalFormGame:
    return catalog.random_game((k,) * n, rng=100 * n + k, integer=True)


@functools.lru_cache(maxsize=4)
def _text(n: int, k: int, form: str) -> str:
    return dt.write_nfg(_game(n, k), form=form)


def _params(with_writer: bool):
    out = []
    for n, k, full, peer in SIZES:
        for form in ("payoff", "outcome"):
            for who in ("deterrence", "pygambit"):
                if who == "pygambit" and not peer:
                    continue
                marks = [pytest.mark.benchmark(group=f"nfg {'write' if with_writer else 'read'}"
                                                     f" {form} {n}x{k}")]
                if full:
                    marks.append(pytest.mark.full_only)
                out.append(pytest.param(n, k, form, who, id=f"{n}x{k}-{form}-{who}",
                                        marks=marks))
    return out


@pytest.mark.parametrize(("n", "k", "form", "who"), _params(with_writer=False))
def test_read(benchmark, n, k, form, who):
    text = _text(n, k, form)
    if who == "deterrence":
        game = benchmark(dt.read_nfg, text)
        assert game == _game(n, k)
    else:
        gbt = pytest.importorskip("pygambit", reason="pygambit (test extra) not installed")
        rounds = 3 if n >= 4 else 10
        theirs = benchmark.pedantic(
            lambda: gbt.read_nfg(io.StringIO(text)), rounds=rounds, iterations=1
        )
        arrays = [np.asarray(a, dtype=float) for a in theirs.to_arrays(dtype=float)]
        assert all(np.array_equal(a, b) for a, b in zip(arrays, _game(n, k).payoffs,
                                                         strict=True))


@pytest.mark.parametrize(("n", "k", "form", "who"), _params(with_writer=True))
def test_write(benchmark, n, k, form, who):
    game = _game(n, k)
    if who == "deterrence":
        text = benchmark(dt.write_nfg, game, form=form)
        assert dt.read_nfg(text) == game
    else:
        gbt = pytest.importorskip("pygambit", reason="pygambit (test extra) not installed")
        if form == "payoff":
            pytest.skip("pygambit writes the outcome form only")
        theirs = gbt.read_nfg(io.StringIO(_text(n, k, "outcome")))
        text = benchmark(theirs.to_nfg)
        assert np.array_equal(dt.read_nfg(text).payoffs, game.payoffs)
