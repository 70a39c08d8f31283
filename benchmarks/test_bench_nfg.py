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

No slow-path cliff (``test_read_cliff``, group ``nfg read cliff``): the same payoff file,
clean, with one rational (``1/3``) as its last payoff, and with one bad token (``1x3``) as
its last payoff (refused with its line and column). ``extra_info["x_clean"]`` is each
variant's time over the clean file's. Smoke size: a 2 x 5 x 5 x 5 file; full size: the
4 x 11 x 11 x 11 table (21,296 payoffs). Measured on the 2-core dev machine (best of 5):
clean 1.6 ms, one rational 3.5 ms (2.2x), one bad token 1.7 ms (1.1x); before the bulk
path: 230 ms and 204 ms (~140x).

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
                marks = [
                    pytest.mark.benchmark(
                        group=f"nfg {'write' if with_writer else 'read'} {form} {n}x{k}"
                    )
                ]
                if full:
                    marks.append(pytest.mark.full_only)
                out.append(pytest.param(n, k, form, who, id=f"{n}x{k}-{form}-{who}", marks=marks))
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
        assert all(np.array_equal(a, b) for a, b in zip(arrays, _game(n, k).payoffs, strict=True))


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


# ---------------------------------------------------------------- no slow-path cliff
CLIFF_SHAPES = [
    pytest.param((2, 5, 5, 5), id="2x5x5x5"),
    pytest.param((4, 11, 11, 11), id="4x11x11x11", marks=pytest.mark.full_only),
]
_CLIFF_FASTEST: dict[tuple[tuple[int, ...], str], float] = {}


@functools.lru_cache(maxsize=2)
def _cliff_texts(shape: tuple[int, ...]) -> dict[str, str]:
    clean = dt.write_nfg(catalog.random_game(shape, rng=7, integer=True), form="payoff")
    head, _, _last = clean.rstrip("\n").rpartition(" ")
    return {"clean": clean, "rational": f"{head} 1/3\n", "bad": f"{head} 1x3\n"}


@pytest.mark.parametrize("variant", ["clean", "rational", "bad"])
@pytest.mark.parametrize("shape", CLIFF_SHAPES)
def test_read_cliff(benchmark, bench_min, shape, variant):
    text = _cliff_texts(shape)[variant]
    benchmark.group = f"nfg read cliff {'x'.join(map(str, shape))}"
    if variant == "bad":

        def read_bad():
            with pytest.raises(dt.NfgFormatError) as info:
                dt.read_nfg(text)
            return info.value

        err = benchmark(read_bad)
        last_line = text.rstrip("\n").rsplit("\n", 1)[-1]
        assert (err.line, err.column) == (text.count("\n"), last_line.rindex("1x3") + 1)
        assert "bad number '1x3'" in str(err)
    else:
        game = benchmark(dt.read_nfg, text)
        assert game.shape == shape
        if variant == "rational":
            assert game.payoffs[(-1, *(k - 1 for k in shape))] == 1 / 3
    fastest = bench_min(benchmark)
    if fastest is not None:
        _CLIFF_FASTEST[(shape, variant)] = fastest
        base = _CLIFF_FASTEST.get((shape, "clean"))
        if base:
            benchmark.extra_info["x_clean"] = fastest / base
