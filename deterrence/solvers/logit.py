"""One Nash equilibrium of any N-player game by following the logit QRE path.

The logit quantal response equilibria (McKelvey and Palfrey 1995) of a game form a
correspondence indexed by the precision ``lambda``: at ``lambda = 0`` every player mixes
uniformly (the centroid), and as ``lambda`` grows the principal branch converges to a Nash
equilibrium. Following Turocy (2005), the branch is traced in log-probability coordinates
``x_ia = log p_ia`` on the equations, for each player ``i``::

    x_ia - x_ir = lambda * (u_ia(p) - u_ir(p))     for every action a != r
    sum_a exp(x_ia) = 1

where ``u_ia(p)`` is the deviation payoff (the oracle) and ``r`` a reference action of
player ``i`` (one of its likeliest). The unknowns ``(x, lambda)`` lie on a curve, traced by
a predictor along the tangent (with a second-order term from the tangent's turn over the
last step) and a Newton corrector in the hyperplane orthogonal to the tangent
(pseudo-arc-length continuation, Allgower and Georg 1990), so that turning points (where
``lambda`` decreases for a while, which happens at large lambda too) are followed without
special cases. The Jacobian comes through the seam, from the game's evaluator
(:meth:`~deterrence.games.base.Game.payoff_jacobian`): by default built from the
second-order oracle (:meth:`~deterrence.games.base.Game.pair_payoffs_all`, for each pair of
players the payoff of each action pair against the others' mixtures); a dense
:class:`~deterrence.NormalFormGame` answers with one batched tensor product. A step is
rejected (and halved) when the corrector's first move, its contraction rate or the turn of
the tangent is too large, or when the sign of ``det([dH/d(x, lambda); tangent])`` changes
(the orientation of a regular branch never does: the step jumped to another branch);
otherwise the next step adapts to the same three quantities. The generic evaluator calls
the oracles only on the simplex (an off-simplex iterate is renormalised and the Jacobian
follows by the chain rule), so structured oracles need not be multilinear off it.

Numerical care at large lambda, where the branch may turn sharply or pass close to
another one and Newton's method converges only from very close:

* the corrector converges every path point to ``1e-9`` (in log-probability units, or to
  the rounding floor ``eps * lambda`` of the equations when that is larger), whatever the
  size of lambda, so that the next corrector starts well inside its basin;
* an action whose probability falls below ``exp(-40)`` times its player's largest is
  *frozen*: it no longer changes any payoff in double precision, its log-probability
  follows explicitly from the others (``x_ia = x_ir + lambda (u_ia - u_ir)``), and it
  leaves the traced system, so that the unbounded log-probabilities of dying actions never
  dominate the tangent, the step-size control or the conditioning; it is traced again if
  it comes back within ``exp(-36)`` (a step over which it would come back further is
  rejected), and the reference action is re-chosen when it falls behind.

Once the candidate support of the branch's limit (actions whose log-probability gap to
the best one stays bounded as lambda grows) has held while lambda doubled, a *polish*
solves the equilibrium conditions on that support (all support actions earn the same
payoff, probabilities sum to one) by Newton's method from the path's current point
(falling back to :func:`scipy.optimize.root`, MINPACK's hybrid and Levenberg-Marquardt
methods, on the last attempt), drops actions whose probability comes out negative, adds
profitable deviations, and accepts a profile only if its regret is at most ``tol`` times
the payoff scale and the path is heading to it (it is much closer to the extrapolated
limit ``p + lambda dp/dlambda`` than to the path point), so that the result is the
branch's own limit rather than another equilibrium nearby. If the path ends without one
(``lambda_max`` reached, as on degenerate games whose branch ends at a continuum of
equilibria, or the step size collapsed), the last few path points are polished on the
supports their log-probabilities suggest, from the strictest cut-off to the loosest, before
the solver reports that it did not converge. Everything goes through the
oracle, so structured games with many players (whose payoff table could never be built)
are solved the same way as dense ones.

Payoffs are divided internally by the game's *payoff scale* (the range of the payoff table
of a dense game; the range of the deviation payoffs at the centroid for a structured game);
reported ``lambda`` values are in the game's own payoff units, as in Gambit
(:meth:`~deterrence.games.base.Game.payoff_scale`).

Layout: the path tracer (predictor-corrector, step control, frozen actions) is
:mod:`deterrence.solvers._continuation`, the polishing step (support detection, Newton on
the support, the acceptance test) :mod:`deterrence.solvers._polish`; this module holds the
result type :class:`LogitPath` and the public functions :func:`logit_path` and
:func:`solve_logit`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_int, check_real
from ..errors import DeterrenceError
from ..games.base import Game
from ._continuation import DEFAULT_LAMBDA_MAX, _Trace, _trace
from ._options import check_game as _check_game
from .results import Equilibrium, NashResult

__all__ = ["LogitPath", "logit_path", "solve_logit"]


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, kw_only=True, eq=False)
class LogitPath:
    """A traced branch of the logit QRE correspondence.

    Attributes
    ----------
    lambdas
        Precision of each point, in the game's payoff units, shape ``(m,)``.
    profiles
        One array per player, shape ``(m, n_i)``: the QRE strategies along the path.
    regrets
        Regret of each point (largest gain from deviating), shape ``(m,)``.
    equilibrium
        The Nash equilibrium the path was polished to, or ``None``.
    converged
        True if the path ended at a verified equilibrium (or reached ``lambda_max`` when
        tracing without stopping at an equilibrium).
    message
        How the path ended.
    nit
        Number of path steps.
    payoff_scale
        The payoff range used to normalise lambda internally.
    player_names, action_names
        Labels copied from the game.
    """

    lambdas: NDArray[np.float64]
    profiles: tuple[NDArray[np.float64], ...]
    regrets: NDArray[np.float64]
    equilibrium: Equilibrium | None
    converged: bool
    message: str
    nit: int
    payoff_scale: float
    player_names: tuple[str, ...]
    action_names: tuple[tuple[str, ...], ...]

    def __len__(self) -> int:
        return len(self.lambdas)

    def profile(self, k: int) -> tuple[NDArray[np.float64], ...]:
        """The mixed profile at path point ``k``."""
        return tuple(np.array(s[k]) for s in self.profiles)

    def profile_at(self, lam: float) -> tuple[NDArray[np.float64], ...]:
        """The QRE at precision ``lam`` on this branch (where the path first reaches it).

        Exact when ``lam`` was requested with ``logit_path(..., lambdas=[...])``; otherwise
        interpolated linearly in log-probabilities between the two neighbouring points.
        """
        lam = check_real("lam", lam, low=0.0)
        lams = self.lambdas
        if lam > lams.max():
            raise DeterrenceError(
                f"lam={lam!r} is out of range; this path reaches lambda={lams.max():.6g}"
            )
        k = int(np.argmax(lams >= lam))
        if lams[k] == lam or k == 0:
            return self.profile(k)
        w = (lam - lams[k - 1]) / (lams[k] - lams[k - 1])
        out = []
        for s in self.profiles:
            lo = np.log(np.maximum(s[k - 1], 1e-300))
            hi = np.log(np.maximum(s[k], 1e-300))
            q = np.exp(lo + w * (hi - lo))
            out.append(q / q.sum())
        return tuple(out)

    def to_dataframe(self) -> Any:
        """One row per path point: ``lambda``, ``regret`` and one column per (player,
        action) probability, labelled ``"player:action"``."""
        import pandas as pd

        data: dict[str, Any] = {"lambda": self.lambdas, "regret": self.regrets}
        for pl, names, s in zip(self.player_names, self.action_names, self.profiles, strict=True):
            for a, nm in enumerate(names):
                data[f"{pl}:{nm}"] = s[:, a]
        return pd.DataFrame(data)

    def plot(
        self, ax: Any = None, *, players: Sequence[int] | None = None, xscale: str = "log"
    ) -> Any:
        """Probability of each action against lambda (one line per player and action).

        Parameters
        ----------
        ax
            Matplotlib Axes to draw on (a new figure when ``None``).
        players
            Indices of the players to draw (default: all).
        xscale
            ``"log"`` (default; the centroid at lambda = 0 is left out) or ``"linear"``.

        Returns
        -------
        matplotlib.axes.Axes
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError:  # pragma: no cover - optional dependency
            raise ImportError(
                "LogitPath.plot needs matplotlib: pip install 'deterrence[plot]'"
            ) from None
        from .._validation import check_choice

        check_choice("xscale", xscale, ("log", "linear"))
        if ax is None:
            _, ax = plt.subplots()
        chosen = range(len(self.profiles)) if players is None else players
        keep = self.lambdas > 0 if xscale == "log" else np.ones(len(self), dtype=bool)
        for i in chosen:
            s = self.profiles[i]
            for a, nm in enumerate(self.action_names[i]):
                ax.plot(self.lambdas[keep], s[keep, a], label=f"{self.player_names[i]}:{nm}")
        ax.set_xscale(xscale)
        ax.set_xlabel("lambda (logit precision)")
        ax.set_ylabel("probability")
        ax.set_title("logit QRE path")
        if sum(len(self.action_names[i]) for i in chosen) <= 12:
            ax.legend(fontsize="small")
        return ax

    def __repr__(self) -> str:
        end = f"{self.lambdas[-1]:.4g}" if len(self) else "-"
        status = "converged" if self.converged else "NOT converged"
        reg = f", equilibrium regret {self.equilibrium.regret:.2g}" if self.equilibrium else ""
        return f"LogitPath({len(self)} points, lambda 0..{end}, {status}{reg})"

    def _repr_html_(self) -> str:
        df = self.to_dataframe()
        return f"<p><b>{self!r}</b><br>{self.message}</p>" + df.tail(10).to_html(index=False)


