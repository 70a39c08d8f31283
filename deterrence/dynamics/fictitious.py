"""Fictitious play: classic (Brown 1951), smooth and stochastic (Fudenberg & Kreps 1993).

Each player keeps a *belief* about every other player: the empirical frequency of that
player's past plays, seeded by the start profile with weight ``initial_weight``. Every round
all players respond at once to the others' beliefs (treated as independent mixed
strategies, which is exactly the deviation-payoff oracle's question), then every belief moves
toward the play just observed:

``B_i <- B_i + (e_{a_i} - B_i) / (t + 1 + initial_weight)``   (round ``t = 0, 1, ...``).

* ``variant="classic"``: ``a_i`` is a best response (ties by ``tie_breaking``); with
  ``initial_weight=1`` the update is QuantEcon's ``FictitiousPlay`` (step ``1/(t+2)``).
* ``variant="smooth"``: beliefs move toward the logit choice probabilities
  ``softmax(u_i / temperature)`` (deterministic smooth fictitious play).
* ``variant="stochastic"``: ``a_i`` is *drawn* from those logit probabilities (seeded).

Outcomes. ``"converged"``: the beliefs are a ``tol``-equilibrium (classic: regret of the
belief profile ``<= tol``) or a ``tol``-fixed point of the smoothed response (smooth and
stochastic: ``max |softmax(u / temperature) - B| <= tol``, a logit quantal response
equilibrium, whose regret is reported honestly and is not zero). ``"cycle"`` (classic
only): the beliefs did not converge and the *run-compressed* sequence of played profiles
repeats the same cyclic order at least three times at the end (Shapley-type cycling; the
beliefs, part of the state, never repeat, so ``period`` counts distinct runs, not
iterations, and the runs lengthen over time). Otherwise ``"max_iter"``.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_choice, check_int, check_real, normalize_rng
from ..errors import DeterrenceError
from ..games.base import Game, SeedLike
from ._common import MAX_ITER, as_start_mixed, check_game, mixed_regret
from .result import DynamicsResult

__all__ = ["fictitious_play", "play_runs"]

VARIANTS = ("classic", "smooth", "stochastic")
FP_TIE_BREAKING = ("smallest", "largest", "random")
_TIE_TOL = 1e-9
_MIN_REPEATS = 3


def play_runs(plays: NDArray) -> list[tuple[tuple[int, ...], int]]:
    """Compress a sequence of played profiles into runs ``(profile, length)``.

    Examples
    --------
    >>> import numpy as np
    >>> play_runs(np.array([[0, 1], [0, 1], [1, 1], [0, 1]]))
    [((0, 1), 2), ((1, 1), 1), ((0, 1), 1)]
    """
    plays = np.asarray(plays)
    if len(plays) == 0:
        return []
    change = np.flatnonzero((plays[1:] != plays[:-1]).any(axis=1)) + 1
    bounds = np.concatenate([[0], change, [len(plays)]])
    return [(tuple(int(a) for a in plays[b]), int(e - b)) for b, e in itertools.pairwise(bounds)]


def _run_cycle(runs: list[tuple[tuple[int, ...], int]]) -> tuple[tuple[int, ...], ...]:
    """The cyclic order of run profiles repeated >= 3 times at the end (last run excluded as
    possibly incomplete), rotated to start at its smallest profile, or ``()``."""
    seq = [p for p, _ in runs[:-1]]
    r = len(seq)
    for p in range(2, r // _MIN_REPEATS + 1):
        tail = seq[r - _MIN_REPEATS * p :]
        if all(tail[k] == tail[k + p] for k in range(len(tail) - p)):
            cyc = seq[r - p :]
            k = cyc.index(min(cyc))
            return tuple(cyc[k:] + cyc[:k])
    return ()


def check_fp_options(
    *,
    variant: str = "classic",
    temperature: float | None = None,
    max_iter: int = 10_000,
    initial_weight: float = 1.0,
    tie_breaking: str = "smallest",
    tol: float = 1e-3,
) -> tuple[str, float | None, int, float, str, float]:
    """Validate fictitious play's options (shared by single runs and basins)."""
    check_choice("variant", variant, VARIANTS)
    check_choice("tie_breaking", tie_breaking, FP_TIE_BREAKING)
    if variant == "classic" and temperature is not None:
        raise DeterrenceError(
            f"temperature={temperature!r} is not used by variant='classic'; pass "
            "variant='smooth' or 'stochastic' for logit responses, or leave it None"
        )
    if variant != "classic":
        if temperature is None:
            raise DeterrenceError(
                f"temperature=None is not valid for variant={variant!r}; expected a positive "
                "number (the logit noise level)"
            )
        temperature = check_real("temperature", temperature, low=0.0, low_open=True)
    max_iter = check_int("max_iter", max_iter, low=1, high=MAX_ITER)
    initial_weight = check_real("initial_weight", initial_weight, low=0.0, low_open=True)
    tol = check_real("tol", tol, low=0.0)
    return variant, temperature, max_iter, initial_weight, tie_breaking, tol


