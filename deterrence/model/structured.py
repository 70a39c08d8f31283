"""The targeting game as a structured game: deviation payoffs without the payoff table.

:class:`TargetingGame` answers the oracle question (``deviation_payoffs``: each
organization's expected payoff for each of its levels when the others mix independently)
from the *distributions* of the other organizations' scores, in time polynomial in the
number of organizations and levels. What is computed, and how exactly:

Pure profiles (every organization plays one level) — exact, closed form. Each deviation
profile is evaluated directly: ranking rules by comparisons, ``softmax`` for logit noise,
``X_i / sum_j X_j`` for the Tullock share; the probit probability is a one-dimensional
integral (trapezoid rule on a Gaussian integrand, error below 1e-12).

Mixed profiles — one pass over the others' score distributions:

* Ranking rules (:class:`~deterrence.MostViolent`, :class:`~deterrence.TopK`,
  :class:`~deterrence.Priority`) — exact (finite sums). For a deviator scoring ``s``, each
  other organization is above ``s``, tied with it, or below it with probabilities read from
  its score CDF; the joint law of (number above, number tied) is a Poisson-binomial
  distribution, built by the recursion over organizations (``O(N * C * k * T)`` for ``C``
  deviation columns, capacity ``k`` and ``T`` possible ties). Margins and priority lists
  only need products of CDFs.
* Noisy attribution (:class:`~deterrence.NoisyMostViolent`) and the Tullock market share —
  the probability that ``i`` has the highest *noisy* score is ``int f((x - s)/sigma)/sigma
  * prod_j E[F((x - S_j)/sigma)] dx`` (``F``, ``f`` the noise CDF and density; Gumbel for
  logit, normal for probit), a one-dimensional integral of a product over organizations.
  The Tullock share ``X_i / sum_j X_j`` is exactly the logit case with scores ``log X`` and
  noise 1. The integral is taken by the trapezoid rule on a grid of spacing ``sigma/4``
  over the scores' range plus tails; the integrands are analytic in a strip, so the error
  is below 1e-12 (checked against enumeration in the tests). Cost ``O((range/sigma + 100)
  * sum of levels)``: it grows as the noise shrinks relative to the score range.

Attribution blocks. Misattribution and false flags make an organization's score depend on
others' violence. Organizations linked by the effective attribution matrix form blocks
(:func:`~deterrence.model.attribution.attribution_blocks`); blocks are independent, and
within a block the joint actions in the support are enumerated (for the deviator's own
block, the others' joint support times the deviator's levels). Cost is the product of the
block's support sizes: cheap for pairs of rivals, refused (:class:`GameTooLargeError`)
above ``MAX_BLOCK_PROFILES`` joint actions.

Second order and symmetric games (:mod:`deterrence.model._second_order`). The logit
solver's Jacobian needs every pair matrix (``i``'s payoff for each pair of levels of ``i``
and ``j``, the others mixing): :meth:`TargetingGame._pair_payoffs_all` computes them all in
one pass, exactly (prefix and suffix products of the per-block generating functions, no
division), instead of one oracle call per level of every organization. For a symmetric
game with independent scores, :meth:`TargetingGame.symmetric_payoffs` and
:meth:`TargetingGame.symmetric_pair_payoffs` (the symmetric solver's hooks) are closed
forms in the shared strategy: multinomial sums for the ranking rules, one quadrature for
noisy attribution, score-proportional enforcement and the Tullock share.

Ties. Scores within ``tie_tol = 1e-9 * score scale`` of each other are tied (measured
violence is not known to nine digits), and a score is above the floor only if it exceeds
it by more than ``tie_tol``. The same rule is used by every path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import log_ndtr, logsumexp

from .._validation import check_int
from ..errors import GameTooLargeError, InvalidProfileError, UnsupportedGameError
from ..games.base import Game, as_mixed_profile
from ._second_order import SymmetricForms, pair_payoffs_all
from .rules import MostViolent, NoisyMostViolent, NoTargeting, Priority, Proportional, TopK

__all__ = ["DEFAULT_DENSE_LIMIT", "MAX_BLOCK_PROFILES", "TargetingGame"]

#: Default limit on the number of pure profiles of :meth:`TargetingGame.to_normal_form`.
DEFAULT_DENSE_LIMIT = 4_000_000
#: Largest number of joint actions enumerated within one attribution block.
MAX_BLOCK_PROFILES = 2_000_000
#: Relative tie tolerance on scores.
TIE_RTOL = 1e-9
#: Trapezoid spacing of the noisy-max integral, in units of the noise scale.
_STEP = 0.25
#: Largest number of (column x grid node) entries processed at once.
_CHUNK = 4_000_000
#: Exponent clip in the Gumbel CDF exp(-exp(-z)): exp(-exp(50)) == 0.0 in floating point.
_ZCLIP = 50.0


@dataclass
class _Dist:
    """Joint law of one attribution block's scores (members not deviating)."""

    members: NDArray[np.intp]
    probs: NDArray[np.float64]  # (R,)
    scores: NDArray[np.float64]  # (R, m)


@dataclass
class _Cols:
    """Deviation columns of one player: each own level times the joint support of the
    other members of its block."""

    player: int
    block: int
    pos: int  # position of the player among its block's members
    action: NDArray[np.intp]  # (C,)
    weight: NDArray[np.float64]  # (C,)
    scores: NDArray[np.float64]  # (C, m) scores of the block's members

    @property
    def own(self) -> NDArray[np.float64]:
        return self.scores[:, self.pos]


