"""The side-by-side benchmark suite as a library: what ``deterrence bench`` runs.

For each method family (an *area*) the suite builds seeded games of the catalog
(:mod:`deterrence.games.catalog`) at a few sizes, solves each with our solver and with every
installed peer library (pygambit, QuantEcon, nashpy, sgamesolver) on the same game, in the
same process, and reports one :class:`BenchRow` per (game, peer):

* **timing**, ``timeit``-style: a warm-up call, then ``rounds`` rounds of ``number`` calls each
  (``number`` chosen so that a round lasts at least ``min_round`` seconds); the time is the
  median of the fastest half of the rounds, per call. A peer known to be slow at a size is
  not called there (status ``"> limit"``); a peer whose first call exceeds ``time_limit`` is
  not repeated.
* **peak memory** of our call (:mod:`tracemalloc`, one extra untimed call; numpy reports its
  buffers to tracemalloc).
* **correctness**: the largest regret of our answers (checked by the deviation-payoff
  oracle), and ``agree``: where both answers are complete (every pure equilibrium, every
  equilibrium of a 2-player game) the two sets are equal; where the method follows a
  definite path (Lemke-Howson from one label, the logit QRE branch, the same dynamics) the
  end points are equal; where the method returns *some* equilibrium (symmetric, stochastic)
  the peer's answer is an equilibrium too, by our regret.
* ``ratio`` = peer time / our time: above 1 we are faster.

An absent peer gives a row with status ``"not installed"``, never an error. The peers are
imported inside the functions that call them.

Areas (:data:`AREAS`): ``pure`` (dense pure enumeration), ``pure-structured`` (pure
enumeration of targeting games without the table), ``two-player`` (every equilibrium),
``lemke-howson`` (one path), ``logit`` (N-player logit QRE path), ``symmetric`` (a symmetric
equilibrium through the structured oracle), ``stochastic`` (stationary equilibria by the
homotopy) and ``dynamics`` (sequential best-response dynamics from many starts).

>>> from deterrence import bench
>>> report = bench.run_bench(quick=True, only=["pure"], peers=())
>>> sorted({row.area for row in report.rows})
['pure']
>>> all(row.regret == 0.0 for row in report.rows)
True
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import io
import math
import os
import platform
import sys
import time
import timeit
import tracemalloc
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .errors import DeterrenceError

__all__ = [
    "AREAS",
    "PEERS",
    "BenchReport",
    "BenchRow",
    "run_bench",
    "time_call",
]

#: The method families, in the order the table lists them.
AREAS = (
    "pure",
    "pure-structured",
    "two-player",
    "lemke-howson",
    "logit",
    "symmetric",
    "stochastic",
    "dynamics",
)

#: Peer libraries: name -> import name.
PEERS = {
    "pygambit": "pygambit",
    "quantecon": "quantecon",
    "nashpy": "nashpy",
    "sgamesolver": "sgamesolver",
}

#: The timing settings of a quick and of a full run.
_SETTINGS = {
    True: {"rounds": 3, "min_round": 0.01, "time_limit": 5.0},
    False: {"rounds": 7, "min_round": 0.05, "time_limit": 60.0},
}


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, kw_only=True)
class BenchRow:
    """One game solved by us and by one peer.

    Attributes
    ----------
    area, game, size
        The method family, the catalog game and its size (e.g. ``"4 x 6"``).
    ours
        Our time per call, seconds.
    peer
        The peer and its routine (e.g. ``"pygambit enumpure_solve"``); ``"-"`` when the area
        was run without peers.
    peer_seconds
        The peer's time per call, or ``None`` when it was not run.
    ratio
        ``peer_seconds / ours`` (above 1: we are faster), or ``None``.
    agree
        Whether the peer's answer agrees with ours (see the module docstring), or ``None``
        when the peer was not run.
    status
        ``"ok"``, ``"not installed"``, ``"> limit"`` (known to be slow here: not called),
        ``"> limit (N s)"`` (one call took N s: not repeated) or ``"failed: reason"``.
    regret
        The largest regret of our answers.
    equilibria
        How many equilibria (or attractors) we found.
    peak_bytes
        tracemalloc peak of one of our calls.
    """

    area: str
    game: str
    size: str
    ours: float
    peer: str
    peer_seconds: float | None
    ratio: float | None
    agree: bool | None
    status: str
    regret: float
    equilibria: int
    peak_bytes: int

    def to_dict(self) -> dict[str, Any]:
        """The row as a plain dict (JSON-ready)."""
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class BenchReport:
    """The rows of one run, how it was run, and the machine it ran on."""

    rows: tuple[BenchRow, ...]
    quick: bool
    seconds: float
    machine: Mapping[str, str] = field(default_factory=dict)

    def to_dataframe(self):
        """The rows as a :class:`pandas.DataFrame`."""
        import pandas as pd

        return pd.DataFrame([r.to_dict() for r in self.rows])

    def table(self, *, markdown: bool = False) -> str:
        """The side-by-side table: area, game, size, ours (time, peak memory), peer, peer
        time, ratio, agree, our regret; ``markdown=True``: a Markdown table."""
        head = (
            "area",
            "game",
            "size",
            "ours",
            "peak",
            "peer",
            "peer time",
            "ratio",
            "agree",
            "regret",
        )
        body = []
        for r in self.rows:
            if r.peer_seconds is None:
                peer_t, ratio, agree = r.status, "", ""
            else:
                peer_t = _fmt_time(r.peer_seconds)
                ratio = f"{r.ratio:.3g}x" if r.ratio < 1000 else f"{r.ratio:.0f}x"
                agree = "yes" if r.agree else "NO"
                if r.status != "ok":
                    peer_t += f" ({r.status})"
            body.append(
                (
                    r.area,
                    r.game,
                    r.size,
                    _fmt_time(r.ours),
                    _fmt_bytes(r.peak_bytes),
                    r.peer,
                    peer_t,
                    ratio,
                    agree,
                    f"{r.regret:.1e}",
                )
            )
        kind = "quick" if self.quick else "full"
        foot = (
            f"({kind} run, {self.seconds:.1f} s; ratio = peer time / ours, above 1: ours faster; "
            f"{self.machine.get('summary', '')})"
        )
        if markdown:
            md = ["| " + " | ".join(row) + " |" for row in (head, *body)]
            md.insert(1, "|" + "---|" * len(head))
            return "\n".join([*md, "", foot])
        widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]
        lines = [
            "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True))
            for row in (head, *body)
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines.append(foot)
        return "\n".join(line.rstrip() for line in lines)

    def __repr__(self) -> str:
        return f"BenchReport({len(self.rows)} rows, quick={self.quick}, {self.seconds:.1f} s)"

    def _repr_html_(self) -> str:
        return self.to_dataframe()._repr_html_()


def _fmt_bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} B"


def _fmt_time(t: float) -> str:
    if t >= 1.0:
        return f"{t:.3g} s"
    if t >= 1e-3:
        return f"{t * 1e3:.3g} ms"
    return f"{t * 1e6:.3g} us"


# ----------------------------------------------------------------------------- timing


def time_call(
    fn: Callable[[], Any],
    *,
    rounds: int = 5,
    min_round: float = 0.02,
    time_limit: float | None = None,
    budget: float | None = None,
) -> tuple[float, Any]:
    """Time ``fn()`` the ``timeit`` way: per-call seconds and the warm-up call's result.

    One warm-up call (timed); when it took longer than ``time_limit`` its time is the answer.
    Otherwise ``rounds`` rounds of ``number`` calls each, ``number`` chosen so that a round
    lasts at least ``min_round`` seconds, and fewer rounds when they would exceed ``budget``
    seconds in all (default: ``20 * min_round``); the answer is the median of the fastest
    half of the rounds, per call.

    Examples
    --------
    >>> t, value = time_call(lambda: sum(range(100)), rounds=3, min_round=0.001)
    >>> value, 0.0 < t < 0.01
    (4950, True)
    """
    t0 = time.perf_counter()
    value = fn()
    first = time.perf_counter() - t0
    if time_limit is not None and first > time_limit:
        return first, value
    number = max(1, math.ceil(min_round / max(first, 1e-9)))
    budget = 20.0 * min_round if budget is None else budget
    rounds = max(1, min(rounds, int(budget / max(first * number, 1e-9))))
    times = sorted(timeit.Timer(fn).repeat(repeat=rounds, number=number))
    fastest = times[: max(1, (len(times) + 1) // 2)]
    return min(first, float(np.median(fastest)) / number), value


def _peak_bytes(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        fn()
        return int(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


# ----------------------------------------------------------------------------- cases


@dataclass(frozen=True, kw_only=True)
class _Peer:
    """A peer routine on one case. ``prepare()`` builds the peer's input (untimed) and
    returns the call to time; ``agree(ours_answer, peer_answer)``; ``run=False``: known to
    be slow at this size, not called."""

    library: str
    routine: str
    prepare: Callable[[], Callable[[], Any]]
    agree: Callable[[Any, Any], bool]
    run: bool = True


@dataclass(frozen=True, kw_only=True)
class _Case:
    """One game of an area. ``ours()`` returns our answer; ``check(answer)`` returns (largest
    regret, number of equilibria)."""

    area: str
    game: str
    size: str
    ours: Callable[[], Any]
    check: Callable[[Any], tuple[float, int]]
    peers: tuple[_Peer, ...]


def _arrays(game) -> list[np.ndarray]:
    """Writable copies of a dense game's payoff tables (numba refuses read-only arrays)."""
    return [np.array(game.payoffs[i]) for i in range(game.n_players)]


