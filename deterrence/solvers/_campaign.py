"""Backward induction over a campaign's survivor lattice (the solver behind
:func:`deterrence.solve_campaign` and :func:`deterrence.solve_stochastic`'s campaign path).

Kept apart from :mod:`deterrence.analysis.campaign` (the public, validating entry point and
the simulation) so that :meth:`deterrence.Campaign._solve_structured` can reach the solver
without an import cycle: this module never imports :mod:`deterrence.model.campaign` at run
time. See :func:`deterrence.solve_campaign` for the method.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..games.base import PayoffJacobian
from .stochastic import StochasticResult, _certified, _homotopy, _state_values

if TYPE_CHECKING:
    from ..model.campaign import Campaign

__all__ = ["backward_induction"]


# ----------------------------------------------------------------------------- solver
#: Largest table (pure profiles times survivors) for which a state's agent system is
#: built densely (:class:`_AgentState`).
AGENT_DENSE_LIMIT = 2_000_000
#: Relative step of the central differences in the symmetric state system's Jacobian.
_FD_STEP = 1e-6


class _SymmetricState(PayoffJacobian):
    """One campaign state whose survivors are interchangeable, in one shared strategy.

    With every survivor playing ``q``, survivor 0's deviation value of level ``a`` is
    (see :func:`_symmetric_coefficients` for ``c`` and ``y``)::

        Q(a; q) = A(a; q) + V(q) B(a; q),
        A(a) = u(a) + Do(a) c_own + Dx(a) c_oth + (1 - Do(a) - Dx(a)) c_stay,
        B(a) = Do(a) y_own + Dx(a) y_oth + (1 - Do(a) - Dx(a)) y_stay,
        V(q) = q @ A / (1 - q @ B)    (the state's own value: the self-loop),

    with ``u`` the stage payoff, ``Do(a)`` the probability that survivor 0 is designated
    and ``Dx(a)`` that somebody else is, given its level ``a`` and the others at ``q``.
    ``u`` and ``Do`` are the targeting game's symmetric closed forms
    (``symmetric_payoffs``, exact Jacobian ``(n - 1) * symmetric_pair_payoffs``); by
    symmetry ``Dx(a) = (n - 1) sum_b q_b P(0 designated | 0 at b, 1 at a) = (n - 1) (q @
    pair_D)[a]``, one more closed form, differentiated by central differences (its
    derivative needs the third-order oracle). ``V`` is differentiated exactly (quotient
    rule). The symmetric logit tracer of :mod:`deterrence.solvers.symmetric` follows this
    ``K``-dimensional system whatever the number of survivors.
    """

    def __init__(self, sub: Any, des: Any, n: int, coef: NDArray, scale: float) -> None:
        super().__init__(sub, scale, sizes=(int(sub.shape[0]),))
        self.sub, self.des, self.n = sub, des, n
        self.c = coef[:3]
        self.y = coef[3:]
        self.calls = 0

    def _dx(self, q: NDArray) -> NDArray:
        return -(self.n - 1) * (q @ np.asarray(self.des.symmetric_pair_payoffs(q), dtype=float))

    def parts(self, q: NDArray) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """``(u, Do, Dx, pair_u)`` at ``q``."""
        self.calls += 1
        u = np.asarray(self.sub.symmetric_payoffs(q), dtype=float)
        do = -np.asarray(self.des.symmetric_payoffs(q), dtype=float)
        return u, do, self._dx(q), np.asarray(self.sub.symmetric_pair_payoffs(q), dtype=float)

    def values(self, q: NDArray) -> tuple[NDArray, float]:
        """``(Q(.; q), V(q))``, unscaled."""
        u, do, dx, _ = self.parts(q)
        return self._combine(q, u, do, dx)[:2]

    def _combine(
        self, q: NDArray, u: NDArray, do: NDArray, dx: NDArray
    ) -> tuple[NDArray, float, NDArray, NDArray, float]:
        c, y = self.c, self.y
        rest = 1.0 - do - dx
        A = u + do * c[0] + dx * c[1] + rest * c[2]
        B = do * y[0] + dx * y[1] + rest * y[2]
        den = 1.0 - float(q @ B)
        V = float(q @ A) / den
        return A + V * B, V, A, B, den

    def _raw_payoffs(self, q: NDArray) -> NDArray:
        return self.values(q)[0] / self.scale

    def _raw(self, q: NDArray) -> tuple[NDArray, NDArray]:
        u, do, dx, pu = self.parts(q)
        Q, V, A, B, den = self._combine(q, u, do, dx)
        m = self.n - 1
        K = q.size
        dU = m * pu
        dDo = -m * np.asarray(self.des.symmetric_pair_payoffs(q), dtype=float)
        dDx = np.empty((K, K))
        h = _FD_STEP
        for b in range(K):
            e = np.zeros(K)
            e[b] = h
            dDx[:, b] = (self._dx(q + e) - self._dx(q - e)) / (2 * h)
        c, y = self.c, self.y
        dA = dU + (c[0] - c[2]) * dDo + (c[1] - c[2]) * dDx
        dB = (y[0] - y[2]) * dDo + (y[1] - y[2]) * dDx
        dV = (A + q @ dA + V * (B + q @ dB)) / den
        J = dA + V * dB + np.outer(B, dV)
        return Q / self.scale, J / self.scale


class _SymmetricSetState(PayoffJacobian):
    """:class:`_SymmetricState` for a state designating up to ``k`` survivors a round
    (``dt.TopK``, ties split). By symmetry a survivor's continuation depends on the
    designated set only through its class: whether the survivor is in it, and its size
    (``coef``: a coefficient per class, :func:`_symmetric_coefficients`)::

        A(a) = u(a) + sum_(o, m) P(a; o, m) c_(o, m),   B(a) = sum_(o, m) P(a; o, m) y_(o, m),
        Q(a; q) = A(a) + V(q) B(a),   V(q) = q @ A / (1 - q @ B),

    with ``P`` from :func:`~deterrence.model._designation_law.symmetric_set_classes`
    (differentiated by central differences) and ``u`` the targeting game's symmetric
    closed forms (exact Jacobian)."""

    def __init__(self, sub: Any, n: int, k: int, coef: NDArray, scale: float) -> None:
        from ..model.kernels import kernel_for

        super().__init__(sub, scale, sizes=(int(sub.shape[0]),))
        self.sub, self.n, self.k = sub, n, k
        half = coef.size // 2
        self.c = coef[:half].reshape(2, k + 1)
        self.y = coef[half:].reshape(2, k + 1)
        spec = kernel_for(sub.model.rule).spec(sub)
        self._x = np.asarray(sub._z[0], dtype=float) * float(sub._diag[0])
        self._floor, self._tol = spec.floor, spec.tol
        self.calls = 0

    def _classes(self, q: NDArray) -> NDArray:
        from ..model._designation_law import symmetric_set_classes

        return symmetric_set_classes(self._x, q, self.n, self.k, self._floor, self._tol)

    def _combine(self, q: NDArray, u: NDArray, P: NDArray):
        A = u + np.einsum("aom,om->a", P, self.c)
        B = np.einsum("aom,om->a", P, self.y)
        den = 1.0 - float(q @ B)
        V = float(q @ A) / den
        return A + V * B, V, A, B, den

    def values(self, q: NDArray) -> tuple[NDArray, float]:
        """``(Q(.; q), V(q))``, unscaled."""
        self.calls += 1
        u = np.asarray(self.sub.symmetric_payoffs(q), dtype=float)
        return self._combine(q, u, self._classes(q))[:2]

    def _raw_payoffs(self, q: NDArray) -> NDArray:
        return self.values(q)[0] / self.scale

    def _raw(self, q: NDArray) -> tuple[NDArray, NDArray]:
        self.calls += 1
        u = np.asarray(self.sub.symmetric_payoffs(q), dtype=float)
        P = self._classes(q)
        Q, V, A, B, den = self._combine(q, u, P)
        K = q.size
        dU = (self.n - 1) * np.asarray(self.sub.symmetric_pair_payoffs(q), dtype=float)
        dA = dU.copy()
        dB = np.zeros((K, K))
        h = _FD_STEP
        for b in range(K):
            e = np.zeros(K)
            e[b] = h
            dP = (self._classes(q + e) - self._classes(q - e)) / (2 * h)
            dA[:, b] += np.einsum("aom,om->a", dP, self.c)
            dB[:, b] = np.einsum("aom,om->a", dP, self.y)
        dV = (A + q @ dA + V * (B + q @ dB)) / den
        J = dA + V * dB + np.outer(B, dV)
        return Q / self.scale, J / self.scale


def _symmetric_coefficients(
    camp: Campaign, s: int, V: NDArray, tol: float
) -> tuple[tuple[int, ...], NDArray] | None:
    """``(active, [c_own, c_oth, c_stay, y_own, y_oth, y_stay])`` when the survivors of
    state ``s`` are interchangeable (a symmetric stage game, equal discounts, and the same
    continuation for every survivor), else None.

    For survivor ``i`` and the law ``T_k`` of the next state when survivor ``k`` is
    designated (``stay`` when nobody is): ``c = d_i sum_{t != s} T_k(t) V_i(t)`` plus the
    discounted vacuum rent, and ``y = d_i T_k(s)`` (the self-loop); ``own`` is ``k = i``,
    ``oth`` any ``k != i``; each must be the same for every survivor (within ``tol``)."""
    stage = camp.stage(s)
    sub = stage.sub
    active = stage.active
    n = len(active)
    if stage.scorer is not None:  # groups under pressure: the survivors are not alike
        return None
    if n < 2 or not sub.is_symmetric() or sub._symmetric_forms is None:
        return None
    T, stay, dependent = camp._outcomes(s)
    d = camp.discount[list(active)]
    if np.ptp(d) > 0:
        return None
    V0 = V.copy()
    V0[s] = 0.0
    if stage.sets is not None:
        return _symmetric_set_coefficients(camp, s, V0, T, stay, d, tol)
    own, oth, st_c, y_own, y_oth = [], [], [], [], []
    bonus = stage.bonus
    for k, i in enumerate(active):
        st_c.append(d[k] * float(stay @ V0[:, i]))
        if bonus is not None and not bonus[0]:
            st_c[-1] += float(bonus[1][i])
        if not dependent:
            continue
        for kk in range(n):
            c = d[k] * float(T[kk] @ V0[:, i])
            if bonus is not None and bonus[0]:
                c += float(bonus[1][kk, i])
            (own if kk == k else oth).append(c)
            (y_own if kk == k else y_oth).append(d[k] * float(T[kk, s]))
    groups = [st_c, own, oth, y_own, y_oth]
    if any(g and np.ptp(g) > tol for g in groups):
        return None
    y_stay = float(d[0] * stay[s])
    if not dependent:
        coef = [st_c[0], st_c[0], st_c[0], y_stay, y_stay, y_stay]
    else:
        coef = [own[0], oth[0], st_c[0], y_own[0], y_oth[0], y_stay]
    return active, np.array(coef)


def _symmetric_set_coefficients(
    camp: Campaign, s: int, V0: NDArray, T: NDArray, stay: NDArray, d: NDArray, tol: float
) -> tuple[tuple[int, ...], NDArray] | None:
    """:func:`_symmetric_coefficients` of a state designating several a round: a
    coefficient per class ``(o, m)`` of designated sets (``o``: the survivor is in it,
    ``m`` its size; ``(0, 0)``: nobody designated), each the same for every survivor and
    every set of the class, laid out as ``c`` then ``y``, each ``(2, k + 1)`` (the layout of
    :class:`_SymmetricSetState`); None if they differ, or the scores are not independent
    (misattribution) or the ties are not split."""
    stage = camp.stage(s)
    sub = stage.sub
    if getattr(sub, "_diag", None) is None or getattr(sub.model.rule, "ties", "") != "split":
        return None
    active = stage.active
    sets = stage.sets
    k = stage.capacity
    bonus = stage.bonus
    groups: dict[tuple[str, int, int], list[float]] = {}
    for kk, i in enumerate(active):
        groups.setdefault(("c", 0, 0), []).append(d[kk] * float(stay @ V0[:, i]))
        groups.setdefault(("y", 0, 0), []).append(d[kk] * float(stay[s]))
        for o, c in enumerate(sets):
            key = (int(kk in c), len(c))
            val = d[kk] * float(T[o] @ V0[:, i])
            if bonus is not None and bonus[0]:
                val += float(bonus[1][o, i])
            groups.setdefault(("c", *key), []).append(val)
            groups.setdefault(("y", *key), []).append(d[kk] * float(T[o, s]))
    if any(np.ptp(g) > tol for g in groups.values()):
        return None
    coef = np.zeros((2, 2, k + 1))
    for (which, o, m), g in groups.items():
        coef[0 if which == "c" else 1, o, m] = g[0]
    return active, coef.ravel()


def _designation_game(sub: Any) -> Any:
    """The targeting game whose payoff is minus the designation probability (no
    violence payoff, no market rent, no carrot): its symmetric closed forms are ``-Do``."""
    m = sub.model
    market = m.market
    if market is not None:
        market = dataclasses.replace(market, revenue=0.0)
    return dataclasses.replace(
        m, benefit=0.0, cost=0.0, extortion=0.0, carrot=0.0, penalty=1.0, market=market
    ).game()


class _AgentState(PayoffJacobian):
    """One campaign state as a game among its survivors, the state's own values solved
    (the self-loop), with an exact Jacobian from the structured oracle.

    For survivor ``i`` (coefficients as in :func:`_state_coefficients`)::

        Q_i(a) = A_i(a) + V_i B_i(a),
        A_i(a) = u_i(a) + c_i + sum_k D_i(a, k) e_ik,   B_i(a) = y_i + sum_k D_i(a, k) f_ik,
        V_i = sigma_i @ A_i / (1 - sigma_i @ B_i),

    ``D_i(a, k)`` = P(``k`` designated | ``i`` plays ``a``) (with several designations
    a round, ``k`` runs over the designated sets: ``stage.designation``). Derivatives
    with respect to ``sigma_j(b)``, ``j != i``: ``u``'s pair matrices (one pass,
    ``_pair_payoffs_all``) and ``P(k designated | i at a, j at b)``, which is the
    designation distribution with ``j`` fixed at ``b`` (one structured call per level of
    each survivor: exact, no finite differences); ``V_i`` by the quotient rule.

    Batched: when the survivors' table is small (at most :data:`AGENT_DENSE_LIMIT`
    entries), ``A`` and ``B`` are built once as dense tables (the stage table and the
    designation at every pure profile, one vectorised structured call) and every
    evaluation is a tensor contraction (``NormalFormGame`` oracles, pairs included).
    """

    def __init__(self, stage: Any, coef: tuple[NDArray, ...], scale: float) -> None:
        sub = stage.sub
        super().__init__(sub, scale, sizes=sub.shape)
        self.sub = sub
        self.stage = stage
        self.cst, self.yst, self.e, self.f = coef
        # nobody's action moves the designation (e.g. groups under pressure and no free
        # slot): no designation calls at all
        self.flat = not (np.any(self.e) or np.any(self.f))
        self.calls = 0
        self.dense: tuple[Any, Any] | None = None
        shape = tuple(sub.shape)
        n_prof = int(np.prod(shape, dtype=np.int64))
        if n_prof * len(shape) <= AGENT_DENSE_LIMIT:
            from ..solvers._stochastic_homotopy import fast_normal_form

            U = sub.to_normal_form(max_profiles=n_prof).payoffs
            des = stage.designation_table().reshape(n_prof, stage.n_outcomes)
            n = len(shape)
            A = np.empty((n, *shape))
            B = np.empty((n, *shape))
            for i in range(n):
                A[i] = U[i] + self.cst[i] + (des @ self.e[i]).reshape(shape)
                B[i] = self.yst[i] + (des @ self.f[i]).reshape(shape)
            self.dense = (fast_normal_form(A), fast_normal_form(B))

    def _des(self, prof: Sequence[NDArray]) -> list[NDArray]:
        self.calls += 1
        return self.stage.designation(tuple(prof))

    def _parts(self, prof: Sequence[NDArray]) -> tuple[list, list, list, NDArray, list]:
        if self.dense is not None:
            self.calls += 1
            A = self.dense[0]._deviation_payoffs(tuple(prof))
            B = self.dense[1]._deviation_payoffs(tuple(prof))
            D: list[NDArray] = []
        elif self.flat:
            self.calls += 1
            u = self.sub._deviation_payoffs(tuple(prof))
            D = []
            A = [u[i] + self.cst[i] for i in range(len(prof))]
            B = [np.full(len(prof[i]), float(self.yst[i])) for i in range(len(prof))]
        else:
            u = self.sub._deviation_payoffs(tuple(prof))
            D = self._des(prof)
            A = [u[i] + self.cst[i] + D[i] @ self.e[i] for i in range(len(prof))]
            B = [self.yst[i] + D[i] @ self.f[i] for i in range(len(prof))]
        den = np.array([1.0 - float(prof[i] @ B[i]) for i in range(len(prof))])
        V = np.array([float(prof[i] @ A[i]) for i in range(len(prof))]) / den
        return A, B, D, V, [den]

    def values(self, prof: Sequence[NDArray]) -> tuple[list[NDArray], NDArray]:
        A, B, _, V, _ = self._parts(prof)
        return [A[i] + V[i] * B[i] for i in range(len(prof))], V

    def _raw_payoffs(self, p: NDArray) -> NDArray:
        Q, _ = self.values(self.blocks(p))
        return np.concatenate(Q) / self.scale

    def _raw(self, p: NDArray) -> tuple[NDArray, NDArray]:
        prof = self.blocks(p)
        n = len(prof)
        A, B, _, V, (den,) = self._parts(prof)
        K = self.K
        dA = np.zeros((K, K))
        dB = np.zeros((K, K))
        o, sl = self.offsets, self.slices
        if self.dense is not None and n > 1:
            pa = self.dense[0]._pair_payoffs_all(tuple(prof))
            pb = self.dense[1]._pair_payoffs_all(tuple(prof))
            for i in range(n):
                for j in range(n):
                    if i != j:
                        dA[sl[i], sl[j]] = pa[i][j]
                        dB[sl[i], sl[j]] = pb[i][j]
        pairs = self.sub._pair_payoffs_all(tuple(prof)) if n > 1 and self.dense is None else None
        if self.flat and pairs is not None:  # dB = 0, dA the stage game's pair matrices
            for i in range(n):
                for j in range(n):
                    if i != j:
                        dA[sl[i], sl[j]] = pairs[i][j]
        for j in range(n if self.dense is None and not self.flat else 0):
            for b in range(self.sizes[j]):
                e = np.zeros(self.sizes[j])
                e[b] = 1.0
                Dj = self._des([*prof[:j], e, *prof[j + 1 :]])
                col = o[j] + b
                for i in range(n):
                    if i != j:
                        dA[sl[i], col] = pairs[i][j][:, b] + Dj[i] @ self.e[i]
                        dB[sl[i], col] = Dj[i] @ self.f[i]
        J = np.zeros((K, K))
        for i in range(n):
            # dV_i / d sigma: own block (A_i + V_i B_i) / den_i, others sigma_i @ (dA + V dB)
            dV = np.concatenate(
                [
                    (A[i] + V[i] * B[i]) / den[i]
                    if j == i
                    else (prof[i] @ (dA[sl[i], sl[j]] + V[i] * dB[sl[i], sl[j]])) / den[i]
                    for j in range(n)
                ]
            )
            J[sl[i]] = dA[sl[i]] + V[i] * dB[sl[i]] + np.outer(B[i], dV)
        Q = np.concatenate([A[i] + V[i] * B[i] for i in range(n)])
        return Q / self.scale, J / self.scale


def _state_coefficients(camp: Campaign, s: int, V: NDArray) -> tuple[NDArray, ...]:
    """``(c, y, e, f)`` of state ``s`` over its survivors (in the order of ``active``):
    ``c_i = d_i sum_{t != s} stay(t) V_i(t)`` (plus an action-free vacuum rent) and ``y_i
    = d_i stay(s)`` when nobody is designated; ``e_ik`` and ``f_ik`` the changes of those
    when survivor ``k`` is designated (law ``T_k``, plus the discounted vacuum rent), or
    with several designations a round, when the ``k``-th designated set is
    (``stage.sets``)."""
    stage = camp.stage(s)
    active = stage.active
    n = len(active)
    T, stay, dependent = camp._outcomes(s)
    V0 = V.copy()
    V0[s] = 0.0
    bonus = stage.bonus
    c, y = np.zeros(n), np.zeros(n)
    # one column per designation outcome of the stage (an action-free law, as in a
    # state with groups under pressure and no free slot, has one row but moves nothing)
    n_out = len(T) if dependent else stage.n_outcomes
    e, f = np.zeros((n, n_out)), np.zeros((n, n_out))
    for ii, i in enumerate(active):
        di = float(camp.discount[i])
        c[ii] = di * float(stay @ V0[:, i])
        if bonus is not None and not bonus[0]:
            c[ii] += float(bonus[1][i])
        y[ii] = di * float(stay[s])
        if not dependent:
            continue
        for k in range(len(T)):
            ck = di * float(T[k] @ V0[:, i])
            if bonus is not None and bonus[0]:
                ck += float(bonus[1][k, i])
            e[ii, k] = ck - c[ii]
            f[ii, k] = di * float(T[k, s]) - y[ii]
    return c, y, e, f


def _traced(sysm: PayoffJacobian, tol: float, max_iter: int) -> NDArray | None:
    """The logit tracer's end point on a state system (clipped at 0), or None when the path
    fails or ends without an equilibrium."""
    from ._continuation import DEFAULT_LAMBDA_MAX, _trace

    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            tr = _trace(
                sysm,
                lambda_max=DEFAULT_LAMBDA_MAX,
                first_step=0.03,
                max_accel=2.0,
                max_steps=max_iter,
                tol=tol,
            )
    except (FloatingPointError, ValueError, np.linalg.LinAlgError):
        return None
    if tr.equilibrium is None:
        return None
    return np.clip(np.asarray(tr.equilibrium, dtype=float), 0.0, None)


def _agent_state(
    camp: Campaign, s: int, V: NDArray, scale: float, tol: float, max_iter: int
) -> tuple[tuple[NDArray, ...], int] | None:
    """A mixed equilibrium of state ``s`` by the logit tracer on :class:`_AgentState`
    (exact Jacobian); the state's profile and the number of structured calls, or None."""
    stage = camp.stage(s)
    sysm = _AgentState(stage, _state_coefficients(camp, s, V), scale)
    p = _traced(sysm, tol, max_iter)
    if p is None:
        return None
    sub_prof = [q / q.sum() for q in sysm.blocks(p)]
    Q, _ = sysm.values(sub_prof)
    if max(float(np.max(x) - q @ x) for x, q in zip(Q, sub_prof, strict=True)) > tol * scale:
        return None
    prof = tuple(
        sub_prof[stage._pos[i]] if stage._pos[i] >= 0 else np.ones(1) for i in range(camp.n_players)
    )
    return prof, sysm.calls


