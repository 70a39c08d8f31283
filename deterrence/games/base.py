"""The one seam of the library: the deviation-payoff oracle.

Every game, dense or structured, is a :class:`Game`. A game answers one question
(:meth:`Game.deviation_payoffs`): for each player ``i``, the expected payoff of each of
``i``'s pure actions when every other player ``j`` plays the mixed strategy ``profile[j]``
independently. Regret, best responses, logit/QRE paths and every learning dynamic are built
on that oracle only, so they run unchanged on a 50-organization targeting game that never
builds its 50-dimensional payoff tensor.

Conventions (stated once): players are numbered ``0..n_players-1``; player ``i`` has
``shape[i]`` actions numbered ``0..shape[i]-1``; a *mixed profile* is a sequence of 1-D
arrays, one per player, each non-negative and summing to one within :data:`PROB_ATOL`; a
*pure profile* is a sequence of action indices, one per player.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any, ClassVar, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InvalidProfileError, UnsupportedGameError

__all__ = [
    "PROB_ATOL",
    "Game",
    "PayoffJacobian",
    "SeedLike",
    "as_mixed_profile",
    "as_pure_profile",
    "pure_to_mixed",
    "uniform_profile",
]

#: Absolute tolerance on ``sum(p) == 1`` and ``p >= 0`` for mixed strategies.
PROB_ATOL = 1e-8

#: Largest number of pure profiles for which :meth:`Game.to_normal_form` builds a table.
DEFAULT_MAX_PROFILES = 50_000_000


#: Anything :func:`numpy.random.default_rng` accepts as the ``rng`` keyword: None (fresh
#: entropy), an int seed, a :class:`numpy.random.SeedSequence` or a
#: :class:`numpy.random.Generator` (used as is).
SeedLike: TypeAlias = "int | np.random.SeedSequence | np.random.Generator | None"

#: Optional hooks a subclass may switch back to the generic default by setting them to None
#: in its class body (e.g. to test the generic path of a game with fast overrides).
_RESETTABLE_HOOKS = (
    "pair_payoffs",
    "_pair_payoffs_all",
    "symmetric_payoffs",
    "symmetric_pair_payoffs",
    "payoff_jacobian",
    "_pure_payoff_rows",
)


class Game(abc.ABC):
    """Abstract N-player game in strategic form, defined by its deviation-payoff oracle.

    A subclass implements two things, :attr:`shape` and :meth:`_deviation_payoffs`; every
    other method below has a generic implementation on top of them, which a structured game
    may override for speed. Solvers and dynamics call these methods only (they never probe
    a game for optional attributes), so a user's own subclass runs through every solver.

    Notes
    -----
    The protocol, every method a solver or a dynamic may call:

    ``shape``, ``n_players``, ``n_profiles``, ``player_names``, ``action_names``
        The game's size and labels (only ``shape`` is required).
    :meth:`deviation_payoffs` (contract)
        The oracle, on a validated profile.
    :meth:`_deviation_payoffs` (required hook)
        The same on an already validated profile: what subclasses implement and what
        solvers call in their inner loops (no validation; Newton iterates may leave the
        simplex by rounding errors).
    :meth:`expected_payoffs`
        Each player's expected payoff under a profile.
    :meth:`pair_payoffs`, :meth:`pair_payoffs_all`, :meth:`_pair_payoffs_all`
        The second-order oracle (player ``i``'s payoff for each action pair of ``i`` and
        ``j``, the others mixing): the Jacobian of the oracle. Generic: one oracle call per
        pure action.
    :meth:`symmetric_payoffs`, :meth:`symmetric_pair_payoffs`
        The oracle and second-order oracle of a symmetric game in the one shared strategy
        ``q`` (the symmetric solver's hooks). Generic: through the oracle.
    :meth:`is_symmetric`
        True, False, or None for "unknown" (the default: a generic game is never turned
        into a table just to check). A game may instead declare ``symmetric = True`` as a
        class attribute, which the default returns.
    :meth:`payoff_scale`
        The range of the payoffs, by which path-following solvers normalise.
    :meth:`payoff_jacobian`
        The deviation payoffs and their Jacobian as one function of a concatenated profile
        vector (a :class:`PayoffJacobian`), what path-following solvers evaluate; a dense
        game returns one batched tensor product.
    :meth:`pure_payoff_rows`, :meth:`_pure_payoff_rows`
        One player's payoff row (its payoff at each of its actions) against each of a batch
        of pure profiles: what best-response dynamics read at every revision. Generic: one
        oracle call per profile; a structured game evaluates the deviation profiles
        directly.
    :meth:`dense_payoffs`
        The payoff array when the game already holds one (None by default; never builds a
        table), so dynamics can read rows straight from it.
    :meth:`to_normal_form`
        The dense table, for algorithms that need it (refused above a size limit).

    Setting an optional hook (``pair_payoffs``, ``_pair_payoffs_all``,
    ``symmetric_payoffs``, ``symmetric_pair_payoffs``, ``payoff_jacobian``,
    ``_pure_payoff_rows``) to ``None`` in a subclass body restores the generic default.

    Examples
    --------
    A game of your own, written as nothing but ``shape`` and ``_deviation_payoffs``: ``N``
    players each choose a level ``0..k-1`` and earn it, minus a penalty ``L`` split among
    the players at the top level. Player ``i`` at level ``a`` is at the top when every other
    player is at or below ``a``; summing over which of them tie at ``a`` (probability
    ``p_j[a]``) and which are below (``P(j < a)``) gives the expected share of ``L``. Every
    solver and dynamic then runs on it; here it is checked against its dense table.

    >>> import itertools, numpy as np, deterrence as dt
    >>> class TopPenalty(dt.Game):
    ...     def __init__(self, n_players, k, penalty):
    ...         self._shape, self.penalty = (k,) * n_players, float(penalty)
    ...     @property
    ...     def shape(self):
    ...         return self._shape
    ...     def _deviation_payoffs(self, profile):
    ...         out = []
    ...         for i in range(self.n_players):
    ...             others = [p for j, p in enumerate(profile) if j != i]
    ...             share = np.zeros(self.shape[i])
    ...             for ties in itertools.product([0, 1], repeat=len(others)):
    ...                 # each other player is tied with i (1) or below i (0)
    ...                 w = np.ones(self.shape[i])
    ...                 for t, p in zip(ties, others):
    ...                     below = np.concatenate([[0.0], np.cumsum(p)[:-1]])
    ...                     w = w * (p if t else below)
    ...                 share += w / (1 + sum(ties))
    ...             out.append(np.arange(self.shape[i]) - self.penalty * share)
    ...         return out
    >>> g = TopPenalty(3, 3, penalty=4.0)
    >>> dense = dt.NormalFormGame.from_function(
    ...     g.shape, lambda a: [a[i] - 4.0 * (a[i] == max(a)) / a.count(max(a))
    ...                         for i in range(3)])
    >>> prof = [[0.2, 0.3, 0.5]] * 3
    >>> bool(np.allclose(g.deviation_payoffs(prof), dense.deviation_payoffs(prof)))
    True
    >>> res = dt.solve(g, method="logit")
    >>> res.converged, bool(dt.regret(dense, res[0].strategies) < 1e-9)
    (True, True)
    """

    #: A subclass may declare its symmetry with ``symmetric = True`` (or False) instead of
    #: overriding :meth:`is_symmetric`; None means "not declared".
    symmetric: ClassVar[bool | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _RESETTABLE_HOOKS:
            if name in cls.__dict__ and cls.__dict__[name] is None:
                setattr(cls, name, Game.__dict__[name])

    # ------------------------------------------------------------------ required
    @property
    @abc.abstractmethod
    def shape(self) -> tuple[int, ...]:
        """Number of actions of each player, ``(n_1, ..., n_N)``."""

    @abc.abstractmethod
    def _deviation_payoffs(self, profile: tuple[NDArray[np.float64], ...]) -> list[NDArray]:
        """The oracle on an already validated mixed profile (subclasses implement this).

        ``profile`` is a tuple of 1-D float arrays, one per player; return one array per
        player, ``out[i][a]`` = player ``i``'s expected payoff from action ``a`` when every
        other player ``j`` plays ``profile[j]``. Solvers call it without validation, with
        strategies that may miss the simplex by rounding errors.
        """

    # ------------------------------------------------------------------ derived
    @property
    def n_players(self) -> int:
        """Number of players."""
        return len(self.shape)

    @property
    def n_profiles(self) -> int:
        """Number of pure profiles, ``prod(shape)``: a Python int, it can be astronomical."""
        return int(np.prod([int(n) for n in self.shape], dtype=object))

    @property
    def player_names(self) -> tuple[str, ...]:
        """Player labels (default ``"1"``, ``"2"``, ...)."""
        return tuple(str(i + 1) for i in range(self.n_players))

    @property
    def action_names(self) -> tuple[tuple[str, ...], ...]:
        """Action labels of each player (default ``"1"``, ``"2"``, ...)."""
        return tuple(tuple(str(a + 1) for a in range(n)) for n in self.shape)

    def deviation_payoffs(self, profile: Sequence[ArrayLike]) -> list[NDArray[np.float64]]:
        """Expected payoff of each pure action of each player against the others' mixtures.

        Parameters
        ----------
        profile
            One mixed strategy (1-D, non-negative, summing to one) per player.

        Returns
        -------
        list of ndarray
            ``out[i][a]`` is player ``i``'s expected payoff from action ``a`` when every
            other player ``j`` plays ``profile[j]`` independently.

        Examples
        --------
        >>> import deterrence as dt
        >>> pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
        >>> [d.tolist() for d in pd.deviation_payoffs([[1, 0], [0.5, 0.5]])]
        [[1.5, 3.0], [3.0, 5.0]]
        """
        return self._deviation_payoffs(as_mixed_profile(self, profile))

    def expected_payoffs(self, profile: Sequence[ArrayLike]) -> NDArray[np.float64]:
        """Each player's expected payoff under the mixed profile, shape ``(n_players,)``."""
        p = as_mixed_profile(self, profile)
        dev = self._deviation_payoffs(p)
        return np.array([float(d @ q) for d, q in zip(dev, p, strict=True)])

    # ------------------------------------------------------------- second order
    def pair_payoffs(self, profile: Sequence[ArrayLike], i: int, j: int) -> NDArray[np.float64]:
        """Second-order oracle: player ``i``'s payoff for each action pair of ``i`` and ``j``.

        ``out[a, b]`` is player ``i``'s expected payoff when ``i`` plays ``a``, ``j`` plays
        ``b`` and every other player ``k`` plays ``profile[k]``. The generic version makes
        ``shape[j]`` oracle calls; dense and structured games override it.
        """
        i, j = self._check_pair(i, j)
        p = list(as_mixed_profile(self, profile))
        cols = []
        for b in range(self.shape[j]):
            pb = np.zeros(self.shape[j])
            pb[b] = 1.0
            p[j] = pb
            cols.append(self._deviation_payoffs(tuple(p))[i])
        return np.stack(cols, axis=1)

    def _check_pair(self, i: Any, j: Any) -> tuple[int, int]:
        """Two different player indices for the pair oracle, else an InvalidProfileError."""
        n = self.n_players
        for name, v in (("i", i), ("j", j)):
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 0 <= v < n:
                raise InvalidProfileError(
                    f"pair_payoffs: {name}={v!r} is not a player; expected an integer in "
                    f"[0, {n - 1}]"
                )
        if i == j:
            raise InvalidProfileError(f"pair_payoffs needs two different players, got i=j={i}")
        return int(i), int(j)

    def pair_payoffs_all(self, profile: Sequence[ArrayLike]) -> list[list[NDArray | None]]:
        """Every second-order matrix at once: ``out[i][j]`` is ``pair_payoffs(profile, i, j)``
        for ``i != j`` and ``out[i][i]`` is ``None`` (the Jacobian of the oracle).

        The generic version makes ``sum(shape)`` oracle calls (one per pure action of each
        player, which answers for every other player at once); dense games contract the
        table once per pair. Structured games with a faster second-order oracle override
        :meth:`_pair_payoffs_all`, which solvers call without validation (Newton iterates
        may leave the simplex slightly).
        """
        return self._pair_payoffs_all(as_mixed_profile(self, profile))

    def _pair_payoffs_all(
        self, profile: tuple[NDArray[np.float64], ...]
    ) -> list[list[NDArray | None]]:
        """:meth:`pair_payoffs_all` without validation (subclasses may override)."""
        n = self.n_players
        out: list[list[NDArray | None]] = [[None] * n for _ in range(n)]
        p = list(profile)
        for j in range(n):
            saved = p[j]
            cols = []
            for b in range(self.shape[j]):
                pb = np.zeros(self.shape[j])
                pb[b] = 1.0
                p[j] = pb
                cols.append(self._deviation_payoffs(tuple(p)))
            p[j] = saved
            for i in range(n):
                if i != j:
                    out[i][j] = np.stack([c[i] for c in cols], axis=1)
        return out

    # ---------------------------------------------------------------- symmetric
    def _shared_size(self) -> int:
        shape = self.shape
        if len(set(shape)) != 1:
            raise UnsupportedGameError(
                f"symmetric payoffs need every player to have the same number of actions; "
                f"this {type(self).__name__} has shape {shape}"
            )
        return int(shape[0])

    def symmetric_payoffs(self, q: ArrayLike) -> NDArray[np.float64]:
        """``w(q)``: player 0's payoff of each action when every other player plays ``q``.

        The symmetric solver's first-order hook, called without validation (``q`` may miss
        the simplex by rounding errors). Generic: one oracle call,
        ``_deviation_payoffs((q,) * N)[0]``; a structured game may override it with a
        closed form (a polynomial in ``q``, as the true payoffs are).

        Examples
        --------
        >>> import deterrence as dt
        >>> pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
        >>> pd.symmetric_payoffs([0.5, 0.5]).tolist()
        [1.5, 3.0]
        """
        self._shared_size()
        q = np.asarray(q, dtype=float)
        return np.asarray(self._deviation_payoffs((q,) * self.n_players)[0], dtype=float)

    def symmetric_pair_payoffs(self, q: ArrayLike) -> NDArray[np.float64]:
        """``pair(q)[a, b]``: player 0's payoff from ``a`` when player 1 plays ``b`` and every
        other player plays ``q`` (the symmetric solver's second-order hook).

        Called without validation. Generic: one oracle call per action (zeros for a
        one-player game); a dense game contracts its table.

        Examples
        --------
        >>> import deterrence as dt
        >>> pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
        >>> pd.symmetric_pair_payoffs([0.5, 0.5]).tolist()
        [[3.0, 0.0], [5.0, 1.0]]
        """
        n = self._shared_size()
        N = self.n_players
        if N < 2:
            return np.zeros((n, n))
        q = np.asarray(q, dtype=float)
        cols = []
        for b in range(n):
            e = np.zeros(n)
            e[b] = 1.0
            prof = (q, e) + (q,) * (N - 2)
            cols.append(np.asarray(self._deviation_payoffs(prof)[0], dtype=float))
        return np.stack(cols, axis=1)

    def is_symmetric(self, *, tol: float = 0.0) -> bool | None:
        """True if every player has the same actions and payoffs are invariant under any
        permutation of the players; False if not; None if the game cannot tell.

        The default returns the class attribute :attr:`symmetric` (None unless a subclass
        declares it): a generic game's table is never built just to check. A dense game
        checks its table within ``tol``; structured games override it (e.g. True when
        every organization has the same parameters).
        """
        return self.symmetric

    # ------------------------------------------------------- path-following solvers
    def payoff_scale(self, *, symmetric: bool = False) -> float:
        """The payoff range by which path-following solvers normalise (always > 0).

        Generic: the range of the deviation payoffs at the centroid (one oracle call), or
        with ``symmetric=True`` the range of :meth:`symmetric_payoffs` at the uniform
        strategy (one call of that hook: what the symmetric solver uses, so that a
        closed-form hook spares the N-player oracle). A dense game uses the range of its
        table either way. 1.0 when that range is zero or not finite.

        Examples
        --------
        >>> import deterrence as dt
        >>> dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]]).payoff_scale()
        5.0
        """
        if symmetric:
            n = self._shared_size()
            dev: Sequence[ArrayLike] = [self.symmetric_payoffs(np.full(n, 1.0 / n))]
        else:
            dev = self._deviation_payoffs(uniform_profile(self))
        s = float(np.ptp(np.concatenate([np.asarray(d, dtype=float) for d in dev])))
        return s if np.isfinite(s) and s > 0 else 1.0

    def payoff_jacobian(self, *, scale: float = 1.0) -> PayoffJacobian:
        """The deviation payoffs and their Jacobian as one function of a concatenated profile.

        Path-following solvers (:func:`~deterrence.solve_logit`, the polish of
        :func:`~deterrence.solve_symmetric`) evaluate this object only. The generic
        :class:`PayoffJacobian` builds the Jacobian from :meth:`_pair_payoffs_all`; a dense
        :class:`~deterrence.NormalFormGame` of moderate size returns one that lays out its
        table once and answers with one batched matrix product.

        Parameters
        ----------
        scale
            Payoffs (and the Jacobian) are divided by it (see :meth:`payoff_scale`).

        Examples
        --------
        ``u`` is ``(u_0, u_1)`` concatenated and ``J[0:2, 2:4]`` is player 0's payoff
        matrix (the derivative of its deviation payoffs in player 1's strategy).

        >>> import numpy as np, deterrence as dt
        >>> pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
        >>> u, J = pd.payoff_jacobian().payoffs_jacobian(np.array([1.0, 0.0, 0.5, 0.5]))
        >>> u.tolist(), J[0:2, 2:4].tolist()
        ([1.5, 3.0, 3.0, 5.0], [[3.0, 0.0], [5.0, 1.0]])
        """
        return PayoffJacobian(self, scale)

    # ------------------------------------------------------------------ pure profiles
    def pure_payoff_rows(self, i: int, profiles: ArrayLike) -> NDArray[np.float64]:
        """Player ``i``'s payoff at each of its actions against each given pure profile.

        Parameters
        ----------
        i
            The player.
        profiles
            Action indices, shape ``(m, n_players)`` (or one profile, ``(n_players,)``);
            entry ``i`` of each row is ignored.

        Returns
        -------
        ndarray
            Shape ``(m, shape[i])``: ``out[s, b]`` is ``i``'s payoff when it plays ``b`` and
            every other player ``j`` plays ``profiles[s, j]``.

        Notes
        -----
        The validated front of :meth:`_pure_payoff_rows`, the hook best-response dynamics
        call at every revision (through
        :class:`~deterrence.dynamics._engine.OracleRows`). The generic hook makes one oracle
        call per profile (the one-hot mixed profile) and keeps row ``i``; a structured game
        overrides it with its exact pure-profile formulas, batched.

        Examples
        --------
        >>> import deterrence as dt
        >>> pd = dt.NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
        >>> pd.pure_payoff_rows(0, [[0, 0], [1, 1]]).tolist()
        [[3.0, 5.0], [0.0, 1.0]]
        """
        n = self.n_players
        if isinstance(i, bool) or not isinstance(i, int | np.integer) or not 0 <= i < n:
            raise InvalidProfileError(
                f"pure_payoff_rows: i={i!r} is not a player; expected an integer in [0, {n - 1}]"
            )
        arr = np.asarray(profiles)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] != n or (arr.size and arr.dtype.kind not in "iu"):
            raise InvalidProfileError(
                f"profiles has shape {np.shape(profiles)} and dtype {arr.dtype}; expected "
                f"integer action indices of shape (m, {n})"
            )
        idx = arr.astype(np.int64)
        bad = (idx < 0) | (idx >= np.asarray(self.shape, dtype=np.int64))
        if np.any(bad):
            r, c = (int(x[0]) for x in np.nonzero(bad))
            raise InvalidProfileError(
                f"profiles[{r}, {c}]={int(idx[r, c])} is out of range; expected an action "
                f"index in 0..{self.shape[c] - 1}"
            )
        return self._pure_payoff_rows(int(i), idx)

    def _pure_payoff_rows(self, i: int, profiles: NDArray[np.int64]) -> NDArray[np.float64]:
        """:meth:`pure_payoff_rows` on validated input: ``profiles`` an ``(m, n_players)``
        int array of valid actions (subclasses may override; dynamics call this).

        Generic: the oracle at each profile as one-hot mixed strategies, row ``i``.
        """
        shape = self.shape
        out = np.empty((len(profiles), shape[i]))
        eyes = [np.eye(k) for k in shape]
        for s, prof in enumerate(profiles.tolist()):
            mixed = tuple(eyes[j][a] for j, a in enumerate(prof))
            out[s] = np.asarray(self._deviation_payoffs(mixed)[i], dtype=float)
        return out

    # ------------------------------------------------------------------ pure enumeration
    def monotone_form(self) -> Any | None:
        """Opt-in hook of the structured pure enumeration (``dt.solve(game, "pure")``).

        Return None (the default: the pure enumeration builds the table), raise
        :class:`~deterrence.errors.UnsupportedGameError` naming why this instance has no
        form, or return a :class:`~deterrence.solvers.pure.MonotoneForm`: a partition of
        the players into groups and, for each player, its payoff split into a part
        non-increasing and a part non-decreasing in the action index of every player
        outside its group, with exact payoffs at pure profiles. ``method="pure"`` then
        enumerates every pure equilibrium by branch and prune on those bounds, without the
        table (exact and complete: see :mod:`deterrence.solvers._pure_structured`). The
        targeting game overrides it.
        """
        return None

    # ------------------------------------------------------------------ tables
    def dense_payoffs(self) -> NDArray[np.float64] | None:
        """The payoff array ``(n_players, *shape)`` if the game already holds one, else None.

        Never builds a table (that is :meth:`to_normal_form`): dynamics use it to read
        payoff rows straight from a dense game.
        """
        return None

    def to_normal_form(self, *, max_profiles: int = DEFAULT_MAX_PROFILES) -> Any:
        """The dense :class:`~deterrence.NormalFormGame` of this game (refused when too large)."""
        raise NotImplementedError(f"{type(self).__name__} does not provide a dense table")


