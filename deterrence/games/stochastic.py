"""Stochastic games: a stage game per state, transitions driven by the action profile.

Conventions (stated once):

* states are numbered ``0..n_states-1``; every state has the same ``n_players`` players,
  but each state has its own action sets (``shape(s)``);
* a *stationary strategy profile* is ``strategies[s][i]``, a mixed strategy of player ``i``
  in state ``s``;
* **values are unnormalised**: ``values[s, i]`` is player ``i``'s expected discounted sum of
  stage payoffs from state ``s`` on, ``V = r + d P V`` (one period's payoff stream, not
  weighted by ``1 - d``), and stage payoffs are used exactly as given. sgamesolver
  multiplies stage payoffs by ``1 - d`` inside its homotopy but reports values in these
  same unnormalised units (``benchmarks/test_bench_stochastic.py`` checks that its values
  equal ours); strategies agree under either convention, since multiplying player
  ``i``'s payoffs by a positive constant changes none of its best responses.

The protocol (:class:`BaseStochasticGame`) is what the solver uses: the stage game of
each state (any :class:`~deterrence.games.base.Game`, dense or structured, through the
seam), the states reachable in one step (:meth:`~BaseStochasticGame.successors`, to find
a state graph that is acyclic up to self-loops) and, given the others' mixed strategies in
a state, the distribution of the next state after each pure action of each player
(:meth:`~BaseStochasticGame.deviation_transitions`). The *continuation game* of state
``s`` given values ``V`` (:meth:`~BaseStochasticGame.continuation_game`) is the stage game
with player ``i``'s payoffs ``r_i(a) + d_i sum_s' P(s' | a) V[s', i]``: its
deviation payoffs are :meth:`~BaseStochasticGame.deviation_values`, so any solver of the
library applies to it.

:class:`StochasticGame` is the dense subclass with sgamesolver's array conventions.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import check_int, check_real, normalize_rng
from ..errors import InvalidGameError, InvalidProfileError
from .base import DEFAULT_MAX_PROFILES, Game, as_mixed_profile
from .normal_form import NormalFormGame, _contract_axis

__all__ = ["BaseStochasticGame", "StochasticGame"]

#: Absolute tolerance on transition rows: non-negative and summing to one within it.
TRANSITION_ATOL = 1e-8

#: Largest number of pure profiles for which the generic continuation game builds its table
#: by oracle calls (one call per pure profile).
GENERIC_TABLE_LIMIT = 20_000


class BaseStochasticGame(abc.ABC):
    """Abstract stochastic game: a stage :class:`~deterrence.games.base.Game` per state and
    transition probabilities that depend on the action profile.

    Subclasses set ``n_states``, ``n_players``, ``state_names`` and ``discount`` (an array
    of shape ``(n_players,)``, each in ``[0, 1)``) and implement :meth:`stage`,
    :meth:`successors` and :meth:`deviation_transitions`. Everything else has a generic
    implementation on top of them (override for speed).
    """

    n_states: int
    n_players: int
    state_names: tuple[str, ...]
    discount: NDArray[np.float64]

    # ------------------------------------------------------------------ required
    @abc.abstractmethod
    def stage(self, s: int) -> Game:
        """The stage game of state ``s`` (its payoffs are one period's payoffs)."""

    @abc.abstractmethod
    def successors(self, s: int) -> tuple[int, ...]:
        """States reachable from ``s`` in one step with positive probability under some
        profile (including ``s`` itself if it can repeat)."""

    @abc.abstractmethod
    def deviation_transitions(
        self, s: int, profile: Sequence[NDArray[np.float64]]
    ) -> list[NDArray[np.float64]]:
        """Next-state distribution after each pure action of each player.

        ``out[i]`` has shape ``(shape(s)[i], n_states)``: ``out[i][a, t]`` is the
        probability that the next state is ``t`` when player ``i`` plays ``a`` and every
        other player ``j`` plays ``profile[j]`` (a validated mixed profile of state ``s``).
        """

    # ------------------------------------------------------------------ derived
    def shape(self, s: int) -> tuple[int, ...]:
        """Numbers of actions of each player in state ``s`` (``stage(s).shape``)."""
        return tuple(self.stage(s).shape)

    def deviation_values(
        self, s: int, profile: Sequence[NDArray[np.float64]], values: NDArray[np.float64]
    ) -> list[NDArray[np.float64]]:
        """Stage payoff plus discounted continuation of each pure action of each player.

        ``out[i][a] = stage(s)._deviation_payoffs(profile)[i][a]
        + discount[i] * deviation_transitions(s, profile)[i][a] @ values[:, i]``,
        with ``values`` of shape ``(n_states, n_players)`` (unnormalised values).
        """
        r = self.stage(s)._deviation_payoffs(tuple(profile))
        T = self.deviation_transitions(s, profile)
        d = self.discount
        return [
            np.asarray(r[i], dtype=float) + d[i] * (T[i] @ values[:, i])
            for i in range(self.n_players)
        ]

    def _solve_structured(self, **options: Any) -> Any:
        """A fast path for :func:`~deterrence.solve_stochastic`: a
        :class:`~deterrence.StochasticResult` computed by a solver that knows this game's
        structure, or None (the default) to use the generic methods. ``options`` are
        ``solve_stochastic``'s keywords (``method``, ``tol``, ``max_iter``, ...)."""
        return None

    def continuation_game(self, s: int, values: NDArray[np.float64]) -> Game:
        """The stage game of ``s`` whose payoffs include the discounted continuation:
        its ``_deviation_payoffs`` are :meth:`deviation_values` at ``values``."""
        return _ContinuationGame(self, s, np.asarray(values, dtype=float))

    def transition(self, s: int, profile: Sequence[ArrayLike]) -> NDArray[np.float64]:
        """Distribution of the next state, shape ``(n_states,)``, under a mixed profile."""
        p = as_mixed_profile(self.stage(s), profile)
        return p[0] @ self.deviation_transitions(s, p)[0]

    def to_dense(self, *, max_profiles: int = GENERIC_TABLE_LIMIT) -> StochasticGame:
        """The same game as a dense :class:`StochasticGame` (sgamesolver's conventions:
        ``payoffs[s]`` of shape ``(n_players, *actions_s)``, ``transitions[s]`` of shape
        ``(*actions_s, n_states)``), for other solvers and for cross-checks.

        Each state's stage game gives its table (:meth:`Game.to_normal_form`) and the
        transitions come from :meth:`deviation_transitions` at pure profiles (player 0's
        rows, one call per profile of the others). Refused with
        :class:`~deterrence.errors.GameTooLargeError` when a state has more than
        ``max_profiles`` pure profiles (default :data:`GENERIC_TABLE_LIMIT`: the oracle
        calls are the cost; raise it knowingly).
        """
        from ..errors import GameTooLargeError

        max_profiles = check_int("max_profiles", max_profiles, low=1)
        S = self.n_states
        for s in range(S):
            n = int(np.prod(self.shape(s), dtype=float))
            if n > max_profiles:
                raise GameTooLargeError(
                    f"state {s} ({self.state_names[s]!r}) has {n:.0f} pure profiles; "
                    f"to_dense builds at most max_profiles={max_profiles} per state"
                )
        payoffs, transitions = [], []
        for s in range(S):
            shape = self.shape(s)
            payoffs.append(
                np.asarray(self.stage(s).to_normal_form(max_profiles=max_profiles).payoffs)
            )
            T = np.empty((*shape, S))
            for rest in np.ndindex(*shape[1:]):
                prof = [np.full(shape[0], 1.0 / shape[0])]
                prof += [np.eye(k)[a] for k, a in zip(shape[1:], rest, strict=True)]
                T[(slice(None), *rest)] = self.deviation_transitions(s, prof)[0]
            transitions.append(T)
        return StochasticGame(
            payoffs, transitions, np.asarray(self.discount), state_names=self.state_names
        )

    def payoff_range(self) -> float:
        """A payoff scale: the range of the stage payoffs (dense tables), else of the
        deviation payoffs at the centroid of every state. Never zero (1.0 then)."""
        lo, hi = np.inf, -np.inf
        for s in range(self.n_states):
            g = self.stage(s)
            if isinstance(g, NormalFormGame):
                lo, hi = min(lo, float(g.payoffs.min())), max(hi, float(g.payoffs.max()))
            else:
                prof = tuple(np.full(k, 1.0 / k) for k in g.shape)
                u = np.concatenate([np.asarray(d, float) for d in g._deviation_payoffs(prof)])
                lo, hi = min(lo, float(u.min())), max(hi, float(u.max()))
        r = hi - lo
        return r if np.isfinite(r) and r > 0 else 1.0

    def graph(self) -> Any:
        """The state graph as a ``networkx.DiGraph`` (an edge ``s -> t`` for each successor,
        self-loops included)."""
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(range(self.n_states))
        g.add_edges_from((s, t) for s in range(self.n_states) for t in self.successors(s))
        return g

    def is_acyclic(self) -> bool:
        """True when the state graph has no cycle other than self-loops (backward
        induction applies)."""
        import networkx as nx

        g = self.graph()
        g.remove_edges_from(list(nx.selfloop_edges(g)))
        return bool(nx.is_directed_acyclic_graph(g))

    def unreachable(self, start: int = 0) -> tuple[int, ...]:
        """States that no sequence of transitions reaches from ``start``.

        They are allowed (a stationary equilibrium prescribes play in every state, reached
        or not) and solved like the others; the solver reports them in its result.
        """
        import networkx as nx

        start = check_int("start", start, low=0, high=self.n_states - 1)
        seen = nx.descendants(self.graph(), start) | {start}
        return tuple(s for s in range(self.n_states) if s not in seen)

    def __repr__(self) -> str:
        shapes = {self.shape(s) for s in range(self.n_states)}
        sh = f"shape={next(iter(shapes))}" if len(shapes) == 1 else "shapes vary"
        d = self.discount
        disc = f"{float(d[0]):g}" if np.all(d == d[0]) else str(np.round(d, 4).tolist())
        return (
            f"{type(self).__name__}({self.n_states} states, {self.n_players} players, "
            f"{sh}, discount={disc})"
        )


class _ContinuationGame(Game):
    """The stage game of a state with the discounted continuation added (generic form)."""

    def __init__(self, sg: BaseStochasticGame, s: int, values: NDArray) -> None:
        self._sg = sg
        self._s = s
        self._values = values
        self._shape = tuple(sg.shape(s))

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    def _deviation_payoffs(self, profile: tuple[NDArray, ...]) -> list[NDArray]:
        return self._sg.deviation_values(self._s, profile, self._values)

    def to_normal_form(self, *, max_profiles: int = GENERIC_TABLE_LIMIT) -> NormalFormGame:
        """The dense table, by one oracle call per pure profile (small games only)."""
        from ..errors import GameTooLargeError

        shape = self._shape
        if self.n_profiles > min(max_profiles, DEFAULT_MAX_PROFILES):
            raise GameTooLargeError(
                f"continuation game of state {self._s} has {self.n_profiles} pure profiles; "
                f"the generic table is built only up to {max_profiles}"
            )
        n = len(shape)
        out = np.empty((n, *shape))
        eye = [np.eye(k) for k in shape]
        for a in np.ndindex(*shape):
            dev = self._deviation_payoffs(tuple(eye[i][a[i]] for i in range(n)))
            for i in range(n):
                out[(i, *a)] = dev[i][a[i]]
        return NormalFormGame(out)


# ----------------------------------------------------------------------------- dense
def _fmt_index(idx: Sequence[int]) -> str:
    return ", ".join(str(int(k)) for k in idx)


class StochasticGame(BaseStochasticGame):
    """A dense stochastic game with sgamesolver's array conventions.

    Parameters
    ----------
    payoffs
        One array per state: ``payoffs[s]`` has shape ``(n_players, *actions_s)`` and
        ``payoffs[s][i][a]`` is player ``i``'s stage payoff at pure profile ``a`` in state
        ``s`` (a :class:`~deterrence.NormalFormGame` table). Finite.
    transitions
        One array per state: ``transitions[s]`` has shape ``(*actions_s, n_states)`` and
        ``transitions[s][a]`` is the distribution of the next state after profile ``a``
        (non-negative, summing to one within ``1e-8``).
    discount
        A scalar or one factor per player, each in ``[0, 1)``.
    state_names
        Optional labels, one per state (unique).

    Notes
    -----
    Values are unnormalised (``V = r + d P V``, see the module documentation). Every input
    is validated before anything is built; errors name the entry, e.g.
    ``transitions[2][0, 1]``. States unreachable from others are allowed (see
    :meth:`~BaseStochasticGame.unreachable`).

    Examples
    --------
    One state, one player who can stay (payoff 1) or quit (payoff 0); values add up
    ``1 / (1 - 0.9) = 10``:

    >>> import numpy as np, deterrence as dt
    >>> sg = dt.StochasticGame([[[1.0, 0.0]]], [[[1.0], [1.0]]], 0.9)
    >>> sg
    StochasticGame(1 states, 1 players, shape=(2,), discount=0.9)
    >>> res = dt.solve_stochastic(sg)
    >>> res.strategies[0][0].tolist(), round(float(res.values[0, 0]), 10)
    ([1.0, 0.0], 10.0)
    """

    def __init__(
        self,
        payoffs: Sequence[ArrayLike],
        transitions: Sequence[ArrayLike],
        discount: ArrayLike,
        *,
        state_names: Sequence[str] | None = None,
    ) -> None:
        pay, trans, disc = _validate_dense(payoffs, transitions, discount)
        self.n_states = len(pay)
        self.n_players = pay[0].shape[0]
        self.discount = disc
        self.state_names = _check_state_names(state_names, self.n_states)
        self._payoffs = tuple(pay)
        self._transitions = tuple(trans)
        # next-state axis first, (n_states, *actions): player axes are contracted as in
        # NormalFormGame (trailing ones by matrix-vector products)
        tf = []
        for t in trans:
            a = np.ascontiguousarray(np.moveaxis(t, -1, 0))
            a.flags.writeable = False
            tf.append(a)
        self._trans_first = tuple(tf)
        self._stages = tuple(NormalFormGame(p) for p in pay)
        self._succ = tuple(
            tuple(int(k) for k in np.flatnonzero(t.reshape(-1, self.n_states).max(axis=0) > 0))
            for t in trans
        )

    # ------------------------------------------------------------- constructors
    @classmethod
    def random(
        cls,
        n_states: int,
        n_players: int,
        n_actions: int | Sequence[int],
        *,
        discount: float = 0.95,
        acyclic: bool = False,
        rng: Any = None,
    ) -> StochasticGame:
        """A random game: payoffs uniform on ``[0, 1)``, transition rows Dirichlet(1).

        Parameters
        ----------
        n_states, n_players
            Sizes (at least 1 each).
        n_actions
            Actions per player (the same in every state), an int or one per player.
        discount
            The common discount factor, in ``[0, 1)``.
        acyclic
            If True, state ``s`` moves only to states ``>= s`` (the state graph is acyclic
            up to self-loops; the last state is absorbing).
        rng
            Seed or generator (``np.random.default_rng``).

        Examples
        --------
        >>> import deterrence as dt
        >>> sg = dt.StochasticGame.random(3, 2, 2, acyclic=True, rng=0)
        >>> sg.is_acyclic(), sg.successors(2)
        (True, (2,))
        """
        n_states = check_int("n_states", n_states, low=1)
        n_players = check_int("n_players", n_players, low=1)
        if isinstance(n_actions, int | np.integer) and not isinstance(n_actions, bool):
            acts = (check_int("n_actions", n_actions, low=1),) * n_players
        else:
            acts = tuple(check_int(f"n_actions[{i}]", k, low=1) for i, k in enumerate(n_actions))
            if len(acts) != n_players:
                raise InvalidGameError(
                    f"n_actions has {len(acts)} entries; expected {n_players} (one per player)"
                )
        discount = check_real("discount", discount, low=0.0, high=1.0, high_open=True)
        gen = normalize_rng(rng)
        payoffs, transitions = [], []
        for s in range(n_states):
            payoffs.append(gen.random((n_players, *acts)))
            lo = s if acyclic else 0
            t = np.zeros((*acts, n_states))
            t[..., lo:] = gen.dirichlet(np.ones(n_states - lo), size=acts)
            transitions.append(t)
        return cls(payoffs, transitions, discount)

    # --------------------------------------------------------------- properties
    @property
    def payoffs(self) -> tuple[NDArray[np.float64], ...]:
        """Read-only stage payoff arrays, ``payoffs[s]`` of shape ``(n_players, *actions)``."""
        return self._payoffs

    @property
    def transitions(self) -> tuple[NDArray[np.float64], ...]:
        """Read-only transition arrays, ``transitions[s]`` of shape ``(*actions, n_states)``."""
        return self._transitions

    # --------------------------------------------------------------- protocol
    def stage(self, s: int) -> NormalFormGame:
        """The dense stage game of state ``s``: a :class:`NormalFormGame` of ``payoffs[s]``."""
        return self._stages[s]

    def shape(self, s: int) -> tuple[int, ...]:
        """Numbers of actions of each player in state ``s``, read off ``payoffs[s]``."""
        return tuple(self._payoffs[s].shape[1:])

    def successors(self, s: int) -> tuple[int, ...]:
        """States with a positive entry in some row of ``transitions[s]``, in increasing order."""
        return self._succ[s]

    def deviation_transitions(
        self, s: int, profile: Sequence[NDArray[np.float64]]
    ) -> list[NDArray[np.float64]]:
        """Next-state distribution after each pure action of each player, contracting the
        others' axes of ``transitions[s]`` with their mixed strategies."""
        tf = self._trans_first[s]
        n = self.n_players
        out = []
        for i in range(n):
            t = tf
            for j in range(n - 1, i, -1):
                t = t @ profile[j]
            for j in range(i):
                t = _contract_axis(t, profile[j], 1)
            out.append(t.T)
        return out

    def continuation_table(self, s: int, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """``payoffs[s]`` plus each player's discounted continuation, shape
        ``(n_players, *actions)``: ``out[i][a] = r_i(a) + d_i * transitions[s][a] @ V[:, i]``."""
        cont = self._transitions[s] @ (values * self.discount)  # (*actions, n_players)
        return self._payoffs[s] + np.moveaxis(cont, -1, 0)

    def continuation_game(self, s: int, values: NDArray[np.float64]) -> NormalFormGame:
        """The continuation game of ``s`` as a dense :class:`NormalFormGame` of
        :meth:`continuation_table`."""
        return NormalFormGame(self.continuation_table(s, np.asarray(values, dtype=float)))

    def deviation_values(
        self, s: int, profile: Sequence[NDArray[np.float64]], values: NDArray[np.float64]
    ) -> list[NDArray[np.float64]]:
        """Stage payoff plus discounted continuation of each pure action of each player, read
        off the dense continuation game."""
        return self.continuation_game(s, values)._deviation_payoffs(tuple(profile))

    def payoff_range(self) -> float:
        """The range of all stage payoffs over every state (1.0 if they are all equal)."""
        lo = min(float(p.min()) for p in self._payoffs)
        hi = max(float(p.max()) for p in self._payoffs)
        r = hi - lo
        return r if r > 0 else 1.0


# ----------------------------------------------------------------------------- checks
def _check_state_names(names: Sequence[str] | None, n: int) -> tuple[str, ...]:
    if names is None:
        return tuple(str(s) for s in range(n))
    if isinstance(names, str):
        raise InvalidGameError(f"state_names={names!r} is a string; expected {n} names")
    out = tuple(str(x) for x in names)
    if len(out) != n:
        raise InvalidGameError(f"state_names has {len(out)} names; expected {n} (one per state)")
    if len(set(out)) != n:
        raise InvalidGameError(f"state_names={list(out)} has duplicates; expected unique names")
    return out


def _as_float_array(name: str, value: Any) -> NDArray[np.float64]:
    try:
        return np.array(value, dtype=float, order="C")
    except (TypeError, ValueError) as exc:
        raise InvalidGameError(
            f"{name} cannot be read as a rectangular array of real numbers ({exc})"
        ) from None


def _validate_dense(
    payoffs: Sequence[ArrayLike], transitions: Sequence[ArrayLike], discount: ArrayLike
) -> tuple[list[NDArray], list[NDArray], NDArray]:
    for name, seq in (("payoffs", payoffs), ("transitions", transitions)):
        if isinstance(seq, str | bytes) or not hasattr(seq, "__len__"):
            raise InvalidGameError(
                f"{name}={seq!r} is not valid; expected a sequence with one array per state"
            )
    S = len(payoffs)
    if S == 0:
        raise InvalidGameError("payoffs is empty; expected one array per state (at least one)")
    if len(transitions) != S:
        raise InvalidGameError(
            f"transitions has {len(transitions)} arrays; expected {S} (one per state, as payoffs)"
        )
    pay, trans = [], []
    n_players = None
    for s in range(S):
        p = _as_float_array(f"payoffs[{s}]", payoffs[s])
        if p.ndim < 2 or p.shape[0] != p.ndim - 1:
            raise InvalidGameError(
                f"payoffs[{s}] has shape {p.shape}; expected (n_players, *actions) with "
                "shape[0] equal to the number of player axes"
            )
        if n_players is None:
            n_players = p.shape[0]
        elif p.shape[0] != n_players:
            raise InvalidGameError(
                f"payoffs[{s}] has {p.shape[0]} players; expected {n_players} (as payoffs[0]):"
                " every state has the same players"
            )
        if any(k < 1 for k in p.shape[1:]):
            raise InvalidGameError(
                f"payoffs[{s}] has shape {p.shape}; every player needs at least one action"
            )
        if not np.isfinite(p).all():
            bad = tuple(int(b) for b in np.argwhere(~np.isfinite(p))[0])
            raise InvalidGameError(
                f"payoffs[{s}][{_fmt_index(bad)}] is {float(p[bad])!r}; expected a finite payoff"
            )
        p.flags.writeable = False
        pay.append(p)
    for s in range(S):
        t = _as_float_array(f"transitions[{s}]", transitions[s])
        want = (*pay[s].shape[1:], S)
        if t.shape != want:
            raise InvalidGameError(
                f"transitions[{s}] has shape {t.shape}; expected {want} (the actions of "
                f"state {s} and one probability per state)"
            )
        if not np.isfinite(t).all():
            bad = tuple(int(b) for b in np.argwhere(~np.isfinite(t))[0])
            raise InvalidGameError(
                f"transitions[{s}][{_fmt_index(bad)}] is {float(t[bad])!r}; expected a probability"
            )
        if (t < 0).any():
            bad = tuple(int(b) for b in np.argwhere(t < 0)[0])
            raise InvalidGameError(
                f"transitions[{s}][{_fmt_index(bad)}] is {float(t[bad])!r}; expected a probability "
                ">= 0"
            )
        sums = t.sum(axis=-1)
        off = np.abs(sums - 1.0) > TRANSITION_ATOL
        if off.any():
            bad = tuple(int(b) for b in np.argwhere(off)[0])
            raise InvalidGameError(
                f"transitions[{s}][{_fmt_index(bad)}] sums to {float(sums[bad])!r}; expected "
                f"a distribution over the {S} states summing to 1 (within {TRANSITION_ATOL:g})"
            )
        t.flags.writeable = False
        trans.append(t)
    d = _as_float_array("discount", discount)
    if d.ndim == 0:
        d = np.full(n_players, float(d))
    if d.shape != (n_players,):
        raise InvalidGameError(
            f"discount has shape {d.shape}; expected a scalar or ({n_players},) (one per player)"
        )
    for i, x in enumerate(d):
        if not (np.isfinite(x) and 0.0 <= x < 1.0):
            raise InvalidGameError(f"discount[{i}] is {float(x)!r}; expected a number in [0, 1)")
    d.flags.writeable = False
    return pay, trans, d


def check_stationary_profile(
    game: BaseStochasticGame, strategies: Sequence[Sequence[ArrayLike]]
) -> tuple[tuple[NDArray[np.float64], ...], ...]:
    """Validate ``strategies[s][i]`` (one mixed strategy per state and player)."""
    try:
        n = len(strategies)
    except TypeError:
        raise InvalidProfileError(
            f"strategies={strategies!r} is not valid; expected one profile per state"
        ) from None
    if n != game.n_states:
        raise InvalidProfileError(
            f"strategies has {n} state profiles; expected {game.n_states} (one per state)"
        )
    out = []
    for s in range(n):
        try:
            out.append(as_mixed_profile(game.stage(s), strategies[s]))
        except InvalidProfileError as exc:
            raise InvalidProfileError(f"strategies[{s}]: {exc}") from None
    return tuple(out)
