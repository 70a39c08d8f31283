"""Gambit .nfg files: the documentation's examples, hand-written files in both forms,
exact round trips of random games, pygambit cross-checks, and one test per malformed case
(each must raise NfgFormatError naming the line)."""

from __future__ import annotations

import io
import itertools
import math
import os
import re
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import deterrence as dt
from deterrence.errors import GameTooLargeError, NfgFormatError
from deterrence.games import nfg
from deterrence.games.nfg import _fast_numbers, _number_value, parse_nfg, read_nfg, write_nfg

# The two sample files of the Gambit documentation ("Game representation formats"): the
# same game (Selten, IJGT 1975, Figure 2) in the payoff form and in the outcome form.
SELTEN_PAYOFF = """NFG 1 R "Selten (IJGT, 75), Figure 2, normal form"
{ "Player 1" "Player 2" } { 3 2 }

1 1 0 2 0 2 1 1 0 3 2 0
"""
SELTEN_OUTCOME = """NFG 1 R "Selten (IJGT, 75), Figure 2, normal form" { "Player 1" "Player 2" }

{
{ "1" "2" "3" }
{ "1" "2" }
}

{
{ "" 1, 1 }
{ "" 0, 2 }
{ "" 0, 2 }
{ "" 1, 1 }
{ "" 0, 3 }
{ "" 2, 0 }
}
1 2 3 4 5 6
"""
# Profile order: player 1's strategy changes fastest. Entry k of the list is profile
# (k mod 3, k div 3) -- the documentation's walk-through: (1,1) pays "1 1", (2,1) pays
# "0 2", (3,1) pays "0 2", then player 1 rolls over and (1,2) pays "1 1".
SELTEN_A = [[1, 1], [0, 0], [0, 2]]
SELTEN_B = [[1, 1], [2, 3], [2, 0]]


def gambit():
    return pytest.importorskip(
        "pygambit", reason="pygambit (test extra) is not installed: no Gambit cross-check"
    )


# ============================================================== documented examples
class TestDocumentedExamples:
    def test_payoff_form(self):
        g = read_nfg(SELTEN_PAYOFF)
        assert g.title == "Selten (IJGT, 75), Figure 2, normal form"
        assert g.player_names == ("Player 1", "Player 2")
        assert g.action_names == (("1", "2", "3"), ("1", "2"))
        assert g.payoffs[0].tolist() == SELTEN_A
        assert g.payoffs[1].tolist() == SELTEN_B

    def test_walk_through_of_the_profile_order(self):
        g = read_nfg(SELTEN_PAYOFF)
        assert g[0, 0].tolist() == [1, 1]
        assert g[1, 0].tolist() == [0, 2]
        assert g[2, 0].tolist() == [0, 2]
        assert g[0, 1].tolist() == [1, 1]
        assert g[1, 1].tolist() == [0, 3]
        assert g[2, 1].tolist() == [2, 0]

    def test_outcome_form_is_the_same_game(self):
        f = parse_nfg(SELTEN_OUTCOME)
        assert f.form == "outcome"
        assert f.to_game() == read_nfg(SELTEN_PAYOFF)
        assert f.title == "Selten (IJGT, 75), Figure 2, normal form"

    def test_escaped_quotes_example(self):
        # Example 5-1 of the documentation (written there for an .efg title)
        g = read_nfg('NFG 1 R "An example of a \\"Bayesian game\\"" { "Player 1" } { 1 } 0')
        assert g.title == 'An example of a "Bayesian game"'

    def test_three_player_order(self):
        # 2 x 2 x 2: player 1 fastest, then player 2, then player 3 (slowest)
        flat = " ".join(f"{a}{b}{c} 0 0" for c in (1, 2) for b in (1, 2) for a in (1, 2))
        g = read_nfg(f'NFG 1 R "" {{ "a" "b" "c" }} {{ 2 2 2 }} {flat}')
        for a, b, c in itertools.product(range(2), repeat=3):
            assert g.payoffs[0, a, b, c] == 100 * (a + 1) + 10 * (b + 1) + (c + 1)


# ================================================================= hand-written files
class TestHandWritten:
    def test_outcomes_repeated_and_null(self):
        text = """NFG 1 R "with the null outcome" { "Row" "Col" }
        { { "C" "D" } { "C" "D" "E" } }
        "a comment: \\"quoted\\" words"
        { { "win" 2 -1 } { "lose" -1, 2, } }
        1 2
        0 1
        2 0
        """
        f = parse_nfg(text)
        assert f.comment == 'a comment: "quoted" words'
        g = f.to_game()
        assert g.action_names == (("C", "D"), ("C", "D", "E"))
        # profiles in order (C,C) (D,C) (C,D) (D,D) (C,E) (D,E)
        assert g.payoffs[0].tolist() == [[2, 0, -1], [-1, 2, 0]]
        assert g.payoffs[1].tolist() == [[-1, 0, 2], [2, -1, 0]]

    def test_numbers(self):
        text = 'NFG 1 D "numbers" { "a" "b" } { 3 2 }\n' + (
            "1/3 -2/4  .5 -.25  1.  +7  1e3 -2.5E-2  12345678901234567 0.1  -0 0/5"
        )
        g = read_nfg(text)
        flat = [
            1 / 3,
            -0.5,
            0.5,
            -0.25,
            1.0,
            7.0,
            1000.0,
            -0.025,
            12345678901234567.0,
            0.1,
            0.0,
            0.0,
        ]
        want = np.array(flat).reshape(2, 3, 2).transpose(2, 1, 0)
        assert np.array_equal(g.payoffs, want)

    def test_rationals_are_correctly_rounded(self):
        g = read_nfg('NFG 1 R "" { "a" } { 2 } 2/3 -123456789/1000')
        assert g.payoffs[0].tolist() == [2 / 3, -123456.789]

    def test_label_escapes(self):
        text = 'NFG 1 R "t" { "say \\"hi\\"" "back\\\\slash" "keep\\n" } { 1 1 1 } 0 0 0'
        g = read_nfg(text)
        assert g.player_names == ('say "hi"', "back\\slash", "keep\\n")

    def test_labels_with_braces_newlines_and_unicode(self):
        text = 'NFG 1 R "two\nlines { }" { "Ü \t x" "{" } { { "a b" } { "}" "," } } 1 2 3 4'
        g = read_nfg(text)
        assert g.title == "two\nlines { }"
        assert g.player_names == ("Ü \t x", "{")
        assert g.action_names == (("a b",), ("}", ","))

    def test_whitespace_is_free(self):
        compact = 'NFG 1 R"x"{"a""b"}{{"C""D"}{"E"}}{{""1,2}{""3 4}}1 2'
        spread = (
            'NFG\t1\r\nR "x"\r\n{ "a"\n "b" }\n{\n{ "C" "D" }\n{ "E" }\n}\n{\n{ "" 1 , 2 }\n'
            '{ "" 3 4 }\n}\n1\n2\n'
        )
        assert read_nfg(compact) == read_nfg(spread)
        assert read_nfg(compact).payoffs.tolist() == [[[1], [3]], [[2], [4]]]

    def test_payoff_form_with_strategy_names(self):
        # Gambit's reader accepts names in the payoff form and counts in the outcome form
        g = read_nfg('NFG 1 R "" { "a" "b" } { { "x" "y" } { "z" } } 1 2 3 4')
        assert g.action_names == (("x", "y"), ("z",))
        h = read_nfg('NFG 1 R "" { "a" "b" } { 2 1 } { { "" 1 2 } { "" 3 4 } } 1 2')
        assert g == dt.NormalFormGame(
            h.payoffs, player_names=["a", "b"], action_names=[["x", "y"], ["z"]]
        )
        assert parse_nfg('NFG 1 R "" { "a" } { 1 } { { "" 5 } } 1').form == "outcome"

    def test_one_player(self):
        g = read_nfg('NFG 1 R "solo" { "me" } { 3 } 1 5 2')
        assert g.shape == (3,) and g.payoffs.tolist() == [[1, 5, 2]]