def fictitious_play(
    game: Game,
    start: Any = None,
    *,
    variant: str = "classic",
    temperature: float | None = None,
    max_iter: int = 10_000,
    initial_weight: float = 1.0,
    tie_breaking: str = "smallest",
    tol: float = 1e-3,
    rng: SeedLike = None,
) -> DynamicsResult:
    """Run fictitious play from initial beliefs for up to ``max_iter`` rounds.

    Parameters
    ----------
    game
        Any game (dense or structured).
    start
        Initial beliefs: ``None`` (uniform), a pure profile or a mixed profile.
    variant
        ``"classic"``, ``"smooth"`` or ``"stochastic"`` (see the module docs).
    temperature
        Logit noise (> 0) for the smooth and stochastic variants; not used by classic.
    max_iter
        Largest number of rounds, at most ``10**9`` (``dynamics._common.MAX_ITER``).
    initial_weight
        Weight (> 0) of the start in the empirical frequencies.
    tie_breaking
        Classic variant: ``"smallest"``, ``"largest"`` or ``"random"`` best response.
    tol
        Convergence tolerance (regret of the beliefs, or the smoothed fixed-point residual).
    rng
        Seed or Generator (stochastic variant and random tie-breaking).

    Returns
    -------
    DynamicsResult
        ``trajectory`` holds the beliefs (concatenated per player, one row per round);
        ``plays`` the profiles played (classic and stochastic); ``end`` the last beliefs.

    Examples
    --------
    In a 2x2 coordination game beliefs lock on the equilibrium the first plays select:

    >>> import deterrence as dt
    >>> coord = dt.NormalFormGame([[[2, 0], [0, 1]], [[2, 0], [0, 1]]])
    >>> res = dt.fictitious_play(coord, [[0.2, 0.8], [0.2, 0.8]], tol=1e-2)
    >>> res.outcome, res.is_equilibrium, res.plays[-1].tolist()
    ('converged', True, [1, 1])

    Matching pennies: play goes round the four profiles in longer and longer runs.

    >>> mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    >>> res = dt.fictitious_play(mp, (0, 0), max_iter=2000)
    >>> res.outcome, res.cycle
    ('cycle', ((0, 0), (0, 1), (1, 1), (1, 0)))
    """
    game = check_game(game)
    variant, temperature, max_iter, initial_weight, tie_breaking, tol = check_fp_options(
        variant=variant,
        temperature=temperature,
        max_iter=max_iter,
        initial_weight=initial_weight,
        tie_breaking=tie_breaking,
        tol=tol,
    )
    gen = normalize_rng(rng)
    beliefs = [np.array(p, dtype=float) for p in as_start_mixed(game, start)]
    shape = game.shape
    n = len(shape)

    rows = [np.concatenate(beliefs)]
    plays: list[NDArray[np.int64]] = []
    converged = False
    t = 0
    while True:
        dev = game._deviation_payoffs(tuple(beliefs))
        if variant == "classic":
            reg = max(float(d.max() - d @ b) for d, b in zip(dev, beliefs, strict=True))
            if reg <= tol:
                converged = True
                break
        else:
            probs = []
            for d in dev:
                z = np.exp((d - d.max()) / temperature)
                probs.append(z / z.sum())
            resid = max(float(np.abs(p - b).max()) for p, b in zip(probs, beliefs, strict=True))
            if resid <= tol:
                converged = True
                break
        if t >= max_iter:
            break
        step = 1.0 / (t + 1.0 + initial_weight)
        if variant == "smooth":
            targets = probs
        else:
            acts = np.empty(n, dtype=np.int64)
            for i, d in enumerate(dev):
                if variant == "stochastic":
                    acts[i] = gen.choice(shape[i], p=probs[i])
                else:
                    best = np.flatnonzero(d >= d.max() - _TIE_TOL)
                    if tie_breaking == "smallest":
                        acts[i] = best[0]
                    elif tie_breaking == "largest":
                        acts[i] = best[-1]
                    else:
                        acts[i] = gen.choice(best)
            plays.append(acts)
            targets = [np.eye(k)[a] for k, a in zip(shape, acts, strict=True)]
        for b, target in zip(beliefs, targets, strict=True):
            b += step * (target - b)
        rows.append(np.concatenate(beliefs))
        t += 1

    end = tuple(b.copy() for b in beliefs)
    reg_end = mixed_regret(game, end)
    play_arr = None
    if variant != "smooth":
        play_arr = np.array(plays, dtype=np.int64).reshape(len(plays), n)
    cycle: tuple[tuple[int, ...], ...] = ()
    if converged:
        outcome = "converged"
        what = "a tol-equilibrium" if variant == "classic" else "a tol-fixed point (logit QRE)"
        message = f"beliefs reached {what} after {t} round(s)"
    else:
        outcome = "max_iter"
        message = f"beliefs did not converge within max_iter={max_iter} rounds"
        if variant == "classic" and play_arr is not None:
            runs = play_runs(play_arr)
            cycle = _run_cycle(runs)
            if cycle:
                outcome = "cycle"
                lengths = [length for _, length in runs[-len(cycle) - 1 : -1]]
                message = (
                    f"play cycles through {len(cycle)} profiles in runs of growing length "
                    f"(last full runs: {lengths}); beliefs did not converge within "
                    f"{max_iter} rounds (regret {reg_end:.3g})"
                )
    return DynamicsResult(
        method="fictitious_play",
        trajectory=np.array(rows),
        times=np.arange(len(rows)),
        shape=shape,
        outcome=outcome,
        end=end,
        is_equilibrium=reg_end <= tol,
        regret=reg_end,
        cycle=cycle,
        period=len(cycle) if cycle else None,
        iterations=t,
        message=message,
        parameters={
            "variant": variant,
            "temperature": temperature,
            "max_iter": max_iter,
            "initial_weight": initial_weight,
            "tie_breaking": tie_breaking,
            "tol": tol,
        },
        plays=play_arr,
        player_names=game.player_names,
    )
