"""The targeting model: organizations, market, announced rules, attribution, and the
structured game built from them."""

from .attribution import (
    attribution_blocks,
    confusion_matrix,
    effective_attribution,
    framing_matrix,
)
from .compliance import ComplianceGame
from .kernels import CountingKernel, CountSpec, RuleKernel, kernel_for, register_rule
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
from .tipping import Crackdown, TippingModel

__all__ = [
    "RULES",
    "ComplianceGame",
    "CountSpec",
    "CountingKernel",
    "Crackdown",
    "Market",
    "MostViolent",
    "NoTargeting",
    "NoisyMostViolent",
    "Priority",
    "Proportional",
    "Rule",
    "RuleKernel",
    "TargetingGame",
    "TargetingModel",
    "TippingModel",
    "TopK",
    "attribution_blocks",
    "confusion_matrix",
    "effective_attribution",
    "framing_matrix",
    "kernel_for",
    "register_rule",
]
