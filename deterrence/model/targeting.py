"""The targeting model: organizations, market, announced rule, attribution.

Organizations ``i = 0..N-1`` each choose a violence level ``v_i`` from a grid (one grid for
all, or one per organization; increasing, non-negative). Organization ``i``'s payoff is::

    u_i(v) = R * share_i(v) + b_i * v_i + x_i * v_i - c_i * v_i**k
             - L_i * P_i(v) + H_i * [S_i(v) <= floor]

* ``R * share_i``: drug revenue, from an optional :class:`~deterrence.Market` (a Tullock
  contest in which violence buys market share, or fixed shares; ``R = 0`` without market);
* ``b_i * v_i``: direct gains from violence (intimidation); ``x_i * v_i``: non-drug income
  from extortion and kidnapping, which U.S. enforcement does not touch (kept apart from
  ``b_i`` for accounting: the penalty never scales it); ``c_i * v_i**k``: cost of violence
  (``k = cost_exponent``, quadratic by default);
* ``L_i * P_i(v)``: the penalty of designation times the probability of being designated
  under the announced rule (:mod:`deterrence.model.rules`);
* ``H_i``: the carrot — the value of being left alone, earned while the organization's
  attributed score is at most the rule's floor (rules without a floor pay no carrot).

Scores. The rule sees violence through announced metrics: organization ``i``'s violence
has a composition ``mix[m, i]`` over metrics ``m`` (killings of rivals, police, civilians,
journalists, officials; kidnappings; nonfatal shootings; ...), the rule weighs them with
``weights[m]``, so the raw score is ``z_i = kappa_i * v_i`` with ``kappa_i = sum_m
weights[m] * mix[m, i]``, divided by the revenue the organization is actually paid when the
rule scores violence per dollar (``per_revenue=True``; see :meth:`TargetingModel.raw_scores`
for the contest market). Attribution and false flags then charge scores across
organizations: ``S_j = sum_i M[i, j] z_i`` (:mod:`deterrence.model.attribution`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._frozen import FrozenMapping
from .._validation import check_finite_array, check_int, check_real
from ..errors import DeterrenceError, UnsupportedGameError
from ._numerics import MAX_LEVELS, MAX_ORGS, TIE_RTOL, too_large
from .attribution import attribution_blocks, effective_attribution
from .kernels import kernel_for
from .market import Market
from .rules import MostViolent, NoTargeting, Rule

__all__ = ["TargetingModel", "per_revenue_problem"]


def _readonly(a: NDArray) -> NDArray:
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


def _per_org(
    name: str, value: Any, n: int, *, low: float | None = None, low_open: bool = False
) -> NDArray[np.float64]:
    """Broadcast a scalar or check a length-``n`` sequence; every entry within bounds."""
    if np.ndim(value) == 0:
        x = check_real(name, value, low=low, low_open=low_open)
        return _readonly(np.full(n, x))
    arr = check_finite_array(name, value, ndim=1)
    if arr.shape[0] != n:
        raise DeterrenceError(
            f"{name} has {arr.shape[0]} entries; expected {n} (one per organization) or a scalar"
        )
    if low is not None:
        bad = arr <= low if low_open else arr < low
        if np.any(bad):
            k = int(np.flatnonzero(bad)[0])
            op = ">" if low_open else ">="
            raise DeterrenceError(f"{name}[{k}]={arr[k]!r} is out of range; expected {op} {low}")
    return _readonly(arr)


def _check_grid(name: str, value: Any) -> NDArray[np.float64]:
    if np.size(value) > MAX_LEVELS:
        raise too_large(
            name,
            f"<{np.size(value)} levels>",
            np.size(value),
            MAX_LEVELS,
            "violence levels for one organization",
            "use a coarser level grid",
        )
    arr = check_finite_array(name, value, ndim=1)
    if arr.size == 0:
        raise DeterrenceError(f"{name} is empty; expected at least one violence level")
    if np.any(arr < 0):
        k = int(np.flatnonzero(arr < 0)[0])
        raise DeterrenceError(f"{name}[{k}]={arr[k]!r} is negative; expected levels >= 0")
    if np.any(np.diff(arr) <= 0):
        k = int(np.flatnonzero(np.diff(arr) <= 0)[0])
        raise DeterrenceError(
            f"{name} is not strictly increasing at entry {k + 1} ({arr[k]!r} then "
            f"{arr[k + 1]!r}); expected increasing violence levels"
        )
    return _readonly(arr)


def _check_levels(value: Any, n: int) -> tuple[NDArray[np.float64], ...]:
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype != object:
        g = _check_grid("levels", value)
        return (g,) * n
    try:
        items = list(value)
    except TypeError:
        raise DeterrenceError(
            f"levels={value!r} is not valid; expected a 1-D grid of violence levels or one "
            "grid per organization"
        ) from None
    if not items:
        raise DeterrenceError("levels is empty; expected at least one violence level")
    if all(np.ndim(x) == 0 for x in items):
        g = _check_grid("levels", items)
        return (g,) * n
    if len(items) != n:
        raise DeterrenceError(
            f"levels has {len(items)} grids; expected one shared grid or {n} (one per organization)"
        )
    return tuple(_check_grid(f"levels[{i}]", g) for i, g in enumerate(items))


def per_revenue_problem(
    name: str, rule: Rule, market: Market | None
) -> tuple[str, DeterrenceError] | None:
    """Why ``rule`` (the model's ``name``: ``"rule"`` or ``"baseline"``) cannot score
    violence per dollar of the revenue ``market`` pays: ``(field, error)`` with the field
    at fault (``"per_revenue"``, ``"floor"``, ``"margin"``, ``"noise"``) and the error to
    raise, or None when it can (always without ``per_revenue``).

    * Fixed shares: the revenue paid is ``R * shares_i``; it must be positive for every
      organization (and the score finite), else violence per dollar is undefined.
    * A contest: the score is exact only for rules that read the ranking of the scores (see
      :meth:`TargetingModel.raw_scores`); the kernel's ``scale_problems`` says which.

    Examples
    --------
    >>> import deterrence as dt
    >>> from deterrence.model.targeting import per_revenue_problem
    >>> mk = dt.Market(revenue=1.0, exponent=1.0, base=1.0)
    >>> per_revenue_problem("rule", dt.MostViolent(per_revenue=True), mk) is None
    True
    >>> rule = dt.MostViolent(floor=1.0, per_revenue=True)
    >>> field, err = per_revenue_problem("rule", rule, mk)
    >>> field, type(err).__name__
    ('floor', 'UnsupportedGameError')
    """
    if not (getattr(rule, "per_revenue", False) and rule.uses_scores) or market is None:
        return None
    kernel = kernel_for(rule)
    if not kernel.designates or kernel.designation_is_share:
        return None  # no score is read
    if not market.contest:
        paid = market.revenue * np.asarray(market.shares, dtype=float)
        with np.errstate(divide="ignore", over="ignore"):
            bad = ~(paid > 0) | ~np.isfinite(1.0 / paid)
        if np.any(bad):
            k = int(np.flatnonzero(bad)[0])
            return "per_revenue", DeterrenceError(
                f"{name}.per_revenue=True divides each score by the revenue the market pays; "
                f"organization {k} is paid market.revenue * market.shares[{k}] = "
                f"{market.revenue!r} * {market.shares[k]!r} = {float(paid[k])!r}; expected a "
                "positive amount (raise market.revenue or the share, or set per_revenue=False)"
            )
        return None
    problems = kernel.scale_problems()
    if not problems:
        return None
    key, value, why = problems[0]
    return key, UnsupportedGameError(
        f"{name}.{key}={value!r} cannot be combined with {name}.per_revenue=True and a "
        f"contest market ({rule.describe()}): the revenue actually paid, R * X_i / sum_j "
        "X_j, divides every score by a common factor sum_j X_j / R that moves with the "
        "profile, so only a rule that reads the ranking of the scores is exact, and "
        f"{why}; expected a floor <= 0, no margin and no noise, fixed market shares, or "
        "per_revenue=False"
    )


@dataclass(frozen=True, kw_only=True, eq=False)
class TargetingModel:
    """Trafficking organizations choosing violence under an announced targeting rule.

    Per-organization parameters accept a scalar (same for all) or one value per
    organization; they are stored as read-only arrays of shape ``(n_orgs,)``, so
    ``dataclasses.replace(model, penalty=2.0)`` is how comparative statics read.

    Parameters
    ----------
    n_orgs
        Number of organizations ``N >= 1``.
    levels
        Violence grid: one increasing, non-negative 1-D grid for all, or one per
        organization. The first level of each grid is that organization's minimum.
    benefit
        ``b_i``: direct gain per unit of violence.
    cost
        ``c_i >= 0``: cost ``c_i * v**cost_exponent``.
    penalty
        ``L_i >= 0``: the loss when designated (e.g. the share of revenue that flows
        through U.S. distributors times the chance that designation succeeds).
    rule
        The announced rule (:class:`~deterrence.MostViolent` by default).
    market
        Optional :class:`~deterrence.Market`.
    carrot
        ``H_i >= 0``: value of being left alone while scoring at most the rule's floor.
    extortion
        ``x_i >= 0``: non-drug income per unit of violence, untouched by U.S. enforcement.
    cost_exponent
        ``k > 0`` in the cost ``c_i v**k``.
    revenue
        Nominal drug revenue of each organization (``> 0``): without a market, the
        denominator of violence-per-dollar scores and the size weights of
        ``Proportional("size")``. With a market, a per-dollar score divides by the revenue
        the market actually pays (see :meth:`raw_scores`).
    metrics
        Violence composition: metric name -> one value per organization (or scalar), the
        amount of that metric per unit of violence. ``None``: a single metric
        ``"violence"`` equal to the level.
    attribution, framing
        ``(N, N)`` matrices (see :mod:`deterrence.model.attribution`); ``None`` means
        correct attribution and no false flags.
    baseline
        The rule in force before the announcement, used by
        :func:`~deterrence.race_to_the_bottom` (default :class:`~deterrence.NoTargeting`).
    names
        Organization names (unique); default ``"org1"``, ``"org2"``, ...
    title, description
        A title and a free-text description for reports.
    tie_rtol
        Relative tie tolerance on scores (default
        :data:`~deterrence.model._numerics.TIE_RTOL` = 1e-9): scores within ``tie_rtol *
        max(1, largest score)`` of each other are tied, and a score is above a floor only
        if it exceeds it by more than that (measured violence is not known to nine digits).
        ``0`` compares exactly. Every oracle and the dense table use it.

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 5), benefit=1.0,
    ...                           penalty=2.0, rule=dt.MostViolent())
    >>> model.game().shape
    (5, 5, 5)
    >>> game = model.game()
    >>> [d.round(3).tolist() for d in game.deviation_payoffs([[1, 0, 0, 0, 0]] * 3)][0]
    [0.0, -1.75, -1.5, -1.25, -1.0]
    """

    n_orgs: int
    levels: Any
    benefit: Any = 1.0
    cost: Any = 0.0
    penalty: Any = 1.0
    rule: Rule = field(default_factory=MostViolent)
    market: Market | None = None
    carrot: Any = 0.0
    extortion: Any = 0.0
    cost_exponent: float = 2.0
    revenue: Any = 1.0
    metrics: Mapping[str, Any] | None = None
    attribution: Any = None
    framing: Any = None
    baseline: Rule = field(default_factory=NoTargeting)
    names: Sequence[str] | None = None
    title: str = ""
    description: str = ""
    tie_rtol: float = TIE_RTOL

    def __post_init__(self) -> None:
        n = check_int("n_orgs", self.n_orgs, low=1)
        if n > MAX_ORGS:
            raise too_large(
                "n_orgs",
                n,
                n * n,
                MAX_ORGS**2,
                "entries of the n x n attribution matrices",
                f"use at most {MAX_ORGS} organizations",
            )
        object.__setattr__(self, "n_orgs", n)
        object.__setattr__(self, "levels", _check_levels(self.levels, n))
        object.__setattr__(self, "benefit", _per_org("benefit", self.benefit, n))
        object.__setattr__(self, "cost", _per_org("cost", self.cost, n, low=0.0))
        object.__setattr__(self, "penalty", _per_org("penalty", self.penalty, n, low=0.0))
        object.__setattr__(self, "carrot", _per_org("carrot", self.carrot, n, low=0.0))
        object.__setattr__(self, "extortion", _per_org("extortion", self.extortion, n, low=0.0))
        object.__setattr__(
            self,
            "cost_exponent",
            check_real("cost_exponent", self.cost_exponent, low=0.0, low_open=True),
        )
        object.__setattr__(
            self, "revenue", _per_org("revenue", self.revenue, n, low=0.0, low_open=True)
        )
        for name in ("rule", "baseline"):
            if not isinstance(getattr(self, name), Rule):
                raise DeterrenceError(
                    f"{name}={getattr(self, name)!r} is not valid; expected a rule such as "
                    "dt.MostViolent(), dt.NoisyMostViolent(noise=...), dt.TopK(k=...), "
                    "dt.Priority(order=...), dt.Proportional() or dt.NoTargeting()"
                )
        if self.market is not None and not isinstance(self.market, Market):
            raise DeterrenceError(
                f"market={self.market!r} is not valid; expected dt.Market(...) or None"
            )
        if self.market is not None:
            for key in ("base", "shares"):
                val = getattr(self.market, key)
                if isinstance(val, tuple) and len(val) != n:
                    raise DeterrenceError(
                        f"market.{key} has {len(val)} entries; expected {n} (one per organization)"
                    )
        # metrics
        if self.metrics is None:
            metrics = {"violence": _readonly(np.ones(n))}
        else:
            if not isinstance(self.metrics, Mapping) or not self.metrics:
                raise DeterrenceError(
                    f"metrics={self.metrics!r} is not valid; expected a non-empty mapping "
                    "metric name -> amount per unit of violence (scalar or one per organization)"
                )
            metrics = {
                str(k): _per_org(f"metrics[{k!r}]", v, n, low=0.0) for k, v in self.metrics.items()
            }
        object.__setattr__(self, "metrics", FrozenMapping(metrics))
        for name in ("rule", "baseline"):
            r = getattr(self, name)
            w = getattr(r, "weights", None)
            if w is not None:
                unknown = sorted(set(w) - set(metrics))
                if unknown:
                    raise DeterrenceError(
                        f"{name}.weights has unknown metric(s) {unknown}; the model's metrics "
                        f"are {sorted(metrics)}"
                    )
            kernel_for(r).check(n, name)  # the rule table's model checks (k, order, ...)
            problem = per_revenue_problem(name, r, self.market)
            if problem is not None:
                raise problem[1]
        # attribution
        m = effective_attribution(n, self.attribution, self.framing)
        if self.attribution is not None:
            object.__setattr__(self, "attribution", _readonly(self.attribution))
        if self.framing is not None:
            object.__setattr__(self, "framing", _readonly(self.framing))
        m.flags.writeable = False
        object.__setattr__(self, "_M", m)
        object.__setattr__(self, "_blocks", attribution_blocks(m))
        # names
        if self.names is None:
            names = tuple(f"org{i + 1}" for i in range(n))
        else:
            if isinstance(self.names, str):
                raise DeterrenceError(f"names={self.names!r} is a string; expected {n} names")
            bad = [x for x in self.names if not isinstance(x, str)]
            if bad:
                raise DeterrenceError(
                    f"names contains {bad[0]!r} ({type(bad[0]).__name__}); expected {n} "
                    "unique strings"
                )
            names = tuple(self.names)
            if len(names) != n or len(set(names)) != n:
                raise DeterrenceError(
                    f"names={list(names)} is not valid; expected {n} unique names"
                )
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "tie_rtol", check_real("tie_rtol", self.tie_rtol, low=0.0))
        object.__setattr__(self, "title", str(self.title))
        object.__setattr__(self, "description", str(self.description).strip())

    # ------------------------------------------------------------------ derived values
    @property
    def effective_attribution(self) -> NDArray[np.float64]:
        """``M`` with ``S_j = sum_i M[i, j] z_i`` (attribution after false flags)."""
        return self._M  # type: ignore[attr-defined]

    @property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        """Attribution blocks: groups of organizations whose scores depend on each other."""
        return self._blocks  # type: ignore[attr-defined]

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of levels of each organization."""
        return tuple(len(g) for g in self.levels)

    def metric_weight(self, rule: Rule | None = None) -> NDArray[np.float64]:
        """``kappa_i``: the score per unit of violence of each organization under ``rule``
        (default the model's rule), before attribution, including the per-dollar division
        when it does not depend on the level: by the nominal ``revenue`` without a market,
        by the paid ``R * shares_i`` with fixed shares. With a contest market the revenue
        paid moves with the levels, and :meth:`raw_scores` divides level by level."""
        rule = self.rule if rule is None else rule
        w = getattr(rule, "weights", None)
        kappa = np.zeros(self.n_orgs)
        for name, mix in self.metrics.items():
            kappa += (1.0 if w is None else w.get(name, 0.0)) * mix
        if getattr(rule, "per_revenue", False):
            mk = self.market
            if mk is None:
                kappa = kappa / self.revenue
            elif not mk.contest:
                kappa = kappa / (mk.revenue * np.asarray(mk.shares, dtype=float))
        return kappa

    def raw_scores(self, rule: Rule | None = None) -> tuple[NDArray[np.float64], ...]:
        """``z_i`` at each of organization ``i``'s levels (before attribution).

        A per-dollar score (``per_revenue=True``) divides the organization's violence by the
        revenue it is actually paid: the nominal ``revenue`` without a market, ``R *
        shares_i`` with fixed shares (checked positive when the model is built) and, with a
        Tullock contest, ``R * X_i(v_i) / sum_j X_j(v_j)`` with ``X_i(v) = (a_i + v)**r``.
        The true contest score is then::

            S_i = kappa_i v_i / (R X_i(v_i) / sum_j X_j(v_j))
                = (sum_j X_j(v_j) / R) * kappa_i v_i / X_i(v_i)

        The factor ``c(v) = sum_j X_j / R > 0`` is common to every organization at a
        profile, and attribution is linear (``sum_i M[i, j] c z_i = c sum_i M[i, j] z_i``),
        so it multiplies every attributed score alike. A rule that reads only the ranking of
        the scores (most violent, top ``k`` and priority lists with ``floor <= 0`` and no
        margin; ``Proportional``, whose score shares are ratios) designates the same
        organizations from the *own-level* scores ``z_i = kappa_i v_i / X_i(v_i)`` as from
        the true ones (scores are ``>= 0``, so ``c S > 0`` exactly when ``S > 0``; ties and
        the floor use the tie tolerance on ``z``). That is exact, needs nothing but
        ``i``'s own level, and it is what is returned. It does not depend on ``R``, so
        ``R = 0`` (nobody is paid) is read as its limit ``R -> 0``. ``X_i > 0`` always
        (``a_i > 0``); were ``X_i(v_i) = 0`` the score would be defined as 0 (no violence
        per nothing paid). Rules for which the factor matters (noise, a margin, a floor
        above 0) are refused when the model is built (:func:`per_revenue_problem`).

        Examples
        --------
        Two organizations, a contest with ``R = 1``, ``r = 1`` and bases ``(0.5, 3)``; at
        levels ``(2, 1)`` the market pays ``2.5 / 6.5`` and ``4 / 6.5``, so the true
        scores are ``2 / (2.5 / 6.5) = 5.2`` and ``1 / (4 / 6.5) = 1.625``, which are
        ``6.5`` times the own-level scores ``2 / 2.5`` and ``1 / 4``:

        >>> import deterrence as dt
        >>> m = dt.TargetingModel(n_orgs=2, levels=[0, 1, 2], revenue=[10.0, 1.0],
        ...                       market=dt.Market(revenue=1.0, exponent=1.0, base=[0.5, 3.0]),
        ...                       rule=dt.MostViolent(per_revenue=True))
        >>> [z.tolist() for z in m.raw_scores()]
        [[0.0, 0.6666666666666666, 0.8], [0.0, 0.25, 0.4]]
        """
        rule = self.rule if rule is None else rule
        kappa = self.metric_weight(rule)
        mk = self.market
        if not (getattr(rule, "per_revenue", False) and mk is not None and mk.contest):
            return tuple(k * g for k, g in zip(kappa, self.levels, strict=True))
        base = np.broadcast_to(np.asarray(mk.base, dtype=float), (self.n_orgs,))
        out = []
        for k, a, g in zip(kappa, base, self.levels, strict=True):
            x = (a + g) ** mk.exponent
            z = np.divide(k * g, x, out=np.zeros_like(g), where=x > 0)  # 0/0 := 0
            out.append(z)
        return tuple(out)

    def own_payoffs(self) -> tuple[NDArray[np.float64], ...]:
        """``b_i v + x_i v - c_i v**k`` at each level: the part of the payoff that depends
        on the organization's own level only."""
        return tuple(
            (b + x) * g - c * g**self.cost_exponent
            for b, x, c, g in zip(self.benefit, self.extortion, self.cost, self.levels, strict=True)
        )

    def share_range(self) -> NDArray[np.float64]:
        """For each organization, the largest market share it can gain by violence: its
        share at its top level against everyone else at their minimum, minus its share at
        its minimum against everyone else at their top level (0 without a contest)."""
        mk = self.market
        if mk is None or not mk.contest or mk.revenue == 0:
            return np.zeros(self.n_orgs)
        base = np.broadcast_to(np.asarray(mk.base, dtype=float), (self.n_orgs,))
        lo = np.array([(a + g[0]) ** mk.exponent for a, g in zip(base, self.levels, strict=True)])
        hi = np.array([(a + g[-1]) ** mk.exponent for a, g in zip(base, self.levels, strict=True)])
        best = hi / (hi + lo.sum() - lo)
        worst = lo / (lo + hi.sum() - hi)
        return best - worst

    def violence_gain(self) -> NDArray[np.float64]:
        """The most any level of violence can gain each organization, penalty aside::

            G_i = max_v [own_i(v) - own_i(v_min)] + R * share_range_i + H_i

        (the carrot counts because violence can forfeit it). A penalty ``L_i > G_i`` for
        every organization makes violence a losing strategy whenever it gets the
        organization designated for sure.
        """
        own = self.own_payoffs()
        r = 0.0 if self.market is None else self.market.revenue
        carrot = self.carrot if self.rule.has_floor else np.zeros(self.n_orgs)
        return np.array([float(o.max() - o[0]) for o in own]) + r * self.share_range() + carrot

    def minimum_profile(self) -> tuple[int, ...]:
        """Every organization at its minimum level (index 0)."""
        return (0,) * self.n_orgs

    def maximum_profile(self) -> tuple[int, ...]:
        """Every organization at its top level."""
        return tuple(len(g) - 1 for g in self.levels)

    def total_violence(self, profile: Sequence[int] | Sequence[ArrayLike]) -> float:
        """Sum of the organizations' (expected) violence levels at a pure or mixed profile."""
        total = 0.0
        for g, a in zip(self.levels, profile, strict=True):
            total += float(g[int(a)]) if np.ndim(a) == 0 else float(np.asarray(a) @ g)
        return total

    # ------------------------------------------------------------------ games
    def game(self) -> Any:
        """The structured game (:class:`~deterrence.model.structured.TargetingGame`):
        exact deviation payoffs in time polynomial in organizations and levels, and
        ``to_normal_form()`` for small cases."""
        from .structured import TargetingGame

        return TargetingGame(self)

    def with_rule(self, rule: Rule) -> TargetingModel:
        """The same organizations under another rule."""
        return dataclasses.replace(self, rule=rule)

    def with_capacity(self, k: int) -> TargetingModel:
        """The same organizations with the announced ranking pursuing the ``k`` top scores
        (:class:`~deterrence.TopK`) instead of one: the rule's scoring, ties and floor
        kept (a :class:`~deterrence.MostViolent` without a margin, or a ``TopK``).

        Examples
        --------
        >>> import deterrence as dt
        >>> m = dt.TargetingModel(n_orgs=3, levels=[0, 1], rule=dt.MostViolent(floor=0.5))
        >>> m.with_capacity(2).rule.describe()
        'designate the 2 most violent (ties split, floor 0.5)'
        """
        from .rules import MostViolent, TopK

        rule = self.rule
        if isinstance(rule, TopK):
            return self.with_rule(dataclasses.replace(rule, k=k))
        if not isinstance(rule, MostViolent) or rule.margin > 0:
            raise DeterrenceError(
                f"capacity k={k} needs a most-violent rule without a margin (or top_k); the "
                f"rule is {rule.describe()!r}"
            )
        fields = {f: getattr(rule, f) for f in ("weights", "per_revenue", "ties", "floor")}
        return self.with_rule(TopK(k=k, **fields))

    # ------------------------------------------------------------------ diagnostics
    def score_ranges(self, rule: Rule | None = None) -> Any:
        """Can the rule discriminate? Each organization's own score range, attribution aside.

        Columns ``min_score``/``max_score`` (its score at its lowest and highest level),
        ``always_top`` (its *lowest* score beats every other organization's highest: it is
        ranked first whatever anyone does, so a most-violent threat gives it no reason to
        change, and gives the others none either) and ``never_top`` (some other
        organization's lowest score beats its highest: it can never be ranked first).
        With ``per_revenue=True`` a small organization whose minimum violence is
        positive is typically ``always_top``: violence per dollar then cannot discriminate.

        Examples
        --------
        >>> import deterrence as dt
        >>> m = dt.TargetingModel(n_orgs=2, levels=[[1, 2], [0, 5]], revenue=[0.1, 10],
        ...                       rule=dt.MostViolent(per_revenue=True))
        >>> m.score_ranges()[["min_score", "max_score", "always_top"]].to_numpy().tolist()
        [[10.0, 20.0, True], [0.0, 0.5, False]]
        """
        import pandas as pd

        z = self.raw_scores(rule)
        lo = np.array([s.min() for s in z])
        hi = np.array([s.max() for s in z])
        rows = []
        for i in range(self.n_orgs):
            others = np.arange(self.n_orgs) != i
            always = bool(others.any() and lo[i] > hi[others].max())
            never = bool(others.any() and hi[i] < lo[others].max())
            rows.append(
                {
                    "organization": self.names[i],
                    "min_score": float(lo[i]),
                    "max_score": float(hi[i]),
                    "always_top": always,
                    "never_top": never,
                }
            )
        return pd.DataFrame(rows)

    def to_dataframe(self) -> Any:
        """One row per organization with its parameters."""
        import pandas as pd

        data: dict[str, Any] = {
            "organization": list(self.names),
            "levels": [f"{g[0]:g}..{g[-1]:g} ({len(g)})" for g in self.levels],
            "benefit": self.benefit,
            "extortion": self.extortion,
            "cost": self.cost,
            "penalty": self.penalty,
            "carrot": self.carrot,
            "revenue": self.revenue,
            "score_weight": self.metric_weight(),
        }
        if self.market is not None and self.market.contest:
            data["market_base"] = np.broadcast_to(
                np.asarray(self.market.base, dtype=float), (self.n_orgs,)
            )
        if self.market is not None and not self.market.contest:
            data["market_share"] = self.market.shares
        return pd.DataFrame(data)

    def describe(self) -> str:
        """A few lines for reports."""
        lines = [self.title] if self.title else []
        g0 = self.levels[0]
        if all(np.array_equal(g, g0) for g in self.levels):
            grid = f"{len(g0)} violence levels {g0[0]:g}..{g0[-1]:g}"
        else:
            grid = "levels " + ", ".join(f"{g[0]:g}..{g[-1]:g}" for g in self.levels)
        lines.append(f"{self.n_orgs} organizations ({', '.join(self.names)}), {grid}")
        lines.append(f"rule: {self.rule.describe()}; baseline: {self.baseline.describe()}")
        if self.market is not None:
            lines.append(f"market: {self.market.describe()}")
        if len(self.blocks) < self.n_orgs or not np.allclose(self._M, np.eye(self.n_orgs)):  # type: ignore[attr-defined]
            what = "false flags" if self.framing is not None else "misattribution"
            lines.append(
                f"attribution: {what}; blocks "
                + ", ".join("{" + ", ".join(self.names[i] for i in b) + "}" for b in self.blocks)
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        n_levels = set(self.shape)
        lv = f"{n_levels.pop()} levels" if len(n_levels) == 1 else f"levels {self.shape}"
        t = f"{self.title!r}, " if self.title else ""
        return f"TargetingModel({t}{self.n_orgs} organizations, {lv}, rule: {self.rule.describe()})"

    def _repr_html_(self) -> str:
        head = "<br>".join(self.describe().splitlines())
        return f"<p><b>TargetingModel</b><br>{head}</p>" + self.to_dataframe().to_html(index=False)
