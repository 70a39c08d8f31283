"""Result types of every solver: frozen values that record how they were made."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._frozen import FrozenMapping
from ..games.base import Game, as_mixed_profile

__all__ = ["Equilibrium", "NashResult"]


def _fmt_strategy(p: NDArray, names: Sequence[str] | None = None, digits: int = 4) -> str:
    nz = np.flatnonzero(p > 0)
    if len(nz) == 1:
        a = int(nz[0])
        return names[a] if names else str(a)
    parts = []
    for a in nz:
        label = names[a] if names else str(int(a))
        parts.append(f"{label}:{p[a]:.{digits}g}")
    return "{" + ", ".join(parts) + "}"


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """One (approximate) Nash equilibrium with the evidence that it is one.

    Attributes
    ----------
    strategies
        One 1-D array per player, each summing to one (read-only).
    payoffs
        Each player's expected payoff, shape ``(n_players,)``.
    regret
        Largest gain any player could make by deviating (0 at an exact equilibrium).
    """

    strategies: tuple[NDArray[np.float64], ...]
    payoffs: NDArray[np.float64]
    regret: float

    @classmethod
    def from_profile(cls, game: Game, profile: Sequence[ArrayLike]) -> Equilibrium:
        """Evaluate a profile with the game's oracle: payoffs and regret are computed, never
        taken on trust."""
        p = as_mixed_profile(game, profile)
        dev = game._deviation_payoffs(p)
        pay = np.array([float(d @ q) for d, q in zip(dev, p, strict=True)])
        reg = max(max(float(d.max()) - v, 0.0) for d, v in zip(dev, pay, strict=True))
        strategies = []
        for q in p:
            q = np.array(q, dtype=float)
            q.flags.writeable = False
            strategies.append(q)
        pay.flags.writeable = False
        return cls(tuple(strategies), pay, reg)

    @property
    def is_pure(self) -> bool:
        """True if every player puts probability one on a single action."""
        return all(np.count_nonzero(s) == 1 for s in self.strategies)

    @property
    def pure_profile(self) -> tuple[int, ...] | None:
        """The action of each player if the equilibrium is pure, else ``None``."""
        if not self.is_pure:
            return None
        return tuple(int(np.flatnonzero(s)[0]) for s in self.strategies)

    @property
    def supports(self) -> tuple[NDArray[np.intp], ...]:
        """The actions played with positive probability, for each player."""
        return tuple(np.flatnonzero(s > 0) for s in self.strategies)

    def __repr__(self) -> str:
        strat = ", ".join(_fmt_strategy(s) for s in self.strategies)
        pay = ", ".join(f"{v:.6g}" for v in self.payoffs)
        return f"Equilibrium([{strat}], payoffs=[{pay}], regret={self.regret:.2g})"

    def describe(self, game: Game | None = None, digits: int = 4) -> str:
        """One line per player with action labels (taken from ``game`` when given)."""
        names = game.action_names if game is not None else [None] * len(self.strategies)
        players = (
            game.player_names
            if game is not None
            else [str(i + 1) for i in range(len(self.strategies))]
        )
        lines = [
            f"{pl}: {_fmt_strategy(s, nm, digits)}  payoff {v:.6g}"
            for pl, s, nm, v in zip(players, self.strategies, names, self.payoffs, strict=True)
        ]
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class NashResult:
    """What a solver found, and how.

    Attributes
    ----------
    equilibria
        The equilibria found (each with its regret).
    method
        The method that produced them (for ``method="auto"``, the one chosen).
    complete
        True only when the set is provably every equilibrium (every extreme equilibrium
        when there are continua).
    converged
        False if the solver stopped without meeting its tolerance; ``message`` says why.
    message
        Human-readable account of the run.
    parameters
        The options the solver ran with (including defaults), read-only.
    nit
        Iterations, pivots or path steps, where the method counts them.
    details
        Method-specific extras (e.g. the traced logit path, detected continua).

    The result behaves as a sequence of its equilibria: ``len(res)``, ``res[0]``, ``for eq
    in res``.
    """

    equilibria: tuple[Equilibrium, ...]
    method: str
    complete: bool = False
    converged: bool = True
    message: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    nit: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "equilibria", tuple(self.equilibria))
        object.__setattr__(self, "parameters", FrozenMapping(dict(self.parameters)))
        object.__setattr__(self, "details", FrozenMapping(dict(self.details)))

    @property
    def success(self) -> bool:
        """scipy-style alias: converged and found at least one equilibrium."""
        return self.converged and len(self.equilibria) > 0

    @property
    def max_regret(self) -> float:
        """Largest regret among the equilibria (``nan`` when there are none)."""
        return max((e.regret for e in self.equilibria), default=float("nan"))

    def __len__(self) -> int:
        return len(self.equilibria)

    def __iter__(self) -> Iterator[Equilibrium]:
        return iter(self.equilibria)

    def __getitem__(self, k: int) -> Equilibrium:
        return self.equilibria[k]

    def __repr__(self) -> str:
        status = (
            "complete" if self.complete else ("converged" if self.converged else "NOT converged")
        )
        noun = "equilibrium" if len(self) == 1 else "equilibria"
        head = f"NashResult(method={self.method!r}, {len(self)} {noun}, {status}"
        if self.equilibria:
            head += f", max regret {self.max_regret:.2g}"
        body = "".join(f"\n  {e!r}" for e in self.equilibria[:10])
        more = f"\n  ... {len(self) - 10} more" if len(self) > 10 else ""
        msg = f"\n  message: {self.message}" if self.message else ""
        return head + ")" + body + more + msg

    def to_dataframe(self) -> Any:
        """One row per (equilibrium, player, action) with positive probability."""
        import pandas as pd

        rows = []
        for k, eq in enumerate(self.equilibria):
            for i, s in enumerate(eq.strategies):
                for a in np.flatnonzero(s > 0):
                    rows.append(
                        {
                            "equilibrium": k,
                            "player": i,
                            "action": int(a),
                            "probability": float(s[a]),
                            "payoff": float(eq.payoffs[i]),
                            "regret": eq.regret,
                        }
                    )
        return pd.DataFrame(
            rows, columns=["equilibrium", "player", "action", "probability", "payoff", "regret"]
        )

    def _repr_html_(self) -> str:
        status = (
            "complete" if self.complete else ("converged" if self.converged else "not converged")
        )
        return (
            f"<p><b>NashResult</b> method={self.method}, {len(self)} equilibria, {status}. "
            f"{self.message}</p>" + self.to_dataframe().to_html(index=False)
        )
