"""Lockstep engine for dynamics on pure profiles (best response and logit response).

Many starts run together, one numpy step at a time: every start's state is a row of an
``(S, n_players)`` int array, and one revision of player ``i`` for all of them is one gather
of ``i``'s payoff rows followed by a vectorised choice. Payoff rows come from a *row
provider*:

* :class:`DenseRows` reads a :class:`~deterrence.NormalFormGame`'s table directly: the row of
  player ``i`` at profile ``a`` is ``payoffs[i][a_1, .., :, .., a_N]``, fetched for a whole
  batch with one flat fancy-index;
* :class:`OracleRows` asks any :class:`~deterrence.games.base.Game` for player ``i``'s rows
  through its pure-row hook (:meth:`~deterrence.games.base.Game._pure_payoff_rows`: the
  deviation oracle at the one-hot profile by default, the exact pure-profile formulas of a
  structured game), one call per batch of uncached rows, cached per (player, others' actions).

Cycle detection for deterministic updates is Brent's algorithm run on every start at once
(a tortoise snapshot per start, compared with the current state after each step), on the
Markov state of the update: the profile for simultaneous revisions, the profile *and whose
turn it is* for sequential ones. It is exact: a reported cycle is a repeated state of a
deterministic map, hence repeats forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import UnsupportedGameError
from ..games.base import Game

__all__ = ["ORDERS", "TIE_BREAKING", "DenseRows", "OracleRows", "row_provider", "run_pure"]

TIE_BREAKING = ("stay", "smallest", "largest", "random")
ORDERS = ("sequential", "simultaneous", "random")

RUNNING, CONVERGED, CYCLE, MAX_ITER = 0, 1, 2, 3
OUTCOME_NAMES = {CONVERGED: "converged", CYCLE: "cycle", MAX_ITER: "max_iter"}


class DenseRows:
    """Payoff rows read straight from a dense table (fast path).

    With :meth:`build_tables` it also keeps, for each player ``i``, the deterministic best
    response at every profile (and for ``"stay"`` whether the current action is among the
    best): one reduction of the table along ``i``'s axis, stored compactly (1-2 bytes per
    profile and player). A revision is then one look-up per start instead of a row gather;
    :func:`basins` builds the tables once and shares them across chunks.
    """

    kind = "dense"
    #: Largest table size (bytes) that :meth:`build_tables` will allocate.
    max_table_bytes = 512 * 2**20

    def __init__(self, game: Game) -> None:
        shape = game.shape
        payoffs = game.dense_payoffs()
        if payoffs is None:
            raise UnsupportedGameError(
                f"DenseRows needs a game that holds its payoff table; this "
                f"{type(game).__name__} does not (use OracleRows)"
            )
        self.shape = shape
        self.n = len(shape)
        self.n_profiles = int(np.prod(shape))
        self.payoffs = payoffs
        self.flat = [payoffs[i].reshape(-1) for i in range(self.n)]
        self.strides = _c_strides(shape)
        self.offsets = [np.arange(k, dtype=np.int64) * self.strides[i] for i, k in enumerate(shape)]
        self.tables: dict[str, Any] | None = None

    def rows(
        self, i: int, profiles: NDArray[np.int64], codes: NDArray[np.int64] | None = None
    ) -> NDArray[np.float64]:
        """``out[s, b]``: player ``i``'s payoff at ``profiles[s]`` with its action set to b
        (``codes``: the profiles' flat indices, when the caller has them)."""
        if codes is None:
            codes = profiles @ self.strides
        base = codes - profiles[:, i] * self.strides[i]
        return self.flat[i][base[:, None] + self.offsets[i]]

    def build_tables(self, tie_breaking: str, tol: float) -> bool:
        """Precompute the deterministic best responses at every profile; returns whether
        they were built (not for random tie-breaking, nor above :attr:`max_table_bytes`)."""
        per_profile = self.n * (2 if tie_breaking == "stay" else 1)
        if tie_breaking == "random" or self.n_profiles * per_profile > self.max_table_bytes:
            return False
        pick, ok_cur = [], []
        for i, k in enumerate(self.shape):
            u = self.payoffs[i]
            ok = u >= u.max(axis=i, keepdims=True) - tol
            if tie_breaking == "largest":
                choice = k - 1 - np.flip(ok, axis=i).argmax(axis=i, keepdims=True)
            else:
                choice = ok.argmax(axis=i, keepdims=True)
            dtype = np.int8 if k <= 127 else (np.int16 if k <= 32767 else np.int32)
            pick.append(np.broadcast_to(choice.astype(dtype), self.shape).reshape(-1))
            ok_cur.append(ok.reshape(-1) if tie_breaking == "stay" else None)
        self.tables = {"tie_breaking": tie_breaking, "tol": tol, "pick": pick, "ok": ok_cur}
        return True

    def has_tables(self, tie_breaking: str, tol: float) -> bool:
        t = self.tables
        return t is not None and t["tie_breaking"] == tie_breaking and t["tol"] == tol

    def table_choice(
        self, i: int, profiles: NDArray[np.int64], codes: NDArray[np.int64]
    ) -> NDArray[np.int64]:
        """Deterministic best responses of player ``i`` from the precomputed tables."""
        t = self.tables
        assert t is not None
        choice = t["pick"][i][codes].astype(np.int64)
        if t["tie_breaking"] == "stay":
            choice = np.where(t["ok"][i][codes], profiles[:, i], choice)
        return choice


def _c_strides(shape: tuple[int, ...]) -> NDArray[np.int64]:
    strides = np.ones(len(shape), dtype=np.int64)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * shape[i + 1]
    return strides


class OracleRows:
    """Payoff rows from the game's pure-row hook (any game), cached per (player, profile).

    A row of player ``i`` comes from :meth:`~deterrence.games.base.Game._pure_payoff_rows`
    (generic: the deviation oracle at the one-hot profile; a structured game evaluates the
    ``shape[i]`` deviation profiles directly). Every row missing from the cache in a batch
    is fetched with one hook call. The cache key is ``i`` with the *other* players'
    actions (``i``'s own entry does not change its row), as one int (the flat profile code
    with ``i``'s digit zeroed) when codes fit in an int64, a tuple otherwise; cached rows
    are read-only.
    """

    kind = "oracle"

    def __init__(self, game: Game, *, cache_size: int = 100_000) -> None:
        self.game = game
        self.shape = game.shape
        self.n = len(self.shape)
        self.cache: dict[Any, NDArray[np.float64]] = {}
        self.cache_size = cache_size
        n_prof = game.n_profiles
        # flat profile codes (for fast state comparisons) when they fit in an int64
        self.n_profiles = n_prof if n_prof * (self.n + 1) < 2**62 else None
        self.strides = _c_strides(self.shape) if self.n_profiles else None

    def _keys(self, i: int, profiles: NDArray[np.int64], codes: NDArray | None) -> list[Any]:
        if self.strides is not None:
            if codes is None:
                codes = profiles @ self.strides
            base = codes - profiles[:, i] * self.strides[i]
            return [(i, c) for c in base.tolist()]
        out = []
        for p in profiles.tolist():
            p[i] = 0
            out.append((i, *p))
        return out

    def rows(
        self, i: int, profiles: NDArray[np.int64], codes: NDArray[np.int64] | None = None
    ) -> NDArray[np.float64]:
        """``out[s, b]``: player ``i``'s payoff at ``profiles[s]`` with its action set to b."""
        m = len(profiles)
        if m == 0:
            return np.empty((0, self.shape[i]))
        keys = self._keys(i, profiles, codes)
        cache = self.cache
        got = [cache.get(k) for k in keys]
        miss = [s for s, r in enumerate(got) if r is None]
        if miss:
            first: dict[Any, int] = {}
            for s in miss:
                first.setdefault(keys[s], s)
            sel = np.fromiter(first.values(), dtype=np.int64, count=len(first))
            fresh = np.asarray(self.game._pure_payoff_rows(i, profiles[sel]), dtype=float)
            fresh.setflags(write=False)
            if len(cache) + len(first) > self.cache_size:
                cache.clear()
            for r, k in enumerate(first):
                cache[k] = fresh[r]
            for s in miss:
                got[s] = cache[keys[s]]
        if m == 1:
            return got[0][None, :]
        return np.stack(got)


def row_provider(game: Game) -> DenseRows | OracleRows:
    """The dense fast path for a game that holds its table
    (:meth:`~deterrence.games.base.Game.dense_payoffs`), the oracle otherwise."""
    if game.dense_payoffs() is not None:
        return DenseRows(game)
    return OracleRows(game)


# ---------------------------------------------------------------------- choices
def best_ok(R: NDArray, tol: float) -> NDArray[np.bool_]:
    """Mask of the best responses in each row (within ``tol`` of the row's maximum)."""
    return R.max(axis=1, keepdims=True) - tol <= R


def br_choice(
    R: NDArray, current: NDArray, tie_breaking: str, tol: float, rng: np.random.Generator
) -> NDArray[np.int64]:
    """One best response per row of ``R``, ties broken by the named rule."""
    ok = best_ok(R, tol)
    if tie_breaking == "smallest":
        return ok.argmax(axis=1)
    if tie_breaking == "largest":
        return R.shape[1] - 1 - ok[:, ::-1].argmax(axis=1)
    if tie_breaking == "stay":
        keep = ok[np.arange(len(current)), current]
        return np.where(keep, current, ok.argmax(axis=1))
    # uniformly random among the best: the r-th True of the row, r uniform in [0, k)
    k = ok.sum(axis=1)
    r = np.minimum((rng.random(len(R)) * k).astype(np.int64), k - 1)
    return (ok.cumsum(axis=1) > r[:, None]).argmax(axis=1)


def logit_choice(R: NDArray, temperature: float, rng: np.random.Generator) -> NDArray[np.int64]:
    """Sample one action per row with probability proportional to ``exp(R / temperature)``."""
    z = np.exp((R - R.max(axis=1, keepdims=True)) / temperature)
    cdf = z.cumsum(axis=1)
    u = rng.random(len(R)) * cdf[:, -1]
    return np.minimum((cdf > u[:, None]).argmax(axis=1), R.shape[1] - 1)


def is_rest(
    provider: DenseRows | OracleRows, prof: NDArray, tie_breaking: str, tol: float
) -> NDArray[np.bool_]:
    """True where no player's update rule can change its action (an absorbing profile)."""
    out = np.ones(len(prof), dtype=bool)
    idx = np.arange(len(prof))
    for i in range(provider.n):
        R = provider.rows(i, prof)
        ok = best_ok(R, tol)
        cur = prof[:, i]
        if tie_breaking == "stay":
            r = ok[idx, cur]
        elif tie_breaking == "smallest":
            r = ok.argmax(axis=1) == cur
        elif tie_breaking == "largest":
            r = (R.shape[1] - 1 - ok[:, ::-1].argmax(axis=1)) == cur
        else:
            r = ok[idx, cur] & (ok.sum(axis=1) == 1)
        out &= r
    return out


# ---------------------------------------------------------------------- engine
@dataclass
class PureRun:
    """Raw output of :func:`run_pure` (internal).

    ``cycle_min[s]`` is the smallest ``(phase, *profile)`` state of start ``s``'s cycle
    (when ``collect_cycles``): a deterministic cycle is identified by any one of its states,
    so starts reaching the same cycle share it.
    """

    outcome: NDArray[np.int8]
    end: NDArray[np.int64]
    iterations: NDArray[np.int64]
    period: NDArray[np.int64]
    detected_at: NDArray[np.int64]
    cycle_min: NDArray[np.int64] | None = None
    trajectory: NDArray[np.int64] | None = None


def _lex_less(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Row-wise lexicographic ``a < b``."""
    diff = b != a
    first = diff.argmax(axis=1)
    r = np.arange(len(a))
    return diff.any(axis=1) & (a[r, first] < b[r, first])


def run_pure(
    provider: DenseRows | OracleRows,
    starts: NDArray[np.int64],
    *,
    rule: str,
    order: str,
    tie_breaking: str = "stay",
    inertia: float = 0.0,
    temperature: float = 1.0,
    tol: float = 1e-9,
    max_iter: int,
    rng: np.random.Generator,
    record: bool = False,
    collect_cycles: bool = False,
) -> PureRun:
    """Run best-response (``rule="br"``) or logit (``rule="logit"``) revisions from every
    row of ``starts`` in lockstep.

    One *iteration* is one revision opportunity: of player ``t mod N`` (sequential), of one
    uniformly drawn player per start (random), or of every player at once (simultaneous).
    Deterministic updates (sequential or simultaneous order, no inertia, deterministic
    tie-breaking) get exact cycle detection (Brent); stochastic ones stop only at an
    absorbing profile or at ``max_iter``. Finished starts leave the working arrays, so the
    cost of a step is proportional to the starts still running. States are compared by
    their flat profile code when it fits in an int64, row by row otherwise.
    """
    S, N = starts.shape
    br = rule == "br"
    sequential = order == "sequential"
    deterministic = br and order != "random" and inertia == 0 and tie_breaking != "random"
    use_tables = (
        br
        and tie_breaking != "random"
        and isinstance(provider, DenseRows)
        and provider.has_tables(tie_breaking, tol)
    )
    strides = provider.strides
    n_prof = provider.n_profiles

    outcome = np.zeros(S, dtype=np.int8)
    end = np.array(starts, dtype=np.int64)
    iterations = np.zeros(S, dtype=np.int64)
    period = np.zeros(S, dtype=np.int64)
    detected_at = np.zeros(S, dtype=np.int64)
    last_change = np.zeros(S, dtype=np.int64)
    cycle_min = np.zeros((S, N + 1), dtype=np.int64) if collect_cycles else None

    def choose(i: int, sub: NDArray[np.int64], codes: NDArray | None) -> NDArray[np.int64]:
        cur = sub[:, i]
        if use_tables:
            new = provider.table_choice(i, sub, codes)
        else:
            R = provider.rows(i, sub, codes)
            if br:
                new = br_choice(R, cur, tie_breaking, tol, rng)
            else:
                new = logit_choice(R, temperature, rng)
        if inertia:
            new = np.where(rng.random(len(cur)) < inertia, cur, new)
        return new

    def rest(sub: NDArray[np.int64]) -> NDArray[np.bool_]:
        if use_tables:
            codes = sub @ strides
            out = np.ones(len(sub), dtype=bool)
            for i in range(N):
                out &= provider.table_choice(i, sub, codes) == sub[:, i]
            return out
        return is_rest(provider, sub, tie_breaking, tol)

    def state_key(phase: int, P: NDArray, C: NDArray | None) -> NDArray:
        """Totally ordered state keys: an int (phase-major) or a (phase, *profile) row."""
        if C is not None:
            return phase * n_prof + C
        return np.column_stack([np.full(len(P), phase), P])

    if br:
        outcome[rest(end)] = CONVERGED
    # working set: the starts still moving, compacted
    ids = np.flatnonzero(outcome == RUNNING)
    P = end[ids].copy()
    C = P @ strides if strides is not None else None
    tortoise = C.copy() if C is not None else P.copy()
    power = np.ones(len(ids), dtype=np.int64)
    lam = np.zeros(len(ids), dtype=np.int64)
    stable = np.zeros(len(ids), dtype=np.int64)
    lc = np.zeros(len(ids), dtype=np.int64)  # iteration of each row's last change
    rec_left = np.zeros(len(ids), dtype=np.int64)  # > 0: cycle found, recording its states
    kmin = np.zeros(len(ids) if C is not None else (len(ids), N + 1), dtype=np.int64)
    traj = [end.copy()] if record else None
    t = 0
    while len(ids):
        if order == "simultaneous":
            new = np.column_stack([choose(i, P, C) for i in range(N)])
            changed = (new != P).any(axis=1)
            P = new
            if C is not None:
                C = P @ strides
        elif sequential:
            i = t % N
            col = choose(i, P, C)
            delta = col - P[:, i]
            changed = delta != 0
            P[:, i] = col
            if C is not None:
                C += delta * strides[i]
        else:
            movers = rng.integers(N, size=len(ids))
            changed = np.zeros(len(ids), dtype=bool)
            for i in range(N):
                sel = np.flatnonzero(movers == i)
                if len(sel):
                    col = choose(i, P[sel], None if C is None else C[sel])
                    delta = col - P[sel, i]
                    changed[sel] = delta != 0
                    P[sel, i] = col
                    if C is not None:
                        C[sel] += delta * strides[i]
        t += 1
        phase = t % N if sequential else 0
        if traj is not None:
            end[ids] = P
            traj.append(end.copy())
        recording = collect_cycles and bool(rec_left.any())
        running = rec_left == 0 if recording else np.ones(len(ids), dtype=bool)
        done = np.zeros(len(ids), dtype=bool)
        if recording:
            rec = ~running
            cand = state_key(phase, P[rec], None if C is None else C[rec])
            if C is not None:
                kmin[rec] = np.minimum(kmin[rec], cand)
            else:
                cur = kmin[rec]
                less = _lex_less(cand, cur)
                cur[less] = cand[less]
                kmin[rec] = cur
            rec_left[rec] -= 1
            done |= rec & (rec_left == 0)
        lc = np.where(running & changed, t, lc)
        if deterministic:
            if sequential:
                stable = np.where(changed, 0, stable + 1)
                conv = running & (stable >= N)
            else:
                conv = running & ~changed
            if conv.any():
                outcome[ids[conv]] = CONVERGED
                done |= conv
            live = running & ~conv
            lam += live
            hit = live & (tortoise == C if C is not None else (tortoise == P).all(axis=1))
            if sequential:
                hit &= lam % N == 0
            if hit.any():
                outcome[ids[hit]] = CYCLE
                period[ids[hit]] = lam[hit]
                detected_at[ids[hit]] = t
                if collect_cycles:
                    rec_left[hit] = lam[hit]
                    kmin[hit] = state_key(phase, P[hit], None if C is None else C[hit])
                else:
                    done |= hit
            move = live & ~hit & (power == lam)
            if move.any():
                tortoise[move] = C[move] if C is not None else P[move]
                power[move] *= 2
                lam[move] = 0
        elif br:
            chk = np.flatnonzero(running & changed)
            if len(chk):
                conv = chk[rest(P[chk])]
                outcome[ids[conv]] = CONVERGED
                done[conv] = True
        if t >= max_iter:
            late = running & ~done & (outcome[ids] == RUNNING)
            outcome[ids[late]] = MAX_ITER
            done |= late
        if done.any():
            g = ids[done]
            end[g] = P[done]
            last_change[g] = lc[done]
            iterations[g] = np.where(outcome[g] == CYCLE, detected_at[g], t)
            if cycle_min is not None:
                if C is not None:
                    k = kmin[done]
                    cycle_min[ids[done], 0] = k // n_prof
                    cycle_min[ids[done], 1:] = np.stack(
                        np.unravel_index(k % n_prof, provider.shape), axis=1
                    )
                else:
                    cycle_min[ids[done]] = kmin[done]
            keep = ~done
            ids, P, tortoise = ids[keep], P[keep], tortoise[keep]
            if C is not None:
                C = C[keep]
            power, lam, stable, lc = power[keep], lam[keep], stable[keep], lc[keep]
            rec_left, kmin = rec_left[keep], kmin[keep]
    conv = outcome == CONVERGED
    iterations[conv] = last_change[conv]
    trajectory = np.stack(traj) if traj is not None else None
    return PureRun(
        outcome=outcome,
        end=end,
        iterations=iterations,
        period=period,
        detected_at=detected_at,
        cycle_min=cycle_min,
        trajectory=trajectory,
    )


def trace_cycle(
    provider: DenseRows | OracleRows,
    state: NDArray[np.int64],
    period: int,
    *,
    order: str,
    tie_breaking: str,
    tol: float,
) -> list[tuple[int, ...]]:
    """The ``period`` profiles of a deterministic cycle, from its ``(phase, *profile)``
    state on (the profile at that state first)."""
    phase = int(state[0])
    prof = np.array(state[1:], dtype=np.int64)[None, :]
    n = len(prof[0])
    rng = np.random.default_rng(0)  # unused: deterministic rules only
    out = []
    for _ in range(period):
        out.append(tuple(int(a) for a in prof[0]))
        movers = range(n) if order == "simultaneous" else [phase]
        new = prof.copy()
        for i in movers:
            R = provider.rows(i, prof)
            new[:, i] = br_choice(R, prof[:, i], tie_breaking, tol, rng)
        prof = new
        phase = (phase + 1) % n
    return out


def pure_regrets(provider: DenseRows | OracleRows, profiles: NDArray[np.int64]) -> NDArray:
    """Regret of each pure profile (row): the largest gain of a unilateral deviation, read
    from the same payoff rows the dynamics use (the table, or the oracle)."""
    profiles = np.asarray(profiles, dtype=np.int64).reshape(-1, provider.n)
    r = np.arange(len(profiles))
    out = np.zeros(len(profiles))
    for i in range(provider.n):
        R = provider.rows(i, profiles)
        out = np.maximum(out, R.max(axis=1) - R[r, profiles[:, i]])
    return out
