"""Stationary (Markov-perfect) equilibria of stochastic games, each certified by its regret.

A *stationary profile* gives each player a mixed strategy in each state,
``strategies[s][i]``. Its values solve the linear Bellman system ``V_i = r_i + d_i P V_i``
(unnormalised: one period's payoff stream, see :mod:`deterrence.games.stochastic`).

Certificate (the one-shot deviation principle). Let ``V`` be the reported values and
``Q_{s,i}(a)`` the deviation values of player ``i`` in state ``s`` at ``V``
(:meth:`~deterrence.games.stochastic.BaseStochasticGame.deviation_values`). The solver
reports

* ``regret = max_{s,i} [max_a Q_{s,i}(a) - strategies[s][i] @ Q_{s,i}]``, the largest
  gain of a *one-shot* deviation (deviate once, then return to the profile), and
* ``residual = max_{s,i} |strategies[s][i] @ Q_{s,i} - V[s, i]|``, how far ``V`` is from
  solving the Bellman system of the profile.

If ``residual = 0`` the values are the profile's own values, and in a discounted game with
bounded payoffs a profile that no one-shot deviation improves is an equilibrium from every
state (any profitable deviation strategy has a profitable one-shot deviation somewhere,
Blackwell's argument): ``regret = 0`` certifies a stationary equilibrium. Quantitatively,
no deviation strategy whatsoever gains more than ``(regret + 2 d residual / (1 - d)) /
(1 - d)`` with ``d`` the largest discount factor. A result is ``converged`` only when
``regret <= tol * payoff range`` (and the residual is at rounding level).

Methods:

* ``"backward"``: when the state graph minus self-loops is acyclic, states are solved in
  reverse topological order (networkx). A state without a self-loop is a stage game with
  the successors' continuation added (the *continuation game*, solved through the seam); a
  state with a self-loop is a one-state fixed point: a pure profile ``a`` with values
  ``V_i(a) = R_i(a) / (1 - d_i P(s | a))`` is an equilibrium there when no player gains by
  a one-shot deviation at those values (checked for every pure profile at once on the
  tables); otherwise the one-state logit homotopy (the agent form below, restricted to that
  state) finds a mixed one. Pure equilibria are preferred when the tables are small enough
  (the first in lexicographic order of profiles).
* ``"homotopy"``: the stationary logit equilibria ``sigma = softmax(lambda Q(sigma,
  V(sigma)))`` traced from ``lambda = 0`` (uniform play) by predictor-corrector
  continuation, as sgamesolver's QRE homotopy, then polished on the limit's support (see
  :mod:`deterrence.solvers._stochastic_homotopy`). For cyclic state graphs (entry). When
  that principal branch ends without an equilibrium (rare: a turn at large lambda the
  step control cannot follow), the path is traced again from up to four fixed priors
  (the tracing procedure's logit path); ``details["restarts"]`` counts them and the
  message says which run found the equilibrium (generally not the principal branch's).
* ``"auto"``: backward when acyclic (then the homotopy if a state failed), else homotopy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._frozen import FrozenMapping
from .._validation import check_choice, check_int, check_real, normalize_rng
from ..errors import DeterrenceError, GameTooLargeError
from ..games.stochastic import (
    GENERIC_TABLE_LIMIT,
    BaseStochasticGame,
    StochasticGame,
    check_stationary_profile,
)
from ._continuation import _CORRECTOR_TOL, DEFAULT_LAMBDA_MAX, _trace
from ._stochastic_homotopy import DenseAgentSystem, agent_system
from .results import _fmt_strategy

__all__ = ["StochasticResult", "solve_stochastic", "stochastic_regret"]

METHODS = ("auto", "backward", "homotopy")
#: Corrector tolerance of a dense agent form's path (see :func:`_homotopy`).
_DENSE_CORRECTOR_TOL = 1e-7
#: Paths traced from fixed priors when the principal branch ends without an equilibrium
#: (see :func:`_homotopy`), and the seed of those priors.
_RESTARTS = 4
_RESTART_SEED = 20_261_202

#: Largest number of entries ``n_profiles * max(n_i)`` of the pure check at a self-loop state.
PURE_CHECK_LIMIT = 5_000_000


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, kw_only=True, eq=False)
class StochasticResult:
    """A stationary profile of a stochastic game with the evidence that it is an equilibrium.

    Attributes
    ----------
    strategies
        ``strategies[s][i]``: player ``i``'s mixed strategy in state ``s`` (read-only).
    values
        ``values[s, i]``, unnormalised (``V = r + d P V``), shape ``(n_states, n_players)``.
    regret
        Largest one-shot deviation gain over all states and players, given ``values``.
    residual
        Bellman residual of ``values`` under ``strategies`` (max absolute error).
    converged
        True when ``regret <= tol * payoff_range``; ``message`` says why not otherwise.
    message, method, nit
        Account of the run, the method used (``"auto:<chosen>"`` for auto) and the number
        of path steps or stage solves.
    payoff_range
        The payoff scale the tolerance is relative to (range of the stage payoffs).
    parameters, details
        Options the solver ran with; method-specific extras (``"unreachable"``: states no
        path reaches from state 0, ``"stage_methods"``, ``"lambda"``...).
    """

    strategies: tuple[tuple[NDArray[np.float64], ...], ...]
    values: NDArray[np.float64]
    regret: float
    residual: float
    converged: bool
    message: str
    method: str
    nit: int
    payoff_range: float
    parameters: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", FrozenMapping(dict(self.parameters)))
        object.__setattr__(self, "details", FrozenMapping(dict(self.details)))

    @property
    def success(self) -> bool:
        """scipy-style alias of ``converged``."""
        return self.converged

    @property
    def n_states(self) -> int:
        """Number of states of the solved game (one stationary profile per state)."""
        return len(self.strategies)

    def __repr__(self) -> str:
        status = "converged" if self.converged else "NOT converged"
        head = (
            f"StochasticResult(method={self.method!r}, {self.n_states} states, {status}, "
            f"regret {self.regret:.2g}, residual {self.residual:.2g})"
        )
        lines = []
        for s, prof in enumerate(self.strategies[:6]):
            strat = ", ".join(_fmt_strategy(q) for q in prof)
            vals = ", ".join(f"{v:.6g}" for v in self.values[s])
            lines.append(f"\n  state {s}: [{strat}] values [{vals}]")
        more = f"\n  ... {self.n_states - 6} more states" if self.n_states > 6 else ""
        msg = "" if self.converged else f"\n  message: {self.message}"
        return head + "".join(lines) + more + msg

    def to_dataframe(self) -> Any:
        """One row per (state, player, action): probability, the player's value there."""
        import pandas as pd

        rows = [
            {
                "state": s,
                "player": i,
                "action": a,
                "probability": float(q[a]),
                "value": float(self.values[s, i]),
            }
            for s, prof in enumerate(self.strategies)
            for i, q in enumerate(prof)
            for a in range(len(q))
        ]
        return pd.DataFrame(rows, columns=["state", "player", "action", "probability", "value"])

    def _repr_html_(self) -> str:
        status = "converged" if self.converged else "not converged"
        return (
            f"<p><b>StochasticResult</b> method={self.method}, {status}, regret "
            f"{self.regret:.2g}. {self.message}</p>"
            + self.to_dataframe().query("probability > 0").to_html(index=False)
        )