# ======================================================================= sources
class TestSources:
    def test_path_str_bytes(self, tmp_path):
        p = tmp_path / "selten.nfg"
        p.write_text(SELTEN_PAYOFF, encoding="utf-8")
        want = read_nfg(SELTEN_PAYOFF)
        assert read_nfg(p) == want
        assert read_nfg(str(p)) == want
        assert read_nfg(SELTEN_PAYOFF.encode()) == want

    def test_file_named_like_the_header(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        Path("NFG_game.nfg").write_text(SELTEN_PAYOFF, encoding="utf-8")
        assert read_nfg("NFG_game.nfg") == read_nfg(SELTEN_PAYOFF)

    def test_errors_name_the_file(self, tmp_path):
        p = tmp_path / "bad.nfg"
        p.write_text('NFG 1 R "t" { "a" } { 2 }\n1 x\n', encoding="utf-8")
        with pytest.raises(NfgFormatError) as info:
            read_nfg(p)
        assert str(info.value).startswith(f"{p}:2:3: ")
        assert info.value.source == str(p)
        assert (info.value.line, info.value.column) == (2, 3)

    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match=r"no such \.nfg file"):
            read_nfg(tmp_path / "nope.nfg")
        with pytest.raises(FileNotFoundError):
            read_nfg("nope.nfg")

    def test_not_a_path_or_text(self):
        with pytest.raises(NfgFormatError, match="expected a path"):
            read_nfg(3.5)

    def test_latin1_and_bom(self):
        text = 'NFG 1 R "caf\xe9" { "a" } { 1 } 1'
        assert read_nfg(text.encode("latin-1")).title == "caf\xe9"
        assert read_nfg(b"\xef\xbb\xbf" + text.encode("utf-8")).title == "caf\xe9"

    def test_size_limit_before_allocation(self):
        with pytest.raises(GameTooLargeError, match="10000000000 strategy profiles"):
            read_nfg('NFG 1 R "" { "a" "b" } { 100000 100000 } 1')
        with pytest.raises(GameTooLargeError, match="max_profiles=10"):
            read_nfg('NFG 1 R "" { "a" "b" } { 4 3 } 1', max_profiles=10)
        with pytest.raises(GameTooLargeError):
            read_nfg('NFG 1 R "" { "a" } { 99999999999999999999999 } 1')
        with pytest.raises(dt.DeterrenceError, match="max_profiles"):
            read_nfg(SELTEN_PAYOFF, max_profiles=0)