# ----------------------------------------------------------------------------- helpers
def _check_options(
    lambda_max: float | None,
    first_step: float,
    max_accel: float,
    max_steps: int,
    tol: float,
) -> tuple[float | None, float, float, int, float]:
    if lambda_max is not None:
        lambda_max = check_real("lambda_max", lambda_max, low=0.0, low_open=True)
    first_step = check_real("first_step", first_step, low=0.0, low_open=True)
    max_accel = check_real("max_accel", max_accel, low=1.0)
    max_steps = check_int("max_steps", max_steps, low=1)
    tol = check_real("tol", tol, low=0.0, low_open=True)
    return lambda_max, first_step, max_accel, max_steps, tol


def _path_from_trace(
    game: Game, sys: Any, tr: _Trace, scale: float, equilibrium: Equilibrium | None
) -> LogitPath:
    pts = np.array(tr.points)
    lams = np.array(tr.lambdas) / scale
    regs = np.array(tr.regrets) * scale
    blocks = []
    for o, n in zip(sys.offsets, sys.sizes, strict=True):
        a = np.ascontiguousarray(pts[:, o : o + n])
        a.flags.writeable = False
        blocks.append(a)
    if len(blocks) != game.n_players:  # a symmetric trace: one block shared by every player
        blocks = blocks * game.n_players
    lams.flags.writeable = False
    regs.flags.writeable = False
    return LogitPath(
        lambdas=lams,
        profiles=tuple(blocks),
        regrets=regs,
        equilibrium=equilibrium,
        converged=tr.converged,
        message=tr.message,
        nit=tr.nit,
        payoff_scale=scale,
        player_names=game.player_names,
        action_names=game.action_names,
    )


