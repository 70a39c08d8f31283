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
block's support sizes: cheap for pairs of rivals. All-to-all misattribution (uniform
confusion, possibly with framing or rival pairs on top: ``M = a J + B`` with ``B``'s blocks
small) is not enumerated: every score is shifted by the same ``a * sum(z)``, which leaves
comparisons unchanged, so rules whose kernel is ``shift_invariant`` (the ranking rules,
noisy attribution without a floor) are computed on the small blocks of ``B``, with an exact
dynamic program for the floor (:mod:`deterrence.model._shift`). What is left — a rule that
is not shift-invariant, or a general dense matrix, among many organizations — is refused
(:class:`GameTooLargeError`, naming the block, the estimated work and the limit) before
anything is allocated (the size policy of :mod:`deterrence.model._numerics`).

Second order and symmetric games (:mod:`deterrence.model._second_order`). The logit
solver's Jacobian needs every pair matrix (``i``'s payoff for each pair of levels of ``i``
and ``j``, the others mixing): :meth:`TargetingGame._pair_payoffs_all` computes them all in
one pass, exactly (prefix and suffix products of the per-block generating functions, no
division), instead of one oracle call per level of every organization. For a symmetric
game with independent scores, :meth:`TargetingGame.symmetric_payoffs` and
:meth:`TargetingGame.symmetric_pair_payoffs` (the symmetric solver's hooks) are closed
forms in the shared strategy: multinomial sums for the ranking rules, one quadrature for
noisy attribution, score-proportional enforcement and the Tullock share.

Ties. Scores within ``tie_tol = model.tie_rtol * score scale`` of each other are tied
(default ``TIE_RTOL = 1e-9``: measured violence is not known to nine digits), and a score
is above the floor only if it exceeds it by more than ``tie_tol``. The same rule is used by
every path (pure, mixed, pairs, symmetric, dense table) and every rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import check_int
from ..errors import GameTooLargeError, InvalidProfileError, UnsupportedGameError
from ..games.base import Game, as_mixed_profile
from ._engines import _Cols, _Dist, _noisy_max
from ._numerics import (
    CHUNK,
    DEFAULT_DENSE_LIMIT,
    MAX_BLOCK_PROFILES,
    MAX_WORK_ENTRIES,
    TIE_RTOL,
    too_large,
)
from ._second_order import SymmetricForms, designation_pairs_all, pair_payoffs_all
from ._shift import Shift, shift_components
from .kernels import kernel_for

__all__ = ["DEFAULT_DENSE_LIMIT", "MAX_BLOCK_PROFILES", "TIE_RTOL", "TargetingGame"]

_CHUNK = CHUNK


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
        self._kernel = kernel = kernel_for(model.rule)
        self._L = np.asarray(model.penalty, dtype=float)
        self._H = np.asarray(model.carrot, dtype=float) if model.rule.has_floor else np.zeros(n)
        mk = model.market
        self._R = 0.0 if mk is None else float(mk.revenue)
        self._contest = mk is not None and mk.contest
        prop_size = kernel.designates and kernel.designation_is_share
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
        self._uses_scores = model.rule.uses_scores and kernel.designates and not prop_size
        self._M = model.effective_attribution
        off = self._M[~np.eye(n, dtype=bool)]
        self._diag = np.diag(self._M).copy() if not np.any(off) else None
        self._blocks = model.blocks
        # all-to-all misattribution: the common-shift route (None: enumerate the blocks)
        self._shift = (
            Shift.of(self._M)
            if self._uses_scores and kernel.shift_invariant and len(self._blocks) < n
            else None
        )
        self._block_of = np.empty(n, dtype=np.intp)
        for b, mem in enumerate(self._blocks):
            self._block_of[list(mem)] = b
        self._z = (
            model.raw_scores() if self._uses_scores else tuple(np.zeros(k) for k in self._shape)
        )
        colmax = np.array([float(z.max()) for z in self._z]) @ self._M
        self.tie_tol = model.tie_rtol * max(1.0, float(np.max(np.abs(colmax))))

    # ------------------------------------------------------------------ Game interface
    @property
    def shape(self) -> tuple[int, ...]:
        """Number of violence levels of each organization."""
        return self._shape

    @property
    def player_names(self) -> tuple[str, ...]:
        """The organizations' names."""
        return self.model.names

    @property
    def action_names(self) -> tuple[tuple[str, ...], ...]:
        """Each organization's violence levels, formatted (``"0.5"``)."""
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

    def monotone_form(self) -> Any:
        """The structured pure enumeration's hook (:meth:`Game.monotone_form`): payoffs split
        by monotonicity in the other blocks' levels; raises
        :class:`~deterrence.errors.UnsupportedGameError` when a rule's monotonicity is
        unknown (see :func:`~deterrence.solvers._pure_structured.targeting_form`)."""
        from ..solvers._pure_structured import targeting_form

        return targeting_form(self)

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

    def _pure_payoff_rows(self, i: int, profiles: NDArray[np.int64]) -> NDArray[np.float64]:
        """Player ``i``'s payoff rows at pure profiles (the hook of
        :meth:`~deterrence.games.base.Game.pure_payoff_rows`): the ``shape[i]`` deviation
        profiles of every row evaluated by :meth:`pure_components` in one batch.

        These are the numbers the dense table holds (:meth:`to_normal_form` is built from
        the same pure-profile formulas, bitwise), so dynamics on this game and on its table
        take the same steps; a row does not depend on the other rows of the batch.
        """
        m, k = len(profiles), self._shape[i]
        if m == 0:
            return np.empty((0, k))
        idx = np.repeat(np.asarray(profiles, dtype=np.intp), k, axis=0)
        idx[:, i] = np.tile(np.arange(k, dtype=np.intp), m)
        return self.pure_components(idx)["payoff"][:, i].reshape(m, k)

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
        forms = SymmetricForms(self)
        return forms if forms.available else None

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

    # ------------------------------------------------------------------ who is designated
    def designation_matrix(self, profile: Sequence[ArrayLike]) -> list[NDArray[np.float64]]:
        """Who is designated, given each organization's own level.

        ``out[i]`` has shape ``(shape[i], n_players)``; ``out[i][a, j]`` is the probability
        that organization ``j`` is designated when ``i`` plays level ``a`` and every other
        organization ``k`` plays ``profile[k]`` independently. Column ``i`` is ``i``'s own
        designation probability (what :meth:`expected_designations` averages); the other
        columns say who else is hit given ``i``'s level (a rival's destruction hands ``i``
        market share). Row sums are the expected number of designations given ``a``: at
        most one for single-designation rules (exactly one when the rule always designates
        somebody), at most ``k`` for :class:`~deterrence.TopK`.

        Computed from the second-order oracle: ``P(j des | i plays a) = sum_b p_j(b) P(j
        des | j plays b, i plays a)`` (exact finite sums for the ranking rules, the same
        quadrature as the deviation oracle for noisy ones); at a pure profile, directly
        from the ``n * shape[i]`` deviation profiles.

        Examples
        --------
        Two organizations with levels 0 and 1 under the most-violent rule (floor 0); the
        other plays 1 with probability 1/2. At level 1, ``i`` is designated alone with
        probability 1/2 and shares a tie with probability 1/2: ``1/2 + 1/4 = 3/4``; the
        other is designated with probability ``1/4`` (the tie).

        >>> import deterrence as dt
        >>> g = dt.TargetingModel(n_orgs=2, levels=[0.0, 1.0]).game()
        >>> g.designation_matrix([[0.5, 0.5], [0.5, 0.5]])[0].tolist()
        [[0.0, 0.5], [0.75, 0.25]]
        """
        return self._designation_matrix(as_mixed_profile(self, profile))

    def _designation_matrix(self, profile: Sequence[NDArray]) -> list[NDArray[np.float64]]:
        """:meth:`designation_matrix` without input checks (for solvers' inner loops)."""
        n = self._n
        probs = [np.clip(np.asarray(q, dtype=float), 0.0, None) for q in profile]
        kernel = self._kernel
        if not kernel.designates:
            return [np.zeros((k, n)) for k in self._shape]
        if all(np.count_nonzero(q) == 1 for q in probs):
            actions = [int(np.flatnonzero(q)[0]) for q in probs]
            idx, slices = self._deviation_profiles(actions, list(range(n)))
            des = self._pure_designation_rows(idx)
            return [des[sl] for sl in slices]
        players = list(range(n))
        own = self._mixed_components(probs, players, share=kernel.designation_is_share)
        pairs = designation_pairs_all(self, probs)
        out = []
        for i in players:
            m = np.empty((self._shape[i], n))
            m[:, i] = own["designation"][i]
            for j in players:
                if j != i:
                    m[:, j] = probs[j] @ pairs[j][i]
            out.append(m)
        return out

    def _pure_designation_rows(self, idx: NDArray[np.intp]) -> NDArray[np.float64]:
        kernel = self._kernel
        if not kernel.designates:
            return np.zeros(idx.shape)
        if kernel.designation_is_share:
            share = self._pure_share(idx)
            return np.broadcast_to(self._fixed_share, idx.shape).copy() if share is None else share
        return np.asarray(kernel.pure(self, self.pure_scores(idx)), dtype=float)

    def designation_probabilities_pure(self, profiles: ArrayLike) -> NDArray[np.float64]:
        """Every organization's designation probability at each pure profile.

        ``profiles``: action indices, shape ``(m, n_players)`` (or one profile, shape
        ``(n_players,)``); returns shape ``(m, n_players)``.

        Examples
        --------
        >>> import deterrence as dt
        >>> g = dt.TargetingModel(n_orgs=3, levels=[0.0, 1.0]).game()
        >>> g.designation_probabilities_pure([[1, 1, 0], [0, 0, 0]]).tolist()
        [[0.5, 0.5, 0.0], [0.0, 0.0, 0.0]]
        """
        idx = self._check_pure_profiles(profiles)
        return self._pure_designation_rows(idx)

    def _check_pure_profiles(self, profiles: ArrayLike) -> NDArray[np.intp]:
        arr = np.asarray(profiles)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] != self._n:
            raise InvalidProfileError(
                f"profiles has shape {np.shape(profiles)}; expected (m, {self._n}): one action "
                "index per organization in each row"
            )
        if (
            arr.size
            and not np.issubdtype(arr.dtype, np.integer)
            and (not np.issubdtype(arr.dtype, np.number) or np.any(arr != np.round(arr)))
        ):
            raise InvalidProfileError("profiles has non-integer entries; expected action indices")
        idx = arr.astype(np.intp)
        hi = np.asarray(self._shape)
        bad = (idx < 0) | (idx >= hi[None, :])
        if np.any(bad):
            r, c = (int(x[0]) for x in np.nonzero(bad))
            raise InvalidProfileError(
                f"profiles[{r}, {c}]={idx[r, c]} is out of range; expected an action index in "
                f"0..{self._shape[c] - 1}"
            )
        return idx

    # ------------------------------------------------------------------ components
    def _components(
        self, profile: Sequence[NDArray], players: Sequence[int]
    ) -> dict[str, list[NDArray]]:
        players = list(players)
        probs = [np.clip(np.asarray(q, dtype=float), 0.0, None) for q in profile]
        if all(np.count_nonzero(q) == 1 for q in probs):
            actions = [int(np.flatnonzero(q)[0]) for q in probs]
            if self._kernel.designates and self._kernel.pure_via_mixed:
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
        if self._diag is not None:  # no misattribution: S_i = M_ii z_i (no matrix product)
            z = np.stack([self._z[i][profiles[:, i]] for i in range(self._n)], axis=1)
            return z * self._diag
        # S = z @ M summed over i in a fixed order (the nonzero entries of each column), so
        # that a profile's scores do not depend on the other rows of the batch (a BLAS
        # product may round a row differently in a batch of 12 than alone)
        zs = [self._z[i][profiles[:, i]] for i in range(self._n)]
        cols = []
        for j in range(self._n):
            acc = np.zeros(len(profiles))
            for i in np.flatnonzero(self._M[:, j]):
                acc += zs[i] * self._M[i, j]
            cols.append(acc)
        return np.stack(cols, axis=1)

    def pure_components(self, profiles: ArrayLike) -> dict[str, NDArray[np.float64]]:
        """Market share, designation probability, left-alone indicator and payoff of every
        organization at each pure profile (rows of ``profiles``, shape ``(P, N)``)."""
        idx = np.asarray(profiles, dtype=np.intp)
        if idx.ndim == 1:
            idx = idx[None, :]
        n = self._n
        rule = self._rule
        kernel = self._kernel
        tol = self.tie_tol
        share = self._pure_share(idx)
        if not kernel.designates:
            des = np.zeros(idx.shape)
            S = None
        elif kernel.designation_is_share:
            des = (
                share.copy()
                if share is not None
                else np.broadcast_to(self._fixed_share, idx.shape).copy()
            )
            S = None
        else:
            S = self.pure_scores(idx)
            des = np.asarray(kernel.pure(self, S), dtype=float)
        if share is None:
            share = np.broadcast_to(self._fixed_share, idx.shape)
        if rule.has_floor:
            if S is None:
                S = self.pure_scores(idx)
            alone = (rule.floor + tol >= S).astype(float)
        else:
            alone = np.zeros(idx.shape)
        own = np.stack([self._own[i][idx[:, i]] for i in range(n)], axis=1)
        payoff = own + self._R * share if self._R != 0.0 else own
        payoff = payoff - self._L * des
        if np.any(self._H != 0.0):
            payoff += self._H * alone
        return {
            "share": np.asarray(share, dtype=float),
            "designation": des,
            "alone": alone,
            "payoff": payoff,
        }

    def _pure_share(self, idx: NDArray[np.intp]) -> NDArray | None:
        if not self._contest:
            return None
        lx = np.stack([self._logX[i][idx[:, i]] for i in range(self._n)], axis=1)
        e = np.exp(lx - lx.max(axis=1, keepdims=True))
        # the sum in organization order, as the dense table's fast path adds it
        tot = e[:, 0].copy()
        for j in range(1, self._n):
            tot += e[:, j]
        return e / tot[:, None]

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
                _Cols(
                    i,
                    i,
                    0,
                    np.arange(self._shape[i]),
                    np.ones(self._shape[i]),
                    self._logX[i][:, None],
                )
                for i in players
            ]
            out["share"] = _noisy_max("logit", 1.0, dists, cols, self._shape, None)
        else:
            out["share"] = [np.full(self._shape[i], self._fixed_share[i]) for i in players]
        kernel = self._kernel
        zeros = [np.zeros(self._shape[i]) for i in players]
        if not kernel.designates:
            out["designation"] = zeros
            out["alone"] = [z.copy() for z in zeros]
            return out
        if kernel.designation_is_share:
            out["designation"] = [s.copy() for s in out["share"]]
            out["alone"] = zeros
            return out
        if self._shift is not None:
            comp = shift_components(self, probs, players)
            out["designation"], out["alone"] = comp["designation"], comp["alone"]
            return out
        self._check_blocks(probs)
        dists = [self._block_dist(b, probs) for b in range(len(self._blocks))]
        cols = [self._columns(i, probs) for i in players]
        tol = self.tie_tol
        out["designation"] = kernel.mixed(self, dists, cols)
        if rule.has_floor:
            out["alone"] = [
                np.bincount(
                    c.action,
                    weights=c.weight * (c.own <= rule.floor + tol),
                    minlength=self._shape[c.player],
                )
                for c in cols
            ]
        else:
            out["alone"] = zeros
        return out

    def _check_blocks(
        self, probs: Sequence[NDArray], *, pairs: bool = False, reduced: bool = False
    ) -> None:
        """The size policy for enumerated attribution blocks: estimate the largest working
        array of one oracle call (every deviation column against every joint action of each
        block of two or more) and refuse before allocating anything. ``reduced``: the blocks
        of the common-shift route (:mod:`deterrence.model._shift`)."""
        blocks = self._shift.blocks if reduced else self._blocks
        block_of = self._shift.block_of if reduced else self._block_of
        sizes = [int(np.count_nonzero(q)) for q in probs]
        cols = 0
        for i in range(self._n):
            mates = [j for j in blocks[block_of[i]] if j != i]
            cols += self._shape[i] * math.prod(sizes[j] for j in mates)
        if pairs:
            cols *= max(self._shape)
        for mem in blocks:
            if len(mem) < 2:
                continue
            rows = math.prod(sizes[j] for j in mem)
            work = rows * len(mem) * max(cols, rows)
            if work > MAX_WORK_ENTRIES:
                names = ", ".join(self.model.names[i] for i in mem)
                why = (
                    "the blocks left after removing the common all-to-all share are "
                    "enumerated joint action by joint action"
                    if reduced
                    else f"the rule {type(self._rule).__name__} is not shift-invariant (the "
                    "all-to-all route computes MostViolent, TopK and NoisyMostViolent without "
                    "a floor)"
                    if Shift.of(self._M) is not None and self._uses_scores
                    else "a general attribution matrix among these organizations is "
                    "enumerated joint action by joint action"
                )
                raise too_large(
                    "attribution block",
                    f"{{{names}}} ({len(mem)} organizations, {rows} joint actions in the support)",
                    work,
                    MAX_WORK_ENTRIES,
                    "float entries of working arrays",
                    f"{why}; use smaller supports, a coarser grid or an attribution matrix "
                    "with smaller blocks",
                )

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
        w = (
            np.prod([probs[j][joint[:, k]] for k, j in enumerate(members) if j != i], axis=0)
            if len(members) > 1
            else np.ones(len(joint))
        )
        return _Cols(i, b, pos, joint[:, pos], w, self._block_scores(members, joint))

    # ------------------------------------------------------------------ dense table
    def to_normal_form(self, *, max_profiles: int = DEFAULT_DENSE_LIMIT) -> Any:
        """The dense :class:`~deterrence.NormalFormGame`, built vectorised (in chunks of
        profiles) from the exact pure-profile formulas.

        Common cases (no misattribution; no targeting, size-proportional enforcement or the
        most-violent rule) take a fast path that builds whole boxes of profiles at once,
        organization by organization (no per-profile index matrix); it computes the same
        floating-point operations as :meth:`pure_components`, so the tables are bitwise
        equal.

        Raises
        ------
        GameTooLargeError
            If the game has more than ``max_profiles`` pure profiles, or the table would
            hold more than ``4 * MAX_WORK_ENTRIES`` floats.

        Examples
        --------
        >>> import deterrence as dt
        >>> nf = dt.TargetingModel(n_orgs=3, levels=[0.0, 1.0], penalty=2.0).game()
        >>> nf.to_normal_form().payoffs[:, 1, 1, 0].tolist()
        [0.0, 0.0, 0.0]
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
        if n * total > 4 * MAX_WORK_ENTRIES:
            raise too_large(
                "shape",
                " x ".join(map(str, self._shape)),
                n * total,
                4 * MAX_WORK_ENTRIES,
                "floats in the dense payoff table",
                "use the structured oracle (deviation_payoffs, dynamics, logit/symmetric "
                "solvers) or a coarser grid",
            )
        out = self._dense_fast()
        if out is None:
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

    def _dense_fast(self) -> NDArray[np.float64] | None:
        """The ``(n, n_profiles)`` payoff table by boxes of profiles, organization-major, or
        None when the fast path does not apply (see :meth:`to_normal_form`)."""
        from .kernels import MostViolentKernel, NoTargetingKernel

        kernel = self._kernel
        rule = self._rule
        top = type(kernel) is MostViolentKernel
        if not (type(kernel) is NoTargetingKernel or kernel.designation_is_share or top):
            return None
        needs_s = top or rule.has_floor
        if needs_s and self._diag is None:
            return None
        n, shape = self._n, self._shape
        total = self.n_profiles
        # split the axes: an inner box (the last axes) of at most `target` profiles, and
        # runs of consecutive outer indices
        target = max(1, _CHUNK // (4 * n))
        k = n
        while k > 0 and math.prod(shape[k - 1 :]) <= target:
            k -= 1
        inner = math.prod(shape[k:])
        n_outer = math.prod(shape[:k])
        run = max(1, target // inner)
        inner_idx = (
            np.stack(np.unravel_index(np.arange(inner), shape[k:]), axis=1)
            if k < n
            else np.zeros((1, 0), dtype=np.intp)
        )
        tol = self.tie_tol
        out = np.empty((n, total))
        L, H, R = self._L, self._H, self._R
        any_h = bool(np.any(H != 0.0))
        cache: dict[tuple[int, int], NDArray] = {}
        for o0 in range(0, n_outer, run):
            o1 = min(n_outer, o0 + run)
            g = o1 - o0
            outer_idx = (
                np.stack(np.unravel_index(np.arange(o0, o1), shape[:k]), axis=1)
                if k
                else np.zeros((1, 0), dtype=np.intp)
            )

            def col(values: NDArray, i: int, g: int = g, outer_idx: NDArray = outer_idx):
                if i < k:
                    if g == 1:
                        return np.full(inner, values[outer_idx[0, i]])
                    return np.repeat(values[outer_idx[:, i]], inner)
                key = (id(values), i)
                base = cache.get(key)
                if base is None:  # the inner box is the same for every run: gather once
                    base = cache[key] = values[inner_idx[:, i - k]]
                return base if g == 1 else np.tile(base, g)  # callers never write in place

            sl = slice(o0 * inner, o1 * inner)
            share = None
            if self._contest:
                lx = [col(self._logX[i], i) for i in range(n)]
                mx = lx[0].copy()
                for j in range(1, n):
                    np.maximum(mx, lx[j], out=mx)
                e = [np.exp(x - mx) for x in lx]
                tot = e[0].copy()
                for j in range(1, n):
                    tot += e[j]
                share = [x / tot for x in e]
            S = [col(self._z[i], i) * self._diag[i] for i in range(n)] if needs_s else None
            if top:
                des = self._dense_top(S, tol)
            elif kernel.designation_is_share:
                des = (
                    share
                    if share is not None
                    else [np.full(g * inner, f) for f in self._fixed_share]
                )
            else:
                des = None
            for i in range(n):
                pay = col(self._own[i], i)
                if R != 0.0:
                    sh = share[i] if share is not None else self._fixed_share[i]
                    pay = pay + R * sh
                pay = pay - L[i] * (des[i] if des is not None else 0.0)
                if any_h:
                    alone = (rule.floor + tol >= S[i]).astype(float) if rule.has_floor else 0.0
                    pay += H[i] * alone
                out[i, sl] = pay
        return out

    def _dense_top(self, S: list[NDArray], tol: float) -> list[NDArray]:
        """The most-violent rule at a box of pure profiles, organization-major: the same
        operations as :func:`~deterrence.model._engines._pure_top` (bitwise equal)."""
        r = self._rule
        n = len(S)
        top = S[0].copy()
        for j in range(1, n):
            np.maximum(top, S[j], out=top)
        cand = [x + tol >= top for x in S]
        near = [top - 2 * tol <= x for x in S]
        clean = np.ones(top.shape, dtype=bool)
        for c, m in zip(cand, near, strict=True):
            clean &= c == m
        live = [r.floor + tol < x for x in S]
        if r.margin > tol:
            second = np.full(top.shape, -np.inf)
            first = np.full(top.shape, -1)
            best = np.full(top.shape, -np.inf)
            for x in S:
                second = np.maximum(second, np.minimum(best, x))
                best = np.maximum(best, x)
            for j in range(n - 1, -1, -1):  # argmax: the first index of the top
                first = np.where(S[j] == top, j, first)
            if n == 1:
                second = top - np.inf
            ok = (second <= top - r.margin + tol) & clean
            des = [((first == j) & ok).astype(float) for j in range(n)]
        elif r.ties == "lowest":
            first = np.full(top.shape, n)
            for j in range(n - 1, -1, -1):
                first = np.where(cand[j], j, first)
            des = [(first == j).astype(float) for j in range(n)]
        elif r.ties == "all":
            des = [c.astype(float) for c in cand]
        else:
            count = np.zeros(top.shape, dtype=np.intp)
            for c in cand:
                count += c
            des = [c / count for c in cand]
        des = [d * v for d, v in zip(des, live, strict=True)]
        dirty = np.flatnonzero(~clean)
        if dirty.size:
            exact = self._kernel.spec(self).pure(np.stack([x[dirty] for x in S], axis=1))
            for j in range(n):
                des[j][dirty] = exact[:, j]
        return des
