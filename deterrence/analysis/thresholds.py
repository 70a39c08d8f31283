"""Critical values: where the race to the bottom starts, and where it breaks.

Two kinds of threshold, both found by root finding on a one-parameter family of models:

* *Verdict thresholds* (:func:`critical_penalty`, :func:`critical_noise`,
  :func:`critical_revenue`): the parameter value at which the verdict of
  :func:`~deterrence.race_to_the_bottom` switches to or from ``"full"``. The verdict is a
  step function, so the search scans the bracket first (recording every verdict, and
  whether the switch is monotone) and then bisects the first switch down to ``xtol``
  (bisection on the +-1 verdict indicator, keeping a bracket whose two ends have verified
  verdicts). Each evaluation is a dynamics-only race (``equilibria=False``).
* *Equilibrium thresholds* (:func:`equilibrium_penalty`, :func:`equilibrium_noise`): the
  value at which a given pure profile (all-minimum, all-maximum) becomes an equilibrium. The
  signed best deviation gain at the profile is continuous in the parameter, so
  :func:`scipy.optimize.brentq` finds the crossing to machine precision.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.optimize

from .._executor import check_executor, map_tasks
from .._validation import check_choice, check_int, check_real
from ..errors import UnsupportedGameError
from ..model.rules import MostViolent, NoisyMostViolent, Rule
from ..model.targeting import TargetingModel
from .race import race_to_the_bottom

__all__ = [
    "Threshold",
    "critical_noise",
    "critical_penalty",
    "critical_revenue",
    "deviation_gain",
    "equilibrium_noise",
    "equilibrium_penalty",
]


@dataclass(frozen=True, kw_only=True)
class Threshold:
    """A critical value and the evidence for it.

    Attributes
    ----------
    parameter
        What was varied (e.g. ``"penalty scale"``, ``"logit noise"``).
    value
        The critical value (``None`` if no switch was found in the bracket).
    found
        True if ``value`` is a bracketed switch point.
    kind
        ``"smallest"`` (the smallest value giving the condition) or ``"largest"`` (the
        largest value keeping it).
    bracket
        The final interval around the switch (width at most ``xtol``), or the searched
        range when nothing was found.
    scan
        ``(value, verdict)`` pairs of the initial scan.
    monotone
        False if the scan saw the condition switch more than once (the value is then the
        first switch, and other switches exist).
    nit
        Evaluations spent bisecting.
    message
        A sentence for reports.
    applicable
        False when the threshold does not apply to the model (e.g. attribution noise for a
        rule that has none); ``message`` then says why, and ``value`` is ``None``.
    """

    parameter: str
    value: float | None
    found: bool
    kind: str
    bracket: tuple[float, float]
    scan: tuple[tuple[float, str], ...] = ()
    monotone: bool = True
    nit: int = 0
    message: str = ""
    applicable: bool = True
    width: float | None = None

    @property
    def decimals(self) -> int | None:
        """Decimal places the value is known to: ``floor(-log10(width))`` for a bisected
        value whose verified bracket has width ``width`` (3 for a bracket 1e-3 wide); None
        when no width is recorded (a root found to machine precision, or no value)."""
        return _decimals(self.width)

    def formatted(self) -> str:
        """The value with as many digits as its bracket supports ("not found" if None)."""
        return "not found" if self.value is None else _format_value(self.value, self.width)

    def describe(self) -> str:
        """One line for reports."""
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict for JSON reports (tuples as lists; ``applicable`` omitted)."""
        return {
            "parameter": self.parameter,
            "value": self.value,
            "found": self.found,
            "kind": self.kind,
            "bracket": list(self.bracket),
            "scan": [list(s) for s in self.scan],
            "monotone": self.monotone,
            "nit": self.nit,
            "message": self.message,
            "width": self.width,
        }

    def __repr__(self) -> str:
        return (
            f"Threshold({self.parameter}: {self.kind} {self.formatted()}, monotone={self.monotone})"
        )


