"""Games: the oracle interface (the seam, :class:`Game`), dense games, Gambit files, the catalog."""

from . import nfg
from .base import (
    Game,
    PayoffJacobian,
    SeedLike,
    as_mixed_profile,
    as_pure_profile,
    pure_to_mixed,
    uniform_profile,
)
from .normal_form import NormalFormGame
from .regret import best_response, best_responses, is_equilibrium, player_regrets, regret

__all__ = [
    "Game",
    "NormalFormGame",
    "PayoffJacobian",
    "SeedLike",
    "as_mixed_profile",
    "as_pure_profile",
    "best_response",
    "best_responses",
    "is_equilibrium",
    "nfg",
    "player_regrets",
    "pure_to_mixed",
    "regret",
    "uniform_profile",
]
