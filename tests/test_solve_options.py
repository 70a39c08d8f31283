"""``dt.solve(game, method, **options)`` checks the options against the method.

The allowed options of a method are its solver function's keyword-only parameters (read
from the signature, so a new solver needs no list of its own); ``"auto"`` accepts those of
the solvers it may choose and forwards each to the ones that take it. Tolerances (``tol``,
``*_tol``) must be finite numbers, positive when their default is.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import deterrence as dt
from deterrence.errors import DeterrenceError, UnknownOptionError
from deterrence.solvers import METHODS, method_options
from deterrence.solvers._options import keyword_options

PD = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
MP = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])


def volunteer(n=3):
    def pay(profile):
        return [4.0 * (0 in profile) - (a == 0) for a in profile]

    return dt.NormalFormGame.from_function((2,) * n, pay)


#: a game each method accepts, and one valid non-default option for it
VALID = {
    "pure": (PD, {"tol": 1e-12}),
    "support": (MP, {"tol": 1e-8}),
    "lemke-howson": (MP, {"max_pivots": 500}),
    "lp": (MP, {"tol": 1e-8}),
    "logit": (volunteer(), {"max_steps": 5000, "tol": 1e-9}),
    "symmetric": (volunteer(), {"symmetry_tol": 1e-10, "first_step": 0.05}),
    "auto": (volunteer(), {"tol": 1e-9, "lambda_max": 1e8}),
}


def test_every_method_is_covered():
    assert set(VALID) == set(METHODS)
    assert all(callable(f) for f in METHODS.values())  # functions, not "module:function"


@pytest.mark.parametrize("method", sorted(METHODS))
def test_bogus_option_is_refused_with_the_allowed_list(method):
    game, _ = VALID[method]
    allowed = method_options(method)
    with pytest.raises(DeterrenceError) as info:
        dt.solve(game, method=method, bogus=1)
    msg = str(info.value)
    assert msg.startswith(f"dt.solve(method={method!r}): unknown option bogus=1; allowed: ")
    assert msg.endswith(", ".join(allowed))
    # also a TypeError, as Python's own error for an unexpected keyword argument
    assert isinstance(info.value, TypeError) and isinstance(info.value, UnknownOptionError)


def test_default_method_is_auto():
    with pytest.raises(DeterrenceError, match=r"dt.solve\(method='auto'\): unknown option bogus"):
        dt.solve(PD, bogus=1)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_valid_options_still_work(method):
    game, options = VALID[method]
    res = dt.solve(game, method=method, **options)
    assert res.equilibria
    for eq in res:
        assert dt.regret(game, eq.strategies) <= 1e-8
    for k, v in options.items():
        if k in res.parameters:
            assert res.parameters[k] == v


def test_allowed_options_are_the_signature():
    assert list(method_options("pure")) == ["tol", "route"]
    assert list(method_options("logit")) == list(keyword_options(dt.solve_logit))
    assert "symmetry_tol" in method_options("symmetric")
    auto = method_options("auto")
    for m in ("support", "symmetric", "logit"):
        assert set(method_options(m)) <= set(auto)
    assert "initial_label" not in auto  # lemke-howson is not one of auto's candidates


def test_auto_forwards_options_to_the_chosen_solver():
    res = dt.solve(volunteer(), tol=1e-6, max_steps=777)
    assert res.method == "auto:symmetric"
    assert res.parameters["tol"] == 1e-6 and res.parameters["max_steps"] == 777
    # a 2-player game goes to support enumeration, which takes tol and ignores max_steps
    res2 = dt.solve(MP, tol=1e-7, max_steps=777)
    assert res2.method == "auto:support"
    assert res2.parameters.get("tol") == 1e-7
    # symmetry_tol reaches the symmetry check: a slightly asymmetric game counts as
    # symmetric with a loose tolerance only
    pay = np.array(volunteer().payoffs)
    pay[0, 1, 1, 1] += 1e-6
    near = dt.NormalFormGame(pay)
    assert dt.solve(near).method == "auto:logit"
    assert dt.solve(near, symmetry_tol=1e-3).method.startswith("auto:")
    assert dt.solve(near, symmetry_tol=1e-3).details["auto"]["tried"][0]["method"] == "symmetric"


@pytest.mark.parametrize("method", ["logit", "symmetric", "support", "auto"])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0, 0.0, "1e-9"])
def test_tolerances_must_be_finite_and_positive(method, bad):
    game, _ = VALID[method]
    with pytest.raises(DeterrenceError, match="tol"):
        dt.solve(game, method=method, tol=bad)


def test_a_zero_default_tolerance_may_be_zero():
    assert dt.solve(PD, method="pure", tol=0.0).complete
    with pytest.raises(DeterrenceError, match="tol"):
        dt.solve(PD, method="pure", tol=-1e-3)
    with pytest.raises(DeterrenceError, match="symmetry_tol"):
        dt.solve(volunteer(), method="symmetric", symmetry_tol=float("nan"))


def test_unknown_method_lists_the_methods():
    with pytest.raises(DeterrenceError, match="auto"):
        dt.solve(PD, method="nope")


# --------------------------------------------------------------------------- structure
SOLVERS = Path(dt.__file__).parent / "solvers"


def _imports(path: Path) -> set[str]:
    """Top-level (import-time) imports of sibling modules of deterrence.solvers."""
    out = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out.update(a.name for a in node.names)
    return out


def test_no_import_cycle_and_no_string_registry_in_solvers():
    graph = {p.stem: _imports(p) for p in SOLVERS.glob("*.py")}
    for p in SOLVERS.glob("*.py"):
        assert "importlib" not in p.read_text(), p.name
    state: dict[str, int] = {}

    def visit(m, stack):
        state[m] = 1
        for n in graph.get(m, ()):
            assert state.get(n) != 1, f"import cycle: {' -> '.join([*stack, m, n])}"
            if n not in state:
                visit(n, [*stack, m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])


def test_solvers_never_probe_games():
    """Solvers and dynamics call the Game protocol; they never look for optional hooks."""
    roots = [SOLVERS, SOLVERS.parent / "dynamics"]
    for root in roots:
        for p in root.glob("*.py"):
            src = p.read_text()
            bads = ["getattr(game", "getattr(self.game", "hasattr(game", "is Game."]
            if p.name != "two_player.py":  # (its _bimatrix still has a harmless one)
                bads.append("isinstance(game, NormalFormGame)")
            for bad in bads:
                assert bad not in src, f"{p.name}: {bad}"
    src = inspect.getsource(dt.solvers.symmetric)
    assert "isinstance(game" not in src and "isinstance(self.game" not in src
