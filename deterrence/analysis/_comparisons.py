"""The main job's comparisons on a calibrated scenario (``dt.analyze`` on ``mexico-2010``).

Every section of :class:`MainJob` is computed here; :mod:`deterrence.analysis.report`
assembles and formats them, :mod:`deterrence.analysis._outputs` writes them to disk.

1. **The franchise penalty.** :func:`~deterrence.solve_campaign` on
   ``dt.Campaign(model, destroy=p, discount=d)`` (``p`` the preset's
   ``penalty.designation_success``, ``d`` its ``campaign.discount``) gives each organization's
   value ``V_i`` at the start (every organization standing). A designated organization is
   destroyed with probability ``p`` and then loses that continuation, so in the stage game
   the campaign's deterrent is the one-shot penalty ``L_i = d p V_i`` (the campaign's
   deviation values ``u_i(a) + d sum_S' P(S' | a) V_i(S')`` differ between designated and
   not by exactly ``d p V_i(S0)``). The announced rule is judged with that penalty; the
   preset's fixed fine (one year of U.S. revenue times ``p``) is reported beside it.
2. **The campaign round by round**: :func:`~deterrence.run_campaign` under the stationary
   equilibrium (seeded), with the preset's vacuum upsurge added: after an organization is
   destroyed, killings in its territory rise by ``vacuum`` (36.5%, Calderon et al. 2015) of
   its last level for ``vacuum_periods`` (6) months.
3. **The transition from the status quo**: the same campaign (same equilibrium values) under
   best-response dynamics, :func:`~deterrence.run_campaign` with ``policy="dynamics"``
   started from the status quo (``start=`` the race's ``baseline_levels``, the killings of
   the month before the announcement): each month every survivor best-responds to the
   previous month's levels, valuing the future with the campaign's equilibrium values. The
   stationary equilibrium restrains from month 0, so section 2 shows the end state; this
   shows the path to it from today's violence (its own seed, vacuum as in section 2).
4. **"Any target will do"**: the same campaign with the target drawn uniformly at random
   among the survivors, independent of violence. Exact shortcut: when the designation
   probability does not depend on anyone's violence, neither does the continuation, so the
   stage game of every state is the no-targeting game among its survivors (a Tullock contest
   for the whole revenue) and each state's play is its status quo. Simulated with the
   campaign's own state machine (:meth:`~deterrence.Campaign.next_state`), same seeds.
5. **Attribution noise**: the announced rule replaced by
   :class:`~deterrence.NoisyMostViolent` at a few noise levels (in killings a month) and
   :func:`~deterrence.critical_noise`.
6. **Demand reduction for the same effect**: the fall ``1 - f`` in market revenue (``R ->
   f R``, no targeting) at which the status quo's killings fall to the policy's level (plus
   half a grid step: the status quo is a step function of ``f``), by ``scipy.optimize.brentq``
   on ``f``.
7. **Uncertainty bands**: a Latin hypercube (:func:`~deterrence.sweep`, ``design="lhs"``)
   over the preset's ``[ranges]`` (calibrated costs and the flagged assumptions); each point
   re-solves the status quo and the race. The franchise value in a sample is the
   restraint value ``V_i = u_i(minimum) / (1 - d)`` (what :func:`~deterrence.solve_campaign`
   returns when every organization restrains, checked against it at the point estimate);
   where a sample's race is not full that value overstates the franchise.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._frozen import FrozenMapping
from ..errors import DeterrenceError
from ..model.rules import NoisyMostViolent, NoTargeting
from ..model.targeting import TargetingModel

__all__ = ["DEFAULT_NOISE_KILLINGS", "BandPoint", "MainJob", "main_job"]

#: Attribution noise levels of the noise table, in killings a month (the error's scale).
DEFAULT_NOISE_KILLINGS = (10.0, 50.0, 200.0, 800.0)
#: Default discount factor when the scenario's [campaign] table states none.
DEFAULT_DISCOUNT = 0.99
#: Default destruction probability when the scenario states no designation_success.
DEFAULT_DESTROY = 0.5


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, kw_only=True, eq=False)
class MainJob:
    """The main job's sections (module docstring), in real units.

    Attributes
    ----------
    killings_per_unit
        Killings a month per unit of the violence index.
    status_quo_killings_per_month, policy_killings_per_month
        Total killings a month at the status quo and under the announced rule with the
        franchise penalty (the race's end point).
    fixed_fine_killings_per_month, fixed_fine_grade
        The same with the preset's fixed fine instead.
    destroy, discount
        Destruction probability of a designated organization and the monthly discount.
    franchise
        Per organization: ``franchise_value`` (``V_i``, US$ bn), ``franchise_penalty``
        (``d p V_i``), ``fixed_fine``, ``restraint_value`` (``u_i(min)/(1-d)``).
    campaign, random_campaign, transition
        Per round: killings a month (``mean``, ``p10``, ``p90`` over runs, vacuum
        included), ``vacuum`` (mean), ``designations``, ``destructions``, ``survivors``
        (means) and ``designated`` (the most frequently designated organization). The
        campaign under its stationary equilibrium, with a random target, and under
        best-response dynamics from the status quo (module docstring, items 2-4).
    noise
        Per noise level: ``noise_killings``, ``noise`` (index units), ``killings_per_month``,
        ``grade``, ``reduction_share``, ``designations``.
    critical_noise
        The :class:`~deterrence.Threshold` of the largest noise with a full race, or None.
    demand
        ``revenue_fall`` (share of revenue that must go), ``target_killings_per_month``,
        ``achieved_killings_per_month``, ``found``, ``message``.
    bands
        Per quantity: ``point``, ``p10``, ``median``, ``p90``.
    samples
        The Latin-hypercube table (:func:`~deterrence.sweep`), or None.
    assumptions
        Key path -> source entry of every number flagged proxy / assumption / calibrated /
        derived.
    sources
        Key path -> source of every published number.
    timings
        Section -> seconds.
    """

    killings_per_unit: float
    status_quo_killings_per_month: float
    policy_killings_per_month: float
    grade: str
    reduction_share: float
    fixed_fine_killings_per_month: float
    fixed_fine_grade: str
    destroy: float
    discount: float
    franchise: Any
    campaign_converged: bool
    campaign: Any
    random_campaign: Any
    transition: Any
    campaign_runs: int
    campaign_rounds: int
    vacuum: float
    vacuum_periods: int
    noise: Any
    critical_noise: Any
    demand: Mapping[str, Any]
    bands: Any
    samples: Any
    assumptions: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    timings: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("demand", "assumptions", "sources", "timings"):
            object.__setattr__(self, name, FrozenMapping(dict(getattr(self, name))))


@dataclass(frozen=True, kw_only=True)
class BandPoint:
    """One point of the uncertainty sample: the model and the campaign's assumptions
    (the frozen base that :func:`~deterrence.sweep` varies by dotted path)."""

    model: TargetingModel
    designation_success: float = DEFAULT_DESTROY
    discount: float = DEFAULT_DISCOUNT


# ----------------------------------------------------------------------------- helpers
def _quiet(rule_model: TargetingModel) -> TargetingModel:
    return dataclasses.replace(rule_model, rule=NoTargeting())


def status_quo_violence(model: TargetingModel) -> float:
    """Total violence of the status quo (no targeting; sequential best responses from the
    minimum, as :func:`~deterrence.race_to_the_bottom` selects it)."""
    from .race import race_to_the_bottom

    return race_to_the_bottom(_quiet(model), equilibria=False, mixed="none").baseline_violence


def restraint_values(model: TargetingModel, discount: float) -> np.ndarray:
    """``u_i(minimum) / (1 - d)``: each organization's value when everyone restrains for
    ever (nobody is designated at the minimum under a most-violent rule with floor 0)."""
    game = _quiet(model).game()
    pay = game.pure_components(np.array([model.minimum_profile()], dtype=np.intp))["payoff"][0]
    return np.asarray(pay, dtype=float) / (1.0 - discount)


def franchise_model(model: TargetingModel, penalty: Any) -> TargetingModel:
    """The model with the campaign's franchise penalty ``d p V_i`` as its stage penalty."""
    return dataclasses.replace(model, penalty=np.asarray(penalty, dtype=float))


def _band_outcome(point: BandPoint, rng: np.random.Generator) -> dict[str, Any]:
    """One uncertainty sample: status quo and the race under the restraint franchise."""
    from .race import race_to_the_bottom

    m = point.model
    d, p = float(point.discount), float(point.designation_success)
    pen = d * p * restraint_values(m, d)
    rep = race_to_the_bottom(franchise_model(m, pen), equilibria=False, mixed="none")
    share = rep.reduction_share
    return {
        "status_quo_violence": rep.baseline_violence,
        "policy_violence": rep.policy_violence,
        "reduction_share": float(share) if math.isfinite(share) else np.nan,
        "grade": rep.grade,
    }


def _range_axes(model: TargetingModel, ranges: Mapping[str, Sequence[float]]) -> dict[str, Any]:
    """``[ranges]`` keys -> dotted paths of :class:`BandPoint`."""
    axes: dict[str, Any] = {}
    for key, (lo, hi) in ranges.items():
        if key.startswith("cost."):
            name = key.split(".", 1)[1]
            if name not in model.names:
                raise DeterrenceError(
                    f"ranges.{key} names organization {name!r}; expected one of {model.names}"
                )
            path = f"model.cost[{model.names.index(name)}]"
        elif key == "market.exponent":
            if model.market is None:
                continue
            path = "model.market.exponent"
        elif key == "penalty.designation_success":
            path = "designation_success"
        elif key == "campaign.discount":
            path = "discount"
        else:
            continue  # a range the main job does not sample (listed in the report)
        if hi > lo:
            axes[path] = (float(lo), float(hi))
    return axes


def _per_round(frame: Any, kpu: float, runs: int, vacuum: float, periods: int) -> Any:
    """Per round over runs: killings a month (mean, 10-90%), vacuum, designations,
    destructions, survivors, most designated organization."""
    import pandas as pd

    per = frame.groupby(["run", "round"]).agg(
        violence=("violence", "sum"),
        designations=("designated", "sum"),
        destructions=("destroyed", "sum"),
        survivors=("active", "sum"),
    )
    per["vacuum"] = _vacuum(frame, per.index, vacuum, periods)
    per["killings"] = kpu * (per["violence"] + per["vacuum"])
    per["vacuum_killings"] = kpu * per["vacuum"]
    g = per.groupby("round")
    out = pd.DataFrame(
        {
            "killings_mean": g["killings"].mean(),
            "killings_p10": g["killings"].quantile(0.1),
            "killings_p90": g["killings"].quantile(0.9),
            "vacuum_killings": g["vacuum_killings"].mean(),
            "designations": g["designations"].mean(),
            "destructions": g["destructions"].mean(),
            "survivors": g["survivors"].mean(),
        }
    )
    des = frame[frame["designated"]]
    top = (
        des.groupby("round")["organization"].agg(lambda s: s.value_counts().index[0])
        if len(des)
        else pd.Series(dtype=object)
    )
    share = (
        des.groupby("round")["organization"].agg(lambda s: s.value_counts().iloc[0] / runs)
        if len(des)
        else pd.Series(dtype=float)
    )
    out["designated"] = top.reindex(out.index).fillna("nobody")
    out["designated_share"] = share.reindex(out.index).fillna(0.0)
    out.index.name = "round"
    return out.reset_index()


def _vacuum(frame: Any, index: Any, vacuum: float, periods: int) -> np.ndarray:
    """The preset's vacuum upsurge per ``(run, round)`` of ``index`` (index units):
    ``vacuum`` x the destroyed organization's level in its last round, in each of the
    ``periods`` rounds after its destruction."""
    add = np.zeros(len(index))
    hits = frame[frame["destroyed"]]
    if hits.empty or vacuum == 0:
        return add
    pos = {k: i for i, k in enumerate(index)}
    for r in hits.itertuples():
        for t in range(int(r.round) + 1, int(r.round) + 1 + periods):
            k = pos.get((r.run, t))
            if k is not None:
                add[k] += vacuum * float(r.violence)
    return add


def _random_target_runs(camp: Any, *, rounds: int, runs: int, seed: np.random.SeedSequence) -> Any:
    """The campaign with the target drawn uniformly among the survivors (module docstring,
    item 4): every state's play is the no-targeting status quo of its survivors."""
    import pandas as pd

    from .race import race_to_the_bottom

    cache: dict[int, tuple[np.ndarray, tuple[int, ...]]] = {}

    def play(s: int) -> tuple[np.ndarray, tuple[int, ...]]:
        if s not in cache:
            info = camp.state_info(s)
            sub = camp.stage(s).sub.model
            rep = race_to_the_bottom(_quiet(sub), equilibria=False, mixed="none")
            cache[s] = (np.asarray(rep.baseline_levels, dtype=float), tuple(info["active"]))
        return cache[s]

    p_all = np.asarray(camp.destroy, dtype=float)
    names = camp.player_names
    rows = []
    min_surv = camp.stop.min_survivors
    for run, child in enumerate(seed.spawn(runs)):
        rng = np.random.default_rng(child)
        s = camp.initial_state
        for t in range(rounds):
            levels, active = play(s)
            designated = destroyed = None
            if len(active) > min_surv:
                designated = active[int(rng.integers(len(active)))]
                if rng.random() < p_all[designated]:
                    destroyed = designated
            for k, i in enumerate(active):
                rows.append(
                    (run, t, names[i], True, float(levels[k]), designated == i, destroyed == i)
                )
            if designated is not None:
                s = camp.next_state(
                    s, designated=designated, destroyed=destroyed is not None, splinter=False
                )
    return pd.DataFrame(
        rows,
        columns=["run", "round", "organization", "active", "violence", "designated", "destroyed"],
    )


def _demand_reduction(
    model: TargetingModel, target: float, step: float, status_quo: float
) -> dict[str, Any]:
    """Share of market revenue that must go (no policy) for the status quo's violence to
    fall to ``target`` (module docstring, item 6)."""
    from scipy.optimize import brentq

    if model.market is None or model.market.revenue <= 0:
        return {"found": False, "message": "no market revenue to reduce", "revenue_fall": None}
    if target >= status_quo - 1e-12:
        return {
            "found": False,
            "revenue_fall": 0.0,
            "message": "the policy does not lower killings: no demand reduction needed",
        }
    goal = target + 0.5 * step
    R = model.market.revenue

    def excess(f: float) -> float:
        m = dataclasses.replace(model, market=dataclasses.replace(model.market, revenue=f * R))
        return status_quo_violence(m) - goal

    lo = 1e-6
    if excess(lo) > 0:
        return {
            "found": False,
            "revenue_fall": None,
            "message": "even a 99.9999% fall in revenue keeps killings above the policy's",
        }
    f = brentq(excess, lo, 1.0, xtol=1e-12, rtol=1e-6, maxiter=100)
    # the status quo is a step function of f: take the side of the jump that reaches the goal
    for _ in range(50):
        if excess(f) <= 0:
            break
        f *= 1.0 - 1e-5
    m = dataclasses.replace(model, market=dataclasses.replace(model.market, revenue=f * R))
    return {
        "found": True,
        "revenue_fall": 1.0 - f,
        "revenue_share_left": f,
        "achieved_violence": status_quo_violence(m),
        "message": "brentq on the revenue factor f (status quo as a function of f R, no targeting)",
    }


# ----------------------------------------------------------------------------- main job
def main_job(
    model: TargetingModel,
    scenario: Any,
    race: Any,
    *,
    samples: int,
    runs: int,
    rounds: int,
    noise_killings: Sequence[float],
    rng: Any,
    progress: bool,
    executor: Any = None,
    max_iter: int = 100_000,
) -> tuple[MainJob, Any, Any]:
    """Run the main job's sections on ``model`` (the scenario's fixed-fine model, whose race
    is ``race``). Returns ``(MainJob, franchise_race, franchise_model)``."""
    import time

    import pandas as pd

    from .._scenario_meta import FLAGS
    from ..model.campaign import Campaign
    from ..sweeps import sweep
    from .campaign import run_campaign, solve_campaign
    from .race import race_to_the_bottom
    from .thresholds import critical_noise

    units = scenario.units
    kpu = float(units.killings_per_month(1.0))
    camp_meta = dict(scenario.campaign)
    d = float(camp_meta.get("discount", DEFAULT_DISCOUNT))
    p = _designation_success(scenario)
    vacuum = float(camp_meta.get("vacuum", 0.0))
    vac_n = int(camp_meta.get("vacuum_periods", 1))
    ss = rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng)
    # children 0-2 as before the transition was added (spawn(4) keeps their seeds)
    seeds = ss.spawn(4)
    timings: dict[str, float] = {}
    bar = _bar(progress, total=7)

    def step(name: str, t0: float) -> float:
        timings[name] = time.perf_counter() - t0
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(name)
        return time.perf_counter()

    t = time.perf_counter()
    # 1. the franchise penalty
    camp = Campaign(model, destroy=p, discount=d, vacuum=False)
    sol = solve_campaign(camp)
    V = np.asarray(sol.values[camp.initial_state][: model.n_orgs], dtype=float)
    pen = d * p * V
    fmodel = franchise_model(model, pen)
    frace = race_to_the_bottom(fmodel, equilibria=False, mixed="none", max_iter=max_iter)
    franchise = pd.DataFrame(
        {
            "organization": list(model.names),
            "franchise_value": V,
            "franchise_penalty": pen,
            "fixed_fine": np.asarray(model.penalty, dtype=float),
            "restraint_value": restraint_values(model, d),
            "status_quo_killings": kpu * np.asarray(frace.baseline_levels),
            "policy_killings": kpu * np.asarray(frace.policy_levels),
        }
    )
    t = step("franchise", t)

    # 2. the campaign round by round
    out = run_campaign(camp, rounds=rounds, runs=runs, rng=seeds[0], progress=False, solution=sol)
    campaign = _per_round(out.to_dataframe(), kpu, runs, vacuum, vac_n)
    t = step("campaign", t)

    # 3. the transition from the status quo
    tout = run_campaign(
        camp,
        rounds=rounds,
        runs=runs,
        rng=seeds[3],
        progress=False,
        solution=sol,
        policy="dynamics",
        start=frace.baseline_levels,
    )
    transition = _per_round(tout.to_dataframe(), kpu, runs, vacuum, vac_n)
    t = step("transition", t)

    # 4. any target will do
    rframe = _random_target_runs(camp, rounds=rounds, runs=runs, seed=seeds[1])
    random_campaign = _per_round(rframe, kpu, runs, vacuum, vac_n)
    t = step("random target", t)

    # 5. attribution noise
    rows = []
    for nk in noise_killings:
        s = float(nk) / kpu
        nm = dataclasses.replace(fmodel, rule=_noisy(fmodel.rule, s))
        rep = race_to_the_bottom(nm, equilibria=False, mixed="none", max_iter=max_iter)
        rows.append(
            {
                "noise_killings": float(nk),
                "noise": s,
                "killings_per_month": kpu * rep.policy_violence,
                "grade": rep.grade,
                "reduction_share": rep.reduction_share,
                "designations": rep.designations,
            }
        )
    noise = pd.DataFrame(
        rows,
        columns=[
            "noise_killings",
            "noise",
            "killings_per_month",
            "grade",
            "reduction_share",
            "designations",
        ],
    )
    crit = None
    if frace.verdict == "full":
        crit = critical_noise(fmodel, n_scan=6, xtol=0.05, max_iter=max_iter, executor=executor)
    t = step("noise", t)

    # 6. demand reduction for the same effect
    levels = model.levels
    grid_step = min(float(np.min(np.diff(lv))) for lv in levels if len(lv) > 1)
    dem = _demand_reduction(model, frace.policy_violence, grid_step, frace.baseline_violence)
    dem["target_killings_per_month"] = kpu * frace.policy_violence
    if "achieved_violence" in dem:
        dem["achieved_killings_per_month"] = kpu * dem.pop("achieved_violence")
    t = step("demand", t)

    # 7. uncertainty bands
    table = None
    qs = ["status_quo_killings_per_month", "policy_killings_per_month", "reduction_share"]
    point = {
        "status_quo_killings_per_month": kpu * frace.baseline_violence,
        "policy_killings_per_month": kpu * frace.policy_violence,
        "reduction_share": frace.reduction_share,
    }
    band_rows = []
    if samples > 0:
        axes = _range_axes(model, scenario.ranges)
        base = BandPoint(model=model, designation_success=p, discount=d)
        table = sweep(
            base,
            axes,
            design="lhs",
            samples=samples,
            outcome=_band_outcome,
            executor=executor,
            rng=seeds[2],
            progress=progress,
        )
        table["status_quo_killings_per_month"] = kpu * table["status_quo_violence"]
        table["policy_killings_per_month"] = kpu * table["policy_violence"]
    for q in qs:
        col = None if table is None else table[q].to_numpy(dtype=float)
        col = None if col is None else col[np.isfinite(col)]
        has = col is not None and col.size > 0
        band_rows.append(
            {
                "quantity": q,
                "point": float(point[q]),
                "p10": float(np.quantile(col, 0.1)) if has else np.nan,
                "median": float(np.quantile(col, 0.5)) if has else np.nan,
                "p90": float(np.quantile(col, 0.9)) if has else np.nan,
                "samples": int(col.size) if has else 0,
            }
        )
    if table is not None:
        grades = table["grade"].value_counts()
        for g, c in grades.items():
            band_rows.append(
                {
                    "quantity": f"share of samples graded {g}",
                    "point": float(frace.grade == g),
                    "p10": np.nan,
                    "median": float(c) / len(table),
                    "p90": np.nan,
                    "samples": len(table),
                }
            )
    bands = pd.DataFrame(band_rows)
    step("bands", t)
    if bar is not None:
        bar.close()

    assumptions = {k: v for k, v in scenario.sources.items() if v.strip().lower().startswith(FLAGS)}
    published = {k: v for k, v in scenario.sources.items() if k not in assumptions}
    fixed = race
    job = MainJob(
        killings_per_unit=kpu,
        status_quo_killings_per_month=kpu * frace.baseline_violence,
        policy_killings_per_month=kpu * frace.policy_violence,
        grade=frace.grade,
        reduction_share=frace.reduction_share,
        fixed_fine_killings_per_month=kpu * fixed.policy_violence,
        fixed_fine_grade=fixed.grade,
        destroy=p,
        discount=d,
        franchise=franchise,
        campaign_converged=bool(sol.converged),
        campaign=campaign,
        random_campaign=random_campaign,
        transition=transition,
        campaign_runs=runs,
        campaign_rounds=rounds,
        vacuum=vacuum,
        vacuum_periods=vac_n,
        noise=noise,
        critical_noise=crit,
        demand=dem,
        bands=bands,
        samples=table,
        assumptions=assumptions,
        sources=published,
        timings=timings,
    )
    return job, frace, fmodel


