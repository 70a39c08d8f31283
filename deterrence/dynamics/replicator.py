"""Multi-population replicator dynamics, integrated with ``scipy.integrate.solve_ivp``.

Each player ``i`` is a population whose share ``x_{i,a}`` on action ``a`` grows with the
action's payoff advantage over the population average:

``dx_{i,a}/dt = x_{i,a} * (u_i(a, x_-i) - x_i . u_i(., x_-i))``

where ``u_i(., x_-i)`` is the deviation-payoff oracle at the current profile (so it runs on
structured games too). The simplex of each population and each of its faces are invariant:
an action with zero share stays at zero, so pure profiles are rest points whether or not
they are equilibria (their regret says which). In a 2x2 zero-sum game with an interior
equilibrium ``(x*, y*)`` the orbits are closed curves around it, on which
``H = x* log x + (1-x*) log(1-x) + y* log y + (1-y*) log(1-y)`` is constant.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from .._validation import check_choice, check_int, check_real
from ..games.base import Game
from ._common import MAX_POINTS, as_start_mixed, check_game, mixed_regret, split
from .result import DynamicsResult

__all__ = ["replicator_dynamics", "replicator_field"]

IVP_METHODS = ("DOP853", "RK45", "RK23", "Radau", "BDF", "LSODA")


def replicator_field(game: Game, x: NDArray[np.float64]) -> NDArray[np.float64]:
    """The replicator vector field at the concatenated state ``x`` (one oracle call).

    Examples
    --------
    >>> import numpy as np, deterrence as dt
    >>> mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    >>> replicator_field(mp, np.array([0.5, 0.5, 0.5, 0.5])).tolist()  # the equilibrium
    [0.0, 0.0, 0.0, 0.0]
    """
    parts = split(np.asarray(x, dtype=float), game.shape)
    dev = game._deviation_payoffs(tuple(parts))
    return np.concatenate(
        [p * (np.asarray(d) - float(np.asarray(d) @ p)) for p, d in zip(parts, dev, strict=True)]
    )


def _normalise(x: NDArray, shape: tuple[int, ...]) -> tuple[NDArray[np.float64], ...]:
    out = []
    for p in split(np.clip(x, 0.0, None), shape):
        out.append(p / p.sum())
    return tuple(out)


def check_replicator_options(
    *,
    t_max: float = 100.0,
    n_points: int = 501,
    tol: float = 1e-8,
    method: str = "DOP853",
    rtol: float = 1e-9,
    atol: float = 1e-12,
    eq_tol: float = 1e-6,
) -> tuple[float, int, float, str, float, float, float]:
    """Validate the replicator's options (shared by single runs and basins)."""
    t_max = check_real("t_max", t_max, low=0.0, low_open=True)
    n_points = check_int("n_points", n_points, low=2, high=MAX_POINTS)
    tol = check_real("tol", tol, low=0.0, low_open=True)
    check_choice("method", method, IVP_METHODS)
    rtol = check_real("rtol", rtol, low=0.0, low_open=True)
    atol = check_real("atol", atol, low=0.0, low_open=True)
    eq_tol = check_real("eq_tol", eq_tol, low=0.0)
    return t_max, n_points, tol, method, rtol, atol, eq_tol


