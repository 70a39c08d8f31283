"""Shared private parts of the tipping analyses: argument checks, the vectorised simulation
kernel, seeding, checkpoints and the modes of a distribution.

:func:`deterrence.simulate_tipping` (``analysis/tipping_sim.py``) is the public entry point of
the simulation. One *block* is a
contiguous group of capacity values simulated together, ``len(block) * runs`` independent
runs advanced in lock-step as numpy arrays (rows = runs, columns = priority tiers). Each block
draws from its own ``SeedSequence.spawn`` child of the root seed, so the numbers depend only
on the root seed and the block layout: serial, parallel and resumed sweeps agree exactly.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from .._validation import check_finite_array
from ..errors import DeterrenceError
from ..model.tipping import TippingModel


def check_model(model: Any) -> TippingModel:
    if not isinstance(model, TippingModel):
        raise DeterrenceError(
            f"model={type(model).__name__} is not valid; expected a dt.TippingModel"
        )
    return model


#: Documented limits of a tipping simulation: capacities per call, runs per capacity,
#: periods per run, and their product (run-periods simulated in one call).
MAX_CAPACITIES = 100_000
MAX_RUNS = 10_000_000
MAX_PERIODS = 1_000_000_000
MAX_RUN_PERIODS = 10**12


def capacities(capacity: Any, model: TippingModel) -> NDArray[np.float64]:
    """The capacities of a simulation as a 1-D float array (checked; at most
    :data:`MAX_CAPACITIES`, refused before the values are read)."""
    if capacity is None:
        return np.array([model.capacity])
    if isinstance(capacity, bool | np.bool_):
        raise DeterrenceError(f"capacity={capacity!r} is not valid; expected a number or numbers")
    if np.size(capacity) > MAX_CAPACITIES:
        raise DeterrenceError(
            f"capacity has {np.size(capacity)} values; expected at most {MAX_CAPACITIES} "
            "capacities per simulation (split the sweep)"
        )
    arr = np.atleast_1d(check_finite_array("capacity", capacity)).astype(float)
    if arr.ndim != 1 or arr.size == 0:
        raise DeterrenceError(
            f"capacity has shape {arr.shape}; expected a number or a non-empty 1-D sequence"
        )
    if np.any(arr < 0):
        bad = float(arr[arr < 0][0])
        raise DeterrenceError(f"capacity={bad!r} is out of range; expected capacity >= 0")
    return arr


def modes(pmf: NDArray[np.float64], *, prominence: float = 0.05) -> NDArray:
    """Peaks of a pmf over 0..n, boundaries included: smoothed by a Gaussian kernel of
    ``max(1, n / 100)`` counts (sampling noise would make spurious peaks), and a peak must
    stand out by ``prominence`` times the highest value."""
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks

    if not np.any(pmf > 0):
        return np.array([], dtype=np.int64)
    sigma = max(1.0, (pmf.size - 1) / 100)
    smooth = gaussian_filter1d(pmf.astype(float), sigma, mode="constant")
    padded = np.concatenate([[0.0], smooth, [0.0]])
    peaks, _ = find_peaks(padded, prominence=prominence * smooth.max())
    return (peaks - 1).astype(np.int64)


#: Names of the per-block result arrays (each of shape (block capacities, runs) unless noted).
BLOCK_FIELDS = (
    "counts",  # (m, n + 1): post-burn-in histogram of the total number of violations
    "run_mean_violations",
    "run_mean_apprehensions",
    "apprehensions_total",
    "tip_time",
    "crackdown_periods",
    "final_violations",
)

_FLUSH = 512  # periods buffered before histogram / tipping statistics are updated


def round_half_up(x: Any) -> NDArray[np.int64]:
    """Round to the nearest integer, halves upwards (used for every starting history)."""
    return np.floor(np.asarray(x, dtype=float) + 0.5).astype(np.int64)


def split_counts(total: NDArray[np.int64], sizes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Split each total over the tiers in proportion to their sizes (largest remainder).

    ``total`` has shape (B,), the result (B, K) with rows summing to ``total`` and entry k at
    most ``sizes[k]``.
    """
    n = int(sizes.sum())
    exact = total[:, None] * sizes[None, :] / n
    base = np.floor(exact).astype(np.int64)
    rest = total - base.sum(axis=1)
    order = np.argsort(-(exact - base), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(sizes.size)[None, :].repeat(len(total), 0), axis=1)
    return base + (rank < rest[:, None])


def catch_probability(v: NDArray, capacity: NDArray, gamma: float) -> NDArray:
    """Per-violator catch probability with priority tiers (columns of ``v``, highest first).

    ``capacity`` has shape (B,); tier k gets what the tiers above it left,
    ``L_k = max(R - sum_{j<k} v_j, 0)``, and each of its violators is caught with probability
    ``gamma * min(1, L_k / v_k)`` (``gamma`` when ``v_k = 0``). One tier is random enforcement.
    """
    if v.shape[1] == 1:
        left = capacity[:, None]
    else:
        left = np.maximum(capacity[:, None] - (np.cumsum(v, axis=1) - v), 0.0)
    return gamma * np.minimum(1.0, left / np.maximum(v, 1))


