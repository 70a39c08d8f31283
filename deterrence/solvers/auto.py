"""``method="auto"``: pick a solver from the game's size and structure, and say why.

The choice, in order:

1. **Two players** with a dense table: ``"support"``, every equilibrium (pure ones
   included), with ``complete`` when the enumeration proves it found them all.
2. **Three or more players, symmetric** (see the symmetry protocol of
   :mod:`deterrence.solvers.symmetric`): ``"symmetric"``, a symmetric equilibrium in the
   one shared strategy (fast whatever the number of players).
3. **Otherwise**: ``"logit"``, one equilibrium by following the logit QRE path through
   the oracle.

If the chosen solver is unavailable or fails (no table for a structured two-player game,
a symmetric path that does not converge), the next applicable one runs. The result's
``method`` is ``"auto:<chosen>"`` and ``details["auto"]`` records the choice, the reason
and every attempt.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import DeterrenceError, GameTooLargeError, UnsupportedGameError
from ..games.base import Game
from .logit import _check_game, solve_logit
from .results import NashResult
from .symmetric import declares_symmetry, solve_symmetric

__all__ = ["solve_auto"]


def _with_choice(res: NashResult, chosen: str, reason: str, tried: list[dict]) -> NashResult:
    details = dict(res.details)
    details["auto"] = {"chosen": chosen, "reason": reason, "tried": tried}
    return dataclasses.replace(res, method=f"auto:{chosen}", details=details)


def _support(game: Game) -> NashResult:
    from .api import solve

    return solve(game, method="support")


def solve_auto(game: Game) -> NashResult:
    """Equilibria by the method that suits the game (``dt.solve(game)``).

    Two-player games get every equilibrium (``"support"``), symmetric games with more
    players a symmetric equilibrium (``"symmetric"``), and every other game one
    equilibrium from the logit path (``"logit"``); see the module documentation. The
    result's ``method`` is ``"auto:<chosen>"`` and ``details["auto"]`` says why.

    Examples
    --------
    >>> import deterrence as dt
    >>> def volunteer(profile):
    ...     return [4.0 * (0 in profile) - (a == 0) for a in profile]
    >>> res = dt.solve(dt.NormalFormGame.from_function((2, 2, 2), volunteer))
    >>> res.method
    'auto:symmetric'
    >>> res.details["auto"]["reason"]
    'symmetric game with 3 players: one symmetric equilibrium in the shared strategy'
    """
    game = _check_game(game, "solve_auto")
    n = game.n_players
    tried: list[dict[str, Any]] = []

    if n == 2:
        reason = "2-player game: every equilibrium by support enumeration"
        try:
            res = _support(game)
        except (ImportError, NotImplementedError, GameTooLargeError, UnsupportedGameError) as exc:
            tried.append({"method": "support", "outcome": f"unavailable: {exc}"})
        else:
            tried.append({"method": "support", "outcome": res.message})
            if res.equilibria:
                return _with_choice(res, "support", reason, tried)

    if n >= 3:
        try:
            sym = declares_symmetry(game)
        except DeterrenceError:
            sym = None
        if sym:
            reason = (
                f"symmetric game with {n} players: one symmetric equilibrium in the shared "
                "strategy"
            )
            res = solve_symmetric(game)
            tried.append({"method": "symmetric", "outcome": res.message})
            if res.converged:
                return _with_choice(res, "symmetric", reason, tried)
        else:
            tried.append(
                {
                    "method": "symmetric",
                    "outcome": "skipped: the game is not symmetric"
                    if sym is False
                    else "skipped: the game does not declare symmetry",
                }
            )

    reason = (
        f"{n}-player game: one equilibrium by following the logit QRE path"
        if not tried
        else "earlier choices failed: one equilibrium by following the logit QRE path"
    )
    if n >= 3 and all(t["outcome"].startswith("skipped") for t in tried):
        reason = f"{n}-player game that is not symmetric: one equilibrium by the logit path"
    res = solve_logit(game)
    tried.append({"method": "logit", "outcome": res.message})
    return _with_choice(res, "logit", reason, tried)