# ======================================================================= malformed
M2 = 'NFG 1 R "x" { "a" "b" } { 2 2 }\n'
O2 = 'NFG 1 R "x" { "a" "b" } { { "C" "D" } { "C" "D" } }\n'
MALFORMED = [
    # (id, text, line, column, phrase)
    ("empty file", "", 1, 1, "empty file"),
    ("blank file", "\n\n  \n", 4, 1, "empty file"),
    ("not an nfg", "hello world\n1 2 3\n", 1, 1, "not a Gambit .nfg file"),
    ("json", '{"payoffs": [1, 2]}', 1, 1, "not a Gambit .nfg file"),
    ("efg", 'EFG 2 R "x" { "a" }\n', 1, 1, "extensive-form"),
    ("version 2", 'NFG 2 R "x" { "a" } { 1 } 1', 1, 5, "unsupported .nfg version '2'"),
    ("version word", 'NFG one R "x"', 1, 5, "format version 1"),
    ("number type", 'NFG 1 Q "x" { "a" } { 1 } 1', 1, 7, "'R' or 'D'"),
    ("no title", 'NFG 1 R { "a" } { 1 } 1', 1, 9, "game title"),
    ("no player list", 'NFG 1 R "x" "a" { 1 } 1', 1, 13, "'{' opening the list of player names"),
    ("no players", 'NFG 1 R "x" { } { } 1', 1, 15, "player list is empty"),
    # repeated player names are read (renamed as Gambit does): TestAsGambitReads
    (
        "unclosed player list",
        'NFG 1 R "x" { "a" "b" { 2 2 }\n1 2',
        1,
        23,
        "'}' closing the player list opened at line 1, column 13",
    ),
    (
        "unclosed label",
        'NFG 1 R "x" { "a" "b } { 2 2 }\n1 2 3 4 5 6 7 8\n',
        1,
        19,
        "unterminated label",
    ),
    (
        "unclosed title",
        'NFG 1 R "x { "a" "b" } { 2 2 }\n1 2 3 4 5 6 7 8',
        1,
        15,
        "is a '\"' missing",
    ),
    (
        "too many counts",
        'NFG 1 R "x" { "a" "b" } { 2 2 2 }\n' + "1 " * 16,
        1,
        31,
        "too many strategy counts: 2 player(s) declared",
    ),
    (
        "too few counts",
        'NFG 1 R "x" { "a" "b" } { 2 }\n1 2 3 4',
        1,
        29,
        "strategy counts for 1 player(s); expected 2",
    ),
    (
        "unclosed counts",
        'NFG 1 R "x" { "a" "b" } { 2 2\n1 2 3 4 5 6 7 8',
        2,
        1,
        "closing the strategy counts opened at line 1, column 25",
    ),
    ("zero strategies", 'NFG 1 R "x" { "a" "b" } { 2 0 }\n1 2', 1, 29, "bad strategy count '0'"),
    (
        "fractional count",
        'NFG 1 R "x" { "a" "b" } { 2 1.5 }\n1 2',
        1,
        29,
        "bad strategy count '1.5'",
    ),
    (
        "label as count",
        'NFG 1 R "x" { "a" "b" } { 2 "two" }\n1 2',
        1,
        29,
        "expected a strategy count",
    ),
    (
        "too many name lists",
        O2.replace("} }", '} { "E" } }', 1) + '{ { "" 1 2 } }\n1 1 1 1',
        1,
        51,
        "too many strategy lists",
    ),
    (
        "too few name lists",
        'NFG 1 R "x" { "a" "b" } { { "C" "D" } }\n{ { "" 1 2 } }\n1 1',
        1,
        39,
        "strategy lists for 1 player(s); expected 2",
    ),
    (
        "empty name list",
        'NFG 1 R "x" { "a" "b" } { { "C" } { } }\n{ { "" 1 2 } }\n1',
        1,
        37,
        'player 2 ("b") has no strategies',
    ),
    (
        "number in name list",
        'NFG 1 R "x" { "a" } { { "C" 2 } }\n1 2',
        1,
        29,
        "expected a strategy name or '}'",
    ),
    ("no body", M2, 2, 1, "ends after the prologue"),
    ("body is a word", M2 + "payoffs: 1 2", 2, 1, "expected the payoff list"),
    ("truncated payoffs", M2 + "1 2\n3 4\n5 6\n", 5, 1, "ends after 6 number(s); expected 8"),
    ("too many payoffs", M2 + "1 2\n3 4\n5 6\n7 8\n9\n", 6, 1, "too many payoffs"),
    ("bad number", M2 + "1 2\n3 4\n5 6\n7 8e\n", 5, 3, "bad number '8e'"),
    ("double sign", M2 + "1 2\n3 --4\n5 6\n7 8\n", 3, 3, "bad number '--4'"),
    ("two points", M2 + "1 2\n3 4.5.6\n5 6\n7 8\n", 3, 3, "bad number '4.5.6'"),
    ("bad rational", M2 + "1 2\n3 4/\n5 6\n7 8\n", 3, 3, "bad number '4/'"),
    ("rational with point", M2 + "1 2\n3 1.5/2\n5 6\n7 8\n", 3, 3, "bad number '1.5/2'"),
    ("division by zero", M2 + "1 2\n3 4/0\n5 6\n7 8\n", 3, 3, "division by zero"),
    ("overflow", M2 + "1 2\n3 1e999\n5 6\n7 8\n", 3, 3, "too large for a float"),
    ("word payoff", M2 + "1 2\n3 four\n5 6\n7 8\n", 3, 3, "player 2's payoff at profile (2, 1)"),
    (
        "brace in payoffs",
        M2 + "1 2\n3 4 }\n5 6\n7 8\n",
        3,
        5,
        "player 1's payoff at profile (1, 2)",
    ),
    ("comma in payoffs", M2 + "1, 2\n3 4\n5 6\n7 8\n", 2, 2, "found ','"),
    (
        "outcome index too large",
        O2 + '{ { "" 1 2 } { "" 3 4 } }\n1 2\n0 3\n',
        4,
        3,
        "outcome index 3 at profile (2, 2) is out of range",
    ),
    ("negative outcome index", O2 + '{ { "" 1 2 } }\n1 -1\n0 1\n', 3, 3, "non-negative integer"),
    ("decimal outcome index", O2 + '{ { "" 1 2 } }\n1 1.0\n0 1\n', 3, 3, "non-negative integer"),
    (
        "truncated index list",
        O2 + '{ { "" 1 2 } }\n1 1\n0\n',
        5,
        1,
        "outcome index list ends after 3 entries; expected 4",
    ),
    ("too many indices", O2 + '{ { "" 1 2 } }\n1 1\n0 1 1\n', 4, 5, "too many outcome indices"),
    ("outcome without name", O2 + "{ { 1 2 } }\n1 1 1 1", 2, 5, "the name of outcome 1"),
    (
        "outcome with 1 payoff",
        O2 + '{ { "o" 1 } }\n1 1 1 1',
        2,
        11,
        'outcome 1 ("o") has 1 payoff(s); expected 2',
    ),
    (
        "outcome with 3 payoffs",
        O2 + '{ { "" 1 2 } { "o" 1, 2, 3 } }\n1 1 1 1',
        2,
        26,
        'outcome 2 ("o") has more than 2 payoffs',
    ),
    ("bad outcome payoff", O2 + '{ { "" 1 2x } }\n1 1 1 1', 2, 10, "bad number '2x'"),
    (
        "unclosed outcome list",
        O2 + '{ { "" 1 2 }\n1 1 1 1',
        3,
        1,
        "closing the outcome list opened at line 2, column 1",
    ),
    ("unclosed outcome", O2 + '{ { "" 1 2 \n1 1 1 1', 3, 1, "has more than 2 payoffs"),
    ("extra closing brace", O2 + '{ { "" 1 2 } } }\n1 1 1 1', 2, 16, "outcome index"),
]


class TestMalformed:
    @pytest.mark.parametrize(
        ("text", "line", "column", "phrase"),
        [pytest.param(*case[1:], id=case[0]) for case in MALFORMED],
    )
    def test_raises_with_line_and_reason(self, text, line, column, phrase):
        with pytest.raises(NfgFormatError) as info:
            read_nfg(text)
        err = info.value
        assert isinstance(err, ValueError)
        msg = str(err)
        assert f"<nfg text>:{line}:{column}: " in msg, msg
        assert (err.line, err.column) == (line, column)
        assert phrase in msg, msg

    def test_every_case_also_fails_from_a_file(self, tmp_path):
        for k, (_, text, line, column, _phrase) in enumerate(MALFORMED):
            p = tmp_path / f"case{k}.nfg"
            p.write_text(text, encoding="utf-8")
            with pytest.raises(NfgFormatError, match=re.escape(f"{p}:{line}:{column}: ")):
                read_nfg(p)

    def test_errors_deep_in_a_large_file(self):
        # the fast path declines, the scanner finds the exact spot
        g = dt.catalog.random_game((20, 20, 20), rng=5)
        text = write_nfg(g)
        lines = text.splitlines()
        bad = [*lines[:5000], lines[5000].replace(" ", " 1/0 ", 1), *lines[5001:]]
        with pytest.raises(NfgFormatError, match=":5001:") as info:
            read_nfg("\n".join(bad))
        assert "division by zero" in str(info.value)
        with pytest.raises(NfgFormatError, match="ends after 23999 number"):
            read_nfg(text.rstrip().rsplit(" ", 1)[0])


