"""``deterrence tipping``: limited enforcement capacity (Kleiman's tipping model).

The mean-field bistable band (:func:`deterrence.critical_capacity`) and, per capacity, the
simulated long-run violations, their modes, the punishment delivered and the chance and
expected time of tipping (:func:`deterrence.simulate_tipping`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._report import text_table
from .._validation import check_choice, check_int
from ..analysis.tipping_meanfield import critical_capacity, mean_field_fixed_points
from ..analysis.tipping_sim import STARTS, simulate_tipping
from ..errors import DeterrenceError
from ..model.tipping import Crackdown, TippingModel
from ._common import HelpFormatter, examples, number, print_json

__all__ = ["register", "run"]

EXAMPLES = (
    "deterrence tipping --capacity 10:50:5 --runs 10 --periods 1000",
    "deterrence tipping --enforcement priority --warnings --capacity 20 --start high --json",
)


def _cli_capacities(items: Sequence[str] | None) -> list[float] | None:
    """``--capacity 10 20 30`` or ``--capacity START:STOP:NUM`` (evenly spaced)."""
    if not items:
        return None
    out: list[float] = []
    for item in items:
        if ":" in item:
            parts = item.split(":")
            if len(parts) != 3:
                raise DeterrenceError(
                    f"--capacity={item!r} is not valid; expected numbers or START:STOP:NUM"
                )
            lo, hi = number("capacity", parts[0]), number("capacity", parts[1])
            num = number("capacity", parts[2], int)
            if num < 1:
                raise DeterrenceError(f"--capacity={item!r}: NUM must be >= 1")
            out.extend(np.linspace(lo, hi, num).tolist())
        else:
            out.append(number("capacity", item))
    return out


def run(args: argparse.Namespace) -> int:
    """Simulate and print the report (text table or JSON)."""
    params: dict[str, Any] = {}
    for name, kind in (
        ("n", int),
        ("mean", float),
        ("sd", float),
        ("sanction", float),
        ("alpha", float),
        ("beta", float),
        ("memory", int),
        ("gamma", float),
        ("tier_size", int),
    ):
        text = getattr(args, name)
        if text is not None:
            params[name] = number(name.replace("_", "-"), text, kind)
    params["enforcement"] = args.enforcement
    params["warnings"] = bool(args.warnings)
    if args.crackdown is not None:
        parts = args.crackdown.split(":")
        if len(parts) not in (2, 3):
            raise DeterrenceError(
                f"--crackdown={args.crackdown!r} is not valid; expected EXTRA:TRIGGER[:MAX_PERIODS]"
            )
        params["crackdown"] = Crackdown(
            extra=number("crackdown", parts[0]),
            trigger=number("crackdown", parts[1]),
            max_periods=number("crackdown", parts[2], int) if len(parts) == 3 else None,
        )
    caps = _cli_capacities(args.capacity)
    if caps is not None:
        if any(c < 0 for c in caps):
            bad = next(c for c in caps if c < 0)
            raise DeterrenceError(f"--capacity={bad!r} is out of range; expected capacity >= 0")
        params["capacity"] = caps[0]
    model = TippingModel(**params)
    runs = check_int("--runs", number("runs", args.runs, int), low=1)
    periods = check_int("--periods", number("periods", args.periods, int), low=1)
    seed = check_int("--seed", number("seed", args.seed, int), low=0)
    check_choice("--start", args.start, STARTS)

    cc = critical_capacity(model)
    res = simulate_tipping(
        model, capacity=caps, runs=runs, periods=periods, start=args.start, rng=seed
    )
    mf = (
        mean_field_fixed_points(model, capacity=res.capacities)
        if model.enforcement == "random"
        else None
    )
    table = res.to_dataframe()
    if args.json:
        out = {
            "model": model.to_dict(),
            "critical_capacity": {"low": cc.low, "high": cc.high, "bistable": cc.bistable},
            "simulation": {
                "runs": runs,
                "periods": periods,
                "burn_in": res.burn_in,
                "start": args.start,
                "seed": seed,
                "level": res.level,
            },
            "capacities": [],
        }
        for i, row in table.iterrows():
            entry = {
                k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in row.to_dict().items()
            }
            entry = json.loads(
                json.dumps(entry, default=lambda x: x.item() if hasattr(x, "item") else str(x))
            )
            if mf is not None:
                sel = np.isclose(mf.capacity, res.capacities[i])
                entry["mean_field"] = [
                    {"violations": float(v), "stable": bool(s), "kind": k}
                    for v, s, k in zip(
                        mf.violations[sel],
                        mf.stable[sel],
                        np.array(mf.kind, dtype=object)[sel],
                        strict=True,
                    )
                ]
            out["capacities"].append(entry)
        print_json(out)
        return 0
    variant = model.enforcement + (" + warnings" if model.warnings else "") + " enforcement"
    if model.enforcement == "priority":
        variant += f" (tiers of {model.tier_size})"
    cd = model.crackdown
    if cd is not None:
        budget = "" if cd.max_periods is None else f", at most {cd.max_periods} periods"
        variant += f", crackdown +{cd.extra:g} while violations > {cd.trigger:g}{budget}"
    print(
        f"tipping model: n={model.n}, gains max(0, N({model.mean:g}, {model.sd:g})), "
        f"F={model.sanction:g}, Beta({model.alpha:g}, {model.beta:g}) over "
        f"{model.memory} periods, gamma={model.gamma:g}; {variant}"
    )
    if cc.bistable:
        print(
            f"mean field: low state needs R >= {cc.low:.4g}; high state gone above "
            f"R = {cc.high:.4g} (bistable for {cc.low:.4g} <= R < {cc.high:.4g})"
        )
    else:
        print(
            f"mean field: low state needs R >= {cc.low:.4g}; high state gone above "
            f"R = {cc.high:.4g} (no bistable band)"
        )
    print(
        f"simulation: {runs} runs x {periods} periods per capacity (start {args.start}, "
        f"seed {seed}); tipping = crossing {res.level:.4g} violations"
    )
    headers = ["capacity", "mean field", "mean v", "modes", "punish/period"]
    starts = [s for s in ("low", "high") if f"p_tip_from_{s}" in table]
    for s in starts:
        headers += [f"P(tip|{s})", f"E[T|{s}]"]
    rows = []
    for i, row in table.iterrows():
        if mf is not None:
            sel = np.isclose(mf.capacity, res.capacities[i]) & mf.stable
            fp = ", ".join(f"{v:.1f}" for v in mf.violations[sel])
        else:
            fp = "-"
        cells = [
            f"{row['capacity']:g}",
            fp,
            f"{row['mean_violations']:.1f}",
            ",".join(map(str, row["modes"])),
            f"{row['punishment']:.2f}",
        ]
        for s in starts:
            cells += [f"{row[f'p_tip_from_{s}']:.2f}", f"{row[f'expected_tip_time_from_{s}']:.4g}"]
        rows.append(cells)
    print(text_table(headers, rows))
    sys.stdout.flush()
    return 0


def register(sub: Any) -> argparse.ArgumentParser:
    """Add ``deterrence tipping`` to the subcommands."""
    p = sub.add_parser(
        "tipping",
        help="limited enforcement capacity: tipping between low and high violation",
        description="Simulate the tipping model (Kleiman): n potential violators, a Beta "
        "posterior over the last periods, limited capacity. Prints the mean-field bistable "
        "band and, per capacity, the long-run violations, their modes, the punishment "
        "delivered and the chance and expected time of tipping.",
        epilog=examples(*EXAMPLES),
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "--capacity",
        nargs="+",
        metavar="R",
        help="capacities: numbers or START:STOP:NUM (default 30)",
    )
    for name, default in (
        ("n", 100),
        ("mean", 0.6),
        ("sd", 0.2),
        ("sanction", 1.0),
        ("alpha", 1.0),
        ("beta", 0.25),
        ("memory", 2),
        ("gamma", 0.8),
        ("tier-size", 10),
    ):
        p.add_argument(
            f"--{name}",
            dest=name.replace("-", "_"),
            default=None,
            help=f"model parameter (default {default})",
        )
    p.add_argument("--enforcement", default="random", help="random (default) or priority")
    p.add_argument("--warnings", action="store_true", help="warn priority tiers in turn")
    p.add_argument(
        "--crackdown",
        metavar="EXTRA:TRIGGER[:MAX]",
        default=None,
        help="raise capacity by EXTRA while violations exceed TRIGGER",
    )
    p.add_argument("--runs", default="50", help="runs per capacity (default 50)")
    p.add_argument("--periods", default="5000", help="periods per run (default 5000)")
    p.add_argument("--start", default="both", help="low, high or both (default both)")
    p.add_argument("--seed", default="0", help="random seed (default 0)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run)
    return p
