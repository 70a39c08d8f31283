"""``method="auto"``: pick a solver from the game's size and structure, and say why.

The choice, in order:

1. **Two players** with a dense table: ``"support"``, every equilibrium (pure ones
   included), with ``complete`` when the enumeration proves it found them all.
2. **Three or more players, symmetric** (see the symmetry protocol of
   :mod:`deterrence.solvers.symmetric`): ``"symmetric"``, a symmetric equilibrium in the
   one shared strategy (fast whatever the number of players).
3. **Otherwise**: ``"logit"``, one equilibrium by following the logit QRE path through
   the oracle.

Options are forwarded: each attempt receives the options its solver accepts (``tol`` goes
to every one; ``lambda_max`` only to ``"symmetric"`` and ``"logit"``; ``symmetry_tol``
also to the symmetry check); an option no candidate accepts is refused
(:func:`auto_options` lists them).

If the chosen solver is unavailable or fails (no table for a structured two-player game,
a symmetric path that does not converge), the next applicable one runs. The result's
``method`` is ``"auto:<chosen>"`` and ``details["auto"]`` records the choice, the reason
and every attempt.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..errors import DeterrenceError, GameTooLargeError, UnsupportedGameError
from ..games.base import Game
from ._options import check_game, check_options, keyword_options
from .logit import solve_logit
from .results import NashResult
from .symmetric import declares_symmetry, solve_symmetric
from .two_player import solve_support

__all__ = ["auto_options", "solve_auto"]

#: The solvers ``"auto"`` may choose, in the order it considers them.
CANDIDATES: dict[str, Callable[..., NashResult]] = {
    "support": solve_support,
    "symmetric": solve_symmetric,
    "logit": solve_logit,
}


_SYMMETRY_TOL = keyword_options(declares_symmetry)["symmetry_tol"]


def auto_options() -> dict[str, Any]:
    """Every option of the candidate solvers, with the first candidate's default.

    Examples
    --------
    >>> from deterrence.solvers.auto import auto_options
    >>> "tol" in auto_options() and "lambda_max" in auto_options()
    True
    """
    out: dict[str, Any] = {}
    for func in CANDIDATES.values():
        for name, default in keyword_options(func).items():
            out.setdefault(name, default)
    return out


def _forward(method: str, options: dict[str, Any]) -> dict[str, Any]:
    accepted = keyword_options(CANDIDATES[method])
    return {k: v for k, v in options.items() if k in accepted}


def _with_choice(res: NashResult, chosen: str, reason: str, tried: list[dict]) -> NashResult:
    details = dict(res.details)
    details["auto"] = {"chosen": chosen, "reason": reason, "tried": tried}
    return dataclasses.replace(res, method=f"auto:{chosen}", details=details)


def solve_auto(game: Game, **options: Any) -> NashResult:
    """Equilibria by the method that suits the game (``dt.solve(game)``).

    Two-player games get every equilibrium (``"support"``), symmetric games with more
    players a symmetric equilibrium (``"symmetric"``), and every other game one
    equilibrium from the logit path (``"logit"``); see the module documentation. The
    result's ``method`` is ``"auto:<chosen>"`` and ``details["auto"]`` says why.

    Parameters
    ----------
    game
        Any game.
    **options
        Options of the candidate solvers (:func:`auto_options`), each forwarded to the
        candidates that accept it.

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
    game = check_game(game, "solve_auto")
    check_options("dt.solve(method='auto')", options, auto_options())
    n = game.n_players
    tried: list[dict[str, Any]] = []

    if n == 2:
        reason = "2-player game: every equilibrium by support enumeration"
        try:
            res = solve_support(game, **_forward("support", options))
        except (ImportError, NotImplementedError, GameTooLargeError, UnsupportedGameError) as exc:
            tried.append({"method": "support", "outcome": f"unavailable: {exc}"})
        else:
            tried.append({"method": "support", "outcome": res.message})
            if res.equilibria:
                return _with_choice(res, "support", reason, tried)

    if n >= 3:
        try:
            sym = declares_symmetry(game, symmetry_tol=options.get("symmetry_tol", _SYMMETRY_TOL))
        except DeterrenceError:
            sym = None
        if sym:
            reason = (
                f"symmetric game with {n} players: one symmetric equilibrium in the shared strategy"
            )
            res = solve_symmetric(game, **_forward("symmetric", options))
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
    res = solve_logit(game, **_forward("logit", options))
    tried.append({"method": "logit", "outcome": res.message})
    return _with_choice(res, "logit", reason, tried)