def _finish(
    game: Game, sys: Any, tr: _Trace, scale: float, tol: float
) -> tuple[Equilibrium, bool, str]:
    """The Equilibrium to report (always evaluated by the oracle) and whether it meets tol."""
    if tr.equilibrium is not None:
        eq = Equilibrium.from_profile(game, sys.game_profile(tr.equilibrium))
        if eq.regret <= tol * scale:
            return eq, True, tr.message
        msg = (
            f"{tr.message}; but its regret {eq.regret:.3g} exceeds tol * payoff scale = "
            f"{tol * scale:.3g}"
        )
        return eq, False, msg
    k = int(np.argmin(tr.regrets))
    eq = Equilibrium.from_profile(game, sys.game_profile(tr.points[k]))
    return eq, False, f"{tr.message}; returning the path point of least regret ({eq.regret:.3g})"


# ----------------------------------------------------------------------------- public
def logit_path(
    game: Game,
    *,
    lambda_max: float | None = None,
    lambdas: Sequence[float] | None = None,
    stop_at_equilibrium: bool = True,
    first_step: float = 0.03,
    max_accel: float = 2.0,
    max_steps: int = 10_000,
    tol: float = 1e-10,
) -> LogitPath:
    """Trace the principal branch of the logit QRE correspondence from the centroid.

    Parameters
    ----------
    game
        Any game (dense or structured); only its oracle and second-order oracle are used.
    lambda_max
        Stop when lambda (in the game's payoff units) exceeds this. Default:
        ``1e7 / payoff_scale``.
    lambdas
        Precisions at which the path must contain an exact QRE (where the branch first
        reaches them); read them back with :meth:`LogitPath.profile_at`.
    stop_at_equilibrium
        If True (default), stop as soon as the path point polishes to a Nash equilibrium
        (regret at most ``tol`` times the payoff scale), after the requested ``lambdas``;
        if False, trace up to ``lambda_max``.
    first_step, max_accel
        Arc length of the first step, and the largest factor by which a step may grow.
    max_steps
        Largest number of path steps.
    tol
        Regret tolerance of the polished equilibrium, relative to the payoff scale.

    Returns
    -------
    LogitPath

    Examples
    --------
    >>> import deterrence as dt
    >>> mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    >>> path = dt.logit_path(mp, lambdas=[1.0])
    >>> [s.round(3).tolist() for s in path.profile_at(1.0)]
    [[0.5, 0.5], [0.5, 0.5]]
    >>> bool(path.equilibrium.regret < 1e-10)
    True
    """
    game = _check_game(game, "logit_path")
    lambda_max, first_step, max_accel, max_steps, tol = _check_options(
        lambda_max, first_step, max_accel, max_steps, tol
    )
    targets: list[float] = []
    if lambdas is not None:
        arr = np.atleast_1d(np.asarray(lambdas, dtype=float))
        if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise DeterrenceError(
                f"lambdas={lambdas!r} is not valid; expected a sequence of finite numbers >= 0"
            )
        targets = sorted(set(arr.tolist()))
    scale = game.payoff_scale()
    sys = game.payoff_jacobian(scale=scale)
    lam_max = DEFAULT_LAMBDA_MAX if lambda_max is None else lambda_max * scale
    tr = _trace(
        sys,
        lambda_max=lam_max,
        targets=[v * scale for v in targets],
        first_step=first_step,
        max_accel=max_accel,
        max_steps=max_steps,
        tol=tol,
        stop_at_equilibrium=bool(stop_at_equilibrium),
    )
    eq = None
    if tr.equilibrium is not None:
        eq, ok, msg = _finish(game, sys, tr, scale, tol)
        tr.converged, tr.message = ok, msg
    if tr.missed:
        tr.message += (
            f"; no exact QRE found at lambda={[v / scale for v in tr.missed]} "
            "(profile_at interpolates there)"
        )
    return _path_from_trace(game, sys, tr, scale, eq)


