"""The announced rules: who the authorities designate for destruction, given the scores.

A rule is a small immutable value; the targeting model (:class:`~deterrence.TargetingModel`)
turns it into designation probabilities ``P_i(v)``. Every rule that reads scores carries the
announced scoring system itself: ``weights`` (one weight per violence metric — killings of
rivals, police, civilians, journalists, officials; kidnappings; nonfatal shootings — the
metrics and each organization's mix of them are defined in the model) and ``per_revenue``
(score violence *per dollar* of the organization's revenue, the metric critics proposed).

Rules and what they do with the attributed scores ``S_1..S_N`` (see the model for how
scores are built):

============================  =================================================================
``NoTargeting()``              nobody is designated (the status quo baseline)
``MostViolent(ties, floor,     the top score is designated if it exceeds ``floor`` and beats
margin)``                      the runner-up by at least ``margin``; ties are ``"split"``
                               (each of the ``m`` tied organizations with probability
                               ``1/m``), ``"random"`` (one of them at random) or ``"lowest"``
                               (the one listed first: a published tie-break order)
``NoisyMostViolent(noise,      attribution error: the authorities see ``S_i + noise * e_i``
kind)``                        with ``e_i`` i.i.d. Gumbel (``kind="logit"``, so ``P_i =
                               softmax(S / noise)``) or standard normal (``"probit"``) and
                               designate the top; with ``floor`` an outside option of score
                               ``floor`` (also noisy) means "nobody"
``TopK(k, ties, floor)``       capacity to pursue ``k`` organizations at once: the ``k``
                               highest scores above ``floor`` (ties share the last slots)
``Priority(order, floor)``     a published priority list (Kleiman's *dynamic
                               concentration*): the first organization in ``order`` whose
                               score exceeds ``floor`` is designated
``Proportional(basis)``        status-quo enforcement spread over the organizations: in
                               proportion to size (``basis="size"``: market share, or
                               revenue when there is no contest market) or to score
                               (``"score"``)
============================  =================================================================

``ties="split"`` and ``ties="random"`` give the same *expected* designation probabilities,
hence the same game for risk-neutral organizations; they differ only in realised
designations (one organization hit with the full penalty versus the pressure divided).
``ties="all"`` designates every organization tied for the top (for the last slots of
:class:`TopK`); ``"lowest"`` breaks ties by a published order (the organization listed first).

How the oracles read a rule. Each rule class has one *kernel* in the rule table
(:mod:`deterrence.model.kernels`): pure-profile designation probabilities from a score
matrix, the mixed (first-order) and pair (second-order) oracles, the symmetric closed forms
and the rule's checks against a model (a :class:`TopK` capacity above the number of
organizations, a :class:`Priority` list that is not a permutation). The structured game,
the dense table, the scenario loader (:data:`RULES`: ``[rule] type`` names) and the
catalog's contest all go through it; no code elsewhere looks at a rule's type.

Adding a rule = one class + one kernel: derive a frozen keyword-only dataclass from
:class:`Rule` (give it a ``kind_name``; ``uses_scores = True`` if it reads scores), write
its kernel (for a rule that designates by comparing scores, a
:class:`~deterrence.model.kernels.CountingKernel` with a
:class:`~deterrence.model.kernels.CountSpec` is all it takes) and call
:func:`deterrence.model.kernels.register_rule`. See that module's docstring for a complete
example, and ``tests/test_rule_extension.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._frozen import FrozenMapping
from .._validation import check_choice, check_int, check_real
from ..errors import DeterrenceError

__all__ = [
    "RULES",
    "MostViolent",
    "NoTargeting",
    "NoisyMostViolent",
    "Priority",
    "Proportional",
    "Rule",
    "TopK",
]

#: The one tie vocabulary of the ranking rules (and of ``catalog.most_violent_contest``).
TIES = ("split", "random", "lowest", "all")
KINDS = ("logit", "probit")
BASES = ("size", "score")


def _check_weights(weights: Any) -> Mapping[str, float] | None:
    if weights is None:
        return None
    if not isinstance(weights, Mapping):
        raise DeterrenceError(
            f"weights={weights!r} is not valid; expected a mapping metric name -> weight "
            "(e.g. {'civilians': 3.0, 'rivals': 1.0}) or None"
        )
    out = {}
    for k, w in weights.items():
        if not isinstance(k, str) or not k:
            raise DeterrenceError(f"weights: key {k!r} is not valid; expected a metric name")
        out[k] = check_real(f"weights[{k!r}]", w, low=0.0)
    if not out:
        raise DeterrenceError("weights={} is empty; expected at least one metric weight or None")
    return FrozenMapping(out)


@dataclass(frozen=True, kw_only=True)
class Rule:
    """Base class of the announced rules (see the module docstring for the family)."""

    #: Short name used by scenarios (``[rule] type = ...``) and reports.
    kind_name: ClassVar[str] = "rule"
    #: True if the rule reads the organizations' scores.
    uses_scores: ClassVar[bool] = False

    @property
    def anonymous(self) -> bool:
        """True if relabelling the organizations relabels the designations (no name-based
        tie-breaks or priority lists): a game of identical organizations is then symmetric."""
        return True

    @property
    def has_floor(self) -> bool:
        """True if the rule has a score floor below which organizations are left alone."""
        return getattr(self, "floor", None) is not None

    def describe(self) -> str:
        """A one-line, human-readable account of the rule."""
        return repr(self)


@dataclass(frozen=True, kw_only=True)
class _ScoringRule(Rule):
    """A rule that reads scores: carries the announced metric weights."""

    weights: Mapping[str, float] | None = None
    per_revenue: bool = False
    uses_scores: ClassVar[bool] = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", _check_weights(self.weights))
        if not isinstance(self.per_revenue, bool | np.bool_):
            raise DeterrenceError(
                f"per_revenue={self.per_revenue!r} is not valid; expected True or False"
            )
        object.__setattr__(self, "per_revenue", bool(self.per_revenue))

    def _scoring_text(self) -> str:
        parts = []
        if self.weights is not None:
            parts.append("weights " + ", ".join(f"{k}={v:g}" for k, v in self.weights.items()))
        if self.per_revenue:
            parts.append("violence per dollar of revenue")
        return f" ({'; '.join(parts)})" if parts else ""


@dataclass(frozen=True, kw_only=True)
class NoTargeting(Rule):
    """Nobody is designated: the status quo before the announcement.

    Examples
    --------
    >>> import deterrence as dt
    >>> dt.NoTargeting().describe()
    'no targeting'
    """

    kind_name: ClassVar[str] = "none"

    def describe(self) -> str:
        """``'no targeting'``."""
        return "no targeting"


@dataclass(frozen=True, kw_only=True)
class MostViolent(_ScoringRule):
    """Designate the organization with the highest score (Kleiman's proposal).

    Parameters
    ----------
    ties
        ``"split"`` (each of ``m`` tied organizations is designated with probability
        ``1/m``), ``"random"`` (one of them uniformly at random: the same expected payoffs
        as ``"split"``), ``"lowest"`` (the tied organization listed first) or ``"all"``
        (every tied organization is designated).
    floor
        Nobody is designated unless the top score exceeds ``floor`` (and an organization
        scoring at most ``floor`` earns the model's carrot).
    margin
        Nobody is designated unless the top score exceeds the second by at least
        ``margin`` (so with ``margin > 0`` a tie at the top protects everyone).
    weights, per_revenue
        The announced scoring system (see the module docstring).

    Examples
    --------
    >>> import deterrence as dt
    >>> dt.MostViolent(ties="split", floor=0.0).describe()
    'designate the most violent (ties split, floor 0)'
    """

    ties: str = "split"
    floor: float = 0.0
    margin: float = 0.0
    kind_name: ClassVar[str] = "most_violent"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("ties", self.ties, TIES)
        object.__setattr__(self, "floor", check_real("floor", self.floor))
        object.__setattr__(self, "margin", check_real("margin", self.margin, low=0.0))

    @property
    def anonymous(self) -> bool:
        """False with ``ties="lowest"`` (a name-based tie-break)."""
        return self.ties != "lowest"

    def describe(self) -> str:
        """The rule in words: ties, floor, margin (if any) and the scoring system."""
        m = f", margin {self.margin:g}" if self.margin > 0 else ""
        return (
            f"designate the most violent (ties {self.ties}, floor {self.floor:g}{m})"
            + self._scoring_text()
        )


@dataclass(frozen=True, kw_only=True)
class NoisyMostViolent(_ScoringRule):
    """Designate the most violent as *measured with attribution error*.

    The authorities see ``S_i + noise * e_i`` with independent errors and designate the
    top. ``kind="logit"`` (Gumbel errors): ``P_i = exp(S_i/noise) / sum_j exp(S_j/noise)``;
    ``kind="probit"`` (normal errors). With ``floor`` set, "designate nobody" is an extra
    option of score ``floor`` (measured with the same error), and organizations scoring at
    most ``floor`` earn the carrot; with ``floor=None`` somebody is always designated.

    Parameters
    ----------
    noise
        Scale of the attribution error (``> 0``), in score units.
    kind
        ``"logit"`` or ``"probit"``.

    Examples
    --------
    >>> import deterrence as dt
    >>> dt.NoisyMostViolent(noise=0.5).describe()
    'designate the most violent as measured with logit noise 0.5'
    """

    noise: float
    kind: str = "logit"
    floor: float | None = None
    kind_name: ClassVar[str] = "noisy_most_violent"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "noise", check_real("noise", self.noise, low=0.0, low_open=True))
        check_choice("kind", self.kind, KINDS)
        if self.floor is not None:
            object.__setattr__(self, "floor", check_real("floor", self.floor))

    def describe(self) -> str:
        """The rule in words: noise kind and scale, floor (if any) and the scoring system."""
        f = f", floor {self.floor:g}" if self.floor is not None else ""
        return (
            f"designate the most violent as measured with {self.kind} noise {self.noise:g}{f}"
            + self._scoring_text()
        )


@dataclass(frozen=True, kw_only=True)
class TopK(_ScoringRule):
    """Designate the ``k`` highest scores above ``floor`` (enforcement capacity ``k``).

    When organizations tie for the last slots, ``ties="split"`` (or ``"random"``) shares the
    remaining slots equally among them; ``"lowest"`` gives them in list order; ``"all"``
    designates every one of them. ``k`` may not exceed the number of organizations (checked
    against the model).

    Examples
    --------
    >>> import deterrence as dt
    >>> dt.TopK(k=2).describe()
    'designate the 2 most violent (ties split, floor 0)'
    """

    k: int
    ties: str = "split"
    floor: float = 0.0
    kind_name: ClassVar[str] = "top_k"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "k", check_int("k", self.k, low=1))
        check_choice("ties", self.ties, TIES)
        object.__setattr__(self, "floor", check_real("floor", self.floor))

    @property
    def anonymous(self) -> bool:
        """False with ``ties="lowest"`` (a name-based tie-break for the last slots)."""
        return self.ties != "lowest"

    def describe(self) -> str:
        """The rule in words: capacity ``k``, ties, floor and the scoring system."""
        return (
            f"designate the {self.k} most violent (ties {self.ties}, floor {self.floor:g})"
            + self._scoring_text()
        )


@dataclass(frozen=True, kw_only=True)
class Priority(_ScoringRule):
    """A published priority list (dynamic concentration): the first organization in
    ``order`` whose score exceeds ``floor`` is designated.

    Parameters
    ----------
    order
        Organization indices (0-based), a permutation of all organizations; checked
        against the model.

    Examples
    --------
    >>> import deterrence as dt
    >>> dt.Priority(order=(2, 0, 1)).describe()
    'priority list 2 > 0 > 1: designate the first above floor 0'
    """

    order: Sequence[int]
    floor: float = 0.0
    kind_name: ClassVar[str] = "priority"

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.order, str) or not isinstance(self.order, Sequence | np.ndarray):
            raise DeterrenceError(
                f"order={self.order!r} is not valid; expected a sequence of organization "
                "indices (a permutation of 0..n_orgs-1)"
            )
        order = tuple(check_int(f"order[{k}]", o, low=0) for k, o in enumerate(self.order))
        if len(set(order)) != len(order) or not order:
            raise DeterrenceError(
                f"order={list(order)} is not valid; expected distinct organization indices"
            )
        object.__setattr__(self, "order", order)
        object.__setattr__(self, "floor", check_real("floor", self.floor))

    @property
    def anonymous(self) -> bool:
        """Always False: a priority list treats the organizations by name."""
        return False

    def describe(self) -> str:
        """The rule in words: the priority order, floor and the scoring system."""
        return (
            f"priority list {' > '.join(map(str, self.order))}: designate the first above "
            f"floor {self.floor:g}" + self._scoring_text()
        )


@dataclass(frozen=True, kw_only=True)
class Proportional(_ScoringRule):
    """Enforcement spread over all organizations: ``P_i`` = size share or score share.

    ``basis="size"``: ``P_i`` is the market share (the Tullock share when the model has a
    contest market, else the revenue share) — status-quo enforcement by size.
    ``basis="score"``: ``P_i = S_i / sum_j S_j`` (nobody when every score is zero).
    One unit of enforcement is spread in total, so expected designations sum to one.

    Examples
    --------
    >>> import deterrence as dt
    >>> dt.Proportional().describe()
    'enforcement spread in proportion to size'
    """

    basis: str = "size"
    kind_name: ClassVar[str] = "proportional"
    floor: None = field(default=None, init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("basis", self.basis, BASES)

    @property
    def uses_score_values(self) -> bool:
        """True with ``basis="score"`` (designations follow the score values); False by size."""
        return self.basis == "score"

    def describe(self) -> str:
        """The rule in words: the basis (and, by score, the scoring system)."""
        return f"enforcement spread in proportion to {self.basis}" + (
            self._scoring_text() if self.basis == "score" else ""
        )


#: scenario name -> rule class
RULES: dict[str, type[Rule]] = {
    cls.kind_name: cls
    for cls in (NoTargeting, MostViolent, NoisyMostViolent, TopK, Priority, Proportional)
}
