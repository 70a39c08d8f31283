"""A catalog of benchmark games: random and correlated-payoff generators, the classic
textbook games, and the dense "most violent pays" contest of the deterrence story.

The families with known answers (:func:`games` lists them) return a
:class:`CatalogGame` -- the game and its known equilibria -- and live in
:mod:`deterrence.games.families`. The classic helpers below return a
:class:`~deterrence.NormalFormGame`; the random ones take one
``rng`` keyword (anything :func:`numpy.random.default_rng` accepts), so the same seed gives
the same game. Dense tables are refused with :class:`~deterrence.GameTooLargeError` above
``max_profiles`` pure profiles, before anything is allocated.

>>> from deterrence.games import catalog
>>> catalog.random_game((2, 3), rng=0) == catalog.random_game((2, 3), rng=0)
True
>>> catalog.prisoners_dilemma().shape
(2, 2)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import (
    check_choice,
    check_finite_array,
    check_int,
    check_real,
)
from ..errors import DeterrenceError
from ._generators import (
    DEFAULT_LEVELS,
    TIES,
    _check_size,
    _per_player,
    covariant_game,
    random_game,
)
from .base import DEFAULT_MAX_PROFILES
from .families import (
    ANSWERS,
    FAMILIES,
    CatalogGame,
    anti_coordination,
    capacity_game,
    constant_block_game,
    continuum_game,
    coordination,
    covariant,
    duplicate_rows_game,
    games,
    integer_game,
    most_violent_game,
    noisy_contest,
    normal_game,
    tullock_contest,
    uniform_game,
    von_stengel_75,
)
from .normal_form import NormalFormGame

__all__ = [
    "ANSWERS",
    "FAMILIES",
    "CatalogGame",
    "anti_coordination",
    "battle_of_the_sexes",
    "capacity_game",
    "constant_block_game",
    "continuum_game",
    "coordination",
    "coordination_game",
    "covariant",
    "covariant_game",
    "duplicate_rows_game",
    "games",
    "integer_game",
    "matching_pennies",
    "most_violent_contest",
    "most_violent_game",
    "noisy_contest",
    "normal_game",
    "prisoners_dilemma",
    "random_game",
    "rock_paper_scissors",
    "shapley_game",
    "tullock_contest",
    "uniform_game",
    "von_stengel_75",
]


def prisoners_dilemma() -> NormalFormGame:
    """The prisoner's dilemma (T=5, R=3, P=1, S=0); the unique equilibrium is (D, D).

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> catalog.prisoners_dilemma()[1, 1].tolist()
    [1.0, 1.0]
    """
    A = [[3, 0], [5, 1]]
    return NormalFormGame.from_bimatrix(
        A,
        np.transpose(A),
        player_names=["Row", "Column"],
        action_names=[["Cooperate", "Defect"], ["Cooperate", "Defect"]],
        title="Prisoner's dilemma",
    )


def matching_pennies() -> NormalFormGame:
    """Matching pennies: zero-sum, the row player wins on a match; the unique equilibrium
    is both players mixing 1/2-1/2.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> catalog.matching_pennies().payoffs[0].tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    return NormalFormGame.from_bimatrix(
        [[1, -1], [-1, 1]],
        player_names=["Matcher", "Mismatcher"],
        action_names=[["Heads", "Tails"], ["Heads", "Tails"]],
        title="Matching pennies",
    )


def rock_paper_scissors() -> NormalFormGame:
    """Rock-paper-scissors: zero-sum, win 1, lose -1; the unique equilibrium is uniform.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> catalog.rock_paper_scissors().payoffs[0].tolist()
    [[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]]
    """
    names = ["Rock", "Paper", "Scissors"]
    return NormalFormGame.from_bimatrix(
        [[0, -1, 1], [1, 0, -1], [-1, 1, 0]],
        player_names=["1", "2"],
        action_names=[names, names],
        title="Rock-paper-scissors",
    )


def shapley_game() -> NormalFormGame:
    """Shapley's (1964) 3x3 game, on which fictitious play cycles for ever.

    ``A = I`` (the row player wants to match) and ``B`` pays the column player for playing
    one step "ahead" of the row player; the unique equilibrium is uniform mixing.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> g = catalog.shapley_game()
    >>> g.payoffs[1].tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    A = np.eye(3)
    B = np.roll(np.eye(3), 1, axis=1)
    names = ["1", "2", "3"]
    return NormalFormGame.from_bimatrix(
        A, B, action_names=[names, names], title="Shapley's game (1964)"
    )


def coordination_game(n_actions: int = 2, *, n_players: int = 2) -> NormalFormGame:
    """Pure coordination: every player gets 1 when all choose the same action, else 0.

    Its pure equilibria are the ``n_actions`` profiles where everybody agrees (plus, with
    three or more players, every profile where no single player can complete a match).

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> catalog.coordination_game(3).payoffs[0].tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    k = check_int("n_actions", n_actions, low=1)
    n = check_int("n_players", n_players, low=1)
    shape = (k,) * n
    _check_size(shape, DEFAULT_MAX_PROFILES)
    idx = np.indices(shape)
    agree = np.all(idx == idx[0], axis=0).astype(float)
    return NormalFormGame(
        np.broadcast_to(agree, (n, *shape)),
        title=f"Coordination game ({n} players x {k} actions)",
    )


def battle_of_the_sexes() -> NormalFormGame:
    """Battle of the sexes: two pure equilibria (both at the opera, both at the football
    game) and one mixed.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> g = catalog.battle_of_the_sexes()
    >>> g[0, 0].tolist(), g[1, 1].tolist()
    ([3.0, 2.0], [2.0, 3.0])
    """
    names = ["Opera", "Football"]
    return NormalFormGame.from_bimatrix(
        [[3, 0], [0, 2]],
        [[2, 0], [0, 3]],
        player_names=["Alice", "Bob"],
        action_names=[names, names],
        title="Battle of the sexes",
    )


