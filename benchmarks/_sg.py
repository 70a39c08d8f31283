"""Shared by the benchmarks that run sgamesolver: the independent equilibrium check of a
dense stochastic game and the sgamesolver call (imported by path, not a test module)."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

import deterrence as dt


def check_profile(sg: dt.StochasticGame, strategies) -> tuple[float, np.ndarray]:
    """(largest one-shot deviation gain, values) of a stationary profile, straight from the
    dense arrays (einsum over each state's table; independent of the solver's code)."""
    S, N = sg.n_states, sg.n_players
    d = np.asarray(sg.discount)
    letters = "abcdefgh"[:N]
    P = np.zeros((S, S))
    r = np.zeros((S, N))
    for s in range(S):
        ops = [np.asarray(strategies[s][j]) for j in range(N)]
        subs = ",".join(letters)
        P[s] = np.einsum(f"{letters}z,{subs}->z", sg.transitions[s], *ops)
        r[s] = np.einsum(f"i{letters},{subs}->i", sg.payoffs[s], *ops)
    V = np.stack([np.linalg.solve(np.eye(S) - d[i] * P, r[:, i]) for i in range(N)], axis=1)
    worst = 0.0
    for s in range(S):
        for i in range(N):
            table = sg.payoffs[s][i] + d[i] * (sg.transitions[s] @ V[:, i])
            others = [letters[j] for j in range(N) if j != i]
            ops = [np.asarray(strategies[s][j]) for j in range(N) if j != i]
            Q = np.einsum(f"{letters},{','.join(others)}->{letters[i]}", table, *ops)
            worst = max(worst, float(Q.max() - np.asarray(strategies[s][i]) @ Q))
    return worst, V


def payoff_span(sg: dt.StochasticGame) -> float:
    return float(max(p.max() for p in sg.payoffs) - min(p.min() for p in sg.payoffs))


def import_sgamesolver():
    if not hasattr(np, "NaN"):
        # sgamesolver 1.0 still uses the alias removed in numpy 2 (keep the noqa: ruff's
        # NPY201 fix would rewrite this line into a no-op)
        np.NaN = np.nan  # noqa: NPY201
    return pytest.importorskip("sgamesolver", reason="sgamesolver cross-check")


def sgs_solve(sgs, game, implementation: str, *, with_steps: bool = False):
    """sgamesolver's QRE homotopy on ``game``: (strategies, values), and with
    ``with_steps`` the number of path steps its tracer took."""
    with contextlib.redirect_stdout(io.StringIO()):
        solver = sgs.homotopy.QRE(game, implementation=implementation)
        solver.solver_setup()
        solver.solve()
    eq = solver.equilibrium
    out = (np.asarray(eq.strategies), np.asarray(eq.values))
    return (*out, int(solver.solver.step)) if with_steps else out