def _same_sets(X: np.ndarray, Y: np.ndarray, atol: float = 1e-6) -> bool:
    """Whether two sets of profiles (one concatenated profile a row) are equal within atol."""
    X, Y = np.atleast_2d(X), np.atleast_2d(Y)
    if X.size == 0 or Y.size == 0:
        return X.size == Y.size
    D = np.abs(X[:, None, :] - Y[None, :, :]).max(axis=2)
    return bool((D.min(axis=1) <= atol).all() and (D.min(axis=0) <= atol).all())


def _flat(res) -> np.ndarray:
    """Our result's equilibria as rows of concatenated strategies."""
    return np.array([np.concatenate(e.strategies) for e in res])


def _gambit_rows(ggame, result) -> np.ndarray:
    return np.array(
        [[float(eq[s]) for p in ggame.players for s in p.strategies] for eq in result.equilibria]
    )


def _result_check(res) -> tuple[float, int]:
    return float(res.max_regret) if len(res) else 0.0, len(res)


def _pure_set(res) -> set[tuple[int, ...]]:
    return {tuple(int(a) for a in e.pure_profile) for e in res}


def _gambit_pure(ggame, result) -> set[tuple[int, ...]]:
    out = set()
    for eq in result.equilibria:
        out.add(tuple([float(eq[s]) for s in p.strategies].index(1.0) for p in ggame.players))
    return out


