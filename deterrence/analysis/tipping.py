"""Limited enforcement capacity: tipping, enforcement swamping and dynamic concentration.

The model (Kleiman's tipping model, after Kleiman and Kilmer, "The dynamics of deterrence",
PNAS 2009). ``n`` potential violators; in every period each draws a private gain
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

What is here:

* :class:`TippingModel` — the parameters (defaults from the issue) and the enforcement
  variant: ``"random"`` (equal-opportunity), ``"priority"`` (concentrated: the population is
  ranked in tiers of ``tier_size``, and capacity goes to the highest tier's violators
  first), ``warnings`` (each tier is credibly warned when the capacity left for it can back
  the warning) and a :class:`Crackdown` (capacity raised while violations exceed a trigger).
* :func:`simulate_tipping` — the vectorised Monte Carlo over many independent runs and
  capacities, seeded, checkpointed and optionally parallel, returning a
  :class:`TippingResult` (long-run distribution, mean and modes, punishment delivered,
  probability and expected time of tipping).
* :func:`markov_chain` — the exact chain for small ``n``.
* :func:`mean_field_fixed_points` and :func:`critical_capacity` — the deterministic
  fixed points ``v = n P(g >= F gamma min(1, R / v))``, their stability, and the capacities
  where the low state appears and the high state disappears (the fold).
* :func:`compare_enforcement` — the capacity saved by concentrating enforcement.
* ``deterrence tipping`` on the command line (:func:`register_cli`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize
from scipy.special import ndtr, ndtri

from .._report import text_table
from .._validation import check_choice, check_finite_array, check_int, check_real
from ..errors import DeterrenceError, UnsupportedGameError
from . import _tipping_sim as _sim
from ._tipping_chain import TippingChain, _modes, markov_chain

__all__ = [
    "Crackdown",
    "CriticalCapacity",
    "EnforcementComparison",
    "MeanField",
    "TippingChain",
    "TippingModel",
    "TippingResult",
    "compare_enforcement",
    "critical_capacity",
    "markov_chain",
    "mean_field_fixed_points",
    "register_cli",
    "simulate_tipping",
]

ENFORCEMENT = ("random", "priority")
STARTS = ("low", "high", "both")


# ============================================================================== model
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
        return _sim.violation_probability(q, mean=self.mean, sd=self.sd, sanction=self.sanction)

    def replace(self, **changes: Any) -> TippingModel:
        """A copy with some parameters changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON parameters."""
        d = dataclasses.asdict(self)
        return d


def _check_model(model: Any) -> TippingModel:
    if not isinstance(model, TippingModel):
        raise DeterrenceError(
            f"model={type(model).__name__} is not valid; expected a dt.TippingModel"
        )
    return model


def _capacities(capacity: Any, model: TippingModel) -> NDArray[np.float64]:
    if capacity is None:
        return np.array([model.capacity])
    if isinstance(capacity, bool | np.bool_):
        raise DeterrenceError(f"capacity={capacity!r} is not valid; expected a number or numbers")
    arr = np.atleast_1d(check_finite_array("capacity", capacity)).astype(float)
    if arr.ndim != 1 or arr.size == 0:
        raise DeterrenceError(
            f"capacity has shape {arr.shape}; expected a number or a non-empty 1-D sequence"
        )
    if np.any(arr < 0):
        bad = float(arr[arr < 0][0])
        raise DeterrenceError(f"capacity={bad!r} is out of range; expected capacity >= 0")
    return arr


# ========================================================================== mean field
def _prior_terms(model: TippingModel, prior: bool) -> tuple[float, float, int]:
    if not isinstance(prior, bool | np.bool_):
        raise DeterrenceError(f"prior={prior!r} is not valid; expected True or False")
    return (model.alpha, model.beta, model.memory) if prior else (0.0, 0.0, 1)


def _mf_q(model: TippingModel, v: NDArray, r: float, prior: bool) -> NDArray:
    """Perceived risk at a steady ``v`` violations per period and capacity ``r``."""
    a0, b0, z = _prior_terms(model, prior)
    caught = model.gamma * np.minimum(v, r)  # expected apprehensions per period
    if not prior:
        return np.where(v > 0, caught / np.maximum(v, 1e-300), model.gamma)
    return (a0 + z * caught) / (a0 + b0 + z * v)


def _mf_slope(model: TippingModel, v: float, r: float, prior: bool) -> float:
    """d m / d v of the map m(v) = n P(g >= F q(v)) (derivative w.r.t. the remembered mean)."""
    a0, b0, z = _prior_terms(model, prior)
    g, f = model.gamma, model.sanction
    d = a0 + b0 + z * v
    if v <= r:
        dq = z * (g * (a0 + b0) - a0) / d**2 if prior else 0.0
    else:
        dq = -z * (a0 + z * g * r) / d**2 if prior else -g * r / v**2
    t = f * float(_mf_q(model, np.array([v]), r, prior)[0])
    if t <= 0:
        return 0.0
    dens = math.exp(-0.5 * ((model.mean - t) / model.sd) ** 2) / math.sqrt(2 * math.pi)
    return float(-model.n * dens / model.sd * f * dq)


def _spectral_radius(slope: float, z: int) -> float:
    """Largest |root| of x_t = (slope / z) * (x_{t-1} + ... + x_{t-z}) (linearised memory)."""
    if z == 1:
        return abs(slope)
    coeffs = np.concatenate([[1.0], -np.full(z, slope / z)])
    return float(np.abs(np.roots(coeffs)).max())


def _roots_on_grid(
    h: Any, lo: float, hi: float, points: int, extra: Sequence[float] = ()
) -> list[float]:
    """Every root of ``h`` on [lo, hi]: brentq on each sign change of a fine grid."""
    inner = [x for x in extra if lo < x < hi]
    grid = np.unique(np.concatenate([np.linspace(lo, hi, points), inner]))
    vals = h(grid)
    roots = [float(x) for x, y in zip(grid, vals, strict=True) if y == 0]
    change = np.flatnonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)
    for i in change:
        x = optimize.brentq(lambda s: float(h(np.array([s]))[0]), grid[i], grid[i + 1],
                            xtol=1e-12, rtol=1e-12)
        roots.append(float(x))
    return sorted(roots)


@dataclass(frozen=True, kw_only=True, eq=False)
class MeanField:
    """Mean-field fixed points, one row per (capacity, fixed point).

    Attributes
    ----------
    capacity, violations
        Parallel arrays: the capacity and the fixed number of violations per period.
    slope
        Derivative of the map ``m(v) = n P(g >= F q(v))`` at the fixed point.
    stable
        Whether the fixed point attracts (spectral radius of the linearised map < 1).
    kind
        ``"low"`` (stable, every violator pursued: ``v <= R``), ``"high"`` (stable, enforcement
        swamped: ``v > R``) or ``"unstable"`` (the threshold between the two).
    prior
        Whether the prior and memory were kept in ``q`` (else the issue's large-sample map).
    """

    model: TippingModel
    capacity: NDArray[np.float64]
    violations: NDArray[np.float64]
    slope: NDArray[np.float64]
    stable: NDArray[np.bool_]
    kind: tuple[str, ...]
    prior: bool

    def at(self, capacity: float) -> NDArray[np.float64]:
        """The fixed points (violations) at one of the capacities."""
        return self.violations[np.isclose(self.capacity, capacity, rtol=0, atol=1e-12)]

    def to_dataframe(self) -> Any:
        """One row per fixed point: capacity, violations, slope, stable, kind."""
        import pandas as pd

        return pd.DataFrame({
            "capacity": self.capacity, "violations": self.violations, "slope": self.slope,
            "stable": self.stable, "kind": list(self.kind),
        })

    def _repr_html_(self) -> str:
        return "<p><b>MeanField</b> fixed points</p>" + self.to_dataframe().to_html(index=False)

    def __repr__(self) -> str:
        caps = np.unique(self.capacity)
        return f"MeanField({len(self.violations)} fixed points over {len(caps)} capacities)"

    def plot(self, ax: Any = None) -> Any:
        """Bifurcation diagram: fixed points against capacity (stable solid, unstable hollow)."""
        ax = _axes(ax)
        for kind, style in (("low", {"color": "C0"}), ("high", {"color": "C3"}),
                            ("unstable", {"color": "0.4", "mfc": "none"})):
            sel = np.array([k == kind for k in self.kind], dtype=bool)
            ax.plot(self.capacity[sel], self.violations[sel], "o", ms=3, label=kind, **style)
        ax.set_xlabel("capacity R")
        ax.set_ylabel("violations per period (mean field)")
        ax.legend(frameon=False)
        return ax


def mean_field_fixed_points(
    model: TippingModel,
    *,
    capacity: float | ArrayLike | None = None,
    prior: bool = False,
    grid: int = 4001,
) -> MeanField:
    """Fixed points of ``v = n P(g >= F gamma min(1, R / v))`` and their stability.

    Every root of ``h(v) = n P(g >= F q(v)) - v`` on ``[0, n]`` is found by
    ``scipy.optimize.brentq`` on each sign change over a fine grid (plus the kink at
    ``v = R`` and the fold's number of violations, which separates the two swamped roots
    when the capacity is just below the fold). A fixed point is stable when the linearised
    map contracts, i.e. the slope ``m'(v)`` of the map is below one (with ``prior=True`` the
    map acts on the mean of the last ``z`` periods and the spectral radius of that linear
    recursion is used).

    Parameters
    ----------
    model
        The model (``enforcement="random"``; for priority tiers see
        :func:`critical_capacity`).
    capacity
        One capacity or an array of them (default ``model.capacity``).
    prior
        ``False`` (default): the issue's large-sample map, ``q = gamma min(1, R / v)``.
        ``True``: keep the Beta prior and the memory, ``q = (alpha + z gamma min(v, R)) /
        (alpha + beta + z v)`` — the deterministic skeleton of the simulation at this ``n``.
    grid
        Number of grid points on ``[0, n]``.

    Examples
    --------
    >>> import deterrence as dt
    >>> mf = dt.mean_field_fixed_points(dt.TippingModel(), capacity=30.0)
    >>> [(round(float(v), 2), k) for v, k in zip(mf.violations, mf.kind)]
    [(15.87, 'low'), (35.62, 'unstable'), (95.99, 'high')]
    """
    model = _check_model(model)
    if model.enforcement != "random":
        raise UnsupportedGameError(
            "mean_field_fixed_points covers enforcement='random' (the issue's map); for "
            "priority tiers use dt.critical_capacity or dt.simulate_tipping"
        )
    caps = _capacities(capacity, model)
    grid = check_int("grid", grid, low=3)
    _, _, z = _prior_terms(model, prior)
    fold_v = _fold(model, prior, 4001)[1]
    rows: list[tuple[float, float, float, bool, str]] = []
    for r in caps:
        def h(v: NDArray, r: float = float(r)) -> NDArray:
            return model.n * model.violation_probability(_mf_q(model, v, r, prior)) - v

        for v in _roots_on_grid(h, 0.0, float(model.n), grid, extra=(float(r), fold_v)):
            if abs(float(h(np.array([v]))[0])) > 1e-6 * max(1.0, model.n):
                continue  # a jump of the map (q -> 0 at R = 0), not a root
            slope = _mf_slope(model, v, float(r), prior)
            stable = _spectral_radius(slope, z) < 1.0
            kind = "unstable" if not stable else ("low" if v <= r else "high")
            rows.append((float(r), v, slope, stable, kind))
    arr = np.array([x[:3] for x in rows], dtype=float).reshape(-1, 3)
    return MeanField(
        model=model, capacity=arr[:, 0], violations=arr[:, 1], slope=arr[:, 2],
        stable=np.array([x[3] for x in rows], dtype=bool), kind=tuple(x[4] for x in rows),
        prior=bool(prior),
    )


@dataclass(frozen=True, kw_only=True)
class CriticalCapacity:
    """Where the two mean-field states exist.

    Attributes
    ----------
    low
        The low-violation state exists for capacities ``R >= low`` (enough capacity to pursue
        every violator when violators expect to be caught).
    high
        The high-violation state exists for ``R < high``: above it a system in the
        high state tips down by itself (the fold; for priority tiers, the capacity at which
        the tier-by-tier cascade reaches the last tier).
    fold_violations
        Violations per period at the fold (random enforcement; ``nan`` for priority).
    enforcement, warnings, prior
        What was computed.
    """

    low: float
    high: float
    fold_violations: float
    enforcement: str
    warnings: bool
    prior: bool

    @property
    def bistable(self) -> bool:
        """True if both states coexist for capacities in ``[low, high)``."""
        return self.low < self.high

    @property
    def band(self) -> tuple[float, float]:
        """``(low, high)``: the bistable band of capacities (empty when ``low >= high``)."""
        return (self.low, self.high)


def _fold(model: TippingModel, prior: bool, grid: int) -> tuple[float, float]:
    """Capacity and violations at the fold of the swamped branch (random enforcement).

    On the branch ``v > R`` the fixed-point equation solves explicitly for the capacity:
    ``R(v) = ((a0 + b0 + z v) T(v) - a0) / (z gamma)`` with ``T(v) = (mean + sd
    Phi^-1(1 - v / n)) / F`` the perceived risk that makes ``v`` the expected number of
    violators. The high state exists iff ``R < max R(v)``; the maximum is found by brentq
    on the sign changes of the analytic ``dR/dv``.
    """
    a0, b0, z = _prior_terms(model, prior)
    n, g, f, mu, sd = model.n, model.gamma, model.sanction, model.mean, model.sd
    if g == 0 or f == 0:
        return math.inf, float(n)
    vmax = n * model.p_max

    def t_of(v: NDArray) -> NDArray:
        return (mu + sd * ndtri(1.0 - v / n)) / f

    def r_of(v: NDArray) -> NDArray:
        return ((a0 + b0 + z * v) * t_of(v) - a0) / (z * g)

    def dr(v: NDArray) -> NDArray:
        x = ndtri(1.0 - v / n)
        dt = -sd / (f * n * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi))
        return (z * t_of(v) + (a0 + b0 + z * v) * dt) / (z * g)

    v = np.linspace(0.0, vmax, grid)[1:-1]
    r = r_of(v)
    valid = (r >= 0) & (v > r)
    if not valid.any():
        return 0.0, float(vmax)
    cands = [float(x) for x in v[valid][[0, -1]]]
    d = dr(v)
    for i in np.flatnonzero((np.sign(d[:-1]) * np.sign(d[1:]) < 0) & valid[:-1] & valid[1:]):
        cands.append(float(optimize.brentq(lambda s: float(dr(np.array([s]))[0]), v[i], v[i + 1],
                                           xtol=1e-12)))
    vals = r_of(np.array(cands))
    best = int(np.argmax(vals))
    return float(max(vals[best], 0.0)), cands[best]


def critical_capacity(
    model: TippingModel, *, prior: bool = False, grid: int = 20001
) -> CriticalCapacity:
    """Capacities where the low state appears and the high state disappears (mean field).

    Random enforcement: the low state (``v = n p_low`` violations, each pursued) needs
    ``R >= n p_low``; the high state disappears at the fold of the swamped branch
    (see ``_fold``: explicit in ``v``, maximised by root finding on ``dR/dv``). Between the
    two the system is bistable.

    Priority tiers (``prior=False`` only: the large-sample map is scale-free, so a tier of
    size ``s`` given a leftover capacity ``L`` behaves like the population with ``R = L n / s``):
    tier ``k`` tips down once the capacity left after the tiers above it — each in the low
    state, using ``p_low`` of its size — exceeds its own fold ``r* s_k`` (``r*`` = random
    fold / n); the whole cascade needs ``max_k (p_low sum_{j<k} s_j + r* s_k)``. With
    warnings a tier only needs its low-state violations covered: ``n p_low``.

    Examples
    --------
    >>> import deterrence as dt
    >>> cc = dt.critical_capacity(dt.TippingModel())
    >>> round(cc.low, 2), round(cc.high, 2)
    (15.87, 43.6)
    >>> round(dt.critical_capacity(dt.TippingModel(enforcement="priority")).high, 2)
    18.64
    """
    model = _check_model(model)
    grid = check_int("grid", grid, low=10)
    a0, b0, z = _prior_terms(model, prior)
    n = model.n
    if model.gamma == 0 or model.sanction == 0:
        return CriticalCapacity(low=math.inf, high=math.inf, fold_violations=float(n),
                                enforcement=model.enforcement, warnings=model.warnings,
                                prior=bool(prior))
    if prior:
        if model.enforcement != "random":
            raise UnsupportedGameError(
                "critical_capacity(prior=True) covers enforcement='random' only (with a prior "
                "the tiers are not scale-free)"
            )

        def h(v: NDArray) -> NDArray:
            q = (a0 + z * model.gamma * v) / (a0 + b0 + z * v)
            return n * model.violation_probability(q) - v

        roots = _roots_on_grid(h, 0.0, float(n), 4001)
        low = roots[0] if roots else math.inf
    else:
        low = n * model.p_low
    high, fold_v = _fold(model, prior, grid)
    if model.enforcement == "random":
        return CriticalCapacity(low=low, high=high, fold_violations=fold_v,
                                enforcement="random", warnings=False, prior=bool(prior))
    sizes = model.tier_sizes.astype(float)
    above = np.cumsum(sizes) - sizes
    p_low = model.p_low
    if model.warnings:
        high_p = float(np.max(p_low * (above + sizes)))
    else:
        high_p = float(np.max(p_low * above + (high / n) * sizes))
    return CriticalCapacity(low=low, high=high_p, fold_violations=math.nan,
                            enforcement="priority", warnings=model.warnings, prior=False)


# ========================================================================= simulation
def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover
        raise ImportError("plotting needs matplotlib: pip install 'deterrence[plot]'") from exc
    _, ax = plt.subplots()
    return ax


@dataclass(frozen=True, kw_only=True, eq=False)
class TippingResult:
    """What :func:`simulate_tipping` found, for each capacity (arrays indexed by capacity
    first, then run).

    Attributes
    ----------
    model, capacities, runs, periods, burn_in, level, hold, start
        How it was made. ``start_high[j]`` says whether run ``j`` started in the high state.
    counts
        ``(n_capacities, n + 1)`` histogram of violations per period after ``burn_in``,
        pooled over runs: the long-run distribution.
    run_mean_violations, run_mean_apprehensions
        ``(n_capacities, runs)`` per-run means after ``burn_in``.
    apprehensions_total
        ``(n_capacities, runs)`` apprehensions over the whole horizon (including tipping).
    tip_time
        ``(n_capacities, runs)`` first period ending ``hold`` consecutive periods with
        violations beyond ``level``, away from the starting state (``-1``: never within the
        horizon).
    crackdown_periods, final_violations
        Periods with the crackdown active; violations in the last period.
    trajectories
        ``(n_capacities, runs, periods)`` violations per period (only with ``record=True``).
    seed, block_size
        The root seed (entropy, spawn key) and the capacities per block: the numbers are a
        function of these and the parameters only.
    """

    model: TippingModel
    capacities: NDArray[np.float64]
    runs: int
    periods: int
    burn_in: int
    level: float
    hold: int
    start: str
    start_high: NDArray[np.bool_]
    counts: NDArray[np.int64]
    run_mean_violations: NDArray[np.float64]
    run_mean_apprehensions: NDArray[np.float64]
    apprehensions_total: NDArray[np.int64]
    tip_time: NDArray[np.int64]
    crackdown_periods: NDArray[np.int64]
    final_violations: NDArray[np.int64]
    trajectories: NDArray | None = field(default=None, repr=False)
    seed: dict[str, Any] = field(default_factory=dict)
    block_size: int = 1

    # ----------------------------------------------------------- distribution
    @property
    def pmf(self) -> NDArray[np.float64]:
        """Long-run distribution of violations per period, ``(n_capacities, n + 1)``."""
        return self.counts / self.counts.sum(axis=1, keepdims=True)

    @property
    def mean_violations(self) -> NDArray[np.float64]:
        """Long-run mean violations per period, one per capacity."""
        return self.pmf @ np.arange(self.model.n + 1)

    @property
    def sd_violations(self) -> NDArray[np.float64]:
        """Long-run standard deviation of violations per period."""
        x = np.arange(self.model.n + 1)
        return np.sqrt(np.maximum(self.pmf @ x**2 - self.mean_violations**2, 0.0))

    @property
    def mean_apprehensions(self) -> NDArray[np.float64]:
        """Long-run mean apprehensions per period."""
        return self.run_mean_apprehensions.mean(axis=1)

    @property
    def punishment(self) -> NDArray[np.float64]:
        """Long-run punishment delivered per period: apprehensions times the sanction."""
        return self.mean_apprehensions * self.model.sanction

    @property
    def punishment_total(self) -> NDArray[np.float64]:
        """Mean punishment delivered per run over the whole horizon (tipping included)."""
        return self.apprehensions_total.mean(axis=1) * self.model.sanction

    @property
    def modes(self) -> tuple[NDArray[np.int64], ...]:
        """Peaks of the long-run distribution, one array per capacity."""
        return tuple(_modes(p) for p in self.pmf)

    # --------------------------------------------------------------- tipping
    def _from(self, start: str) -> NDArray[np.bool_]:
        check_choice("start", start, ("low", "high"))
        return self.start_high if start == "high" else ~self.start_high

    def tip_probability(self, start: str = "high") -> NDArray[np.float64]:
        """Share of the runs started in ``start`` that tipped within the horizon (``nan`` if
        no run started there)."""
        sel = self._from(start)
        if not sel.any():
            return np.full(len(self.capacities), np.nan)
        return (self.tip_time[:, sel] >= 0).mean(axis=1)

    def expected_tip_time(self, start: str = "high") -> NDArray[np.float64]:
        """Expected periods until tipping from ``start``: total exposure over the number of
        tips (the maximum-likelihood mean of an exponential waiting time with censoring;
        the plain mean when every run tipped; ``inf`` when none did)."""
        sel = self._from(start)
        if not sel.any():
            return np.full(len(self.capacities), np.nan)
        t = self.tip_time[:, sel]
        tipped = (t >= 0).sum(axis=1)
        exposure = np.where(t >= 0, t, self.periods).sum(axis=1).astype(float)
        with np.errstate(divide="ignore"):
            return np.where(tipped > 0, exposure / np.maximum(tipped, 1), np.inf)

    def mean_violations_from(self, start: str) -> NDArray[np.float64]:
        """Long-run mean violations of the runs started in ``start``."""
        sel = self._from(start)
        if not sel.any():
            return np.full(len(self.capacities), np.nan)
        return self.run_mean_violations[:, sel].mean(axis=1)

    # ------------------------------------------------------------------ output
    def to_dataframe(self) -> Any:
        """One row per capacity: long-run mean, sd and modes of violations, punishment,
        and the probability / expected time of tipping from each starting state used."""
        import pandas as pd

        d: dict[str, Any] = {
            "capacity": self.capacities,
            "mean_violations": self.mean_violations,
            "sd_violations": self.sd_violations,
            "modes": [m.tolist() for m in self.modes],
            "mean_apprehensions": self.mean_apprehensions,
            "punishment": self.punishment,
            "punishment_total": self.punishment_total,
        }
        for s in ("low", "high"):
            if self._from(s).any():
                d[f"mean_violations_from_{s}"] = self.mean_violations_from(s)
                d[f"p_tip_from_{s}"] = self.tip_probability(s)
                d[f"expected_tip_time_from_{s}"] = self.expected_tip_time(s)
        return pd.DataFrame(d)

    def __repr__(self) -> str:
        m = self.model
        return (
            f"TippingResult(n={m.n}, enforcement={m.enforcement!r}, {len(self.capacities)} "
            f"capacities, {self.runs} runs x {self.periods} periods, start={self.start!r})"
        )

    def _repr_html_(self) -> str:
        return f"<p><b>{self!r}</b></p>" + self.to_dataframe().to_html(index=False)

    def plot(self, ax: Any = None, *, mean_field: bool = True) -> Any:
        """The cliff: long-run violations and punishment delivered against capacity.

        One line per starting state used; with ``mean_field=True`` (random enforcement) the
        stable mean-field fixed points are drawn as grey dots.
        """
        ax = _axes(ax)
        caps = self.capacities
        for s, color in (("low", "C0"), ("high", "C3")):
            if self._from(s).any():
                ax.plot(caps, self.mean_violations_from(s), "-", color=color,
                        label=f"violations (start {s})")
        ax.plot(caps, self.punishment, "--", color="k", label="punishment / period")
        if mean_field and self.model.enforcement == "random" and len(caps) > 1:
            mf = mean_field_fixed_points(self.model, capacity=caps)
            ax.plot(mf.capacity[mf.stable], mf.violations[mf.stable], ".", color="0.5",
                    ms=4, label="mean field (stable)")
        ax.set_xlabel("capacity R")
        ax.set_ylabel("per period")
        ax.legend(frameon=False)
        return ax

    def plot_distribution(self, capacity: float | None = None, ax: Any = None) -> Any:
        """Long-run distribution of violations at one capacity (the nearest simulated)."""
        ax = _axes(ax)
        i = 0 if capacity is None else int(np.argmin(np.abs(self.capacities - capacity)))
        ax.bar(np.arange(self.model.n + 1), self.pmf[i], width=1.0, color="C0")
        ax.set_xlabel("violations per period")
        ax.set_ylabel("long-run probability")
        ax.set_title(f"capacity R = {self.capacities[i]:g}")
        return ax


def _fingerprint(model: TippingModel, caps: NDArray, runs: int, periods: int, burn_in: int,
                 start: str, level: float, hold: int, record: bool,
                 block_size: int) -> dict[str, Any]:
    return {
        "model": json.loads(json.dumps(model.to_dict())),
        "capacities": caps.tolist(), "runs": runs, "periods": periods, "burn_in": burn_in,
        "start": start, "level": level, "hold": hold, "record": record,
        "block_size": block_size,
    }


def simulate_tipping(
    model: TippingModel,
    *,
    capacity: float | ArrayLike | None = None,
    runs: int = 100,
    periods: int = 20_000,
    burn_in: int | None = None,
    start: str = "both",
    level: float | None = None,
    hold: int | None = None,
    record: bool = False,
    rng: Any = None,
    block_size: int | None = None,
    checkpoint: str | Path | None = None,
    executor: Any = None,
    progress: bool = False,
) -> TippingResult:
    """Simulate many independent runs of the tipping model, for one or many capacities.

    The runs are advanced together as numpy arrays (rows = runs, columns = priority tiers).
    Each period needs only two binomial draws per run and tier, which is exact in
    distribution, not an approximation: the gains are drawn afresh and independently every
    period and everyone in a tier holds the same belief ``q`` (a function of the shared
    record only), so given the past each of the ``s`` members violates independently with
    the same probability ``P(g >= F q)`` and the number of violators is
    ``Binomial(s, P(g >= F q))``; each violator is then caught independently with the same
    probability, so apprehensions are ``Binomial(v, gamma min(1, L / v))``. Who violated
    never matters later — only the counts enter ``q`` — so the counts are a complete state
    and the cost of a period does not grow with ``n``.

    Parameters
    ----------
    model
        A :class:`TippingModel` (variant included).
    capacity
        One capacity or a 1-D array of them (default ``model.capacity``); each is simulated
        with ``runs`` runs.
    runs, periods
        Independent runs per capacity, and periods per run.
    burn_in
        Periods discarded before the long-run statistics (default ``periods // 10``).
    start
        ``"low"`` (history of ``round(n p_low)`` violations), ``"high"`` (``n``) or
        ``"both"`` (the first half of the runs low, the rest high). The history is the status
        quo under random enforcement at the base capacity; the variant starts in period 1.
    level, hold
        A run has tipped once its violations have stayed beyond ``level`` (above it for runs
        started low, below it for runs started high) for ``hold`` consecutive periods
        (defaults ``model.level`` and ``model.memory``: a one-period excursion, which the
        beliefs absorb, is not a tip).
    record
        Keep every run's trajectory (memory: capacities x runs x periods small ints).
    rng
        Seed: ``None``, an int, a ``SeedSequence`` or a ``Generator``. Blocks of
        ``block_size`` capacities draw from ``SeedSequence.spawn`` children of it, so results
        do not depend on the executor or on interruptions.
    block_size
        Capacities per block (default: at least 4 blocks when there are 4 capacities or
        more, and about 2000 runs per block for large sweeps). Part of the seed design:
        results depend on it, not on the executor.
    checkpoint
        Path of an ``.npz`` file: completed blocks are written there atomically, and a call
        with the same arguments resumes, skipping them (with ``rng=None`` the seed is read
        from the file).
    executor
        ``None`` (serial), any ``concurrent.futures.Executor`` or a map-like callable.
    progress
        Show a ``tqdm.auto`` progress bar over blocks.

    Examples
    --------
    >>> import deterrence as dt
    >>> res = dt.simulate_tipping(dt.TippingModel(), capacity=[10.0, 60.0], runs=4,
    ...                           periods=500, start="high", rng=1)
    >>> res.mean_violations.round(-1).tolist()       # swamped below the band, deterred above it
    [100.0, 20.0]
    >>> res.tip_probability("high").tolist()
    [0.0, 1.0]
    """
    model = _check_model(model)
    caps = _capacities(capacity, model)
    runs = check_int("runs", runs, low=1)
    periods = check_int("periods", periods, low=1)
    burn_in = periods // 10 if burn_in is None else check_int("burn_in", burn_in, low=0,
                                                                high=periods - 1)
    check_choice("start", start, STARTS)
    level = model.level if level is None else check_real("level", level, low=0.0, high=model.n)
    hold = model.memory if hold is None else check_int("hold", hold, low=1, high=periods)
    if not isinstance(record, bool | np.bool_):
        raise DeterrenceError(f"record={record!r} is not valid; expected True or False")
    if record and len(caps) * runs * periods > 200_000_000:
        raise DeterrenceError(
            f"record=True would keep {len(caps) * runs * periods} values "
            "(capacities x runs x periods); expected at most 200000000"
        )
    if block_size is None:  # >= 4 blocks (for executors), ~2000 runs each when large
        n_blocks = min(len(caps), max(4, math.ceil(len(caps) * runs / 2000)))
        block_size = math.ceil(len(caps) / n_blocks)
    else:
        block_size = check_int("block_size", block_size, low=1)
    if not isinstance(progress, bool | np.bool_):
        raise DeterrenceError(f"progress={progress!r} is not valid; expected True or False")
    if executor is not None and not (hasattr(executor, "submit") or callable(executor)):
        raise DeterrenceError(
            f"executor={executor!r} is not valid; expected None, a concurrent.futures."
            "Executor or a map-like callable executor(fn, iterable)"
        )
    start_high = np.zeros(runs, dtype=bool)
    if start == "high":
        start_high[:] = True
    elif start == "both":
        start_high[(runs + 1) // 2 :] = True

    meta = _fingerprint(model, caps, runs, periods, burn_in, start, float(level), hold,
                        bool(record), block_size)
    path = None if checkpoint is None else Path(checkpoint)
    done: dict[int, dict[str, NDArray]] = {}
    if path is not None:
        if path.is_dir():
            raise DeterrenceError(f"checkpoint={str(path)!r} is a folder; expected a file path")
        if not path.parent.exists():
            raise DeterrenceError(
                f"checkpoint={str(path)!r}: folder {str(path.parent)!r} does not exist"
            )
        old_meta, done = _sim.read_checkpoint(path)
        if old_meta:
            if rng is None:
                rng = _sim.seed_from_json(old_meta["seed"])
            for key, value in meta.items():
                if old_meta.get(key) != value:
                    raise DeterrenceError(
                        f"checkpoint={str(path)!r} was written for a different {key} "
                        f"({old_meta.get(key)!r}, now {value!r}); delete it or pass another path"
                    )
    seed = _sim.root_seed(rng)
    meta["seed"] = _sim.seed_to_json(seed)
    if path is not None and done and old_meta.get("seed") != meta["seed"]:
        raise DeterrenceError(
            f"checkpoint={str(path)!r} was written with another seed; pass rng=None (or the "
            "same seed) to resume, or delete the file"
        )

    n_blocks = math.ceil(len(caps) / block_size)
    children = seed.spawn(n_blocks)
    tasks = [
        (b, model, caps[b * block_size : (b + 1) * block_size], runs, periods, burn_in,
         start_high, float(level), hold, bool(record), children[b])
        for b in range(n_blocks) if b not in done
    ]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_blocks, initial=n_blocks - len(tasks), desc="tipping", unit="block")
    try:
        for idx, res in _sim.run_tasks(_sim.simulate_block, tasks, executor):
            done[idx] = res
            if path is not None:
                meta["completed_capacities"] = sorted(
                    float(c) for b in done for c in caps[b * block_size : (b + 1) * block_size]
                )
                _sim.write_checkpoint(path, meta, done)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()

    parts = [done[b] for b in range(n_blocks)]
    merged = {k: np.concatenate([p[k] for p in parts]) for k in _sim.BLOCK_FIELDS}
    traj = np.concatenate([p["trajectories"] for p in parts]) if record else None
    for arr in (*merged.values(), start_high):
        arr.flags.writeable = False
    return TippingResult(
        model=model, capacities=caps, runs=runs, periods=periods, burn_in=burn_in,
        level=float(level), hold=hold, start=start, start_high=start_high, trajectories=traj,
        seed=meta["seed"], block_size=block_size, **merged,
    )


# ==================================================================== concentration
VARIANTS = ("random", "priority", "priority+warnings")


def _variant(model: TippingModel, name: str) -> TippingModel:
    if name == "random":
        return model.replace(enforcement="random", warnings=False)
    if name == "priority":
        return model.replace(enforcement="priority", warnings=False)
    return model.replace(enforcement="priority", warnings=True)


@dataclass(frozen=True, kw_only=True, eq=False)
class EnforcementComparison:
    """Random against concentrated enforcement from the high state, capacity by capacity.

    Attributes
    ----------
    variants
        Names: ``"random"``, ``"priority"``, ``"priority+warnings"`` (those compared).
    results
        One :class:`TippingResult` per variant (all started in the high state; their
        ``level`` is the deterrence level below).
    critical
        One mean-field :class:`CriticalCapacity` per variant.
    threshold
        Share of deterred runs that counts as "tips" for :meth:`tipping_capacity`.
    """

    variants: tuple[str, ...]
    results: tuple[TippingResult, ...]
    critical: tuple[CriticalCapacity, ...]
    threshold: float = 0.5

    def deterred_share(self, variant: str) -> NDArray[np.float64]:
        """Per capacity, the share of runs whose long-run mean violations (after burn-in)
        are at most the level: deterred for good, not merely dipping (a priority system
        can settle with only its top tiers deterred)."""
        res = self.results[self.variants.index(check_choice("variant", variant,
                                                            self.variants))]
        return (res.run_mean_violations <= res.level).mean(axis=1)

    def tipping_capacity(self) -> dict[str, float]:
        """Smallest simulated capacity at which at least ``threshold`` of the runs ended up
        deterred (see :meth:`deterred_share`; ``nan`` if none on the grid), per variant."""
        out = {}
        for name, res in zip(self.variants, self.results, strict=True):
            ok = np.flatnonzero(self.deterred_share(name) >= self.threshold)
            out[name] = float(res.capacities[ok[0]]) if ok.size else math.nan
        return out

    def savings(self) -> Any:
        """Capacity needed to tip, simulated and mean field, and the capacity saved compared
        with random enforcement."""
        import pandas as pd

        sim = self.tipping_capacity()
        base_sim = sim.get("random", math.nan)
        base_mf = self.critical[self.variants.index("random")].high if "random" in self.variants \
            else math.nan
        rows = []
        for name, cc in zip(self.variants, self.critical, strict=True):
            rows.append({
                "variant": name, "tipping_capacity": sim[name],
                "mean_field_capacity": cc.high,
                "saved": base_sim - sim[name], "saved_mean_field": base_mf - cc.high,
            })
        return pd.DataFrame(rows)

    def to_dataframe(self) -> Any:
        """One row per (variant, capacity): tipping probability and time, violations and
        punishment delivered."""
        import pandas as pd

        frames = []
        for name, res in zip(self.variants, self.results, strict=True):
            frames.append(pd.DataFrame({
                "variant": name, "capacity": res.capacities,
                "deterred_share": self.deterred_share(name),
                "p_tip": res.tip_probability("high"),
                "expected_tip_time": res.expected_tip_time("high"),
                "mean_violations": res.mean_violations,
                "punishment": res.punishment,
                "punishment_total": res.punishment_total,
            }))
        return pd.concat(frames, ignore_index=True)

    def _repr_html_(self) -> str:
        return ("<p><b>EnforcementComparison</b> (from the high state)</p>"
                + self.savings().to_html(index=False))

    def __repr__(self) -> str:
        caps = self.tipping_capacity()
        inner = ", ".join(f"{k}: {v:g}" for k, v in caps.items())
        return f"EnforcementComparison(tipping capacity {inner})"

    def plot(self, ax: Any = None) -> Any:
        """Long-run violations (from the high state) against capacity, per variant, with the
        mean-field critical capacities as dotted lines."""
        ax = _axes(ax)
        for i, (name, res, cc) in enumerate(zip(self.variants, self.results, self.critical,
                                                strict=True)):
            ax.plot(res.capacities, res.mean_violations, "-o", ms=3, color=f"C{i}", label=name)
            if math.isfinite(cc.high):
                ax.axvline(cc.high, color=f"C{i}", ls=":", lw=1)
        ax.set_xlabel("capacity R")
        ax.set_ylabel("long-run violations per period")
        ax.legend(frameon=False)
        return ax


def compare_enforcement(
    model: TippingModel,
    *,
    capacity: ArrayLike,
    variants: Sequence[str] = VARIANTS,
    runs: int = 50,
    periods: int = 2_000,
    level: float | None = None,
    threshold: float = 0.5,
    rng: Any = None,
    executor: Any = None,
    progress: bool = False,
) -> EnforcementComparison:
    """The capacity saved by concentration: tip from the high state under each variant.

    Each variant (``"random"``, ``"priority"``, ``"priority+warnings"``; tier size and the
    other parameters from ``model``) is simulated from the high state over the capacities,
    with its own ``SeedSequence.spawn`` child of ``rng``. A run counts as deterred when its
    long-run mean violations are at most ``level`` (default: a quarter of the way from the
    low state ``n p_low`` to ``n p_max``); the tipping capacity of a variant is the smallest
    capacity at which at least ``threshold`` of the runs are deterred.

    Examples
    --------
    >>> import deterrence as dt
    >>> cmp = dt.compare_enforcement(dt.TippingModel(), capacity=[20.0, 30.0, 50.0], runs=8,
    ...                              periods=300, rng=3)
    >>> cmp.tipping_capacity()
    {'random': 50.0, 'priority': 20.0, 'priority+warnings': 20.0}
    """
    model = _check_model(model)
    variants = tuple(variants)
    if not variants:
        raise DeterrenceError("variants=() is not valid; expected at least one variant")
    for v in variants:
        check_choice("variants", v, VARIANTS)
    threshold = check_real("threshold", threshold, low=0.0, high=1.0, low_open=True)
    caps = _capacities(capacity, model)
    if level is None:
        level = model.n * (model.p_low + 0.25 * (model.p_max - model.p_low))
    level = check_real("level", level, low=0.0, high=model.n)
    seeds = _sim.root_seed(rng).spawn(len(variants))
    models = [_variant(model, v) for v in variants]
    results = tuple(
        simulate_tipping(m, capacity=caps, runs=runs, periods=periods, start="high", rng=s,
                         level=level, executor=executor, progress=progress)
        for m, s in zip(models, seeds, strict=True)
    )
    return EnforcementComparison(
        variants=variants, results=results,
        critical=tuple(critical_capacity(m) for m in models), threshold=threshold,
    )


# ================================================================================ CLI
def _num(name: str, text: str, kind: type = float) -> Any:
    try:
        return int(text) if kind is int else float(text)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise DeterrenceError(f"--{name}={text!r} is not valid; expected {what}") from None


def _cli_capacities(items: Sequence[str] | None) -> list[float] | None:
    """``--capacity 10 20 30`` or ``--capacity START:STOP:NUM`` (evenly spaced)."""
    if not items:
        return None
    out: list[float] = []
    for item in items:
        if ":" in item:
            parts = item.split(":")
            if len(parts) != 3:
                raise DeterrenceError(
                    f"--capacity={item!r} is not valid; expected numbers or START:STOP:NUM"
                )
            lo, hi = _num("capacity", parts[0]), _num("capacity", parts[1])
            num = _num("capacity", parts[2], int)
            if num < 1:
                raise DeterrenceError(f"--capacity={item!r}: NUM must be >= 1")
            out.extend(np.linspace(lo, hi, num).tolist())
        else:
            out.append(_num("capacity", item))
    return out


def _run_cli(args: argparse.Namespace) -> int:
    params: dict[str, Any] = {}
    for name, kind in (("n", int), ("mean", float), ("sd", float), ("sanction", float),
                       ("alpha", float), ("beta", float), ("memory", int), ("gamma", float),
                       ("tier_size", int)):
        text = getattr(args, name)
        if text is not None:
            params[name] = _num(name.replace("_", "-"), text, kind)
    params["enforcement"] = args.enforcement
    params["warnings"] = bool(args.warnings)
    if args.crackdown is not None:
        parts = args.crackdown.split(":")
        if len(parts) not in (2, 3):
            raise DeterrenceError(
                f"--crackdown={args.crackdown!r} is not valid; expected EXTRA:TRIGGER[:MAX_PERIODS]"
            )
        params["crackdown"] = Crackdown(
            extra=_num("crackdown", parts[0]), trigger=_num("crackdown", parts[1]),
            max_periods=_num("crackdown", parts[2], int) if len(parts) == 3 else None,
        )
    caps = _cli_capacities(args.capacity)
    if caps is not None:
        if any(c < 0 for c in caps):
            bad = next(c for c in caps if c < 0)
            raise DeterrenceError(f"--capacity={bad!r} is out of range; expected capacity >= 0")
        params["capacity"] = caps[0]
    model = TippingModel(**params)
    runs = check_int("--runs", _num("runs", args.runs, int), low=1)
    periods = check_int("--periods", _num("periods", args.periods, int), low=1)
    seed = check_int("--seed", _num("seed", args.seed, int), low=0)
    check_choice("--start", args.start, STARTS)

    cc = critical_capacity(model)
    res = simulate_tipping(model, capacity=caps, runs=runs, periods=periods, start=args.start,
                           rng=seed)
    mf = mean_field_fixed_points(model, capacity=res.capacities) \
        if model.enforcement == "random" else None
    table = res.to_dataframe()
    if args.json:
        out = {
            "model": model.to_dict(),
            "critical_capacity": {"low": cc.low, "high": cc.high, "bistable": cc.bistable},
            "simulation": {"runs": runs, "periods": periods, "burn_in": res.burn_in,
                           "start": args.start, "seed": seed, "level": res.level},
            "capacities": [],
        }
        for i, row in table.iterrows():
            entry = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                     for k, v in row.to_dict().items()}
            entry = json.loads(json.dumps(entry, default=lambda x: x.item()
                                          if hasattr(x, "item") else str(x)))
            if mf is not None:
                sel = np.isclose(mf.capacity, res.capacities[i])
                entry["mean_field"] = [
                    {"violations": float(v), "stable": bool(s), "kind": k}
                    for v, s, k in zip(mf.violations[sel], mf.stable[sel],
                                       np.array(mf.kind, dtype=object)[sel], strict=True)
                ]
            out["capacities"].append(entry)
        print(json.dumps(out, indent=2))
        return 0
    variant = model.enforcement + (" + warnings" if model.warnings else "") + " enforcement"
    if model.enforcement == "priority":
        variant += f" (tiers of {model.tier_size})"
    cd = model.crackdown
    if cd is not None:
        budget = "" if cd.max_periods is None else f", at most {cd.max_periods} periods"
        variant += f", crackdown +{cd.extra:g} while violations > {cd.trigger:g}{budget}"
    print(f"tipping model: n={model.n}, gains max(0, N({model.mean:g}, {model.sd:g})), "
          f"F={model.sanction:g}, Beta({model.alpha:g}, {model.beta:g}) over "
          f"{model.memory} periods, gamma={model.gamma:g}; {variant}")
    if cc.bistable:
        print(f"mean field: low state needs R >= {cc.low:.4g}; high state gone above "
              f"R = {cc.high:.4g} (bistable for {cc.low:.4g} <= R < {cc.high:.4g})")
    else:
        print(f"mean field: low state needs R >= {cc.low:.4g}; high state gone above "
              f"R = {cc.high:.4g} (no bistable band)")
    print(f"simulation: {runs} runs x {periods} periods per capacity (start {args.start}, "
          f"seed {seed}); tipping = crossing {res.level:.4g} violations")
    headers = ["capacity", "mean field", "mean v", "modes", "punish/period"]
    starts = [s for s in ("low", "high") if f"p_tip_from_{s}" in table]
    for s in starts:
        headers += [f"P(tip|{s})", f"E[T|{s}]"]
    rows = []
    for i, row in table.iterrows():
        if mf is not None:
            sel = np.isclose(mf.capacity, res.capacities[i]) & mf.stable
            fp = ", ".join(f"{v:.1f}" for v in mf.violations[sel])
        else:
            fp = "-"
        cells = [f"{row['capacity']:g}", fp, f"{row['mean_violations']:.1f}",
                 ",".join(map(str, row["modes"])), f"{row['punishment']:.2f}"]
        for s in starts:
            cells += [f"{row[f'p_tip_from_{s}']:.2f}", f"{row[f'expected_tip_time_from_{s}']:.4g}"]
        rows.append(cells)
    print(text_table(headers, rows))
    sys.stdout.flush()
    return 0


def register_cli(sub: Any) -> None:
    """Register ``deterrence tipping``."""
    p = sub.add_parser(
        "tipping",
        help="limited enforcement capacity: tipping between low and high violation",
        description="Simulate the tipping model (Kleiman): n potential violators, a Beta "
        "posterior over the last periods, limited capacity. Prints the mean-field bistable "
        "band and, per capacity, the long-run violations, their modes, the punishment "
        "delivered and the chance and expected time of tipping.",
    )
    p.add_argument("--capacity", nargs="+", metavar="R",
                   help="capacities: numbers or START:STOP:NUM (default 30)")
    for name, default in (("n", 100), ("mean", 0.6), ("sd", 0.2), ("sanction", 1.0),
                          ("alpha", 1.0), ("beta", 0.25), ("memory", 2), ("gamma", 0.8),
                          ("tier-size", 10)):
        p.add_argument(f"--{name}", dest=name.replace("-", "_"), default=None,
                       help=f"model parameter (default {default})")
    p.add_argument("--enforcement", default="random", help="random (default) or priority")
    p.add_argument("--warnings", action="store_true", help="warn priority tiers in turn")
    p.add_argument("--crackdown", metavar="EXTRA:TRIGGER[:MAX]", default=None,
                   help="raise capacity by EXTRA while violations exceed TRIGGER")
    p.add_argument("--runs", default="50", help="runs per capacity (default 50)")
    p.add_argument("--periods", default="5000", help="periods per run (default 5000)")
    p.add_argument("--start", default="both", help="low, high or both (default both)")
    p.add_argument("--seed", default="0", help="random seed (default 0)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=_run_cli)
