"""``dt.solve``: one entry point that dispatches to the named solver.

:data:`METHODS` maps each method name to its solver function, ``f(game, *, ...) ->
NashResult``; the options a method accepts are that function's keyword-only parameters
(:func:`method_options`), checked before any work starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._validation import check_choice
from ..errors import DeterrenceError
from ..games.base import Game
from ._options import check_options, keyword_options
from .auto import auto_options, solve_auto
from .logit import solve_logit
from .pure import solve_pure
from .results import NashResult
from .symmetric import solve_symmetric
from .two_player import lemke_howson, solve_support, solve_zero_sum

__all__ = ["METHODS", "method_options", "solve"]

#: method name -> solver function ``f(game, **options) -> NashResult`` (one name per method).
METHODS: dict[str, Callable[..., NashResult]] = {
    "pure": solve_pure,
    "support": solve_support,
    "lemke-howson": lemke_howson,
    "lp": solve_zero_sum,
    "logit": solve_logit,
    "symmetric": solve_symmetric,
    "auto": solve_auto,
}


def method_options(method: str) -> dict[str, Any]:
    """The options ``dt.solve(game, method, **options)`` accepts, with their defaults.

    They are the keyword-only parameters of the method's function; ``"auto"`` accepts every
    option of the solvers it may choose (``"support"``, ``"symmetric"``, ``"logit"``) and
    forwards each to the ones that take it.

    Examples
    --------
    >>> from deterrence.solvers import method_options
    >>> list(method_options("pure"))
    ['tol', 'route']
    """
    check_choice("method", method, METHODS)
    if method == "auto":
        return auto_options()
    return keyword_options(METHODS[method])


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
        Keyword options of the chosen method (see its function's docstring, or
        :func:`method_options`); ``"auto"`` forwards them to the solver it chooses.

    Raises
    ------
    DeterrenceError
        If ``method`` is unknown, or an option is not one the method accepts (the message
        lists the allowed ones), or a tolerance (``tol``, ``*_tol``) is not a finite
        number (positive when its default is).

    Examples
    --------
    >>> import deterrence as dt
    >>> pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    >>> res = dt.solve(pd, method="pure")
    >>> [eq.pure_profile for eq in res]
    [(1, 1)]
    >>> try:
    ...     dt.solve(pd, method="pure", bogus=1)
    ... except dt.DeterrenceError as exc:
    ...     print(exc)
    dt.solve(method='pure'): unknown option bogus=1; allowed: tol, route
    """
    if not isinstance(game, Game):
        raise DeterrenceError(
            f"game={type(game).__name__} is not a deterrence game; expected a NormalFormGame "
            "or a structured game (build one with dt.NormalFormGame(payoffs) or model.game())"
        )
    check_choice("method", method, METHODS)
    check_options(f"dt.solve(method={method!r})", options, method_options(method))
    return METHODS[method](game, **options)
