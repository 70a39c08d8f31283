"""README.md's commands and Python example are the proven ones."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import deterrence as dt

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs(tmp_path, monkeypatch):
    """The README's Python block runs as written (its game.nfg is written first)."""
    block = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "game.nfg").write_text(dt.write_nfg(dt.catalog.shapley_game()))
    namespace: dict = {}
    exec(compile(block, str(README), "exec"), namespace)
    assert namespace["report"].verdict == "full"
    assert namespace["weaker"].dynamics == "cycle"
    assert namespace["game"] == dt.catalog.shapley_game()


def test_readme_names_the_ci_commands():
    """.ci/run extracts the two commands after the ci:main / ci:test markers."""
    text = README.read_text()
    for key, expected in (("main", "&& deterrence"), ("test", "python -m pytest")):
        after = text.split(f"<!-- ci:{key} ", 1)[1]
        command = next(
            line for line in after.splitlines()[1:] if line and not line.startswith("```")
        )
        assert command.endswith(expected)


def test_cli_entry_point_runs():
    """`python -m deterrence` is the same program as the `deterrence` script."""
    out = subprocess.run(
        [sys.executable, "-m", "deterrence", "solve", "prisoners_dilemma", "--method", "pure"],
        capture_output=True,
        text=True,
        check=True,
    )
    row = [line.split() for line in out.stdout.splitlines() if line.startswith("1 ")]
    assert row == [["1", "Defect", "Defect", "1,", "1", "0.0e+00"]]
