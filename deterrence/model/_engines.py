"""First-order engines of the targeting game: designation probabilities of every deviation
column at a mixed profile, and at pure profiles.

Private helpers of the rule kernels (:mod:`deterrence.model.kernels`); see
:mod:`deterrence.model.structured` for what is computed and how exactly. A *deviation
column* of player ``i`` is one of its own levels times one joint action of the other
members of its attribution block (:class:`_Cols`); a block's law is a
:class:`~deterrence.model._numerics.Block`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import log_ndtr, logsumexp

from ._numerics import CHUNK, MAX_WORK_ENTRIES, STEP, Block, Grid, log_cdf, too_large

#: The joint law of one block's scores (members not deviating).
_Dist = Block


@dataclass
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
        _aggregate(c, values[sl], shape[c.player]) for c, sl in zip(cols_list, slices, strict=True)
    ]


def _ranking(
    k: int,
    ties: str,
    floor: float,
    dists: list[_Dist],
    cols_list: list[_Cols],
    shape: Sequence[int],
    tol: float,
) -> list[NDArray]:
    """Expected designation probability under a rank rule (the top ``k`` above ``floor``),
    by the Poisson-binomial recursion over blocks on (number above, number tied), for
    every deviation column of every player at once.

    ``ties``: ``"split"``/``"random"`` share the last slots among the tied, ``"lowest"``
    gives them in list order, ``"all"`` designates every organization tied for them.
    """
    s_all, player_all, block_all, slices = _stack_columns(cols_list)
    res = np.zeros(s_all.shape[0])
    live = np.flatnonzero(s_all > floor + tol)
    lowest = ties == "lowest"
    every = ties == "all"  # ties never matter: a tie is neither above nor shares a slot
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
                elif every:
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
            elif every:
                dn[r] += eq[r]
                eq[r] = 0.0
        factors = []
        t_cap = t0 + (eq > 0).sum(axis=0)
        for b, d in enumerate(dists):
            if len(d.members) == 1:
                continue
            f = _block_counts(d, s, player, tol, ties)
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


def _block_counts(d: _Dist, s: NDArray, player: NDArray, tol: float, ties: str) -> NDArray:
    """``out[c, dm, dt]``: probability that ``dm`` members of a block of two or more score above
    ``s[c]`` and ``dt`` are tied with it (with ``ties="lowest"``, a tie with a member listed
    before column ``c``'s player counts as above, one with a member after as below; with
    ``"all"`` ties are not counted)."""
    lowest = ties == "lowest"
    m = d.scores.shape[1]
    C = s.shape[0]
    diff = d.scores[None, :, :] - s[:, None, None]  # (C, R, m)
    up = diff > tol
    eq = np.abs(diff) <= tol
    if lowest:
        before = d.members[None, None, :] < player[:, None, None]
        up = up | (eq & before)
        eq = np.zeros_like(eq)
    elif ties == "all":
        eq = np.zeros_like(eq)
    nu = up.sum(axis=2)
    ne = eq.sum(axis=2)
    out = np.zeros((C, m + 1, 1 if ties in ("lowest", "all") else m + 1))
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
    margin: float,
    floor: float,
    dists: list[_Dist],
    cols_list: list[_Cols],
    shape: Sequence[int],
    tol: float,
) -> list[NDArray]:
    """Designated only when beating every other score by ``margin``: a product of CDFs."""
    s, _, block, slices = _stack_columns(cols_list)
    thr = s - margin + tol
    p = (s > floor + tol).astype(float)
    for c, sl in zip(cols_list, slices, strict=True):
        others = [q for q in range(c.scores.shape[1]) if q != c.pos]
        if others:
            p[sl] *= np.all(c.scores[:, others] <= thr[sl, None], axis=1)
    for b, d in enumerate(dists):
        p *= np.where(block == b, 1.0, _block_max_cdf(d, thr))
    return _split(cols_list, p, slices, shape)


def _priority(
    order: Sequence[int],
    floor: float,
    dists: list[_Dist],
    cols_list: list[_Cols],
    shape: Sequence[int],
    tol: float,
) -> list[NDArray]:
    """The first organization of the list above the floor: products of the probabilities
    that every organization listed before the deviator stays at most at the floor."""
    n = len(order)
    rank = np.empty(n, dtype=np.intp)
    rank[list(order)] = np.arange(n)
    f = floor + tol
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
    kind: str,
    sigma: float,
    dists: list[_Dist],
    cols_list: list[_Cols],
    shape: Sequence[int],
    floor: float | None,
) -> list[NDArray]:
    """Expected probability that each deviation column has the highest noisy score.

    Scores may be ``-inf`` (an option that never wins, and never blocks). See the module
    docstring for the integral and its accuracy.
    """
    values = [d.scores for d in dists] + [c.scores for c in cols_list]
    grid = Grid(kind, sigma, values, floor)
    if grid.empty:
        return [np.zeros(shape[c.player]) for c in cols_list]
    a, h, n_nodes, x = grid.a, grid.h, grid.n_nodes, grid.x

    def log_f(vals: NDArray) -> NDArray:
        """log F((x - v) / sigma) for values ``vals`` (any shape) -> shape (*vals, n_nodes)."""
        return grid.log_f(x, np.asarray(vals)[..., None])

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
        step = max(1, CHUNK // (width * n_nodes))
        for r0 in range(0, len(single), step):
            rs = slice(r0, r0 + step)
            H = np.einsum("bl,bln->bn", pr[rs], np.exp(log_f(vals[rs])))
            with np.errstate(divide="ignore"):
                logH[single[rs]] = np.log(H)
    for bi, d in enumerate(dists):
        if d.scores.shape[1] == 1:
            continue
        _check_grid_work(d.scores.size, grid)
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
    band = grid.band
    res = np.zeros(s_all.size)
    fin = np.flatnonzero(np.isfinite(s_all))
    step = max(1, CHUNK // (band * max(1, width)))
    offs = np.arange(band)
    decay = np.exp(-STEP * offs)  # the grid is uniform: exp(-z) along a band is geometric
    for c0 in range(0, fin.size, step):
        rows = fin[c0 : c0 + step]
        first = grid.first_node(s_all[rows])  # lattice index of each band's first node
        nodes = grid.position(first)[:, None] + offs[None, :]  # (rows, band) positions
        lg = loo[block_all[rows][:, None], nodes]
        if width:
            xs = x[nodes]
            v = others[rows][:, :, None]
            with np.errstate(invalid="ignore"):
                zo = (xs[:, None, :] - v) / sigma
            zo = np.where(np.isneginf(v), np.inf, zo)
            lo_f = log_cdf(kind, zo)
            lg = lg + lo_f.sum(axis=1)
        phi = (a + first * h - s_all[rows]) / sigma  # z at the first node of each band
        if kind == "probit":
            z = phi[:, None] + STEP * offs[None, :]
            logk = -0.5 * z * z - 0.5 * np.log(2 * np.pi) - np.log(sigma)
            res[rows] = h * np.exp(logk + lg).sum(axis=1)
        else:
            e = np.exp(-phi)[:, None] * decay[None, :]  # exp(-z)
            kern = e * np.exp(-e) / sigma  # Gumbel density
            res[rows] = 1.0 - h * (kern * -np.expm1(lg)).sum(axis=1)
    return _split(cols_list, np.clip(res, 0.0, 1.0), slices, shape)


def _check_grid_work(entries: int, grid: Grid) -> None:
    """The size policy for (scores x grid nodes) arrays of the noisy-max integral."""
    work = entries * grid.n_nodes
    if work > MAX_WORK_ENTRIES:
        raise too_large(
            "noise",
            grid.sigma,
            work,
            MAX_WORK_ENTRIES,
            f"entries of the (joint scores of an attribution block x {grid.n_nodes} grid "
            "nodes) array",
            "use a larger noise, a coarser level grid or smaller attribution blocks",
        )


def _pure_noisy(S: NDArray, kind: str, sig: float, floor: float | None) -> NDArray:
    """Designation probabilities of noisy attribution at pure profiles (rows of ``S``)."""
    if kind == "logit":
        y = S / sig
        if floor is not None:
            full = np.concatenate([y, np.full((y.shape[0], 1), floor / sig)], axis=1)
            return np.exp(y - logsumexp(full, axis=1, keepdims=True))
        return np.exp(y - logsumexp(y, axis=1, keepdims=True))
    # probit: P_i = int phi(t) prod_{j != i} Phi(t + (S_i - S_j)/sigma) dt
    n = S.shape[1]
    t = np.arange(-9.0, 9.0 + 1e-12, STEP)
    logphi = -0.5 * t * t - 0.5 * np.log(2 * np.pi)
    extra = S if floor is None else np.concatenate([S, np.full((S.shape[0], 1), floor)], axis=1)
    out = np.empty_like(S)
    step = max(1, CHUNK // (n * extra.shape[1] * t.size))
    for r0 in range(0, S.shape[0], step):
        sl = slice(r0, r0 + step)
        d = (S[sl, :, None] - extra[sl, None, :]) / sig  # (P, n, n')
        lg = log_ndtr(d[..., None] + t)  # (P, n, n', T)
        lg[:, np.arange(n), np.arange(n), :] = 0.0
        tot = lg.sum(axis=2) + logphi
        out[sl] = STEP * np.exp(tot).sum(axis=2)
    return out


def _pure_top(
    S: NDArray, margin: float, ties: str, above_floor: NDArray, tol: float, exact: object
) -> NDArray:
    """The top-1 rule at pure profiles in O(P * N): only organizations within ``tol`` of
    the top can be designated. Rows where scores come within ``2 * tol`` of the top without
    being tied with it (where the i-centred tie sets could differ) use ``exact`` (the
    pairwise definition: a callable ``S -> designation probabilities``)."""
    top = S.max(axis=1, keepdims=True)
    cand = S + tol >= top
    near = top - 2 * tol <= S
    clean = np.all(cand == near, axis=1)
    out = np.zeros_like(S)
    if margin > tol:
        second = np.partition(S, -2, axis=1)[:, -2:-1] if S.shape[1] > 1 else top - np.inf
        first = np.argmax(S, axis=1)
        ok = (second[:, 0] <= top[:, 0] - margin + tol) & clean
        rows = np.flatnonzero(ok)
        out[rows, first[rows]] = 1.0
    elif ties == "lowest":
        first = np.argmax(cand, axis=1)
        out[np.arange(S.shape[0]), first] = 1.0
    elif ties == "all":
        out = cand.astype(float)
    else:
        out = cand / cand.sum(axis=1, keepdims=True)
    out *= above_floor
    dirty = np.flatnonzero(~clean)
    if dirty.size:
        out[dirty] = exact(S[dirty])  # type: ignore[operator]
    return out


def _pure_priority(order: Sequence[int], above_floor: NDArray) -> NDArray:
    """The first organization of ``order`` above the floor, at pure profiles."""
    out = np.zeros(above_floor.shape)
    blocked = np.zeros(above_floor.shape[0], dtype=bool)
    for i in order:
        hit = above_floor[:, i] & ~blocked
        out[hit, i] = 1.0
        blocked |= above_floor[:, i]
    return out


def _pure_score_share(S: NDArray) -> NDArray:
    """``S_i / sum_j S_j`` at pure profiles (nobody when every score is zero)."""
    tot = S.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(S > 0, S / np.where(tot > 0, tot, 1.0), 0.0)