class TargetingGame(Game):
    """The structured game of a :class:`~deterrence.TargetingModel` (see module docstring).

    Build it with ``model.game()``. Players are the organizations; player ``i``'s actions
    are its violence levels, in increasing order.

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=50, levels=np.linspace(0, 1, 101), penalty=2.0)
    >>> game = model.game()
    >>> game.n_players, game.shape[0], game.is_symmetric()
    (50, 101, True)
    >>> dev = game.deviation_payoffs(dt.games.uniform_profile(game))
    >>> # at the top level: designated with probability E[1/(1+T)], T ~ Binomial(49, 1/101)
    >>> q = 1 / 101
    >>> round(1.0 - 2.0 * (1 - (1 - q) ** 50) / (50 * q), 6)
    -0.583523
    >>> round(float(dev[0][-1]), 6)
    -0.583523
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        n = model.n_orgs
        self._n = n
        self._grids = model.levels
        self._shape = tuple(len(g) for g in self._grids)
        self._own = model.own_payoffs()
        self._rule = model.rule
        self._L = np.asarray(model.penalty, dtype=float)
        self._H = np.asarray(model.carrot, dtype=float) if model.rule.has_floor else np.zeros(n)
        mk = model.market
        self._R = 0.0 if mk is None else float(mk.revenue)
        self._contest = mk is not None and mk.contest
        prop_size = isinstance(model.rule, Proportional) and model.rule.basis == "size"
        self._need_share = self._contest and (self._R > 0 or prop_size)
        if self._contest:
            base = np.broadcast_to(np.asarray(mk.base, dtype=float), (n,))
            self._logX = tuple(
                mk.exponent * np.log(a + g) for a, g in zip(base, self._grids, strict=True)
            )
        else:
            self._logX = None
        if mk is not None and not mk.contest:
            self._fixed_share = np.asarray(mk.shares, dtype=float)
        else:  # revenue shares: the size weights without a market (unused with a contest)
            self._fixed_share = np.asarray(model.revenue) / np.sum(model.revenue)
        self._uses_scores = model.rule.uses_scores and not (
            isinstance(model.rule, Proportional) and model.rule.basis == "size"
        )
        self._M = model.effective_attribution
        self._blocks = model.blocks
        self._block_of = np.empty(n, dtype=np.intp)
        for b, mem in enumerate(self._blocks):
            self._block_of[list(mem)] = b
        self._z = (
            model.raw_scores() if self._uses_scores else tuple(np.zeros(k) for k in self._shape)
        )
        colmax = np.array([float(z.max()) for z in self._z]) @ self._M
        self.tie_tol = TIE_RTOL * max(1.0, float(np.max(np.abs(colmax))))

    # ------------------------------------------------------------------ Game interface
    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def player_names(self) -> tuple[str, ...]:
        return self.model.names

    @property
    def action_names(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(f"{v:g}" for v in g) for g in self._grids)

    def __repr__(self) -> str:
        return (
            f"TargetingGame({self._n} organizations, shape={self._shape}, "
            f"rule: {self._rule.describe()})"
        )

    @cached_property
    def _symmetric(self) -> bool:
        m = self.model
        n = self._n
        if len(set(self._shape)) != 1 or not self._rule.anonymous:
            return False
        g0 = self._grids[0]
        if not all(np.array_equal(g, g0) for g in self._grids):
            return False
        for arr in (m.benefit, m.cost, m.penalty, m.carrot, m.extortion, m.revenue):
            if not np.all(arr == arr[0]):
                return False
        for mix in m.metrics.values():
            if not np.all(mix == mix[0]):
                return False
        if m.market is not None:
            for key in ("base", "shares"):
                v = getattr(m.market, key)
                if isinstance(v, tuple) and len(set(v)) > 1:
                    return False
        if n > 1:
            mat = self._M
            diag = np.diag(mat)
            off = mat[~np.eye(n, dtype=bool)]
            if not (np.all(diag == diag[0]) and np.all(off == off[0])):
                return False
        return True

    def is_symmetric(self, *, tol: float = 0.0) -> bool:
        """True when the game is symmetric by construction: identical organizations (same
        grid and parameters), an anonymous rule, and an attribution matrix that treats all
        organizations alike. Decided from the model, without building the table."""
        return self._symmetric

    # ------------------------------------------------------------------ the oracle
    def _deviation_payoffs(self, profile: tuple[NDArray, ...]) -> list[NDArray]:
        return self._deviation_payoffs_for(profile, range(self._n))

    def _deviation_payoffs_for(
        self, profile: Sequence[NDArray], players: Sequence[int]
    ) -> list[NDArray]:
        comp = self._components(profile, players)
        return [
            self._own[i] + self._R * sh - self._L[i] * ds + self._H[i] * al
            for i, sh, ds, al in zip(
                players, comp["share"], comp["designation"], comp["alone"], strict=True
            )
        ]

    def deviation_payoffs_of(self, profile: Sequence[ArrayLike], player: int) -> NDArray:
        """The deviation payoffs of one player only (about ``n_players`` times cheaper)."""
        p = as_mixed_profile(self, profile)
        player = check_int("player", player, low=0, high=self._n - 1)
        return self._deviation_payoffs_for(p, [player])[0]

    def pair_payoffs(self, profile: Sequence[ArrayLike], i: int, j: int) -> NDArray[np.float64]:
        """Player ``i``'s payoff for each pair (``i``'s level, ``j``'s level), the others
        mixing: ``shape[j]`` single-player oracle calls."""
        p = list(as_mixed_profile(self, profile))
        i = check_int("i", i, low=0, high=self._n - 1)
        j = check_int("j", j, low=0, high=self._n - 1)
        if i == j:
            raise InvalidProfileError(f"pair_payoffs needs two different players, got i=j={i}")
        cols = []
        for b in range(self._shape[j]):
            q = np.zeros(self._shape[j])
            q[b] = 1.0
            p[j] = q
            cols.append(self._deviation_payoffs_for(p, [i])[0])
        return np.stack(cols, axis=1)

    def _pair_payoffs_all(
        self, profile: tuple[NDArray[np.float64], ...]
    ) -> list[list[NDArray | None]]:
        """Every pair matrix at once (the Jacobian of the oracle), in one pass: exact, the
        same finite sums and quadrature as the deviation oracle, polynomial in the number
        of organizations and levels (see :mod:`deterrence.model._second_order`)."""
        return pair_payoffs_all(self, profile)

    # ------------------------------------------------------------------ symmetric hooks
    @cached_property
    def _symmetric_forms(self) -> SymmetricForms | None:
        """Closed forms for a symmetric game whose organizations' scores are independent
        (singleton attribution blocks); None otherwise (the generic oracle is used)."""
        if not self._symmetric or len(self._blocks) != self._n:
            return None
        return SymmetricForms(self)

    def _check_shared(self, q: ArrayLike) -> NDArray[np.float64]:
        if len(set(self._shape)) != 1:
            raise UnsupportedGameError(
                f"symmetric payoffs need every organization to have the same number of "
                f"levels; this game has shape {self._shape}"
            )
        q = np.asarray(q, dtype=float)
        if q.shape != (self._shape[0],):
            raise InvalidProfileError(
                f"q has shape {q.shape}; expected ({self._shape[0]},), one probability per level"
            )
        return q

    def symmetric_payoffs(self, q: ArrayLike) -> NDArray[np.float64]:
        """Organization 0's payoff at each level when every other organization plays ``q``.

        The symmetric solver's hook (:mod:`deterrence.solvers.symmetric`). For a symmetric
        game with independent scores it is a closed form in ``q`` (a polynomial, not
        clipped to the simplex): multinomial sums over the numbers of others above and tied
        for the ranking rules, one quadrature ``int k(x) H(x)^(N-1) dx`` for noisy
        attribution, score-proportional enforcement and the Tullock share. Otherwise (an
        attribution matrix linking every organization, or an asymmetric game) it is one
        call of the deviation oracle.

        Examples
        --------
        Three organizations, levels 0 and 1, the others at each with probability 1/2: at
        level 1 an organization is designated with probability ``1/4 + (1/2)/2 + (1/4)/3 =
        7/12`` (alone at the top, tied with one, tied with both), so it earns ``1 - 2 *
        7/12``.

        >>> import deterrence as dt
        >>> g = dt.TargetingModel(n_orgs=3, levels=[0.0, 1.0], penalty=2.0).game()
        >>> g.symmetric_payoffs([0.5, 0.5]).round(12).tolist()
        [0.0, -0.166666666667]
        """
        q = self._check_shared(q)
        forms = self._symmetric_forms
        if forms is not None:
            return forms.payoffs(q)
        return self._deviation_payoffs_for((q,) * self._n, [0])[0]

    def symmetric_pair_payoffs(self, q: ArrayLike) -> NDArray[np.float64]:
        """``out[a, b]``: organization 0's payoff at level ``a`` when organization 1 plays
        ``b`` and every other organization plays ``q`` (the symmetric solver's second-order
        hook; closed form as :meth:`symmetric_payoffs`, else one oracle call per level)."""
        q = self._check_shared(q)
        forms = self._symmetric_forms
        if forms is not None:
            return forms.pair(q)
        n = self._shape[0]
        if self._n < 2:
            return np.zeros((n, n))
        cols = []
        for b in range(n):
            e = np.zeros(n)
            e[b] = 1.0
            cols.append(self._deviation_payoffs_for((q, e) + (q,) * (self._n - 2), [0])[0])
        return np.stack(cols, axis=1)

    def breakdown(self, profile: Sequence[ArrayLike]) -> dict[str, NDArray[np.float64]]:
        """Each organization's expected market share, designation probability and
        probability of being left alone (score at most the floor), at a mixed profile."""
        p = as_mixed_profile(self, profile)
        comp = self._components(p, range(self._n))
        return {
            key: np.array([float(c @ q) for c, q in zip(comp[key], p, strict=True)])
            for key in ("share", "designation", "alone")
        }

    def expected_designations(self, profile: Sequence[ArrayLike]) -> NDArray[np.float64]:
        """Each organization's probability of being designated at a (mixed) profile; their
        sum is the expected number of designations — the punishment actually delivered."""
        return self.breakdown(profile)["designation"]

    # ------------------------------------------------------------------ components
    def _components(
        self, profile: Sequence[NDArray], players: Sequence[int]
    ) -> dict[str, list[NDArray]]:
        players = list(players)
        probs = [np.clip(np.asarray(q, dtype=float), 0.0, None) for q in profile]
        rule = self._rule
        if all(np.count_nonzero(q) == 1 for q in probs):
            actions = [int(np.flatnonzero(q)[0]) for q in probs]
            if isinstance(rule, MostViolent | TopK | Priority) or (
                isinstance(rule, NoisyMostViolent) and rule.kind == "probit"
            ):
                # exact finite sums (ranking rules) or the same quadrature (probit) through
                # the distribution engine, which is O(N * L) here; closed-form shares
                comp = self._mixed_components(probs, players, share=False)
                if self._need_share:
                    idx, slices = self._deviation_profiles(actions, players)
                    share = self._pure_share(idx)
                    comp["share"] = [share[sl, i] for i, sl in zip(players, slices, strict=True)]
                else:
                    comp["share"] = [np.full(self._shape[i], self._fixed_share[i]) for i in players]
                return comp
            idx, slices = self._deviation_profiles(actions, players)
            full = self.pure_components(idx)
            return {
                key: [full[key][sl, i] for i, sl in zip(players, slices, strict=True)]
                for key in ("share", "designation", "alone")
            }
        if (
            len(players) > 1
            and self._symmetric
            and all(np.array_equal(probs[0], q) for q in probs[1:])
        ):
            one = self._mixed_components(probs, [players[0]])
            return {k: [v[0].copy() for _ in players] for k, v in one.items()}
        return self._mixed_components(probs, players)

    def _deviation_profiles(
        self, actions: list[int], players: list[int]
    ) -> tuple[NDArray[np.intp], list[slice]]:
        """The pure profiles in which one of ``players`` deviates from ``actions``."""
        rows, slices, start = [], [], 0
        for i in players:
            block = np.tile(np.asarray(actions, dtype=np.intp), (self._shape[i], 1))
            block[:, i] = np.arange(self._shape[i])
            rows.append(block)
            slices.append(slice(start, start + self._shape[i]))
            start += self._shape[i]
        return np.concatenate(rows), slices

    def pure_scores(self, profiles: NDArray[np.intp]) -> NDArray[np.float64]:
        """Attributed scores at pure profiles, shape ``(P, N)`` for ``profiles`` ``(P, N)``."""
        z = np.stack([self._z[i][profiles[:, i]] for i in range(self._n)], axis=1)
        return z @ self._M

    def pure_components(self, profiles: ArrayLike) -> dict[str, NDArray[np.float64]]:
        """Market share, designation probability, left-alone indicator and payoff of every
        organization at each pure profile (rows of ``profiles``, shape ``(P, N)``)."""
        idx = np.asarray(profiles, dtype=np.intp)
        if idx.ndim == 1:
            idx = idx[None, :]
        n = self._n
        rule = self._rule
        tol = self.tie_tol
        share = self._pure_share(idx)
        if isinstance(rule, NoTargeting):
            des = np.zeros(idx.shape)
            S = None
        elif isinstance(rule, Proportional) and rule.basis == "size":
            des = (
                share.copy() if share is not None
                else np.broadcast_to(self._fixed_share, idx.shape).copy()
            )
            S = None
        else:
            S = self.pure_scores(idx)
            des = self._pure_designation(S)
        if share is None:
            share = np.broadcast_to(self._fixed_share, idx.shape)
        if rule.has_floor:
            if S is None:
                S = self.pure_scores(idx)
            alone = (rule.floor + tol >= S).astype(float)
        else:
            alone = np.zeros(idx.shape)
        own = np.stack([self._own[i][idx[:, i]] for i in range(n)], axis=1)
        payoff = own + self._R * share - self._L * des + self._H * alone
        return {"share": np.asarray(share, dtype=float), "designation": des, "alone": alone,
                "payoff": payoff}

    def _pure_share(self, idx: NDArray[np.intp]) -> NDArray | None:
        if not self._contest:
            return None
        lx = np.stack([self._logX[i][idx[:, i]] for i in range(self._n)], axis=1)
        e = np.exp(lx - lx.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def _pure_designation(self, S: NDArray) -> NDArray:
        rule = self._rule
        tol = self.tie_tol
        P = S.shape[0]
        if isinstance(rule, NoisyMostViolent):
            return _pure_noisy(S, rule, tol)
        if isinstance(rule, Proportional):  # basis == "score"
            tot = S.sum(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.where(S > 0, S / np.where(tot > 0, tot, 1.0), 0.0)
            return out
        above_floor = rule.floor + tol < S
        if isinstance(rule, Priority):
            out = np.zeros_like(S)
            blocked = np.zeros(P, dtype=bool)
            for i in rule.order:
                hit = above_floor[:, i] & ~blocked
                out[hit, i] = 1.0
                blocked |= above_floor[:, i]
            return out
        if isinstance(rule, MostViolent):
            return self._pure_most_violent(S, rule, above_floor)
        return self._pure_ranking(S, rule.k, rule.ties, above_floor)

    def _pure_most_violent(self, S: NDArray, rule: MostViolent, above_floor: NDArray) -> NDArray:
        """The top-1 rule in O(P * N): only organizations within ``tol`` of the top can be
        designated. Rows where scores come within ``2 * tol`` of the top without being tied
        with it (where the i-centred tie sets could differ) use the pairwise definition."""
        tol = self.tie_tol
        top = S.max(axis=1, keepdims=True)
        cand = S + tol >= top
        near = top - 2 * tol <= S
        clean = np.all(cand == near, axis=1)
        out = np.zeros_like(S)
        if rule.margin > tol:
            second = np.partition(S, -2, axis=1)[:, -2:-1] if S.shape[1] > 1 else top - np.inf
            first = np.argmax(S, axis=1)
            ok = (second[:, 0] <= top[:, 0] - rule.margin + tol) & clean
            rows = np.flatnonzero(ok)
            out[rows, first[rows]] = 1.0
        elif rule.ties == "lowest":
            first = np.argmax(cand, axis=1)
            out[np.arange(S.shape[0]), first] = 1.0
        else:
            out = cand / cand.sum(axis=1, keepdims=True)
        out *= above_floor
        dirty = np.flatnonzero(~clean)
        if dirty.size:
            out[dirty] = self._pure_ranking(
                S[dirty], 1, rule.ties, above_floor[dirty], margin=rule.margin
            )
        return out

    def _pure_ranking(
        self, S: NDArray, k: int, ties: str, above_floor: NDArray, margin: float = 0.0
    ) -> NDArray:
        """Rank rules by the i-centred definition (pairwise comparisons, O(P * N^2))."""
        tol = self.tie_tol
        n = S.shape[1]
        d = S[:, None, :] - S[:, :, None]  # d[p, i, j] = S_j - S_i
        offdiag = ~np.eye(n, dtype=bool)
        above = (d > tol) & offdiag
        tied = (np.abs(d) <= tol) & offdiag
        if margin > 0:
            ok = ~np.any((d > -margin + tol) & offdiag, axis=2)
            return (ok & above_floor).astype(float)
        if ties == "lowest":
            lower = np.tril(np.ones((n, n), dtype=bool), -1)  # lower[i, j] = j < i
            m = (above | (tied & lower)).sum(axis=2)
            return ((m < k) & above_floor).astype(float)
        m = above.sum(axis=2)
        t = tied.sum(axis=2)
        return np.where((m < k) & above_floor, np.minimum(1.0, (k - m) / (t + 1.0)), 0.0)

    # -- mixed -----------------------------------------------------------------------
    def _mixed_components(
        self, probs: list[NDArray], players: list[int], *, share: bool = True
    ) -> dict[str, list]:
        rule = self._rule
        out: dict[str, list] = {}
        # market share
        if not share:
            out["share"] = []
        elif self._need_share:
            dists = [
                _Dist(np.array([j]), probs[j][s], self._logX[j][s][:, None])
                for j in range(self._n)
                for s in [np.flatnonzero(probs[j])]
            ]
            cols = [
                _Cols(i, i, 0, np.arange(self._shape[i]), np.ones(self._shape[i]),
                      self._logX[i][:, None])
                for i in players
            ]
            out["share"] = _noisy_max("logit", 1.0, dists, cols, self._shape, None)
        else:
            out["share"] = [np.full(self._shape[i], self._fixed_share[i]) for i in players]
        zeros = [np.zeros(self._shape[i]) for i in players]
        if isinstance(rule, NoTargeting):
            out["designation"] = zeros
            out["alone"] = [z.copy() for z in zeros]
            return out
        if isinstance(rule, Proportional) and rule.basis == "size":
            out["designation"] = [s.copy() for s in out["share"]]
            out["alone"] = zeros
            return out
        dists = [self._block_dist(b, probs) for b in range(len(self._blocks))]
        cols = [self._columns(i, probs) for i in players]
        tol = self.tie_tol
        if isinstance(rule, NoisyMostViolent):
            out["designation"] = _noisy_max(
                rule.kind, rule.noise, dists, cols, self._shape, rule.floor
            )
        elif isinstance(rule, Proportional):
            ldists = [_Dist(d.members, d.probs, _safe_log(d.scores)) for d in dists]
            lcols = [_Cols(c.player, c.block, c.pos, c.action, c.weight, _safe_log(c.scores))
                     for c in cols]
            out["designation"] = _noisy_max("logit", 1.0, ldists, lcols, self._shape, None)
        elif isinstance(rule, Priority):
            out["designation"] = _priority(rule, dists, cols, self._shape, tol)
        elif isinstance(rule, MostViolent) and rule.margin > 0:
            out["designation"] = _margin(rule, dists, cols, self._shape, tol)
        else:
            k = 1 if isinstance(rule, MostViolent) else rule.k
            out["designation"] = _ranking(k, rule.ties, rule.floor, dists, cols, self._shape, tol)
        if rule.has_floor:
            out["alone"] = [
                np.bincount(c.action, weights=c.weight * (c.own <= rule.floor + tol),
                            minlength=self._shape[c.player])
                for c in cols
            ]
        else:
            out["alone"] = zeros
        return out

    def _joint(self, members: Sequence[int], supports: list[NDArray]) -> NDArray[np.intp]:
        sizes = [len(s) for s in supports]
        total = int(np.prod(sizes, dtype=object))
        if total > MAX_BLOCK_PROFILES:
            names = ", ".join(self.model.names[i] for i in members)
            raise GameTooLargeError(
                f"attribution block {{{names}}} has {total} joint mixed actions to enumerate "
                f"(limit {MAX_BLOCK_PROFILES}); use smaller supports, a coarser grid or an "
                "attribution matrix with smaller blocks"
            )
        grids = np.meshgrid(*supports, indexing="ij")
        return np.stack([g.ravel() for g in grids], axis=1)

    def _block_scores(self, members: Sequence[int], joint: NDArray[np.intp]) -> NDArray:
        z = np.stack([self._z[i][joint[:, k]] for k, i in enumerate(members)], axis=1)
        return z @ self._M[np.ix_(members, members)]

    def _block_dist(self, b: int, probs: list[NDArray]) -> _Dist:
        members = list(self._blocks[b])
        supports = [np.flatnonzero(probs[i]) for i in members]
        if len(members) == 1:
            i = members[0]
            s = supports[0]
            return _Dist(np.array(members), probs[i][s], (self._z[i][s] * self._M[i, i])[:, None])
        joint = self._joint(members, supports)
        pr = np.prod([probs[i][joint[:, k]] for k, i in enumerate(members)], axis=0)
        return _Dist(np.array(members), pr, self._block_scores(members, joint))

    def _columns(self, i: int, probs: list[NDArray]) -> _Cols:
        b = int(self._block_of[i])
        members = list(self._blocks[b])
        L = self._shape[i]
        if len(members) == 1:
            return _Cols(i, b, 0, np.arange(L), np.ones(L), (self._z[i] * self._M[i, i])[:, None])
        pos = members.index(i)
        supports = [np.arange(L) if j == i else np.flatnonzero(probs[j]) for j in members]
        joint = self._joint(members, supports)
        w = np.prod(
            [probs[j][joint[:, k]] for k, j in enumerate(members) if j != i], axis=0
        ) if len(members) > 1 else np.ones(len(joint))
        return _Cols(i, b, pos, joint[:, pos], w, self._block_scores(members, joint))

    # ------------------------------------------------------------------ dense table
    def to_normal_form(self, *, max_profiles: int = DEFAULT_DENSE_LIMIT) -> Any:
        """The dense :class:`~deterrence.NormalFormGame`, built vectorised (in chunks of
        profiles) from the exact pure-profile formulas.

        Raises
        ------
        GameTooLargeError
            If the game has more than ``max_profiles`` pure profiles.
        """
        from ..games.normal_form import NormalFormGame

        max_profiles = check_int("max_profiles", max_profiles, low=1)
        total = self.n_profiles
        if total > max_profiles:
            raise GameTooLargeError(
                f"the targeting game has {' x '.join(map(str, self._shape))} = {total} pure "
                f"profiles, above max_profiles={max_profiles}; use the structured oracle "
                "(deviation_payoffs, dynamics, logit/symmetric solvers) or a coarser grid"
            )
        n = self._n
        out = np.empty((n, total))
        chunk = max(1, _CHUNK // max(1, n * n))
        for start in range(0, total, chunk):
            flat = np.arange(start, min(total, start + chunk))
            idx = np.stack(np.unravel_index(flat, self._shape), axis=1)
            out[:, start : start + len(flat)] = self.pure_components(idx)["payoff"].T
        return NormalFormGame(
            out.reshape((n, *self._shape)),
            player_names=self.player_names,
            action_names=self.action_names,
            title=self.model.title or "targeting game",
        )


# ============================================================================ helpers
def _safe_log(x: NDArray) -> NDArray:
    with np.errstate(divide="ignore"):
        return np.log(np.maximum(x, 0.0))


def _aggregate(cols: _Cols, values: NDArray, n_actions: int) -> NDArray:
    return np.bincount(cols.action, weights=cols.weight * values, minlength=n_actions)


def _stack_columns(cols_list: list[_Cols]) -> tuple[NDArray, NDArray, NDArray, list[slice]]:
    """All players' deviation columns together: own score, player and block of each."""
    s = np.concatenate([c.own for c in cols_list])
    player = np.concatenate([np.full(len(c.action), c.player) for c in cols_list])
    block = np.concatenate([np.full(len(c.action), c.block) for c in cols_list])
    slices, start = [], 0
    for c in cols_list:
        slices.append(slice(start, start + len(c.action)))
        start += len(c.action)
    return s, player, block, slices


