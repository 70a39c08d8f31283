"""``dt.analyze``: the full report on a policy scenario, as a library call.

:func:`analyze` decides everything ``deterrence analyze`` reports — the race to the bottom
(:func:`~deterrence.race_to_the_bottom`), which critical values apply and at which penalty
scale the noise tolerance is measured, and who gains from false flags — and returns an
:class:`AnalysisReport`. The command line only formats it (``summary()`` for the text,
``to_dict()`` for ``--json``); notebooks use ``to_dataframe()`` and the HTML view.

Which thresholds, and where (skipped for a model whose policy designates nobody):

1. :func:`~deterrence.critical_penalty` — the smallest penalty scale with a full race;
2. :func:`~deterrence.equilibrium_penalty` — the scale from which everyone at the minimum is
   an equilibrium (reported only when found);
3. :func:`~deterrence.critical_noise` — the largest attribution noise that keeps a full
   race, at the scenario's penalties when they already give one, else at 1.25 times the
   critical penalty scale (how much noise a full race tolerates once the penalty is large
   enough to produce one); not applicable to rules without a noise parameter;
4. :func:`~deterrence.critical_revenue` — with a contest market, the largest revenue that
   keeps a full race.

The main job (``main=True``, automatic for a scenario that states its units in killings
and has a market: the calibrated ``mexico-2010`` presets). The policy is judged with the
penalty the campaign solves for — the franchise a designated organization loses — and the
report adds, in real units: killings a month at the status quo and under the announced
rule (and with the preset's fixed fine, for comparison); the campaign round by round; the
transition from the status quo (the same campaign under best-response dynamics started
from the no-policy levels); the campaign with a target drawn at random; attribution noise;
the demand reduction that would do as much; the 10th-90th percentile bands of a Latin
hypercube over the preset's ranges; the assumptions and sources
(:mod:`deterrence.analysis._comparisons`). Its only threshold is the critical noise (the
other searches take minutes on a 7 x 161 game; call :func:`~deterrence.critical_penalty`
and friends directly).
"""

from __future__ import annotations

import dataclasses
import math
import os
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np

from .._executor import check_executor
from .._frozen import FrozenMapping
from .._report import jsonable, text_table
from .._validation import check_choice, check_int
from ..errors import DeterrenceError, UnsupportedGameError
from ..model.rules import NoTargeting
from ..model.targeting import TargetingModel
from ._comparisons import DEFAULT_NOISE_KILLINGS, MainJob
from .race import MIXED, RaceReport, framing_gains, race_to_the_bottom
from .thresholds import (
    Threshold,
    critical_noise,
    critical_penalty,
    critical_revenue,
    equilibrium_penalty,
)

__all__ = ["AnalysisReport", "analyze"]

#: Multiple of the critical penalty scale at which the noise tolerance is measured when the
#: scenario's own penalties give no full race.
NOISE_PENALTY_FACTOR = 1.25


