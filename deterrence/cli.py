"""Command line: ``deterrence SUBCOMMAND ...`` (also ``python -m deterrence``).

Each subcommand lives next to the code it drives and registers itself through a
``register_cli(subparsers)`` function listed in :data:`SUBCOMMANDS`; its handler takes the
parsed arguments and returns an exit code. Any :class:`~deterrence.DeterrenceError` (bad
file, bad option value) ends the program with exit code 2 and a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ._report import jsonable, text_table
from .errors import DeterrenceError

__all__ = ["SUBCOMMANDS", "main"]

#: "module:function" of each subcommand's registration function.
SUBCOMMANDS: tuple[str, ...] = (
    "deterrence.cli:register_solve",
    "deterrence.cli:register_games",
    "deterrence.analysis.race:register_cli",
    "deterrence.analysis.tipping:register_cli",
)


# ----------------------------------------------------------------------------- solve
def _game_path(name: str) -> Path:
    """A path on disk, or the name of a game bundled in ``deterrence/games/data``."""
    p = Path(name)
    if p.exists():
        return p
    bundled = resources.files("deterrence.games") / "data" / name
    if not name.endswith(".nfg"):
        bundled = resources.files("deterrence.games") / "data" / f"{name}.nfg"
    if bundled.is_file():
        return Path(str(bundled))
    raise DeterrenceError(
        f"GAME={name!r}: no such file, and not a bundled game (see `deterrence games`)"
    )


def _equilibrium_json(eq: Any) -> dict[str, Any]:
    return {
        "strategies": [s.tolist() for s in eq.strategies],
        "payoffs": eq.payoffs.tolist(),
        "regret": eq.regret,
        "pure_profile": list(eq.pure_profile) if eq.pure_profile is not None else None,
    }


def result_to_json(res: Any, game: Any) -> dict[str, Any]:
    """A JSON-ready dict of a :class:`~deterrence.NashResult`."""
    return {
        "game": {
            "title": getattr(game, "title", ""),
            "players": list(game.player_names),
            "actions": [list(a) for a in game.action_names],
            "shape": list(game.shape),
        },
        "method": res.method,
        "complete": res.complete,
        "converged": res.converged,
        "message": res.message,
        "parameters": {k: jsonable(v) for k, v in res.parameters.items()},
        "equilibria": [_equilibrium_json(e) for e in res.equilibria],
    }


def format_result(res: Any, game: Any) -> str:
    """A readable table of the equilibria: one row per equilibrium, one column per player."""
    title = getattr(game, "title", "") or "game"
    lines = [
        f"{title}: {game.n_players} players, actions {' x '.join(map(str, game.shape))}",
        f"method {res.method}: {res.message}" + ("" if res.converged else "  [NOT CONVERGED]"),
    ]
    if res.complete:
        lines.append(
            "the list below is every equilibrium"
            + (" (extreme points)" if res.method == "support" else "")
        )
    if not res.equilibria:
        lines.append("no equilibrium found")
        return "\n".join(lines)
    headers = ["#", *game.player_names, "payoffs", "regret"]
    rows = []
    for k, eq in enumerate(res.equilibria):
        cells = [str(k + 1)]
        for s, names in zip(eq.strategies, game.action_names, strict=True):
            nz = np.flatnonzero(s > 0)
            if len(nz) == 1:
                cells.append(names[nz[0]])
            else:
                cells.append(" ".join(f"{names[a]}:{s[a]:.4g}" for a in nz))
        cells.append(", ".join(f"{v:.6g}" for v in eq.payoffs))
        cells.append(f"{eq.regret:.1e}")
        rows.append(cells)
    lines.append(text_table(headers, rows))
    return "\n".join(lines)


def _run_solve(args: argparse.Namespace) -> int:
    from .games.nfg import read_nfg
    from .solvers.api import solve

    game = read_nfg(_game_path(args.game))
    options: dict[str, Any] = {}
    for item in args.option or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise DeterrenceError(f"--option {item!r}: expected KEY=VALUE")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    try:
        res = solve(game, method=args.method, **options)
    except TypeError as exc:  # unknown keyword option of the chosen method
        raise DeterrenceError(f"--option: {exc}") from None
    if args.json:
        print(json.dumps(result_to_json(res, game), indent=2))
    else:
        print(format_result(res, game))
    return 0 if res.converged else 1


def register_solve(sub: Any) -> None:
    from .solvers.api import METHODS

    p = sub.add_parser(
        "solve",
        help="compute the Nash equilibria of a Gambit .nfg game",
        description="Compute the Nash equilibria of a game in Gambit .nfg format (a path, "
        "or the name of a bundled game: see `deterrence games`).",
    )
    p.add_argument("game", metavar="GAME.nfg", help="path to a .nfg file, or a bundled game name")
    p.add_argument(
        "--method", default="auto", choices=sorted(METHODS), help="solver (default: auto)"
    )
    p.add_argument(
        "--option",
        "-o",
        action="append",
        metavar="KEY=VALUE",
        help="solver option, value parsed as JSON when possible (repeatable), e.g. -o tol=1e-9",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=_run_solve)


def _run_games(args: argparse.Namespace) -> int:
    data = resources.files("deterrence.games") / "data"
    names = sorted(f.name for f in data.iterdir() if f.name.endswith(".nfg"))
    for n in names:
        print(n)
    return 0


def register_games(sub: Any) -> None:
    p = sub.add_parser("games", help="list the bundled example games")
    p.set_defaults(handler=_run_games)


# ------------------------------------------------------------------------------ main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deterrence",
        description="Game-theoretic deterrence solver: does a conditional threat make "
        "violence a losing strategy?",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"deterrence {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for spec in SUBCOMMANDS:
        module, func = spec.split(":")
        getattr(importlib.import_module(module), func)(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deterrence`` script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except DeterrenceError as exc:
        msg = " ".join(str(exc).split())
        print(f"deterrence {args.command}: error: {msg}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(
            f"deterrence {args.command}: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(
                ": "
            ),
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