def _split(cols_list: list[_Cols], values: NDArray, slices: list[slice], shape: Sequence[int]):
    return [
        _aggregate(c, values[sl], shape[c.player])
        for c, sl in zip(cols_list, slices, strict=True)
    ]


def _ranking(
    k: int, ties: str, floor: float, dists: list[_Dist], cols_list: list[_Cols],
    shape: Sequence[int], tol: float,
) -> list[NDArray]:
    """Expected designation probability under a rank rule (the top ``k`` above ``floor``),
    by the Poisson-binomial recursion over blocks on (number above, number tied), for
    every deviation column of every player at once."""
    s_all, player_all, block_all, slices = _stack_columns(cols_list)
    res = np.zeros(s_all.shape[0])
    live = np.flatnonzero(s_all > floor + tol)
    lowest = ties == "lowest"
    if live.size:
        s = s_all[live]
        player = player_all[live]
        block = block_all[live]
        # the deviator's own block: deterministic counts given the column
        m0 = np.zeros(live.size, dtype=np.intp)
        t0 = np.zeros(live.size, dtype=np.intp)
        for c, sl in zip(cols_list, slices, strict=True):
            members = dists[c.block].members
            if len(members) == 1:
                continue
            sel = (live >= sl.start) & (live < sl.stop)
            rows = live[sel] - sl.start
            for q, j in enumerate(members):
                if q == c.pos:
                    continue
                sj = c.scores[rows, q]
                up = sj > s[sel] + tol
                eq = np.abs(sj - s[sel]) <= tol
                if lowest:  # ties go to the organization listed first
                    if j < c.player:
                        up = up | eq
                    eq = np.zeros_like(eq)
                m0[sel] += up
                t0[sel] += eq
        # other blocks: singletons as (above, tied, below) rows, larger blocks as factors
        single = [b for b, d in enumerate(dists) if len(d.members) == 1]
        up = np.empty((len(single), live.size))
        eq = np.empty((len(single), live.size))
        dn = np.empty((len(single), live.size))
        for r, b in enumerate(single):
            up[r], eq[r], dn[r] = _singleton_counts(dists[b], s, tol)
            mine = block == b
            up[r, mine] = 0.0
            eq[r, mine] = 0.0
            dn[r, mine] = 1.0
            if lowest:  # a tie is lost to a member listed before the deviator, won after
                before = int(dists[b].members[0]) < player
                up[r] += np.where(before, eq[r], 0.0)
                dn[r] += np.where(before, 0.0, eq[r])
                eq[r] = 0.0
        factors = []
        t_cap = t0 + (eq > 0).sum(axis=0)
        for b, d in enumerate(dists):
            if len(d.members) == 1:
                continue
            f = _block_counts(d, s, player, tol, lowest)
            mine = block == b
            f[mine] = 0.0
            f[mine, 0, 0] = 1.0
            factors.append(f)
            if f.shape[2] > 1:  # the largest number of ties this block can add, per column
                possible = f.sum(axis=1) > 0  # (C, dt)
                t_cap += np.max(np.where(possible, np.arange(f.shape[2]), 0), axis=1)
        T = int(t_cap.max(initial=0))
        state = np.zeros((live.size, k, T + 1))
        ok = np.flatnonzero(m0 < k)
        state[ok, m0[ok], t0[ok]] = 1.0
        if k == 1 and T == 0:
            state[:, 0, 0] *= np.prod(dn, axis=0)
        else:
            for r in range(len(single)):
                new = state * dn[r][:, None, None]
                if k > 1:
                    new[:, 1:, :] += state[:, :-1, :] * up[r][:, None, None]
                if T > 0:
                    new[:, :, 1:] += state[:, :, :-1] * eq[r][:, None, None]
                state = new
        for f in factors:
            new = np.zeros_like(state)
            for dm in range(min(f.shape[1], k)):
                for dt in range(min(f.shape[2], T + 1)):
                    w = f[:, dm, dt]
                    if w.any():
                        new[:, dm:, dt:] += w[:, None, None] * state[:, : k - dm, : T + 1 - dt]
            state = new
        phi = np.minimum(1.0, (k - np.arange(k)[:, None]) / (np.arange(T + 1)[None, :] + 1.0))
        res[live] = np.einsum("cmt,mt->c", state, phi)
    return _split(cols_list, res, slices, shape)


