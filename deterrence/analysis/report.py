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
        return jsonable(out)

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
) -> AnalysisReport:
    """The full report on a scenario: race-to-the-bottom verdict, critical values, false flags.

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
        Runs the threshold scans' independent races (:mod:`deterrence._executor`: ``None``,
        any ``concurrent.futures.Executor``, a map-like callable); same numbers either way.

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
    source: str | None = None
    if isinstance(model, str | os.PathLike):
        from ..scenario import load_scenario

        source = os.fspath(model)
        model = load_scenario(model)
    elif not isinstance(model, TargetingModel):
        raise DeterrenceError(
            f"model={type(model).__name__} is not valid; expected a dt.TargetingModel, a "
            "scenario file or the name of a shipped scenario"
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
    )


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