def _decimals(width: float | None) -> int | None:
    if width is None or not math.isfinite(width) or width <= 0:
        return None
    return max(0, math.floor(-math.log10(width) + 1e-9))


def _format_value(value: float, width: float | None) -> str:
    """``value`` to the decimals its bracket width supports (6 significant digits when no
    width is known)."""
    d = _decimals(width)
    return f"{value:.6g}" if d is None else f"{value:.{d}f}"


def _floor_text(rule: Rule) -> str:
    """What the rule's floor means in a threshold's search, for its message: for a noisy
    rule an outside option "designate nobody" of score ``floor``, measured with the same
    noise; for an exact rule, nobody designated while every score is at most ``floor``."""
    floor = getattr(rule, "floor", None)
    if floor is None:
        return "; no floor: somebody is always designated"
    if isinstance(rule, NoisyMostViolent):
        return (
            f"; the rule's floor {floor:g} enters as a 'designate nobody' option of score "
            f"{floor:g}, measured with the same noise"
        )
    return f"; the rule's floor {floor:g} means nobody is designated while all scores are <= it"


def _verdict_search(
    model: TargetingModel,
    make: Callable[[TargetingModel, float], TargetingModel],
    grid: Sequence[float],
    *,
    parameter: str,
    kind: str,
    xtol: float,
    log: bool,
    race_options: dict[str, Any],
    executor: Any = None,
) -> Threshold:
    """Scan ``grid`` (increasing) for the verdict, then bisect the first switch.

    ``kind="smallest"``: the first grid point with a full race, bisected against the point
    before it. ``kind="largest"``: the end of the initial run of full races, bisected
    against the first point after it. The scan's races are independent and run on
    ``executor`` (:mod:`deterrence._executor`); the bisection is sequential.
    """
    race_options = {"equilibria": False, **race_options}

    def verdict(x: float) -> str:
        return race_to_the_bottom(make(model, x), **race_options).verdict

    xs = [float(x) for x in grid]
    tasks = [(make(model, x), race_options) for x in xs]
    scan = list(zip(xs, map_tasks(_race_verdict, tasks, executor=executor), strict=True))
    full = [v == "full" for _, v in scan]
    switches = sum(1 for a, b in itertools.pairwise(full) if a != b)
    monotone = switches <= 1
    lo_hi = (float(grid[0]), float(grid[-1]))
    if kind == "smallest":
        if full[0]:
            return Threshold(
                parameter=parameter,
                value=float(grid[0]),
                found=False,
                kind=kind,
                bracket=lo_hi,
                scan=tuple(scan),
                monotone=monotone,
                message=f"{parameter}: already a full race at the bottom of the range "
                f"({grid[0]:.4g})",
            )
        if not any(full):
            return Threshold(
                parameter=parameter,
                value=None,
                found=False,
                kind=kind,
                bracket=lo_hi,
                scan=tuple(scan),
                monotone=monotone,
                message=f"{parameter}: no full race anywhere in [{grid[0]:.4g}, {grid[-1]:.4g}]",
            )
        k = full.index(True)
        a, b = float(grid[k - 1]), float(grid[k])
    else:
        if not full[0]:
            return Threshold(
                parameter=parameter,
                value=None,
                found=False,
                kind=kind,
                bracket=lo_hi,
                scan=tuple(scan),
                monotone=monotone,
                message=f"{parameter}: no full race even at {grid[0]:.4g}",
            )
        if all(full):
            return Threshold(
                parameter=parameter,
                value=float(grid[-1]),
                found=False,
                kind=kind,
                bracket=lo_hi,
                scan=tuple(scan),
                monotone=monotone,
                message=f"{parameter}: still a full race at the top of the range ({grid[-1]:.4g})",
            )
        k = full.index(False)
        a, b = float(grid[k - 1]), float(grid[k])
    # Bisection on the +-1 verdict indicator. scipy.optimize.bisect would return only a
    # midpoint; the report needs the final bracket with a verdict verified at each end.
    x_full, x_not = (b, a) if kind == "smallest" else (a, b)
    nit = 0
    while abs(x_full - x_not) > xtol * (abs(x_full) if log else 1.0):
        mid = math.sqrt(x_full * x_not) if log else 0.5 * (x_full + x_not)
        nit += 1
        if verdict(mid) == "full":
            x_full = mid
        else:
            x_not = mid
    value = x_full
    br = (min(x_full, x_not), max(x_full, x_not))
    width = br[1] - br[0]
    word = "smallest" if kind == "smallest" else "largest"
    note = "" if monotone else " (the verdict switches more than once in the range: first switch)"
    return Threshold(
        parameter=parameter,
        value=float(value),
        found=True,
        kind=kind,
        bracket=(float(br[0]), float(br[1])),
        scan=tuple(scan),
        monotone=monotone,
        nit=nit,
        width=float(width),
        message=f"{word} {parameter} with a full race: {_format_value(value, width)} "
        f"(bracket [{br[0]:.6g}, {br[1]:.6g}]){note}",
    )


