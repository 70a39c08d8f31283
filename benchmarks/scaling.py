"""Scaling curves: time against size for each method family, ours and the peers'.

Usage::

    python benchmarks/scaling.py [--quick] [--out-dir DIR] [--time-limit S] [--memory-limit MB]
                                 [--family KEY ...]

writes ``DIR/scaling.csv`` (one row per family, method and size: seconds per call, or why
the method was stopped there) and ``DIR/scaling.png`` (one panel per family, log axes; a
method that stopped ends in a cross, labelled with the reason). ``DIR`` defaults to this
folder. ``--family`` re-runs only the named families (keys: the names below, e.g.
``stochastic``) and replaces their rows in an existing ``DIR/scaling.csv``, keeping the
others; the figure is drawn again from the whole table.

Each method runs at growing sizes, timed with :func:`deterrence.bench.time_call` (median of
the fastest rounds), until it stops:

* **memory**: the dense table it needs (pygambit's game object: ~230 bytes a payoff entry,
  measured at 6 x 11; our table and QuantEcon's: 8 bytes an entry) would exceed
  ``--memory-limit``: it is not called there;
* **time**: one call took longer than ``--time-limit``, or the last time scaled by the growth
  of the table (or of the size, for methods without a table) predicts it: not called again.

Families (x axis):

* ``pure, dense``: random games, every pure equilibrium, against the number of profiles;
* ``two-player, all equilibria``: random k x k games, against k;
* ``Lemke-Howson, one path``: random k x k games, against k;
* ``logit``: random 3-player games, one equilibrium by the logit QRE path, against k;
* ``pure, targeting``: the "most violent pays" model with N organizations x 11 levels,
  against N (identical organizations: the multiset search; heterogeneous penalties: the
  aggregate search; our dense route and the peers need the table);
* ``symmetric``: the same model (floor below every score), against N, and against the
  number of levels at N = 6;
* ``stochastic``: random stochastic games (2 players x 3 actions a state), against the
  number of states.

The test ``benchmarks/test_bench_scaling.py`` runs ``--quick`` into a temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import deterrence as dt
from deterrence.bench import (
    _arrays,
    _gambit_call,
    _installed,
    _nashpy_lemke_howson_call,
    _nashpy_support_call,
    _qe_lemke_howson_call,
    _qe_pure_call,
    _qe_vertex_call,
    _sgamesolver_call,
    time_call,
)

HERE = Path(__file__).resolve().parent

#: bytes a payoff entry costs in a pygambit game (2.4 GB for 6 players x 11**6 profiles)
GAMBIT_BYTES_PER_ENTRY = 230


class Stop(Exception):
    """A method does not run at this size (the reason is the message)."""


@dataclass(frozen=True)
class Method:
    """``make(x)`` builds the inputs (untimed) and returns the call to time; ``bytes_(x)``
    predicts the memory it needs; ``work(x)`` its growth (for the time prediction)."""

    name: str
    make: Callable[[int], Callable[[], object]]
    bytes_: Callable[[int], float] = lambda x: 0.0
    work: Callable[[int], float] = float
    library: str | None = None


@dataclass(frozen=True)
class Family:
    name: str
    xlabel: str
    sizes: tuple[int, ...]
    methods: tuple[Method, ...]
    x_of: Callable[[int], float] = float


def _solving(game_of: Callable[[int], object], method: str) -> Callable[[int], Callable]:
    """``make(x)`` for our ``dt.solve(game_of(x), method=method)``."""

    def make(x):
        g = game_of(x)
        return lambda: dt.solve(g, method=method)

    return make


# --------------------------------------------------------------------------- families


def _cube(k: int) -> float:
    """k**3: the growth of a k x k pivoting path, and of a 3-player table."""
    return float(k) ** 3


def _dense_pure(quick: bool) -> Family:
    k = 6 if quick else 11
    ns = (2, 3, 4) if quick else (2, 3, 4, 5, 6)

    def game(n):
        return dt.catalog.uniform_game((k,) * n, rng=n).game

    def ours(n):
        g = game(n)
        return lambda: dt.pure_equilibria(g)

    def gambit(n):
        return _gambit_call(game(n), "enumpure_solve")

    def qe(n):
        return _qe_pure_call(game(n))

    entries = lambda n: n * k**n  # noqa: E731
    return Family(
        name=f"pure, dense (random, {k} actions)",
        xlabel="profiles",
        sizes=ns,
        x_of=lambda n: float(k**n),
        methods=(
            Method("ours", ours, lambda n: 8 * entries(n), lambda n: k**n),
            Method(
                "pygambit enumpure_solve",
                gambit,
                lambda n: GAMBIT_BYTES_PER_ENTRY * entries(n),
                lambda n: k**n,
                "pygambit",
            ),
            Method("QuantEcon pure_nash_brute", qe, lambda n: 8 * entries(n), entries, "quantecon"),
        ),
    )


def _bimatrix(k: int, seed: int = 0) -> dt.NormalFormGame:
    return dt.catalog.uniform_game((k, k), rng=seed * 1000 + k).game


def _on_tables(peer_call: Callable, seed: int = 0) -> Callable[[int], Callable]:
    """``make(k)`` for a peer call on the tables (A, B) of the seeded k x k game."""
    return lambda k: peer_call(*_arrays(_bimatrix(k, seed)))


def _two_player(quick: bool) -> Family:
    ks = (3, 5, 8) if quick else (3, 4, 5, 6, 8, 10, 12, 14, 16)
    ours = _solving(_bimatrix, "support")
    qe = _on_tables(_qe_vertex_call)
    nashpy = _on_tables(_nashpy_support_call)

    def gambit(k):
        return _gambit_call(_bimatrix(k), "enummixed_solve", rational=False)

    supports = lambda k: 4.0**k  # noqa: E731  (pairs of supports: the enumerators' growth)
    return Family(
        name="two-player, all equilibria (random k x k)",
        xlabel="k (actions per player)",
        sizes=ks,
        methods=(
            Method("ours", ours, work=lambda k: 2.2**k),
            Method("QuantEcon vertex_enumeration", qe, work=lambda k: 2.2**k, library="quantecon"),
            Method("pygambit enummixed_solve", gambit, work=lambda k: 3.0**k, library="pygambit"),
            Method("nashpy support_enumeration", nashpy, work=supports, library="nashpy"),
        ),
    )


def _lemke_howson(quick: bool) -> Family:
    ks = (3, 6, 10) if quick else (3, 5, 8, 10, 16, 24, 32, 48)

    def ours(k):
        g = _bimatrix(k, 1)
        return lambda: dt.lemke_howson(g, initial_label=0)

    qe = _on_tables(_qe_lemke_howson_call, 1)
    nashpy = _on_tables(_nashpy_lemke_howson_call, 1)
    return Family(
        name="Lemke-Howson, one path (random k x k)",
        xlabel="k (actions per player)",
        sizes=ks,
        methods=(
            Method("ours", ours, work=_cube),
            Method("QuantEcon lemke_howson", qe, work=_cube, library="quantecon"),
            Method("nashpy lemke_howson", nashpy, work=lambda k: 4.0**k, library="nashpy"),
        ),
    )


def _logit(quick: bool) -> Family:
    ks = (2, 3, 4) if quick else (2, 3, 4, 6, 8, 11, 16)

    def game(k):
        return dt.catalog.uniform_game((k, k, k), rng=k).game

    ours = _solving(game, "logit")

    def gambit(k):
        return _gambit_call(game(k), "logit_solve")

    return Family(
        name="logit QRE path, one equilibrium (random, 3 players x k actions)",
        xlabel="k (actions per player)",
        sizes=ks,
        methods=(
            Method("ours", ours, work=_cube),
            Method(
                "pygambit logit_solve",
                gambit,
                lambda k: GAMBIT_BYTES_PER_ENTRY * 3 * _cube(k),
                _cube,
                "pygambit",
            ),
        ),
    )


def _targeting(n: int, levels: int, *, hetero: bool = False, floor: float = 0.0):
    pen = np.linspace(1.0, 3.0, n) if hetero else 2.0
    return dt.TargetingModel(
        n_orgs=n,
        levels=np.linspace(0.0, 1.0, levels),
        penalty=pen,
        rule=dt.MostViolent(floor=floor),
    ).game()


def _table_methods(
    game_of: Callable[[int], object], entries: Callable[[int], float], solver: str
) -> tuple[Method, ...]:
    """Our dense route and the peers, all on the game's table (built untimed)."""

    def dense(x):
        d = game_of(x).to_normal_form()
        if solver == "pure":
            return lambda: dt.solve(d, method="pure", route="dense")
        return lambda: dt.solve(d, method="symmetric")

    routine = "enumpure_solve" if solver == "pure" else "logit_solve"

    def gambit(x):
        return _gambit_call(game_of(x).to_normal_form(), routine)

    def qe(x):
        return _qe_pure_call(game_of(x).to_normal_form())

    out = [
        Method(f"ours, dense table ({solver})", dense, lambda x: 8 * entries(x) * 3, entries),
        Method(
            "pygambit " + routine,
            gambit,
            lambda x: GAMBIT_BYTES_PER_ENTRY * entries(x),
            entries,
            "pygambit",
        ),
    ]
    if solver == "pure":
        out.append(
            Method("QuantEcon pure_nash_brute", qe, lambda x: 8 * entries(x), entries, "quantecon")
        )
    return tuple(out)