# ----------------------------------------------------------------------------- certificate
def _policy_values(
    game: BaseStochasticGame, strategies: tuple[tuple[NDArray, ...], ...]
) -> NDArray[np.float64]:
    """Values of a stationary profile: ``(I - d_i P) V_i = r_i`` for each player."""
    S, N = game.n_states, game.n_players
    P = np.empty((S, S))
    r = np.empty((S, N))
    for s in range(S):
        prof = strategies[s]
        P[s] = prof[0] @ game.deviation_transitions(s, prof)[0]
        dev = game.stage(s)._deviation_payoffs(prof)
        r[s] = [float(prof[i] @ dev[i]) for i in range(N)]
    V = np.empty((S, N))
    eye = np.eye(S)
    for i in range(N):
        V[:, i] = np.linalg.solve(eye - game.discount[i] * P, r[:, i])
    return V


def _certify(
    game: BaseStochasticGame, strategies: tuple[tuple[NDArray, ...], ...], V: NDArray
) -> tuple[float, float]:
    """(one-shot regret, Bellman residual) of a profile at values ``V``."""
    reg, res = 0.0, 0.0
    for s in range(game.n_states):
        prof = strategies[s]
        Q = game.deviation_values(s, prof, V)
        for i in range(game.n_players):
            e = float(prof[i] @ Q[i])
            reg = max(reg, float(np.max(Q[i])) - e)
            res = max(res, abs(e - float(V[s, i])))
    return reg, res