def _race_verdict(task: tuple[TargetingModel, dict[str, Any]]) -> str:
    """The verdict of one race (module level, so process pools can pickle it)."""
    model, options = task
    return race_to_the_bottom(model, **options).verdict


def _penalty_base(model: TargetingModel) -> np.ndarray:
    base = np.asarray(model.penalty, dtype=float)
    return base if np.any(base > 0) else np.ones(model.n_orgs)


def critical_penalty(
    model: TargetingModel,
    *,
    bracket: tuple[float, float] | None = None,
    n_scan: int = 12,
    xtol: float = 1e-3,
    executor: Any = None,
    **race_options: Any,
) -> Threshold:
    """The smallest penalty giving a full race, as a multiple of the model's penalties.

    The penalties are scaled together, ``L = x * model.penalty`` (or ``L = x`` for every
    organization when the model's penalties are all zero). The default bracket runs from 0
    to 1.5 times the largest ``violence_gain / penalty`` ratio: above the ratio, violence
    that gets an organization designated for sure never pays. When no full race is found
    there, the bracket is widened ``n_orgs`` times: with ties split, ``n_orgs``
    organizations tied at the top are each designated with probability only
    ``1 / n_orgs`` (with ``N`` identical organizations and levels a step ``delta`` apart,
    all at the minimum is the unique pure equilibrium only for
    ``L > max(N b delta, b v_max)``; see tests/test_thresholds.py).

    Parameters
    ----------
    model
        The targeting model; its rule is the policy.
    bracket
        ``(lo, hi)`` penalty scales to search (default above, widened when needed).
    xtol
        Width of the final bracket, relative to ``max(hi, 1)``.
    n_scan
        Points of the initial scan of the bracket (at least 3).
    executor
        Runs the scan's independent races: ``None`` (serial), any
        ``concurrent.futures.Executor`` or a map-like callable (:mod:`deterrence._executor`).
        The result does not depend on it.
    **race_options
        Options of :func:`~deterrence.race_to_the_bottom` for every evaluation (e.g.
        ``max_iter``; ``equilibria=False`` unless given).

    Returns
    -------
    Threshold

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 5), penalty=1.0)
    >>> t = dt.critical_penalty(model)
    >>> t.found, round(t.value, 2)
    (True, 1.0)
    """
    check_executor(executor)
    base = _penalty_base(model)
    n_scan = check_int("n_scan", n_scan, low=3)
    xtol = check_real("xtol", xtol, low=0.0, low_open=True)
    default = bracket is None
    if bracket is None:
        ratio = float(np.max(model.violence_gain() / base))
        bracket = (0.0, 1.5 * max(ratio, 1e-9))
    lo = check_real("bracket[0]", bracket[0], low=0.0)
    hi = check_real("bracket[1]", bracket[1], low=lo, low_open=True)

    def make(m: TargetingModel, x: float) -> TargetingModel:
        return dataclasses.replace(m, penalty=x * base)

    def search(hi: float) -> Threshold:
        return _verdict_search(
            model,
            make,
            np.linspace(lo, hi, n_scan),
            parameter="penalty scale",
            kind="smallest",
            xtol=xtol * max(hi, 1.0),
            log=False,
            race_options=race_options,
            executor=executor,
        )

    t = search(hi)
    if default and t.value is None and model.n_orgs > 1:
        t = search(hi * model.n_orgs)  # ties split: a tied organization pays L / n_orgs
    if t.value is not None and t.found:
        pen = ", ".join(f"{x:.3g}" for x in t.value * base)
        return dataclasses.replace(
            t,
            message=t.message
            + f" (x the scenario's penalties; penalties {pen}){_floor_text(model.rule)}",
        )
    return t