# ----------------------------------------------------------------------------- peer calls
# Each builds a peer's input (untimed) and returns the call to time; benchmarks/scaling.py
# times the same calls.


def _gambit_call(game, routine: str, **options: Any) -> Callable[[], tuple]:
    """pygambit ``nash.<routine>`` on a dense game; the call returns (pygambit game, result)."""
    import pygambit as gbt

    gg = gbt.Game.from_arrays(*_arrays(game))
    solve = getattr(gbt.nash, routine)
    return lambda: (gg, solve(gg, **options))


def _qe_pure_call(game) -> Callable[[], Any]:
    """QuantEcon ``pure_nash_brute`` on a dense game (QuantEcon puts the player axis last)."""
    from quantecon.game_theory import NormalFormGame, pure_nash_brute

    q = NormalFormGame(np.moveaxis(np.array(game.payoffs), 0, -1))
    return lambda: pure_nash_brute(q, tol=0.0)


def _qe_bimatrix(A: np.ndarray, B: np.ndarray):
    from quantecon.game_theory import NormalFormGame, Player

    return NormalFormGame([Player(A), Player(B.T)])


def _qe_vertex_call(A: np.ndarray, B: np.ndarray) -> Callable[[], Any]:
    """QuantEcon ``vertex_enumeration`` on the bimatrix game (A, B)."""
    from quantecon.game_theory import vertex_enumeration

    q = _qe_bimatrix(A, B)
    vertex_enumeration(q)  # numba compilation, untimed
    return lambda: vertex_enumeration(q)


