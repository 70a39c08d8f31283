"""The command line (deterrence/cli/): every subcommand's exit codes, JSON output and errors,
the help texts, and every example the help texts show."""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys

import numpy as np
import pytest

import deterrence as dt
from deterrence.cli import COMMANDS, build_parser, main

COMMAND_NAMES = [m.__name__.rsplit(".", 1)[1] for m in COMMANDS]
FAST_TIPPING = ["--runs", "3", "--periods", "200"]


def _strict_json(text: str):
    """Parse standard JSON only (NaN / Infinity are refused)."""

    def refuse(name: str):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _examples() -> list[str]:
    parser = build_parser()
    texts = [parser.epilog, *(p.epilog for p in _subparsers(parser).values())]
    out = []
    for text in texts:
        assert text and text.startswith("examples:"), "every help text shows examples"
        out += [ln.strip() for ln in text.splitlines()[1:] if ln.strip()]
    return out


# ------------------------------------------------------------------------------- help
def test_commands_are_the_imported_modules() -> None:
    assert COMMAND_NAMES[:4] == ["solve", "games", "analyze", "tipping"]
    assert list(_subparsers(build_parser())) == COMMAND_NAMES
    for module in COMMANDS:  # each command module registers itself and has a handler
        assert callable(module.register) and callable(module.run)


def test_top_level_help(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: deterrence")
    for name in COMMAND_NAMES:
        assert f"    {name} " in out
    assert "examples:\n  deterrence games\n" in out


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_each_subcommand_help(capsys, name: str) -> None:
    with pytest.raises(SystemExit) as info:
        main([name, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: deterrence {name}")
    assert f"examples:\n  deterrence {name}" in out


def test_version_and_missing_command(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"deterrence {dt.__version__}"
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2  # argparse: the command is required
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


@pytest.mark.parametrize("example", _examples())
def test_every_help_example_runs(capsys, example: str) -> None:
    argv = shlex.split(example)
    assert argv[0] == "deterrence"
    assert main(argv[1:]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.strip()
    if "--json" in argv:
        _strict_json(out)


# ------------------------------------------------------------------------------ solve
def test_solve_text_is_pinned(capsys) -> None:
    assert main(["solve", "prisoners_dilemma"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(": 2 players, actions 2 x 2")
    assert lines[1].startswith("method auto")
    assert lines[-1].split() == ["1", "Defect", "Defect", "1,", "1", "0.0e+00"]


def test_solve_json(capsys) -> None:
    assert main(["solve", "battle_of_the_sexes", "--method", "support", "--json"]) == 0
    out = _strict_json(capsys.readouterr().out)
    assert out["method"] == "support" and out["complete"] is True
    assert len(out["equilibria"]) == 3
    assert all(e["regret"] <= 1e-12 for e in out["equilibria"])
    assert out["game"]["shape"] == [2, 2]


def test_solve_reads_a_file(tmp_path, capsys) -> None:
    path = tmp_path / "g.nfg"
    path.write_text(dt.write_nfg(dt.catalog.matching_pennies()))
    assert main(["solve", str(path), "--json"]) == 0
    eq = _strict_json(capsys.readouterr().out)["equilibria"]
    assert np.allclose(eq[0]["strategies"], 0.5, atol=1e-12)


def _one_line_error(capsys, command: str) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"deterrence {command}: error: ")
    return lines[0]


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["solve", "no_such_game"], "not a bundled game"),
        (["solve", "shapley", "-o", "tol"], "expected KEY=VALUE"),
        (["solve", "shapley", "--method", "logit", "-o", "bogus=1"], "bogus"),
        (["analyze", "no_such_scenario"], "no_such_scenario"),
        (["analyze", "symmetric", "--max-iter", "0"], "max_iter=0"),
        (["tipping", *FAST_TIPPING, "--sd", "0"], "sd=0.0 is out of range"),
        (["tipping", *FAST_TIPPING, "--runs", "x"], "--runs='x' is not valid"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv: list[str], needle: str) -> None:
    assert main(argv) == 2
    assert needle in _one_line_error(capsys, argv[0])


def test_bad_files_exit_2_with_one_line(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.nfg"
    bad.write_text("NFG 1 R garbage")
    assert main(["solve", str(bad)]) == 2
    _one_line_error(capsys, "solve")
    toml = tmp_path / "bad.toml"
    toml.write_text("n_orgs = 'many'\n")
    assert main(["analyze", str(toml)]) == 2
    _one_line_error(capsys, "analyze")


# ------------------------------------------------------------------------------ games
def test_games_lists_the_bundled_files(capsys) -> None:
    assert main(["games"]) == 0
    names = capsys.readouterr().out.split()
    assert "prisoners_dilemma.nfg" in names and names == sorted(names)
    for name in names:  # every listed game solves by its name
        assert main(["solve", name, "--method", "pure", "--json"]) in (0, 1)
        _strict_json(capsys.readouterr().out)


# ---------------------------------------------------------------------------- analyze
def test_analyze_list_and_json(capsys) -> None:
    assert main(["analyze", "--list"]) == 0
    assert capsys.readouterr().out.split() == dt.available_scenarios()
    assert main(["analyze", "undercutting", "--no-thresholds", "--mixed", "none", "--json"]) == 0
    out = _strict_json(capsys.readouterr().out)
    assert out["scenario"]["source"] == "undercutting"
    assert out["verdict"] in ("full", "partial", "none", "escalation")
    assert out["thresholds"] == []


def test_analyze_text_is_the_report_summary(capsys) -> None:
    assert main(["analyze", "symmetric", "--no-thresholds", "--mixed", "none"]) == 0
    out = capsys.readouterr().out
    rep = dt.analyze("symmetric", thresholds=False, mixed="none")
    assert out == rep.summary() + "\n"
    assert "VERDICT: FULL" in out


# ---------------------------------------------------------------------------- tipping
def test_tipping_json_is_standard_even_with_infinite_capacities(capsys) -> None:
    """gamma = 0: nobody is ever caught, the critical capacities are infinite -> null."""
    assert main(["tipping", *FAST_TIPPING, "--gamma", "0", "--capacity", "30", "--json"]) == 0
    out = _strict_json(capsys.readouterr().out)
    assert out["critical_capacity"]["low"] is None and out["critical_capacity"]["high"] is None


def test_tipping_text(capsys) -> None:
    assert main(["tipping", *FAST_TIPPING, "--capacity", "20", "50"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tipping model: n=100")
    assert [ln.split()[0] for ln in out.splitlines()[-2:]] == ["20", "50"]


# ------------------------------------------------------------------------ entry points
@pytest.mark.parametrize("module", ["deterrence", "deterrence.cli"])
def test_python_dash_m(module: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", module, "games"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "shapley.nfg" in proc.stdout.split()


def test_bad_input_through_the_process_exit_code() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "deterrence", "solve", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(shutil.which("deterrence") is None, reason="script not installed")
def test_installed_script() -> None:
    proc = subprocess.run(["deterrence", "games"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "shapley.nfg" in proc.stdout
