"""Every pure equilibrium of a targeting game without its payoff table.

:func:`structured_pure_equilibria` enumerates the pure equilibria of a
:class:`~deterrence.model.structured.TargetingGame` exactly and completely, evaluating only
the pure profiles a branch-and-bound search needs through the game's own pure-profile oracle
(:meth:`~deterrence.model.structured.TargetingGame.pure_components`, the formulas the dense
table is built from), never the table.

Why the pruning is sound. Organization ``i``'s payoff at a pure profile is::

    u_i = own_i(v_i) + R * share_i - L_i * P_i + H_i * alone_i

and it depends on the organizations outside its attribution block only through their
levels, monotonically:

* scores ``S_j = sum_k M[k, j] kappa_k v_k`` are non-decreasing in every level (``M >= 0``,
  ``kappa >= 0``, increasing grids), and every shipped rule's designation probability
  ``P_i`` is non-increasing in every other organization's score (a rival scoring higher can
  only take the top spot, a slot of :class:`~deterrence.TopK`, a priority rank, a larger
  part of a softmax or of a score share away from ``i``);
* the Tullock share ``X_i / (X_i + sum_{j != i} X_j)`` is decreasing in every other
  ``X_j = (a_j + v_j)**r``, itself non-decreasing in ``v_j``;
* ``alone_i`` (the carrot) reads ``S_i`` only, fixed once ``i``'s block is.

So when the levels of some blocks are fixed and every other organization ``j`` is only
known to lie in a range ``[lo_j, hi_j]``, evaluating the profile with all of them at
``lo`` and at ``hi`` bounds each component: for every completion,
``u_i(b) >= own_i(b) + R share_i(b | hi) - L_i P_i(b | lo) + H_i alone_i(b)`` and
``u_i(a_i) <= own_i(a_i) + R share_i(a_i | lo) - L_i P_i(a_i | hi) + H_i alone_i(a_i)``. If
the first exceeds the second by more than ``tol`` (plus a rounding margin of ``1e-9``
times the payoff scale) for some deviation ``b``, no completion makes ``i`` best-respond:
the branch is cut. A complete profile (nothing left open) is checked exactly: its payoff
rows are read from ``pure_components``, as the dense table's entries are, and compared as
the dense route compares them.

The search. *Heterogeneous organizations*: blocks are fixed one after another, in
increasing order of their largest penalty (all joint
actions of a block at once, breadth first, vectorised over the surviving partial
profiles); after each block, every organization of a fixed block is screened with the
bounds above (the newest first). *Identical organizations* (``game.is_symmetric()``): a
profile is an equilibrium iff any permutation of it is, so only non-increasing profiles
``a_0 >= a_1 >= ... >= a_{N-1}`` are searched (multisets of levels, at most
``C(N + K - 1, K - 1)`` of them); after fixing ``a_d`` the open organizations lie in
``[0, a_d]``, and among fixed organizations with the same level only the first is screened
(their situations are identical). Equilibria found as multisets are expanded into every
distinct permutation. With an attribution matrix that links every organization (one block)
no partial profile can be bounded, and every multiset is checked exactly.

What falls outside: a rule with a user-registered kernel (its monotonicity is unknown), a
negative attribution entry or a decreasing score. :func:`structured_pure_equilibria`
returns ``None`` for those (with the reason), and the caller takes the dense route.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import GameTooLargeError

__all__ = ["MAX_EQUILIBRIA", "MAX_SEARCH_ROWS", "structured_pure_equilibria", "structured_reason"]

#: Most equilibria the structured route lists (identical organizations' permutations can
#: be astronomically many); above it the enumeration is refused.
MAX_EQUILIBRIA = 1_000_000
#: Largest number of partial profiles held at once by the search (memory bound:
#: ``rows * n_players * 8`` bytes, a few times over).
MAX_SEARCH_ROWS = 20_000_000
#: Largest number of pure profiles evaluated in one call of the oracle.
_CHUNK_ROWS = 1 << 16
#: Relative rounding margin of the bound test (a cut needs a gain above tol + this * scale).
_MARGIN_RTOL = 1e-9


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


def structured_reason(game: Any) -> str | None:
    """Why ``game`` cannot take the structured route (None when it can)."""
    from ..model.structured import TargetingGame

    if not isinstance(game, TargetingGame):
        return f"{type(game).__name__} is not a targeting game"
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


class _Evaluator:
    """Bound and exact tests of one organization's best response at (partial) profiles."""

    def __init__(self, game: Any, tol: float) -> None:
        model = game.model
        self.game = game
        self.tol = tol
        self.n = model.n_orgs
        self.shape = game.shape
        self.own = model.own_payoffs()
        self.R = 0.0 if model.market is None else float(model.market.revenue)
        self.L = np.asarray(model.penalty, dtype=float)
        self.H = np.asarray(model.carrot, dtype=float) if model.rule.has_floor else np.zeros(self.n)
        own_span = max(float(np.max(np.abs(o))) for o in self.own)
        scale = own_span + abs(self.R) + float(self.L.max()) + float(self.H.max())
        self.margin = _MARGIN_RTOL * max(1.0, scale)
        self.rows = 0  # pure profiles evaluated
        # mixed-radix codes of profiles (to find rows that share their deviations)
        self.codes_ok = game.n_profiles < 2**62
        if self.codes_ok:
            self.strides = np.array(
                [math.prod(self.shape[j + 1 :]) for j in range(self.n)], dtype=np.int64
            )

    def _components(self, rows: NDArray[np.intp], i: int) -> dict[str, NDArray]:
        self.rows += len(rows)
        out: dict[str, list[NDArray]] = {"share": [], "designation": [], "alone": [], "payoff": []}
        for s in range(0, len(rows), _CHUNK_ROWS):
            comp = self.game.pure_components(rows[s : s + _CHUNK_ROWS])
            for key in out:
                out[key].append(comp[key][:, i])
        return {key: np.concatenate(v) for key, v in out.items()}

    def _deviation_rows(self, base: NDArray[np.intp], i: int) -> dict[str, NDArray]:
        """Components of ``i`` at every deviation of ``i`` from each row of ``base``: arrays
        of shape ``(rows, shape[i])``. Rows that differ only in ``i``'s level share their
        deviation profiles, which are evaluated once."""
        k = self.shape[i]
        c = len(base)
        inverse = None
        if self.codes_ok and c > 1:
            strides = self.strides.copy()
            strides[i] = 0
            codes = base @ strides
            uniq, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
            if len(uniq) < c:
                base = base[first]
            else:
                inverse = None
        m = len(base)
        rows = np.repeat(base, k, axis=0)
        rows[:, i] = np.tile(np.arange(k), m)
        comp = {key: v.reshape(m, k) for key, v in self._components(rows, i).items()}
        if inverse is not None:
            comp = {key: v[inverse] for key, v in comp.items()}
        return comp

    def keep(
        self,
        prof: NDArray[np.intp],
        i: int,
        open_cols: NDArray[np.intp],
        lo: NDArray[np.intp] | None,
        hi: NDArray[np.intp] | None,
    ) -> NDArray[np.bool_]:
        """Which partial profiles (rows of ``prof``; ``i`` fixed) may still make ``i``
        best-respond. ``open_cols``: the organizations not fixed yet, each within
        ``[lo, hi]`` (arrays of shape ``(rows, len(open_cols))``); none: an exact test."""
        c = len(prof)
        cur = prof[:, i]
        if c == 0:
            return np.zeros(0, dtype=bool)

        sel = np.arange(c)
        if len(open_cols) == 0:
            pay = self._deviation_rows(prof, i)["payoff"]
            best = pay.max(axis=1)
            now = pay[sel, cur]
            if self.tol == 0.0:
                return now >= best
            with np.errstate(over="ignore", invalid="ignore"):
                return (best - now) <= self.tol
        low = prof.copy()
        low[:, open_cols] = lo
        high = prof.copy()
        high[:, open_cols] = hi
        cl = self._deviation_rows(low, i)
        ch = self._deviation_rows(high, i)
        own = self.own[i][None, :]
        alone = cl["alone"]
        share_lo, share_hi = cl["share"], ch["share"]
        des_lo, des_hi = cl["designation"], ch["designation"]
        lower = own + self.R * share_hi - self.L[i] * des_lo + self.H[i] * alone
        upper = own + self.R * share_lo - self.L[i] * des_hi + self.H[i] * alone
        with np.errstate(over="ignore", invalid="ignore"):
            gain = lower.max(axis=1) - upper[sel, cur]
            return ~(gain > self.tol + self.margin)