def leftover(v: NDArray, capacity: NDArray) -> NDArray:
    """Capacity left for each tier after the tiers above it (shape of ``v``)."""
    return np.maximum(capacity[:, None] - (np.cumsum(v, axis=1) - v), 0.0)


def start_history(
    model: Any, v0: NDArray[np.int64], capacity: NDArray
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Violations and apprehensions per tier in each remembered period before period 1.

    The history is the status quo: ``v0`` violations (split over the tiers in proportion to
    their sizes) under random, equal-opportunity enforcement at the base capacity, with the
    expected number of apprehensions ``gamma * min(v0, R)`` rounded and split likewise.
    """
    sizes = model.tier_sizes
    a0 = round_half_up(model.gamma * np.minimum(v0, capacity))
    hv = split_counts(v0, sizes)
    return hv, np.minimum(split_counts(a0, sizes), hv)


def simulate_block(task: tuple) -> tuple[int, dict[str, NDArray]]:
    """Simulate one block of capacities (module level so process pools can pickle it)."""
    (index, model, caps, runs, periods, burn_in, start_high, level, hold, record, seed) = task
    rng = np.random.default_rng(seed)
    caps = np.asarray(caps, dtype=float)
    m = len(caps)
    b = m * runs
    n = model.n
    sizes = model.tier_sizes
    k = sizes.size
    z = model.memory
    alpha, ab = model.alpha, model.alpha + model.beta
    mean, sd, fine, gamma = model.mean, model.sd, model.sanction, model.gamma
    base = np.repeat(caps, runs)
    high = np.tile(np.asarray(start_high, dtype=bool), m)

    v0 = np.where(high, n, int(round_half_up(n * model.p_low)))
    hv, ha = start_history(model, v0, base)
    hist_v = np.repeat(hv[None].astype(float), z, axis=0)  # ring buffers (z, B, K)
    hist_a = np.repeat(ha[None].astype(float), z, axis=0)
    sum_v = hist_v.sum(axis=0)
    sum_a = hist_a.sum(axis=0)
    last_total = v0.astype(np.int64)
    left_prev = leftover(hv, base)

    cd = model.crackdown
    cd_used = np.zeros(b, dtype=np.int64)
    cd_limit = np.iinfo(np.int64).max if cd is None or cd.max_periods is None else cd.max_periods
    warned = np.zeros((b, k), dtype=bool)
    need = sizes * model.p_low  # expected violations of a tier in the low state
    rows = np.arange(b)

    counts = np.zeros(m * (n + 1), dtype=np.int64)
    run_sum_v = np.zeros(b)
    run_sum_a = np.zeros(b)
    app_total = np.zeros(b, dtype=np.int64)
    tip = np.full(b, -1, dtype=np.int64)
    streak = np.zeros(b, dtype=np.int64)  # consecutive periods beyond the level so far
    offset = np.repeat(np.arange(m) * (n + 1), runs)
    traj = np.empty((b, periods), dtype=np.int16 if n < 32_000 else np.int32) if record else None
    work = np.empty((b, k))
    work2 = np.empty((b, k))
    vpos = np.empty((b, k), dtype=np.int64)
    zero_risk_possible = alpha <= 0 or fine <= 0  # else q > 0 and the threshold F q > 0
    buf_v = np.empty((_FLUSH, b), dtype=np.int64)
    buf_a = np.empty((_FLUSH, b), dtype=np.int64)

    def flush(t0: int, rows_used: int) -> None:
        tv = buf_v[:rows_used]
        ta = buf_a[:rows_used]
        app_total[:] += ta.sum(axis=0)
        # tipping: the first period ending `hold` consecutive periods beyond the level,
        # away from the starting state (run lengths carried over from the last flush)
        crossed = np.where(high[None, :], tv < level, tv > level)
        idx = np.arange(rows_used)[:, None]
        last_false = np.maximum.accumulate(np.where(crossed, -1, idx), axis=0)
        length = np.where(last_false >= 0, idx - last_false, idx + 1 + streak[None, :])
        done = length >= hold
        hit = done.any(axis=0) & (tip < 0)
        if hit.any():
            tip[hit] = t0 + done[:, hit].argmax(axis=0) + 1
        streak[:] = length[-1]
        keep = max(0, burn_in - t0)
        if keep < rows_used:
            post_v = tv[keep:]
            run_sum_v[:] += post_v.sum(axis=0)
            run_sum_a[:] += ta[keep:].sum(axis=0)
            counts[:] += np.bincount((post_v + offset[None, :]).ravel(), minlength=counts.size)
        if traj is not None:
            traj[:, t0 : t0 + rows_used] = tv.T

    t0 = 0
    for t in range(periods):
        capacity = base
        if cd is not None:
            active = (last_total > cd.trigger) & (cd_used < cd_limit)
            cd_used += active
            capacity = base + cd.extra * active
        if model.warnings:
            first = np.argmin(warned, axis=1)  # first tier not yet warned
            can = ~warned[rows, first] & (left_prev[rows, first] >= need[first])
            if can.any():
                r, c = rows[can], first[can]
                warned[r, c] = True
                # a credible warning: the tier believes it is caught at the full rate
                hist_v[:, r, c] = need[c]
                hist_a[:, r, c] = gamma * need[c]
                sum_v[r, c] = z * need[c]
                sum_a[r, c] = z * gamma * need[c]
        # p = P(g >= F q), q = (alpha + A) / (alpha + beta + V), computed in place
        np.add(sum_a, alpha, out=work)
        np.add(sum_v, ab, out=work2)
        np.divide(work, work2, out=work)
        if zero_risk_possible:
            at_zero = work <= 0
        np.multiply(work, -fine / sd, out=work)
        work += mean / sd
        p = ndtr(work, out=work)
        if zero_risk_possible:
            p[at_zero] = 1.0
        v = rng.binomial(sizes, p)
        if k == 1:
            np.maximum(v, 1, out=vpos)
            np.divide(capacity[:, None], vpos, out=work2)
        else:
            np.maximum(v, 1, out=vpos)
            np.subtract(capacity[:, None], np.cumsum(v, axis=1) - v, out=work2)
            np.maximum(work2, 0.0, out=work2)
            np.divide(work2, vpos, out=work2)
        np.minimum(work2, 1.0, out=work2)
        work2 *= gamma
        a = rng.binomial(v, work2)
        slot = t % z
        sum_v += v - hist_v[slot]
        sum_a += a - hist_a[slot]
        hist_v[slot] = v
        hist_a[slot] = a
        if model.warnings:
            left_prev = leftover(v, capacity)
        total = v.sum(axis=1) if k > 1 else v[:, 0]
        row = t - t0
        buf_v[row] = total
        buf_a[row] = a.sum(axis=1) if k > 1 else a[:, 0]
        last_total = total
        if row + 1 == _FLUSH:
            flush(t0, _FLUSH)
            t0 = t + 1
    if periods > t0:
        flush(t0, periods - t0)

    post = periods - burn_in
    out = {
        "counts": counts.reshape(m, n + 1),
        "run_mean_violations": (run_sum_v / post).reshape(m, runs),
        "run_mean_apprehensions": (run_sum_a / post).reshape(m, runs),
        "apprehensions_total": app_total.reshape(m, runs),
        "tip_time": tip.reshape(m, runs),
        "crackdown_periods": cd_used.reshape(m, runs),
        "final_violations": last_total.reshape(m, runs),
    }
    if traj is not None:
        out["trajectories"] = traj.reshape(m, runs, periods)
    return index, out


# ---------------------------------------------------------------------------- seeds
def root_seed(rng: Any) -> np.random.SeedSequence:
    """A fresh root ``SeedSequence`` from the ``rng`` keyword (None, int, SeedSequence or
    Generator); children are always spawned from a fresh copy, so they do not depend on how
    often the caller's object was used before."""
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, np.random.SeedSequence):
        return np.random.SeedSequence(rng.entropy, spawn_key=rng.spawn_key)
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(rng.integers(0, 2**63, size=4).tolist())
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer) or rng < 0:
        raise DeterrenceError(
            f"rng={rng!r} is not valid; expected None, a non-negative int seed, a "
            "numpy SeedSequence or a numpy Generator"
        )
    return np.random.SeedSequence(int(rng))


