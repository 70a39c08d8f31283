"""Gambit ``.nfg`` files: strategic-form games in the format of the Gambit project.

Both forms of version 1 of the format are read, and both are written:

* the **payoff form** -- a prologue ``NFG 1 R "title" { "P1" "P2" } { 3 2 }`` followed by a
  flat list of payoffs, all players' payoffs at one strategy profile after another;
* the **outcome form** -- the players' strategy names as nested lists
  ``{ { "C" "D" } { "C" "D" } }``, an outcome list ``{ { "name" 3, 3 } ... }`` and then
  one outcome number per strategy profile, where ``0`` is the null outcome paying 0 to all.

Profiles are listed with **player 1's strategy changing fastest** ("the way we count",
with player 1 as the least significant digit). Numbers may be integers, decimals (with
an optional exponent, e.g. ``-1.5e-3``) or rationals ``a/b``; they are stored as floats,
correctly rounded. Labels are double-quoted; inside them ``\\"`` stands for ``"`` and
``\\\\`` for ``\\`` (any other backslash is kept as it is). Whitespace is free, and an
optional quoted *comment* may follow the strategies (:func:`parse_nfg` keeps it).

Reference: "Game representation formats" in the Gambit documentation
(https://gambitproject.readthedocs.io), whose example files are checked in the tests, as
is agreement with pygambit's reader and writer. Every file Gambit's reader accepts is
read, with the same payoff table -- except payoffs too large for a float (``1e400``, which
Gambit holds as an exact number), which are refused. This reader also accepts ``+`` signs
(``+3``, ``1e+5``) and labels Gambit refuses (non-ASCII, tabs, leading, trailing or double
spaces). Repeated player names (which a :class:`~deterrence.NormalFormGame` cannot hold)
are renamed as Gambit renames them (``"A" "A"`` becomes ``"A_1" "A_2"``); other labels
are kept as written unless ``labels="gambit"`` asks for Gambit's labels exactly (see
:func:`gambit_labels`).

A malformed file raises :class:`~deterrence.NfgFormatError` (a :class:`ValueError`) whose
message names the line and column and says what was expected and what was found. A bad
token or a rational deep in a large payoff list costs about what a clean file costs: the
clean numbers before it are converted in bulk, and only the rest is scanned token by token.

Sources: a path, the text itself, bytes, or ``"-"`` (standard input; ``/dev/stdin`` and
other pipes are read as files). A directory is refused as a directory
(:class:`IsADirectoryError`), a missing file as :class:`FileNotFoundError`.
"""

from __future__ import annotations

import errno
import itertools
import math
import os
import re
import stat
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_choice, check_int
from ..errors import GameTooLargeError, InvalidGameError, NfgFormatError
from .base import DEFAULT_MAX_PROFILES, Game
from .normal_form import NormalFormGame

__all__ = ["NfgFile", "gambit_labels", "parse_nfg", "read_nfg", "write_nfg"]

_WHITESPACE = " \t\n\r\v\f"
_PUNCTUATION = "{},"
_NUMBER_START = "0123456789+-."
_DIGITS = "0123456789"
#: str.translate table deleting every character a plain number list may contain.
_DELETE_NUMERIC = str.maketrans("", "", _DIGITS + "+-.eE" + _WHITESPACE)
_DELETE_DIGITS = str.maketrans("", "", _DIGITS + _WHITESPACE)
#: Integers of at most this magnitude are written without a decimal point.
_EXACT_INT = 2.0**53
#: The first character that cannot be part of a plain number list (payoffs, rationals).
_NOT_PAYOFF = re.compile(r"[^0-9+\-.eE/ \t\n\r\v\f]")
#: The first character that cannot be part of a list of outcome indices.
_NOT_INDEX = re.compile(r"[^0-9 \t\n\r\v\f]")
_WORD = re.compile(r"[^ \t\n\r\v\f]+")
LABELS = ("keep", "gambit")


# ============================================================================ scanner
@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "text" | "number" | "symbol" | "{" | "}" | "," | "eof"
    value: str  # label (escapes resolved), number or symbol text; "" for punctuation
    line: int
    column: int
    end: int  # offset just after the token

    def describe(self) -> str:
        """How the token reads in an error message."""
        if self.kind == "eof":
            return "the end of the file"
        if self.kind == "text":
            shown = self.value if len(self.value) <= 30 else self.value[:27] + "..."
            return f"the label {_quote(shown)}"
        if self.kind in _PUNCTUATION:
            return f"'{self.kind}'"
        return f"{'number' if self.kind == 'number' else 'word'} '{self.value}'"


