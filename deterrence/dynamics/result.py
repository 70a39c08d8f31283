"""Result types of the learning dynamics: one run (:class:`DynamicsResult`) and many runs
mapped to their attractors (:class:`BasinsResult`).

Both are frozen values that record how they were made (method, parameters, iterations) and
carry the evidence a reader needs: the end profile's regret, computed with the game's oracle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._frozen import FrozenMapping

__all__ = ["OUTCOMES", "Attractor", "BasinsResult", "DynamicsResult"]

#: The possible outcomes of a run.
OUTCOMES = ("converged", "cycle", "max_iter")


def _readonly(a: Any, dtype: Any = None) -> NDArray:
    arr = np.array(a, dtype=dtype)
    arr.flags.writeable = False
    return arr


def _fmt_profile(p: Any, digits: int = 3) -> str:
    """``(0, 3, 1)`` for a pure profile, ``([0.5, 0.5], [1, 0])`` for a mixed one."""
    if len(p) and np.ndim(p[0]) == 0:
        return "(" + ", ".join(str(int(a)) for a in p) + ")"
    parts = ["[" + ", ".join(f"{x:.{digits}g}" for x in np.asarray(s)) + "]" for s in p]
    return "(" + ", ".join(parts) + ")"


@dataclass(frozen=True, eq=False, kw_only=True)
class DynamicsResult:
    """One run of a learning dynamic: where play went, and whether it settled.

    Attributes
    ----------
    method
        ``"best_response"``, ``"fictitious_play"``, ``"logit_response"`` or ``"replicator"``.
    trajectory
        The states visited, one row per recorded time. *Pure* dynamics (best response,
        logit response): an int array of shape ``(T + 1, n_players)``, row ``t`` the pure
        profile after ``t`` revisions. *Mixed* dynamics (fictitious play beliefs, replicator
        population shares): a float array of shape ``(T + 1, sum(shape))``, each row the
        players' mixed strategies concatenated (see :attr:`strategies` to split them).
    times
        Shape ``(T + 1,)``: the revision count of each row (discrete dynamics) or the ODE
        time (replicator).
    shape
        Number of actions of each player.
    outcome
        ``"converged"`` (reached a rest point of the dynamic), ``"cycle"`` (an exact cycle
        was detected; see the method's docs for what a cycle means there) or ``"max_iter"``
        (stopped by the iteration or time limit without either).
    end
        The last state: a pure profile (tuple of ints) or a mixed profile (tuple of arrays).
    is_equilibrium, regret
        Whether ``end`` is a Nash equilibrium (``regret <= tol``) and its regret, computed
        with the game's deviation-payoff oracle.
    cycle
        The profiles of the cycle in the order visited (empty unless ``outcome == "cycle"``).
    period
        Length of the cycle in revisions (``None`` without a cycle).
    cycle_start
        Index in :attr:`trajectory` where the cycle is first entered (``None`` without one).
    iterations
        Revisions (or rounds) until the outcome was established: the first arrival at the
        rest point, the first return to a state of the cycle, or ``max_iter``.
    message
        Human-readable account of the run.
    parameters
        The options the run used, read-only.
    plays
        Fictitious play only: the pure profile played in each round, shape ``(T, n)``.
    player_names
        Labels for tables and plots.
    """

    method: str
    trajectory: NDArray
    times: NDArray
    shape: tuple[int, ...]
    outcome: str
    end: tuple[Any, ...]
    is_equilibrium: bool
    regret: float
    cycle: tuple[tuple[int, ...], ...] = ()
    period: int | None = None
    cycle_start: int | None = None
    iterations: int = 0
    message: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    plays: NDArray | None = None
    player_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "trajectory", _readonly(self.trajectory))
        object.__setattr__(self, "times", _readonly(self.times, float))
        object.__setattr__(self, "shape", tuple(int(k) for k in self.shape))
        object.__setattr__(self, "parameters", FrozenMapping(dict(self.parameters)))
        if self.plays is not None:
            object.__setattr__(self, "plays", _readonly(self.plays))
        if not self.player_names:
            names = tuple(str(i + 1) for i in range(len(self.shape)))
            object.__setattr__(self, "player_names", names)

    # ------------------------------------------------------------------ views
    @property
    def is_pure(self) -> bool:
        """True for dynamics on pure profiles (the trajectory holds action indices)."""
        return self.trajectory.dtype.kind in "iu"

    @property
    def converged(self) -> bool:
        """scipy-style alias: ``outcome == "converged"``."""
        return self.outcome == "converged"

    @property
    def strategies(self) -> tuple[NDArray[np.float64], ...]:
        """Each player's mixed strategy over time: a tuple of ``(T + 1, n_i)`` arrays
        (one-hot rows for pure dynamics)."""
        if self.is_pure:
            return tuple(np.eye(k)[self.trajectory[:, i]] for i, k in enumerate(self.shape))
        splits = np.cumsum(self.shape)[:-1]
        return tuple(np.split(np.asarray(self.trajectory, dtype=float), splits, axis=1))

    def mean_actions(self, levels: Sequence[Any] | NDArray | None = None) -> NDArray:
        """Each player's (expected) action over time, shape ``(T + 1, n_players)``.

        ``levels`` maps action indices to values (e.g. the violence grid); one array for all
        players or one per player. Without it the action index itself is used.
        """
        out = np.empty((len(self.times), len(self.shape)))
        per_player = (
            levels is not None
            and not (isinstance(levels, np.ndarray) and levels.ndim == 1)
            and len(levels) > 0
            and np.ndim(levels[0]) == 1
        )
        for i, s in enumerate(self.strategies):
            if levels is None:
                vals = np.arange(self.shape[i], dtype=float)
            else:
                vals = np.asarray(levels[i] if per_player else levels, dtype=float)
            out[:, i] = s @ vals
        return out

    # -------------------------------------------------------------- display
    def __repr__(self) -> str:
        head = (
            f"DynamicsResult(method={self.method!r}, outcome={self.outcome!r}, "
            f"iterations={self.iterations}, end={_fmt_profile(self.end)}, "
            f"is_equilibrium={self.is_equilibrium}, regret={self.regret:.3g}"
        )
        if self.outcome == "cycle":
            head += f", period={self.period}"
        return head + ")"

    def to_dataframe(self) -> Any:
        """The trajectory as a table: one row per recorded time, one column per player
        (the action index for pure dynamics, ``player:action`` probabilities for mixed)."""
        import pandas as pd

        if self.is_pure:
            df = pd.DataFrame(np.asarray(self.trajectory), columns=list(self.player_names))
        else:
            cols = [
                f"{name}:{a}"
                for name, k in zip(self.player_names, self.shape, strict=True)
                for a in range(k)
            ]
            df = pd.DataFrame(np.asarray(self.trajectory), columns=cols)
        df.insert(0, "time", np.asarray(self.times))
        return df

    def _repr_html_(self) -> str:
        cyc = f", period {self.period}" if self.outcome == "cycle" else ""
        return (
            f"<p><b>DynamicsResult</b> {self.method}: {self.outcome}{cyc} after "
            f"{self.iterations} iterations; end {_fmt_profile(self.end)} "
            f"(equilibrium: {self.is_equilibrium}, regret {self.regret:.3g}). "
            f"{self.message}</p>" + self.to_dataframe().tail(20).to_html(index=False)
        )

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Each player's action (or expected action) over time; see
        :func:`deterrence.plotting.plot_trajectory`."""
        from ..plotting import plot_trajectory

        return plot_trajectory(self, ax=ax, **kwargs)


@dataclass(frozen=True, eq=False, kw_only=True)
class Attractor:
    """Where a group of starts ended: a rest point, a cycle, or an unresolved group.

    Attributes
    ----------
    kind
        ``"rest point"`` (a converged end profile), ``"cycle"``, ``"end"`` (logit response:
        the profile where an ergodic chain happened to be after ``max_iter`` steps) or
        ``"unresolved"`` (runs that hit ``max_iter`` without converging or cycling).
    profiles
        The profile(s): one for a rest point or an end, the cycle's states in order
        (canonical rotation) for a cycle, none for ``"unresolved"``.
    count, share
        Number and fraction of the starts that reached it.
    is_equilibrium, regret
        For one-profile attractors: whether that profile is a Nash equilibrium, and its
        regret (for a cycle: the largest regret along it; ``nan`` for unresolved).
    period
        Cycle length in revisions (``None`` otherwise).
    """

    kind: str
    profiles: tuple[Any, ...]
    count: int
    share: float
    is_equilibrium: bool
    regret: float
    period: int | None = None

    @property
    def label(self) -> str:
        """Short text: the profile, ``cycle/10: (a) -> (b) -> ...`` or ``unresolved``."""
        if self.kind == "cycle":
            body = " -> ".join(_fmt_profile(p) for p in self.profiles[:6])
            more = " -> ..." if len(self.profiles) > 6 else ""
            return f"cycle/{self.period}: {body}{more}"
        if self.kind == "unresolved":
            return "unresolved"
        return _fmt_profile(self.profiles[0])


@dataclass(frozen=True, eq=False, kw_only=True)
class BasinsResult:
    """Many runs of one dynamic from many starts, grouped by where they ended.

    Attributes
    ----------
    method
        The dynamic that was run.
    starts
        The starts, one per row: pure profiles (int, ``(S, n_players)``) or mixed profiles
        concatenated (float, ``(S, sum(shape))``).
    labels
        Shape ``(S,)``: index into :attr:`attractors` of the attractor each start reached.
    attractors
        The distinct attractors, most frequent first.
    outcomes
        Shape ``(S,)``: each run's outcome (``"converged"``, ``"cycle"``, ``"max_iter"``).
    iterations
        Shape ``(S,)``: each run's iterations until its outcome was established.
    parameters
        Options of the runs (including ``seed_entropy``, ``chunk_size``), read-only.
    """

    method: str
    starts: NDArray
    labels: NDArray
    attractors: tuple[Attractor, ...]
    outcomes: NDArray
    iterations: NDArray
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", _readonly(self.starts))
        object.__setattr__(self, "labels", _readonly(self.labels, np.intp))
        object.__setattr__(self, "outcomes", _readonly(self.outcomes))
        object.__setattr__(self, "iterations", _readonly(self.iterations, np.int64))
        object.__setattr__(self, "attractors", tuple(self.attractors))
        object.__setattr__(self, "parameters", FrozenMapping(dict(self.parameters)))

    @property
    def n_starts(self) -> int:
        """Number of starts."""
        return len(self.labels)

    @property
    def shares(self) -> NDArray[np.float64]:
        """Fraction of starts reaching each attractor, aligned with :attr:`attractors`."""
        return np.array([a.share for a in self.attractors])

    def share_of(self, profile: Sequence[int]) -> float:
        """Share of starts that converged to the pure rest point ``profile`` (0 if none)."""
        key = tuple(int(a) for a in profile)
        for a in self.attractors:
            if a.kind == "rest point" and tuple(int(x) for x in a.profiles[0]) == key:
                return a.share
        return 0.0

    def __repr__(self) -> str:
        lines = [
            f"BasinsResult(method={self.method!r}, {self.n_starts} starts, "
            f"{len(self.attractors)} attractor(s))"
        ]
        for a in self.attractors[:8]:
            eq = " NE" if a.is_equilibrium else ""
            lines.append(f"  {a.share:7.2%}  {a.kind}{eq}: {a.label}")
        if len(self.attractors) > 8:
            lines.append(f"  ... {len(self.attractors) - 8} more")
        return "\n".join(lines)

    def to_dataframe(self) -> Any:
        """One row per attractor: kind, label, count, share, equilibrium check, regret,
        period and the mean iterations of the starts that reached it."""
        import pandas as pd

        rows = []
        for k, a in enumerate(self.attractors):
            its = np.asarray(self.iterations)[np.asarray(self.labels) == k]
            rows.append(
                {
                    "attractor": k,
                    "kind": a.kind,
                    "label": a.label,
                    "count": a.count,
                    "share": a.share,
                    "is_equilibrium": a.is_equilibrium,
                    "regret": a.regret,
                    "period": a.period,
                    "mean_iterations": float(its.mean()) if len(its) else float("nan"),
                }
            )
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return (
            f"<p><b>BasinsResult</b> {self.method}: {self.n_starts} starts, "
            f"{len(self.attractors)} attractor(s)</p>" + self.to_dataframe().to_html(index=False)
        )

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Bar chart of the attractors' shares; see :func:`deterrence.plotting.plot_basins`."""
        from ..plotting import plot_basins

        return plot_basins(self, ax=ax, **kwargs)
