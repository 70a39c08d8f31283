"""Every pure-strategy Nash equilibrium of a dense game, vectorised over the payoff tensor.

A pure profile ``a`` is an equilibrium iff for every player ``i``,
``payoffs[i][a] >= max_b payoffs[i][a_{-i}, b] - tol``. For each player that is one
reduction (``max`` along axis ``i``) and one broadcast comparison over the whole table, so the
solver reads the payoff array a small constant number of times and never loops over
profiles in Python. Its extra memory is one boolean mask the size of one player's table.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from .._validation import check_int, check_real
from ..games.base import Game
from ..games.normal_form import NormalFormGame
from .results import Equilibrium, NashResult

__all__ = ["pure_equilibria", "pure_equilibria_gen", "solve_pure"]


def _equilibrium_mask(payoffs: NDArray, tol: float, out: NDArray | None = None) -> NDArray:
    """Boolean array over pure profiles: True where no player gains more than ``tol``."""
    n = payoffs.shape[0]
    mask = out if out is not None else np.empty(payoffs.shape[1:], dtype=bool)
    tmp = np.empty_like(mask)
    for i in range(n):
        best = payoffs[i].max(axis=i, keepdims=True)
        if tol:
            best -= tol
        if i == 0:
            np.greater_equal(payoffs[i], best, out=mask)
        else:
            np.greater_equal(payoffs[i], best, out=tmp)
            mask &= tmp
    return mask


def _dense(game: Game) -> NormalFormGame:
    return game if isinstance(game, NormalFormGame) else game.to_normal_form()


def pure_equilibria(game: Game, *, tol: float = 0.0) -> list[tuple[int, ...]]:
    """Every pure Nash equilibrium, as action-index tuples in lexicographic order.

    Parameters
    ----------
    game
        A dense game, or any game that can build its dense table (``to_normal_form``).
    tol
        A profile counts as an equilibrium when no player gains more than ``tol`` (the
        default 0 compares payoffs exactly, which is right for integer or rational payoffs).

    Examples
    --------
    >>> import deterrence as dt
    >>> coord = dt.NormalFormGame([[[2, 0], [0, 1]], [[2, 0], [0, 1]]])
    >>> dt.pure_equilibria(coord)
    [(0, 0), (1, 1)]
    """
    tol = check_real("tol", tol, low=0.0)
    g = _dense(game)
    mask = _equilibrium_mask(g.payoffs, tol)
    return [tuple(int(x) for x in row) for row in np.argwhere(mask)]


def pure_equilibria_gen(
    game: Game, *, tol: float = 0.0, block_size: int = 1 << 22
) -> Iterator[tuple[int, ...]]:
    """Stream the pure equilibria (lexicographic order), one slab of the table at a time.

    The table is cut along player 0's axis into slabs of at most ``block_size`` profiles
    per player's table, so the working memory stays bounded whatever the game's size; with
    a structured game the dense table is still needed (``to_normal_form``).
    """
    tol = check_real("tol", tol, low=0.0)
    block_size = check_int("block_size", block_size, low=1)
    g = _dense(game)
    u = g.payoffs
    n = g.n_players
    # best response values of players 1..n-1 do not depend on player 0's action, so they can
    # be computed slab by slab; player 0's maximum needs its whole axis (computed once, it
    # is 1/n_1 of a table).
    best0 = u[0].max(axis=0, keepdims=True) - tol
    per_slice = max(1, int(np.prod(g.shape[1:])))
    step = max(1, block_size // per_slice)
    for start in range(0, g.shape[0], step):
        stop = min(start + step, g.shape[0])
        mask = u[0, start:stop] >= best0
        for i in range(1, n):
            sl = u[i, start:stop]
            mask &= sl >= sl.max(axis=i, keepdims=True) - tol
        for row in np.argwhere(mask):
            row[0] += start
            yield tuple(int(x) for x in row)


def solve_pure(game: Game, *, tol: float = 0.0) -> NashResult:
    """Every pure Nash equilibrium (``dt.solve(game, method="pure")``).

    The result is ``complete``: it lists every pure equilibrium (there may be none).
    """
    profiles = pure_equilibria(game, tol=tol)
    eqs = []
    g = _dense(game)
    for prof in profiles:
        eqs.append(Equilibrium(*_pure_equilibrium_values(g, prof)))
    n = len(eqs)
    msg = f"{n} pure equilibri{'um' if n == 1 else 'a'} among {g.n_profiles} pure profiles"
    return NashResult(
        equilibria=tuple(eqs),
        method="pure",
        complete=True,
        converged=True,
        message=msg,
        parameters={"tol": tol},
    )


def _pure_equilibrium_values(g: NormalFormGame, prof: tuple[int, ...]):
    """Strategies, payoffs and regret of a pure profile, read straight off the table."""
    strategies = []
    for a, k in zip(prof, g.shape, strict=True):
        s = np.zeros(k)
        s[a] = 1.0
        s.flags.writeable = False
        strategies.append(s)
    pay = np.array(g[prof], dtype=float)
    regret = 0.0
    for i in range(g.n_players):
        idx = list(prof)
        idx[i] = slice(None)
        regret = max(regret, float(g.payoffs[(i, *idx)].max() - pay[i]))
    pay.flags.writeable = False
    return tuple(strategies), pay, regret