def _qe_lemke_howson_call(A: np.ndarray, B: np.ndarray) -> Callable[[], Any]:
    """QuantEcon ``lemke_howson`` from the first label on the bimatrix game (A, B)."""
    from quantecon.game_theory import lemke_howson

    q = _qe_bimatrix(A, B)
    lemke_howson(q, init_pivot=0)  # numba compilation, untimed
    return lambda: lemke_howson(q, init_pivot=0)


def _nashpy_support_call(A: np.ndarray, B: np.ndarray) -> Callable[[], list]:
    """nashpy ``support_enumeration`` (its degenerate-game warnings silenced), as a list."""
    import nashpy as nash

    ng = nash.Game(A, B)

    def call():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return list(ng.support_enumeration())

    return call


def _nashpy_lemke_howson_call(A: np.ndarray, B: np.ndarray) -> Callable[[], Any]:
    """nashpy ``lemke_howson`` from the first label on the bimatrix game (A, B)."""
    import nashpy as nash

    ng = nash.Game(A, B)
    return lambda: ng.lemke_howson(initial_dropped_label=0)


@contextlib.contextmanager
def _numpy_nan_alias():
    """sgamesolver 1.0 uses ``numpy.NaN``, removed in numpy 2: provide the alias while it
    runs and remove it afterwards."""
    alias = "NaN"
    added = alias not in np.__dict__
    if added:
        setattr(np, alias, np.nan)
    try:
        yield
    finally:
        if added:
            with contextlib.suppress(AttributeError):
                delattr(np, alias)


def _sgamesolver_call(sg) -> Callable[[], Any]:
    """sgamesolver ``homotopy.QRE`` (its progress output swallowed) on a stochastic game; the
    call returns the solver's equilibrium."""
    with _numpy_nan_alias():
        import sgamesolver

    game = sgamesolver.SGame(list(sg.payoffs), list(sg.transitions), np.asarray(sg.discount))

    def call():
        with _numpy_nan_alias(), contextlib.redirect_stdout(io.StringIO()):
            solver = sgamesolver.homotopy.QRE(game, implementation="auto")
            solver.solver_setup()
            solver.solve()
        return solver.equilibrium

    return call


def _qe_players(dense) -> list:
    """QuantEcon ``Player``s of a dense N-player game: player i's table with the axes in
    QuantEcon's order (own action, then players i+1, ..., i-1)."""
    from quantecon.game_theory import Player

    m = dense.n_players
    return [
        Player(np.transpose(np.array(dense.payoffs[i]), [(i + j) % m for j in range(m)]))
        for i in range(m)
    ]


def _qe_sequential_brd(players, starts, tol: float, max_iter: int = 10_000) -> list[tuple]:
    """Sequential best-response dynamics (players in index order, smallest-index ties) by
    QuantEcon ``Player.best_response`` calls, with exact cycle detection; per start
    ``("converged", profile)``, ``("cycle", first state)`` (the smallest ``(turn, *profile)``
    state of the cycle) or ``("max_iter", None)``. ``players``: :func:`_qe_players`."""
    n = len(players)
    out = []
    for start in starts:
        a = [int(x) for x in start]
        seen: dict[tuple, int] = {}
        history: list[tuple] = []
        stable, result = 0, ("max_iter", None)
        for t in range(max_iter):
            state = (t % n, *a)
            if state in seen:
                result = ("cycle", min(history[seen[state] :]))
                break
            seen[state] = t
            history.append(state)
            i = t % n
            opp = tuple(a[i + 1 :]) + tuple(a[:i])
            b = int(
                players[i].best_response(opp if n > 2 else opp[0], tie_breaking="smallest", tol=tol)
            )
            stable = stable + 1 if b == a[i] else 0
            a[i] = b
            if stable >= n:
                result = ("converged", tuple(a))
                break
        out.append(result)
    return out


# ----------------------------------------------------------------------------- areas


def _solve_call(game, method: str) -> Callable[[], Any]:
    """Our call to time: ``dt.solve(game, method=method)``."""
    import deterrence as dt

    return lambda: dt.solve(game, method=method)


def _cases(
    area: str,
    game: str,
    entries: Iterable[tuple[str, Callable[[], Any], tuple[_Peer, ...]]],
    *,
    check: Callable[[Any], tuple[float, int]] = _result_check,
) -> list[_Case]:
    """The cases of one area and catalog game: one an entry ``(size, ours, peers)``."""
    return [
        _Case(area=area, game=game, size=size, ours=ours, check=check, peers=peers)
        for size, ours, peers in entries
    ]


