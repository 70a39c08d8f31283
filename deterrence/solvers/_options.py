"""Checks shared by the solvers: the game argument and the options of ``dt.solve``.

The options a solver accepts are read from its signature (its keyword-only parameters), so
a solver needs no registration beyond its entry in :data:`deterrence.solvers.api.METHODS`.
A *tolerance* is an option named ``tol`` or ``*_tol``: it must be a finite real number,
and positive when its default is (a tolerance whose default is 0, as ``"pure"``'s exact
comparison, may be 0).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .._validation import check_real
from ..errors import DeterrenceError, UnknownOptionError
from ..games.base import Game

__all__ = ["check_game", "check_options", "keyword_options"]


def check_game(game: Any, who: str) -> Game:
    """Raise unless ``game`` is a :class:`~deterrence.games.base.Game`."""
    if not isinstance(game, Game):
        raise DeterrenceError(
            f"game={type(game).__name__} is not a deterrence game; {who} expects a "
            "NormalFormGame or a structured game"
        )
    return game


def keyword_options(func: Callable[..., Any]) -> dict[str, Any]:
    """The keyword-only parameters of ``func`` and their defaults, in signature order.

    Examples
    --------
    >>> from deterrence.solvers._options import keyword_options
    >>> def f(game, *, tol=1e-9, max_steps=10): ...
    >>> keyword_options(f)
    {'tol': 1e-09, 'max_steps': 10}
    """
    params = inspect.signature(func).parameters.values()
    return {p.name: p.default for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}


def _is_tolerance(name: str) -> bool:
    return name == "tol" or name.endswith("_tol")


def check_options(who: str, options: Mapping[str, Any], allowed: Mapping[str, Any]) -> None:
    """Raise :class:`~deterrence.errors.UnknownOptionError` (a DeterrenceError and a
    TypeError) naming the first unknown option and listing the allowed ones; raise a
    DeterrenceError or naming a tolerance that is not a finite number (> 0 when
    its default is > 0).

    Examples
    --------
    >>> from deterrence.solvers._options import check_options
    >>> try:
    ...     check_options("dt.solve(method='logit')", {"bogus": 1}, {"tol": 1e-10})
    ... except ValueError as exc:
    ...     print(exc)
    dt.solve(method='logit'): unknown option bogus=1; allowed: tol
    """
    for name, value in options.items():
        if name not in allowed:
            raise UnknownOptionError(
                f"{who}: unknown option {name}={value!r}; allowed: {_listing(allowed)}"
            )
        default = allowed[name]
        if _is_tolerance(name) and not (value is None and default is None):
            positive = isinstance(default, int | float) and math.isfinite(default) and default > 0
            check_real(name, value, low=0.0, low_open=positive)


def _listing(names: Iterable[str]) -> str:
    names = list(names)
    return ", ".join(names) if names else "(none)"