def _singleton_counts(d: _Dist, s: NDArray, tol: float) -> tuple[NDArray, NDArray, NDArray]:
    """Probabilities that a one-member block scores above, within ``tol`` of, and below
    each threshold in ``s`` (from its score CDF)."""
    vals = d.scores[:, 0]
    order = np.argsort(vals, kind="stable")
    v = vals[order]
    cum = np.concatenate([[0.0], np.cumsum(d.probs[order])])
    below = cum[np.searchsorted(v, s - tol, side="left")]
    le = cum[np.searchsorted(v, s + tol, side="right")]
    return cum[-1] - le, le - below, below


def _block_counts(
    d: _Dist, s: NDArray, player: NDArray, tol: float, lowest: bool
) -> NDArray:
    """``out[c, dm, dt]``: probability that ``dm`` members of a block of two or more score above
    ``s[c]`` and ``dt`` are tied with it (with ``lowest``, a tie with a member listed
    before column ``c``'s player counts as above, one with a member after as below)."""
    m = d.scores.shape[1]
    C = s.shape[0]
    diff = d.scores[None, :, :] - s[:, None, None]  # (C, R, m)
    up = diff > tol
    eq = np.abs(diff) <= tol
    if lowest:
        before = d.members[None, None, :] < player[:, None, None]
        up = up | (eq & before)
        eq = np.zeros_like(eq)
    nu = up.sum(axis=2)
    ne = eq.sum(axis=2)
    out = np.zeros((C, m + 1, 1 if lowest else m + 1))
    for a in range(m + 1):
        for t in range(out.shape[2]):
            out[:, a, t] = ((nu == a) & (ne == t)) @ d.probs
    return out