def _gambit_peer(game, routine: str, *, agree, run: bool = True, **options: Any) -> _Peer:
    return _Peer(
        library="pygambit",
        routine=routine,
        prepare=functools.partial(_gambit_call, game, routine, **options),
        agree=agree,
        run=run,
    )


def _pure_peers(game, *, gambit_max: int, qe_max: int) -> tuple[_Peer, ...]:
    """pygambit ``enumpure_solve`` and QuantEcon ``pure_nash_brute`` on a dense table."""
    n = game.n_profiles
    return (
        _gambit_peer(
            game,
            "enumpure_solve",
            agree=lambda ours, th: _pure_set(ours) == _gambit_pure(*th),
            run=n <= gambit_max,
        ),
        _Peer(
            library="quantecon",
            routine="pure_nash_brute",
            prepare=functools.partial(_qe_pure_call, game),
            agree=lambda ours, th: _pure_set(ours) == {tuple(p) for p in th},
            run=n <= qe_max,
        ),
    )


def _cases_pure(quick: bool) -> list[_Case]:
    import deterrence as dt

    sizes = [(3, 5), (4, 6)] if quick else [(3, 5), (4, 6), (4, 11), (5, 11)]
    games = {
        f"{n} x {k}": dt.catalog.uniform_game((k,) * n, rng=100 * n + k).game for n, k in sizes
    }
    return _cases(
        "pure",
        "uniform",
        [
            (size, _solve_call(g, "pure"), _pure_peers(g, gambit_max=200_000, qe_max=20_000))
            for size, g in games.items()
        ],
    )


def _cases_pure_structured(quick: bool) -> list[_Case]:
    import deterrence as dt

    sizes = [(3, 6), (4, 6), (6, 11)] if quick else [(3, 6), (4, 6), (4, 11), (6, 11), (10, 11)]
    too_big = tuple(
        _Peer(library=lib, routine=r, prepare=lambda: None, agree=None, run=False)
        for lib, r in (("pygambit", "enumpure_solve"), ("quantecon", "pure_nash_brute"))
    )
    entries = []
    for n, k in sizes:
        game = dt.catalog.most_violent_game(n, np.linspace(0.0, 1.0, k)).game
        peers = too_big
        if game.n_profiles <= 20_000:
            peers = _pure_peers(game.to_normal_form(), gambit_max=20_000, qe_max=20_000)
        entries.append((f"{n} x {k}", _solve_call(game, "pure"), peers))
    return _cases("pure-structured", "most_violent", entries)


def _two_player_peers(g, k: int) -> tuple[_Peer, ...]:
    A, B = _arrays(g)

    def rows(profiles):
        return np.array([np.concatenate(p) for p in profiles])

    return (
        _Peer(
            library="quantecon",
            routine="vertex_enumeration",
            prepare=functools.partial(_qe_vertex_call, A, B),
            agree=lambda ours, th: _same_sets(_flat(ours), rows(th)),
        ),
        _gambit_peer(
            g,
            "enummixed_solve",
            agree=lambda ours, th: _same_sets(_flat(ours), _gambit_rows(*th)),
            run=k <= 10,
            rational=False,
        ),
        _Peer(
            library="nashpy",
            routine="support_enumeration",
            prepare=functools.partial(_nashpy_support_call, A, B),
            agree=lambda ours, th: _same_sets(_flat(ours), rows(th)),
            run=k <= 5,
        ),
    )


def _cases_two_player(quick: bool) -> list[_Case]:
    import deterrence as dt

    sizes = [5, 8] if quick else [5, 8, 10, 12]
    games = {k: dt.catalog.uniform_game((k, k), rng=k).game for k in sizes}
    vs = dt.catalog.von_stengel_75()

    def vs_check(res):
        reg, n = _result_check(res)
        # the known answer: 75 equilibria (a wrong count shows as an infinite regret)
        return (reg if n == vs.n_equilibria and res.complete else math.inf), n

    uniform = [
        (f"{k} x {k}", _solve_call(g, "support"), _two_player_peers(g, k)) for k, g in games.items()
    ]
    known = [("6 x 6", _solve_call(vs.game, "support"), _two_player_peers(vs.game, 6))]
    return [
        *_cases("two-player", "uniform", uniform),
        *_cases("two-player", "von_stengel_75", known, check=vs_check),
    ]


