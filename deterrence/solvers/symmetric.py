"""A symmetric Nash equilibrium of a symmetric game, in the one shared mixed strategy.

In a symmetric game every player has the same actions and the payoff function is invariant
under permutations of the players, so a symmetric equilibrium is one mixed strategy ``q``
such that no action earns more than ``q`` itself when all the *other* players play ``q``.
The solver works with that one strategy only: the payoff of each action to player 0 when
everyone else plays ``q``, ``w(q)``, and its derivative ``(N - 1) * pair(q)``, where
``pair(q)[a, b]`` is player 0's payoff from ``a`` when player 1 plays ``b`` and the others
``q``. It traces the symmetric logit QRE path ``log q_a - log q_0 = lambda * (w_a(q) -
w_0(q))`` from the centroid with the same predictor-corrector as
:func:`~deterrence.solvers.logit.solve_logit`, then polishes the end point on its support by
Newton's method to regret at most ``tol`` times the payoff scale. The dimension is the
number of actions, whatever the number of players: 6 organisations with 101 violence levels
(10**12 pure profiles) solve in a fraction of a second through the oracle.

Symmetry protocol
-----------------
A game is accepted when all players have the same number of actions and
:meth:`~deterrence.games.base.Game.is_symmetric` says True: a dense
:class:`~deterrence.NormalFormGame` checks its table (within ``symmetry_tol`` times the
payoff range); a structured game overrides ``is_symmetric`` (e.g. True when every
organisation has the same parameters) or declares the class attribute ``symmetric = True``.
A game that cannot tell (``is_symmetric()`` is None, the default: its table is never built
just to check) is refused with :class:`~deterrence.UnsupportedGameError`.

The solver calls the game's symmetric hooks, which every :class:`~deterrence.games.base.Game`
has (without validation: Newton iterates may leave the simplex slightly, so an override
must be polynomial in the strategy as the true payoffs are):

- :meth:`~deterrence.games.base.Game.symmetric_payoffs` ``(q) -> (n,)``: ``w(q)``, player
  0's payoff of each action when every other player plays ``q`` (generic: one oracle call);
- :meth:`~deterrence.games.base.Game.symmetric_pair_payoffs` ``(q) -> (n, n)``: ``pair(q)``
  as above (generic: ``n`` oracle calls; one contraction for a dense game; a closed form
  for the targeting game).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._validation import check_int, check_real
from ..errors import DeterrenceError, GameTooLargeError, UnsupportedGameError
from ..games.base import Game, PayoffJacobian
from ._continuation import DEFAULT_LAMBDA_MAX, _trace
from ._options import check_game
from .logit import _finish, _path_from_trace
from .results import NashResult

__all__ = ["declares_symmetry", "solve_symmetric"]


def declares_symmetry(game: Game, *, symmetry_tol: float = 1e-12) -> bool | None:
    """Whether ``game`` declares itself symmetric (see the module's symmetry protocol).

    Returns True or False, or None when the game cannot tell (a structured game that
    neither overrides :meth:`~deterrence.games.base.Game.is_symmetric` nor declares
    ``symmetric``: its dense table is never built just to check). ``symmetry_tol`` is
    relative to the game's :meth:`~deterrence.games.base.Game.payoff_scale` (with
    ``symmetric=True``).

    Examples
    --------
    >>> import deterrence as dt
    >>> from deterrence.solvers.symmetric import declares_symmetry
    >>> declares_symmetry(dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]]))
    True
    """
    if len(set(game.shape)) != 1:
        return False
    if game.symmetric is not None:
        return bool(game.symmetric)
    try:
        sym = game.is_symmetric(tol=symmetry_tol * game.payoff_scale(symmetric=True))
    except (NotImplementedError, GameTooLargeError, MemoryError):
        return None
    return None if sym is None else bool(sym)


class _SymmetricSystem(PayoffJacobian):
    """The symmetric game as the tracer sees it: one block (the shared strategy), payoffs
    from the game's symmetric hooks."""

    def __init__(self, game: Game, scale: float) -> None:
        super().__init__(game, scale, sizes=(int(game.shape[0]),))
        self.N = game.n_players
        self.oracle_calls = 0

    def _w(self, q: NDArray) -> NDArray:
        return np.asarray(self.game.symmetric_payoffs(q), dtype=float)

    def _pair(self, q: NDArray) -> NDArray:
        return np.asarray(self.game.symmetric_pair_payoffs(q), dtype=float)

    def game_profile(self, q: NDArray) -> tuple[NDArray, ...]:
        return (q,) * self.N

    def _raw_payoffs(self, q: NDArray) -> NDArray:
        self.oracle_calls += 1
        return self._w(q) / self.scale

    def _raw(self, q: NDArray) -> tuple[NDArray, NDArray]:
        self.oracle_calls += 1
        if self.N == 1:
            return self._w(q) / self.scale, np.zeros((self.K, self.K))
        P = self._pair(q) / self.scale
        return P @ q, (self.N - 1) * P


