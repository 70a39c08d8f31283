"""The designation law of a stage game: who is designated, given one player's level.

``designation_distribution(game, profile)[i][a, j]`` is P(``j`` designated | ``i`` plays
``a``, the others mix as in ``profile``) — the extension of the structured oracle that the
campaign needs (a rival's destruction hands me its market). Used by
:mod:`deterrence.model.campaign` and the campaign solver (:mod:`deterrence.solvers._campaign`).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import comb

from ..errors import GameTooLargeError

__all__ = [
    "designation_distribution",
    "outcome_sets",
    "set_law",
    "set_law_independent",
    "set_law_pure",
    "set_table",
    "symmetric_set_classes",
]

#: Largest number of pure profiles of the brute-force designation distribution (used only
#: when the structured oracle has no ``_designation_matrix``).
_BRUTE_LIMIT = 200_000


def _brute_designation(game: Any, profile: Sequence[NDArray]) -> list[NDArray]:
    """P(j designated | i plays a, others mix) by enumerating pure profiles (small games)."""
    shape = game.shape
    n_prof = int(np.prod(shape))
    if n_prof > _BRUTE_LIMIT:
        raise GameTooLargeError(
            f"the designation distribution of a {shape} game needs the structured oracle's "
            f"designation_matrix; brute force is limited to {_BRUTE_LIMIT} profiles"
        )
    idx = np.array(list(np.ndindex(*shape)), dtype=np.intp).reshape(-1, len(shape))
    des = game.pure_components(idx)["designation"]
    out = []
    for i in range(len(shape)):
        w = np.ones(n_prof)
        for k in range(len(shape)):
            if k != i:
                w = w * np.asarray(profile[k], dtype=float)[idx[:, k]]
        M = np.zeros((shape[i], n_prof))
        M[idx[:, i], np.arange(n_prof)] = w
        out.append(M @ des)
    return out


def _pure_designation(game: Any, actions: Sequence[int]) -> list[NDArray]:
    """The designation distribution at a pure profile: one exact pure evaluation per
    deviation (``sum(shape)`` profiles)."""
    shape = game.shape
    rows, slices, start = [], [], 0
    for i, k in enumerate(shape):
        block = np.tile(np.asarray(actions, dtype=np.intp), (k, 1))
        block[:, i] = np.arange(k)
        rows.append(block)
        slices.append(slice(start, start + k))
        start += k
    des = game.pure_components(np.concatenate(rows))["designation"]
    return [np.asarray(des[sl], dtype=float) for sl in slices]


def designation_distribution(game: Any, profile: Sequence[NDArray]) -> list[NDArray]:
    """``out[i][a, j]`` = P(``j`` designated | ``i`` plays ``a``, the others mix): the
    structured oracle's ``_designation_matrix`` when the game has it, brute force else."""
    probs = [np.asarray(q, dtype=float) for q in profile]
    if all(np.count_nonzero(q) == 1 for q in probs):
        return _pure_designation(game, [int(np.flatnonzero(q)[0]) for q in probs])
    fn = getattr(game, "_designation_matrix", None)
    if fn is not None:
        return [np.asarray(x, dtype=float) for x in fn(tuple(profile))]
    return _brute_designation(game, profile)


# ----------------------------------------------------------------------------- set laws
def outcome_sets(n: int, k: int) -> tuple[tuple[int, ...], ...]:
    """The designated sets a rule pursuing up to ``k`` of ``n`` organizations can produce:
    every non-empty subset of at most ``k`` positions, by size, then lexicographically."""
    return tuple(
        c for size in range(1, min(k, n) + 1) for c in itertools.combinations(range(n), size)
    )


