"""The targeting model: organizations, market, announced rules, attribution, and the
structured game built from them."""

from .attribution import (
    attribution_blocks,
    confusion_matrix,
    effective_attribution,
    framing_matrix,
)
from .market import Market
from .rules import (
    RULES,
    MostViolent,
    NoisyMostViolent,
    NoTargeting,
    Priority,
    Proportional,
    Rule,
    TopK,
)
from .structured import TargetingGame
from .targeting import TargetingModel

__all__ = [
    "RULES",
    "Market",
    "MostViolent",
    "NoTargeting",
    "NoisyMostViolent",
    "Priority",
    "Proportional",
    "Rule",
    "TargetingGame",
    "TargetingModel",
    "TopK",
    "attribution_blocks",
    "confusion_matrix",
    "effective_attribution",
    "framing_matrix",
]
