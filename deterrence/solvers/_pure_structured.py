"""Every pure equilibrium of a monotone structured game without its payoff table.

:func:`structured_pure_equilibria` enumerates the pure equilibria of any game whose
:meth:`~deterrence.Game.monotone_form` hook returns a :class:`MonotoneForm` (the targeting
game of :meth:`~deterrence.TargetingModel.game` does), exactly and completely, evaluating
only the pure profiles a branch-and-prune search needs, never the table.

The form. Players are partitioned into ``groups``; player ``i``'s payoff at a pure profile
splits as ``u_i = dec_i + inc_i`` where, for fixed actions of ``i``'s group, ``dec_i`` is
non-increasing and ``inc_i`` non-decreasing in the action index of every player outside
the group. ``MonotoneForm.split`` returns both parts at given pure profiles;
``MonotoneForm.payoffs`` the exact payoffs (as the dense table holds them). For the
targeting game (:func:`targeting_form`)::

    u_i = own_i(v_i) + R * share_i - L_i * P_i + H_i * alone_i

where scores ``S_j = sum_k M[k, j] kappa_k v_k`` are non-decreasing in every level
(``M >= 0``, increasing grids), every shipped rule's designation probability ``P_i`` is
non-increasing in every other organization's score once ``i``'s attribution block is fixed
(a rival scoring higher can only take the top spot, a slot of :class:`~deterrence.TopK`, a
priority rank, a larger part of a softmax or of a score share away from ``i``), the Tullock
share ``X_i / (X_i + sum_{j != i} X_j)`` is decreasing in every ``X_j = (a_j + v_j)**r``,
and ``alone_i`` (the carrot) reads ``S_i`` only. So ``R * share_i`` goes to ``dec`` (to
``inc`` if ``R < 0``), ``-L_i * P_i`` to ``inc`` (to ``dec`` if ``L_i < 0``), and the own
and carrot terms to ``dec``.

Why the pruning is sound. Each player ``j`` holds a *domain*, a set of its actions, with
smallest ``lo_j`` and largest ``hi_j``. For every completion ``x`` of the others within
their domains, with ``i``'s group-mates at a joint action ``c`` of their domains,
monotonicity gives ``u_i(b | x) >= lower_c(b) = dec_i(b | c, hi) + inc_i(b | c, lo)`` and
``u_i(a | x) <= upper_c(a) = dec_i(a | c, lo) + inc_i(a | c, hi)``. If for every ``c``
some ``b`` has ``lower_c(b) - upper_c(a) > tol + margin`` (``margin``: ``1e-9`` times the
payoff scale, for rounding), ``a`` is never a ``tol``-best response inside the box and is
removed from ``i``'s domain. Removal can only shrink the others' boxes, which tightens
their bounds: the pruning runs to a fixed point (a player is pruned again only when
another's domain changed). Then the search branches: the largest domain is split into its
lower and upper halves (depth first, in batches of nodes vectorised together, so memory
stays bounded). When every domain is one action, the profile is checked exactly: its
deviation payoffs are read from :meth:`MonotoneForm.payoffs` and compared as the dense
route compares table entries (``u >= max`` with ``tol == 0``). Nothing that can be an
equilibrium is ever removed, and every profile returned passed the exact test: the list is
exactly the dense route's. Deviations ``b`` range over a *deviation set* that only the
pruning shrinks (never the branching): every exact best response at every completion of
the box stays in it, so the maximum over it is the maximum over all actions (see
:func:`_propagate`), and only its actions are evaluated.

The contest share. The Tullock share depends on the others only through one aggregate,
the sum ``T`` of their weights ``X_j``. Bounding the two payoffs apart (``b`` at the
largest ``T``, ``a`` at the smallest) is loose; with ``MonotoneForm.contest`` the gain of
each deviation ``a -> b`` is bounded at the *same* ``T``, minimised exactly over
``T in [T_lo, T_hi]`` (closed form: :func:`_share_gain_min`), pairwise over the deviation
set. This is what settles market games whose best replies are interior. (The targeting
game uses it when the market is a contest with a non-negative exponent and positive
weights ``a_j + v_j``; the weight is ``R``, or ``R - L_i`` under size-proportional
enforcement, whose designation probability is the same share.)

This is a best-response elimination on intervals, so it is strongest where it matters:
levels whose cost exceeds every possible market gain go at once, a rival's ceiling caps
``i``'s best reply, and so on; ``dt.load_scenario("mexico-2010")`` (7 organizations x 161
levels, 2.8e15 profiles) is settled after about 15 nodes, its no-targeting baseline at the
root.

*Identical players* (``game.is_symmetric()`` and one-player groups, or one group holding
everyone): a profile is an equilibrium iff any permutation of it is, so only non-increasing
profiles ``a_0 >= a_1 >= ... >= a_{N-1}`` are searched (multisets of levels, at most
``C(N + K - 1, K - 1)``); after fixing ``a_d`` the open players lie in ``[0, a_d]``, and
among fixed players with the same action only the first is screened. Equilibria found as
multisets are expanded into every distinct permutation. With one group holding everyone no
partial profile can be bounded, and every multiset is checked exactly.

What falls outside: a game whose hook returns None (the default) or raises
:class:`~deterrence.errors.UnsupportedGameError` (the targeting game does, naming why, for
a rule with a user-registered kernel, whose monotonicity is unknown, a negative
attribution entry or a decreasing score). :func:`structured_reason` says why; the caller
takes the dense route.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import GameTooLargeError, InvalidGameError, UnsupportedGameError

__all__ = [
    "MAX_EQUILIBRIA",
    "MAX_EVALUATIONS",
    "MAX_SEARCH_ROWS",
    "MonotoneForm",
    "structured_pure_equilibria",
    "structured_reason",
    "targeting_form",
]

#: Most equilibria the structured route lists (identical organizations' permutations can
#: be astronomically many); above it the enumeration is refused.
MAX_EQUILIBRIA = 1_000_000
#: Largest number of partial profiles held at once by the multiset search (memory bound:
#: ``rows * n_players * 8`` bytes, a few times over).
MAX_SEARCH_ROWS = 20_000_000
#: Most pure profiles the search may evaluate before it gives up (a time bound: about a
#: minute). The search holds at most a few batches of nodes, so memory is never the limit.
MAX_EVALUATIONS = 100_000_000
#: Largest number of pure profiles evaluated in one call of the form.
_CHUNK_ROWS = 1 << 16
#: Nodes pruned together (one vectorised batch).
_BATCH = 1024
#: Most joint actions of a player's group-mates enumerated to bound it at one node; above
#: it the player is not pruned at that node (sound: pruning is optional) until a branch
#: narrows its mates.
_MAX_MATE_COMBOS = 256
#: Stop pruning a batch and branch once a round of pruning removes less than this fraction
#: of its live actions (a creeping fixed point costs more rounds than a split).
_STALL = 0.01
#: Relative rounding margin of the bound test (a cut needs a gain above tol + this * scale).
_MARGIN_RTOL = 1e-9


@dataclass(frozen=True, kw_only=True)
class MonotoneForm:
    """How a game's pure payoffs depend on the other players, for the pure enumeration.

    Returned by :meth:`~deterrence.Game.monotone_form` (the opt-in hook of
    ``dt.solve(game, method="pure")``'s structured route; see the module docstring for
    what the search does with it).

    Parameters
    ----------
    groups
        A partition of the players. Player ``i``'s payoff is monotone (as ``split``
        splits it) in the action of every player outside ``i``'s group; within its group
        it may depend on the others in any way.
    split
        ``split(profiles, i) -> (dec, inc)``: ``profiles`` is an ``(m, n_players)`` integer
        array of pure profiles; ``dec`` and ``inc`` have shape ``(m,)``, and ``dec + inc`` is
        player ``i``'s payoff at each profile (up to rounding). With the actions of ``i``'s
        group fixed, ``dec`` is non-increasing and ``inc`` non-decreasing in the action
        index of every player outside the group.
    payoffs
        ``payoffs(profiles) -> (m, n_players)``: every player's exact payoff at each pure
        profile, as the game's dense table holds it (the final test compares these).
    scale
        Payoff scale of the rounding margin (``1e-9 * scale``) of the bound test.
    contest, contest_weight
        Optional Tullock term left out of ``split``: ``contest[i][a] > 0`` (non-decreasing
        in ``a``) is player ``i``'s contest weight ``X_i``, and ``u_i = dec_i + inc_i +
        w_i X_i / sum_j X_j`` with ``w = contest_weight``. The share depends on the others
        through their sum only, so the search bounds the gain of each deviation over the
        whole range of that sum exactly (see :func:`_share_gain_min`) instead of bounding
        the two payoffs apart.

    Examples
    --------
    A two-firm price-undercutting game with actions ``0..2``: each firm's payoff
    ``a - 2 [other's action < a]`` only falls as the other's action falls, so it is
    non-decreasing in the other's action (all of it ``inc``, nothing ``dec``).

    >>> import numpy as np, deterrence as dt
    >>> from deterrence.solvers.pure import MonotoneForm
    >>> def pay(p):
    ...     p = np.asarray(p)
    ...     return np.stack([p[:, 0] - 2.0 * (p[:, 1] < p[:, 0]),
    ...                      p[:, 1] - 2.0 * (p[:, 0] < p[:, 1])], axis=1)
    >>> class Undercut(dt.Game):
    ...     shape = (3, 3)
    ...     def _deviation_payoffs(self, profile):
    ...         u = self.to_normal_form().payoffs
    ...         return [np.einsum("ab,b->a", u[0], profile[1]),
    ...                 np.einsum("ab,a->b", u[1], profile[0])]
    ...     def to_normal_form(self, **kw):
    ...         grid = np.stack(np.meshgrid(range(3), range(3), indexing="ij"), -1)
    ...         return dt.NormalFormGame(np.moveaxis(pay(grid.reshape(-1, 2)), 1, 0)
    ...                                  .reshape(2, 3, 3))
    ...     def monotone_form(self):
    ...         def split(profiles, i):
    ...             u = pay(profiles)[:, i]
    ...             return np.zeros_like(u), u
    ...         return MonotoneForm(groups=((0,), (1,)), split=split, payoffs=pay)
    >>> res = dt.solve(Undercut(), method="pure")
    >>> [e.pure_profile for e in res], res.details["route"]
    ([(0, 0), (1, 1), (2, 2)], 'structured')
    """

    groups: tuple[tuple[int, ...], ...]
    split: Callable[[NDArray[np.intp], int], tuple[NDArray, NDArray]]
    payoffs: Callable[[NDArray[np.intp]], NDArray]
    scale: float = 1.0
    contest: tuple[NDArray, ...] | None = None
    contest_weight: NDArray | None = None


def _check_form(form: Any, n: int) -> MonotoneForm:
    if not isinstance(form, MonotoneForm):
        raise InvalidGameError(
            f"monotone_form() returned {type(form).__name__}; expected a MonotoneForm or None"
        )
    seen = sorted(int(j) for g in form.groups for j in g)
    if seen != list(range(n)):
        raise InvalidGameError(
            f"MonotoneForm.groups={form.groups!r} is not a partition of the players "
            f"0..{n - 1}; expected every player in exactly one group"
        )
    if form.contest is not None:
        x = form.contest
        w = form.contest_weight
        if (
            len(x) != n
            or w is None
            or np.shape(w) != (n,)
            or any(np.any(~np.isfinite(v)) or np.any(v <= 0) or np.any(np.diff(v) < 0) for v in x)
        ):
            raise InvalidGameError(
                "MonotoneForm.contest must hold one positive non-decreasing weight array per "
                "player, with contest_weight of shape (n_players,)"
            )
    if not (math.isfinite(form.scale) and form.scale >= 0):
        raise InvalidGameError(f"MonotoneForm.scale={form.scale!r}; expected a finite number >= 0")
    return form


# ---------------------------------------------------------------------- targeting game
def _known_kernels() -> tuple[type, ...]:
    from ..model import kernels as k

    return (
        k.NoTargetingKernel,
        k.MostViolentKernel,
        k.NoisyKernel,
        k.TopKKernel,
        k.PriorityKernel,
        k.ProportionalKernel,
    )


def _targeting_reason(game: Any) -> str | None:
    model = game.model
    if type(game._kernel) not in _known_kernels():
        return (
            f"rule {type(model.rule).__name__} has a user-registered kernel whose monotonicity "
            "in the rivals' scores is unknown"
        )
    if np.any(model.effective_attribution < 0):
        return "the attribution matrix has negative entries (scores not monotone in levels)"
    for i, z in enumerate(model.raw_scores()):
        if np.any(np.diff(z) < 0):
            return f"organization {i}'s score decreases with its level"
    return None


def targeting_form(game: Any) -> MonotoneForm:
    """The :class:`MonotoneForm` of a targeting game (see the module docstring).

    Raises
    ------
    UnsupportedGameError
        When the game's monotonicity is not known (a rule with a user-registered kernel, a
        negative attribution entry, a decreasing score), naming why.
    """
    reason = _targeting_reason(game)
    if reason is not None:
        raise UnsupportedGameError(reason)
    model = game.model
    n = model.n_orgs
    own = model.own_payoffs()
    R = 0.0 if model.market is None else float(model.market.revenue)
    L = np.asarray(model.penalty, dtype=float)
    H = np.asarray(model.carrot, dtype=float) if model.rule.has_floor else np.zeros(n)
    own_span = max(float(np.max(np.abs(o))) for o in own)
    scale = own_span + abs(R) + float(np.max(np.abs(L))) + float(np.max(np.abs(H)))
    groups = tuple(tuple(int(j) for j in b) for b in model.blocks)

    kernel = game._kernel
    floor = float(model.rule.floor) if model.rule.has_floor else None
    tie_tol = game.tie_tol
    contest = model.market is not None and model.market.contest
    log_x = game._logX if contest else None
    fixed_share = game._fixed_share

    stable = False
    if contest:  # X_j / max X at each level: no overflow, and no per-row maximum
        top = max(float(np.max(x)) for x in log_x)
        scaled = [np.exp(x - top) for x in log_x]
        stable = min(float(np.min(x)) for x in log_x) > top - 600.0  # no underflow to 0

    def share(rows: NDArray[np.intp], i: int) -> NDArray:
        """``i``'s Tullock share ``X_i / sum_j X_j`` (rounding aside, the table's softmax)."""
        if stable:
            xs = [scaled[j][rows[:, j]] for j in range(n)]
            tot = xs[0].copy()
            for x in xs[1:]:
                tot += x
            return xs[i] / tot
        lx = [log_x[j][rows[:, j]] for j in range(n)]
        mx = lx[0].copy()
        for x in lx[1:]:
            np.maximum(mx, x, out=mx)
        tot = np.zeros(len(rows))
        for x in lx:
            tot += np.exp(x - mx)
        return np.exp(lx[i] - mx) / tot

    # the Tullock share goes to the contest term when its weights are usable
    use_contest = contest and stable and float(model.market.exponent) >= 0.0
    share_weight = np.full(n, R)
    if kernel.designates and kernel.designation_is_share:
        share_weight = share_weight - L

    def split(rows: NDArray[np.intp], i: int) -> tuple[NDArray, NDArray]:
        m = len(rows)
        dec = own[i][rows[:, i]]
        inc = np.zeros(m)
        S = None
        if kernel.designates and not kernel.designation_is_share:
            S = game.pure_scores(rows)
            des = np.asarray(kernel.pure(game, S), dtype=float)[:, i]
            if L[i] >= 0:
                inc = -L[i] * des
            else:
                dec = dec - L[i] * des
        if floor is not None and H[i] != 0.0:
            if S is None:
                S = game.pure_scores(rows)
            dec = dec + H[i] * (floor + tie_tol >= S[:, i])
        if not use_contest:
            sh = share(rows, i) if contest else np.full(m, fixed_share[i])
            term = share_weight[i] * sh
            if share_weight[i] >= 0:
                dec = dec + term
            else:
                inc = inc + term
        return dec, inc

    def payoffs(profiles: NDArray[np.intp]) -> NDArray:
        return np.concatenate(
            [
                game.pure_components(profiles[s : s + _CHUNK_ROWS])["payoff"]
                for s in range(0, max(1, len(profiles)), _CHUNK_ROWS)
            ]
        )

    return MonotoneForm(
        groups=groups,
        split=split,
        payoffs=payoffs,
        scale=scale,
        contest=tuple(scaled) if use_contest else None,
        contest_weight=share_weight if use_contest else None,
    )


def _form(game: Any) -> tuple[MonotoneForm | None, str | None]:
    """The game's form (checked), or None and why not."""
    try:
        form = game.monotone_form()
    except UnsupportedGameError as exc:  # the hook's way of saying why not
        return None, str(exc)
    if form is None:
        return None, f"{type(game).__name__} provides no monotone_form()"
    return _check_form(form, game.n_players), None


