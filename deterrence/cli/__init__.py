"""Command line: ``deterrence COMMAND ...`` (also ``python -m deterrence`` and
``python -m deterrence.cli``).

One module per command — :mod:`~deterrence.cli.solve`, :mod:`~deterrence.cli.games`,
:mod:`~deterrence.cli.analyze`, :mod:`~deterrence.cli.tipping` — each with
``register(subparsers)``, which adds its parser and sets its handler, and ``run(args)``,
which returns the exit code. The commands are the modules listed in :data:`COMMANDS`,
imported here. Any :class:`~deterrence.DeterrenceError` (bad file, bad option value) ends
the program with exit code 2 and a one-line reason on stderr (:mod:`~deterrence.cli._common`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import analyze, bench, campaign, games, solve, sweep, tipping
from ._common import HelpFormatter, examples, run_handler

__all__ = ["COMMANDS", "build_parser", "main"]

#: The subcommands, in the order ``deterrence --help`` lists them.
COMMANDS = (solve, games, analyze, tipping, campaign, sweep, bench)

EXAMPLES = (
    "deterrence games",
    "deterrence solve prisoners_dilemma --method pure",
    "deterrence analyze --list",
    "deterrence analyze symmetric --no-thresholds",
    "deterrence tipping --capacity 20 50 --runs 5 --periods 500",
)


def build_parser() -> argparse.ArgumentParser:
    """The ``deterrence`` argument parser with every subcommand of :data:`COMMANDS`."""
    from .._version import __version__

    parser = argparse.ArgumentParser(
        prog="deterrence",
        description="Game-theoretic deterrence solver: does a conditional threat make "
        "violence a losing strategy?",
        epilog=examples(*EXAMPLES),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"deterrence {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deterrence`` script; returns the exit code.

    Examples
    --------
    >>> main(["games"])
    battle_of_the_sexes.nfg
    ...
    prisoners_dilemma.nfg
    ...
    0
    """
    if argv is None:  # the ``deterrence`` script: alone, it runs the main job
        argv = sys.argv[1:] or ["analyze"]
    args = build_parser().parse_args(argv)
    return run_handler(args.command, args.handler, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
