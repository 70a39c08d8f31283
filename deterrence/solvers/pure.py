"""Every pure-strategy Nash equilibrium of a dense game, vectorised over the payoff tensor.

A pure profile ``a`` is an equilibrium iff no player gains more than ``tol`` by deviating:
``max_b payoffs[i][a_{-i}, b] - payoffs[i][a] <= tol`` for every player ``i`` (with the
default ``tol=0`` the comparison is exact: ``payoffs[i][a] >= max_b ...``).

How it is computed (no Python loop over profiles):

* Players are screened one after another, and each screen keeps only the profiles where
  that player is best-responding.
* While many profiles survive, a screen is *dense*: one max-reduction along the player's
  axis and one broadcast comparison over the table (``payoffs[i] >= max``, no float
  temporary when ``tol=0``), ANDed into one boolean mask.
* Once few survive (in a random game a fraction ``1/n_i`` survives each screen), the
  remaining players are screened *sparsely*: only the ``n_i`` payoffs around each
  survivor are gathered. A random 6-player 11-action game thus reads about two of the six
  payoff tables; a degenerate game (e.g. all payoffs equal) falls back to dense screens.
* As soon as nothing survives, the remaining players are skipped.
* Small tables (up to 4096 profiles) simply get one dense screen per player: fewer numpy
  calls, which is what matters there.

Structured games. A game whose :meth:`~deterrence.Game.monotone_form` hook returns a
:class:`MonotoneForm` (the targeting game ``model.game()`` does; a user game can opt in)
takes the structured route of :mod:`deterrence.solvers._pure_structured` automatically: a
branch-and-prune search over domains of actions (multisets of levels for identical
players) that evaluates only the pure profiles it needs, never the table, and is exact and
complete. ``route="dense"`` forces the table; a game the structured search does not handle
(a rule with a user-registered kernel, ...) takes the dense route, with the reason in
``res.details["note"]``.

Extra memory is two booleans and one float per profile of one player's table at most
(the float only when ``tol > 0``); :func:`pure_equilibria_gen` bounds it further by
working on slabs of the table along player 0's axis. Results come in lexicographic order
of the action tuples.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from .._validation import check_choice, check_int, check_real
from ..errors import InvalidGameError
from ..games.base import Game, pure_to_mixed
from ..games.normal_form import NormalFormGame
from ._pure_structured import MonotoneForm, structured_pure_equilibria, structured_reason
from .results import Equilibrium, NashResult

__all__ = ["MonotoneForm", "pure_equilibria", "pure_equilibria_gen", "solve_pure"]

#: Switch from dense to sparse screens once ``survivors * n_i * _SPARSE_FACTOR`` is at most
#: the number of profiles in the block (a gather costs a few times a streamed read).
_SPARSE_FACTOR = 8
#: Below this many trailing profiles, numpy's reduction along an axis runs one tiny inner
#: loop per row; a loop of ``np.maximum`` over the axis' slices is then ~3x faster.
_SMALL_INNER = 64
#: ... but only on tables at least this large (below it, per-call overhead dominates).
_SLICE_LOOP_MIN_SIZE = 1 << 15
#: Largest ``candidates * n_i`` gathered in one call (see ``_gather_best``).
_ONE_GATHER_MAX = 1 << 14
#: Up to this many equilibria, solve_pure reads regrets profile by profile.
_FEW_EQUILIBRIA = 16
#: Tables with at most this many profiles take the plain path (fewer numpy calls).
_SMALL_GAME = 4096
#: Default slab size of :func:`pure_equilibria_gen`, in profiles.
DEFAULT_BLOCK_SIZE = 1 << 22
#: Routes of the pure enumeration.
ROUTES = ("auto", "structured", "dense")


def _check_game(game: Game) -> None:
    if not isinstance(game, Game):
        raise InvalidGameError(
            f"game={type(game).__name__} is not a deterrence game; expected a NormalFormGame "
            "or a structured game with to_normal_form() (wrap a payoff array with "
            "dt.NormalFormGame(payoffs))"
        )


def _structured(game: Game, tol: float, route: str) -> tuple[list, dict] | None:
    """The structured enumeration when the route allows it and the game supports it."""
    check_choice("route", route, ROUTES)
    if route == "dense":
        return None
    reason = structured_reason(game)
    if reason is not None:
        if route == "structured":
            raise InvalidGameError(f"route='structured' is not available: {reason}")
        return None
    return structured_pure_equilibria(game, tol=tol)


def _dense(game: Game) -> NormalFormGame:
    _check_game(game)
    return game.to_normal_form()  # (a NormalFormGame is its own normal form)


def _axis_max(v: NDArray) -> NDArray:
    """Maximum over axis 1 of a ``(A, k, T)`` array, with keepdims: shape ``(A, 1, T)``."""
    k, inner = v.shape[1], v.shape[2]
    if inner >= _SMALL_INNER or k == 1 or v.size < _SLICE_LOOP_MIN_SIZE:
        return v.max(axis=1, keepdims=True)
    best = v[:, 0:1, :].copy()
    for b in range(1, k):
        np.maximum(best, v[:, b : b + 1, :], out=best)
    return best


def _best_responding(
    v: NDArray, best: NDArray, tol: float, out: NDArray, ftmp: NDArray | None
) -> NDArray:
    """``out[...] = (best - v <= tol)`` without a float temporary when ``tol == 0``."""
    if tol == 0.0:
        return np.greater_equal(v, best, out=out)
    with np.errstate(over="ignore"):  # a gain that overflows to inf is > tol, rightly
        diff = np.subtract(best, v, out=ftmp)
    return np.less_equal(diff, tol, out=out)


def _gather_best(flat: NDArray, cand: NDArray, stride: int, k: int) -> tuple[NDArray, NDArray]:
    """At each profile in ``cand`` (flat indices into one player's table), that player's best
    payoff over its ``k`` actions (axis of element stride ``stride``) and its current payoff.

    Gathers one action at a time, so memory stays linear in ``len(cand)``, except for
    few candidates, where one ``(len(cand), k)`` gather costs fewer numpy calls."""
    first = cand - ((cand // stride) % k) * stride
    if cand.size * k <= _ONE_GATHER_MAX:
        return flat.take(first[:, None] + stride * np.arange(k)).max(axis=1), flat.take(cand)
    best = flat.take(first)
    idx = first
    alt = np.empty_like(best)
    for _ in range(1, k):
        idx += stride
        np.maximum(best, flat.take(idx, out=alt), out=best)
    return best, flat.take(cand, out=alt)


def _screen_sparse(flat: NDArray, cand: NDArray, stride: int, k: int, tol: float) -> NDArray:
    """Keep the candidate profiles (increasing flat indices) at which the player is
    best-responding (within ``tol``)."""
    best, cur = _gather_best(flat, cand, stride, k)
    if tol == 0.0:
        keep = cur >= best
    else:
        with np.errstate(over="ignore"):
            keep = (best - cur) <= tol
    return cand[keep]


def _small_equilibria(u: NDArray, tol: float) -> NDArray[np.intp]:
    """Flat indices of the pure equilibria of a small table: one dense screen per player
    (the least Python overhead; small games are solved by the thousand in sweeps)."""
    mask = None
    for i in range(u.shape[0]):
        t = u[i]
        best = t.max(axis=i, keepdims=True)
        if tol == 0.0:
            ok = t >= best
        else:
            with np.errstate(over="ignore"):
                ok = (best - t) <= tol
        mask = ok if mask is None else np.logical_and(mask, ok, out=mask)
    return np.flatnonzero(mask)


def _block_equilibria(
    u: NDArray, best0: NDArray, start: int, stop: int, tol: float
) -> NDArray[np.intp]:
    """Flat indices (into one player's table, increasing) of the pure equilibria whose
    player-0 action lies in ``[start, stop)``. ``best0`` is player 0's best payoff against
    each profile of the others, shape ``(1, n_profiles / n_1)``."""
    shape = u.shape[1:]
    n = len(shape)
    rest = best0.size  # profiles per action of player 0
    lo, hi = start * rest, stop * rest
    size = hi - lo
    flats = u.reshape(n, -1)

    mask = np.empty(size, dtype=bool)
    ftmp = np.empty(size) if tol > 0.0 else None
    # player 0: dense screen against its precomputed best replies
    _best_responding(
        flats[0, lo:hi].reshape(stop - start, rest),
        best0,
        tol,
        mask.reshape(stop - start, rest),
        None if ftmp is None else ftmp.reshape(stop - start, rest),
    )
    count = int(np.count_nonzero(mask))
    ok = None
    cand = None
    for i in range(1, n):
        if count == 0:
            return np.empty(0, dtype=np.intp)
        k = shape[i]
        inner = math.prod(shape[i + 1 :])
        if cand is None and count * k * _SPARSE_FACTOR > size:
            v = flats[i, lo:hi].reshape(-1, k, inner)
            if ok is None:
                ok = np.empty(size, dtype=bool)
            _best_responding(
                v,
                _axis_max(v),
                tol,
                ok.reshape(v.shape),
                None if ftmp is None else ftmp.reshape(v.shape),
            )
            np.logical_and(mask, ok, out=mask)
            count = int(np.count_nonzero(mask))
            continue
        if cand is None:
            cand = np.flatnonzero(mask)
            cand += lo
            mask = ok = ftmp = None  # free the dense buffers
        cand = _screen_sparse(flats[i], cand, inner, k, tol)
        count = cand.size
    if cand is None:
        cand = np.flatnonzero(mask)
        cand += lo
    return cand


def _player0_best(u: NDArray) -> NDArray:
    """Player 0's best payoff against each profile of the others, shape ``(1, rest)``."""
    v = u[0].reshape(1, u.shape[1], -1)
    return _axis_max(v).reshape(1, -1)


def _equilibrium_indices(u: NDArray, tol: float) -> NDArray[np.intp]:
    """Flat indices (increasing) of every pure equilibrium of the table ``u``."""
    if u.size <= _SMALL_GAME * u.shape[0]:
        return _small_equilibria(u, tol)
    return _block_equilibria(u, _player0_best(u), 0, u.shape[1], tol)


def _to_profiles(flat: NDArray, shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Flat indices -> action tuples of Python ints (same order)."""
    return list(zip(*(c.tolist() for c in np.unravel_index(flat, shape)), strict=True))


def pure_equilibria(game: Game, *, tol: float = 0.0, route: str = "auto") -> list[tuple[int, ...]]:
    """Every pure Nash equilibrium, as action-index tuples in lexicographic order.

    Parameters
    ----------
    game
        A dense game, or any game that can build its dense table (``to_normal_form``).
    tol
        A profile counts as an equilibrium when no player gains more than ``tol`` by
        deviating, i.e. its regret is at most ``tol``. The default 0 compares payoffs
        exactly, which is right for integer or rational payoffs and for payoffs computed
        the same way for every profile.
    route
        ``"auto"`` (a game with a :meth:`~deterrence.Game.monotone_form`, such as a
        targeting game, takes the structured search, every other game its table),
        ``"structured"`` (refused when the game does not support it) or ``"dense"``
        (build the table).

    Returns
    -------
    list of tuple of int
        One tuple of action indices (one per player) per equilibrium; empty if there is
        none.

    See Also
    --------
    pure_equilibria_gen : the same equilibria streamed slab by slab.
    solve_pure : the same as a :class:`~deterrence.NashResult` with payoffs and regrets.

    Examples
    --------
    >>> import deterrence as dt
    >>> coord = dt.NormalFormGame([[[2, 0], [0, 1]], [[2, 0], [0, 1]]])
    >>> dt.pure_equilibria(coord)
    [(0, 0), (1, 1)]
    >>> pennies = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    >>> dt.pure_equilibria(pennies)
    []
    """
    tol = check_real("tol", tol, low=0.0)
    _check_game(game)
    found = _structured(game, tol, route)
    if found is not None:
        return found[0]
    g = _dense(game)
    return _to_profiles(_equilibrium_indices(g.payoffs, tol), g.shape)


def pure_equilibria_gen(
    game: Game, *, tol: float = 0.0, block_size: int = DEFAULT_BLOCK_SIZE
) -> Iterator[tuple[int, ...]]:
    """Stream the pure equilibria in lexicographic order, one slab of the table at a time.

    Arguments are checked when this function is called, not at the first ``next()``.

    Parameters
    ----------
    game
        As for :func:`pure_equilibria`.
    tol
        As for :func:`pure_equilibria`.
    block_size
        Largest number of profiles screened at once (dense route; a targeting game takes
        the structured search, which never builds slabs). The table is cut along player 0's
        axis into slabs of whole rows (at least one row, ``n_profiles / n_1`` profiles),
        so the working memory is a few bytes per profile of a slab, plus one float per
        profile of a row (player 0's best replies).

    Yields
    ------
    tuple of int
        One equilibrium (one action index per player) at a time.

    Examples
    --------
    >>> import deterrence as dt
    >>> coord = dt.NormalFormGame([[[2, 0], [0, 1]], [[2, 0], [0, 1]]])
    >>> gen = dt.pure_equilibria_gen(coord, block_size=1)
    >>> next(gen)
    (0, 0)
    >>> list(gen)
    [(1, 1)]
    """
    tol = check_real("tol", tol, low=0.0)
    block_size = check_int("block_size", block_size, low=1)
    _check_game(game)
    found = _structured(game, tol, "auto")
    if found is not None:
        return iter(found[0])
    g = _dense(game)
    return _gen(g, tol, block_size)


def _gen(g: NormalFormGame, tol: float, block_size: int) -> Iterator[tuple[int, ...]]:
    u = g.payoffs
    best0 = _player0_best(u)
    step = max(1, block_size // best0.size)
    for start in range(0, g.shape[0], step):
        flat = _block_equilibria(u, best0, start, min(start + step, g.shape[0]), tol)
        yield from _to_profiles(flat, g.shape)


def solve_pure(game: Game, *, tol: float = 0.0, route: str = "auto") -> NashResult:
    """Every pure Nash equilibrium, with payoffs and regrets (``dt.solve(game, "pure")``).

    Parameters
    ----------
    game
        A dense game, or any game that can build its dense table (``to_normal_form``).
    tol
        As for :func:`pure_equilibria`: keep the profiles whose regret is at most ``tol``.
    route
        As for :func:`pure_equilibria`.

    Returns
    -------
    NashResult
        ``method="pure"``, ``complete=True`` (it lists every pure equilibrium; there may be
        none), equilibria in lexicographic order. Each equilibrium's payoffs and regret are
        recomputed from the game: read off the table by index (deviation payoffs of a pure
        profile are table entries) for a dense game, through the game's own oracle
        (:meth:`Equilibrium.from_profile`) otherwise.

    Examples
    --------
    >>> import deterrence as dt
    >>> pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    >>> res = dt.solve(pd, method="pure")
    >>> res.complete, [eq.pure_profile for eq in res], res[0].payoffs.tolist(), res[0].regret
    (True, [(1, 1)], [1.0, 1.0], 0.0)
    """
    tol = check_real("tol", tol, low=0.0)
    _check_game(game)
    found = _structured(game, tol, route)
    if found is not None:
        profiles, details = found
        eqs = [Equilibrium.from_profile(game, pure_to_mixed(game, p)) for p in profiles]
        n = len(eqs)
        msg = (
            f"{n} pure equilibri{'um' if n == 1 else 'a'} among {game.n_profiles} pure "
            f"profiles ({details['route']} search, {details['profiles_evaluated']} profiles "
            "evaluated, no table)"
        )
        return NashResult(
            equilibria=tuple(eqs),
            method="pure",
            complete=True,
            converged=True,
            message=msg,
            parameters={"tol": tol} | ({} if route == "auto" else {"route": route}),
            details=details,
        )
    reason = structured_reason(game) if route == "auto" and game.dense_payoffs() is None else None
    g = _dense(game)
    u = g.payoffs
    flat = _equilibrium_indices(u, tol)
    if g is game:  # a dense game: read the equilibria off its table
        eqs = _table_equilibria(u, flat)
    else:
        eqs = [
            Equilibrium.from_profile(game, pure_to_mixed(game, prof))
            for prof in _to_profiles(flat, g.shape)
        ]
    n = len(eqs)
    msg = f"{n} pure equilibri{'um' if n == 1 else 'a'} among {math.prod(g.shape)} pure profiles"
    return NashResult(
        equilibria=tuple(eqs),
        method="pure",
        complete=True,
        converged=True,
        message=msg,
        parameters={"tol": tol} | ({} if route == "auto" else {"route": route}),
        details={"route": "dense"}
        | ({} if reason is None or route == "dense" else {"note": f"dense table: {reason}"}),
    )


def _table_equilibria(u: NDArray, flat: NDArray) -> list[Equilibrium]:
    """Equilibrium values of pure profiles (flat indices), read straight off the table: the
    payoff vector at each profile, and its regret as the best unilateral deviation gain
    (exactly what the deviation oracle gives for a pure profile)."""
    shape = u.shape[1:]
    n = len(shape)
    flats = u.reshape(n, -1)
    profiles = _to_profiles(flat, shape)
    pay = flats[:, flat].T.copy()  # (m, n_players)
    if flat.size <= _FEW_EQUILIBRIA:  # fewer numpy calls than the vectorised gathers
        regret = [
            max(
                0.0,
                *(float(u[(i, *a[:i], slice(None), *a[i + 1 :])].max()) - p[i] for i in range(n)),
            )
            for a, p in zip(profiles, pay.tolist(), strict=True)
        ]
    else:
        gains = np.zeros(flat.size)
        for i, k in enumerate(shape):
            best, cur = _gather_best(flats[i], flat, math.prod(shape[i + 1 :]), k)
            with np.errstate(over="ignore"):
                np.maximum(gains, best - cur, out=gains)
        regret = gains.tolist()
    # read-only one-hot strategies, shared by the equilibria that play the same action
    one_hot: dict[tuple[int, int], NDArray] = {}

    def strategy(i: int, a: int) -> NDArray:
        s = one_hot.get((i, a))
        if s is None:
            s = np.zeros(shape[i])
            s[a] = 1.0
            s.flags.writeable = False
            one_hot[i, a] = s
        return s

    eqs = []
    for a, p, r in zip(profiles, pay, regret, strict=True):
        p.flags.writeable = False
        eqs.append(Equilibrium(tuple(strategy(i, b) for i, b in enumerate(a)), p, r))
    return eqs
