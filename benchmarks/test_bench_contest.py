"""The issue-3 yardstick through the targeting model's structured oracle, beside the peers.

Input: the "most violent pays" contest. N organizations choose a violence level in
``linspace(0, 1, 11)``; ``u_i = v_i - 1.0 * P(i designated)``; the most violent is
designated, ties split. Built as ``dt.TargetingModel(n_orgs=N, levels=np.linspace(0, 1,
11), benefit=1.0, penalty=1.0, rule=dt.MostViolent(floor=-1.0))``: scores are never
negative, so ``floor=-1`` means *no floor*, which is the issue's contest (at N = 6 it has no
pure equilibrium). With the rule's default ``floor=0`` (the ``floor 0`` groups: the brief's
literal command) everyone at 0 is a pure equilibrium, since nobody is above the floor.

Groups (one per input, ours and the peers side by side):

* ``contest N=4 x 11`` (smoke): ``deterrence-symmetric`` and ``deterrence-auto``;
* ``contest N=6 x 11``: ours (smoke) and, full run only, pygambit on the dense table
  (``m.game().to_normal_form()``): ``pygambit-build-table`` (``Game.from_arrays``),
  ``pygambit-ipa`` and ``pygambit-logit``, each in a subprocess with a 300 s limit after the
  build ("did not finish" is recorded as such), and QuantEcon's ``mclennan_tourky`` (its
  default ``epsilon=1e-3``; numba compilation excluded), with the regret of what it returns;
* ``contest N=20 x 11``, ``contest N=50 x 11`` (full run): ours; the tables would have
  11**20 and 11**50 profiles;
* ``floor 0 N=6/20/50 x 11`` (full run): ours on the brief's literal command.

Every answer of ours is checked outside the timed part: converged, regret <= 1e-10 by the
N-player oracle. The full run also enumerates the pure equilibria of the N = 6 dense table.

Full run (prints a table with the ratios at the end)::

    DETERRENCE_BENCH_FULL=1 python -m pytest benchmarks/test_bench_contest.py \\
        --benchmark-enable -p no:cacheprovider -s
"""

from __future__ import annotations

import functools
import json
import select
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
import pytest

import deterrence as dt

LEVELS = np.linspace(0.0, 1.0, 11)
#: Seconds a peer solver may run after its table is built.
PEER_LIMIT = 300.0
#: Seconds allowed for pygambit to build the 1.77-million-profile table.
BUILD_LIMIT = 600.0

_RESULTS: dict[tuple[str, str], str] = {}
_SECONDS: dict[tuple[str, str], float] = {}


def _model(N: int, floor: float = -1.0) -> dt.TargetingModel:
    return dt.TargetingModel(
        n_orgs=N, levels=LEVELS, benefit=1.0, penalty=1.0, rule=dt.MostViolent(floor=floor)
    )


@functools.cache
def _dense(N: int) -> dt.NormalFormGame:
    return _model(N).game().to_normal_form()


def _record(group: str, who: str, seconds: float | None, note: str = "") -> None:
    if seconds is not None:
        _SECONDS[(group, who)] = seconds
    _RESULTS[(group, who)] = (f"{seconds:10.4f} s" if seconds is not None else " " * 12) + (
        f"  {note}" if note else ""
    )


def _solve(N: int, floor: float, method: str):
    return dt.solve(_model(N, floor).game(), method=method)


def _ours(
    benchmark, bench_min, N: int, method: str, *, floor: float = -1.0, group: str | None = None
) -> None:
    res = benchmark(_solve, N, floor, method)
    assert res.converged, res.message
    assert res[0].regret <= 1e-10
    game = _model(N, floor).game()
    assert dt.regret(game, res[0].strategies) <= 1e-10
    group = group or f"contest N={N} x 11"
    support = np.flatnonzero(res[0].strategies[0] > 0).tolist()
    _record(
        group,
        f"deterrence-{method}",
        bench_min(benchmark),
        f"regret {res[0].regret:.1e}, support {support}",
    )


# ----------------------------------------------------------------------------- ours
@pytest.mark.benchmark(group="contest N=4 x 11")
@pytest.mark.parametrize("method", ["symmetric", "auto"])
def test_contest_4(benchmark, bench_min, method):
    _ours(benchmark, bench_min, 4, method)


@pytest.mark.benchmark(group="contest N=6 x 11")
@pytest.mark.parametrize("method", ["symmetric", "auto"])
def test_contest_6(benchmark, bench_min, method):
    _ours(benchmark, bench_min, 6, method)