def _symmetric_key(camp: Campaign, s: int, coef: NDArray, scale: float) -> tuple[Any, ...]:
    """What identifies a symmetric state up to isomorphism (for the cache of solved
    states): survivors, levels, continuation coefficients, stage payoffs at the centroid."""
    sub = camp.stage(s).sub
    K = sub.shape[0]
    w = np.asarray(sub.symmetric_payoffs(np.full(K, 1.0 / K)), dtype=float)
    return (sub.n_players, K, *np.round(coef / scale, 10), *np.round(w / scale, 10))


def _symmetric_state(
    camp: Campaign,
    s: int,
    coef: NDArray,
    scale: float,
    tol: float,
    max_iter: int,
    cached: NDArray | None = None,
) -> tuple[tuple[NDArray, ...], NDArray, int] | None:
    """A symmetric mixed equilibrium of state ``s`` (survivors interchangeable, ``coef``
    from :func:`_symmetric_coefficients`): the ``cached`` strategy of an isomorphic state
    when it certifies here, else the symmetric logit tracer on :class:`_SymmetricState`.
    Returns the state's profile, the shared strategy and the number of oracle
    evaluations, or None."""
    stage = camp.stage(s)
    n = len(stage.active)
    if stage.sets is not None:
        sysm: Any = _SymmetricSetState(stage.sub, n, stage.capacity, coef, scale)
    else:
        sysm = _SymmetricState(stage.sub, _designation_game(stage.sub), n, coef, scale)
    limit = tol * scale

    def regret(q: NDArray) -> float:
        Q, _ = sysm.values(q)
        return float(np.max(Q) - q @ Q)

    def profile(q: NDArray) -> tuple[NDArray, ...]:
        q = np.clip(q, 0.0, None)
        q = q / q.sum()
        return tuple(q if stage._pos[i] >= 0 else np.ones(1) for i in range(camp.n_players))

    if cached is not None:
        return (profile(cached), cached, sysm.calls) if regret(cached) <= limit else None
    q = _traced(sysm, tol, max_iter)
    if q is None:
        return None
    q = q / q.sum()
    if regret(q) > limit:
        return None
    return profile(q), q, sysm.calls


