"""The race-to-the-bottom verdict: does the announced rule make violence a losing strategy?

:func:`race_to_the_bottom` compares the *baseline* (the same organizations under the rule
in force before the announcement — :class:`~deterrence.NoTargeting` unless the model or the
caller names another) with the *policy* (the model's rule):

1. the baseline game is solved (every pure equilibrium, when its table is small enough;
   otherwise sequential best responses from everyone at the minimum find a pure one), and
   its most violent pure equilibrium is taken as the status quo;
2. the policy game is solved the same way, plus one mixed equilibrium through
   :func:`deterrence.solve` (``"symmetric"`` for identical organizations, ``"logit"``
   otherwise) when that solver is available;
3. sequential best-response dynamics (:func:`deterrence.best_response_dynamics`,
   ``order="sequential"``, ``tie_breaking="stay"``) run under the policy from the status
   quo: organizations revise in turn, each moving to its least violent best response when
   it cannot do as well by staying put. The state (profile, whose turn) is finite, so the
   dynamics either settle (a pure equilibrium) or revisit a state — an exact cycle
   (undercutting cycles are a known outcome of "most violent pays" rules).

The verdict: ``"full"`` if the dynamics settle at every organization's minimum level (which
is then an equilibrium), else ``"partial"`` / ``"none"`` / ``"escalation"`` as total violence
at the end point (or averaged over the cycle, one revision per time step) is below, equal
to, or above the status quo.
"""

from __future__ import annotations

import dataclasses
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
    "VERDICTS",
    "RaceReport",
    "framing_gains",
    "race_to_the_bottom",
]

