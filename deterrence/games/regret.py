"""Regret, equilibrium checks and best responses, on any :class:`~deterrence.games.base.Game`
through its deviation-payoff oracle."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import check_choice, check_real, normalize_rng
from ..errors import DeterrenceError
from .base import Game, SeedLike, as_mixed_profile

__all__ = ["best_response", "best_responses", "is_equilibrium", "player_regrets", "regret"]

TIE_BREAKING = ("smallest", "largest", "random")


def player_regrets(game: Game, profile: Sequence[ArrayLike]) -> NDArray[np.float64]:
    """Each player's regret: best deviation payoff minus current expected payoff.

    Examples
    --------
    >>> import deterrence as dt
    >>> pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])  # prisoner's dilemma
    >>> dt.games.player_regrets(pd, [[1, 0], [1, 0]]).tolist()
    [2.0, 2.0]
    """
    p = as_mixed_profile(game, profile)
    dev = game._deviation_payoffs(p)
    return np.array([max(float(d.max() - d @ q), 0.0) for d, q in zip(dev, p, strict=True)])


def regret(game: Game, profile: Sequence[ArrayLike]) -> float:
    """Largest gain any single player can make by deviating: 0 exactly at a Nash equilibrium.

    Parameters
    ----------
    game
        Any game (dense or structured).
    profile
        One mixed strategy per player.

    Examples
    --------
    >>> import deterrence as dt
    >>> pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    >>> dt.regret(pd, [[0, 1], [0, 1]])
    0.0
    """
    return float(player_regrets(game, profile).max())


def is_equilibrium(game: Game, profile: Sequence[ArrayLike], *, tol: float = 1e-9) -> bool:
    """True if no player can gain more than ``tol`` by deviating (``regret <= tol``)."""
    tol = check_real("tol", tol, low=0.0)
    return regret(game, profile) <= tol


def best_responses(
    game: Game, profile: Sequence[ArrayLike], *, tol: float = 0.0
) -> list[NDArray[np.intp]]:
    """Every best response of each player: the actions within ``tol`` of the best payoff.

    Examples
    --------
    >>> import deterrence as dt
    >>> mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])  # matching pennies
    >>> [b.tolist() for b in dt.best_responses(mp, [[0.5, 0.5], [0.5, 0.5]])]
    [[0, 1], [0, 1]]
    """
    tol = check_real("tol", tol, low=0.0)
    dev = game.deviation_payoffs(profile)
    return [np.flatnonzero(d >= d.max() - tol) for d in dev]


def best_response(
    game: Game,
    player: int,
    profile: Sequence[ArrayLike],
    *,
    tie_breaking: str = "smallest",
    tol: float = 0.0,
    rng: SeedLike = None,
) -> int:
    """One best response of ``player`` to the others' strategies in ``profile``.

    ``tie_breaking`` says which of several best responses to return: ``"smallest"`` index
    (the least violent level on a violence grid), ``"largest"``, or uniformly ``"random"``
    (with ``rng``). ``profile[player]`` itself is ignored but must be a valid strategy.
    """
    check_choice("tie_breaking", tie_breaking, TIE_BREAKING)
    if (
        isinstance(player, bool)
        or not isinstance(player, int | np.integer)
        or not (0 <= player < game.n_players)
    ):
        raise DeterrenceError(f"player={player!r} is not valid; expected 0..{game.n_players - 1}")
    ties = best_responses(game, profile, tol=tol)[player]
    if tie_breaking == "smallest":
        return int(ties[0])
    if tie_breaking == "largest":
        return int(ties[-1])
    return int(normalize_rng(rng).choice(ties))
