"""All-to-all misattribution: attributed scores with a common shift.

Uniform confusion among all organizations (``confusion_matrix(n, rate)``, the scenario
schema's default when ``rivals`` is omitted) links every organization to every other: one
attribution block of ``N`` members, whose joint actions (``L^N``) cannot be enumerated. But
its structure is simple. With ``A = d I + a J`` (``d = 1 - rate - a``, ``a = rate / (N -
1)``) and any framing matrix (rows of the dressing matrix sum to one, so ``dress @ J =
J``), the effective matrix is

    ``M = a J + B``,  ``B = dress @ (d I)`` (sparse: framing pairs only),

so every attributed score is ``S_j = (B^T z)_j + a Y`` with the *common* total ``Y = sum_i
z_i``. In general :func:`split_common` takes ``a`` = the smallest off-diagonal entry of
``M`` (when positive) and ``B = M - a J``; the blocks of ``B`` (*reduced blocks*) are small.

What each rule needs:

* **Comparisons are shift-invariant**: ``S_j > S_i + tol`` iff ``B_j > B_i + tol``. The
  ranking rules (:class:`~deterrence.MostViolent` with any ties or margin,
  :class:`~deterrence.TopK`) and noisy attribution without a floor (a softmax, or a probit
  max, of shifted scores) therefore give *exactly* the same designation probabilities with
  the reduced scores ``B^T z``, whose blocks are independent: the ordinary engines apply,
  at polynomial cost (:attr:`~deterrence.model.kernels.RuleKernel.shift_invariant`).
* **The floor is not**: ``i`` is live iff ``B_i + a (Y_own + Y_rest) > floor + tol``, a
  threshold on the sum ``Y_rest`` of the other reduced blocks' raw scores, which is
  *dependent* on the ranking counts (both are functions of the same levels). A product of
  marginals would be wrong. We write ``P(designated) = E[phi(counts)] - E[1{Y_rest <= thr}
  phi(counts)]`` (first term: the engines without the floor) and compute the second term
  by a dynamic program over the other reduced blocks whose state is the joint law of
  (number above, number tied, running sum of ``Y``): each block multiplies in its rows
  (probability, counts, contribution to ``Y``); running sums that will surely end above
  ``thr`` whatever the remaining blocks do are dropped (live: no correction), those that
  will surely end below it are merged into one ``Y``-free bucket, and equal sums are merged.
  Columns whose threshold is outside the range of ``Y_rest`` need no program at all
  (surely live, or surely not: probability 0). At pure profiles every column is one of
  these, so pure profiles are exact (no subtraction). The program is exact; its size is
  the number of distinct running sums kept (at most ``prod`` of the blocks' distinct
  contributions, in practice far fewer: with ``floor = 0`` and non-negative scores only
  sums that stay at zero survive), checked against ``MAX_SHIFT_STATES`` before each step.
* The left-alone indicator (the carrot) is ``P(Y_rest <= thr)``: the same program without
  counts.

Second order (pair matrices, designation matrices): ``j`` fixed at level ``b`` is a
point-mass profile for ``j``; the pair matrices are ``sum_j L_j`` first-order passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._engines import _Cols
from ._numerics import MAX_SHIFT_STATES, Block, too_large
from .attribution import attribution_blocks

__all__ = ["Shift", "shift_components", "shift_pairs", "split_common"]

#: Off-diagonal entries of ``M - a J`` below this (relative to the largest entry) are zero:
#: the rounding left by ``dress @ A`` (e.g. ``0.9 a + 0.1 a != a`` in floating point).
_SPLIT_RTOL = 1e-12


def split_common(M: NDArray) -> tuple[float, NDArray]:
    """``(a, B)`` with ``M = a J + B`` and ``a`` the smallest off-diagonal entry of ``M``
    (``a = 0``, ``B = M`` when it is not positive or there are fewer than three
    organizations).

    Examples
    --------
    >>> from deterrence.model.attribution import confusion_matrix
    >>> from deterrence.model._shift import split_common
    >>> a, B = split_common(confusion_matrix(3, 0.2))
    >>> round(a, 12), B.round(12).tolist()
    (0.1, [[0.7, 0.0, 0.0], [0.0, 0.7, 0.0], [0.0, 0.0, 0.7]])
    """
    M = np.asarray(M, dtype=float)
    n = M.shape[0]
    if n < 3:
        return 0.0, M
    off = ~np.eye(n, dtype=bool)
    a = float(M[off].min())
    if a <= 0.0:
        return 0.0, M
    B = M - a
    scale = max(1.0, float(np.abs(M).max()))
    B[off & (np.abs(B) <= _SPLIT_RTOL * scale)] = 0.0
    return a, B


@dataclass
class Shift:
    """The common-shift structure of a game: ``S = B^T z + a sum(z)``."""

    a: float
    B: NDArray[np.float64]
    blocks: tuple[tuple[int, ...], ...]
    block_of: NDArray[np.intp]

    @classmethod
    def of(cls, M: NDArray) -> Shift | None:
        """The structure of ``M``, or None when it does not reduce the blocks."""
        a, B = split_common(M)
        if a <= 0.0:
            return None
        blocks = attribution_blocks(B)
        if max(len(b) for b in blocks) >= M.shape[0]:
            return None
        block_of = np.empty(M.shape[0], dtype=np.intp)
        for b, mem in enumerate(blocks):
            block_of[list(mem)] = b
        return cls(a, B, blocks, block_of)


@dataclass
class _Law:
    """A reduced block's law: rows of joint actions with probabilities, reduced scores
    ``(R, m)`` and raw totals ``(R,)``."""

    block: Block
    y: NDArray[np.float64]


def _block_law(game: Any, sh: Shift, b: int, probs: list[NDArray]) -> _Law:
    members = list(sh.blocks[b])
    supports = [np.flatnonzero(probs[i]) for i in members]
    joint = game._joint(members, supports)
    pr = np.prod([probs[i][joint[:, k]] for k, i in enumerate(members)], axis=0)
    z = np.stack([game._z[i][joint[:, k]] for k, i in enumerate(members)], axis=1)
    sc = z @ sh.B[np.ix_(members, members)]
    return _Law(Block(np.array(members), pr, sc), z.sum(axis=1))


def _columns(game: Any, sh: Shift, i: int, probs: list[NDArray]) -> tuple[_Cols, NDArray]:
    """Player ``i``'s deviation columns in its reduced block, and their raw own-block totals."""
    b = int(sh.block_of[i])
    members = list(sh.blocks[b])
    L = game._shape[i]
    pos = members.index(i)
    supports = [np.arange(L) if j == i else np.flatnonzero(probs[j]) for j in members]
    joint = game._joint(members, supports)
    w = np.ones(len(joint))
    for k, j in enumerate(members):
        if j != i:
            w = w * probs[j][joint[:, k]]
    z = np.stack([game._z[j][joint[:, k]] for k, j in enumerate(members)], axis=1)
    sc = z @ sh.B[np.ix_(members, members)]
    return _Cols(i, b, pos, joint[:, pos], w, sc), z.sum(axis=1)


