"""The campaign as a stochastic game: designate, destroy, re-announce.

Kleiman's proposal is repeated: each round the government scores the surviving
organizations, designates the most violent for destruction, and announces the next round
under the same rule, "until none of the remaining groups is notably more violent than the
rest". :class:`Campaign` is that process as a stochastic game
(:class:`~deterrence.games.stochastic.BaseStochasticGame`), solved by
:func:`~deterrence.solve_stochastic` and simulated by :func:`~deterrence.run_campaign`.

States. A state records, for each organization (each *lineage* ``j``), whether the
original organization is active, a splinter has taken its place (only with
:class:`~deterrence.Entry`), or it is gone; without entry that is the set of survivors
(a bitmask: ``2**N - 1`` non-empty sets). With ``designated_state=True`` a state also
records which survivor is *under pressure* (designated, not yet destroyed); with
``stop.rounds`` it also counts the rounds played (capped at the limit). State 0 is the
start: every organization active, nobody designated, round 0.

Players. Every organization of the model is a player of every state; with entry, each
organization's splinter is one more player (``N + j``). A player that is absent from a
state (destroyed, or not yet entered) has a single action ``"gone"`` with payoff 0 and does
not enter the survivors' stage game: the solver stays generic (fixed players, state-
dependent action sets) and an absent player's value is 0.

Stage game of a state. The model's targeting game restricted to the survivors
(:class:`~deterrence.TargetingModel` with their parameters, attribution sub-matrix and
market: a Tullock contest among them for the whole revenue, or fixed shares renormalised
over them or re-sourced through the :class:`~deterrence.SupplyNetwork`), with

* ``penalty="franchise"`` (default): no stage penalty. What deters is the continuation: a
  designated survivor ``j`` is destroyed this round with probability ``p_j`` and loses its
  franchise ``V_j``, its rivals move to the smaller state (bigger shares). Survivor ``i``'s
  deviation values at state ``S`` are::

      dev_i(a) = u_i(a; penalty 0) + d_i sum_S' P(S' | a, sigma_-i) V_i(S'),
      P(S' | a) = sum_j P(j designated | a, sigma_-i) P(S' | j designated)
                  + P(nobody designated | a, sigma_-i) [S' = S],

  with the designation distribution from the structured oracle (``designation_matrix``
  of :class:`~deterrence.TargetingGame`: who *else* is designated given my level);
* ``penalty="fixed"``: the one-shot fine of the model (``L_i`` times the designation
  probability) and nobody is destroyed — the repeated static game, for comparison.

Destruction. ``p_j = min(1, destroy_j * (n * size_share_j) ** -size_elasticity)`` per
round, where ``size_share_j`` is ``j``'s share of the survivors' revenue (nominal revenue,
or supply volume with a network) and ``n`` the number of survivors: with
``size_elasticity > 0`` large groups take longer (expected time ``1 / p_j`` rounds).

The designated state (``designated_state=True``). A designated group is under pressure
until it is destroyed (probability ``p_j`` per round, from the round after its
designation). Its continuation is then the destruction hazard alone, independent of what
anyone does: *nothing* restrains it and it plays its myopic best response — the critic's
"what stops the designated group from amping up its violence?". The government pursues as
many groups at once as it has slots (one; ``k`` with ``dt.TopK(k)``, at most as many as
leaves ``stop.min_survivors`` standing): with one slot nobody is newly designated while a
group is under pressure, so in those rounds nothing restrains the others either; with
free slots the others are scored among themselves (the rule with the free slots as its
``k``, over the survivors not under pressure: :meth:`Campaign._scorer`; with
misattribution, the share of a pursued group's violence that was attributed to the others
is dropped from their scores, so it cannot frame them) and the newly designated join those
under pressure. A state records who is under pressure
(``state_info(s)["under_pressure"]``). Without the flag (``designated_state=False``,
default) designation is a per-round hazard: a designated group that survives the round is
scored afresh next round, so restraint can still save it.

Weakening (``weaken``, ``weakened_size``). A designated group that survives the round
(not destroyed, probability ``1 - p_j``) is *weakened* with probability ``weaken_j``:
U.S. enforcement against its distributors costs it part of its market. A weakened
organization's size (revenue, supply volume) and market share (or contest base) are
multiplied by ``weakened_size`` for as long as it lives (its rivals' shares grow in
proportion); it is weakened once. The state then records who is weakened (``2**n`` subsets
of each survivor set), and the deterrent includes the weakening: the implied penalty of the
two-organization campaign becomes ``d (p F + (1 - p) w (F - F_w))``
(:func:`weakening_penalty`).

Stop rules (:class:`Stop`). ``margin`` (relative: designate only when the top score
exceeds the second by the margin), ``floor`` (absolute: only when the top score exceeds
the floor), ``rounds`` (the campaign ends after that many rounds) and ``min_survivors``
(it ends when that few organizations remain; default 1: a monopolist is never designated,
it has no rival to be more violent than).

Vacuum in the values (``vacuum_values=True``). When a survivor is destroyed, the
contestants for its territory expect their net rent from the successor contest next round
(a Tullock contest nets each of ``m`` contestants ``R / m**2``:
:func:`~deterrence.model.networks.tullock_net_rent`); that expectation, discounted once,
is added to the stage payoff of the round in which the destruction can happen, so every
solver and the certificate see it (closed form: :func:`tournament_values` with
``vacuum_rent``).

Capacity: several designations a round (``dt.TopK(k > 1)``). A state with ``n``
survivors designates the ``min(k, n - stop.min_survivors)`` top scores (the campaign never
designates its way below the minimum), each destroyed independently with its own ``p_j``.
The transitions then need the joint law of the designated *set* given a deviator's level,
not only the marginals ``P(j designated | i plays a)``: the stage's outcomes are the
designated sets (:attr:`CampaignStage.sets`), their law
(:func:`~deterrence.model._designation_law.set_law_pure`: the sure top scores plus a
uniform share of the slots left among those tied for them, derived there). At a mixed
profile it comes from the organizations' independent score distributions by thresholds
(:func:`~deterrence.model._designation_law.set_law_independent`, any size); with
misattribution (dependent scores) from the average over the pure profiles, limited to
200,000 per state (5 organizations x 11 levels; beyond, a clear error). Identical
survivors share one strategy by class of designated set (in it or not, its size).
Closed form: :func:`tournament_values` with ``capacity``.

Ties designate everyone (``ties="all"``, of :class:`~deterrence.MostViolent` without a
margin or of :class:`~deterrence.TopK`): a round designates every survivor tied for the
last slot, so a tie at the top can designate several at once; the states go by designated
sets as under capacity, with every survivor's slot open, but never more than leaves
``stop.min_survivors`` standing: a larger tied set is cut to that many, the ties for the
last of them split (the set law of
:func:`~deterrence.model._designation_law.set_law_pure`, kind ``"all"``). With two
survivors (one slot) ``"all"`` is ``"split"``.

Solving. ``dt.solve_stochastic(campaign)`` (``method="auto"``) hands a campaign to
:func:`~deterrence.solve_campaign` (``Campaign._solve_structured``; an explicit
``method="backward"`` or ``"homotopy"`` runs the generic solver, and so does a cyclic
state graph), which solves the survivor lattice
backwards with pure, symmetric-mixed and agent-form tracers per state (see
:mod:`deterrence.analysis.campaign`).

Closed forms (derived in the docstrings of :func:`two_org_campaign`,
:func:`tournament_values`, :func:`stop_rule_gain` and
:func:`~deterrence.model.networks.tullock_vacuum`; tested against the solver).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_choice, check_int, check_probability, check_real
from ..errors import DeterrenceError
from ..games.base import Game
from ..games.stochastic import BaseStochasticGame
from ._designation_law import (
    designation_distribution,
    outcome_sets,
    set_law,
    set_law_pure,
    set_table,
)
from .kernels import kernel_for
from .market import Market
from .networks import Entry, SupplyNetwork, Territory, tullock_net_rent, tullock_vacuum
from .rules import NoTargeting, Rule, TopK
from .targeting import TargetingModel

__all__ = [
    "Campaign",
    "Stop",
    "stop_rule_gain",
    "tournament_values",
    "two_org_campaign",
    "weakening_penalty",
]

PENALTIES = ("franchise", "fixed")
ORIGINAL, SPLINTER, GONE = 0, 1, 2


# ----------------------------------------------------------------------------- options
@dataclass(frozen=True, kw_only=True)
class Stop:
    """When the campaign stops designating.

    Parameters
    ----------
    margin
        Relative stop rule: designate only when the top score exceeds the second by at
        least ``margin`` (replaces the rule's margin; ``None`` keeps it). A tie at the top
        protects everyone, so uniform high violence stands.
    floor
        Absolute stop rule: designate only when the top score exceeds ``floor`` (replaces
        the rule's floor; ``None`` keeps it).
    rounds
        Round limit: no designation from round ``rounds`` on (``None``: no limit). Adds a
        round counter to the state.
    min_survivors
        The campaign ends when at most this many organizations remain (default 1).

    Examples
    --------
    >>> import deterrence as dt
    >>> dt.Stop(floor=2.0, rounds=5)
    Stop(margin=None, floor=2.0, rounds=5, min_survivors=1)
    """

    margin: float | None = None
    floor: float | None = None
    rounds: int | None = None
    min_survivors: int = 1

    def __post_init__(self) -> None:
        if self.margin is not None:
            object.__setattr__(self, "margin", check_real("stop.margin", self.margin, low=0.0))
        if self.floor is not None:
            object.__setattr__(self, "floor", check_real("stop.floor", self.floor))
        if self.rounds is not None:
            object.__setattr__(self, "rounds", check_int("stop.rounds", self.rounds, low=0))
        object.__setattr__(
            self, "min_survivors", check_int("stop.min_survivors", self.min_survivors, low=1)
        )


@dataclass(frozen=True)
class _State:
    status: tuple[int, ...]  # per lineage: ORIGINAL, SPLINTER or GONE
    under: tuple[int, ...]  # the players under pressure (designated_state), increasing
    t: int  # rounds played (0 without a round limit)
    weak: int = 0  # bitmask of the lineages whose organization is weakened


# ----------------------------------------------------------------------------- stage game
class CampaignStage(Game):
    """The stage game of one campaign state over all players: the survivors' targeting
    game, and one ``"gone"`` action with payoff 0 for every absent player."""

    def __init__(
        self,
        sub: Any,
        active: tuple[int, ...],
        n_players: int,
        label: str,
        bonus: tuple[bool, NDArray] | None = None,
        sets: tuple[tuple[int, ...], ...] | None = None,
        scorer: tuple[Any, tuple[int, ...]] | None = None,
    ) -> None:
        self.sub = sub
        #: the designated sets (positions in ``active``) a rule pursuing several
        #: organizations a round can produce, or None when at most one is designated (the
        #: outcomes are then the survivors themselves)
        self.sets = sets
        self._table: NDArray | None = None
        #: with groups under pressure and free slots (``designated_state=True``): the
        #: game that scores the others (:meth:`Campaign._scorer`) and their positions in
        #: ``active``; the designated sets are then theirs, and the law comes from it
        self.scorer, self.eligible = scorer if scorer is not None else (None, None)
        self._scorer_table: NDArray | None = None
        if self.eligible is not None and sets is not None:
            at = {x: r for r, x in enumerate(self.eligible)}
            self._scorer_sets = tuple(tuple(at[x] for x in c) for c in sets)
        # the rule's counting specification (the set law's input; several designations)
        rater = sub if self.scorer is None else self.scorer
        self._spec = kernel_for(rater.model.rule).spec(rater) if sets is not None else None
        #: the discounted vacuum rents (``vacuum_values=True``): ``(True, B)`` with
        #: ``B[k, i]`` what player ``i`` gets when the ``k``-th survivor is designated, or
        #: ``(False, b)``, ``b[i]`` action-free (a state with groups under pressure);
        #: None without
        self.bonus = bonus
        self.active = active
        self._n = n_players
        self._label = label
        pos = dict.fromkeys(range(n_players), -1)
        for k, i in enumerate(active):
            pos[i] = k
        self._pos = pos
        sub_shape = sub.shape
        self._shape = tuple(sub_shape[pos[i]] if pos[i] >= 0 else 1 for i in range(n_players))

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    def __repr__(self) -> str:
        return f"CampaignStage({self._label}, shape={self._shape})"

    def sub_profile(self, profile: Sequence[NDArray]) -> tuple[NDArray, ...]:
        return tuple(np.asarray(profile[i], dtype=float) for i in self.active)

    @property
    def n_outcomes(self) -> int:
        """Number of designation outcomes (nobody designated aside): the survivors, or
        the designated sets (:attr:`sets`)."""
        return len(self.active) if self.sets is None else len(self.sets)

    @property
    def capacity(self) -> int:
        """How many survivors a round can designate (1 without :attr:`sets`)."""
        return 1 if self.sets is None else max(len(c) for c in self.sets)

    def designation(self, sub_prof: Sequence[NDArray]) -> list[NDArray]:
        """``out[k][a, o]`` = P(outcome ``o`` | the ``k``-th survivor plays ``a``, the
        others mix as in ``sub_prof``): who is designated (the structured oracle's
        designation distribution), or with :attr:`sets` which *set* is (its law by
        :func:`~deterrence.model._designation_law.set_law`)."""
        if self.sets is None:
            return designation_distribution(self.sub, tuple(sub_prof))
        if self.scorer is None:
            return set_law(self.sub, self._spec, self.sets, sub_prof, self.designation_table)
        # groups under pressure: the law among the others, whatever those under pressure
        # play (their rows are the law under the profile)
        elig = [np.asarray(sub_prof[k], dtype=float) for k in self.eligible]
        law = set_law(self.scorer, self._spec, self._scorer_sets, elig, self._eligible_table)
        avg = elig[0] @ law[0]
        out = [np.tile(avg, (len(q), 1)) for q in sub_prof]
        for r, k in enumerate(self.eligible):
            out[k] = law[r]
        return out

    def _eligible_table(self) -> NDArray:
        """The scorer's set law at its pure profiles (built once)."""
        if self._scorer_table is None:
            self._scorer_table = set_table(self.scorer, self._spec, self._scorer_sets)
        return self._scorer_table

    def designation_table(self) -> NDArray:
        """The outcome law at every pure profile of the survivors, shape
        ``(*sub.shape, n_outcomes)`` (built once)."""
        if self._table is None:
            shape = tuple(self.sub.shape)
            if self.scorer is not None:  # the scorer's table, constant along the others
                axes = [shape[k] if k in self.eligible else 1 for k in range(len(shape))]
                T = self._eligible_table().reshape(*axes, len(self.sets))
                self._table = np.array(np.broadcast_to(T, (*shape, len(self.sets))))
            elif self.sets is None:
                idx = np.indices(shape).reshape(len(shape), -1).T
                des = np.asarray(self.sub.pure_components(idx)["designation"], dtype=float)
                self._table = des.reshape((*shape, len(shape)))
            else:
                self._table = set_table(self.sub, self._spec, self.sets)
        return self._table

    def designation_at(self, sub_actions: Sequence[int]) -> NDArray:
        """The outcome law at one pure profile of the survivors (``(n_outcomes,)``)."""
        idx = np.asarray([sub_actions], dtype=np.intp)
        if self.sets is None:
            return np.asarray(self.sub.pure_components(idx)["designation"][0], dtype=float)
        if self.scorer is not None:
            idx = idx[:, list(self.eligible)]
            S = np.asarray(self.scorer.pure_scores(idx), dtype=float)
            return set_law_pure(self._spec, S, self._scorer_sets)[0]
        S = np.asarray(self.sub.pure_scores(idx), dtype=float)
        return set_law_pure(self._spec, S, self.sets)[0]

    def _deviation_payoffs(self, profile: tuple[NDArray, ...]) -> list[NDArray]:
        sub_prof = self.sub_profile(profile)
        dev = self.sub._deviation_payoffs(sub_prof)
        out = [np.zeros(1) for _ in range(self._n)]
        for k, i in enumerate(self.active):
            out[i] = np.asarray(dev[k], dtype=float)
        if self.bonus is not None:
            dependent, B = self.bonus
            if dependent:
                D = self.designation(sub_prof)
                for k, i in enumerate(self.active):
                    out[i] = out[i] + D[k] @ B[:, i]
            else:
                for i in self.active:
                    out[i] = out[i] + B[i]
        return out

    def to_normal_form(self, *, max_profiles: int = 4_000_000) -> Any:
        """The dense table (the survivors' table with singleton axes for absent players)."""
        from ..games.normal_form import NormalFormGame

        sub = self.sub.to_normal_form(max_profiles=max_profiles).payoffs
        m = len(self.active)
        out = np.zeros((self._n, *self._shape))
        # sub axes are in active order, which is increasing: insert singleton axes
        full = sub.reshape((m, *self._shape))
        for k, i in enumerate(self.active):
            out[i] = full[k]
        if self.bonus is not None:
            dependent, B = self.bonus
            if dependent:
                des = self.designation_table().reshape(-1, self.n_outcomes)
                for i in self.active:
                    out[i] += (des @ B[:, i]).reshape(self._shape)
            else:
                for i in self.active:
                    out[i] += B[i]
        return NormalFormGame(out)


# ----------------------------------------------------------------------------- campaign
@dataclass(frozen=True, kw_only=True, eq=False)
class Campaign(BaseStochasticGame):
    """Kleiman's campaign over a targeting model (see the module docstring).

    Parameters
    ----------
    model
        The :class:`~deterrence.TargetingModel`: organizations, announced rule, market.
        Every rule of the targeting model: one designation a round (most violent, noisy
        most violent, priority list, proportional enforcement) or several
        (``dt.TopK(k)``: capacity; ``ties="all"``: every one tied for the last slot; see
        the module docstring).
    destroy
        ``destroy_j`` in ``[0, 1]`` (scalar or one per organization): probability per
        round that a designated organization of average size is destroyed.
    size_elasticity
        ``e >= 0``: ``p_j = min(1, destroy_j * (n * size_share_j) ** -e)`` — large groups
        take longer.
    discount
        Discount factor in ``[0, 1)``, scalar or one per organization.
    stop
        :class:`Stop`: margin, floor, round limit, minimum number of survivors.
    penalty
        ``"franchise"`` (the continuation value is what a designated group loses) or
        ``"fixed"`` (the model's one-shot fine, nobody destroyed).
    designated_state
        Model the designated-but-not-yet-destroyed state (see the module docstring): a
        designated group stays under pressure until destroyed, as many at once as the
        rule has slots (``dt.TopK(k)``), the others scored for the free slots.
    supply, territory, entry
        Optional :class:`~deterrence.SupplyNetwork` (re-sourcing sets the next state's
        shares and sizes), :class:`~deterrence.Territory` (vacuum contests; used by
        :func:`~deterrence.run_campaign`) and :class:`~deterrence.Entry` (splinters).
    vacuum
        Count the successor contest over a destroyed group's territory in the simulated
        violence (:func:`~deterrence.model.networks.tullock_vacuum`). Without a territory
        graph every survivor contests, for a rent equal to the destroyed group's nominal
        revenue, at ``vacuum_cost`` per unit of violence. By default the contest's net
        value to the contestants is left out of the continuation values.
    vacuum_cost
        Marginal cost of violence in the successor contest without a territory graph.
    weaken
        Probability (scalar or one per organization) that a designated organization that
        is not destroyed is weakened (once); 0 by default (see the module docstring).
    weakened_size
        A weakened organization's size and market share factor, in ``(0, 1]``.
    vacuum_values
        Count the successor contest in the values: when a survivor is destroyed, each of
        the ``m`` contestants for its territory (the neighbours on the territory graph, else
        every other survivor) expects its net rent ``R / m**2`` in the next round
        (:func:`~deterrence.model.networks.tullock_net_rent`; ``R`` the territory's rent,
        else the destroyed group's nominal revenue). The expected rent, discounted once,
        is added to the stage payoff of the round in which the destruction can happen
        (``d_i sum_k P(k designated | a) p_k R_k / m_k**2``), so every solver and the
        certificate see it.

    Examples
    --------
    Two organizations; violence pays 1 per round, the market 10 split evenly. The
    designated organization is destroyed with probability 1/2 and loses a franchise worth
    ``5 / (1 - 0.9) = 50``: restraint pays (``d p V = 22.5 > 1``).

    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=2, levels=[0.0, 1.0], benefit=1.0,
    ...                           market=dt.Market(revenue=10.0, shares=[0.5, 0.5]))
    >>> camp = dt.Campaign(model, destroy=0.5, discount=0.9)
    >>> camp.n_states, camp.state_names[0]
    (3, '{org1, org2}')
    >>> res = dt.solve_stochastic(camp)
    >>> [q.tolist() for q in res.strategies[0]], res.values[0].round(6).tolist()
    ([[1.0, 0.0], [1.0, 0.0]], [50.0, 50.0])
    """

    model: TargetingModel
    destroy: Any = 0.5
    size_elasticity: float = 0.0
    discount: Any = 0.9
    stop: Stop = field(default_factory=Stop)
    penalty: str = "franchise"
    designated_state: bool = False
    supply: SupplyNetwork | None = None
    territory: Territory | None = None
    entry: Entry | None = None
    vacuum: bool = True
    vacuum_cost: float = 1.0
    vacuum_values: bool = False
    weaken: Any = 0.0
    weakened_size: float = 0.5

    def __init__(self, model: TargetingModel, **kwargs: Any) -> None:
        # model is positional (dt.Campaign(model, ...)); every option is keyword-only
        names = {f.name for f in dataclasses.fields(self)} - {"model"}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise DeterrenceError(
                f"Campaign got unknown option(s) {unknown}; expected some of {sorted(names)}"
            )
        for f in dataclasses.fields(self):
            if f.name == "model":
                val = model
            elif f.name in kwargs:
                val = kwargs[f.name]
            elif f.default is not dataclasses.MISSING:
                val = f.default
            else:
                val = f.default_factory()  # type: ignore[misc]
            object.__setattr__(self, f.name, val)
        self.__post_init__()

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        m = self.model
        if not isinstance(m, TargetingModel):
            raise DeterrenceError(f"model={m!r} is not valid; expected a dt.TargetingModel")
        n = m.n_orgs
        object.__setattr__(self, "destroy", _per_org_prob("destroy", self.destroy, n))
        object.__setattr__(self, "weaken", _per_org_prob("weaken", self.weaken, n))
        object.__setattr__(
            self,
            "weakened_size",
            check_real("weakened_size", self.weakened_size, low=0.0, high=1.0, low_open=True),
        )
        object.__setattr__(
            self,
            "size_elasticity",
            check_real("size_elasticity", self.size_elasticity, low=0.0),
        )
        disc = self.discount
        if np.ndim(disc) == 0:
            d = np.full(n, check_real("discount", disc, low=0.0, high=1.0, high_open=True))
        else:
            arr = np.asarray(disc, dtype=float)
            if arr.shape != (n,):
                raise DeterrenceError(
                    f"discount has shape {arr.shape}; expected a scalar or ({n},) (one per "
                    "organization)"
                )
            d = np.array(
                [
                    check_real(f"discount[{k}]", x, low=0.0, high=1.0, high_open=True)
                    for k, x in enumerate(arr.tolist())
                ]
            )
        if not isinstance(self.stop, Stop):
            raise DeterrenceError(
                f"stop={self.stop!r} is not valid; expected dt.Stop(margin=..., floor=..., "
                "rounds=..., min_survivors=...)"
            )
        check_choice("penalty", self.penalty, PENALTIES)
        if self.penalty == "fixed" and np.any(self.weaken > 0):  # type: ignore[operator]
            raise DeterrenceError(
                f"weaken={self.weaken.tolist()!r} with penalty='fixed': nobody is destroyed "  # type: ignore[union-attr]
                "or weakened under the fixed fine; use penalty='franchise'"
            )
        for name in ("designated_state", "vacuum", "vacuum_values"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise DeterrenceError(
                    f"{name}={getattr(self, name)!r} is not valid; expected True or False"
                )
        object.__setattr__(
            self, "vacuum_cost", check_real("vacuum_cost", self.vacuum_cost, low=0.0, low_open=True)
        )
        for name, cls in (("supply", SupplyNetwork), ("territory", Territory), ("entry", Entry)):
            val = getattr(self, name)
            if val is not None and not isinstance(val, cls):
                raise DeterrenceError(
                    f"{name}={val!r} is not valid; expected dt.{cls.__name__}(...) or None"
                )
            if val is not None and hasattr(val, "check_organizations"):
                val.check_organizations(m.names)
        q = self.entry.probabilities(n) if self.entry is not None else np.zeros(n)
        rule = self._stop_rule(m.rule)
        object.__setattr__(self, "_rule", rule)
        object.__setattr__(self, "_q", q)
        n_players = 2 * n if self.entry is not None else n
        object.__setattr__(self, "n_players", n_players)
        object.__setattr__(self, "discount", np.concatenate([d, d])[:n_players])
        self.discount.flags.writeable = False
        self._build_states()
        object.__setattr__(self, "_stage_cache", {})
        object.__setattr__(self, "_trans_cache", {})

    def _stop_rule(self, rule: Rule) -> Rule:
        changes = {}
        for key in ("margin", "floor"):
            val = getattr(self.stop, key)
            if val is None:
                continue
            if not any(f.name == key for f in dataclasses.fields(rule)):
                raise DeterrenceError(
                    f"stop.{key}={val!r} cannot apply to the rule {rule.describe()!r}; it has "
                    f"no {key} (use dt.MostViolent for margins)"
                )
            changes[key] = val
        return dataclasses.replace(rule, **changes) if changes else rule

    # ------------------------------------------------------------------ states
    def _targeting_on(self, status: tuple[int, ...], t: int) -> bool:
        if isinstance(self._rule, NoTargeting):  # type: ignore[attr-defined]
            return False
        n_active = sum(1 for x in status if x != GONE)
        if n_active <= self.stop.min_survivors:
            return False
        return self.stop.rounds is None or t < self.stop.rounds

    @property
    def _all_ties(self) -> bool:
        """Whether the rule designates every organization tied for the last slot
        (``ties="all"``, without a margin, which lets no tie be designated)."""
        rule = self._rule  # type: ignore[attr-defined]
        return getattr(rule, "ties", None) == "all" and not getattr(rule, "margin", 0.0) > 0

    def _slots(self, status: tuple[int, ...], t: int) -> int:
        """How many organizations the campaign can pursue at once in a state: the rule's
        ``k`` (:class:`~deterrence.TopK`; 1 for every other rule; with ``ties="all"`` as
        many as are tied), at most as many as leaves ``stop.min_survivors`` standing; 0
        where nobody is designated."""
        if not self._targeting_on(status, t):
            return 0
        n_active = sum(1 for x in status if x != GONE)
        k = n_active if self._all_ties else int(getattr(self._rule, "k", 1))  # type: ignore[attr-defined]
        return min(k, n_active - self.stop.min_survivors)

    def _capacity(self, st: _State) -> int:
        """How many organizations state ``st`` can newly designate: its slots
        (:meth:`_slots`) less the groups already under pressure there."""
        return max(0, self._slots(st.status, st.t) - len(st.under))

    def _canon(
        self, status: tuple[int, ...], under: tuple[int, ...], t: int, weak: int = 0
    ) -> _State:
        T = self.stop.rounds
        t = 0 if T is None else min(t, T)
        if not self._targeting_on(status, t):
            under = ()
            if T is not None:
                t = T
        alive = {self._slot(j, x) for j, x in enumerate(status) if x != GONE}
        under = tuple(sorted(x for x in set(under) if x in alive))
        weak &= sum(1 << j for j, x in enumerate(status) if x != GONE)
        return _State(status, under, t, weak)

    def _build_states(self) -> None:
        n = self.model.n_orgs
        codes = (ORIGINAL, SPLINTER, GONE) if self.entry is not None else (ORIGINAL, GONE)
        T = self.stop.rounds
        states: list[_State] = []
        seen: set[_State] = set()
        statuses = sorted(
            itertools.product(codes, repeat=n),
            key=lambda st: (sum(x == GONE for x in st), sum(x == SPLINTER for x in st), st),
        )
        for t in range(1 if T is None else T + 1):
            for st in statuses:
                if all(x == GONE for x in st):
                    continue
                alive = [j for j in range(n) if st[j] != GONE]
                # designated_state: every set of players under pressure the campaign's
                # slots allow (one at most with a single designation a round)
                unders: list[tuple[int, ...]] = [()]
                if self.designated_state and self.penalty == "franchise":
                    slots = [self._slot(j, st[j]) for j in alive]
                    unders += [
                        c
                        for r in range(1, self._slots(st, t) + 1)
                        for c in itertools.combinations(slots, r)
                    ]
                weak_sets = [0]
                if np.any(self.weaken > 0):  # type: ignore[operator]
                    weak_sets = [
                        sum(1 << j for j in c)
                        for r in range(len(alive) + 1)
                        for c in itertools.combinations(alive, r)
                    ]
                for w in weak_sets:
                    for f in unders:
                        c = self._canon(st, f, t, w)
                        if c not in seen:
                            seen.add(c)
                            states.append(c)
        object.__setattr__(self, "_states", tuple(states))
        object.__setattr__(self, "_index", {s: k for k, s in enumerate(states)})
        object.__setattr__(self, "n_states", len(states))
        object.__setattr__(self, "state_names", tuple(self._name(s) for s in states))

    def _slot(self, lineage: int, code: int) -> int:
        return lineage if code == ORIGINAL else self.model.n_orgs + lineage

    def _lineage(self, slot: int) -> int:
        return slot % self.model.n_orgs

    def _is_weak(self, st: _State, player: int) -> bool:
        return bool(st.weak >> self._lineage(player) & 1)

    @property
    def player_names(self) -> tuple[str, ...]:
        """Organization names, then (with entry) their splinters' (``"<name>'"``)."""
        names = self.model.names
        return names + tuple(f"{x}'" for x in names) if self.entry is not None else names

    def _name(self, s: _State) -> str:
        names = self.player_names
        act = [names[i] + (" (weakened)" if self._is_weak(s, i) else "") for i in self._active(s)]
        out = "{" + ", ".join(act) + "}"
        if s.under:
            out += f" {', '.join(names[i] for i in s.under)} designated"
        if self.stop.rounds is not None:
            out += f" round {s.t}"
        return out

    def _active(self, s: _State) -> tuple[int, ...]:
        return tuple(sorted(self._slot(j, c) for j, c in enumerate(s.status) if c != GONE))

    def state_info(self, s: int) -> dict[str, Any]:
        """What state ``s`` is: ``active`` players, ``under_pressure`` (the players under
        pressure, ``designated_state=True``), ``flag`` (the first of them, or -1),
        ``round``, ``targeting`` (can anyone be newly designated in it), ``status`` per
        lineage (0 original, 1 splinter, 2 gone), ``weakened`` (the active players
        weakened)."""
        st = self._states[check_int("s", s, low=0, high=self.n_states - 1)]  # type: ignore[attr-defined]
        return {
            "active": self._active(st),
            "under_pressure": st.under,
            "flag": st.under[0] if st.under else -1,
            "round": st.t,
            "targeting": self._capacity(st) > 0,
            "status": st.status,
            "weakened": tuple(i for i in self._active(st) if self._is_weak(st, i)),
        }

    @property
    def initial_state(self) -> int:
        """Index of the starting state (every organization active): 0."""
        return 0

    # ------------------------------------------------------------------ sizes and markets
    def _shrink(self, lin: Sequence[int], weak: int) -> NDArray[np.float64]:
        """Each lineage's size factor: ``weakened_size`` where weakened, 1 else."""
        return np.array([self.weakened_size if weak >> j & 1 else 1.0 for j in lin])

    def _sizes(self, active: tuple[int, ...], weak: int = 0) -> NDArray[np.float64]:
        """Sizes (revenue) of the active players: supply volume with a network, else the
        model's nominal revenue; a weakened one's times ``weakened_size``."""
        lin = [self._lineage(i) for i in active]
        rev = np.asarray(self.model.revenue, dtype=float)
        if self.supply is None:
            return rev[lin] * self._shrink(lin, weak)
        names = [self.model.names[j] for j in lin]
        vol = self.supply.volumes(names)
        base = self.supply.volumes(None)
        out = []
        for j, nm in zip(lin, names, strict=True):
            v0, v = base.get(nm, 0.0), vol.get(nm, 0.0)
            out.append(rev[j] * v / v0 if v0 > 0 and v > 0 else rev[j])
        return np.array(out) * self._shrink(lin, weak)

    def destruction_probability(self, s: int) -> NDArray[np.float64]:
        """``p_j`` of each active player of state ``s`` (in the order of ``active``)."""
        st = self._states[check_int("s", s, low=0, high=self.n_states - 1)]  # type: ignore[attr-defined]
        return self._p(self._active(st), st.weak)

    def _p(self, active: tuple[int, ...], weak: int = 0) -> NDArray[np.float64]:
        base = self.destroy[[self._lineage(i) for i in active]]  # type: ignore[index]
        if self.size_elasticity == 0.0:
            return base.copy()
        size = self._sizes(active, weak)
        rel = len(active) * size / size.sum()
        return np.minimum(1.0, base * rel ** (-self.size_elasticity))

    def _submodel(self, st: _State) -> TargetingModel:
        m = self.model
        active = self._active(st)
        lin = [self._lineage(i) for i in active]
        levels = []
        for i, j in zip(active, lin, strict=True):
            g = m.levels[j]
            if i >= m.n_orgs and self.entry is not None:
                keep = g[g >= self.entry.break_in - 1e-12]
                g = keep if keep.size else g[-1:]
            levels.append(g)
        rule = self._rule  # type: ignore[attr-defined]
        if st.under or not self._targeting_on(st.status, st.t):
            # (with groups under pressure the others' designation comes from the
            # state's scorer, :meth:`_scorer`; the stage payoffs never depend on it)
            rule = NoTargeting()
        elif isinstance(rule, TopK) and rule.k > self._capacity(st):
            rule = dataclasses.replace(rule, k=self._capacity(st))
        elif hasattr(rule, "order"):
            pos = {j: k for k, j in enumerate(lin)}
            rule = dataclasses.replace(rule, order=tuple(pos[j] for j in rule.order if j in pos))
        return _take(
            m,
            lin,
            levels=levels,
            penalty=m.penalty[lin] if self.penalty == "fixed" else 0.0,
            rule=rule,
            market=self._submarket(active, lin, st.weak),
            revenue=self._sizes(active, st.weak),
            baseline=NoTargeting(),
            names=[self.player_names[i] for i in active],
        )

    def _scorer(self, st: _State) -> tuple[Any, tuple[int, ...]] | None:
        """The scoring game of a state with groups under pressure and free slots
        (``designated_state=True`` with :class:`~deterrence.TopK`): the rule, with the free
        slots as its ``k``, over the survivors not under pressure (their scores, sizes and
        misattribution among them: the ones under pressure are not scored again, and the
        part of their violence attributed to the others is dropped), and those survivors'
        positions in ``active``; None elsewhere."""
        free = self._capacity(st)
        if not st.under or free == 0:
            return None
        active = self._active(st)
        keep = [k for k, i in enumerate(active) if i not in st.under]
        m = self._submodel(dataclasses.replace(st, under=()))
        rule = m.rule
        if isinstance(rule, TopK):  # (ties="all": the cut to the free slots is the sets')
            rule = dataclasses.replace(rule, k=min(rule.k, free))
        return _take(m, keep, rule=rule, market=None).game(), tuple(keep)

    def _submarket(self, active: tuple[int, ...], lin: list[int], weak: int = 0) -> Market | None:
        """The survivors' market: the model's (or the network's) renormalised over them; a
        weakened organization's share (or contest base) times ``weakened_size``."""
        mk = self.model.market
        shrink = self._shrink(lin, weak)
        sup = self.supply
        names = [self.model.names[j] for j in lin]
        scale = 1.0
        if sup is not None:
            total0 = sum(sup.volumes(None).values())
            total = sum(sup.volumes(names).values())
            scale = total / total0 if total0 > 0 else 0.0
        if mk is None:
            if sup is None:
                return None
            sh = np.asarray(sup.shares(names), dtype=float) * shrink
            return Market(
                revenue=sup.price * sum(sup.volumes(names).values()),
                shares=tuple(float(x) for x in sh / sh.sum()),
            )
        if mk.contest:
            base = np.broadcast_to(np.asarray(mk.base, dtype=float), (self.model.n_orgs,))
            return Market(
                revenue=mk.revenue * scale,
                exponent=mk.exponent,
                base=tuple(float(x) for x in base[lin] * shrink),
            )
        if sup is not None:
            shares = np.asarray(sup.shares(names), dtype=float)
        else:
            sh = np.asarray(mk.shares, dtype=float)[lin]
            shares = sh / sh.sum() if sh.sum() > 0 else np.full(len(lin), 1.0 / len(lin))
        shares = shares * shrink
        shares = tuple(float(x) for x in shares / shares.sum())
        return Market(revenue=mk.revenue * scale, shares=shares)

    # ------------------------------------------------------------------ the protocol
    def stage(self, s: int) -> CampaignStage:
        """The stage game of state ``s`` (survivors' targeting game; absent players have
        one action ``"gone"`` worth 0)."""
        cache = self._stage_cache  # type: ignore[attr-defined]
        if s not in cache:
            st = self._states[check_int("s", s, low=0, high=self.n_states - 1)]  # type: ignore[attr-defined]
            sub = self._submodel(st).game()
            cache[s] = CampaignStage(
                sub,
                self._active(st),
                self.n_players,
                self.state_names[s],
                self._bonus(s),
                self._sets(s),
                self._scorer(st),
            )
        return cache[s]

    def _sets(self, s: int) -> tuple[tuple[int, ...], ...] | None:
        """The designated sets of state ``s`` (positions in its ``active``) when it can
        designate several organizations at once, else None (the outcomes are the
        survivors)."""
        st = self._states[s]  # type: ignore[attr-defined]
        k = self._capacity(st)
        if st.under and k > 0:  # the free slots, among those not under pressure
            keep = [x for x, i in enumerate(self._active(st)) if i not in st.under]
            return tuple(tuple(keep[x] for x in c) for c in outcome_sets(len(keep), k))
        if k == 0 or (k == 1 and not self._all_ties):
            # (ties="all" always goes by sets: a tie designates several, cut to the slots)
            return None
        return outcome_sets(len(self._active(st)), k)

    def shape(self, s: int) -> tuple[int, ...]:
        """Numbers of actions in state ``s``: a survivor's violence levels, 1 (``"gone"``) else."""
        return self.stage(s).shape

    def _outcomes(self, s: int) -> tuple[NDArray, NDArray, bool]:
        """``(T, stay, action_dependent)``: row ``k`` of ``T`` is the next-state law when
        the ``k``-th active player is designated (with several designations a round, the
        ``k``-th designated set of :meth:`_sets`: each member destroyed independently
        with its own probability), or, in a state where nobody can be newly designated
        but groups are under pressure, the action-free law; ``stay`` the law when nobody
        is. With ``designated_state=True`` the newly designated join those under
        pressure (nobody is destroyed in the round of its designation) and those under
        pressure are at risk in every row."""
        cache = self._trans_cache  # type: ignore[attr-defined]
        if s in cache:
            return cache[s]
        st = self._states[s]  # type: ignore[attr-defined]
        active = self._active(st)
        S = self.n_states
        idx = self._index  # type: ignore[attr-defined]

        def law(status: tuple[int, ...], under: tuple[int, ...], weak: int = st.weak) -> NDArray:
            e = np.zeros(S)
            e[idx[self._canon(status, under, st.t + 1, weak)]] = 1.0
            return e

        stay = law(st.status, st.under)
        p = self._p(active, st.weak)
        q = self._q  # type: ignore[attr-defined]
        # weakened when designated and not destroyed (each lineage once)
        wk = np.array(
            [0.0 if self._is_weak(st, i) else self.weaken[self._lineage(i)] for i in active]  # type: ignore[index]
        )

        def destroyed(*players: int, weak: int = st.weak, under: tuple[int, ...] = ()) -> NDArray:
            """The next-state law when ``players`` are destroyed (each original replaced
            by its splinter with its own entry probability, independently), the
            lineages of ``weak`` are weakened and ``under`` are under pressure."""
            laws = [(1.0, list(st.status))]
            for i in players:
                j = self._lineage(i)
                nxt = []
                for w, status in laws:
                    if status[j] == ORIGINAL and q[j] > 0:
                        nxt.append((w * q[j], [*status[:j], SPLINTER, *status[j + 1 :]]))
                        nxt.append((w * (1.0 - q[j]), [*status[:j], GONE, *status[j + 1 :]]))
                    else:
                        nxt.append((w, [*status[:j], GONE, *status[j + 1 :]]))
                laws = nxt
            out = np.zeros(S)
            for w, status in laws:
                out += w * law(tuple(status), under, weak)
            return out

        def hit(members: tuple[int, ...], joining: tuple[int, ...] = ()) -> NDArray:
            """The next-state law when the survivors at positions ``members`` are at risk
            (designated, or under pressure): each destroyed with its probability, else
            weakened with its probability, else spared (and still under pressure if it
            was); the players ``joining`` come under pressure."""
            out = np.zeros(S)
            for w, gone, hurt in _fates(members, p, wk):
                weak = st.weak
                for k in hurt:
                    weak |= 1 << self._lineage(active[k])
                dead = [active[k] for k in gone]
                under = tuple(x for x in st.under if x not in dead) + joining
                out += w * destroyed(*dead, weak=weak, under=under)
            return out

        sets = self._sets(s)
        outs = sets if sets is not None else [(k,) for k in range(len(active))]
        if st.under:  # designated_state: those under pressure are at risk whatever happens
            risk = tuple(active.index(x) for x in st.under)
            row = hit(risk)
            if self._capacity(st) == 0:
                out = (row[None, :], row, False)
            else:  # free slots: the newly designated join them
                rows = [hit(risk, tuple(active[k] for k in c)) for c in outs]
                out = (np.array(rows), row, True)
        elif not self._targeting_on(st.status, st.t) or self.penalty == "fixed":
            out = (np.tile(stay, (len(active), 1)), stay, False)
        elif self.designated_state:  # the newly designated come under pressure
            rows = [law(st.status, tuple(active[k] for k in c)) for c in outs]
            out = (np.array(rows), stay, True)
        else:
            out = (np.array([hit(c) for c in outs]), stay, True)
        cache[s] = out
        return out

    def _contest(
        self, destroyed: int, survivors: Sequence[int], weakened: bool = False
    ) -> tuple[list[int], float, float]:
        """The successor contest over ``destroyed``'s territory: (contestants among
        ``survivors``, rent, marginal cost of violence); without a territory graph the
        rent is the destroyed group's revenue (times ``weakened_size`` if it was
        weakened)."""
        names = self.model.names
        lin_d = self._lineage(destroyed)
        if self.territory is not None:
            who = self.territory.contestants(
                names[lin_d], [names[self._lineage(i)] for i in survivors]
            )
            idx = [i for i in survivors if names[self._lineage(i)] in who]
            return idx, float(self.territory.rent(names[lin_d])), float(self.territory.cost)
        idx = [i for i in survivors if i != destroyed]
        rent = float(self.model.revenue[lin_d]) * (self.weakened_size if weakened else 1.0)
        return idx, rent, float(self.vacuum_cost)

    def _bonus(self, s: int) -> tuple[bool, NDArray] | None:
        """The discounted expected vacuum rents of state ``s`` (``vacuum_values=True``), in
        the form of :attr:`CampaignStage.bonus`."""
        if not self.vacuum_values or self.penalty == "fixed":
            return None
        st = self._states[s]  # type: ignore[attr-defined]
        active = self._active(st)
        _, _, dependent = self._outcomes(s)
        p = self._p(active, st.weak)
        d = self.discount
        if st.under:
            outs: tuple[tuple[int, ...], ...] = (tuple(active.index(x) for x in st.under),)
        else:
            outs = self._sets(s) or tuple((k,) for k in range(len(active)))
        # each outcome's destroyed subsets, each destroyed territory contested by the
        # survivors of the round
        B = np.zeros((len(outs), self.n_players))
        for o, c in enumerate(outs):
            for w, gone, _ in _fates(c, p, np.zeros(len(p))):
                if not gone:
                    continue
                left = [i for i in active if i not in {active[k] for k in gone}]
                for k in gone:
                    idx, rent, _ = self._contest(active[k], left, self._is_weak(st, active[k]))
                    for i in idx:
                        B[o, i] += d[i] * w * tullock_net_rent(rent, len(idx))
        if st.under:  # the destructions of the round: those under pressure (action-free)
            return False, B[0]
        if not dependent or not np.any(B) or self.designated_state:
            # designated_state: destruction (and the rent) comes from the states with
            # groups under pressure
            return None
        return True, B

    def _solve_structured(self, **options: Any) -> Any:
        """:func:`~deterrence.solve_stochastic`'s fast path: :func:`~deterrence.solve_campaign`
        (backward induction with the structured per-state search) for ``method="auto"``
        when the state graph is acyclic up to self-loops. An explicit ``"backward"`` or
        ``"homotopy"`` runs the generic method (an independent cross-check)."""
        if options.get("method", "auto") != "auto" or not self.is_acyclic():
            return None
        from ..solvers._campaign import backward_induction

        tol = check_real("tol", options.get("tol", 1e-10), low=0.0, low_open=True)
        max_iter = check_int("max_iter", options.get("max_iter", 10_000), low=1)
        return backward_induction(self, tol=tol, max_moves=200, max_iter=max_iter)

    def successors(self, s: int) -> tuple[int, ...]:
        """States the next round can reach from ``s``: after any designation (destruction,
        splintering, coming under pressure) or with nobody designated."""
        return tuple(int(x) for x in self._reach(check_int("s", s, low=0, high=self.n_states - 1)))

    def _transitions_and_designation(
        self, s: int, profile: Sequence[NDArray]
    ) -> tuple[list[NDArray], list[NDArray] | None]:
        cols, rows, D = self._compact_transitions(s, profile)
        out = []
        for r in rows:
            full = np.zeros((r.shape[0], self.n_states))
            full[:, cols] = r
            out.append(full)
        return out, D

    def _compact_transitions(
        self, s: int, profile: Sequence[NDArray]
    ) -> tuple[NDArray[np.intp], list[NDArray], list[NDArray] | None]:
        """:meth:`deviation_transitions` on the states reachable from ``s`` only:
        ``(cols, rows, D)`` with ``rows[i][a]`` the law over ``cols`` (the dense rows cost
        ``n_states`` entries each, which dominates large lattices) and ``D`` the
        designation law (None when nobody's action matters)."""
        T, stay, dependent = self._outcomes(s)
        stage = self.stage(s)
        n = self.n_players
        cols = self._reach(s)
        if not dependent:
            row = (T[0] if T.shape[0] == 1 else stay)[cols]
            return cols, [np.tile(row, (stage.shape[i], 1)) for i in range(n)], None
        sub_prof = stage.sub_profile(profile)
        D = stage.designation(sub_prof)
        Tc, stay_c = T[:, cols], stay[cols]
        out: list[NDArray] = [np.zeros(0)] * n
        for k, i in enumerate(stage.active):
            none = 1.0 - D[k].sum(axis=1)
            rows = D[k] @ Tc + np.clip(none, 0.0, None)[:, None] * stay_c[None, :]
            rows /= rows.sum(axis=1, keepdims=True)
            out[i] = rows
        # absent players: the law under the profile (any active player's average)
        i0 = stage.active[0]
        avg = np.asarray(profile[i0], dtype=float) @ out[i0]
        for i in range(n):
            if stage._pos[i] < 0:
                out[i] = avg[None, :]
        return cols, out, D

    def _reach(self, s: int) -> NDArray[np.intp]:
        """The states reachable from ``s`` in one round, as indices (cached)."""
        cache = self._trans_cache  # type: ignore[attr-defined]
        key = ("reach", s)
        if key not in cache:
            T, stay, _ = self._outcomes(s)
            cache[key] = np.flatnonzero((T.sum(axis=0) + stay) > 0)
        return cache[key]

    def deviation_transitions(
        self, s: int, profile: Sequence[NDArray[np.float64]]
    ) -> list[NDArray[np.float64]]:
        """``out[i][a, s']`` = P(next state ``s'`` | ``i`` plays ``a``, others mix), from
        the designation distribution times the destruction and entry probabilities."""
        return self._transitions_and_designation(s, profile)[0]

    def deviation_values(
        self, s: int, profile: Sequence[NDArray[np.float64]], values: NDArray[np.float64]
    ) -> list[NDArray[np.float64]]:
        """Each pure action's stage payoff (vacuum rents included) plus its discounted
        continuation under this campaign's :meth:`deviation_transitions`."""
        r = self.stage(s)._deviation_payoffs(tuple(profile))
        cols, T, _ = self._compact_transitions(s, profile)
        d = self.discount
        Vc = np.asarray(values, dtype=float)[cols]
        return [
            np.asarray(r[i], dtype=float) + d[i] * (T[i] @ Vc[:, i]) for i in range(self.n_players)
        ]

    def next_state(
        self,
        s: int,
        *,
        designated: int | Sequence[int] | None = None,
        destroyed: bool | Sequence[bool] = False,
        splinter: bool | Sequence[bool] = False,
        weakened: bool | Sequence[bool] = False,
    ) -> int:
        """The state after a round of state ``s`` in which player ``designated`` (or
        nobody) was designated and, if ``destroyed``, destroyed (replaced by its splinter if
        ``splinter``). A rule designating several organizations a round gives
        ``designated`` as a sequence of players, and ``destroyed`` and ``splinter`` as
        sequences of flags (one each). ``weakened``: a designated group that is not
        destroyed is weakened (with ``weaken``).

        With ``designated_state=True`` the groups at risk are those under pressure in
        ``s`` (``state_info(s)["under_pressure"]``): ``destroyed``, ``splinter`` and
        ``weakened`` give their fates (one flag each, in that order), and ``designated``
        the newly designated, who come under pressure (at most the state's free slots)."""
        st = self._states[check_int("s", s, low=0, high=self.n_states - 1)]  # type: ignore[attr-defined]
        idx = self._index  # type: ignore[attr-defined]
        active = self._active(st)
        if designated is None:
            new: list[int] = []
        elif isinstance(designated, int | np.integer):
            new = [int(designated)] if designated >= 0 else []
        else:
            new = [int(x) for x in designated]  # type: ignore[union-attr]
        for x in new:
            if x not in active:
                raise DeterrenceError(
                    f"designated={x!r} is not active in state {self.state_names[s]!r}"
                )
        if len(set(new)) != len(new) or len(new) > max(1, self._capacity(st)):
            raise DeterrenceError(
                f"designated={designated!r}: state {self.state_names[s]!r} designates at "
                f"most {max(1, self._capacity(st))} distinct organization(s) a round"
            )
        pressure = self.designated_state and self.penalty == "franchise"
        if (
            pressure
            and st.under
            and (set(new) & set(st.under) or (new and self._capacity(st) == 0))
        ):
            raise DeterrenceError(
                f"designated={designated!r}: in state {self.state_names[s]!r} "
                f"{self._capacity(st)} more can be designated, among those not under "
                "pressure"
            )
        targets = list(st.under) if pressure else new
        if not targets or self.penalty == "fixed":
            if any(any(self._flags(v, 1)) for v in (destroyed, splinter, weakened)):
                why = (
                    "nobody is destroyed or weakened under penalty='fixed'"
                    if self.penalty == "fixed"
                    else f"nobody is at risk in state {self.state_names[s]!r}"
                    + (" (only those under pressure are)" if pressure else "")
                )
                raise DeterrenceError(
                    f"destroyed={destroyed!r}, splinter={splinter!r}, weakened={weakened!r}: " + why
                )
            under = tuple(new) if pressure else ()
            return idx[self._canon(st.status, under, st.t + 1, st.weak)]
        n_t = len(targets)
        gone, split, weak = (self._flags(v, n_t) for v in (destroyed, splinter, weakened))
        if len({len(gone), len(split), len(weak), n_t}) != 1:
            raise DeterrenceError(
                f"destroyed={destroyed!r}, splinter={splinter!r}, weakened={weakened!r}: "
                f"expected one destroyed, splinter and weakened flag each for the {n_t} "
                f"organization(s) at risk ({targets})"
            )
        mask = st.weak
        status = list(st.status)
        dead = set()
        for x, g, sp, wk in zip(targets, gone, split, weak, strict=True):
            j = self._lineage(x)
            if g:
                status[j] = SPLINTER if (sp and status[j] == ORIGINAL) else GONE
                mask &= ~(1 << j)
                dead.add(x)
            elif wk:
                mask |= 1 << j
        under = tuple(x for x in st.under if x not in dead) + (tuple(new) if pressure else ())
        return idx[self._canon(tuple(status), under, st.t + 1, mask)]

    @staticmethod
    def _flags(val: Any, n: int) -> list[bool]:
        """One flag per organization at risk: a scalar repeated, or the sequence given."""
        return [bool(v) for v in val] if not isinstance(val, bool | np.bool_) else [bool(val)] * n

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_stage_cache"] = {}
        state["_trans_cache"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    # ------------------------------------------------------------------ reporting helpers
    def vacuum_violence(
        self, destroyed: int, survivors: Sequence[int], *, weakened: bool = False
    ) -> dict[int, float]:
        """Each contestant's violence in the successor contest over the territory of
        player ``destroyed`` (``weakened`` if it was), contested by the players
        ``survivors`` (after the round)."""
        if not self.vacuum:
            return {}
        idx, rent, cost = self._contest(destroyed, survivors, weakened)
        total = tullock_vacuum(rent, len(idx), cost)
        return {i: total / len(idx) for i in idx} if idx and total > 0 else {}

    def describe(self) -> str:
        """A few lines for reports."""
        lines = [
            f"campaign over {self.model.n_orgs} organizations ({self.n_states} states, "
            f"{self.n_players} players)",
            f"rule: {self._rule.describe()}; penalty: {self.penalty}",  # type: ignore[attr-defined]
            "destruction probability per round: "
            + ", ".join(f"{x:g}" for x in np.unique(self.destroy))
            + (f" (size elasticity {self.size_elasticity:g})" if self.size_elasticity else ""),
            f"discount: {', '.join(f'{x:g}' for x in np.unique(self.discount))}",
        ]
        if self.designated_state:
            lines.append("a designated group stays under pressure until destroyed")
        if np.any(self.weaken > 0):  # type: ignore[operator]
            lines.append(
                "a designated group that survives is weakened with probability "
                + ", ".join(f"{x:g}" for x in np.unique(self.weaken))  # type: ignore[arg-type]
                + f" (its size and market share times {self.weakened_size:g})"
            )
        if self.entry is not None:
            lines.append(
                f"entry: splinters with probability {self.entry.probability}, break-in "
                f"violence {self.entry.break_in:g}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Campaign({self.model.n_orgs} organizations, {self.n_states} states, "
            f"penalty={self.penalty!r}, designated_state={self.designated_state})"
        )


def _take(m: TargetingModel, idx: Sequence[int], **changes: Any) -> TargetingModel:
    """``m`` restricted to the organizations ``idx`` (in that order): their parameters,
    metrics and the attribution among them (false flags folded in); ``changes`` replace
    any further fields."""
    idx = list(idx)
    M = m.effective_attribution[np.ix_(idx, idx)]
    fields = {
        "n_orgs": len(idx),
        "levels": [m.levels[k] for k in idx],
        "benefit": m.benefit[idx],
        "cost": m.cost[idx],
        "penalty": m.penalty[idx],
        "carrot": m.carrot[idx],
        "extortion": m.extortion[idx],
        "revenue": m.revenue[idx],
        "metrics": {k: v[idx] for k, v in m.metrics.items()},
        "attribution": M if not np.allclose(M, np.eye(len(idx))) else None,
        "framing": None,
        "names": [m.names[k] for k in idx],
    }
    return dataclasses.replace(m, **{**fields, **changes})


def _fates(
    members: tuple[int, ...], p: NDArray, wk: NDArray
) -> list[tuple[float, tuple[int, ...], tuple[int, ...]]]:
    """The fates of the designated ``members`` (positions), each independently destroyed
    (probability ``p[k]``), else weakened (``wk[k]``), else spared: ``(probability,
    destroyed, weakened)`` for every combination of positive probability."""
    out = []
    for fate in itertools.product((0, 1, 2), repeat=len(members)):  # destroyed/weakened/spared
        pr = [
            p[k] if f == 0 else (1.0 - p[k]) * (wk[k] if f == 1 else 1.0 - wk[k])
            for k, f in zip(members, fate, strict=True)
        ]
        w = float(np.prod(pr))
        if w > 0:
            pick = [tuple(k for k, f in zip(members, fate, strict=True) if f == x) for x in (0, 1)]
            out.append((w, *pick))
    return out


def _per_org_prob(name: str, value: Any, n: int) -> NDArray[np.float64]:
    if np.ndim(value) == 0:
        out = np.full(n, check_probability(name, value))
    else:
        arr = np.asarray(value, dtype=float)
        if arr.shape != (n,):
            raise DeterrenceError(
                f"{name} has shape {arr.shape}; expected a scalar or ({n},) (one per organization)"
            )
        out = np.array([check_probability(f"{name}[{k}]", x) for k, x in enumerate(arr.tolist())])
    out.flags.writeable = False
    return out


# ----------------------------------------------------------------------------- closed forms
def two_org_campaign(
    *, revenue: float, benefit: float, destroy: float, discount: float
) -> dict[str, float]:
    """Two organizations: the franchise value and the critical penalty, in closed form.

    Setup: two identical organizations choose violence 0 or 1; violence pays ``b`` per
    round; the market ``R`` is split evenly (a monopolist takes it all); the most violent
    is designated when its score exceeds 0 (ties split) and destroyed with probability
    ``p``; discount ``d``; a monopolist is never designated (it plays 1).

    *Franchise.* If both restrain, nobody is designated: each earns ``R/2`` forever,
    ``F = (R/2) / (1 - d)``. The monopoly is worth ``W = (R + b) / (1 - d)``.

    *Restraint.* Deviating to 1 pays ``R/2 + b`` today and gets the deviator designated:
    it keeps the franchise only with probability ``1 - p``. Restraint is an equilibrium iff
    ``R/2 + d F >= R/2 + b + d (1 - p) F``, i.e. ``b <= d p F``: the campaign works as a
    one-shot fine of ``L_eff = d p F`` (the *implied penalty*), and the critical fixed
    penalty of the one-shot game is ``L* = b``. Equivalently ``p >= p* = b / (d F)``.

    *Uniform violence.* If both play 1, each is designated with probability 1/2; lowering
    violence to 0 gets the rival designated for sure, so it moves the deviator from
    ``(p/2) * 0 + (p/2) W`` to ``p W`` in the destroyed-either-way branch while costing
    ``b``: both-violent is an equilibrium iff ``b >= d p W / 2``, with values ``V_hi = (R/2
    + b + d p W / 2) / (1 - d (1 - p))``.

    Examples
    --------
    >>> from deterrence.model.campaign import two_org_campaign
    >>> out = two_org_campaign(revenue=10.0, benefit=1.0, destroy=0.5, discount=0.9)
    >>> round(out["franchise"], 9), round(out["implied_penalty"], 9), out["critical_penalty"]
    (50.0, 22.5, 1.0)
    """
    R = check_real("revenue", revenue, low=0.0)
    b = check_real("benefit", benefit, low=0.0)
    p = check_probability("destroy", destroy)
    d = check_real("discount", discount, low=0.0, high=1.0, high_open=True)
    F = (R / 2) / (1 - d)
    W = (R + b) / (1 - d)
    return {
        "franchise": F,
        "monopoly": W,
        "implied_penalty": d * p * F,
        "critical_penalty": b,
        "critical_destroy": b / (d * F) if d * F > 0 else np.inf,
        "restraint_is_equilibrium": float(b <= d * p * F),
        "violence_is_equilibrium": float(b >= d * p * W / 2),
        "violent_value": (R / 2 + b + d * p * W / 2) / (1 - d * (1 - p)),
    }


def weakening_penalty(
    *,
    revenue: float,
    destroy: float,
    weaken: float,
    weakened_size: float,
    discount: float,
) -> dict[str, float]:
    """Two organizations whose designation can weaken: the implied penalty, in closed form.

    Setup: :func:`two_org_campaign` (two identical organizations at 0 or 1, the market
    ``R`` in fixed equal shares, floor 0, destruction ``p``, discount ``d``), and a
    designated organization that is not destroyed is weakened with probability ``w``: its
    share falls from ``1/2`` to ``f / (1 + f)`` (``f`` the weakened size; the rival's
    rises to ``1 / (1 + f)``).

    Derivation. When everyone restrains nobody is designated, in every state: the
    franchise is ``F = (R/2) / (1 - d)``, a weakened organization's ``F_w = R f / (1 + f)
    / (1 - d)``, its rival's ``F_s = R / (1 + f) / (1 - d)``. From the start, violence
    designates the deviator, which is then destroyed (``p``: value 0), weakened (``(1 -
    p) w``: ``F_w``) or spared (``F``), so its deviation gain is ``b - L`` with the implied
    penalty::

        L = d (F - (1 - p) (w F_w + (1 - w) F)) = d (p F + (1 - p) w (F - F_w)),

    the destruction term of :func:`two_org_campaign` plus the franchise a weakening takes.
    A weakened organization is weakened only once: its own penalty is ``d p F_w``.

    Examples
    --------
    >>> from deterrence.model.campaign import weakening_penalty
    >>> out = weakening_penalty(revenue=10.0, destroy=0.2, weaken=0.5, weakened_size=0.25,
    ...                         discount=0.9)
    >>> round(out["implied_penalty"], 9)   # 0.9 (0.2 * 50 + 0.8 * 0.5 * (50 - 20))
    19.8
    """
    R = check_real("revenue", revenue, low=0.0)
    p = check_probability("destroy", destroy)
    w = check_probability("weaken", weaken)
    f = check_real("weakened_size", weakened_size, low=0.0, high=1.0, low_open=True)
    d = check_real("discount", discount, low=0.0, high=1.0, high_open=True)
    F = (R / 2) / (1 - d)
    Fw = R * f / (1 + f) / (1 - d)
    Fs = R / (1 + f) / (1 - d)
    return {
        "franchise": F,
        "weakened_franchise": Fw,
        "rival_franchise": Fs,
        "implied_penalty": d * (p * F + (1 - p) * w * (F - Fw)),
        "weakened_penalty": d * p * Fw,
    }


def tournament_values(
    n: int,
    *,
    revenue: float,
    benefit: float,
    discount: float,
    vacuum_rent: float = 0.0,
    capacity: int = 1,
) -> NDArray[np.float64]:
    """The elimination tournament: each round one organization is destroyed for sure.

    Setup: ``n`` identical organizations, violence 0 or 1 paying ``b``; the market ``R`` is
    split evenly among the survivors; the rule always designates someone (floor below
    every score, ties split) and destruction is certain (``p = 1``); discount ``d``.

    Derivation. In the state with ``k`` survivors, being designated ends the franchise,
    surviving leads to ``k - 1``. Survivor ``i``'s payoff is ``u_i(v) + d (1 - P_i(v))
    V_{k-1} = u_i(v) + d V_{k-1} - d V_{k-1} P_i(v)``: the stage game of a one-shot
    targeting game with **stage penalty** ``L_k = d V_{k-1}``, the discounted value of the
    next state (plus a constant). When everyone restrains (ties split, each designated
    with probability ``1/k``), ``V_k = R/k + d (k-1)/k V_{k-1}``, from ``V_1 = (R + b) /
    (1 - d)`` (the last survivor is left alone). Restraint is an equilibrium at ``k`` iff
    deviating to violence (designated for sure) does not pay: ``b <= d (k-1)/k V_{k-1}``.

    *Vacuum in the values* (``vacuum_rent = rho > 0``, ``dt.Campaign(...,
    vacuum_values=True)`` with every survivor contesting the destroyed group's territory,
    worth ``rho``): after a rival's destruction the ``k - 1`` survivors fight a Tullock
    contest over ``rho``, each netting ``rho / (k-1)**2``
    (:func:`~deterrence.model.networks.tullock_net_rent`), so::

        V_k = R/k + d (k-1)/k (V_{k-1} + rho / (k-1)**2).

    Two organizations: ``V_2 = R/2 + d (V_1 + rho) / 2`` (the survivor takes the whole
    territory unopposed); three: ``V_3 = R/3 + (2d/3) (V_2 + rho/4)``. Restraint at ``k``
    then needs ``b <= d (k-1)/k (V_{k-1} + rho/(k-1)**2)``.

    *Capacity* ``c`` (``dt.TopK(k=c)``): each round the ``c_k = min(c, k - 1)`` top scores
    are designated (the campaign never designates the last survivor) and destroyed. When
    everyone restrains, the tie shares the ``c_k`` slots: each survivor is designated with
    probability ``c_k / k`` and the round leaves ``k - c_k`` survivors, each of the ``c_k``
    destroyed territories contested by all of them (``rho / (k - c_k)**2`` each)::

        V_k = R/k + d (k - c_k)/k (V_{k - c_k} + c_k rho / (k - c_k)**2),

    and restraint needs ``b <= d (k - c_k)/k (V_{k - c_k} + c_k rho / (k - c_k)**2)``
    (violence takes a slot for sure). ``c = 1`` is the recursion above.

    Returns
    -------
    ndarray
        ``V_1, ..., V_n`` (index ``k - 1``).

    Examples
    --------
    >>> from deterrence.model.campaign import tournament_values
    >>> tournament_values(3, revenue=6.0, benefit=0.0, discount=0.5).round(6).tolist()
    [12.0, 6.0, 4.0]
    >>> V = tournament_values(3, revenue=6.0, benefit=0.0, discount=0.5, vacuum_rent=4.0)
    >>> V.round(6).tolist()    # 12, 3 + (12 + 4) / 4, 2 + (7 + 1) / 3
    [12.0, 7.0, 4.666667]
    >>> tournament_values(4, revenue=6.0, benefit=0.0, discount=0.5, capacity=2).tolist()
    [12.0, 6.0, 4.0, 3.0]
    """
    n = check_int("n", n, low=1)
    R = check_real("revenue", revenue, low=0.0)
    b = check_real("benefit", benefit, low=0.0)
    d = check_real("discount", discount, low=0.0, high=1.0, high_open=True)
    rho = check_real("vacuum_rent", vacuum_rent, low=0.0)
    cap = check_int("capacity", capacity, low=1)
    V = np.empty(n)
    V[0] = (R + b) / (1 - d)
    for k in range(2, n + 1):
        c = min(cap, k - 1)
        V[k - 1] = R / k + d * (k - c) / k * (V[k - c - 1] + c * rho / (k - c) ** 2)
    return V


def stop_rule_gain(
    *, n: int, benefit: float, destroy: float, discount: float, next_value: float, rule: str
) -> float:
    """Gain from lowering violence when all ``n >= 3`` organizations are at the top level.

    Setup: ``n`` identical organizations at the top of the grid ``{0, 1}``, violence paying
    ``b``; a designated organization is destroyed with probability ``p``; ``X`` is an
    organization's value in the state that follows a rival's destruction (``next_value``).

    *Relative stop rule* (``rule="margin"``: designate only when the top score beats the
    second by a positive margin). At uniform top violence the scores tie and nobody is
    designated. If one organization lowers its violence, the other ``n - 1 >= 2`` still
    tie at the top: still nobody is designated, and the deviation only costs ``b``. The
    gain is ``-b``: uniform high violence stands, whatever ``p`` and ``d``. (With two
    organizations lowering violence *does* expose the rival, so the margin rule bites.)

    *Absolute floor* (``rule="floor"``, ties split). At uniform top violence each is
    designated with probability ``1/n``; lowering violence escapes designation, and a
    rival is designated instead. Staying pays ``b + d [(1-p) V + p (n-1)/n X]`` (plus the
    common market term), deviating ``d [(1-p) V + p X]``: the gain is::

        d p X / n - b,

    positive when the smaller state is worth enough: the floor breaks uniform violence.

    Examples
    --------
    >>> from deterrence.model.campaign import stop_rule_gain
    >>> stop_rule_gain(n=3, benefit=1, destroy=0.5, discount=0.9, next_value=40,
    ...                rule="margin")
    -1.0
    >>> round(stop_rule_gain(n=3, benefit=1, destroy=0.5, discount=0.9, next_value=40,
    ...                      rule="floor"), 9)
    5.0
    """
    check_choice("rule", rule, ("margin", "floor"))
    n = check_int("n", n, low=3)
    b = check_real("benefit", benefit, low=0.0)
    p = check_probability("destroy", destroy)
    d = check_real("discount", discount, low=0.0, high=1.0, high_open=True)
    x = check_real("next_value", next_value)
    if rule == "margin":
        return -b
    return d * p * x / n - b
