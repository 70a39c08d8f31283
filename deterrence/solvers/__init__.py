"""Equilibrium solvers and their result types."""

from .api import METHODS, method_options, solve
from .pure import pure_equilibria, pure_equilibria_gen, solve_pure
from .results import Equilibrium, NashResult

__all__ = [
    "METHODS",
    "Equilibrium",
    "NashResult",
    "method_options",
    "pure_equilibria",
    "pure_equilibria_gen",
    "solve",
    "solve_pure",
]