class _Scanner:
    """Splits the text into tokens, tracking the line and column of each one."""

    def __init__(self, text: str, source: str | None) -> None:
        self.text = text
        self.source = source
        self.pos = 0
        self.line = 1
        self.line_start = 0  # offset of the first character of the current line

    # -------------------------------------------------------------- positions
    def column_at(self, pos: int) -> int:
        return pos - self.line_start + 1

    def error(self, message: str, line: int, column: int) -> NfgFormatError:
        return NfgFormatError(message, line=line, column=column, source=self.source)

    def error_at(self, token: _Token, message: str) -> NfgFormatError:
        return self.error(message, token.line, token.column)

    def _skip_whitespace(self) -> None:
        text, n = self.text, len(self.text)
        pos = self.pos
        while pos < n and text[pos] in _WHITESPACE:
            if text[pos] == "\n":
                self.line += 1
                self.line_start = pos + 1
            pos += 1
        self.pos = pos

    def rewind(self, token: _Token) -> None:
        """Move back to the start of ``token`` (a word token: number or symbol)."""
        self.pos = token.end - len(token.value)
        self.line = token.line
        self.line_start = self.pos - token.column + 1

    def seek(self, pos: int) -> None:
        """Move forward to offset ``pos``, counting the lines passed."""
        newlines = self.text.count("\n", self.pos, pos)
        if newlines:
            self.line += newlines
            self.line_start = self.text.rindex("\n", self.pos, pos) + 1
        self.pos = pos

    # ----------------------------------------------------------------- tokens
    def next(self) -> _Token:
        self._skip_whitespace()
        text, pos = self.text, self.pos
        line, column = self.line, self.column_at(pos)
        if pos >= len(text):
            return _Token("eof", "", line, column, pos)
        c = text[pos]
        if c in _PUNCTUATION:
            self.pos = pos + 1
            return _Token(c, "", line, column, pos + 1)
        if c == '"':
            return self._label(line, column)
        end = pos
        while end < len(text) and text[end] not in _WHITESPACE and text[end] not in '{},"':
            end += 1
        self.pos = end
        word = text[pos:end]
        kind = "number" if c in _NUMBER_START else "symbol"
        return _Token(kind, word, line, column, end)

    def _label(self, line: int, column: int) -> _Token:
        text, n = self.text, len(self.text)
        pos = self.pos + 1
        parts: list[str] = []
        start = pos
        while True:
            if pos >= n:
                raise self.error(
                    "unterminated label: this '\"' is never closed (expected a closing '\"' "
                    "before the end of the file)",
                    line,
                    column,
                )
            c = text[pos]
            if c == '"':
                break
            if c == "\\" and pos + 1 < n and text[pos + 1] in '"\\':
                parts.append(text[start:pos])
                parts.append(text[pos + 1])
                pos += 2
                start = pos
                continue
            if c == "\n":
                self.line += 1
                self.line_start = pos + 1
            pos += 1
        parts.append(text[start:pos])
        self.pos = pos + 1
        return _Token("text", "".join(parts), line, column, pos + 1)


# ============================================================================ numbers
def _is_digits(s: str) -> bool:
    return bool(s) and all(c in _DIGITS for c in s)


def _number_value(raw: str) -> float | None:
    """The value of a number token as a float, or ``None`` if it is not a valid number.

    Grammar: ``[+-] digits [/ digits]`` (integer or rational), or
    ``[+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits]`` (decimal).
    """
    body = raw[1:] if raw[:1] in "+-" else raw
    negative = raw[:1] == "-"
    if "/" in body:
        num, _, den = body.partition("/")
        if not (_is_digits(num) and _is_digits(den)):
            return None
        if int(den) == 0:
            return math.nan  # reported as a division by zero by the caller
        value = Fraction(int(num), int(den))
        try:
            x = float(value)
        except OverflowError:
            return math.inf
        return -x if negative else x
    mantissa, exponent = body, ""
    for e in "eE":
        if e in body:
            mantissa, _, exponent = body.partition(e)
            exp_digits = exponent[1:] if exponent[:1] in "+-" else exponent
            if not _is_digits(exp_digits):
                return None
            break
    whole, _, frac = mantissa.partition(".")
    if whole and not _is_digits(whole):
        return None
    if frac and not _is_digits(frac):
        return None
    if not whole and not frac:
        return None
    return float(raw)


def _check_number(scanner: _Scanner, token: _Token, what: str) -> float:
    """The value of ``token``, which must be a finite number (``what`` names the field)."""
    if token.kind != "number":
        raise scanner.error_at(token, f"expected {what} (a number), found {token.describe()}")
    x = _number_value(token.value)
    if x is None:
        raise scanner.error_at(
            token,
            f"bad number '{token.value}' for {what}; expected an integer (3, -2), a decimal "
            "(0.25, 1.5e-3) or a rational (1/3)",
        )
    if math.isnan(x):
        raise scanner.error_at(token, f"bad number '{token.value}' for {what}: division by zero")
    if math.isinf(x):
        raise scanner.error_at(
            token, f"number '{token.value}' for {what} is too large for a float (max ~1.8e308)"
        )
    return x


def _format_numbers(values: NDArray[np.float64]) -> list[str]:
    """Exact text of each number: integers without a point, others as ``repr`` (the
    shortest string that reads back to the same float)."""
    v = np.asarray(values, dtype=float).ravel()
    is_int = (v == np.round(v)) & (np.abs(v) < _EXACT_INT)
    if is_int.all():
        return [str(x) for x in v.astype(np.int64).tolist()]
    # Gambit's reader takes "1e20" but not "1e+20": drop the exponent's plus sign.
    return [
        str(int(x)) if integral else repr(x).replace("e+", "e")
        for x, integral in zip(v.tolist(), is_int.tolist(), strict=True)
    ]


