"""Game families with known answers, for benchmark suites: seeded generators, each returning
a :class:`CatalogGame` -- the game, and what is known about its equilibria.

One API: every family function returns a :class:`CatalogGame` (``.game`` is the game;
``.equilibria`` the known equilibria, ``.answer`` says what they are: ``"all"`` -- every
equilibrium; ``"extreme"`` -- a degenerate game's extreme equilibria, every equilibrium
being a convex combination of them within a Nash subset; ``"pure"`` -- every pure
equilibrium; ``"some"`` -- a few known equilibria; ``"count"`` -- only their number;
``None`` -- nothing known). Random families take one ``rng`` keyword (anything
:func:`numpy.random.default_rng` accepts). :func:`games` lists the families as a table.
The functions are re-exported by :mod:`deterrence.games.catalog` (``dt.catalog``).

>>> import deterrence as dt
>>> c = dt.catalog.coordination(3)
>>> c.n_equilibria, c.answer, len(c.equilibria)
(7, 'all', 7)
>>> dt.catalog.von_stengel_75().n_equilibria
75
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import check_choice, check_finite_array, check_int, check_real, normalize_rng
from ..errors import DeterrenceError
from .base import DEFAULT_MAX_PROFILES, Game
from .normal_form import NormalFormGame

__all__ = [
    "ANSWERS",
    "CatalogGame",
    "anti_coordination",
    "capacity_game",
    "constant_block_game",
    "continuum_game",
    "coordination",
    "covariant",
    "duplicate_rows_game",
    "games",
    "integer_game",
    "most_violent_game",
    "noisy_contest",
    "normal_game",
    "tullock_contest",
    "uniform_game",
    "von_stengel_75",
]

#: What ``CatalogGame.equilibria`` holds (see the module docstring).
ANSWERS = ("all", "extreme", "pure", "some", "count")

Profile = tuple[NDArray[np.float64], ...]


@dataclass(frozen=True, kw_only=True)
class CatalogGame:
    """A catalog game and what is known about its equilibria.

    Attributes
    ----------
    name
        The family (the function that made it).
    game
        The game: a :class:`~deterrence.NormalFormGame` or a structured game.
    equilibria
        Known equilibria, each a tuple of mixed strategies (read-only arrays), in the
        order of pure profiles for pure ones; empty when none is listed.
    answer
        What ``equilibria`` is (one of :data:`ANSWERS`), or ``None`` when nothing is known.
    n_equilibria
        The number of equilibria when finite and known, else ``None``.
    continuum
        True when the game has infinitely many equilibria (then ``answer="extreme"``).
    parameters
        The arguments the family was called with.
    source
        Where the answer comes from (a reference or "derived in the docstring").
    notes
        Anything else worth knowing.
    """

    name: str
    game: Game
    equilibria: tuple[Profile, ...] = ()
    answer: str | None = None
    n_equilibria: int | None = None
    continuum: bool = False
    parameters: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if self.answer is not None:
            check_choice("answer", self.answer, ANSWERS)
        eqs = tuple(
            tuple(_readonly(np.asarray(s, dtype=float)) for s in profile)
            for profile in self.equilibria
        )
        object.__setattr__(self, "equilibria", eqs)
        object.__setattr__(self, "parameters", dict(self.parameters))

    def __repr__(self) -> str:
        known = "unknown" if self.answer is None else self.answer
        n = "" if self.n_equilibria is None else f", n_equilibria={self.n_equilibria}"
        return f"CatalogGame({self.name!r}, shape={self.game.shape}, answer={known}{n})"


def _readonly(a: NDArray) -> NDArray:
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


def _unit(k: int, j: int) -> NDArray[np.float64]:
    e = np.zeros(k)
    e[j] = 1.0
    return e


def _pure(shape: Sequence[int], profile: Sequence[int]) -> Profile:
    return tuple(_unit(k, a) for k, a in zip(shape, profile, strict=True))


# ----------------------------------------------------------------------------- random
def uniform_game(
    shape: Sequence[int],
    *,
    low: float = 0.0,
    high: float = 1.0,
    rng: Any = None,
    max_profiles: int = DEFAULT_MAX_PROFILES,
) -> CatalogGame:
    """Independent payoffs, uniform on ``[low, high)``: generic (nondegenerate) with
    probability one; no answer known in advance.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> catalog.uniform_game((3, 3), rng=0).game == catalog.uniform_game((3, 3), rng=0).game
    True
    """
    from ._generators import random_game

    g = random_game(shape, rng=rng, low=low, high=high, max_profiles=max_profiles)
    return CatalogGame(
        name="uniform", game=g, parameters={"shape": g.shape, "low": low, "high": high}
    )


def normal_game(
    shape: Sequence[int],
    *,
    mean: float = 0.0,
    sd: float = 1.0,
    rng: Any = None,
    max_profiles: int = DEFAULT_MAX_PROFILES,
) -> CatalogGame:
    """Independent normal payoffs with mean ``mean`` and standard deviation ``sd``.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> catalog.normal_game((2, 4), rng=1).game.shape
    (2, 4)
    """
    from ._generators import _check_shape

    dims = _check_shape(shape, max_profiles)
    mean = check_real("mean", mean)
    sd = check_real("sd", sd, low=0.0, low_open=True)
    payoffs = normalize_rng(rng).normal(mean, sd, size=(len(dims), *dims))
    g = NormalFormGame(payoffs, title=f"Normal game {dims}, mean={mean:g}, sd={sd:g}")
    return CatalogGame(name="normal", game=g, parameters={"shape": dims, "mean": mean, "sd": sd})


def integer_game(
    shape: Sequence[int],
    *,
    low: int = 0,
    high: int = 2,
    rng: Any = None,
    max_profiles: int = DEFAULT_MAX_PROFILES,
) -> CatalogGame:
    """Integer payoffs uniform on ``low..high``: few values, many ties -- degenerate games,
    the hard case for equilibrium enumeration.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> g = catalog.integer_game((3, 3), rng=2).game
    >>> set(g.payoffs.ravel().tolist()) <= {0.0, 1.0, 2.0}
    True
    """
    from ._generators import random_game

    g = random_game(shape, rng=rng, integer=True, low=low, high=high, max_profiles=max_profiles)
    return CatalogGame(
        name="integer", game=g, parameters={"shape": g.shape, "low": low, "high": high}
    )


def covariant(
    shape: Sequence[int],
    rho: float = 0.0,
    *,
    rng: Any = None,
    max_profiles: int = DEFAULT_MAX_PROFILES,
) -> CatalogGame:
    """GAMUT's covariant game (:func:`~deterrence.games.catalog.covariant_game`): normal
    payoffs with correlation ``rho`` between players.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> c = catalog.covariant((2, 2), 1.0, rng=0)
    >>> bool((c.game.payoffs[0] == c.game.payoffs[1]).all())
    True
    """
    from ._generators import covariant_game

    g = covariant_game(shape, rho, rng=rng, max_profiles=max_profiles)
    return CatalogGame(
        name="covariant",
        game=g,
        parameters={"shape": g.shape, "rho": float(rho)},
        source="Nudelman, Wortman, Shoham, Leyton-Brown, 'Run the GAMUT' (AAMAS 2004)",
    )


# ------------------------------------------------------------------- coordination
def coordination(
    n_actions: int = 3,
    weights: ArrayLike | None = None,
) -> CatalogGame:
    """Two-player coordination: both get ``a_k > 0`` if both play ``k``, else 0
    (``A = B = diag(a)``, default ``a = 1``).

    **Every equilibrium, derived.** Against ``y`` a player's payoff for ``k`` is
    ``a_k y_k``. If player 1 plays ``k`` with positive probability, player 2's payoff
    for ``k`` is ``a_k x_k > 0``, so player 2's best payoff is positive and it never plays
    an action ``j`` with ``x_j = 0``: the supports coincide, ``supp x = supp y = S``.
    Indifference on ``S`` gives ``a_k y_k = v``, i.e. ``y_k = (1/a_k) / sum_{j in S}
    1/a_j`` (the same for ``x``), and actions outside ``S`` earn 0 < v. So there is
    exactly one equilibrium per nonempty ``S``: ``2**n - 1`` in all, the most a
    nondegenerate ``n x n`` game was once conjectured to have (Quint and Shubik 1997).

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> c = catalog.coordination(2, weights=[1, 2])
    >>> [s.tolist() for s in c.equilibria[1]]   # support {0, 1}: x_k proportional to 1/a_k
    [[0.6666666666666666, 0.3333333333333333], [0.6666666666666666, 0.3333333333333333]]
    """
    n = check_int("n_actions", n_actions, low=1, high=20)
    a = np.ones(n) if weights is None else check_finite_array("weights", weights, ndim=1)
    if a.shape != (n,) or np.any(a <= 0):
        raise DeterrenceError(
            f"weights={weights!r} is not valid; expected {n} positive numbers (one per action)"
        )
    A = np.diag(a)
    g = NormalFormGame.from_bimatrix(A, A, title=f"Coordination {n}x{n}, weights {a.tolist()}")
    eqs = []
    for r in range(1, n + 1):
        for support in itertools.combinations(range(n), r):
            x = np.zeros(n)
            idx = list(support)
            x[idx] = 1.0 / a[idx]
            x /= x.sum()
            eqs.append((x, x.copy()))
    eqs.sort(key=lambda e: tuple(-e[0]))
    return CatalogGame(
        name="coordination",
        game=g,
        equilibria=tuple(eqs),
        answer="all",
        n_equilibria=2**n - 1,
        parameters={"n_actions": n, "weights": a.tolist()},
        source="derived in the docstring; Quint and Shubik, 'A bound on the number of Nash "
        "equilibria in a coordination game', Economics Letters 1997",
    )


def anti_coordination(n_actions: int = 3) -> CatalogGame:
    """Two-player anti-coordination: each gets 1 when they choose different actions, 0
    when they match (``A = B = J - I``).

    **Every equilibrium, derived.** Against ``y`` a player's payoff for ``k`` is
    ``1 - y_k``: its best responses are the actions the other plays least. If ``supp y``
    misses some action, the best responses are exactly the actions outside ``supp y``, so
    ``supp x`` and ``supp y`` are disjoint -- and then *any* ``x`` and ``y`` on disjoint
    supports are an equilibrium (each gets 1). If ``supp y`` is everything, ``x`` must be
    supported on ``argmin y``; by symmetry the only remaining equilibrium is both playing
    uniformly (each gets ``1 - 1/n``). Hence: for ``n = 2``, three equilibria (the two
    pure profiles that differ and the uniform pair); for ``n >= 3`` a continuum whose
    extreme equilibria are the ``n (n - 1)`` pure profiles ``(j, k)``, ``j != k``, and the
    isolated uniform pair.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> c = catalog.anti_coordination(3)
    >>> c.answer, c.continuum, len(c.equilibria)
    ('extreme', True, 7)
    """
    n = check_int("n_actions", n_actions, low=2, high=50)
    A = np.ones((n, n)) - np.eye(n)
    g = NormalFormGame.from_bimatrix(A, A, title=f"Anti-coordination {n}x{n}")
    eqs = [_pure((n, n), (j, k)) for j in range(n) for k in range(n) if j != k]
    eqs.append((np.full(n, 1.0 / n), np.full(n, 1.0 / n)))
    finite = n == 2
    return CatalogGame(
        name="anti_coordination",
        game=g,
        equilibria=tuple(eqs),
        answer="all" if finite else "extreme",
        n_equilibria=3 if finite else None,
        continuum=not finite,
        parameters={"n_actions": n},
        source="derived in the docstring",
    )


# ------------------------------------------------------------------- literature
_VON_STENGEL_FILE = "von_stengel_75.nfg"


def von_stengel_75() -> CatalogGame:
    """Von Stengel's 6 x 6 bimatrix game with 75 equilibria, more than the ``2**6 - 1 = 63``
    conjectured by Quint and Shubik: the answer is the count, 75, all isolated.

    The payoffs are those of B. von Stengel, "New maximal numbers of equilibria in bimatrix
    games", Discrete Comput. Geom. 21 (1999) 557-568, as distributed in Gambit's game
    catalog (``journals/dcg/vonstengel1999/6x6_game_with_75_eq``); the bundled file
    ``deterrence/games/data/von_stengel_75.nfg`` holds them. The count is checked in the
    tests with ``dt.solve(g, method="support")`` and pygambit's ``enummixed_solve``.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> c = catalog.von_stengel_75()
    >>> c.game.shape, c.n_equilibria, c.answer
    ((6, 6), 75, 'count')
    """
    from .nfg import read_nfg

    text = (resources.files("deterrence.games") / "data" / _VON_STENGEL_FILE).read_text(
        encoding="utf-8"
    )
    return CatalogGame(
        name="von_stengel_75",
        game=read_nfg(text),
        answer="count",
        n_equilibria=75,
        source="B. von Stengel, 'New maximal numbers of equilibria in bimatrix games', "
        "Discrete Comput. Geom. 21 (1999) 557-568",
        notes="nondegenerate; payoffs up to ~1.7e6 in magnitude",
    )


# ------------------------------------------------------------------- degenerate
def duplicate_rows_game() -> CatalogGame:
    """Matching pennies with player 1's first action written twice (a 3 x 2 game).

    **Derived.** Player 2 must still mix 1/2-1/2 and player 1 put total weight 1/2 on the
    two copies of Heads, split any way: a segment of equilibria with extreme points
    ``((1/2, 0, 1/2), (1/2, 1/2))`` and ``((0, 1/2, 1/2), (1/2, 1/2))``.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> catalog.duplicate_rows_game().game.shape
    (3, 2)
    """
    A = np.array([[1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    g = NormalFormGame.from_bimatrix(
        A,
        -A,
        action_names=[["Heads", "Heads'", "Tails"], ["Heads", "Tails"]],
        title="Matching pennies with a duplicated row",
    )
    half = np.array([0.5, 0.5])
    eqs = ((np.array([0.5, 0.0, 0.5]), half), (np.array([0.0, 0.5, 0.5]), half))
    return CatalogGame(
        name="duplicate_rows",
        game=g,
        equilibria=eqs,
        answer="extreme",
        continuum=True,
        source="derived in the docstring",
    )


def constant_block_game() -> CatalogGame:
    """A 2 x 2 game where player 2's payoff is constant (0) and player 1 wants to match.

    **Derived.** Every ``y`` is a best response for player 2; player 1 plays action 1 if
    ``y_1 > 1/2``, action 2 if ``y_1 < 1/2``, anything if ``y_1 = 1/2``. The equilibria form
    three segments joined end to end, with extreme points ``(e1, e1)``, ``(e1, u)``,
    ``(e2, u)``, ``(e2, e2)`` (``u`` = uniform).

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> len(catalog.constant_block_game().equilibria)
    4
    """
    g = NormalFormGame.from_bimatrix(
        np.eye(2), np.zeros((2, 2)), title="Matching against an indifferent player"
    )
    e1, e2, u = _unit(2, 0), _unit(2, 1), np.array([0.5, 0.5])
    eqs = ((e1, e1), (e1, u), (e2, u), (e2, e2))
    return CatalogGame(
        name="constant_block",
        game=g,
        equilibria=eqs,
        answer="extreme",
        continuum=True,
        source="derived in the docstring",
    )


def continuum_game(shape: Sequence[int] = (2, 3)) -> CatalogGame:
    """The all-zero game: every profile is an equilibrium; the extreme ones are the pure
    profiles.

    Examples
    --------
    >>> from deterrence.games import catalog
    >>> len(catalog.continuum_game((2, 3)).equilibria)
    6
    """
    from ._generators import _check_shape

    dims = _check_shape(shape, 10_000)
    g = NormalFormGame(np.zeros((len(dims), *dims)), title=f"Zero game {dims}")
    eqs = tuple(_pure(dims, p) for p in itertools.product(*(range(k) for k in dims)))
    return CatalogGame(
        name="continuum",
        game=g,
        equilibria=eqs,
        answer="extreme",
        continuum=True,
        parameters={"shape": dims},
        source="every profile of a constant game is an equilibrium",
    )


# ------------------------------------------------------------------- the story
def _levels(levels: ArrayLike | None) -> NDArray[np.float64]:
    from ._generators import DEFAULT_LEVELS

    return np.array(DEFAULT_LEVELS if levels is None else levels, dtype=float)


def most_violent_game(
    n_orgs: int = 3,
    levels: ArrayLike | None = None,
    *,
    benefit: ArrayLike = 1.0,
    cost: ArrayLike = 0.0,
    penalty: ArrayLike = 1.5,
    ties: str = "split",
    floor: float = 0.0,
) -> CatalogGame:
    """The "most violent pays" contest: ``dt.TargetingModel(...).game()`` with the
    :class:`~deterrence.MostViolent` rule (a structured game; the payoffs are the model's).

    **Known equilibrium, derived.** With levels starting at 0 and ``floor >= 0``, nobody
    is designated at the all-zero profile; a lone deviation to ``v > 0`` makes the
    deviator the unique most violent organization, designated for sure, for
    ``b_i v - c_i v**2 - L_i``. So all-zero is a (pure) equilibrium exactly when
    ``L_i >= max_{v > 0, v > floor} (b_i v - c_i v**2)`` for every ``i`` (deviations to
    levels at most the floor are never designated and gain ``b_i v - c_i v**2``, which must
    then be <= 0). When it holds it is listed (``answer="some"``).

    Examples
    --------
    >>> import deterrence as dt
    >>> c = dt.catalog.most_violent_game(3, [0, 0.5, 1], penalty=1.5)
    >>> [s.tolist() for s in c.equilibria[0]]
    [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    >>> [e.pure_profile for e in dt.solve(c.game, method="pure")]   # all-zero is one of them
    [(0, 0, 0), (1, 1, 1), (2, 2, 2)]
    """
    from ..model.rules import MostViolent

    return _contest(
        "most_violent",
        n_orgs,
        levels,
        benefit,
        cost,
        penalty,
        MostViolent(ties=ties, floor=floor),
        None,
        {"ties": ties, "floor": floor},
    )


def noisy_contest(
    n_orgs: int = 3,
    levels: ArrayLike | None = None,
    *,
    noise: float = 0.1,
    kind: str = "logit",
    benefit: ArrayLike = 1.0,
    cost: ArrayLike = 0.0,
    penalty: ArrayLike = 1.5,
) -> CatalogGame:
    """The contest with a noisy designation (:class:`~deterrence.NoisyMostViolent`): the
    designated organization is drawn with probability ``softmax(score / noise)``. No
    closed-form answer; solve it with ``dt.solve(c.game, method="logit")``.

    Examples
    --------
    >>> import deterrence as dt
    >>> dt.catalog.noisy_contest(2, [0, 1], noise=0.5).game.shape
    (2, 2)
    """
    from ..model.rules import NoisyMostViolent

    return _contest(
        "noisy",
        n_orgs,
        levels,
        benefit,
        cost,
        penalty,
        NoisyMostViolent(noise=noise, kind=kind),
        None,
        {"noise": noise, "kind": kind},
    )


def tullock_contest(
    n_orgs: int = 3,
    levels: ArrayLike | None = None,
    *,
    revenue: float = 1.0,
    exponent: float = 1.0,
    base: float = 1.0,
    benefit: ArrayLike = 0.0,
    cost: ArrayLike = 0.0,
    penalty: ArrayLike = 1.5,
    targeting: bool = True,
) -> CatalogGame:
    """The contest in a Tullock market (:class:`~deterrence.Market`): a market of size
    ``revenue`` is shared in proportion to ``(base + v_i) ** exponent``, with (default) or
    without (``targeting=False``) the most-violent designation. No closed-form answer.

    Examples
    --------
    >>> import deterrence as dt
    >>> dt.catalog.tullock_contest(2, [0, 0.5, 1]).game.shape
    (3, 3)
    """
    from ..model.market import Market
    from ..model.rules import MostViolent, NoTargeting

    market = Market(revenue=revenue, exponent=exponent, base=base)
    rule = MostViolent() if targeting else NoTargeting()
    return _contest(
        "tullock",
        n_orgs,
        levels,
        benefit,
        cost,
        penalty,
        rule,
        market,
        {"revenue": revenue, "exponent": exponent, "base": base, "targeting": targeting},
    )


def _contest(
    name: str,
    n_orgs: int,
    levels: ArrayLike | None,
    benefit: ArrayLike,
    cost: ArrayLike,
    penalty: ArrayLike,
    rule: Any,
    market: Any,
    extra: dict[str, Any],
) -> CatalogGame:
    from ..model.targeting import TargetingModel

    v = _levels(levels)
    model = TargetingModel(
        n_orgs=n_orgs,
        levels=v,
        benefit=benefit,
        cost=cost,
        penalty=penalty,
        rule=rule,
        market=market,
    )
    game = model.game()
    params = {
        "n_orgs": n_orgs,
        "levels": v.tolist(),
        "benefit": benefit,
        "cost": cost,
        "penalty": penalty,
        **extra,
    }
    eqs: tuple[Profile, ...] = ()
    answer = None
    if name == "most_violent" and v.size and v.min() == 0.0 and extra["floor"] >= 0:
        n = game.n_players
        b = np.broadcast_to(np.asarray(benefit, dtype=float), (n,))
        c = np.broadcast_to(np.asarray(cost, dtype=float), (n,))
        L = np.broadcast_to(np.asarray(penalty, dtype=float), (n,))
        pos = v[v > 0]
        gain = b[:, None] * pos - c[:, None] * pos**2  # deviation gains before the penalty
        caught = pos > extra["floor"]
        worst = np.where(caught, gain - L[:, None], gain)
        if pos.size == 0 or np.all(worst <= 0):
            zero = int(np.flatnonzero(v == 0.0)[0])
            eqs = (_pure(game.shape, (zero,) * n),)
            answer = "some"
    return CatalogGame(
        name=name,
        game=game,
        equilibria=eqs,
        answer=answer,
        parameters=params,
        source="deterrence.TargetingModel (Kleiman's most-violent designation)",
    )


def capacity_game(
    n_actors: int = 3,
    capacity: int = 1,
    *,
    cost: float = 1.0,
    sanction: float = 1.5,
    rule: str = "random",
) -> CatalogGame:
    """Kleiman's capacity game (:class:`~deterrence.ComplianceGame`): ``n`` actors comply
    (action 0, cost ``C``) or violate (action 1); the enforcer sanctions (``P``) at most
    ``k`` violators.

    **Every pure equilibrium, derived** (``rule="random"``: each of ``v`` violators is
    caught with probability ``min(1, k / v)``). A profile with ``v`` violators is an
    equilibrium iff no violator prefers to comply -- ``v = 0`` or ``P min(1, k/v) <= C`` --
    and no complier prefers to violate -- ``v = n`` or ``P min(1, k/(v+1)) >= C``; every
    profile with an admissible ``v`` is listed (``answer="pure"``).
    ``rule="priority"`` with ``k >= 1`` and ``P > C``: the highest-priority actor is
    caught whenever it violates, so it complies; given that, so does the next, and so on --
    iterated strict dominance leaves everybody complying, the unique equilibrium
    (``answer="all"``).

    Examples
    --------
    >>> import deterrence as dt
    >>> c = dt.catalog.capacity_game(2, 1)
    >>> [tuple(int(s.argmax()) for s in e) for e in c.equilibria]
    [(0, 0), (1, 1)]
    """
    from ..model.compliance import ComplianceGame

    g = ComplianceGame(
        n_actors=n_actors, capacity=capacity, cost=cost, sanction=sanction, rule=rule
    )
    n, k, C, P = g.n_actors, g.capacity, float(g.cost), float(g.sanction)
    params = {"n_actors": n, "capacity": k, "cost": C, "sanction": P, "rule": rule}
    src = "derived in the docstring (Kleiman, 'When Brute Force Fails', 2009)"
    if rule == "random":

        def ok(v: int) -> bool:
            stay = v == 0 or P * min(1.0, k / v) <= C
            comply = v == n or P * min(1.0, k / (v + 1)) >= C
            return stay and comply

        eqs = tuple(_pure(g.shape, p) for p in itertools.product((0, 1), repeat=n) if ok(sum(p)))
        eqs = tuple(sorted(eqs, key=lambda e: tuple(int(s.argmax()) for s in e)[::-1]))
        return CatalogGame(
            name="capacity", game=g, equilibria=eqs, answer="pure", parameters=params, source=src
        )
    if k >= 1 and P > C:
        return CatalogGame(
            name="capacity",
            game=g,
            equilibria=(_pure(g.shape, (0,) * n),),
            answer="all",
            n_equilibria=1,
            parameters=params,
            source=src,
        )
    return CatalogGame(name="capacity", game=g, parameters=params)


# ----------------------------------------------------------------------------- table
#: Every family: function and the arguments of its default instance in :func:`games`.
FAMILIES: dict[str, tuple[Callable[..., CatalogGame], dict[str, Any]]] = {
    "uniform": (uniform_game, {"shape": (3, 3), "rng": 0}),
    "normal": (normal_game, {"shape": (3, 3), "rng": 0}),
    "integer": (integer_game, {"shape": (3, 3), "rng": 0}),
    "covariant": (covariant, {"shape": (3, 3), "rho": 0.5, "rng": 0}),
    "coordination": (coordination, {"n_actions": 3}),
    "anti_coordination": (anti_coordination, {"n_actions": 3}),
    "von_stengel_75": (von_stengel_75, {}),
    "duplicate_rows": (duplicate_rows_game, {}),
    "constant_block": (constant_block_game, {}),
    "continuum": (continuum_game, {"shape": (2, 3)}),
    "most_violent": (most_violent_game, {"n_orgs": 3, "levels": [0.0, 0.5, 1.0]}),
    "noisy": (noisy_contest, {"n_orgs": 3, "levels": [0.0, 0.5, 1.0]}),
    "tullock": (tullock_contest, {"n_orgs": 3, "levels": [0.0, 0.5, 1.0]}),
    "capacity": (capacity_game, {"n_actors": 3, "capacity": 1}),
}


def games() -> Any:
    """Every family of the catalog as a :class:`pandas.DataFrame`, one row per family,
    described by its default instance.

    Columns: ``name``, ``function``, ``players``, ``sizes`` (actions per player),
    ``parameters`` (of the default instance), ``answer`` (what is known: ``"all"``,
    ``"extreme"``, ``"pure"``, ``"some"``, ``"count"`` or ``None``), ``n_equilibria``,
    ``continuum``, ``source``.

    Examples
    --------
    >>> import deterrence as dt
    >>> t = dt.catalog.games()
    >>> row = t.set_index("name").loc["von_stengel_75"]
    >>> row["sizes"], int(row["n_equilibria"]), row["answer"]
    ((6, 6), 75, 'count')
    """
    import pandas as pd

    rows = []
    for name, (fn, kwargs) in FAMILIES.items():
        c = fn(**kwargs)
        rows.append(
            {
                "name": name,
                "function": fn.__name__,
                "players": c.game.n_players,
                "sizes": tuple(c.game.shape),
                "parameters": {k: v for k, v in kwargs.items() if k != "rng"},
                "answer": c.answer,
                "n_equilibria": c.n_equilibria,
                "continuum": c.continuum,
                "source": c.source,
            }
        )
    return pd.DataFrame(rows).astype({"n_equilibria": "Int64"})