def _state_values_pure(
    camp: Campaign, r: list[NDArray], T: list[NDArray], a: Sequence[int], Vc: NDArray, j: int
) -> NDArray:
    """The values of a state at the pure profile ``a`` (its self-loop solved), from the
    laws ``T`` over the reachable states, whose values are ``Vc``; ``j`` the state's own
    position among them (-1: no self-loop)."""
    d = camp.discount
    out = np.empty(camp.n_players)
    for i in range(camp.n_players):
        row = T[i][a[i]]
        rest = float(row @ Vc[:, i])
        loop = 0.0
        if j >= 0:
            loop = float(row[j])
            rest -= loop * Vc[j, i]
        out[i] = (float(r[i][a[i]]) + d[i] * rest) / (1.0 - d[i] * loop)
    return out


def _pure_search(
    camp: Campaign,
    s: int,
    V: NDArray,
    starts: Sequence[Sequence[int]],
    slack: float,
    max_moves: int,
) -> tuple[tuple[int, ...], NDArray, int] | None:
    """Best-response moves over pure profiles of state ``s`` (the state's own value is
    that of the current profile); the first profile from which nobody gains more than
    ``slack`` by a one-shot deviation, with its values and the number of oracle calls."""
    stage = camp.stage(s)
    shape = stage.shape
    eye = [np.eye(k) for k in shape]
    d = camp.discount
    calls = 0
    for a0 in starts:
        a = [min(int(x), k - 1) for x, k in zip(a0, shape, strict=True)]
        seen: set[tuple[int, ...]] = set()
        for _ in range(max_moves):
            prof = tuple(eye[i][a[i]] for i in range(len(shape)))
            r = stage._deviation_payoffs(prof)
            cols, T, _ = camp._compact_transitions(s, prof)
            calls += 1
            pos = np.flatnonzero(cols == s)
            j = int(pos[0]) if pos.size else -1
            Vt = V[cols]
            W = _state_values_pure(camp, r, T, a, Vt, j)
            if j >= 0:
                Vt[j] = W
            best_gain, who, to = 0.0, -1, -1
            for i in range(len(shape)):
                if shape[i] == 1:
                    continue
                Q = np.asarray(r[i], dtype=float) + d[i] * (T[i] @ Vt[:, i])
                b = int(np.argmax(Q))
                gain = float(Q[b] - Q[a[i]])
                if gain > best_gain:
                    best_gain, who, to = gain, i, b
            if best_gain <= slack:
                return tuple(a), W, calls
            seen.add(tuple(a))
            a[who] = to
            if tuple(a) in seen:
                break
    return None