def _check_game(game: Any) -> BaseStochasticGame:
    if not isinstance(game, BaseStochasticGame):
        raise DeterrenceError(
            f"game={type(game).__name__} is not a stochastic game; expected a "
            "dt.StochasticGame or another BaseStochasticGame (e.g. dt.Campaign)"
        )
    return game


def _check_values(game: BaseStochasticGame, values: ArrayLike) -> NDArray[np.float64]:
    try:
        V = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DeterrenceError(
            f"values={values!r} is not valid; expected an array of shape "
            f"({game.n_states}, {game.n_players})"
        ) from None
    if V.shape != (game.n_states, game.n_players) or not np.all(np.isfinite(V)):
        raise DeterrenceError(
            f"values has shape {V.shape}; expected a finite array of shape "
            f"({game.n_states}, {game.n_players}) (one value per state and player)"
        )
    return V


def stochastic_regret(
    game: BaseStochasticGame,
    strategies: Sequence[Sequence[ArrayLike]],
    values: ArrayLike | None = None,
) -> float:
    """Largest one-shot deviation gain of a stationary profile over all states and players.

    Parameters
    ----------
    game
        Any stochastic game.
    strategies
        ``strategies[s][i]``, a mixed strategy per state and player.
    values
        Continuation values ``(n_states, n_players)``; by default the profile's own values
        (the linear Bellman system solved exactly), so that 0 certifies a stationary
        equilibrium (see the module documentation).

    Examples
    --------
    A one-player, one-state game: staying (payoff 1) beats quitting (payoff 0) by 1 today.

    >>> import deterrence as dt
    >>> sg = dt.StochasticGame([[[1.0, 0.0]]], [[[1.0], [1.0]]], 0.5)
    >>> dt.stochastic_regret(sg, [[[0.0, 1.0]]])
    1.0
    >>> dt.stochastic_regret(sg, [[[1.0, 0.0]]])
    0.0
    """
    game = _check_game(game)
    strat = check_stationary_profile(game, strategies)
    V = _policy_values(game, strat) if values is None else _check_values(game, values)
    return _certify(game, strat, V)[0]


# ----------------------------------------------------------------------------- backward
def _tables(
    game: BaseStochasticGame, s: int, V: NDArray, self_loop: bool
) -> tuple[NDArray, NDArray | None] | None:
    """``R_i(a) = r_i(a) + d_i sum_{t != s} P(t|a) V[t, i]`` and ``D_i(a) = d_i P(s|a)``
    (None without a self-loop) as dense tables, or None when too large to build."""
    V0 = V.copy()
    V0[s] = 0.0
    shape = game.shape(s)
    n_prof = int(np.prod(shape, dtype=np.int64))
    if n_prof * max(shape) > PURE_CHECK_LIMIT:
        return None
    E = V0.copy()
    E[s] = 1.0  # the continuation is linear in V: C(V0 + e_s) - C(V0) = d_i P(s | a)
    if isinstance(game, StochasticGame):
        R = game.continuation_table(s, V0)
        return R, (game.continuation_table(s, E) - R if self_loop else None)
    try:
        R = game.continuation_game(s, V0).to_normal_form(max_profiles=GENERIC_TABLE_LIMIT).payoffs
        if not self_loop:
            return R, None
        C = game.continuation_game(s, E).to_normal_form(max_profiles=GENERIC_TABLE_LIMIT)
        return R, C.payoffs - R
    except (NotImplementedError, GameTooLargeError):
        return None


def _pure_state_equilibrium(
    R: NDArray, D: NDArray | None, slack: float
) -> tuple[tuple[int, ...], NDArray] | None:
    """The first pure profile (lexicographic) that is a one-state stationary equilibrium,
    with its values, or None. Without a self-loop (``D`` None) this is a pure Nash
    equilibrium of the continuation game."""
    n = R.shape[0]
    Vt = R if D is None else R / (1.0 - D)
    ok = np.ones(R.shape[1:], dtype=bool)
    for i in range(n):
        if D is None:
            best = np.max(R[i], axis=i, keepdims=True)
            ok &= best <= Vt[i] + slack
        else:
            X = np.expand_dims(np.moveaxis(R[i], i, -1), i)
            Y = np.expand_dims(np.moveaxis(D[i], i, -1), i)
            best = np.max(X + Y * Vt[i][..., None], axis=-1)
            ok &= best <= Vt[i] + slack
        if not ok.any():
            return None
    a = tuple(int(x) for x in np.argwhere(ok)[0])
    return a, Vt[(slice(None), *a)]


