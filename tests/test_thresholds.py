"""The threshold functions against closed forms derived by hand.

Setting: ``N`` identical organizations, levels ``0, delta, ..., K delta = v_max``, benefit
``b``, no cost, no market, rule ``MostViolent(ties="split", floor=0)``, so

    u_i(v) = b v_i - L P(i designated | v),

where nobody is designated while the top level is 0 (the floor), and otherwise each of the
``m`` organizations at the top level is designated with probability ``1 / m``.

*All at the minimum* (``v = 0``): nobody is designated; organization ``i`` moving to
``a > 0`` becomes the unique top and is designated for sure, gaining ``b a - L``. The best
deviation is to ``v_max``:

    deviation_gain(all minimum) = b v_max - L,        (1)

so all-minimum is an equilibrium iff ``L >= b v_max`` (``equilibrium_penalty``).

*Other pure equilibria.* In a pure profile with top level ``v* > 0`` held by ``m``
organizations, a non-top organization below ``v* - delta`` gains ``b delta`` per step by
rising towards ``v* - delta`` without being designated, so in an equilibrium every non-top
organization sits at ``v* - delta``. Then

- ``m < N``: a top organization stepping down to ``v* - delta`` is no longer designated and
  gains ``L / m - b delta`` (``m >= 2``), or, alone at the top (``m = 1``), ties with the
  ``N - 1`` others (or drops to the floor when ``v* = delta``) and gains at least
  ``L (N - 1) / N - b delta``; a non-top organization joining the top gains
  ``b delta - L / (m + 1)``. No ``L`` makes both gains non-positive except the boundary
  case ``N = 2, L = 2 b delta``.
- ``m = N`` (everyone tied at ``v*``): stepping down gains ``L / N - b delta``, stepping up
  (when ``v* < v_max``) gains ``b delta - L (N - 1) / N``. At the top level only the first
  exists:

      deviation_gain(all at v_max) = L / N - b delta.        (2)

So for ``L > N b delta`` no pure equilibrium other than all-minimum exists, and for
``L < N b delta`` everyone at ``v_max`` is one. Together with (1):

    all-minimum is the unique pure equilibrium  iff  L > L* = max(N b delta, b v_max).   (3)

The status quo (no targeting) is everyone at ``v_max``; below ``N b delta`` it stays an
equilibrium under the policy, so the race cannot start; above ``L*`` the dynamics undercut
down to the unique equilibrium. ``critical_penalty`` (bisection on the verdict of the
dynamics, penalties ``x * 1``) must therefore return ``L*`` to its bisection tolerance —
which needs its bracket to reach past ``b v_max`` when ``N delta > v_max``.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import deterrence as dt
from deterrence.analysis.thresholds import _noisy_rule

CASES = [  # (N, K, b, v_max)
    (2, 1, 1.0, 1.0),
    (2, 4, 1.0, 1.0),
    (3, 2, 1.0, 1.0),
    (3, 10, 1.0, 1.0),
    (4, 1, 1.0, 1.0),
    (4, 2, 1.0, 0.5),
    (5, 3, 2.0, 0.6),
    (6, 2, 1.0, 1.0),
]


def _model(n: int, k: int, b: float, vmax: float, penalty: float = 1.0) -> dt.TargetingModel:
    return dt.TargetingModel(
        n_orgs=n,
        levels=np.linspace(0.0, vmax, k + 1),
        benefit=b,
        penalty=penalty,
        rule=dt.MostViolent(ties="split"),
    )


def _closed(n: int, k: int, b: float, vmax: float) -> float:
    return max(n * b * vmax / k, b * vmax)


def _pure(model: dt.TargetingModel) -> list[tuple[int, ...]]:
    res = dt.solve(model.game().to_normal_form(), method="pure")
    return sorted(e.pure_profile for e in res.equilibria)


@pytest.mark.parametrize("n,k,b,vmax", CASES)
def test_closed_form_unique_equilibrium_penalty_by_enumeration(n, k, b, vmax) -> None:
    """(3) checked on the game itself: just above L* only all-minimum is an equilibrium; just
    below it another one exists (everyone tied at the top, or for L < b v_max all-minimum
    itself is not)."""
    star = _closed(n, k, b, vmax)
    assert _pure(_model(n, k, b, vmax, 1.001 * star)) == [(0,) * n]
    below = _pure(_model(n, k, b, vmax, 0.999 * star))
    assert below != [(0,) * n]
    if n * vmax / k > vmax:  # the tie bound binds: everyone at v_max is an equilibrium
        assert (k,) * n in below


@pytest.mark.parametrize("n,k,b,vmax", CASES)
def test_critical_penalty_matches_the_closed_form(n, k, b, vmax) -> None:
    star = _closed(n, k, b, vmax)
    t = dt.critical_penalty(_model(n, k, b, vmax), xtol=1e-4)
    assert t.found and t.monotone
    lo, hi = t.bracket
    assert lo <= star <= hi
    assert hi - lo <= 1e-4 * max(t.scan[-1][0], 1.0) + 1e-12  # the bisection tolerance
    assert t.value == hi  # the reported value is the end with a verified full race
    assert dt.race_to_the_bottom(_model(n, k, b, vmax, hi), mixed="none").verdict == "full"
    assert dt.race_to_the_bottom(_model(n, k, b, vmax, lo), mixed="none").verdict != "full"


@pytest.mark.parametrize("n,k,b,vmax", CASES)
def test_equilibrium_penalty_and_deviation_gain_closed_forms(n, k, b, vmax) -> None:
    delta = vmax / k
    t = dt.equilibrium_penalty(_model(n, k, b, vmax))
    assert t.found
    assert t.value == pytest.approx(b * vmax, rel=1e-10)  # (1) crosses zero at L = b v_max
    for pen in (0.3, 1.7, 4.0):
        model = _model(n, k, b, vmax, pen)
        assert dt.deviation_gain(model, (0,) * n) == pytest.approx(b * vmax - pen, abs=1e-12)
        assert dt.deviation_gain(model, (k,) * n) == pytest.approx(
            pen / n - b * delta, abs=1e-12
        )  # (2)


def test_equilibrium_penalty_at_the_maximum_profile_is_the_tie_bound() -> None:
    """(2): everyone at v_max stops being an equilibrium once L / N > b delta."""
    n, k, b, vmax = 4, 2, 1.0, 1.0
    t = dt.equilibrium_penalty(_model(n, k, b, vmax), profile=(k,) * n)
    # the profile is an equilibrium *below* the root: the signed gain (2) rises through 0
    assert t.found and t.value == pytest.approx(n * b * vmax / k, rel=1e-10)


def test_noise_threshold_brackets_a_verified_switch() -> None:
    model = _model(3, 4, 1.0, 1.0, penalty=3.0)
    t = dt.critical_noise(model)
    assert t.found and t.kind == "largest" and t.bracket[0] < t.bracket[1]
    assert t.bracket[1] / t.bracket[0] - 1 <= 0.02 + 1e-12  # relative xtol
    for x, want in ((t.bracket[0], True), (t.bracket[1], False)):
        noisy = dataclasses.replace(model, rule=_noisy_rule(model.rule, x, "logit"))
        assert (dt.race_to_the_bottom(noisy, mixed="none").verdict == "full") is want
    assert t.scan[0][1] == "full"  # low noise: the clean rule's full race


def test_revenue_threshold_brackets_a_verified_switch() -> None:
    model = dataclasses.replace(
        _model(3, 4, 1.0, 1.0, penalty=2.0), market=dt.Market(revenue=1.0, exponent=1.0, base=0.5)
    )
    t = dt.critical_revenue(model)
    assert t.found and t.value > 1.0
    for x, want in ((t.bracket[0], True), (t.bracket[1], False)):
        m = dataclasses.replace(model, market=dataclasses.replace(model.market, revenue=x))
        assert (dt.race_to_the_bottom(m, mixed="none").verdict == "full") is want


def test_executor_gives_the_same_threshold() -> None:
    model = _model(3, 2, 1.0, 1.0)
    with ThreadPoolExecutor(max_workers=2) as ex:
        assert dt.critical_penalty(model, executor=ex) == dt.critical_penalty(model)


def test_not_found_and_already_full_are_reported() -> None:
    model = _model(3, 2, 1.0, 1.0)
    t = dt.critical_penalty(model, bracket=(0.0, 1.0))
    assert not t.found and t.value is None and "no full race" in t.message
    t = dt.critical_penalty(model, bracket=(2.0, 3.0))
    assert not t.found and t.value == 2.0 and "already a full race" in t.message


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda m: dt.critical_penalty(m, n_scan=2), "n_scan=2"),
        (lambda m: dt.critical_penalty(m, xtol=0.0), "xtol=0"),
        (lambda m: dt.critical_penalty(m, bracket=(2.0, 1.0)), r"bracket\[1\]"),
        (lambda m: dt.critical_noise(m, kind="gauss"), "kind='gauss'"),
        (lambda m: dt.critical_noise(m, bracket=(0.0, 1.0)), r"bracket\[0\]"),
        (lambda m: dt.critical_revenue(m), "contest market"),
        (
            lambda m: dt.critical_noise(dataclasses.replace(m, rule=dt.TopK(k=2))),
            "most-violent rule",
        ),
    ],
)
def test_bad_arguments_name_the_field(call, match) -> None:
    with pytest.raises(dt.DeterrenceError, match=match):
        call(_model(3, 2, 1.0, 1.0))


@pytest.mark.parametrize("xtol", [1e-2, 1e-3, 1e-5])
def test_printed_digits_match_the_bisection_tolerance(xtol) -> None:
    """A value bracketed to width w <= xtol prints floor(-log10 w) decimals: 1e-3 gives 3
    decimals, not 6 significant digits; the printed value still lies within one unit of
    its last decimal of L* (closed form (3): L* = max(N b delta, b v_max) = max(3 * 0.5 *
    0.25, 0.5) = 0.5 here; bracket [0, 1], so the width is at most xtol * 1)."""
    t = dt.critical_penalty(_model(3, 4, 0.5, 1.0), xtol=xtol, bracket=(0.0, 1.0))
    assert t.found and t.width is not None and t.width <= xtol
    d = t.decimals
    assert d == int(np.floor(-np.log10(t.width) + 1e-9)) and d >= round(-np.log10(xtol))
    text = t.formatted()
    assert len(text.split(".")[1]) == d and text in t.message and text in repr(t)
    assert abs(float(text) - 0.5) <= 10.0**-d + 1e-12
    # a root found by brentq to machine precision keeps six significant digits
    eq = dt.equilibrium_penalty(_model(3, 4, 1.0, 1.0))
    assert eq.width is None and "1.00000" not in eq.message and ": 1;" in eq.message


def test_floor_as_designate_nobody_is_stated() -> None:
    """critical_noise turns "most violent, floor 0" into a noisy rule in which the floor is
    an outside option ("designate nobody", score 0, measured with the same noise); without
    a floor somebody is always designated. The messages say which."""
    model = _model(3, 4, 1.0, 1.0, penalty=3.0)
    t = dt.critical_noise(model)
    assert t.found and "'designate nobody' option of score 0" in t.message
    assert _noisy_rule(model.rule, 1.0, "logit").floor == 0.0
    free = dataclasses.replace(model, rule=dt.NoisyMostViolent(noise=1.0))
    e = dt.equilibrium_noise(free)
    assert e.found and "no floor: somebody is always designated" in e.message
    c = dt.critical_penalty(model)
    assert "floor 0 means nobody is designated" in c.message
