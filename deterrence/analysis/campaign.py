"""The campaign path: solve the campaign once, then simulate it round by round.

* :func:`solve_campaign` — a stationary (Markov-perfect) equilibrium of a
  :class:`~deterrence.Campaign` by backward induction over the survivor lattice (reverse
  topological order of the state graph, networkx), with a structured search per state:
  best-response moves over *pure* profiles, each evaluated by one call of the structured
  oracle (stage payoffs, and the designation distribution at the pure profile by one exact
  pure evaluation per deviation), with the state's own value updated at every move (the
  self-loop: a designated group that survives the round stays in the state). A state where
  no pure equilibrium is found is solved mixed, in this order:

  1. *symmetric* — when its survivors are interchangeable (a symmetric stage game, equal
     discounts and continuations: :func:`_symmetric_coefficients`), a symmetric
     equilibrium in one shared strategy ``q`` (:class:`_SymmetricState`): the
     continuation-augmented deviation values ``Q(a; q) = A(a; q) + V(q) B(a; q)`` with the
     state's own value ``V(q)`` solved in closed form, from the targeting game's symmetric
     closed forms, traced by the symmetric logit tracer (dimension = number of levels,
     whatever the number of survivors). Isomorphic states (the same survivors' game and
     continuation: every pair of a symmetric campaign, say) reuse the strategy after
     re-certifying it;
  2. *agent* — otherwise the logit tracer over the survivors' strategies with the state's
     own values solved (:class:`_AgentState`) and an exact Jacobian: batched as dense
     tensor contractions when the survivors' table is small (the stage table and the
     designation at every pure profile, built once per state), else from the structured
     oracle (pair payoffs and one designation call per level of each survivor);
  3. the generic one-state logit homotopy of :func:`~deterrence.solve_stochastic` (the
     previous fallback), if both fail.

  Every state's profile is certified by its one-shot regret before it is accepted; the
  result is the same :class:`~deterrence.StochasticResult` as the generic solver's,
  certified the same way (one-shot regret and Bellman residual recomputed from the game),
  ``converged=False`` with the reason otherwise. :func:`~deterrence.solve_stochastic`
  routes a campaign here (``Campaign._solve_structured``) unless asked for the homotopy.
  Measured (2 shared cores, load 8-10): the "symmetric" preset (6 x 11, 63 states, 57 of
  them mixed) in 3.2-5 s, formerly minutes; a heterogeneous 4 x 11 campaign whose 11
  targeted states all mix in 2.5-7 s (``benchmarks/README.md``).
* :func:`run_campaign` — Monte Carlo over rounds under the stationary equilibrium
  (``policy="equilibrium"``: each survivor draws its level from its equilibrium strategy in
  the current state) or under best-response dynamics (``policy="dynamics"``: each
  survivor best-responds to last round's levels, valuing the future with the equilibrium
  values). Where the dynamics start is ``start=``: the organizations' levels in the month
  before round 0, to which round 0 is the first best response — by default their top
  level (``"top"``), or ``"status_quo"`` (the no-policy equilibrium that
  :func:`~deterrence.race_to_the_bottom` selects, its ``baseline_levels``), or one given
  level per organization; entrants and splinters start at their top level. Each run is
  seeded by its own ``SeedSequence.spawn`` child, so serial and parallel runs give
  identical numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import check_choice, check_int, check_real
from ..errors import DeterrenceError
from ..model.campaign import Campaign
from ..solvers.stochastic import StochasticResult

__all__ = ["CampaignResult", "run_campaign", "solve_campaign"]

POLICIES = ("equilibrium", "dynamics")
#: Named starts of the dynamics (:func:`run_campaign`'s ``start``).
STARTS = ("top", "status_quo")
#: Relative tolerance within which a given start level must equal one of the levels.
START_RTOL = 1e-9


# ----------------------------------------------------------------------------- solver
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
        ``"pure"``, ``"symmetric"``, ``"agent"`` or ``"homotopy"`` (see the module
        docstring).

    Examples
    --------
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=3, levels=[0.0, 0.5, 1.0], benefit=1.0,
    ...                           market=dt.Market(revenue=6.0, shares=[1/3, 1/3, 1/3]))
    >>> res = dt.solve_campaign(dt.Campaign(model, destroy=0.5, discount=0.8))
    >>> res.converged, [int(q.argmax()) for q in res.strategies[0]]
    (True, [0, 0, 0])

    Without a market, restraint is worth nothing (the franchise is 0), so no pure profile
    survives where the campaign targets: the two organizations mix, in one shared strategy,
    between restraint and the top level (``q = x / (d p)``, ``x`` the small root of ``(W/2)
    x**2 + (b + (1-d) W/2 - (1-d+dp) W) x + b (1-d) = 0``, derived in
    ``tests/test_campaign.py``).

    >>> model = dt.TargetingModel(n_orgs=2, levels=[0.0, 0.5, 1.0], benefit=1.0)
    >>> res = dt.solve_campaign(dt.Campaign(model, destroy=0.5, discount=0.9))
    >>> res.details["stage_methods"][0], res.strategies[0][0].round(6).tolist()
    ('symmetric', [0.942591, 0.0, 0.057409])
    """
    from ..solvers._campaign import backward_induction

    if not isinstance(campaign, Campaign):
        raise DeterrenceError(
            f"campaign={type(campaign).__name__} is not valid; expected a dt.Campaign"
        )
    tol = check_real("tol", tol, low=0.0, low_open=True)
    max_moves = check_int("max_moves", max_moves, low=1)
    max_iter = check_int("max_iter", max_iter, low=1)
    return backward_induction(campaign, tol=tol, max_moves=max_moves, max_iter=max_iter)


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
    start
        Under ``policy="dynamics"``: each organization's level in the month before round 0
        (where the dynamics start, in the model's level units); ``None`` under the
        equilibrium.
    """

    runs: int
    rounds: int
    policy: str
    solution: StochasticResult
    organizations: tuple[str, ...]
    seed: Any
    _frame: Any = field(repr=False)
    start: tuple[float, ...] | None = None

    def to_dataframe(self) -> Any:
        """One row per run, round and organization: ``state``, ``status`` (active,
        designated, under pressure, gone, absent), ``violence`` (the level played),
        ``vacuum`` (its violence in successor contests that round), ``designated``,
        ``destroyed``, ``weakened`` (it plays that round weakened: ``Campaign(weaken=)``),
        ``share`` (market share), ``volume`` (supply volume, with a supply
        network), ``franchise_lost`` (the value destroyed, or the fine paid with
        ``penalty="fixed"``) and ``value`` (its equilibrium value in the state)."""
        return self._frame.copy()

    def summary(self) -> Any:
        """Per round, averaged over runs: total violence (levels + vacuum), vacuum
        upsurge, designations, destructions, organizations playing weakened, survivors
        and punishment delivered."""
        df = self._frame
        per = df.groupby(["run", "round"]).agg(
            violence=("violence", "sum"),
            vacuum=("vacuum", "sum"),
            designations=("designated", "sum"),
            destructions=("destroyed", "sum"),
            weakened=("weakened", "sum"),
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
    camp, strategies, values, rounds, seed, policy, run, start = task
    rng = np.random.default_rng(seed)
    names = camp.player_names
    N = camp.n_players
    supply = camp.supply
    s = camp.initial_state
    last: list[int] = list(start)
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
        share = comp["share"][0]
        weak_now = set(info["weakened"])
        p = camp.destruction_probability(s)
        # who is designated (one survivor, or a set of them under a rule pursuing several),
        # who of them is destroyed, who splinters
        # with the designated state, those under pressure are the ones at risk and the
        # newly designated join them
        under = list(info["under_pressure"])
        new: list[int] = []
        if info["targeting"]:
            law = comp["designation"][0] if stage.sets is None else stage.designation_at(idx[0])
            u = rng.random()
            hit = int(np.searchsorted(np.cumsum(law), u, side="right"))
            if hit < len(law):
                members = (hit,) if stage.sets is None else stage.sets[hit]
                new = [active[k] for k in members]
        targets = under if camp.designated_state else new
        gone = [
            camp.penalty == "franchise" and bool(rng.random() < p[active.index(x)]) for x in targets
        ]
        # a designated group that survives the round is weakened with its probability
        fading = [
            bool(
                not g
                and x not in weak_now
                and camp.weaken[camp._lineage(x)] > 0
                and rng.random() < camp.weaken[camp._lineage(x)]
            )
            for x, g in zip(targets, gone, strict=True)
        ]
        split = [
            bool(
                g
                and x < camp.model.n_orgs
                and camp._q[camp._lineage(x)] > 0
                and rng.random() < camp._q[camp._lineage(x)]
            )
            for x, g in zip(targets, gone, strict=True)
        ]
        designated = set(new)
        killed = {x for x, g in zip(targets, gone, strict=True) if g}
        nxt = camp.next_state(s, designated=new, destroyed=gone, splinter=split, weakened=fading)
        after = camp.state_info(nxt)["active"]
        vac: dict[int, float] = {}
        for x in targets:
            if x in killed:
                for i, v in camp.vacuum_violence(x, after, weakened=x in weak_now).items():
                    vac[i] = vac.get(i, 0.0) + v
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
            elif i in under:
                status = "under pressure"
            elif i in designated:
                status = "designated"
            else:
                status = "active"
            level = float(stage.sub.model.levels[k][a[i]]) if on else 0.0
            lost = 0.0
            if i in killed:
                lost = float(values[s, i])
            elif camp.penalty == "fixed" and i in designated:
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
                    i in designated or i in under,
                    i in killed,
                    i in weak_now,
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
    "weakened",
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
    start: Any = None,
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
        ``"dynamics"`` (best responses to last round's levels, from ``start``).
    solution
        A solved equilibrium of ``campaign`` to reuse (default: :func:`solve_campaign`).
    start
        Where the dynamics start (``policy="dynamics"`` only; refused with the
        equilibrium, whose play does not depend on it): the organizations' levels in the
        month before round 0, so round 0 is every survivor's best response to them.
        ``None`` or ``"top"``: every organization at its top level (the default);
        ``"status_quo"``: the no-policy equilibrium,
        ``dt.race_to_the_bottom(campaign.model, mixed="none").baseline_levels`` (the
        baseline's most violent pure equilibrium, or where sequential best responses from
        the minimum end when those are not enumerated); or a sequence of one level per
        organization of ``campaign.model`` (``campaign.model.n_orgs`` entries, in the
        model's level units), each one of that organization's levels
        (``campaign.model.levels[i]``) up to a relative ``1e-9``. Entrants and splinters
        start at their top level when they appear.

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

    The dynamics from a given start. Three levels, restraint an equilibrium (``d p F = 22.5
    > b``, franchise ``F = (R/2)/(1-d) = 50``, monopoly ``W = (R+b)/(1-d) = 110``): facing
    a rival at the top, ``org1`` undercuts it to 0.5 (the rival is designated, ``5.5 + d
    ((1-p) F + p W) = 77.5``, against 77 at 0 and a tie at 1); facing a restrained rival,
    ``org2`` restrains (50, against 28 at 0.5 and 28.5 at 1: it would be designated).

    >>> model = dt.TargetingModel(n_orgs=2, levels=[0.0, 0.5, 1.0], benefit=1.0,
    ...                           market=dt.Market(revenue=10.0, shares=[0.5, 0.5]))
    >>> camp = dt.Campaign(model, destroy=0.5, discount=0.9)
    >>> dyn = dt.run_campaign(camp, rounds=1, runs=1, rng=1, progress=False,
    ...                       policy="dynamics", start=[0.0, 1.0])
    >>> dyn.start, dyn.to_dataframe()["violence"].tolist()
    ((0.0, 1.0), [0.5, 0.0])
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
    given = _check_start(campaign, start, policy)
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
    first = _start_indices(campaign, given)
    tasks = [
        (campaign, strategies, values, rounds, child, policy, k, first)
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
        start=None
        if policy == "equilibrium"
        else tuple(float(campaign.model.levels[i][first[i]]) for i in range(campaign.model.n_orgs)),
    )


def _check_start(campaign: Campaign, start: Any, policy: str) -> Any:
    """``start`` checked (no work done): ``"top"``, ``"status_quo"`` or a tuple of level
    indices, one per organization of ``campaign.model``."""
    if start is None:
        return "top"
    if policy == "equilibrium":
        raise DeterrenceError(
            f"start={start!r} is not valid with policy='equilibrium'; expected start=None "
            "(the stationary equilibrium's play does not depend on where the dynamics "
            "start) or policy='dynamics'"
        )
    model = campaign.model
    n = model.n_orgs
    what = (
        f"expected None, 'top', 'status_quo' or a sequence of {n} levels, one per "
        f"organization ({', '.join(model.names)})"
    )
    if isinstance(start, str):
        if start not in STARTS:
            raise DeterrenceError(f"start={start!r} is not valid; {what}")
        return start
    if isinstance(start, Mapping | bytes) or np.isscalar(start):
        raise DeterrenceError(f"start={start!r} is not valid; {what}")
    try:
        items = list(start)
    except TypeError:
        raise DeterrenceError(f"start={start!r} is not valid; {what}") from None
    if len(items) != n:
        raise DeterrenceError(f"start={start!r} is not valid: it has {len(items)} entries; {what}")
    out = []
    for i, x in enumerate(items):
        name = model.names[i]
        v = check_real(f"start[{i}]", x)
        lv = np.asarray(model.levels[i], dtype=float)
        k = int(np.argmin(np.abs(lv - v)))
        scale = max(float(np.max(np.abs(lv))), abs(v))
        if abs(lv[k] - v) > START_RTOL * scale:
            shown = ", ".join(f"{y:g}" for y in lv[:6]) + (", ..." if lv.size > 6 else "")
            raise DeterrenceError(
                f"start[{i}]={x!r} ({name}) is not valid; expected one of its levels "
                f"({shown}; {lv.size} levels from {lv[0]:g} to {lv[-1]:g}) up to a relative "
                f"{START_RTOL:g}; the nearest is {lv[k]:g}"
            )
        out.append(k)
    return tuple(out)


def _start_indices(campaign: Campaign, given: Any) -> tuple[int, ...]:
    """Each player's level index in the month before round 0: the organizations' from
    ``given`` (:func:`_check_start`), entrants and splinters at their top level."""
    model = campaign.model
    top = [model.shape[campaign._lineage(i)] - 1 for i in range(campaign.n_players)]
    if isinstance(given, tuple):
        orgs = list(given)
    elif given == "status_quo":
        from .race import race_to_the_bottom

        orgs = list(race_to_the_bottom(model, mixed="none").status_quo)
    else:
        orgs = top[: model.n_orgs]
    return tuple(int(k) for k in orgs + top[model.n_orgs :])
