"""A read-only mapping that pickles.

Frozen results and models keep their option dictionaries read-only. ``types.MappingProxyType``
does that but cannot be pickled, so a model or a result could not cross a process boundary
(a process pool, a Dask worker). :class:`FrozenMapping` is the picklable equivalent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["FrozenMapping"]


class FrozenMapping(Mapping[str, Any]):
    """An immutable, picklable view of a dictionary (a copy is taken at construction).

    Examples
    --------
    >>> import pickle
    >>> m = FrozenMapping({"tol": 1e-9})
    >>> m["tol"], dict(pickle.loads(pickle.dumps(m)))
    (1e-09, {'tol': 1e-09})
    >>> m["tol"] = 1.0
    Traceback (most recent call last):
    ...
    TypeError: 'FrozenMapping' object does not support item assignment
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None, /) -> None:
        self._data = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMapping({self._data!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # values may be unhashable

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMapping, (self._data,))
