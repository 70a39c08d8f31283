"""Best-response polytopes of a bimatrix game: vertex enumeration, labels, matching.

Private engine of :mod:`deterrence.solvers.two_player`.

Conventions. The row player has ``m`` actions, the column player ``n``; there are
``K = m + n`` *labels*: ``0..m-1`` name the row player's actions, ``m..m+n-1`` the column
player's. After each payoff matrix is shifted and scaled into ``[1, 2]`` (Nash equilibria
are unchanged by positive affine maps of one player's payoffs) the two best-response
polytopes are, each written as ``G z <= h`` with one constraint per label,

* ``P = {x in R^m : x >= 0, B'^T x <= 1}``: constraint ``i < m`` is ``-x_i <= 0`` and
  constraint ``m + j`` is ``(B'^T x)_j <= 1``;
* ``Q = {y in R^n : A' y <= 1, y >= 0}``: constraint ``i < m`` is ``(A' y)_i <= 1`` and
  constraint ``m + j`` is ``-y_j <= 0``.

A point has label ``l`` when constraint ``l`` is tight. A vertex pair ``(x, y) != (0, 0)``
whose label sets together cover all ``K`` labels is an extreme Nash equilibrium after
normalising ``x`` and ``y`` to sum to one, and every extreme equilibrium arises this way,
degenerate games included (Avis, Rosenberg, Savani and von Stengel 2010).

Vertex enumeration has two routes:

``lex`` (always correct, degenerate polytopes included)
    Breadth-first search over the *lexicographically feasible bases*: the polytope is
    perturbed to ``G z <= h + (eps, eps^2, ..., eps^K)``, which is simple, and whose
    vertices (the lex-feasible bases of ``P``) form a connected graph (Balinski's theorem).
    Every layer of the search pivots every frontier basis in every direction at once:
    one stacked matrix inversion, one matrix product and a lexicographic minimum-ratio test
    vectorised over all (basis, direction) pairs. Each vertex of ``P`` is the image of at
    least one lex-feasible basis, so the search returns them all.
``qhull`` (fast route, certified)
    :class:`scipy.spatial.ConvexHull` (Qhull) of the polar points lists the vertices (one
    per facet of the dual hull); the set is accepted only when every vertex has exactly
    ``d`` tight constraints, namely the ``d`` points of its Qhull facet (the polytope is
    simple there), and every *edge* ``T \\ {k}`` of every vertex ``T`` leads to exactly one
    other vertex of the set -- a combinatorial proof that the set is closed under
    adjacency and hence, the graph of a polytope being connected, that it is every vertex.
    Otherwise (and straight away when the payoffs have ties, the usual source of
    degeneracy) the ``lex`` route runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Polytope",
    "VertexSet",
    "best_response_polytopes",
    "complementary_points",
    "enumerate_vertices",
    "lex_step",
    "match_vertices",
    "pack_masks",
]

#: Bound on the elements of one (bases x directions x constraints) work array in the
#: lexicographic search; the frontier is processed in blocks under this bound.
_BLOCK_ELEMENTS = 2_000_000


@dataclass(frozen=True, kw_only=True)
class Polytope:
    """``{z : G z <= h}`` with constraint ``l`` carrying label ``l``; ``start`` is the basis
    (tight constraint indices) of the vertex ``z = 0``."""

    G: NDArray[np.float64]
    h: NDArray[np.float64]
    start: NDArray[np.intp]

    @property
    def dim(self) -> int:
        return self.G.shape[1]

    @property
    def n_labels(self) -> int:
        return self.G.shape[0]


@dataclass(frozen=True, kw_only=True)
class VertexSet:
    """The vertices of a polytope with their labels (tight constraints).

    The labels are stored either as boolean ``masks`` (lex route) or, for a simple
    polytope, as the ``tight`` constraint indices of each vertex (Qhull route); use
    :meth:`masks_of`.
    """

    coords: NDArray[np.float64]  # (V, d)
    keys: NDArray  # (V,) packed label sets, sorted ascending, unique
    n_labels: int  # K
    masks: NDArray[np.bool_] | None = None  # (V, K)
    tight: NDArray[np.intp] | None = None  # (V, d): simple vertices only
    origin: int = -1  # index of the vertex z = 0 (-1 if absent)
    degenerate: bool = False  # some vertex has more than d tight constraints
    route: str = "lex"  # "qhull" or "lex"
    n_bases: int = 0  # lex-feasible bases visited (lex route) or 0
    complete: bool = True  # the search ran to the end and every numerical check passed
    message: str = ""

    def masks_of(self, idx: NDArray[np.intp]) -> NDArray[np.bool_]:
        """Label masks of the vertices ``idx``, shape ``(len(idx), K)``."""
        if self.masks is not None:
            return self.masks[idx]
        out = np.zeros((len(idx), self.n_labels), dtype=bool)
        np.put_along_axis(out, self.tight[idx], True, axis=1)
        return out


def _scale_unit(M: NDArray) -> NDArray:
    """Positive affine image of ``M`` with entries in ``[1, 2]`` (all ones if constant)."""
    lo, hi = float(M.min()), float(M.max())
    if hi - lo <= 0.0:
        return np.ones_like(M, dtype=float)
    return (M - lo) / (hi - lo) + 1.0


def best_response_polytopes(A: NDArray, B: NDArray) -> tuple[Polytope, Polytope]:
    """The polytopes ``P`` (row player's mixed strategies, scaled) and ``Q`` (column
    player's) of the bimatrix game ``(A, B)``; see the module docstring."""
    m, n = A.shape
    A1, B1 = _scale_unit(np.asarray(A, float)), _scale_unit(np.asarray(B, float))
    P = Polytope(
        G=np.ascontiguousarray(np.vstack([-np.eye(m), B1.T])),
        h=np.concatenate([np.zeros(m), np.ones(n)]),
        start=np.arange(m),
    )
    Q = Polytope(
        G=np.ascontiguousarray(np.vstack([A1, -np.eye(n)])),
        h=np.concatenate([np.ones(m), np.zeros(n)]),
        start=np.arange(m, m + n),
    )
    return P, Q


# --------------------------------------------------------------------------- masks
def pack_masks(masks: NDArray[np.bool_]) -> NDArray:
    """One hashable, sortable key per row of a boolean matrix.

    With at most 52 columns the key is the integer whose bits are the row (computed by one
    floating-point matrix product, exact below 2**53); otherwise the packed bytes of the
    row as a numpy void scalar.
    """
    masks = np.asarray(masks, dtype=bool)
    K = masks.shape[-1]
    if K <= _INT_KEY_BITS:
        return (masks @ _bit_weights(K)).astype(np.int64)
    packed = np.ascontiguousarray(np.packbits(masks, axis=-1))
    return packed.view(f"V{packed.shape[-1]}")[..., 0]


_INT_KEY_BITS = 52


def _bit_weights(K: int) -> NDArray[np.float64]:
    return np.ldexp(1.0, np.arange(K))


# ----------------------------------------------------------------- lexicographic pivots
def _basis_data(poly: Polytope, bases: NDArray[np.intp], tol: float):
    """Inverse basis matrices, basic solutions, slacks and edge rates of a stack of bases.

    ``rates[f, p, j]`` is the rate at which constraint ``j``'s left side grows when basis
    ``f`` moves along the edge that frees its ``p``-th basic constraint
    (direction ``-inv(G_B) e_p``).
    """
    G, h = poly.G, poly.h
    F, d = bases.shape
    inv = np.linalg.inv(G[bases])  # (F, d, d)
    x = np.einsum("fij,fj->fi", inv, h[bases])
    slack = h[None, :] - x @ G.T  # (F, K)
    slack[np.abs(slack) <= tol] = 0.0
    cols = inv.transpose(0, 2, 1).reshape(F * d, d)  # row (f, p) = p-th column of inv_f
    rates = -(cols @ G.T).reshape(F, d, G.shape[0])
    return inv, x, slack, rates


def _lex_entering(
    slack: NDArray,
    rates: NDArray,
    bases: NDArray[np.intp],
    tol: float,
    directions: NDArray[np.intp] | None = None,
) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Lexicographic minimum-ratio test of every basis along every edge (``directions``
    None: result shape ``(F, d)``) or along one edge each (``directions[f]``: shape
    ``(F,)``).

    Returns the entering constraint of each (basis, edge) and a flag that is False where
    no constraint blocks the edge (an unbounded edge: impossible in a polytope, so a sign
    of numerical trouble).
    """
    F, _, K = rates.shape
    R = rates if directions is None else rates[np.arange(F), directions][:, None, :]
    D = R.shape[1]
    basic = np.zeros((F, K), dtype=bool)
    np.put_along_axis(basic, bases, True, axis=1)
    cand = (tol < R) & ~basic[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.where(cand, slack[:, None, :] / np.where(cand, R, 1.0), np.inf)
    tied = cand & (theta <= theta.min(axis=2, keepdims=True) + tol)
    ok = cand.any(axis=2)
    entering = np.argmax(tied, axis=2)
    tied = tied.reshape(F * D, K)
    amb = np.flatnonzero(tied.sum(axis=1) > 1)
    if amb.size:
        flat = entering.reshape(F * D)
        flat[amb] = _lex_tiebreak(rates, bases, amb // D, R.reshape(F * D, K)[amb], tied[amb], tol)
        entering = flat.reshape(F, D)
    if directions is not None:
        return entering[:, 0], ok[:, 0]
    return entering, ok


def _lex_tiebreak(
    rates: NDArray,
    bases: NDArray[np.intp],
    fa: NDArray[np.intp],
    ra: NDArray,
    T: NDArray[np.bool_],
    tol: float,
) -> NDArray[np.intp]:
    """Break ties of the ratio test lexicographically, for rows with several candidates.

    The perturbed slack of candidate ``j`` is ``slack_j + sum_c M_j[c] eps_c`` with
    ``M_j[c] = [c == j] + rates[f, pos(c), j]`` (the second term for basic ``c`` only), so
    the ratio of ``j`` is the vector ``(slack_j, M_j[0], M_j[1], ...) / r_j`` and the
    entering candidate is its lexicographic minimum, found for all rows at once.

    Component ``c`` of a nonbasic ``c`` is ``1 / r_c > 0`` for candidate ``c`` and 0 for
    the others, so it only removes candidate ``c`` (while others remain). Between two
    consecutive basic components ``b' < b`` the nonbasic components therefore remove every
    candidate below ``b`` if one above ``b`` remains, and otherwise leave only the largest:
    the loop runs over the ``d`` basic components, not all ``K``.
    """
    N, K = T.shape
    d = bases.shape[1]
    basis = bases[fa]
    order = np.argsort(basis, axis=1)
    sorted_basis = np.take_along_axis(basis, order, axis=1)
    label = np.arange(K)
    out = np.empty(N, dtype=np.intp)
    rows = np.arange(N)
    T = T.copy()
    for q in range(d):
        above = T & (label > sorted_basis[:, q, None])
        has_above = above.any(axis=1)
        if not has_above.all():  # the largest candidate below b survives alone
            low = ~has_above
            out[rows[low]] = K - 1 - np.argmax(T[low, ::-1], axis=1)
            keep = has_above
            rows, fa, ra, above = rows[keep], fa[keep], ra[keep], above[keep]
            order, sorted_basis = order[keep], sorted_basis[keep]
            if rows.size == 0:
                return out
        T = above
        v = np.where(T, rates[fa, order[:, q]] / np.where(T, ra, 1.0), np.inf)
        T &= v <= v.min(axis=1, keepdims=True) + tol
        single = T.sum(axis=1) == 1
        if single.any():
            out[rows[single]] = np.argmax(T[single], axis=1)
            keep = ~single
            rows, fa, ra, T = rows[keep], fa[keep], ra[keep], T[keep]
            order, sorted_basis = order[keep], sorted_basis[keep]
            if rows.size == 0:
                return out
    out[rows] = K - 1 - np.argmax(T[:, ::-1], axis=1)  # the nonbasic tail: the largest
    return out


def lex_step(
    poly: Polytope, bases: NDArray[np.intp], leave: NDArray[np.intp], tol: float
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.bool_]]:
    """One lexicographic pivot per basis: free constraint ``leave[f]`` (which must be basic
    in ``bases[f]``). Returns the new bases, the entering constraints and an ``ok`` flag."""
    bases = np.asarray(bases, dtype=np.intp)
    pos = np.argmax(bases == np.asarray(leave)[:, None], axis=1)
    _, _, slack, rates = _basis_data(poly, bases, tol)
    entering, ok = _lex_entering(slack, rates, bases, tol, directions=pos)
    new = bases.copy()
    new[np.arange(bases.shape[0]), pos] = entering
    return new, entering, ok


def basic_solution(poly: Polytope, bases: NDArray[np.intp]) -> NDArray[np.float64]:
    """The points ``z`` with ``G_B z = h_B`` for a stack of bases (shape ``(F, d)``)."""
    bases = np.asarray(bases, dtype=np.intp)
    return np.linalg.solve(poly.G[bases], poly.h[bases][..., None])[..., 0]


def _enumerate_lex(poly: Polytope, tol: float, max_bases: int) -> VertexSet:
    """Every vertex of ``poly`` by breadth-first search over its lex-feasible bases."""
    G = poly.G
    K, d = G.shape
    frontier = poly.start[None, :].astype(np.intp)
    int_keys = K <= 62
    if int_keys:  # a basis is the bit set of its constraints; pivots update it in O(1)
        bit = np.left_shift(np.int64(1), np.arange(K, dtype=np.int64))
        fkeys = bit[frontier].sum(axis=1)
    else:
        fkeys = pack_masks(_masks_of_bases(frontier, K))
    seen = fkeys.copy()
    xs: list[NDArray] = []
    ss: list[NDArray] = []
    n_bases = 1
    truncated = False
    trouble = False
    block = max(1, _BLOCK_ELEMENTS // max(1, d * K))
    while frontier.shape[0]:
        nbs, nks = [], []
        for lo in range(0, frontier.shape[0], block):
            fb = frontier[lo : lo + block]
            _, x, slack, rates = _basis_data(poly, fb, tol)
            xs.append(x)
            ss.append(slack)
            entering, ok = _lex_entering(slack, rates, fb, tol)  # (F, d)
            nb = np.repeat(fb[:, None, :], d, axis=1)  # (F, d, d): neighbour along edge p
            diag = np.arange(d)
            nb[:, diag, diag] = entering
            if int_keys:
                nk = fkeys[lo : lo + block, None] - bit[fb] + bit[entering]
            if not ok.all():
                trouble = True
            nb = nb[ok]
            nbs.append(nb)
            if int_keys:
                nks.append(nk[ok])
        nb = np.concatenate(nbs)
        keys = np.concatenate(nks) if int_keys else pack_masks(_masks_of_bases(nb, K))
        keys, idx = np.unique(keys, return_index=True)
        new = ~np.isin(keys, seen, assume_unique=True)
        frontier, fkeys = nb[idx[new]], keys[new]
        seen = np.concatenate([seen, fkeys])
        seen.sort()
        n_bases += fkeys.size
        if n_bases > max_bases and frontier.shape[0]:
            truncated = True
            break
    x = np.concatenate(xs)
    slack = np.concatenate(ss)
    feasible = bool((slack >= -tol).all())
    masks = slack == 0.0  # _basis_data zeroed |slack| <= tol
    keys, idx = np.unique(pack_masks(masks), return_index=True)
    masks = masks[idx]
    coords = x[idx]
    degenerate = bool((masks.sum(axis=1) > d).any())
    origin = np.flatnonzero(keys == pack_masks(_masks_of_bases(poly.start[None, :], K))[0])
    msgs = []
    if truncated:
        msgs.append(f"stopped after max_bases={max_bases} lex-feasible bases")
    if trouble:
        msgs.append("an edge without blocking constraint was met (numerical trouble)")
    if not feasible:
        msgs.append(f"a basic solution violates a constraint by {-slack.min():.3g} > tol")
    return VertexSet(
        coords=coords,
        masks=masks,
        keys=keys,
        n_labels=K,
        origin=int(origin[0]) if origin.size else -1,
        degenerate=degenerate,
        route="lex",
        n_bases=n_bases,
        complete=not (truncated or trouble or not feasible),
        message="; ".join(msgs),
    )


def _masks_of_bases(bases: NDArray[np.intp], K: int) -> NDArray[np.bool_]:
    out = np.zeros((bases.shape[0], K), dtype=bool)
    np.put_along_axis(out, bases, True, axis=1)
    return out


# --------------------------------------------------------------------------- qhull
def _interior_point(poly: Polytope) -> NDArray[np.float64]:
    """A point ``t * (1, ..., 1)`` well inside the polytope: ``t`` balances the distance to
    the coordinate facets ``z_i = 0`` and to the payoff facets ``G_l z = 1``."""
    rows = poly.G[poly.h > 0]  # the payoff constraints; the others are -z_i <= 0
    t = 1.0 / float((rows.sum(axis=1) + np.sqrt((rows * rows).sum(axis=1))).max())
    return np.full(poly.dim, t)


def has_ties(tol: float, *mats: NDArray) -> bool:
    """True if some matrix has two entries within ``tol`` in one row or in one column."""
    for M in mats:
        for X in (M, M.T):
            if X.shape[1] > 1:
                srt = np.sort(X, axis=1)
                if (srt[:, 1:] - srt[:, :-1] <= tol).any():
                    return True
    return False


def _likely_degenerate(poly: Polytope, tol: float) -> bool:
    """True if the payoff block of ``G`` has a repeated value within a row or a column
    (a tie between two payoffs of the same action). Ties are how degenerate games arise
    (tied best responses at a pure strategy always make the polytope degenerate), and
    Qhull's answer is rejected on a degenerate polytope anyway, often after a long run:
    such polytopes go straight to the lexicographic search. Only speed depends on this
    guess; both routes are exact."""
    d, K = poly.dim, poly.n_labels
    # the payoff constraints: rows d.. of P (whose h starts with the sign rows' zeros),
    # rows ..K-d of Q
    return has_ties(tol, poly.G[d:] if poly.h[0] == 0.0 else poly.G[: K - d])


def _enumerate_qhull(poly: Polytope, tol: float, *, check_ties: bool = True) -> VertexSet | None:
    """Vertices by Qhull, returned only when certified complete (see module docstring).

    The vertices of ``{z : G z <= h}`` are the facets of the convex hull of the polar
    points ``G_l / (h_l - G_l c)`` about an interior point ``c``. The certificate: every
    vertex has exactly ``d`` tight constraints, namely the ``d`` points of its Qhull facet,
    and dropping any one of them (an edge) leaves a set shared by exactly one other vertex.
    """
    from scipy.spatial import ConvexHull, QhullError

    G, h = poly.G, poly.h
    K, d = G.shape
    if d < 2 or K > _INT_KEY_BITS or (check_ties and _likely_degenerate(poly, tol)):
        return None
    c = _interior_point(poly)
    try:
        hull = ConvexHull(G / (h - G @ c)[:, None], qhull_options=_QHULL_OPTIONS)
    except (QhullError, ValueError):
        return None
    eq = hull.equations
    if not eq[:, -1].max() < 0.0:  # a facet through the centre: not a polar of a polytope
        return None
    pts = eq[:, :-1] / -eq[:, -1:] + c
    slack = h - pts @ G.T
    if not slack.min() >= -tol:  # (also catches NaN)
        return None
    tight = hull.simplices.astype(np.intp)
    V = tight.shape[0]
    # exactly d tight constraints per vertex, and they are the facet's d points
    n_tight = np.count_nonzero(np.abs(slack) <= tol, axis=1)
    if not ((n_tight == d).all() and (np.abs(slack[np.arange(V)[:, None], tight]) <= tol).all()):
        return None  # a degenerate (or numerically ambiguous) vertex: use the lex route
    weights = np.left_shift(np.int64(1), np.arange(K, dtype=np.int64))
    bits = weights[tight]  # (V, d)
    keys = bits.sum(axis=1)
    # edges: drop each tight constraint of each vertex; in a simple polytope each such
    # ridge is shared by exactly two vertices (the two ends of the edge)
    ridge = (keys[:, None] - bits).ravel()
    ridge.sort()
    pairs_ok = (ridge[0::2] == ridge[1::2]).all()
    if not pairs_ok or (ridge.size > 2 and not (ridge[2::2] != ridge[1:-1:2]).all()):
        return None  # some ridge not shared by exactly two vertices
    order = np.argsort(keys)
    keys = keys[order]
    if V > 1 and not (keys[1:] != keys[:-1]).all():
        return None  # the same vertex twice: a merged (degenerate) facet
    origin = np.flatnonzero(keys == weights[poly.start].sum())
    return VertexSet(
        coords=pts[order],
        keys=keys,
        n_labels=K,
        tight=tight[order],
        origin=int(origin[0]) if origin.size else -1,
        degenerate=False,
        route="qhull",
        n_bases=0,
        complete=True,
    )


#: Qhull options: no facet merging (a precision problem raises, and the lexicographic
#: route takes over; a merged facet would be rejected by the certificate anyway).
_QHULL_OPTIONS = "Q0"


def enumerate_vertices(
    poly: Polytope, *, tol: float, route: str = "auto", max_bases: int = 1_000_000
) -> VertexSet | None:
    """Every vertex of ``poly`` with its labels; ``route`` is ``"auto"`` (Qhull with a
    certificate, else lexicographic search), ``"qhull"`` (same), ``"lex"``, or
    ``"qhull-only"`` (Qhull with a certificate, else None)."""
    if route in ("auto", "qhull", "qhull-only"):
        vs = _enumerate_qhull(poly, tol)
        if vs is not None or route == "qhull-only":
            return vs
    return _enumerate_lex(poly, tol, max_bases)


# ------------------------------------------------------- one polytope and its partners
def complementary_points(
    P: Polytope, Q: Polytope, VP: VertexSet, *, band: float
) -> tuple[NDArray[np.intp], NDArray[np.float64]] | None:
    """The equilibrium partners in ``Q`` of the vertices of a *simple* polytope ``P``, without
    enumerating ``Q`` (the step of *lrsnash* that follows its enumeration of ``P``).

    ``P`` and ``Q`` are the row and column player's polytopes of one game
    (:func:`best_response_polytopes`). A vertex ``x != 0`` of a simple ``P`` has exactly
    ``m`` labels ``L``: the unused rows and the ``s`` columns ``T`` that are best responses,
    where ``s`` is the size of the support ``S`` of ``x``. A ``y`` in ``Q`` completes it to
    an equilibrium iff ``y`` has every label not in ``L``: ``y_j = 0`` off ``T`` and
    ``(A' y)_i = 1`` on ``S``, so ``y_T`` solves the ``s x s`` system ``A'[S, T] y_T = 1``
    (one batched solve per support size), and ``(x, y)`` is an extreme equilibrium iff
    ``y_T >= 0`` and ``(A' y)_i <= 1`` off ``S``.

    Returns ``(idx, ys)``: the vertices of ``VP`` with a partner and the partners (then
    every extreme equilibrium is such a pair, and each partner has exactly ``n`` labels),
    or None when that cannot be certified: a singular system, or a remaining slack within
    ``band`` of zero (a degenerate or numerically ambiguous point). Returns None also when
    ``VP`` does not list tight constraints (not certified simple).
    """
    if VP.tight is None or VP.degenerate:
        return None
    m, n = P.dim, Q.dim
    V = VP.keys.size
    if V * n <= _PARTNER_DENSE:
        low, ys = _partners_dense(Q, VP.tight, m)
    else:
        low, ys = _partners_by_size(Q, VP.tight, m)
    if low is None:
        return None
    if VP.origin >= 0:  # its partner would be the origin of Q: not an equilibrium
        low[VP.origin] = -np.inf
    if np.isnan(low).any() or (np.abs(low) <= band).any():
        return None
    ok = np.flatnonzero(low > band)
    return ok, ys[ok]


#: Up to this many (vertex x coordinate) entries the partners are found by one batched
#: ``n x n`` solve; beyond, by one ``s x s`` solve per support size ``s`` (fewer flops).
_PARTNER_DENSE = 4_000


def _partners_dense(Q: Polytope, tight: NDArray[np.intp], m: int):
    """Partners as the solutions of ``G_Q[K \\ L] y = h_Q[K \\ L]`` (one batched solve);
    returns the smallest remaining slack of each and the partners (None if singular)."""
    V = tight.shape[0]
    comp = np.ones((V, Q.n_labels), dtype=bool)
    comp[np.arange(V)[:, None], tight] = False
    basis = np.nonzero(comp)[1].reshape(V, Q.dim)
    try:
        ys = np.linalg.solve(Q.G[basis], Q.h[basis][..., None])[..., 0]
    except np.linalg.LinAlgError:
        return None, None
    ys[comp[:, m:]] = 0.0  # the unused columns exactly (the solve leaves ~1e-17)
    slack = Q.h - ys @ Q.G.T
    slack[comp] = np.inf  # only the labels of x are left to check
    return slack.min(axis=1), ys


def _partners_by_size(Q: Polytope, tight: NDArray[np.intp], m: int):
    """Partners grouped by support size ``s``: ``y_T`` solves ``A'[S, T] y_T = 1``."""
    V, n = tight.shape[0], Q.dim
    A1 = Q.G[:m]  # the scaled payoff matrix of the row player
    labels = np.zeros((V, m + n), dtype=bool)
    labels[np.arange(V)[:, None], tight] = True
    support = ~labels[:, :m]  # S: rows where y must be tight
    best = labels[:, m:]  # T: the columns y may use
    size = support.sum(axis=1)
    ys = np.zeros((V, n))
    low = np.full(V, -np.inf)  # smallest remaining slack of each partner
    order = np.argsort(size, kind="stable")
    sizes = size[order]
    cuts = np.flatnonzero(sizes[1:] != sizes[:-1]) + 1
    for grp in np.split(order, cuts):
        s = int(size[grp[0]])
        if s == 0:  # the origin
            continue
        S = np.nonzero(support[grp])[1].reshape(-1, s)
        T = np.nonzero(best[grp])[1]
        if T.size != grp.size * s:  # not s best responses: not a simple vertex
            return None, None
        T = T.reshape(-1, s)
        try:
            yT = np.linalg.solve(A1[S[:, :, None], T[:, None, :]], np.ones((grp.size, s, 1)))
        except np.linalg.LinAlgError:
            return None, None
        yT = yT[..., 0]
        y = np.zeros((grp.size, n))
        r = np.arange(grp.size)[:, None]
        y[r, T] = yT
        slack = 1.0 - y @ A1.T  # (G, m)
        slack[r, S] = np.inf  # the tight rows are not checked
        low[grp] = np.minimum(yT.min(axis=1), slack.min(axis=1))
        ys[grp] = y
    return low, ys


# ------------------------------------------------------------------------ matching
def match_vertices(
    VP: VertexSet, VQ: VertexSet, *, block: int = 4_000_000
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """All pairs ``(i, j)`` of a vertex of ``P`` and a vertex of ``Q``, other than the
    origin pair, whose labels cover every label; returned as two index arrays."""
    K = VP.n_labels
    iP = (
        np.delete(np.arange(VP.keys.size), VP.origin) if VP.origin >= 0 else np.arange(VP.keys.size)
    )
    iQ = (
        np.delete(np.arange(VQ.keys.size), VQ.origin) if VQ.origin >= 0 else np.arange(VQ.keys.size)
    )
    if iP.size == 0 or iQ.size == 0:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    int_keys = VP.keys.dtype == np.int64 and VQ.keys.dtype == np.int64
    full = np.int64((1 << K) - 1) if int_keys else None
    if not (VP.degenerate or VQ.degenerate):
        # each vertex has exactly d labels: the partner's label set is the complement
        want = full ^ VP.keys[iP] if int_keys else pack_masks(~VP.masks_of(iP))
        keysQ = VQ.keys[iQ]  # sorted ascending
        pos = np.minimum(np.searchsorted(keysQ, want), keysQ.size - 1)
        hit = keysQ[pos] == want
        return iP[hit], iQ[pos[hit]]
    outP, outQ = [], []
    if int_keys:
        # labels as bit sets: y's missing labels must all be labels of x
        need = full ^ VQ.keys[iQ]
        kP = VP.keys[iP]
        rows = max(1, block // iQ.size)
        for lo in range(0, iP.size, rows):
            a, b = np.nonzero((kP[lo : lo + rows, None] & need) == need)
            outP.append(iP[lo + a])
            outQ.append(iQ[b])
        return np.concatenate(outP), np.concatenate(outQ)
    mP = np.packbits(VP.masks_of(iP), axis=1)
    mQ = np.packbits(VQ.masks_of(iQ), axis=1)
    allk = np.packbits(np.ones(K, dtype=bool))
    rows = max(1, block // max(1, iQ.size * mP.shape[1]))
    for lo in range(0, iP.size, rows):
        sl = slice(lo, lo + rows)
        a, b = np.nonzero(((mP[sl, None, :] | mQ[None, :, :]) == allk).all(axis=2))
        outP.append(iP[sl][a])
        outQ.append(iQ[b])
    return np.concatenate(outP), np.concatenate(outQ)
