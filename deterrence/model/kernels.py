"""The rule table: one kernel per announced rule, used by every oracle of the targeting game.

A *kernel* turns one rule (:mod:`deterrence.model.rules`) into the numbers the oracles of
:class:`~deterrence.model.structured.TargetingGame` need; nothing else in the model looks
at a rule's type. Kernels are registered by rule class (:func:`register_rule`) and found
with :func:`kernel_for`, which walks the rule's class hierarchy (a subclass of a rule uses
its parent's kernel unless it registers its own). What a kernel provides:

========================  ===================================================================
``pure(game, S)``          designation probabilities at pure profiles: ``S`` is the
                           ``(P, N)`` matrix of attributed scores, the result ``(P, N)``
``mixed(game, dists,       the first-order oracle: for every deviation column of every
cols)``                    listed player, its designation probability when the other blocks'
                           scores follow ``dists``; one ``(shape[i],)`` array per player
``pairs(game, probs, S)``  the second-order oracle: ``out[i][j][a, b]`` = P(``i`` designated
                           | ``i`` plays ``a``, ``j`` plays ``b``, the others mix ``probs``)
``symmetric(game, s, N)``  closed forms against ``N - 1`` i.i.d. others (an object with
                           ``value(q)`` and ``pair(q)``), or None (the generic oracle is used)
``problems(n_orgs)``       why a rule does not fit the model (a priority list that is not a
                           permutation, ``k`` above the number of organizations); ``check``
                           raises the first (the model and the scenario loader both use it)
``scale_problems()``       why a common positive factor on every score could change the
                           designations (a floor above 0, a margin, noise), empty for a
                           rule that reads only the ranking: a per-revenue score with a
                           contest market needs it empty (the default refuses)
========================  ===================================================================

and four flags: ``designates`` (False: nobody is ever designated), ``designation_is_share``
(designation probability = market share: size-proportional enforcement),
``pure_via_mixed`` (pure profiles are cheaper, and exactly equal, through the mixed engine)
and ``shift_invariant`` (adding one common number to every score changes nothing but the
floor test: such a kernel also provides ``mixed_unfloored(game, dists, cols)``, the first-order
oracle without the floor, and, if it has a floor, ``spec(game)``; all-to-all misattribution
then costs a polynomial, see :mod:`deterrence.model._shift`).

Counting rules. Most rules designate a column when fewer than ``k`` others are "above" it
(a comparison of two scores), sharing the last slots among the "tied": a
:class:`CountingKernel` needs only a :class:`~deterrence.model._second_order.CountSpec`
(``classify``, ``live``, ``value``) and gets exact pure, mixed, pair and symmetric oracles
from the generic counting engines (finite sums over probability generating functions).
The shipped ranking rules override ``pure`` and ``mixed`` with faster special-purpose
engines that compute the same sums.

Adding a rule
-------------
Write the rule class (a frozen keyword-only dataclass deriving from
:class:`~deterrence.Rule`, with a ``kind_name``) and one kernel, and register them::

    @dataclass(frozen=True, kw_only=True)
    class LeastViolent(dt.Rule):
        kind_name: ClassVar[str] = "least_violent"
        uses_scores: ClassVar[bool] = True

    class LeastViolentSpec(CountSpec):
        def classify(self, s, i, j, x):      # j "outranks" a column if it scores lower
            up = x < s - self.tol
            return up, (np.abs(x - s) <= self.tol) & ~up

    class LeastViolentKernel(CountingKernel):
        def spec(self, game):
            return LeastViolentSpec("split", 1, -np.inf, game.tie_tol)

    register_rule(LeastViolent, LeastViolentKernel)

``dt.TargetingModel(..., rule=LeastViolent())`` then has every oracle (deviation payoffs
at pure and mixed profiles, pair payoffs, designation matrices, the dense table and, for
an anonymous rule, the symmetric closed forms). A rule that is not a counting rule
subclasses :class:`RuleKernel` and implements ``pure``, ``mixed`` and ``pairs`` (and
optionally ``symmetric``). ``tests/test_rule_extension.py`` does exactly this.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import DeterrenceError
from ._engines import (
    _margin,
    _noisy_max,
    _priority,
    _pure_noisy,
    _pure_priority,
    _pure_score_share,
    _pure_top,
    _ranking,
)
from ._numerics import Block, aggregate, safe_log
from ._second_order import (
    CountSpec,
    _ColSet,
    _count_engine,
    _count_pairs,
    _CountSym,
    _integral_pairs,
    _NoisySym,
    _Structure,
    _structure,
)
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

__all__ = [
    "CountSpec",
    "CountingKernel",
    "RuleKernel",
    "kernel_for",
    "register_rule",
]


class RuleKernel:
    """What the oracles need from one rule (see the module docstring). Instantiated per
    rule: ``self.rule`` is the rule value."""

    #: False for a rule that never designates anybody.
    designates: bool = True
    #: True when the designation probability is the market share (size-proportional).
    designation_is_share: bool = False
    #: True when pure profiles go through :meth:`mixed` (exact, and cheaper there).
    pure_via_mixed: bool = False
    #: True when :meth:`pairs` reads the attribution-block structure of the scores.
    uses_structure: bool = True
    #: True when a common shift of every score changes nothing but the floor test (the
    #: kernel then provides :meth:`mixed_unfloored` and, with a floor, ``spec``).
    shift_invariant: bool = False

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    def problems(self, n_orgs: int) -> list[tuple[str, Any, str]]:
        """Why the rule cannot apply to ``n_orgs`` organizations: ``(field, value,
        expected)`` triples, empty when it can. The one place these checks live: the model
        and the scenario loader both read them."""
        return []

    def scale_problems(self) -> list[tuple[str, Any, str]]:
        """Why multiplying every score by one common positive factor could change the
        designations: ``(field, value, why)`` triples, empty when it cannot (the rule reads
        only the ranking of the scores, or their ratios). A per-revenue score with a contest
        market is exact only for such rules (see
        :meth:`~deterrence.TargetingModel.raw_scores`). The default, for a kernel that does
        not say, is a refusal."""
        return [
            (
                "per_revenue",
                True,
                f"its kernel {type(self).__name__} does not declare that it reads only the "
                "ranking of the scores (override RuleKernel.scale_problems)",
            )
        ]

    def check(self, n_orgs: int, name: str = "rule") -> None:
        """Raise a :class:`~deterrence.DeterrenceError` naming ``name.field``, its value and
        what was expected if the rule cannot apply to ``n_orgs`` organizations."""
        for key, value, expected in self.problems(n_orgs):
            raise DeterrenceError(f"{name}.{key}={value!r} is not valid; expected {expected}")

    def pure(self, game: Any, S: NDArray) -> NDArray:
        """Designation probabilities at pure profiles: ``S`` holds the attributed scores,
        shape ``(n_profiles, n_orgs)``; the result has the same shape."""
        raise NotImplementedError  # pragma: no cover

    def mixed(self, game: Any, dists: list[Block], cols: list[Any]) -> list[NDArray]:
        """``P(player designated | its own level)`` under the others' mixed strategies:
        ``dists`` are the attribution blocks' score distributions, ``cols`` the deviation
        columns asked for; one array per column, over the player's levels."""
        raise NotImplementedError  # pragma: no cover

    def pairs(
        self, game: Any, probs: list[NDArray], S: _Structure | None
    ) -> list[list[NDArray | None]]:
        """The pair oracle: ``out[i][j][a, b]`` = P(``i`` designated | ``i`` plays ``a``,
        ``j`` plays ``b``, the rest mix as in ``probs``); ``None`` where ``i`` and ``j`` do
        not interact."""
        raise NotImplementedError  # pragma: no cover

    def mixed_unfloored(self, game: Any, dists: list[Block], cols: list[Any]) -> list[NDArray]:
        """:meth:`mixed` with no floor (only for a ``shift_invariant`` kernel)."""
        raise NotImplementedError  # pragma: no cover

    def symmetric(self, game: Any, s: NDArray, N: int) -> Any:
        """Closed forms against ``N - 1`` i.i.d. others at scores ``s`` (one per level), or
        None (the default: symmetric games then use the generic oracle)."""
        return None


