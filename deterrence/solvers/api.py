"""``dt.solve``: one entry point that dispatches to the named solver."""

from __future__ import annotations

import importlib
from typing import Any

from .._validation import check_choice
from ..errors import DeterrenceError
from ..games.base import Game
from .results import NashResult

__all__ = ["METHODS", "solve"]

#: method name -> "module:function"; each function is ``f(game, **options) -> NashResult``.
METHODS: dict[str, str] = {
    "pure": "deterrence.solvers.pure:solve_pure",
    "support": "deterrence.solvers.two_player:solve_support",
    "lemke-howson": "deterrence.solvers.two_player:solve_lemke_howson",
    "lp": "deterrence.solvers.two_player:solve_lp",
    "logit": "deterrence.solvers.logit:solve_logit",
    "symmetric": "deterrence.solvers.symmetric:solve_symmetric",
    "auto": "deterrence.solvers.auto:solve_auto",
}


def _resolve(method: str) -> Any:
    module, func = METHODS[method].split(":")
    return getattr(importlib.import_module(module), func)


def solve(game: Game, method: str = "auto", **options: Any) -> NashResult:
    """Compute Nash equilibria of ``game`` with the named method.

    Parameters
    ----------
    game
        A :class:`~deterrence.NormalFormGame` or any structured game.
    method
        ``"pure"`` (every pure equilibrium), ``"support"`` (every equilibrium of a
        2-player game), ``"lemke-howson"``, ``"lp"`` (2-player zero-sum), ``"logit"``
        (one equilibrium of an N-player game by tracing the logit QRE path),
        ``"symmetric"`` (a symmetric equilibrium of a symmetric game) or ``"auto"``.
    **options
        Keyword options of the chosen method (see its function's docstring); unknown
        options raise an error.

    Examples
    --------
    >>> import deterrence as dt
    >>> pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    >>> res = dt.solve(pd, method="pure")
    >>> [eq.pure_profile for eq in res]
    [(1, 1)]
    """
    if not isinstance(game, Game):
        raise DeterrenceError(
            f"game={type(game).__name__} is not a deterrence game; expected a NormalFormGame "
            "or a structured game (build one with dt.NormalFormGame(payoffs) or model.game())"
        )
    check_choice("method", method, METHODS)
    return _resolve(method)(game, **options)
