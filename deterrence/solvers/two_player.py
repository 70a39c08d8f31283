"""Two-player (bimatrix) games: every equilibrium, Lemke-Howson, and zero-sum LP.

Three solvers for a game with two players, the row player (player 0, payoff matrix ``A``)
and the column player (player 1, payoff matrix ``B``), both of shape ``(m, n)``:

* :func:`vertex_enumeration` (``dt.solve(game, method="support")``): every extreme Nash
  equilibrium, exact and robust to degeneracy, by enumerating the vertices of the two
  best-response polytopes and matching the completely labelled pairs (the algorithm of
  Avis, Rosenberg, Savani and von Stengel's *lrsnash*, with the vertex enumeration
  batched in numpy: see :mod:`deterrence.solvers._polytope`). In a degenerate game the
  equilibria can form continua; the extreme equilibria are grouped into connected
  components and maximal Nash subsets (``details["components"]``, ``["continua"]``,
  ``["nash_subsets"]``), and the message says when there is a continuum. With numba
  installed (the ``fast`` extra) a nondegenerate game is solved by one compiled kernel
  (:mod:`deterrence.solvers._vertex_kernels`: a certified pivoting search over the
  smaller polytope); anything it cannot certify takes the numpy routes.
* :func:`lemke_howson` (``method="lemke-howson"``): the Lemke-Howson path from every
  starting label, with lexicographic pivoting, so it terminates on degenerate games too
  (one path from one label: a compiled kernel when numba is installed).
* :func:`solve_zero_sum` (``method="lp"``): value and optimal strategies of a zero-sum or
  constant-sum game by linear programming (:func:`scipy.optimize.linprog`, HiGHS).

Labels follow the usual convention: ``0..m-1`` are the row player's actions and
``m..m+n-1`` the column player's.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_choice, check_int, check_real
from ..errors import DeterrenceError, UnsupportedGameError
from ..games.base import Game
from ..games.normal_form import NormalFormGame
from . import _polytope as _pt
from . import _vertex_kernels as _vk
from .results import Equilibrium, NashResult

__all__ = [
    "lemke_howson",
    "solve_lemke_howson",
    "solve_lp",
    "solve_support",
    "solve_zero_sum",
    "vertex_enumeration",
]

BACKENDS = ("deterrence", "nashpy")
ROUTES = ("auto", "qhull", "lex")
NASHPY_METHODS = ("vertex_enumeration", "support_enumeration")


# ------------------------------------------------------------------------- helpers
def _bimatrix(game: Any, method: str) -> tuple[NormalFormGame, NDArray, NDArray]:
    """The dense game and its two payoff matrices; refuses anything but 2 players before
    any work (in particular before building a dense table)."""
    if not isinstance(game, Game):
        raise DeterrenceError(
            f"game={type(game).__name__} is not a deterrence game; expected a NormalFormGame "
            "or a structured game"
        )
    if game.n_players != 2:
        raise UnsupportedGameError(
            f"method={method!r} needs a 2-player game; this game has {game.n_players} "
            f"players (shape {game.shape}); use method='logit' for N-player games or "
            "method='symmetric' for symmetric ones"
        )
    g = game if isinstance(game, NormalFormGame) else game.to_normal_form()
    return g, np.asarray(g.payoffs[0]), np.asarray(g.payoffs[1])


def _regret_tol(A: NDArray, B: NDArray, tol: float) -> float:
    """Largest regret accepted for a computed equilibrium: ``tol`` times the payoff range
    (at least ``tol``)."""
    spread = max(float(np.ptp(A)), float(np.ptp(B)), 1.0)
    return tol * spread


def _normalise(z: NDArray) -> NDArray:
    z = np.where(z > 0.0, z, 0.0)
    return z / z.sum(axis=-1, keepdims=True)


def _dedupe(profiles: NDArray, atol: float) -> NDArray[np.intp]:
    """Indices of the first occurrence of each profile (rows equal within ``atol``)."""
    if profiles.shape[0] == 0:
        return np.empty(0, dtype=np.intp)
    diff = np.abs(profiles[:, None, :] - profiles[None, :, :]).max(axis=2)
    same = diff <= atol
    first = np.argmax(same, axis=1)  # first row equal to each row
    return np.flatnonzero(first == np.arange(profiles.shape[0]))


def _order(profiles: NDArray) -> NDArray[np.intp]:
    """Deterministic order: lexicographically decreasing probabilities (so pure profiles on
    low action indices come first)."""
    keys = -np.round(profiles, 10)
    return np.lexsort(keys.T[::-1])


def _equilibria(
    game: NormalFormGame, xs: NDArray, ys: NDArray, regret_tol: float
) -> tuple[list[Equilibrium], NDArray[np.bool_]]:
    """Candidate profiles evaluated on the game's payoff matrices (payoffs and regrets of all
    candidates in two matrix products); those with regret above ``regret_tol`` are dropped.
    Returns the kept equilibria and the mask of kept candidates.

    For a bimatrix game ``(A, B)`` this is exactly what the dense oracle computes: row
    payoffs ``A y`` and column payoffs ``B^T x``, regret the larger gap to the best action.
    """
    A, B = game.payoffs[0], game.payoffs[1]
    Ay = ys @ A.T  # (E, m): the row player's payoff of each action against y
    xB = xs @ B  # (E, n)
    u = np.einsum("ei,ei->e", xs, Ay)
    v = np.einsum("ej,ej->e", xB, ys)
    reg = np.maximum(
        np.maximum(Ay.max(axis=1, initial=-np.inf) - u, xB.max(axis=1, initial=-np.inf) - v), 0.0
    )
    keep = reg <= regret_tol
    eqs = []
    for k in np.flatnonzero(keep):
        x, y = xs[k].copy(), ys[k].copy()
        pay = np.array([u[k], v[k]])
        for a in (x, y, pay):
            a.flags.writeable = False
        eqs.append(Equilibrium((x, y), pay, float(reg[k])))
    return eqs, keep


def _plural(k: int, word: str = "equilibri") -> str:
    return f"{k} {word}{'um' if k == 1 else 'a'}"


# -------------------------------------------------------------- vertex enumeration
def vertex_enumeration(
    game: Game,
    *,
    tol: float = 1e-9,
    route: str = "auto",
    max_bases: int = 1_000_000,
) -> NashResult:
    """Every extreme Nash equilibrium of a 2-player game (degenerate games included).

    The vertices of the best-response polytopes ``P`` (row player) and ``Q`` (column
    player) are enumerated, and every vertex pair whose labels cover all actions is an
    extreme equilibrium. On a nondegenerate game only the polytope of the player with fewer
    actions is enumerated, each vertex's one possible partner being solved for: by a
    compiled breadth-first pivoting search when numba is installed
    (:mod:`deterrence.solvers._vertex_kernels`), else by Qhull, in both cases only when
    the set can be certified complete (the polytope is simple and the found vertices are
    closed under adjacency). Otherwise both polytopes are enumerated by a breadth-first
    search over lexicographically feasible bases, batched in numpy, which is correct on
    degenerate polytopes. See :mod:`deterrence.solvers._polytope`.

    Parameters
    ----------
    game
        A 2-player game (a structured game is converted with ``to_normal_form``).
    tol
        Tolerance, on payoffs scaled to ``[1, 2]``, under which a constraint counts as
        tight (a best response or an unused action) and a pivot ratio as tied; returned
        equilibria must also have regret at most ``tol`` times the payoff range.
    route
        ``"auto"`` (the compiled search or Qhull, with certificate, else lexicographic
        search), ``"qhull"`` (the same: no answer is used uncertified) or ``"lex"``
        (lexicographic search only).
    max_bases
        Stop the lexicographic search after this many bases per polytope (the result is
        then marked incomplete); the compiled search hands over to the numpy routes after
        this many vertices.

    Returns
    -------
    NashResult
        ``method="support"``; ``complete`` is True when the enumeration finished and
        passed its checks: then every extreme equilibrium is listed, and every equilibrium
        is a convex combination inside one of the maximal Nash subsets. ``details`` holds
        ``degenerate`` (bool), ``n_vertices`` (of P and Q), ``routes`` (``"pivot"``,
        ``"qhull"`` or ``"lex"`` for each polytope, None for one not enumerated),
        ``dominated`` (the rows and columns removed by iterated strict dominance before
        the enumeration), ``components`` (tuples of equilibrium indices: the connected
        components of the equilibrium set), ``continua`` (the components with more than
        one extreme equilibrium: each is an infinite connected set of equilibria) and
        ``nash_subsets`` (the maximal Nash subsets ``conv(X) x conv(Y)``, each as the
        indices of its extreme equilibria; singletons in a nondegenerate game).

    Notes
    -----
    Strategies strictly dominated by another pure strategy (iteratively) are removed
    first: they are never played, so the equilibria are unchanged. The work grows with the
    number of polytope vertices, which grows exponentially with the size of the game: a
    random 10 x 10 game has about a thousand per polytope, a 12 x 12 several thousand.

    Examples
    --------
    >>> import deterrence as dt
    >>> bos = dt.NormalFormGame.from_bimatrix([[3, 0], [0, 2]], [[2, 0], [0, 3]])
    >>> res = dt.vertex_enumeration(bos)
    >>> res.complete, len(res)
    (True, 3)
    >>> [eq.strategies[0].round(3).tolist() for eq in res]
    [[1.0, 0.0], [0.6, 0.4], [0.0, 1.0]]

    A degenerate game with a continuum of equilibria: the row player is indifferent and
    the column player always prefers the first column, so every mixture of the rows
    against the first column is an equilibrium.

    >>> g = dt.NormalFormGame.from_bimatrix([[1, 1], [1, 1]], [[1, 0], [1, 0]])
    >>> res = dt.vertex_enumeration(g)
    >>> len(res), res.details["continua"]
    (2, ((0, 1),))
    """
    tol = check_real("tol", tol, low=0.0, high=1e-3, low_open=True)
    check_choice("route", route, ROUTES)
    max_bases = check_int("max_bases", max_bases, low=1)
    g, A, B = _bimatrix(game, "support")
    params = {"backend": "deterrence", "tol": tol, "route": route, "max_bases": max_bases}
    ker = None if route == "lex" else _vk.kernels()
    if ker is not None:
        fast = _compiled_route(ker, A, B, tol, max_bases, params)
        if fast is not None:
            return fast

    m, n = A.shape
    spread = max(float(np.ptp(A)), float(np.ptp(B)), 1.0)
    rows, cols = _undominated(A, B, tol * spread)
    reduced = rows.size < m or cols.size < n
    Ar, Br = (A[np.ix_(rows, cols)], B[np.ix_(rows, cols)]) if reduced else (A, B)
    fast = None if route == "lex" else _one_polytope(Ar, Br, tol)
    if fast is not None:
        xs, ys, n_vertices, routes = fast
        degenerate, incomplete, nit = False, [], 0
        pairs = np.repeat(np.arange(xs.shape[0])[:, None], 2, axis=1)
        counted = (
            f"{n_vertices[0] or n_vertices[1]} vertices of {'Q' if routes[0] is None else 'P'}"
        )
    else:
        P, Q = _pt.best_response_polytopes(Ar, Br)
        VP = _pt.enumerate_vertices(P, tol=tol, route=route, max_bases=max_bases)
        VQ = _pt.enumerate_vertices(Q, tol=tol, route=route, max_bases=max_bases)
        iP, iQ = _pt.match_vertices(VP, VQ)
        xs, ys = _polished(P, VP, iP), _polished(Q, VQ, iQ)
        pairs = np.stack([iP, iQ], axis=1)
        degenerate = VP.degenerate or VQ.degenerate
        incomplete = [
            f"polytope {nm}: {vs.message}" for vs, nm in ((VP, "P"), (VQ, "Q")) if vs.message
        ]
        if not (VP.complete and VQ.complete) and not incomplete:
            incomplete.append("the enumeration did not pass its checks")
        n_vertices, routes = (VP.keys.size, VQ.keys.size), (VP.route, VQ.route)
        counted = f"{n_vertices[0]} + {n_vertices[1]} polytope vertices"
        nit = VP.n_bases + VQ.n_bases
    xs, ys = _normalise(xs), _normalise(ys)
    if reduced:  # the removed strategies get probability 0
        xs, ys = _embed(xs, rows, m), _embed(ys, cols, n)

    eqs, keep = _equilibria(g, xs, ys, _regret_tol(A, B, tol))
    dropped = int((~keep).sum())
    pairs = pairs[keep]
    if len(eqs) > 1:  # deterministic order; the vertex pairs follow their equilibria
        order = _order(np.concatenate([xs[keep], ys[keep]], axis=1))
        eqs = [eqs[k] for k in order]
        pairs = pairs[order]

    details: dict[str, Any] = {
        "degenerate": degenerate,
        "n_vertices": n_vertices,
        "routes": routes,
        "dominated": (_complement(rows, m), _complement(cols, n)),
    }
    components, continua, subsets = _components(pairs, degenerate)
    details.update(components=components, continua=continua, nash_subsets=subsets)

    complete = not incomplete and dropped == 0 and len(eqs) > 0
    how = "/".join(r or "complement" for r in routes)
    msgs = [
        f"{_plural(len(eqs), 'extreme equilibri')} "
        f"({'degenerate' if degenerate else 'nondegenerate'} game; {counted}, {how} enumeration)"
    ]
    if continua:
        sizes = ", ".join(str(len(c)) for c in continua)
        msgs.append(
            f"{len(continua)} continu{'um' if len(continua) == 1 else 'a'} of equilibria "
            f"(connected components with {sizes} extreme equilibria; every convex "
            "combination within a Nash subset is an equilibrium)"
        )
    if reduced:
        msgs.append(
            f"{m - rows.size} row(s) and {n - cols.size} column(s) removed by iterated "
            "strict dominance (never played in any equilibrium)"
        )
    msgs.extend(incomplete)
    if dropped:
        msgs.append(f"{dropped} candidate(s) failed the regret check and were dropped")
    if not eqs:
        msgs.append("no equilibrium found: numerical failure (every finite game has one)")
    return NashResult(
        equilibria=tuple(eqs),
        method="support",
        complete=complete,
        converged=complete,
        message="; ".join(msgs),
        parameters=params,
        nit=nit or None,
        details=details,
    )


#: Remaining slacks of a partner point closer to zero than this (or than ``tol``) send the
#: game to the two-polytope route (:func:`_pt.complementary_points`).
_PARTNER_BAND = 1e-7


def _compiled_route(
    ker: Any, A: NDArray, B: NDArray, tol: float, max_bases: int, params: dict[str, Any]
) -> NashResult | None:
    """The fast route of a nondegenerate game in one compiled call
    (:mod:`deterrence.solvers._vertex_kernels`): the same answer as :func:`_one_polytope`
    followed by the regret check, with the vertices found by a certified pivoting search
    instead of Qhull. None when the kernel cannot certify its answer (ties, degeneracy,
    more than ``max_bases`` vertices, a failed regret check): then the numpy routes run.
    """
    A = np.ascontiguousarray(A, dtype=np.float64)
    B = np.ascontiguousarray(B, dtype=np.float64)
    status, nv, swapped, rows, cols, xs, ys, pay, reg, spread = ker.vertex_enumeration(
        A, B, tol, max(tol, _PARTNER_BAND), max_bases
    )
    if status != _vk.OK or not reg.max() <= tol * spread:
        return None
    for a in (xs, ys, pay):
        a.flags.writeable = False
    E = reg.shape[0]
    eqs = tuple(Equilibrium((xs[k], ys[k]), pay[k], float(reg[k])) for k in range(E))
    dominated = (
        () if rows.all() else tuple(int(i) for i in np.flatnonzero(~rows)),
        () if cols.all() else tuple(int(j) for j in np.flatnonzero(~cols)),
    )
    single = tuple((k,) for k in range(E))
    side = "Q" if swapped else "P"
    msgs = [
        f"{_plural(E, 'extreme equilibri')} (nondegenerate game; {nv} vertices of {side}, "
        f"{'complement/pivot' if swapped else 'pivot/complement'} enumeration)"
    ]
    if dominated != ((), ()):
        msgs.append(
            f"{len(dominated[0])} row(s) and {len(dominated[1])} column(s) removed by "
            "iterated strict dominance (never played in any equilibrium)"
        )
    return NashResult(
        equilibria=eqs,
        method="support",
        complete=True,
        converged=True,
        message="; ".join(msgs),
        parameters=params,
        nit=None,
        details={
            "degenerate": False,
            "n_vertices": (None, nv) if swapped else (nv, None),
            "routes": (None, "pivot") if swapped else ("pivot", None),
            "dominated": dominated,
            "components": single,
            "continua": (),
            "nash_subsets": single,
        },
    )


def _one_polytope(
    A: NDArray, B: NDArray, tol: float
) -> tuple[NDArray, NDArray, tuple[int | None, int | None], tuple[str | None, str | None]] | None:
    """The fast route for nondegenerate games: the vertices of the best-response polytope
    of the player with fewer actions (Qhull, certified complete and simple), and for each
    the one point of the other polytope that could complete it
    (:func:`_pt.complementary_points`). Returns the unnormalised ``(xs, ys)`` of every
    extreme equilibrium, the vertex counts and routes (None for the polytope that was not
    enumerated), or None when any certificate fails (then both polytopes are enumerated).

    Why this is every extreme equilibrium: an extreme equilibrium is a pair of vertices
    whose labels cover all ``m + n``; a vertex of the simple polytope has exactly ``d``
    labels, so its partner has all the others, and those determine it when they are
    linearly independent (checked: the batched solve succeeds and no remaining slack is
    within the band of zero, which also shows every partner has exactly its basic labels).
    """
    m, n = A.shape
    swap = m > n  # the column player's polytope Q is the row player's P of (B^T, A^T)
    P, Q = _pt.best_response_polytopes(B.T, A.T) if swap else _pt.best_response_polytopes(A, B)
    d = P.dim
    if _pt.has_ties(tol, P.G[d:], Q.G[:d]):  # the two scaled payoff matrices
        return None  # ties: likely degenerate, so both polytopes (lexicographic search)
    VP = _pt._enumerate_qhull(P, tol, check_ties=False)
    if VP is None:
        return None
    found = _pt.complementary_points(P, Q, VP, band=max(tol, _PARTNER_BAND))
    if found is None or found[0].size == 0:
        return None
    idx, ys = found
    xs = VP.coords[idx]  # Qhull's vertices (a copy); the unused actions get exactly zero
    tight = VP.tight[idx]
    r, c = np.nonzero(tight < d)
    xs[r, tight[r, c]] = 0.0
    if swap:
        return ys, xs, (None, VP.keys.size), (None, VP.route)
    return xs, ys, (VP.keys.size, None), (VP.route, None)


def solve_support(
    game: Game,
    *,
    backend: str = "deterrence",
    tol: float = 1e-9,
    route: str = "auto",
    max_bases: int = 1_000_000,
    nashpy_method: str = "vertex_enumeration",
) -> NashResult:
    """Every Nash equilibrium of a 2-player game (``dt.solve(game, method="support")``).

    Parameters
    ----------
    game
        A 2-player game.
    backend
        ``"deterrence"`` (default: :func:`vertex_enumeration`, exact up to ``tol`` and
        robust to degeneracy) or ``"nashpy"`` (nashpy's ``vertex_enumeration`` or
        ``support_enumeration``, chosen by ``nashpy_method``; kept as a cross-check, its
        result is never marked complete).
    tol, route, max_bases
        Options of :func:`vertex_enumeration` (``tol`` also bounds the regret of what the
        nashpy backend returns, relative to the payoff range).
    nashpy_method
        ``"vertex_enumeration"`` or ``"support_enumeration"`` (nashpy backend only).

    Examples
    --------
    >>> import deterrence as dt
    >>> mp = dt.NormalFormGame.from_bimatrix([[1, -1], [-1, 1]])
    >>> res = dt.solve(mp, method="support")
    >>> res.complete, [s.tolist() for s in res[0].strategies]
    (True, [[0.5, 0.5], [0.5, 0.5]])
    """
    check_choice("backend", backend, BACKENDS)
    check_choice("nashpy_method", nashpy_method, NASHPY_METHODS)
    if backend == "deterrence":
        return vertex_enumeration(game, tol=tol, route=route, max_bases=max_bases)
    tol = check_real("tol", tol, low=0.0, high=1e-3, low_open=True)
    g, A, B = _bimatrix(game, "support")
    return _nashpy_all(g, A, B, tol=tol, nashpy_method=nashpy_method)


def _nashpy_all(
    g: NormalFormGame, A: NDArray, B: NDArray, *, tol: float, nashpy_method: str
) -> NashResult:
    import nashpy

    ng = nashpy.Game(np.array(A), np.array(B))
    params = {"backend": "nashpy", "tol": tol, "nashpy_method": nashpy_method}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            found = list(getattr(ng, nashpy_method)())
        except Exception as exc:  # nashpy raises whatever its internals raise
            return NashResult(
                equilibria=(),
                method="support",
                complete=False,
                converged=False,
                message=f"nashpy {nashpy_method} failed: {type(exc).__name__}: {exc}",
                parameters=params,
            )
    m, n = A.shape
    cand = np.array([np.concatenate([x, y]) for x, y in found]).reshape(len(found), m + n)
    cand = cand[_dedupe(cand, 1e-9)]
    eqs, keep = _equilibria(
        g, _normalise(cand[:, :m]), _normalise(cand[:, m:]), _regret_tol(A, B, tol)
    )
    if eqs:
        order = _order(np.array([np.concatenate(e.strategies) for e in eqs]))
        eqs = [eqs[k] for k in order]
    msgs = [f"nashpy {nashpy_method}: {_plural(len(eqs))} (completeness not certified)"]
    if (~keep).any():
        msgs.append(f"{int((~keep).sum())} nashpy profile(s) failed the regret check")
    msgs.extend(f"nashpy warned: {w.message}" for w in caught[:3])
    return NashResult(
        equilibria=tuple(eqs),
        method="support",
        complete=False,
        converged=bool(eqs) and bool(keep.all()),
        message="; ".join(msgs),
        parameters=params,
    )


# ------------------------------------------------------------------- Lemke-Howson
def lemke_howson(
    game: Game,
    *,
    initial_label: int | Sequence[int] | None = None,
    max_pivots: int = 10_000,
    tol: float = 1e-9,
) -> NashResult:
    """Lemke-Howson from one, several or every starting label, with lexicographic pivoting.

    Each path starts at the artificial equilibrium ``(0, 0)`` of the best-response
    polytopes, drops ``initial_label`` and pivots alternately in the two polytopes until
    that label is picked up again. The minimum-ratio test is lexicographic (the polytopes
    are perturbed symbolically), so every path is well defined and terminates, degenerate
    games included. With numba installed each path runs in a compiled kernel (the same
    pivots); otherwise, and whenever a compiled path meets a tie, all paths run together:
    every pivot step is one batched linear-algebra call over the paths still running.

    Parameters
    ----------
    game
        A 2-player game.
    initial_label
        Label(s) to drop: ``0..m-1`` are the row player's actions, ``m..m+n-1`` the column
        player's. ``None`` (default) runs every label and returns the distinct equilibria.
    max_pivots
        Pivots allowed on one path before it is abandoned (``converged=False``).
    tol
        Tolerance for tight constraints and tied ratios (payoffs scaled to ``[1, 2]``).

    Returns
    -------
    NashResult
        The distinct equilibria found, never marked ``complete`` (Lemke-Howson does not
        find every equilibrium in general). ``details["labels"]`` maps each label run to
        the index of its equilibrium (``None`` if that path failed), ``details["pivots"]``
        to its path length; ``nit`` is the total number of pivots.

    Examples
    --------
    >>> import deterrence as dt
    >>> bos = dt.NormalFormGame.from_bimatrix([[3, 0], [0, 2]], [[2, 0], [0, 3]])
    >>> res = dt.lemke_howson(bos, initial_label=0)
    >>> [s.tolist() for s in res[0].strategies]
    [[1.0, 0.0], [1.0, 0.0]]
    >>> len(dt.lemke_howson(bos))  # every label: both pure equilibria
    2
    """
    tol = check_real("tol", tol, low=0.0, high=1e-3, low_open=True)
    max_pivots = check_int("max_pivots", max_pivots, low=1)
    g, A, B = _bimatrix(game, "lemke-howson")
    m, n = A.shape
    params = {"initial_label": initial_label, "max_pivots": max_pivots, "tol": tol}
    one = isinstance(initial_label, int | np.integer) and not isinstance(initial_label, bool)
    ker = _vk.kernels() if one else None
    if ker is not None:  # one path, compiled (the common case: no label array)
        lab = check_int("initial_label", initial_label, low=0, high=m + n - 1)
        ok, x, y, n_piv, pay, reg, spread = ker.lemke_howson(
            np.ascontiguousarray(A, dtype=np.float64),
            np.ascontiguousarray(B, dtype=np.float64),
            lab,
            max_pivots,
            tol,
        )
        if ok and reg <= tol * spread:
            for a in (x, y, pay):
                a.flags.writeable = False
            return NashResult(
                equilibria=(Equilibrium((x, y), pay, float(reg)),),
                method="lemke-howson",
                complete=False,
                converged=True,
                message="1 equilibrium from 1 starting label",
                parameters=params,
                nit=n_piv,
                details={"labels": {lab: 0}, "pivots": {lab: n_piv}},
            )
    labels = _check_labels(initial_label, m + n)
    if not one and labels.size > 1 and (ker := _vk.kernels()) is not None:
        many = _compiled_paths(ker, A, B, labels, max_pivots, tol, params)
        if many is not None:
            return many
    if ker is None and labels.size == 1:
        lean = _lh_single(A, B, int(labels[0]), max_pivots, tol)
        if lean is not None:
            x, y, n_piv = lean
            eqs, keep = _equilibria(g, x[None, :], y[None, :], _regret_tol(A, B, tol))
            if keep[0]:
                lab = int(labels[0])
                return NashResult(
                    equilibria=tuple(eqs),
                    method="lemke-howson",
                    complete=False,
                    converged=True,
                    message="1 equilibrium from 1 starting label",
                    parameters=params,
                    nit=n_piv,
                    details={"labels": {lab: 0}, "pivots": {lab: n_piv}},
                )

    P, Q = _pt.best_response_polytopes(A, B)
    L = labels.size
    bases = [np.repeat(P.start[None, :], L, axis=0), np.repeat(Q.start[None, :], L, axis=0)]
    polys = (P, Q)
    side = (labels >= m).astype(np.intp)  # polytope holding the label to drop
    leave = labels.copy()
    state = np.zeros(L, dtype=np.intp)  # 0 running, 1 done, 2 failed, 3 out of pivots
    pivots = np.zeros(L, dtype=np.intp)
    while (state == 0).any():
        for s in (0, 1):
            rows = np.flatnonzero((state == 0) & (side == s))
            if rows.size == 0:
                continue
            new, entering, ok = _pt.lex_step(polys[s], bases[s][rows], leave[rows], tol)
            bases[s][rows] = new
            pivots[rows] += 1
            state[rows[~ok]] = 2
            state[rows[ok & (entering == labels[rows])]] = 1
            leave[rows] = entering
            side[rows] = 1 - s
        state[(state == 0) & (pivots >= max_pivots)] = 3

    done = np.flatnonzero(state == 1)
    xs = _basis_points(P, bases[0][done])
    ys = _basis_points(Q, bases[1][done])
    cand = np.concatenate([_normalise(xs), _normalise(ys)], axis=1)
    eqs_all, keep = _equilibria(g, cand[:, :m], cand[:, m:], _regret_tol(A, B, tol))
    # distinct equilibria, in the order of the labels that found them
    kept_rows = done[keep]
    prof = cand[keep]
    first = _dedupe(prof, 1e-9)
    eqs = [eqs_all[k] for k in first]
    index_of = {}
    for r, p in zip(kept_rows, prof, strict=True):
        k = int(np.argmax(np.abs(prof[first] - p).max(axis=1) <= 1e-9))
        index_of[int(labels[r])] = k
    details = {
        "labels": {int(lab): index_of.get(int(lab)) for lab in labels},
        "pivots": {int(lab): int(p) for lab, p in zip(labels, pivots, strict=True)},
    }
    failed = [int(labels[r]) for r in range(L) if int(labels[r]) not in index_of]
    msgs = [f"{_plural(len(eqs))} from {L} starting label{'s' if L > 1 else ''}"]
    if failed:
        why = {2: "numerical trouble", 3: f"more than max_pivots={max_pivots} pivots"}
        parts = []
        for r in range(L):
            lab = int(labels[r])
            if lab in failed:
                reason = why.get(int(state[r]), "the end point failed the regret check")
                parts.append(f"label {lab}: {reason}")
        msgs.append("failed paths: " + "; ".join(parts))
    return NashResult(
        equilibria=tuple(eqs),
        method="lemke-howson",
        complete=False,
        converged=not failed,
        message="; ".join(msgs),
        parameters=params,
        nit=int(pivots.sum()),
        details=details,
    )


def _compiled_paths(
    ker: Any,
    A: NDArray,
    B: NDArray,
    labels: NDArray[np.intp],
    max_pivots: int,
    tol: float,
    params: dict[str, Any],
) -> NashResult | None:
    """Several Lemke-Howson paths, one compiled call each; the same result as the batched
    lexicographic paths (distinct equilibria in the order of the labels that found them),
    or None when some path meets a tie, runs out of pivots or fails the regret check (then
    the batched paths run for every label)."""
    A = np.ascontiguousarray(A, dtype=np.float64)
    B = np.ascontiguousarray(B, dtype=np.float64)
    eqs: list[Equilibrium] = []
    profiles: list[NDArray] = []
    index_of: dict[int, int | None] = {}
    pivots: dict[int, int] = {}
    for lab in labels.tolist():
        ok, x, y, n_piv, pay, reg, spread = ker.lemke_howson(A, B, lab, max_pivots, tol)
        if not (ok and reg <= tol * spread):
            return None
        pivots[lab] = int(n_piv)
        prof = np.concatenate([x, y])
        k = next((i for i, q in enumerate(profiles) if np.abs(q - prof).max() <= 1e-9), len(eqs))
        if k == len(eqs):
            for a in (x, y, pay):
                a.flags.writeable = False
            eqs.append(Equilibrium((x, y), pay, float(reg)))
            profiles.append(prof)
        index_of[lab] = k
    return NashResult(
        equilibria=tuple(eqs),
        method="lemke-howson",
        complete=False,
        converged=True,
        message=f"{_plural(len(eqs))} from {labels.size} starting labels",
        parameters=params,
        nit=sum(pivots.values()),
        details={"labels": index_of, "pivots": pivots},
    )


def solve_lemke_howson(
    game: Game,
    *,
    initial_label: int | Sequence[int] | None = None,
    max_pivots: int = 10_000,
    tol: float = 1e-9,
) -> NashResult:
    """``dt.solve(game, method="lemke-howson")``: see :func:`lemke_howson`.

    Examples
    --------
    >>> import deterrence as dt
    >>> from deterrence.solvers.two_player import solve_lemke_howson
    >>> g = dt.NormalFormGame.from_bimatrix([[3, 0], [0, 2]], [[2, 0], [0, 3]])
    >>> len(solve_lemke_howson(g, initial_label=0))
    1
    """
    return lemke_howson(game, initial_label=initial_label, max_pivots=max_pivots, tol=tol)


def _lh_single(
    A: NDArray, B: NDArray, label: int, max_pivots: int, tol: float
) -> tuple[NDArray, NDArray, int] | None:
    """One Lemke-Howson path, pivoting two small dictionaries in place.

    Each polytope ``{z : G z <= h}`` is kept as the dictionary ``w = c + D w_B`` of all
    ``K`` slacks ``w = h - G z`` in terms of the slacks ``w_B`` of its ``d`` tight
    constraints (array ``[c | D]``, shape ``(K, d + 1)``). Dropping basic label ``k`` moves
    along the edge where ``w_k`` grows; the blocking label ``j`` minimises ``c_l / -D_lk``
    over the rows with ``D_lk < 0``, and the pivot is one rank-1 update into preallocated
    buffers. At the end, the coordinates are read off the dictionaries (``x_i = w_i`` in
    ``P``, ``y_j = w_{m+j}`` in ``Q``). This is the same path as the batched
    lexicographic one whenever every ratio test has a single minimiser; at the first tie
    (a degenerate step), or on running out of pivots or an unblocked edge, it returns None
    and the caller runs the lexicographic version.
    """
    m, n = A.shape
    K = m + n
    A1, B1 = _pt._scale_unit(np.asarray(A, float)), _pt._scale_unit(np.asarray(B, float))
    tabs = (np.zeros((K, m + 1)), np.zeros((K, n + 1)))
    TP, TQ = tabs
    TP[:m, 1:] = np.eye(m)  # w_i = x_i
    TP[m:, 0] = 1.0  # w_{m+j} = 1 - sum_i B1[i, j] x_i
    TP[m:, 1:] = -B1.T
    TQ[m:, 1:] = np.eye(n)  # w_{m+j} = y_j
    TQ[:m, 0] = 1.0  # w_i = 1 - sum_j A1[i, j] y_j
    TQ[:m, 1:] = -A1
    bases = [list(range(m)), list(range(m, K))]
    ratio, f = np.empty(K), np.empty(K)
    rows = (np.empty(m + 1), np.empty(n + 1))
    outer = (np.empty((K, m + 1)), np.empty((K, n + 1)))
    side = 0 if label < m else 1
    leave = label
    inf = np.inf
    for n_piv in range(1, max_pivots + 1):
        T, basis = tabs[side], bases[side]
        p = basis.index(leave)
        col = T[:, 1 + p]
        cand = col < -tol
        ratio.fill(-inf)
        np.divide(T[:, 0], col, out=ratio, where=cand)  # -theta: the blocking ratio, negated
        j = int(ratio.argmax())
        best = ratio[j]
        if best == -inf or np.count_nonzero(ratio >= best - tol) > 1:
            return None  # unblocked edge (numerical trouble) or a tie: lexicographic route
        np.divide(col, col[j], out=f)
        row = rows[side]
        np.copyto(row, T[j])
        np.multiply(f[:, None], row, out=outer[side])
        T -= outer[side]
        T[:, 1 + p] = f
        basis[p] = j
        if j == label:
            x = np.maximum(TP[:m, 0], 0.0)
            y = np.maximum(TQ[m:, 0], 0.0)
            x[[b for b in bases[0] if b < m]] = 0.0
            y[[b - m for b in bases[1] if b >= m]] = 0.0
            sx, sy = x.sum(), y.sum()
            if not (sx > 0.0 and sy > 0.0):
                return None
            return x / sx, y / sy, n_piv
        leave = j
        side = 1 - side
    return None


def _check_labels(initial_label: Any, K: int) -> NDArray[np.intp]:
    if initial_label is None:
        return np.arange(K)
    items = [initial_label] if np.isscalar(initial_label) else list(initial_label)
    if not items:
        raise DeterrenceError("initial_label=[] is empty; expected None, a label or labels")
    out = [check_int("initial_label", lab, low=0, high=K - 1) for lab in items]
    return np.array(sorted(set(out)), dtype=np.intp)


def _basis_points(poly: _pt.Polytope, bases: NDArray[np.intp]) -> NDArray:
    """Vertices of a stack of bases with the coordinates of basic sign constraints set to
    exactly zero."""
    if bases.shape[0] == 0:
        return np.empty((0, poly.dim))
    z = _pt.basic_solution(poly, bases)
    zero_rows = np.flatnonzero(poly.h == 0.0)
    coord_of_row = np.argmax(poly.G[zero_rows] < 0, axis=1)
    in_basis = (bases[:, :, None] == zero_rows[None, None, :]).any(axis=1)
    z[:, coord_of_row] = np.where(in_basis, 0.0, z[:, coord_of_row])
    return z


# ------------------------------------------------------------------------- zero-sum
def solve_zero_sum(game: Game, *, tol: float = 1e-9) -> NashResult:
    """Value and optimal strategies of a 2-player zero-sum or constant-sum game by LP.

    The row player's maximin strategy solves ``max v  s.t.  A^T x >= v 1, sum(x) = 1,
    x >= 0`` and the column player's minimax strategy ``min w  s.t.  A y <= w 1,
    sum(y) = 1, y >= 0`` (both with :func:`scipy.optimize.linprog`, HiGHS); by the minimax
    theorem ``v = w`` is the value of the game and ``(x, y)`` an equilibrium.

    Parameters
    ----------
    game
        A 2-player game whose payoffs satisfy ``A + B = c`` for a constant ``c``
        (zero-sum when ``c = 0``).
    tol
        ``A + B`` counts as constant when its spread is at most ``tol`` times the largest
        absolute payoff (at least ``tol``).

    Returns
    -------
    NashResult
        One equilibrium (a pair of optimal strategies); ``details["value"]`` is the row
        player's value ``v``, ``details["values"]`` both players' (``v`` and ``c - v``),
        ``details["constant"]`` is ``c``. ``complete`` is False: the optimal strategy sets
        may be larger, but every equilibrium of a constant-sum game has the same payoffs.

    Raises
    ------
    UnsupportedGameError
        If the game does not have 2 players or ``A + B`` is not constant.

    Examples
    --------
    >>> import deterrence as dt
    >>> rps = dt.NormalFormGame.from_bimatrix([[0, -1, 1], [1, 0, -1], [-1, 1, 0]])
    >>> res = dt.solve_zero_sum(rps)
    >>> round(res.details["value"], 12), res[0].strategies[0].round(4).tolist()
    (0.0, [0.3333, 0.3333, 0.3333])
    """
    from scipy.optimize import linprog

    tol = check_real("tol", tol, low=0.0, high=1e-3, low_open=True)
    g, A, B = _bimatrix(game, "lp")
    m, n = A.shape
    S = A + B
    scale = max(float(np.abs(A).max()), float(np.abs(B).max()), 1.0)
    if float(np.ptp(S)) > tol * scale:
        lo = np.unravel_index(int(np.argmin(S)), S.shape)
        hi = np.unravel_index(int(np.argmax(S)), S.shape)
        raise UnsupportedGameError(
            "method='lp' needs a zero-sum or constant-sum 2-player game, but A + B is not "
            f"constant: it is {S[lo]:g} at actions {tuple(int(a) for a in lo)} and "
            f"{S[hi]:g} at {tuple(int(a) for a in hi)}; use method='support' or "
            "'lemke-howson' for general 2-player games"
        )
    c = float(S.mean())
    # row player: variables (x, v); minimise -v subject to v - A^T x <= 0, sum x = 1
    row = linprog(
        np.r_[np.zeros(m), -1.0],
        A_ub=np.hstack([-A.T, np.ones((n, 1))]),
        b_ub=np.zeros(n),
        A_eq=np.r_[np.ones(m), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * m + [(None, None)],
        method="highs",
    )
    # column player: variables (y, w); minimise w subject to A y - w <= 0, sum y = 1
    col = linprog(
        np.r_[np.zeros(n), 1.0],
        A_ub=np.hstack([A, -np.ones((m, 1))]),
        b_ub=np.zeros(m),
        A_eq=np.r_[np.ones(n), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * n + [(None, None)],
        method="highs",
    )
    params = {"tol": tol}
    if not (row.success and col.success):
        bad = row if not row.success else col
        return NashResult(
            equilibria=(),
            method="lp",
            complete=False,
            converged=False,
            message=f"linprog (HiGHS) failed: {bad.message}",
            parameters=params,
        )
    x, y = _normalise(row.x[:m]), _normalise(col.x[:n])
    v, w = float(row.x[m]), float(col.x[n])
    eq = Equilibrium.from_profile(g, (x, y))
    ok = eq.regret <= _regret_tol(A, B, max(tol, 1e-9))
    msg = f"value {v:.12g} for the row player (constant sum {c:g}); duality gap {w - v:.2g}"
    if not ok:
        msg += f"; the LP solution has regret {eq.regret:.3g} (numerical trouble)"
    return NashResult(
        equilibria=(eq,),
        method="lp",
        complete=False,
        converged=ok,
        message=msg,
        parameters=params,
        nit=int(row.nit) + int(col.nit),
        details={"value": v, "values": (v, c - v), "constant": c, "duality_gap": w - v},
    )


def solve_lp(game: Game, *, tol: float = 1e-9) -> NashResult:
    """``dt.solve(game, method="lp")``: see :func:`solve_zero_sum`.

    Examples
    --------
    >>> import deterrence as dt
    >>> from deterrence.solvers.two_player import solve_lp
    >>> mp = dt.NormalFormGame.from_bimatrix([[1, -1], [-1, 1]])
    >>> solve_lp(mp).details["value"] == 0.0
    True
    """
    return solve_zero_sum(game, tol=tol)


def _undominated(
    A: NDArray, B: NDArray, margin: float
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Rows and columns that survive iterated elimination of strategies strictly dominated
    (by more than ``margin`` everywhere) by another pure strategy.

    No equilibrium plays a strictly dominated strategy, so the game restricted to the
    survivors has exactly the same equilibria (padded with zeros), the same extreme
    equilibria and the same components; its polytopes are smaller.
    """
    rows, cols = np.arange(A.shape[0]), np.arange(B.shape[1])
    Ar, Br = A, B
    while True:
        # dom[k, i]: row k beats row i by more than margin against every surviving column
        row_dom = (Ar[:, None, :] > Ar[None, :, :] + margin).all(axis=2).any(axis=0)
        col_dom = (Br.T[:, None, :] > Br.T[None, :, :] + margin).all(axis=2).any(axis=0)
        if not (row_dom.any() or col_dom.any()):
            return rows, cols
        # remove one side at a time, as the definition of iterated elimination does
        if row_dom.any():
            rows = rows[~row_dom]
        else:
            cols = cols[~col_dom]
        Ar, Br = A[np.ix_(rows, cols)], B[np.ix_(rows, cols)]