def backward_induction(
    campaign: Campaign, *, tol: float, max_moves: int, max_iter: int
) -> StochasticResult:
    """:func:`deterrence.solve_campaign` on validated arguments (no checks here)."""
    import networkx as nx

    g = campaign.graph()
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    order = list(reversed(list(nx.topological_sort(g))))
    S, N = campaign.n_states, campaign.n_players
    scale = campaign.payoff_range()
    slack = 1e-3 * tol * scale
    opts = {
        "tol": tol,
        "max_iter": max_iter,
        "lambda_max": None,
        "first_step": 0.03,
        "max_accel": 2.0,
    }
    V = np.zeros((S, N))
    strategies: list[tuple[NDArray, ...] | None] = [None] * S
    pure_sol: dict[int, tuple[int, ...]] = {}
    how = [""] * S
    notes: list[str] = []
    sym_cache: dict[tuple[Any, ...], NDArray] = {}
    nit = 0
    for s in order:
        shape = campaign.shape(s)
        starts: list[Sequence[int]] = []
        for t in campaign.successors(s):  # warm start from solved successors
            if t != s and t in pure_sol:
                prev = pure_sol[t]
                starts.append([prev[i] if shape[i] > 1 else 0 for i in range(N)])
                break
        starts += [[0] * N, [k - 1 for k in shape]]
        sym = _symmetric_coefficients(campaign, s, V, 1e-12 * scale)
        key = None if sym is None else _symmetric_key(campaign, s, sym[1], scale)
        if key is not None and key in sym_cache:  # an isomorphic state was solved mixed
            out = _symmetric_state(campaign, s, sym[1], scale, tol, max_iter, sym_cache[key])
            if out is not None:
                strategies[s], _, calls = out
                nit += calls
                V[s] = _state_values(campaign, s, strategies[s], V)
                how[s] = "symmetric"
                continue
        found = _pure_search(campaign, s, V, starts, slack, max_moves)
        if found is not None:
            a, W, calls = found
            nit += calls
            pure_sol[s] = a
            strategies[s] = tuple(np.eye(k)[a[i]] for i, k in enumerate(shape))
            V[s] = W
            how[s] = "pure"
            continue
        out = None if sym is None else _symmetric_state(campaign, s, sym[1], scale, tol, max_iter)
        if out is not None:
            strategies[s], q, calls = out
            sym_cache[key] = q
            nit += calls
            V[s] = _state_values(campaign, s, strategies[s], V)
            how[s] = "symmetric"
            continue
        out = _agent_state(campaign, s, V, scale, tol, max_iter)
        if out is not None:
            strategies[s], calls = out
            nit += calls
            V[s] = _state_values(campaign, s, strategies[s], V)
            how[s] = "agent"
            continue
        profs, _, ok, msg, steps, _, _ = _homotopy(campaign, [s], V, scale, opts)
        nit += steps
        strategies[s] = tuple(np.asarray(q, dtype=float) for q in profs[0])
        V[s] = _state_values(campaign, s, strategies[s], V)
        how[s] = "homotopy"
        if not ok:
            notes.append(f"state {s}: {msg}")
    strat, V, reg, res, converged = _certified(campaign, strategies, V, tol, scale)
    limit = tol * scale
    if converged:
        message = f"stationary equilibrium: regret {reg:.3g} <= tol * payoff range"
    else:
        message = (
            "; ".join(notes) if notes else "pure search and homotopy ended"
        ) + f"; regret {reg:.3g} or residual {res:.3g} exceeds {limit:.3g}"
    return StochasticResult(
        strategies=strat,
        values=V,
        regret=reg,
        residual=res,
        converged=converged,
        message=message,
        method="campaign:backward",
        nit=int(nit),
        payoff_range=scale,
        parameters={"tol": tol, "max_moves": max_moves, "max_iter": max_iter},
        details={"order": tuple(order), "stage_methods": tuple(how)},
    )