# ============================================================================ parser
@dataclass(frozen=True, kw_only=True)
class NfgFile:
    """Everything a ``.nfg`` file says: the game and the text around it.

    Attributes
    ----------
    title
        The game's title.
    comment
        The optional comment field ("" if absent).
    player_names, action_names
        Player labels and each player's strategy labels (``"1"``, ``"2"``, ... when the
        file only gives strategy counts).
    payoffs
        Array of shape ``(n_players, n_1, ..., n_N)``.
    form
        ``"payoff"`` or ``"outcome"``: how the file listed the payoffs.
    """

    title: str
    comment: str
    player_names: tuple[str, ...]
    action_names: tuple[tuple[str, ...], ...]
    payoffs: NDArray[np.float64]
    form: str

    def to_game(self) -> NormalFormGame:
        """The :class:`~deterrence.NormalFormGame` this file describes."""
        return NormalFormGame(
            self.payoffs,
            player_names=self.player_names,
            action_names=self.action_names,
            title=self.title,
        )


class _Parser:
    def __init__(
        self, text: str, source: str | None, max_profiles: int, labels: str = "keep"
    ) -> None:
        self.s = _Scanner(text, source)
        self.max_profiles = max_profiles
        self.labels = labels

    def expect(self, kind: str, what: str) -> _Token:
        tok = self.s.next()
        if tok.kind != kind:
            hint = " (unquoted text: is a '\"' missing or extra?)" if tok.kind == "symbol" else ""
            raise self.s.error_at(tok, f"expected {what}, found {tok.describe()}{hint}")
        return tok

    # ---------------------------------------------------------------- prologue
    def header(self) -> tuple[str, str]:
        s = self.s
        tok = s.next()
        if tok.kind == "eof":
            raise s.error_at(tok, "empty file; expected a Gambit .nfg game starting with 'NFG 1 R'")
        if tok.kind != "symbol" or tok.value != "NFG":
            if tok.kind == "symbol" and tok.value == "EFG":
                raise s.error_at(
                    tok,
                    "this is a Gambit extensive-form (.efg) file; expected a strategic-form "
                    ".nfg file starting with 'NFG 1 R'",
                )
            raise s.error_at(
                tok,
                f"not a Gambit .nfg file: expected 'NFG' at the start, found {tok.describe()}",
            )
        tok = s.next()
        if tok.kind != "number":
            raise s.error_at(
                tok, f"expected the format version 1 after 'NFG', found {tok.describe()}"
            )
        if tok.value != "1":
            raise s.error_at(
                tok, f"unsupported .nfg version '{tok.value}'; only version 1 is supported"
            )
        tok = s.next()
        if tok.kind != "symbol" or tok.value not in ("R", "D"):
            raise s.error_at(
                tok,
                f"expected the number type 'R' or 'D' after 'NFG 1', found {tok.describe()}",
            )
        title = self.expect("text", f"the game title (a quoted label) after 'NFG 1 {tok.value}'")
        return tok.value, title.value

    def players(self) -> list[str]:
        s = self.s
        opening = self.expect("{", "'{' opening the list of player names")
        names: list[str] = []
        while True:
            tok = s.next()
            if tok.kind == "text":
                names.append(tok.value)  # duplicates are renamed after parsing, as Gambit does
            elif tok.kind == "}":
                break
            else:
                raise s.error_at(
                    tok,
                    "expected a player name (a quoted label) or '}' closing the player list "
                    f"opened at line {opening.line}, column {opening.column}; found "
                    f"{tok.describe()}",
                )
        if not names:
            raise s.error_at(tok, "the player list is empty; expected at least one player")
        return names

    def strategies(self, players: list[str]) -> tuple[tuple[str, ...], ...]:
        s = self.s
        n = len(players)
        opening = self.expect(
            "{", "'{' opening the strategy counts { 2 2 } or strategy names { { \"a\" } ... }"
        )
        where = f"opened at line {opening.line}, column {opening.column}"
        first = s.next()
        out: list[tuple[str, ...]] = []
        if first.kind == "{":  # nested lists of strategy names
            tok = first
            while tok.kind == "{":
                if len(out) == n:
                    raise s.error_at(
                        tok,
                        f"too many strategy lists: {n} player(s) declared, so expected '}}' "
                        f"closing the strategy lists {where}",
                    )
                labels: list[str] = []
                inner = s.next()
                while inner.kind == "text":
                    labels.append(inner.value)
                    inner = s.next()
                i = len(out)
                if inner.kind != "}":
                    raise s.error_at(
                        inner,
                        f"expected a strategy name or '}}' closing player {i + 1}'s strategy "
                        f"list (line {tok.line}, column {tok.column}), found {inner.describe()}",
                    )
                if not labels:
                    raise s.error_at(
                        inner,
                        f"player {i + 1} ({_quote(players[i])}) has no strategies; expected at "
                        "least one strategy name",
                    )
                out.append(tuple(labels))
                tok = s.next()
            if tok.kind != "}":
                raise s.error_at(
                    tok,
                    f"expected '{{' (the next player's strategy list) or '}}' closing the "
                    f"strategy lists {where}, found {tok.describe()}",
                )
            if len(out) != n:
                raise s.error_at(
                    tok,
                    f"strategy lists for {len(out)} player(s); expected {n} (one per player "
                    f"declared: {', '.join(_quote(p) for p in players)})",
                )
        else:  # strategy counts
            tok = first
            while tok.kind == "number":
                if len(out) == n:
                    raise s.error_at(
                        tok,
                        f"too many strategy counts: {n} player(s) declared, so expected '}}' "
                        f"closing the strategy counts {where}, found {tok.describe()}",
                    )
                i = len(out)
                if not _is_digits(tok.value) or int(tok.value) < 1:
                    raise s.error_at(
                        tok,
                        f"bad strategy count '{tok.value}' for player {i + 1} "
                        f"({_quote(players[i])}); expected a positive integer",
                    )
                out.append(tuple(str(a + 1) for a in range(self._count(tok))))
                tok = s.next()
            if tok.kind != "}":
                raise s.error_at(
                    tok,
                    f"expected a strategy count (a positive integer) or '}}' closing the "
                    f"strategy counts {where}, found {tok.describe()}",
                )
            if len(out) != n:
                raise s.error_at(
                    tok,
                    f"strategy counts for {len(out)} player(s); expected {n} (one per player "
                    f"declared: {', '.join(_quote(p) for p in players)})",
                )
        shape = tuple(len(a) for a in out)
        n_profiles = math.prod(shape)
        if n_profiles > self.max_profiles:
            raise GameTooLargeError(
                f"{s.source or '<nfg text>'}:{opening.line}:{opening.column}: the game has "
                f"{' x '.join(map(str, shape))} = {n_profiles} strategy profiles; expected at "
                f"most max_profiles={self.max_profiles}"
            )
        return tuple(out)

    def _count(self, tok: _Token) -> int:
        """A strategy count, refused early when it alone exceeds ``max_profiles``."""
        if len(tok.value) > 15 or int(tok.value) > self.max_profiles:
            raise GameTooLargeError(
                f"{self.s.source or '<nfg text>'}:{tok.line}:{tok.column}: a player with "
                f"{tok.value} strategies; expected at most max_profiles={self.max_profiles} "
                "strategy profiles in all"
            )
        return int(tok.value)

    # -------------------------------------------------------------------- body
    def payoff_body(self, first: _Token, shape: tuple[int, ...]) -> NDArray[np.float64]:
        """Flat payoff list starting with the (already read) number token ``first``."""
        n = len(shape)
        total = n * math.prod(shape)
        start = first.end - len(first.value)
        flat = _fast_numbers(self.s.text[start:], total)
        if flat is None:
            self.s.rewind(first)
            flat = np.empty(total)
            k = self._bulk(start, flat, _NOT_PAYOFF, _payoff_words)
            self._slow_payoffs(shape, flat, k)
        return _unflatten(flat, shape)

    def _bulk(self, start: int, out: NDArray, stop_at: re.Pattern[str], convert: Any) -> int:
        """Convert, in bulk, the plain words from offset ``start`` up to the first character
        ``stop_at`` matches (or the first word ``convert`` refuses) into ``out[:k]``; leave
        the scanner at the start of word ``k`` (where the token-by-token scan resumes, so
        that every error is reported by one code path) and return ``k``.

        This is what keeps a file with one rational, one bad token or one missing number
        near its end as fast as a clean file: nothing before the first odd word is scanned
        token by token.
        """
        text = self.s.text
        m = stop_at.search(text, start)
        stop = len(text) if m is None else _word_start(text, start, m.start())
        all_words = text[start:stop].split()
        words = all_words[: len(out)]
        values, k = convert(words)
        out[:k] = values[:k]
        if k < len(words) or len(all_words) > len(out):
            resume = self._word_offset(start, k)  # the refused word, or the first extra one
        else:
            resume = stop
        self.s.seek(resume)
        return k

    def _word_offset(self, start: int, k: int) -> int:
        """Offset of the ``k``-th whitespace-separated word after ``start`` (or the end)."""
        m = next(itertools.islice(_WORD.finditer(self.s.text, start), k, None), None)
        return len(self.s.text) if m is None else m.start()

    def _slow_payoffs(self, shape: tuple[int, ...], flat: NDArray, k0: int = 0) -> None:
        """Scan payoffs ``k0, k0 + 1, ...`` token by token into ``flat``, then the end."""
        s, n, total = self.s, len(shape), len(flat)
        for k in range(k0, total):
            tok = s.next()
            if tok.kind == "eof":
                raise s.error_at(
                    tok,
                    f"the payoff list ends after {k} number(s); expected {total} "
                    f"({n} player(s) x {total // n} strategy profiles)",
                )
            flat[k] = _check_number(s, tok, _payoff_field(k, shape))
        tok = s.next()
        if tok.kind != "eof":
            what = "a number" if tok.kind == "number" else tok.describe()
            raise s.error_at(
                tok,
                f"too many payoffs: found {what} after the {total} payoffs of the table "
                f"({n} player(s) x {total // n} strategy profiles); expected the end of the file",
            )

    def outcome_body(self, opening: _Token, shape: tuple[int, ...]) -> NDArray[np.float64]:
        """Outcome list (its opening '{' already read), then one outcome index per profile."""
        s, n = self.s, len(shape)
        fast = _fast_outcomes(s.text, s.pos, n)
        if fast is not None:
            rows, end = fast
            s.seek(end)
        else:
            rows = self._slow_outcomes(opening, n)
        table = np.array([[0.0] * n, *rows], dtype=float).reshape(-1, n)  # row 0: null outcome
        n_out = len(rows)
        n_profiles = math.prod(shape)
        index = _fast_indices(s.text[s.pos :], n_profiles, n_out)
        if index is None:
            index = np.empty(n_profiles, dtype=np.intp)
            k = self._bulk(s.pos, index, _NOT_INDEX, lambda w: _index_words(w, n_out))
            self._slow_indices(shape, index, n_out, k)
        flat = table[index].ravel()  # profile-major, players within a profile
        return _unflatten(flat, shape)

    def _slow_outcomes(self, opening: _Token, n: int) -> list[list[float]]:
        s = self.s
        rows: list[list[float]] = []
        where = f"opened at line {opening.line}, column {opening.column}"
        tok = s.next()
        while tok.kind == "{":
            k = len(rows) + 1
            name = self.expect("text", f'the name of outcome {k} (a quoted label, may be "")')
            label = f"outcome {k} ({_quote(name.value)})"
            payoffs: list[float] = []
            tok = s.next()
            while tok.kind == "number":
                if len(payoffs) == n:
                    raise s.error_at(
                        tok,
                        f"{label} has more than {n} payoffs; expected {n} (one per player) "
                        "then '}'",
                    )
                what = f"player {len(payoffs) + 1}'s payoff in {label}"
                payoffs.append(_check_number(s, tok, what))
                tok = s.next()
                if tok.kind == ",":
                    tok = s.next()
            if tok.kind != "}":
                raise s.error_at(
                    tok, f"expected a payoff or '}}' ending {label}, found {tok.describe()}"
                )
            if len(payoffs) != n:
                raise s.error_at(
                    tok,
                    f"{label} has {len(payoffs)} payoff(s); expected {n} (one per player)",
                )
            rows.append(payoffs)
            tok = s.next()
        if tok.kind != "}":
            raise s.error_at(
                tok,
                f"expected '{{' (the next outcome) or '}}' closing the outcome list {where}, "
                f"found {tok.describe()}",
            )
        return rows

    def _slow_indices(
        self, shape: tuple[int, ...], index: NDArray, n_out: int, k0: int = 0
    ) -> None:
        """Scan outcome indices ``k0, k0 + 1, ...`` token by token into ``index``."""
        s, n_profiles = self.s, len(index)
        for k in range(k0, n_profiles):
            tok = s.next()
            prof = _profile_text(k, shape)
            if tok.kind == "eof":
                raise s.error_at(
                    tok,
                    f"the outcome index list ends after {k} entries; expected {n_profiles} "
                    f"(one per strategy profile, {' x '.join(map(str, shape))})",
                )
            if tok.kind != "number" or not _is_digits(tok.value):
                raise s.error_at(
                    tok,
                    f"expected the outcome index of profile {prof} (a non-negative integer), "
                    f"found {tok.describe()}",
                )
            idx = int(tok.value)
            if idx > n_out:
                raise s.error_at(
                    tok,
                    f"outcome index {idx} at profile {prof} is out of range; the file defines "
                    f"{n_out} outcome(s), so expected 0 (the null outcome) to {n_out}",
                )
            index[k] = idx
        tok = s.next()
        if tok.kind != "eof":
            raise s.error_at(
                tok,
                f"too many outcome indices: found {tok.describe()} after the {n_profiles} "
                "entries of the table; expected the end of the file",
            )

    # -------------------------------------------------------------------- all
    def parse(self) -> NfgFile:
        s = self.s
        _, title = self.header()
        players = self.players()
        actions = self.strategies(players)
        shape = tuple(len(a) for a in actions)
        comment = ""
        tok = s.next()
        if tok.kind == "text":
            comment = tok.value
            tok = s.next()
        if tok.kind == "{":
            payoffs, form = self.outcome_body(tok, shape), "outcome"
        elif tok.kind == "number":
            payoffs, form = self.payoff_body(tok, shape), "payoff"
        elif tok.kind == "eof":
            raise s.error_at(
                tok,
                "the file ends after the prologue; expected the payoff list (numbers) or the "
                "outcome list ('{')",
            )
        else:
            raise s.error_at(
                tok,
                "expected the payoff list (numbers) or the outcome list ('{') after the "
                f"strategies, found {tok.describe()}",
            )
        if self.labels == "gambit":
            players = gambit_labels(players)
            actions = tuple(gambit_labels(a) for a in actions)
        else:  # a game's player names must differ: rename only the duplicates, as Gambit does
            players = gambit_labels(players, only_duplicates=True)
        return NfgFile(
            title=title,
            comment=comment,
            player_names=tuple(players),
            action_names=actions,
            payoffs=payoffs,
            form=form,
        )