def _embed(z: NDArray, kept: NDArray[np.intp], size: int) -> NDArray:
    out = np.zeros((z.shape[0], size))
    out[:, kept] = z
    return out


def _complement(kept: NDArray[np.intp], size: int) -> tuple[int, ...]:
    if kept.size == size:
        return ()
    mask = np.ones(size, dtype=bool)
    mask[kept] = False
    return tuple(int(i) for i in np.flatnonzero(mask))


def _polished(poly: _pt.Polytope, vs: _pt.VertexSet, idx: NDArray[np.intp]) -> NDArray:
    """Coordinates of the chosen vertices, re-solved from their tight constraints when
    there are exactly ``d`` of them, with the coordinates of unused actions set to 0."""
    d = poly.dim
    # coordinate set to zero by each constraint (the sign constraints -z_i <= 0), else -1
    zero_coord = np.full(poly.n_labels, -1, dtype=np.intp)
    sign_rows = np.flatnonzero(poly.h == 0.0)
    zero_coord[sign_rows] = np.argmax(poly.G[sign_rows] < 0, axis=1)
    if vs.tight is not None:
        tight = vs.tight[idx]
        coords = _pt.basic_solution(poly, tight)
        r, c = np.nonzero(zero_coord[tight] >= 0)
        coords[r, zero_coord[tight[r, c]]] = 0.0
        return coords
    coords = vs.coords[idx].copy()
    masks = vs.masks_of(idx)
    simple = masks.sum(axis=1) == d
    if simple.any():
        tight = np.nonzero(masks[simple])[1].reshape(-1, d)
        coords[simple] = _pt.basic_solution(poly, tight)
    hit = masks[:, sign_rows]
    coords[:, zero_coord[sign_rows]] = np.where(hit, 0.0, coords[:, zero_coord[sign_rows]])
    return coords


