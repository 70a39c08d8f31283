"""deterrence: a game-theoretic deterrence solver.

Does a conditional threat ("the most violent organization is designated for destruction")
make violence a losing strategy? Build the game from a scenario, compute its equilibria and
learning dynamics, and read the verdict.

>>> import deterrence as dt
>>> pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
>>> dt.solve(pd, method="pure")[0].pure_profile
(1, 1)
"""

from __future__ import annotations

from . import games, solvers
from .errors import (
    DeterrenceError,
    GameTooLargeError,
    InvalidGameError,
    InvalidProfileError,
    NfgFormatError,
    ScenarioError,
    UnsupportedGameError,
)
from .games import (
    Game,
    NormalFormGame,
    best_response,
    best_responses,
    is_equilibrium,
    player_regrets,
    regret,
)
from .solvers import Equilibrium, NashResult, pure_equilibria, pure_equilibria_gen, solve

# -- nfg I/O (deterrence/games/nfg.py) --
# -- catalog (deterrence/games/catalog.py) --
# -- two-player, logit and symmetric solvers (deterrence/solvers/) --
# -- dynamics (deterrence/dynamics/) --
# -- targeting model and race verdict (deterrence/model/, deterrence/analysis/) --
# -- compliance and tipping (deterrence/analysis/) --

__version__ = "0.1.0"