def structured_reason(game: Any) -> str | None:
    """Why ``game`` cannot take the structured route (None when it can)."""
    return _form(game)[1]


# ---------------------------------------------------------------------- the evaluator
class _Evaluator:
    """Bound and exact tests of best responses through a :class:`MonotoneForm`."""

    def __init__(self, game: Any, form: MonotoneForm, tol: float) -> None:
        self.form = form
        self.tol = tol
        self.n = game.n_players
        self.shape = tuple(int(k) for k in game.shape)
        self.margin = _MARGIN_RTOL * max(1.0, float(form.scale))
        self.rows = 0  # pure profiles evaluated
        self.group_of = np.empty(self.n, dtype=np.intp)
        for g, members in enumerate(form.groups):
            self.group_of[list(members)] = g
        self.mates = [
            [int(j) for j in form.groups[self.group_of[i]] if j != i] for i in range(self.n)
        ]
        self.codes_ok = game.n_profiles < 2**62
        if self.codes_ok:
            self.strides = np.array(
                [math.prod(self.shape[j + 1 :]) for j in range(self.n)], dtype=np.int64
            )

    def _charge(self, rows: int) -> None:
        self.rows += rows
        if self.rows > MAX_EVALUATIONS:
            raise GameTooLargeError(
                f"the structured pure search evaluated more than {MAX_EVALUATIONS} pure "
                f"profiles of the {' x '.join(map(str, self.shape))} game without settling "
                "it; use a coarser grid"
            )

    def split(self, rows: NDArray[np.intp], i: int) -> tuple[NDArray, NDArray]:
        self._charge(len(rows))
        dec, inc = self.form.split(np.ascontiguousarray(rows, dtype=np.intp), i)
        return np.asarray(dec, dtype=float), np.asarray(inc, dtype=float)

    def deviation_payoffs(self, prof: NDArray[np.intp], i: int) -> NDArray:
        """``i``'s exact payoff at each of its actions against each row: ``(m, shape[i])``."""
        k = self.shape[i]
        m = len(prof)
        self._charge(m * k)
        rows = np.repeat(prof, k, axis=0)
        rows[:, i] = np.tile(np.arange(k), m)
        pay = np.asarray(self.form.payoffs(rows), dtype=float)
        return pay[:, i].reshape(m, k)

    def exact(self, prof: NDArray[np.intp], i: int) -> NDArray[np.bool_]:
        """Is ``i`` best-responding at each (complete) profile, compared as the dense route
        compares table entries. Rows that differ only in ``i``'s action share their
        deviation payoffs, which are evaluated once."""
        c = len(prof)
        if c == 0:
            return np.zeros(0, dtype=bool)
        cur = prof[:, i]
        base, inverse = prof, None
        if self.codes_ok and c > 1:
            strides = self.strides.copy()
            strides[i] = 0
            uniq, first, inv = np.unique(prof @ strides, return_index=True, return_inverse=True)
            if len(uniq) < c:
                base, inverse = prof[first], inv
        pay = self.deviation_payoffs(base, i)
        if inverse is not None:
            pay = pay[inverse]
        best = pay.max(axis=1)
        now = pay[np.arange(c), cur]
        if self.tol == 0.0:
            return now >= best
        with np.errstate(over="ignore", invalid="ignore"):
            return (best - now) <= self.tol

    def alive(
        self,
        low: NDArray[np.intp],
        high: NDArray[np.intp],
        i: int,
        live: NDArray[np.bool_] | None = None,
    ) -> NDArray[np.bool_]:
        """``(m, shape[i])``: which actions of ``i`` may be ``tol``-best responses against
        some completion between the profiles ``low`` and ``high`` (``i``'s group fixed in
        both; the other players anywhere between their entries). ``live``: the actions
        that contain every exact best response in that box (default: all); only those
        are evaluated, and only they can survive."""
        m, k = len(low), self.shape[i]
        if live is None:
            r, b = np.repeat(np.arange(m), k), np.tile(np.arange(k), m)
        else:
            r, b = np.nonzero(live)
        out = np.zeros((m, k), dtype=bool)
        if r.size == 0:
            return out
        c = len(r)
        rows = np.concatenate([low[r], high[r]])
        rows[:c, i] = b
        rows[c:, i] = b
        dec, inc = self.split(rows, i)
        lower = dec[c:] + inc[:c]  # others at hi for dec, at lo for inc
        upper = dec[:c] + inc[c:]
        starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
        thr = self.tol + self.margin
        if self.form.contest is None:
            best = np.maximum.reduceat(lower, starts)
            with np.errstate(over="ignore", invalid="ignore"):
                gain = np.repeat(best, np.diff(np.r_[starts, c])) - upper
                out[r, b] = ~(gain > thr)
            return out
        # the contest share: pairwise, over the whole range of the others' sum
        x = self.form.contest
        t_lo = np.zeros(m)
        t_hi = np.zeros(m)
        for j in range(self.n):
            if j != i:
                t_lo += x[j][low[:, j]]
                t_hi += x[j][high[:, j]]
        xi, w = x[i], float(self.form.contest_weight[i])
        counts = np.diff(np.r_[starts, c])
        keep = np.empty(c, dtype=bool)
        seg = 0
        while seg < len(starts):  # segments (nodes) in chunks of at most ~2M pairs
            sq = np.cumsum(counts[seg:] ** 2)
            stop = seg + max(1, int(np.searchsorted(sq, 1 << 21, side="right")))
            cnt = counts[seg:stop]
            first = starts[seg]
            last = starts[stop] if stop < len(starts) else c
            own_cnt = np.repeat(cnt, cnt)  # for each entry (an action a), its node's count
            pa = np.repeat(np.arange(first, last), own_cnt)
            base = np.repeat(np.repeat(starts[seg:stop], cnt), own_cnt)
            pos = np.arange(len(pa)) - np.repeat(np.cumsum(own_cnt) - own_cnt, own_cnt)
            pb = base + pos
            node = r[pa]
            with np.errstate(over="ignore", invalid="ignore"):
                gain = (
                    lower[pb]
                    - upper[pa]
                    + _share_gain_min(xi[b[pa]], xi[b[pb]], t_lo[node], t_hi[node], w)
                )
                best = np.maximum.reduceat(gain, np.cumsum(own_cnt) - own_cnt)
            keep[first:last] = ~(best > thr)
            seg = stop
        out[r, b] = keep
        return out

    def keep(
        self,
        prof: NDArray[np.intp],
        i: int,
        open_cols: NDArray[np.intp],
        lo: NDArray[np.intp] | None,
        hi: NDArray[np.intp] | None,
    ) -> NDArray[np.bool_]:
        """Which partial profiles (rows of ``prof``, ``i`` fixed) may still make ``i``
        best-respond when the players ``open_cols`` lie within ``[lo, hi]`` (arrays of
        shape ``(rows, len(open_cols))``); no open player: the exact test."""
        c = len(prof)
        if c == 0:
            return np.zeros(0, dtype=bool)
        if len(open_cols) == 0:
            return self.exact(prof, i)
        low = prof.copy()
        low[:, open_cols] = lo
        high = prof.copy()
        high[:, open_cols] = hi
        return self.alive(low, high, i)[np.arange(c), prof[:, i]]


