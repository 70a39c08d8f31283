"""``deterrence tipping`` on the command line."""

from __future__ import annotations

import json

import pytest

from deterrence.cli import main

FAST = ["--runs", "3", "--periods", "200"]


def test_tipping_json_parses(capsys) -> None:
    assert main(["tipping", "--capacity", "20", "50", "--json", *FAST]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"]["n"] == 100 and out["model"]["gamma"] == 0.8
    assert out["critical_capacity"]["bistable"] is True
    assert out["critical_capacity"]["low"] == pytest.approx(15.8655, abs=1e-3)
    caps = out["capacities"]
    assert [c["capacity"] for c in caps] == [20.0, 50.0]
    assert caps[0]["mean_violations"] > 90 > caps[1]["mean_violations"]
    assert [m["kind"] for m in caps[0]["mean_field"]] == ["low", "unstable", "high"]
    assert [m["kind"] for m in caps[1]["mean_field"]] == ["low"]
    # infinite expected times (never tipped) are written as null, so the JSON is standard
    assert caps[0]["expected_tip_time_from_high"] is None


def test_tipping_text_table_and_range_syntax(capsys) -> None:
    assert main(["tipping", "--capacity", "10:50:3", *FAST]) == 0
    out = capsys.readouterr().out
    assert "bistable for 15.87 <= R < 43.6" in out
    lines = [ln.split() for ln in out.splitlines()]
    assert [ln[0] for ln in lines[-3:]] == ["10", "30", "50"]


def test_tipping_variants(capsys) -> None:
    assert (
        main(
            [
                "tipping",
                "--enforcement",
                "priority",
                "--warnings",
                "--tier-size",
                "20",
                "--crackdown",
                "10:60:5",
                "--capacity",
                "25",
                "--start",
                "high",
                "--json",
                *FAST,
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["model"]["enforcement"] == "priority" and out["model"]["warnings"] is True
    assert out["model"]["tier_size"] == 20
    assert out["model"]["crackdown"] == {"extra": 10.0, "trigger": 60.0, "max_periods": 5}
    assert "mean_field" not in out["capacities"][0]
    assert "p_tip_from_high" in out["capacities"][0]


def test_tipping_same_seed_same_output(capsys) -> None:
    main(["tipping", "--capacity", "40", "--seed", "3", "--json", *FAST])
    first = capsys.readouterr().out
    main(["tipping", "--capacity", "40", "--seed", "3", "--json", *FAST])
    assert capsys.readouterr().out == first


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--capacity", "-5"], "capacity=-5.0 is out of range"),
        (["--capacity", "abc"], "--capacity='abc' is not valid"),
        (["--capacity", "1:2"], "START:STOP:NUM"),
        (["--sd", "0"], "sd=0.0 is out of range"),
        (["--sd", "-1"], "sd=-1.0"),
        (["--memory", "0"], "memory=0 is out of range"),
        (["--memory", "two"], "--memory='two' is not valid; expected an integer"),
        (["--gamma", "1.5"], "gamma=1.5 is out of range"),
        (["--gamma", "-0.5"], "gamma=-0.5 is out of range"),
        (["--enforcement", "focused"], "enforcement='focused'"),
        (["--warnings"], "warnings=True is not valid with enforcement='random'"),
        (["--start", "middle"], "--start='middle'"),
        (["--runs", "0"], "--runs=0"),
        (["--crackdown", "5"], "EXTRA:TRIGGER"),
        (["--crackdown", "5:-1"], "crackdown.trigger=-1.0"),
    ],
)
def test_bad_values_exit_2_with_one_line(capsys, args: list[str], needle: str) -> None:
    assert main(["tipping", *FAST, *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("deterrence tipping: error:")
    assert needle in lines[0]