#: rule class -> kernel class
_KERNELS: dict[type[Rule], type[RuleKernel]] = {}


def register_rule(rule_cls: type[Rule], kernel_cls: type[RuleKernel]) -> None:
    """Register ``kernel_cls`` as the kernel of ``rule_cls`` and the rule's ``kind_name``
    in :data:`~deterrence.model.rules.RULES` (the scenario loader's names).

    Examples
    --------
    >>> from deterrence.model.kernels import kernel_for
    >>> import deterrence as dt
    >>> type(kernel_for(dt.TopK(k=2))).__name__
    'TopKKernel'
    """
    if not (isinstance(rule_cls, type) and issubclass(rule_cls, Rule)):
        raise DeterrenceError(f"rule_cls={rule_cls!r} is not valid; expected a Rule subclass")
    if not (isinstance(kernel_cls, type) and issubclass(kernel_cls, RuleKernel)):
        raise DeterrenceError(
            f"kernel_cls={kernel_cls!r} is not valid; expected a RuleKernel subclass"
        )
    _KERNELS[rule_cls] = kernel_cls
    RULES[rule_cls.kind_name] = rule_cls


def kernel_for(rule: Rule) -> RuleKernel:
    """The kernel of ``rule`` (the registered kernel of its class or nearest base class).

    Examples
    --------
    >>> import deterrence as dt
    >>> from deterrence.model.kernels import kernel_for
    >>> kernel_for(dt.NoTargeting()).designates
    False
    """
    for cls in type(rule).__mro__:
        k = _KERNELS.get(cls)
        if k is not None:
            return k(rule)
    raise DeterrenceError(
        f"rule={rule!r} has no registered kernel; register one with "
        "deterrence.model.kernels.register_rule(rule_class, kernel_class)"
    )