def _fast_numbers(body: str, total: int) -> NDArray[np.float64] | None:
    """Fast path for a well-formed flat number list (None: let the scanner find the error)."""
    if body.translate(_DELETE_NUMERIC):
        return None  # rationals, labels, braces...: take the careful path
    words = body.split()
    if len(words) != total:
        return None
    try:
        flat = np.array([float(w) for w in words])
    except ValueError:
        return None
    if not np.isfinite(flat).all():
        return None
    # On these characters float() accepts exactly the decimal grammar of _number_value
    # ([+-] (D+ [. D*] | . D+) [(e|E) [+-] D+]), so both paths accept the same files.
    return flat


def _word_start(text: str, low: int, pos: int) -> int:
    """Offset where the word holding ``text[pos]`` starts (not before ``low``)."""
    while pos > low and text[pos - 1] not in _WHITESPACE:
        pos -= 1
    return pos


def _payoff_words(words: list[str]) -> tuple[NDArray[np.float64], int]:
    """The words' values and how many leading words are valid finite numbers.

    The words hold only digits, signs, points, ``e``/``E`` and ``/``: on these, ``float``
    accepts exactly the decimal grammar of :func:`_number_value`; rationals go through it.
    """
    try:
        values = np.array([float(w) for w in words], dtype=float)
    except ValueError:  # a rational (or a bad word): one word at a time
        values = np.empty(len(words))
        for k, w in enumerate(words):
            try:
                x = float(w)
            except ValueError:
                y = _number_value(w)
                if y is None:
                    return values, k
                x = y
            if not math.isfinite(x):
                return values, k
            values[k] = x
        return values, len(words)
    finite = np.isfinite(values)
    return values, len(words) if finite.all() else int(np.argmin(finite))