@pytest.mark.full_only
@pytest.mark.benchmark(group="contest N=20 x 11")
@pytest.mark.parametrize("method", ["symmetric", "auto"])
def test_contest_20(benchmark, bench_min, method):
    _ours(benchmark, bench_min, 20, method)


@pytest.mark.full_only
@pytest.mark.benchmark(group="contest N=50 x 11")
@pytest.mark.parametrize("method", ["symmetric", "auto"])
def test_contest_50(benchmark, bench_min, method):
    _ours(benchmark, bench_min, 50, method)


@pytest.mark.full_only
@pytest.mark.parametrize(
    "N",
    [
        pytest.param(N, marks=pytest.mark.benchmark(group=f"floor 0 N={N} x 11"))
        for N in (6, 20, 50)
    ],
)
def test_floor_zero(benchmark, bench_min, N):
    """The brief's literal command (``MostViolent()``, floor 0)."""
    _ours(benchmark, bench_min, N, "symmetric", floor=0.0, group=f"floor 0 N={N} x 11")


# ----------------------------------------------------------------------------- pure check
@pytest.mark.full_only
def test_no_pure_equilibrium_at_six():
    """Pure enumeration on the N = 6 dense table (1.77 million profiles): none without a
    floor; with floor 0, everyone at 0 (nobody above the floor, nobody designated)."""
    t = time.perf_counter()
    dense = _dense(6)
    build = time.perf_counter() - t
    t = time.perf_counter()
    res = dt.solve(dense, method="pure")
    enum = time.perf_counter() - t
    assert res.complete and len(res.equilibria) == 0
    _record(
        "contest N=6 x 11",
        "deterrence-dense-table",
        build,
        "to_normal_form (untimed for the solvers below)",
    )
    _record("contest N=6 x 11", "deterrence-pure-enumeration", enum, "0 pure equilibria")
    zero = dt.solve(_model(6, 0.0).game().to_normal_form(), method="pure")
    assert [e.pure_profile for e in zero] == [(0,) * 6]


