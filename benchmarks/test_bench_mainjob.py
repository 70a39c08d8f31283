"""Benchmark: the main job, ``deterrence analyze`` on ``mexico-2010`` end to end.

``mainjob-full`` times :func:`deterrence.analyze` with the command line's defaults (32
Latin-hypercube samples, 100 campaign runs x 24 months, four noise levels, the critical
noise, the demand reduction) plus writing ``--out`` (tables, figures, HTML); target: under
one minute on two cores (serial: the command line passes no executor). ``mainjob-smoke``
runs the same path on a tiny sample (CI).

Timed run: ``DETERRENCE_BENCH_FULL=1 python -m pytest benchmarks/test_bench_mainjob.py
--benchmark-enable``.
"""

from __future__ import annotations

import pytest

import deterrence as dt

TARGET_SECONDS = 60.0


def _main_job(out, **kwargs):
    rep = dt.analyze("mexico-2010", **kwargs)
    rep.write(out)
    return rep


@pytest.mark.full_only
@pytest.mark.benchmark(group="mainjob-full")
def test_main_job_full(benchmark, bench_min, tmp_path):
    rep = benchmark.pedantic(_main_job, args=(tmp_path,), rounds=1, iterations=1)
    assert rep.main is not None and rep.main.samples is not None
    assert len(rep.main.samples) == 32
    seconds = bench_min(benchmark)
    if seconds is not None:
        benchmark.extra_info["seconds"] = seconds
        benchmark.extra_info["sections"] = dict(rep.main.timings)
        assert seconds < TARGET_SECONDS, f"main job took {seconds:.1f} s"


@pytest.mark.benchmark(group="mainjob-smoke")
def test_main_job_smoke(benchmark, tmp_path):
    rep = benchmark.pedantic(
        _main_job,
        args=(tmp_path,),
        kwargs={"samples": 2, "runs": 5, "rounds": 6},
        rounds=1,
        iterations=1,
    )
    assert rep.main is not None and (tmp_path / "report.html").is_file()