def _index_words(words: list[str], n_out: int) -> tuple[NDArray[np.intp], int]:
    """The outcome indices (digit-only words) and how many leading ones are in range."""
    values = np.array([int(w) if len(w) <= 15 else -1 for w in words], dtype=np.int64)
    bad = (values < 0) | (values > n_out)
    k = int(np.argmax(bad)) if bad.any() else len(words)
    return values.astype(np.intp), k


def _fast_outcomes(text: str, pos: int, n: int) -> tuple[list[list[float]], int] | None:
    """Fast path for a plain outcome list starting at ``pos`` (just after its '{'):
    ``{ "name" 1, 2 } { "name" 3 4 } ... }`` with names free of backslashes and payoffs in
    decimal notation. Returns the payoff rows and the offset just after the closing '}', or
    None whenever anything differs, so that the scanner parses (and reports) it instead."""
    parts = text[pos:].split('"')
    # parts: [ws '{' ws] name [payoffs '}' ws '{' ws] name ... [payoffs '}' ws '}' rest...]
    if len(parts) < 3 or parts[0].strip() != "{":
        return None
    rows: list[list[float]] = []
    consumed = len(parts[0]) + 1
    for k in range(1, len(parts) - 1, 2):
        name, outside = parts[k], parts[k + 1]
        if "\\" in name:
            return None
        payload, brace, after = outside.partition("}")
        if not brace:
            return None
        words = payload.replace(",", " , ").split()
        row: list[float] = []
        expect_number = True
        for w in words:
            if w == ",":
                if expect_number:
                    return None  # a comma not after a number
                expect_number = True
                continue
            if w.translate(_DELETE_NUMERIC):
                return None
            try:
                x = float(w)
            except ValueError:
                return None
            if not math.isfinite(x):
                return None
            row.append(x)
            expect_number = False
        if len(row) != n:
            return None
        rows.append(row)
        rest = after.strip()
        consumed += len(name) + 1 + len(outside) + 1
        if rest == "{":
            continue
        if rest[:1] != "}" or rest[1:2] == "{":
            return None
        # end of the outcome list: offset just after its closing '}'
        end = consumed - (len(outside) + 1) + len(payload) + 1 + after.index("}") + 1
        return rows, pos + end
    return None


