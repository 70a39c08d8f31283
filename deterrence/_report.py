"""Plain-text tables and JSON conversion shared by the command-line reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["jsonable", "text_table"]


def jsonable(v: Any) -> Any:
    """``v`` with numpy scalars and arrays, tuples and mappings turned into JSON types
    (anything else becomes its ``repr``)."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, str | int | float | bool) or v is None:
        return v
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    return repr(v)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A fixed-width table: a header line, a rule, one line per row; the first column is
    left-aligned (labels), the others right-aligned (numbers).

    >>> print(text_table(["org", "v"], [["A", "1.5"], ["Bee", "10"]]))
    org    v
    ---  ---
    A    1.5
    Bee   10
    """
    cells = [[str(c) for c in r] for r in [headers, *rows]]
    widths = [max(len(r[c]) for r in cells) for c in range(len(headers))]
    fmt = "  ".join(f"{{:<{w}}}" if c == 0 else f"{{:>{w}}}" for c, w in enumerate(widths))
    lines = [fmt.format(*cells[0]), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*r) for r in cells[1:]]
    return "\n".join(line.rstrip() for line in lines)