def _lemke_howson_peers(g, k: int) -> tuple[_Peer, ...]:
    A, B = _arrays(g)

    def same(ours, th):
        return _same_sets(_flat(ours), np.concatenate(th)[None, :])

    return (
        _Peer(
            library="quantecon",
            routine="lemke_howson",
            prepare=functools.partial(_qe_lemke_howson_call, A, B),
            agree=same,
        ),
        _Peer(
            library="nashpy",
            routine="lemke_howson",
            prepare=functools.partial(_nashpy_lemke_howson_call, A, B),
            agree=same,
            run=k <= 5,
        ),
    )


def _cases_lemke_howson(quick: bool) -> list[_Case]:
    import deterrence as dt

    sizes = [5, 10] if quick else [5, 10, 16]
    games = {k: dt.catalog.uniform_game((k, k), rng=1000 + k).game for k in sizes}
    return _cases(
        "lemke-howson",
        "uniform",
        [
            (
                f"{k} x {k}",
                lambda g=g: dt.lemke_howson(g, initial_label=0),
                _lemke_howson_peers(g, k),
            )
            for k, g in games.items()
        ],
    )


def _same_logit_branch(ours, th) -> bool:
    # both trace the principal branch of the logit correspondence to its end
    return _same_sets(_flat(ours)[:1], _gambit_rows(*th)[:1], atol=1e-4)


def _cases_logit(quick: bool) -> list[_Case]:
    import deterrence as dt

    sizes = [(3, 3), (3, 4)] if quick else [(3, 4), (3, 6), (4, 4)]
    games = {f"{n} x {k}": dt.catalog.uniform_game((k,) * n, rng=7 * n + k).game for n, k in sizes}
    return _cases(
        "logit",
        "uniform",
        [
            (
                size,
                _solve_call(g, "logit"),
                (_gambit_peer(g, "logit_solve", agree=_same_logit_branch),),
            )
            for size, g in games.items()
        ],
    )


def _cases_symmetric(quick: bool) -> list[_Case]:
    import deterrence as dt

    sizes = [(3, 6), (6, 11)] if quick else [(3, 6), (4, 6), (6, 11), (20, 11), (50, 11)]
    entries = []
    for n, k in sizes:
        game = dt.catalog.most_violent_game(n, np.linspace(0.0, 1.0, k), floor=-1.0).game
        small = game.n_profiles <= 2_000
        dense = game.to_normal_form() if small else None

        def is_eq(ours, th, dense=dense):
            gg, r = th
            rows = _gambit_rows(gg, r)
            if len(rows) == 0:
                return False
            splits = np.cumsum(dense.shape)[:-1]
            scale = float(np.ptp(dense.payoffs)) or 1.0
            return dt.regret(dense, np.split(rows[0], splits)) <= 1e-6 * scale

        peer = _gambit_peer(dense, "logit_solve", agree=is_eq, run=small)
        entries.append((f"{n} x {k}", _solve_call(game, "symmetric"), (peer,)))
    return _cases("symmetric", "most_violent", entries)


def _cases_stochastic(quick: bool) -> list[_Case]:
    import deterrence as dt

    sizes = [(3, 2, 3)] if quick else [(3, 2, 3), (5, 2, 3), (8, 3, 5)]
    cases = []
    for S, N, A in sizes:
        sg = dt.StochasticGame.random(S, N, A, discount=0.95, rng=10_000 * S + 100 * N + A)
        scale = float(max(p.max() for p in sg.payoffs) - min(p.min() for p in sg.payoffs))

        def sgs(sg=sg):
            call = _sgamesolver_call(sg)
            return lambda: np.asarray(call().strategies)

        def is_eq(ours, strat, sg=sg, scale=scale):
            prof = [
                [strat[s, i, : sg.shape(s)[i]] for i in range(sg.n_players)]
                for s in range(sg.n_states)
            ]
            return dt.stochastic_regret(sg, prof) <= 1e-3 * scale

        def check(res, scale=scale):
            ok = res.converged and res.regret <= 1e-8 * scale
            return (float(res.regret) if ok else math.inf), 1

        peer = _Peer(
            library="sgamesolver",
            routine="homotopy.QRE",
            prepare=sgs,
            agree=is_eq,
            run=S * A**N <= 100,
        )
        ours = lambda sg=sg: dt.solve_stochastic(sg, method="homotopy")  # noqa: E731
        cases += _cases(
            "stochastic", "random", [(f"{S}s x {N}p x {A}a", ours, (peer,))], check=check
        )
    return cases