# ----------------------------------------------------------------------------- contest
def most_violent_contest(
    n_orgs: int,
    levels: ArrayLike = DEFAULT_LEVELS,
    *,
    benefit: ArrayLike = 1.0,
    penalty: ArrayLike = 1.5,
    floor: float = 0.0,
    ties: str = "split",
    max_profiles: int = DEFAULT_MAX_PROFILES,
) -> NormalFormGame:
    """The "most violent pays" contest as a dense game.

    Each organization ``i`` picks a violence level ``v_i`` from ``levels``; the
    organization with the top score is designated (if that score exceeds ``floor``) and
    loses ``penalty``:

    ``u_i(v) = benefit_i * v_i - penalty_i * P(i is designated | v)``.

    The table is the dense form of :class:`~deterrence.TargetingModel` with the
    :class:`~deterrence.MostViolent` rule (``model.game().to_normal_form()``): the targeting
    payoff has one implementation. Levels are compared exactly (the model's ``tie_rtol=0``).

    Parameters
    ----------
    n_orgs
        Number of organizations (players).
    levels
        The violence levels every organization chooses from (1-D, finite); default
        ``np.linspace(0, 1, 11)``.
    benefit, penalty
        ``b`` and ``L``: a number, or one per organization. ``penalty >= 0``.
    floor
        Nobody is designated unless the top level is strictly above ``floor``.
    ties
        When several organizations share the top level: ``"split"`` -- each is designated
        with probability ``1/(number tied)``; ``"random"`` -- one of them, uniformly at
        random (the same expected payoffs as ``"split"``); ``"all"`` -- every one of them.
    max_profiles
        Refuse tables with more pure profiles (``len(levels) ** n_orgs``) than this.

    Examples
    --------
    With ``L > b * max(levels)`` the threat deters: nobody gains by being the most violent,
    and everybody at level 0 is the only pure equilibrium.

    >>> import deterrence as dt
    >>> from deterrence.games import catalog
    >>> g = catalog.most_violent_contest(3, [0, 1/3, 2/3, 1], benefit=1.0, penalty=1.5)
    >>> g.shape
    (4, 4, 4)
    >>> g[3, 3, 0].tolist()   # two organizations tied at the top share the penalty
    [0.25, 0.25, 0.0]
    >>> [eq.pure_profile for eq in dt.solve(g, method="pure")]
    [(0, 0, 0)]
    """
    n = check_int("n_orgs", n_orgs, low=1)
    v = check_finite_array("levels", levels, ndim=1)
    if v.size == 0:
        raise DeterrenceError("levels is empty; expected at least one violence level")
    b = _per_player("benefit", benefit, n)
    L = _per_player("penalty", penalty, n)
    if np.any(L < 0):
        raise DeterrenceError(f"penalty={penalty!r} is out of range; expected penalty >= 0")
    floor = check_real("floor", floor)
    check_choice("ties", ties, TIES)
    k = v.size
    shape = (k,) * n
    _check_size(shape, max_profiles)
    payoffs = _contest_table(n, v, b, L, floor, ties, max_profiles)

    names = [_level_name(x) for x in v]
    b_txt = _param_text(b)
    L_txt = _param_text(L)
    return NormalFormGame(
        payoffs,
        player_names=[f"Org {i + 1}" for i in range(n)],
        action_names=[names] * n,
        title=f"Most violent pays: {n} organizations x {k} levels (b={b_txt}, L={L_txt}, "
        f"floor={floor:g}, ties={ties})",
    )


def _contest_table(
    n: int, v: NDArray, b: NDArray, L: NDArray, floor: float, ties: str, max_profiles: int
) -> NDArray:
    """The contest's payoff table, from the targeting model (exact comparisons).

    The model's levels are increasing and non-negative; the contest's may repeat, be
    unsorted or negative. The model runs on the distinct levels (indexed back to the
    contest's order afterwards). With a negative level, designation depends on the levels
    only through their order and the floor, so the model runs on their ranks ``0..K-1``
    with the floor at the rank of the highest level at most ``floor``, and the direct gain
    ``b_i v_i`` (which needs the actual levels) is added to the model's table afterwards.
    """
    from ..model.rules import MostViolent
    from ..model.targeting import TargetingModel

    uniq, index = np.unique(v, return_inverse=True)
    if uniq[0] >= 0:
        levels, gain, model_floor = uniq, b, floor
    else:  # ranks: exact comparisons, no rounding from a shift
        levels = np.arange(uniq.size, dtype=float)
        gain = np.zeros(n)
        model_floor = float(np.count_nonzero(uniq <= floor)) - 1.0
    model = TargetingModel(
        n_orgs=n,
        levels=levels,
        benefit=gain,
        cost=0.0,
        penalty=L,
        rule=MostViolent(ties=ties, floor=model_floor),
        tie_rtol=0.0,
    )
    table = model.game().to_normal_form(max_profiles=max_profiles).payoffs
    if uniq.size != v.size or np.any(index != np.arange(v.size)):
        table = table[(slice(None), *np.ix_(*([index] * n)))]
    if uniq[0] < 0:
        table = np.array(table)
        for i in range(n):
            table[i] += (b[i] * v).reshape((1,) * i + (v.size,) + (1,) * (n - 1 - i))
    return table


def _level_name(x: float) -> str:
    return f"{x:.6g}"


def _param_text(values: NDArray) -> str:
    if np.all(values == values[0]):
        return f"{values[0]:g}"
    return "[" + ", ".join(f"{x:g}" for x in values) + "]"
