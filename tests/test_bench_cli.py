"""``deterrence bench`` and the suite behind it (deterrence/bench.py): rows, ratios,
agreement with the peers, the limits, absent peers and the errors."""

from __future__ import annotations

import importlib.util
import json
import time

import numpy as np
import pytest

from deterrence import bench
from deterrence.cli import main
from deterrence.errors import DeterrenceError


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _json(text: str):
    def refuse(name: str):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_quick_json_pure_rows_have_ratios_and_agree(capsys) -> None:
    assert main(["bench", "--quick", "--json", "--only", "pure"]) == 0
    out = _json(capsys.readouterr().out)
    rows = out["rows"]
    assert out["quick"] is True
    assert rows and {r["area"] for r in rows} == {"pure"}
    assert {r["size"] for r in rows} == {"3 x 5", "4 x 6"}
    for r in rows:
        assert r["regret"] == 0.0  # pure equilibria: exact best responses
        assert r["ours"] > 0.0 and r["peak_bytes"] > 0
    ran = [r for r in rows if r["peer_seconds"] is not None]
    expected = sum(_installed(m) for m in ("pygambit", "quantecon")) * 2
    assert len(ran) == expected
    for r in ran:
        assert r["status"] == "ok"
        assert r["agree"] is True  # the same complete set of pure equilibria
        assert r["ratio"] == pytest.approx(r["peer_seconds"] / r["ours"])
    for r in rows:
        if r["peer_seconds"] is None:
            assert r["status"] == "not installed"


def test_text_table(capsys) -> None:
    assert main(["bench", "--quick", "--only", "lemke-howson", "--no-peers"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].split()[:5] == ["area", "game", "size", "ours", "peak"]
    assert [ln.split()[2:5] for ln in lines[2:4]] == [["5", "x", "5"], ["10", "x", "10"]]
    assert "quick run" in lines[-1]
    assert main(["bench", "--quick", "--only", "lemke-howson", "--no-peers", "--markdown"]) == 0
    md = capsys.readouterr().out.splitlines()
    assert md[0].startswith("| area | game | size | ours | peak |") and md[1].startswith("|---|")
    assert md[2].startswith("| lemke-howson | uniform | 5 x 5 |")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--only", "bogus"], ["--only bogus", "pure", "dynamics"]),
        (["--only", "pure", "nope"], ["--only nope", "two-player"]),
        (["--peers", "scipy"], ["--peers scipy", "pygambit"]),
        (["--time-limit", "0"], ["--time-limit=0", "> 0"]),
        (["--time-limit", "soon"], ["--time-limit='soon'", "number"]),
    ],
)
def test_bad_options_exit_2(capsys, argv, words) -> None:
    assert main(["bench", "--quick", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert err.startswith("deterrence bench: error: ") and err.count("\n") == 1
    for w in words:
        assert w in err


def test_library_validates_before_work() -> None:
    with pytest.raises(DeterrenceError, match=r"only=.*'pure'"):
        bench.run_bench(only=["purse"])
    with pytest.raises(DeterrenceError, match=r"peers=.*'nashpy'"):
        bench.run_bench(only=["pure"], peers=["nash"])
    with pytest.raises(DeterrenceError, match="time_limit"):
        bench.run_bench(only=["pure"], time_limit=-1.0)


def test_every_area_ours_only_is_correct() -> None:
    """Every quick case of every area runs and our answers are equilibria."""
    rep = bench.run_bench(quick=True, peers=())
    assert [a for a in bench.AREAS if any(r.area == a for r in rep.rows)] == list(bench.AREAS)
    for r in rep.rows:
        assert r.peer == "-" and r.status == "no peer" and r.ratio is None
        assert r.regret <= 1e-8, (r.area, r.size, r.regret)
        # a game may have no pure equilibrium; every other method finds at least one
        assert r.equilibria >= (0 if r.area.startswith("pure") else 1)
    # the catalog's known answer: von Stengel's 6 x 6 game has 75 equilibria
    (vs,) = [r for r in rep.rows if r.game == "von_stengel_75"]
    assert vs.equilibria == 75
    df = rep.to_dataframe()
    assert list(df.columns[:5]) == ["area", "game", "size", "ours", "peer"]
    assert len(df) == len(rep.rows)


def test_known_slow_peer_is_not_called(monkeypatch) -> None:
    """Above a peer's size limit the peer is not called: "> limit", no time."""
    calls = []
    real = bench._run_peer

    def spy(peer, base, **kw):
        row = real(peer, base, **kw)
        calls.append((peer.run, row))
        return row

    monkeypatch.setattr(bench, "_run_peer", spy)
    monkeypatch.setattr(bench, "_installed", lambda lib: True)
    rep = bench.run_bench(only=["pure-structured"], peers=["quantecon"])
    big = [r for r in rep.rows if r.size == "6 x 11"]
    assert len(big) == 1 and big[0].status == "> limit" and big[0].peer_seconds is None
    assert all(run for run, row in calls if row.status != "> limit")


def test_absent_peer_is_a_row_not_an_error(monkeypatch) -> None:
    monkeypatch.setattr(bench, "_installed", lambda lib: lib != "pygambit")
    rep = bench.run_bench(only=["logit"], peers=["pygambit"])
    assert rep.rows and all(r.status == "not installed" for r in rep.rows)
    assert all(r.peer_seconds is None and r.agree is None for r in rep.rows)
    assert "not installed" in rep.table()


def test_failing_peer_is_reported(monkeypatch) -> None:
    def boom():
        raise RuntimeError("peer crashed")

    peer = bench._Peer(library="nashpy", routine="x", prepare=boom, agree=lambda a, b: True)
    monkeypatch.setattr(bench, "_installed", lambda lib: True)
    base = {
        "area": "a",
        "game": "g",
        "size": "1",
        "ours": 1.0,
        "regret": 0.0,
        "equilibria": 1,
        "peak_bytes": 1,
    }
    row = bench._run_peer(peer, base, ours_answer=None, settings=bench._SETTINGS[True])
    assert row.status == "failed: RuntimeError: peer crashed" and row.agree is None


@pytest.mark.skipif(not _installed("quantecon"), reason="quantecon (test extra) not installed")
def test_two_player_agrees_with_quantecon() -> None:
    rep = bench.run_bench(only=["two-player"], peers=["quantecon"])
    assert len(rep.rows) == 3
    assert all(r.status == "ok" and r.agree for r in rep.rows)


def test_same_sets_detects_a_difference() -> None:
    X = np.array([[1.0, 0.0], [0.5, 0.5]])
    assert bench._same_sets(X, X[::-1])
    assert not bench._same_sets(X, X[:1])
    assert not bench._same_sets(X, X + 1e-3)
    assert bench._same_sets(np.empty((0, 2)), np.empty((0, 2)))


def test_time_call_median_of_fastest_and_limit() -> None:
    n = []

    def slow():
        n.append(1)
        time.sleep(0.03)
        return "done"

    t, value = bench.time_call(slow, rounds=5, min_round=0.001, time_limit=0.01)
    assert value == "done" and len(n) == 1  # over the limit: not repeated
    assert t >= 0.03
    n.clear()
    t, _ = bench.time_call(slow, rounds=3, min_round=0.001, budget=1.0)
    assert len(n) == 4 and 0.03 <= t < 0.2  # warm-up + 3 rounds of one call