def _pure_targeting(quick: bool) -> Family:
    L = 6 if quick else 11
    ns = (2, 3, 4, 5) if quick else (2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 20, 30)

    def ours(hetero):
        return _solving(lambda n: _targeting(n, L, hetero=hetero), "pure")

    entries = lambda n: float(n) * L**n  # noqa: E731
    return Family(
        name=f"pure, targeting model (N organizations x {L} levels)",
        xlabel="N (players)",
        sizes=ns,
        methods=(
            Method("ours (identical organizations)", ours(False), work=lambda n: n**3),
            Method("ours (heterogeneous penalties)", ours(True), work=lambda n: float(n) ** 4),
            *_table_methods(lambda n: _targeting(n, L, hetero=True), entries, "pure"),
        ),
    )


def _symmetric(
    name: str, xlabel: str, sizes: tuple[int, ...], n_and_levels: Callable[[int], tuple[int, int]]
) -> Family:
    """The symmetric solve of the targeting model (floor below every score) against one
    axis: ``n_and_levels(x)`` gives (N, L); ours works in x**2, the table in N * L**N."""

    def game_of(x):
        return _targeting(*n_and_levels(x), floor=-1.0)

    def entries(x):
        n, levels = n_and_levels(x)
        return float(n) * levels**n

    return Family(
        name=name,
        xlabel=xlabel,
        sizes=sizes,
        methods=(
            Method("ours (structured oracle)", _solving(game_of, "symmetric"), work=lambda x: x**2),
            *_table_methods(game_of, entries, "symmetric"),
        ),
    )


