"""``deterrence sweep SCENARIO --axis PATH=...``: many variants of a scenario, one row each.

Everything is :func:`deterrence.sweep`; this module parses the axes, builds the executor the
user asked for (``--workers N``: a process pool of this machine; ``--scheduler ADDRESS``: a
Dask distributed scheduler, anywhere), and writes the table (Parquet or CSV by the file's
suffix) or prints it.
"""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

import numpy as np

from ..errors import DeterrenceError
from ._common import HelpFormatter, examples, number, print_json

__all__ = ["register", "run"]

EXAMPLES = (
    "deterrence sweep symmetric --axis penalty=0.5:4:8 --axis benefit=0.5,1,2",
    "deterrence sweep default --axis market.revenue=3:12 --design lhs:50 --json",
)

#: Largest number of grid points one ``--axis START:STOP:NUM`` may ask for.
MAX_AXIS_POINTS = 100_000


def _axis(text: str, sampled: bool) -> tuple[str, Any]:
    """``PATH=START:STOP:NUM`` (grid), ``PATH=A,B,C`` (grid) or ``PATH=LOW:HIGH`` (range)."""
    path, sep, spec = text.partition("=")
    if not sep or not path or not spec:
        raise DeterrenceError(
            f"--axis={text!r} is not valid; expected PATH=START:STOP:NUM, PATH=A,B,C or "
            "(with --design) PATH=LOW:HIGH"
        )
    if sampled:
        parts = spec.split(":")
        if len(parts) != 2:
            raise DeterrenceError(f"--axis={text!r}: a sampled design takes a range PATH=LOW:HIGH")
        return path, (number(path, parts[0]), number(path, parts[1]))
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise DeterrenceError(f"--axis={text!r} is not valid; expected PATH=START:STOP:NUM")
        lo, hi = number(path, parts[0]), number(path, parts[1])
        num = number(path, parts[2], int)
        if not 1 <= num <= MAX_AXIS_POINTS:
            raise DeterrenceError(
                f"--axis={text!r}: NUM={num} is out of range; expected 1..{MAX_AXIS_POINTS}"
            )
        return path, np.linspace(lo, hi, num).tolist()
    return path, [number(path, v) for v in spec.split(",")]


def run(args: argparse.Namespace) -> int:
    """Run the sweep and write or print its table."""
    from ..scenario import load_scenario
    from ..sweeps import sweep

    if not args.axis:
        raise DeterrenceError("at least one --axis PATH=VALUES is needed")
    if args.workers is not None and args.scheduler is not None:
        raise DeterrenceError("give --workers or --scheduler, not both")
    sampled = args.design is not None and args.design != "grid"
    axes = dict(_axis(a, sampled) for a in args.axis)
    workers = None if args.workers is None else number("workers", args.workers, int)
    if workers is not None and workers < 1:
        raise DeterrenceError(f"--workers={workers} is out of range; expected >= 1")
    out = args.out
    if out is not None and not out.endswith((".parquet", ".csv")):
        raise DeterrenceError(f"--out={out!r} is not valid; expected a .parquet or .csv file")
    model = load_scenario(args.scenario)
    rng = None if args.seed is None else number("seed", args.seed, int)
    with contextlib.ExitStack() as stack:
        executor = None
        if workers is not None and workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            executor = stack.enter_context(ProcessPoolExecutor(workers))
        elif args.scheduler is not None:
            try:
                from distributed import Client
            except ImportError:
                raise DeterrenceError(
                    '--scheduler needs dask.distributed: pip install "deterrence[dask]"'
                ) from None
            client = stack.enter_context(Client(args.scheduler))
            executor = client.get_executor()
        df = sweep(
            model,
            axes,
            design=args.design,
            outcome=args.outcome,
            executor=executor,
            rng=rng,
            progress=not args.json,
            checkpoint=args.checkpoint,
        )
    if out is not None:
        if out.endswith(".parquet"):
            df.to_parquet(out)
        else:
            df.to_csv(out)
    if args.json:
        print_json({"attrs": dict(df.attrs), "rows": df.reset_index().to_dict(orient="records")})
    elif out is None:
        print(df.to_string())
    else:
        counts = df["verdict"].value_counts().to_dict() if "verdict" in df else {}
        print(f"{len(df)} scenarios -> {out}" + (f"; verdicts {counts}" if counts else ""))
    return 0


def register(sub: Any) -> argparse.ArgumentParser:
    """Add ``deterrence sweep`` to the subcommands."""
    from ..sweeps import OUTCOMES

    p = sub.add_parser(
        "sweep",
        help="solve many variants of a scenario (grids, Latin hypercubes, Dask)",
        description="Vary fields of a scenario's model (dotted paths: penalty, rule.noise, "
        "market.revenue, penalty[2]) over a grid or a sampled design, solve every variant "
        "and write one row per scenario.",
        epilog=examples(*EXAMPLES),
        formatter_class=HelpFormatter,
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file or shipped name")
    p.add_argument(
        "--axis",
        action="append",
        metavar="PATH=VALUES",
        help="START:STOP:NUM or A,B,C (grid); LOW:HIGH with --design (repeatable)",
    )
    p.add_argument("--design", default=None, help="grid (default), lhs:N, sobol:N or random:N")
    p.add_argument(
        "--outcome",
        default="dynamics",
        choices=sorted(OUTCOMES),
        help="what each scenario reports (default: dynamics)",
    )
    p.add_argument("--workers", default=None, help="processes on this machine")
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="a Dask scheduler, e.g. tcp://10.0.0.5:8786",
    )
    p.add_argument("--seed", default=None, help="seed of the sweep (default: fresh entropy)")
    p.add_argument(
        "--checkpoint",
        default=None,
        metavar="FILE",
        help="append finished batches here; rerun to resume",
    )
    p.add_argument(
        "--out", default=None, metavar="FILE.parquet|FILE.csv", help="write the table to a file"
    )
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(handler=run)
    return p
