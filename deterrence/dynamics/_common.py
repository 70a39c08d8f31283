"""Small helpers shared by the dynamics (validation, end-profile evaluation)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import DeterrenceError, InvalidProfileError
from ..games.base import Game, as_mixed_profile, as_pure_profile, pure_to_mixed
from ..games.regret import player_regrets

#: Largest ``max_iter`` any dynamic accepts (documented limit: one billion revision steps).
MAX_ITER = 10**9
#: Largest ``n_points`` (output times) of the replicator dynamics.
MAX_POINTS = 10**7


def check_game(game: Any) -> Game:
    """Raise unless ``game`` is a :class:`~deterrence.games.base.Game`."""
    if not isinstance(game, Game):
        raise DeterrenceError(
            f"game={type(game).__name__} is not valid; expected a deterrence Game "
            "(e.g. dt.NormalFormGame(payoffs) or model.game())"
        )
    return game


def pure_regret(game: Game, profile: Sequence[int]) -> float:
    """Regret of a pure profile, computed with the game's oracle."""
    return float(player_regrets(game, pure_to_mixed(game, profile)).max())


def mixed_regret(game: Game, profile: Sequence[ArrayLike]) -> float:
    """Regret of a mixed profile, computed with the game's oracle."""
    return float(player_regrets(game, profile).max())


def as_start_mixed(game: Game, start: Any) -> tuple[NDArray[np.float64], ...]:
    """A start for mixed dynamics: ``None`` (uniform), a pure profile (one-hot) or a mixed
    profile."""
    if start is None:
        return tuple(np.full(k, 1.0 / k) for k in game.shape)
    try:
        seq = list(start)
    except TypeError:
        raise InvalidProfileError(
            f"start={start!r} is not valid; expected None, a pure profile (one action index "
            "per player) or a mixed profile (one probability vector per player)"
        ) from None
    if len(seq) and all(np.ndim(x) == 0 for x in seq):
        return pure_to_mixed(game, as_pure_profile(game, seq))
    return tuple(np.array(p, dtype=float) for p in as_mixed_profile(game, seq))


def split(x: NDArray, shape: Sequence[int]) -> tuple[NDArray, ...]:
    """Split a concatenated state vector into one strategy per player."""
    return tuple(np.split(x, np.cumsum(shape)[:-1]))