def _same_attractors(res, qe_res) -> bool:
    """Whether ``dt.basins`` and :func:`_qe_sequential_brd` end every start in the same
    attractor (both canonicalise a cycle by its smallest ``(turn, *profile)`` state, and ours
    lists the cycle's profiles from that state on)."""
    for s, (kind, key) in enumerate(qe_res):
        att = res.attractors[res.labels[s]]
        if kind == "converged":
            if att.kind != "rest point" or tuple(att.profiles[0]) != key:
                return False
        elif att.kind != "cycle" or tuple(att.profiles[0]) != tuple(key[1:]):
            return False
    return True


def _cases_dynamics(quick: bool) -> list[_Case]:
    import deterrence as dt

    sizes = [(4, 6, 200)] if quick else [(4, 6, 200), (5, 11, 200)]
    tol = 1e-9
    cases = []
    for n, k, n_starts in sizes:
        game = dt.catalog.most_violent_game(n, np.linspace(0.0, 1.0, k), penalty=0.85).game
        dense = game.to_normal_form()
        starts = np.random.default_rng(2024).integers(k, size=(n_starts, n))

        def ours(dense=dense, starts=starts):
            return dt.basins(
                dense,
                starts,
                order="sequential",
                tie_breaking="smallest",
                tol=tol,
                chunk_size=len(starts),
            )

        def check(res, dense=dense):
            rest = [a.profiles[0] for a in res.attractors if a.kind == "rest point"]
            worst = 0.0
            for p in rest:
                prof = [np.eye(m)[a] for m, a in zip(dense.shape, p, strict=True)]
                worst = max(worst, dt.regret(dense, prof))
            return worst, len(res.attractors)

        def qe(dense=dense, starts=starts):
            players = _qe_players(dense)
            return lambda: _qe_sequential_brd(players, starts, tol)

        peer = _Peer(
            library="quantecon",
            routine="best_response loop",
            prepare=qe,
            agree=_same_attractors,
            run=dense.n_profiles <= 200_000,
        )
        size = f"{n} x {k}, {n_starts} starts"
        cases += _cases("dynamics", "most_violent", [(size, ours, (peer,))], check=check)
    return cases


_BUILDERS: dict[str, Callable[[bool], list[_Case]]] = {
    "pure": _cases_pure,
    "pure-structured": _cases_pure_structured,
    "two-player": _cases_two_player,
    "lemke-howson": _cases_lemke_howson,
    "logit": _cases_logit,
    "symmetric": _cases_symmetric,
    "stochastic": _cases_stochastic,
    "dynamics": _cases_dynamics,
}


# ----------------------------------------------------------------------------- running


def _installed(library: str) -> bool:
    """Whether a peer (a name of :data:`PEERS`, or any import name) can be imported."""
    return importlib.util.find_spec(PEERS.get(library, library)) is not None


def _version(library: str) -> str:
    try:
        from importlib.metadata import version

        return version(library)
    except Exception:
        return "?"