def _noisy_rule(rule: Rule, noise: float, kind: str) -> NoisyMostViolent:
    if isinstance(rule, NoisyMostViolent):
        return dataclasses.replace(rule, noise=noise, kind=kind)
    if not isinstance(rule, MostViolent):
        raise UnsupportedGameError(
            f"critical_noise varies the attribution noise of a most-violent rule; the model's "
            f"rule is {rule.describe()!r}"
        )
    return NoisyMostViolent(
        noise=noise,
        kind=kind,
        floor=rule.floor,
        weights=rule.weights,
        per_revenue=rule.per_revenue,
    )


def _score_scale(model: TargetingModel) -> float:
    z = model.raw_scores()
    return max(1e-12, max(float(np.max(s)) for s in z))


def critical_noise(
    model: TargetingModel,
    *,
    kind: str = "logit",
    bracket: tuple[float, float] | None = None,
    n_scan: int = 12,
    xtol: float = 0.02,
    executor: Any = None,
    **race_options: Any,
) -> Threshold:
    """The largest attribution noise that keeps a full race.

    The model's most-violent rule is replaced by :class:`~deterrence.NoisyMostViolent` with
    the same scoring and floor and noise ``s`` (``kind`` logit or probit); ``s`` is scanned
    on a geometric grid (default from 0.1% to 10 times the largest possible score) and the
    end of the initial run of full races is bisected in log space (``xtol`` is relative).

    Parameters
    ----------
    model
        The targeting model; its rule must be a most-violent rule.
    kind
        ``"logit"`` or ``"probit"`` attribution noise.
    bracket
        ``(lo, hi)`` noise levels to search, ``lo > 0`` (default above).
    xtol
        Relative width of the final bracket.
    n_scan
        Points of the initial scan of the bracket (at least 3).
    executor
        Runs the scan's independent races: ``None`` (serial), any
        ``concurrent.futures.Executor`` or a map-like callable (:mod:`deterrence._executor`).
        The result does not depend on it.
    **race_options
        Options of :func:`~deterrence.race_to_the_bottom` for every evaluation (e.g.
        ``max_iter``; ``equilibria=False`` unless given).

    Returns
    -------
    Threshold

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 5), penalty=3.0)
    >>> t = dt.critical_noise(model)
    >>> t.found, 0.4 < t.value < 0.6
    (True, True)
    """
    check_executor(executor)
    check_choice("kind", kind, ("logit", "probit"))
    n_scan = check_int("n_scan", n_scan, low=3)
    xtol = check_real("xtol", xtol, low=0.0, low_open=True)
    _noisy_rule(model.rule, 1.0, kind)  # checks the rule
    if bracket is None:
        sc = _score_scale(model)
        bracket = (1e-3 * sc, 10.0 * sc)
    lo = check_real("bracket[0]", bracket[0], low=0.0, low_open=True)
    hi = check_real("bracket[1]", bracket[1], low=lo, low_open=True)

    def make(m: TargetingModel, x: float) -> TargetingModel:
        return dataclasses.replace(m, rule=_noisy_rule(m.rule, x, kind))

    t = _verdict_search(
        model,
        make,
        np.geomspace(lo, hi, n_scan),
        parameter=f"{kind} noise",
        kind="largest",
        xtol=xtol,
        log=True,
        race_options=race_options,
        executor=executor,
    )
    return dataclasses.replace(
        t, message=t.message + _floor_text(_noisy_rule(model.rule, 1.0, kind))
    )


