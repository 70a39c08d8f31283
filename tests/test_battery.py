"""The input battery (issue: reliability at scale): hundreds of bad and valid inputs.

Every bad input must be answered by a ``DeterrenceError`` that names the field and the value,
within one second, before any large allocation; every valid input must be answered
correctly. The cases (tests/battery_cases.py) run in ONE child process whose address space is
capped (``resource.setrlimit(RLIMIT_AS)``), so an input that makes the library allocate
gigabytes dies there with a raw ``MemoryError`` — which fails its case — instead of being
refused; each result is streamed back as one JSON line, so a child that crashes loses only
the case it was on. CLI cases call ``deterrence.cli.main`` in-process: exit code 2 and one
line on stderr.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from battery_cases import CASES

#: Address-space cap of the child (numpy, scipy, pandas and BLAS fit well inside it).
ADDRESS_SPACE = 6 * 2**30
#: Longest a bad input may take to be refused (seconds): generous, so a loaded machine
#: (CI beside other jobs) does not fail it, yet far below any case that starts the work.
REFUSAL_SECONDS = 5.0
#: Any case still running after this long is stopped (and fails).
CASE_LIMIT_SECONDS = 20.0

_RUNNER = textwrap.dedent(
    """
    import contextlib, io, json, os, resource, signal, sys, tempfile, time, tomllib, traceback
    sys.path.insert(0, sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
    import numpy as np
    import deterrence as dt
    from deterrence.errors import DeterrenceError
    from battery_cases import CASES

    class CliError(Exception):
        def __init__(self, code, err):
            super().__init__(err)
            self.code, self.err = code, err

    def cli(argv):
        from deterrence.cli import main
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse usage errors
                code = exc.code
        if code != 0:
            raise CliError(code, err.getvalue())
        return out.getvalue()

    def _write(text):
        fd, path = tempfile.mkstemp(suffix=".toml")
        os.write(fd, text.encode()); os.close(fd)
        return path

    class CaseTimeout(BaseException):
        pass

    def _alarm(signum, frame):
        raise CaseTimeout("still running after the per-case limit")

    signal.signal(signal.SIGALRM, _alarm)
    out = open(sys.argv[3], "a")
    for cid, expect, code in CASES[int(sys.argv[5]):]:
        signal.setitimer(signal.ITIMER_REAL, float(sys.argv[4]))
        ns = {"dt": dt, "np": np, "cli": cli, "_write": _write, "tomllib": tomllib}
        t0 = time.perf_counter()
        rec = {"id": cid}
        try:
            exec(code, ns)
            rec["outcome"] = "ok"
        except CliError as exc:
            rec.update(outcome="cli", code=exc.code, message=exc.err)
        except DeterrenceError as exc:
            rec.update(outcome="error", type=type(exc).__name__, message=str(exc))
        except OSError as exc:
            rec.update(outcome="oserror", type=type(exc).__name__, message=str(exc))
        except MemoryError as exc:
            rec.update(outcome="raw", type="MemoryError", message=str(exc))
        except BaseException as exc:
            rec.update(outcome="raw", type=type(exc).__name__, message=str(exc),
                       trace=traceback.format_exc(limit=4))
        signal.setitimer(signal.ITIMER_REAL, 0)
        rec["seconds"] = time.perf_counter() - t0
        out.write(json.dumps(rec) + "\\n")
        out.flush()
    """
)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Run every case in a capped child; if the child dies (a crash the cap provokes), the
    case it was on is recorded as such and a new child goes on with the next case."""
    tmp = tmp_path_factory.mktemp("battery")
    runner, out = tmp / "runner.py", tmp / "results.jsonl"
    runner.write_text(_RUNNER)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    recs: dict[str, dict] = {}
    start = 0
    while start < len(CASES):
        proc = subprocess.run(
            [
                sys.executable,
                str(runner),
                str(Path(__file__).parent),
                str(ADDRESS_SPACE),
                str(out),
                str(CASE_LIMIT_SECONDS),
                str(start),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if out.exists():
            for line in out.read_text().splitlines():
                rec = json.loads(line)
                recs[rec["id"]] = rec
        done = [k for k, c in enumerate(CASES) if c[0] in recs]
        start = max(done) + 1 if done else 0
        if start < len(CASES) and proc.returncode != 0:
            cid = CASES[start][0]
            recs[cid] = {
                "id": cid,
                "outcome": "died",
                "type": f"exit {proc.returncode}",
                "message": proc.stderr[-2000:],
            }
            with out.open("a") as fh:
                fh.write(json.dumps(recs[cid]) + "\n")
            start += 1
        elif start < len(CASES):
            break  # the child stopped early without dying: report the rest as missing
    return recs


def test_the_battery_is_large_and_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 300
    assert sum(1 for c in CASES if c[1] == "ok") >= 30  # valid inputs are answered too


@pytest.mark.parametrize(("cid", "expect", "code"), CASES, ids=[c[0] for c in CASES])
def test_case(results, cid, expect, code):
    rec = results.get(cid)
    if rec is None:
        pytest.fail(f"the battery's child stopped before case {cid!r}")
    if expect == "ok":
        assert rec["outcome"] == "ok", f"{cid}: expected a valid answer, got {rec}"
        return
    if expect.startswith("cli:"):
        assert rec["outcome"] == "cli", f"{cid}: expected a CLI refusal, got {rec}"
        assert rec["code"] == 2, rec
        lines = [ln for ln in rec["message"].splitlines() if ln.strip()]
        assert lines, rec
        # argparse prints its usage first; the refusal itself is the last, single line
        assert re.search(expect[4:], lines[-1]), f"{cid}: {lines[-1]!r} !~ {expect[4:]!r}"
        if not lines[-1].startswith("usage:") and not any("usage:" in ln for ln in lines):
            assert len(lines) == 1, f"{cid}: expected one line on stderr, got {lines}"
        return
    if expect.startswith("os:"):
        assert rec["outcome"] == "oserror", f"{cid}: expected an OSError, got {rec}"
        assert re.search(expect[3:], rec["message"]), rec["message"]
        return
    assert rec["outcome"] == "error", (
        f"{cid}: expected a DeterrenceError matching {expect!r}, got {rec.get('type')}: "
        f"{rec.get('message')}\n{rec.get('trace', '')}"
    )
    assert re.search(expect, rec["message"]), f"{cid}: {rec['message']!r} !~ {expect!r}"
    assert rec["seconds"] <= REFUSAL_SECONDS, f"{cid}: refused after {rec['seconds']:.2f} s"
