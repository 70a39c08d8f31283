"""``deterrence solve GAME.nfg``: the Nash equilibria of a Gambit .nfg game."""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .._report import jsonable, text_table
from ..errors import DeterrenceError
from ._common import HelpFormatter, examples, print_json

__all__ = ["format_result", "register", "result_to_json", "run"]

EXAMPLES = (
    "deterrence solve prisoners_dilemma",
    "deterrence solve battle_of_the_sexes --method support --json",
    "deterrence solve shapley --method logit -o tol=1e-10",
)


def game_path(name: str) -> Path | str:
    """A path on disk, or the name of a game bundled in ``deterrence/games/data``."""
    if name == "-":  # standard input
        return name
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


def _options(items: list[str] | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise DeterrenceError(f"--option {item!r}: expected KEY=VALUE")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def run(args: argparse.Namespace) -> int:
    """Solve the game; exit code 1 when the solver did not converge."""
    from ..games.nfg import read_nfg
    from ..solvers.api import solve

    game = read_nfg(game_path(args.game))
    options = _options(args.option)
    try:
        res = solve(game, method=args.method, **options)
    except TypeError as exc:  # unknown keyword option of the chosen method
        raise DeterrenceError(f"--option: {exc}") from None
    if args.json:
        print_json(result_to_json(res, game))
    else:
        print(format_result(res, game))
    return 0 if res.converged else 1


def register(sub: Any) -> argparse.ArgumentParser:
    """Add ``deterrence solve`` to the subcommands."""
    from ..solvers.api import METHODS

    p = sub.add_parser(
        "solve",
        help="compute the Nash equilibria of a Gambit .nfg game",
        description="Compute the Nash equilibria of a game in Gambit .nfg format (a path, "
        "or the name of a bundled game: see `deterrence games`).",
        epilog=examples(*EXAMPLES),
        formatter_class=HelpFormatter,
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
    p.set_defaults(handler=run)
    return p