def _product(sizes: list[int]) -> NDArray[np.intp]:
    grids = np.meshgrid(*[np.arange(s) for s in sizes], indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1).astype(np.intp)


def _check_rows(n_rows: int, n: int, what: str) -> None:
    if n_rows > MAX_SEARCH_ROWS:
        raise GameTooLargeError(
            f"the structured pure search would hold {n_rows} partial profiles of {n} "
            f"organizations ({what}), above the limit {MAX_SEARCH_ROWS} "
            f"(~{n_rows * n * 8 * 4 / 2**30:.1f} GiB); use a coarser grid"
        )


def _heterogeneous(ev: _Evaluator, blocks: list[tuple[int, ...]]) -> NDArray[np.intp]:
    n, shape = ev.n, ev.shape
    prof = np.zeros((1, n), dtype=np.intp)
    fixed: list[int] = []
    open_set = list(range(n))
    for members in blocks:
        joint = _product([shape[m] for m in members])
        _check_rows(len(prof) * len(joint), n, f"block {list(members)}")
        prof = np.repeat(prof, len(joint), axis=0)
        prof[:, list(members)] = np.tile(joint, (len(prof) // len(joint), 1))
        fixed = list(members) + fixed  # newest first
        open_set = [j for j in open_set if j not in members]
        open_cols = np.asarray(open_set, dtype=np.intp)
        lo = np.zeros((1, len(open_cols)), dtype=np.intp)
        hi = np.asarray([shape[j] - 1 for j in open_set], dtype=np.intp)[None, :]
        for i in fixed:
            if len(prof) == 0:
                return prof
            m = len(prof)
            ok = ev.keep(
                prof,
                i,
                open_cols,
                np.broadcast_to(lo, (m, lo.shape[1])),
                np.broadcast_to(hi, (m, hi.shape[1])),
            )
            prof = prof[ok]
    return prof


def _symmetric(ev: _Evaluator, one_block: bool) -> NDArray[np.intp]:
    """Non-increasing profiles that are equilibria (see the module docstring)."""
    n, k = ev.n, ev.shape[0]
    if one_block:  # nothing can be bounded: every multiset, checked exactly
        total = math.comb(n + k - 1, k - 1)
        _check_rows(total, n, f"{total} multisets of {n} levels among {k}")
        prof = _multisets(n, k)
        for i in range(n):
            first = np.ones(len(prof), dtype=bool) if i == 0 else prof[:, i] != prof[:, i - 1]
            idx = np.flatnonzero(first)
            ok = ev.keep(prof[idx], i, np.zeros(0, dtype=np.intp), None, None)
            drop = idx[~ok]
            prof = np.delete(prof, drop, axis=0)
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


def _n_permutations(items: list[int]) -> int:
    out = math.factorial(len(items))
    for c in np.unique(items, return_counts=True)[1]:
        out //= math.factorial(int(c))
    return out


def structured_pure_equilibria(
    game: Any, *, tol: float = 0.0
) -> tuple[list[tuple[int, ...]], dict[str, Any]] | None:
    """Every pure equilibrium of a targeting game by the structured search, or None.

    Returns the equilibria (action tuples, lexicographic order) and the search's details
    (route, profiles evaluated, multisets found), or None when the game falls outside the
    structured route (:func:`structured_reason` says why).

    Raises
    ------
    GameTooLargeError
        If the search would hold more than :data:`MAX_SEARCH_ROWS` partial profiles, or
        the equilibria (permutations included) exceed :data:`MAX_EQUILIBRIA`.
    """
    if structured_reason(game) is not None:
        return None
    ev = _Evaluator(game, tol)
    n = ev.n
    blocks = [tuple(b) for b in game.model.blocks]
    details: dict[str, Any] = {"n_profiles": game.n_profiles}
    if game.is_symmetric() and n > 1:
        one_block = len(blocks) == 1
        found = _symmetric(ev, one_block)
        multisets = [tuple(int(x) for x in row) for row in found]
        total = sum(_n_permutations(list(m)) for m in multisets)
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
        # blocks of small penalties first: the last block is checked exactly, and the
        # organizations with the most to lose prune best there
        blocks.sort(key=lambda b: (float(max(ev.L[list(b)])), b))
        found = _heterogeneous(ev, blocks)
        profiles = sorted(tuple(int(x) for x in row) for row in found)
        details.update(route="structured", blocks=tuple(blocks))
    details["profiles_evaluated"] = ev.rows
    return profiles, details
