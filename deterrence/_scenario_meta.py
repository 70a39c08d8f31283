"""Scenario metadata: units, sources, calibration targets, ranges, campaign parameters.

The model (:class:`~deterrence.TargetingModel`) has no units; a scenario file states them
in ``[units]`` and names the source of every number in ``[sources]``.
``dt.load_scenario(name, with_metadata=True)`` returns a :class:`Scenario` holding the
model with these tables. The schema is in the docstring of :mod:`deterrence.scenario`.

Key paths. :func:`number_paths` walks a parsed scenario and yields one key path per number
(lists of numbers count once, under the list's path); organizations are named by name
(``organizations.Sinaloa.revenue``), other arrays of tables by index (``framing[0].share``).
``[sources]`` keys must be such paths.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._frozen import FrozenMapping
from .errors import ScenarioError

__all__ = ["META_TABLES", "Scenario", "Units", "entry_for", "number_paths"]

#: Top-level tables of metadata (not read by the model).
META_TABLES = ("units", "sources", "calibration", "ranges", "campaign")
#: Months in one period.
PERIODS = {"month": 1.0, "quarter": 3.0, "year": 12.0}
_UNITS_KEYS = ("period", "killings_per_unit", "money", "money_period")
_CALIBRATION_KEYS = (
    "killings_per_month",
    "total_violence",
    "violence_shares",
    "market_shares",
    "ranking",
    "parameters",
    "bounds",
    "tolerance",
)
_CAMPAIGN_KEYS = ("vacuum", "vacuum_periods", "discount")
#: Prefixes of a ``[sources]`` entry that is not a publication.
FLAGS = ("proxy:", "assumption:", "calibrated:", "derived:")


@dataclass(frozen=True, kw_only=True)
class Units:
    """What one period of the game and one unit of the violence index are.

    Parameters
    ----------
    period
        Length of one period: ``"month"``, ``"quarter"`` or ``"year"``.
    killings_per_unit
        Killings per period per unit of the violence index (``None``: the index has no
        stated scale).
    money
        Unit of revenue, benefit, cost and penalty (e.g. ``"US$ billion"``).
    money_period
        Period of the money flows (revenue, benefit, cost); penalties are lump sums.

    Examples
    --------
    >>> import deterrence as dt
    >>> u = dt.Units(period="month", killings_per_unit=10.0)
    >>> float(u.killings_per_month(127.275)), float(u.killings_per_year(127.275))
    (1272.75, 15273.0)
    >>> float(u.violence_from_killings_per_month(1272.75))
    127.275
    """

    period: str = "month"
    killings_per_unit: float | None = None
    money: str = "US$ billion"
    money_period: str = "month"

    def __post_init__(self) -> None:
        for key in ("period", "money_period"):
            v = getattr(self, key)
            if v not in PERIODS:
                raise ScenarioError(
                    f"units.{key}", f"is {v!r}; expected one of {', '.join(PERIODS)}"
                )
        k = self.killings_per_unit
        if k is not None:
            if (
                isinstance(k, bool)
                or not isinstance(k, int | float)
                or not np.isfinite(k)
                or k <= 0
            ):
                raise ScenarioError(
                    "units.killings_per_unit", f"is {k!r}; expected a finite number > 0"
                )
            object.__setattr__(self, "killings_per_unit", float(k))
        if not isinstance(self.money, str) or not self.money:
            raise ScenarioError("units.money", f"is {self.money!r}; expected a non-empty string")

    @property
    def months_per_period(self) -> float:
        """Months in one period."""
        return PERIODS[self.period]

    def _scale(self) -> float:
        if self.killings_per_unit is None:
            raise ScenarioError(
                "units.killings_per_unit",
                "is not given; the violence index has no stated scale in killings",
            )
        return self.killings_per_unit / self.months_per_period

    def killings_per_month(self, violence: ArrayLike) -> float | NDArray[np.float64]:
        """Killings a month for violence-index value(s) ``violence`` (per period)."""
        return np.asarray(violence, dtype=float) * self._scale()

    def killings_per_year(self, violence: ArrayLike) -> float | NDArray[np.float64]:
        """Killings a year for violence-index value(s) ``violence``."""
        return np.asarray(violence, dtype=float) * self._scale() * 12.0

    def violence_from_killings_per_month(self, killings: ArrayLike) -> float | NDArray:
        """The violence index that stands for ``killings`` a month."""
        return np.asarray(killings, dtype=float) / self._scale()

    def describe(self) -> str:
        """One line for reports."""
        k = (
            "no killings scale"
            if self.killings_per_unit is None
            else f"1 unit of violence = {self.killings_per_unit:g} killings a {self.period}"
        )
        return (
            f"one period = one {self.period}; {k}; money in {self.money} "
            f"(flows per {self.money_period}, penalties as lump sums)"
        )


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A loaded scenario: the model with its units, sources, targets and ranges.

    Returned by ``dt.load_scenario(name, with_metadata=True)``.

    Attributes
    ----------
    name
        The preset's name (or the file's path).
    model
        The :class:`~deterrence.TargetingModel`.
    units
        :class:`Units`, or ``None`` when the file states none.
    sources
        Key path of a number -> its source (a publication, or ``"proxy: ..."``,
        ``"assumption: ..."``, ``"calibrated: ..."``).
    calibration
        The ``[calibration]`` table (targets of :func:`deterrence.calibrate`).
    ranges
        Parameter -> ``(low, high)``: values that fit the targets almost as well.
    campaign
        The ``[campaign]`` table (e.g. ``vacuum``: the rise in violence after a leader's
        removal), for the campaign layer.
    data
        Organization data not read by the model, per organization name (``us_cities``).

    Examples
    --------
    >>> import deterrence as dt
    >>> sc = dt.load_scenario("mexico-2010-six", with_metadata=True)
    >>> sc.model.names[:2], sc.campaign["vacuum"]
    (('Sinaloa', 'Gulf-Zetas'), 0.365)
    >>> sc.sources["calibration.killings_per_month"][:31]
    'Government of Mexico (Presidenc'
    """

    name: str = ""
    model: Any = field(repr=False)
    units: Units | None = None
    sources: Mapping[str, str] = field(default_factory=FrozenMapping, repr=False)
    calibration: Mapping[str, Any] = field(default_factory=FrozenMapping, repr=False)
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=FrozenMapping, repr=False)
    campaign: Mapping[str, Any] = field(default_factory=FrozenMapping, repr=False)
    data: Mapping[str, Any] = field(default_factory=FrozenMapping, repr=False)

    @property
    def title(self) -> str:
        return self.model.title

    @property
    def description(self) -> str:
        return self.model.description

    def killings_per_month(self, violence: ArrayLike) -> float | NDArray[np.float64]:
        """Killings a month for violence-index value(s) (see :class:`Units`)."""
        if self.units is None:
            raise ScenarioError("units", f"scenario {self.name!r} states no [units]")
        return self.units.killings_per_month(violence)

    def source_of(self, key: str) -> str:
        """The source entry of the number at key path ``key``."""
        if key not in self.sources:
            close = difflib.get_close_matches(key, list(self.sources), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ScenarioError(f"sources.{key}", f"has no entry{hint}")
        return self.sources[key]


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` on one line."""
    flat = " ".join(text.split())
    m = re.search(r"(?<![A-Z])\.\s+(?=[A-Z])", flat)
    return flat if m is None else flat[: m.start() + 1]


# ----------------------------------------------------------------------------- key paths
def number_paths(data: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every number of a parsed scenario with its key path (``[sources]`` excluded; a list
    of numbers counts once, under its own path).

    Examples
    --------
    >>> doc = {"market": {"revenue": 6.6}, "organizations": [{"name": "A", "cost": 1}],
    ...        "levels": {"values": [0, 1, 2]}, "rule": {"type": "none", "per_revenue": True}}
    >>> [p for p, _ in number_paths(doc)]
    ['market.revenue', 'organizations.A.cost', 'levels.values']
    """
    for key, value in data.items():
        if key == "sources":
            continue
        yield from _walk(value, key)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if _is_number(value):
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        if any(_is_number(x) or isinstance(x, list) for x in value):
            if any(_is_number(x) for x in _flatten(value)):
                yield path, value
        else:
            for k, item in enumerate(value):
                label = item.get("name") if isinstance(item, Mapping) else None
                sub = f"{path}.{label}" if isinstance(label, str) else f"{path}[{k}]"
                yield from _walk(item, sub)


def _flatten(value: list) -> Iterator[Any]:
    for x in value:
        if isinstance(x, list):
            yield from _flatten(x)
        else:
            yield x


def entry_for(sources: Mapping[str, str], path: str) -> str | None:
    """The ``[sources]`` entry covering key path ``path``: its own, or that of the nearest
    enclosing table (an entry for ``calibration.bounds`` covers every bound).

    Examples
    --------
    >>> entry_for({"calibration.bounds": "assumption: wide"}, "calibration.bounds.cost.A")
    'assumption: wide'
    >>> entry_for({}, "market.revenue") is None
    True
    """
    parts = path.split(".")
    for k in range(len(parts), 0, -1):
        key = ".".join(parts[:k])
        if key in sources:
            return sources[key]
    return None


# ----------------------------------------------------------------------------- validation
def _fail(key: str, msg: str, source: str | None) -> ScenarioError:
    return ScenarioError(key, msg, source=source)


def _table(data: Mapping, key: str, allowed: tuple[str, ...] | None, source: str | None) -> dict:
    t = data.get(key, {})
    if not isinstance(t, Mapping):
        raise _fail(key, f"is {t!r}; expected a table", source)
    if allowed is not None:
        for k in t:
            if k not in allowed:
                close = difflib.get_close_matches(k, allowed, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise _fail(
                    f"{key}.{k}", f"unknown key{hint} (allowed here: {', '.join(allowed)})", source
                )
    return dict(t)


def _positive(
    v: Any,
    key: str,
    source: str | None,
    *,
    low: float = 0.0,
    open_low: bool = True,
    high: float | None = None,
) -> float:
    if not _is_number(v) or not np.isfinite(v):
        raise _fail(key, f"is {v!r}; expected a finite number", source)
    if v < low or (open_low and v == low) or (high is not None and v > high):
        rng = f"{'>' if open_low else '>='} {low:g}" + ("" if high is None else f", <= {high:g}")
        raise _fail(key, f"is {v!r}; expected {rng}", source)
    return float(v)


def _name_table(t: Any, key: str, names: list[str], source: str | None) -> dict[str, float]:
    if not isinstance(t, Mapping) or not t:
        raise _fail(key, f"is {t!r}; expected a table organization = share", source)
    for k in t:
        if k not in names:
            close = difflib.get_close_matches(k, names, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _fail(
                f"{key}.{k}",
                f"is not an organization{hint}; expected one of {', '.join(names)}",
                source,
            )
    return {k: _positive(v, f"{key}.{k}", source) for k, v in t.items()}


def validate(data: Mapping[str, Any], names: list[str], *, source: str | None = None) -> None:
    """Check the metadata tables of a parsed scenario (raises :class:`ScenarioError`)."""
    _units(data, source)
    _calibration(data, names, source)
    _ranges(data, source)
    _campaign(data, source)
    for k, o in enumerate(data.get("organizations", [])):
        if isinstance(o, Mapping) and "us_cities" in o:
            _positive(o["us_cities"], f"organizations[{k}].us_cities", source, open_low=False)
    _sources(data, source)


def _units(data: Mapping, source: str | None) -> Units | None:
    if "units" not in data:
        return None
    t = _table(data, "units", _UNITS_KEYS, source)
    for key in ("period", "money", "money_period"):
        if key in t and not isinstance(t[key], str):
            raise _fail(f"units.{key}", f"is {t[key]!r}; expected a string", source)
    if "killings_per_unit" in t:
        _positive(t["killings_per_unit"], "units.killings_per_unit", source)
    try:
        return Units(**t)
    except ScenarioError as exc:
        raise _fail(exc.key, str(exc).split(": ", 1)[-1], source) from None


def _calibration(data: Mapping, names: list[str], source: str | None) -> dict:
    t = _table(data, "calibration", _CALIBRATION_KEYS, source)
    for key in ("killings_per_month", "total_violence"):
        if key in t:
            _positive(t[key], f"calibration.{key}", source)
    if "killings_per_month" in t and "killings_per_unit" not in data.get("units", {}):
        raise _fail(
            "calibration.killings_per_month",
            "needs [units] killings_per_unit to convert killings to the violence index",
            source,
        )
    for key in ("violence_shares", "market_shares"):
        if key in t:
            _name_table(t[key], f"calibration.{key}", names, source)
    if "tolerance" in t:
        _positive(t["tolerance"], "calibration.tolerance", source, high=1.0)
    for key in ("parameters", "ranking"):
        if key in t:
            v = t[key]
            if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
                raise _fail(f"calibration.{key}", f"is {v!r}; expected a list of names", source)
    if "ranking" in t:
        for k, x in enumerate(t["ranking"]):
            if x not in names:
                raise _fail(
                    f"calibration.ranking[{k}]",
                    f"is {x!r}; expected one of {', '.join(names)}",
                    source,
                )
    if "bounds" in t:
        b = t["bounds"]
        if not isinstance(b, Mapping):
            raise _fail(
                "calibration.bounds", f"is {b!r}; expected a table parameter = [low, high]", source
            )
        for k, v in b.items():
            _interval(v, f"calibration.bounds.{k}", source)
    return t


def _interval(v: Any, key: str, source: str | None) -> tuple[float, float]:
    if (
        not isinstance(v, list)
        or len(v) != 2
        or not all(_is_number(x) and np.isfinite(x) for x in v)
    ):
        raise _fail(key, f"is {v!r}; expected [low, high]", source)
    if v[1] < v[0]:
        raise _fail(key, f"is {v!r}; expected low <= high", source)
    return float(v[0]), float(v[1])


def _ranges(data: Mapping, source: str | None) -> dict[str, tuple[float, float]]:
    t = _table(data, "ranges", None, source)
    return {k: _interval(v, f"ranges.{k}", source) for k, v in t.items()}


def _campaign(data: Mapping, source: str | None) -> dict:
    t = _table(data, "campaign", _CAMPAIGN_KEYS, source)
    if "vacuum" in t:
        _positive(t["vacuum"], "campaign.vacuum", source, open_low=False)
    if "vacuum_periods" in t:
        v = t["vacuum_periods"]
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise _fail("campaign.vacuum_periods", f"is {v!r}; expected an integer >= 1", source)
    if "discount" in t:
        d = t["discount"]
        if not (_is_number(d) and 0.0 <= d < 1.0):
            raise _fail("campaign.discount", f"is {d!r}; expected a number in [0, 1)", source)
    return t


def _sources(data: Mapping, source: str | None) -> dict[str, str]:
    t = _table(data, "sources", None, source)
    paths = [p for p, _ in number_paths(data)]
    known = set(paths)
    for k, v in t.items():
        if not isinstance(v, str) or not v.strip():
            raise _fail(f"sources.{k}", f"is {v!r}; expected the source as a string", source)
        if k not in known and not any(q.startswith(f"{k}.") for q in paths):
            close = difflib.get_close_matches(k, paths, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _fail(f"sources.{k}", f"names no number of the file{hint}", source)
    return t


def build(data: Mapping[str, Any], model: Any, *, source: str | None = None) -> Scenario:
    """The :class:`Scenario` of a parsed (already validated) scenario and its model."""
    orgs = data.get("organizations", [])
    extra = {
        o["name"]: FrozenMapping({"us_cities": float(o["us_cities"])})
        for o in orgs
        if isinstance(o, Mapping) and "us_cities" in o
    }
    return Scenario(
        name=source or "",
        model=model,
        units=_units(data, source),
        sources=FrozenMapping(_sources(data, source)),
        calibration=FrozenMapping(_calibration(data, list(model.names), source)),
        ranges=FrozenMapping(_ranges(data, source)),
        campaign=FrozenMapping(_campaign(data, source)),
        data=FrozenMapping(extra),
    )
