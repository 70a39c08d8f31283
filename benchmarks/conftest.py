"""Shared benchmark helpers.

* ``@pytest.mark.full_only`` (or ``pytest.param(..., marks=pytest.mark.full_only)``): a
  full-size case, skipped unless ``DETERRENCE_BENCH_FULL=1``. CI runs only the small
  cases, once, with ``--benchmark-disable`` (a smoke test).
* ``full_run`` fixture: True when full-size cases are enabled.
* ``bench_min`` fixture, ``bench_min(benchmark)``: the fastest measured round in seconds,
  or ``None`` when timing is disabled (``--benchmark-disable``), for ratios in a test.

Full run: ``DETERRENCE_BENCH_FULL=1 python -m pytest benchmarks/ --benchmark-enable``.
"""

from __future__ import annotations

import os

import pytest

FULL_ENV = "DETERRENCE_BENCH_FULL"


def is_full_run() -> bool:
    """True when the full-size benchmark cases are enabled (``DETERRENCE_BENCH_FULL=1``)."""
    return os.environ.get(FULL_ENV, "") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"full_only: full-size benchmark case, runs only with {FULL_ENV}=1"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("full_only") is not None and not is_full_run():
        pytest.skip(f"full-size benchmark case: set {FULL_ENV}=1 to run it")


@pytest.fixture(scope="session")
def full_run() -> bool:
    """True when full-size benchmark cases are enabled."""
    return is_full_run()


def _bench_min(benchmark) -> float | None:
    stats = getattr(benchmark, "stats", None)
    return None if stats is None else float(stats.stats.min)


@pytest.fixture(scope="session")
def bench_min():
    """``bench_min(benchmark)``: fastest round (seconds) of a finished ``benchmark(...)``
    call, or ``None`` when timing is disabled."""
    return _bench_min
