"""Limited enforcement capacity: tipping, enforcement swamping and dynamic concentration.

The model, :class:`~deterrence.TippingModel` (Kleiman's tipping model, after Kleiman and
Kilmer, "The dynamics of deterrence", PNAS 2009), lives in :mod:`deterrence.model.tipping`.
The analyses on it, one module per concern:

* :mod:`~deterrence.analysis.tipping_meanfield` — :func:`mean_field_fixed_points` and
  :func:`critical_capacity`: the deterministic fixed points
  ``v = n P(g >= F gamma min(1, R / v))``, their stability, and the capacities where the low
  state appears and the high state disappears (the fold);
* :mod:`~deterrence.analysis.tipping_sim` — :func:`simulate_tipping`: the vectorised Monte
  Carlo over many independent runs and capacities, seeded, checkpointed and optionally
  parallel, returning a :class:`TippingResult`;
* :mod:`~deterrence.analysis.tipping_chain` — :func:`markov_chain`: the exact chain for
  small ``n``;
* this module — :func:`compare_enforcement`: the capacity saved by concentrating
  enforcement (random against priority tiers, with and without warnings).

Every public name of those modules is also importable from here. ``deterrence tipping`` on
the command line is :mod:`deterrence.cli.tipping`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import check_choice, check_real
from ..errors import DeterrenceError
from ..model.tipping import Crackdown, TippingModel
from ..plotting import _axes
from . import _tipping_kernel as _sim
from ._tipping_kernel import capacities, check_model
from .tipping_chain import TippingChain, markov_chain
from .tipping_meanfield import (
    CriticalCapacity,
    MeanField,
    critical_capacity,
    mean_field_fixed_points,
)
from .tipping_sim import TippingResult, simulate_tipping

__all__ = [
    "VARIANTS",
    "Crackdown",
    "CriticalCapacity",
    "EnforcementComparison",
    "MeanField",
    "TippingChain",
    "TippingModel",
    "TippingResult",
    "compare_enforcement",
    "critical_capacity",
    "markov_chain",
    "mean_field_fixed_points",
    "simulate_tipping",
]

VARIANTS = ("random", "priority", "priority+warnings")


def _variant(model: TippingModel, name: str) -> TippingModel:
    if name == "random":
        return model.replace(enforcement="random", warnings=False)
    if name == "priority":
        return model.replace(enforcement="priority", warnings=False)
    return model.replace(enforcement="priority", warnings=True)


@dataclass(frozen=True, kw_only=True, eq=False)
class EnforcementComparison:
    """Random against concentrated enforcement from the high state, capacity by capacity.

    Attributes
    ----------
    variants
        Names: ``"random"``, ``"priority"``, ``"priority+warnings"`` (those compared).
    results
        One :class:`TippingResult` per variant (all started in the high state; their
        ``level`` is the deterrence level below).
    critical
        One mean-field :class:`CriticalCapacity` per variant.
    threshold
        Share of deterred runs that counts as "tips" for :meth:`tipping_capacity`.
    """

    variants: tuple[str, ...]
    results: tuple[TippingResult, ...]
    critical: tuple[CriticalCapacity, ...]
    threshold: float = 0.5

    def deterred_share(self, variant: str) -> NDArray[np.float64]:
        """Per capacity, the share of runs whose long-run mean violations (after burn-in)
        are at most the level: deterred for good, not merely dipping (a priority system
        can settle with only its top tiers deterred)."""
        res = self.results[self.variants.index(check_choice("variant", variant, self.variants))]
        return (res.run_mean_violations <= res.level).mean(axis=1)

    def tipping_capacity(self) -> dict[str, float]:
        """Smallest simulated capacity at which at least ``threshold`` of the runs ended up
        deterred (see :meth:`deterred_share`; ``nan`` if none on the grid), per variant."""
        out = {}
        for name, res in zip(self.variants, self.results, strict=True):
            ok = np.flatnonzero(self.deterred_share(name) >= self.threshold)
            out[name] = float(res.capacities[ok[0]]) if ok.size else math.nan
        return out

    def savings(self) -> Any:
        """Capacity needed to tip, simulated and mean field, and the capacity saved compared
        with random enforcement."""
        import pandas as pd

        sim = self.tipping_capacity()
        base_sim = sim.get("random", math.nan)
        base_mf = (
            self.critical[self.variants.index("random")].high
            if "random" in self.variants
            else math.nan
        )
        rows = []
        for name, cc in zip(self.variants, self.critical, strict=True):
            rows.append(
                {
                    "variant": name,
                    "tipping_capacity": sim[name],
                    "mean_field_capacity": cc.high,
                    "saved": base_sim - sim[name],
                    "saved_mean_field": base_mf - cc.high,
                }
            )
        return pd.DataFrame(rows)

    def to_dataframe(self) -> Any:
        """One row per (variant, capacity): tipping probability and time, violations and
        punishment delivered."""
        import pandas as pd

        frames = []
        for name, res in zip(self.variants, self.results, strict=True):
            frames.append(
                pd.DataFrame(
                    {
                        "variant": name,
                        "capacity": res.capacities,
                        "deterred_share": self.deterred_share(name),
                        "p_tip": res.tip_probability("high"),
                        "expected_tip_time": res.expected_tip_time("high"),
                        "mean_violations": res.mean_violations,
                        "punishment": res.punishment,
                        "punishment_total": res.punishment_total,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def _repr_html_(self) -> str:
        return "<p><b>EnforcementComparison</b> (from the high state)</p>" + self.savings().to_html(
            index=False
        )

    def __repr__(self) -> str:
        caps = self.tipping_capacity()
        inner = ", ".join(f"{k}: {v:g}" for k, v in caps.items())
        return f"EnforcementComparison(tipping capacity {inner})"

    def plot(self, ax: Any = None) -> Any:
        """Long-run violations (from the high state) against capacity, per variant, with the
        mean-field critical capacities as dotted lines."""
        ax = _axes(ax)
        for i, (name, res, cc) in enumerate(
            zip(self.variants, self.results, self.critical, strict=True)
        ):
            ax.plot(res.capacities, res.mean_violations, "-o", ms=3, color=f"C{i}", label=name)
            if math.isfinite(cc.high):
                ax.axvline(cc.high, color=f"C{i}", ls=":", lw=1)
        ax.set_xlabel("capacity R")
        ax.set_ylabel("long-run violations per period")
        ax.legend(frameon=False)
        return ax


def compare_enforcement(
    model: TippingModel,
    *,
    capacity: ArrayLike,
    variants: Sequence[str] = VARIANTS,
    runs: int = 50,
    periods: int = 2_000,
    level: float | None = None,
    threshold: float = 0.5,
    rng: Any = None,
    executor: Any = None,
    progress: bool = False,
) -> EnforcementComparison:
    """The capacity saved by concentration: tip from the high state under each variant.

    Each variant (``"random"``, ``"priority"``, ``"priority+warnings"``; tier size and the
    other parameters from ``model``) is simulated from the high state over the capacities,
    with its own ``SeedSequence.spawn`` child of ``rng``. A run counts as deterred when its
    long-run mean violations are at most ``level`` (default: a quarter of the way from the
    low state ``n p_low`` to ``n p_max``); the tipping capacity of a variant is the smallest
    capacity at which at least ``threshold`` of the runs are deterred.

    Examples
    --------
    >>> import deterrence as dt
    >>> cmp = dt.compare_enforcement(dt.TippingModel(), capacity=[20.0, 30.0, 50.0], runs=8,
    ...                              periods=300, rng=3)
    >>> cmp.tipping_capacity()
    {'random': 50.0, 'priority': 20.0, 'priority+warnings': 20.0}
    """
    model = check_model(model)
    variants = tuple(variants)
    if not variants:
        raise DeterrenceError("variants=() is not valid; expected at least one variant")
    for v in variants:
        check_choice("variants", v, VARIANTS)
    threshold = check_real("threshold", threshold, low=0.0, high=1.0, low_open=True)
    caps = capacities(capacity, model)
    if level is None:
        level = model.n * (model.p_low + 0.25 * (model.p_max - model.p_low))
    level = check_real("level", level, low=0.0, high=model.n)
    seeds = _sim.root_seed(rng).spawn(len(variants))
    models = [_variant(model, v) for v in variants]
    results = tuple(
        simulate_tipping(
            m,
            capacity=caps,
            runs=runs,
            periods=periods,
            start="high",
            rng=s,
            level=level,
            executor=executor,
            progress=progress,
        )
        for m, s in zip(models, seeds, strict=True)
    )
    return EnforcementComparison(
        variants=variants,
        results=results,
        critical=tuple(critical_capacity(m) for m in models),
        threshold=threshold,
    )
