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
from .games.nfg import read_nfg, write_nfg
# -- catalog (deterrence/games/catalog.py) --
from .games import catalog
# -- two-player, logit and symmetric solvers (deterrence/solvers/) --
from .solvers.two_player import lemke_howson, solve_zero_sum, vertex_enumeration
from .solvers.logit import LogitPath, logit_path, solve_logit
from .solvers.symmetric import solve_symmetric
# -- dynamics (deterrence/dynamics/) --
from . import dynamics, plotting
from .dynamics import (
    BasinsResult,
    DynamicsResult,
    basins,
    basins_of_attraction,
    best_response_dynamics,
    fictitious_play,
    logit_response_dynamics,
    replicator_dynamics,
)
# -- targeting model and race verdict (deterrence/model/, deterrence/analysis/) --
from .analysis.race import RaceReport, framing_gains, race_to_the_bottom
from .analysis.thresholds import (
    Threshold,
    critical_noise,
    critical_penalty,
    critical_revenue,
    deviation_gain,
    equilibrium_noise,
    equilibrium_penalty,
)
from .model import (
    Market,
    MostViolent,
    NoisyMostViolent,
    NoTargeting,
    Priority,
    Proportional,
    TargetingGame,
    TargetingModel,
    TopK,
)
from .scenario import available_scenarios, load_scenario
# -- compliance and tipping (deterrence/analysis/) --
from .analysis.compliance import (
    ComplianceGame,
    Unravelling,
    minimum_deterrent_capacity,
    unravelling,
)
from .analysis.tipping import (
    Crackdown,
    CriticalCapacity,
    EnforcementComparison,
    MeanField,
    TippingChain,
    TippingModel,
    TippingResult,
    compare_enforcement,
    critical_capacity,
    markov_chain,
    mean_field_fixed_points,
    simulate_tipping,
)

__version__ = "0.1.0"