# ============================================================================ counting rules
class CountingKernel(RuleKernel):
    """A rule given by a :class:`CountSpec`: every oracle from the generic counting engines."""

    def spec(self, game: Any) -> CountSpec:
        """The counting specification of the rule in ``game`` (tolerance ``game.tie_tol``)."""
        raise NotImplementedError  # pragma: no cover

    def pure(self, game: Any, S: NDArray) -> NDArray:
        """Designation probabilities at pure profiles, from the counting specification."""
        return self.spec(game).pure(S)

    def mixed(self, game: Any, dists: list[Block], cols: list[Any]) -> list[NDArray]:
        """Designation probabilities per own level, by the generic counting engine over
        the rivals' score distributions (how many score above, how many tie)."""
        S = _Structure(list(dists), np.asarray(game._block_of), [], {})
        sets = [
            _ColSet(
                c.player,
                c.block,
                c.pos,
                c.action,
                c.weight,
                c.scores,
                np.asarray(dists[c.block].members),
            )
            for c in cols
        ]
        P, _ = _count_engine(self.spec(game), S, sets, game._n, need_phi=False)
        return [
            aggregate(c.action, c.weight, p, game._shape[c.player])
            for c, p in zip(cols, P, strict=True)
        ]

    def pairs(
        self, game: Any, probs: list[NDArray], S: _Structure | None
    ) -> list[list[NDArray | None]]:
        """The pair oracle by the counting engine (two players' levels fixed)."""
        return _count_pairs(self.spec(game), S, game._shape)

    def symmetric(self, game: Any, s: NDArray, N: int) -> Any:
        """The symmetric oracle's counting data for ``N`` identical organizations with scores
        ``s`` per level (who scores above / ties with whom); None for a rule that is not
        anonymous."""
        if not self.rule.anonymous:
            return None
        spec = self.spec(game)
        up, eq = spec.classify(s[:, None], np.int64(0), np.int64(1), s[None, :])
        up = np.broadcast_to(up, (len(s), len(s)))
        eq = np.broadcast_to(eq, (len(s), len(s)))
        return _CountSym(up, eq, spec.live(s), spec.k, spec.ties, N)