def set_law_pure(spec: Any, S: NDArray, sets: Sequence[tuple[int, ...]]) -> NDArray:
    """P(the designated set is ``sets[o]`` | the scores ``S[p]``), shape ``(P, len(sets))``,
    for a counting rule (:class:`~deterrence.model._second_order.CountSpec`) of kind
    ``"split"``, ``"lowest"`` or ``"all"`` at the pure profiles with scores ``S``
    (``(P, n)``).

    Kind ``"all"`` (every organization tied for the last slots is designated): the set is
    every live ``j`` with fewer than ``k`` others strictly above it, when it has at most
    ``cap`` members (``cap``: the largest of ``sets``, which a campaign sets to the
    number it may designate without going below its minimum of survivors); a larger one
    is cut to the top ``cap`` with the ties for the last of them split, i.e. the
    ``"split"`` law with ``k = cap`` (every member of the large set has fewer than ``k <=
    cap`` others above it and every non-member more than ``cap``, so the two agree on who
    is above the cut).

    Derivation. As in :meth:`CountSpec.pure`, ``m_j`` others score above ``j`` and ``t_j``
    tie with it; a live ``j`` is designated for sure when ``m_j + t_j < k`` (its whole
    tie group fits), never when ``m_j >= k``, and otherwise it belongs to the one group
    tied for the last slots, ``E``, which shares the ``r = k - m`` remaining slots: under
    ``"split"`` every ``r``-subset of ``E`` is equally likely (each member's marginal is
    ``r / |E|``, the rule's ``(k - m) / (t + 1)``), under ``"lowest"`` the tie is already
    broken by the list order (``t = 0``) and the set is deterministic. So the set is
    ``A`` (the sure ones) plus a uniform ``r``-subset of ``E``: ``P(T) = 1 / C(|E|, r)``
    when ``A <= T``, ``T - A <= E`` and ``|T & E| = r``."""
    n = S.shape[1]
    ii = np.arange(n)[:, None]
    jj = np.arange(n)[None, :]
    off = ii != jj
    live = spec.live(S)
    member = np.zeros((len(sets), n), dtype=np.intp)  # member[o, j]: j in sets[o]
    for o, c in enumerate(sets):
        member[o, list(c)] = 1
    # "all" counts ties as "split" does (they matter to the cut)
    rank = dataclasses.replace(spec, kind="split") if spec.kind == "all" else spec
    up, eq = rank.classify(S[:, :, None], ii[None], jj[None], S[:, None, :])
    m, t = (up & off).sum(axis=2), (eq & off).sum(axis=2)
    if spec.kind != "all":
        return _split_law(m, t, live, spec.k, member)
    chosen = live & (m < spec.k)
    exact = (chosen.astype(np.intp) @ (1 - member).T == 0) & (
        (~chosen).astype(np.intp) @ member.T == 0
    )
    cap = max(len(c) for c in sets)
    cut = _split_law(m, t, live, cap, member)
    return np.where((chosen.sum(axis=1) > cap)[:, None], cut, exact.astype(float))


def _split_law(m: NDArray, t: NDArray, live: NDArray, k: int, member: NDArray) -> NDArray:
    """The set law of :func:`set_law_pure` from ``m`` (others above), ``t`` (others tied)
    and ``live`` per profile and organization, ``k`` slots, the sets' membership rows."""
    sure = live & (m + t < k)
    part = live & (m < k) & ~sure
    e = part.sum(axis=1)
    # the slots left to the tied group (every member of E has the same m)
    r = np.where(e > 0, k - np.where(part, m, 0).max(axis=1, initial=0), 0)
    # A <= T, T <= A | E and |T & E| = r, counted by matrix products over the members
    ok = (sure.astype(np.intp) @ (1 - member).T == 0) & ((~(sure | part)) @ member.T == 0)
    ok &= part.astype(np.intp) @ member.T == r[:, None]
    return np.where(ok, 1.0 / np.maximum(comb(e, r), 1.0)[:, None], 0.0)