def critical_revenue(
    model: TargetingModel,
    *,
    bracket: tuple[float, float] | None = None,
    n_scan: int = 12,
    xtol: float = 1e-3,
    executor: Any = None,
    **race_options: Any,
) -> Threshold:
    """The largest drug-market revenue ``R`` that keeps a full race (the demand-side lever:
    treatment, HOPE-style probation and legalization shrink ``R``).

    Default bracket: 0 to 4 times the model's revenue.

    Parameters
    ----------
    model
        The targeting model, with a contest market.
    bracket
        ``(lo, hi)`` revenues to search (default above).
    xtol
        Width of the final bracket, relative to ``max(hi, 1)``.
    n_scan
        Points of the initial scan of the bracket (at least 3).
    executor
        Runs the scan's independent races: ``None`` (serial), any
        ``concurrent.futures.Executor`` or a map-like callable (:mod:`deterrence._executor`).
        The result does not depend on it.
    **race_options
        Options of :func:`~deterrence.race_to_the_bottom` for every evaluation (e.g.
        ``max_iter``; ``equilibria=False`` unless given).

    Returns
    -------
    Threshold

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 5), penalty=2.0,
    ...                           market=dt.Market(revenue=1.0, exponent=1.0, base=0.5))
    >>> t = dt.critical_revenue(model)
    >>> t.found, t.value > 1.0
    (True, True)
    """
    check_executor(executor)
    if model.market is None or not model.market.contest:
        raise UnsupportedGameError(
            "critical_revenue needs a model with a contest market (market=dt.Market(...))"
        )
    n_scan = check_int("n_scan", n_scan, low=3)
    xtol = check_real("xtol", xtol, low=0.0, low_open=True)
    if bracket is None:
        bracket = (0.0, 4.0 * max(model.market.revenue, 1e-9))
    lo = check_real("bracket[0]", bracket[0], low=0.0)
    hi = check_real("bracket[1]", bracket[1], low=lo, low_open=True)

    def make(m: TargetingModel, x: float) -> TargetingModel:
        return dataclasses.replace(m, market=dataclasses.replace(m.market, revenue=x))

    return _verdict_search(
        model,
        make,
        np.linspace(lo, hi, n_scan),
        parameter="market revenue",
        kind="largest",
        xtol=xtol * max(hi, 1.0),
        log=False,
        race_options=race_options,
        executor=executor,
    )


# ----------------------------------------------------------------------------- equilibrium
def deviation_gain(model: TargetingModel, profile: Sequence[int]) -> float:
    """The best strict gain any organization has from leaving the pure ``profile``:
    ``max_i max_{a != profile_i} u_i(a, profile_-i) - u_i(profile)``. Negative when the
    profile is a strict equilibrium, zero or positive otherwise; continuous in every
    parameter that payoffs depend on continuously (penalty, noise, revenue).

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=2, levels=[0.0, 1.0], penalty=3.0)
    >>> deviation_gain(model, (0, 0))
    -2.0
    """
    from ..games.base import as_pure_profile

    game = model.game()
    prof = list(as_pure_profile(game, profile))
    best = -math.inf
    for i in range(model.n_orgs):
        p = []
        for k, a in zip(game.shape, prof, strict=True):
            q = np.zeros(k)
            q[a] = 1.0
            p.append(q)
        dev = game._deviation_payoffs_for(p, [i])[0]
        others = np.delete(dev, prof[i])
        if others.size:
            best = max(best, float(others.max() - dev[prof[i]]))
    return best


