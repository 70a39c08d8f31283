"""Basins of attraction: run a dynamic from many starts and group them by where they end.

Best-response and logit-response dynamics run all the starts of a chunk in lockstep (one
numpy step for thousands of starts; on a dense game the payoff rows are read straight from
the table). Fictitious play and the replicator run start by start.

Reproducibility. The starts are cut into chunks of ``chunk_size``; the one ``rng`` draws the
random starts and one entropy value, from which ``SeedSequence(entropy).spawn(n_chunks)``
gives every chunk its own stream. A chunk's result depends only on its starts and its seed,
so the same ``rng`` and ``chunk_size`` give the same numbers serially and with any executor
(threads, processes, a Dask client's ``get_executor()``). Deterministic dynamics do not
depend on ``chunk_size`` at all.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._executor import check_executor, map_tasks
from .._validation import check_choice, check_int, check_real, normalize_rng
from ..errors import DeterrenceError, GameTooLargeError, InvalidProfileError
from ..games.base import Game, as_pure_profile
from ._common import check_game, mixed_regret, split
from ._engine import (
    CONVERGED,
    CYCLE,
    MAX_ITER,
    DenseRows,
    OracleRows,
    pure_regrets,
    row_provider,
    run_pure,
    trace_cycle,
)
from .best_response import check_br_options
from .fictitious import check_fp_options, fictitious_play
from .logit_response import check_logit_options
from .replicator import check_replicator_options, replicator_dynamics
from .result import Attractor, BasinsResult

__all__ = ["METHODS", "basins", "basins_of_attraction"]

METHODS = ("best_response", "logit_response", "fictitious_play", "replicator")
PURE_METHODS = ("best_response", "logit_response")
MAX_ALL_STARTS = 10_000_000

_DEFAULTS: dict[str, dict[str, Any]] = {
    "best_response": {
        "order": "sequential",
        "tie_breaking": "stay",
        "inertia": 0.0,
        "tol": 1e-9,
        "max_iter": 10_000,
    },
    "logit_response": {"temperature": None, "order": "random", "max_iter": 1_000},
    "fictitious_play": {
        k: p.default for k, p in inspect.signature(check_fp_options).parameters.items()
    },
    "replicator": {
        ("ivp_method" if k == "method" else k): p.default
        for k, p in inspect.signature(check_replicator_options).parameters.items()
    },
}


def _check_options(method: str, options: dict[str, Any]) -> dict[str, Any]:
    """Fill in defaults, refuse unknown keys, validate values (before any work starts)."""
    allowed = _DEFAULTS[method]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise DeterrenceError(
            f"option {unknown[0]!r} is not valid for method={method!r}; expected some of "
            + ", ".join(repr(k) for k in allowed)
        )
    opts = {**allowed, **options}
    if method == "best_response":
        order, tie, inertia, tol, max_iter = check_br_options(**opts)
        return {
            "order": order,
            "tie_breaking": tie,
            "inertia": inertia,
            "tol": tol,
            "max_iter": max_iter,
        }
    if method == "logit_response":
        if opts["temperature"] is None:
            raise DeterrenceError(
                "temperature=None is not valid for method='logit_response'; expected a "
                "positive number (the logit noise level)"
            )
        temperature, order, max_iter = check_logit_options(**opts)
        return {"temperature": temperature, "order": order, "max_iter": max_iter}
    if method == "fictitious_play":
        keys = ("variant", "temperature", "max_iter", "initial_weight", "tie_breaking", "tol")
        return dict(zip(keys, check_fp_options(**opts), strict=True))
    rep = dict(opts)
    rep["method"] = rep.pop("ivp_method")
    keys = ("t_max", "n_points", "tol", "method", "rtol", "atol", "eq_tol")
    return dict(zip(keys, check_replicator_options(**rep), strict=True))


# ---------------------------------------------------------------------- starts
def _make_starts(
    game: Game, method: str, starts: Any, n_starts: int, gen: np.random.Generator
) -> NDArray:
    shape = game.shape
    pure = method in PURE_METHODS
    if starts is None:
        if pure:
            return np.stack([gen.integers(k, size=n_starts) for k in shape], axis=1).astype(
                np.int64
            )
        return np.concatenate([gen.dirichlet(np.ones(k), size=n_starts) for k in shape], axis=1)
    if isinstance(starts, str):
        if starts != "all" or not pure:
            raise DeterrenceError(
                f"starts={starts!r} is not valid; expected None, an array of starts, or "
                f"'all' (every pure profile, for {' / '.join(PURE_METHODS)})"
            )
        if game.n_profiles > MAX_ALL_STARTS:
            raise GameTooLargeError(
                f"starts='all' would run {game.n_profiles} starts; at most {MAX_ALL_STARTS} "
                "are allowed: pass n_starts random starts instead"
            )
        return np.indices(shape).reshape(len(shape), -1).T.astype(np.int64)
    if pure:
        try:
            arr = np.asarray(starts)
        except (TypeError, ValueError):
            arr = np.asarray([], dtype=object)
        if arr.ndim != 2 or arr.shape[1] != len(shape) or arr.dtype.kind not in "iu":
            raise InvalidProfileError(
                f"starts has shape {arr.shape} and dtype {arr.dtype}; expected integers of "
                f"shape (n_starts, {len(shape)}): one pure profile per row"
            )
        for k, row in enumerate(arr):
            if np.any(row < 0) or np.any(row >= np.array(shape)):
                as_pure_profile(game, [int(a) for a in row])  # raises, naming the entry
                raise InvalidProfileError(f"starts[{k}]={row.tolist()} is out of range")
        return arr.astype(np.int64)
    arr = np.asarray(starts, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != sum(shape):
        raise InvalidProfileError(
            f"starts has shape {arr.shape}; expected (n_starts, {sum(shape)}): one mixed "
            "profile per row, the players' strategies concatenated"
        )
    for k, row in enumerate(arr):
        for i, p in enumerate(split(row, shape)):
            if np.any(p < -1e-8) or abs(p.sum() - 1.0) > 1e-8:
                raise InvalidProfileError(
                    f"starts[{k}]: player {i}'s strategy {p.tolist()} is not a probability "
                    "vector (non-negative, summing to 1)"
                )
    return arr


# ---------------------------------------------------------------------- chunks
def _run_chunk(payload: tuple[Any, str, NDArray, dict[str, Any], Any, float]) -> list[tuple]:
    """Run one chunk of starts; returns ``(outcome, key, iterations, end, period)`` per start.

    ``payload[0]`` is the game, or for the pure dynamics its row provider (built once, with
    its best-response tables, and shared by the chunks). Module-level so that process pools
    can pickle it.
    """
    target, method, starts, opts, seed, cluster_tol = payload
    rng = np.random.default_rng(seed)
    out: list[tuple] = []
    if method in PURE_METHODS:
        provider = target
        if method == "best_response":
            run = run_pure(provider, starts, rule="br", rng=rng, collect_cycles=True, **opts)
        else:
            run = run_pure(provider, starts, rule="logit", rng=rng, **opts)
        return {
            "outcome": run.outcome,
            "end": run.end,
            "iterations": run.iterations,
            "period": run.period,
            "cycle_min": run.cycle_min,
        }
    game = target
    shape = game.shape
    for row in starts:
        start = split(row, shape)
        if method == "fictitious_play":
            res = fictitious_play(game, start, rng=rng, **opts)
        else:
            res = replicator_dynamics(game, start, **opts)
        end = np.concatenate(res.end)
        if res.outcome == "converged":
            key = ("rest", tuple(np.round(end / cluster_tol).astype(np.int64).tolist()))
        elif res.outcome == "cycle":
            cyc = list(res.cycle)
            k = min(range(len(cyc)), key=lambda j: cyc[j])
            key = ("cycle", tuple(cyc[k:] + cyc[:k]))
        else:
            key = ("unresolved",)
        out.append((res.outcome, key, res.iterations, end, res.period))
    return out


# ---------------------------------------------------------------------- public
#: Largest number of starts one call draws (documented limit; chunks of ``chunk_size``).
MAX_STARTS = 100_000_000


def basins(
    game: Game,
    starts: Any = None,
    *,
    method: str = "best_response",
    n_starts: int = 1_000,
    rng: Any = None,
    executor: Any = None,
    chunk_size: int = 4_096,
    progress: bool = False,
    cluster_tol: float = 1e-3,
    **options: Any,
) -> BasinsResult:
    """Run a dynamic from many starts and report which attractor each start reaches.

    Parameters
    ----------
    game
        Any game; dense :class:`~deterrence.NormalFormGame` games take the vectorised fast
        path for the pure dynamics.
    starts
        ``None`` (``n_starts`` random starts drawn with ``rng``: uniform pure profiles for
        the pure dynamics, uniform points of each simplex for the mixed ones), ``"all"``
        (every pure profile), or an array with one start per row (pure: ``(S, n_players)``
        ints; mixed: ``(S, sum(shape))``, the strategies concatenated).
    method
        ``"best_response"``, ``"logit_response"``, ``"fictitious_play"`` or
        ``"replicator"``.
    n_starts
        Number of random starts when ``starts`` is ``None``.
    rng
        Seed or Generator: the random starts and every chunk's stream derive from it.
    executor
        ``None`` (serial), any :class:`concurrent.futures.Executor` (a Dask client's
        ``get_executor()`` included), or a map-like callable ``executor(fn, iterable)``
        (:mod:`deterrence._executor`); results come back in chunk order.
    chunk_size
        Starts per task (and per lockstep batch).
    progress
        Show a ``tqdm`` progress bar over the chunks.
    cluster_tol
        Mixed dynamics: converged ends closer than this (per coordinate, on a grid) are the
        same attractor.
    **options
        Options of the dynamic (as in :func:`best_response_dynamics`,
        :func:`logit_response_dynamics`, :func:`fictitious_play`,
        :func:`replicator_dynamics`; the replicator's ``method`` is spelled
        ``ivp_method`` here).

    Returns
    -------
    BasinsResult
        Attractors (rest points, cycles, logit end profiles, or ``"unresolved"`` for runs
        that hit their limit), most frequent first, with counts, shares and regrets; the
        label, outcome and iterations of every start. For best-response cycles,
        ``iterations`` is the revision at which the cycle was detected (Brent's algorithm:
        at most about twice the first return time).

    Examples
    --------
    >>> import deterrence as dt
    >>> coord = dt.NormalFormGame([[[2, 0], [0, 1]], [[2, 0], [0, 1]]])
    >>> b = dt.basins(coord, "all")
    >>> [(a.label, a.share) for a in b.attractors]
    [('(0, 0)', 0.5), ('(1, 1)', 0.5)]
    >>> b.share_of((0, 0))
    0.5
    """
    game = check_game(game)
    check_choice("method", method, METHODS)
    opts = _check_options(method, options)
    n_starts = check_int("n_starts", n_starts, low=1, high=MAX_STARTS)
    chunk_size = check_int("chunk_size", chunk_size, low=1)
    cluster_tol = check_real("cluster_tol", cluster_tol, low=0.0, low_open=True)
    if not isinstance(progress, bool):
        raise DeterrenceError(f"progress={progress!r} is not valid; expected True or False")
    check_executor(executor)
    gen = normalize_rng(rng)
    start_arr = _make_starts(game, method, starts, n_starts, gen)
    entropy = int(gen.integers(2**63))
    S = len(start_arr)
    bounds = list(range(0, S, chunk_size))
    seeds = np.random.SeedSequence(entropy).spawn(len(bounds))
    target: Any = game
    if method in PURE_METHODS:
        target = row_provider(game)
        if method == "best_response" and isinstance(target, DenseRows):
            target.build_tables(opts["tie_breaking"], opts["tol"])
    payloads = [
        (target, method, start_arr[b : b + chunk_size], opts, seed, cluster_tol)
        for b, seed in zip(bounds, seeds, strict=True)
    ]
    chunks = map_tasks(
        _run_chunk,
        payloads,
        executor=executor,
        progress=progress,
        desc=f"basins ({method})",
        unit="chunk",
    )
    params = {**opts, "seed_entropy": entropy, "chunk_size": chunk_size, "cluster_tol": cluster_tol}
    if method in PURE_METHODS:
        return _aggregate_pure(game, target, method, start_arr, chunks, opts, params)
    rows = [r for chunk in chunks for r in chunk]
    return _aggregate_mixed(game, method, start_arr, rows, opts, params)


def _aggregate_pure(
    game: Game,
    provider: Any,
    method: str,
    starts: NDArray,
    chunks: list[dict[str, NDArray]],
    opts: dict[str, Any],
    params: dict[str, Any],
) -> BasinsResult:
    """Group pure-dynamics runs by attractor, vectorised (``np.unique`` on key rows)."""
    outcome = np.concatenate([c["outcome"] for c in chunks])
    end = np.concatenate([c["end"] for c in chunks])
    iterations = np.concatenate([c["iterations"] for c in chunks])
    period = np.concatenate([c["period"] for c in chunks])
    S, N = end.shape
    # key row: kind, period, then (phase, *profile)
    keys = np.zeros((S, N + 3), dtype=np.int64)
    if method == "logit_response":
        keys[:, 0] = 0
        keys[:, 3:] = end
    else:
        cmin = np.concatenate([c["cycle_min"] for c in chunks])
        keys[:, 0] = outcome  # CONVERGED=1, CYCLE=2, MAX_ITER=3
        rest = outcome == CONVERGED
        keys[rest, 3:] = end[rest]
        cyc = outcome == CYCLE
        keys[cyc, 1] = period[cyc]
        keys[cyc, 2:] = cmin[cyc]
    uniq, first, inverse, counts = np.unique(
        keys, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    rank = np.lexsort((first, -counts))
    relabel = np.empty(len(uniq), dtype=np.intp)
    relabel[rank] = np.arange(len(uniq))
    labels = relabel[np.asarray(inverse).reshape(-1)]
    tol = opts.get("tol", 1e-9)
    attractors = []
    for u in rank:
        row, count = uniq[u], int(counts[u])
        common = {"count": count, "share": count / S}
        kind = int(row[0])
        if method != "logit_response" and kind == MAX_ITER:
            attractors.append(
                Attractor(
                    kind="unresolved",
                    profiles=(),
                    is_equilibrium=False,
                    regret=float("nan"),
                    **common,
                )
            )
        elif method != "logit_response" and kind == CYCLE:
            profiles = tuple(
                trace_cycle(
                    provider,
                    row[2:],
                    int(row[1]),
                    order=opts["order"],
                    tie_breaking=opts["tie_breaking"],
                    tol=tol,
                )
            )
            reg = float(pure_regrets(provider, np.array(profiles)).max())
            attractors.append(
                Attractor(
                    kind="cycle",
                    profiles=profiles,
                    is_equilibrium=False,
                    regret=reg,
                    period=len(profiles),
                    **common,
                )
            )
        else:
            prof = tuple(int(a) for a in row[3:])
            reg = float(pure_regrets(provider, np.array([prof]))[0])
            attractors.append(
                Attractor(
                    kind="end" if method == "logit_response" else "rest point",
                    profiles=(prof,),
                    is_equilibrium=reg <= tol,
                    regret=reg,
                    **common,
                )
            )
    names = np.array(["running", "converged", "cycle", "max_iter"])
    return BasinsResult(
        method=method,
        starts=starts,
        labels=labels,
        attractors=tuple(attractors),
        outcomes=names[outcome],
        iterations=iterations,
        parameters=params,
    )


def _aggregate_mixed(
    game: Game,
    method: str,
    starts: NDArray,
    rows: list[tuple],
    opts: dict[str, Any],
    params: dict[str, Any],
) -> BasinsResult:
    """Group fictitious-play / replicator runs: converged ends on a ``cluster_tol`` grid,
    cycles by their canonical rotation, the rest as unresolved."""
    S = len(rows)
    groups: dict[tuple, list[int]] = {}
    for s, (_, key, _, _, _) in enumerate(rows):
        groups.setdefault(key, []).append(s)
    order = sorted(groups, key=lambda k: (-len(groups[k]), groups[k][0]))
    eq_tol = opts.get("eq_tol", opts.get("tol"))
    labels = np.empty(S, dtype=np.intp)
    attractors = []
    oracle = OracleRows(game)
    for idx, key in enumerate(order):
        members = groups[key]
        labels[members] = idx
        common = {"count": len(members), "share": len(members) / S}
        if key[0] == "unresolved":
            attractors.append(
                Attractor(
                    kind="unresolved",
                    profiles=(),
                    is_equilibrium=False,
                    regret=float("nan"),
                    **common,
                )
            )
        elif key[0] == "cycle":
            profiles = key[1]
            reg = float(pure_regrets(oracle, np.array(profiles)).max())
            attractors.append(
                Attractor(
                    kind="cycle",
                    profiles=profiles,
                    is_equilibrium=False,
                    regret=reg,
                    period=len(profiles),
                    **common,
                )
            )
        else:
            mean = np.mean([rows[s][3] for s in members], axis=0)
            prof = tuple(p / p.sum() for p in split(np.clip(mean, 0.0, None), game.shape))
            reg = mixed_regret(game, prof)
            attractors.append(
                Attractor(
                    kind="rest point",
                    profiles=(prof,),
                    is_equilibrium=reg <= eq_tol,
                    regret=reg,
                    **common,
                )
            )
    return BasinsResult(
        method=method,
        starts=starts,
        labels=labels,
        attractors=tuple(attractors),
        outcomes=np.array([r[0] for r in rows]),
        iterations=np.array([r[2] for r in rows], dtype=np.int64),
        parameters=params,
    )


#: Alias of :func:`basins`.
basins_of_attraction = basins