# ================================================================ fast path == scanner
@settings(max_examples=300)
@given(word=st.text(alphabet="0123456789+-.eE", min_size=1, max_size=7))
@example(word="1e5")
@example(word=".e5")
@example(word="1.e5")
@example(word="-.5")
@example(word="+")
@example(word="5.")
@example(word="1e+")
def test_fast_path_accepts_exactly_the_scanner_grammar(word):
    fast = _fast_numbers(word, 1)
    slow = _number_value(word)
    if slow is None or not math.isfinite(slow):
        assert fast is None
        with pytest.raises(NfgFormatError):
            read_nfg(f'NFG 1 R "" {{ "a" }} {{ 1 }} {word}')
    else:
        assert fast is not None and fast[0] == slow
        assert read_nfg(f'NFG 1 R "" {{ "a" }} {{ 1 }} {word}').payoffs[0, 0] == slow


def read_both_ways(text):
    """Parse with the fast paths and with the scanner alone; the two must agree exactly
    (same game, or the same error message)."""

    def attempt():
        try:
            f = parse_nfg(text)
            return ("ok", f.to_game(), f.title, f.comment)
        except NfgFormatError as exc:
            return ("error", str(exc))

    fast = attempt()
    with (
        mock.patch.object(nfg, "_fast_numbers", lambda *a: None),
        mock.patch.object(nfg, "_fast_outcomes", lambda *a: None),
        mock.patch.object(nfg, "_fast_indices", lambda *a: None),
    ):
        slow = attempt()
    assert fast == slow
    return fast


NUMBERISH = st.sampled_from(["1", "-2", "0.5", "3e2", ".5", "1/2", "1e", "--1", "x", ""])
SEPARATOR = st.sampled_from([" ", " ", ", ", ",", " , ", ",,", "\n", ", ,"])
NAME = st.sampled_from(['""', '"o"', '"{ }"', '","', '"a \\" b"', '"\\\\"', "", '"1 2"'])


@settings(max_examples=300)
@given(
    outcomes=st.lists(
        st.tuples(
            NAME,
            st.lists(NUMBERISH, min_size=0, max_size=3),
            SEPARATOR,
            st.sampled_from(["", ",", " ,"]),
        ),
        min_size=0,
        max_size=4,
    ),
    close=st.sampled_from(["}", "", "} }", "}}"]),
    indices=st.lists(
        st.sampled_from(["0", "1", "2", "3", "4", "-1", "1.0", '"1"', "}"]), min_size=3, max_size=5
    ),
)
def test_outcome_fast_path_agrees_with_the_scanner(outcomes, close, indices):
    body = " ".join(
        "{ " + name + " " + sep.join(nums) + trail + " }" for name, nums, sep, trail in outcomes
    )
    text = O2 + "{ " + body + " " + close + "\n" + " ".join(indices)
    read_both_ways(text)


@settings(max_examples=200)
@given(words=st.lists(NUMBERISH | SEPARATOR, min_size=6, max_size=10))
def test_payoff_fast_path_agrees_with_the_scanner(words):
    read_both_ways(M2 + " ".join(words))


def test_fast_paths_are_taken_on_plain_files():
    text = O2 + '{ { "o" 1, 2, } { "{ }" 0.5 3e2 }{ "," -1 ,-2 } }\n1 2 3 0'
    with (
        mock.patch.object(nfg._Parser, "_slow_outcomes", side_effect=AssertionError),
        mock.patch.object(nfg._Parser, "_slow_indices", side_effect=AssertionError),
        mock.patch.object(nfg._Parser, "_slow_payoffs", side_effect=AssertionError),
    ):
        g = read_nfg(text)
        read_nfg(SELTEN_PAYOFF)
    assert g.payoffs.tolist() == [[[1, -1], [0.5, 0]], [[2, -2], [300, 0]]]
    assert read_both_ways(text)[1] == g


def test_both_ways_on_valid_files():
    for text in (SELTEN_PAYOFF, SELTEN_OUTCOME):
        assert read_both_ways(text)[0] == "ok"
    g = dt.catalog.most_violent_contest(3, np.linspace(0, 1, 4))
    assert read_both_ways(write_nfg(g))[1] == g


# ====================================================================== round trips
LABELS = st.text(alphabet=st.characters(codec="utf-8"), max_size=6)
# pygambit 16.7 accepts only labels of printable ASCII without leading, trailing or double
# spaces; it renames empty and repeated labels ("" -> "_1"; "a", "a" -> "a_1", "a_2") and
# reads backslashes its own way. Cross-checks use such labels, unique per scope.
SAFE_LABELS = st.lists(
    st.text(alphabet=[chr(c) for c in range(33, 127) if chr(c) != "\\"], min_size=1, max_size=4),
    min_size=1,
    max_size=2,
).map(" ".join)
#: Labels pygambit 16.7 reads back as written: its reader gives players and strategies the
#: default labels "1", "2", ... and then relabels them one by one, so a label equal to a
#: later one's default number (players "2" "1") is refused as a duplicate. That is the
#: peer's quirk, not a property of the file: the Gambit cross-check leaves out digit-only
#: labels (our own round trips keep them).
GAMBIT_LABELS = SAFE_LABELS.filter(lambda s: not s.isdigit())
INTS = st.integers(-(10**12), 10**12)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def games(
    draw, values=FLOATS, labels=LABELS, max_players=4, max_actions=3, names=True, unique=False
):
    n = draw(st.integers(1, max_players))
    shape = draw(st.lists(st.integers(1, max_actions), min_size=n, max_size=n))
    size = n * math.prod(shape)
    flat = draw(st.lists(values, min_size=size, max_size=size))
    payoffs = np.array(flat, dtype=float).reshape((n, *shape))
    if not names:
        return dt.NormalFormGame(payoffs, title=draw(labels))
    players = draw(st.lists(labels, min_size=n, max_size=n, unique=True))
    actions = [draw(st.lists(labels, min_size=k, max_size=k, unique=unique)) for k in shape]
    return dt.NormalFormGame(
        payoffs, player_names=players, action_names=actions, title=draw(labels)
    )


def assert_same(a, b):
    assert a == b
    assert a.title == b.title
    assert np.array_equal(a.payoffs, b.payoffs)