def _block_max_cdf(d: _Dist, x: NDArray) -> NDArray:
    """``P(max member score <= x)`` for each threshold in ``x``."""
    mx = d.scores.max(axis=1)
    order = np.argsort(mx, kind="stable")
    cum = np.concatenate([[0.0], np.cumsum(d.probs[order])])
    return cum[np.searchsorted(mx[order], x, side="right")]


def _margin(
    rule: MostViolent, dists: list[_Dist], cols_list: list[_Cols], shape: Sequence[int],
    tol: float,
) -> list[NDArray]:
    """Designated only when beating every other score by ``margin``: a product of CDFs."""
    s, _, block, slices = _stack_columns(cols_list)
    thr = s - rule.margin + tol
    p = (s > rule.floor + tol).astype(float)
    for c, sl in zip(cols_list, slices, strict=True):
        others = [q for q in range(c.scores.shape[1]) if q != c.pos]
        if others:
            p[sl] *= np.all(c.scores[:, others] <= thr[sl, None], axis=1)
    for b, d in enumerate(dists):
        p *= np.where(block == b, 1.0, _block_max_cdf(d, thr))
    return _split(cols_list, p, slices, shape)


def _priority(
    rule: Priority, dists: list[_Dist], cols_list: list[_Cols], shape: Sequence[int],
    tol: float,
) -> list[NDArray]:
    """The first organization of the list above the floor: products of the probabilities
    that every organization listed before the deviator stays at most at the floor."""
    n = len(rule.order)
    rank = np.empty(n, dtype=np.intp)
    rank[list(rule.order)] = np.arange(n)
    f = rule.floor + tol
    # clear[b, i]: probability that every member of block b listed before i is <= floor
    clear = np.ones((len(dists), n))
    for b, d in enumerate(dists):
        before = rank[d.members][:, None] < rank[None, :]  # (m, n)
        ok = d.scores[:, :, None] <= f  # (R, m, 1)
        clear[b] = d.probs @ np.all(ok | ~before[None, :, :], axis=1)
    out = []
    for c in cols_list:
        i = c.player
        p = (c.own > f).astype(float)
        members = dists[c.block].members
        for q, j in enumerate(members):
            if q != c.pos and rank[j] < rank[i]:
                p = p * (c.scores[:, q] <= f)
        others = np.prod(np.delete(clear[:, i], c.block))
        out.append(_aggregate(c, p * others, shape[i]))
    return out


