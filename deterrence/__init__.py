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

# learning dynamics
from . import dynamics, games, plotting, solvers

# limited enforcement capacity: compliance game and tipping
from .analysis.compliance import Unravelling, minimum_deterrent_capacity, unravelling

# the targeting model, the race-to-the-bottom verdict and its critical values
from .analysis.race import RaceReport, framing_gains, race_to_the_bottom
from .analysis.report import AnalysisReport, analyze
from .analysis.thresholds import (
    Threshold,
    critical_noise,
    critical_penalty,
    critical_revenue,
    deviation_gain,
    equilibrium_noise,
    equilibrium_penalty,
)
from .analysis.tipping import EnforcementComparison, compare_enforcement
from .analysis.tipping_chain import TippingChain, markov_chain
from .analysis.tipping_meanfield import (
    CriticalCapacity,
    MeanField,
    critical_capacity,
    mean_field_fixed_points,
)
from .analysis.tipping_sim import TippingResult, simulate_tipping
from .calibration import CalibrationResult, calibrate
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
from .errors import (
    DeterrenceError,
    GameTooLargeError,
    InvalidGameError,
    InvalidProfileError,
    NfgFormatError,
    ScenarioError,
    UnknownOptionError,
    UnsupportedGameError,
)
from .games import (
    Game,
    NormalFormGame,
    SeedLike,
    best_response,
    best_responses,
    catalog,
    is_equilibrium,
    player_regrets,
    regret,
)

# Gambit .nfg files and the catalog of benchmark games
from .games.nfg import read_nfg, write_nfg
from .games.stochastic import StochasticGame
from .analysis.campaign import CampaignResult, run_campaign, solve_campaign
from .model.campaign import Campaign, Stop
from .model.networks import Entry, SupplyNetwork, Territory
from .model import (
    ComplianceGame,
    Crackdown,
    Market,
    MostViolent,
    NoisyMostViolent,
    NoTargeting,
    Priority,
    Proportional,
    TargetingGame,
    TargetingModel,
    TippingModel,
    TopK,
)
from .scenario import Scenario, Units, available_scenarios, load_scenario, scenarios
from .solvers import Equilibrium, NashResult, pure_equilibria, pure_equilibria_gen, solve
from .solvers.logit import LogitPath, logit_path, solve_logit
from .solvers.stochastic import StochasticResult, solve_stochastic, stochastic_regret
from .solvers.symmetric import solve_symmetric

# solvers beyond pure enumeration (all also reachable through dt.solve)
from .solvers.two_player import lemke_howson, solve_zero_sum, vertex_enumeration

# sweeps over scenarios (any executor, checkpoints)
from .sweeps import sweep

from ._version import __version__

__all__ = [
    "AnalysisReport",
    "BasinsResult",
    "CalibrationResult",
    "Campaign",
    "CampaignResult",
    "ComplianceGame",
    "Crackdown",
    "CriticalCapacity",
    "DeterrenceError",
    "DynamicsResult",
    "EnforcementComparison",
    "Entry",
    "Equilibrium",
    "Game",
    "GameTooLargeError",
    "InvalidGameError",
    "InvalidProfileError",
    "LogitPath",
    "Market",
    "MeanField",
    "MostViolent",
    "NashResult",
    "NfgFormatError",
    "NoTargeting",
    "NoisyMostViolent",
    "NormalFormGame",
    "Priority",
    "Proportional",
    "RaceReport",
    "Scenario",
    "ScenarioError",
    "SeedLike",
    "StochasticGame",
    "StochasticResult",
    "Stop",
    "SupplyNetwork",
    "TargetingGame",
    "TargetingModel",
    "Territory",
    "Threshold",
    "TippingChain",
    "TippingModel",
    "TippingResult",
    "TopK",
    "Units",
    "UnknownOptionError",
    "Unravelling",
    "UnsupportedGameError",
    "__version__",
    "analyze",
    "available_scenarios",
    "basins",
    "basins_of_attraction",
    "best_response",
    "best_response_dynamics",
    "best_responses",
    "calibrate",
    "catalog",
    "compare_enforcement",
    "critical_capacity",
    "critical_noise",
    "critical_penalty",
    "critical_revenue",
    "deviation_gain",
    "dynamics",
    "equilibrium_noise",
    "equilibrium_penalty",
    "fictitious_play",
    "framing_gains",
    "games",
    "is_equilibrium",
    "lemke_howson",
    "load_scenario",
    "logit_path",
    "logit_response_dynamics",
    "markov_chain",
    "mean_field_fixed_points",
    "minimum_deterrent_capacity",
    "player_regrets",
    "plotting",
    "pure_equilibria",
    "pure_equilibria_gen",
    "race_to_the_bottom",
    "read_nfg",
    "regret",
    "replicator_dynamics",
    "run_campaign",
    "scenarios",
    "simulate_tipping",
    "solve",
    "solve_campaign",
    "solve_logit",
    "solve_stochastic",
    "solve_symmetric",
    "solve_zero_sum",
    "solvers",
    "stochastic_regret",
    "sweep",
    "unravelling",
    "vertex_enumeration",
    "write_nfg",
]
