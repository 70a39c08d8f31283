"""Best-response dynamics from many starts: ``dt.basins`` against QuantEcon.

Input: the "most violent pays" contest. ``N`` organizations each pick a violence level on
the grid ``0, 0.1, ..., 1``; ``u_i = b * v_i - L * P(i designated)``, where the designated
organization is the unique top score above the floor 0 (ties split ``L``). With ``b = 1``,
``L = 0.85`` a best response to the others' top level ``m`` is ``m - 0.1`` (undercut) for
``m >= 0.3`` and ``1`` (jump to the top, 0.15 > 0.1) otherwise, so sequential best response
never settles: every start ends in a ratchet-down-and-jump cycle.

Peer: QuantEcon has no best-response dynamics for an N-player game (``brd.BRD``, ``KMR``,
``SamplingBRD`` model a population playing a *symmetric two-player* game, tracking an
action distribution), so the peer is a loop of QuantEcon ``Player.best_response`` calls
implementing the same sequential dynamics (players in index order, smallest-index tie
breaking, ``tol=1e-9``) with exact cycle detection by a dict of visited (profile, turn)
states: ``deterrence.bench._qe_sequential_brd``, the loop ``deterrence bench`` times too.
Both are checked to find the same attractor for every start.

Sizes: CI smoke (``--benchmark-disable``) runs 4 organizations x 6 levels, 200 starts;
``DETERRENCE_BENCH_FULL=1`` runs 6 organizations x 11 levels (1.77M profiles), 10,000
starts for ``dt.basins`` and the first ``QE_STARTS`` of them for the QuantEcon loop (a
QuantEcon revision slices the payoff table, ~2 ms at this size, so all 10,000 starts would take
tens of minutes on a shared 2-core machine); the same-input pair is the ``*-qe-subset``
group, and the per-start ratio is printed.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

import deterrence as dt
from deterrence.bench import _qe_players, _qe_sequential_brd

FULL = os.environ.get("DETERRENCE_BENCH_FULL") == "1"
N_ORGS, N_LEVELS, N_STARTS = (6, 11, 10_000) if FULL else (4, 6, 200)
QE_STARTS = 100 if FULL else N_STARTS
TOL = 1e-9


def most_violent_game(n_orgs: int, n_levels: int, benefit: float = 1.0, penalty: float = 0.85):
    """Dense table of the contest, built with one broadcast over all profiles."""
    levels = np.linspace(0.0, 1.0, n_levels)
    idx = np.indices((n_levels,) * n_orgs, dtype=np.int8)
    top = idx.max(axis=0)
    at_top = idx == top
    designated = at_top & (top > 0)
    pay = benefit * levels[idx] - penalty * designated / at_top.sum(axis=0)
    return dt.NormalFormGame(pay)


@pytest.fixture(scope="module")
def setup():
    qe = pytest.importorskip("quantecon", reason="QuantEcon is the peer of this benchmark")
    game = most_violent_game(N_ORGS, N_LEVELS)
    rng = np.random.default_rng(2024)
    starts = rng.integers(N_LEVELS, size=(N_STARTS, N_ORGS))
    return {
        "game": game,
        "qe_players": _qe_players(game),
        "starts": starts,
        "qe_version": qe.__version__,
    }


def _ours(game, starts):
    return dt.basins(
        game, starts, order="sequential", tie_breaking="smallest", tol=TOL, chunk_size=len(starts)
    )


@pytest.mark.benchmark(group=f"brd-{N_ORGS}x{N_LEVELS}-{N_STARTS}-starts")
def test_bench_basins_deterrence(benchmark, setup):
    res = benchmark.pedantic(_ours, args=(setup["game"], setup["starts"]), rounds=1, iterations=1)
    assert res.n_starts == N_STARTS
    assert all(a.kind == "cycle" for a in res.attractors)


@pytest.mark.benchmark(group=f"brd-{N_ORGS}x{N_LEVELS}-qe-subset")
def test_bench_basins_deterrence_subset(benchmark, setup):
    starts = setup["starts"][:QE_STARTS]
    res = benchmark.pedantic(_ours, args=(setup["game"], starts), rounds=1, iterations=1)
    assert res.n_starts == QE_STARTS


@pytest.mark.peer
@pytest.mark.benchmark(group=f"brd-{N_ORGS}x{N_LEVELS}-qe-subset")
def test_bench_quantecon_sequential_loop(benchmark, setup):
    starts = setup["starts"][:QE_STARTS]
    qe_res = benchmark.pedantic(
        _qe_sequential_brd, args=(setup["qe_players"], starts, TOL), rounds=1, iterations=1
    )
    # same dynamics, same attractors: compare with ours start by start
    ours = _ours(setup["game"], starts)
    for s, (kind, key) in enumerate(qe_res):
        att = ours.attractors[ours.labels[s]]
        if kind == "converged":
            assert att.kind == "rest point" and att.profiles[0] == key
        else:
            # both canonicalise a cycle by its smallest (turn, *profile) state, and ours
            # lists the cycle's profiles from that state on
            assert att.kind == "cycle" and att.profiles[0] == key[1:]


def test_ratio_report(setup):
    """Time both on the same starts once more and print the per-start ratio (not asserted
    in smoke runs: the target, >= 10x, is checked at full size)."""
    starts = setup["starts"][:QE_STARTS]
    t0 = time.perf_counter()
    _ours(setup["game"], starts)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    _qe_sequential_brd(setup["qe_players"], starts, TOL)
    t_qe = time.perf_counter() - t0
    t0 = time.perf_counter()
    _ours(setup["game"], setup["starts"])
    t_all = time.perf_counter() - t0
    per_ours, per_qe = t_all / N_STARTS, t_qe / QE_STARTS
    print(
        f"\n[bench dynamics] game {N_ORGS}x{N_LEVELS}; quantecon {setup['qe_version']}; "
        f"same {QE_STARTS} starts: deterrence {t_ours:.3f}s, quantecon loop {t_qe:.3f}s, "
        f"ratio {t_qe / t_ours:.1f}x; deterrence {N_STARTS} starts {t_all:.3f}s; "
        f"per-start ratio {per_qe / per_ours:.1f}x"
    )
    if FULL:
        assert per_qe / per_ours >= 10