def _equilibrium_root(
    model: TargetingModel,
    make: Callable[[float], TargetingModel],
    profile: Sequence[int],
    bracket: tuple[float, float],
    parameter: str,
    kind: str,
) -> Threshold:
    def f(x: float) -> float:
        return deviation_gain(make(x), profile)

    a, b = bracket
    fa, fb = f(a), f(b)
    if np.sign(fa) == np.sign(fb) or fa == 0 or fb == 0:
        return Threshold(
            parameter=parameter,
            value=None,
            found=False,
            kind=kind,
            bracket=(a, b),
            message=f"{parameter}: the profile's equilibrium status does not change in "
            f"[{a:.4g}, {b:.4g}] (best deviation gain {fa:.3g} and {fb:.3g})",
        )
    root, info = scipy.optimize.brentq(f, a, b, xtol=1e-14, rtol=1e-12, full_output=True)
    return Threshold(
        parameter=parameter,
        value=float(root),
        found=True,
        kind=kind,
        bracket=(a, b),
        nit=info.iterations,
        message=f"{kind} {parameter} at which the profile is an equilibrium: {root:.6g}",
    )


def equilibrium_penalty(
    model: TargetingModel,
    profile: Sequence[int] | None = None,
    *,
    bracket: tuple[float, float] | None = None,
) -> Threshold:
    """The penalty scale (``L = x * model.penalty``) above which ``profile`` (default:
    everyone at the minimum) is an equilibrium, by :func:`scipy.optimize.brentq` on the
    signed best deviation gain.

    Examples
    --------
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=2, levels=[0.0, 0.5, 1.0], benefit=2.0, penalty=1.0)
    >>> round(dt.equilibrium_penalty(model).value, 9)   # gain of the top level: 2 * 1
    2.0
    """
    base = _penalty_base(model)
    prof = model.minimum_profile() if profile is None else tuple(profile)
    if bracket is None:
        ratio = float(np.max(model.violence_gain() / base))
        bracket = (0.0, 2.0 * max(ratio, 1e-9) + 1.0)
    t = _equilibrium_root(
        model,
        lambda x: dataclasses.replace(model, penalty=x * base),
        prof,
        bracket,
        "penalty scale",
        "smallest",
    )
    return dataclasses.replace(t, message=t.message + _floor_text(model.rule))


def equilibrium_noise(
    model: TargetingModel,
    profile: Sequence[int] | None = None,
    *,
    kind: str = "logit",
    bracket: tuple[float, float] | None = None,
) -> Threshold:
    """The attribution noise past which ``profile`` (default: everyone at the *maximum*)
    is an equilibrium: with enough noise, violence no longer changes who is designated
    much, and uniform maximal violence is stable.

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=4, levels=np.linspace(0, 1, 101), penalty=2.0,
    ...                           rule=dt.NoisyMostViolent(noise=1.0))
    >>> t = dt.equilibrium_noise(model)
    >>> round(t.value, 4)   # -> L (N - 1) / (b N^2) = 0.375 as the grid step goes to 0
    0.3725
    """
    check_choice("kind", kind, ("logit", "probit"))
    prof = model.maximum_profile() if profile is None else tuple(profile)
    _noisy_rule(model.rule, 1.0, kind)
    if bracket is None:
        sc = _score_scale(model)
        bracket = (1e-4 * sc, 100.0 * sc)
    t = _equilibrium_root(
        model,
        lambda x: dataclasses.replace(model, rule=_noisy_rule(model.rule, x, kind)),
        prof,
        bracket,
        f"{kind} noise",
        "smallest",
    )
    return dataclasses.replace(
        t, message=t.message + _floor_text(_noisy_rule(model.rule, 1.0, kind))
    )