def set_table(game: Any, spec: Any, sets: Sequence[tuple[int, ...]]) -> NDArray:
    """The set law at every pure profile of ``game``, shape ``(*game.shape, len(sets))``
    (the brute-force route of :func:`set_law`; limited to :data:`_BRUTE_LIMIT` profiles)."""
    shape = tuple(game.shape)
    n_prof = int(np.prod(shape, dtype=np.int64))
    if n_prof > _BRUTE_LIMIT:
        raise GameTooLargeError(
            f"a stage game of shape {shape} ({n_prof:,} pure profiles) reached a mixed "
            "profile under a rule designating several organizations a round: with "
            "misattribution (scores that depend on several organizations' levels) the law "
            "of the designated set enumerates the pure profiles, which is limited to "
            f"{_BRUTE_LIMIT:,}; without misattribution it comes from the score "
            "distributions at any size (or use a rule designating one a round)"
        )
    idx = np.indices(shape).reshape(len(shape), -1).T
    law = set_law_pure(spec, np.asarray(game.pure_scores(idx), dtype=float), sets)
    return law.reshape((*shape, len(sets)))


def set_law(
    game: Any, spec: Any, sets: Sequence[tuple[int, ...]], profile: Sequence[NDArray], table: Any
) -> list[NDArray]:
    """``out[i][a, o]`` = P(the designated set is ``sets[o]`` | ``i`` plays ``a``, the
    others mix as in ``profile``): at a pure profile from ``sum(shape)`` pure scores, else
    from the independent score distributions (:func:`set_law_independent`) when the
    scores are, else by contracting the pure table (``table()``: :func:`set_table`, built
    once by the caller) with the others' strategies."""
    probs = [np.asarray(q, dtype=float) for q in profile]
    n = len(probs)
    if all(np.count_nonzero(q) == 1 for q in probs):
        act = [int(np.flatnonzero(q)[0]) for q in probs]
        idx, slices = game._deviation_profiles(act, list(range(n)))
        law = set_law_pure(spec, np.asarray(game.pure_scores(idx)), sets)
        return [law[sl] for sl in slices]
    if _independent(game, spec):
        return set_law_independent(game, spec, sets, probs)
    L = table()
    out = []
    for i in range(n):
        X = L
        # the others' axes contracted from the last to the first: removing axis j leaves
        # the axes before it (the own one among them, once j < i) where they were
        for j in range(n - 1, -1, -1):
            if j != i:
                X = np.tensordot(X, probs[j], axes=([j], [0]))
        out.append(np.asarray(X, dtype=float))
    return out


def _independent(game: Any, spec: Any) -> bool:
    """Whether the set law can come from the scores' distributions one by one: no
    misattribution (each organization's score a function of its own level) and a rule
    that ranks (``"split"``, ``"lowest"`` or ``"all"``)."""
    return getattr(game, "_diag", None) is not None and spec.kind in ("split", "lowest", "all")