def _below(
    thr: float,
    rows: list[tuple[NDArray, NDArray, NDArray, NDArray]],
    kk: int,
    T1: int,
    m0: int,
    t0: int,
    phi: NDArray,
) -> float:
    """``E[1{Y_rest <= thr} phi(m0 + above, t0 + tied)]`` over independent blocks, each given
    by rows ``(prob, y, above, tied)`` (the dynamic program of the module docstring)."""
    if m0 >= kk:
        return 0.0
    lo = np.array([float(y.min()) for _, y, _, _ in rows] + [0.0])
    hi = np.array([float(y.max()) for _, y, _, _ in rows] + [0.0])
    rem_lo = np.cumsum(lo[::-1])[::-1]  # rem_lo[b]: least total of blocks b, b+1, ...
    rem_hi = np.cumsum(hi[::-1])[::-1]
    yv = np.zeros(1)
    W = np.zeros((1, kk, T1))
    W[0, m0, t0] = 1.0
    dead = np.zeros((kk, T1))  # mass whose total surely ends at most thr

    def step(state: NDArray, p: NDArray, du: NDArray, dt: NDArray) -> NDArray:
        """``out[v, r] = p_r * state[v]`` shifted by ``(du_r, dt_r)``: ``(V, R, kk, T1)``."""
        out = np.zeros((state.shape[0], len(p), kk, T1))
        for u in np.unique(du):
            if u >= kk:
                continue
            for t in np.unique(dt[du == u]):
                r = np.flatnonzero((du == u) & (dt == t))
                out[:, r, u:, t:] = state[:, None, : kk - u, : T1 - t] * p[r][None, :, None, None]
        return out

    for b, (p, y, du, dt) in enumerate(rows):
        dead = step(dead[None], p, du, dt)[0].sum(axis=0)
        if not yv.size:
            continue
        if yv.size * len(p) > MAX_SHIFT_STATES:
            raise too_large(
                "attribution",
                "all-to-all misattribution with a binding floor",
                yv.size * len(p),
                MAX_SHIFT_STATES,
                "distinct partial sums of raw scores in the floor correction",
                "use a coarser level grid, smaller supports or a floor the scores "
                "clear (e.g. 0 with non-negative scores)",
            )
        new = step(W, p, du, dt).reshape(-1, kk, T1)
        ny = (yv[:, None] + y[None, :]).ravel()
        keep = ny + rem_lo[b + 1] <= thr  # else surely above thr: live, no correction
        sure = keep & (ny + rem_hi[b + 1] <= thr)
        dead += new[sure].sum(axis=0)
        unc = np.flatnonzero(keep & ~sure)
        if unc.size:
            order = unc[np.argsort(ny[unc], kind="stable")]
            vals = ny[order]
            starts = np.flatnonzero(np.concatenate([[True], vals[1:] != vals[:-1]]))
            yv = vals[starts]
            W = np.add.reduceat(new[order], starts, axis=0)
        else:
            yv = np.zeros(0)
            W = np.zeros((0, kk, T1))
    # every remaining total is final: at most thr -> dead
    if yv.size:
        dead += W[yv <= thr].sum(axis=0)
    return float(np.sum(dead * phi))


