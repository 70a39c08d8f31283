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

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
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

#: public name -> (module, attribute): imported on first use (PEP 562), so
#: ``import deterrence`` loads numpy and the errors only; scipy, pandas, networkx and
#: the solvers load when a name that needs them is first used.
_LAZY: dict[str, tuple[str, str]] = {
    "AnalysisReport": (".analysis.report", "AnalysisReport"),
    "BasinsResult": (".dynamics", "BasinsResult"),
    "CalibrationResult": (".calibration", "CalibrationResult"),
    "Campaign": (".model.campaign", "Campaign"),
    "CampaignResult": (".analysis.campaign", "CampaignResult"),
    "ComplianceGame": (".model", "ComplianceGame"),
    "Crackdown": (".model", "Crackdown"),
    "CriticalCapacity": (".analysis.tipping_meanfield", "CriticalCapacity"),
    "DynamicsResult": (".dynamics", "DynamicsResult"),
    "EnforcementComparison": (".analysis.tipping", "EnforcementComparison"),
    "Entry": (".model.networks", "Entry"),
    "Equilibrium": (".solvers", "Equilibrium"),
    "GRADES": (".analysis.race", "GRADES"),
    "Game": (".games", "Game"),
    "LogitPath": (".solvers.logit", "LogitPath"),
    "Market": (".model", "Market"),
    "MeanField": (".analysis.tipping_meanfield", "MeanField"),
    "MostViolent": (".model", "MostViolent"),
    "NashResult": (".solvers", "NashResult"),
    "NoTargeting": (".model", "NoTargeting"),
    "NoisyMostViolent": (".model", "NoisyMostViolent"),
    "NormalFormGame": (".games", "NormalFormGame"),
    "Priority": (".model", "Priority"),
    "Proportional": (".model", "Proportional"),
    "RaceReport": (".analysis.race", "RaceReport"),
    "Scenario": (".scenario", "Scenario"),
    "SeedLike": (".games", "SeedLike"),
    "StochasticGame": (".games.stochastic", "StochasticGame"),
    "StochasticResult": (".solvers.stochastic", "StochasticResult"),
    "Stop": (".model.campaign", "Stop"),
    "SupplyNetwork": (".model.networks", "SupplyNetwork"),
    "TargetingGame": (".model", "TargetingGame"),
    "TargetingModel": (".model", "TargetingModel"),
    "Territory": (".model.networks", "Territory"),
    "Threshold": (".analysis.thresholds", "Threshold"),
    "TippingChain": (".analysis.tipping_chain", "TippingChain"),
    "TippingModel": (".model", "TippingModel"),
    "TippingResult": (".analysis.tipping_sim", "TippingResult"),
    "TopK": (".model", "TopK"),
    "Units": (".scenario", "Units"),
    "Unravelling": (".analysis.compliance", "Unravelling"),
    "analyze": (".analysis.report", "analyze"),
    "available_scenarios": (".scenario", "available_scenarios"),
    "basins": (".dynamics", "basins"),
    "basins_of_attraction": (".dynamics", "basins_of_attraction"),
    "best_response": (".games", "best_response"),
    "best_response_dynamics": (".dynamics", "best_response_dynamics"),
    "best_responses": (".games", "best_responses"),
    "calibrate": (".calibration", "calibrate"),
    "compare_enforcement": (".analysis.tipping", "compare_enforcement"),
    "critical_capacity": (".analysis.tipping_meanfield", "critical_capacity"),
    "critical_noise": (".analysis.thresholds", "critical_noise"),
    "critical_penalty": (".analysis.thresholds", "critical_penalty"),
    "critical_revenue": (".analysis.thresholds", "critical_revenue"),
    "deviation_gain": (".analysis.thresholds", "deviation_gain"),
    "equilibrium_noise": (".analysis.thresholds", "equilibrium_noise"),
    "equilibrium_penalty": (".analysis.thresholds", "equilibrium_penalty"),
    "fictitious_play": (".dynamics", "fictitious_play"),
    "framing_gains": (".analysis.race", "framing_gains"),
    "is_equilibrium": (".games", "is_equilibrium"),
    "lemke_howson": (".solvers.two_player", "lemke_howson"),
    "load_scenario": (".scenario", "load_scenario"),
    "logit_path": (".solvers.logit", "logit_path"),
    "logit_response_dynamics": (".dynamics", "logit_response_dynamics"),
    "markov_chain": (".analysis.tipping_chain", "markov_chain"),
    "mean_field_fixed_points": (".analysis.tipping_meanfield", "mean_field_fixed_points"),
    "minimum_deterrent_capacity": (".analysis.compliance", "minimum_deterrent_capacity"),
    "player_regrets": (".games", "player_regrets"),
    "pure_equilibria": (".solvers", "pure_equilibria"),
    "pure_equilibria_gen": (".solvers", "pure_equilibria_gen"),
    "race_to_the_bottom": (".analysis.race", "race_to_the_bottom"),
    "read_nfg": (".games.nfg", "read_nfg"),
    "regret": (".games", "regret"),
    "replicator_dynamics": (".dynamics", "replicator_dynamics"),
    "run_campaign": (".analysis.campaign", "run_campaign"),
    "scenarios": (".scenario", "scenarios"),
    "simulate_tipping": (".analysis.tipping_sim", "simulate_tipping"),
    "solve": (".solvers", "solve"),
    "solve_campaign": (".analysis.campaign", "solve_campaign"),
    "solve_logit": (".solvers.logit", "solve_logit"),
    "solve_stochastic": (".solvers.stochastic", "solve_stochastic"),
    "solve_symmetric": (".solvers.symmetric", "solve_symmetric"),
    "solve_zero_sum": (".solvers.two_player", "solve_zero_sum"),
    "stochastic_regret": (".solvers.stochastic", "stochastic_regret"),
    "sweep": (".sweeps", "sweep"),
    "unravelling": (".analysis.compliance", "unravelling"),
    "vertex_enumeration": (".solvers.two_player", "vertex_enumeration"),
    "write_nfg": (".games.nfg", "write_nfg"),
}

