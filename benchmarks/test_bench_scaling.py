"""The scaling-curve script (benchmarks/scaling.py): a quick run writes the CSV and the
figure; the stopping rules (memory, time, predicted time) stop a method where they should."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent / "scaling.py"


def _module():
    spec = importlib.util.spec_from_file_location("_scaling", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_quick_run_writes_csv_and_png(tmp_path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--quiet", "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    png = tmp_path / "scaling.png"
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(tmp_path / "scaling.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert set(rows[0]) == {"family", "xlabel", "size", "x", "method", "seconds", "status"}
    families = {r["family"] for r in rows}
    assert len(families) == len(_module().FAMILIES)
    for fam in families:
        ours = [r for r in rows if r["family"] == fam and r["method"].startswith("ours")]
        assert ours and all(r["status"] == "ok" and float(r["seconds"]) > 0 for r in ours)
    for r in rows:
        assert r["status"] == "ok" or r["status"].startswith(
            ("stopped: ", "not installed", "failed: ")
        )
        assert (r["seconds"] != "") == (r["status"] == "ok")


def test_stopping_rules(monkeypatch) -> None:
    mod = _module()
    calls: list[tuple[str, int]] = []

    def maker(name, seconds):
        def make(x):
            def call():
                calls.append((name, x))
                time.sleep(seconds(x))

            return call

        return make

    fam = mod.Family(
        name="fake",
        xlabel="n",
        sizes=(1, 2, 3, 4),
        methods=(
            mod.Method("ours", maker("ours", lambda x: 0.0)),
            mod.Method("table", maker("table", lambda x: 0.0), bytes_=lambda x: 10.0**x),
            # 0.02 s at n=1, work 10**n: 0.2 s predicted at n=2 > limit 0.1 s
            mod.Method("slow", maker("slow", lambda x: 0.02), work=lambda x: 10.0**x),
            mod.Method("absent", maker("absent", lambda x: 0.0), library="no_such_lib_xyz"),
        ),
    )
    monkeypatch.setattr(mod, "FAMILIES", (lambda quick: fam,))
    rows = mod.run(True, time_limit=0.1, memory_limit=500.0, log=lambda m: None)
    by = {}
    for r in rows:
        by.setdefault(r["method"], []).append((r["size"], r["status"].split(" (")[0]))
    assert by["ours"] == [(x, "ok") for x in (1, 2, 3, 4)]
    assert by["table"] == [(1, "ok"), (2, "ok"), (3, "stopped: memory")]
    assert by["slow"] == [(1, "ok"), (2, "stopped: time")]
    assert by["absent"] == [(1, "not installed")]
    assert ("table", 3) not in calls and ("slow", 2) not in calls
    assert not any(name == "absent" for name, _ in calls)


@pytest.mark.parametrize("status", ["stopped: memory (needs ~3 GB)", "stopped: time (~90 s)"])
def test_plot_marks_the_stop(tmp_path, status) -> None:
    mod = _module()
    rows = [
        {"family": "f", "xlabel": "n", "size": n, "x": n, "method": m, "seconds": s, "status": st}
        for n, m, s, st in [
            (1, "ours", "0.001", "ok"),
            (2, "ours", "0.002", "ok"),
            (1, "peer", "0.01", "ok"),
            (2, "peer", "", status),
        ]
    ]
    mod.plot(rows, tmp_path / "p.png", "title")
    assert (tmp_path / "p.png").stat().st_size > 5_000


def test_family_rerun_replaces_only_its_rows(tmp_path) -> None:
    """``--family stochastic`` re-runs that family alone and keeps every other family's rows
    of the existing table (in the order of FAMILIES)."""
    mod = _module()
    names = [b(True).name for b in mod.FAMILIES]
    stale = {"xlabel": "n", "size": 2, "x": 2, "method": "ours", "seconds": "99", "status": "ok"}
    with open(tmp_path / "scaling.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["family", *stale])
        w.writeheader()
        w.writerow({"family": names[-1], **stale})  # the stochastic family, stale
        w.writerow({"family": names[0], **stale})  # another family, kept as it is
    args = ["--quick", "--quiet", "--family", "stochastic", "--out-dir", str(tmp_path)]
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    with open(tmp_path / "scaling.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["family"] == names[0] and rows[0]["seconds"] == "99"
    fresh = [r for r in rows if r["family"] == names[-1]]
    assert len(rows) == 1 + len(fresh)
    ours = [r for r in fresh if r["method"].startswith("ours")]
    assert [int(r["size"]) for r in ours] == [2, 3]
    assert all(r["status"] == "ok" and float(r["seconds"]) < 99 for r in ours)
    bad = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--family", "nope", "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "invalid choice: 'nope'" in bad.stderr
