"""Exceptions raised by ``deterrence``.

Every error a user can trigger with bad input is a :class:`DeterrenceError`, which is a
:class:`ValueError`, so ``except ValueError`` keeps working in research code. Messages name
the field, the value received and what was expected.
"""

from __future__ import annotations

__all__ = [
    "DeterrenceError",
    "GameTooLargeError",
    "InvalidGameError",
    "InvalidProfileError",
    "NfgFormatError",
    "ScenarioError",
    "UnknownOptionError",
    "UnsupportedGameError",
]


class DeterrenceError(ValueError):
    """Base class of every input error raised by the library."""


class InvalidGameError(DeterrenceError):
    """A game's payoffs, shape or names are not valid."""


class InvalidProfileError(DeterrenceError):
    """A (mixed or pure) strategy profile does not fit the game it is used with."""


class UnsupportedGameError(DeterrenceError):
    """A solver was asked to solve a game outside its scope (e.g. 3 players for ``lp``)."""


class UnknownOptionError(DeterrenceError, TypeError):
    """An option a solver does not accept (e.g. ``dt.solve(game, bogus=1)``); also a
    :class:`TypeError`, as Python's own error for an unexpected keyword argument is."""


class GameTooLargeError(DeterrenceError):
    """A dense payoff table was requested for a game too large to build it."""


class NfgFormatError(DeterrenceError):
    """A Gambit ``.nfg`` file is malformed.

    Parameters
    ----------
    message
        What was expected and what was found.
    line, column
        1-based position in the text where the problem was found (``None`` if unknown).
    source
        File name, when the text came from a file.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        source: str | None = None,
    ) -> None:
        self.line = line
        self.column = column
        self.source = source
        where = source or "<nfg text>"
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


class ScenarioError(DeterrenceError):
    """A scenario (TOML file or mapping) has an unknown key, a wrong type or a bad value.

    ``key`` is the dotted path of the offending field, e.g. ``"organizations[2].penalty"``.
    """

    def __init__(self, key: str, message: str, *, source: str | None = None) -> None:
        self.key = key
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{key}: {message}")
