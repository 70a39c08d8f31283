"""Monte Carlo of the tipping model: many independent runs, many capacities.

:func:`simulate_tipping` advances every run of a block of capacities together as numpy
arrays (the kernel is in ``_tipping_kernel``), seeded per block with
``SeedSequence.spawn`` children, checkpointed, and optionally spread over the caller's
executor (:mod:`deterrence._executor`); :class:`TippingResult` holds the long-run
distribution, mean and modes, the punishment delivered, and the probability and expected
time of tipping.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._executor import check_executor, imap_tasks
from .._validation import check_choice, check_int, check_real
from ..errors import DeterrenceError
from ..model.tipping import TippingModel
from ..plotting import _axes
from . import _tipping_kernel as _sim
from ._tipping_kernel import (
    MAX_PERIODS,
    MAX_RUN_PERIODS,
    MAX_RUNS,
    capacities,
    check_model,
    modes,
)
from .tipping_meanfield import mean_field_fixed_points

__all__ = ["STARTS", "TippingResult", "simulate_tipping"]

#: Starting states of the simulated runs.
STARTS = ("low", "high", "both")


@dataclass(frozen=True, kw_only=True, eq=False)
class TippingResult:
    """What :func:`simulate_tipping` found, for each capacity (arrays indexed by capacity
    first, then run).

    Attributes
    ----------
    model, capacities, runs, periods, burn_in, level, hold, start
        How it was made. ``start_high[j]`` says whether run ``j`` started in the high state.
    counts
        ``(n_capacities, n + 1)`` histogram of violations per period after ``burn_in``,
        pooled over runs: the long-run distribution.
    run_mean_violations, run_mean_apprehensions
        ``(n_capacities, runs)`` per-run means after ``burn_in``.
    apprehensions_total
        ``(n_capacities, runs)`` apprehensions over the whole horizon (including tipping).
    tip_time
        ``(n_capacities, runs)`` first period ending ``hold`` consecutive periods with
        violations beyond ``level``, away from the starting state (``-1``: never within the
        horizon).
    crackdown_periods, final_violations
        Periods with the crackdown active; violations in the last period.
    trajectories
        ``(n_capacities, runs, periods)`` violations per period (only with ``record=True``).
    seed, block_size
        The root seed (entropy, spawn key) and the capacities per block: the numbers are a
        function of these and the parameters only.
    """

    model: TippingModel
    capacities: NDArray[np.float64]
    runs: int
    periods: int
    burn_in: int
    level: float
    hold: int
    start: str
    start_high: NDArray[np.bool_]
    counts: NDArray[np.int64]
    run_mean_violations: NDArray[np.float64]
    run_mean_apprehensions: NDArray[np.float64]
    apprehensions_total: NDArray[np.int64]
    tip_time: NDArray[np.int64]
    crackdown_periods: NDArray[np.int64]
    final_violations: NDArray[np.int64]
    trajectories: NDArray | None = field(default=None, repr=False)
    seed: dict[str, Any] = field(default_factory=dict)
    block_size: int = 1

    # ----------------------------------------------------------- distribution
    @property
    def pmf(self) -> NDArray[np.float64]:
        """Long-run distribution of violations per period, ``(n_capacities, n + 1)``."""
        return self.counts / self.counts.sum(axis=1, keepdims=True)

    @property
    def mean_violations(self) -> NDArray[np.float64]:
        """Long-run mean violations per period, one per capacity."""
        return self.pmf @ np.arange(self.model.n + 1)

    @property
    def sd_violations(self) -> NDArray[np.float64]:
        """Long-run standard deviation of violations per period."""
        x = np.arange(self.model.n + 1)
        return np.sqrt(np.maximum(self.pmf @ x**2 - self.mean_violations**2, 0.0))

    @property
    def mean_apprehensions(self) -> NDArray[np.float64]:
        """Long-run mean apprehensions per period."""
        return self.run_mean_apprehensions.mean(axis=1)

    @property
    def punishment(self) -> NDArray[np.float64]:
        """Long-run punishment delivered per period: apprehensions times the sanction."""
        return self.mean_apprehensions * self.model.sanction

    @property
    def punishment_total(self) -> NDArray[np.float64]:
        """Mean punishment delivered per run over the whole horizon (tipping included)."""
        return self.apprehensions_total.mean(axis=1) * self.model.sanction

    @property
    def modes(self) -> tuple[NDArray[np.int64], ...]:
        """Peaks of the long-run distribution, one array per capacity."""
        return tuple(modes(p) for p in self.pmf)

    # --------------------------------------------------------------- tipping
    def _from(self, start: str) -> NDArray[np.bool_]:
        check_choice("start", start, ("low", "high"))
        return self.start_high if start == "high" else ~self.start_high

    def tip_probability(self, start: str = "high") -> NDArray[np.float64]:
        """Share of the runs started in ``start`` that tipped within the horizon (``nan`` if
        no run started there)."""
        sel = self._from(start)
        if not sel.any():
            return np.full(len(self.capacities), np.nan)
        return (self.tip_time[:, sel] >= 0).mean(axis=1)

    def expected_tip_time(self, start: str = "high") -> NDArray[np.float64]:
        """Expected periods until tipping from ``start``: total exposure over the number of
        tips (the maximum-likelihood mean of an exponential waiting time with censoring;
        the plain mean when every run tipped; ``inf`` when none did)."""
        sel = self._from(start)
        if not sel.any():
            return np.full(len(self.capacities), np.nan)
        t = self.tip_time[:, sel]
        tipped = (t >= 0).sum(axis=1)
        exposure = np.where(t >= 0, t, self.periods).sum(axis=1).astype(float)
        with np.errstate(divide="ignore"):
            return np.where(tipped > 0, exposure / np.maximum(tipped, 1), np.inf)

    def mean_violations_from(self, start: str) -> NDArray[np.float64]:
        """Long-run mean violations of the runs started in ``start``."""
        sel = self._from(start)
        if not sel.any():
            return np.full(len(self.capacities), np.nan)
        return self.run_mean_violations[:, sel].mean(axis=1)

    # ------------------------------------------------------------------ output
    def to_dataframe(self) -> Any:
        """One row per capacity: long-run mean, sd and modes of violations, punishment,
        and the probability / expected time of tipping from each starting state used."""
        import pandas as pd

        d: dict[str, Any] = {
            "capacity": self.capacities,
            "mean_violations": self.mean_violations,
            "sd_violations": self.sd_violations,
            "modes": [m.tolist() for m in self.modes],
            "mean_apprehensions": self.mean_apprehensions,
            "punishment": self.punishment,
            "punishment_total": self.punishment_total,
        }
        for s in ("low", "high"):
            if self._from(s).any():
                d[f"mean_violations_from_{s}"] = self.mean_violations_from(s)
                d[f"p_tip_from_{s}"] = self.tip_probability(s)
                d[f"expected_tip_time_from_{s}"] = self.expected_tip_time(s)
        return pd.DataFrame(d)

    def __repr__(self) -> str:
        m = self.model
        return (
            f"TippingResult(n={m.n}, enforcement={m.enforcement!r}, {len(self.capacities)} "
            f"capacities, {self.runs} runs x {self.periods} periods, start={self.start!r})"
        )

    def _repr_html_(self) -> str:
        return f"<p><b>{self!r}</b></p>" + self.to_dataframe().to_html(index=False)

    def plot(self, ax: Any = None, *, mean_field: bool = True) -> Any:
        """The cliff: long-run violations and punishment delivered against capacity.

        One line per starting state used; with ``mean_field=True`` (random enforcement) the
        stable mean-field fixed points are drawn as grey dots.
        """
        ax = _axes(ax)
        caps = self.capacities
        for s, color in (("low", "C0"), ("high", "C3")):
            if self._from(s).any():
                ax.plot(
                    caps,
                    self.mean_violations_from(s),
                    "-",
                    color=color,
                    label=f"violations (start {s})",
                )
        ax.plot(caps, self.punishment, "--", color="k", label="punishment / period")
        if mean_field and self.model.enforcement == "random" and len(caps) > 1:
            mf = mean_field_fixed_points(self.model, capacity=caps)
            ax.plot(
                mf.capacity[mf.stable],
                mf.violations[mf.stable],
                ".",
                color="0.5",
                ms=4,
                label="mean field (stable)",
            )
        ax.set_xlabel("capacity R")
        ax.set_ylabel("per period")
        ax.legend(frameon=False)
        return ax

    def plot_distribution(self, capacity: float | None = None, ax: Any = None) -> Any:
        """Long-run distribution of violations at one capacity (the nearest simulated)."""
        ax = _axes(ax)
        i = 0 if capacity is None else int(np.argmin(np.abs(self.capacities - capacity)))
        ax.bar(np.arange(self.model.n + 1), self.pmf[i], width=1.0, color="C0")
        ax.set_xlabel("violations per period")
        ax.set_ylabel("long-run probability")
        ax.set_title(f"capacity R = {self.capacities[i]:g}")
        return ax


def _fingerprint(
    model: TippingModel,
    caps: NDArray,
    runs: int,
    periods: int,
    burn_in: int,
    start: str,
    level: float,
    hold: int,
    record: bool,
    block_size: int,
) -> dict[str, Any]:
    return {
        "model": json.loads(json.dumps(model.to_dict())),
        "capacities": caps.tolist(),
        "runs": runs,
        "periods": periods,
        "burn_in": burn_in,
        "start": start,
        "level": level,
        "hold": hold,
        "record": record,
        "block_size": block_size,
    }


def simulate_tipping(
    model: TippingModel,
    *,
    capacity: float | ArrayLike | None = None,
    runs: int = 100,
    periods: int = 20_000,
    burn_in: int | None = None,
    start: str = "both",
    level: float | None = None,
    hold: int | None = None,
    record: bool = False,
    rng: Any = None,
    block_size: int | None = None,
    checkpoint: str | Path | None = None,
    executor: Any = None,
    progress: bool = False,
) -> TippingResult:
    """Simulate many independent runs of the tipping model, for one or many capacities.

    The runs are advanced together as numpy arrays (rows = runs, columns = priority tiers).
    Each period needs only two binomial draws per run and tier, which is exact in
    distribution, not an approximation: the gains are drawn afresh and independently every
    period and everyone in a tier holds the same belief ``q`` (a function of the shared
    record only), so given the past each of the ``s`` members violates independently with
    the same probability ``P(g >= F q)`` and the number of violators is
    ``Binomial(s, P(g >= F q))``; each violator is then caught independently with the same
    probability, so apprehensions are ``Binomial(v, gamma min(1, L / v))``. Who violated
    never matters later — only the counts enter ``q`` — so the counts are a complete state
    and the cost of a period does not grow with ``n``.

    Parameters
    ----------
    model
        A :class:`TippingModel` (variant included).
    capacity
        One capacity or a 1-D array of them (default ``model.capacity``); each is simulated
        with ``runs`` runs.
    runs, periods
        Independent runs per capacity, and periods per run.
    burn_in
        Periods discarded before the long-run statistics (default ``periods // 10``).
    start
        ``"low"`` (history of ``round(n p_low)`` violations), ``"high"`` (``n``) or
        ``"both"`` (the first half of the runs low, the rest high). The history is the status
        quo under random enforcement at the base capacity; the variant starts in period 1.
    level, hold
        A run has tipped once its violations have stayed beyond ``level`` (above it for runs
        started low, below it for runs started high) for ``hold`` consecutive periods
        (defaults ``model.level`` and ``model.memory``: a one-period excursion, which the
        beliefs absorb, is not a tip).
    record
        Keep every run's trajectory (memory: capacities x runs x periods small ints).
    rng
        Seed: ``None``, an int, a ``SeedSequence`` or a ``Generator``. Blocks of
        ``block_size`` capacities draw from ``SeedSequence.spawn`` children of it, so results
        do not depend on the executor or on interruptions.
    block_size
        Capacities per block (default: at least 4 blocks when there are 4 capacities or
        more, and about 2000 runs per block for large sweeps). Part of the seed design:
        results depend on it, not on the executor.
    checkpoint
        Path of an ``.npz`` file: completed blocks are written there atomically, and a call
        with the same arguments resumes, skipping them (with ``rng=None`` the seed is read
        from the file).
    executor
        ``None`` (serial), any ``concurrent.futures.Executor`` (a Dask client's
        ``get_executor()`` included) or a map-like callable ``executor(fn, iterable)``; see
        :mod:`deterrence._executor`.
    progress
        Show a ``tqdm.auto`` progress bar over blocks.

    Examples
    --------
    >>> import deterrence as dt
    >>> res = dt.simulate_tipping(dt.TippingModel(), capacity=[10.0, 60.0], runs=4,
    ...                           periods=500, start="high", rng=1)
    >>> res.mean_violations.round(-1).tolist()       # swamped below the band, deterred above it
    [100.0, 20.0]
    >>> res.tip_probability("high").tolist()
    [0.0, 1.0]
    """
    model = check_model(model)
    caps = capacities(capacity, model)
    runs = check_int("runs", runs, low=1, high=MAX_RUNS)
    periods = check_int("periods", periods, low=1, high=MAX_PERIODS)
    if len(caps) * runs * periods > MAX_RUN_PERIODS:
        raise DeterrenceError(
            f"{len(caps)} capacities x runs={runs} x periods={periods} = "
            f"{len(caps) * runs * periods} run-periods; expected at most {MAX_RUN_PERIODS} "
            "in one call"
        )
    burn_in = (
        periods // 10 if burn_in is None else check_int("burn_in", burn_in, low=0, high=periods - 1)
    )
    check_choice("start", start, STARTS)
    level = model.level if level is None else check_real("level", level, low=0.0, high=model.n)
    hold = model.memory if hold is None else check_int("hold", hold, low=1, high=periods)
    if not isinstance(record, bool | np.bool_):
        raise DeterrenceError(f"record={record!r} is not valid; expected True or False")
    if record and len(caps) * runs * periods > 200_000_000:
        raise DeterrenceError(
            f"record=True would keep {len(caps) * runs * periods} values "
            "(capacities x runs x periods); expected at most 200000000"
        )
    if block_size is None:  # >= 4 blocks (for executors), ~2000 runs each when large
        n_blocks = min(len(caps), max(4, math.ceil(len(caps) * runs / 2000)))
        block_size = math.ceil(len(caps) / n_blocks)
    else:
        block_size = check_int("block_size", block_size, low=1)
    if not isinstance(progress, bool | np.bool_):
        raise DeterrenceError(f"progress={progress!r} is not valid; expected True or False")
    check_executor(executor)
    start_high = np.zeros(runs, dtype=bool)
    if start == "high":
        start_high[:] = True
    elif start == "both":
        start_high[(runs + 1) // 2 :] = True

    meta = _fingerprint(
        model, caps, runs, periods, burn_in, start, float(level), hold, bool(record), block_size
    )
    path = None if checkpoint is None else Path(checkpoint)
    done: dict[int, dict[str, NDArray]] = {}
    if path is not None:
        if path.is_dir():
            raise DeterrenceError(f"checkpoint={str(path)!r} is a folder; expected a file path")
        if not path.parent.exists():
            raise DeterrenceError(
                f"checkpoint={str(path)!r}: folder {str(path.parent)!r} does not exist"
            )
        old_meta, done = _sim.read_checkpoint(path)
        if old_meta:
            if rng is None:
                rng = _sim.seed_from_json(old_meta["seed"])
            for key, value in meta.items():
                if old_meta.get(key) != value:
                    raise DeterrenceError(
                        f"checkpoint={str(path)!r} was written for a different {key} "
                        f"({old_meta.get(key)!r}, now {value!r}); delete it or pass another path"
                    )
    seed = _sim.root_seed(rng)
    meta["seed"] = _sim.seed_to_json(seed)
    if path is not None and done and old_meta.get("seed") != meta["seed"]:
        raise DeterrenceError(
            f"checkpoint={str(path)!r} was written with another seed; pass rng=None (or the "
            "same seed) to resume, or delete the file"
        )

    n_blocks = math.ceil(len(caps) / block_size)
    children = seed.spawn(n_blocks)
    tasks = [
        (
            b,
            model,
            caps[b * block_size : (b + 1) * block_size],
            runs,
            periods,
            burn_in,
            start_high,
            float(level),
            hold,
            bool(record),
            children[b],
        )
        for b in range(n_blocks)
        if b not in done
    ]
    results = imap_tasks(
        _sim.simulate_block,
        tasks,
        executor=executor,
        progress=bool(progress),
        desc="tipping",
        unit="block",
        ordered=False,
    )
    for _, (idx, res) in results:  # as blocks finish: each is checkpointed at once
        done[idx] = res
        if path is not None:
            meta["completed_capacities"] = sorted(
                float(c) for b in done for c in caps[b * block_size : (b + 1) * block_size]
            )
            _sim.write_checkpoint(path, meta, done)

    parts = [done[b] for b in range(n_blocks)]
    merged = {k: np.concatenate([p[k] for p in parts]) for k in _sim.BLOCK_FIELDS}
    traj = np.concatenate([p["trajectories"] for p in parts]) if record else None
    for arr in (*merged.values(), start_high):
        arr.flags.writeable = False
    return TippingResult(
        model=model,
        capacities=caps,
        runs=runs,
        periods=periods,
        burn_in=burn_in,
        level=float(level),
        hold=hold,
        start=start,
        start_high=start_high,
        trajectories=traj,
        seed=meta["seed"],
        block_size=block_size,
        **merged,
    )
