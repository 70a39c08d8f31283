"""``deterrence games``: the example games bundled with the package."""

from __future__ import annotations

import argparse
from importlib import resources
from typing import Any

from ._common import HelpFormatter, examples

__all__ = ["bundled_games", "register", "run"]

EXAMPLES = ("deterrence games",)


def bundled_games() -> list[str]:
    """File names of the bundled ``.nfg`` games, sorted."""
    data = resources.files("deterrence.games") / "data"
    return sorted(f.name for f in data.iterdir() if f.name.endswith(".nfg"))


def run(args: argparse.Namespace) -> int:
    """Print one bundled game a line."""
    for name in bundled_games():
        print(name)
    return 0


def register(sub: Any) -> argparse.ArgumentParser:
    """Add ``deterrence games`` to the subcommands."""
    p = sub.add_parser(
        "games",
        help="list the bundled example games",
        epilog=examples(*EXAMPLES),
        formatter_class=HelpFormatter,
    )
    p.set_defaults(handler=run)
    return p