def _state_values(
    game: BaseStochasticGame, s: int, prof: tuple[NDArray, ...], V: NDArray
) -> NDArray:
    """Values at ``s`` of a profile there, given the other states' values ``V``."""
    T = game.deviation_transitions(s, prof)
    p = prof[0] @ T[0]
    dev = game.stage(s)._deviation_payoffs(prof)
    d = game.discount
    out = np.empty(game.n_players)
    for i in range(game.n_players):
        r = float(prof[i] @ dev[i])
        rest = float(p @ V[:, i]) - p[s] * V[s, i]
        out[i] = (r + d[i] * rest) / (1.0 - d[i] * p[s])
    return out


def _restart_prior(sysm: Any, k: int) -> NDArray:
    """The log-probabilities of restart prior ``k`` (1, 2, ...): each action's weight
    uniform on [0.2, 1] from a fixed seed, normalised block by block (so the log-odds
    constants of the path stay within log 5 and the runs are reproducible)."""
    w = np.random.default_rng([_RESTART_SEED, k]).uniform(0.2, 1.0, sysm.K)
    w /= np.repeat(np.add.reduceat(w, sysm.offsets), sysm.sizes)
    return np.log(w)


def _homotopy(
    game: BaseStochasticGame,
    states: Sequence[int],
    fixed: NDArray,
    scale: float,
    opts: dict[str, Any],
) -> tuple[list[tuple[NDArray, ...]], NDArray, bool, str, int, float, int]:
    """Trace the agent form over ``states``: (profiles, values, found, message, steps,
    lambda reached, restarts).

    The principal branch (from the centroid) first. When it ends without an equilibrium
    (a sharp turn at large lambda the step control cannot follow: 2 random games in 600
    of 2-8 states, 2-3 players and 2-5 actions), the path is traced again from up to
    :data:`_RESTARTS` fixed priors (:func:`_restart_prior`; the logit path of the tracing
    procedure, whose limit is an equilibrium too, generally another one), and the
    message says which run found it. A run stopped by the step budget (``max_iter``) is
    not restarted: the budget is the caller's."""
    sysm = agent_system(game, states, fixed, scale)
    lam_max = opts["lambda_max"]
    lam = DEFAULT_LAMBDA_MAX if lam_max is None else lam_max * scale
    dense = isinstance(sysm, DenseAgentSystem)
    nit, messages = 0, []
    best: tuple[float, NDArray] | None = None
    for k in range(_RESTARTS + 1):
        tr = _trace(
            sysm,
            lambda_max=lam,
            first_step=opts["first_step"],
            max_accel=opts["max_accel"],
            max_steps=opts["max_iter"],
            tol=opts["tol"],
            # a dense agent form's Jacobian costs far more than its payoffs: one per step
            chord=dense,
            # the path only has to stay on its branch (the polish makes the end point
            # exact): a dense agent form's path points to 1e-7 (the same equilibria on 30
            # random games of 2-8 states, 2-3 players, 2-5 actions as at the default 1e-9;
            # 17% fewer calls)
            corrector_tol=_DENSE_CORRECTOR_TOL if dense else _CORRECTOR_TOL,
            log_prior=None if k == 0 else _restart_prior(sysm, k),
        )
        nit += tr.nit
        messages.append(tr.message if k == 0 else f"restart {k} (prior {k}): {tr.message}")
        if tr.equilibrium is not None:
            p, found = tr.equilibrium, True
            break
        if tr.regrets:
            j = int(np.argmin(tr.regrets))
            if best is None or tr.regrets[j] < best[0]:
                best = (tr.regrets[j], tr.points[j])
        if tr.nit >= opts["max_iter"]:  # the caller's step budget ran out: no restart
            break
    if tr.equilibrium is None:  # no run found one: the path point of least regret
        found = False
        p = best[1] if best is not None else np.exp(_restart_prior(sysm, 1))
    p = np.asarray(p, dtype=float)
    p = p / np.repeat(np.add.reduceat(p, sysm.offsets), sysm.sizes)
    profs = sysm.profiles(p)
    V = sysm.values(profs)[0]
    reached = float(tr.lambdas[-1]) / scale if tr.lambdas else 0.0
    return profs, V, found, "; ".join(messages), nit, reached, len(messages) - 1