def _fast_indices(body: str, n_profiles: int, n_out: int) -> NDArray[np.intp] | None:
    if body.translate(_DELETE_DIGITS):
        return None
    words = body.split()
    if len(words) != n_profiles:
        return None
    if any(len(w) > 15 for w in words):
        return None
    index = np.array([int(w) for w in words], dtype=np.intp)
    if len(index) and index.max() > n_out:
        return None
    return index


def _unflatten(flat: NDArray, shape: tuple[int, ...]) -> NDArray[np.float64]:
    """Flat list (player 1's strategy fastest, players' payoffs innermost) -> array of
    shape ``(n_players, n_1, ..., n_N)``."""
    n = len(shape)
    arr = flat.reshape((*shape[::-1], n))  # C order: last player's strategy slowest
    return np.ascontiguousarray(arr.transpose((n, *range(n - 1, -1, -1))))


def _flatten(payoffs: NDArray) -> NDArray:
    """Inverse of :func:`_unflatten`: rows of all players' payoffs, one row per profile."""
    n = payoffs.ndim - 1
    return payoffs.transpose((*range(n, 0, -1), 0)).reshape(-1, n)


def _profile_text(k: int, shape: tuple[int, ...]) -> str:
    """1-based strategy numbers of the ``k``-th profile in file order."""
    idx = np.unravel_index(k, shape[::-1])[::-1]
    return "(" + ", ".join(str(int(a) + 1) for a in idx) + ")"


def _payoff_field(k: int, shape: tuple[int, ...]) -> str:
    n = len(shape)
    return f"player {k % n + 1}'s payoff at profile {_profile_text(k // n, shape)}"


def _quote(label: str) -> str:
    return '"' + label.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ============================================================================ labels
def gambit_labels(labels: Sequence[str], *, only_duplicates: bool = False) -> tuple[str, ...]:
    """The labels as Gambit's reader makes them: unique within their list, none empty.

    Gambit (pygambit 16.7, checked in the tests) renames, within each list (the players;
    each player's strategies), every label that is empty or occurs more than once: the
    occurrences of label ``L`` become ``L_1``, ``L_2``, ... in order, skipping any
    ``L_k`` that is itself one of the original labels. Other labels are kept. Renamed
    labels cannot collide with each other: ``L_k = M_j`` with integer suffixes forces
    ``L = M`` and ``k = j``.

    Parameters
    ----------
    labels
        One list of labels.
    only_duplicates
        Rename only the labels that occur more than once (a single empty label is kept).

    Examples
    --------
    >>> from deterrence.games.nfg import gambit_labels
    >>> gambit_labels(["A", "A_1", "A", "", "B"])
    ('A_2', 'A_1', 'A_3', '_1', 'B')
    >>> gambit_labels(["", "x", "x"], only_duplicates=True)
    ('', 'x_1', 'x_2')
    """
    labels = [str(x) for x in labels]
    counts = Counter(labels)
    taken = set(labels)
    last: dict[str, int] = {}
    out: list[str] = []
    for label in labels:
        if counts[label] == 1 and (label or only_duplicates):
            out.append(label)
            continue
        k = last.get(label, 0) + 1
        while f"{label}_{k}" in taken:
            k += 1
        last[label] = k
        out.append(f"{label}_{k}")
    return tuple(out)


