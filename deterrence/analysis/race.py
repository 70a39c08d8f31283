"""The race-to-the-bottom verdict: does the announced rule make violence a losing strategy?

:func:`race_to_the_bottom` compares the *baseline* (the same organizations under the rule
in force before the announcement — :class:`~deterrence.NoTargeting` unless the model or the
caller names another) with the *policy* (the model's rule):

1. the baseline game is solved (every pure equilibrium, by the structured search or from
   its table when either can; the report says why not otherwise), and the status quo is
   chosen by a declared rule (:data:`STATUS_QUO`, ``status_quo=``): its most violent pure
   equilibrium (the default), its least violent one, where sequential best responses from
   everyone at the minimum end (also the fallback when the equilibria are not enumerated),
   or a given profile; the rule, how it was applied and the number of baseline pure
   equilibria are reported;
2. the policy game is solved the same way, plus one mixed equilibrium through
   :func:`deterrence.solve` (``"symmetric"`` for identical organizations, ``"logit"``
   otherwise) when that solver is available; the report states which equilibrium that is
   (the limit of which logit path) and, for the symmetric solver, how many distinct
   symmetric equilibria a multi-start search finds (:func:`symmetric_equilibria`);
3. sequential best-response dynamics (:func:`deterrence.best_response_dynamics`,
   ``order="sequential"``, ``tie_breaking="stay"``) run under the policy from the status
   quo: organizations revise in turn, each moving to its least violent best response when
   it cannot do as well by staying put. The state (profile, whose turn) is finite, so the
   dynamics either settle (a pure equilibrium) or revisit a state — an exact cycle
   (undercutting cycles are a known outcome of "most violent pays" rules).

The verdict: ``"full"`` if the dynamics settle at every organization's minimum level (which
is then an equilibrium), else ``"partial"`` / ``"none"`` / ``"escalation"`` as total violence
at the end point (or averaged over the cycle, one revision per time step) is below, equal
to, or above the status quo. The *grade* (:data:`GRADES`) refines it by the share of the
reducible violence removed, ``(status quo - policy) / (status quo - minimum)``, in the bands
of :data:`GRADE_BANDS`: ``"full"`` exactly when the verdict is, ``"strong"`` (at least
75%), ``"partial"`` (at least 25%), ``"weak"`` (above 0), ``"none"``, ``"escalation"``.
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._frozen import FrozenMapping
from .._report import jsonable, text_table
from .._validation import check_choice, check_int, check_real
from ..dynamics.best_response import best_response_dynamics
from ..errors import DeterrenceError
from ..model.rules import Rule
from ..model.targeting import TargetingModel
from ..solvers.results import NashResult

__all__ = [
    "GRADES",
    "GRADE_BANDS",
    "STATUS_QUO",
    "VERDICTS",
    "RaceReport",
    "framing_gains",
    "race_to_the_bottom",
    "symmetric_equilibria",
]

#: Possible verdicts, from best to worst.
VERDICTS = ("full", "partial", "none", "escalation")
#: Possible grades of the verdict, from best to worst (:attr:`RaceReport.grade`).
GRADES = ("full", "strong", "partial", "weak", "none", "escalation")
#: Bands of :attr:`RaceReport.reduction_share` that grade a ``"partial"`` verdict:
#: ``(grade, lowest share)`` from the top; a share of at least 0.75 is ``"strong"``, at
#: least 0.25 ``"partial"``, anything above 0 ``"weak"``. (A quarter and three quarters
#: split the interval where violence falls but not to the minimum into a small, a middling
#: and a large cut; "full" is reserved for the exact race to the minimum.)
GRADE_BANDS: tuple[tuple[str, float], ...] = (("strong", 0.75), ("partial", 0.25), ("weak", 0.0))
MIXED = ("auto", "symmetric", "logit", "none")
#: Rules that choose the status quo (:func:`race_to_the_bottom`'s ``status_quo``):
#: the most / least violent pure equilibrium of the baseline game, the end of sequential
#: best responses under the baseline from everyone at the minimum, or the given ``start``.
STATUS_QUO = ("most_violent", "least_violent", "dynamics", "start")
#: Default limit on pure profiles for exhaustive pure-equilibrium enumeration.
DEFAULT_ENUMERATION_LIMIT = 2_000_000


# ----------------------------------------------------------------------------- dynamics
def _sequential_br(game: Any, start: Sequence[int], *, max_iter: int, tol: float) -> dict[str, Any]:
    """Sequential best responses from ``start``, as the report records them.

    :func:`~deterrence.best_response_dynamics` with ``order="sequential"`` (organizations
    revise in index order, exact cycle detection on (profile, whose turn)) and
    ``tie_breaking="stay"`` (a reviser keeps its level unless another pays more than
    ``tol`` more, and then moves to the least violent best response). ``states`` holds the
    profile at every revision opportunity (one per step), ``steps`` the revisions to the
    rest point (its first arrival), to the first repeated state of a cycle, or
    ``max_iter``.
    """
    res = best_response_dynamics(
        game, start, order="sequential", tie_breaking="stay", max_iter=max_iter, tol=tol
    )
    states = [tuple(int(a) for a in row) for row in res.trajectory]
    return {
        "outcome": res.outcome,
        "end": tuple(res.end),
        "states": states,
        "cycle_states": [tuple(c) for c in res.cycle],
        "steps": int(res.iterations),
    }


def _dedupe(states: Sequence[tuple[int, ...]]) -> tuple[tuple[int, ...], ...]:
    out: list[tuple[int, ...]] = []
    for s in states:
        if not out or out[-1] != s:
            out.append(s)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return tuple(out)


# ----------------------------------------------------------------------------- report
@dataclass(frozen=True, eq=False, kw_only=True)
class RaceReport:
    """The verdict of :func:`race_to_the_bottom` and the evidence behind it.

    Attributes
    ----------
    verdict
        ``"full"`` (violence ends at every organization's minimum, an equilibrium),
        ``"partial"`` (falls, not to the minimum), ``"none"`` or ``"escalation"``.
    dynamics
        ``"converged"``, ``"cycle"`` or ``"max_iter"`` (sequential best responses).
    baseline_violence, policy_violence, minimum_violence
        Total violence at the status quo, at the dynamics' end point (averaged over the
        cycle, one revision per step, when they cycle), and with everyone at the minimum.
    reduction_share
        Share of the reducible violence the policy removes,
        ``(baseline_violence - policy_violence) / (baseline_violence - minimum_violence)``;
        when nothing is reducible (the status quo is at the minimum) it is 1.0 if the
        dynamics end at the minimum and 0.0 otherwise.
    grade
        One of :data:`GRADES`: ``"full"`` exactly when ``verdict == "full"``; ``"none"`` and
        ``"escalation"`` as the verdict; a ``"partial"`` verdict graded by
        ``reduction_share`` through :data:`GRADE_BANDS` (``"strong"`` >= 0.75,
        ``"partial"`` >= 0.25, ``"weak"`` > 0).
    status_quo, end
        The pure profiles (level indices) where the dynamics start and stop.
    status_quo_rule, status_quo_method
        The declared rule that chose the status quo (one of :data:`STATUS_QUO`) and how it
        was found (which equilibrium of how many, or the dynamics and why).
    baseline_multiplicity
        The number of pure equilibria of the baseline game (``None`` when they were not
        enumerated).
    cycle
        The distinct profiles of the cycle, in order (empty unless ``dynamics == "cycle"``).
    trajectory
        The profile at every revision opportunity, shape ``(steps + 1, n_orgs)``.
    baseline_levels, policy_levels
        Each organization's violence at the status quo and at the end (cycle average).
    designation_probabilities, designations
        Each organization's probability of designation at the end (cycle average) and
        their sum: the punishment actually delivered per period.
    baseline_payoffs, policy_payoffs
        Each organization's payoff at the status quo (baseline rule) and at the end.
    penalties, violence_gains
        Each organization's penalty ``L_i`` and the most violence can gain it
        (:meth:`~deterrence.TargetingModel.violence_gain`): ``L_i > G_i`` means a sure
        designation always outweighs what violence brings.
    baseline_equilibria, policy_equilibria
        Pure equilibria of each game (``None`` when the table was too large to enumerate).
    policy_mixed
        A mixed equilibrium of the policy game from :func:`deterrence.solve` (``None`` if
        not attempted or unavailable); ``mixed_violence`` and ``mixed_designations`` are its
        expected total violence and designations. ``mixed_selection`` says which
        equilibrium that is (the limit of which logit path).
    symmetric_search, symmetric_equilibria, symmetric_unique
        For a symmetric policy game solved by the symmetric solver: the sentence
        reporting the multi-start search (:func:`symmetric_equilibria`), the distinct
        symmetric equilibria found (one shared strategy each) and whether uniqueness was
        proven.
    notes
        What was done, in order (solvers used or unavailable, sizes, selections).
    """

    verdict: str
    dynamics: str
    baseline_violence: float
    policy_violence: float
    minimum_violence: float
    reduction_share: float
    grade: str
    status_quo: tuple[int, ...]
    end: tuple[int, ...]
    cycle: tuple[tuple[int, ...], ...]
    trajectory: NDArray[np.intp]
    steps: int
    names: tuple[str, ...]
    levels: tuple[NDArray[np.float64], ...]
    baseline_levels: NDArray[np.float64]
    policy_levels: NDArray[np.float64]
    designation_probabilities: NDArray[np.float64]
    designations: float
    baseline_payoffs: NDArray[np.float64]
    policy_payoffs: NDArray[np.float64]
    penalties: NDArray[np.float64]
    violence_gains: NDArray[np.float64]
    baseline_equilibria: NashResult | None
    policy_equilibria: NashResult | None
    policy_mixed: NashResult | None = None
    mixed_violence: float | None = None
    mixed_designations: float | None = None
    baseline_rule: str = ""
    policy_rule: str = ""
    title: str = ""
    mixed_selection: str = ""
    symmetric_search: str = ""
    symmetric_equilibria: tuple[NDArray[np.float64], ...] = ()
    symmetric_unique: bool = False
    status_quo_rule: str = "most_violent"
    status_quo_method: str = ""
    baseline_multiplicity: int | None = None
    notes: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", FrozenMapping(dict(self.parameters)))
        sym = tuple(np.array(q, dtype=float) for q in self.symmetric_equilibria)
        for q in sym:
            q.flags.writeable = False
        object.__setattr__(self, "symmetric_equilibria", sym)
        for name in (
            "trajectory",
            "baseline_levels",
            "policy_levels",
            "designation_probabilities",
            "baseline_payoffs",
            "policy_payoffs",
            "penalties",
            "violence_gains",
        ):
            arr = np.array(getattr(self, name))
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    # ---------------------------------------------------------------- views
    @property
    def violence_reduction(self) -> float:
        """Share of the status-quo violence above the minimum that the policy removes
        (1 for a full race, 0 for none, negative for escalation; ``nan`` when the status
        quo is already at the minimum)."""
        room = self.baseline_violence - self.minimum_violence
        if room <= 0:
            return float("nan")
        return (self.baseline_violence - self.policy_violence) / room

    def to_dataframe(self) -> Any:
        """One row per organization: levels, change, designation probability, penalty
        against the most violence can gain, payoffs (``attrs`` holds the verdict, the grade
        and the reduction share)."""
        import pandas as pd

        df = pd.DataFrame(
            {
                "organization": list(self.names),
                "baseline_level": self.baseline_levels,
                "policy_level": self.policy_levels,
                "change": self.policy_levels - self.baseline_levels,
                "designation_probability": self.designation_probabilities,
                "penalty": self.penalties,
                "violence_gain": self.violence_gains,
                "baseline_payoff": self.baseline_payoffs,
                "policy_payoff": self.policy_payoffs,
            }
        )
        df.attrs.update(
            verdict=self.verdict, grade=self.grade, reduction_share=self.reduction_share
        )
        return df

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""

        def eqs(res: NashResult | None) -> Any:
            if res is None:
                return None
            return {
                "method": res.method,
                "complete": res.complete,
                "converged": res.converged,
                "message": res.message,
                "equilibria": [
                    {
                        "strategies": [s.tolist() for s in e.strategies],
                        "pure_profile": None if e.pure_profile is None else list(e.pure_profile),
                        "payoffs": e.payoffs.tolist(),
                        "regret": e.regret,
                    }
                    for e in res.equilibria[:50]
                ],
                "n_equilibria": len(res.equilibria),
            }

        return {
            "title": self.title,
            "verdict": self.verdict,
            "dynamics": self.dynamics,
            "baseline_rule": self.baseline_rule,
            "policy_rule": self.policy_rule,
            "baseline_violence": self.baseline_violence,
            "policy_violence": self.policy_violence,
            "minimum_violence": self.minimum_violence,
            "violence_reduction": _finite_or_none(self.violence_reduction),
            "reduction_share": _finite_or_none(self.reduction_share),
            "grade": self.grade,
            "designations": self.designations,
            "status_quo": list(self.status_quo),
            "status_quo_rule": self.status_quo_rule,
            "status_quo_method": self.status_quo_method,
            "baseline_multiplicity": self.baseline_multiplicity,
            "end": list(self.end),
            "cycle": [list(c) for c in self.cycle],
            "steps": self.steps,
            "organizations": self.to_dataframe().to_dict(orient="records"),
            "baseline_equilibria": eqs(self.baseline_equilibria),
            "policy_equilibria": eqs(self.policy_equilibria),
            "policy_mixed": eqs(self.policy_mixed),
            "mixed_violence": self.mixed_violence,
            "mixed_designations": self.mixed_designations,
            "mixed_selection": self.mixed_selection,
            "symmetric_search": self.symmetric_search,
            "n_symmetric_equilibria": len(self.symmetric_equilibria)
            if self.symmetric_search
            else None,
            "symmetric_unique": self.symmetric_unique,
            "notes": list(self.notes),
            "parameters": {k: jsonable(v) for k, v in self.parameters.items()},
        }

    def summary(self, context: str = "") -> str:
        """The readable multi-line report printed by ``deterrence analyze`` (``context``:
        optional lines printed under the title, e.g. the scenario's description)."""
        lines = []
        if self.title:
            lines += [self.title, "=" * len(self.title)]
        if context:
            lines += [context, ""]
        lines.append(f"baseline: {self.baseline_rule}")
        lines.append(f"policy:   {self.policy_rule}")
        lines.append(f"status quo (rule {self.status_quo_rule!r}): {self.status_quo_method}")
        lines.append("")
        red = self.violence_reduction
        red_txt = "" if math.isnan(red) else f" ({100 * red:.0f}% of the reducible violence)"
        lines.append(f"VERDICT: {self.verdict.upper()} — {_VERDICT_TEXT[self.verdict]}")
        lines.append(
            f"GRADE: {self.grade.upper()} — {100 * self.reduction_share:.0f}% of the reducible "
            f"violence removed ({_GRADE_TEXT})"
        )
        lines.append(
            f"total violence: {self.baseline_violence:.4g} at the status quo -> "
            f"{self.policy_violence:.4g} under the policy{red_txt}; minimum possible "
            f"{self.minimum_violence:.4g}"
        )
        if self.dynamics == "cycle":
            lines.append(
                f"dynamics: best responses CYCLE through {len(self.cycle)} profiles "
                f"(undercutting); violence above is the average over the cycle"
            )
        elif self.dynamics == "converged":
            lines.append(f"dynamics: best responses converge in {self.steps} revisions")
        else:
            lines.append(f"dynamics: stopped after {self.steps} revisions without settling")
        lines.append(
            f"punishment delivered: {self.designations:.3g} expected designation"
            f"{'' if self.designations == 1 else 's'} per period"
            + (" (the threat never has to be carried out)" if self.designations < 1e-12 else "")
        )
        lines.append("")
        df = self.to_dataframe()
        lines.append(
            text_table(
                [
                    "organization",
                    "status quo",
                    "policy",
                    "change",
                    "P(designated)",
                    "penalty",
                    "max gain",
                    "payoff before",
                    "after",
                ],
                [
                    [
                        r.organization,
                        f"{r.baseline_level:.3g}",
                        f"{r.policy_level:.3g}",
                        f"{r.change:+.3g}",
                        f"{r.designation_probability:.3f}",
                        f"{r.penalty:.3g}",
                        f"{r.violence_gain:.3g}",
                        f"{r.baseline_payoff:.4g}",
                        f"{r.policy_payoff:.4g}",
                    ]
                    for r in df.itertuples()
                ],
            )
        )
        lines.append(
            "(max gain: the most any violence level can gain the organization, penalty aside; "
            "a penalty above it makes a sure designation outweigh any violence)"
        )
        lines.append("")
        lines.append("equilibria:")
        lines.append("  baseline: " + _eq_text(self.baseline_equilibria, self.levels))
        lines.append("  policy:   " + _eq_text(self.policy_equilibria, self.levels))
        if self.policy_mixed is not None and self.policy_mixed.equilibria:
            lines.append(
                f"  policy, mixed ({self.policy_mixed.method}): expected violence "
                f"{self.mixed_violence:.4g}, expected designations {self.mixed_designations:.3g}, "
                f"regret {self.policy_mixed.max_regret:.1e}"
            )
            if self.mixed_selection:
                lines.append(f"    selection: {self.mixed_selection}")
            if self.symmetric_search:
                lines.append(f"    multiplicity: {self.symmetric_search}")
        if self.notes:
            lines.append("")
            lines.append("notes:")
            lines.extend(f"  - {n}" for n in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        cyc = f", cycle of {len(self.cycle)}" if self.dynamics == "cycle" else ""
        return (
            f"RaceReport(verdict={self.verdict!r}, dynamics={self.dynamics!r}{cyc}, "
            f"grade={self.grade!r}, violence "
            f"{self.baseline_violence:.4g} -> {self.policy_violence:.4g} (minimum "
            f"{self.minimum_violence:.4g}), designations {self.designations:.3g})"
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Race to the bottom: {self.verdict}</b> (grade {self.grade}, "
            f"{100 * self.reduction_share:.0f}% of the reducible violence removed; dynamics "
            f"{self.dynamics}). "
            f"Total violence {self.baseline_violence:.4g} &rarr; {self.policy_violence:.4g} "
            f"(minimum {self.minimum_violence:.4g}); expected designations "
            f"{self.designations:.3g}.<br>baseline: {self.baseline_rule}<br>policy: "
            f"{self.policy_rule}<br>status quo (rule {self.status_quo_rule}): "
            f"{html.escape(self.status_quo_method)}</p>"
        )
        return head + self.to_dataframe().to_html(index=False, float_format=lambda x: f"{x:.4g}")

    def plot(self, ax: Any = None) -> Any:
        """Total violence at every revision step of the dynamics (matplotlib Axes)."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(6, 3.5))
        tot = np.array(
            [
                sum(float(g[a]) for g, a in zip(self.levels, row, strict=True))
                for row in self.trajectory
            ]
        )
        ax.step(np.arange(len(tot)), tot, where="post", label="total violence")
        ax.axhline(self.baseline_violence, color="grey", ls="--", lw=1, label="status quo")
        ax.axhline(self.minimum_violence, color="green", ls=":", lw=1, label="minimum")
        ax.set_xlabel("revision step")
        ax.set_ylabel("total violence")
        ax.set_title(f"verdict: {self.verdict} ({self.dynamics})")
        ax.legend(loc="best", fontsize="small")
        return ax


_GRADE_TEXT = (
    "bands: full = the minimum is reached; "
    + "; ".join(f"{name} {'>=' if low > 0 else '>'} {100 * low:.0f}%" for name, low in GRADE_BANDS)
    + "; none = no change; escalation = above the status quo"
)

_VERDICT_TEXT = {
    "full": "every organization ends at its minimum violence, and that is an equilibrium",
    "partial": "violence falls, but not to the minimum",
    "none": "violence does not change",
    "escalation": "violence rises",
}


def _finite_or_none(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _eq_text(res: NashResult | None, levels: Sequence[NDArray]) -> str:
    if res is None:
        return "not enumerated (see the notes)"
    n = len(res.equilibria)
    if n == 0:
        return "no pure equilibrium" + (" (complete enumeration)" if res.complete else "")
    shown = []
    for e in res.equilibria[:3]:
        prof = e.pure_profile
        if prof is not None:
            shown.append("(" + ", ".join(f"{levels[i][a]:g}" for i, a in enumerate(prof)) + ")")
    more = f" and {n - 3} more" if n > 3 else ""
    return f"{n} pure equilibri{'um' if n == 1 else 'a'}: " + "; ".join(shown) + more


# ----------------------------------------------------------------------------- solving
def _enumerate(game: Any, limit: int, label: str, notes: list[str]) -> NashResult | None:
    """Every pure equilibrium: by the structured search when the game supports it (no
    table), else from the dense table; ``None`` (with the reason in ``notes``) when the
    structured search refuses (:class:`~deterrence.GameTooLargeError`) and the table has
    more than ``limit`` profiles."""
    from ..errors import GameTooLargeError, InvalidGameError
    from ..solvers.api import solve

    refused = ""
    try:
        res = solve(game, method="pure", route="structured")
    except InvalidGameError:
        res = None
    except GameTooLargeError as exc:
        res = None
        refused = f"the structured search refused ({exc}); "
    if res is not None:
        notes.append(f"{label}: {res.message} (complete)")
        return res
    if game.n_profiles > limit:
        notes.append(
            f"{label}: pure equilibria not enumerated ({refused}{game.n_profiles} pure "
            f"profiles, above the table limit {limit})"
        )
        return None
    try:
        dense = game.to_normal_form(max_profiles=limit)
    except GameTooLargeError as exc:
        notes.append(f"{label}: pure equilibria not enumerated ({refused}{exc})")
        return None
    res = solve(dense, method="pure")
    notes.append(f"{label}: {res.message} (complete)")
    return res


def _status_quo(
    model: TargetingModel,
    game: Any,
    res: NashResult | None,
    rule: str,
    *,
    enumerated: bool,
    max_iter: int,
    tol: float,
) -> tuple[tuple[int, ...], str]:
    """The status quo under ``rule`` (:data:`STATUS_QUO`, not ``"start"``) and how it was
    found (a sentence for the report)."""
    if rule != "dynamics" and res is not None and res.equilibria:
        profiles = [e.pure_profile for e in res.equilibria]
        pick = max if rule == "most_violent" else min
        best = pick(profiles, key=model.total_violence)
        which = "most" if rule == "most_violent" else "least"
        if len(profiles) == 1:
            return best, "the baseline's only pure equilibrium (complete enumeration)"
        return best, (
            f"the {which} violent of the baseline's {len(profiles)} pure equilibria "
            "(complete enumeration)"
        )
    dyn = _sequential_br(game, model.minimum_profile(), max_iter=max_iter, tol=tol)
    if rule == "dynamics":
        why = ""
    elif res is None and not enumerated:
        why = " (pure equilibria not computed: equilibria=False)"
    elif res is None:
        why = " (the baseline's pure equilibria could not be enumerated)"
    else:
        why = " (the baseline has no pure equilibrium)"
    if dyn["outcome"] == "converged":
        how = (
            f"sequential best responses under the baseline from the minimum, converged in "
            f"{dyn['steps']} revisions{why}"
        )
    else:
        how = (
            f"the last profile of sequential best responses under the baseline from the "
            f"minimum, which reached no pure equilibrium ({dyn['outcome']}){why}"
        )
    return dyn["end"], how


_SELECTION = {
    "symmetric": (
        "the limit of the symmetric logit QRE path from the uniform strategy "
        "(dt.solve(method='symmetric')), polished on its support"
    ),
    "logit": (
        "the limit of the principal branch of the logit QRE path from the centroid "
        "(dt.solve(method='logit')), polished on its support"
    ),
}


def _mixed(game: Any, mode: str, notes: list[str], options: Mapping[str, Any]) -> NashResult | None:
    """One mixed equilibrium of the policy game, through :func:`deterrence.solve` on the
    structured game (the solver picks its own representation through the game's seam)."""
    from ..solvers.api import solve

    if mode == "none":
        return None
    if mode == "auto":
        mode = "symmetric" if game.is_symmetric() else "logit"
        if mode == "logit" and sum(game.shape) > AUTO_LOGIT_MAX_ACTIONS:
            notes.append(
                f"policy: mixed equilibrium not computed (mixed='auto' skips the logit solver "
                f"above {AUTO_LOGIT_MAX_ACTIONS} actions in all; this game has "
                f"{sum(game.shape)}: ask for mixed='logit' explicitly)"
            )
            return None
    try:
        res = solve(game, method=mode, **dict(options))
    except (ImportError, AttributeError, NotImplementedError) as exc:
        notes.append(
            f"policy: mixed solver {mode!r} is not available ({type(exc).__name__}: {exc})"
        )
        return None
    except DeterrenceError as exc:
        notes.append(f"policy: mixed solver {mode!r} declined: {exc}")
        return None
    status = "converged" if res.converged else "did NOT converge"
    notes.append(
        f"policy: mixed solver {res.method!r} {status}, {len(res.equilibria)} equilibri"
        f"{'um' if len(res.equilibria) == 1 else 'a'}, max regret {res.max_regret:.1e}"
    )
    return res


# ----------------------------------------------------------------------------- selection
#: ``mixed="auto"`` skips the logit solver (heterogeneous organizations) when the
#: organizations have more actions than this in all: tracing the logit path of 7
#: organizations x 161 levels takes minutes (measured: over 5 min on 2 shared cores).
AUTO_LOGIT_MAX_ACTIONS = 400
#: Number of deterministic starts of the symmetric multi-start (:func:`symmetric_equilibria`).
SYMMETRIC_STARTS = 9


def _symmetric_newton(
    game: Any, q0: NDArray, support: NDArray, atol: float, iters: int = 40
) -> NDArray | None:
    """A symmetric equilibrium on ``support`` by Newton's method from ``q0``: every
    support action earns the same payoff against ``q`` and ``q`` sums to one (``None``
    if it fails, leaves the simplex or a deviation off the support pays more than
    ``atol``)."""
    N = game.n_players
    K = int(game.shape[0])
    S = np.asarray(support, dtype=np.intp)
    x = np.clip(q0[S], 1e-12, None)
    x = x / x.sum()
    q = np.zeros(K)
    for _ in range(iters):
        q[:] = 0.0
        q[S] = x
        w = np.asarray(game.symmetric_payoffs(q), dtype=float)
        F = np.append(w[S[1:]] - w[S[0]], x.sum() - 1.0)
        if np.abs(F).max() <= 1e-3 * atol:
            break
        P = np.asarray(game.symmetric_pair_payoffs(q), dtype=float)
        J = np.vstack([(N - 1) * (P[S[1:]][:, S] - P[S[0], S]), np.ones(len(S))])
        try:
            dx = np.linalg.lstsq(J, -F, rcond=None)[0]
        except np.linalg.LinAlgError:
            return None
        x = x + dx
        if not np.all(np.isfinite(x)):
            return None
    if x.min() < -1e-9:
        return None
    q[:] = 0.0
    q[S] = np.clip(x, 0.0, None)
    q /= q.sum()
    w = np.asarray(game.symmetric_payoffs(q), dtype=float)
    return q if float(w.max() - q @ w) <= atol else None


def _dominance_solvable(game: Any, limit: int) -> bool:
    """True if iterated elimination of strictly dominated pure actions (by pure actions)
    leaves one action of the symmetric game's dense table (then the game has exactly one
    Nash equilibrium, mixed or not); False if not, or the table exceeds ``limit``."""
    from ..errors import GameTooLargeError

    if game.n_profiles > limit:
        return False
    try:
        u0 = np.asarray(game.to_normal_form(max_profiles=limit).payoffs[0], dtype=float)
    except (GameTooLargeError, MemoryError):
        return False
    alive = np.arange(u0.shape[0])
    while len(alive) > 1:
        sub = u0[np.ix_(*([alive] * u0.ndim))].reshape(len(alive), -1)
        # a is strictly dominated by b if b earns more against every others' profile
        dom = np.array(
            [
                any(np.all(sub[b] > sub[a]) for b in range(len(alive)) if b != a)
                for a in range(len(alive))
            ]
        )
        if not dom.any():
            return False
        alive = alive[~dom]
    return True


def symmetric_equilibria(
    game: Any,
    *,
    first: Any = None,
    starts: int = SYMMETRIC_STARTS,
    tol: float = 1e-9,
    steps: int = 400,
    proof_limit: int = 200_000,
) -> dict[str, Any]:
    """Distinct symmetric equilibria of a symmetric game from deterministic starts.

    The starts are the uniform strategy and ``starts - 1`` strategies that put 90% on one
    action (evenly spaced over the actions) and spread 10% uniformly. From each start,
    (1) Newton's method on the full support and (2) ``steps`` multiplicative-weights
    (Hedge) steps, whose time-average suggests supports (actions above 1e-2, 1e-3, 1e-4
    of its largest weight) on which Newton's method is run. A candidate counts when its
    regret is at most ``tol`` times the payoff scale; candidates within 1e-6 (max norm)
    are one equilibrium. ``first`` (the symmetric solver's equilibrium, optional) is
    included. Uniqueness is *proven* only when the game's dense table (at most
    ``proof_limit`` profiles) is dominance solvable; otherwise finding one equilibrium
    from every start is evidence, not proof.

    Returns a dict with ``equilibria`` (list of strategies), ``starts``, ``proven_unique``
    and ``text`` (the sentence the report prints).

    Examples
    --------
    A symmetric coordination game has three symmetric equilibria: both pure ones and
    the mixed one putting 1/3 on the better action.

    >>> import deterrence as dt
    >>> from deterrence.analysis.race import symmetric_equilibria
    >>> g = dt.NormalFormGame([[[2, 0], [0, 1]], [[2, 0], [0, 1]]])
    >>> found = symmetric_equilibria(g, starts=3)
    >>> sorted(round(float(q[0]), 6) for q in found["equilibria"])
    [0.0, 0.333333, 1.0]
    >>> found["text"]
    '3 distinct symmetric equilibria found from 3 starts (uniqueness not proven)'
    """
    K = int(game.shape[0])
    scale = float(game.payoff_scale(symmetric=True))
    atol = tol * scale
    vertices = np.unique(np.linspace(0, K - 1, max(starts - 1, 0)).round().astype(int))
    inits = [np.full(K, 1.0 / K)]
    for a in vertices[: max(starts - 1, 0)]:
        q = np.full(K, 0.1 / K)
        q[a] += 0.9
        inits.append(q)
    found: list[NDArray] = []

    def add(q: NDArray | None) -> None:
        if q is not None and all(np.abs(q - f).max() > 1e-6 for f in found):
            found.append(q)

    if first is not None:
        add(np.asarray(first, dtype=float))
    eta = 20.0 / scale
    for q0 in inits:
        add(_symmetric_newton(game, q0, np.arange(K), atol))
        q = q0.copy()
        avg = np.zeros(K)
        for _ in range(steps):
            w = np.asarray(game.symmetric_payoffs(q), dtype=float)
            z = np.log(q) + eta * (w - w.max())
            q = np.exp(z - z.max())
            q = np.clip(q / q.sum(), 1e-300, None)
            avg += q
        avg /= steps
        for cut in (1e-2, 1e-3, 1e-4):
            for cand in (avg, q):
                support = np.flatnonzero(cand >= cut * cand.max())
                add(_symmetric_newton(game, cand, support, atol))
    m = len(inits)
    k = len(found)
    proven = k == 1 and _dominance_solvable(game, proof_limit)
    if proven:
        text = "the symmetric equilibrium is unique (proof: the game is dominance solvable)"
    else:
        text = (
            f"{k} distinct symmetric equilibri{'um' if k == 1 else 'a'} found from {m} "
            f"start{'' if m == 1 else 's'} (uniqueness not proven)"
        )
    return {"equilibria": found, "starts": m, "proven_unique": proven, "text": text}


def race_to_the_bottom(
    model: TargetingModel,
    *,
    baseline: Rule | None = None,
    start: Sequence[int] | None = None,
    status_quo: str | None = None,
    max_iter: int = 100_000,
    enumerate_limit: int = DEFAULT_ENUMERATION_LIMIT,
    mixed: str = "auto",
    mixed_options: Mapping[str, Any] | None = None,
    equilibria: bool = True,
    symmetric_starts: int = SYMMETRIC_STARTS,
    tol: float = 1e-9,
) -> RaceReport:
    """Does the announced rule make the organizations race to the bottom?

    Parameters
    ----------
    model
        The targeting model; its ``rule`` is the policy.
    baseline
        The rule before the announcement (default ``model.baseline``, itself
        :class:`~deterrence.NoTargeting` by default).
    start
        A pure profile (level indices) to start the dynamics from instead of the status
        quo equilibrium (``status_quo="start"``).
    status_quo
        The declared rule that picks the status quo, one of :data:`STATUS_QUO`:
        ``"most_violent"`` (the default without ``start``) / ``"least_violent"``: the most
        / least violent pure equilibrium of the baseline game when its pure equilibria are
        enumerated; ``"dynamics"``: where sequential best responses under the baseline end
        from everyone at the minimum; ``"start"`` (the default with ``start``): the given
        profile. When the baseline's pure equilibria are not enumerated (too large, or
        ``equilibria=False``) or there are none, the first two fall back to the
        ``"dynamics"`` rule, and the report says so (:attr:`RaceReport.status_quo_method`).
    max_iter
        Largest number of revision steps of the dynamics.
    enumerate_limit
        Enumerate every pure equilibrium only for games with at most this many pure
        profiles (the dense table is built for that).
    mixed
        Mixed equilibrium of the policy game: ``"auto"`` (``"symmetric"`` for identical
        organizations, else ``"logit"`` unless the organizations have more than
        :data:`AUTO_LOGIT_MAX_ACTIONS` actions in all, then none, with a note),
        ``"symmetric"``, ``"logit"`` or ``"none"``.
    mixed_options
        Keyword options passed to that solver.
    equilibria
        ``False`` skips every equilibrium computation except what the status quo needs
        (fast; used by the threshold searches).
    symmetric_starts
        When the mixed equilibrium comes from the symmetric solver, look for other
        symmetric equilibria from this many deterministic starts
        (:func:`symmetric_equilibria`) and report how many distinct ones were found;
        0 skips the search.
    tol
        Payoff tolerance of the dynamics (a reviser moves only for a gain above ``tol``
        times the payoff scale) and of the verdict.

    Returns
    -------
    RaceReport

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 21), benefit=1.0,
    ...                           penalty=2.0, rule=dt.MostViolent())
    >>> rep = dt.race_to_the_bottom(model, mixed="none")
    >>> rep.verdict, rep.dynamics, rep.baseline_violence, rep.policy_violence, rep.designations
    ('full', 'converged', 3.0, 0.0, 0.0)

    A penalty below what violence gains: the organizations undercut each other in a cycle.

    >>> weak = dt.race_to_the_bottom(dataclasses.replace(model, penalty=0.5), mixed="none")
    >>> weak.verdict, weak.dynamics, len(weak.cycle), round(weak.policy_violence, 3)
    ('partial', 'cycle', 21, 2.214)
    """
    if not isinstance(model, TargetingModel):
        raise DeterrenceError(
            f"model={type(model).__name__} is not valid; expected a dt.TargetingModel"
        )
    base_rule = model.baseline if baseline is None else baseline
    if not isinstance(base_rule, Rule):
        raise DeterrenceError(f"baseline={baseline!r} is not valid; expected a rule or None")
    max_iter = check_int("max_iter", max_iter, low=1)
    enumerate_limit = check_int("enumerate_limit", enumerate_limit, low=0)
    check_choice("mixed", mixed, MIXED)
    tol = check_real("tol", tol, low=0.0)
    symmetric_starts = check_int("symmetric_starts", symmetric_starts, low=0)
    if status_quo is None:
        sq_rule = "most_violent" if start is None else "start"
    else:
        sq_rule = check_choice("status_quo", status_quo, STATUS_QUO)
    if (sq_rule == "start") != (start is not None):
        raise DeterrenceError(
            f"status_quo={status_quo!r} with start={start!r} is not valid; expected "
            "status_quo='start' (or None) exactly when a start profile is given"
        )
    notes: list[str] = []

    base_model = dataclasses.replace(model, rule=base_rule)
    base_game = base_model.game()
    pol_game = model.game()
    scale = _payoff_scale(model)
    ptol = tol * scale

    base_res = _enumerate(base_game, enumerate_limit, "baseline", notes) if equilibria else None
    n_base = None if base_res is None else len(base_res.equilibria)
    if sq_rule == "start":
        from ..games.base import as_pure_profile

        sq = as_pure_profile(pol_game, start)
        sq_how = f"the given profile {list(sq)}"
    else:
        sq, sq_how = _status_quo(
            base_model,
            base_game,
            base_res,
            sq_rule,
            enumerated=equilibria,
            max_iter=max_iter,
            tol=ptol,
        )
    notes.append(f"status quo ({sq_rule!r}): {sq_how}")
    if not equilibria:
        notes.append("equilibria=False: pure and mixed equilibria not computed")
    pol_res = _enumerate(pol_game, enumerate_limit, "policy", notes) if equilibria else None
    mixed_res = _mixed(pol_game, mixed, notes, mixed_options or {}) if equilibria else None
    selection = _SELECTION.get(mixed_res.method, "") if mixed_res is not None else ""
    sym_found = None
    sym_text = ""
    if (
        mixed_res is not None
        and mixed_res.method == "symmetric"
        and mixed_res.equilibria
        and symmetric_starts > 0
    ):
        first = mixed_res.equilibria[0].strategies[0] if mixed_res.converged else None
        multi = symmetric_equilibria(pol_game, first=first, starts=symmetric_starts)
        sym_found = multi
        sym_text = multi["text"]
        notes.append(f"policy: {sym_text}")

    dyn = _sequential_br(pol_game, sq, max_iter=max_iter, tol=ptol)
    levels = model.levels
    n = model.n_orgs
    window = dyn["cycle_states"] if dyn["outcome"] == "cycle" else [dyn["end"]]
    lv = np.array([[levels[i][a] for i, a in enumerate(s)] for s in window])
    policy_levels = lv.mean(axis=0)
    comp = pol_game.pure_components(np.array(window, dtype=np.intp))
    des = comp["designation"].mean(axis=0)
    pol_pay = comp["payoff"].mean(axis=0)
    base_pay = base_game.pure_components(np.array([sq], dtype=np.intp))["payoff"][0]
    base_levels = np.array([levels[i][a] for i, a in enumerate(sq)])

    v0 = float(base_levels.sum())
    v1 = float(policy_levels.sum())
    at_min = dyn["outcome"] == "converged" and dyn["end"] == model.minimum_profile()
    verdict, share, grade, vmin = _judge(model, v0, v1, at_min=at_min)
    if dyn["outcome"] == "max_iter":
        notes.append(f"dynamics: no convergence and no cycle within max_iter={max_iter} steps")

    mixed_v = mixed_d = None
    if mixed_res is not None and mixed_res.equilibria:
        eq = mixed_res.equilibria[0]
        mixed_v = model.total_violence(eq.strategies)
        mixed_d = float(pol_game.expected_designations(eq.strategies).sum())

    return RaceReport(
        verdict=verdict,
        dynamics=dyn["outcome"],
        baseline_violence=v0,
        policy_violence=v1,
        minimum_violence=vmin,
        reduction_share=share,
        grade=grade,
        status_quo=tuple(sq),
        end=dyn["end"],
        cycle=_dedupe(dyn["cycle_states"]) if dyn["outcome"] == "cycle" else (),
        trajectory=np.array(dyn["states"], dtype=np.intp).reshape(-1, n),
        steps=dyn["steps"],
        names=model.names,
        levels=levels,
        baseline_levels=base_levels,
        policy_levels=policy_levels,
        designation_probabilities=des,
        designations=float(des.sum()),
        baseline_payoffs=base_pay,
        policy_payoffs=pol_pay,
        penalties=np.asarray(model.penalty, dtype=float),
        violence_gains=model.violence_gain(),
        baseline_equilibria=base_res,
        policy_equilibria=pol_res,
        policy_mixed=mixed_res,
        mixed_selection=selection,
        symmetric_search=sym_text,
        symmetric_equilibria=()
        if sym_found is None
        else tuple(np.array(q) for q in sym_found["equilibria"]),
        symmetric_unique=bool(sym_found is not None and sym_found["proven_unique"]),
        mixed_violence=mixed_v,
        mixed_designations=mixed_d,
        baseline_rule=base_rule.describe(),
        policy_rule=model.rule.describe(),
        title=model.title,
        status_quo_rule=sq_rule,
        status_quo_method=sq_how,
        baseline_multiplicity=n_base,
        notes=tuple(notes),
        parameters={
            "max_iter": max_iter,
            "enumerate_limit": enumerate_limit,
            "mixed": mixed,
            "equilibria": equilibria,
            "tol": tol,
            "start": None if start is None else list(sq),
            "status_quo": sq_rule,
            "symmetric_starts": symmetric_starts,
        },
    )


def _judge(
    model: TargetingModel, v0: float, v1: float, *, at_min: bool
) -> tuple[str, float, str, float]:
    """The verdict, reduction share and grade from total violence at the status quo (``v0``)
    and at the end (``v1``, the cycle average), with ``at_min`` when the dynamics settled at
    everyone's minimum; also the minimum's total. One rule for the report and the sweeps."""
    vmin = model.total_violence(model.minimum_profile())
    vtol = 1e-9 * max(1.0, abs(v0))
    if at_min:
        verdict = "full"
    elif v1 < v0 - vtol:
        verdict = "partial"
    elif v1 > v0 + vtol:
        verdict = "escalation"
    else:
        verdict = "none"
    share = _reduction_share(v0, v1, vmin, at_min=at_min, vtol=vtol)
    return verdict, share, _grade(verdict, share), vmin


def _reduction_share(v0: float, v1: float, vmin: float, *, at_min: bool, vtol: float) -> float:
    """Share of the reducible violence removed, ``(v0 - v1) / (v0 - vmin)``; when nothing
    is reducible (``v0 - vmin <= vtol``) 1.0 if the dynamics end at the minimum, else 0.0."""
    room = v0 - vmin
    if room <= vtol:
        return 1.0 if at_min else 0.0
    return float((v0 - v1) / room)


def _grade(verdict: str, share: float) -> str:
    """The grade of a verdict (:data:`GRADES`): a ``"partial"`` verdict graded by ``share``
    through :data:`GRADE_BANDS`; the other verdicts are their own grade."""
    if verdict != "partial":
        return verdict
    for name, low in GRADE_BANDS:
        if (share >= low) if low > 0 else (share > low):
            return name
    return "weak"  # a partial verdict removes some violence: only rounding lands here


def _payoff_scale(model: TargetingModel) -> float:
    """A payoff unit for tolerances: the largest |parameter| that enters payoffs."""
    own = max(float(np.abs(o).max()) for o in model.own_payoffs())
    r = 0.0 if model.market is None else model.market.revenue
    return max(1.0, own, r, float(np.max(model.penalty)), float(np.max(model.carrot)))


def framing_gains(model: TargetingModel, **race_options: Any) -> Any:
    """Who gains from the false flags? The race with the model's framing matrix against the
    same race without it: each organization's payoff, designation probability and level at
    the outcome (end point or cycle average), and the differences.

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> m = dt.TargetingModel(n_orgs=2, levels=[0, 1, 2], penalty=3.0,
    ...                       framing=[[0, 0], [0.5, 0]])
    >>> df = framing_gains(m, mixed="none")
    >>> df[["organization", "payoff_gain"]].to_numpy().tolist()   # the framer gains
    [['org1', -1.0], ['org2', 2.0]]
    """
    import pandas as pd

    if model.framing is None:
        raise DeterrenceError("framing_gains needs a model with a framing matrix (framing=...)")
    race_options.setdefault("equilibria", False)
    with_f = race_to_the_bottom(model, **race_options)
    without = race_to_the_bottom(dataclasses.replace(model, framing=None), **race_options)
    return pd.DataFrame(
        {
            "organization": list(model.names),
            "payoff_with_framing": with_f.policy_payoffs,
            "payoff_without": without.policy_payoffs,
            "payoff_gain": with_f.policy_payoffs - without.policy_payoffs,
            "designation_with_framing": with_f.designation_probabilities,
            "designation_without": without.designation_probabilities,
            "level_with_framing": with_f.policy_levels,
            "level_without": without.policy_levels,
        }
    )
