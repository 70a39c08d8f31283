"""``deterrence campaign [SCENARIO]``: the campaign (designate, destroy, re-announce) on a
policy scenario: solve its stationary equilibrium over every survivor set
(:func:`deterrence.solve_campaign`) and simulate it round by round
(:func:`deterrence.run_campaign`)."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .._report import text_table
from ..errors import DeterrenceError
from ._common import HelpFormatter, examples, number, print_json

__all__ = ["register", "run"]

EXAMPLES = (
    "deterrence campaign --rounds 5 --runs 10",
    "deterrence campaign default --designated-state --policy dynamics --rounds 4 --json",
    "deterrence campaign symmetric --vacuum-values --rounds 5 --runs 10",
    "deterrence campaign mexico-2010 --policy dynamics --start status_quo --rounds 12",
    "deterrence campaign mexico-2010 --capacity 2 --weaken 0.5",
)


def run(args: argparse.Namespace) -> int:
    """Solve, simulate and print the per-round summary (text table or JSON)."""
    from ..analysis.campaign import run_campaign, solve_campaign
    from ..model.campaign import Campaign
    from ..scenario import load_scenario

    model = load_scenario(args.scenario)
    destroy = number("destroy", args.destroy)
    discount = number("discount", args.discount)
    rounds = number("rounds", args.rounds, int)
    runs = number("runs", args.runs, int)
    seed = number("seed", args.seed, int)
    if args.policy not in ("equilibrium", "dynamics"):
        raise DeterrenceError(
            f"--policy={args.policy!r} is not valid; expected 'equilibrium' or 'dynamics'"
        )
    if args.capacity is not None:
        k = number("capacity", args.capacity, int)
        try:
            model = model.with_capacity(k)
        except DeterrenceError as exc:
            raise DeterrenceError(f"--capacity={k}: {exc}") from None
    camp = Campaign(
        model,
        destroy=destroy,
        discount=discount,
        designated_state=bool(args.designated_state),
        vacuum_values=bool(args.vacuum_values),
        weaken=number("weaken", args.weaken),
        weakened_size=number("weakened_size", args.weakened_size),
    )
    begin: Any = None
    if args.start is not None:
        if args.policy != "dynamics":
            raise DeterrenceError(
                f"--start={args.start!r} is only valid with --policy dynamics (the "
                "equilibrium policy has no starting levels)"
            )
        begin = args.start
        if args.start not in ("top", "status_quo"):
            begin = [number("start", v) for v in args.start.split(",")]
    sol = solve_campaign(camp)
    out = run_campaign(
        camp,
        rounds=rounds,
        runs=runs,
        rng=seed,
        progress=False,
        policy=args.policy,
        solution=sol,
        start=begin,
    )
    summary = out.summary()
    start = [
        float(model.levels[i][int(q.argmax())])
        for i, q in enumerate(sol.strategies[0][: model.n_orgs])
    ]
    if args.json:
        print_json(
            {
                "scenario": args.scenario,
                "states": camp.n_states,
                "converged": sol.converged,
                "regret": sol.regret,
                "equilibrium_levels_full_state": dict(zip(model.names, start, strict=True)),
                "values_full_state": dict(
                    zip(model.names, sol.values[0][: model.n_orgs].tolist(), strict=True)
                ),
                "rounds": summary.reset_index().to_dict(orient="records"),
            }
        )
        return 0
    print(camp.describe())
    print(
        f"stationary equilibrium over {camp.n_states} states: "
        f"{'certified' if sol.converged else 'NOT converged'} (regret {sol.regret:.2g})"
    )
    print(
        "levels with every organization standing: "
        + ", ".join(f"{n} {v:g}" for n, v in zip(model.names, start, strict=True))
    )
    weak = bool(np.any(camp.weaken > 0))  # type: ignore[operator]
    rows = [
        [
            int(r),
            f"{s.total_violence:.3g}",
            f"{s.vacuum:.3g}",
            f"{s.designations:.3g}",
            f"{s.destructions:.3g}",
            *([f"{s.weakened:.3g}"] if weak else []),
            f"{s.survivors:.3g}",
            f"{s.punishment:.3g}",
        ]
        for r, s in summary.iterrows()
    ]
    head = ["round", "violence", "vacuum", "designated", "destroyed"]
    head += ["weakened"] if weak else []
    print(f"\n{runs} runs, policy {args.policy} (means per round):")
    print(text_table([*head, "survivors", "punishment"], rows))
    return 0


def register(sub: Any) -> argparse.ArgumentParser:
    """Add ``deterrence campaign`` to the subcommands."""
    p = sub.add_parser(
        "campaign",
        help="the campaign as a dynamic game: designate, destroy, re-announce",
        description="Solve the campaign's stationary equilibrium over every set of "
        "surviving organizations and simulate it round by round: designations, "
        "destructions, violence (with the vacuum upsurge), survivors, punishment "
        "delivered. SCENARIO is a TOML file or a shipped scenario name (default: default).",
        epilog=examples(*EXAMPLES),
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default="default",
        metavar="SCENARIO.toml",
        help="scenario file or shipped scenario name (default: default)",
    )
    p.add_argument(
        "--destroy",
        default="0.5",
        help="probability per round that a designated group is destroyed (0.5)",
    )
    p.add_argument("--discount", default="0.9", help="discount factor (default 0.9)")
    p.add_argument(
        "--capacity",
        default=None,
        help="designate the K most violent a round (the scenario's scoring, ties and floor)",
    )
    p.add_argument(
        "--weaken",
        default="0",
        help="probability that a designated group that survives is weakened (default 0)",
    )
    p.add_argument(
        "--weakened-size",
        default="0.5",
        help="a weakened group's size and market share factor (default 0.5)",
    )
    p.add_argument(
        "--designated-state",
        action="store_true",
        help="a designated group stays under pressure until destroyed (with --capacity K, "
        "up to K at once; the others are scored for the free slots)",
    )
    p.add_argument(
        "--vacuum-values",
        action="store_true",
        help="survivors count their net rent from the successor contest in their values",
    )
    p.add_argument(
        "--policy",
        default="equilibrium",
        help="equilibrium (default) or dynamics (best responses to last round's levels)",
    )
    p.add_argument(
        "--start",
        default=None,
        help="with --policy dynamics: where the dynamics start: top (default), status_quo "
        "(the no-policy levels) or one level per organization, comma-separated",
    )
    p.add_argument("--rounds", default="10", help="rounds per run (default 10)")
    p.add_argument("--runs", default="20", help="runs (default 20)")
    p.add_argument("--seed", default="0", help="random seed (default 0)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run)
    return p