# ============================================================================ public
def _load_text(path_or_text: Any) -> tuple[str, str | None]:
    """(text, source name) from a path or from the text itself."""
    if isinstance(path_or_text, bytes | bytearray):
        return _decode(bytes(path_or_text)), None
    if isinstance(path_or_text, str):
        if path_or_text == "-":
            return _decode(_read_stdin()), "<stdin>"
        one_line = "\n" not in path_or_text and len(path_or_text) < 4096
        if one_line and path_or_text.strip() and os.path.isfile(path_or_text):
            path = Path(path_or_text)
        elif (
            not one_line
            or not path_or_text.strip()
            or path_or_text.lstrip().startswith(("NFG", "EFG"))
            or any(c in path_or_text for c in '{}"')
        ):
            # the text itself (the parser says if it is no .nfg); a leading BOM is dropped
            return path_or_text.removeprefix("\ufeff"), None
        else:
            path = Path(path_or_text)
    elif isinstance(path_or_text, os.PathLike):
        path = Path(path_or_text)
    else:
        raise NfgFormatError(
            f"path_or_text={path_or_text!r} is not valid; expected a path (str or Path), or "
            "the text of a .nfg file"
        )
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(
            errno.ENOENT, f"no such .nfg file: {str(path)!r}", str(path)
        ) from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(
            errno.EISDIR,
            f"{str(path)!r} is a directory; expected a .nfg file (or '-' for standard input)",
            str(path),
        )
    # a regular file, or a pipe / character device such as /dev/stdin: read it to the end
    return _decode(path.read_bytes()), str(path)


def _read_stdin() -> bytes:
    """Everything on standard input, as bytes (text streams without a buffer: encoded)."""
    stream = sys.stdin
    if stream is None:
        raise NfgFormatError("path_or_text='-' asks for standard input, but there is none")
    buffer = getattr(stream, "buffer", None)
    data = buffer.read() if buffer is not None else stream.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_nfg(
    path_or_text: str | os.PathLike[str] | bytes,
    *,
    max_profiles: int = DEFAULT_MAX_PROFILES,
    labels: str = "keep",
) -> NfgFile:
    """Read a ``.nfg`` file with everything it says (title, comment, form, names, payoffs).

    Same arguments and errors as :func:`read_nfg`, which returns only the game.

    Examples
    --------
    >>> from deterrence.games.nfg import parse_nfg
    >>> f = parse_nfg('NFG 1 R "PD" { "A" "B" } { { "C" "D" } { "C" "D" } } "a comment" '
    ...               '{ { "" 3, 3 } { "" 0, 5 } { "" 5, 0 } { "" 1, 1 } } 1 3 2 4')
    >>> f.form, f.comment, f.action_names
    ('outcome', 'a comment', (('C', 'D'), ('C', 'D')))
    >>> f.payoffs[0].tolist()
    [[3.0, 0.0], [5.0, 1.0]]
    """
    max_profiles = check_int("max_profiles", max_profiles, low=1)
    check_choice("labels", labels, LABELS)
    text, source = _load_text(path_or_text)
    return _Parser(text, source, max_profiles, labels).parse()


def read_nfg(
    path_or_text: str | os.PathLike[str] | bytes,
    *,
    max_profiles: int = DEFAULT_MAX_PROFILES,
    labels: str = "keep",
) -> NormalFormGame:
    """Read a Gambit ``.nfg`` file (payoff or outcome form) into a :class:`NormalFormGame`.

    Parameters
    ----------
    path_or_text
        A path (``str`` or :class:`pathlib.Path`), or the text of the file itself: a string
        whose first word is ``NFG`` (or that contains a newline, brace or quote) is read as
        text, ``"-"`` as standard input, any other string as a path (pipes such as
        ``/dev/stdin`` included). Bytes are decoded as UTF-8 (or Latin-1).
    max_profiles
        Refuse (with :class:`~deterrence.GameTooLargeError`) a file declaring more strategy
        profiles than this, before allocating anything.
    labels
        ``"keep"`` (default): labels as written, except that repeated player names are
        renamed as Gambit renames them (``"A" "A"`` -> ``"A_1" "A_2"``), since a game's
        players must have distinct names. ``"gambit"``: exactly the labels pygambit's
        reader gives -- every empty or repeated player or strategy label renamed (``""``
        -> ``"_1"``; see :func:`gambit_labels`). The payoffs are the same either way.

    Returns
    -------
    NormalFormGame
        With the file's title, player names and strategy names (``"1"``, ``"2"``, ... in
        the payoff form without names).

    Raises
    ------
    NfgFormatError
        If the text is not a well-formed version-1 ``.nfg`` file; the message gives the
        line and column, what was expected and what was found.
    FileNotFoundError
        If a path is given and no such file exists.
    IsADirectoryError
        If the path is a directory.

    Examples
    --------
    The example of the Gambit documentation (Selten 1975, payoff form):

    >>> import deterrence as dt
    >>> g = dt.read_nfg('''NFG 1 R "Selten (IJGT, 75), Figure 2, normal form"
    ... { "Player 1" "Player 2" } { 3 2 }
    ... 1 1 0 2 0 2 1 1 0 3 2 0
    ... ''')
    >>> g.shape, g.player_names
    ((3, 2), ('Player 1', 'Player 2'))
    >>> g[1, 0].tolist()   # player 1's 2nd strategy, player 2's 1st: the 2nd profile
    [0.0, 2.0]

    Gambit's reader accepts repeated and empty names; so does this one, renaming them the
    same way:

    >>> dt.read_nfg('NFG 1 R "" { "A" "A" } { 1 1 } 1 2').player_names
    ('A_1', 'A_2')
    >>> dt.read_nfg('NFG 1 R "" { "" "B" } { { "x" "x" } { "" } } 1 2 3 4',
    ...             labels="gambit").action_names
    (('x_1', 'x_2'), ('_1',))
    >>> dt.read_nfg('NFG 1 R "t" { "A" "B" } { 2 2 } 1 2 3')
    Traceback (most recent call last):
    ...
    deterrence.errors.NfgFormatError: <nfg text>:1:38: the payoff list ends after 3 number(s); ...
    """
    return parse_nfg(path_or_text, max_profiles=max_profiles, labels=labels).to_game()


