"""Analyses of the capacity (compliance) game: unravelling under a published priority list,
and the smallest capacity that deters everyone.

The game itself, :class:`~deterrence.ComplianceGame`, lives in
:mod:`deterrence.model.compliance` with the other models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_choice, check_int, check_real
from ..errors import DeterrenceError
from ..model.compliance import RULES, ComplianceGame

__all__ = ["Unravelling", "minimum_deterrent_capacity", "unravelling"]


# ------------------------------------------------------------------------ unravelling
@dataclass(frozen=True, kw_only=True)
class Unravelling:
    """Iterated elimination of strictly dominated strategies in a :class:`ComplianceGame`.

    Attributes
    ----------
    rounds
        Number of elimination rounds after which every actor complies, or ``None`` if the
        elimination stops with some actor still free to violate.
    eliminated
        For each round, the actors whose *violate* strategy was eliminated in it.
    forced_violators
        Actors whose *comply* strategy was eliminated (violating dominates), e.g. when
        ``P < C``.
    survivors
        Actors left with both strategies when the elimination stops.
    """

    rounds: int | None
    eliminated: tuple[tuple[int, ...], ...]
    forced_violators: tuple[int, ...]
    survivors: tuple[int, ...]

    @property
    def everyone_complies(self) -> bool:
        """True if complying is the only surviving strategy of every actor."""
        return self.rounds is not None

    def to_dataframe(self) -> Any:
        """One row per round: the actors who stop violating in it."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "round": r + 1,
                    "actors": list(a),
                    "n_complying": sum(map(len, self.eliminated[: r + 1])),
                }
                for r, a in enumerate(self.eliminated)
            ],
            columns=["round", "actors", "n_complying"],
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Unravelling</b>: everyone complies after {self.rounds} rounds</p>"
            if self.everyone_complies
            else f"<p><b>Unravelling</b>: stops with {len(self.survivors)} actors free to "
            "violate</p>"
        )
        return head + self.to_dataframe().to_html(index=False)


def unravelling(game: ComplianceGame) -> Unravelling:
    """Rounds of iterated strict dominance until every actor complies.

    Because an actor's chance of being sanctioned can only fall when more others violate,
    *violate* is strictly dominated for actor ``i`` once ``P * Pr(caught | every actor not yet
    known to comply violates) > C``, and *comply* is dominated once
    ``P * Pr(caught | only the known violators violate) < C``. Each round applies both tests
    to every undecided actor against the previous round's sets.

    Under ``rule="priority"`` with ``P > C`` and ``k >= 1`` the top ``k`` ranks are
    sanctioned whatever the others do, so they comply in round 1; then the next ``k``; every
    actor complies after ``ceil(n_actors / k)`` rounds — a published priority list with a
    capacity of one deters any number of actors. Under ``rule="random"`` the first test
    needs ``P k / n_actors > C`` (then everyone complies in round 1), else nothing unravels.

    Examples
    --------
    >>> import deterrence as dt
    >>> u = dt.unravelling(dt.ComplianceGame(n_actors=7, capacity=2, rule="priority"))
    >>> u.rounds, u.eliminated
    (4, ((0, 1), (2, 3), (4, 5), (6,)))
    >>> dt.unravelling(dt.ComplianceGame(n_actors=7, capacity=2, rule="random")).rounds is None
    True
    """
    if not isinstance(game, ComplianceGame):
        raise DeterrenceError(
            f"game={type(game).__name__} is not valid; expected a dt.ComplianceGame"
        )
    n = game.n_actors
    comply: set[int] = set()
    violate: set[int] = set()
    rounds: list[tuple[int, ...]] = []
    while True:
        undecided = [i for i in range(n) if i not in comply and i not in violate]
        new_c, new_v = [], []
        for i in undecided:
            worst = np.array([0.0 if j in comply else 1.0 for j in range(n)])
            best = np.array([1.0 if (j in violate or j == i) else 0.0 for j in range(n)])
            worst[i] = 1.0
            if game.sanction * game._catch_probabilities(worst)[i] > game.cost:
                new_c.append(i)
            elif game.sanction * game._catch_probabilities(best)[i] < game.cost:
                new_v.append(i)
        if not new_c and not new_v:
            break
        comply.update(new_c)
        violate.update(new_v)
        rounds.append(tuple(new_c))
    survivors = tuple(i for i in range(n) if i not in comply and i not in violate)
    everyone = len(comply) == n
    # drop trailing rounds that only forced violators (they never end in everyone complying)
    return Unravelling(
        rounds=len(rounds) if everyone else None,
        eliminated=tuple(r for r in rounds if r),
        forced_violators=tuple(sorted(violate)),
        survivors=survivors,
    )


def minimum_deterrent_capacity(
    n_actors: int, *, cost: float, sanction: float, rule: str = "random"
) -> int | None:
    """Smallest capacity ``k`` for which everyone complying is the only equilibrium.

    Random enforcement needs ``P k / n_actors > C``, i.e. ``k = floor(n_actors C / P) + 1``
    (so that even when everyone violates, violating is worse than complying); a priority
    list needs ``k = 1`` (whenever ``P > C``). ``None`` when no capacity deters
    (``P <= C``: violating is never worse than complying).

    Examples
    --------
    >>> import deterrence as dt
    >>> dt.minimum_deterrent_capacity(100, cost=1.0, sanction=1.5)
    67
    >>> dt.minimum_deterrent_capacity(100, cost=1.0, sanction=1.5, rule="priority")
    1
    """
    n = check_int("n_actors", n_actors, low=1)
    c = check_real("cost", cost, low=0.0, low_open=True)
    p = check_real("sanction", sanction, low=0.0)
    check_choice("rule", rule, RULES)
    if p <= c:
        return None
    if rule == "priority":
        return 1
    return min(n, math.floor(n * c / p) + 1)