# ---------------------------------------------------------------------- profiles
def as_mixed_profile(
    game: Game, profile: Sequence[ArrayLike], *, atol: float = PROB_ATOL
) -> tuple[NDArray[np.float64], ...]:
    """Validate a mixed profile and return it as a tuple of float arrays.

    Raises
    ------
    InvalidProfileError
        If there is not one strategy per player, a strategy has the wrong length, a NaN or
        a negative entry, or does not sum to one within ``atol``.
    """
    shape = game.shape
    if isinstance(profile, np.ndarray) and profile.dtype != object and profile.ndim == 2:
        profile = list(profile)
    try:
        n = len(profile)
    except TypeError:
        raise InvalidProfileError(
            f"profile={profile!r} is not valid; expected a sequence of {len(shape)} mixed "
            "strategies (one 1-D array per player)"
        ) from None
    if n != len(shape):
        raise InvalidProfileError(
            f"profile has {n} strategies; expected {len(shape)} (one per player)"
        )
    out = []
    for i, (s, k) in enumerate(zip(profile, shape, strict=True)):
        try:
            p = np.asarray(s, dtype=float)
        except (TypeError, ValueError):
            raise InvalidProfileError(
                f"profile[{i}]={s!r} is not valid; expected a 1-D array of {k} probabilities"
            ) from None
        if p.ndim != 1 or p.shape[0] != k:
            raise InvalidProfileError(
                f"profile[{i}] has shape {p.shape}; expected ({k},) for player {i}'s {k} actions"
            )
        if not np.all(np.isfinite(p)):
            raise InvalidProfileError(f"profile[{i}]={p.tolist()} contains NaN or inf")
        if np.any(p < -atol):
            raise InvalidProfileError(
                f"profile[{i}] has a negative probability {float(p.min())!r}; expected >= 0"
            )
        total = p.sum()
        if abs(total - 1.0) > atol:
            raise InvalidProfileError(
                f"profile[{i}] sums to {float(total)!r}; expected 1 (within {atol:g})"
            )
        out.append(p)
    return tuple(out)