def _noisy_max(
    kind: str, sigma: float, dists: list[_Dist], cols_list: list[_Cols], shape: Sequence[int],
    floor: float | None,
) -> list[NDArray]:
    """Expected probability that each deviation column has the highest noisy score.

    Scores may be ``-inf`` (an option that never wins, and never blocks). See the module
    docstring for the integral and its accuracy.
    """
    finite = [d.scores[np.isfinite(d.scores)] for d in dists]
    finite += [c.scores[np.isfinite(c.scores)] for c in cols_list]
    if floor is not None:
        finite.append(np.array([floor]))
    allf = np.concatenate([f.ravel() for f in finite]) if finite else np.empty(0)
    if allf.size == 0:
        return [np.zeros(shape[c.player]) for c in cols_list]
    lo, hi = float(allf.min()), float(allf.max())
    if kind == "probit":
        a, b = lo - 9.0 * sigma, hi + 9.0 * sigma
    else:
        # Gumbel kernel g(z) = exp(-z - exp(-z)): below z = -4 it is under 1e-22. Above the
        # top score the integrand g (1 - G) decays like exp(-2 (x - hi) / sigma), so the
        # grid can stop 20 noise scales above it (error below N exp(-40)).
        a, b = lo - 4.0 * sigma, hi + 20.0 * sigma
    h = _STEP * sigma
    n_nodes = int(np.ceil((b - a) / h)) + 1
    x = a + h * np.arange(n_nodes)

    def log_f(vals: NDArray) -> NDArray:
        """log F((x - v) / sigma) for values ``vals`` (any shape) -> shape (*vals, n_nodes)."""
        v = np.asarray(vals)[..., None]
        with np.errstate(invalid="ignore"):
            z = (x - v) / sigma
        z = np.where(np.isneginf(v), np.inf, z)
        if kind == "probit":
            return log_ndtr(z)
        return -np.exp(np.minimum(-z, _ZCLIP))

    # log of E[prod_{j in block} F] for every block, on the grid
    logH = np.empty((len(dists), n_nodes))
    single = [bi for bi, d in enumerate(dists) if d.scores.shape[1] == 1]
    if single:
        width = max(len(dists[bi].probs) for bi in single)
        vals = np.full((len(single), width), -np.inf)  # padding: never blocks, weight 0
        pr = np.zeros((len(single), width))
        for r, bi in enumerate(single):
            vals[r, : len(dists[bi].probs)] = dists[bi].scores[:, 0]
            pr[r, : len(dists[bi].probs)] = dists[bi].probs
        step = max(1, _CHUNK // (width * n_nodes))
        for r0 in range(0, len(single), step):
            rs = slice(r0, r0 + step)
            H = np.einsum("bl,bln->bn", pr[rs], np.exp(log_f(vals[rs])))
            with np.errstate(divide="ignore"):
                logH[single[rs]] = np.log(H)
    for bi, d in enumerate(dists):
        if d.scores.shape[1] == 1:
            continue
        acc = log_f(d.scores).sum(axis=1)  # (R, n_nodes)
        with np.errstate(divide="ignore"):
            logH[bi] = logsumexp(acc + np.log(d.probs)[:, None], axis=0)
    base = log_f(np.array(floor)) if floor is not None else np.zeros(n_nodes)
    prefix = np.vstack([np.zeros(n_nodes), np.cumsum(logH, axis=0)])
    suffix = np.vstack([np.cumsum(logH[::-1], axis=0)[::-1], np.zeros(n_nodes)])
    loo = prefix[:-1] + suffix[1:] + base  # leave-one-block-out, no subtraction
    # every deviation column at once: own score, block, other members of the own block
    s_all, _, block_all, slices = _stack_columns(cols_list)
    width = max(c.scores.shape[1] for c in cols_list) - 1
    others = np.full((s_all.size, width), -np.inf)
    if width:
        for c, sl in zip(cols_list, slices, strict=True):
            rest = [q for q in range(c.scores.shape[1]) if q != c.pos]
            others[sl, : len(rest)] = c.scores[:, rest]
    # each column's integrand is negligible outside a window around its own score
    # (kernel tails below exp(-37)), so integrate over that band of the grid only
    left, right = (9.0, 9.0) if kind == "probit" else (4.0, 38.0)
    band = min(n_nodes, int(np.ceil((left + right) / _STEP)) + 2)
    res = np.zeros(s_all.size)
    fin = np.flatnonzero(np.isfinite(s_all))
    step = max(1, _CHUNK // (band * max(1, width)))
    offs = np.arange(band)
    decay = np.exp(-_STEP * offs)  # the grid is uniform: exp(-z) along a band is geometric
    for c0 in range(0, fin.size, step):
        rows = fin[c0 : c0 + step]
        first = np.floor((s_all[rows] - left * sigma - a) / h).astype(np.intp)
        first = np.clip(first, 0, n_nodes - band)
        nodes = first[:, None] + offs[None, :]  # (rows, band)
        lg = loo[block_all[rows][:, None], nodes]
        if width:
            xs = x[nodes]
            v = others[rows][:, :, None]
            with np.errstate(invalid="ignore"):
                zo = (xs[:, None, :] - v) / sigma
            zo = np.where(np.isneginf(v), np.inf, zo)
            lo_f = log_ndtr(zo) if kind == "probit" else -np.exp(np.minimum(-zo, _ZCLIP))
            lg = lg + lo_f.sum(axis=1)
        phi = (a + first * h - s_all[rows]) / sigma  # z at the first node of each band
        if kind == "probit":
            z = phi[:, None] + _STEP * offs[None, :]
            logk = -0.5 * z * z - 0.5 * np.log(2 * np.pi) - np.log(sigma)
            res[rows] = h * np.exp(logk + lg).sum(axis=1)
        else:
            e = np.exp(-phi)[:, None] * decay[None, :]  # exp(-z)
            kern = e * np.exp(-e) / sigma  # Gumbel density
            res[rows] = 1.0 - h * (kern * -np.expm1(lg)).sum(axis=1)
    return _split(cols_list, np.clip(res, 0.0, 1.0), slices, shape)


def _pure_noisy(S: NDArray, rule: NoisyMostViolent, tol: float) -> NDArray:
    """Designation probabilities of noisy attribution at pure profiles (rows of ``S``)."""
    sig = rule.noise
    if rule.kind == "logit":
        y = S / sig
        if rule.floor is not None:
            full = np.concatenate([y, np.full((y.shape[0], 1), rule.floor / sig)], axis=1)
            return np.exp(y - logsumexp(full, axis=1, keepdims=True))
        return np.exp(y - logsumexp(y, axis=1, keepdims=True))
    # probit: P_i = int phi(t) prod_{j != i} Phi(t + (S_i - S_j)/sigma) dt
    n = S.shape[1]
    t = np.arange(-9.0, 9.0 + 1e-12, _STEP)
    logphi = -0.5 * t * t - 0.5 * np.log(2 * np.pi)
    extra = S if rule.floor is None else np.concatenate(
        [S, np.full((S.shape[0], 1), rule.floor)], axis=1
    )
    out = np.empty_like(S)
    step = max(1, _CHUNK // (n * extra.shape[1] * t.size))
    for r0 in range(0, S.shape[0], step):
        sl = slice(r0, r0 + step)
        d = (S[sl, :, None] - extra[sl, None, :]) / sig  # (P, n, n')
        lg = log_ndtr(d[..., None] + t)  # (P, n, n', T)
        lg[:, np.arange(n), np.arange(n), :] = 0.0
        tot = lg.sum(axis=2) + logphi
        out[sl] = _STEP * np.exp(tot).sum(axis=2)
    return out