def replicator_dynamics(
    game: Game,
    start: Any = None,
    *,
    t_max: float = 100.0,
    n_points: int = 501,
    tol: float = 1e-8,
    method: str = "DOP853",
    rtol: float = 1e-9,
    atol: float = 1e-12,
    eq_tol: float = 1e-6,
) -> DynamicsResult:
    """Integrate the replicator dynamics from ``start`` up to time ``t_max``.

    Parameters
    ----------
    game
        Any game (dense or structured).
    start
        ``None`` (every population uniform), a pure profile or a mixed profile.
    t_max
        Final time.
    n_points
        Number of evenly spaced output times on ``[0, t_max]``, at most ``10**7``.
    tol
        Rest-point tolerance: integration stops (``"converged"``) once the largest component
        of the vector field falls below ``tol``.
    method, rtol, atol
        Passed to :func:`scipy.integrate.solve_ivp`.
    eq_tol
        Tolerance of the equilibrium check of the end profile (``regret <= eq_tol``); a
        flow only approaches a rest point, so this is looser than a solver's tolerance.

    Returns
    -------
    DynamicsResult
        ``trajectory`` holds the concatenated shares at ``times``; ``outcome`` is
        ``"converged"`` or ``"max_iter"`` (reached ``t_max`` still moving, e.g. on a closed
        orbit); ``iterations`` counts vector-field evaluations.

    Examples
    --------
    Matching pennies: the orbit around the mixed equilibrium never settles.

    >>> import deterrence as dt
    >>> mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    >>> res = dt.replicator_dynamics(mp, [[0.8, 0.2], [0.5, 0.5]], t_max=20)
    >>> res.outcome, res.is_equilibrium
    ('max_iter', False)

    In a coordination game shares flow to the equilibrium whose basin holds the start:

    >>> coord = dt.NormalFormGame([[[2, 0], [0, 1]], [[2, 0], [0, 1]]])
    >>> res = dt.replicator_dynamics(coord, [[0.5, 0.5], [0.5, 0.5]])
    >>> res.outcome, [round(float(p[0]), 6) for p in res.end]
    ('converged', [1.0, 1.0])
    """
    game = check_game(game)
    t_max, n_points, tol, method, rtol, atol, eq_tol = check_replicator_options(
        t_max=t_max,
        n_points=n_points,
        tol=tol,
        method=method,
        rtol=rtol,
        atol=atol,
        eq_tol=eq_tol,
    )
    shape = game.shape
    x0 = np.concatenate(as_start_mixed(game, start))
    params = {
        "t_max": t_max,
        "n_points": n_points,
        "tol": tol,
        "method": method,
        "rtol": rtol,
        "atol": atol,
        "eq_tol": eq_tol,
    }

    def rhs(_t: float, x: NDArray) -> NDArray:
        return replicator_field(game, x)

    def at_rest(_t: float, x: NDArray) -> float:
        return float(np.abs(rhs(_t, x)).max()) - tol

    at_rest.terminal = True  # type: ignore[attr-defined]
    at_rest.direction = -1  # type: ignore[attr-defined]

    speed0 = float(np.abs(rhs(0.0, x0)).max())
    if speed0 <= tol:
        times, traj, nfev, status, ivp_msg = np.array([0.0]), x0[None, :], 1, 1, ""
    else:
        sol = solve_ivp(
            rhs,
            (0.0, t_max),
            x0,
            method=method,
            t_eval=np.linspace(0.0, t_max, n_points),
            events=at_rest,
            rtol=rtol,
            atol=atol,
        )
        times, traj = sol.t, sol.y.T
        if sol.status == 1 and len(sol.t_events[0]):
            times = np.append(times, sol.t_events[0][0])
            traj = np.vstack([traj, sol.y_events[0][0]])
        nfev, status, ivp_msg = sol.nfev, sol.status, sol.message
    end = _normalise(traj[-1], shape)
    reg = mixed_regret(game, end)
    speed = float(np.abs(rhs(float(times[-1]), traj[-1])).max())
    if status == 1:
        outcome = "converged"
        message = f"reached a rest point (field speed {speed:.2g} <= tol) at t={times[-1]:.4g}"
    elif status == 0:
        outcome = "max_iter"
        message = f"still moving at t_max={t_max:g} (field speed {speed:.2g})"
    else:
        outcome = "max_iter"
        message = f"integration stopped early at t={times[-1]:.4g}: {ivp_msg}"
    return DynamicsResult(
        method="replicator",
        trajectory=traj,
        times=times,
        shape=shape,
        outcome=outcome,
        end=end,
        is_equilibrium=reg <= eq_tol,
        regret=reg,
        iterations=int(nfev),
        message=message,
        parameters=params,
        player_names=game.player_names,
    )