def _floor_scale_problems(rule: Any) -> list[tuple[str, Any, str]]:
    if rule.floor > 0:
        return [("floor", rule.floor, "a floor above 0 compares scores with a fixed number")]
    return []


def _ties_kind(ties: str) -> str:
    return ties if ties in ("lowest", "all") else "split"


class MostViolentKernel(CountingKernel):
    """:class:`~deterrence.MostViolent`: the top score, with ties, floor and margin."""

    pure_via_mixed = True
    shift_invariant = True

    def scale_problems(self) -> list[tuple[str, Any, str]]:
        r = self.rule
        out = []
        if r.floor > 0:
            out.append(("floor", r.floor, "a floor above 0 compares scores with a fixed number"))
        if r.margin > 0:
            out.append(("margin", r.margin, "a margin is a difference of scores"))
        return out

    def spec(self, game: Any) -> CountSpec:
        r = self.rule
        if r.margin > 0:
            return CountSpec("margin", 1, r.floor, game.tie_tol, margin=r.margin)
        return CountSpec(_ties_kind(r.ties), 1, r.floor, game.tie_tol)

    def pure(self, game: Any, S: NDArray) -> NDArray:
        r = self.rule
        tol = game.tie_tol
        return _pure_top(S, r.margin, r.ties, r.floor + tol < S, tol, self.spec(game).pure)

    def mixed(self, game: Any, dists: list[Block], cols: list[Any]) -> list[NDArray]:
        return self._mixed(game, dists, cols, self.rule.floor)

    def mixed_unfloored(self, game: Any, dists: list[Block], cols: list[Any]) -> list[NDArray]:
        return self._mixed(game, dists, cols, -np.inf)

    def _mixed(self, game: Any, dists: list[Block], cols: list[Any], floor: float):
        r = self.rule
        if r.margin > 0:
            return _margin(r.margin, floor, dists, cols, game._shape, game.tie_tol)
        return _ranking(1, r.ties, floor, dists, cols, game._shape, game.tie_tol)


class TopKKernel(CountingKernel):
    """:class:`~deterrence.TopK`: the ``k`` highest scores above the floor."""

    pure_via_mixed = True
    shift_invariant = True

    def scale_problems(self) -> list[tuple[str, Any, str]]:
        return _floor_scale_problems(self.rule)

    def problems(self, n_orgs: int) -> list[tuple[str, Any, str]]:
        if self.rule.k > n_orgs:
            return [("k", self.rule.k, f"at most the number of organizations ({n_orgs})")]
        return []

    def spec(self, game: Any) -> CountSpec:
        r = self.rule
        return CountSpec(_ties_kind(r.ties), r.k, r.floor, game.tie_tol)

    shift_invariant = True

    def mixed(self, game: Any, dists: list[Block], cols: list[Any]) -> list[NDArray]:
        r = self.rule
        return _ranking(r.k, r.ties, r.floor, dists, cols, game._shape, game.tie_tol)

    def mixed_unfloored(self, game: Any, dists: list[Block], cols: list[Any]) -> list[NDArray]:
        r = self.rule
        return _ranking(r.k, r.ties, -np.inf, dists, cols, game._shape, game.tie_tol)


class PriorityKernel(CountingKernel):
    """:class:`~deterrence.Priority`: the first organization of the list above the floor."""

    pure_via_mixed = True

    def scale_problems(self) -> list[tuple[str, Any, str]]:
        return _floor_scale_problems(self.rule)

    def problems(self, n_orgs: int) -> list[tuple[str, Any, str]]:
        if sorted(self.rule.order) != list(range(n_orgs)):
            return [
                (
                    "order",
                    list(self.rule.order),
                    f"a permutation of 0..{n_orgs - 1} (every organization once)",
                )
            ]
        return []

    def spec(self, game: Any) -> CountSpec:
        n = len(self.rule.order)
        rank = np.empty(n, dtype=np.intp)
        rank[list(self.rule.order)] = np.arange(n)
        return CountSpec("priority", 1, self.rule.floor, game.tie_tol, rank=rank)

    def pure(self, game: Any, S: NDArray) -> NDArray:
        return _pure_priority(self.rule.order, self.rule.floor + game.tie_tol < S)

    def mixed(self, game: Any, dists: list[Block], cols: list[Any]) -> list[NDArray]:
        r = self.rule
        return _priority(r.order, r.floor, dists, cols, game._shape, game.tie_tol)