def as_pure_profile(game: Game, profile: Sequence[int]) -> tuple[int, ...]:
    """Validate a pure profile (one action index per player) and return it as a tuple."""
    shape = game.shape
    try:
        actions = tuple(profile)
    except TypeError:
        raise InvalidProfileError(
            f"pure profile={profile!r} is not valid; expected {len(shape)} action indices"
        ) from None
    if len(actions) != len(shape):
        raise InvalidProfileError(
            f"pure profile has {len(actions)} actions; expected {len(shape)} (one per player)"
        )
    for i, (a, k) in enumerate(zip(actions, shape, strict=True)):
        if isinstance(a, bool) or not isinstance(a, int | np.integer) or not 0 <= a < k:
            raise InvalidProfileError(
                f"pure profile[{i}]={a!r} is not valid; expected an integer in [0, {k - 1}]"
            )
    return tuple(int(a) for a in actions)


def pure_to_mixed(game: Game, actions: Sequence[int]) -> tuple[NDArray[np.float64], ...]:
    """The mixed profile that puts probability one on each player's given action."""
    actions = as_pure_profile(game, actions)
    out = []
    for a, k in zip(actions, game.shape, strict=True):
        p = np.zeros(k)
        p[a] = 1.0
        out.append(p)
    return tuple(out)


