"""``deterrence analyze [SCENARIO]``: the race-to-the-bottom report of a policy scenario.

Everything the report decides is :func:`deterrence.analyze`; this module only parses the
arguments and prints :meth:`~deterrence.AnalysisReport.summary` or, with ``--json``,
:meth:`~deterrence.AnalysisReport.to_dict`.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import HelpFormatter, examples, print_json

__all__ = ["register", "run"]

EXAMPLES = (
    "deterrence analyze --list",
    "deterrence analyze symmetric",
    "deterrence analyze undercutting --no-thresholds --json",
)


def run(args: argparse.Namespace) -> int:
    """Print the report (or the shipped scenarios with ``--list``)."""
    from ..analysis.report import analyze
    from ..scenario import available_scenarios

    if args.list:
        for name in available_scenarios():
            print(name)
        return 0
    report = analyze(
        args.scenario, thresholds=not args.no_thresholds, mixed=args.mixed, max_iter=args.max_iter
    )
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.summary())
    return 0


def register(sub: Any) -> argparse.ArgumentParser:
    """Add ``deterrence analyze`` to the subcommands."""
    from ..analysis.race import MIXED

    p = sub.add_parser(
        "analyze",
        help="race-to-the-bottom verdict of a policy scenario (TOML)",
        description="Solve the baseline and policy games of a scenario, run best-response "
        "dynamics from the status quo, and report the race-to-the-bottom verdict with its "
        "critical values. SCENARIO is a TOML file or the name of a shipped scenario "
        "(default: the main scenario, 'default'; see --list).",
        epilog=examples(*EXAMPLES),
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default="default",
        metavar="SCENARIO.toml",
        help="scenario file or shipped scenario name (default: default)",
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
