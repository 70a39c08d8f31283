"""Logit response dynamics: noisy best responses at a temperature.

At each revision the revising player picks action ``a`` with probability proportional to
``exp(u_i(a, a_-i) / temperature)`` (Blume 1993). As ``temperature -> 0`` this tends to a
best response with uniform tie-breaking; at any positive temperature every profile can be
reached from every other, so the process is an ergodic Markov chain: it never settles, and
a run always ends with ``outcome="max_iter"``. What it tells is where play *spends its
time*: with one uniformly drawn reviser per step (``order="random"``, the default) in a
potential game with potential ``Phi``, the stationary distribution is the Gibbs distribution
``pi(a) ~ exp(Phi(a) / temperature)``, which concentrates on the potential maximisers as the
temperature falls.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import check_choice, check_int, check_real, normalize_rng
from ..games.base import Game, SeedLike, as_pure_profile
from ._common import MAX_ITER, check_game, pure_regret
from ._engine import ORDERS, row_provider, run_pure
from .result import DynamicsResult

__all__ = ["logit_response_dynamics"]


def check_logit_options(*, temperature: float, order: str, max_iter: int) -> tuple[float, str, int]:
    """Validate the options shared by single runs and basins."""
    temperature = check_real("temperature", temperature, low=0.0, low_open=True)
    check_choice("order", order, ORDERS)
    max_iter = check_int("max_iter", max_iter, low=1, high=MAX_ITER)
    return temperature, order, max_iter


def logit_response_dynamics(
    game: Game,
    start: Sequence[int],
    *,
    temperature: float,
    order: str = "random",
    max_iter: int = 1_000,
    tol: float = 1e-9,
    rng: SeedLike = None,
) -> DynamicsResult:
    """Run logit response dynamics for ``max_iter`` revisions from a pure profile.

    Parameters
    ----------
    game
        Any game (dense or structured).
    start
        One action index per player.
    temperature
        Noise level (> 0), in payoff units: ``exp(payoff / temperature)`` weights.
    order
        ``"random"`` (one uniformly drawn reviser per iteration, Blume's asynchronous
        version), ``"sequential"`` or ``"simultaneous"``.
    max_iter
        Number of revisions to simulate, at most ``10**9`` (``dynamics._common.MAX_ITER``).
    tol
        Tolerance of the equilibrium check of the end profile.
    rng
        Seed or Generator (the run is random; the same seed gives the same path).

    Returns
    -------
    DynamicsResult
        ``outcome`` is always ``"max_iter"`` (the chain is ergodic); ``trajectory`` holds
        every visited profile, so time averages can be read from it.

    Examples
    --------
    >>> import deterrence as dt
    >>> coord = dt.NormalFormGame([[[2, 0], [0, 1]], [[2, 0], [0, 1]]])
    >>> res = dt.logit_response_dynamics(coord, (1, 1), temperature=0.5, rng=0)
    >>> res.outcome, res.trajectory.shape
    ('max_iter', (1001, 2))

    Play spends most of its time at the potential maximiser ``(0, 0)`` (Gibbs weight
    ``e^4 / (e^4 + e^2 + 2)``, about 0.86):

    >>> bool(0.7 < (res.trajectory == [0, 0]).all(axis=1).mean() < 0.95)
    True
    """
    game = check_game(game)
    start = as_pure_profile(game, start)
    temperature, order, max_iter = check_logit_options(
        temperature=temperature, order=order, max_iter=max_iter
    )
    tol = check_real("tol", tol, low=0.0)
    gen = normalize_rng(rng)
    provider = row_provider(game)
    run = run_pure(
        provider,
        np.array([start], dtype=np.int64),
        rule="logit",
        order=order,
        temperature=temperature,
        max_iter=max_iter,
        rng=gen,
        record=True,
    )
    traj = run.trajectory[:, 0, :]
    end = tuple(int(a) for a in traj[-1])
    reg = pure_regret(game, end)
    return DynamicsResult(
        method="logit_response",
        trajectory=traj,
        times=np.arange(len(traj)),
        shape=game.shape,
        outcome="max_iter",
        end=end,
        is_equilibrium=reg <= tol,
        regret=reg,
        iterations=max_iter,
        message=(
            f"simulated {max_iter} logit revisions at temperature {temperature:g} "
            "(an ergodic chain: it does not converge)"
        ),
        parameters={
            "start": start,
            "temperature": temperature,
            "order": order,
            "max_iter": max_iter,
            "tol": tol,
            "payoff_path": provider.kind,
        },
        player_names=game.player_names,
    )