class TestRoundTrip:
    @settings(max_examples=80)
    @given(game=games(), form=st.sampled_from(["auto", "payoff", "outcome"]))
    def test_floats_and_any_labels(self, game, form):
        assert_same(read_nfg(write_nfg(game, form=form, comment="c")), game)

    @settings(max_examples=60)
    @given(game=games(values=INTS, names=False), form=st.sampled_from(["auto", "outcome"]))
    def test_integers(self, game, form):
        text = write_nfg(game, form=form)
        assert ".0" not in text.split("}")[-1]  # integers are written as integers
        assert_same(read_nfg(text), game)

    @settings(max_examples=40)
    @given(game=games(values=st.integers(-2, 2), max_players=7, max_actions=2, names=False))
    def test_many_players(self, game):
        assert_same(read_nfg(write_nfg(game)), game)
        assert_same(read_nfg(write_nfg(game, form="outcome")), game)

    @settings(max_examples=30)
    @given(game=games())
    def test_through_a_file(self, game):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "g.nfg"
            text = write_nfg(game, p, comment="through a file")
            assert p.read_bytes().decode("utf-8") == text
            assert_same(read_nfg(p), game)
            assert parse_nfg(os.fspath(p)).comment == "through a file"

    def test_extreme_values(self):
        vals = [
            5e-324,
            -5e-324,
            1.7976931348623157e308,
            -0.0,
            0.1,
            2.0**53,
            2.0**53 + 2,
            1e16,
            1e-300,
            1 / 3,
        ]
        g = dt.NormalFormGame(np.array(vals).reshape(1, -1))
        text = write_nfg(g)
        assert "e+" not in text  # Gambit reads 1e16, not 1e+16
        assert_same(read_nfg(text), g)


# ========================================================================== writer
class TestWriter:
    def test_payoff_form_text(self):
        g = read_nfg(SELTEN_PAYOFF)
        text = write_nfg(g)
        assert text.startswith(
            'NFG 1 R "Selten (IJGT, 75), Figure 2, normal form" { "Player 1" "Player 2" } { 3 2 }\n'
        )
        body = [int(x) for x in text.split("\n\n", 1)[1].split()]
        assert body == [1, 1, 0, 2, 0, 2, 1, 1, 0, 3, 2, 0]

    def test_outcome_form_shares_outcomes(self):
        g = dt.catalog.coordination_game(3, n_players=3)
        f = parse_nfg(write_nfg(g, form="outcome"))
        assert f.form == "outcome"
        outcomes = write_nfg(g, form="outcome").count('{ "" ')
        assert outcomes == 2  # "everybody 0" and "everybody 1"
        assert f.to_game() == g

    def test_auto_picks_the_form(self):
        assert parse_nfg(write_nfg(dt.catalog.prisoners_dilemma())).form == "outcome"
        assert parse_nfg(write_nfg(dt.catalog.random_game((2, 2), rng=0))).form == "payoff"
        pd = dt.catalog.prisoners_dilemma()
        f = parse_nfg(write_nfg(pd, form="payoff"))
        assert f.form == "payoff" and f.to_game() == pd  # names kept as nested lists

    def test_comment_and_title_are_quoted(self):
        g = dt.NormalFormGame(np.zeros((1, 1)), title='a "t" \\ b')
        f = parse_nfg(write_nfg(g, comment='line 1\n"line 2"'))
        assert f.title == 'a "t" \\ b' and f.comment == 'line 1\n"line 2"'

    def test_structured_games_use_their_dense_table(self):
        class Dense(dt.Game):
            shape = (2, 2)

            def _deviation_payoffs(self, profile):
                return dt.catalog.prisoners_dilemma().deviation_payoffs(profile)

            def to_normal_form(self, **kwargs):
                return dt.catalog.prisoners_dilemma()

        assert read_nfg(write_nfg(Dense())) == dt.catalog.prisoners_dilemma()

    def test_bad_arguments(self):
        with pytest.raises(dt.DeterrenceError, match="form='table'"):
            write_nfg(dt.catalog.prisoners_dilemma(), form="table")
        with pytest.raises(dt.DeterrenceError, match="not a deterrence game"):
            write_nfg([[1, 2], [3, 4]])


# ======================================================================== pygambit
def gbt_arrays(game):
    """Payoff arrays of a pygambit game, read profile by profile (pygambit 16.7's
    ``to_arrays`` fails on profiles with the null outcome)."""
    shape = [len(p.strategies) for p in game.players]
    out = np.zeros((len(shape), *shape))
    for prof in itertools.product(*(range(k) for k in shape)):
        outcome = game[list(prof)]
        if outcome is not None:
            out[(slice(None), *prof)] = [float(outcome[p]) for p in game.players]
    return list(out)


def gbt_read(text):
    return gambit().read_nfg(io.StringIO(text))


def assert_matches_gambit(ours, theirs):
    assert ours.title == theirs.title
    assert ours.player_names == tuple(p.label for p in theirs.players)
    assert ours.action_names == tuple(tuple(s.label for s in p.strategies) for p in theirs.players)
    arrays = gbt_arrays(theirs)
    assert len(arrays) == ours.n_players
    for mine, yours in zip(ours.payoffs, arrays, strict=True):
        assert np.array_equal(mine, yours)


@pytest.mark.peer
class TestGambit:
    @pytest.mark.parametrize("text", [SELTEN_PAYOFF, SELTEN_OUTCOME], ids=["payoff", "outcome"])
    def test_documented_examples(self, text):
        assert_matches_gambit(read_nfg(text), gbt_read(text))

    @pytest.mark.parametrize(
        "text",
        [
            'NFG 1 R "esc \\"q\\"" { "P \\"1\\"" "P2" } { { "a" "b" } { "c" } } "comment" '
            '{ { "x" 1/3, -2.5e-3 } { "" .5 7 } } 2 0',
            'NFG 1 D "d" { "a" "b" "c" } { 1 2 2 } 1 2 3 4 5 6 7 8 9 10 11 12',
            'NFG 1 R "big" { "a" } { 3 } 12345678901234567 1e20 -1/7',
        ],
    )
    def test_hand_written(self, text):
        assert_matches_gambit(read_nfg(text), gbt_read(text))

    @settings(max_examples=60)
    @given(
        game=games(
            values=st.floats(-1e6, 1e6) | st.integers(-1000, 1000),
            labels=GAMBIT_LABELS,
            unique=True,
        ),
        form=st.sampled_from(["payoff", "outcome"]),
    )
    def test_gambit_reads_what_we_write(self, game, form):
        theirs = gbt_read(write_nfg(game, form=form))
        assert_matches_gambit(game, theirs)
        # ... and we read what Gambit writes
        assert_same(read_nfg(theirs.to_nfg()), game)

    @settings(max_examples=60)
    @given(data=st.data())
    def test_random_number_notations(self, data):
        shape = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
        size = len(shape) * math.prod(shape)
        token = st.one_of(
            st.integers(-(10**20), 10**20).map(str),
            st.tuples(st.integers(-(10**6), 10**6), st.integers(1, 10**6)).map(
                lambda t: f"{t[0]}/{t[1]}"
            ),
            st.floats(-1e9, 1e9).map(repr),
            st.tuples(st.integers(0, 999), st.integers(0, 999), st.integers(-30, 30)).map(
                lambda t: f"{t[0]}.{t[1]}e{t[2]}"
            ),
            st.integers(0, 10**6).map(lambda k: f"-.{k}"),
        )
        words = data.draw(st.lists(token, min_size=size, max_size=size))
        players = " ".join(f'"{chr(97 + i)}"' for i in range(len(shape)))
        counts = " ".join(map(str, shape))
        text = f'NFG 1 R "r" {{ {players} }} {{ {counts} }}\n' + " ".join(words)
        assert_matches_gambit(read_nfg(text), gbt_read(text))