def set_law_independent(
    game: Any, spec: Any, sets: Sequence[tuple[int, ...]], profile: Sequence[NDArray]
) -> list[NDArray]:
    """:func:`set_law` from the organizations' independent score distributions, without
    enumerating profiles (polynomial in the numbers of organizations and levels).

    Derivation. Condition on the threshold ``c``, the ``k``-th highest live score. The
    organizations split into those above ``c`` (``A``, ``|A| < k``), those tied at ``c``
    (``E``, ``|A| + |E| >= k``) and those below, independently given their strategies:
    ``P = prod_A up_j(c) prod_E eq_j(c) prod_rest lo_j(c)``. The designated set is ``A``
    plus ``r = k - |A|`` of ``E`` (:func:`set_law_pure`), so a set ``T`` of size ``k``
    arises from every ``A`` strictly inside ``T`` with ``B = T - A`` tied and the ties
    ``E' = E - B`` among the others (who cannot be above ``c``):

    * ``"split"``: ``B`` is drawn with probability ``1 / C(r + |E'|, r)``, so the others
      contribute ``sum_m e_m / C(r + m, r)``, ``e_m`` the probability that exactly ``m``
      of them tie and the rest are below (the coefficients of ``prod (lo_j + eq_j z)``);
    * ``"lowest"``: ``B`` must be the first ``r`` tied in list order, so the others listed
      before ``max(B)`` are below and those after it below or tied.

    * ``"all"`` (at most ``cap`` designated, the largest of ``sets``; see
      :func:`set_law_pure`): every organization tied at ``c`` is designated, so a set
      ``T`` of ``k <= |T| < cap`` members arises when ``A`` (``|A| < k``) is above, ``T -
      A`` tied at ``c`` and every other organization below it; a set of ``cap`` members
      also when more tie at ``c`` and the cut to ``cap`` draws ``T - A`` from them: the
      ``"split"`` sum over the others, with ``|A| < k`` (not ``< cap``).

    Summed over the distinct live score values ``c``. A set smaller than ``k`` arises
    only when fewer than ``k`` scores are live: ``prod_T live_j prod_rest (1 - live_j)``."""
    n = game._n
    tol = spec.tol
    k = spec.k
    cap = max(len(c) for c in sets)
    x = [np.asarray(game._z[j], dtype=float) * float(game._diag[j]) for j in range(n)]
    w = [np.asarray(profile[j], dtype=float) for j in range(n)]
    vals = np.unique(np.concatenate(x))
    vals = vals[vals > spec.floor + tol]
    if vals.size:  # one threshold per cluster of scores within the tie tolerance
        keep = np.r_[True, np.diff(vals) > tol]
        vals = vals[keep]
    C = vals.size
    # conditions: (player i, own level a), in block order; row i replaced by a point mass
    cond = [(i, a) for i in range(n) for a in range(len(x[i]))]
    Kc = len(cond)

    def cats(xj: NDArray) -> tuple[NDArray, NDArray]:
        up = xj[:, None] > vals[None, :] + tol
        eq = (xj[:, None] >= vals[None, :] - tol) & ~up
        return up.astype(float), eq.astype(float)

    cu = [cats(xj) for xj in x]
    U = np.tile(np.array([w[j] @ cu[j][0] for j in range(n)]), (Kc, 1, 1))
    Q = np.tile(np.array([w[j] @ cu[j][1] for j in range(n)]), (Kc, 1, 1))
    live = np.tile([float(w[j] @ (x[j] > spec.floor + tol)) for j in range(n)], (Kc, 1))
    for r_, (i, a) in enumerate(cond):  # player i's row: a point mass at level a
        U[r_, i] = cu[i][0][a]
        Q[r_, i] = cu[i][1][a]
        live[r_, i] = float(x[i][a] > spec.floor + tol)
    L = np.clip(1.0 - U - Q, 0.0, None)
    out = np.zeros((Kc, len(sets)))
    for o, T in enumerate(sets):
        inT = np.zeros(n, dtype=bool)
        inT[list(T)] = True
        rest = np.flatnonzero(~inT)
        if len(T) < k:
            out[:, o] = np.prod(live[:, list(T)], axis=1) * np.prod(1.0 - live[:, rest], axis=1)
            continue
        # the others may tie at the threshold (and lose the draw): "split", and "all" cut
        # to its cap
        drawn = spec.kind == "split" or (spec.kind == "all" and len(T) == cap)
        if drawn:
            # coefficients of prod over the others of (lo_j + eq_j z), shape (Kc, C, m + 1)
            poly = np.ones((Kc, C, 1))
            for j in rest:
                nxt = np.zeros((Kc, C, poly.shape[2] + 1))
                nxt[:, :, :-1] += poly * L[:, j, :, None]
                nxt[:, :, 1:] += poly * Q[:, j, :, None]
                poly = nxt
            mm = np.arange(poly.shape[2])
        tot = np.zeros((Kc, C))
        for size_a in range(min(len(T), k)):
            for A in itertools.combinations(T, size_a):
                B = [j for j in T if j not in A]
                r = len(B)
                prod = np.prod(U[:, list(A), :], axis=1) * np.prod(Q[:, B, :], axis=1)
                if drawn:
                    prod = prod * (poly @ (1.0 / comb(r + mm, r)))
                elif spec.kind == "all":  # every other organization below the threshold
                    prod = prod * np.prod(L[:, list(rest), :], axis=1)
                else:
                    top = max(B)
                    before = [j for j in rest if j < top]
                    after = [j for j in rest if j > top]
                    prod = prod * np.prod(L[:, before, :], axis=1)
                    prod = prod * np.prod(L[:, after, :] + Q[:, after, :], axis=1)
                tot += prod
        out[:, o] = tot.sum(axis=1)
    res, start = [], 0
    for i in range(n):
        res.append(out[start : start + len(x[i])])
        start += len(x[i])
    return res


