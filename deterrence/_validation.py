"""Small shared argument checks. Each raises a :class:`DeterrenceError` naming the field,
the value received and what was expected, before any work starts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .errors import DeterrenceError

__all__ = [
    "check_choice",
    "check_finite_array",
    "check_int",
    "check_probability",
    "check_real",
    "normalize_rng",
]


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise naming all the choices."""
    allowed = tuple(allowed)
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise DeterrenceError(f"{name}={value!r} is not valid; expected one of {choices}")
    return value


def check_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a finite float within the stated bounds, else raise."""
    if isinstance(value, bool | str | bytes) or not np.isscalar(value):
        raise DeterrenceError(f"{name}={value!r} is not valid; expected a real number")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise DeterrenceError(f"{name}={value!r} is not valid; expected a real number") from None
    if not np.isfinite(x):
        raise DeterrenceError(f"{name}={value!r} is not valid; expected a finite number")
    if low is not None and (x < low or (low_open and x == low)):
        op = ">" if low_open else ">="
        raise DeterrenceError(f"{name}={value!r} is out of range; expected {name} {op} {low}")
    if high is not None and (x > high or (high_open and x == high)):
        op = "<" if high_open else "<="
        raise DeterrenceError(f"{name}={value!r} is out of range; expected {name} {op} {high}")
    return x


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int within the stated bounds, else raise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise DeterrenceError(f"{name}={value!r} is not valid; expected an integer")
    x = int(value)
    if low is not None and x < low:
        raise DeterrenceError(f"{name}={value!r} is out of range; expected {name} >= {low}")
    if high is not None and x > high:
        raise DeterrenceError(f"{name}={value!r} is out of range; expected {name} <= {high}")
    return x


def check_probability(name: str, value: Any) -> float:
    """Return ``value`` as a float in [0, 1], else raise."""
    return check_real(name, value, low=0.0, high=1.0)


def check_finite_array(name: str, value: Any, *, ndim: int | None = None) -> np.ndarray:
    """Coerce to a float array and check that every entry is finite (no NaN, no inf)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DeterrenceError(
            f"{name}: cannot be read as an array of real numbers ({exc})"
        ) from None
    if ndim is not None and arr.ndim != ndim:
        raise DeterrenceError(
            f"{name}: has {arr.ndim} dimension(s) (shape {arr.shape}); expected {ndim}"
        )
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise DeterrenceError(
            f"{name}: entry {tuple(int(b) for b in bad)} is {arr[tuple(bad)]!r}; "
            "expected finite numbers (no NaN or inf)"
        )
    return arr


def normalize_rng(rng: Any) -> np.random.Generator:
    """``np.random.default_rng`` with a clear error for things that are not seeds."""
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError) as exc:
        raise DeterrenceError(
            f"rng={rng!r} is not valid; expected None, an int seed, a SeedSequence or a "
            f"numpy Generator ({exc})"
        ) from None
