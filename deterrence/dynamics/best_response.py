"""Best-response dynamics on pure profiles, with exact cycle detection.

At each revision a player switches to a best response to the others' current actions.
Payoff rows come from the game's pure-row hook (:meth:`~deterrence.Game.pure_payoff_rows`:
the deviation oracle at the one-hot profile by default, a structured game's exact
pure-profile formulas), so it runs on dense and structured games alike; a dense
:class:`~deterrence.NormalFormGame` takes a fast path that reads its payoff table directly
(same results, tested).

What counts as an iteration, a rest point and a cycle
------------------------------------------------------
* One *iteration* is one revision opportunity: of player ``t mod N`` (``order="sequential"``,
  players in index order), of one player drawn uniformly at random (``"random"``), or of all
  players at once against the same profile (``"simultaneous"``).
* A *rest point* is a profile where no player's update rule can change its action. With
  ``tie_breaking="stay"`` (the default: a player keeps its action if it is among the best)
  the rest points are exactly the pure Nash equilibria; with ``"smallest"``/``"largest"`` a
  rest point is an equilibrium whose actions are also the selected best responses.
* *Cycles* are detected exactly for deterministic updates (sequential or simultaneous order,
  no inertia, deterministic tie-breaking): the update is then a map on the Markov state, the
  profile for simultaneous revisions and the pair (profile, whose turn it is) for sequential
  ones, and a repeated state repeats forever. ``period`` counts revisions. With random order,
  inertia or random tie-breaking the process is a Markov chain whose states recur by chance,
  so no cycle is claimed: a run ends ``"converged"`` when it reaches an absorbing rest point,
  else ``"max_iter"``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import check_choice, check_int, check_real, normalize_rng
from ..games.base import Game, SeedLike, as_pure_profile
from ._common import MAX_ITER, check_game, pure_regret
from ._engine import CONVERGED, CYCLE, ORDERS, OUTCOME_NAMES, TIE_BREAKING, row_provider, run_pure
from .result import DynamicsResult

__all__ = ["best_response_dynamics"]


def check_br_options(
    *, order: str, tie_breaking: str, inertia: float, tol: float, max_iter: int
) -> tuple[str, str, float, float, int]:
    """Validate the options shared by single runs and basins."""
    check_choice("order", order, ORDERS)
    check_choice("tie_breaking", tie_breaking, TIE_BREAKING)
    inertia = check_real("inertia", inertia, low=0.0, high=1.0, high_open=True)
    tol = check_real("tol", tol, low=0.0)
    max_iter = check_int("max_iter", max_iter, low=1, high=MAX_ITER)
    return order, tie_breaking, inertia, tol, max_iter


def best_response_dynamics(
    game: Game,
    start: Sequence[int],
    *,
    order: str = "sequential",
    max_iter: int = 10_000,
    tie_breaking: str = "stay",
    inertia: float = 0.0,
    tol: float = 1e-9,
    rng: SeedLike = None,
) -> DynamicsResult:
    """Run best-response dynamics from one pure profile until rest, a cycle, or ``max_iter``.

    Parameters
    ----------
    game
        Any game (dense or structured).
    start
        One action index per player.
    order
        ``"sequential"`` (players ``0, 1, ..., N-1, 0, ...`` one per iteration),
        ``"simultaneous"`` (everyone revises at once) or ``"random"`` (one uniformly drawn
        player per iteration).
    max_iter
        Largest number of iterations (revision opportunities), at most ``10**9``.
    tie_breaking
        Which best response a player picks when several tie within ``tol``: ``"stay"``
        (keep the current action if it is among them, else the smallest index),
        ``"smallest"`` (least violent on a violence grid), ``"largest"`` or ``"random"``.
    inertia
        Probability in ``[0, 1)`` that a player given a revision keeps its action anyway.
    tol
        Payoff tolerance for ties and for the equilibrium check of the end profile.
    rng
        Seed or Generator for random order, inertia and random tie-breaking.

    Returns
    -------
    DynamicsResult
        ``outcome`` is ``"converged"`` (rest point reached; ``iterations`` is the first
        arrival), ``"cycle"`` (``cycle`` holds the ``period`` profiles of the cycle in
        order, ``cycle_start`` its first index in ``trajectory``, which ends with the first
        repeated state) or ``"max_iter"``. The end profile's regret comes from the oracle.

    Examples
    --------
    Matching pennies has no pure equilibrium: sequential best responses go round the four
    profiles forever.

    >>> import deterrence as dt
    >>> mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    >>> res = dt.best_response_dynamics(mp, (0, 0))
    >>> res.outcome, res.period, res.cycle
    ('cycle', 4, ((0, 0), (0, 1), (1, 1), (1, 0)))

    In a coordination game play settles on an equilibrium:

    >>> coord = dt.NormalFormGame([[[2, 0], [0, 1]], [[2, 0], [0, 1]]])
    >>> res = dt.best_response_dynamics(coord, (0, 1))
    >>> res.outcome, res.end, res.is_equilibrium, res.trajectory.tolist()
    ('converged', (1, 1), True, [[0, 1], [1, 1]])
    """
    game = check_game(game)
    start = as_pure_profile(game, start)
    order, tie_breaking, inertia, tol, max_iter = check_br_options(
        order=order, tie_breaking=tie_breaking, inertia=inertia, tol=tol, max_iter=max_iter
    )
    gen = normalize_rng(rng)
    provider = row_provider(game)
    run = run_pure(
        provider,
        np.array([start], dtype=np.int64),
        rule="br",
        order=order,
        tie_breaking=tie_breaking,
        inertia=inertia,
        tol=tol,
        max_iter=max_iter,
        rng=gen,
        record=True,
    )
    traj = run.trajectory[:, 0, :]
    code = int(run.outcome[0])
    cycle: tuple[tuple[int, ...], ...] = ()
    period = cycle_start = None
    if code == CONVERGED:
        iterations = int(run.iterations[0])
        traj = traj[: iterations + 1]
        message = f"reached a rest point after {iterations} iteration(s)"
    elif code == CYCLE:
        lam, t_det = int(run.period[0]), int(run.detected_at[0])
        same = (traj[: t_det - lam + 1] == traj[lam : t_det + 1]).all(axis=1)
        mu = int(np.argmax(same))
        traj = traj[: mu + lam + 1]
        cycle = tuple(tuple(int(a) for a in p) for p in traj[mu : mu + lam])
        period, cycle_start, iterations = lam, mu, mu + lam
        message = (
            f"entered a cycle of period {lam} after {mu} iteration(s) "
            f"({len(set(cycle))} distinct profile(s))"
        )
    else:
        iterations = max_iter
        message = f"no rest point or cycle within max_iter={max_iter} iterations"
        if order == "random" or inertia or tie_breaking == "random":
            message += " (stochastic updates: cycles are not detected, see the docs)"
    end = tuple(int(a) for a in traj[-1])
    reg = pure_regret(game, end)
    return DynamicsResult(
        method="best_response",
        trajectory=traj,
        times=np.arange(len(traj)),
        shape=game.shape,
        outcome=OUTCOME_NAMES[code],
        end=end,
        is_equilibrium=reg <= tol,
        regret=reg,
        cycle=cycle,
        period=period,
        cycle_start=cycle_start,
        iterations=iterations,
        message=message,
        parameters={
            "start": start,
            "order": order,
            "max_iter": max_iter,
            "tie_breaking": tie_breaking,
            "inertia": inertia,
            "tol": tol,
            "payoff_path": provider.kind,
        },
        player_names=game.player_names,
    )