def shift_components(
    game: Any, probs: list[NDArray], players: list[int]
) -> dict[str, list[NDArray]]:
    """Designation and left-alone probabilities of every level of each of ``players``
    (see the module docstring); the game's kernel is shift-invariant."""
    sh: Shift = game._shift
    kernel = game._kernel
    rule = game._rule
    shape = game._shape
    tol = game.tie_tol
    game._check_blocks(probs, reduced=True)
    laws = [_block_law(game, sh, b, probs) for b in range(len(sh.blocks))]
    dists = [law.block for law in laws]
    made = [_columns(game, sh, i, probs) for i in players]
    if not rule.has_floor:
        return {
            "designation": kernel.mixed_unfloored(game, dists, [c for c, _ in made]),
            "alone": [np.zeros(shape[i]) for i in players],
        }
    floor = float(rule.floor)
    a = sh.a
    lo_b = np.array([float(law.y.min()) for law in laws])
    hi_b = np.array([float(law.y.max()) for law in laws])
    cols, info = [], []
    for c, yown in made:
        # live iff own + a (yown + Y_rest) > floor + tol  <=>  Y_rest > thr
        thr = (floor + tol - c.own) / a - yown
        lo = lo_b.sum() - lo_b[c.block]
        hi = hi_b.sum() - hi_b[c.block]
        dead = hi <= thr  # surely not live: designated with probability 0
        mid = np.flatnonzero(~(lo > thr) & ~dead)
        # the engines see surely-dead columns with weight 0 (no subtraction at pure profiles)
        cols.append(_Cols(c.player, c.block, c.pos, c.action, c.weight * ~dead, c.scores))
        info.append((thr, dead, mid))
    des = kernel.mixed_unfloored(game, dists, cols)
    spec = kernel.spec(game)
    N = game._n
    kk = min(spec.k, N)
    T1 = N if spec.ties else 1
    phi = spec.value(np.arange(kk)[:, None], np.arange(T1)[None, :])
    one = np.ones((1, 1))
    out: dict[str, list[NDArray]] = {"designation": [], "alone": []}
    for (c, _), (thr, dead, mid), d_i in zip(made, info, des, strict=True):
        i = c.player
        others = [b for b in range(len(laws)) if b != c.block]
        members = dists[c.block].members
        corr = np.zeros(len(c.action))  # E[1{not live} phi] per column
        dead_p = dead.astype(float)  # P(not live) per column
        for r in mid:
            s = c.own[r]
            m0 = t0 = 0
            for q, j in enumerate(members):
                if q != c.pos:
                    u, e = spec.classify(s, np.int64(i), np.int64(j), c.scores[r, q])
                    m0 += int(u)
                    t0 += int(e)
            rows_c, rows_1 = [], []
            for b in others:
                blk = laws[b].block
                up = np.zeros(len(blk.probs), dtype=np.intp)
                eq = np.zeros_like(up)
                for q, j in enumerate(blk.members):
                    u, e = spec.classify(s, np.int64(i), np.int64(j), blk.scores[:, q])
                    up += np.asarray(u, dtype=np.intp)
                    eq += np.asarray(e, dtype=np.intp)
                zero = np.zeros_like(up)
                rows_c.append((blk.probs, laws[b].y, up, eq if T1 > 1 else zero))
                rows_1.append((blk.probs, laws[b].y, zero, zero))
            corr[r] = _below(float(thr[r]), rows_c, kk, T1, m0, t0 if T1 > 1 else 0, phi)
            dead_p[r] = _below(float(thr[r]), rows_1, 1, 1, 0, 0, one)
        corr_agg = np.bincount(c.action, weights=c.weight * corr, minlength=shape[i])
        out["designation"].append(np.clip(d_i - corr_agg, 0.0, 1.0) if mid.size else d_i)
        out["alone"].append(np.bincount(c.action, weights=c.weight * dead_p, minlength=shape[i]))
    return out


def shift_pairs(
    game: Any, probs: list[NDArray]
) -> tuple[list[list[NDArray | None]], list[list[NDArray | None]]]:
    """``(designation, alone)`` pair matrices ``out[i][j][a, b]`` by first-order passes with
    ``j`` fixed at each of its levels."""
    n, shape = game._n, game._shape
    des: list[list[NDArray | None]] = [[None] * n for _ in range(n)]
    alone: list[list[NDArray | None]] = [[None] * n for _ in range(n)]
    for j in range(n):
        others = [i for i in range(n) if i != j]
        for i in others:
            des[i][j] = np.empty((shape[i], shape[j]))
            alone[i][j] = np.empty((shape[i], shape[j]))
        for b in range(shape[j]):
            p2 = list(probs)
            p2[j] = np.zeros(shape[j])
            p2[j][b] = 1.0
            comp = shift_components(game, p2, others)
            for r, i in enumerate(others):
                des[i][j][:, b] = comp["designation"][r]
                alone[i][j][:, b] = comp["alone"][r]
    return des, alone
