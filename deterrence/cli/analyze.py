"""``deterrence analyze [SCENARIO]`` (and ``deterrence`` alone): the main job.

Without a scenario it runs the calibrated ``mexico-2010`` preset end to end (status quo
against the announced rule in killings a month, the graded verdict, the campaign, a random
target, attribution noise, the demand reduction, uncertainty bands, assumptions and
sources). Everything the report decides is :func:`deterrence.analyze`; this module only
parses the arguments and prints :meth:`~deterrence.AnalysisReport.summary` or, with
``--json``, :meth:`~deterrence.AnalysisReport.to_dict`; ``--out DIR`` writes the tables,
figures and HTML report (:meth:`~deterrence.AnalysisReport.write`).
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import HelpFormatter, examples, print_json

__all__ = ["register", "run"]

#: The scenario ``deterrence`` and ``deterrence analyze`` run by default.
DEFAULT_SCENARIO = "mexico-2010"

EXAMPLES = (
    "deterrence analyze --list",
    "deterrence analyze --samples 4 --runs 10 --json",
    "deterrence analyze symmetric",
    "deterrence analyze undercutting --no-thresholds --json",
)


def run(args: argparse.Namespace) -> int:
    """Print the report (or the shipped scenarios with ``--list``)."""
    from ..scenario import available_scenarios

    if args.list:
        for name in available_scenarios():
            print(name)
        return 0
    if args.workers < 1:
        from ..errors import DeterrenceError

        raise DeterrenceError(f"--workers={args.workers} is not valid; expected an integer >= 1")
    if args.workers > 1:  # the caller asked for a pool: the uncertainty sample runs on it
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            report = _analyze(args, pool)
    else:
        report = _analyze(args, None)
    if args.out is not None:
        written = report.write(args.out)
        if not args.json:
            import sys

            print(f"wrote {len(written)} files to {args.out}", file=sys.stderr)
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.summary())
    return 0


def _analyze(args: argparse.Namespace, executor: Any) -> Any:
    from ..analysis.report import analyze

    return analyze(
        args.scenario,
        thresholds=not args.no_thresholds,
        mixed=args.mixed,
        max_iter=args.max_iter,
        executor=executor,
        samples=args.samples,
        runs=args.runs,
        rounds=args.rounds,
        rng=args.seed,
        progress=not args.json and not args.no_progress,
    )


def register(sub: Any) -> argparse.ArgumentParser:
    """Add ``deterrence analyze`` to the subcommands."""
    from ..analysis.race import MIXED

    p = sub.add_parser(
        "analyze",
        help="race-to-the-bottom verdict of a policy scenario (TOML)",
        description="Solve the baseline and policy games of a scenario, run best-response "
        "dynamics from the status quo, and report the race-to-the-bottom verdict with its "
        "critical values. On a calibrated scenario (units in killings, a market: the "
        "default, mexico-2010) it runs the main job: killings a month before and after, the "
        "penalty as the campaign's franchise value, the campaign round by round, the "
        "transition from the status quo, a random target, attribution noise, the demand "
        "reduction for the same effect, uncertainty bands, assumptions and sources. "
        "SCENARIO is a TOML file or the name of a shipped scenario (default: "
        f"{DEFAULT_SCENARIO}; see --list).",
        epilog=examples(*EXAMPLES),
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default=DEFAULT_SCENARIO,
        metavar="SCENARIO.toml",
        help=f"scenario file or shipped scenario name (default: {DEFAULT_SCENARIO})",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="write the tables (CSV, Parquet), figures (PNG) and report.html to DIR",
    )
    p.add_argument(
        "--samples",
        type=int,
        default=32,
        metavar="N",
        help="Latin-hypercube samples of the uncertainty bands (0: none; default 32)",
    )
    p.add_argument("--runs", type=int, default=100, metavar="N", help="campaign runs (default 100)")
    p.add_argument(
        "--rounds", type=int, default=24, metavar="N", help="campaign months (default 24)"
    )
    p.add_argument("--seed", type=int, default=20100101, metavar="S", help="seed of the main job")
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="processes for the uncertainty sample and threshold scans (default 1: serial; "
        "same numbers either way)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--list", action="store_true", help="list the shipped scenarios and exit")
    p.add_argument(
        "--no-thresholds",
        action="store_true",
        help="skip the critical penalty / noise / revenue searches",
    )
    p.add_argument(
        "--mixed",
        choices=MIXED,
        default="auto",
        help="mixed-equilibrium solver for the policy game (default: auto)",
    )
    p.add_argument(
        "--max-iter",
        type=int,
        default=100_000,
        metavar="N",
        help="largest number of revision steps of the dynamics",
    )
    p.set_defaults(handler=run)
    return p