# ----------------------------------------------------------------------------- peers
_GAMBIT_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    import pygambit as gbt
    import deterrence as dt

    stages = sys.argv[1].split(",")
    model = dt.TargetingModel(n_orgs=6, levels=np.linspace(0, 1, 11), benefit=1.0,
                              penalty=1.0, rule=dt.MostViolent(floor=-1.0))
    dense = model.game().to_normal_form()
    arrays = [np.array(dense.payoffs[i]) for i in range(6)]
    t = time.perf_counter()
    game = gbt.Game.from_arrays(*arrays)
    print(json.dumps({"stage": "build", "seconds": time.perf_counter() - t}), flush=True)
    del arrays
    for stage in stages:
        t = time.perf_counter()
        res = (gbt.nash.ipa_solve(game) if stage == "ipa" else gbt.nash.logit_solve(game))
        sec = time.perf_counter() - t
        eqs = [[[float(eq[s]) for s in p.strategies] for p in game.players]
               for eq in res.equilibria]
        print(json.dumps({"stage": stage, "seconds": sec, "equilibria": eqs,
                          "gambit_regret": [float(eq.max_regret()) for eq in res.equilibria]}),
              flush=True)
    """
)


def _run_gambit(stages: list[str]) -> dict[str, dict]:
    """Run pygambit stages in a subprocess: the build (limit BUILD_LIMIT), then each solver
    (limit PEER_LIMIT after the previous line); a stage past its limit is killed and
    recorded as not finished, and the remaining ones restart in a fresh process."""
    out: dict[str, dict] = {}
    todo = list(stages)
    while todo:
        errf = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in finally)
        proc = subprocess.Popen(
            [sys.executable, "-c", _GAMBIT_SCRIPT, ",".join(todo)],
            stdout=subprocess.PIPE,
            stderr=errf,
            text=True,
        )
        expect = ["build", *todo]
        deadline = time.monotonic() + BUILD_LIMIT
        try:
            while expect:
                left = deadline - time.monotonic()
                ready, _, _ = select.select([proc.stdout], [], [], max(0.0, left))
                if not ready:
                    stage = expect[0]
                    limit = BUILD_LIMIT if stage == "build" else PEER_LIMIT
                    out[stage] = {"finished": False, "limit": limit}
                    if stage in todo:
                        todo.remove(stage)
                    if stage == "build":
                        todo = []
                        for s in expect[1:]:
                            out[s] = {"finished": False, "limit": None}
                    break
                line = proc.stdout.readline()
                if not line:  # the process died (e.g. out of memory)
                    proc.wait()
                    errf.seek(0)
                    err = errf.read()[-500:]
                    for s in expect:
                        out[s] = {"finished": False, "error": err or f"exit {proc.poll()}"}
                    todo = []
                    break
                rec = json.loads(line)
                rec["finished"] = True
                out[rec["stage"]] = rec
                expect.remove(rec["stage"])
                if rec["stage"] in todo:
                    todo.remove(rec["stage"])
                deadline = time.monotonic() + PEER_LIMIT
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            errf.close()
    return out


@pytest.mark.full_only
def test_pygambit_on_the_dense_table():
    pytest.importorskip("pygambit", reason="pygambit comparison")
    import pygambit as gbt

    group = "contest N=6 x 11"
    runs = _run_gambit(["ipa", "logit"])
    game = _model(6).game()
    b = runs.get("build", {})
    if b.get("finished"):
        _record(
            group,
            "pygambit-build-table",
            b["seconds"],
            f"Game.from_arrays (pygambit {gbt.__version__})",
        )
    else:
        why = b.get("error") or f"> {b.get('limit')} s"
        _record(group, "pygambit-build-table", None, f"did not finish ({why})")
    for stage in ("ipa", "logit"):
        r = runs.get(stage, {})
        who = f"pygambit-{stage}"
        if r.get("finished"):
            regs = [dt.regret(game, eq) for eq in r["equilibria"]]
            note = (
                f"{len(regs)} equilibria, regret {max(regs):.1e} (ours), "
                f"{max(r['gambit_regret']):.1e} (gambit)"
                if regs
                else "no equilibrium"
            )
            _record(group, who, r["seconds"], note)
        else:
            why = r.get("error") or (
                f"> {r['limit']:.0f} s" if r.get("limit") else "not run (the table was not built)"
            )
            _record(group, who, None, f"did not finish ({why})")


@pytest.mark.full_only
def test_quantecon_mclennan_tourky():
    gt = pytest.importorskip("quantecon.game_theory", reason="QuantEcon comparison")
    import quantecon

    dense = _dense(6)

    def qe_game(payoffs):
        # QuantEcon's player i: own action first, then players i+1, ..., N-1, 0, ..., i-1
        N = payoffs.shape[0]
        return gt.NormalFormGame(
            [
                gt.Player(
                    np.ascontiguousarray(np.transpose(payoffs[i], [(i + k) % N for k in range(N)]))
                )
                for i in range(N)
            ]
        )

    g = qe_game(dense.payoffs)
    small = qe_game(
        dt.TargetingModel(n_orgs=3, levels=[0.0, 1.0], penalty=1.0).game().to_normal_form().payoffs
    )
    gt.mclennan_tourky(small)  # numba compilation, untimed
    t = time.perf_counter()
    ne, res = gt.mclennan_tourky(g, full_output=True)
    sec = time.perf_counter() - t
    reg = dt.regret(dense, [np.asarray(x) for x in ne])
    _record(
        "contest N=6 x 11",
        "quantecon-mclennan_tourky",
        sec,
        f"regret {reg:.1e}, converged={res.converged}, {res.num_iter} iterations, "
        f"epsilon 1e-3 (quantecon {quantecon.__version__})",
    )


# ----------------------------------------------------------------------------- table
def test_print_table(capsys):
    """Side-by-side table of one run, with ratios to ours (symmetric) in each group."""
    if not _RESULTS:
        pytest.skip("nothing recorded")
    lines = ["", "contest yardstick (fastest round of ours; one run of each peer)"]
    for group in sorted({g for g, _ in _RESULTS}):
        ref = _SECONDS.get((group, "deterrence-symmetric"))
        lines.append(f"  {group}")
        for (g, who), text in sorted(_RESULTS.items()):
            if g != group:
                continue
            sec = _SECONDS.get((g, who))
            ratio = ""
            if ref and sec and who != "deterrence-symmetric":
                r = sec / ref
                ratio = f"  x{r:,.0f}" if r >= 10 else f"  x{r:.2g}"
            lines.append(f"    {who:32s} {text}{ratio}")
    with capsys.disabled():
        print("\n".join(lines))