def solve_logit(
    game: Game,
    *,
    tol: float = 1e-10,
    lambda_max: float | None = None,
    first_step: float = 0.03,
    max_accel: float = 2.0,
    max_steps: int = 10_000,
) -> NashResult:
    """One Nash equilibrium by tracing the logit QRE path (``dt.solve(game, method="logit")``).

    Works on any N-player game through its deviation-payoff oracle and second-order oracle
    (see the module documentation for the method). The result holds one equilibrium with
    its regret; ``converged`` is True when that regret is at most ``tol`` times the payoff
    scale. ``details["path"]`` is the traced :class:`LogitPath`.

    Parameters
    ----------
    game
        Any game (dense or structured).
    tol
        Regret tolerance relative to the payoff scale (the payoff range of a dense game).
    lambda_max, first_step, max_accel, max_steps
        Path-following controls, as in :func:`logit_path`.

    Examples
    --------
    >>> import deterrence as dt
    >>> mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    >>> res = dt.solve(mp, method="logit")
    >>> [s.round(6).tolist() for s in res[0].strategies]
    [[0.5, 0.5], [0.5, 0.5]]
    >>> res.converged
    True
    """
    game = _check_game(game, "solve_logit")
    lambda_max, first_step, max_accel, max_steps, tol = _check_options(
        lambda_max, first_step, max_accel, max_steps, tol
    )
    scale = game.payoff_scale()
    sys = game.payoff_jacobian(scale=scale)
    lam_max = DEFAULT_LAMBDA_MAX if lambda_max is None else lambda_max * scale
    tr = _trace(
        sys,
        lambda_max=lam_max,
        first_step=first_step,
        max_accel=max_accel,
        max_steps=max_steps,
        tol=tol,
    )
    eq, ok, msg = _finish(game, sys, tr, scale, tol)
    tr.converged, tr.message = ok, msg
    path = _path_from_trace(game, sys, tr, scale, eq if ok else None)
    return NashResult(
        equilibria=(eq,),
        method="logit",
        complete=False,
        converged=ok,
        message=msg,
        parameters={
            "tol": tol,
            "lambda_max": lambda_max,
            "first_step": first_step,
            "max_accel": max_accel,
            "max_steps": max_steps,
        },
        nit=tr.nit,
        details={
            "path": path,
            "lambda": float(path.lambdas[-1]),
            "payoff_scale": scale,
            "polish_attempts": tr.polish_attempts,
        },
    )
