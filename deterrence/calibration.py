"""Calibration: fit the parameters nobody observes to what is observed at the status quo.

``dt.calibrate(model_or_scenario, targets=..., parameters=...)`` chooses the values of the
named parameters (violence's cost and productivity, the contest exponent, ...) so that the
*status quo* — the equilibrium under the baseline rule, before the announcement —
reproduces the targets: total violence (or killings a month, through the scenario's
:class:`~deterrence.Units`), each organization's share of the violence (hence their
ranking) and each organization's market share.

The status quo is found as :func:`deterrence.race_to_the_bottom` finds it for games too
large to enumerate: sequential best responses (:func:`deterrence.best_response_dynamics`,
``order="sequential"``, ``tie_breaking="stay"``) under the baseline rule, from everyone at
the minimum, to a pure equilibrium. (For a small game ``race_to_the_bottom`` enumerates
every pure equilibrium and takes the most violent; the two agree when the baseline game has
one pure equilibrium, as the concave market games here do.) A profile that does not settle
is given a large loss.

Loss. With ``V`` the total violence, ``s_i`` violence shares and ``m_i`` market shares at
the status quo, and starred targets::

    loss = ((V - V*) / V*)**2 + (1/N) sum_i ((s_i - s_i*) / s_i*)**2
                              + (1/N) sum_i ((m_i - m_i*) / m_i*)**2

(each group present only when targeted): a loss of ``0.05**2`` is a 5% miss on the total, or
a 5% miss on every share. The status quo lives on the model's violence grid, so the loss is
a step function of the parameters: the fit starts from a scrambled Sobol sample
(:mod:`scipy.stats.qmc`, seeded by ``rng``) over the bounds and polishes the best points
with bounded Nelder–Mead (:func:`scipy.optimize.minimize`), which needs no gradient.

Ranges. For each parameter, the interval of values over which the loss stays below
``best + tolerance**2`` with the other parameters at their fitted values (a conditional
profile): the edges are bracketed by stepping outward and located by
:func:`scipy.optimize.brentq`. An edge at the parameter's bound means the targets do not
pin it down there.

Parameter names: ``"benefit"``, ``"cost"``, ``"extortion"`` (one value for every
organization), ``"benefit.<org>"``, ``"cost.<org>"``, ``"extortion.<org>"`` (one
organization, by name), ``"market.exponent"``, ``"market.revenue"``, ``"market.base"``
(a shared capacity), ``"cost_exponent"``.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._frozen import FrozenMapping
from ._report import text_table
from .errors import DeterrenceError

__all__ = ["CalibrationResult", "calibrate", "status_quo"]

_PER_ORG = ("benefit", "cost", "extortion")
_GLOBAL = ("market.exponent", "market.revenue", "market.base", "cost_exponent")
_TARGET_KEYS = (
    "killings_per_month",
    "total_violence",
    "violence_shares",
    "market_shares",
    "ranking",
)
#: Default bounds per parameter kind.
DEFAULT_BOUNDS = {
    "benefit": (0.0, 1.0),
    "cost": (1e-8, 1.0),
    "extortion": (0.0, 1.0),
    "market.exponent": (0.05, 4.0),
    "market.revenue": (1e-6, 1e3),
    "market.base": (1e-3, 1e3),
    "cost_exponent": (1.05, 4.0),
}
_PENALTY = 1e3  # loss of a status quo that does not settle


class CalibrationError(DeterrenceError):
    """Bad targets or parameters given to :func:`calibrate`."""


# ----------------------------------------------------------------------------- status quo
def status_quo(model: Any, *, max_iter: int = 10_000) -> tuple[tuple[int, ...], str]:
    """The status quo of ``model``: sequential best responses under its baseline rule from
    the minimum profile. Returns ``(profile, outcome)`` (``outcome`` is ``"converged"``,
    ``"cycle"`` or ``"max_iter"``, as :func:`deterrence.best_response_dynamics` reports).

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> m = dt.TargetingModel(n_orgs=2, levels=np.linspace(0, 4, 9), benefit=1.0, cost=0.25,
    ...                       penalty=1.0, rule=dt.MostViolent())
    >>> status_quo(m)      # b = 2 c v: v = 2 under no targeting
    ((4, 4), 'converged')
    """
    from .dynamics.best_response import best_response_dynamics

    base = dataclasses.replace(model, rule=model.baseline)
    own = max(float(np.abs(o).max()) for o in base.own_payoffs())
    rev = 0.0 if base.market is None else base.market.revenue
    scale = max(1.0, own, rev)
    res = best_response_dynamics(
        base.game(),
        base.minimum_profile(),
        order="sequential",
        tie_breaking="stay",
        max_iter=max_iter,
        tol=1e-9 * scale,
    )
    return tuple(int(a) for a in res.end), str(res.outcome)


def _market_shares(model: Any, levels: NDArray) -> NDArray:
    m = model.market
    if m is None:
        raise CalibrationError("targets.market_shares is given but the model has no market")
    if not m.contest:
        return np.asarray(m.shares, dtype=float)
    base = np.broadcast_to(np.asarray(m.base, dtype=float), levels.shape)
    w = (base + levels) ** m.exponent
    return w / w.sum()


# ----------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class _Param:
    name: str
    kind: str
    org: int | None
    low: float
    high: float

    @property
    def log(self) -> bool:
        return self.low > 0 and self.high / self.low > 10.0

    def to_value(self, u: float) -> float:
        u = min(max(u, 0.0), 1.0)
        if self.log:
            return float(math.exp(math.log(self.low) + u * math.log(self.high / self.low)))
        return float(self.low + u * (self.high - self.low))

    def to_unit(self, x: float) -> float:
        if self.high == self.low:
            return 0.5
        if self.log:
            return math.log(x / self.low) / math.log(self.high / self.low)
        return (x - self.low) / (self.high - self.low)


def _parse_parameters(model: Any, parameters: Any) -> list[_Param]:
    if isinstance(parameters, str) or not isinstance(parameters, Sequence | Mapping):
        raise CalibrationError(
            f"parameters={parameters!r} is not valid; expected a list of "
            "parameter names or a mapping name -> (low, high)"
        )
    items = (
        list(parameters.items())
        if isinstance(parameters, Mapping)
        else [(p, None) for p in parameters]
    )
    if not items:
        raise CalibrationError("parameters is empty; expected at least one parameter name")
    names = list(model.names)
    allowed = [*_PER_ORG, *_GLOBAL, *(f"{k}.{n}" for k in _PER_ORG for n in names)]
    out: list[_Param] = []
    seen: set[str] = set()
    for name, bounds in items:
        if not isinstance(name, str) or name not in allowed:
            close = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise CalibrationError(
                f"parameters: {name!r} is not a parameter{hint}; expected one of "
                f"{', '.join(_PER_ORG + _GLOBAL)} or <benefit|cost|extortion>.<organization>"
            )
        if name in seen:
            raise CalibrationError(f"parameters: {name!r} is given twice")
        seen.add(name)
        kind, _, org = name.partition(".")
        if name in _GLOBAL:
            kind, org = name, ""
        if kind.startswith("market") and (model.market is None or not model.market.contest):
            raise CalibrationError(
                f"parameters: {name!r} needs a market contest; the model has none"
            )
        lo, hi = DEFAULT_BOUNDS[kind] if bounds is None else _bounds(name, bounds)
        out.append(_Param(name, kind, names.index(org) if org else None, lo, hi))
    groups = {p.kind for p in out if p.org is None}
    for p in out:
        if p.org is not None and p.kind in groups:
            raise CalibrationError(
                f"parameters: {p.name!r} overlaps {p.kind!r} (one value for "
                "every organization); give one or the other"
            )
    return out


def _bounds(name: str, b: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in b)
    except (TypeError, ValueError):
        raise CalibrationError(
            f"parameters[{name!r}]={b!r} is not valid; expected bounds (low, high)"
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi < lo:
        raise CalibrationError(
            f"parameters[{name!r}]={b!r} is not valid; expected finite bounds with low <= high"
        )
    kind = name if name in _GLOBAL else name.partition(".")[0]
    floor = DEFAULT_BOUNDS[kind][0]
    if (
        lo < min(floor, 0.0)
        or (kind in ("cost_exponent", "market.revenue", "market.base") and lo <= 0)
        or (kind == "cost" and lo < 0)
    ):
        raise CalibrationError(
            f"parameters[{name!r}]={b!r} is not valid; the lower bound is "
            "outside the parameter's domain"
        )
    return lo, hi


def _current(model: Any, p: _Param) -> float:
    if p.kind == "cost_exponent":
        return float(model.cost_exponent)
    if p.kind.startswith("market."):
        v = getattr(model.market, p.kind.split(".")[1])
        return float(np.mean(v))
    arr = np.asarray(getattr(model, p.kind), dtype=float)
    return float(arr.mean() if p.org is None else arr[p.org])


def _apply(model: Any, params: Sequence[_Param], values: Sequence[float]) -> Any:
    changes: dict[str, Any] = {}
    market: dict[str, Any] = {}
    for p, v in zip(params, values, strict=True):
        if p.kind == "cost_exponent":
            changes["cost_exponent"] = v
        elif p.kind.startswith("market."):
            market[p.kind.split(".")[1]] = v
        else:
            arr = np.array(changes.get(p.kind, getattr(model, p.kind)), dtype=float)
            if p.org is None:
                arr[:] = v
            else:
                arr[p.org] = v
            changes[p.kind] = arr
    if market:
        changes["market"] = dataclasses.replace(model.market, **market)
    return dataclasses.replace(model, **changes)


# ----------------------------------------------------------------------------- targets
def _parse_targets(model: Any, targets: Any, units: Any) -> dict[str, Any]:
    if not isinstance(targets, Mapping) or not targets:
        raise CalibrationError(
            f"targets={targets!r} is not valid; expected a mapping with "
            f"some of {', '.join(_TARGET_KEYS)}"
        )
    for k in targets:
        if k not in _TARGET_KEYS:
            close = difflib.get_close_matches(str(k), _TARGET_KEYS, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise CalibrationError(
                f"targets: unknown key {k!r}{hint}; expected {', '.join(_TARGET_KEYS)}"
            )
    names = list(model.names)
    out: dict[str, Any] = {}
    if "killings_per_month" in targets and "total_violence" in targets:
        raise CalibrationError("targets: give killings_per_month or total_violence, not both")
    if "killings_per_month" in targets:
        if units is None or units.killings_per_unit is None:
            raise CalibrationError(
                "targets.killings_per_month needs units with "
                "killings_per_unit (pass a dt.Scenario or units=)"
            )
        k = _positive_number("targets.killings_per_month", targets["killings_per_month"])
        out["killings_per_month"] = k
        out["total_violence"] = float(units.violence_from_killings_per_month(k))
    elif "total_violence" in targets:
        out["total_violence"] = _positive_number(
            "targets.total_violence", targets["total_violence"]
        )
    for key in ("violence_shares", "market_shares"):
        if key in targets:
            t = targets[key]
            if not isinstance(t, Mapping):
                raise CalibrationError(
                    f"targets.{key}={t!r} is not valid; expected a mapping organization -> share"
                )
            missing = [n for n in names if n not in t]
            extra = [k for k in t if k not in names]
            if extra or missing:
                raise CalibrationError(
                    f"targets.{key} names {extra or 'no unknown organization'} and misses "
                    f"{missing or 'none'}; expected one share for each of {', '.join(names)}"
                )
            s = np.array([_positive_number(f"targets.{key}.{n}", t[n]) for n in names])
            out[key] = s / s.sum()
    if "ranking" in targets:
        rk = targets["ranking"]
        if (
            isinstance(rk, str)
            or not isinstance(rk, Sequence)
            or sorted(map(str, rk)) != sorted(names)
        ):
            raise CalibrationError(
                f"targets.ranking={rk!r} is not valid; expected every "
                f"organization once, most violent first ({', '.join(names)})"
            )
        out["ranking"] = tuple(rk)
    elif "violence_shares" in out:
        s = out["violence_shares"]
        out["ranking"] = tuple(names[i] for i in np.argsort(-s, kind="stable"))
    if not any(k in out for k in ("total_violence", "violence_shares", "market_shares")):
        raise CalibrationError(
            "targets: only a ranking given; expected a total, violence "
            "shares or market shares to fit"
        )
    return out


def _positive_number(name: str, v: Any) -> float:
    if (
        isinstance(v, bool)
        or not isinstance(v, int | float | np.floating | np.integer)
        or not np.isfinite(v)
        or v <= 0
    ):
        raise CalibrationError(f"{name}={v!r} is not valid; expected a finite number > 0")
    return float(v)


def _ranks(values: NDArray, rtol: float = 1e-9) -> NDArray:
    """Dense ranks, 0 = largest; values within ``rtol`` of each other tie."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=int)
    r, prev = 0, None
    for i in order:
        if prev is not None and values[i] < prev - rtol * max(1.0, abs(prev)):
            r += 1
        ranks[i] = r
        prev = values[i]
    return ranks


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, kw_only=True)
class CalibrationResult:
    """What :func:`calibrate` fitted, how well, and which values fit almost as well.

    Attributes
    ----------
    parameters
        The fitted parameter names.
    values
        Name -> fitted value.
    initial
        Name -> the model's value before the fit.
    bounds
        Name -> the search bounds ``(low, high)``.
    ranges
        Name -> ``(low, high)``: the values over which the loss stays within
        ``tolerance**2`` of the best, the other parameters at their fitted values.
    fit
        Target -> ``{"target": ..., "achieved": ..., "residual": ...}`` (``residual`` is
        relative: ``(achieved - target) / target``); keys ``total_violence``,
        ``killings_per_month`` and ``violence_share.<org>``, ``market_share.<org>``.
    residuals
        The loss's residual vector (weighted as in the module docstring).
    loss
        Sum of squared residuals at the fitted values.
    ranking_target, ranking_achieved
        Organizations, most violent first (target; at the fitted status quo).
    ranking_ok
        True if the fitted status quo orders the organizations as the target does (ties in
        the target may come out in either order; a strict target order must be strict).
    status_quo
        The fitted status quo: one level index per organization.
    status_quo_levels
        Each organization's violence at the fitted status quo.
    model
        The calibrated :class:`~deterrence.TargetingModel`.
    tolerance, success, message, nfev, method
        How the fit was made (``success``: loss within ``tolerance**2`` and the ranking
        reproduced).
    """

    parameters: tuple[str, ...]
    values: Mapping[str, float]
    initial: Mapping[str, float]
    bounds: Mapping[str, tuple[float, float]]
    ranges: Mapping[str, tuple[float, float]]
    fit: Mapping[str, Mapping[str, float]]
    residuals: NDArray[np.float64] = field(repr=False)
    loss: float
    ranking_target: tuple[str, ...] | None
    ranking_achieved: tuple[str, ...]
    ranking_ok: bool | None
    status_quo: tuple[int, ...]
    status_quo_levels: NDArray[np.float64] = field(repr=False)
    model: Any = field(repr=False)
    tolerance: float
    success: bool
    message: str
    nfev: int
    method: str = "sobol + nelder-mead"

    def to_dataframe(self) -> Any:
        """One row per parameter: fitted value, initial value, bounds and range."""
        import pandas as pd

        rows = [
            {
                "parameter": p,
                "value": self.values[p],
                "initial": self.initial[p],
                "bound_low": self.bounds[p][0],
                "bound_high": self.bounds[p][1],
                "range_low": self.ranges[p][0],
                "range_high": self.ranges[p][1],
            }
            for p in self.parameters
        ]
        return pd.DataFrame(rows).set_index("parameter")

    def fit_dataframe(self) -> Any:
        """One row per target: target, achieved, relative residual."""
        import pandas as pd

        return pd.DataFrame.from_dict({k: dict(v) for k, v in self.fit.items()}, orient="index")

    def summary(self) -> str:
        """A plain-text report: loss and status, fitted parameters with their ranges within
        tolerance, target fit, and the ranking check when a ranking target was given."""
        head = (
            f"calibration ({self.method}): loss {self.loss:.3g} "
            f"({'success' if self.success else 'FAILED'}: {self.message}), "
            f"{self.nfev} status quos solved"
        )
        par = text_table(
            ["parameter", "value", "range (within tolerance)"],
            [
                [p, f"{self.values[p]:.6g}", f"[{self.ranges[p][0]:.4g}, {self.ranges[p][1]:.4g}]"]
                for p in self.parameters
            ],
        )
        fit = text_table(
            ["target", "target value", "achieved", "residual"],
            [
                [k, f"{v['target']:.4g}", f"{v['achieved']:.4g}", f"{v['residual']:+.2%}"]
                for k, v in self.fit.items()
            ],
        )
        rank = ""
        if self.ranking_target is not None:
            rank = (
                f"\nranking: target {' > '.join(self.ranking_target)}; achieved "
                f"{' > '.join(self.ranking_achieved)} "
                f"({'reproduced' if self.ranking_ok else 'NOT reproduced'})"
            )
        return f"{head}\n{par}\n{fit}{rank}"

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        vals = ", ".join(f"{p}={self.values[p]:.4g}" for p in self.parameters[:4])
        more = ", ..." if len(self.parameters) > 4 else ""
        return f"CalibrationResult({vals}{more}, loss={self.loss:.3g}, success={self.success})"

    def _repr_html_(self) -> str:
        return self.to_dataframe().to_html() + self.fit_dataframe().to_html()