def _components(
    pairs: NDArray[np.intp], degenerate: bool
) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """Connected components, continua and maximal Nash subsets of the extreme equilibria.

    ``pairs[k] = (i, j)``: equilibrium ``k`` is the vertex pair ``(x_i, y_j)``. Two extreme
    equilibria sharing a vertex are joined by a segment of equilibria, so the components
    of the bipartite graph (x-vertices, y-vertices, one edge per equilibrium) are the
    connected components of the equilibrium set, and its maximal bicliques are the
    maximal Nash subsets ``conv(X) x conv(Y)`` (Avis et al. 2010).
    """
    K = len(pairs)
    if not degenerate or K == 0:
        single = tuple((k,) for k in range(K))
        return single, (), single
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    xs, xi = np.unique(pairs[:, 0], return_inverse=True)
    ys, yi = np.unique(pairs[:, 1], return_inverse=True)
    nx_, ny_ = xs.size, ys.size
    adj = coo_matrix((np.ones(K), (xi, nx_ + yi)), shape=(nx_ + ny_, nx_ + ny_))
    _, label = connected_components(adj, directed=False)
    comp_of_eq = label[xi]
    components, continua, subsets = [], [], []
    for c in np.unique(comp_of_eq):
        eq_ids = np.flatnonzero(comp_of_eq == c)
        components.append(tuple(int(k) for k in eq_ids))
        if eq_ids.size == 1:
            subsets.append(components[-1])
            continue
        continua.append(components[-1])
        subsets.extend(_maximal_bicliques(xi[eq_ids], yi[eq_ids], eq_ids))
    components.sort()
    continua.sort()
    subsets.sort()
    return tuple(components), tuple(continua), tuple(subsets)