def _designation_success(scenario: Any) -> float:
    """The preset's ``penalty.designation_success`` (the campaign's destruction
    probability), from the source table's number when present."""
    val = getattr(scenario, "penalty_options", None)
    if isinstance(val, Mapping) and "designation_success" in val:
        return float(val["designation_success"])
    data = getattr(scenario, "data", {}) or {}
    if "designation_success" in data:
        return float(data["designation_success"])
    return _read_designation_success(scenario.name)


def _read_designation_success(name: str) -> float:
    """``[penalty] designation_success`` of a shipped preset or a TOML file."""
    import tomllib
    from importlib import resources
    from pathlib import Path

    path = Path(name)
    if path.is_file():
        text = path.read_text("utf-8")
    else:
        res = resources.files("deterrence") / "presets" / f"{name}.toml"
        if not res.is_file():
            return DEFAULT_DESTROY
        text = res.read_text("utf-8")
    pen = tomllib.loads(text).get("penalty", {})
    if isinstance(pen, Mapping) and "designation_success" in pen:
        return float(pen["designation_success"])
    return DEFAULT_DESTROY


def _noisy(rule: Any, noise: float) -> NoisyMostViolent:
    """The announced rule with logit attribution noise, built as
    :func:`~deterrence.critical_noise` builds it (the rule's floor becomes a "designate
    nobody" option measured with the same noise), so the table and the threshold agree."""
    from .thresholds import _noisy_rule

    return _noisy_rule(rule, noise, "logit")


def _bar(progress: bool, total: int) -> Any:
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="main job", unit="step")