def solve_symmetric(
    game: Game,
    *,
    tol: float = 1e-10,
    lambda_max: float | None = None,
    first_step: float = 0.03,
    max_accel: float = 2.0,
    max_steps: int = 10_000,
    symmetry_tol: float = 1e-12,
) -> NashResult:
    """A symmetric Nash equilibrium of a symmetric game (``dt.solve(game,
    method="symmetric")``).

    Traces the symmetric logit QRE path in the one shared mixed strategy and polishes its
    end on the support (see the module documentation, which also states how a structured
    game declares its symmetry). Every player's strategy in the returned equilibrium is the
    same; its regret is computed by the game's oracle.

    Parameters
    ----------
    game
        A symmetric game (dense, or structured and declaring its symmetry).
    tol
        Regret tolerance relative to the payoff scale.
    lambda_max, first_step, max_accel, max_steps
        Path-following controls, as in :func:`~deterrence.logit_path`.
    symmetry_tol
        Relative tolerance of the symmetry check on a dense table.

    Raises
    ------
    UnsupportedGameError
        If the game is not symmetric or does not declare symmetry.

    Examples
    --------
    Volunteer's dilemma with 3 players: volunteering costs 1 and gives everyone 4 if
    anyone volunteers; in the symmetric equilibrium a player stays out with probability
    ``(1/4) ** (1/2) = 0.5``.

    >>> import numpy as np, deterrence as dt
    >>> def volunteer(profile):
    ...     anyone = 0 in profile
    ...     return [4.0 * anyone - (a == 0) for a in profile]
    >>> g = dt.NormalFormGame.from_function((2, 2, 2), volunteer)
    >>> res = dt.solve(g, method="symmetric")
    >>> res[0].strategies[0].round(12).tolist()
    [0.5, 0.5]
    """
    game = check_game(game, "solve_symmetric")
    tol = check_real("tol", tol, low=0.0, low_open=True)
    if lambda_max is not None:
        lambda_max = check_real("lambda_max", lambda_max, low=0.0, low_open=True)
    first_step = check_real("first_step", first_step, low=0.0, low_open=True)
    max_accel = check_real("max_accel", max_accel, low=1.0)
    max_steps = check_int("max_steps", max_steps, low=1)
    symmetry_tol = check_real("symmetry_tol", symmetry_tol, low=0.0)
    if len(set(game.shape)) != 1:
        raise UnsupportedGameError(
            f"method='symmetric' needs every player to have the same number of actions; "
            f"this game has shape {game.shape}"
        )
    sym = declares_symmetry(game, symmetry_tol=symmetry_tol)
    if sym is None:
        raise UnsupportedGameError(
            f"method='symmetric' cannot tell whether this {type(game).__name__} is "
            "symmetric: give the game a 'symmetric = True' class attribute or an "
            "is_symmetric() override (see deterrence.games.Game)"
        )
    if not sym:
        raise UnsupportedGameError(
            f"method='symmetric' needs a symmetric game; this {type(game).__name__} with "
            f"shape {game.shape} is not symmetric (payoffs change when players are "
            "permuted); use method='logit' for one equilibrium of any game"
        )
    scale = game.payoff_scale(symmetric=True)
    sys = _SymmetricSystem(game, scale)
    lam_max = DEFAULT_LAMBDA_MAX if lambda_max is None else lambda_max * scale
    try:
        tr = _trace(
            sys,
            lambda_max=lam_max,
            first_step=first_step,
            max_accel=max_accel,
            max_steps=max_steps,
            tol=tol,
        )
    except (FloatingPointError, ValueError) as exc:  # pragma: no cover - defensive
        if isinstance(exc, DeterrenceError):
            raise
        raise DeterrenceError(f"the symmetric oracle of this game failed: {exc}") from exc
    eq, ok, msg = _finish(game, sys, tr, scale, tol)
    tr.converged, tr.message = ok, msg
    path = _path_from_trace(game, sys, tr, scale, eq if ok else None)
    support = np.flatnonzero(eq.strategies[0] > 0)
    return NashResult(
        equilibria=(eq,),
        method="symmetric",
        complete=False,
        converged=ok,
        message=msg,
        parameters={
            "tol": tol,
            "lambda_max": lambda_max,
            "first_step": first_step,
            "max_accel": max_accel,
            "max_steps": max_steps,
            "symmetry_tol": symmetry_tol,
        },
        nit=tr.nit,
        details={
            "path": path,
            "lambda": float(path.lambdas[-1]),
            "payoff_scale": scale,
            "support": support,
            "oracle_calls": sys.oracle_calls,
            "polish_attempts": tr.polish_attempts,
        },
    )
