"""The drug market: violence buys market share (a Tullock contest) or shares are fixed.

``Market(revenue=R, exponent=r, base=a)``: organization ``i`` earns ``R * share_i(v)`` with
``share_i = (a_i + v_i)**r / sum_j (a_j + v_j)**r``. ``R`` is the lever that demand-side
policy moves (treatment, HOPE-style probation, cannabis legalization shrink it); ``a_i``
is the organization's non-violent capacity (routes, networks); ``r`` is how much violence
buys (``r = 0``: shares are equal whatever anyone does). ``Market(revenue=R,
shares=[...])`` fixes the shares instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .._validation import check_finite_array, check_real
from ..errors import DeterrenceError

__all__ = ["Market"]


def _per_org(name: str, value: ArrayLike, *, low: float, low_open: bool) -> float | tuple:
    """A scalar, or a tuple of floats (one per organization), each checked."""
    if np.ndim(value) == 0:
        return check_real(name, value, low=low, low_open=low_open)
    arr = check_finite_array(name, value, ndim=1)
    bad = arr <= low if low_open else arr < low
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        op = ">" if low_open else ">="
        raise DeterrenceError(f"{name}[{k}]={arr[k]!r} is out of range; expected {op} {low}")
    if arr.size == 0:
        raise DeterrenceError(f"{name} is empty; expected one value per organization")
    return tuple(float(x) for x in arr)


@dataclass(frozen=True, kw_only=True)
class Market:
    """A drug market of total revenue ``revenue`` split by a contest or fixed shares.

    Parameters
    ----------
    revenue
        Total revenue ``R >= 0`` (the demand-side lever).
    exponent
        Contest exponent ``r >= 0``: how strongly violence buys market share.
    base
        Non-violent capacity ``a_i > 0`` (scalar or one per organization): keeps shares
        defined when nobody is violent.
    shares
        Fixed market shares (one per organization, non-negative, summing to one). When
        given, ``exponent`` and ``base`` are not used.

    Examples
    --------
    >>> import deterrence as dt
    >>> m = dt.Market(revenue=10.0, exponent=1.0, base=1.0)
    >>> m.contest
    True
    >>> dt.Market(revenue=10.0, shares=[0.5, 0.3, 0.2]).contest
    False
    """

    revenue: float
    exponent: float = 1.0
    base: float | tuple[float, ...] = 1.0
    shares: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "revenue", check_real("revenue", self.revenue, low=0.0))
        object.__setattr__(self, "exponent", check_real("exponent", self.exponent, low=0.0))
        object.__setattr__(self, "base", _per_org("base", self.base, low=0.0, low_open=True))
        if self.shares is not None:
            s = _per_org("shares", self.shares, low=0.0, low_open=False)
            if not isinstance(s, tuple):
                raise DeterrenceError(
                    f"shares={self.shares!r} is not valid; expected one share per organization"
                )
            if abs(sum(s) - 1.0) > 1e-9:
                raise DeterrenceError(
                    f"shares={list(s)} sums to {sum(s)!r}; expected shares summing to 1"
                )
            object.__setattr__(self, "shares", s)

    @property
    def contest(self) -> bool:
        """True if shares respond to violence (a Tullock contest), False if fixed."""
        return self.shares is None

    def describe(self) -> str:
        """One line for reports."""
        if not self.contest:
            return f"revenue {self.revenue:g}, fixed shares"
        base = (
            f"{self.base:g}"
            if not isinstance(self.base, tuple)
            else "[" + ", ".join(f"{b:g}" for b in self.base) + "]"
        )
        return (
            f"revenue {self.revenue:g}, Tullock contest (exponent {self.exponent:g}, base {base})"
        )
