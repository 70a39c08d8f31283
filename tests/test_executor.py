"""The one executor adapter (deterrence/_executor.py): every kind of executor gives the same
results in task order; anything else is refused before a task runs."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

import deterrence as dt
from deterrence._executor import check_executor, imap_tasks, map_tasks


def _draw(task: tuple[int, int]) -> list[float]:
    """A seeded task (module level, so process pools can pickle it)."""
    index, size = task
    return (
        np.random.default_rng(np.random.SeedSequence(7).spawn(index + 1)[index])
        .random(size)
        .tolist()
    )


def _slow_square(x: int) -> int:
    time.sleep(0.02 * (5 - x))  # the first tasks finish last
    return x * x


TASKS = [(i, 3) for i in range(6)]


def test_serial_threads_processes_and_map_callables_agree() -> None:
    serial = map_tasks(_draw, TASKS)
    assert serial == [_draw(t) for t in TASKS]
    assert len({tuple(r) for r in serial}) == len(TASKS)  # the tasks really differ
    with ThreadPoolExecutor(max_workers=3) as ex:
        assert map_tasks(_draw, TASKS, executor=ex) == serial
    with ProcessPoolExecutor(max_workers=2) as ex:
        assert map_tasks(_draw, TASKS, executor=ex) == serial
    assert map_tasks(_draw, TASKS, executor=map) == serial
    assert map_tasks(_draw, TASKS, executor=lambda f, xs: [f(x) for x in xs]) == serial
    with ThreadPoolExecutor(max_workers=2) as ex:  # a pool's own map is a map-like callable
        assert map_tasks(_draw, TASKS, executor=ex.map) == serial


def test_results_come_back_in_task_order() -> None:
    with ThreadPoolExecutor(max_workers=5) as ex:
        assert map_tasks(_slow_square, range(5), executor=ex) == [0, 1, 4, 9, 16]


def test_unordered_streaming_gives_every_task_once() -> None:
    with ThreadPoolExecutor(max_workers=5) as ex:
        pairs = list(imap_tasks(_slow_square, range(5), executor=ex, ordered=False))
    assert sorted(pairs) == [(k, k * k) for k in range(5)]
    assert [k for k, _ in pairs] != list(range(5))  # the last tasks finish first
    assert list(imap_tasks(abs, [-1, -2], executor=map, ordered=False)) == [(0, 1), (1, 2)]
    with pytest.raises(dt.DeterrenceError, match="ordered="):
        imap_tasks(abs, [1], ordered="no")


def test_dask_client_executor_if_installed() -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as client:
        ex = client.get_executor()
        assert map_tasks(_draw, TASKS, executor=ex) == map_tasks(_draw, TASKS)
        pairs = sorted(imap_tasks(_draw, TASKS, executor=ex, ordered=False))
        assert pairs == list(enumerate(map_tasks(_draw, TASKS)))


@pytest.mark.parametrize("bad", [4, "threads", object(), ThreadPoolExecutor, [map]])
def test_bad_executor_is_refused_before_any_task(bad) -> None:
    calls: list[int] = []
    with pytest.raises(dt.DeterrenceError, match="executor=") as info:
        map_tasks(calls.append, [1, 2], executor=bad)
    assert calls == []
    assert "expected" in str(info.value)
    with pytest.raises(dt.DeterrenceError, match="executor="):
        imap_tasks(calls.append, [1], executor=bad)  # checked at the call, not when iterated
    with pytest.raises(dt.DeterrenceError):
        check_executor(bad)


def test_progress_flag_is_checked_and_draws_a_bar(capsys) -> None:
    with pytest.raises(dt.DeterrenceError, match="progress="):
        map_tasks(abs, [1], progress="yes")
    assert map_tasks(abs, [-1, -2], progress=True, desc="demo", unit="job") == [1, 2]
    err = capsys.readouterr().err
    assert "demo" in err and "2/2" in err


def test_streaming_stops_early_and_cancels_the_rest() -> None:
    started: list[int] = []

    def task(x: int) -> int:
        started.append(x)
        time.sleep(0.05)
        return x

    with ThreadPoolExecutor(max_workers=1) as ex:
        it = imap_tasks(task, range(20), executor=ex)
        assert next(it) == 0
        it.close()  # the consumer stops: queued futures are cancelled
    assert len(started) < 20


def test_a_failing_task_raises_in_the_caller() -> None:
    def boom(x: int) -> int:
        if x == 2:
            raise RuntimeError("task 2 failed")
        return x

    with ThreadPoolExecutor(max_workers=2) as ex, pytest.raises(RuntimeError, match="task 2"):
        map_tasks(boom, range(4), executor=ex)


def test_library_functions_refuse_a_bad_executor_up_front() -> None:
    """basins, simulate_tipping and the threshold scans share the adapter's check."""
    game = dt.catalog.matching_pennies()
    model = dt.TargetingModel(n_orgs=2, levels=[0.0, 1.0], penalty=2.0)
    for call in (
        lambda: dt.basins(game, executor=42),
        lambda: dt.simulate_tipping(dt.TippingModel(), runs=1, periods=10, executor=42),
        lambda: dt.critical_penalty(model, executor=42),
        lambda: dt.analyze(model, executor=42),
    ):
        with pytest.raises(dt.DeterrenceError, match="executor=42 is not valid"):
            call()


def test_threshold_scan_is_the_same_on_an_executor() -> None:
    model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 5), penalty=1.0)
    serial = dt.critical_penalty(model)
    with ThreadPoolExecutor(max_workers=2) as ex:
        threaded = dt.critical_penalty(model, executor=ex)
    assert threaded == serial
