"""Policy scenarios in TOML: ``dt.load_scenario(path_or_name) -> TargetingModel``.

A scenario file describes the organizations, the drug market, the announced rule (and the
baseline rule), attribution errors and false flags. Every field is validated before any
model is built; a mistake raises :class:`~deterrence.ScenarioError` naming the key path
(e.g. ``organizations[2].penalty``), the value and what was expected, with a did-you-mean
for misspelt keys. Shipped presets (``deterrence/presets/*.toml``) load by name:
``dt.load_scenario("default")``.

Schema (every table optional unless marked)::

    title = "..."                      # string
    description = "..."                # string

    [levels]                           # the shared violence grid (or organizations[].levels)
    min = 0.0                          #   min, max, num: an evenly spaced grid ...
    max = 10.0
    num = 11
    # values = [0, 1, 2, 5]            #   ... or explicit increasing values

    [market]                           # optional drug market
    revenue = 6.6                      #   total revenue R >= 0
    exponent = 0.5                     #   Tullock exponent r >= 0
    base = 1.0                         #   capacity a > 0 (or organizations[].market_base)
    # fixed = true                     #   fixed shares from organizations[].market_share

    [rule]                             # the announced rule (required)
    type = "most_violent"              #   most_violent | noisy_most_violent | top_k | priority
                                       #   | proportional | none
    ties = "split"                     #   most_violent, top_k: split | random | lowest | all
    floor = 0.0                        #   most_violent, top_k, priority, noisy_most_violent
    margin = 0.0                       #   most_violent
    noise = 0.5                        #   noisy_most_violent (> 0)
    kind = "logit"                     #   noisy_most_violent: logit | probit
    k = 2                              #   top_k
    order = ["Sinaloa", "Zetas"]       #   priority: every organization, by name
    basis = "size"                     #   proportional: size | score
    weights = { civilians = 3.0 }      #   metric weights (metrics from organizations[].metrics)
    per_revenue = false                #   score violence per dollar of revenue

    [baseline]                         # the rule in force before (same keys; default none)

    [penalty]                          # penalties of organizations that give no `penalty`:
    designation_success = 0.5          #   L_i = designation_success * us_share_i * revenue_i
    scale = 1.0                        #   a multiplier on every penalty

    [defaults]                         # default values of organizations[] keys
    benefit = 0.1

    [attribution]                      # optional misattribution
    misattribution = 0.1               #   share of violence charged to partners
    rivals = [["Sinaloa", "Gulf"]]     #   partner pairs (omit: everybody)
    # matrix = [[...], ...]            #   or an explicit (N, N) matrix

    [[framing]]                        # optional false flags (repeatable)
    by = "Zetas"                       #   the framer
    as = "Gulf"                        #   the organization framed
    share = 0.1                        #   share of the framer's violence dressed up

    [[organizations]]                  # one table per organization (required, >= 1)
    name = "Sinaloa"                   #   unique (required)
    revenue = 2.5                      #   nominal drug revenue > 0 (default 1)
    us_share = 0.7                     #   share of revenue through U.S. distributors, in [0, 1]
    penalty = 1.2                      #   explicit L_i >= 0 (else from us_share)
    benefit = 0.1                      #   b_i
    cost = 0.01                        #   c_i >= 0
    extortion = 0.0                    #   x_i >= 0
    carrot = 0.0                       #   H_i >= 0
    market_base = 1.0                  #   a_i > 0
    market_share = 0.3                 #   fixed share (with [market] fixed = true)
    levels = { min = 0, max = 10, num = 11 }   # own grid (or a list)
    metrics = { rivals = 0.6, civilians = 0.2 }  # violence composition per unit
    us_cities = 75                     #   data only: U.S. cities linked (not read by the model)

Metadata (not read by the model; ``load_scenario(..., with_metadata=True)`` returns them in
a :class:`Scenario` with the model)::

    [units]                            # what one period and one unit of violence are
    period = "month"                   #   month | quarter | year: one period of the game
    killings_per_unit = 10.0           #   killings per period per unit of the violence index
    money = "US$ billion"              #   unit of revenue, benefit, cost and penalty
    money_period = "month"             #   flows (revenue, benefit, cost) are per this period;
                                       #   penalties are lump sums (stocks) in the money unit
    [sources]                          # key path of a number -> its source, or "proxy: ..."
    "market.revenue" = "RAND OP-325 ..."   #   or "assumption: ..." / "calibrated: ..."
    [calibration]                      # targets of dt.calibrate (see deterrence.calibration)
    killings_per_month = 1272.75
    parameters = ["market.exponent", "cost.Sinaloa"]
    violence_shares = { Sinaloa = 0.33 }   # and market_shares, total_violence, tolerance
    [ranges]                           # parameter -> [low, high] that fit almost as well
    "market.exponent" = [0.4, 0.6]
    [campaign]                         # campaign parameters (read by the campaign layer)
    vacuum = 0.365                     #   rise in violence after a leader's removal
    vacuum_periods = 6                 #   periods the rise lasts

Key paths in ``[sources]`` name organizations by name (``organizations.Sinaloa.revenue``)
and tables by dots (``market.revenue``, ``calibration.violence_shares.Sinaloa``); a list is
one entry (``ranges."market.exponent"``). Every key must name a number of the file.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from . import _scenario_meta as _meta
from ._scenario_meta import Scenario, Units
from .errors import DeterrenceError, ScenarioError
from .model.attribution import confusion_matrix, effective_attribution
from .model.kernels import kernel_for
from .model.market import Market
from .model.rules import (
    RULES,
    TIES,
    MostViolent,
    NoisyMostViolent,
    NoTargeting,
    Priority,
    Proportional,
    Rule,
    TopK,
)
from .model.targeting import TargetingModel, per_revenue_problem

__all__ = [
    "Scenario",
    "Units",
    "available_scenarios",
    "load_scenario",
    "scenario_from_dict",
    "scenarios",
]

_TOP = (
    "title",
    "description",
    "levels",
    "market",
    "rule",
    "baseline",
    "penalty",
    "defaults",
    "attribution",
    "framing",
    "organizations",
    "model",
    *_meta.META_TABLES,
)
_ORG = (
    "name",
    "revenue",
    "us_share",
    "penalty",
    "benefit",
    "cost",
    "extortion",
    "carrot",
    "market_base",
    "market_share",
    "levels",
    "metrics",
    "us_cities",
)
_DEFAULTS = tuple(k for k in _ORG if k not in ("name", "market_share"))
_SCORING_KEYS = ("weights", "per_revenue")


def _rule_keys() -> dict[str, tuple[str, ...]]:
    """``[rule]`` type name -> allowed keys, from the rule table (every registered rule:
    its dataclass fields, the scoring keys last)."""
    out = {}
    for name, cls in RULES.items():
        keys = [f.name for f in dataclasses.fields(cls) if f.init]
        out[name] = (
            "type",
            *[k for k in keys if k not in _SCORING_KEYS],
            *[k for k in keys if k in _SCORING_KEYS],
        )
    return out


class _Reader:
    """Typed, path-aware access to a TOML document."""

    def __init__(self, source: str | None) -> None:
        self.source = source

    def fail(self, key: str, msg: str) -> ScenarioError:
        return ScenarioError(key, msg, source=self.source)

    def keys(self, table: Any, allowed: tuple[str, ...], path: str) -> Mapping[str, Any]:
        if not isinstance(table, Mapping):
            raise self.fail(path, f"is {_tname(table)} {table!r}; expected a table")
        for k in table:
            if k not in allowed:
                close = difflib.get_close_matches(k, allowed, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                where = f"{path}.{k}" if path else k
                raise self.fail(where, f"unknown key{hint} (allowed here: {', '.join(allowed)})")
        return table

    def real(
        self,
        table: Mapping,
        key: str,
        path: str,
        default: Any = None,
        *,
        low: float | None = None,
        high: float | None = None,
        open_low: bool = False,
        required: bool = False,
    ) -> Any:
        where = f"{path}.{key}" if path else key
        if key not in table:
            if required:
                raise self.fail(where, "is required")
            return default
        v = table[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(where, f"is {_tname(v)} {v!r}; expected a number")
        x = float(v)
        if not np.isfinite(x):
            raise self.fail(where, f"is {v!r}; expected a finite number")
        if low is not None and (x < low or (open_low and x == low)):
            raise self.fail(where, f"is {v!r}; expected {'>' if open_low else '>='} {low:g}")
        if high is not None and x > high:
            raise self.fail(where, f"is {v!r}; expected <= {high:g}")
        return x

    def integer(
        self,
        table: Mapping,
        key: str,
        path: str,
        *,
        low: int,
        required: bool = False,
        default: int | None = None,
    ) -> int | None:
        where = f"{path}.{key}" if path else key
        if key not in table:
            if required:
                raise self.fail(where, "is required")
            return default
        v = table[key]
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(where, f"is {_tname(v)} {v!r}; expected an integer")
        if v < low:
            raise self.fail(where, f"is {v}; expected >= {low}")
        return v

    def string(
        self,
        table: Mapping,
        key: str,
        path: str,
        default: Any = None,
        *,
        choices: tuple[str, ...] | None = None,
        required: bool = False,
    ) -> Any:
        where = f"{path}.{key}" if path else key
        if key not in table:
            if required:
                raise self.fail(where, "is required")
            return default
        v = table[key]
        if not isinstance(v, str):
            raise self.fail(where, f"is {_tname(v)} {v!r}; expected a string")
        if choices is not None and v not in choices:
            close = difflib.get_close_matches(v, choices, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.fail(where, f"is {v!r}{hint}; expected one of {', '.join(choices)}")
        return v

    def boolean(self, table: Mapping, key: str, path: str, default: bool) -> bool:
        where = f"{path}.{key}" if path else key
        if key not in table:
            return default
        v = table[key]
        if not isinstance(v, bool):
            raise self.fail(where, f"is {_tname(v)} {v!r}; expected true or false")
        return v

    def grid(self, value: Any, path: str) -> np.ndarray:
        if isinstance(value, Mapping):
            t = self.keys(value, ("min", "max", "num", "values"), path)
            if "values" in t:
                if len(t) > 1:
                    raise self.fail(path, "give either values or min/max/num, not both")
                return self.grid(t["values"], f"{path}.values")
            lo = self.real(t, "min", path, required=True, low=0.0)
            hi = self.real(t, "max", path, required=True, low=0.0)
            num = self.integer(t, "num", path, low=1, required=True)
            if hi < lo or (hi == lo and num > 1):
                raise self.fail(f"{path}.max", f"is {hi:g}; expected > min ({lo:g})")
            return np.linspace(lo, hi, num)
        if not isinstance(value, list):
            raise self.fail(
                path,
                f"is {_tname(value)} {value!r}; expected a list of levels or "
                "a table {min, max, num}",
            )
        if not value:
            raise self.fail(path, "is empty; expected at least one violence level")
        out = []
        for k, x in enumerate(value):
            if isinstance(x, bool) or not isinstance(x, int | float) or not np.isfinite(x):
                raise self.fail(f"{path}[{k}]", f"is {x!r}; expected a number")
            if x < 0:
                raise self.fail(f"{path}[{k}]", f"is {x!r}; expected a level >= 0")
            out.append(float(x))
        if any(b <= a for a, b in itertools.pairwise(out)):
            raise self.fail(path, f"is {out}; expected strictly increasing levels")
        return np.array(out)

    def name_ref(self, value: Any, names: list[str], path: str) -> int:
        if not isinstance(value, str):
            raise self.fail(path, f"is {_tname(value)} {value!r}; expected an organization name")
        if value not in names:
            close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.fail(path, f"is {value!r}{hint}; expected one of {', '.join(names)}")
        return names.index(value)


def _tname(v: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(v), type(v).__name__)


# ----------------------------------------------------------------------------- pieces
def _rule(r: _Reader, table: Any, path: str, names: list[str], metrics: set[str]) -> Rule:
    if not isinstance(table, Mapping):
        raise r.fail(path, f"is {_tname(table)} {table!r}; expected a table with a type key")
    rule_keys = _rule_keys()
    kind = r.string(table, "type", path, required=True, choices=tuple(rule_keys))
    r.keys(table, rule_keys[kind], path)
    rule = _build_rule(r, table, path, names, metrics, kind)
    for key, value, expected in kernel_for(rule).problems(len(names)):
        raise r.fail(f"{path}.{key}", f"is {value!r}; expected {expected}")
    return rule


def _build_rule(
    r: _Reader, table: Mapping, path: str, names: list[str], metrics: set[str], kind: str
) -> Rule:
    kw: dict[str, Any] = {}
    if "weights" in table:
        w = table["weights"]
        if not isinstance(w, Mapping) or not w:
            raise r.fail(f"{path}.weights", f"is {w!r}; expected a table metric = weight")
        for m in w:
            if m not in metrics:
                close = difflib.get_close_matches(m, sorted(metrics), n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise r.fail(
                    f"{path}.weights.{m}",
                    f"unknown metric{hint}; the organizations' metrics are "
                    f"{', '.join(sorted(metrics))}",
                )
            r.real(w, m, f"{path}.weights", low=0.0)
        kw["weights"] = {m: float(v) for m, v in w.items()}
    if kind != "none" and "per_revenue" in _rule_keys_of(kind):
        kw["per_revenue"] = r.boolean(table, "per_revenue", path, False)
    if kind == "none":
        return NoTargeting()
    if kind == "most_violent":
        return MostViolent(
            ties=r.string(table, "ties", path, "split", choices=TIES),
            floor=r.real(table, "floor", path, 0.0),
            margin=r.real(table, "margin", path, 0.0, low=0.0),
            **kw,
        )
    if kind == "noisy_most_violent":
        return NoisyMostViolent(
            noise=r.real(table, "noise", path, required=True, low=0.0, open_low=True),
            kind=r.string(table, "kind", path, "logit", choices=("logit", "probit")),
            floor=r.real(table, "floor", path, None),
            **kw,
        )
    if kind == "top_k":
        return TopK(
            k=r.integer(table, "k", path, low=1, required=True),
            ties=r.string(table, "ties", path, "split", choices=TIES),
            floor=r.real(table, "floor", path, 0.0),
            **kw,
        )
    if kind == "priority":
        if "order" not in table:
            raise r.fail(f"{path}.order", "is required (every organization's name, in order)")
        order = table["order"]
        if not isinstance(order, list):
            raise r.fail(f"{path}.order", f"is {order!r}; expected a list of names")
        idx = [r.name_ref(x, names, f"{path}.order[{k}]") for k, x in enumerate(order)]
        if sorted(idx) != list(range(len(names))):
            missing = [names[i] for i in range(len(names)) if i not in idx]
            raise r.fail(
                f"{path}.order",
                f"must list every organization exactly once "
                f"(missing or repeated: {', '.join(missing) or 'duplicates'})",
            )
        return Priority(order=tuple(idx), floor=r.real(table, "floor", path, 0.0), **kw)
    if kind == "proportional":
        return Proportional(
            basis=r.string(table, "basis", path, "size", choices=("size", "score")), **kw
        )
    # a rule registered in the rule table (deterrence.model.kernels.register_rule): its
    # own validation checks the values
    extra = {k: v for k, v in table.items() if k not in ("type", "weights", "per_revenue")}
    try:
        return RULES[kind](**extra, **kw)
    except DeterrenceError as exc:
        raise r.fail(path, str(exc)) from None


def _rule_keys_of(kind: str) -> tuple[str, ...]:
    """The ``[rule]`` keys allowed for rule type ``kind``."""
    return _rule_keys()[kind]


def scenario_from_dict(
    data: Mapping[str, Any], *, source: str | None = None, with_metadata: bool = False
) -> TargetingModel | Scenario:
    """Build a :class:`~deterrence.TargetingModel` from a parsed scenario (see the module
    docstring for the schema); ``source`` prefixes error messages. ``with_metadata=True``
    returns a :class:`Scenario` (the model with its units, sources, calibration targets,
    ranges and campaign parameters)."""
    if with_metadata:
        model = scenario_from_dict(data, source=source)
        return _meta.build(data, model, source=source)
    r = _Reader(source)
    data = r.keys(data, _TOP, "")
    title = r.string(data, "title", "", "")
    description = r.string(data, "description", "", "")
    orgs = data.get("organizations")
    if not isinstance(orgs, list) or not orgs:
        raise r.fail(
            "organizations",
            "is required: a non-empty array of tables ([[organizations]] with at least a name)",
        )
    defaults = r.keys(data.get("defaults", {}), _DEFAULTS, "defaults")
    names: list[str] = []
    for k, o in enumerate(orgs):
        path = f"organizations[{k}]"
        r.keys(o, _ORG, path)
        name = r.string(o, "name", path, required=True)
        if not name:
            raise r.fail(f"{path}.name", "is empty; expected a name")
        if name in names:
            raise r.fail(
                f"{path}.name",
                f"is {name!r}, already used by organizations"
                f"[{names.index(name)}]; expected unique names",
            )
        names.append(name)
    n = len(names)
    _meta.validate(data, names, source=source)

    def get(k: int, key: str) -> tuple[Mapping, str]:
        o = orgs[k]
        return (o, f"organizations[{k}]") if key in o else (defaults, "defaults")

    def per_org(key: str, default: float, **bounds: Any) -> list[float]:
        out = []
        for k in range(n):
            t, path = get(k, key)
            out.append(r.real(t, key, path, default, **bounds))
        return out

    # levels
    grids = []
    shared = None
    if "levels" in data:
        shared = r.grid(data["levels"], "levels")
    for k in range(n):
        t, path = get(k, "levels")
        if "levels" in t:
            grids.append(r.grid(t["levels"], f"{path}.levels"))
        elif shared is not None:
            grids.append(shared)
        else:
            raise r.fail(
                "levels", f"is required: a shared [levels] table or organizations[{k}].levels"
            )
    # metrics
    mixes: list[Mapping[str, Any] | None] = []
    for k in range(n):
        t, path = get(k, "metrics")
        m = t.get("metrics")
        if m is not None:
            if not isinstance(m, Mapping) or not m:
                raise r.fail(f"{path}.metrics", f"is {m!r}; expected a table metric = amount")
            for key in m:
                r.real(m, key, f"{path}.metrics", low=0.0)
        mixes.append(m)
    metric_names: set[str] = set()
    for m in mixes:
        if m:
            metric_names |= set(m)
    if metric_names and any(m is None for m in mixes):
        k = next(k for k, m in enumerate(mixes) if m is None)
        raise r.fail(
            f"organizations[{k}].metrics",
            "is missing while other organizations "
            "define metrics; give every organization a metrics table (or [defaults])",
        )
    metrics = (
        {name: [float(m.get(name, 0.0)) for m in mixes] for name in sorted(metric_names)}
        if metric_names
        else None
    )
    known_metrics = metric_names or {"violence"}
    # rules
    if "rule" not in data:
        raise r.fail("rule", "is required: the announced rule ([rule] with a type)")
    rule = _rule(r, data["rule"], "rule", names, known_metrics)
    baseline = (
        _rule(r, data["baseline"], "baseline", names, known_metrics)
        if "baseline" in data
        else NoTargeting()
    )
    # revenue and penalties
    revenue = per_org("revenue", 1.0, low=0.0, open_low=True)
    pen = r.keys(data.get("penalty", {}), ("designation_success", "scale"), "penalty")
    success = r.real(pen, "designation_success", "penalty", 1.0, low=0.0, high=1.0)
    scale = r.real(pen, "scale", "penalty", 1.0, low=0.0)
    penalties = []
    for k in range(n):
        o = orgs[k]
        path = f"organizations[{k}]"
        if "penalty" in o:
            penalties.append(scale * r.real(o, "penalty", path, low=0.0))
        elif "us_share" in o or "us_share" in defaults:
            t, p2 = get(k, "us_share")
            us = r.real(t, "us_share", p2, low=0.0, high=1.0)
            penalties.append(scale * success * us * revenue[k])
        elif "penalty" in defaults:
            penalties.append(scale * r.real(defaults, "penalty", "defaults", low=0.0))
        else:
            raise r.fail(
                f"{path}.penalty",
                "is missing: give penalty, or us_share (with "
                "[penalty] designation_success), or a default penalty",
            )
    # market
    market = None
    if "market" in data:
        mt = r.keys(data["market"], ("revenue", "exponent", "base", "fixed"), "market")
        rev = r.real(mt, "revenue", "market", required=True, low=0.0)
        if r.boolean(mt, "fixed", "market", False):
            shares = []
            for k in range(n):
                shares.append(
                    r.real(
                        orgs[k],
                        "market_share",
                        f"organizations[{k}]",
                        required=True,
                        low=0.0,
                        high=1.0,
                    )
                )
            if abs(sum(shares) - 1.0) > 1e-9:
                raise r.fail(
                    "organizations[].market_share",
                    f"sum to {sum(shares):g}; expected shares summing to 1",
                )
            market = Market(revenue=rev, shares=tuple(shares))
        else:
            expo = r.real(mt, "exponent", "market", 1.0, low=0.0)
            base0 = r.real(mt, "base", "market", 1.0, low=0.0, open_low=True)
            base = []
            for k in range(n):
                t, path = get(k, "market_base")
                base.append(r.real(t, "market_base", path, base0, low=0.0, open_low=True))
            market = Market(revenue=rev, exponent=expo, base=tuple(base))
    else:
        for k, o in enumerate(orgs):
            for key in ("market_base", "market_share"):
                if key in o:
                    raise r.fail(
                        f"organizations[{k}].{key}",
                        "is given but the scenario has no [market] table",
                    )
    # attribution and framing
    attribution = None
    if "attribution" in data:
        at = r.keys(data["attribution"], ("misattribution", "rivals", "matrix"), "attribution")
        if "matrix" in at:
            if len(at) > 1:
                raise r.fail("attribution", "give either matrix or misattribution/rivals")
            attribution = _matrix(r, at["matrix"], n, "attribution.matrix")
        else:
            rate = r.real(at, "misattribution", "attribution", required=True, low=0.0, high=1.0)
            pairs = None
            if "rivals" in at:
                rv = at["rivals"]
                if not isinstance(rv, list):
                    raise r.fail("attribution.rivals", f"is {rv!r}; expected a list of name pairs")
                pairs = []
                for k, pr in enumerate(rv):
                    path = f"attribution.rivals[{k}]"
                    if not isinstance(pr, list) or len(pr) != 2:
                        raise r.fail(path, f"is {pr!r}; expected two organization names")
                    a, b = (r.name_ref(x, names, f"{path}[{q}]") for q, x in enumerate(pr))
                    if a == b:
                        raise r.fail(path, f"pairs {names[a]!r} with itself")
                    pairs.append((a, b))
            attribution = confusion_matrix(n, rate, pairs)
    framing = None
    if "framing" in data:
        fr = data["framing"]
        if not isinstance(fr, list):
            raise r.fail("framing", f"is {fr!r}; expected an array of tables [[framing]]")
        framing = np.zeros((n, n))
        for k, e in enumerate(fr):
            path = f"framing[{k}]"
            r.keys(e, ("by", "as", "share"), path)
            for key in ("by", "as", "share"):
                if key not in e:
                    raise r.fail(f"{path}.{key}", "is required")
            a = r.name_ref(e["by"], names, f"{path}.by")
            b = r.name_ref(e["as"], names, f"{path}.as")
            if a == b:
                raise r.fail(f"{path}.as", "is the framer itself; expected another organization")
            framing[a, b] += r.real(e, "share", path, low=0.0, high=1.0)
        rows = framing.sum(axis=1)
        if np.any(rows > 1 + 1e-9):
            k = int(np.argmax(rows))
            raise r.fail(
                "framing",
                f"{names[k]!r} dresses up {rows[k]:g} of its violence; expected at most 1",
            )
    for name, rl in (("rule", rule), ("baseline", baseline)):
        problem = per_revenue_problem(name, rl, market)  # a per-dollar score the market defeats
        if problem is not None:
            raise r.fail(f"{name}.{problem[0]}", str(problem[1]))
    model_t = r.keys(data.get("model", {}), ("cost_exponent",), "model")
    cost_exponent = r.real(model_t, "cost_exponent", "model", 2.0, low=0.0, open_low=True)
    try:
        effective_attribution(n, attribution, framing)
        return TargetingModel(
            n_orgs=n,
            levels=grids,
            benefit=per_org("benefit", 0.0),
            cost=per_org("cost", 0.0, low=0.0),
            penalty=penalties,
            rule=rule,
            market=market,
            carrot=per_org("carrot", 0.0, low=0.0),
            extortion=per_org("extortion", 0.0, low=0.0),
            cost_exponent=cost_exponent,
            revenue=revenue,
            metrics=metrics,
            attribution=attribution,
            framing=framing,
            baseline=baseline,
            names=names,
            title=title,
            description=description,
        )
    except ScenarioError:
        raise
    except DeterrenceError as exc:  # a cross-field inconsistency the checks above missed
        raise r.fail("scenario", str(exc)) from None


def _matrix(r: _Reader, value: Any, n: int, path: str) -> np.ndarray:
    if not isinstance(value, list) or len(value) != n:
        raise r.fail(path, f"expected {n} rows (one per organization)")
    out = np.zeros((n, n))
    for i, row in enumerate(value):
        if not isinstance(row, list) or len(row) != n:
            raise r.fail(f"{path}[{i}]", f"is {row!r}; expected {n} numbers")
        for j, x in enumerate(row):
            if isinstance(x, bool) or not isinstance(x, int | float) or not np.isfinite(x):
                raise r.fail(f"{path}[{i}][{j}]", f"is {x!r}; expected a number")
            if x < 0:
                raise r.fail(f"{path}[{i}][{j}]", f"is {x!r}; expected a share >= 0")
            out[i, j] = x
        if out[i].sum() > 1 + 1e-9:
            raise r.fail(f"{path}[{i}]", f"sums to {out[i].sum():g}; expected at most 1")
    return out


# ----------------------------------------------------------------------------- loading
def available_scenarios() -> list[str]:
    """Names of the shipped scenarios (``deterrence/presets/*.toml``).

    Examples
    --------
    >>> import deterrence as dt
    >>> "default" in dt.available_scenarios()
    True
    """
    folder = resources.files("deterrence") / "presets"
    return sorted(f.name[:-5] for f in folder.iterdir() if f.name.endswith(".toml"))


def load_scenario(
    path_or_name: str | Path | Mapping[str, Any], *, with_metadata: bool = False
) -> TargetingModel | Scenario:
    """Load a scenario: a TOML file, the name of a shipped scenario, or a parsed mapping.

    ``with_metadata=True`` returns a :class:`Scenario`: the model plus the file's units
    (``scenario.units.killings_per_month(violence)`` converts the violence index to
    killings a month), ``[sources]``, ``[calibration]`` targets, ``[ranges]`` and
    ``[campaign]`` parameters.

    Raises
    ------
    ScenarioError
        For a missing file, invalid TOML, or any invalid field (the message names the key
        path, e.g. ``organizations[2].penalty``).

    Examples
    --------
    >>> import deterrence as dt
    >>> model = dt.load_scenario("default")
    >>> model.n_orgs, model.rule.describe()[:26]
    (6, 'designate the most violent')
    >>> sc = dt.load_scenario("mexico-2010", with_metadata=True)
    >>> sc.model.n_orgs, sc.units.period, float(sc.units.killings_per_month(1.0))
    (7, 'month', 10.0)
    """
    if isinstance(path_or_name, Mapping):
        return scenario_from_dict(path_or_name, source="<mapping>", with_metadata=with_metadata)
    if not isinstance(path_or_name, str | Path):
        raise ScenarioError(
            "scenario",
            f"is {type(path_or_name).__name__}; expected a path, a shipped "
            "scenario name or a mapping",
        )
    p = Path(path_or_name)
    if p.is_file():
        text, source = p.read_bytes(), str(p)
    else:
        name = str(path_or_name)
        name = name[:-5] if name.endswith(".toml") else name
        res = resources.files("deterrence") / "presets" / f"{name}.toml"
        if "/" in name or "\\" in name or not res.is_file():
            shipped = ", ".join(available_scenarios())
            raise ScenarioError(
                "scenario",
                f"{str(path_or_name)!r}: no such file, and not a shipped scenario "
                f"(shipped: {shipped})",
            )
        text, source = res.read_bytes(), f"{name}.toml"
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ScenarioError("<file>", f"is not UTF-8 text ({exc})", source=source) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError("<toml>", f"invalid TOML: {exc}", source=source) from None
    out = scenario_from_dict(data, source=source, with_metadata=with_metadata)
    if isinstance(out, Scenario) and source is not None:
        out = dataclasses.replace(out, name=source[:-5] if not p.is_file() else str(p))
    return out


def scenarios() -> Any:
    """The shipped presets: a :class:`pandas.DataFrame` with one row per scenario (``name``,
    ``title``, ``description`` — its first sentence —, ``n_orgs``, ``units``: whether it
    states real units, ``calibrated``: whether it carries ``[ranges]`` from
    :func:`deterrence.calibrate`).

    Examples
    --------
    >>> import deterrence as dt
    >>> table = dt.scenarios()
    >>> {"default", "mexico-2010", "mexico-2010-six"} <= set(table["name"])
    True
    >>> int(table.set_index("name").loc["mexico-2010", "n_orgs"])
    7
    """
    import pandas as pd

    rows = []
    for name in available_scenarios():
        sc = load_scenario(name, with_metadata=True)
        rows.append(
            {
                "name": name,
                "title": sc.title,
                "description": _meta.first_sentence(sc.description),
                "n_orgs": sc.model.n_orgs,
                "units": sc.units is not None,
                "calibrated": bool(sc.ranges),
            }
        )
    return pd.DataFrame(
        rows, columns=["name", "title", "description", "n_orgs", "units", "calibrated"]
    )