#: Possible verdicts, from best to worst.
VERDICTS = ("full", "partial", "none", "escalation")
MIXED = ("auto", "symmetric", "logit", "none")
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
    status_quo, end
        The pure profiles (level indices) where the dynamics start and stop.
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
        expected total violence and designations.
    notes
        What was done, in order (solvers used or unavailable, sizes, selections).
    """

    verdict: str
    dynamics: str
    baseline_violence: float
    policy_violence: float
    minimum_violence: float
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
    notes: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", FrozenMapping(dict(self.parameters)))
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
        against the most violence can gain, payoffs."""
        import pandas as pd

        return pd.DataFrame(
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
            "designations": self.designations,
            "status_quo": list(self.status_quo),
            "end": list(self.end),
            "cycle": [list(c) for c in self.cycle],
            "steps": self.steps,
            "organizations": self.to_dataframe().to_dict(orient="records"),
            "baseline_equilibria": eqs(self.baseline_equilibria),
            "policy_equilibria": eqs(self.policy_equilibria),
            "policy_mixed": eqs(self.policy_mixed),
            "mixed_violence": self.mixed_violence,
            "mixed_designations": self.mixed_designations,
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
        lines.append("")
        red = self.violence_reduction
        red_txt = "" if math.isnan(red) else f" ({100 * red:.0f}% of the reducible violence)"
        lines.append(f"VERDICT: {self.verdict.upper()} — {_VERDICT_TEXT[self.verdict]}")
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
            f"RaceReport(verdict={self.verdict!r}, dynamics={self.dynamics!r}{cyc}, violence "
            f"{self.baseline_violence:.4g} -> {self.policy_violence:.4g} (minimum "
            f"{self.minimum_violence:.4g}), designations {self.designations:.3g})"
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Race to the bottom: {self.verdict}</b> (dynamics {self.dynamics}). "
            f"Total violence {self.baseline_violence:.4g} &rarr; {self.policy_violence:.4g} "
            f"(minimum {self.minimum_violence:.4g}); expected designations "
            f"{self.designations:.3g}.<br>baseline: {self.baseline_rule}<br>policy: "
            f"{self.policy_rule}</p>"
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
        return "not enumerated (table too large)"
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
    table), else from the dense table (``None`` above ``limit`` profiles)."""
    from ..errors import InvalidGameError
    from ..solvers.api import solve

    try:
        res = solve(game, method="pure", route="structured")
    except InvalidGameError:
        res = None
    if res is not None:
        notes.append(f"{label}: {res.message} (complete)")
        return res
    if game.n_profiles > limit:
        notes.append(
            f"{label}: {game.n_profiles} pure profiles, above the enumeration limit {limit}; "
            "pure equilibria not enumerated"
        )
        return None
    dense = game.to_normal_form(max_profiles=limit)
    res = solve(dense, method="pure")
    notes.append(f"{label}: {res.message} (complete)")
    return res


def _status_quo(
    model: TargetingModel,
    game: Any,
    res: NashResult | None,
    *,
    max_iter: int,
    tol: float,
    notes: list[str],
) -> tuple[int, ...]:
    if res is not None and res.equilibria:
        profiles = [e.pure_profile for e in res.equilibria]
        best = max(profiles, key=model.total_violence)
        if len(profiles) > 1:
            notes.append(
                f"baseline: {len(profiles)} pure equilibria; the most violent is taken as the "
                "status quo"
            )
        return best
    dyn = _sequential_br(game, model.minimum_profile(), max_iter=max_iter, tol=tol)
    if dyn["outcome"] == "converged":
        notes.append(
            "baseline: status quo found by sequential best responses from the minimum "
            f"({dyn['steps']} revisions)"
        )
    else:
        notes.append(
            f"baseline: no pure equilibrium reached ({dyn['outcome']}); the dynamics' last "
            "profile is taken as the status quo"
        )
    return dyn["end"]


def _mixed(game: Any, mode: str, notes: list[str], options: Mapping[str, Any]) -> NashResult | None:
    """One mixed equilibrium of the policy game, through :func:`deterrence.solve` on the
    structured game (the solver picks its own representation through the game's seam)."""
    from ..solvers.api import solve

    if mode == "none":
        return None
    if mode == "auto":
        mode = "symmetric" if game.is_symmetric() else "logit"
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


def race_to_the_bottom(
    model: TargetingModel,
    *,
    baseline: Rule | None = None,
    start: Sequence[int] | None = None,
    max_iter: int = 100_000,
    enumerate_limit: int = DEFAULT_ENUMERATION_LIMIT,
    mixed: str = "auto",
    mixed_options: Mapping[str, Any] | None = None,
    equilibria: bool = True,
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
        quo equilibrium.
    max_iter
        Largest number of revision steps of the dynamics.
    enumerate_limit
        Enumerate every pure equilibrium only for games with at most this many pure
        profiles (the dense table is built for that).
    mixed
        Mixed equilibrium of the policy game: ``"auto"`` (``"symmetric"`` for identical
        organizations, else ``"logit"``), ``"symmetric"``, ``"logit"`` or ``"none"``.
    mixed_options
        Keyword options passed to that solver.
    equilibria
        ``False`` skips every equilibrium computation except what the status quo needs
        (fast; used by the threshold searches).
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
    notes: list[str] = []

    base_model = dataclasses.replace(model, rule=base_rule)
    base_game = base_model.game()
    pol_game = model.game()
    scale = _payoff_scale(model)
    ptol = tol * scale

    base_res = _enumerate(base_game, enumerate_limit, "baseline", notes) if equilibria else None
    if start is None:
        sq = _status_quo(base_model, base_game, base_res, max_iter=max_iter, tol=ptol, notes=notes)
    else:
        from ..games.base import as_pure_profile

        sq = as_pure_profile(pol_game, start)
        notes.append(f"dynamics start from the given profile {list(sq)}")
    pol_res = _enumerate(pol_game, enumerate_limit, "policy", notes) if equilibria else None
    mixed_res = _mixed(pol_game, mixed, notes, mixed_options or {}) if equilibria else None

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
    vmin = model.total_violence(model.minimum_profile())
    vtol = 1e-9 * max(1.0, abs(v0))
    at_min = dyn["outcome"] == "converged" and dyn["end"] == model.minimum_profile()
    if at_min:
        verdict = "full"
    elif v1 < v0 - vtol:
        verdict = "partial"
    elif v1 > v0 + vtol:
        verdict = "escalation"
    else:
        verdict = "none"
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
        mixed_violence=mixed_v,
        mixed_designations=mixed_d,
        baseline_rule=base_rule.describe(),
        policy_rule=model.rule.describe(),
        title=model.title,
        notes=tuple(notes),
        parameters={
            "max_iter": max_iter,
            "enumerate_limit": enumerate_limit,
            "mixed": mixed,
            "equilibria": equilibria,
            "tol": tol,
            "start": None if start is None else list(sq),
        },
    )


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