def seed_to_json(seed: np.random.SeedSequence) -> dict[str, Any]:
    entropy = seed.entropy
    entropy = int(entropy) if isinstance(entropy, int | np.integer) else [int(e) for e in entropy]
    return {"entropy": entropy, "spawn_key": [int(s) for s in seed.spawn_key]}


def seed_from_json(d: dict[str, Any]) -> np.random.SeedSequence:
    return np.random.SeedSequence(d["entropy"], spawn_key=tuple(d["spawn_key"]))


# ------------------------------------------------------------------------ checkpoint
def read_checkpoint(path: Path) -> tuple[dict[str, Any], dict[int, dict[str, NDArray]]]:
    """Metadata and completed blocks of a checkpoint file (empty when it does not exist)."""
    if not path.exists():
        return {}, {}
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            blocks: dict[int, dict[str, NDArray]] = {}
            for key in data.files:
                if key == "meta":
                    continue
                idx, name = key[1:].split("_", 1)
                blocks.setdefault(int(idx), {})[name] = data[key]
    except Exception as exc:  # a truncated or foreign file
        raise DeterrenceError(
            f"checkpoint={str(path)!r} cannot be read as a tipping checkpoint ({exc}); "
            "delete it or pass another path"
        ) from None
    return meta, blocks


def write_checkpoint(
    path: Path, meta: dict[str, Any], blocks: dict[int, dict[str, NDArray]]
) -> None:
    """Write every completed block atomically (temporary file in the same folder, then
    ``os.replace``), so an interruption never leaves a half-written checkpoint."""
    arrays = {"meta": np.array(json.dumps(meta))}
    for idx, res in blocks.items():
        for name, arr in res.items():
            arrays[f"b{idx}_{name}"] = arr
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