def _share_gain_min(xa: NDArray, xb: NDArray, t_lo: NDArray, t_hi: NDArray, w: float) -> NDArray:
    """``min over T in [t_lo, t_hi]`` of ``w (xb / (xb + T) - xa / (xa + T))``: the least
    gain in contest share from switching from weight ``xa`` to ``xb`` when the others' sum
    ``T`` may be anything in the range.

    Derivation: ``f(T) = xb/(xb+T) - xa/(xa+T) = T (xb - xa) / ((xa+T)(xb+T))``; the
    derivative of ``g(T) = T / ((xa+T)(xb+T))`` has the sign of ``xa xb - T**2``, so
    ``g`` rises up to ``T* = sqrt(xa xb)`` and falls after. For ``xb >= xa``, ``f`` is a
    positive multiple of ``g``: its minimum over an interval is at an end, its maximum at
    ``T*`` clipped to the interval; for ``xb < xa`` the other way round. ``w < 0`` swaps
    minimum and maximum."""

    def f(t: NDArray) -> NDArray:
        return xb / (xb + t) - xa / (xa + t)

    ends = (f(t_lo), f(t_hi))
    inner = f(np.clip(np.sqrt(xa * xb), t_lo, t_hi))
    up = xb >= xa
    if w >= 0:
        return w * np.where(up, np.minimum(*ends), inner)
    return w * np.where(up, inner, np.maximum(*ends))