def write_nfg(
    game: Game,
    path: str | os.PathLike[str] | None = None,
    *,
    form: str = "auto",
    comment: str = "",
) -> str:
    """Write a game in Gambit's ``.nfg`` format (version 1) and return the text.

    Parameters
    ----------
    game
        A :class:`NormalFormGame`, or any game with a dense table
        (``game.to_normal_form()`` is called).
    path
        If given, the text is also written to this file (UTF-8).
    form
        ``"payoff"`` (flat payoff list), ``"outcome"`` (one outcome per distinct payoff
        vector, then one outcome number per profile) or ``"auto"``: the payoff form when
        the strategies have the default names ``"1"``, ``"2"``, ..., else the outcome form,
        which is where the format keeps strategy names. In the payoff form, non-default
        strategy names are written as nested lists, which Gambit reads as well.
    comment
        Optional comment written after the strategies.

    Returns
    -------
    str
        The file's text. Payoffs that are integers are written as integers, the others
        with :func:`repr` (without the exponent's ``+``, which Gambit does not read), so
        ``read_nfg(write_nfg(g)) == g`` exactly.

    Notes
    -----
    Any label is written (quotes and backslashes escaped) and read back exactly by
    :func:`read_nfg`. Gambit itself (pygambit 16.7) is stricter: it accepts only labels of
    printable ASCII without leading, trailing or double spaces, renames empty and repeated
    labels (``""`` becomes ``"_1"``; ``read_nfg(..., labels="gambit")`` does the same), and
    does not read ``\\`` in a label as an escape (pygambit 16.7 turns ``A\\B`` into three
    backslashes).

    Examples
    --------
    >>> import deterrence as dt
    >>> g = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1.5]]], title="PD")
    >>> print(write_nfg(g), end="")
    NFG 1 R "PD" { "1" "2" } { 2 2 }
    <BLANKLINE>
    3 3
    5 0
    0 5
    1 1.5
    >>> dt.read_nfg(write_nfg(g)) == g
    True
    """
    check_choice("form", form, ("auto", "payoff", "outcome"))
    if not isinstance(game, Game):
        raise InvalidGameError(
            f"game={type(game).__name__} is not a deterrence game; expected a NormalFormGame"
        )
    nf = game if isinstance(game, NormalFormGame) else game.to_normal_form()
    default_names = all(
        names == tuple(str(a + 1) for a in range(len(names))) for names in nf.action_names
    )
    if form == "auto":
        form = "payoff" if default_names else "outcome"
    title = getattr(nf, "title", "") or ""
    lines = [f"NFG 1 R {_quote(title)} {{ {' '.join(_quote(p) for p in nf.player_names)} }}"]
    if form == "payoff" and default_names:
        lines[0] += f" {{ {' '.join(map(str, nf.shape))} }}"
    else:
        lines.append("")
        lines.append("{ " + "\n  ".join(_strategy_list(names) for names in nf.action_names))
        lines.append("}")
    if comment:
        lines.append(_quote(str(comment)))
    lines.append("")
    rows = _flatten(nf.payoffs)
    per_line = nf.shape[0]
    if form == "payoff":
        words = _format_numbers(rows)
        n = nf.n_players
        lines.extend(" ".join(words[k : k + n]) for k in range(0, len(words), n))
    else:
        unique, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
        order = np.argsort(first)  # outcomes numbered in order of first appearance
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(1, len(order) + 1)
        words = _format_numbers(unique[order])
        n = nf.n_players
        lines.append("{")
        lines.extend('{ "" ' + ", ".join(words[k : k + n]) + " }" for k in range(0, len(words), n))
        lines.append("}")
        idx = [str(i) for i in rank[np.asarray(inverse).ravel()].tolist()]
        lines.extend(" ".join(idx[k : k + per_line]) for k in range(0, len(idx), per_line))
    text = "\n".join(lines) + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def _strategy_list(names: Sequence[str]) -> str:
    return "{ " + " ".join(_quote(a) for a in names) + " }"
