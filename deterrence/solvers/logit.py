"""One Nash equilibrium of any N-player game by following the logit QRE path.

The logit quantal response equilibria (McKelvey and Palfrey 1995) of a game form a
correspondence indexed by the precision ``lambda``: at ``lambda = 0`` every player mixes
uniformly (the centroid), and as ``lambda`` grows the principal branch converges to a Nash
equilibrium. Following Turocy (2005), the branch is traced in log-probability coordinates
``x_ia = log p_ia`` on the equations, for each player ``i``::

    x_ia - x_ir = lambda * (u_ia(p) - u_ir(p))     for every action a != r
    sum_a exp(x_ia) = 1

where ``u_ia(p)`` is the deviation payoff (the oracle) and ``r`` a reference action of
player ``i`` (one of its likeliest). The unknowns ``(x, lambda)`` lie on a curve, traced by
a predictor along the tangent (with a second-order term from the tangent's turn over the
last step) and a Newton corrector in the hyperplane orthogonal to the tangent
(pseudo-arc-length continuation, Allgower and Georg 1990), so that turning points (where
``lambda`` decreases for a while, which happens at large lambda too) are followed without
special cases. The Jacobian needs the second-order oracle
(:meth:`~deterrence.games.base.Game.pair_payoffs_all`): for each pair of players, the
payoff of each action pair against the others' mixtures. A step is rejected (and halved)
when the corrector's first move, its contraction rate or the turn of the tangent is too
large, or when the sign of ``det([dH/d(x, lambda); tangent])`` changes (the orientation
of a regular branch never does: the step jumped to another branch); otherwise the next
step adapts to the same three quantities. Oracles are only evaluated on the simplex (an
off-simplex iterate is renormalised and the Jacobian follows by the chain rule), so
structured oracles need not be multilinear off it.

Numerical care at large lambda, where the branch may turn sharply or pass close to
another one and Newton's method converges only from very close:

* the corrector converges every path point to ``1e-9`` (in log-probability units, or to
  the rounding floor ``eps * lambda`` of the equations when that is larger), whatever the
  size of lambda, so that the next corrector starts well inside its basin;
* an action whose probability falls below ``exp(-40)`` times its player's largest is
  *frozen*: it no longer changes any payoff in double precision, its log-probability
  follows explicitly from the others (``x_ia = x_ir + lambda (u_ia - u_ir)``), and it
  leaves the traced system, so that the unbounded log-probabilities of dying actions never
  dominate the tangent, the step-size control or the conditioning; it is traced again if
  it comes back within ``exp(-36)`` (a step over which it would come back further is
  rejected), and the reference action is re-chosen when it falls behind.

Once the candidate support of the branch's limit (actions whose log-probability gap to
the best one stays bounded as lambda grows) has held while lambda doubled, a *polish*
solves the equilibrium conditions on that support (all support actions earn the same
payoff, probabilities sum to one) by Newton's method from the path's current point
(falling back to :func:`scipy.optimize.root`, MINPACK's hybrid and Levenberg-Marquardt
methods, on the last attempt), drops actions whose probability comes out negative, adds
profitable deviations, and accepts a profile only if its regret is at most ``tol`` times
the payoff scale and the path is heading to it (it is much closer to the extrapolated
limit ``p + lambda dp/dlambda`` than to the path point), so that the result is the
branch's own limit rather than another equilibrium nearby. If the path ends without one
(``lambda_max`` reached, as on degenerate games whose branch ends at a continuum of
equilibria, or the step size collapsed), the last few path points are polished on the
supports their log-probabilities suggest, from the strictest cut-off to the loosest, before
the solver reports that it did not converge. Everything goes through the
oracle, so structured games with many players (whose payoff table could never be built)
are solved the same way as dense ones.

Payoffs are divided internally by the game's *payoff scale* (the range of the payoff table
of a dense game; the range of the deviation payoffs at the centroid for a structured game);
reported ``lambda`` values are in the game's own payoff units, as in Gambit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg
import scipy.linalg.lapack
import scipy.optimize
from numpy.typing import NDArray

from .._validation import check_int, check_real
from ..errors import DeterrenceError
from ..games.base import Game, uniform_profile
from ..games.normal_form import NormalFormGame
from .results import Equilibrium, NashResult

__all__ = ["LogitPath", "logit_path", "solve_logit"]

_GESV = scipy.linalg.lapack.dgesv
_GETRS = scipy.linalg.lapack.dgetrs
_MAX = np.maximum.reduce  # (the ndarray methods add a Python-level wrapper call)
_MIN = np.minimum.reduce
_ARANGE = np.arange(4096)

#: Largest lambda (times the payoff scale) traced when the caller gives no ``lambda_max``.
DEFAULT_LAMBDA_MAX = 1e7

# Step-size control (Allgower and Georg's nominal values, in log-probability units).
_D_MAX = 0.2  # largest first corrector step accepted
_D_NOM = 0.15  # nominal first corrector step
_K_MAX = 0.35  # largest Newton contraction rate accepted
_K_NOM = 0.3  # nominal contraction rate
_A_NOM = 0.25  # nominal angle between successive tangents (radians)
_A_MAX = 0.6  # largest angle accepted
_MAX_NEWTON = 8
# weighted corrector error (log-probability units) accepted: path points must be far closer
# to the branch than the radius in which Newton's method converges, which shrinks near
# near-bifurcations (two branches passing close) and sharp turns at large lambda
_CORRECTOR_TOL = 1e-9
_QUADRATIC = 0.1  # a Newton contraction rate this small counts as quadratic convergence
_ROUNDING = 16 * 2.0**-52  # relative rounding error of the residual (times 1 + lambda)
_NOISE_CHECK = 1e-6  # corrector steps below this are compared with that rounding floor
_SMALL_K = 40  # up to this many actions in all, matrix products build the Jacobian
_P_WEIGHT = 100.0  # log-probabilities of actions below 1/_P_WEIGHT count proportionally
_SUPPORT_LOG_RATIO = 30.0  # never in a candidate support: p below exp(-30) * max p
_POLISH_MIN_LAMBDA = 2.0  # in payoff-scale units
_STABLE_FACTOR = 2.0  # polish once the candidate support held while lambda doubled
_POLISH_RADIUS = 0.25  # a polished equilibrium is never farther from the path point
_DROP_LOG_ODDS = 40.0  # freeze an action once p < exp(-40) * (its block's largest p)
_ADD_LOG_ODDS = 36.0  # track a frozen action again once p > exp(-36) * (block's largest)
_REVIVE_LOG_ODDS = 30.0  # reject a step after which a frozen action is above exp(-30) * ...
_REF_LAG = 10.0  # re-choose a block's reference action when it falls this far behind
_H_BIFURCATION = 1e-6  # a relative step this small may cross a bifurcation (sign change)
_FINAL_POINTS = 4  # last path points tried by the final polish
_LATE_LAMBDA = 1e4  # beyond this lambda, accept a polish within _LATE_GAP / lambda ...
_LATE_GAP = 100.0  # ... of the path point (the branch's own O(1 / lambda) distance)
_FINAL_CUTS = (_SUPPORT_LOG_RATIO, 12.0, 5.0, 2.0)  # their supports: log-odds cut-offs


# ----------------------------------------------------------------------------- systems
class _GameSystem:
    """The game as the tracer sees it: blocks of actions (one per player), payoffs divided
    by the payoff scale, and their Jacobian ``J[(i,a), (j,b)] = d u_ia / d p_jb``.

    The oracles are only ever evaluated on the simplex: a point ``p`` off it (a Newton
    iterate) is mapped to ``p / sum(p)`` block by block, and the Jacobian follows that map
    by the chain rule. A structured oracle need not be multilinear off the simplex, and
    Newton's method still sees a consistent function and derivative.
    """

    def __init__(self, game: Game, scale: float, sizes: Sequence[int] | None = None) -> None:
        self.game = game
        self.scale = scale
        self.sizes = tuple(int(n) for n in (game.shape if sizes is None else sizes))
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.intp)
        self.K = int(sum(self.sizes))
        self.slices = [slice(o, o + n) for o, n in zip(self.offsets, self.sizes, strict=True)]
        self.block_of = np.repeat(np.arange(len(self.sizes)), self.sizes)

    def blocks(self, p: NDArray) -> tuple[NDArray, ...]:
        return tuple([p[s] for s in self.slices])

    def game_profile(self, p: NDArray) -> tuple[NDArray, ...]:
        return self.blocks(p)

    def _normalize(self, p: NDArray) -> tuple[NDArray, NDArray]:
        s = np.add.reduceat(p, self.offsets)
        return p / s[self.block_of], s

    def payoffs(self, p: NDArray) -> NDArray:
        return self._raw_payoffs(self._normalize(p)[0])

    def payoffs_ext(self, p: NDArray) -> NDArray:
        """The payoffs whose derivative :meth:`payoffs_jacobian` gives (equal to
        :meth:`payoffs`; the dense system extends them multilinearly off the simplex)."""
        return self.payoffs(p)

    def payoffs_jacobian(self, p: NDArray) -> tuple[NDArray, NDArray]:
        ph, s = self._normalize(p)
        u, J = self._raw(ph)
        # chain rule through p -> p / sum(p): d/dp_j = (J_j - (J_j @ ph_j) 1^T) / s_j
        radial = np.add.reduceat(J * ph, self.offsets, axis=1)
        return u, (J - radial[:, self.block_of]) / s[self.block_of]

    def _raw_payoffs(self, p: NDArray) -> NDArray:
        dev = self.game._deviation_payoffs(self.blocks(p))
        return np.concatenate([np.asarray(d, dtype=float) for d in dev]) / self.scale

    def _raw(self, p: NDArray) -> tuple[NDArray, NDArray]:
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


class _DenseSystem(_GameSystem):
    """A small dense game: every ordered pair's table is laid out once as a matrix
    ``(n_i * n_j, prod of the others' sizes)``, so the whole Jacobian is one batched
    matrix product with the Kronecker products of the other players' strategies."""

    #: Largest number of floats in the laid-out tables (else use the game's own oracle).
    MAX_ENTRIES = 4_000_000

    @classmethod
    def fits(cls, game: Game) -> bool:
        if not isinstance(game, NormalFormGame) or game.n_players < 2:
            return False
        shape = game.shape
        n = len(shape)
        big_pair = max(shape[i] * shape[j] for i in range(n) for j in range(n) if i != j)
        big_rest = max(
            math.prod(shape[k] for k in range(n) if k not in (i, j))
            for i in range(n)
            for j in range(n)
            if i != j
        )
        return n * (n - 1) * big_pair * big_rest <= cls.MAX_ENTRIES

    def __init__(self, game: NormalFormGame, scale: float) -> None:
        super().__init__(game, scale)
        shape = self.sizes
        n = len(shape)
        K = self.K
        self.pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
        self.others = [tuple(k for k in range(n) if k not in (i, j)) for i, j in self.pairs]
        big_pair = max(shape[i] * shape[j] for i, j in self.pairs)
        big_rest = max(math.prod(shape[k] for k in o) for o in self.others)
        T = np.zeros((len(self.pairs), big_pair, big_rest))
        flat, src = [], []
        for r, ((i, j), o) in enumerate(zip(self.pairs, self.others, strict=True)):
            t = np.transpose(game.payoffs[i], (i, j, *o)).reshape(shape[i] * shape[j], -1)
            T[r, : t.shape[0], : t.shape[1]] = t / scale
            a, b = np.divmod(np.arange(shape[i] * shape[j]), shape[j])
            flat.append((self.offsets[i] + a) * K + self.offsets[j] + b)
            src.append(r * big_pair + np.arange(shape[i] * shape[j]))
        self.T = T
        self.flat = np.concatenate(flat)
        self.src = np.concatenate(src)
        self.big_rest = big_rest
        # the pair (i, j) and (j, i) share the same others: compute each product once
        self.kron_rows: dict[tuple[int, ...], list[int]] = {}
        for r, o in enumerate(self.others):
            self.kron_rows.setdefault(o, []).append(r)
        # two players: the Jacobian is constant; three: it is linear in the profile,
        # vec(J) = W @ p, one small matrix-vector product
        self.J_const: NDArray | None = None
        self.W: NDArray | None = None
        if n == 2:
            self.J_const = self._batched(np.zeros(K))
        elif n == 3 and K**3 <= self.MAX_ENTRIES:
            W = np.zeros((K * K, K))
            start = 0
            for r, ((i, j), o) in enumerate(zip(self.pairs, self.others, strict=True)):
                m = shape[i] * shape[j]
                rows = self.flat[start : start + m]
                cols = self.offsets[o[0]] + np.arange(shape[o[0]])
                W[np.ix_(rows, cols)] = T[r, :m, : shape[o[0]]]
                start += m
            self.W = W

    def payoffs(self, p: NDArray) -> NDArray:
        ph, _ = self._normalize(p)
        return self._raw(ph)[0]

    def payoffs_ext(self, p: NDArray) -> NDArray:
        return self._raw(p)[0]

    def payoffs_jacobian(self, p: NDArray) -> tuple[NDArray, NDArray]:
        # the dense payoffs are multilinear: their extension off the simplex is exact, and
        # u and J below are its value and derivative at any p (no normalisation needed)
        return self._raw(p)

    def _raw(self, p: NDArray) -> tuple[NDArray, NDArray]:
        K = self.K
        if self.J_const is not None:
            J = self.J_const
        elif self.W is not None:
            J = (self.W @ p).reshape(K, K)
        else:
            J = self._batched(p)
        return (J @ p) / (len(self.sizes) - 1), J

    def _batched(self, p: NDArray) -> NDArray:
        blocks = self.blocks(p)
        kron = np.zeros((len(self.pairs), self.big_rest, 1))
        for o, rows in self.kron_rows.items():
            v = blocks[o[0]] if o else np.ones(1)
            for k in o[1:]:
                v = np.multiply.outer(v, blocks[k]).ravel()
            kron[rows, : len(v), 0] = v
        R = np.matmul(self.T, kron)
        K = self.K
        J = np.zeros(K * K)
        J[self.flat] = R.ravel()[self.src]
        return J.reshape(K, K)


def _system(game: Game, scale: float) -> _GameSystem:
    return _DenseSystem(game, scale) if _DenseSystem.fits(game) else _GameSystem(game, scale)


# ----------------------------------------------------------------------------- tracing
@dataclass
class _Trace:
    lambdas: list[float] = field(default_factory=list)  # in payoff-scale units
    points: list[NDArray] = field(default_factory=list)
    regrets: list[float] = field(default_factory=list)  # in payoff-scale units
    equilibrium: NDArray | None = None
    converged: bool = False
    message: str = ""
    nit: int = 0
    polish_attempts: int = 0
    missed: list[float] = field(default_factory=list)  # requested lambdas not solved


def _block_regrets(sys: Any, p: NDArray, u: NDArray) -> NDArray:
    """Each block's regret: best payoff minus the (normalised) mixture's payoff."""
    o = sys.offsets
    return np.maximum.reduceat(u, o) - np.add.reduceat(p * u, o) / np.add.reduceat(p, o)


def _lapack_solve(M: NDArray, rhs: NDArray) -> NDArray | None:
    """``solve(M, rhs)`` through LAPACK's gesv (no wrapper overhead); None if singular."""
    _, _, x, info = _GESV(M, rhs, overwrite_a=True, overwrite_b=False)
    if info != 0 or not math.isfinite(float(x.sum())):
        return None
    return x


def _det_sign(lu: NDArray, piv: NDArray) -> int:
    """The sign of ``det(M)`` from gesv's LU factors of ``M`` (``piv`` 0-based)."""
    n = len(piv)
    rows = _ARANGE[:n] if n <= len(_ARANGE) else np.arange(n)
    neg = np.count_nonzero(lu.diagonal() < 0) + np.count_nonzero(piv != rows)
    return -1 if neg % 2 else 1


class _Tracked:
    """The actions the tracer follows, and each block's reference action.

    An action whose probability falls below ``exp(-_DROP_LOG_ODDS)`` times its block's
    largest is *frozen*: it no longer changes any payoff in double precision, and its
    log-probability follows explicitly from the tracked ones,
    ``x_ia = x_ir + lambda * (u_ia - u_ir)`` (``r`` the block's reference action). The
    tracer then works in the coordinates ``(x_tracked, lambda)`` only, so the unbounded
    log-probabilities of dying actions never enter the arc length, the step-size control,
    the corrector's tolerance or the conditioning of the Jacobian. A frozen action whose
    explicit log-odds come back above ``-_ADD_LOG_ODDS`` is tracked again. The reference
    action of a block is always tracked; it is re-chosen (as the block's likeliest) when
    it falls far behind.
    """

    def __init__(self, sys: Any, mask: NDArray, refs: NDArray) -> None:
        K, b = sys.K, sys.block_of
        act = np.flatnonzero(mask)
        m = len(act)
        pos = np.full(K, -1, dtype=np.intp)
        pos[act] = np.arange(m)
        is_ref = np.zeros(K, dtype=bool)
        is_ref[refs] = True
        nonref = act[~is_ref[act]]
        self.mask = mask.copy()
        # log-odds beyond which a tracked action is frozen, within which a frozen one returns
        # (a reference action changes when it falls _REF_LAG behind)
        self.limit = np.where(mask, _DROP_LOG_ODDS, _ADD_LOG_ODDS)
        self.limit[refs] = _REF_LAG
        self.act, self.m, self.refs = act, m, refs.copy()
        self.everything = m == K
        self.idx = np.append(act, K)  # the tracked coordinates within (x, lambda)
        self.nonref = nonref
        self.nonref_ref = refs[b[nonref]]
        self.r_non = pos[nonref]
        self.r_ref_of = pos[self.nonref_ref]
        self.r_refs = pos[refs]
        self.frozen = np.flatnonzero(~mask)
        self.frozen_ref = refs[b[self.frozen]]
        self.blk = np.zeros((len(sys.sizes), m))
        self.blk[b[act], np.arange(m)] = 1.0
        # small systems: the difference and sum operators as matrices (one small
        # single-threaded product each is faster than row gathers); large ones use gathers
        self.small = K <= _SMALL_K
        if self.small:
            Dk = np.zeros((m, K))
            Dk[self.r_non, nonref] = 1.0
            Dk[self.r_non, self.nonref_ref] -= 1.0
            self.Dk = Dk
            self.Dm = np.ascontiguousarray(Dk[:, act])
            R0 = np.zeros((m, m))
            R0[pos[refs[b[act]]], np.arange(m)] = 1.0
            self.R0 = R0
            self.e_ref = np.zeros(m)
            self.e_ref[self.r_refs] = 1.0

    def full_x(self, x: NDArray, xa: NDArray, lam: float, u: NDArray) -> NDArray:
        """``x`` with the tracked entries ``xa`` and the frozen ones explicit (in place)."""
        x[self.act] = xa
        if len(self.frozen):
            fr = self.frozen_ref
            x[self.frozen] = x[fr] + lam * (u[self.frozen] - u[fr])
        return x

    def full_tangent(self, t: NDArray, K: int) -> NDArray:
        tf = np.zeros(K + 1)
        tf[self.idx] = t
        return tf

    def _probs(self, sys: Any, xa: NDArray) -> tuple[NDArray, NDArray] | None:
        """Tracked and full probabilities (zero where frozen) at tracked log-probs xa."""
        if not _MAX(xa) < 700.0:  # a wild iterate (or NaN): exp would overflow
            return None
        pa = np.exp(xa)  # (tracked actions are within ~_DROP_LOG_ODDS of their block's best)
        if self.everything:
            return pa, pa
        p = np.zeros(sys.K)
        p[self.act] = pa
        return pa, p

    def residual(self, sys: Any, z: NDArray):
        """Residual H (m,) at the tracked point z = (x_tracked, lambda), with the tracked
        and full probabilities and the payoffs (one first-order oracle call)."""
        m = self.m
        xa = z[:m]
        pr = self._probs(sys, xa)
        if pr is None:
            return None
        pa, p = pr
        u = sys.payoffs_ext(p)
        lam = z[m]
        if self.small:
            H = self.Dm @ xa + self.R0 @ pa
            H -= self.e_ref
            H -= lam * (self.Dk @ u)
            return H, pa, p, u
        H = np.empty(m)
        H[self.r_non] = xa[self.r_non] - xa[self.r_ref_of] - lam * (
            u[self.nonref] - u[self.nonref_ref]
        )
        H[self.r_refs] = self.blk @ pa - 1.0
        return H, pa, p, u

    def evaluate(self, sys: Any, z: NDArray, lam: float | None = None):
        """Residual H (m,) and the augmented Jacobian M ((m+1) x (m+1); its last row is
        left for the caller) at the tracked point z = (x_tracked, lambda), with the
        tracked and full probabilities (zero where frozen) and payoffs. Large systems use
        row gathers only: a matrix-matrix product of that size runs multithreaded in
        BLAS, which stalls badly when the machine is busy."""
        m = self.m
        xa = z[:m]
        lam = z[m] if lam is None else lam
        pr = self._probs(sys, xa)
        if pr is None:
            return None
        pa, p = pr
        u, J = sys.payoffs_jacobian(p)
        Jp = (J if self.everything else J[:, self.act]) * pa
        M = np.empty((m + 1, m + 1))
        if self.small:
            Du = self.Dk @ u
            H = self.Dm @ xa + self.R0 @ pa
            H -= self.e_ref
            H -= lam * Du
            top = M[:m, :m]
            np.matmul(self.Dk, Jp, out=top)
            top *= -lam
            top += self.Dm
            top += self.R0 * pa
            np.negative(Du, out=M[:m, m])
            return H, M, pa, p, u
        du = u[self.nonref] - u[self.nonref_ref]
        H = np.empty(m)
        H[self.r_non] = xa[self.r_non] - xa[self.r_ref_of] - lam * du
        H[self.r_refs] = self.blk @ pa - 1.0
        M[self.r_non, :m] = (Jp[self.nonref_ref] - Jp[self.nonref]) * lam
        M[self.r_non, self.r_non] += 1.0
        M[self.r_non, self.r_ref_of] -= 1.0
        M[self.r_non, m] = -du
        M[self.r_refs, :m] = self.blk * pa
        M[self.r_refs, m] = 0.0
        return H, M, pa, p, u


def _retrack(sys: Any, tk: _Tracked, x: NDArray, r: NDArray) -> _Tracked | None:
    """The tracked set at the full log-probabilities ``x`` (``r``: each action's gap to the
    best of its block), or None if unchanged."""
    beyond = r > tk.limit
    if not (beyond == tk.mask).any():  # no tracked action beyond, no frozen one within
        return None
    mask = np.where(tk.mask, r <= _DROP_LOG_ODDS, r < _ADD_LOG_ODDS)
    refs = tk.refs.copy()
    for blk in np.flatnonzero(beyond[refs]):
        refs[blk] = sys.offsets[blk] + int(np.argmax(x[sys.slices[blk]]))
    mask[refs] = True
    return _Tracked(sys, mask, refs)


def _trace(
    sys: Any,
    *,
    lambda_max: float,
    targets: Sequence[float] = (),
    first_step: float = 0.03,
    max_accel: float = 2.0,
    max_steps: int = 10_000,
    tol: float = 1e-10,
    stop_at_equilibrium: bool = True,
) -> _Trace:
    """Trace the principal logit branch of ``sys`` (lambda in payoff-scale units)."""
    sizes = sys.sizes
    K = sys.K
    refs0 = np.asarray(sys.offsets, dtype=np.intp)
    weight = np.empty(K + 1)

    def corrector(tk: _Tracked, z: NDArray, t_ref: NDArray):
        """Newton on H = 0 within the hyperplane orthogonal to t_ref (chord steps, reusing
        the last factorisation, once convergence is quadratic); returns the point, its
        probabilities and payoffs, the unit tangent there, the first step length, the
        largest contraction rate and the sign of det([H_z; t_ref]) (or None if the
        corrector fails)."""
        m = tk.m
        rhs = np.zeros((m + 1, 2))
        rhs[m, 1] = 1.0
        w = weight[: m + 1]
        d1, prev, kappa, rate = 0.0, 0.0, 0.0, 1.0
        lu = piv = tau = None
        for it in range(_MAX_NEWTON):
            if it < 2 or rate > _QUADRATIC:
                ev = tk.evaluate(sys, z)
                if ev is None:
                    return None
                H, M, pa, p, u = ev
                M[m] = t_ref
                rhs[:m, 0] = -H
                lu, piv, sol, info = _GESV(M, rhs, overwrite_a=True, overwrite_b=False)
                if info != 0:
                    return None
                delta, tau = sol[:, 0], sol[:, 1]
            else:
                ev = tk.residual(sys, z)
                if ev is None:
                    return None
                H, pa, p, u = ev
                rhs[:m, 0] = -H
                delta, info = _GETRS(lu, piv, rhs[:, 0])
                if info != 0:
                    return None
            # distances count a log-probability fully only where the probability is not
            # negligible (the log of a small probability moves fast but harmlessly), and
            # lambda relative to its size
            np.multiply(pa, _P_WEIGHT, out=w[:m])
            np.minimum(w, 1.0, out=w)
            w[m] = 1.0 / (1.0 + abs(z[m]))
            wd = delta * w
            dn = math.sqrt(float(wd @ wd))  # (NaN if the solve overflowed: rejected below)
            if it == 0:
                d1 = dn
                if not d1 <= _D_MAX:
                    return None
            else:
                rate = dn / prev if prev > 0 else 0.0
                kappa = max(kappa, rate)
            done = dn <= _CORRECTOR_TOL
            if not done and dn < _NOISE_CHECK:
                # converged all the same if the step is what rounding errors in H (about
                # eps * lambda) alone would cause, which no tolerance can get below
                hmax = float(_MAX(np.abs(H)))
                done = dn <= dn / max(hmax, 1e-300) * _ROUNDING * (1.0 + abs(z[m]))
            if not done and it > 0 and not rate <= _K_MAX:
                return None
            # the updated point is already within tolerance if the next step would be: in
            # the quadratic regime the rate squares at each step (dn * rate**2), else
            # dn * rate at most; its payoffs cost one oracle call
            nxt = dn * rate * rate if rate <= _QUADRATIC else dn * rate
            early = not done and it > 0 and nxt <= _CORRECTOR_TOL
            prev = dn
            if done or early:
                norm = math.sqrt(float(tau @ tau))
                if not norm > 0:
                    return None
                if early:
                    z = z + delta
                    pr = tk._probs(sys, z[:m])
                    if pr is None:
                        return None
                    p = pr[1]
                    u = sys.payoffs_ext(p)
                return z, p, u, tau / norm, d1, kappa, _det_sign(lu, piv)
            z = z + delta
        return None

    def fixed_lambda_point(tk: _Tracked, x0: NDArray, lam: float) -> NDArray | None:
        m = tk.m
        x = x0.copy()
        z = np.append(x, lam)
        for _ in range(50):
            z[:m] = x
            ev = tk.evaluate(sys, z, lam)
            if ev is None:
                return None
            H, M = ev[0], ev[1]
            dx = _lapack_solve(M[:m, :m], -H[:, None])
            if dx is None:
                return None
            dx = dx[:, 0]
            big = np.abs(dx).max()
            x = x + dx * min(1.0, 1.0 / big) if big > 0 else x  # damped: log-prob units
            if big <= 1e-13 * (1.0 + np.abs(x).max()):
                return x
        return None

    out = _Trace()
    o, b = sys.offsets, sys.block_of

    def full_point(tk: _Tracked, z: NDArray, u: NDArray) -> tuple[NDArray, NDArray]:
        """Full log-probabilities (frozen ones explicit) and each action's log-odds gap
        to the best of its block."""
        x = tk.full_x(np.empty(K), z[: tk.m], float(z[-1]), u)
        return x, np.maximum.reduceat(x, o)[b] - x

    def record(lam: float, r: NDArray, p: NDArray, u: NDArray) -> None:
        q = np.exp(-r)
        out.lambdas.append(lam)
        out.points.append(q / np.add.reduceat(q, o)[b])
        out.regrets.append(float(_block_regrets(sys, p, u).max()))

    tk = _Tracked(sys, np.ones(K, dtype=bool), refs0)
    x0 = np.concatenate([np.full(n, -math.log(n)) for n in sizes])
    z = np.append(x0, 0.0)
    e_lam = np.zeros(K + 1)
    e_lam[K] = 1.0
    start = corrector(tk, z, e_lam)
    if start is None:  # pragma: no cover - the centroid always solves H = 0
        out.message = "could not start the path at the centroid"
        return out
    z, p, u, t, _, _, det_sign = start
    if t[K] < 0:
        t, det_sign = -t, -det_sign
    x, r = full_point(tk, z, u)  # the current point (full log-probabilities, gaps)
    record(0.0, r, p, u)
    targets = sorted(float(v) for v in targets)
    pending = [v for v in targets if v > 0.0]
    for v in targets:
        if v == 0.0:
            record(0.0, r, p, u)
    h = first_step
    h_min = 1e-12
    support_prev: bytes | None = None
    lam_seen = 0.0
    tried: bytes | None = None
    lam_tried = 0.0
    fallback: NDArray | None = None
    reached = False
    r_prev, lam_prev = r, 0.0
    curv: NDArray | None = None
    while True:
        if out.nit >= max_steps:
            out.message = (
                f"stopped after max_steps={max_steps} path steps at lambda="
                f"{z[-1] / sys.scale:.6g}"
            )
            break
        # second-order predictor: the tangent's rate of turn over the last step
        z_pred = z + h * t if curv is None else z + h * t + (0.5 * h * h) * curv
        res = corrector(tk, z_pred, t)
        bad = res is None
        if not bad:
            z_new, p_new, u_new, t_new, d1, kappa, sign = res
            alpha = math.acos(min(1.0, max(-1.0, float(t_new @ t))))
            # the tangent turned too fast (the step may have left the branch), or the
            # orientation determinant changed sign: the step jumped to another branch or
            # crossed a bifurcation (only a degenerate game has one: crossed at a tiny
            # step, it is accepted and the orientation follows)
            bad = alpha > _A_MAX or (
                sign != det_sign and h > _H_BIFURCATION * (1.0 + abs(z[-1]))
            )
            if not bad:
                x_new, r_new = full_point(tk, z_new, u_new)
                # a frozen action may not come back to life within one step: its
                # probability was left out of that step (it is tracked again from the
                # next step on if it comes within exp(-_ADD_LOG_ODDS) of its block's best)
                bad = len(tk.frozen) > 0 and bool((r_new[tk.frozen] < _REVIVE_LOG_ODDS).any())
        if bad:
            h *= 0.5
            if h < h_min * (1.0 + abs(z[-1])):
                out.message = (
                    f"step size fell below {h_min:g} at lambda={z[-1] / sys.scale:.6g} (a "
                    "bifurcation or a singular point of the path)"
                )
                break
            continue
        m = tk.m
        while pending and z[m] < pending[0] <= z_new[m]:
            lam_t = pending.pop(0)
            frac = (lam_t - z[m]) / (z_new[m] - z[m])
            xt = fixed_lambda_point(tk, z[:m] + frac * (z_new[:m] - z[:m]), lam_t)
            if xt is not None:
                zt = np.append(xt, lam_t)
                _, _, pt, ut = tk.residual(sys, zt)
                record(lam_t, full_point(tk, zt, ut)[1], pt, ut)
            else:
                out.missed.append(lam_t)
        dz = z_new - z
        s_step = math.sqrt(float(dz @ dz))
        curv = (t_new - t) / s_step if s_step > 0 else None
        z, t, det_sign, x, r = z_new, t_new, sign, x_new, r_new
        lam = float(z[m])
        out.nit += 1
        record(lam, r, p_new, u_new)
        f = max(
            math.sqrt(d1 / _D_NOM), math.sqrt(kappa / _K_NOM), alpha / _A_NOM, 1.0 / max_accel
        )
        h = h / min(f, 2.0)
        # follow the actions that matter: freeze the dying ones, revive the returning ones
        new_tk = _retrack(sys, tk, x, r)
        if new_tk is not None:
            t_guess = tk.full_tangent(t, K)[new_tk.idx]
            t_guess /= math.sqrt(float(t_guess @ t_guess))
            z_guess = np.append(x[new_tk.act], lam)
            if not (new_tk.mask & ~tk.mask).any():
                # frozen actions and new reference actions only: the rest of the system
                # and its tangent (restricted) are unchanged, and so is the sign of its
                # orientation determinant (a frozen action's column vanishes but for its
                # own row and the tangent row; a new reference recombines the rows of
                # its block with determinant 1)
                tk, z, t, curv = new_tk, z_guess, t_guess, None
            else:
                res = corrector(new_tk, z_guess, t_guess)
                if res is not None:
                    tk, curv = new_tk, None
                    z, _, _, t, _, _, det_sign = res
        if lam >= lambda_max and not pending:
            out.message = f"reached lambda_max at lambda={lam / sys.scale:.6g}"
            reached = True
            break
        if not stop_at_equilibrium or pending or lam < _POLISH_MIN_LAMBDA:
            continue
        mask = _support_candidate(r, lam, r_prev, lam_prev)
        r_prev, lam_prev = r, lam
        key = mask.tobytes()
        if key != support_prev:
            support_prev, lam_seen = key, lam
        if lam >= _STABLE_FACTOR * lam_seen and (key != tried or lam >= 4.0 * lam_tried):
            tried, lam_tried = key, lam
            out.polish_attempts += 1
            q = _polish(sys, out.points[-1], _split_support(sys, mask), tol)
            if q is not None:
                if _heading_to(q, out.points[-1], tk.full_tangent(t, K), lam, K):
                    out.equilibrium = q
                    out.converged = True
                    out.message = (
                        f"polished the path point at lambda={lam / sys.scale:.6g} to an "
                        f"equilibrium on its support ({out.nit} path steps)"
                    )
                    return out
                fallback = q
    # the path ended without an accepted polish: last attempts
    if stop_at_equilibrium:
        q = _final_polish(sys, out, tol)
        if q is None:
            q = fallback
        if q is not None:
            out.equilibrium = q
            out.converged = True
            out.message += "; polished the last point to an equilibrium"
        elif min(out.regrets) <= tol:
            # (a degenerate game whose branch ends at a continuum of equilibria: the path
            # got there to tolerance although no support system could be solved)
            k = int(np.argmin(out.regrets))
            out.equilibrium = out.points[k]
            out.converged = True
            out.message += (
                "; the polish found no equilibrium on the path's support, but the path point "
                f"at lambda={out.lambdas[k] / sys.scale:.6g} is one to tolerance"
            )
        else:
            out.message += "; the polish found no equilibrium on the path's support"
    else:
        out.converged = reached
    return out


def _final_polish(sys: Any, out: _Trace, tol: float) -> NDArray | None:
    """Last attempts after the path ended without an accepted polish: polish the last few
    path points (latest first) on the supports their log-probabilities suggest, from the
    strictest to the loosest, with the forgiving solvers."""
    tried: set[bytes] = set()
    o, b = sys.offsets, sys.block_of
    n_pts = len(out.points)
    for k in range(n_pts - 1, max(n_pts - 1 - _FINAL_POINTS, -1), -1):
        last = out.points[k]
        xl = np.log(np.maximum(last, 1e-300))
        r = np.maximum.reduceat(xl, o)[b] - xl
        for cut in _FINAL_CUTS:
            mask = r <= cut
            key = mask.tobytes()
            if key in tried:
                continue
            tried.add(key)
            out.polish_attempts += 1
            q = _polish(sys, last, _split_support(sys, mask), tol, final=True)
            if q is not None:
                return q
    return None


def _heading_to(q: NDArray, p: NDArray, t: NDArray, lam: float, K: int) -> bool:
    """True if the path at ``p`` (unit tangent ``t``) is heading to the equilibrium ``q``.

    Along the branch ``p(lambda) = p* + a / lambda + O(1 / lambda**2)``, so the
    extrapolation ``p + lambda * dp/dlambda`` is within ``O(1 / lambda**2)`` of the limit
    ``p*``: a polished equilibrium is accepted only if it is ten times closer to that
    extrapolation than to the path point itself (another equilibrium near the path, as
    often sits on an enlarged support, is not; at five times, one game in a thousand
    ended at such a neighbour). At very large lambda (``_LATE_LAMBDA``
    times the payoff scale) it is also accepted when its distance to the path point is
    ``O(1 / lambda)``: on a degenerate game the branch may creep along a continuum of
    equilibria, where the extrapolation never settles, and any point of it is the answer.
    """
    dist = float(np.abs(q - p).max())
    if dist <= 1e-9:
        return True
    if dist > _POLISH_RADIUS or t[K] <= 0:
        return False
    if lam >= _LATE_LAMBDA and lam * dist <= _LATE_GAP:
        return True
    p_ext = p * (1.0 + lam * t[:K] / t[K])
    return float(np.abs(q - p_ext).max()) <= 0.1 * dist


def _support_candidate(r: NDArray, lam: float, r_prev: NDArray, lam_prev: float) -> NDArray:
    """Boolean mask of the actions that look like the support of the branch's limit.

    On the branch ``r_ia = max_b x_ib - x_ia = lambda * (payoff gap of a)``: it tends to a
    constant for an action in the limit's support and grows like ``lambda`` for one
    outside it. An action is kept when it is (nearly) the most likely one, or when
    ``r_ia`` is moderate and its elasticity ``d log r / d log lambda`` (from the previous
    path point, where the gaps were ``r_prev``) is below 1/2.
    """
    keep = r <= 1e-3
    growth = math.log(lam / lam_prev) if lam_prev > 0 and lam > lam_prev else 0.0
    if growth > 0:
        rp = np.maximum(r_prev, 1e-300)
        elast = np.log(np.maximum(r, 1e-300) / rp) / growth
        keep |= (r <= _SUPPORT_LOG_RATIO) & (elast < 0.5)
    else:
        keep |= r <= _SUPPORT_LOG_RATIO
    return keep


def _split_support(sys: Any, mask: NDArray) -> list[NDArray]:
    return [np.flatnonzero(mask[s]) for s in sys.slices]


def _newton(
    fun: Any, z0: NDArray, ftol: float, maxit: int = 20, *, min_norm: bool = False
) -> NDArray | None:
    """Newton's method on ``fun(z) -> (F, jacobian)`` from a close start; None when it does
    not reach ``max |F| <= ftol`` (a wrong support usually has no solution at all). With
    ``min_norm``, the steps are least-squares minimum-norm ones (Gauss-Newton), which still
    converge to a nearby solution when the solutions form a continuum (a degenerate game:
    singular Jacobian)."""
    z = z0
    F, jac = fun(z)
    fn = float(np.abs(F).max())
    for _ in range(maxit):
        if fn <= ftol:
            return z
        if min_norm:
            step = np.linalg.lstsq(jac, -F[:, None], rcond=1e-10)[0]
        else:
            step = _lapack_solve(jac, -F[:, None])
            if step is None:
                return None
        z = z + step[:, 0]
        F, jac = fun(z)
        fn_new = float(np.abs(F).max())
        if not np.isfinite(fn_new) or fn_new > 1e3 * max(fn, 1e-8):
            return None
        fn = fn_new
    return z if fn <= ftol else None


def _repair_support(S: list[NDArray], probs: Sequence[NDArray]) -> list[NDArray]:
    """Drop the least likely actions of players whose indifference conditions outnumber
    the others' degrees of freedom (a generic game has no equilibrium on such a support).
    With one block (a symmetric game) every action's condition involves the block itself,
    so nothing is dropped."""
    if len(S) < 2:
        return S
    S = [s.copy() for s in S]
    changed = True
    while changed:
        changed = False
        dof = [len(s) - 1 for s in S]
        total = sum(dof)
        for i, s in enumerate(S):
            if dof[i] > total - dof[i]:
                a = s[int(np.argmin(probs[i][s]))]
                S[i] = s[s != a]
                changed = True
                break
    return S


def _polish(
    sys: Any, p: NDArray, support: Sequence[NDArray], tol: float, *, final: bool = False
) -> NDArray | None:
    """Solve the equilibrium conditions on a support by Newton, adjusting the support when
    probabilities come out negative or an outside action is a profitable deviation.
    Returns the full (concatenated) profile, or None."""
    sizes, offsets, K = sys.sizes, sys.offsets, sys.K
    nb = len(sizes)
    S = [np.array(s, dtype=np.intp) for s in support]
    if not final:
        S = _repair_support(S, [p[o : o + n] for o, n in zip(offsets, sizes, strict=True)])
    seen: set[tuple] = set()
    for _ in range(2 * K + 2 if final else 4):
        key = tuple(tuple(s.tolist()) for s in S)
        if key in seen:
            return None
        seen.add(key)
        idx = np.concatenate([o + s for o, s in zip(offsets, S, strict=True)])
        bof = np.repeat(np.arange(nb), [len(s) for s in S])
        m = len(idx)
        rows = np.arange(m)

        def fun(z: NDArray, idx=idx, bof=bof, m=m, rows=rows):
            pf = np.zeros(K)
            pf[idx] = z[:m]
            u, J = sys.payoffs_jacobian(pf)
            F = np.empty(m + nb)
            F[:m] = u[idx] - z[m + bof]
            F[m:] = np.bincount(bof, weights=z[:m], minlength=nb) - 1.0
            jac = np.zeros((m + nb, m + nb))
            jac[:m, :m] = J[np.ix_(idx, idx)]
            jac[rows, m + bof] = -1.0
            jac[m + bof, rows] = 1.0
            return F, jac

        q0 = p[idx].copy()
        sums = np.bincount(bof, weights=q0, minlength=nb)
        if np.any(sums <= 0):
            q0 = np.ones(m)
            sums = np.bincount(bof, weights=q0, minlength=nb)
        q0 = q0 / sums[bof]
        pf0 = np.zeros(K)
        pf0[idx] = q0
        u0 = sys.payoffs(pf0)
        v0 = np.bincount(bof, weights=q0 * u0[idx], minlength=nb)
        z0 = np.concatenate([q0, v0])
        ftol = max(tol * 1e-2, 1e-13)
        z = _newton(fun, z0, ftol)
        if z is None and final:
            z = _newton(fun, z0, ftol, min_norm=True)
        if z is None and final:
            # the slower but more forgiving MINPACK solvers, for degenerate systems
            for method in ("hybr", "lm"):
                opts = {"maxfev": 400} if method == "hybr" else {"maxiter": 400}
                try:
                    sol = scipy.optimize.root(
                        fun, z0, jac=True, method=method, tol=1e-14, options=opts
                    )
                except (np.linalg.LinAlgError, ValueError, FloatingPointError):
                    continue
                F, _ = fun(sol.x)
                if np.all(np.isfinite(sol.x)) and np.abs(F).max() <= ftol:
                    z = sol.x
                    break
        if z is None:
            return None
        q_s = z[:m]
        neg = q_s < -1e-12
        if neg.any():
            drop = set(idx[neg].tolist())
            S = [np.array([a for a in s if o + a not in drop], dtype=np.intp)
                 for o, s in zip(offsets, S, strict=True)]
            if any(len(s) == 0 for s in S):
                return None
            continue
        q = np.zeros(K)
        q[idx] = np.maximum(q_s, 0.0)
        q /= np.repeat(np.add.reduceat(q, offsets), sizes)
        u = sys.payoffs(q)
        reg = _block_regrets(sys, q, u)
        if reg.max() <= tol:
            return q
        changed = False
        for b in range(nb):
            if reg[b] > tol:
                o, n = offsets[b], sizes[b]
                ub = u[o : o + n].copy()
                ub[S[b]] = -np.inf
                a = int(np.argmax(ub))
                if np.isfinite(ub[a]):
                    S[b] = np.union1d(S[b], [a]).astype(np.intp)
                    changed = True
        if not changed:
            return None
    return None


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, kw_only=True, eq=False)
class LogitPath:
    """A traced branch of the logit QRE correspondence.

    Attributes
    ----------
    lambdas
        Precision of each point, in the game's payoff units, shape ``(m,)``.
    profiles
        One array per player, shape ``(m, n_i)``: the QRE strategies along the path.
    regrets
        Regret of each point (largest gain from deviating), shape ``(m,)``.
    equilibrium
        The Nash equilibrium the path was polished to, or ``None``.
    converged
        True if the path ended at a verified equilibrium (or reached ``lambda_max`` when
        tracing without stopping at an equilibrium).
    message
        How the path ended.
    nit
        Number of path steps.
    payoff_scale
        The payoff range used to normalise lambda internally.
    player_names, action_names
        Labels copied from the game.
    """

    lambdas: NDArray[np.float64]
    profiles: tuple[NDArray[np.float64], ...]
    regrets: NDArray[np.float64]
    equilibrium: Equilibrium | None
    converged: bool
    message: str
    nit: int
    payoff_scale: float
    player_names: tuple[str, ...]
    action_names: tuple[tuple[str, ...], ...]

    def __len__(self) -> int:
        return len(self.lambdas)

    def profile(self, k: int) -> tuple[NDArray[np.float64], ...]:
        """The mixed profile at path point ``k``."""
        return tuple(np.array(s[k]) for s in self.profiles)

    def profile_at(self, lam: float) -> tuple[NDArray[np.float64], ...]:
        """The QRE at precision ``lam`` on this branch (where the path first reaches it).

        Exact when ``lam`` was requested with ``logit_path(..., lambdas=[...])``; otherwise
        interpolated linearly in log-probabilities between the two neighbouring points.
        """
        lam = check_real("lam", lam, low=0.0)
        lams = self.lambdas
        if lam > lams.max():
            raise DeterrenceError(
                f"lam={lam!r} is out of range; this path reaches lambda={lams.max():.6g}"
            )
        k = int(np.argmax(lams >= lam))
        if lams[k] == lam or k == 0:
            return self.profile(k)
        w = (lam - lams[k - 1]) / (lams[k] - lams[k - 1])
        out = []
        for s in self.profiles:
            lo = np.log(np.maximum(s[k - 1], 1e-300))
            hi = np.log(np.maximum(s[k], 1e-300))
            q = np.exp(lo + w * (hi - lo))
            out.append(q / q.sum())
        return tuple(out)

    def to_dataframe(self) -> Any:
        """One row per path point: ``lambda``, ``regret`` and one column per (player,
        action) probability, labelled ``"player:action"``."""
        import pandas as pd

        data: dict[str, Any] = {"lambda": self.lambdas, "regret": self.regrets}
        for pl, names, s in zip(self.player_names, self.action_names, self.profiles, strict=True):
            for a, nm in enumerate(names):
                data[f"{pl}:{nm}"] = s[:, a]
        return pd.DataFrame(data)

    def plot(
        self, ax: Any = None, *, players: Sequence[int] | None = None, xscale: str = "log"
    ) -> Any:
        """Probability of each action against lambda (one line per player and action).

        Parameters
        ----------
        ax
            Matplotlib Axes to draw on (a new figure when ``None``).
        players
            Indices of the players to draw (default: all).
        xscale
            ``"log"`` (default; the centroid at lambda = 0 is left out) or ``"linear"``.

        Returns
        -------
        matplotlib.axes.Axes
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError:  # pragma: no cover - optional dependency
            raise ImportError(
                "LogitPath.plot needs matplotlib: pip install 'deterrence[plot]'"
            ) from None
        from .._validation import check_choice

        check_choice("xscale", xscale, ("log", "linear"))
        if ax is None:
            _, ax = plt.subplots()
        chosen = range(len(self.profiles)) if players is None else players
        keep = self.lambdas > 0 if xscale == "log" else np.ones(len(self), dtype=bool)
        for i in chosen:
            s = self.profiles[i]
            for a, nm in enumerate(self.action_names[i]):
                ax.plot(self.lambdas[keep], s[keep, a], label=f"{self.player_names[i]}:{nm}")
        ax.set_xscale(xscale)
        ax.set_xlabel("lambda (logit precision)")
        ax.set_ylabel("probability")
        ax.set_title("logit QRE path")
        if sum(len(self.action_names[i]) for i in chosen) <= 12:
            ax.legend(fontsize="small")
        return ax

    def __repr__(self) -> str:
        end = f"{self.lambdas[-1]:.4g}" if len(self) else "-"
        status = "converged" if self.converged else "NOT converged"
        reg = f", equilibrium regret {self.equilibrium.regret:.2g}" if self.equilibrium else ""
        return f"LogitPath({len(self)} points, lambda 0..{end}, {status}{reg})"

    def _repr_html_(self) -> str:
        df = self.to_dataframe()
        return f"<p><b>{self!r}</b><br>{self.message}</p>" + df.tail(10).to_html(index=False)


# ----------------------------------------------------------------------------- helpers
def _payoff_scale(game: Game) -> float:
    if isinstance(game, NormalFormGame):
        s = float(np.ptp(game.payoffs))
    else:
        dev = game._deviation_payoffs(uniform_profile(game))
        s = float(np.ptp(np.concatenate([np.asarray(d, dtype=float) for d in dev])))
    return s if np.isfinite(s) and s > 0 else 1.0


def _check_game(game: Any, who: str) -> Game:
    if not isinstance(game, Game):
        raise DeterrenceError(
            f"game={type(game).__name__} is not a deterrence game; {who} expects a "
            "NormalFormGame or a structured game"
        )
    return game


def _check_options(
    lambda_max: float | None,
    first_step: float,
    max_accel: float,
    max_steps: int,
    tol: float,
) -> tuple[float | None, float, float, int, float]:
    if lambda_max is not None:
        lambda_max = check_real("lambda_max", lambda_max, low=0.0, low_open=True)
    first_step = check_real("first_step", first_step, low=0.0, low_open=True)
    max_accel = check_real("max_accel", max_accel, low=1.0)
    max_steps = check_int("max_steps", max_steps, low=1)
    tol = check_real("tol", tol, low=0.0, low_open=True)
    return lambda_max, first_step, max_accel, max_steps, tol


def _path_from_trace(
    game: Game, sys: Any, tr: _Trace, scale: float, equilibrium: Equilibrium | None
) -> LogitPath:
    pts = np.array(tr.points)
    lams = np.array(tr.lambdas) / scale
    regs = np.array(tr.regrets) * scale
    blocks = []
    for o, n in zip(sys.offsets, sys.sizes, strict=True):
        a = np.ascontiguousarray(pts[:, o : o + n])
        a.flags.writeable = False
        blocks.append(a)
    if len(blocks) != game.n_players:  # a symmetric trace: one block shared by every player
        blocks = blocks * game.n_players
    lams.flags.writeable = False
    regs.flags.writeable = False
    return LogitPath(
        lambdas=lams,
        profiles=tuple(blocks),
        regrets=regs,
        equilibrium=equilibrium,
        converged=tr.converged,
        message=tr.message,
        nit=tr.nit,
        payoff_scale=scale,
        player_names=game.player_names,
        action_names=game.action_names,
    )


def _finish(
    game: Game, sys: Any, tr: _Trace, scale: float, tol: float
) -> tuple[Equilibrium, bool, str]:
    """The Equilibrium to report (always evaluated by the oracle) and whether it meets tol."""
    if tr.equilibrium is not None:
        eq = Equilibrium.from_profile(game, sys.game_profile(tr.equilibrium))
        if eq.regret <= tol * scale:
            return eq, True, tr.message
        msg = (
            f"{tr.message}; but its regret {eq.regret:.3g} exceeds tol * payoff scale = "
            f"{tol * scale:.3g}"
        )
        return eq, False, msg
    k = int(np.argmin(tr.regrets))
    eq = Equilibrium.from_profile(game, sys.game_profile(tr.points[k]))
    return eq, False, f"{tr.message}; returning the path point of least regret ({eq.regret:.3g})"


# ----------------------------------------------------------------------------- public
def logit_path(
    game: Game,
    *,
    lambda_max: float | None = None,
    lambdas: Sequence[float] | None = None,
    stop_at_equilibrium: bool = True,
    first_step: float = 0.03,
    max_accel: float = 2.0,
    max_steps: int = 10_000,
    tol: float = 1e-10,
) -> LogitPath:
    """Trace the principal branch of the logit QRE correspondence from the centroid.

    Parameters
    ----------
    game
        Any game (dense or structured); only its oracle and second-order oracle are used.
    lambda_max
        Stop when lambda (in the game's payoff units) exceeds this. Default:
        ``1e7 / payoff_scale``.
    lambdas
        Precisions at which the path must contain an exact QRE (where the branch first
        reaches them); read them back with :meth:`LogitPath.profile_at`.
    stop_at_equilibrium
        If True (default), stop as soon as the path point polishes to a Nash equilibrium
        (regret at most ``tol`` times the payoff scale), after the requested ``lambdas``;
        if False, trace up to ``lambda_max``.
    first_step, max_accel
        Arc length of the first step, and the largest factor by which a step may grow.
    max_steps
        Largest number of path steps.
    tol
        Regret tolerance of the polished equilibrium, relative to the payoff scale.

    Returns
    -------
    LogitPath

    Examples
    --------
    >>> import deterrence as dt
    >>> mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    >>> path = dt.logit_path(mp, lambdas=[1.0])
    >>> [s.round(3).tolist() for s in path.profile_at(1.0)]
    [[0.5, 0.5], [0.5, 0.5]]
    >>> bool(path.equilibrium.regret < 1e-10)
    True
    """
    game = _check_game(game, "logit_path")
    lambda_max, first_step, max_accel, max_steps, tol = _check_options(
        lambda_max, first_step, max_accel, max_steps, tol
    )
    targets: list[float] = []
    if lambdas is not None:
        arr = np.atleast_1d(np.asarray(lambdas, dtype=float))
        if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise DeterrenceError(
                f"lambdas={lambdas!r} is not valid; expected a sequence of finite numbers >= 0"
            )
        targets = sorted(set(arr.tolist()))
    scale = _payoff_scale(game)
    sys = _system(game, scale)
    lam_max = DEFAULT_LAMBDA_MAX if lambda_max is None else lambda_max * scale
    tr = _trace(
        sys,
        lambda_max=lam_max,
        targets=[v * scale for v in targets],
        first_step=first_step,
        max_accel=max_accel,
        max_steps=max_steps,
        tol=tol,
        stop_at_equilibrium=bool(stop_at_equilibrium),
    )
    eq = None
    if tr.equilibrium is not None:
        eq, ok, msg = _finish(game, sys, tr, scale, tol)
        tr.converged, tr.message = ok, msg
    if tr.missed:
        tr.message += (
            f"; no exact QRE found at lambda={[v / scale for v in tr.missed]} "
            "(profile_at interpolates there)"
        )
    return _path_from_trace(game, sys, tr, scale, eq)


def solve_logit(
    game: Game,
    *,
    tol: float = 1e-10,
    lambda_max: float | None = None,
    first_step: float = 0.03,
    max_accel: float = 2.0,
    max_steps: int = 10_000,
) -> NashResult:
    """One Nash equilibrium by tracing the logit QRE path (``dt.solve(game, method="logit")``).

    Works on any N-player game through its deviation-payoff oracle and second-order oracle
    (see the module documentation for the method). The result holds one equilibrium with
    its regret; ``converged`` is True when that regret is at most ``tol`` times the payoff
    scale. ``details["path"]`` is the traced :class:`LogitPath`.

    Parameters
    ----------
    game
        Any game (dense or structured).
    tol
        Regret tolerance relative to the payoff scale (the payoff range of a dense game).
    lambda_max, first_step, max_accel, max_steps
        Path-following controls, as in :func:`logit_path`.

    Examples
    --------
    >>> import deterrence as dt
    >>> mp = dt.NormalFormGame([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]])
    >>> res = dt.solve(mp, method="logit")
    >>> [s.round(6).tolist() for s in res[0].strategies]
    [[0.5, 0.5], [0.5, 0.5]]
    >>> res.converged
    True
    """
    game = _check_game(game, "solve_logit")
    lambda_max, first_step, max_accel, max_steps, tol = _check_options(
        lambda_max, first_step, max_accel, max_steps, tol
    )
    scale = _payoff_scale(game)
    sys = _system(game, scale)
    lam_max = DEFAULT_LAMBDA_MAX if lambda_max is None else lambda_max * scale
    tr = _trace(
        sys,
        lambda_max=lam_max,
        first_step=first_step,
        max_accel=max_accel,
        max_steps=max_steps,
        tol=tol,
    )
    eq, ok, msg = _finish(game, sys, tr, scale, tol)
    tr.converged, tr.message = ok, msg
    path = _path_from_trace(game, sys, tr, scale, eq if ok else None)
    return NashResult(
        equilibria=(eq,),
        method="logit",
        complete=False,
        converged=ok,
        message=msg,
        parameters={
            "tol": tol,
            "lambda_max": lambda_max,
            "first_step": first_step,
            "max_accel": max_accel,
            "max_steps": max_steps,
        },
        nit=tr.nit,
        details={
            "path": path,
            "lambda": float(path.lambdas[-1]),
            "payoff_scale": scale,
            "polish_attempts": tr.polish_attempts,
        },
    )
