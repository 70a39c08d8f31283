"""Matplotlib helpers: each takes ``ax=None`` (a new figure) or an Axes, and returns the Axes.

matplotlib is an optional dependency (``pip install 'deterrence[plot]'``); it is imported
inside the functions only, so ``import deterrence`` never needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "plot_basins",
    "plot_comparative_statics",
    "plot_phase",
    "plot_sweep",
    "plot_tornado",
    "plot_trajectory",
]

#: Order and colours of the race verdicts in sweep pictures.
VERDICTS = ("escalation", "none", "partial", "full")


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
    labels = [(a.label if len(a.label) <= 40 else a.label[:37] + "...") for a in atts]
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


def plot_sweep(
    df: Any,
    x: str,
    y: str,
    value: str = "verdict",
    ax: Any = None,
    *,
    curves: Any = None,
    cmap: str | None = None,
    colorbar: bool = True,
) -> Any:
    """Heatmap of a two-axis grid sweep: ``value`` (a verdict or a number) over ``x``, ``y``.

    Parameters
    ----------
    df
        A :func:`deterrence.sweep` table over (at least) the axes ``x`` and ``y``; scenarios
        sharing an (x, y) cell are averaged (numbers) or must agree (verdicts: the most
        frequent one is drawn).
    value
        ``"verdict"`` (categorical colours: escalation, none, partial, full) or a numeric
        outcome column (``"policy_violence"``, ``"violence_reduction"``, ...).
    curves
        Analytic threshold curves drawn on top: a mapping label -> ``(xs, ys)``, or a
        callable ``f(xs) -> ys`` (labelled "threshold").

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> import deterrence as dt
    >>> from deterrence.plotting import plot_sweep
    >>> model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 6), benefit=1.0,
    ...                           penalty=1.0, rule=dt.NoisyMostViolent(noise=0.2))
    >>> df = dt.sweep(model, {"penalty": [0.5, 1.5, 3.0], "rule.noise": [0.01, 0.5]},
    ...               progress=False)
    >>> ax = plot_sweep(df, "penalty", "rule.noise")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('penalty', 'rule.noise')
    """
    plt = _pyplot()
    ax = _axes(ax)
    xs = np.unique(df[x].to_numpy(dtype=float))
    ys = np.unique(df[y].to_numpy(dtype=float))
    xi = np.searchsorted(xs, df[x].to_numpy(dtype=float))
    yi = np.searchsorted(ys, df[y].to_numpy(dtype=float))
    categorical = value == "verdict" or df[value].dtype == object or str(df[value].dtype) == "str"
    grid = np.full((len(ys), len(xs)), np.nan)
    if categorical:
        cats = [c for c in VERDICTS if c in set(df[value].dropna())] + sorted(
            set(df[value].dropna()) - set(VERDICTS)
        )
        code = {c: k for k, c in enumerate(cats)}
        votes = np.zeros((len(ys), len(xs), max(1, len(cats))))
        for a, b, v in zip(yi, xi, df[value], strict=True):
            if v in code:
                votes[a, b, code[v]] += 1
        has = votes.sum(axis=2) > 0
        grid[has] = votes.argmax(axis=2)[has]
        from matplotlib.colors import BoundaryNorm, ListedColormap

        palette = {
            "escalation": "#7f0000",
            "none": "#d73027",
            "partial": "#fdae61",
            "full": "#1a9850",
        }
        colors = [palette.get(c, f"C{k}") for k, c in enumerate(cats)]
        cm = ListedColormap(colors or ["0.8"])
        norm = BoundaryNorm(np.arange(len(colors) + 1) - 0.5, cm.N)
        mesh = ax.pcolormesh(_edges(xs), _edges(ys), grid, cmap=cm, norm=norm)
        if colorbar and cats:
            cb = plt.colorbar(mesh, ax=ax, ticks=range(len(cats)))
            cb.ax.set_yticklabels(cats)
    else:
        vals = df[value].to_numpy(dtype=float)
        total = np.zeros_like(grid)
        count = np.zeros_like(grid)
        ok = np.isfinite(vals)
        np.add.at(total, (yi[ok], xi[ok]), vals[ok])
        np.add.at(count, (yi[ok], xi[ok]), 1)
        with np.errstate(invalid="ignore"):
            grid = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        mesh = ax.pcolormesh(_edges(xs), _edges(ys), grid, cmap=cmap or "viridis")
        if colorbar:
            plt.colorbar(mesh, ax=ax, label=value)
    if curves is not None:
        items = {"threshold": curves} if callable(curves) else dict(curves)
        for label, c in items.items():
            if callable(c):
                cx = np.linspace(xs.min(), xs.max(), 200)
                cy = np.asarray(c(cx), dtype=float)
            else:
                cx, cy = (np.asarray(t, dtype=float) for t in c)
            ax.plot(cx, cy, color="k", lw=1.5, label=label)
        ax.set_ylim(_edges(ys)[0], _edges(ys)[-1])
        ax.legend(loc="best", fontsize="small")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    return ax


def _edges(v: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres (a single centre gets a unit-wide cell)."""
    if len(v) == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])


def plot_comparative_statics(
    df: Any,
    x: str,
    value: str = "policy_violence",
    ax: Any = None,
    *,
    by: str | None = None,
    **line_kwargs: Any,
) -> Any:
    """Lines of a numeric outcome against one axis of a sweep, one line per value of ``by``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> import deterrence as dt
    >>> from deterrence.plotting import plot_comparative_statics
    >>> model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 6), benefit=1.0,
    ...                           penalty=1.0, rule=dt.MostViolent())
    >>> df = dt.sweep(model, {"penalty": [0.2, 0.6, 1.0, 2.0]}, progress=False)
    >>> len(plot_comparative_statics(df, "penalty").lines)
    1
    """
    ax = _axes(ax)
    groups = [(None, df)] if by is None else list(df.groupby(by, sort=True))
    for key, part in groups:
        part = part.groupby(x, sort=True)[value].mean()
        label = None if by is None else f"{by} = {key:g}" if isinstance(key, float) else str(key)
        ax.plot(
            part.index.to_numpy(dtype=float),
            part.to_numpy(dtype=float),
            marker="o",
            label=label,
            **line_kwargs,
        )
    if by is not None:
        ax.legend(fontsize="small")
    ax.set_xlabel(x)
    ax.set_ylabel(value)
    return ax


def plot_tornado(indices: Any, ax: Any = None, *, column: str = "ST", **bar_kwargs: Any) -> Any:
    """Tornado chart of sensitivity indices (e.g. :func:`deterrence.sensitivity.sobol_indices`):
    one horizontal bar per input, largest on top, with its confidence interval when the
    table has a ``<column>_conf`` column.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from deterrence.plotting import plot_tornado
    >>> si = pd.DataFrame({"ST": [0.7, 0.2], "ST_conf": [0.1, 0.05]},
    ...                   index=["penalty", "rule.noise"])
    >>> [t.get_text() for t in plot_tornado(si).get_yticklabels()]
    ['rule.noise', 'penalty']
    """
    ax = _axes(ax)
    order = indices[column].sort_values()
    conf = indices.get(f"{column}_conf")
    err = None if conf is None else conf.loc[order.index].to_numpy(dtype=float)
    ax.barh(range(len(order)), order.to_numpy(dtype=float), xerr=err, color="C0", **bar_kwargs)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([str(i) for i in order.index])
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel(f"Sobol' index {column}")
    return ax