def _symmetric_players(quick: bool) -> Family:
    L = 6 if quick else 11
    ns = (2, 3, 4) if quick else (2, 3, 4, 5, 6, 8, 10, 20, 50, 100)
    name = f"symmetric, targeting model (N x {L} levels)"
    return _symmetric(name, "N (players)", ns, lambda n: (n, L))


def _symmetric_levels(quick: bool) -> Family:
    N = 3 if quick else 6
    ls = (3, 5, 8) if quick else (3, 5, 8, 11, 21, 51, 101, 201)
    name = f"symmetric, targeting model ({N} players x L levels)"
    return _symmetric(name, "L (levels)", ls, lambda L: (N, L))


def _stochastic(quick: bool) -> Family:
    ss = (2, 3) if quick else (2, 3, 5, 8, 12, 16, 24, 32)

    def sg_of(S):
        return dt.StochasticGame.random(S, 2, 3, discount=0.95, rng=S)

    def ours(S):
        sg = sg_of(S)
        return lambda: dt.solve_stochastic(sg, method="homotopy")

    def sgs(S):
        return _sgamesolver_call(sg_of(S))

    return Family(
        name="stochastic, stationary equilibria (2 players x 3 actions a state)",
        xlabel="states",
        sizes=ss,
        methods=(
            Method("ours (homotopy)", ours, work=lambda S: float(S) ** 2),
            Method(
                "sgamesolver homotopy.QRE", sgs, work=lambda S: float(S) ** 2, library="sgamesolver"
            ),
        ),
    )


FAMILIES = (
    _dense_pure,
    _two_player,
    _lemke_howson,
    _logit,
    _pure_targeting,
    _symmetric_players,
    _symmetric_levels,
    _stochastic,
)


# --------------------------------------------------------------------------- running


def family_key(build: Callable[[bool], Family]) -> str:
    """The ``--family`` key of a family builder (its name without the underscore)."""
    return build.__name__.lstrip("_")


def run(
    quick: bool,
    time_limit: float,
    memory_limit: float,
    log: Callable[[str], None],
    families: Sequence[str] | None = None,
) -> list[dict]:
    """The curves of every family (or of the ``families`` keys) as CSV rows (dicts)."""
    rounds, min_round = (3, 0.005) if quick else (5, 0.05)
    rows = []
    for build in FAMILIES:
        if families is not None and family_key(build) not in families:
            continue
        fam = build(quick)
        for m in fam.methods:
            if m.library is not None and not _installed(m.library):
                rows.append(_row(fam, m, fam.sizes[0], None, "not installed"))
                continue
            last: tuple[int, float] | None = None
            for x in fam.sizes:
                status = None
                if m.bytes_(x) > memory_limit:
                    status = f"stopped: memory (needs ~{m.bytes_(x) / 2**30:.3g} GB)"
                elif last is not None:
                    px, pt = last
                    predicted = pt * m.work(x) / max(m.work(px), 1e-300)
                    if pt > time_limit or predicted > time_limit:
                        status = f"stopped: time (~{predicted:.3g} s predicted)"
                if status is not None:
                    rows.append(_row(fam, m, x, None, status))
                    log(f"{fam.name} | {m.name} | {x}: {status}")
                    break
                try:
                    call = m.make(x)
                    t, _ = time_call(
                        call, rounds=rounds, min_round=min_round, time_limit=time_limit
                    )
                except Stop as exc:
                    rows.append(_row(fam, m, x, None, f"stopped: {exc}"))
                    break
                except dt.GameTooLargeError:
                    rows.append(_row(fam, m, x, None, "stopped: memory (table refused)"))
                    break
                except Exception as exc:  # a peer's failure is a data point
                    msg = " ".join(f"{type(exc).__name__}: {exc}".split())[:80]
                    rows.append(_row(fam, m, x, None, f"failed: {msg}"))
                    log(f"{fam.name} | {m.name} | {x}: failed ({msg})")
                    break
                rows.append(_row(fam, m, x, t, "ok"))
                log(f"{fam.name} | {m.name} | {x}: {t:.3g} s")
                last = (x, t)
    return rows