@dataclass(frozen=True, eq=False, kw_only=True)
class AnalysisReport:
    """What :func:`analyze` found: the race, its critical values and the false flags.

    Attributes
    ----------
    model
        The model analysed (its ``rule`` is the policy).
    race
        The :class:`~deterrence.RaceReport`: verdict, dynamics, equilibria, per
        organization levels and payoffs.
    thresholds
        The critical values computed, in report order (see the module docstring); one whose
        ``applicable`` is False says in its ``message`` why it does not apply.
    framing_gains
        :func:`~deterrence.framing_gains` as a DataFrame when the model has a framing matrix,
        else ``None``.
    source
        The scenario name or file the model came from (``None`` for a model passed in).
    parameters
        The options :func:`analyze` was called with.
    main
        The main job's sections in real units (:class:`MainJob`), or ``None``. With it,
        ``race`` is the race under the campaign's franchise penalty and ``model`` carries
        that penalty.
    scenario
        The loaded :class:`~deterrence.Scenario` (units, sources, ranges) of a named or file
        scenario, else ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 5), penalty=2.0)
    >>> rep = dt.analyze(model, mixed="none")
    >>> rep
    AnalysisReport(verdict='full', violence 3 -> 0, 3 thresholds)
    >>> [t.parameter for t in rep.thresholds]
    ['penalty scale', 'penalty scale', 'logit noise']
    >>> round(rep.thresholds[0].value, 2)   # L* = max(N b delta, b v_max) = 1 = 0.5 x 2
    0.5
    >>> rep.to_dict()["verdict"]
    'full'
    """

    model: TargetingModel
    race: RaceReport
    thresholds: tuple[Threshold, ...] = ()
    framing_gains: Any = None
    source: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    main: MainJob | None = None
    scenario: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "thresholds", tuple(self.thresholds))
        object.__setattr__(self, "parameters", FrozenMapping(dict(self.parameters)))

    # ---------------------------------------------------------------- views
    @property
    def verdict(self) -> str:
        """The race-to-the-bottom verdict (``"full"``, ``"partial"``, ``"none"``,
        ``"escalation"``)."""
        return self.race.verdict

    @property
    def grade(self) -> str:
        """The graded verdict (:data:`~deterrence.analysis.race.GRADES`)."""
        return self.race.grade

    @property
    def status_quo_killings_per_month(self) -> float | None:
        """Killings a month at the status quo (``None`` without a killings scale)."""
        return None if self.main is None else self.main.status_quo_killings_per_month

    @property
    def policy_killings_per_month(self) -> float | None:
        """Killings a month under the announced rule (``None`` without a killings scale)."""
        return None if self.main is None else self.main.policy_killings_per_month

    @property
    def title(self) -> str:
        """The model's title."""
        return self.model.title

    @property
    def context(self) -> str:
        """The lines printed under the title: the model's description without its rule (the
        rule is printed as the policy), then the scenario's prose, wrapped."""
        model = self.model
        desc = [ln for ln in model.describe().splitlines() if not ln.startswith("rule: ")]
        text = "\n".join(desc[1:] if model.title else desc)
        if model.description:
            text += "\n\n" + textwrap.fill(" ".join(model.description.split()), width=92)
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (plain Python types): the race's :meth:`~deterrence.RaceReport.to_dict`
        plus ``scenario``, ``thresholds`` and ``framing_gains``. What
        ``deterrence analyze --json`` prints."""
        out = self.race.to_dict()
        out["scenario"] = {
            "source": self.source,
            "summary": self.model.describe(),
            "description": self.model.description,
        }
        out["thresholds"] = [t.to_dict() if t.applicable else t.message for t in self.thresholds]
        out["framing_gains"] = (
            None if self.framing_gains is None else self.framing_gains.to_dict(orient="records")
        )
        if self.main is not None:
            from ._outputs import main_dict

            out.update(main_dict(self))
        return _clean(jsonable(out))

    def to_dataframe(self) -> Any:
        """One row per organization: the race's table (levels, designation, penalty, payoffs)
        and, with false flags, each organization's payoff gain from them."""
        df = self.race.to_dataframe()
        if self.framing_gains is not None:
            gains = self.framing_gains[
                ["organization", "payoff_gain", "designation_with_framing", "designation_without"]
            ]
            df = df.merge(gains, on="organization", how="left")
        return df

    def thresholds_dataframe(self) -> Any:
        """One row per threshold: parameter, kind, value, found, applicable, message."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "parameter": t.parameter,
                    "kind": t.kind,
                    "value": t.value,
                    "found": t.found,
                    "applicable": t.applicable,
                    "message": t.message,
                }
                for t in self.thresholds
            ],
            columns=["parameter", "kind", "value", "found", "applicable", "message"],
        )

    def summary(self) -> str:
        """The readable report, exactly what ``deterrence analyze`` prints."""
        if self.main is not None:
            from ._outputs import main_summary

            return main_summary(self)
        return self.base_summary()

    def base_summary(self) -> str:
        """The race, its critical values and the false flags (the report without the main
        job's sections)."""
        lines = [self.race.summary(self.context)]
        if self.thresholds:
            lines.append("")
            lines.append("critical values (bisection on the verdict of the dynamics):")
            lines.extend("  - " + t.describe() for t in self.thresholds)
        gains = self.framing_gains
        if gains is not None:
            lines.append("")
            lines.append("false flags: who gains (outcome with the framing matrix minus without):")
            lines.append(
                text_table(
                    ["organization", "payoff gain", "P(designated) with", "without"],
                    [
                        [
                            r.organization,
                            f"{r.payoff_gain:+.4g}",
                            f"{r.designation_with_framing:.3f}",
                            f"{r.designation_without:.3f}",
                        ]
                        for r in gains.itertuples()
                    ],
                )
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        r = self.race
        return (
            f"AnalysisReport(verdict={r.verdict!r}, violence {r.baseline_violence:.4g} -> "
            f"{r.policy_violence:.4g}, {len(self.thresholds)} thresholds)"
        )

    def write(self, out: str | os.PathLike[str]) -> dict[str, str]:
        """Write the tables (CSV and Parquet), figures (PNG) and one self-contained HTML
        report to the folder ``out`` (each file written atomically); returns name -> path.
        What ``deterrence analyze --out DIR`` does."""
        from ._outputs import write_outputs

        return write_outputs(self, out)

    def _repr_html_(self) -> str:
        r = self.race
        title = f"<h4>{escape(self.title)}</h4>" if self.title else ""
        head = (
            f"{title}<p><b>Verdict: {escape(r.verdict)}</b> (dynamics {escape(r.dynamics)}). "
            f"Total violence {r.baseline_violence:.4g} &rarr; {r.policy_violence:.4g} "
            f"(minimum {r.minimum_violence:.4g}); expected designations "
            f"{r.designations:.3g}.<br>baseline: {escape(r.baseline_rule)}<br>policy: "
            f"{escape(r.policy_rule)}</p>"
        )
        table = self.to_dataframe().to_html(index=False, float_format=lambda x: f"{x:.4g}")
        crit = ""
        if self.thresholds:
            items = "".join(f"<li>{escape(t.describe())}</li>" for t in self.thresholds)
            crit = f"<p>Critical values:</p><ul>{items}</ul>"
        return head + table + crit


# ----------------------------------------------------------------------------- analyze
def analyze(
    model: TargetingModel | str | os.PathLike[str],
    *,
    thresholds: bool = True,
    mixed: str = "auto",
    max_iter: int = 100_000,
    executor: Any = None,
    main: bool | None = None,
    samples: int = 32,
    runs: int = 100,
    rounds: int = 24,
    noise: Any = None,
    rng: Any = 20100101,
    progress: bool = False,
) -> AnalysisReport:
    """The full report on a scenario: race-to-the-bottom verdict, critical values, false flags
    and, on a calibrated scenario, the main job in real units (module docstring).

    Parameters
    ----------
    model
        A :class:`~deterrence.TargetingModel`, or a scenario: a TOML file or the name of a
        shipped one (:func:`~deterrence.available_scenarios`), loaded with
        :func:`~deterrence.load_scenario`.
    thresholds
        Compute the critical values (module docstring); ``False`` skips them (fast).
    mixed
        Mixed-equilibrium solver for the policy game: ``"auto"``, ``"symmetric"``,
        ``"logit"`` or ``"none"`` (as :func:`~deterrence.race_to_the_bottom`).
    max_iter
        Largest number of revision steps of every run of the dynamics.
    executor
        Runs the threshold scans' independent races and the uncertainty sample
        (:mod:`deterrence._executor`: ``None``, any ``concurrent.futures.Executor``, a
        map-like callable); same numbers either way.
    main
        Run the main job (franchise penalty, campaign, transition from the status quo,
        random target, noise, demand reduction, bands). ``None``: when the scenario
        states a killings scale in ``[units]`` and has a market (the ``mexico-2010``
        presets).
    samples
        Points of the Latin hypercube over the scenario's ``[ranges]`` (0 disables the
        bands).
    runs, rounds
        Monte Carlo runs and rounds (months) of the simulated campaigns.
    noise
        Attribution noise levels of the noise table, in killings a month (default
        ``(10, 50, 200, 800)``).
    rng
        Seed of the main job (campaign runs, transition runs, random targets, the sample;
        one ``SeedSequence`` child each); fixed by default, so the report is reproducible.
    progress
        Show progress bars (``tqdm``, on stderr) on the long parts.

    Returns
    -------
    AnalysisReport

    Examples
    --------
    >>> import deterrence as dt
    >>> rep = dt.analyze("symmetric", thresholds=False, mixed="none")
    >>> rep.verdict, rep.source
    ('full', 'symmetric')
    >>> print(rep.summary().splitlines()[0])
    Textbook race: six identical organizations, penalty above the gain
    """
    if not isinstance(thresholds, bool):
        raise DeterrenceError(f"thresholds={thresholds!r} is not valid; expected True or False")
    check_choice("mixed", mixed, MIXED)
    max_iter = check_int("max_iter", max_iter, low=1)
    check_executor(executor)
    if main is not None and not isinstance(main, bool):
        raise DeterrenceError(f"main={main!r} is not valid; expected True, False or None")
    samples = check_int("samples", samples, low=0)
    runs = check_int("runs", runs, low=1)
    rounds = check_int("rounds", rounds, low=1)
    if not isinstance(progress, bool):
        raise DeterrenceError(f"progress={progress!r} is not valid; expected True or False")
    noise_k = _check_noise(noise)
    source: str | None = None
    scenario: Any = None
    if isinstance(model, str | os.PathLike):
        from ..scenario import load_scenario

        source = os.fspath(model)
        scenario = load_scenario(model, with_metadata=True)
        model = scenario.model
    elif not isinstance(model, TargetingModel):
        raise DeterrenceError(
            f"model={type(model).__name__} is not valid; expected a dt.TargetingModel, a "
            "scenario file or the name of a shipped scenario"
        )
    able = _main_able(model, scenario)
    if main is None:
        main = able is None
    elif main and able is not None:
        raise DeterrenceError(f"main=True is not valid for this scenario: {able}")
    if main:
        return _analyze_main(
            model,
            scenario,
            source,
            thresholds=thresholds,
            mixed=mixed,
            max_iter=max_iter,
            executor=executor,
            samples=samples,
            runs=runs,
            rounds=rounds,
            noise=noise_k,
            rng=rng,
            progress=progress,
        )
    race = race_to_the_bottom(model, max_iter=max_iter, mixed=mixed)
    found: tuple[Threshold, ...] = ()
    if thresholds and not isinstance(model.rule, NoTargeting):
        found = _thresholds(model, race, max_iter=max_iter, executor=executor)
    gains = framing_gains(model, max_iter=max_iter) if model.framing is not None else None
    return AnalysisReport(
        model=model,
        race=race,
        thresholds=found,
        framing_gains=gains,
        source=source,
        parameters={"thresholds": thresholds, "mixed": mixed, "max_iter": max_iter},
        scenario=scenario,
    )


def _check_noise(noise: Any) -> tuple[float, ...]:
    if noise is None:
        return DEFAULT_NOISE_KILLINGS
    try:
        vals = tuple(float(x) for x in noise)
    except (TypeError, ValueError):
        raise DeterrenceError(
            f"noise={noise!r} is not valid; expected a sequence of noise levels in killings a "
            "month (> 0)"
        ) from None
    if not vals or not all(math.isfinite(v) and v > 0 for v in vals):
        raise DeterrenceError(
            f"noise={noise!r} is not valid; expected a non-empty sequence of noise levels in "
            "killings a month (> 0)"
        )
    return vals


def _main_able(model: TargetingModel, scenario: Any) -> str | None:
    """``None`` when the main job can run, else why not."""
    if scenario is None:
        return "a model passed in has no units; pass the scenario's name or file"
    units = scenario.units
    if units is None or units.killings_per_unit is None:
        return "the scenario states no killings scale ([units] killings_per_unit)"
    if model.market is None:
        return "the scenario has no market (the franchise and the demand reduction need one)"
    if isinstance(model.rule, NoTargeting):
        return "the scenario's policy designates nobody"
    return None


def _analyze_main(
    model: TargetingModel,
    scenario: Any,
    source: str | None,
    *,
    thresholds: bool,
    mixed: str,
    max_iter: int,
    executor: Any,
    samples: int,
    runs: int,
    rounds: int,
    noise: tuple[float, ...],
    rng: Any,
    progress: bool,
) -> AnalysisReport:
    """The main job: every section of :mod:`~deterrence.analysis._comparisons`."""
    from ._comparisons import main_job

    fixed = race_to_the_bottom(model, max_iter=max_iter, mixed="none", equilibria=False)
    job, frace, fmodel = main_job(
        model,
        scenario,
        fixed,
        samples=samples,
        runs=runs,
        rounds=rounds,
        noise_killings=noise,
        rng=rng,
        progress=progress,
        executor=executor,
        max_iter=max_iter,
    )
    found: tuple[Threshold, ...] = ()
    if thresholds:
        # where the threat breaks: the smallest multiple of the franchise penalties that
        # still gives a full race (fast through the structured rows: ~1 s on 7 x 161)
        pen = critical_penalty(fmodel, max_iter=max_iter, executor=executor)
        found = (
            dataclasses.replace(pen, message=f"{pen.message} (scale of the franchise penalties)"),
        )
    if thresholds and job.critical_noise is not None:
        t = job.critical_noise
        found += (dataclasses.replace(t, message=f"{t.message} (at the franchise penalties)"),)
    gains = framing_gains(fmodel, max_iter=max_iter) if fmodel.framing is not None else None
    return AnalysisReport(
        model=fmodel,
        race=frace,
        thresholds=found,
        framing_gains=gains,
        source=source,
        parameters={
            "thresholds": thresholds,
            "mixed": mixed,
            "max_iter": max_iter,
            "main": True,
            "samples": samples,
            "runs": runs,
            "rounds": rounds,
            "noise": list(noise),
            "rng": rng if isinstance(rng, int | None) else repr(rng),
        },
        main=job,
        scenario=scenario,
    )


def _clean(v: Any) -> Any:
    """NaN and infinities -> None, recursively (strict JSON)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, list):
        return [_clean(x) for x in v]
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    return v


def _thresholds(
    model: TargetingModel, race: RaceReport, *, max_iter: int, executor: Any
) -> tuple[Threshold, ...]:
    opts: dict[str, Any] = {"max_iter": max_iter, "executor": executor}
    out: list[Threshold] = []
    pen = critical_penalty(model, **opts)
    out.append(pen)
    eqp = equilibrium_penalty(model)
    if eqp.found:
        out.append(
            dataclasses.replace(
                eqp,
                message=f"everyone at the minimum becomes an equilibrium from penalty "
                f"scale {eqp.value:.4g} (brentq on the best deviation gain)",
            )
        )
    noisy_model, where = model, "at the scenario's penalties"
    if race.verdict != "full" and pen.found and pen.value is not None:
        # no full race at the scenario's penalties: ask how much noise a full race tolerates
        # once the penalties are large enough to produce one
        factor = NOISE_PENALTY_FACTOR * pen.value
        base = np.asarray(model.penalty, dtype=float)
        base = base if np.any(base > 0) else np.ones(model.n_orgs)
        noisy_model = dataclasses.replace(model, penalty=factor * base)
        where = f"at {factor:.3g} x the scenario's penalties"
    try:
        t = critical_noise(noisy_model, **opts)
        out.append(dataclasses.replace(t, message=f"{t.message} ({where})"))
    except UnsupportedGameError as exc:
        out.append(
            Threshold(
                parameter="logit noise",
                value=None,
                found=False,
                kind="largest",
                bracket=(math.nan, math.nan),
                applicable=False,
                message=f"critical noise: not applicable ({exc})",
            )
        )
    if model.market is not None and model.market.contest:
        out.append(critical_revenue(model, **opts))
    return tuple(out)