# ---------------------------------------------------------------------- branch and prune
def _lo_hi(masks: NDArray[np.bool_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    k = masks.shape[2]
    return masks.argmax(axis=2), k - 1 - masks[:, :, ::-1].argmax(axis=2)


def _prune(ev: _Evaluator, state: NDArray[np.bool_], i: int) -> NDArray[np.bool_]:
    """``(B, shape[i])``: the actions of ``i`` that survive the bound test at each node
    (``state[:, 0]``: the domains, ``state[:, 1]``: the deviation sets)."""
    dom = state[:, 0]
    b_nodes = len(state)
    k = ev.shape[i]
    live = state[:, 1, i, :k]
    lo, hi = _lo_hi(dom)
    mates = ev.mates[i]
    if not mates:
        return ev.alive(lo, hi, i, live)
    sizes = dom[:, mates, :].sum(axis=2)
    combos = np.prod(sizes, axis=1)
    out = np.ones((b_nodes, k), dtype=bool)
    ok = np.flatnonzero(combos <= _MAX_MATE_COMBOS)  # the others keep every action
    out[ok[combos[ok] == 0]] = False
    ok = ok[combos[ok] > 0]
    if ok.size == 0:
        return out
    node = ok
    vals = np.zeros((len(ok), 0), dtype=np.intp)
    for j in mates:  # every joint action of the mates within their domains
        c_idx, level = np.nonzero(dom[node, j, :])
        node = node[c_idx]
        vals = np.concatenate([vals[c_idx], level[:, None]], axis=1)
    low = lo[node]
    low[:, mates] = vals
    high = hi[node]
    high[:, mates] = vals
    alive = ev.alive(low, high, i, live[node])
    # an action survives if it may be a best response for some joint action of the mates
    starts = np.flatnonzero(np.r_[True, node[1:] != node[:-1]])
    out[node[starts]] = np.logical_or.reduceat(alive, starts, axis=0)
    return out


def _propagate(
    ev: _Evaluator, state: NDArray[np.bool_], dirty: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Prune every node to its fixed point; nodes with an empty domain are dropped.

    A batch whose round of pruning removed less than :data:`_STALL` of its live actions
    stops early and is branched (sound: pruning is optional; leaves are tested exactly).

    Why only the deviation sets are evaluated: an action is removed only when it is not a
    ``tol``-best response anywhere in the node's box, so every exact best response at
    every completion of the box stays in the deviation set (boxes only shrink; branching
    splits the domains, never the deviation sets). ``max_b u_i(b | x)`` is therefore a
    maximum over the deviation set, and bounds over it suffice."""
    n = ev.n
    before = int(state[:, 0].sum())
    while len(state) and dirty.any():
        for i in range(n):
            sel = np.flatnonzero(dirty[:, i])
            if sel.size == 0:
                continue
            dirty[sel, i] = False
            k = ev.shape[i]
            keep = _prune(ev, state[sel], i)
            old = state[sel, 0, i, :k]
            new = old & keep
            changed = sel[(new != old).any(axis=1)]
            state[sel, 0, i, :k] = new
            state[sel, 1, i, :k] &= keep
            dirty[changed] = True
            dirty[changed, i] = False
            live = state[:, 0, i, :k].any(axis=1)
            if not live.all():
                state, dirty = state[live], dirty[live]
                if len(state) == 0:
                    break
        after = int(state[:, 0].sum())
        if after > (1.0 - _STALL) * before:  # slow progress: branching does better
            break
        before = after
    return state


def _heterogeneous(ev: _Evaluator) -> list[tuple[int, ...]]:
    n, shape = ev.n, ev.shape
    k_max = max(shape)
    root = np.zeros((1, 2, n, k_max), dtype=bool)
    for i, k in enumerate(shape):
        root[0, :, i, :k] = True
    stack = [(root, np.ones((1, n), dtype=bool))]
    found: list[tuple[int, ...]] = []
    nodes = 0
    while stack:
        state, dirty = stack.pop()
        nodes += len(state)
        state = _propagate(ev, state, dirty)
        if len(state) == 0:
            continue
        size = state[:, 0].sum(axis=2)
        leaf = (size == 1).all(axis=1)
        if leaf.any():
            prof = state[leaf, 0].argmax(axis=2)
            for i in range(n):
                prof = prof[ev.exact(prof, i)]
            found.extend(tuple(int(x) for x in row) for row in prof)
            if len(found) > MAX_EQUILIBRIA:
                raise GameTooLargeError(
                    f"the game has more than {MAX_EQUILIBRIA} pure equilibria, above the "
                    "limit on equilibria listed"
                )
            state, size = state[~leaf], size[~leaf]
        if len(state) == 0:
            continue
        # branch: split the largest domain into its lower and upper halves
        p = size.argmax(axis=1)
        sel = np.arange(len(state))
        dom = state[sel, 0, p]
        low_half = dom & (np.cumsum(dom, axis=1) <= ((size[sel, p] + 1) // 2)[:, None])
        upper = state.copy()
        upper[sel, 0, p] = dom & ~low_half
        state[sel, 0, p] = low_half
        children = np.concatenate([upper, state])  # the lower half is popped first
        dirty = np.ones((len(children), n), dtype=bool)
        dirty[np.arange(len(children)), np.concatenate([p, p])] = False
        for s in range(0, len(children), _BATCH):
            stack.append((children[s : s + _BATCH], dirty[s : s + _BATCH]))
    ev.nodes = nodes
    return found


# ---------------------------------------------------------------------- identical players
def _check_rows(n_rows: int, n: int, what: str) -> None:
    if n_rows > MAX_SEARCH_ROWS:
        raise GameTooLargeError(
            f"the structured pure search would hold {n_rows} partial profiles of {n} "
            f"organizations ({what}), above the limit {MAX_SEARCH_ROWS} "
            f"(~{n_rows * n * 8 * 4 / 2**30:.1f} GiB); use a coarser grid"
        )


def _symmetric(ev: _Evaluator, one_group: bool) -> NDArray[np.intp]:
    """Non-increasing profiles that are equilibria (see the module docstring)."""
    n, k = ev.n, ev.shape[0]
    if one_group:  # nothing can be bounded: every multiset, checked exactly
        total = math.comb(n + k - 1, k - 1)
        _check_rows(total, n, f"{total} multisets of {n} levels among {k}")
        prof = _multisets(n, k)
        for i in range(n):
            first = np.ones(len(prof), dtype=bool) if i == 0 else prof[:, i] != prof[:, i - 1]
            idx = np.flatnonzero(first)
            ok = ev.exact(prof[idx], i)
            prof = np.delete(prof, idx[~ok], axis=0)
        return prof
    prof = np.zeros((1, n), dtype=np.intp)
    for d in range(n):
        # a_d in [0, a_{d-1}]
        top = np.full(len(prof), k - 1) if d == 0 else prof[:, d - 1]
        counts = top + 1
        _check_rows(int(counts.sum()), n, f"level {d} of the multiset search")
        rep = np.repeat(np.arange(len(prof)), counts)
        starts = np.cumsum(counts) - counts
        new = np.arange(len(rep)) - np.repeat(starts, counts)
        prof = prof[rep]
        prof[:, d] = new
        open_cols = np.arange(d + 1, n, dtype=np.intp)
        for i in [d, *range(d)]:
            if len(prof) == 0:
                return prof
            first = np.ones(len(prof), dtype=bool) if i == 0 else prof[:, i] != prof[:, i - 1]
            idx = np.flatnonzero(first)
            if idx.size == 0:
                continue
            sub = prof[idx]
            m = len(sub)
            lo = np.zeros((m, len(open_cols)), dtype=np.intp)
            hi = np.repeat(sub[:, d : d + 1], len(open_cols), axis=1)
            ok = ev.keep(sub, i, open_cols, lo, hi)
            prof = np.delete(prof, idx[~ok], axis=0)
    return prof


def _multisets(n: int, k: int) -> NDArray[np.intp]:
    """Every non-increasing profile of ``n`` levels among ``k`` (lexicographic order)."""
    prof = np.zeros((1, n), dtype=np.intp)
    for d in range(n):
        top = np.full(len(prof), k - 1) if d == 0 else prof[:, d - 1]
        counts = top + 1
        rep = np.repeat(np.arange(len(prof)), counts)
        starts = np.cumsum(counts) - counts
        prof = prof[rep]
        prof[:, d] = np.arange(len(rep)) - np.repeat(starts, counts)
    return prof


def _distinct_permutations(items: list[int]) -> Iterator[tuple[int, ...]]:
    """Distinct permutations of a multiset, in lexicographic order."""
    a = sorted(items)
    n = len(a)
    while True:
        yield tuple(a)
        j = n - 2
        while j >= 0 and a[j] >= a[j + 1]:
            j -= 1
        if j < 0:
            return
        m = n - 1
        while a[m] <= a[j]:
            m -= 1
        a[j], a[m] = a[m], a[j]
        a[j + 1 :] = reversed(a[j + 1 :])


def _n_permutations(items: Sequence[int]) -> int:
    out = math.factorial(len(items))
    for c in np.unique(items, return_counts=True)[1]:
        out //= math.factorial(int(c))
    return out


def structured_pure_equilibria(
    game: Any, *, tol: float = 0.0
) -> tuple[list[tuple[int, ...]], dict[str, Any]] | None:
    """Every pure equilibrium by the structured search, or None.

    Returns the equilibria (action tuples, lexicographic order) and the search's details
    (route, profiles evaluated, nodes or multisets), or None when the game provides no
    :class:`MonotoneForm` (:func:`structured_reason` says why).

    Raises
    ------
    GameTooLargeError
        If the equilibria (permutations included) exceed :data:`MAX_EQUILIBRIA`, the
        multiset search would hold more than :data:`MAX_SEARCH_ROWS` partial profiles, or
        the search evaluates more than :data:`MAX_EVALUATIONS` profiles.
    """
    form = _form(game)[0]
    if form is None:
        return None
    ev = _Evaluator(game, form, tol)
    n = ev.n
    groups = form.groups
    details: dict[str, Any] = {"n_profiles": game.n_profiles}
    symmetric = (
        n > 1
        and bool(game.is_symmetric())
        and (len(groups) == 1 or all(len(g) == 1 for g in groups))
    )
    if symmetric:
        found = _symmetric(ev, len(groups) == 1)
        multisets = [tuple(int(x) for x in row) for row in found]
        total = sum(_n_permutations(m) for m in multisets)
        if total > MAX_EQUILIBRIA:
            raise GameTooLargeError(
                f"the game has {total} pure equilibria (permutations of {len(multisets)} "
                f"multisets of levels), above the limit {MAX_EQUILIBRIA} on equilibria listed"
            )
        profiles = sorted(p for m in multisets for p in _distinct_permutations(list(m)))
        details.update(
            route="structured-symmetric",
            multisets=tuple(tuple(sorted(m)) for m in multisets),
            multisets_searched=math.comb(n + ev.shape[0] - 1, ev.shape[0] - 1),
        )
    else:
        profiles = sorted(_heterogeneous(ev))
        details.update(route="structured", groups=tuple(groups), nodes=ev.nodes)
    details["profiles_evaluated"] = ev.rows
    return profiles, details
