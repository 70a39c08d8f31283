"""Sweeps over scenarios: grids, sampled designs, any executor, checkpoints.

``dt.sweep(base, axes, ...)`` solves many variants of one frozen model and returns one row per
scenario. A variant is the base model with some fields replaced, named by *dotted paths* into
the model: ``"penalty"``, ``"rule.noise"``, ``"market.revenue"``, ``"penalty[2]"`` (one
organization's entry of a per-organization array). Each replacement goes through
``dataclasses.replace``, so every variant is validated exactly as a hand-built model is.

Designs
-------
* **Full factorial** (``design=None``): ``axes`` maps each path to a list of values; every
  combination is a scenario, the first axis varying slowest.
* **Sampled** (``design="lhs" | "sobol" | "random"`` with ``samples=n``, or the shorthand
  ``"lhs:1000"``): ``axes`` maps each path to a ``(low, high)`` range and the points come
  from :mod:`scipy.stats.qmc` (Latin hypercube, scrambled Sobol) or a uniform sample, scaled
  to the ranges. An explicit ``(n, d)`` array of points (a SALib sample, say) is accepted too.

Execution
---------
Scenarios are grouped into batches (``batch_size`` solves per task, so a task is worth
shipping to a worker); ``executor=None`` runs the batches in order in this process, any
:class:`concurrent.futures.Executor` (a process pool, a Dask ``client.get_executor()``) or a
map-like callable ``executor(fn, iterable)`` runs them in parallel. No pool is ever created
behind the caller's back. Every scenario gets its own child of one
:class:`numpy.random.SeedSequence`, so a sweep's table is the same serially and in parallel.

Nothing lost
------------
With ``checkpoint=path`` every finished batch is appended to that file (one JSON line per
batch, after a header line that fingerprints the sweep). Calling ``sweep`` again with the
same arguments reads the finished batches back and computes only the rest; the final table
is the same as an uninterrupted run's. A checkpoint written by a different sweep is refused.
A scenario whose solve raises is recorded with its error (``error`` column) and the sweep
goes on.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._executor import check_executor, imap_tasks
from ._validation import check_int
from ._version import __version__
from .errors import DeterrenceError

__all__ = ["DESIGNS", "OUTCOMES", "apply_path", "sweep", "sweep_points"]

#: Sampled designs and the largest number of scenarios one sweep accepts.
DESIGNS = ("grid", "lhs", "sobol", "random")
MAX_SCENARIOS = 10_000_000

_TOKEN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$")


# ----------------------------------------------------------------------------- outcomes
def _race_columns(rep: Any) -> dict[str, Any]:
    """The columns every race outcome reports, from a :class:`~deterrence.RaceReport`."""
    return {
        "verdict": rep.verdict,
        "dynamics": rep.dynamics,
        "baseline_violence": rep.baseline_violence,
        "policy_violence": rep.policy_violence,
        "violence_reduction": rep.violence_reduction,
        "reduction_share": rep.reduction_share,
        "grade": rep.grade,
        "designations": rep.designations,
    }


def _dynamics_outcome(model: Any, rng: np.random.Generator | None) -> dict[str, Any]:
    """The race verdict from best-response dynamics only (no equilibrium solves).

    The same numbers as ``race_to_the_bottom(model, equilibria=False, mixed="none")``
    (tested on many scenarios): the targeting model's common case takes the fast path
    :func:`_fast_race` (no report object, one-player rows with the designation part cached
    across scenarios), everything else the report itself.

    Why the fast path stays (measured on 200 Latin-hypercube points of ``"default"``, the
    benchmark's axes): ``race_to_the_bottom(equilibria=False, mixed="none")`` takes about
    13 ms per scenario with the engine's rows from the game's pure-row hook
    (:meth:`~deterrence.Game.pure_payoff_rows`, about 0.1 ms per row, mostly the fixed cost
    of one :meth:`~deterrence.model.structured.TargetingGame.pure_components` call), this
    path about 1 ms: more than the 2x that would justify one copy of the dynamics only.
    """
    from .analysis.race import race_to_the_bottom

    fast = _fast_race(model)
    if fast is not None:
        return fast
    rep = race_to_the_bottom(model, equilibria=False, mixed="none")
    return _race_columns(rep)


# ----------------------------------------------------------------------------- fast race
#: Largest number of revisions the fast path follows before handing over to the report
#: (a fifth of race_to_the_bottom's default max_iter: Brent's cycle detection in the engine
#: concludes by ``3 * first_repeat + 1`` revisions, a rest point at the first repeat, so the
#: report never hits its max_iter where the fast path has an answer).
_FAST_MAX_STEPS = 20_000


class _Rows:
    """Player ``i``'s payoff row at a pure profile, computed from the targeting game's
    pure-profile formulas for one player (own payoff, Tullock share, most-violent
    designation, left-alone bonus) instead of the game's pure-row hook: several times
    cheaper per row, and the designation part is shared across scenarios.

    The values agree with the hook's to rounding, not bit for bit, so every decision is
    *guarded*: a best response is read from these rows only when no comparison it rests on
    (payoff within ``ptol`` of the row's best; score within ``tie_tol`` of the top, within
    ``2 tie_tol``, above the floor by ``tie_tol``) is closer to its threshold than ``1e-3``
    of the tolerance (rounding is ~1e-16 relative). Otherwise the engine's row itself
    (:class:`~deterrence.dynamics._engine.OracleRows`, what ``race_to_the_bottom`` reads)
    decides. The decisions, hence the trajectories, are therefore those of the report.

    The designation part of a row depends on the scores only (levels, metrics, weights,
    attribution, rule), which most sweeps do not vary: it is cached per score structure
    (:data:`_SCORE_CACHE`), shared by the scenarios of a batch.
    """

    def __init__(self, game: Any, *, designates: bool, ptol: float, scale: float) -> None:
        self.game = game
        self.n = game.n_players
        self._payoff_parts(game, H=game._H, ptol=ptol, scale=scale)
        rule = game._rule
        self.designates = designates
        self.scores = designates or (rule.has_floor and bool(np.any(self.H != 0.0)))
        if not self.scores:
            return
        tol = game.tie_tol
        floor = rule.floor if rule.has_floor else None
        ties = rule.ties if designates else "split"  # designates: a MostViolent rule
        z = game._z
        M = np.asarray(game._M, dtype=float)
        key = (
            designates,
            tol,
            floor,
            ties,
            M.tobytes(),
            tuple(x.tobytes() for x in z),
        )
        self.cache = _SCORE_CACHE.get(key)
        if self.cache is None:
            if len(_SCORE_CACHE) >= 64:
                _SCORE_CACHE.clear()
            self.cache = _SCORE_CACHE[key] = {}
        self.z, self.M, self.tol, self.floor, self.ties = z, M, tol, floor, ties
        smax = max(1.0, float(np.max(np.abs(np.array([x.max() for x in z]) @ M))))
        self.seps = max(1e-3 * tol, 1e-13 * smax)

    def _payoff_parts(self, game: Any, *, H: NDArray, ptol: float, scale: float) -> None:
        self.own = game._own
        self.R = float(game._R)
        self.L = np.asarray(game._L, dtype=float)
        self.H = np.asarray(H, dtype=float)
        self.X = None
        self.fixed = game._fixed_share
        if game._contest and self.R != 0.0:
            X = [np.exp(lx) for lx in game._logX]
            if all(np.all(np.isfinite(x) & (x > 0.0)) for x in X):
                self.X = X
                self.Xf = [x.tolist() for x in X]
            else:  # extreme market sizes: the oracle decides every step
                self.R = float("nan")
        self.ptol = ptol
        self.peps = max(1e-3 * ptol, 1e-13 * scale)
        self.oracle: Any = None
        self.scores = False

    def best_response(self, i: int, prof: list[int]) -> int:
        row = self._row(i, prof)
        if row is not None:
            d = row - (row.max() - self.ptol)
            if float(np.abs(d).min()) > self.peps:
                ok = d >= 0.0
                cur = prof[i]
                return cur if ok[cur] else int(ok.argmax())
        return self._oracle_choice(i, prof)

    def _row(self, i: int, prof: list[int]) -> NDArray | None:
        row = self.own[i]
        R = self.R
        if R != 0.0:
            if R != R:  # nan: no fast row
                return None
            if self.X is not None:
                Xf = self.Xf
                others = 0.0
                for k, a in enumerate(prof):
                    if k != i:
                        others += Xf[k][a]
                xi = self.X[i]
                row = row + R * (xi / (xi + others))
            else:
                row = row + R * float(self.fixed[i])
        if not self.scores:
            return row
        key = (i, *prof[:i], *prof[i + 1 :])
        part = self.cache.get(key, _MISSING)
        if part is _MISSING:
            if len(self.cache) >= _SCORE_CACHE_ROWS:
                self.cache.clear()
            part = self.cache[key] = self._score_part(i, prof)
        if part is None:
            return None
        des, alone = part
        if des is not None:
            row = row - self.L[i] * des
        if alone is not None and self.H[i] != 0.0:
            row = row + self.H[i] * alone
        return row

    def _score_part(self, i: int, prof: list[int]) -> tuple[Any, Any] | None:
        """``(designation row or None, left-alone row or None)`` of player ``i`` at the
        others' actions in ``prof``, or ``None`` when a score comparison is too close to
        its threshold to decide without the oracle."""
        zrow = np.array([self.z[k][a] for k, a in enumerate(prof)])
        zrow[i] = 0.0
        S = (zrow @ self.M)[None, :] + self.z[i][:, None] * self.M[i][None, :]
        tol, eps = self.tol, self.seps
        above = alone = None
        if self.floor is not None:
            gap = S[:, i] - (self.floor + tol)
            if float(np.abs(gap).min()) <= eps:
                return None
            above = gap > 0.0
            alone = (~above).astype(float)
        des = None
        if self.designates:
            top = S.max(axis=1, keepdims=True)
            c1 = S + tol - top
            c2 = S - (top - 2.0 * tol)
            if min(float(np.abs(c1).min()), float(np.abs(c2).min())) <= eps:
                return None
            cand = c1 > 0.0
            if np.any(cand != (c2 > 0.0)):
                return None  # a score near the top but not tied with it: the exact rule
            if self.ties == "all":
                des = cand[:, i].astype(float)
            elif self.ties == "lowest":
                des = (cand.argmax(axis=1) == i).astype(float)
            else:
                des = cand[:, i] / cand.sum(axis=1)
            if above is not None:
                des = des * above
        return des, alone

    def _oracle_choice(self, i: int, prof: list[int]) -> int:
        from .dynamics._engine import OracleRows

        if self.oracle is None:
            self.oracle = OracleRows(self.game)
        R = self.oracle.rows(i, np.array([prof], dtype=np.int64))[0]
        ok = R.max() - self.ptol <= R
        cur = prof[i]
        return cur if ok[cur] else int(ok.argmax())


#: Designation rows of :class:`_Rows`, per score structure (process-local, bounded).
_SCORE_CACHE: dict[tuple[Any, ...], dict[tuple[int, ...], Any]] = {}
#: Largest number of rows kept per score structure (a few hundred bytes each).
_SCORE_CACHE_ROWS = 200_000
_MISSING = object()


def _fast_sequential(rows: _Rows, start: Sequence[int]) -> tuple[str, list[tuple[int, ...]]]:
    """Sequential best responses (``tie_breaking="stay"``) from ``start`` until the first
    repeated (profile, whose turn) state: ``("converged", [end])`` or ``("cycle",
    states)`` with the cycle's states in order from its first entry (as
    :func:`~deterrence.best_response_dynamics` reports them); ``("long", [])`` past
    :data:`_FAST_MAX_STEPS`.

    A repeated state of this deterministic map repeats forever; the cycle is a rest point
    exactly when its period is ``n`` (within one round every player revises once, so the
    profile comes back only if nobody moved)."""
    n = rows.n
    prof = [int(a) for a in start]
    seen: dict[tuple[tuple[int, ...], int], int] = {}
    traj: list[tuple[int, ...]] = []
    t = 0
    while True:
        key = (tuple(prof), t % n)
        mu = seen.get(key)
        if mu is not None:
            break
        if t > _FAST_MAX_STEPS:
            return "long", []
        seen[key] = t
        traj.append(key[0])
        i = t % n
        prof[i] = rows.best_response(i, prof)
        t += 1
    window = traj[mu:]
    if len(window) == n and all(s == window[0] for s in window):
        return "converged", [window[0]]
    return "cycle", window


def _fast_race(model: Any) -> dict[str, Any] | None:
    """``race_to_the_bottom(model, equilibria=False, mixed="none")``'s verdict and totals,
    without the report; ``None`` when the model is not the common case (policy rule
    :class:`~deterrence.MostViolent` without margin or :class:`~deterrence.NoTargeting`,
    baseline :class:`~deterrence.NoTargeting`) or the dynamics run long.

    The same steps as the report: the status quo is where sequential best responses from
    the minimum stop under the baseline rule (the first repeated state of a cycle), the
    policy dynamics start there, the verdict compares total violence at the end (averaged
    over the cycle's states) with the status quo's. The baseline game is the policy game
    with nobody designated (same own payoffs and market), so it is not built unless a
    guarded decision needs the oracle.
    """
    from .analysis.race import _judge, _payoff_scale
    from .model.kernels import MostViolentKernel, NoTargetingKernel, kernel_for
    from .model.targeting import TargetingModel

    if type(model) is not TargetingModel:
        return None
    pol_kernel = kernel_for(model.rule)
    if not isinstance(kernel_for(model.baseline), NoTargetingKernel) or model.baseline.has_floor:
        return None
    if isinstance(pol_kernel, MostViolentKernel):
        if model.rule.margin > 0:
            return None
        designates = True
    elif isinstance(pol_kernel, NoTargetingKernel):
        designates = False
    else:
        return None
    scale = _payoff_scale(model)
    ptol = 1e-9 * scale  # race_to_the_bottom's default tol times the payoff scale
    pol_game = model.game()
    base_rows = _BaselineRows(model, pol_game, ptol=ptol, scale=scale)
    kind, states = _fast_sequential(base_rows, model.minimum_profile())
    if kind == "long":
        return None
    sq = states[0]  # the rest point, or the first repeated state of the cycle
    pol_rows = _Rows(pol_game, designates=designates, ptol=ptol, scale=scale)
    kind, window = _fast_sequential(pol_rows, sq)
    if kind == "long":
        return None
    levels = model.levels
    lv = np.array([[levels[i][a] for i, a in enumerate(s)] for s in window])
    policy_levels = lv.mean(axis=0)
    comp = pol_game.pure_components(np.array(window, dtype=np.intp))
    des = comp["designation"].mean(axis=0)
    base_levels = np.array([levels[i][a] for i, a in enumerate(sq)])
    v0 = float(base_levels.sum())
    v1 = float(policy_levels.sum())
    at_min = kind == "converged" and window[0] == model.minimum_profile()
    verdict, share, grade, vmin = _judge(model, v0, v1, at_min=at_min)
    room = v0 - vmin
    return {
        "verdict": verdict,
        "dynamics": kind,
        "baseline_violence": v0,
        "policy_violence": v1,
        "violence_reduction": float("nan") if room <= 0 else (v0 - v1) / room,
        "reduction_share": share,
        "grade": grade,
        "designations": float(des.sum()),
    }


class _BaselineRows(_Rows):
    """:class:`_Rows` of the baseline game (nobody designated, no floor) read off the
    policy game's own payoffs and market; the baseline game itself is built only for the
    oracle."""

    def __init__(self, model: Any, pol_game: Any, *, ptol: float, scale: float) -> None:
        self.model = model
        self.game = None
        self.n = pol_game.n_players
        self._payoff_parts(pol_game, H=np.zeros(self.n), ptol=ptol, scale=scale)

    def _oracle_choice(self, i: int, prof: list[int]) -> int:
        if self.game is None:
            self.game = dataclasses.replace(self.model, rule=self.model.baseline).game()
        return super()._oracle_choice(i, prof)


def _race_outcome(model: Any, rng: np.random.Generator) -> dict[str, Any]:
    """The full race report: dynamics, pure equilibria where enumerable, a mixed one."""
    from .analysis.race import race_to_the_bottom

    rep = race_to_the_bottom(model)
    mixed = rep.policy_mixed
    return {
        **_race_columns(rep),
        "pure_equilibria": (
            np.nan if rep.policy_equilibria is None else len(rep.policy_equilibria.equilibria)
        ),
        "mixed_violence": np.nan if rep.mixed_violence is None else rep.mixed_violence,
        "mixed_designations": (
            np.nan if rep.mixed_designations is None else rep.mixed_designations
        ),
        "mixed_regret": np.nan if mixed is None else mixed.max_regret,
        "mixed_converged": None if mixed is None else bool(mixed.converged),
    }


def _equilibrium_outcome(model: Any, rng: np.random.Generator) -> dict[str, Any]:
    """One equilibrium of the policy game (``dt.solve`` with ``method="auto"``)."""
    from .solvers.api import solve

    game = model.game()
    res = solve(game)
    if not res.equilibria:
        return {
            "converged": bool(res.converged),
            "violence": np.nan,
            "designations": np.nan,
            "regret": np.nan,
        }
    eq = res.equilibria[0]
    levels = model.levels
    violence = float(sum(float(p @ lv) for p, lv in zip(eq.strategies, levels, strict=True)))
    designations = float(np.sum(game.expected_designations(eq.strategies)))
    return {
        "converged": bool(res.converged),
        "violence": violence,
        "designations": designations,
        "regret": float(eq.regret),
    }


def _campaign_outcome(model: Any, rng: np.random.Generator) -> dict[str, Any]:
    """The campaign's stationary equilibrium (:func:`~deterrence.solve_campaign`, every
    survivor state, certified) and its first round: a :class:`~deterrence.Campaign` as it
    is, a targeting model inside ``dt.Campaign(model)`` (its defaults: destroy 0.5,
    discount 0.9). Columns: ``converged``, ``regret``, ``states``; at the start, expected
    total ``violence``, the number of organizations that do not play their lowest level
    (``violent``), expected ``designations`` and ``destructions`` in the first round (a
    destroyed organization replaced by its splinter counts), and the organizations' total
    ``value`` (the franchises)."""
    from .analysis.campaign import solve_campaign
    from .model.campaign import Campaign

    camp = model if isinstance(model, Campaign) else Campaign(model)
    res = solve_campaign(camp)
    s = camp.initial_state
    stage = camp.stage(s)
    prof = res.strategies[s]
    sub_prof = stage.sub_profile(prof)
    levels = stage.sub.model.levels
    violence = sum(float(q @ lv) for q, lv in zip(sub_prof, levels, strict=True))
    violent = sum(int(q[0] < 1.0 - 1e-9) for q in sub_prof)
    law = sub_prof[0] @ stage.designation(sub_prof)[0]
    sizes = [1] * len(law) if stage.sets is None else [len(c) for c in stage.sets]
    i0 = stage.active[0]
    succ = list(camp.successors(s))
    nxt = (prof[i0] @ camp.deviation_transitions(s, prof)[i0])[succ]
    status = camp.state_info(s)["status"]
    lost = [  # lineages whose organization changed (destroyed, or replaced by its splinter)
        sum(a != b for a, b in zip(status, camp.state_info(t)["status"], strict=True)) for t in succ
    ]
    return {
        "converged": bool(res.converged),
        "regret": float(res.regret),
        "states": int(camp.n_states),
        "violence": violence,
        "violent": violent,
        "designations": float(law @ np.asarray(sizes, dtype=float)),
        "destructions": float(nxt @ np.asarray(lost, dtype=float)),
        "value": float(np.sum(res.values[s])),
    }


#: Named outcomes: ``name -> f(model, rng) -> dict of scalars``.
OUTCOMES: dict[str, Callable[[Any, np.random.Generator], dict[str, Any]]] = {
    "dynamics": _dynamics_outcome,
    "race": _race_outcome,
    "equilibrium": _equilibrium_outcome,
    "campaign": _campaign_outcome,
}


# ----------------------------------------------------------------------------- paths
def _parse_path(path: Any) -> list[tuple[str, int | None]]:
    if not isinstance(path, str) or not path:
        raise DeterrenceError(
            f"axis {path!r} is not valid; expected a dotted path into the model such as "
            "'penalty', 'rule.noise' or 'penalty[2]'"
        )
    out = []
    for tok in path.split("."):
        m = _TOKEN.match(tok)
        if m is None:
            raise DeterrenceError(
                f"axis {path!r} is not valid: {tok!r} is not a field name (optionally with an "
                "index, as 'penalty[2]')"
            )
        out.append((m.group(1), None if m.group(2) is None else int(m.group(2))))
    return out


def _field_names(obj: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(obj) if f.init]


def _check_field(obj: Any, name: str, path: str) -> None:
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise DeterrenceError(
            f"axis {path!r} is not valid: {type(obj).__name__} has no fields to replace "
            f"(at {name!r})"
        )
    names = _field_names(obj)
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise DeterrenceError(
            f"axis {path!r} is not valid: {type(obj).__name__} has no field {name!r}{hint}; "
            f"its fields are {', '.join(names)}"
        )


def apply_path(obj: Any, path: str, value: Any) -> Any:
    """A copy of the frozen dataclass ``obj`` with the field at ``path`` set to ``value``.

    Parameters
    ----------
    obj
        A frozen dataclass (a :class:`~deterrence.TargetingModel`, a rule, a market, ...).
    path
        Dotted path, each part a field name with an optional index into an array field:
        ``"penalty"``, ``"rule.noise"``, ``"market.revenue"``, ``"penalty[2]"``.
    value
        The new value; the object's own validation checks it.

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 5), penalty=2.0,
    ...                           rule=dt.NoisyMostViolent(noise=0.5))
    >>> apply_path(model, "rule.noise", 0.1).rule.noise
    0.1
    >>> apply_path(model, "penalty[1]", 5.0).penalty.tolist()
    [2.0, 5.0, 2.0]
    """
    return _apply(obj, _parse_path(path), value, path)


def _apply(obj: Any, tokens: list[tuple[str, int | None]], value: Any, path: str) -> Any:
    name = tokens[0][0]
    return dataclasses.replace(obj, **{name: _new_field(obj, tokens, value, path)})


def _new_field(obj: Any, tokens: list[tuple[str, int | None]], value: Any, path: str) -> Any:
    """The new value of the field ``tokens[0]`` of ``obj`` (validated by the replace that
    puts it in place)."""
    (name, index), rest = tokens[0], tokens[1:]
    _check_field(obj, name, path)
    current = getattr(obj, name)
    if index is None:
        if rest and current is None:
            raise DeterrenceError(
                f"axis {path!r} is not valid: {type(obj).__name__}.{name} is None here, so "
                f"it has no field {rest[0][0]!r} to vary"
            )
        return _apply(current, rest, value, path) if rest else value
    size = len(current) if isinstance(current, list | tuple | np.ndarray) else None
    if size is None or not 0 <= index < size:
        raise DeterrenceError(
            f"axis {path!r} is not valid: {type(obj).__name__}.{name} has "
            f"{'no entries' if size is None else f'{size} entries'}; index {index} is "
            "out of range"
        )
    items = list(current)
    items[index] = _apply(items[index], rest, value, path) if rest else value
    return np.asarray(items, dtype=float) if isinstance(current, np.ndarray) else items


def _apply_point(obj: Any, point: Mapping[str, Any]) -> Any:
    """``obj`` with every ``path: value`` of ``point`` applied, one ``dataclasses.replace``
    per object touched (the model is validated once, not once per axis).

    The same value as applying the paths one after the other with :func:`apply_path`
    (tested); paths that share a field with an index (``penalty[1]`` and ``penalty[2]``, or
    ``penalty`` and ``penalty[2]``) are applied one after the other.
    """
    return _apply_many(obj, [(_parse_path(p), v, p) for p, v in point.items()])


def _apply_many(obj: Any, items: list[tuple[list[tuple[str, int | None]], Any, str]]) -> Any:
    if not items:
        return obj
    if len(items) == 1:
        tokens, value, path = items[0]
        return _apply(obj, tokens, value, path)
    groups: dict[str, list[tuple[list[tuple[str, int | None]], Any, str]]] = {}
    for item in items:
        groups.setdefault(item[0][0][0], []).append(item)
    for group in groups.values():
        if len(group) > 1 and any(t[0][1] is not None or len(t) == 1 for t, _, _ in group):
            for tokens, value, path in items:  # overlapping paths: in order
                obj = _apply(obj, tokens, value, path)
            return obj
    changes: dict[str, Any] = {}
    for name, group in groups.items():
        if len(group) == 1:
            tokens, value, path = group[0]
            changes[name] = _new_field(obj, tokens, value, path)
            continue
        path = group[0][2]
        _check_field(obj, name, path)
        current = getattr(obj, name)
        if current is None:
            raise DeterrenceError(
                f"axis {path!r} is not valid: {type(obj).__name__}.{name} is None here, so "
                f"it has no field {group[0][0][1][0]!r} to vary"
            )
        changes[name] = _apply_many(current, [(t[1:], v, p) for t, v, p in group])
    return dataclasses.replace(obj, **changes)


# ----------------------------------------------------------------------------- designs
def _parse_design(design: Any, samples: int | None) -> tuple[str, int | None, NDArray | None]:
    if design is None:
        return "grid", None, None
    if isinstance(design, np.ndarray) or (
        isinstance(design, Sequence) and not isinstance(design, str)
    ):
        pts = np.asarray(design, dtype=float)
        if pts.ndim != 2 or pts.shape[0] == 0:
            raise DeterrenceError(
                f"design has shape {pts.shape}; expected an (n_points, n_axes) array of points"
            )
        if not np.all(np.isfinite(pts)):
            raise DeterrenceError("design contains NaN or inf; expected finite points")
        return "points", pts.shape[0], pts
    if not isinstance(design, str):
        raise DeterrenceError(
            f"design={design!r} is not valid; expected None, 'grid', 'lhs', 'sobol', "
            "'random' (optionally 'lhs:N') or an (n, d) array of points"
        )
    kind, _, n_text = design.partition(":")
    if kind not in DESIGNS:
        raise DeterrenceError(
            f"design={design!r} is not valid; expected one of {', '.join(DESIGNS)} "
            "(sampled ones as 'lhs:1000' or with samples=1000)"
        )
    if n_text:
        if samples is not None:
            raise DeterrenceError(
                f"design={design!r} and samples={samples!r} both give a sample size; give one"
            )
        try:
            samples = int(n_text)
        except ValueError:
            raise DeterrenceError(
                f"design={design!r} is not valid; expected 'kind:N' with N an integer"
            ) from None
    if kind == "grid":
        if samples is not None:
            raise DeterrenceError("design='grid' takes no sample size; give lists of values")
        return "grid", None, None
    if samples is None:
        raise DeterrenceError(
            f"design={kind!r} needs a sample size: samples=N or design='{kind}:N'"
        )
    samples = check_int("samples", samples, low=1, high=MAX_SCENARIOS)
    return kind, samples, None


def _check_axes(axes: Any, kind: str) -> dict[str, Any]:
    if axes is None:
        axes = {}
    if not isinstance(axes, Mapping):
        raise DeterrenceError(
            f"axes={axes!r} is not valid; expected a mapping from dotted paths to values "
            "(a list for a grid, a (low, high) range for a sampled design)"
        )
    out: dict[str, Any] = {}
    for path, spec in axes.items():
        _parse_path(path)
        if kind == "grid":
            if isinstance(spec, str | bytes) or not isinstance(spec, Iterable):
                raise DeterrenceError(
                    f"axis {path!r}={spec!r} is not valid; expected a list of values"
                )
            vals = list(spec)
            if not vals:
                raise DeterrenceError(f"axis {path!r} is empty; expected at least one value")
            out[path] = vals
        else:
            try:
                lo, hi = (float(x) for x in spec)
            except (TypeError, ValueError):
                raise DeterrenceError(
                    f"axis {path!r}={spec!r} is not valid; a sampled design needs a "
                    "(low, high) range of numbers"
                ) from None
            if not (np.isfinite(lo) and np.isfinite(hi)) or not lo < hi:
                raise DeterrenceError(
                    f"axis {path!r}=({lo!r}, {hi!r}) is not a range with points in it; "
                    "expected finite low < high"
                )
            out[path] = (lo, hi)
    return out


def sweep_points(
    axes: Mapping[str, Any],
    kind: str,
    samples: int | None,
    points: NDArray | None,
    seed: np.random.SeedSequence,
) -> list[dict[str, Any]]:
    """The scenarios of a design: one ``{path: value}`` dict per scenario."""
    paths = list(axes)
    if kind == "grid":
        sizes = [len(axes[p]) for p in paths]
        n = math.prod(sizes)
        if n > MAX_SCENARIOS:
            raise DeterrenceError(
                f"the grid has {n} scenarios ({' x '.join(map(str, sizes))}); at most "
                f"{MAX_SCENARIOS} per sweep"
            )
        idx = np.indices(sizes).reshape(len(sizes), -1).T if paths else np.zeros((1, 0), int)
        return [{p: axes[p][k] for p, k in zip(paths, row, strict=True)} for row in idx]
    d = len(paths)
    if d == 0:
        raise DeterrenceError("a sampled design needs at least one axis with a (low, high) range")
    lo = np.array([axes[p][0] for p in paths])
    hi = np.array([axes[p][1] for p in paths])
    if kind == "points":
        assert points is not None
        if points.shape[1] != d:
            raise DeterrenceError(
                f"design has {points.shape[1]} columns; expected {d} (one per axis: "
                f"{', '.join(paths)})"
            )
        bad = np.any((points < lo) | (points > hi), axis=1)
        if np.any(bad):
            k = int(np.flatnonzero(bad)[0])
            raise DeterrenceError(
                f"design row {k}={points[k].tolist()} lies outside the axes' ranges"
            )
        unit = None
        pts = points
    else:
        from scipy.stats import qmc

        gen = np.random.default_rng(seed)
        if kind == "lhs":
            unit = qmc.LatinHypercube(d=d, rng=gen).random(samples)
        elif kind == "sobol":
            unit = qmc.Sobol(d=d, scramble=True, rng=gen).random(samples)
        else:
            unit = gen.random((samples, d))
        pts = qmc.scale(unit, lo, hi)
    return [{p: float(x) for p, x in zip(paths, row, strict=True)} for row in pts]


# ----------------------------------------------------------------------------- running
def _run_batch(task: tuple[Any, Any, list[tuple[int, dict[str, Any], Any]]]) -> dict:
    """Solve one batch of scenarios (module level, so process pools can pickle it).

    The base model travels once per task; the rows come back packed by column
    (:func:`_pack_rows`: float columns as numpy arrays), cheap to pickle.
    """
    base, outcome, items = task
    fn = OUTCOMES[outcome] if isinstance(outcome, str) else outcome
    seeded = outcome not in _UNSEEDED
    rows = []
    for index, point, seed in items:
        row: dict[str, Any] = {"scenario": index, **point, "error": None}
        try:
            model = _apply_point(base, point)
            res = fn(model, np.random.default_rng(seed) if seeded else None)
            if not isinstance(res, Mapping):
                raise DeterrenceError(
                    f"outcome returned {type(res).__name__}; expected a dict of scalars"
                )
            for key, val in res.items():
                row[str(key)] = _scalar(val)
        except Exception as exc:  # recorded, never kills the sweep
            row["error"] = f"{type(exc).__name__}: {exc}"
        rows.append(row)
    return _pack_rows(rows)


#: Named outcomes that draw no random numbers (no Generator is made for them).
_UNSEEDED = frozenset({"dynamics"})


def _pack_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows as columns: every column in order of first appearance, all-float columns as a
    float array, others as a list, with a presence mask when some rows lack the column.
    :func:`_unpack_rows` gives back rows equal to the originals (values, key order)."""
    keys: dict[str, None] = {}
    for r in rows:
        keys.update(dict.fromkeys(r))
    cols: dict[str, Any] = {}
    for k in keys:
        present = [k in r for r in rows]
        vals = [r.get(k) for r in rows]
        mask = None if all(present) else np.array(present)
        if all(type(v) is float for v, p in zip(vals, present, strict=True) if p):
            cols[k] = (
                np.array([v if p else np.nan for v, p in zip(vals, present, strict=True)]),
                mask,
            )
        else:
            cols[k] = (vals, mask)
    return {"n": len(rows), "cols": cols}


