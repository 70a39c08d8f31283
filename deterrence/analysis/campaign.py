"""The campaign path: solve the campaign once, then simulate it round by round.

* :func:`solve_campaign` — a stationary (Markov-perfect) equilibrium of a
  :class:`~deterrence.Campaign` by backward induction over the survivor lattice (reverse
  topological order of the state graph, networkx), with a structured search per state:
  best-response moves over *pure* profiles, each evaluated by one call of the structured
  oracle (stage payoffs, and the designation distribution at the pure profile by one exact
  pure evaluation per deviation), with the state's own value updated at every move (the
  self-loop: a designated group that survives the round stays in the state). A state where
  no pure equilibrium is found falls back to the generic logit homotopy of
  :func:`~deterrence.solve_stochastic` on that state. The result is the same
  :class:`~deterrence.StochasticResult` as the generic solver's, certified the same way
  (one-shot regret and Bellman residual recomputed from the game).
* :func:`run_campaign` — Monte Carlo over rounds under the stationary equilibrium
  (``policy="equilibrium"``: each survivor draws its level from its equilibrium strategy in
  the current state) or under best-response dynamics (``policy="dynamics"``: each
  survivor best-responds to last round's levels, valuing the future with the equilibrium
  values; the organizations start at their top level, the violence before the
  announcement). Each run is seeded by its own ``SeedSequence.spawn`` child, so serial
  and parallel runs give identical numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_choice, check_int, check_real
from ..errors import DeterrenceError
from ..model.campaign import Campaign
from ..solvers.stochastic import StochasticResult

__all__ = ["CampaignResult", "run_campaign", "solve_campaign"]

POLICIES = ("equilibrium", "dynamics")


# ----------------------------------------------------------------------------- solver
def _state_values_pure(
    camp: Campaign, s: int, r: list[NDArray], T: list[NDArray], a: Sequence[int], V: NDArray
) -> NDArray:
    d = camp.discount
    out = np.empty(camp.n_players)
    for i in range(camp.n_players):
        row = T[i][a[i]]
        rest = float(row @ V[:, i]) - row[s] * V[s, i]
        out[i] = (float(r[i][a[i]]) + d[i] * rest) / (1.0 - d[i] * row[s])
    return out


def _pure_search(
    camp: Campaign,
    s: int,
    V: NDArray,
    starts: Sequence[Sequence[int]],
    slack: float,
    max_moves: int,
) -> tuple[tuple[int, ...], NDArray, int] | None:
    """Best-response moves over pure profiles of state ``s`` (the state's own value is
    that of the current profile); the first profile from which nobody gains more than
    ``slack`` by a one-shot deviation, with its values and the number of oracle calls."""
    stage = camp.stage(s)
    shape = stage.shape
    eye = [np.eye(k) for k in shape]
    d = camp.discount
    calls = 0
    for a0 in starts:
        a = [min(int(x), k - 1) for x, k in zip(a0, shape, strict=True)]
        seen: set[tuple[int, ...]] = set()
        for _ in range(max_moves):
            prof = tuple(eye[i][a[i]] for i in range(len(shape)))
            r = stage._deviation_payoffs(prof)
            T = camp.deviation_transitions(s, prof)
            calls += 1
            W = _state_values_pure(camp, s, r, T, a, V)
            Vt = V.copy()
            Vt[s] = W
            best_gain, who, to = 0.0, -1, -1
            for i in range(len(shape)):
                if shape[i] == 1:
                    continue
                Q = np.asarray(r[i], dtype=float) + d[i] * (T[i] @ Vt[:, i])
                b = int(np.argmax(Q))
                gain = float(Q[b] - Q[a[i]])
                if gain > best_gain:
                    best_gain, who, to = gain, i, b
            if best_gain <= slack:
                return tuple(a), W, calls
            seen.add(tuple(a))
            a[who] = to
            if tuple(a) in seen:
                break
    return None


def solve_campaign(
    campaign: Campaign,
    *,
    tol: float = 1e-10,
    max_moves: int = 200,
    max_iter: int = 10_000,
) -> StochasticResult:
    """A stationary equilibrium of a campaign: backward induction with a structured
    pure-profile search per state (see the module docstring).

    Parameters
    ----------
    campaign
        A :class:`~deterrence.Campaign` (its state graph is acyclic up to self-loops).
    tol
        Regret tolerance relative to the payoff range (as in
        :func:`~deterrence.solve_stochastic`).
    max_moves
        Largest number of best-response moves per start of a state's pure search.
    max_iter
        Path steps of the homotopy fallback.

    Returns
    -------
    StochasticResult
        ``method="campaign:backward"``; ``details["stage_methods"]`` says, per state,
        ``"pure"`` or ``"homotopy"``.

    Examples
    --------
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=3, levels=[0.0, 0.5, 1.0], benefit=1.0,
    ...                           market=dt.Market(revenue=6.0, shares=[1/3, 1/3, 1/3]))
    >>> res = dt.solve_campaign(dt.Campaign(model, destroy=0.5, discount=0.8))
    >>> res.converged, [int(q.argmax()) for q in res.strategies[0]]
    (True, [0, 0, 0])
    """
    import networkx as nx

    from ..solvers.stochastic import _certified, _homotopy, _state_values

    if not isinstance(campaign, Campaign):
        raise DeterrenceError(
            f"campaign={type(campaign).__name__} is not valid; expected a dt.Campaign"
        )
    tol = check_real("tol", tol, low=0.0, low_open=True)
    max_moves = check_int("max_moves", max_moves, low=1)
    max_iter = check_int("max_iter", max_iter, low=1)
    g = campaign.graph()
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    order = list(reversed(list(nx.topological_sort(g))))
    S, N = campaign.n_states, campaign.n_players
    scale = campaign.payoff_range()
    slack = 1e-3 * tol * scale
    opts = {
        "tol": tol,
        "max_iter": max_iter,
        "lambda_max": None,
        "first_step": 0.03,
        "max_accel": 2.0,
    }
    V = np.zeros((S, N))
    strategies: list[tuple[NDArray, ...] | None] = [None] * S
    pure_sol: dict[int, tuple[int, ...]] = {}
    how = [""] * S
    notes: list[str] = []
    nit = 0
    for s in order:
        shape = campaign.shape(s)
        starts: list[Sequence[int]] = []
        for t in campaign.successors(s):  # warm start from solved successors
            if t != s and t in pure_sol:
                prev = pure_sol[t]
                starts.append([prev[i] if shape[i] > 1 else 0 for i in range(N)])
                break
        starts += [[0] * N, [k - 1 for k in shape]]
        found = _pure_search(campaign, s, V, starts, slack, max_moves)
        if found is not None:
            a, W, calls = found
            nit += calls
            pure_sol[s] = a
            strategies[s] = tuple(np.eye(k)[a[i]] for i, k in enumerate(shape))
            V[s] = W
            how[s] = "pure"
            continue
        profs, _, ok, msg, steps, _ = _homotopy(campaign, [s], V, scale, opts)
        nit += steps
        strategies[s] = tuple(np.asarray(q, dtype=float) for q in profs[0])
        V[s] = _state_values(campaign, s, strategies[s], V)
        how[s] = "homotopy"
        if not ok:
            notes.append(f"state {s}: {msg}")
    strat, V, reg, res, converged = _certified(campaign, strategies, V, tol, scale)
    limit = tol * scale
    if converged:
        message = f"stationary equilibrium: regret {reg:.3g} <= tol * payoff range"
    else:
        message = (
            "; ".join(notes) if notes else "pure search and homotopy ended"
        ) + f"; regret {reg:.3g} or residual {res:.3g} exceeds {limit:.3g}"
    return StochasticResult(
        strategies=strat,
        values=V,
        regret=reg,
        residual=res,
        converged=converged,
        message=message,
        method="campaign:backward",
        nit=int(nit),
        payoff_range=scale,
        parameters={"tol": tol, "max_moves": max_moves, "max_iter": max_iter},
        details={"order": tuple(order), "stage_methods": tuple(how)},
    )


# ----------------------------------------------------------------------------- simulation
@dataclass(frozen=True, kw_only=True, eq=False)
class CampaignResult:
    """Simulated campaign paths (see :func:`run_campaign`).

    Attributes
    ----------
    runs, rounds, policy
        What was simulated.
    solution
        The stationary equilibrium the paths were played under
        (:class:`~deterrence.StochasticResult`).
    organizations
        Player names (organizations, then their splinters with entry).
    seed
        Entropy of the root ``SeedSequence`` (re-run with ``rng=seed`` to reproduce).
    """

    runs: int
    rounds: int
    policy: str
    solution: StochasticResult
    organizations: tuple[str, ...]
    seed: Any
    _frame: Any = field(repr=False)

    def to_dataframe(self) -> Any:
        """One row per run, round and organization: ``state``, ``status`` (active,
        designated, under pressure, gone, absent), ``violence`` (the level played),
        ``vacuum`` (its violence in successor contests that round), ``designated``,
        ``destroyed``, ``share`` (market share), ``volume`` (supply volume, with a supply
        network), ``franchise_lost`` (the value destroyed, or the fine paid with
        ``penalty="fixed"``) and ``value`` (its equilibrium value in the state)."""
        return self._frame.copy()

    def summary(self) -> Any:
        """Per round, averaged over runs: total violence (levels + vacuum), vacuum
        upsurge, designations, destructions, survivors and punishment delivered."""
        df = self._frame
        per = df.groupby(["run", "round"]).agg(
            violence=("violence", "sum"),
            vacuum=("vacuum", "sum"),
            designations=("designated", "sum"),
            destructions=("destroyed", "sum"),
            survivors=("active", "sum"),
            punishment=("franchise_lost", "sum"),
        )
        per["total_violence"] = per["violence"] + per["vacuum"]
        return per.groupby("round").mean()

    def plot(self, ax: Any = None) -> Any:
        """Mean total violence per round (with the vacuum upsurge) and the number of
        survivors; returns the Axes."""
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - optional stack
            raise DeterrenceError("plotting needs matplotlib: pip install matplotlib") from exc
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        s = self.summary()
        ax.plot(s.index, s["total_violence"], marker="o", label="total violence (with vacuum)")
        ax.plot(s.index, s["violence"], ls="--", label="organizations' own violence")
        ax.set_xlabel("round")
        ax.set_ylabel("violence (mean over runs)")
        ax2 = ax.twinx()
        ax2.step(s.index, s["survivors"], where="mid", color="gray", alpha=0.6)
        ax2.set_ylabel("survivors", color="gray")
        ax.legend(loc="upper right", fontsize="small")
        ax.set_title(f"campaign: {self.runs} runs, policy {self.policy}")
        return ax

    def __repr__(self) -> str:
        s = self.summary()
        last = s.iloc[-1]
        return (
            f"CampaignResult({self.runs} runs x {self.rounds} rounds, policy={self.policy!r}: "
            f"violence {s['total_violence'].iloc[0]:.3g} -> {last['total_violence']:.3g}, "
            f"{last['survivors']:.3g} survivors at the end)"
        )

    def _repr_html_(self) -> str:
        return (
            f"<p><b>CampaignResult</b> {self.runs} runs x {self.rounds} rounds, policy "
            f"{self.policy}</p>" + self.summary().to_html(float_format=lambda x: f"{x:.4g}")
        )


def _seed_sequence(rng: Any) -> np.random.SeedSequence:
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    if rng is None or (
        isinstance(rng, int | np.integer) and not isinstance(rng, bool) and int(rng) >= 0
    ):
        return np.random.SeedSequence(None if rng is None else int(rng))
    raise DeterrenceError(
        f"rng={rng!r} is not valid; expected None, a non-negative int seed, a SeedSequence "
        "or a numpy Generator"
    )


def _simulate(task: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    camp, strategies, values, rounds, seed, policy, run = task
    rng = np.random.default_rng(seed)
    names = camp.player_names
    N = camp.n_players
    supply = camp.supply
    s = camp.initial_state
    last: list[int] = [camp.model.shape[camp._lineage(i)] - 1 for i in range(N)]
    rows: list[tuple[Any, ...]] = []
    ever = set(camp.state_info(s)["active"])
    for t in range(rounds):
        info = camp.state_info(s)
        active = info["active"]
        ever |= set(active)
        stage = camp.stage(s)
        shape = stage.shape
        if policy == "equilibrium":
            a = [
                int(rng.choice(shape[i], p=strategies[s][i])) if shape[i] > 1 else 0
                for i in range(N)
            ]
        else:
            prof = tuple(np.eye(k)[min(last[i], k - 1)] for i, k in enumerate(shape))
            Q = camp.deviation_values(s, prof, values)
            a = [int(np.argmax(Q[i])) for i in range(N)]
        idx = np.array([[a[i] for i in active]], dtype=np.intp)
        comp = stage.sub.pure_components(idx)
        des = comp["designation"][0]
        share = comp["share"][0]
        p = camp._p(active)
        designated, destroyed, splinter = None, False, False
        if info["flag"] >= 0:
            k = active.index(info["flag"])
            destroyed = bool(rng.random() < p[k])
            target = info["flag"]
        elif info["targeting"]:
            u = rng.random()
            cum = np.cumsum(des)
            hit = int(np.searchsorted(cum, u, side="right"))
            if hit < len(active):
                designated = active[hit]
                if camp.penalty == "franchise":
                    destroyed = bool(rng.random() < p[hit])
            target = designated
        else:
            target = None
        if destroyed and target is not None:
            j = camp._lineage(target)
            q = camp._q[j]
            splinter = bool(target < camp.model.n_orgs and q > 0 and rng.random() < q)
        nxt = camp.next_state(s, designated=designated, destroyed=destroyed, splinter=splinter)
        after = camp.state_info(nxt)["active"]
        vac = camp.vacuum_violence(target, after) if destroyed and target is not None else {}
        if supply is not None:
            lin_names = [camp.model.names[camp._lineage(i)] for i in active]
            vols = supply.volumes(lin_names)
        for i in range(N):
            if i not in ever and i not in active:
                continue
            on = i in active
            k = active.index(i) if on else -1
            if not on:
                status = "gone"
            elif info["flag"] == i:
                status = "under pressure"
            elif designated == i:
                status = "designated"
            else:
                status = "active"
            level = float(stage.sub.model.levels[k][a[i]]) if on else 0.0
            lost = 0.0
            if destroyed and target == i:
                lost = float(values[s, i])
            elif camp.penalty == "fixed" and designated == i:
                lost = float(camp.model.penalty[camp._lineage(i)])
            vol = (
                float(vols.get(camp.model.names[camp._lineage(i)], 0.0))
                if supply is not None and on
                else np.nan
            )
            rows.append(
                (
                    run,
                    t,
                    camp.state_names[s],
                    names[i],
                    status,
                    on,
                    level,
                    float(vac.get(i, 0.0)),
                    designated == i or info["flag"] == i,
                    bool(destroyed and target == i),
                    float(share[k]) if on else 0.0,
                    vol,
                    lost,
                    float(values[s, i]),
                )
            )
        last = [a[i] if i in active else last[i] for i in range(N)]
        s = nxt
    return rows


_COLUMNS = (
    "run",
    "round",
    "state",
    "organization",
    "status",
    "active",
    "violence",
    "vacuum",
    "designated",
    "destroyed",
    "share",
    "volume",
    "franchise_lost",
    "value",
)


def run_campaign(
    campaign: Campaign,
    *,
    rounds: int,
    runs: int = 100,
    rng: Any = None,
    executor: Any = None,
    progress: bool = True,
    policy: str = "equilibrium",
    solution: StochasticResult | None = None,
) -> CampaignResult:
    """Simulate the campaign round by round (Monte Carlo over runs).

    Parameters
    ----------
    campaign
        The :class:`~deterrence.Campaign`.
    rounds, runs
        Rounds per run and number of runs (``>= 1``).
    rng
        Seed (None, int, ``SeedSequence`` or Generator): the runs use
        ``np.random.SeedSequence(rng).spawn(runs)``, so results do not depend on the
        executor.
    executor
        None (serial), a ``concurrent.futures.Executor`` or a map-like callable (the
        library's executor adapter).
    progress
        Show a progress bar over runs (``tqdm.auto``).
    policy
        ``"equilibrium"`` (levels drawn from the stationary equilibrium) or
        ``"dynamics"`` (best responses to last round's levels, from the top level).
    solution
        A solved equilibrium of ``campaign`` to reuse (default: :func:`solve_campaign`).

    Returns
    -------
    CampaignResult

    Examples
    --------
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=2, levels=[0.0, 1.0], benefit=1.0,
    ...                           market=dt.Market(revenue=2.0, shares=[0.5, 0.5]))
    >>> camp = dt.Campaign(model, destroy=0.5, discount=0.5)   # d p F = 0.25 * 2 < 1
    >>> out = dt.run_campaign(camp, rounds=6, runs=20, rng=1, progress=False)
    >>> s = out.summary()
    >>> bool(s["survivors"].iloc[0] == 2 and s["survivors"].iloc[-1] < 2)
    True
    """
    from .._executor import map_tasks

    if not isinstance(campaign, Campaign):
        raise DeterrenceError(
            f"campaign={type(campaign).__name__} is not valid; expected a dt.Campaign"
        )
    rounds = check_int("rounds", rounds, low=1)
    runs = check_int("runs", runs, low=1)
    check_choice("policy", policy, POLICIES)
    if not isinstance(progress, bool):
        raise DeterrenceError(f"progress={progress!r} is not valid; expected True or False")
    ss = _seed_sequence(rng)
    if solution is None:
        solution = solve_campaign(campaign)
    elif not isinstance(solution, StochasticResult) or len(solution.strategies) != (
        campaign.n_states
    ):
        raise DeterrenceError(
            "solution is not valid; expected the StochasticResult of this campaign "
            f"({campaign.n_states} states)"
        )
    strategies = [[np.asarray(q, dtype=float) for q in prof] for prof in solution.strategies]
    values = np.asarray(solution.values, dtype=float)
    tasks = [
        (campaign, strategies, values, rounds, child, policy, k)
        for k, child in enumerate(ss.spawn(runs))
    ]
    out = map_tasks(
        _simulate, tasks, executor=executor, progress=progress, desc="campaign runs", unit="run"
    )
    import pandas as pd

    frame = pd.DataFrame([r for rows in out for r in rows], columns=list(_COLUMNS))
    return CampaignResult(
        runs=runs,
        rounds=rounds,
        policy=policy,
        solution=solution,
        organizations=campaign.player_names,
        seed=ss.entropy,
        _frame=frame,
    )