# ----------------------------------------------------------------------------- calibrate
def calibrate(
    model_or_scenario: Any,
    *,
    targets: Mapping[str, Any] | None = None,
    parameters: Sequence[str] | Mapping[str, tuple[float, float]] | None = None,
    units: Any = None,
    tolerance: float = 0.05,
    n_samples: int = 64,
    n_starts: int = 2,
    max_iter: int = 4000,
    rng: Any = None,
) -> CalibrationResult:
    """Fit unobserved parameters so that the status quo reproduces observed targets.

    Parameters
    ----------
    model_or_scenario
        A :class:`~deterrence.TargetingModel`, a :class:`~deterrence.Scenario`, or the name
        or path of a scenario (loaded with its metadata). A scenario's ``[calibration]``
        table supplies the targets, parameters and bounds not given here, and its units
        convert ``killings_per_month``.
    targets
        Mapping with some of ``killings_per_month`` (needs units) or ``total_violence``
        (index units); ``violence_shares`` and ``market_shares`` (organization -> share,
        normalised to sum to one); ``ranking`` (organizations, most violent first; by
        default the order of ``violence_shares``).
    parameters
        Parameter names (module docstring), or a mapping name -> ``(low, high)`` bounds.
    units
        :class:`~deterrence.Units` for a bare model (a scenario brings its own).
    tolerance
        A relative miss deemed acceptable (loss ``tolerance**2``): it defines success and
        the ranges.
    n_samples
        Size of the Sobol sample that seeds the search (rounded up to a power of two).
    n_starts
        How many of the best sample points are polished.
    max_iter
        Nelder–Mead iterations per polish.
    rng
        Seed or generator for the Sobol scrambling.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    DeterrenceError
        Bad targets or parameters, before any equilibrium is computed.

    Examples
    --------
    A synthetic check: generate the status quo from known costs, then recover them.

    >>> import numpy as np
    >>> import deterrence as dt
    >>> truth = dt.TargetingModel(n_orgs=2, levels=np.linspace(0, 10, 101), benefit=1.0,
    ...                           cost=[0.1, 0.2], penalty=1.0, names=["A", "B"])
    >>> sq = truth.levels[0][list(dt.calibration.status_quo(truth)[0])]
    >>> sq.tolist()                       # v = b / (2 c)
    [5.0, 2.5]
    >>> res = dt.calibrate(truth, targets={"total_violence": 7.5,
    ...                                   "violence_shares": {"A": 2, "B": 1}},
    ...                    parameters={"cost.A": (0.01, 1.0), "cost.B": (0.01, 1.0)}, rng=0)
    >>> res.success, res.ranking_ok, res.status_quo_levels.tolist()
    (True, True, [5.0, 2.5])
    >>> lo, hi = res.ranges["cost.A"]
    >>> bool(lo <= 0.1 <= hi)
    True
    """
    from scipy import optimize, stats

    from ._scenario_meta import Scenario, Units
    from .model.targeting import TargetingModel
    from .scenario import load_scenario

    # ---- inputs, all checked before any equilibrium is computed
    if isinstance(model_or_scenario, str | Path):
        model_or_scenario = load_scenario(model_or_scenario, with_metadata=True)
    cal: Mapping[str, Any] = {}
    if isinstance(model_or_scenario, Scenario):
        model = model_or_scenario.model
        cal = model_or_scenario.calibration
        units = model_or_scenario.units if units is None else units
    elif isinstance(model_or_scenario, TargetingModel):
        model = model_or_scenario
    else:
        raise CalibrationError(
            f"model_or_scenario={type(model_or_scenario).__name__} is not "
            "valid; expected a dt.TargetingModel, a dt.Scenario or a "
            "scenario name"
        )
    if units is not None and not isinstance(units, Units):
        raise CalibrationError(f"units={units!r} is not valid; expected dt.Units or None")
    if targets is None:
        targets = {k: cal[k] for k in _TARGET_KEYS if k in cal}
    if parameters is None:
        if "parameters" not in cal:
            raise CalibrationError(
                "parameters is required (the scenario's [calibration] table names none)"
            )
        bounds = cal.get("bounds", {})
        parameters = {
            p: tuple(bounds[p])
            if p in bounds
            else DEFAULT_BOUNDS[p if p in _GLOBAL else p.partition(".")[0]]
            for p in cal["parameters"]
        }
    if (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, int | float)
        or not 0 < tolerance < 1
    ):
        raise CalibrationError(f"tolerance={tolerance!r} is not valid; expected a number in (0, 1)")
    for name, v, low in (
        ("n_samples", n_samples, 1),
        ("n_starts", n_starts, 1),
        ("max_iter", max_iter, 1),
    ):
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise CalibrationError(f"{name}={v!r} is not valid; expected an integer >= {low}")
    params = _parse_parameters(model, parameters)
    tg = _parse_targets(model, targets, units)
    gen = np.random.default_rng(rng)
    n = model.n_orgs
    names = list(model.names)

    # ---- the loss
    cache: dict[tuple[float, ...], tuple[float, NDArray, tuple[int, ...], str]] = {}

    def evaluate(values: Sequence[float]) -> tuple[float, NDArray, tuple[int, ...], str]:
        key = tuple(float(v) for v in values)
        if key in cache:
            return cache[key]
        m = _apply(model, params, key)
        prof, outcome = status_quo(m)
        lv = np.array([m.levels[i][a] for i, a in enumerate(prof)])
        res = []
        total = lv.sum()
        if "total_violence" in tg:
            res.append((total - tg["total_violence"]) / tg["total_violence"])
        if "violence_shares" in tg:
            s = lv / total if total > 0 else np.full(n, 1.0 / n)
            res.extend((s - tg["violence_shares"]) / tg["violence_shares"] / math.sqrt(n))
        if "market_shares" in tg:
            ms = _market_shares(m, lv)
            res.extend((ms - tg["market_shares"]) / tg["market_shares"] / math.sqrt(n))
        r = np.array(res)
        loss = float(r @ r) + (0.0 if outcome == "converged" else _PENALTY)
        cache[key] = (loss, r, prof, outcome)
        return cache[key]

    def f_unit(u: NDArray) -> float:
        return evaluate([p.to_value(x) for p, x in zip(params, u, strict=True)])[0]

    # ---- global sample, then Nelder-Mead polish of the best points
    d = len(params)
    m_exp = max(0, math.ceil(math.log2(n_samples)))
    sobol = stats.qmc.Sobol(d, scramble=True, seed=gen)
    cand = list(sobol.random_base2(m_exp))
    x0 = np.array([p.to_unit(min(max(_current(model, p), p.low), p.high)) for p in params])
    cand.append(x0)
    scored = sorted(cand, key=f_unit)
    best_u, best = None, np.inf
    for start in scored[:n_starts]:
        u = np.asarray(start, dtype=float)
        for _ in range(3):  # restarts from the result: a fresh simplex escapes plateaus
            step = 0.1
            simplex = np.vstack(
                [u]
                + [
                    np.clip(u + step * e, 0, 1) if u[k] + step <= 1 else np.clip(u - step * e, 0, 1)
                    for k, e in enumerate(np.eye(d))
                ]
            )
            out = optimize.minimize(
                f_unit,
                u,
                method="Nelder-Mead",
                bounds=[(0, 1)] * d,
                options={
                    "initial_simplex": simplex,
                    "maxiter": max_iter,
                    "xatol": 1e-6,
                    "fatol": 1e-12,
                },
            )
            if out.fun < f_unit(u) - 1e-15:
                u = np.clip(out.x, 0, 1)
            else:
                break
        if f_unit(u) < best:
            best_u, best = u, f_unit(u)
    assert best_u is not None
    values = [p.to_value(x) for p, x in zip(params, best_u, strict=True)]
    loss, resid, prof, outcome = evaluate(values)

    # ---- ranges: conditional profiles, edges by brentq
    delta = tolerance**2
    ranges: dict[str, tuple[float, float]] = {}
    for k, p in enumerate(params):

        def g(x: float, k: int = k) -> float:
            v = list(values)
            v[k] = params[k].to_value(x)
            return evaluate(v)[0] - (loss + delta)

        edges = []
        for direction in (-1.0, 1.0):
            inside, x = float(best_u[k]), float(best_u[k])
            step, edge = 1e-3, None
            while True:
                x = min(max(inside + direction * step, 0.0), 1.0)
                if g(x) > 0:
                    edge = optimize.brentq(g, inside, x, xtol=1e-6) if inside != x else x
                    break
                inside = x
                if x in (0.0, 1.0):
                    edge = x
                    break
                step *= 2.0
            edges.append(p.to_value(edge))
        ranges[p.name] = (min(edges), max(edges))

    # ---- the fit, in words and numbers
    fitted = _apply(model, params, values)
    lv = np.array([fitted.levels[i][a] for i, a in enumerate(prof)])
    total = float(lv.sum())
    fit: dict[str, dict[str, float]] = {}
    if "total_violence" in tg:
        t = tg["total_violence"]
        fit["total_violence"] = {"target": t, "achieved": total, "residual": (total - t) / t}
        if "killings_per_month" in tg:
            km = float(units.killings_per_month(total))
            t = tg["killings_per_month"]
            fit["killings_per_month"] = {"target": t, "achieved": km, "residual": (km - t) / t}
    if "violence_shares" in tg:
        s = lv / total if total > 0 else np.full(n, 1.0 / n)
        for i, nm in enumerate(names):
            t = float(tg["violence_shares"][i])
            fit[f"violence_share.{nm}"] = {
                "target": t,
                "achieved": float(s[i]),
                "residual": float((s[i] - t) / t),
            }
    if "market_shares" in tg:
        ms = _market_shares(fitted, lv)
        for i, nm in enumerate(names):
            t = float(tg["market_shares"][i])
            fit[f"market_share.{nm}"] = {
                "target": t,
                "achieved": float(ms[i]),
                "residual": float((ms[i] - t) / t),
            }
    achieved = tuple(names[i] for i in np.argsort(-lv, kind="stable"))
    ranking_ok = None
    if "ranking" in tg:
        order = [names.index(x) for x in tg["ranking"]]
        target_rank = (
            _ranks(tg["violence_shares"]) if "violence_shares" in tg else np.argsort(order)
        )
        got = _ranks(lv)
        ranking_ok = all(
            (got[i] < got[j]) if target_rank[i] < target_rank[j] else True
            for i in range(n)
            for j in range(n)
            if i != j
        )
    ok = outcome == "converged" and loss <= delta and ranking_ok is not False
    msg = (
        "status quo did not settle"
        if outcome != "converged"
        else f"loss {'within' if loss <= delta else 'above'} tolerance {tolerance:g}**2"
        + ("" if ranking_ok is not False else "; ranking not reproduced")
    )
    return CalibrationResult(
        parameters=tuple(p.name for p in params),
        values=FrozenMapping({p.name: v for p, v in zip(params, values, strict=True)}),
        initial=FrozenMapping({p.name: _current(model, p) for p in params}),
        bounds=FrozenMapping({p.name: (p.low, p.high) for p in params}),
        ranges=FrozenMapping(ranges),
        fit=FrozenMapping({k: FrozenMapping(v) for k, v in fit.items()}),
        residuals=resid,
        loss=loss,
        ranking_target=tg.get("ranking"),
        ranking_achieved=achieved,
        ranking_ok=ranking_ok,
        status_quo=tuple(prof),
        status_quo_levels=lv,
        model=fitted,
        tolerance=float(tolerance),
        success=bool(ok),
        message=msg,
        nfev=len(cache),
    )
