"""The capacity (compliance) game: deterrence when the enforcer can punish only ``k`` violators.

``n_actors`` actors each choose to **comply** (action 0, at cost ``C``) or to **violate**
(action 1, risking the sanction ``P``). The enforcer can sanction at most ``k`` violators
(``capacity``):

* ``rule="random"`` — when ``v`` actors violate, the enforcer picks ``min(k, v)`` of them
  uniformly at random, so each violator is sanctioned with probability ``min(1, k / v)``;
* ``rule="priority"`` — the enforcer publishes a priority list (``order``, highest priority
  first) and sanctions the ``k`` highest-ranked violators, so the actor of rank ``r`` is
  sanctioned iff fewer than ``k`` actors ranked above it violate.

Payoffs: ``u_i(comply) = -C`` and ``u_i(violate) = -P * Pr(i is sanctioned)``.

With two actors, ``k = 1`` and ``C < P < 2C`` (Kleiman and Kilmer's game), random
enforcement has three equilibria — both comply, both violate (each is then sanctioned with
probability 1/2, and ``P / 2 < C``), and a mixed one in which each violates with probability
``2 (P - C) / P`` — while a published priority list leaves one: the first-ranked actor is
sanctioned whenever it violates, so it complies; then so is the second. That argument,
iterated over ``ceil(n_actors / k)`` rounds for any number of actors, is
:func:`~deterrence.unravelling` (in ``deterrence.analysis.compliance``).

The game is a structured :class:`~deterrence.games.base.Game` with an exact
deviation-payoff oracle (Poisson-binomial counts of the other violators, ``O(N^2)`` per
call), so it works with every oracle-based tool for hundreds of actors, and builds its dense
:class:`~deterrence.NormalFormGame` (``2^N`` profiles) for the enumeration solvers when small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, stats

from .._validation import check_choice, check_int, check_real
from ..errors import DeterrenceError, GameTooLargeError
from ..games.base import Game
from ..games.normal_form import NormalFormGame
from ..solvers.results import Equilibrium, NashResult

__all__ = ["ComplianceGame"]

RULES = ("random", "priority")

#: Default largest number of pure profiles for :meth:`ComplianceGame.to_normal_form`
#: (2**20 profiles of 20 actors is a 160 MB table).
MAX_DENSE_PROFILES = 1 << 20


@dataclass(frozen=True, kw_only=True)
class ComplianceGame(Game):
    """N actors, comply or violate, against an enforcer who can sanction ``capacity`` of them.

    Parameters
    ----------
    n_actors
        Number of actors (players), at least 1.
    capacity
        ``k``: how many violators the enforcer can sanction (an integer >= 0).
    cost
        ``C > 0``: the cost of complying.
    sanction
        ``P >= 0``: the sanction a caught violator suffers.
    rule
        ``"random"`` (each violator is sanctioned with probability ``min(1, k / v)``) or
        ``"priority"`` (the ``k`` highest-ranked violators are sanctioned).
    order
        The published priority list for ``rule="priority"``: a permutation of the actors,
        highest priority first (default ``0, 1, ..., n_actors - 1``).

    Examples
    --------
    >>> import deterrence as dt
    >>> g = dt.ComplianceGame(n_actors=2, capacity=1, cost=1.0, sanction=1.5)
    >>> [eq.pure_profile for eq in dt.solve(g, method="pure")]   # 0 = comply, 1 = violate
    [(0, 0), (1, 1)]
    >>> g2 = dt.ComplianceGame(n_actors=2, capacity=1, cost=1.0, sanction=1.5, rule="priority")
    >>> [eq.pure_profile for eq in dt.solve(g2, method="pure")]
    [(0, 0)]
    >>> dt.unravelling(g2).rounds
    2
    """

    n_actors: int = 2
    capacity: int = 1
    cost: float = 1.0
    sanction: float = 1.5
    rule: str = "random"
    order: tuple[int, ...] | None = field(default=None)

    def __post_init__(self) -> None:
        n = check_int("n_actors", self.n_actors, low=1)
        k = check_int("capacity", self.capacity, low=0)
        c = check_real("cost", self.cost, low=0.0, low_open=True)
        p = check_real("sanction", self.sanction, low=0.0)
        check_choice("rule", self.rule, RULES)
        if self.order is None:
            order = tuple(range(n))
        else:
            try:
                order = tuple(int(a) for a in self.order)
            except (TypeError, ValueError):
                raise DeterrenceError(
                    f"order={self.order!r} is not valid; expected a permutation of "
                    f"0..{n - 1} (highest priority first)"
                ) from None
            if sorted(order) != list(range(n)):
                raise DeterrenceError(
                    f"order={self.order!r} is not valid; expected a permutation of "
                    f"0..{n - 1} (highest priority first)"
                )
        for name, value in (
            ("n_actors", n),
            ("capacity", k),
            ("cost", c),
            ("sanction", p),
            ("order", order),
        ):
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ Game
    @property
    def shape(self) -> tuple[int, ...]:
        """Two actions (comply, violate) for each of the ``n_actors`` actors."""
        return (2,) * self.n_actors

    @property
    def player_names(self) -> tuple[str, ...]:
        """``"actor 1"``, ``"actor 2"``, ...: one label per actor."""
        return tuple(f"actor {i + 1}" for i in range(self.n_actors))

    @property
    def action_names(self) -> tuple[tuple[str, ...], ...]:
        """``("comply", "violate")`` for every actor (action 0 complies, action 1 violates)."""
        return (("comply", "violate"),) * self.n_actors

    def __repr__(self) -> str:
        return (
            f"ComplianceGame(n_actors={self.n_actors}, capacity={self.capacity}, "
            f"cost={self.cost:g}, sanction={self.sanction:g}, rule={self.rule!r})"
        )

    def _deviation_payoffs(self, profile: tuple[NDArray[np.float64], ...]) -> list[NDArray]:
        p = np.array([s[1] for s in profile], dtype=float).clip(0.0, 1.0)
        caught = self._catch_probabilities(p)
        return [np.array([-self.cost, -self.sanction * c]) for c in caught]

    def _catch_probabilities(self, p: NDArray[np.float64]) -> NDArray[np.float64]:
        """Pr(actor i is sanctioned | i violates, others violate independently w.p. p)."""
        n, k = self.n_actors, self.capacity
        if k == 0:
            return np.zeros(n)
        if k >= n:  # the enforcer can sanction every violator
            return np.ones(n)
        if self.rule == "random":
            others = _leave_one_out_counts(p)  # (n, n): distribution of the others' count
            weight = np.minimum(1.0, k / np.arange(1, n + 1))  # catch prob with x others
            return others @ weight
        # priority: rank r is caught iff fewer than k of the ranks above it violate
        out = np.empty(n)
        dist = np.zeros(k + 1)  # counts 0..k-1 and ">= k" in the last cell
        dist[0] = 1.0
        for actor in self.order:
            out[actor] = dist[:k].sum()
            q = p[actor]
            new = dist * (1.0 - q)
            new[1:] += dist[:-1] * q
            new[k] += dist[k] * q
            dist = new
        return out

    def catch_probability(self, violators: Sequence[int]) -> NDArray[np.float64]:
        """Pr(sanctioned) of each actor in the pure violator set ``violators`` (0 for the others).

        Examples
        --------
        >>> import deterrence as dt
        >>> g = dt.ComplianceGame(n_actors=4, capacity=1, rule="priority", order=(2, 0, 1, 3))
        >>> g.catch_probability([0, 1]).tolist()
        [1.0, 0.0, 0.0, 0.0]
        """
        p = np.zeros(self.n_actors)
        for a in violators:
            a = check_int("violator", a, low=0, high=self.n_actors - 1)
            p[a] = 1.0
        return np.where(p > 0, self._catch_probabilities(p), 0.0)

    def to_normal_form(self, *, max_profiles: int = MAX_DENSE_PROFILES) -> NormalFormGame:
        """The dense game (``2 ** n_actors`` profiles; refused above ``max_profiles``)."""
        max_profiles = check_int("max_profiles", max_profiles, low=1)
        n, k = self.n_actors, self.capacity
        if 2**n > max_profiles:
            raise GameTooLargeError(
                f"ComplianceGame with n_actors={n} has 2**{n} = {2**n} pure profiles, more "
                f"than max_profiles={max_profiles}; use the structured game's oracle (e.g. "
                "symmetric_equilibria(), unravelling()) or raise max_profiles"
            )
        bits = np.indices((2,) * n, dtype=np.int32).reshape(n, -1)  # bits[i, profile]
        violators = bits.sum(axis=0)
        if self.rule == "random":
            caught = np.minimum(1.0, k / np.maximum(violators, 1))[None, :] * np.ones((n, 1))
        else:
            ranked = bits[list(self.order)]
            above = np.cumsum(ranked, axis=0) - ranked  # violators ranked above each rank
            caught_ranked = (above < k).astype(float)
            caught = np.empty_like(caught_ranked)
            caught[list(self.order)] = caught_ranked
        pay = np.where(bits == 1, -self.sanction * caught, -self.cost)
        return NormalFormGame(
            pay.reshape((n,) + (2,) * n),
            player_names=self.player_names,
            action_names=self.action_names,
            title=f"compliance game, {n} actors, capacity {k}, {self.rule} enforcement",
        )

    def is_symmetric(self, *, tol: float = 0.0) -> bool:
        """Random enforcement treats the actors alike; a priority list does not (unless the
        capacity is 0 or covers everyone)."""
        if self.rule == "random" or self.capacity == 0 or self.capacity >= self.n_actors:
            return True
        return self.n_actors == 1

    # --------------------------------------------------------------- analysis
    def _violation_advantage(self, p: float) -> float:
        """u(violate) - u(comply) when every other actor violates with probability p
        (random rule)."""
        n, k = self.n_actors, self.capacity
        if k == 0:
            return self.cost
        x = np.arange(n)
        weight = np.minimum(1.0, k / (1.0 + x))
        return self.cost - self.sanction * float(stats.binom.pmf(x, n - 1, p) @ weight)

    def symmetric_equilibria(self) -> NashResult:
        """Every symmetric equilibrium (all actors violate with the same probability).

        Only for ``rule="random"`` (a priority list is not symmetric). With ``X`` the number
        of other violators, ``X ~ Binomial(n_actors - 1, p)``, the advantage of violating
        ``d(p) = C - P E[min(1, k / (1 + X))]`` is non-decreasing in ``p``, so the symmetric
        equilibria are: all comply if ``d(0) <= 0``, all violate if ``d(1) >= 0``, and the
        root of ``d`` in between (``scipy.optimize.brentq``) when it changes sign. The result
        is ``complete``: it lists every symmetric equilibrium (when ``d`` vanishes on a whole
        interval the endpoints are listed and the message says so).

        Examples
        --------
        >>> import deterrence as dt
        >>> res = dt.ComplianceGame(n_actors=2, capacity=1, cost=1.0, sanction=1.5
        ...                         ).symmetric_equilibria()
        >>> [round(float(eq.strategies[0][1]), 6) for eq in res]   # Pr(violate)
        [0.0, 0.666667, 1.0]
        """
        if self.rule != "random":
            raise DeterrenceError(
                "symmetric_equilibria() needs rule='random'; with rule='priority' the actors "
                "are not symmetric (see unravelling())"
            )
        d0, d1 = self._violation_advantage(0.0), self._violation_advantage(1.0)
        probs: list[float] = []
        message = ""
        if d0 <= 0:
            probs.append(0.0)
        if d0 < 0 < d1:
            probs.append(
                float(
                    optimize.brentq(
                        self._violation_advantage,
                        0.0,
                        1.0,
                        xtol=1e-14,
                        rtol=4 * np.finfo(float).eps,
                    )
                )
            )
        if d0 == 0 and d1 == 0:
            message = "every symmetric profile is an equilibrium (the actors are indifferent)"
        if d1 >= 0:
            probs.append(1.0)
        eqs = tuple(
            Equilibrium.from_profile(self, [np.array([1.0 - q, q])] * self.n_actors) for q in probs
        )
        return NashResult(
            equilibria=eqs,
            method="compliance-symmetric",
            complete=True,
            converged=True,
            message=message or f"{len(eqs)} symmetric equilibri{'um' if len(eqs) == 1 else 'a'}",
            parameters={
                "n_actors": self.n_actors,
                "capacity": self.capacity,
                "cost": self.cost,
                "sanction": self.sanction,
            },
        )

    def pure_equilibrium_counts(self) -> list[int]:
        """Numbers ``m`` of violators at the pure equilibria (``rule="random"``).

        Actors are exchangeable, so a pure profile with ``m`` violators is an equilibrium iff
        no violator prefers to comply, ``P min(1, k / m) <= C`` (or ``m = 0``), and no
        complier prefers to violate, ``P min(1, k / (m + 1)) >= C`` (or ``m = n_actors``).
        Every profile with that many violators is an equilibrium. (Both conditions together
        need ``P k / m <= C <= P k / (m + 1)``, so with ``P > C`` only ``m = 0`` and — when
        the capacity is swamped, ``P k / n_actors <= C`` — ``m = n_actors`` survive.)

        Examples
        --------
        >>> import deterrence as dt
        >>> dt.ComplianceGame(n_actors=10, capacity=2, cost=1.0, sanction=3.0
        ...                   ).pure_equilibrium_counts()
        [0, 10]
        >>> dt.ComplianceGame(n_actors=10, capacity=4, cost=1.0, sanction=3.0
        ...                   ).pure_equilibrium_counts()
        [0]
        """
        if self.rule != "random":
            raise DeterrenceError(
                "pure_equilibrium_counts() needs rule='random'; with rule='priority' use "
                "unravelling() or dt.solve(game, method='pure')"
            )
        n, k, c, p = self.n_actors, self.capacity, self.cost, self.sanction

        def caught(m: int) -> float:
            return 0.0 if k == 0 else min(1.0, k / m)

        return [
            m
            for m in range(n + 1)
            if (m == 0 or p * caught(m) <= c) and (m == n or p * caught(m + 1) >= c)
        ]


def _leave_one_out_counts(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """``out[i, x]`` = Pr(exactly x of the actors other than i violate), x = 0..n-1.

    The full Poisson-binomial distribution of all n actors is built once by convolution;
    actor i is then removed by deconvolution, forwards (``d[x] = (D[x] - p d[x-1]) / (1 - p)``)
    when ``p_i <= 1/2`` and backwards when ``p_i > 1/2``, so the recursion never amplifies
    rounding errors (its factor is ``min(p, 1-p) / max(p, 1-p) <= 1``). ``O(n^2)`` in all.
    """
    n = len(p)
    full = np.zeros(n + 1)
    full[0] = 1.0
    for j, q in enumerate(p):
        full[1 : j + 2] = full[1 : j + 2] * (1.0 - q) + full[: j + 1] * q
        full[0] *= 1.0 - q
    out = np.zeros((n, n))
    lo = p <= 0.5
    if lo.any():
        q = p[lo]
        d = out[lo]
        d[:, 0] = full[0] / (1.0 - q)
        for x in range(1, n):
            d[:, x] = (full[x] - q * d[:, x - 1]) / (1.0 - q)
        out[lo] = d
    hi = ~lo
    if hi.any():
        q = p[hi]
        d = out[hi]
        d[:, n - 1] = full[n] / q
        for x in range(n - 1, 0, -1):
            d[:, x - 1] = (full[x] - (1.0 - q) * d[:, x]) / q
        out[hi] = d
    np.clip(out, 0.0, None, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out