# ============================================================ what Gambit accepts, we read
# Files pygambit 16.7's reader accepts, with the player and strategy labels it gives them:
# (id, text, Gambit's player labels, Gambit's strategy labels). Repeated and empty labels are
# renamed within their list (players; each player's strategies): "L" -> "L_1", "L_2", ...,
# skipping labels already present; "" -> "_1", ...
GAMBIT_ACCEPTS = [
    (
        "duplicate players",
        'NFG 1 R "t" { "A" "A" } { 2 2 } 1 2 3 4 5 6 7 8',
        ("A_1", "A_2"),
        (("1", "2"), ("1", "2")),
    ),
    (
        "three duplicates",
        'NFG 1 R "t" { "A" "A" "A" } { 1 1 1 } 1 2 3',
        ("A_1", "A_2", "A_3"),
        (("1",), ("1",), ("1",)),
    ),
    (
        "duplicate next to its renaming",
        'NFG 1 R "t" { "A" "A_1" "A" } { 1 1 1 } 1 2 3',
        ("A_2", "A_1", "A_3"),
        (("1",), ("1",), ("1",)),
    ),
    (
        "empty players",
        'NFG 1 R "t" { "" "" } { 2 2 } 1 2 3 4 5 6 7 8',
        ("_1", "_2"),
        (("1", "2"), ("1", "2")),
    ),
    (
        "one empty player",
        'NFG 1 R "t" { "" "B" } { 2 2 } 1 2 3 4 5 6 7 8',
        ("_1", "B"),
        (("1", "2"), ("1", "2")),
    ),
    ("empty and _1", 'NFG 1 R "t" { "" "_1" } { 1 1 } 1 2', ("_2", "_1"), (("1",), ("1",))),
    (
        "duplicate players, outcome form",
        'NFG 1 R "t" { "P" "P" } { { "a" } { "a" } } { { "" 1 2 } } 1',
        ("P_1", "P_2"),
        (("a",), ("a",)),
    ),
    (
        "duplicate and empty strategies",
        'NFG 1 R "t" { "A" "B" } { { "x" "x" } { "y" "" } } "" { { "" 1, 2 } } 1 0 1 0',
        ("A", "B"),
        (("x_1", "x_2"), ("y", "_1")),
    ),
    (
        "empty strategies",
        'NFG 1 R "t" { "A" "B" } { { "" "" } { "" "" } } 1 2 3 4 5 6 7 8',
        ("A", "B"),
        (("_1", "_2"), ("_1", "_2")),
    ),
    (
        "strategies named like counts",
        'NFG 1 R "t" { "A" } { { "1" "1" "" } } 1 2 3',
        ("A",),
        (("1_1", "1_2", "_1"),),
    ),
    (
        "empty title",
        'NFG 1 R "" { "A" "B" } { 2 2 } 1 2 3 4 5 6 7 8',
        ("A", "B"),
        (("1", "2"), ("1", "2")),
    ),
    (
        "comment, payoff form",
        'NFG 1 R "t" { "A" "B" } { 2 2 } "a comment" 1 2 3 4 5 6 7 8',
        ("A", "B"),
        (("1", "2"), ("1", "2")),
    ),
    (
        "comment, named strategies, payoff form",
        'NFG 1 R "t" { "A" "B" } { { "a" "b" } { "c" } } "cm" 1 2 3 4',
        ("A", "B"),
        (("a", "b"), ("c",)),
    ),
    (
        "counts then outcomes",
        'NFG 1 R "t" { "A" "B" } { 2 2 } { { "o" 1 2 } } 1 1 0 1',
        ("A", "B"),
        (("1", "2"), ("1", "2")),
    ),
    (
        "odd whitespace",
        'NFG\t1\r\nR "t"{"A""B"}{2 2}1\t2\v3\f4 5 6 7 8',
        ("A", "B"),
        (("1", "2"), ("1", "2")),
    ),
    ("carriage returns only", 'NFG 1 R "t"\r{ "A" }\r{ 1 }\r1\r', ("A",), (("1",),)),
    (
        "no spaces around braces",
        'NFG 1 R "t"{"A" "B"}{{"a""b"}{"c""d"}}{{"x"1,2}{"y"3,4}}1 2 0 1',
        ("A", "B"),
        (("a", "b"), ("c", "d")),
    ),
    (
        "null outcomes",
        'NFG 1 R "t" { "A" "B" } { { "a" "b" } { "c" "d" } } { { "x" 1, 2 } } 0 0 0 1',
        ("A", "B"),
        (("a", "b"), ("c", "d")),
    ),
    (
        "unused outcome",
        'NFG 1 R "t" { "A" "B" } { { "a" "b" } { "c" "d" } } { { "x" 1, 2 } { "y" 3 4 } } 1 1 1 1',
        ("A", "B"),
        (("a", "b"), ("c", "d")),
    ),
    (
        "empty outcome list",
        'NFG 1 R "t" { "A" "B" } { { "a" "b" } { "c" "d" } } { } 0 0 0 0',
        ("A", "B"),
        (("a", "b"), ("c", "d")),
    ),
    (
        "duplicate outcome names",
        'NFG 1 R "t" { "A" "B" } { { "a" "b" } { "c" "d" } } { { "x" 1, 2 } { "x" 3 4 } } 1 2 1 2',
        ("A", "B"),
        (("a", "b"), ("c", "d")),
    ),
    (
        "trailing comma in an outcome",
        'NFG 1 R "t" { "A" "B" } { { "a" } { "b" } } { { "x" 1, 2, } } 1',
        ("A", "B"),
        (("a",), ("b",)),
    ),
    ("rationals", 'NFG 1 R "t" { "A" } { 3 } 1/3 -2/4 3/1', ("A",), (("1", "2", "3"),)),
    (
        "decimals",
        'NFG 1 R "t" { "A" } { 5 } .5 -0.25 5. 1.5e3 1.e2',
        ("A",),
        (("1", "2", "3", "4", "5"),),
    ),
    ("rational outcome", 'NFG 1 R "t" { "A" } { { "a" } } { { "x" 1/3 } } 1', ("A",), (("a",),)),
    ("leading zeros", 'NFG 1 R "t" { "A" } { 02 } 007 1', ("A",), (("1", "2"),)),
    ("big integer", 'NFG 1 R "t" { "A" } { 1 } 123456789012345678901234567890', ("A",), (("1",),)),
    ("D number type", 'NFG 1 D "t" { "A" } { 1 } 1', ("A",), (("1",),)),
    ("newline in a label", 'NFG 1 R "t\nx" { "A" } { 1 } 1', ("A",), (("1",),)),
    ("escaped quote", 'NFG 1 R "t" { "C\\"D" } { 1 } 1', ('C"D',), (("1",),)),
]
# Files Gambit refuses that we refuse too (NfgFormatError)
BOTH_REFUSE = [
    'NFG 1 R "t" { "A" "B" } { { } { "a" } } 1 2',
    'NFG 1 R "t" { "A" "B" } { 0 2 } ',
    'NFG 1 R "t" { "A" "B" } { { "a" "b" } { "c" "d" } } { { "x" 1 } } 1 1 1 1',
    'NFG 1 R "t" { "A" "B" } { { "a" "b" } { "c" "d" } } { { 1, 2 } } 1 1 1 1',
    'NFG 1 R "t" { "A" "B" } { { "a" "b" } { "c" "d" } } { { "x" 1, 2 } } 1 1',
    'NFG 1 R "t" { "A" } { 1 } 1/2e3',
    'NFG 1 R "t" { "A" } { 1 } 1/-2',
    'NFG 1 R "t" { "A" } { 1 } 1 2',
    'NFG 1 R "t" { "A" } { 1 } 1 "x"',
    'NFG 1 R "t" { "A" } { 2 } 1',
    'NFG 2 R "t" { "A" } { 1 } 1',
    'NFG 1 R "t" { "A" "B" } { 1 1 } 1, 2',
    '# hi\nNFG 1 R "t" { "A" } { 1 } 1',
    'NFG 1 R "t" { } { } ',
    'NFG 1 R { "A" } { 1 } 1',
    'NFG 1 R "t" { "A" } { 1 } 0x10',
    'NFG 1 R "t" { "A" } { 1 } inf',
    'NFG 1 R "t" { "A" } { 1 } .',
    'NFG 1 R "t" { "A" } { 1 } -',
    'NFG 1 R "t" { "A" } { 1 } --1',
    'NFG 1 R "t" { "A" } { 1 } 1e',
    'NFG 1 R "t" { "A" } { 1 } 1/0',
    'NFG 1 R "t" { "A" } { 1 } 1.5/2',
    'NFG 1 R "t" { "A" } { { "a" } } { { "x" 1 } } 2',
    'NFG 1 R "t" { "A" } { { "a" } } { { "x" 1 } } -1',
    'NFG 1 R "t" { "A" "B" } { { "a" } { "b" } } { { "x" , 1 2 } } 1',
    'NFG 1 R "t" { "A" "B" } { { "a" } { "b" } } { { "x" 1,,2 } } 1',
    'NFG 1 R "t" { "A" "B" } { { "a" } { "b" } } { { "x" 1 2 3 } } 1',
    'NFG 1 R "t" { "A" "B" } { { "a" "b" } } 1 2 3 4',
    'NFG 1 R "t" { "A" "B" } { 2 } 1 2 3 4',
    "",
    'nfg 1 R "t" { "A" } { 1 } 1',
    'NFG 1.0 R "t" { "A" } { 1 } 1',
    'NFG 1 r "t" { "A" } { 1 } 1',
]
# What we read and Gambit refuses (documented extensions): signs, any label text
WE_ALSO_READ = [
    'NFG 1 R "t" { "A" } { 2 } 1e+5 2E3',
    'NFG 1 R "t" { "A" } { 2 } +3 4',
    'NFG 1 R "jeu \u00fc" { "J\u00f6ns" "\u674e" } { { "\u00e9" "\u00df" } { "\u221e" } } 1 2 3 4',
    'NFG 1 R "t" { " A" "B  C" } { 1 1 } 1 2',
    'NFG 1 R "t" { "A\tB" } { 1 } 1',
    '\ufeffNFG 1 R "t" { "A" } { 1 } 1',
]


