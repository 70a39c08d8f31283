"""Sweeps: many scenarios of the 6-organization x 11-level default scenario.

Input: ``dt.load_scenario("default")`` (6 organizations, 11 levels, Tullock market,
misattribution among rivals, a false flag), a Latin hypercube over the market's revenue and
the direct benefit of violence, outcome ``"dynamics"`` (the race verdict from sequential
best responses).

Sizes: CI smoke (``--benchmark-disable``): 40 scenarios, serial and on two processes, the
tables compared. ``DETERRENCE_BENCH_FULL=1``: the issue's 10,000 scenarios serially, on a
two-process pool and on a Dask ``LocalCluster`` with two single-threaded workers on
loopback; all three tables must be identical; the Dask speed-up over serial is reported and
must reach 1.7x, the whole sweep must finish in under two minutes on two cores.

Peer: the EMA Workbench's ``perform_experiments`` with its sequential evaluator on the same
model function (``deterrence.sensitivity.ema_model``) — the way analysts run such sweeps
today — on the first 400 scenarios, as a ratio.
"""

from __future__ import annotations

import concurrent.futures
import os
import time

import pytest

import deterrence as dt

FULL = os.environ.get("DETERRENCE_BENCH_FULL") == "1"
N = 10_000 if FULL else 40
AXES = {"market.revenue": (3.0, 12.0), "benefit": (0.0, 0.05)}
BASE = dt.load_scenario("default")


def _sweep(executor=None, n=N):
    return dt.sweep(
        BASE,
        AXES,
        design=f"lhs:{n}",
        outcome="dynamics",
        rng=2026,
        executor=executor,
        progress=False,
    )


def test_sweep_serial_vs_parallel(benchmark):
    t0 = time.perf_counter()
    serial = benchmark.pedantic(_sweep, rounds=1, iterations=1)
    t_serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(2) as ex:
        procs = _sweep(ex)
    t_procs = time.perf_counter() - t0
    assert serial.equals(procs)
    assert serial["error"].isna().all()
    benchmark.extra_info.update(
        {
            "scenarios": N,
            "serial_s": t_serial,
            "processes_s": t_procs,
            "speedup_processes": t_serial / t_procs,
        }
    )
    print(
        f"\nsweep of {N} scenarios: serial {t_serial:.1f} s, 2 processes {t_procs:.1f} s "
        f"({t_serial / t_procs:.2f}x)"
    )
    if not FULL:
        return
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        _sweep(client.get_executor(), n=20)  # workers import the package once
        t0 = time.perf_counter()
        on_dask = _sweep(client.get_executor())
        t_dask = time.perf_counter() - t0
    assert serial.equals(on_dask)
    speedup = t_serial / t_dask
    benchmark.extra_info.update({"dask_s": t_dask, "speedup_dask": speedup})
    print(f"dask LocalCluster, 2 workers: {t_dask:.1f} s ({speedup:.2f}x serial)")
    assert speedup >= 1.7
    assert t_dask < 120.0


def test_sweep_vs_ema_workbench(benchmark):
    ema = pytest.importorskip("ema_workbench")
    from deterrence.sensitivity import ema_model

    n = 400 if FULL else 10
    ours = benchmark.pedantic(lambda: _sweep(n=n), rounds=1, iterations=1)
    model = ema_model(BASE, AXES, outputs=("policy_violence",))
    import logging

    logging.getLogger("EMA").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    _, outcomes = ema.perform_experiments(model, n)
    t_ema = time.perf_counter() - t0
    assert len(outcomes["policy_violence"]) == n
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        ratio = t_ema / float(stats.stats.min)
        benchmark.extra_info["ema_over_ours"] = ratio
        print(
            f"\n{n} scenarios: EMA sequential evaluator {t_ema:.2f} s, ours "
            f"{stats.stats.min:.2f} s ({ratio:.2f}x)"
        )
    assert len(ours) == n
