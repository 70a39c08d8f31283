"""The tipping model of limited enforcement capacity (Kleiman; Kleiman and Kilmer, "The
dynamics of deterrence", PNAS 2009): its parameters as a value.

``n`` potential violators; in every period each draws a private gain
``g = max(0, Normal(mean, sd))`` and violates iff ``g >= q * F`` (``F`` = ``sanction``),
where ``q`` is the commonly held subjective chance of being caught, the Beta(``alpha``,
``beta``) posterior mean over the last ``z`` = ``memory`` periods::

    q = (alpha + apprehensions) / (alpha + beta + violations)      (both summed over z periods)

With capacity ``R`` each of the ``v`` violators is caught with probability
``gamma * min(1, R / v)`` (``gamma`` when ``v = 0``); apprehensions are ``Binomial(v, .)``.
Because the chance of being caught falls as violations rise, the model has two
self-sustaining states over a band of capacities — few violators, each caught, and many,
each rarely caught — and a temporary surge of enforcement can tip it from one to the other
for good.

:class:`TippingModel` holds the parameters and the enforcement variant: ``"random"``
(equal-opportunity), ``"priority"`` (concentrated: the population is ranked in tiers of
``tier_size``, and capacity goes to the highest tier's violators first), ``warnings`` (each
tier is credibly warned when the capacity left for it can back the warning) and a
:class:`Crackdown` (capacity raised while violations exceed a trigger). The analyses live in
:mod:`deterrence.analysis`: the mean field and critical capacities
(``tipping_meanfield``), the Monte Carlo (``tipping_sim``), the exact chain
(``tipping_chain``) and the comparison of enforcement variants (``tipping``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from .._validation import check_choice, check_int, check_real
from ..errors import DeterrenceError

__all__ = ["ENFORCEMENT", "Crackdown", "TippingModel", "violation_probability"]

#: Enforcement variants of :class:`TippingModel`.
ENFORCEMENT = ("random", "priority")


def violation_probability(q: Any, *, mean: float, sd: float, sanction: float) -> NDArray:
    """``P(g >= sanction * q)`` for ``g = max(0, Normal(mean, sd))`` (1 when the threshold is 0).

    Examples
    --------
    >>> round(float(violation_probability(0.8, mean=0.6, sd=0.2, sanction=1.0)), 6)  # 1 - Phi(1)
    0.158655
    """
    t = sanction * np.asarray(q, dtype=float)
    return np.where(t > 0, ndtr((mean - t) / sd), 1.0)


@dataclass(frozen=True, kw_only=True)
class Crackdown:
    """Capacity raised by ``extra`` in every period after one with more than ``trigger``
    violations, for at most ``max_periods`` periods in all (``None``: no limit).

    Examples
    --------
    >>> import deterrence as dt
    >>> dt.Crackdown(extra=30.0, trigger=50, max_periods=20)
    Crackdown(extra=30.0, trigger=50.0, max_periods=20)
    """

    extra: float
    trigger: float
    max_periods: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", check_real("crackdown.extra", self.extra, low=0.0))
        object.__setattr__(self, "trigger", check_real("crackdown.trigger", self.trigger, low=0.0))
        if self.max_periods is not None:
            object.__setattr__(
                self, "max_periods", check_int("crackdown.max_periods", self.max_periods, low=0)
            )


@dataclass(frozen=True, kw_only=True)
class TippingModel:
    """Parameters of the tipping model (defaults as in the issue; see the module docstring).

    Parameters
    ----------
    n
        Number of potential violators [100].
    mean, sd
        Gains are ``max(0, Normal(mean, sd))`` [0.6, 0.2]; ``sd > 0``.
    sanction
        ``F`` [1.0], ``>= 0``.
    alpha, beta
        Beta prior of the subjective chance of being caught [1, 0.25]; both ``>= 0``, not
        both 0.
    memory
        ``z``: periods remembered [2], ``>= 1``.
    gamma
        Chance that a pursued violator is caught [0.8], in [0, 1].
    capacity
        ``R``: violators the enforcer can pursue per period [30.0], ``>= 0``.
    enforcement
        ``"random"`` (equal opportunity) or ``"priority"`` (tiers of ``tier_size`` in a
        published order; capacity goes to the highest tier's violators first).
    tier_size
        Size of a priority tier [10] (the last tier takes the remainder; one tier if
        ``tier_size >= n``).
    warnings
        With priority enforcement: warn each tier in turn (at most one per period) once the
        capacity left for it in the last period covers its expected violations in the low
        state, ``tier_size * p_low``. A warned tier believes the announced full rate: its
        remembered record is replaced by ``z`` periods of that many violations, all pursued.
        After that it learns from experience like everyone else.
    crackdown
        A :class:`Crackdown`, or ``None``.

    Examples
    --------
    >>> import deterrence as dt
    >>> m = dt.TippingModel()
    >>> round(m.p_low, 4)          # P(g >= F gamma): the share violating when all are pursued
    0.1587
    >>> dt.TippingModel(sd=0)
    Traceback (most recent call last):
    ...
    deterrence.errors.DeterrenceError: sd=0 is out of range; expected sd > 0.0
    """

    n: int = 100
    mean: float = 0.6
    sd: float = 0.2
    sanction: float = 1.0
    alpha: float = 1.0
    beta: float = 0.25
    memory: int = 2
    gamma: float = 0.8
    capacity: float = 30.0
    enforcement: str = "random"
    tier_size: int = 10
    warnings: bool = False
    crackdown: Crackdown | None = None

    def __post_init__(self) -> None:
        s = object.__setattr__
        s(self, "n", check_int("n", self.n, low=1))
        s(self, "mean", check_real("mean", self.mean))
        s(self, "sd", check_real("sd", self.sd, low=0.0, low_open=True))
        s(self, "sanction", check_real("sanction", self.sanction, low=0.0))
        s(self, "alpha", check_real("alpha", self.alpha, low=0.0))
        s(self, "beta", check_real("beta", self.beta, low=0.0))
        if self.alpha + self.beta <= 0:
            raise DeterrenceError(
                "alpha=0 and beta=0 is not valid; expected alpha + beta > 0 (the Beta prior "
                "must be proper for q to be defined before any violation)"
            )
        s(self, "memory", check_int("memory", self.memory, low=1))
        s(self, "gamma", check_real("gamma", self.gamma, low=0.0, high=1.0))
        s(self, "capacity", check_real("capacity", self.capacity, low=0.0))
        check_choice("enforcement", self.enforcement, ENFORCEMENT)
        s(self, "tier_size", check_int("tier_size", self.tier_size, low=1))
        if not isinstance(self.warnings, bool | np.bool_):
            raise DeterrenceError(
                f"warnings={self.warnings!r} is not valid; expected True or False"
            )
        s(self, "warnings", bool(self.warnings))
        if self.warnings and self.enforcement != "priority":
            raise DeterrenceError(
                "warnings=True is not valid with enforcement='random'; a warning announces "
                "that a tier is next in a priority order (use enforcement='priority')"
            )
        if self.crackdown is not None and not isinstance(self.crackdown, Crackdown):
            raise DeterrenceError(
                f"crackdown={self.crackdown!r} is not valid; expected None or dt.Crackdown(...)"
            )

    # ------------------------------------------------------------------ derived
    @property
    def tier_sizes(self) -> NDArray[np.int64]:
        """Sizes of the enforcement tiers, highest priority first (one tier if random)."""
        if self.enforcement == "random":
            return np.array([self.n], dtype=np.int64)
        k, r = divmod(self.n, min(self.tier_size, self.n))
        return np.array([self.tier_size] * k + ([r] if r else []), dtype=np.int64)

    @property
    def p_low(self) -> float:
        """``P(g >= F gamma)``: the share violating when every violator is pursued."""
        return float(self.violation_probability(self.gamma))

    @property
    def p_max(self) -> float:
        """``P(g > 0) = Phi(mean / sd)``: the share violating at a vanishing risk."""
        return float(ndtr(self.mean / self.sd))

    @property
    def level(self) -> float:
        """Default tipping level: halfway between ``n p_low`` and ``n p_max`` violations."""
        return 0.5 * self.n * (self.p_low + self.p_max)

    def violation_probability(self, q: ArrayLike) -> NDArray[np.float64]:
        """``P(g >= F q)``: chance that one potential violator violates at perceived risk q."""
        return violation_probability(q, mean=self.mean, sd=self.sd, sanction=self.sanction)

    def replace(self, **changes: Any) -> TippingModel:
        """A copy with some parameters changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON parameters."""
        return dataclasses.asdict(self)
