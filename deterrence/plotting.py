"""Matplotlib helpers: each takes ``ax=None`` (a new figure) or an Axes, and returns the Axes.

matplotlib is an optional dependency (``pip install 'deterrence[plot]'``); it is imported
inside the functions only, so ``import deterrence`` never needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["plot_basins", "plot_phase", "plot_trajectory"]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting needs matplotlib: pip install matplotlib (or 'deterrence[plot]')"
        ) from None
    return plt


def _axes(ax: Any) -> Any:
    if ax is None:
        _, ax = _pyplot().subplots()
    return ax


def plot_trajectory(
    result: Any,
    ax: Any = None,
    *,
    levels: Sequence[Any] | np.ndarray | None = None,
    players: Sequence[int] | None = None,
    step: bool | None = None,
    **line_kwargs: Any,
) -> Any:
    """Each player's action over time, one line per player (an organization's violence).

    Parameters
    ----------
    result
        A :class:`~deterrence.dynamics.DynamicsResult`.
    ax
        Axes to draw on (a new figure when ``None``).
    levels
        Values of the actions (e.g. the violence grid), one array for all players or one per
        player; the action index is plotted without it. Mixed dynamics plot the expected
        value.
    players
        Which players to draw (all by default).
    step
        Draw steps (default for pure dynamics) or straight lines.
    **line_kwargs
        Passed to ``ax.plot`` / ``ax.step``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import deterrence as dt
    >>> mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    >>> ax = dt.best_response_dynamics(mp, (0, 0)).plot()
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['1', '2']
    """
    ax = _axes(ax)
    values = result.mean_actions(levels)
    t = np.asarray(result.times)
    players = range(values.shape[1]) if players is None else players
    step = result.is_pure if step is None else step
    for i in players:
        label = result.player_names[i]
        if step:
            ax.step(t, values[:, i], where="post", label=label, **line_kwargs)
        else:
            ax.plot(t, values[:, i], label=label, **line_kwargs)
    if result.cycle_start is not None:
        ax.axvline(result.cycle_start, color="0.6", linestyle=":", linewidth=1)
    ax.set_xlabel("time" if result.method == "replicator" else "iteration")
    ax.set_ylabel("level" if levels is not None else "action")
    ax.set_title(f"{result.method.replace('_', ' ')}: {result.outcome}")
    ax.legend(title="player", fontsize="small")
    return ax


def plot_basins(result: Any, ax: Any = None, *, top: int = 10, **bar_kwargs: Any) -> Any:
    """Horizontal bar chart of the shares of the most frequent attractors.

    Equilibria are drawn in one colour, cycles and other attractors in another.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import deterrence as dt
    >>> coord = dt.NormalFormGame([[[2, 0], [0, 1]], [[2, 0], [0, 1]]])
    >>> ax = dt.basins(coord, "all").plot()
    >>> len(ax.patches)
    2
    """
    ax = _axes(ax)
    atts = list(result.attractors[:top])
    labels = [
        (a.label if len(a.label) <= 40 else a.label[:37] + "...") for a in atts
    ]
    colors = ["tab:green" if a.is_equilibrium else "tab:red" for a in atts]
    y = np.arange(len(atts))[::-1]
    ax.barh(y, [a.share for a in atts], color=colors, **bar_kwargs)
    ax.set_yticks(y, labels)
    ax.set_xlabel("share of starts")
    ax.set_xlim(0, 1)
    ax.set_title(f"basins ({result.method.replace('_', ' ')}, {result.n_starts} starts)")
    return ax


def plot_phase(
    result: Any,
    ax: Any = None,
    *,
    x: tuple[int, int] = (0, 0),
    y: tuple[int, int] = (1, 0),
    **line_kwargs: Any,
) -> Any:
    """Phase portrait of a mixed trajectory: share of one (player, action) against another.

    ``x`` and ``y`` are ``(player, action)`` pairs; by default player 0's and player 1's
    first actions (the usual picture of a 2x2 game).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import deterrence as dt
    >>> mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    >>> res = dt.replicator_dynamics(mp, [[0.8, 0.2], [0.5, 0.5]], t_max=10)
    >>> from deterrence.plotting import plot_phase
    >>> ax = plot_phase(res)
    >>> ax.get_xlabel()
    'player 1: share of action 0'
    """
    ax = _axes(ax)
    strat = result.strategies
    xs = strat[x[0]][:, x[1]]
    ys = strat[y[0]][:, y[1]]
    ax.plot(xs, ys, **line_kwargs)
    ax.plot(xs[:1], ys[:1], "o", color="0.3")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    names = result.player_names
    ax.set_xlabel(f"player {names[x[0]]}: share of action {x[1]}")
    ax.set_ylabel(f"player {names[y[0]]}: share of action {y[1]}")
    return ax