#: submodules reachable as attributes (``dt.catalog``, ``dt.plotting``, ...)
_MODULES: dict[str, str] = {
    "catalog": ".games.catalog",
    "dynamics": ".dynamics",
    "games": ".games",
    "plotting": ".plotting",
    "sensitivity": ".sensitivity",
    "solvers": ".solvers",
}

__all__ = [
    "GRADES",
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
    "sensitivity",
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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module, __name__), attr)
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name], __name__)
    else:
        raise AttributeError(f"module 'deterrence' has no attribute {name!r}")
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # static analysers and IDEs see the eager imports
    from . import dynamics, games, plotting, sensitivity, solvers
    from .analysis.campaign import CampaignResult, run_campaign, solve_campaign
    from .analysis.compliance import Unravelling, minimum_deterrent_capacity, unravelling
    from .analysis.race import GRADES, RaceReport, framing_gains, race_to_the_bottom
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
    from .games.nfg import read_nfg, write_nfg
    from .games.stochastic import StochasticGame
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
    from .model.campaign import Campaign, Stop
    from .model.networks import Entry, SupplyNetwork, Territory
    from .scenario import Scenario, Units, available_scenarios, load_scenario, scenarios
    from .solvers import Equilibrium, NashResult, pure_equilibria, pure_equilibria_gen, solve
    from .solvers.logit import LogitPath, logit_path, solve_logit
    from .solvers.stochastic import StochasticResult, solve_stochastic, stochastic_regret
    from .solvers.symmetric import solve_symmetric
    from .solvers.two_player import lemke_howson, solve_zero_sum, vertex_enumeration
    from .sweeps import sweep