# ============================================================================ integral rules
class NoisyKernel(RuleKernel):
    """:class:`~deterrence.NoisyMostViolent`: the top of the noisy scores (one quadrature)."""

    @property
    def pure_via_mixed(self) -> bool:  # type: ignore[override]
        return self.rule.kind == "probit"

    def scale_problems(self) -> list[tuple[str, Any, str]]:
        return [("noise", self.rule.noise, "the attribution noise is measured in score units")]

    @property
    def shift_invariant(self) -> bool:  # type: ignore[override]
        # a softmax / probit max of shifted scores; the noisy floor is an outside option
        return self.rule.floor is None

    def mixed_unfloored(self, game: Any, dists: list[Block], cols: list[Any]) -> list[NDArray]:
        return _noisy_max(self.rule.kind, self.rule.noise, dists, cols, game._shape, None)

    def pure(self, game: Any, S: NDArray) -> NDArray:
        r = self.rule
        return _pure_noisy(S, r.kind, r.noise, r.floor)

    def mixed(self, game: Any, dists: list[Block], cols: list[Any]) -> list[NDArray]:
        r = self.rule
        return _noisy_max(r.kind, r.noise, dists, cols, game._shape, r.floor)

    def pairs(
        self, game: Any, probs: list[NDArray], S: _Structure | None
    ) -> list[list[NDArray | None]]:
        r = self.rule
        return _integral_pairs(r.kind, r.noise, r.floor, S, game._shape)

    def symmetric(self, game: Any, s: NDArray, N: int) -> Any:
        r = self.rule
        return _NoisySym(r.kind, r.noise, s, r.floor, N)


class ProportionalKernel(RuleKernel):
    """:class:`~deterrence.Proportional`: by size (the market share) or by score (a logit
    max of log scores with unit noise: ``S_i / sum_j S_j``)."""

    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.designation_is_share = rule.basis == "size"
        self.uses_structure = False

    def scale_problems(self) -> list[tuple[str, Any, str]]:
        return []  # by size: no scores; by score: S_i / sum_j S_j, a ratio

    def pure(self, game: Any, S: NDArray) -> NDArray:
        return _pure_score_share(S)

    def mixed(self, game: Any, dists: list[Block], cols: list[Any]) -> list[NDArray]:
        ldists = [Block(d.members, d.probs, safe_log(d.scores)) for d in dists]
        lcols = [
            type(c)(c.player, c.block, c.pos, c.action, c.weight, safe_log(c.scores)) for c in cols
        ]
        return _noisy_max("logit", 1.0, ldists, lcols, game._shape, None)

    def pairs(
        self, game: Any, probs: list[NDArray], S: _Structure | None
    ) -> list[list[NDArray | None]]:
        SL = _structure(game, probs, transform=safe_log)
        return _integral_pairs("logit", 1.0, None, SL, game._shape)

    def symmetric(self, game: Any, s: NDArray, N: int) -> Any:
        return _NoisySym("logit", 1.0, safe_log(s), None, N)


class NoTargetingKernel(RuleKernel):
    """:class:`~deterrence.NoTargeting`: nobody is designated."""

    designates = False
    uses_structure = False

    def scale_problems(self) -> list[tuple[str, Any, str]]:
        return []

    def pure(self, game: Any, S: NDArray) -> NDArray:
        return np.zeros(S.shape)


for _rule, _kernel in (
    (NoTargeting, NoTargetingKernel),
    (MostViolent, MostViolentKernel),
    (NoisyMostViolent, NoisyKernel),
    (TopK, TopKKernel),
    (Priority, PriorityKernel),
    (Proportional, ProportionalKernel),
):
    register_rule(_rule, _kernel)
del _rule, _kernel
