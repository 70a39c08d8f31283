"""The mean field of the tipping model: fixed points, their stability, critical capacities.

The deterministic skeleton of :class:`~deterrence.TippingModel`: a steady ``v`` violations
per period is a fixed point of ``v = n P(g >= F q(v))``, with ``q = gamma min(1, R / v)``
(the large-sample map) or the Beta posterior mean with the prior and memory kept.

* :func:`mean_field_fixed_points` — every fixed point over a grid of capacities, with its
  stability (:class:`MeanField`, a bifurcation diagram);
* :func:`critical_capacity` — the capacities where the low state appears and the high state
  disappears (the fold), for random and priority enforcement (:class:`CriticalCapacity`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize
from scipy.special import ndtri

from .._validation import check_int
from ..errors import DeterrenceError, UnsupportedGameError
from ..model.tipping import TippingModel
from ..plotting import _axes
from ._tipping_kernel import capacities, check_model

__all__ = ["CriticalCapacity", "MeanField", "critical_capacity", "mean_field_fixed_points"]


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
        x = optimize.brentq(
            lambda s: float(h(np.array([s]))[0]), grid[i], grid[i + 1], xtol=1e-12, rtol=1e-12
        )
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

        return pd.DataFrame(
            {
                "capacity": self.capacity,
                "violations": self.violations,
                "slope": self.slope,
                "stable": self.stable,
                "kind": list(self.kind),
            }
        )

    def _repr_html_(self) -> str:
        return "<p><b>MeanField</b> fixed points</p>" + self.to_dataframe().to_html(index=False)

    def __repr__(self) -> str:
        caps = np.unique(self.capacity)
        return f"MeanField({len(self.violations)} fixed points over {len(caps)} capacities)"

    def plot(self, ax: Any = None) -> Any:
        """Bifurcation diagram: fixed points against capacity (stable solid, unstable hollow)."""
        ax = _axes(ax)
        for kind, style in (
            ("low", {"color": "C0"}),
            ("high", {"color": "C3"}),
            ("unstable", {"color": "0.4", "mfc": "none"}),
        ):
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
    model = check_model(model)
    if model.enforcement != "random":
        raise UnsupportedGameError(
            "mean_field_fixed_points covers enforcement='random' (the issue's map); for "
            "priority tiers use dt.critical_capacity or dt.simulate_tipping"
        )
    caps = capacities(capacity, model)
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
        model=model,
        capacity=arr[:, 0],
        violations=arr[:, 1],
        slope=arr[:, 2],
        stable=np.array([x[3] for x in rows], dtype=bool),
        kind=tuple(x[4] for x in rows),
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
        cands.append(
            float(
                optimize.brentq(lambda s: float(dr(np.array([s]))[0]), v[i], v[i + 1], xtol=1e-12)
            )
        )
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
    model = check_model(model)
    grid = check_int("grid", grid, low=10)
    a0, b0, z = _prior_terms(model, prior)
    n = model.n
    if model.gamma == 0 or model.sanction == 0:
        return CriticalCapacity(
            low=math.inf,
            high=math.inf,
            fold_violations=float(n),
            enforcement=model.enforcement,
            warnings=model.warnings,
            prior=bool(prior),
        )
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
        return CriticalCapacity(
            low=low,
            high=high,
            fold_violations=fold_v,
            enforcement="random",
            warnings=False,
            prior=bool(prior),
        )
    sizes = model.tier_sizes.astype(float)
    above = np.cumsum(sizes) - sizes
    p_low = model.p_low
    if model.warnings:
        high_p = float(np.max(p_low * (above + sizes)))
    else:
        high_p = float(np.max(p_low * above + (high / n) * sizes))
    return CriticalCapacity(
        low=low,
        high=high_p,
        fold_violations=math.nan,
        enforcement="priority",
        warnings=model.warnings,
        prior=False,
    )