def uniform_profile(game: Game) -> tuple[NDArray[np.float64], ...]:
    """Every player mixes uniformly over its actions (the centroid)."""
    return tuple(np.full(k, 1.0 / k) for k in game.shape)


# ---------------------------------------------------------------------- evaluator
class PayoffJacobian:
    """A game as path-following solvers see it (from :meth:`Game.payoff_jacobian`).

    A profile is one concatenated vector ``p`` of length ``K = sum(sizes)``, block ``i``
    holding player ``i``'s strategy; :meth:`payoffs` gives the deviation payoffs ``u``
    (concatenated the same way) divided by ``scale``, and :meth:`payoffs_jacobian` them
    with their Jacobian ``J[(i,a), (j,b)] = d u_ia / d p_jb``.

    The generic evaluator calls the oracles only on the simplex: a point ``p`` off it (a Newton
    iterate) is mapped to ``p / sum(p)`` block by block, and the Jacobian follows that map
    by the chain rule. A structured oracle need not be multilinear off the simplex, and
    Newton's method still sees a consistent function and derivative.

    Subclasses override :meth:`_raw` (payoffs and Jacobian on the simplex) or the public
    methods themselves (a dense game's payoffs are multilinear, so its evaluator needs no
    normalisation: see :class:`~deterrence.NormalFormGame`).

    Attributes
    ----------
    game, scale
        The game and the payoff scale.
    sizes, offsets, K, slices, block_of
        Block sizes (default: ``game.shape``), the offset and slice of each block in
        ``p``, the total length and the block of each entry.
    """

    def __init__(self, game: Game, scale: float = 1.0, sizes: Sequence[int] | None = None) -> None:
        self.game = game
        self.scale = scale
        self.sizes = tuple(int(n) for n in (game.shape if sizes is None else sizes))
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.intp)
        self.K = int(sum(self.sizes))
        self.slices = [slice(o, o + n) for o, n in zip(self.offsets, self.sizes, strict=True)]
        self.block_of = np.repeat(np.arange(len(self.sizes)), self.sizes)

    def blocks(self, p: NDArray) -> tuple[NDArray, ...]:
        """``p`` split into its blocks (views)."""
        return tuple([p[s] for s in self.slices])

    def game_profile(self, p: NDArray) -> tuple[NDArray, ...]:
        """The game's mixed profile (one strategy per player) at ``p``."""
        return self.blocks(p)

    def _normalize(self, p: NDArray) -> tuple[NDArray, NDArray]:
        s = np.add.reduceat(p, self.offsets)
        # a Newton iterate may zero a whole block: its NaNs make the caller reject the step
        with np.errstate(divide="ignore", invalid="ignore"):
            return p / s[self.block_of], s

    def payoffs(self, p: NDArray) -> NDArray:
        """Deviation payoffs at ``p`` (normalised block by block), divided by the scale."""
        return self._raw_payoffs(self._normalize(p)[0])

    def payoffs_ext(self, p: NDArray) -> NDArray:
        """The payoffs whose derivative :meth:`payoffs_jacobian` gives (equal to
        :meth:`payoffs`; the dense system extends them multilinearly off the simplex)."""
        return self.payoffs(p)

    def payoffs_jacobian(self, p: NDArray) -> tuple[NDArray, NDArray]:
        """``(u, J)``: :meth:`payoffs_ext` at ``p`` and its Jacobian."""
        ph, s = self._normalize(p)
        u, J = self._raw(ph)
        # chain rule through p -> p / sum(p): d/dp_j = (J_j - (J_j @ ph_j) 1^T) / s_j
        radial = np.add.reduceat(J * ph, self.offsets, axis=1)
        return u, (J - radial[:, self.block_of]) / s[self.block_of]

    def _raw_payoffs(self, p: NDArray) -> NDArray:
        dev = self.game._deviation_payoffs(self.blocks(p))
        return np.concatenate([np.asarray(d, dtype=float) for d in dev]) / self.scale

    def _raw(self, p: NDArray) -> tuple[NDArray, NDArray]:
        """Payoffs and Jacobian on the simplex, from the second-order oracle."""
        n = len(self.sizes)
        K = self.K
        J = np.zeros((K, K))
        if n == 1:
            return self._raw_payoffs(p), J
        blocks = self.blocks(p)
        pairs = self.game._pair_payoffs_all(blocks)
        u = np.empty(K)
        for i in range(n):
            oi, ni = self.offsets[i], self.sizes[i]
            for j in range(n):
                if i != j:
                    oj, nj = self.offsets[j], self.sizes[j]
                    J[oi : oi + ni, oj : oj + nj] = pairs[i][j]
            j = 1 if i == 0 else 0
            u[oi : oi + ni] = pairs[i][j] @ blocks[j]
        J /= self.scale
        u /= self.scale
        return u, J