def _maximal_bicliques(
    xi: NDArray[np.intp], yi: NDArray[np.intp], eq_ids: NDArray[np.intp]
) -> list[tuple[int, ...]]:
    """Maximal bicliques of one bipartite component with edges ``(xi[k], yi[k])``, each
    as the equilibria (edges) it contains.

    A maximal biclique ``X' x Y'`` is determined by ``Y'``, which is an intersection of
    neighbourhoods ``N(x)`` (and ``X'`` is then every ``x`` adjacent to all of ``Y'``):
    the family of neighbourhoods is closed under intersection, as bit sets.
    """
    edge = {(int(a), int(b)): int(k) for a, b, k in zip(xi, yi, eq_ids, strict=True)}
    nbh: dict[int, int] = {}
    for a, b in edge:
        nbh[a] = nbh.get(a, 0) | (1 << b)
    closed = set(nbh.values())
    frontier = set(closed)
    while frontier:
        new = {s & t for s in frontier for t in closed} - closed - {0}
        closed |= new
        frontier = new
    out = []
    for ys in closed:
        xs = [a for a, s in nbh.items() if s & ys == ys]
        yl = [b for b in range(ys.bit_length()) if ys >> b & 1]
        out.append(tuple(sorted(edge[a, b] for a in xs for b in yl)))
    return out
