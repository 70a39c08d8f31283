"""The one executor adapter: run independent tasks serially or on the caller's executor.

Every function of the library that can spread work (``basins``, ``simulate_tipping``, the
threshold scans, sweeps) takes an ``executor=`` keyword with one meaning:

* ``None`` — serial, in this process, in task order;
* any :class:`concurrent.futures.Executor` — a ``ThreadPoolExecutor``, a
  ``ProcessPoolExecutor`` (the task function and its arguments must then pickle), a Dask
  distributed client's ``client.get_executor()``, or anything else with the Executor's
  ``submit(fn, task) -> future`` method;
* a map-like callable ``executor(fn, tasks)`` returning an iterable of results in task
  order (``map`` itself, ``multiprocessing.Pool().imap``, ``ipyparallel``'s ``view.map``...).

Results always come back in task order, so seeded work gives the same numbers whatever runs
it. The adapter never creates a pool itself (no implicit parallelism, as scipy's
``workers=`` and adaptive's ``executor=``); anything else passed as ``executor`` is refused
with a :class:`~deterrence.DeterrenceError` before any task runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from .errors import DeterrenceError

__all__ = ["check_executor", "imap_tasks", "map_tasks"]

T = TypeVar("T")
R = TypeVar("R")

_EXPECTED = (
    "expected None (serial), a concurrent.futures.Executor (anything with .submit, e.g. a "
    "ThreadPoolExecutor or a Dask client's get_executor()) or a map-like callable "
    "executor(fn, iterable)"
)


def check_executor(executor: Any, name: str = "executor") -> Any:
    """Return ``executor`` unchanged if it is one the adapter can use, else raise.

    Examples
    --------
    >>> check_executor(None) is None
    True
    >>> check_executor(map) is map
    True
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> check_executor(ThreadPoolExecutor)   # the class, not a pool
    Traceback (most recent call last):
    ...
    deterrence.errors.DeterrenceError: executor=ThreadPoolExecutor (the class) is not valid; ...
    >>> check_executor(4)
    Traceback (most recent call last):
    ...
    deterrence.errors.DeterrenceError: executor=4 is not valid; expected None (serial), ...
    """
    if executor is None:
        return None
    from concurrent.futures import Executor

    if isinstance(executor, type) and issubclass(executor, Executor):
        raise DeterrenceError(
            f"{name}={executor.__name__} (the class) is not valid; expected an executor "
            f"instance, e.g. {name}={executor.__name__}(max_workers=2), or None"
        )
    if callable(getattr(executor, "submit", None)) or callable(executor):
        return executor
    raise DeterrenceError(f"{name}={executor!r} is not valid; {_EXPECTED}")


def imap_tasks(
    fn: Callable[[T], R],
    tasks: Iterable[T],
    *,
    executor: Any = None,
    progress: bool = False,
    desc: str | None = None,
    unit: str = "task",
    ordered: bool = True,
) -> Iterator[Any]:
    """``fn(task)`` for every task, yielded lazily.

    The streaming form of :func:`map_tasks`, for callers that act on each result as it
    arrives (write a checkpoint, update a bar): when the consumer stops early or a task
    raises, the futures not yet finished are cancelled. The executor is checked when the
    function is called, before any task is submitted.

    With ``ordered=True`` (default) the results come in task order. With ``ordered=False``
    the generator yields ``(task_number, result)`` pairs as the tasks finish (completion
    order on an Executor; task order serially and with a map-like callable, whose results
    arrive in order anyway), so a checkpoint never waits for a slow early task.

    Parameters
    ----------
    fn
        The task function (module level when ``executor`` is a process pool).
    tasks
        The tasks (materialised into a list first).
    executor
        ``None``, a ``concurrent.futures.Executor`` or a map-like callable (module
        docstring).
    progress
        Show a ``tqdm.auto`` progress bar (on stderr) counting finished tasks.
    desc, unit
        Label and unit of the progress bar.
    ordered
        Task order (results), or completion order (``(task_number, result)`` pairs).

    Examples
    --------
    >>> list(imap_tasks(abs, [-2, 1, -3]))
    [2, 1, 3]
    >>> sorted(imap_tasks(abs, [-2, 1, -3], ordered=False))
    [(0, 2), (1, 1), (2, 3)]
    """
    check_executor(executor)
    for name, flag in (("progress", progress), ("ordered", ordered)):
        if not isinstance(flag, bool):
            raise DeterrenceError(f"{name}={flag!r} is not valid; expected True or False")
    items = list(tasks)
    results = _run(fn, items, executor) if ordered else _run_unordered(fn, items, executor)
    if not progress:
        return results
    return _with_bar(results, total=len(items), desc=desc, unit=unit)


def map_tasks(
    fn: Callable[[T], R],
    tasks: Iterable[T],
    *,
    executor: Any = None,
    progress: bool = False,
    desc: str | None = None,
    unit: str = "task",
) -> list[R]:
    """``[fn(task) for task in tasks]``, serially or on the caller's executor.

    Parameters
    ----------
    fn
        The task function; with a process pool it and the tasks must pickle (a module-level
        function, not a lambda).
    tasks
        The tasks, one argument of ``fn`` each.
    executor
        ``None`` (serial, in order), any ``concurrent.futures.Executor`` (including a Dask
        distributed client's ``client.get_executor()``), or a map-like callable
        ``executor(fn, iterable)``. Never a pool created here.
    progress
        Show a ``tqdm.auto`` progress bar counting finished tasks.
    desc, unit
        Label and unit of the progress bar.

    Returns
    -------
    list
        The results, in task order whatever the executor.

    Raises
    ------
    DeterrenceError
        ``executor`` is none of the above (before any task runs).

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> map_tasks(abs, [])
    []
    >>> with ThreadPoolExecutor(max_workers=2) as ex:
    ...     map_tasks(str.upper, ["a", "b", "c"], executor=ex)
    ['A', 'B', 'C']
    >>> map_tasks(str.upper, ["a", "b"], executor=lambda f, xs: list(map(f, xs)))
    ['A', 'B']
    >>> map_tasks(str.upper, ["a"], executor="threads")
    Traceback (most recent call last):
    ...
    deterrence.errors.DeterrenceError: executor='threads' is not valid; expected None ...
    """
    return list(imap_tasks(fn, tasks, executor=executor, progress=progress, desc=desc, unit=unit))


def _run(fn: Callable[[T], R], items: list[T], executor: Any) -> Iterator[R]:
    if executor is None:
        return (fn(item) for item in items)
    submit = getattr(executor, "submit", None)
    if callable(submit):
        return _submitted(submit, fn, items)
    return iter(executor(fn, items))


def _run_unordered(fn: Callable[[T], R], items: list[T], executor: Any) -> Iterator[Any]:
    submit = None if executor is None else getattr(executor, "submit", None)
    if not callable(submit):
        return enumerate(_run(fn, items, executor))
    return _completed(submit, fn, items)


def _completed(submit: Callable[..., Any], fn: Callable[[T], R], items: list[T]) -> Iterator[Any]:
    from concurrent.futures import as_completed

    futures = {submit(fn, item): k for k, item in enumerate(items)}
    try:
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
    finally:
        for fut in futures:
            fut.cancel()


def _submitted(submit: Callable[..., Any], fn: Callable[[T], R], items: list[T]) -> Iterator[R]:
    futures = [submit(fn, item) for item in items]
    try:
        for fut in futures:
            yield fut.result()
    finally:  # consumer stopped early or a task failed: drop what has not started
        for fut in futures:
            fut.cancel()


def _with_bar(results: Iterator[R], *, total: int, desc: str | None, unit: str) -> Iterator[R]:
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=desc, unit=unit) as bar:
        for res in results:
            bar.update(1)
            yield res