def symmetric_set_classes(
    x: NDArray, q: NDArray, n: int, k: int, floor: float, tol: float
) -> NDArray:
    """The designated-set law by class in a symmetric game (``"split"`` ties): ``P[a, o,
    m]`` = P(the designated set has ``m`` members and includes organization 0 (``o =
    1``) or not (``o = 0``) | 0 plays level ``a``, the ``n - 1`` others each mix ``q``),
    for scores ``x`` per level, capacity ``k`` and floor ``floor`` (``P[a, 0, 0]``:
    nobody designated).

    Derivation (:func:`set_law_independent` with identical others). Fewer than ``k`` live
    scores: the ``nl`` live others are binomial, and everyone live is designated. Else
    condition on the threshold ``c``: the others above, tied with and below ``c`` are
    multinomial ``(nA, nE, nL)`` with probabilities ``(up(c), eq(c), lo(c))``; with 0's
    own place added, ``A`` above and ``E`` tied, ``c`` is the threshold iff ``A < k <= A
    + E``, the set has ``k`` members and 0 is among them if above, or tied and drawn (``r
    / E``, ``r = k - A``). ``up``, ``eq`` and ``lo`` are linear in ``q`` (not normalised:
    the tracer differentiates along each coordinate)."""
    x = np.asarray(x, dtype=float)
    q = np.asarray(q, dtype=float)
    K = x.size
    m_o = n - 1
    P = np.zeros((K, 2, k + 1))
    live = x > floor + tol
    pl, pn = float(q @ live), float(q @ ~live)
    nl = np.arange(m_o + 1)
    bl = comb(m_o, nl) * pl**nl * pn ** (m_o - nl)
    ok = 1 + nl < k
    P[np.ix_(live, [1], 1 + nl[ok])] += bl[ok][None, None, :]
    ok = nl < k
    P[np.ix_(~live, [0], nl[ok])] += bl[ok][None, None, :]
    vals = np.unique(x[live])
    if vals.size == 0:
        return P
    vals = vals[np.r_[True, np.diff(vals) > tol]]
    upb = x[None, :] > vals[:, None] + tol  # (C, K): level b above threshold c
    eqb = (x[None, :] >= vals[:, None] - tol) & ~upb
    lob = ~(upb | eqb)
    up, eq, lo = upb @ q, eqb @ q, lob @ q  # (C,)
    nA = nl[:, None]
    nE = nl[None, :]
    feasible = nA + nE <= m_o
    nL = np.where(feasible, m_o - nA - nE, 0)
    multi = np.where(feasible, comb(m_o, nA) * comb(m_o - nA, nE), 0.0)
    w = multi[None] * up[:, None, None] ** nA * eq[:, None, None] ** nE * lo[:, None, None] ** nL
    # own place: (C, K, 1, 1) against the others' counts (1, 1, nA, nE)
    ou = upb[:, :, None, None].astype(np.intp)
    oe = eqb[:, :, None, None].astype(np.intp)
    A = nA[None, None] + ou
    E = nE[None, None] + oe
    cond = feasible[None, None] & (k > A) & (k <= A + E)
    wc = np.where(cond, w[:, None], 0.0)
    drawn = np.where(cond, (k - A) / np.maximum(E, 1), 0.0)
    p_in = ou + oe * drawn  # P(0 designated | the counts)
    P[:, 1, k] += (wc * p_in).sum(axis=(0, 2, 3))
    P[:, 0, k] += (wc * (1.0 - p_in)).sum(axis=(0, 2, 3))
    return P