def _backward(
    game: BaseStochasticGame, scale: float, opts: dict[str, Any]
) -> tuple[tuple[tuple[NDArray, ...], ...], NDArray, bool, str, int, dict[str, Any]]:
    import networkx as nx

    g = game.graph()
    loops = {u for u, _ in nx.selfloop_edges(g)}
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    order = list(reversed(list(nx.topological_sort(g))))
    S, N = game.n_states, game.n_players
    V = np.zeros((S, N))
    strategies: list[tuple[NDArray, ...] | None] = [None] * S
    how: list[str] = [""] * S
    ok_all, notes, nit = True, [], 0
    slack = 1e-3 * opts["tol"] * scale
    for s in order:
        loop = s in loops
        tabs = _tables(game, s, V, loop)
        pure = None if tabs is None else _pure_state_equilibrium(tabs[0], tabs[1], slack)
        nit += 1
        if pure is not None:
            a, vals = pure
            prof = tuple(np.eye(k)[a[i]] for i, k in enumerate(game.shape(s)))
            how[s] = "pure"
        else:
            profs, _, found, msg, steps, _, _ = _homotopy(game, [s], V, scale, opts)
            prof = profs[0]
            nit += steps
            how[s] = "homotopy"
            if not found:
                ok_all = False
                notes.append(f"state {s}: {msg}")
        vals = _state_values(game, s, prof, V)
        V[s] = vals
        strategies[s] = prof
    msg = "; ".join(notes) if notes else "every state solved in reverse topological order"
    details = {"order": tuple(order), "stage_methods": tuple(how)}
    return tuple(strategies), V, ok_all, msg, nit, details  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- public