def _machine(peers: Iterable[str]) -> dict[str, str]:
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(terse=True),
        "processor": platform.processor() or platform.machine(),
        "cpus": str(os.cpu_count()),
    }
    with contextlib.suppress(OSError, AttributeError):
        info["load"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    for lib in peers:
        info[lib] = _version(lib) if _installed(lib) else "not installed"
    info["summary"] = f"Python {info['python']}, numpy {info['numpy']}, {info['cpus']} CPUs" + (
        f", load {info['load']}" if "load" in info else ""
    )
    return info


def _check_names(name: str, values: Sequence[str] | None, allowed: Sequence[str]) -> tuple:
    if values is None:
        return tuple(allowed)
    if isinstance(values, str):
        values = [values]
    values = tuple(values)
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise DeterrenceError(
            f"{name}={list(values)!r} is not valid; expected one or more of "
            + ", ".join(repr(a) for a in allowed)
        )
    return tuple(a for a in allowed if a in values)


def run_bench(
    *,
    quick: bool = True,
    only: Sequence[str] | None = None,
    peers: Sequence[str] | None = None,
    time_limit: float | None = None,
    progress: bool = False,
) -> BenchReport:
    """Run the side-by-side suite and return its rows.

    Parameters
    ----------
    quick
        The short suite (a few small sizes per area; under a minute on two cores) or the
        full one (more sizes, more rounds).
    only
        Areas to run (names of :data:`AREAS`); default all.
    peers
        Peer libraries to compare with (names of :data:`PEERS`); default all, ``()`` none
        (one row per game, peer ``"-"``).
    time_limit
        A peer call that takes longer than this many seconds is not repeated (default 5 s
        quick, 60 s full). Peers known to be slow at a size are not called there at all.
    progress
        Show a ``tqdm`` progress bar on stderr.

    Returns
    -------
    BenchReport
        ``.rows`` (one :class:`BenchRow` per game and peer), ``.table()``,
        ``.to_dataframe()``.

    Examples
    --------
    >>> from deterrence.bench import run_bench
    >>> rep = run_bench(only=["lemke-howson"], peers=())
    >>> [(r.size, r.equilibria) for r in rep.rows]
    [('5 x 5', 1), ('10 x 10', 1)]
    """
    areas = _check_names("only", only, AREAS)
    libs = _check_names("peers", peers, tuple(PEERS)) if peers != () else ()
    settings = dict(_SETTINGS[bool(quick)])
    if time_limit is not None:
        if not (isinstance(time_limit, int | float) and time_limit > 0):
            raise DeterrenceError(f"time_limit={time_limit!r} is not valid; expected > 0 s")
        settings["time_limit"] = float(time_limit)
    from tqdm.auto import tqdm

    t_start = time.perf_counter()
    cases = [c for a in areas for c in _BUILDERS[a](bool(quick))]
    rows: list[BenchRow] = []
    timing = {"rounds": settings["rounds"], "min_round": settings["min_round"]}
    for case in tqdm(cases, desc="bench", unit="game", disable=not progress, file=sys.stderr):
        ours_t, answer = time_call(case.ours, **timing)
        regret, n_eq = case.check(answer)
        peak = _peak_bytes(case.ours)
        base = {
            "area": case.area,
            "game": case.game,
            "size": case.size,
            "ours": ours_t,
            "regret": regret,
            "equilibria": n_eq,
            "peak_bytes": peak,
        }
        chosen = [p for p in case.peers if p.library in libs]
        if not chosen:
            rows.append(
                BenchRow(
                    **base, peer="-", peer_seconds=None, ratio=None, agree=None, status="no peer"
                )
            )
        for p in chosen:
            rows.append(_run_peer(p, base, ours_answer=answer, settings=settings))
    return BenchReport(
        rows=tuple(rows),
        quick=bool(quick),
        seconds=time.perf_counter() - t_start,
        machine=_machine(libs),
    )


def _run_peer(
    peer: _Peer, base: dict[str, Any], *, ours_answer: Any, settings: Mapping[str, float]
) -> BenchRow:
    name = f"{peer.library} {peer.routine}"

    def row(status: str, seconds: float | None = None, agree: bool | None = None) -> BenchRow:
        ratio = None if seconds is None else seconds / max(base["ours"], 1e-12)
        return BenchRow(
            **base, peer=name, peer_seconds=seconds, ratio=ratio, agree=agree, status=status
        )

    if not _installed(peer.library):
        return row("not installed")
    if not peer.run:
        return row("> limit")
    limit = settings["time_limit"]
    try:
        call = peer.prepare()
        t, value = time_call(
            call, rounds=int(settings["rounds"]), min_round=settings["min_round"], time_limit=limit
        )
        agree = bool(peer.agree(ours_answer, value))
    except Exception as exc:  # a peer's own failure is a result, not our error
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:80]
        return row(f"failed: {reason}")
    return row("ok" if t <= limit else f"> limit ({t:.3g} s)", t, agree)
