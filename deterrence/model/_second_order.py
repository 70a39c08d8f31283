"""Second-order oracle of the targeting game, and closed forms for symmetric games.

Private helpers of :class:`~deterrence.model.structured.TargetingGame`:

* :func:`pair_payoffs_all` — every pair matrix ``out[i][j][a, b]`` (player ``i``'s payoff
  when ``i`` plays ``a``, ``j`` plays ``b`` and everyone else mixes) in one pass, exactly
  (the same finite sums and the same quadrature as the deviation oracle), in time
  polynomial in the number of organizations and levels.
* :class:`SymmetricForms` — for a symmetric game with singleton attribution blocks, the
  payoff of each level against ``N - 1`` others all playing ``q`` and its pair matrix, in
  closed form (multinomial sums, one quadrature for noisy rules).

How the pair matrices are computed
----------------------------------
For a *deviation column* ``c`` of player ``i`` (one own level, and one joint action of the
other members of ``i``'s attribution block) the designation probability is a functional of
the product, over the *other* blocks ``B``, of one factor per block:

* **counting rules** (:class:`~deterrence.MostViolent`, :class:`~deterrence.TopK`,
  :class:`~deterrence.Priority`, margins, ``ties="lowest"``): block ``B``'s factor is the
  probability generating function ``G_B(u, x) = E[u^(members above) x^(members tied)]``
  (above/tied relative to column ``c``'s score). The designation probability is
  ``sum_{m<k,t} phi(m, t) [u^m x^t] prod_B G_B`` with ``phi(m, t) = min(1, (k - m)/(t +
  1))``. Polynomials in ``u`` are kept as coefficients truncated at degree ``k - 1`` (the
  number above only grows); polynomials in ``x`` (degree below ``N``) as their values at
  the ``N``-th roots of unity, where products are pointwise and the linear functional is
  a discrete Fourier sum (all values have modulus at most one: no cancellation beyond
  rounding). Fixing ``j``'s level replaces ``G_B`` by a known monomial mixture, so the pair
  matrix needs, for every column and block, the functional applied to the product of all
  the *other* blocks' factors: a forward pass (prefix products) and a backward pass (the
  functional pulled back through suffix products) give them all, with no division.
* **noisy attribution, score-proportional enforcement and the Tullock share**: the
  probability is ``int k_c(x) prod_B H_B(x) dx`` (see the structured module); leaving
  block ``B`` out is a sum of the other blocks' ``log H`` (prefix and suffix sums, no
  subtraction), and fixing ``j``'s level puts ``F((x - s_jb) / sigma)`` in its place.

Members of ``i``'s own block are handled by enumerating the columns over ``i``'s levels
times ``j``'s levels times the other members' supports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import logsumexp

from ._numerics import MAX_ENTRIES, MAX_WORK_ENTRIES, Block, Grid, flush, too_large

__all__ = ["CountSpec", "SymmetricForms", "designation_pairs_all", "pair_payoffs_all"]

_Block = Block
_flush = flush
_Grid = Grid
_MAX_ENTRIES = MAX_ENTRIES


# ============================================================================ structure


@dataclass
class _ColSet:
    """Deviation columns of player ``player``: rows of joint actions of its block."""

    player: int
    block: int
    pos: int
    action: NDArray[np.intp]  # (C,) the player's level
    weight: NDArray[np.float64]  # (C,) probability of the other members' actions
    scores: NDArray[np.float64]  # (C, m) scores of every member of the block
    members: NDArray[np.intp]  # (m,)
    mate_action: NDArray[np.intp] | None = None  # extended columns: the mate's level

    @property
    def own(self) -> NDArray[np.float64]:
        return self.scores[:, self.pos]

    def others(self) -> tuple[NDArray, NDArray]:
        """(member indices, scores) of the block members other than the player."""
        keep = [q for q in range(len(self.members)) if q != self.pos]
        return self.members[keep], self.scores[:, keep]


@dataclass
class _Structure:
    """What the engines need: block laws, each player's columns (its levels times its
    block-mates' supports: also the conditional law of its block given its level) and, for
    every ordered pair of block-mates, the extended columns."""

    blocks: list[_Block]
    block_of: NDArray[np.intp]
    plain: list[_ColSet]
    ext: dict[tuple[int, int], _ColSet]


def _agg(action: NDArray[np.intp], weight: NDArray, n_actions: int) -> NDArray:
    """``(n_actions, C)`` matrix summing weighted columns by action."""
    out = np.zeros((n_actions, len(action)))
    out[action, np.arange(len(action))] = weight
    return out


def _pair_from_ext(cs: _ColSet, values: NDArray, shape_i: int, shape_j: int) -> NDArray:
    out = np.zeros(shape_i * shape_j)
    np.add.at(out, cs.action * shape_j + cs.mate_action, cs.weight * values)
    return out.reshape(shape_i, shape_j)


def _structure(game: Any, probs: list[NDArray], transform: Any = None) -> _Structure:
    """Blocks and columns of ``game`` at ``probs`` (``transform``: applied to the attributed
    scores, e.g. a log)."""
    n = game._n
    z = game._z
    game._check_blocks(probs, pairs=True)

    def attributed(members: list[int], joint: NDArray[np.intp]) -> NDArray:
        zz = np.stack([z[i][joint[:, k]] for k, i in enumerate(members)], axis=1)
        s = zz @ game._M[np.ix_(members, members)]
        return s if transform is None else transform(s)

    supports = [np.flatnonzero(p) for p in probs]
    blocks, plain, ext = [], [None] * n, {}
    for b, mem in enumerate(game._blocks):
        members = list(mem)
        joint = game._joint(members, [supports[i] for i in members])
        pr = np.prod([probs[i][joint[:, k]] for k, i in enumerate(members)], axis=0)
        blocks.append(_Block(np.array(members), pr, attributed(members, joint)))
        for pos, i in enumerate(members):
            sup = [np.arange(game._shape[i]) if j == i else supports[j] for j in members]
            joint = game._joint(members, sup)
            w = np.ones(len(joint))
            for k, j in enumerate(members):
                if j != i:
                    w = w * probs[j][joint[:, k]]
            plain[i] = _ColSet(
                i, b, pos, joint[:, pos], w, attributed(members, joint), np.array(members)
            )
            for qj, j in enumerate(members):
                if j == i:
                    continue
                sup = [np.arange(game._shape[m]) if m in (i, j) else supports[m] for m in members]
                joint = game._joint(members, sup)
                w = np.ones(len(joint))
                for k, m in enumerate(members):
                    if m not in (i, j):
                        w = w * probs[m][joint[:, k]]
                ext[(i, j)] = _ColSet(
                    i,
                    b,
                    pos,
                    joint[:, pos],
                    w,
                    attributed(members, joint),
                    np.array(members),
                    mate_action=joint[:, qj],
                )
    return _Structure(blocks, np.asarray(game._block_of), plain, ext)


def _share_structure(game: Any, probs: list[NDArray]) -> _Structure:
    """The Tullock share as a noisy max of ``log X`` (every organization its own block)."""
    n = game._n
    blocks, plain = [], []
    for i in range(n):
        s = np.flatnonzero(probs[i])
        lx = game._logX[i]
        blocks.append(_Block(np.array([i]), probs[i][s], lx[s][:, None]))
        L = game._shape[i]
        plain.append(_ColSet(i, i, 0, np.arange(L), np.ones(L), lx[:, None], np.array([i])))
    return _Structure(blocks, np.arange(n), plain, {})


# ============================================================================ counting rules
@dataclass
class CountSpec:
    """A counting rule: column ``c`` (score ``s``, player ``i``) is designated when its score
    is *live* (above the floor) and fewer than ``k`` others are *above* it, sharing the
    remaining slots among the *tied* when ``kind == "split"``.

    ``kind``: ``"split"`` (ties share the last slots), ``"lowest"`` (ties go to the
    organization listed first), ``"all"`` (every organization tied for the last slots is
    designated), ``"margin"`` (above: within ``margin`` of ``s``), ``"priority"`` (above:
    listed before ``i`` in the priority list of ranks ``rank``, and above the floor).

    Every engine (pure profiles, mixed profiles, pairs, symmetric closed forms) reads a
    counting rule through :meth:`classify`, :meth:`live` and :meth:`value` only, so a new
    counting rule is a subclass overriding them (see :mod:`deterrence.model.kernels`).
    """

    kind: str  # "split" | "lowest" | "all" | "margin" | "priority"
    k: int
    floor: float
    tol: float
    margin: float = 0.0
    rank: NDArray[np.intp] | None = None

    @property
    def ties(self) -> bool:
        """True if tied organizations share slots (the engines then count ties)."""
        return self.kind == "split"

    def classify(self, s: NDArray, i: NDArray, j: NDArray, x: NDArray) -> tuple[NDArray, NDArray]:
        """(above, tied) for member ``j`` scoring ``x`` against column score ``s`` of
        player ``i`` (all broadcast)."""
        tol = self.tol
        if self.kind == "split":
            up = x > s + tol
            return up, (x >= s - tol) & ~up
        if self.kind == "lowest":
            up = (x > s + tol) | ((np.asarray(j) < i) & (np.abs(x - s) <= tol))
        elif self.kind == "all":
            up = x > s + tol
        elif self.kind == "margin":
            up = x > s - self.margin + tol
        else:  # priority: listed before i and above the floor
            up = (self.rank[j] < self.rank[i]) & (x > self.floor + tol)
        return up, np.zeros(np.broadcast(up).shape, dtype=bool)

    def live(self, s: NDArray) -> NDArray:
        """True where a column's own score can be designated at all (above the floor)."""
        return s > self.floor + self.tol

    def value(self, m: NDArray, t: NDArray) -> NDArray:
        """``phi(m, t)``: designation probability with ``m`` others above and ``t`` tied."""
        m = np.asarray(m)
        if not self.ties:
            return np.where((m < self.k) & (np.asarray(t) == 0), 1.0, 0.0)
        return np.where(m < self.k, np.minimum(1.0, (self.k - m) / (np.asarray(t) + 1.0)), 0.0)

    def phi(self, kk: int, P: int) -> NDArray:
        """``phi[m, t]`` for ``m < kk``, ``t < P``."""
        return self.value(np.arange(kk)[:, None], np.arange(P)[None, :])

    def pure(self, S: NDArray) -> NDArray:
        """Designation probabilities at pure profiles (rows of the score matrix ``S``), by
        the i-centred pairwise definition (``O(P * N^2)``)."""
        P, n = S.shape
        out = np.empty((P, n))
        ii = np.arange(n)[:, None]
        jj = np.arange(n)[None, :]
        off = ii != jj
        step = max(1, MAX_ENTRIES // max(1, n * n))
        for r0 in range(0, P, step):
            sl = slice(r0, r0 + step)
            up, eq = self.classify(S[sl, :, None], ii[None], jj[None], S[sl, None, :])
            m = (up & off).sum(axis=2)
            t = (eq & off).sum(axis=2)
            out[sl] = np.where(self.live(S[sl]), self.value(m, t), 0.0)
        return out


def _counts(
    spec: CountSpec, s: NDArray, player: NDArray, members: NDArray, scores: NDArray
) -> tuple[NDArray, NDArray]:
    """Numbers above and tied, ``(C, R)``, of the members (scores ``(R, m)``) against each
    column (score ``s``, player ``player``, shape ``(C,)``)."""
    up = np.zeros((len(s), scores.shape[0]), dtype=np.intp)
    eq = np.zeros_like(up)
    for q, j in enumerate(members):
        u, e = spec.classify(s[:, None], player[:, None], j, scores[None, :, q])
        up += u
        eq += e
    return up, eq


def _count_engine(
    spec: CountSpec, S: _Structure, cols: list[_ColSet], N: int, need_phi: bool = True
) -> tuple[list[NDArray], list[NDArray]]:
    """For every column of every column set: the designation probability ``P`` and
    ``Phi[c, B, du, dt]``, the functional applied to ``u^du x^dt`` times the product of
    the factors of every block except the column's own and ``B``."""
    nB = len(S.blocks)
    sizes = [len(b.members) for b in S.blocks]
    kk = min(spec.k, N)
    P = N if spec.ties else 1
    dmax = min(max(sizes), kk - 1)
    tmax = max(sizes) if spec.ties else 0
    xl = np.exp(2j * np.pi * np.arange(P) / P) if P > 1 else np.ones(1, dtype=complex)
    # the functional: F(S) = sum_{m,l} Omega[m, l] S[m, l] with S the values at x_l
    phi = spec.phi(kk, P)
    omega = (
        phi.astype(complex) @ np.exp(-2j * np.pi * np.outer(np.arange(P), np.arange(P)) / P)
    ) / P
    xpow = xl[None, :] ** np.arange(tmax + 1)[:, None]  # (tmax+1, P)
    dtype = complex if P > 1 else float
    if P == 1:
        omega = omega.real
        xpow = xpow.real
        xl = xl.real

    s_all = np.concatenate([c.own for c in cols])
    player_all = np.concatenate([np.full(len(c.action), c.player) for c in cols])
    block_all = np.concatenate([np.full(len(c.action), c.block) for c in cols])
    # own-block counts of each column
    m0 = np.zeros(len(s_all), dtype=np.intp)
    t0 = np.zeros(len(s_all), dtype=np.intp)
    start = 0
    for c in cols:
        sl = slice(start, start + len(c.action))
        start += len(c.action)
        mem, sc = c.others()
        for q, j in enumerate(mem):
            u, e = spec.classify(c.own, c.player, j, sc[:, q])
            m0[sl] += u
            t0[sl] += e
    C_total = len(s_all)
    P_out = np.empty(C_total)
    Phi_out = np.zeros((C_total, nB, dmax + 1, tmax + 1))
    per_col = (2 * nB + 2) * kk * P
    chunk = max(1, _MAX_ENTRIES // per_col)
    for c0 in range(0, C_total, chunk):
        sl = slice(c0, min(C_total, c0 + chunk))
        s, pl, bl = s_all[sl], player_all[sl], block_all[sl]
        C = len(s)
        # the functional of each column, shifted by its own block's counts
        idx = np.arange(kk)[None, :] + m0[sl][:, None]
        om = np.where((idx < kk)[:, :, None], omega[np.minimum(idx, kk - 1)], 0.0)
        om = om * (xl[None, None, :] ** t0[sl][:, None, None])
        om = om * spec.live(s)[:, None, None]
        # block factors F[b] (C, db, P): coefficient in u, values in x
        factors = []
        for b, blk in enumerate(S.blocks):
            m = len(blk.members)
            db = min(m, kk - 1)
            up, eq = _counts(spec, s, pl, blk.members, blk.scores)
            # W[c, du, dt] = P(du members above, dt tied), one weighted bincount
            nt = m + 1 if spec.ties else 1
            code = (np.arange(C)[:, None] * (m + 1) + up) * nt + eq
            W = np.bincount(
                code.ravel(),
                weights=np.broadcast_to(blk.probs, up.shape).ravel(),
                minlength=C * (m + 1) * nt,
            ).reshape(C, m + 1, nt)[:, : db + 1]
            F = W.astype(dtype) @ xpow[:nt] if nt > 1 else W.astype(dtype)
            mine = bl == b
            F[mine] = 0.0
            F[mine, 0, :] = 1.0
            factors.append(F)
        # backward: psi[b] = the functional pulled back through blocks b..nB-1
        psi = [None] * (nB + 1)
        psi[nB] = om
        for b in range(nB - 1, -1, -1):
            F = factors[b]
            nxt = psi[b + 1]
            cur = F[:, 0, None, :] * nxt
            for du in range(1, F.shape[1]):
                cur[:, : kk - du] += F[:, du, None, :] * nxt[:, du:]
            psi[b] = cur
        P_out[sl] = np.real(psi[0][:, 0, :].sum(axis=1))
        if not need_phi:
            continue
        # forward: prefix products, and Phi for each block
        pre = np.zeros((C, kk, P), dtype=dtype)
        pre[:, 0, :] = 1.0
        for b in range(nB):
            nxt = psi[b + 1]
            for du in range(min(dmax, kk - 1) + 1):
                shifted = nxt[:, du:] * pre[:, : kk - du]  # (C, kk-du, P)
                for dt in range(tmax + 1):
                    Phi_out[sl, b, du, dt] = np.real(np.einsum("cml,l->c", shifted, xpow[dt]))
            F = factors[b]
            new = F[:, 0, None, :] * pre
            for du in range(1, F.shape[1]):
                new[:, du:] += F[:, du, None, :] * pre[:, : kk - du]
            pre = new
    out_P, out_Phi, start = [], [], 0
    for c in cols:
        sl = slice(start, start + len(c.action))
        start += len(c.action)
        out_P.append(P_out[sl])
        out_Phi.append(Phi_out[sl])
    return out_P, out_Phi


def _count_pairs(
    spec: CountSpec, S: _Structure, shape: tuple[int, ...]
) -> list[list[NDArray | None]]:
    n = len(shape)
    ext_keys = list(S.ext)
    cols = S.plain + [S.ext[k] for k in ext_keys]
    Ps, Phis = _count_engine(spec, S, cols, n)
    dmax = Phis[0].shape[2] - 1
    out: list[list[NDArray | None]] = [[None] * n for _ in range(n)]
    for r, key in enumerate(ext_keys):
        i, j = key
        out[i][j] = _pair_from_ext(S.ext[key], Ps[n + r], shape[i], shape[j])
    for i in range(n):
        ci = S.plain[i]
        Ai = _agg(ci.action, ci.weight, shape[i])
        Phi = Phis[i]
        rows = np.arange(len(ci.action))[:, None]
        for j in range(n):
            if j == i or S.block_of[j] == S.block_of[i]:
                continue
            cj = S.plain[j]  # the law of j's block given j's level
            B = int(S.block_of[j])
            up, eq = _counts(spec, ci.own, np.full(len(ci.action), i), cj.members, cj.scores)
            V = np.where(up <= dmax, Phi[rows, B, np.minimum(up, dmax), eq], 0.0)
            out[i][j] = Ai @ V @ _agg(cj.action, cj.weight, shape[j]).T
    return out


# ============================================================================ integral rules
def _integral_pairs(
    kind: str, sigma: float, floor: float | None, S: _Structure, shape: tuple[int, ...]
) -> list[list[NDArray | None]]:
    n = len(shape)
    out: list[list[NDArray | None]] = [[None] * n for _ in range(n)]
    values = [b.scores for b in S.blocks] + [c.scores for c in S.plain]
    values += [c.scores for c in S.ext.values()]
    grid = _Grid(kind, sigma, values, floor)
    if grid.empty:
        for i in range(n):
            for j in range(n):
                if i != j:
                    out[i][j] = np.zeros((shape[i], shape[j]))
        return out
    h = grid.h
    x = grid.x
    from ._engines import _check_grid_work

    _check_grid_work(max(v.shape[0] for v in values), grid)

    def joint_log_f(scores: NDArray) -> NDArray:
        """sum over members of log F((x - score) / sigma): (X, R) for scores (R, m)."""
        acc = np.zeros((len(x), scores.shape[0]))
        for q in range(scores.shape[1]):
            acc += grid.log_f(x[:, None], scores[None, :, q])
        return acc

    # log H_B on the whole grid, for every block (as the deviation oracle)
    log_h = np.empty((len(S.blocks), len(x)))
    for b, blk in enumerate(S.blocks):
        with np.errstate(divide="ignore"):
            log_h[b] = logsumexp(joint_log_f(blk.scores) + np.log(blk.probs)[None, :], axis=1)

    def column_terms(c: _ColSet) -> tuple[NDArray, NDArray, NDArray]:
        """Band nodes, log(kernel x own-block others' CDFs x floor) on them, and the constant
        (``1 - h sum kernel`` for the logit form) of each column."""
        s = c.own
        finite = np.isfinite(s)
        sf = np.where(finite, s, 0.0)
        nodes = grid.nodes(s)
        xs = x[nodes]
        lkern = grid.log_kernel(xs, sf)
        lk = lkern
        _, oth = c.others()
        for q in range(oth.shape[1]):
            lk = lk + grid.log_f(xs, oth[:, q][:, None])
        if floor is not None:
            lk = lk + grid.log_f(xs, np.asarray(floor))
        lk = np.where(finite[:, None], lk, -np.inf)
        if kind == "probit":
            const = np.zeros(len(s))
        else:
            const = np.where(finite, 1.0 - h * np.exp(lkern).sum(axis=1), 0.0)
        return nodes, lk, const

    # every player's plain columns: leave-one-block-out sums of log H on their bands
    per_i = []
    for i in range(n):
        ci = S.plain[i]
        o = int(S.block_of[i])
        nodes, lk, const = column_terms(ci)
        lh = log_h[:, nodes]  # (nB, C, band)
        lh[o] = 0.0
        zero = np.zeros((1, *lh.shape[1:]))
        prefix = np.concatenate([zero, np.cumsum(lh, axis=0)])
        suffix = np.concatenate([np.cumsum(lh[::-1], axis=0)[::-1], zero])
        per_i.append((nodes, lk, const, prefix, suffix, _agg(ci.action, ci.weight, shape[i])))
    for j in range(n):
        cj = S.plain[j]  # the law of j's block given j's level
        Aj = _agg(cj.action, cj.weight, shape[j])
        G = _flush(np.exp(joint_log_f(cj.scores))) @ Aj.T  # (X, L_j): H_B(x | j's level)
        mass = Aj.sum(axis=1)
        B = int(S.block_of[j])
        for i in range(n):
            if i == j or S.block_of[i] == B:
                continue
            nodes, lk, const, prefix, suffix, Ai = per_i[i]
            E = _flush(h * np.exp(prefix[B] + suffix[B + 1] + lk))  # (C, band)
            V = const[:, None] * mass[None, :] + np.einsum("cn,cnl->cl", E, G[nodes])
            out[i][j] = Ai @ V
    for (i, j), ce in S.ext.items():
        o = int(S.block_of[i])
        nodes, lk, const = column_terms(ce)
        lh = log_h[:, nodes]
        lh[o] = 0.0
        P = const + h * np.exp(lh.sum(axis=0) + lk).sum(axis=1)
        out[i][j] = _pair_from_ext(ce, P, shape[i], shape[j])
    return out


# ============================================================================ assembly
def _check_pair_size(game: Any) -> None:
    """The size policy for pair matrices: ``sum_{i != j} L_i L_j`` entries (each of several
    working arrays), refused above ``MAX_WORK_ENTRIES`` before anything is allocated."""
    L = np.asarray(game._shape, dtype=float)
    entries = float(L.sum() ** 2 - (L * L).sum())
    if entries > MAX_WORK_ENTRIES:
        raise too_large(
            "levels",
            f"{' x '.join(map(str, game._shape))} levels",
            entries,
            MAX_WORK_ENTRIES,
            "entries of the pair matrices (levels of i x levels of j, every ordered pair)",
            "use a coarser level grid, or first-order methods (deviation_payoffs, "
            "dynamics) that never build pair matrices",
        )


def designation_pairs_all(game: Any, probs: list[NDArray]) -> list[list[NDArray | None]] | None:
    """``out[i][j][a, b]`` = P(``i`` designated | ``i`` plays ``a``, ``j`` plays ``b``, the
    others mix ``probs``) for every ordered pair, through the rule's kernel; None when the
    rule designates nobody. For size-proportional enforcement these are the share pairs."""
    kernel = game._kernel
    if not kernel.designates:
        return None
    _check_pair_size(game)
    if kernel.designation_is_share:
        return share_pairs_all(game, probs)
    if game._shift is not None:
        from ._shift import shift_pairs

        return shift_pairs(game, probs)[0]
    S = _structure(game, probs) if kernel.uses_structure else None
    return kernel.pairs(game, probs, S)


def share_pairs_all(game: Any, probs: list[NDArray]) -> list[list[NDArray | None]]:
    """Pair matrices of the market share (the Tullock share, or the fixed shares)."""
    n, shape = game._n, game._shape
    if game._contest:
        return _integral_pairs("logit", 1.0, None, _share_structure(game, probs), shape)
    return [
        [None if i == j else np.full((shape[i], shape[j]), game._fixed_share[i]) for j in range(n)]
        for i in range(n)
    ]


def pair_payoffs_all(game: Any, profile: tuple[NDArray, ...]) -> list[list[NDArray | None]]:
    """Every pair matrix of a :class:`TargetingGame` at a mixed profile (see module)."""
    n = game._n
    shape = game._shape
    _check_pair_size(game)
    probs = [np.clip(np.asarray(q, dtype=float), 0.0, None) for q in profile]
    rule = game._rule
    out: list[list[NDArray | None]] = [[None] * n for _ in range(n)]
    own = game._own
    base = [[None] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i != j:
                base[i][j] = np.repeat(own[i][:, None], shape[j], axis=1)
    kernel = game._kernel
    # market share
    share = None
    if game._need_share:
        share = _integral_pairs("logit", 1.0, None, _share_structure(game, probs), shape)
    prop_size = kernel.designation_is_share
    needs_scores = kernel.designates and not prop_size
    counted = needs_scores and kernel.uses_structure
    shifted = game._shift is not None
    S = _structure(game, probs) if (counted or rule.has_floor) and not shifted else None
    if shifted:  # all-to-all misattribution: first-order passes (see _shift)
        from ._shift import shift_pairs

        des, alone_pairs = shift_pairs(game, probs)
    else:
        des = kernel.pairs(game, probs, S) if needs_scores else None
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            u = base[i][j]
            sh = share[i][j] if share is not None else game._fixed_share[i]
            if game._R != 0.0:
                u = u + game._R * sh
            if prop_size:
                u = u - game._L[i] * sh
            elif des is not None:
                u = u - game._L[i] * des[i][j]
            out[i][j] = u
    if rule.has_floor and np.any(game._H != 0.0) and shifted:
        for i in range(n):
            for j in range(n):
                if j != i:
                    out[i][j] = out[i][j] + game._H[i] * alone_pairs[i][j]
    elif rule.has_floor and np.any(game._H != 0.0):
        tol = game.tie_tol
        for i in range(n):
            ci = S.plain[i]
            alone_i = np.bincount(
                ci.action, weights=ci.weight * (ci.own <= rule.floor + tol), minlength=shape[i]
            )
            for j in range(n):
                if j == i:
                    continue
                if S.block_of[j] == S.block_of[i]:
                    ce = S.ext[(i, j)]
                    al = _pair_from_ext(
                        ce, (ce.own <= rule.floor + tol).astype(float), shape[i], shape[j]
                    )
                else:
                    al = np.repeat(alone_i[:, None], shape[j], axis=1)
                out[i][j] = out[i][j] + game._H[i] * al
    return out


# ============================================================================ symmetric
def _coeffs(M: int, kk: int, k: int, ties: bool, dm: int, dt: int) -> NDArray:
    """``c[m, t] = multinomial(M; m, t, M - m - t) * phi(m + dm, t + dt)`` for ``m < kk``,
    ``t <= M`` (zero where ``m + t > M``)."""
    c = np.zeros((kk, M + 1))
    for m in range(min(kk, M + 1)):
        for t in range(M - m + 1 if ties else 1):
            mm, tt = m + dm, t + dt
            if mm >= k:
                continue
            ph = min(1.0, (k - mm) / (tt + 1.0)) if ties else float(tt == 0)
            c[m, t] = math.comb(M, m) * math.comb(M - m, t) * ph
    return c


class _CountSym:
    """Counting rules against ``N - 1`` i.i.d. others: multinomial sums over (above, tied)."""

    def __init__(self, up: NDArray, eq: NDArray, live: NDArray, k: int, ties: bool, N: int):
        self.A = up.astype(float)
        self.E = eq.astype(float)
        self.D = (~(up | eq)).astype(float)
        self.ABD = np.stack([self.A, self.E, self.D])  # (3, n, n)
        self.live = live.astype(float)
        self.N = N
        self.kk = kk = min(k, N)
        self.c1 = _coeffs(N - 1, kk, k, ties, 0, 0)
        if N >= 2:  # rows: j above, tied, below the deviator
            self.c2 = np.stack(
                [
                    _coeffs(N - 2, kk, k, ties, 1, 0),
                    _coeffs(N - 2, kk, k, ties, 0, 1),
                    _coeffs(N - 2, kk, k, ties, 0, 0),
                ]
            )

    def _terms(self, q: NDArray, M: int) -> NDArray:
        """``terms[a, m, t] = U_a^m T_a^t D_a^(M-m-t)`` (zero-padded where ``m + t > M``)."""
        U, T, D = self.ABD @ q
        t = np.arange(M + 1)
        Tp = T[:, None] ** t
        Dr = D[:, None] ** t[::-1]  # D^(M - t)
        if self.kk == 1:
            return (Tp * Dr)[:, None, :]
        m = np.arange(self.kk)
        Up = U[:, None] ** m
        shift = np.clip(t[None, :] + m[:, None], 0, M)  # D^(M - m - t) = Dr[:, t + m]
        return Up[:, :, None] * Tp[:, None, :] * Dr[:, shift]

    def value(self, q: NDArray) -> NDArray:
        terms = self._terms(q, self.N - 1)
        return self.live * np.einsum("amt,mt->a", terms, self.c1)

    def pair(self, q: NDArray) -> NDArray:
        terms = self._terms(q, self.N - 2)
        g = np.einsum("amt,smt->sa", terms, self.c2)  # (3, n): j above, tied, below
        return self.live[:, None] * np.einsum("sab,sa->ab", self.ABD, g)


class _NoisySym:
    """Noisy max against ``N - 1`` i.i.d. others: ``int k_a(x) base(x) H(x)^(N-1) dx`` with
    ``H = sum_b q_b F((x - s_b) / sigma)``, on the structured module's grid."""

    def __init__(self, kind: str, sigma: float, s: NDArray, floor: float | None, N: int):
        self.N = N
        n = len(s)
        grid = _Grid(kind, sigma, [s], floor)
        self.empty = grid.empty
        if self.empty:
            self.const = np.zeros(n)
            return
        x = grid.x
        if 2 * n * len(x) > MAX_WORK_ENTRIES:  # F and K, (levels, grid nodes)
            raise too_large(
                "levels",
                f"{n} levels",
                2 * n * len(x),
                MAX_WORK_ENTRIES,
                f"entries of the levels x grid-nodes arrays ({len(x)} nodes)",
                "use a coarser level grid or a larger noise",
            )
        finite = np.isfinite(s)
        self.F = _flush(np.exp(grid.log_f(x[None, :], s[:, None])))  # (n, X)
        lk = grid.log_kernel(x[None, :].repeat(n, axis=0), np.where(finite, s, 0.0))
        kern = np.where(finite[:, None], np.exp(lk), 0.0)
        base = np.exp(grid.log_f(x, np.asarray(floor))) if floor is not None else 1.0
        self.K = _flush(grid.h * kern * base)
        if kind == "probit":
            self.const = np.zeros(n)
        else:
            self.const = np.where(finite, 1.0 - grid.h * kern.sum(axis=1), 0.0)

    def value(self, q: NDArray) -> NDArray:
        if self.empty:
            return self.const
        H = q @ self.F
        return self.const + self.K @ _flush(H ** (self.N - 1))

    def pair(self, q: NDArray) -> NDArray:
        if self.empty:
            return np.zeros((len(self.const), len(self.const)))
        H = q @ self.F
        return self.const[:, None] + _flush(self.K * H ** (self.N - 2)) @ self.F.T


class SymmetricForms:
    """``w(q)`` and ``pair(q)`` of a symmetric targeting game with singleton attribution
    blocks, in closed form (see the module documentation). Polynomial in ``q`` (no
    clipping), as the symmetric solver's hook protocol asks."""

    def __init__(self, game: Any) -> None:
        N = game._n
        self.N = N
        rule = game._rule
        tol = game.tie_tol
        self.n = n = game._shape[0]
        if 3 * n * n > MAX_WORK_ENTRIES:  # the (n, n) comparison and pair arrays
            raise too_large(
                "levels",
                f"{n} levels",
                3 * n * n,
                MAX_WORK_ENTRIES,
                "entries of the symmetric closed forms' levels x levels arrays",
                "use a coarser level grid",
            )
        self.own = np.array(game._own[0], dtype=float)
        self.L = float(game._L[0])
        self.R = float(game._R)
        s = game._z[0] * game._M[0, 0]
        self.alone_term = (
            float(game._H[0]) * (s <= rule.floor + tol) if rule.has_floor else np.zeros(n)
        )
        self.share = (
            _NoisySym("logit", 1.0, np.asarray(game._logX[0], dtype=float), None, N)
            if game._need_share
            else None
        )
        self.fixed_share = float(game._fixed_share[0])
        kernel = game._kernel
        self.des: Any = None
        self.des_is_share = kernel.designates and kernel.designation_is_share
        self.available = True
        if kernel.designates and not kernel.designation_is_share:
            self.des = kernel.symmetric(game, s, N)
            self.available = self.des is not None

    def payoffs(self, q: NDArray) -> NDArray:
        out = self.own + self.alone_term
        if self.share is not None:
            sh = self.share.value(q)
            out = out + (self.R - self.L * self.des_is_share) * sh
        else:  # fixed shares: a constant
            out = out + (self.R - self.L * self.des_is_share) * self.fixed_share
        if self.des is not None:
            out = out - self.L * self.des.value(q)
        return out

    def pair(self, q: NDArray) -> NDArray:
        n = self.n
        if self.N < 2:
            return np.zeros((n, n))
        const = self.own + self.alone_term
        if self.share is None:
            const = const + (self.R - self.L * self.des_is_share) * self.fixed_share
            out = np.repeat(const[:, None], n, axis=1)
        else:
            out = const[:, None] + (self.R - self.L * self.des_is_share) * self.share.pair(q)
        if self.des is not None:
            out = out - self.L * self.des.pair(q)
        return out