def _row(fam: Family, m: Method, x: int, seconds: float | None, status: str) -> dict:
    return {
        "family": fam.name,
        "xlabel": fam.xlabel,
        "size": x,
        "x": fam.x_of(x),
        "method": m.name,
        "seconds": "" if seconds is None else f"{seconds:.6g}",
        "status": status,
    }


def _merge(path: Path, new: list[dict], quick: bool) -> list[dict]:
    """The rows of ``path`` with those of the re-run families replaced by ``new``, in the
    order of :data:`FAMILIES`."""
    with open(path, newline="") as fh:
        old = list(csv.DictReader(fh))
    fresh = {r["family"] for r in new}
    order = [b(quick).name for b in FAMILIES]
    kept = [r for r in old if r["family"] not in fresh]
    rank = {name: k for k, name in enumerate(order)}
    return sorted(kept + new, key=lambda r: rank.get(r["family"], len(order)))


def plot(rows: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fams = list(dict.fromkeys(r["family"] for r in rows))
    ncol = 2
    nrow = math.ceil(len(fams) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.4 * ncol, 4.2 * nrow), squeeze=False)
    for ax, fam in zip(axes.flat, fams, strict=False):
        sub = [r for r in rows if r["family"] == fam]
        for method in dict.fromkeys(r["method"] for r in sub):
            pts = [r for r in sub if r["method"] == method]
            ok = [(float(r["x"]), float(r["seconds"])) for r in pts if r["status"] == "ok"]
            if not ok:
                continue
            xs, ts = zip(*ok, strict=True)
            style = "-" if method.startswith("ours") else "--"
            (line,) = ax.plot(xs, ts, style, marker="o", ms=4, label=method)
            stop = [r for r in pts if r["status"] != "ok"]
            if stop:
                reason = stop[0]["status"].split("(")[0].replace("stopped: ", "").strip()
                ax.plot(xs[-1], ts[-1], "x", color=line.get_color(), ms=11, mew=2)
                ax.annotate(
                    f"stops: {reason}",
                    (xs[-1], ts[-1]),
                    textcoords="offset points",
                    xytext=(4, 4),
                    fontsize=7,
                    color=line.get_color(),
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        if sub[0]["xlabel"] != "profiles":  # integer sizes: label the measured ones
            from matplotlib.ticker import NullFormatter

            ticks = sorted({float(r["x"]) for r in sub})
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(fam, fontsize=9)
        ax.set_xlabel(sub[0]["xlabel"])
        ax.set_ylabel("seconds per call")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(fams) :]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes only (seconds)")
    p.add_argument("--out-dir", default=str(HERE), help="where scaling.csv/.png go")
    p.add_argument("--time-limit", type=float, default=None, help="seconds a call (5 / 60)")
    p.add_argument("--memory-limit", type=float, default=None, help="MB (500 / 2000)")
    p.add_argument("--quiet", action="store_true")
    keys = [family_key(b) for b in FAMILIES]
    p.add_argument(
        "--family",
        action="append",
        choices=keys,
        help="re-run only this family (repeatable) and merge its rows into DIR/scaling.csv",
    )
    args = p.parse_args(argv)
    time_limit = args.time_limit or (5.0 if args.quick else 60.0)
    memory_limit = (args.memory_limit or (500.0 if args.quick else 2000.0)) * 2**20
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    rows = run(args.quick, time_limit, memory_limit, log, args.family)
    if args.family and (out / "scaling.csv").exists():
        rows = _merge(out / "scaling.csv", rows, args.quick)
    with open(out / "scaling.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    import platform

    title = (
        f"deterrence scaling ({'quick' if args.quick else 'full'} run, "
        f"time limit {time_limit:g} s, memory limit {memory_limit / 2**20:g} MB; "
        f"Python {platform.python_version()}, numpy {np.__version__})"
    )
    plot(rows, out / "scaling.png", title)
    log(
        f"{len(rows)} rows in {time.perf_counter() - t0:.1f} s -> {out / 'scaling.csv'}, "
        f"{out / 'scaling.png'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
