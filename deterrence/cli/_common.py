"""What every subcommand shares: the help formatter, number parsing, JSON printing and the
error policy (a :class:`~deterrence.DeterrenceError` ends the program with exit code 2 and
one line on stderr)."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable
from typing import Any

from .._report import jsonable
from ..errors import DeterrenceError

__all__ = ["HelpFormatter", "examples", "number", "print_json", "run_handler"]


class HelpFormatter(argparse.HelpFormatter):
    """argparse's default layout (descriptions re-wrapped), except that an epilog starting
    with ``examples:`` keeps its lines as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def examples(*commands: str) -> str:
    """An ``examples:`` epilog, one command a line (tests/test_cli.py runs every one)."""
    return "examples:\n" + "\n".join(f"  {c}" for c in commands)


def number(name: str, text: str, kind: type = float) -> Any:
    """``text`` as an int or a float, or a DeterrenceError naming the option ``--name``."""
    try:
        return int(text) if kind is int else float(text)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise DeterrenceError(f"--{name}={text!r} is not valid; expected {what}") from None


def _finite(v: Any) -> Any:
    """Standard JSON: non-finite floats (nan, inf) become ``None`` (``null``)."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, list):
        return [_finite(x) for x in v]
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    return v


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented standard JSON (numpy types converted, nan/inf as null)."""
    print(json.dumps(_finite(jsonable(obj)), indent=2, allow_nan=False))


def run_handler(
    command: str, handler: Callable[[argparse.Namespace], int], args: argparse.Namespace
) -> int:
    """Run a subcommand's handler under the error policy and return the exit code."""
    try:
        return int(handler(args))
    except DeterrenceError as exc:
        msg = " ".join(str(exc).split())
        print(f"deterrence {command}: error: {msg}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        where = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
        print(f"deterrence {command}: error: {where}", file=sys.stderr)
        return 2