def solve_stochastic(
    game: BaseStochasticGame,
    *,
    method: str = "auto",
    tol: float = 1e-10,
    max_iter: int = 10_000,
    lambda_max: float | None = None,
    first_step: float = 0.03,
    max_accel: float = 2.0,
    rng: Any = None,
) -> StochasticResult:
    """One stationary (Markov-perfect) equilibrium of a stochastic game, certified.

    Parameters
    ----------
    game
        A :class:`~deterrence.StochasticGame` or any
        :class:`~deterrence.games.stochastic.BaseStochasticGame` (e.g. a campaign).
    method
        ``"backward"`` (state graph acyclic up to self-loops), ``"homotopy"`` (any game)
        or ``"auto"`` (backward when it applies, else homotopy); see the module docs.
    tol
        Regret tolerance relative to the payoff range: the result is ``converged`` only
        when ``regret <= tol * payoff_range``.
    max_iter
        Largest number of path steps of each homotopy run.
    lambda_max, first_step, max_accel
        Path-following controls, as in :func:`~deterrence.logit_path` (``lambda`` in
        payoff units).
    rng
        Accepted for a uniform API (normalised with ``np.random.default_rng``); both
        methods are deterministic and do not draw from it.

    Returns
    -------
    StochasticResult
        Every result carries its regret and Bellman residual, computed afresh from the
        game (never taken from the solver's internal state).

    Examples
    --------
    Two players, two states. In state 0 each chooses to stay (0) or grab (1); grabbing
    pays 1 more today but when anyone grabs the game moves for good to the absorbing state
    1, where both get 0. With stay worth 1 per period and discount 0.9, staying is worth
    10 and grabbing 2 + 0: both stay.

    >>> import numpy as np, deterrence as dt
    >>> u0 = np.array([[[1, 0], [2, 1]], [[1, 2], [0, 1]]], dtype=float)
    >>> t0 = np.zeros((2, 2, 2)); t0[0, 0, 0] = 1; t0[0, 1, 1] = t0[1, 0, 1] = t0[1, 1, 1] = 1
    >>> sg = dt.StochasticGame([u0, np.zeros((2, 1, 1))], [t0, [[[0.0, 1.0]]]], 0.9)
    >>> res = dt.solve_stochastic(sg)
    >>> res.method, [q.tolist() for q in res.strategies[0]], res.values[0].round(9).tolist()
    ('auto:backward', [[1.0, 0.0], [1.0, 0.0]], [10.0, 10.0])
    >>> res.converged, res.regret
    (True, 0.0)
    """
    game = _check_game(game)
    check_choice("method", method, METHODS)
    tol = check_real("tol", tol, low=0.0, low_open=True)
    max_iter = check_int("max_iter", max_iter, low=1)
    if lambda_max is not None:
        lambda_max = check_real("lambda_max", lambda_max, low=0.0, low_open=True)
    first_step = check_real("first_step", first_step, low=0.0, low_open=True)
    max_accel = check_real("max_accel", max_accel, low=1.0)
    normalize_rng(rng)
    fast = game._solve_structured(
        method=method,
        tol=tol,
        max_iter=max_iter,
        lambda_max=lambda_max,
        first_step=first_step,
        max_accel=max_accel,
    )
    if fast is not None:  # the game's own structured solver (e.g. a campaign's)
        return fast
    acyclic = game.is_acyclic()
    if method == "backward" and not acyclic:
        raise DeterrenceError(
            "method='backward' needs a state graph that is acyclic apart from self-loops; "
            "this game has a cycle: use method='homotopy' (or 'auto')"
        )
    opts = {
        "tol": tol,
        "max_iter": max_iter,
        "lambda_max": lambda_max,
        "first_step": first_step,
        "max_accel": max_accel,
    }
    scale = game.payoff_range()
    unreachable = game.unreachable(0)
    details: dict[str, Any] = {"unreachable": unreachable, "acyclic": acyclic}

    chosen = "backward" if (method == "backward" or (method == "auto" and acyclic)) else "homotopy"
    if chosen == "backward":
        strat, V, found, msg, nit, extra = _backward(game, scale, opts)
        details.update(extra)
        if method == "auto" and not found:
            details["backward_message"] = msg
            chosen = "homotopy"
    if chosen == "homotopy":
        S = game.n_states
        profs, V, found, msg, nit, lam, restarts = _homotopy(
            game, range(S), np.zeros((S, game.n_players)), scale, opts
        )
        strat = tuple(profs)
        details["lambda"] = lam
        details["restarts"] = restarts
    strategies, V, reg, res, converged = _certified(game, strat, V, tol, scale)
    limit = tol * scale
    if converged:
        message = f"stationary equilibrium: regret {reg:.3g} <= tol * payoff range"
        if details.get("restarts"):
            message += (
                f" (found by the path from restart prior {details['restarts']}: the principal "
                "branch had ended without an equilibrium)"
            )
    elif not found:
        message = f"did not converge ({msg}); returning the profile of least regret"
    else:
        message = f"{msg}; but regret {reg:.3g} or residual {res:.3g} exceeds {limit:.3g}"
    if unreachable:
        message += f"; states {list(unreachable)} are unreachable from state 0"
    return StochasticResult(
        strategies=strategies,
        values=V,
        regret=reg,
        residual=res,
        converged=converged,
        message=message,
        method=chosen if method != "auto" else f"auto:{chosen}",
        nit=int(nit),
        payoff_range=scale,
        parameters={"method": method, **opts},
        details=details,
    )


def _certified(
    game: BaseStochasticGame,
    strat: Sequence[Sequence[NDArray]],
    V: NDArray,
    tol: float,
    scale: float,
) -> tuple[tuple[tuple[NDArray, ...], ...], NDArray, float, float, bool]:
    """Frozen strategies and values, their regret and Bellman residual recomputed from the
    game, and whether they certify a stationary equilibrium at ``tol`` x payoff range (the
    residual of a solved linear system is at the rounding level of the values)."""
    strategies = _freeze(strat)
    reg, res = _certify(game, strategies, V)
    limit = tol * scale
    res_limit = max(limit, 1e-9 * scale / max(1e-3, 1.0 - float(np.max(game.discount))))
    V = np.array(V, dtype=float)
    V.flags.writeable = False
    return strategies, V, reg, res, bool(reg <= limit and res <= res_limit)


def _freeze(strat: Sequence[Sequence[NDArray]]) -> tuple[tuple[NDArray, ...], ...]:
    out = []
    for prof in strat:
        row = []
        for q in prof:
            a = np.array(q, dtype=float)
            a.flags.writeable = False
            row.append(a)
        out.append(tuple(row))
    return tuple(out)