def _unpack_rows(packed: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{} for _ in range(packed["n"])]
    for k, (vals, mask) in packed["cols"].items():
        vals = vals.tolist() if isinstance(vals, np.ndarray) else vals
        for j, (row, v) in enumerate(zip(rows, vals, strict=True)):
            if mask is None or mask[j]:
                row[k] = v
    return rows


def _scalar(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if v is None or isinstance(v, bool | int | float | str):
        return v
    raise DeterrenceError(f"outcome value {v!r} is not a scalar (number, string, bool, None)")


def _seed_sequence(rng: Any) -> np.random.SeedSequence:
    if rng is None or (isinstance(rng, int | np.integer) and not isinstance(rng, bool)):
        if rng is not None and int(rng) < 0:
            raise DeterrenceError(f"rng={rng!r} is not valid; expected a non-negative seed")
        return np.random.SeedSequence(None if rng is None else int(rng))
    if isinstance(rng, np.random.SeedSequence):
        return np.random.SeedSequence(rng.entropy, spawn_key=rng.spawn_key)
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(0, 2**63)))
    raise DeterrenceError(
        f"rng={rng!r} is not valid; expected None, a non-negative int, a SeedSequence or a "
        "Generator"
    )


def _fingerprint_value(v: Any) -> Any:
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {
            "__type__": type(v).__name__,
            **{f.name: _fingerprint_value(getattr(v, f.name)) for f in dataclasses.fields(v)},
        }
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, Mapping):
        return {str(k): _fingerprint_value(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_fingerprint_value(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    if v is None or isinstance(v, bool | int | float | str):
        return v
    return repr(v)


def _digest(obj: Any) -> str:
    text = json.dumps(_fingerprint_value(obj), sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read_checkpoint(
    path: Path, header: dict[str, Any]
) -> tuple[Any, dict[int, list[dict]], int | None]:
    """The seed, the finished batches and the batch size of a checkpoint (refused if
    another sweep's; a call that leaves ``batch_size`` to the default takes the stored
    one, which the default chose)."""
    done: dict[int, list[dict]] = {}
    if not path.exists():
        return None, done, None
    if path.is_dir():
        raise DeterrenceError(f"checkpoint={str(path)!r} is a directory; expected a file path")
    with path.open(encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    if not lines:
        return None, done, None
    try:
        found = json.loads(lines[0])
    except json.JSONDecodeError:
        raise DeterrenceError(
            f"checkpoint={str(path)!r} is not a sweep checkpoint (its first line is not JSON)"
        ) from None
    if not isinstance(found, dict) or found.get("kind") != "deterrence.sweep":
        raise DeterrenceError(f"checkpoint={str(path)!r} is not a deterrence sweep checkpoint")
    for key, val in header.items():
        if key in ("seed", "version") or (key == "batch_size" and val is None):
            continue
        if found.get(key) != val:
            raise DeterrenceError(
                f"checkpoint={str(path)!r} was written by a different sweep: its {key} is "
                f"{found.get(key)!r}, this call's is {val!r}; use another checkpoint file or "
                "the same arguments"
            )
    if header.get("seed") is not None and found.get("seed") != header["seed"]:
        raise DeterrenceError(
            f"checkpoint={str(path)!r} was written with seed {found.get('seed')!r}, this "
            f"call's is {header['seed']!r}"
        )
    for line in lines[1:]:
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            break  # a batch cut short by a kill: computed again
        done[int(rec["batch"])] = rec["rows"]
    size = found.get("batch_size")
    return found.get("seed"), done, size if isinstance(size, int) and size >= 1 else None


def sweep(
    base: Any,
    axes: Mapping[str, Any] | None = None,
    *,
    design: Any = None,
    samples: int | None = None,
    outcome: str | Callable[[Any, np.random.Generator], Mapping[str, Any]] = "dynamics",
    executor: Any = None,
    rng: Any = None,
    progress: bool = True,
    checkpoint: str | os.PathLike[str] | None = None,
    batch_size: int | None = None,
) -> Any:
    """Solve every scenario of a grid or a sampled design; one row per scenario.

    Parameters
    ----------
    base
        The frozen model every scenario starts from (a :class:`~deterrence.TargetingModel`,
        or any frozen dataclass the outcome function accepts).
    axes
        Dotted path -> list of values (grid) or ``(low, high)`` (sampled designs).
    design
        ``None``/``"grid"`` (full factorial), ``"lhs"``, ``"sobol"``, ``"random"`` (with
        ``samples``, or as ``"lhs:1000"``), or an explicit ``(n, d)`` array of points.
    samples
        Number of points of a sampled design.
    outcome
        ``"dynamics"`` (race verdict, grade, reduction share and totals from best-response
        dynamics, as ``race_to_the_bottom(equilibria=False)``: a few ms per scenario of 6
        organizations x 11 levels), ``"race"`` (the full
        :func:`~deterrence.race_to_the_bottom` report), ``"equilibrium"`` (one equilibrium
        of the policy game), ``"campaign"`` (the campaign's certified stationary
        equilibrium and its first round; the base a :class:`~deterrence.Campaign`, whose
        axes are its options and ``"model.<field>"``, or a targeting model run as
        ``dt.Campaign(model)``), or a picklable callable ``f(model, rng) -> dict`` of
        scalars.
    executor
        ``None`` (serial), a :class:`concurrent.futures.Executor` (including a Dask
        client's ``get_executor()``) or a map-like callable ``executor(fn, iterable)``.
    rng
        Seed of the sweep's :class:`~numpy.random.SeedSequence` (the sampled design and every
        scenario's own ``rng`` derive from it); recorded in the table's ``attrs``.
    progress
        Show a progress bar (``tqdm.auto``).
    checkpoint
        A file to which finished batches are appended; calling again with the same
        arguments resumes from it.
    batch_size
        Scenarios per task (default: up to 200, at least 8 tasks when there are enough
        scenarios).

    Returns
    -------
    pandas.DataFrame
        Indexed by scenario number: the axes' values, the outcome's columns and ``error``
        (``None``, or the message of the exception the scenario raised). ``attrs`` records
        the provenance (package version, seed, design, outcome, base model digest).

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 6), benefit=1.0,
    ...                           penalty=1.0, rule=dt.MostViolent())
    >>> df = dt.sweep(model, {"penalty": [0.5, 4.0]}, progress=False)
    >>> df[["penalty", "verdict"]].values.tolist()
    [[0.5, 'none'], [4.0, 'full']]
    """
    import pandas as pd

    kind, n_samples, points = _parse_design(design, samples)
    axes = _check_axes(axes, "grid" if kind == "grid" else "range")
    if isinstance(outcome, str):
        if outcome not in OUTCOMES:
            raise DeterrenceError(
                f"outcome={outcome!r} is not valid; expected one of {', '.join(OUTCOMES)} or "
                "a callable f(model, rng) -> dict"
            )
    elif not callable(outcome):
        raise DeterrenceError(
            f"outcome={outcome!r} is not valid; expected a name or a callable f(model, rng)"
        )
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, low=1)
    check_executor(executor)
    if not dataclasses.is_dataclass(base) or isinstance(base, type):
        raise DeterrenceError(
            f"base={type(base).__name__} is not valid; expected a frozen model such as "
            "dt.TargetingModel"
        )
    # every axis value is checked on the base model before any solve
    for path, spec in axes.items():
        for value in spec:  # grid values, or the two ends of a range
            try:
                apply_path(base, path, value)
            except DeterrenceError as exc:
                if str(exc).startswith(f"axis {path!r}"):
                    raise  # the path itself is wrong
                raise DeterrenceError(f"axis {path!r}={value!r}: {exc}") from None
            except (TypeError, ValueError) as exc:
                raise DeterrenceError(
                    f"axis {path!r}={value!r} is not valid for this model: {exc}"
                ) from None

    header = {
        "kind": "deterrence.sweep",
        "version": __version__,
        "base": _digest(base),
        "axes": _fingerprint_value(axes),
        "design": kind,
        "samples": n_samples,
        "points": None if points is None else _digest(points.tolist()),
        "outcome": outcome if isinstance(outcome, str) else getattr(outcome, "__qualname__", ""),
        "batch_size": batch_size,
        "seed": None,
    }
    path = None if checkpoint is None else Path(checkpoint)
    done: dict[int, list[dict]] = {}
    ss = _seed_sequence(rng)
    if path is not None:
        header["seed"] = None if rng is None else ss.entropy
        stored, done, stored_size = _read_checkpoint(path, header)
        if rng is None and stored is not None:
            ss = np.random.SeedSequence(stored)
        if batch_size is None:
            batch_size = stored_size
    header["seed"] = ss.entropy
    design_seed, task_seed = ss.spawn(2)
    pts = sweep_points(axes, kind, n_samples, points, design_seed)
    n = len(pts)
    seeds = task_seed.spawn(n)
    size = batch_size or max(1, min(200, math.ceil(n / 8)))
    header["batch_size"] = size
    batches = [list(range(k, min(n, k + size))) for k in range(0, n, size)]

    todo = [b for b in range(len(batches)) if b not in done]
    tasks = [(base, outcome, [(i, pts[i], seeds[i]) for i in batches[b]]) for b in todo]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=n, initial=n - sum(len(batches[b]) for b in todo), desc="sweep", unit="scenario"
        )
    fh = None
    if path is not None:
        new_file = not path.exists() or path.stat().st_size == 0
        fh = path.open("a", encoding="utf-8")
        if new_file:
            fh.write(json.dumps(header) + "\n")
            fh.flush()
    try:
        for k, packed in imap_tasks(_run_batch, tasks, executor=executor, ordered=False):
            b = todo[k]
            rows = _unpack_rows(packed)
            done[b] = rows
            if fh is not None:
                fh.write(json.dumps({"batch": b, "rows": rows}, default=_scalar) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            if bar is not None:
                bar.update(len(rows))
    finally:
        if fh is not None:
            fh.close()
        if bar is not None:
            bar.close()

    rows = [r for b in range(len(batches)) for r in done[b]]
    df = pd.DataFrame.from_records(rows).set_index("scenario").sort_index()
    cols = [c for c in df.columns if c != "error"] + ["error"]
    df = df[cols]
    df.attrs.update(
        {
            "deterrence_version": __version__,
            "seed": str(ss.entropy),
            "design": kind,
            "samples": n_samples,
            "outcome": header["outcome"],
            "axes": json.dumps(header["axes"]),
            "base": header["base"],
            "base_title": str(getattr(base, "title", "") or ""),
            "scenarios": n,
            "errors": int(df["error"].notna().sum()),
        }
    )
    return df