class TestAsGambitReads:
    @pytest.mark.parametrize(
        ("text", "players", "strategies"), [pytest.param(*c[1:], id=c[0]) for c in GAMBIT_ACCEPTS]
    )
    def test_gambit_labels(self, text, players, strategies):
        g = read_nfg(text, labels="gambit")
        assert g.player_names == players and g.action_names == strategies
        kept = read_nfg(text)  # default: labels as written, repeated player names renamed
        assert np.array_equal(kept.payoffs, g.payoffs)
        assert len(set(kept.player_names)) == kept.n_players
        f = parse_nfg(text, labels="gambit")
        assert f.player_names == players

    def test_default_keeps_labels_but_renames_repeated_players(self):
        text = 'NFG 1 R "t" { "A" "A" "" } { { "x" "x" } { "" } { "" "" } } ' + " ".join(["1"] * 12)
        g = read_nfg(text)
        assert g.player_names == ("A_1", "A_2", "")
        assert g.action_names == (("x", "x"), ("",), ("", ""))
        assert read_nfg(text, labels="gambit").player_names == ("A_1", "A_2", "_1")

    def test_payoffs_of_the_renamed_game(self):
        g = read_nfg('NFG 1 R "t" { "A" "A" } { 2 2 } 1 2 3 4 5 6 7 8')
        assert g.payoffs.tolist() == [[[1, 5], [3, 7]], [[2, 6], [4, 8]]]

    @pytest.mark.parametrize("text", BOTH_REFUSE)
    def test_we_refuse_what_gambit_refuses(self, text):
        with pytest.raises(NfgFormatError):
            read_nfg(text)

    def test_bad_labels_option(self):
        with pytest.raises(dt.DeterrenceError, match="labels='renamed'"):
            read_nfg(SELTEN_PAYOFF, labels="renamed")

    @pytest.mark.peer
    @pytest.mark.parametrize(
        "text", [c[1] for c in GAMBIT_ACCEPTS], ids=[c[0] for c in GAMBIT_ACCEPTS]
    )
    def test_side_by_side_with_gambit(self, text):
        assert_matches_gambit(read_nfg(text, labels="gambit"), gbt_read(text))

    @pytest.mark.peer
    @pytest.mark.parametrize("text", BOTH_REFUSE)
    def test_gambit_refuses_them_too(self, text):
        gambit()
        # pygambit raises various types, some only when a payoff is read ("." and "-")
        with pytest.raises(Exception):  # noqa: B017
            gbt_arrays(gbt_read(text))

    @pytest.mark.peer
    @pytest.mark.parametrize("text", WE_ALSO_READ)
    def test_extensions_gambit_refuses(self, text):
        read_nfg(text)
        gambit()
        with pytest.raises(Exception):  # noqa: B017
            gbt_arrays(gbt_read(text))

    @pytest.mark.peer
    @settings(max_examples=80, deadline=None)
    @given(
        players=st.lists(
            st.sampled_from(["A", "A_1", "A_2", "", "_1", "_2", "A_1_1", "B"]),
            min_size=1,
            max_size=5,
        ),
        strategies=st.lists(
            st.sampled_from(["x", "x_1", "", "_1", "1", "1_1"]), min_size=1, max_size=5
        ),
    )
    def test_renaming_rule_matches_gambit(self, players, strategies):
        ps = " ".join(f'"{p}"' for p in players)
        ss = " ".join(f'"{s}"' for s in strategies)
        rest = " ".join(f"{{ {ss} }}" if i == 0 else '{ "s" }' for i in range(len(players)))
        text = f'NFG 1 R "t" {{ {ps} }} {{ {rest} }} ' + " ".join(
            ["1"] * (len(players) * len(strategies))
        )
        assert_matches_gambit(read_nfg(text, labels="gambit"), gbt_read(text))
        assert nfg.gambit_labels(players) == tuple(p.label for p in gbt_read(text).players)


