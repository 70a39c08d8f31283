"""Learning dynamics: where play goes from a start, and which attractor each start reaches.

* :func:`best_response_dynamics` — pure best responses (sequential, simultaneous or random
  order; inertia; explicit tie-breaking) with exact cycle detection;
* :func:`fictitious_play` — classic, smooth and stochastic fictitious play;
* :func:`logit_response_dynamics` — noisy (logit) best responses at a temperature;
* :func:`replicator_dynamics` — multi-population replicator ODE (``solve_ivp``);
* :func:`basins` — many starts at once (vectorised on dense games, any executor), grouped by
  the equilibrium or cycle they reach, with shares.

All of them use only the game's deviation-payoff oracle, so they run on dense and
structured games alike.
"""

from __future__ import annotations

from .basins import basins, basins_of_attraction
from .best_response import best_response_dynamics
from .fictitious import fictitious_play
from .logit_response import logit_response_dynamics
from .replicator import replicator_dynamics
from .result import Attractor, BasinsResult, DynamicsResult

__all__ = [
    "Attractor",
    "BasinsResult",
    "DynamicsResult",
    "basins",
    "basins_of_attraction",
    "best_response_dynamics",
    "fictitious_play",
    "logit_response_dynamics",
    "replicator_dynamics",
]
