"""``deterrence bench [--quick] [--json] [--only AREA ...]``: the side-by-side benchmark table.

Everything is :func:`deterrence.bench.run_bench`; this module parses the options and prints
the table (with a progress bar on stderr) or the rows as JSON.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import DeterrenceError
from ._common import HelpFormatter, examples, number, print_json

__all__ = ["register", "run"]

EXAMPLES = (
    "deterrence bench --quick --only pure",
    "deterrence bench --quick --only lemke-howson --peers quantecon --json",
)


def run(args: argparse.Namespace) -> int:
    """Run the suite and print its table or rows."""
    from ..bench import AREAS, PEERS, run_bench

    for name, values, allowed in (("only", args.only, AREAS), ("peers", args.peers, PEERS)):
        bad = [v for v in values or () if v not in allowed]
        if bad:
            raise DeterrenceError(
                f"--{name} {' '.join(bad)} is not valid; expected one or more of "
                + ", ".join(allowed)
            )
    limit = None if args.time_limit is None else number("time-limit", args.time_limit)
    if limit is not None and not limit > 0:
        raise DeterrenceError(f"--time-limit={args.time_limit} is out of range; expected > 0")
    peers = () if args.no_peers else args.peers
    report = run_bench(
        quick=args.quick, only=args.only, peers=peers, time_limit=limit, progress=not args.json
    )
    if args.json:
        print_json(
            {
                "quick": report.quick,
                "seconds": report.seconds,
                "machine": dict(report.machine),
                "rows": [r.to_dict() for r in report.rows],
            }
        )
    else:
        print(report.table(markdown=args.markdown))
    return 0


def register(sub: Any) -> argparse.ArgumentParser:
    """Add ``deterrence bench`` to the subcommands."""
    from ..bench import AREAS, PEERS

    p = sub.add_parser(
        "bench",
        help="time our solvers beside pygambit, QuantEcon, nashpy and sgamesolver",
        description="Solve seeded catalog games with our solvers and with every installed "
        "peer library on the same games, in this process; print time, peak memory, regret, "
        "the ratio peer/ours (above 1: ours faster) and whether the answers agree. Areas: "
        + ", ".join(AREAS)
        + ".",
        epilog=examples(*EXAMPLES),
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "--quick", action="store_true", help="the short suite (under a minute on two cores)"
    )
    p.add_argument("--only", nargs="+", default=None, metavar="AREA", help="run only these areas")
    p.add_argument(
        "--peers",
        nargs="+",
        default=None,
        metavar="PEER",
        help="compare only with these peers (" + ", ".join(PEERS) + ")",
    )
    p.add_argument("--no-peers", action="store_true", help="time our solvers only")
    p.add_argument(
        "--time-limit",
        default=None,
        metavar="SECONDS",
        help="do not repeat a peer call slower than this (default 5 quick, 60 full)",
    )
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.set_defaults(handler=run)
    return p