# ====================================================================== files and pipes
class TestFilesAndPipes:
    def test_dash_reads_standard_input(self, monkeypatch):
        stdin = io.TextIOWrapper(io.BytesIO(SELTEN_PAYOFF.encode("utf-8")), encoding="utf-8")
        monkeypatch.setattr("sys.stdin", stdin)
        assert read_nfg("-") == read_nfg(SELTEN_PAYOFF)

    def test_dash_reads_a_text_stream_without_buffer(self, monkeypatch):
        monkeypatch.setattr("sys.stdin", io.StringIO(SELTEN_OUTCOME))
        f = parse_nfg("-")
        assert f.form == "outcome" and f.to_game() == read_nfg(SELTEN_OUTCOME)

    def test_errors_on_standard_input_name_it(self, monkeypatch):
        monkeypatch.setattr("sys.stdin", io.StringIO('NFG 1 R "t" { "a" } { 2 }\n1 x\n'))
        with pytest.raises(NfgFormatError, match=r"^<stdin>:2:3: "):
            read_nfg("-")

    def test_dev_stdin_from_a_pipe(self):
        import subprocess
        import sys

        code = "import deterrence as dt; g = dt.read_nfg('/dev/stdin'); print(g.shape)"
        for path_arg in ("/dev/stdin", "-"):
            out = subprocess.run(
                [sys.executable, "-c", code.replace("/dev/stdin", path_arg)],
                input=SELTEN_PAYOFF.encode(),
                capture_output=True,
                check=True,
                timeout=120,
            )
            assert out.stdout.decode().strip() == "(3, 2)"

    def test_a_directory_is_reported_as_a_directory(self, tmp_path):
        with pytest.raises(IsADirectoryError, match="is a directory") as info:
            read_nfg(tmp_path)
        assert info.value.filename == str(tmp_path)
        with pytest.raises(IsADirectoryError):
            read_nfg(str(tmp_path))

    def test_a_path_through_a_file_is_missing(self, tmp_path):
        p = tmp_path / "g.nfg"
        p.write_text(SELTEN_PAYOFF, encoding="utf-8")
        with pytest.raises(FileNotFoundError, match=r"no such \.nfg file"):
            read_nfg(p / "inner.nfg")

    def test_a_fifo(self, tmp_path):
        import threading

        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this platform")
        fifo = tmp_path / "pipe.nfg"
        os.mkfifo(fifo)

        def writer():
            with open(fifo, "w", encoding="utf-8") as fh:
                fh.write(SELTEN_PAYOFF)

        t = threading.Thread(target=writer)
        t.start()
        try:
            assert read_nfg(fifo) == read_nfg(SELTEN_PAYOFF)
        finally:
            t.join(timeout=10)


# ============================================ no slow-path cliff: bulk == token by token
def _token_by_token(monkeypatch):
    """Force every payoff and index list through the token scanner from its first word."""
    monkeypatch.setattr(nfg, "_fast_numbers", lambda body, total: None)
    monkeypatch.setattr(nfg, "_fast_indices", lambda body, n, m: None)
    monkeypatch.setattr(nfg, "_payoff_words", lambda words: (np.empty(len(words)), 0))
    monkeypatch.setattr(
        nfg, "_index_words", lambda words, n_out: (np.empty(len(words), dtype=np.intp), 0)
    )


def _outcome_of(text):
    try:
        g = read_nfg(text)
    except NfgFormatError as exc:
        return ("error", str(exc), exc.line, exc.column)
    return ("ok", g.payoffs.tobytes(), g.shape)


SPLICES = [
    "1/3",
    "-7/2",
    "1x3",
    "4}",
    '"a"',
    "{",
    ",",
    "1/0",
    "1e999",
    "",
    "5 6",
    "2.5e-3",
    "+4",
    "0.",
    "--1",
    "\u00a0",
    "9 9 9",
]


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_bulk_path_reports_exactly_what_the_scanner_reports(data):
    shape = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    g = dt.catalog.random_game(tuple(shape), rng=data.draw(st.integers(0, 99)), integer=True)
    form = data.draw(st.sampled_from(["payoff", "outcome"]))
    text = write_nfg(g, form=form)
    words = text.split(" ")
    k = data.draw(st.integers(len(words) // 2, len(words) - 1))
    splice = data.draw(st.sampled_from(SPLICES))
    if form == "outcome" and splice not in ("", "5 6", "9 9 9"):
        splice = data.draw(st.sampled_from(["1/3", "x", "-1", "99", "1.0", "}"]))
    words[k] = splice + ("\n" if words[k].endswith("\n") else "")
    bad = " ".join(words)
    fast = _outcome_of(bad)
    with pytest.MonkeyPatch.context() as mp:
        _token_by_token(mp)
        slow = _outcome_of(bad)
    assert fast == slow


def test_one_rational_or_bad_token_at_the_end_is_read_or_refused_with_its_position():
    g = dt.catalog.random_game((4, 11, 11, 11), rng=3, integer=True)
    text = write_nfg(g, form="payoff")
    head = text.rstrip("\n").rpartition(" ")[0]
    n_lines = text.count("\n")
    rational = read_nfg(head + " 1/3\n")
    assert rational.payoffs[3, 3, 10, 10, 10] == 1 / 3
    assert np.array_equal(rational.payoffs.ravel()[:-1], g.payoffs.ravel()[:-1])
    with pytest.raises(NfgFormatError) as info:
        read_nfg(head + " 1x3\n")
    col = len(head.rsplit("\n", 1)[-1]) + 2
    assert (info.value.line, info.value.column) == (n_lines, col)
    assert "player 4's payoff at profile (4, 11, 11, 11)" in str(info.value)
