"""The exact Markov chain of the tipping model (random enforcement, small n).

State: the last ``z`` periods' (violations, apprehensions) pairs, oldest first. With ``M =
(n + 1)(n + 2) / 2`` possible pairs ``0 <= a <= v <= n`` there are ``M ** z`` states and
``M`` successors per state: the next pair ``(v, a)`` has probability
``Binom(n, P(g >= F q)).pmf(v) * Binom(v, gamma min(1, R / v)).pmf(a)`` with ``q`` the
Beta posterior mean over the state's periods. The stationary distribution solves
``pi (P - I) = 0, sum(pi) = 1``: by one sparse LU solve (``scipy.sparse.linalg.spsolve``) for
small chains, else as the leading eigenvector of ``P^T`` (ARPACK, ``scipy.sparse.linalg.eigs``;
LU fill-in grows too fast past a few thousand states). Both stay accurate when the chain is
metastable, where power iteration would need about as many steps as the expected tipping
time; the residual ``max |pi P - pi|`` is reported.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse, stats
from scipy.sparse.linalg import ArpackNoConvergence, MatrixRankWarning, eigs, lgmres, spsolve

from .._validation import check_int, check_real
from ..errors import DeterrenceError, GameTooLargeError, UnsupportedGameError
from ..model.tipping import TippingModel, violation_probability
from ._tipping_kernel import modes as _modes
from ._tipping_kernel import round_half_up

__all__ = ["TippingChain", "markov_chain"]

#: Chains up to this many states are solved by sparse LU, larger ones iteratively.
DIRECT_MAX_STATES = 4000


@dataclass(frozen=True, kw_only=True, eq=False)
class TippingChain:
    """The exact chain of a :class:`~deterrence.TippingModel` at one capacity.

    Attributes
    ----------
    model, capacity
        What was solved.
    n_states
        ``M ** memory`` with ``M = (n + 1)(n + 2) / 2`` pairs per period.
    pmf
        Stationary distribution of the number of violations in a period, shape ``(n + 1,)``.
    mean_apprehensions
        Stationary mean number of apprehensions per period.
    residual
        ``max |pi P - pi|`` of the computed stationary distribution.
    """

    model: Any
    capacity: float
    n_states: int
    pmf: NDArray[np.float64]
    mean_apprehensions: float
    residual: float
    _transition: Any = field(repr=False)
    _pairs: NDArray[np.int64] = field(repr=False)

    @property
    def mean(self) -> float:
        """Stationary mean number of violations per period."""
        return float(self.pmf @ np.arange(self.pmf.size))

    @property
    def modes(self) -> NDArray[np.int64]:
        """Peaks of the stationary distribution of violations."""
        return _modes(self.pmf)

    def _state_index(self, v0: int) -> int:
        m = self.model
        a0 = int(round_half_up(m.gamma * min(v0, self.capacity)))
        n_pairs = len(self._pairs)
        j = int(np.flatnonzero((self._pairs[:, 0] == v0) & (self._pairs[:, 1] == a0))[0])
        return sum(j * n_pairs**e for e in range(m.memory))

    def expected_tipping_time(
        self, start: str = "high", *, level: float | None = None, hold: int | None = None
    ) -> float:
        """Exact expected number of periods until the run has tipped.

        Same definition as :func:`~deterrence.simulate_tipping`: starting from its history
        (``start="low"``: ``round(n p_low)`` violations, ``"high"``: ``n``, each with the
        expected apprehensions under the capacity, in every remembered period), the first
        period that ends ``hold`` consecutive periods (default ``memory``; at most
        ``memory``) with violations above (from low) or below (from high) ``level`` (default
        ``model.level``). Solves ``(I - Q) h = 1`` over the states not yet tipped.
        """
        m = self.model
        if start not in ("low", "high"):
            raise DeterrenceError(f"start={start!r} is not valid; expected 'low' or 'high'")
        level = m.level if level is None else check_real("level", level, low=0.0, high=m.n)
        hold = m.memory if hold is None else check_int("hold", hold, low=1, high=m.memory)
        v0 = m.n if start == "high" else int(round_half_up(m.n * m.p_low))
        s0 = self._state_index(v0)
        n_pairs = len(self._pairs)
        states = np.arange(self.n_states)
        target = np.ones(self.n_states, dtype=bool)
        for e in range(hold):  # the last `hold` periods (least significant digits)
            v_e = self._pairs[(states // n_pairs**e) % n_pairs, 0]
            target &= v_e < level if start == "high" else v_e > level
        keep = np.flatnonzero(~target)
        if target[s0]:
            raise DeterrenceError(f"the {start} start is already across level={level}")
        q = self._transition[keep][:, keep]
        a = sparse.identity(len(keep), format="csc") - q.tocsc()
        ones = np.ones(len(keep))
        if len(keep) <= DIRECT_MAX_STATES:
            h = spsolve(a, ones)
        else:
            h, info = lgmres(a.tocsr(), ones, rtol=1e-12, atol=0.0, maxiter=10_000)
            if info != 0 or np.abs(a @ h - ones).max() > 1e-8 * max(1.0, np.abs(h).max()):
                raise DeterrenceError(
                    "expected_tipping_time: the iterative solve did not converge (the start "
                    "state is too metastable for this chain size); use a smaller n"
                )
        return float(h[int(np.searchsorted(keep, s0))])

    def to_dataframe(self) -> Any:
        """The stationary distribution: one row per number of violations."""
        import pandas as pd

        return pd.DataFrame({"violations": np.arange(self.pmf.size), "probability": self.pmf})

    def _repr_html_(self) -> str:
        return (
            f"<p><b>TippingChain</b> capacity={self.capacity:g}, {self.n_states} states, "
            f"mean violations {self.mean:.4g}, modes {self.modes.tolist()}</p>"
        )


def _stationary(trans: Any) -> NDArray[np.float64] | None:
    n_states = trans.shape[0]
    if n_states <= DIRECT_MAX_STATES:
        a = (trans.T - sparse.identity(n_states, format="csr")).tolil()
        a[n_states - 1, :] = np.ones(n_states)
        b = np.zeros(n_states)
        b[-1] = 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MatrixRankWarning)
            pi = spsolve(a.tocsc(), b)
    else:
        try:
            vals, vecs = eigs(
                trans.T.tocsr(),
                k=1,
                which="LM",
                v0=np.full(n_states, 1.0 / n_states),
                tol=1e-14,
                maxiter=100_000,
            )
        except ArpackNoConvergence:
            return None
        if abs(vals[0] - 1.0) > 1e-9:
            return None
        pi = vecs[:, 0].real
        pi = pi * np.sign(pi.sum())
    if not np.all(np.isfinite(pi)) or pi.min() < -1e-8 * np.abs(pi).max():
        return None
    return pi


def markov_chain(
    model: Any, *, capacity: float | None = None, max_states: int = 200_000
) -> TippingChain:
    """Build the exact Markov chain of a small tipping model and solve its stationary law.

    Parameters
    ----------
    model
        A :class:`~deterrence.TippingModel` with ``enforcement="random"`` (a crackdown
        without ``max_periods`` is allowed: it depends only on the last period).
    capacity
        Capacity ``R`` (default ``model.capacity``).
    max_states
        Refuse chains with more states (``((n+1)(n+2)/2) ** memory``) than this.

    Examples
    --------
    >>> import deterrence as dt
    >>> chain = dt.markov_chain(dt.TippingModel(n=6, memory=1, capacity=2.0))
    >>> chain.n_states, round(float(chain.pmf.sum()), 12)
    (28, 1.0)
    """

    if not isinstance(model, TippingModel):
        raise DeterrenceError(
            f"model={type(model).__name__} is not valid; expected a dt.TippingModel"
        )
    if model.enforcement != "random":
        raise UnsupportedGameError(
            "markov_chain needs enforcement='random' (priority tiers multiply the state "
            "space); simulate priority enforcement with dt.simulate_tipping"
        )
    if model.crackdown is not None and model.crackdown.max_periods is not None:
        raise UnsupportedGameError(
            "markov_chain cannot follow a crackdown budget (max_periods): it is not a "
            "function of the remembered periods; use dt.simulate_tipping"
        )
    cap = model.capacity if capacity is None else check_real("capacity", capacity, low=0.0)
    max_states = check_int("max_states", max_states, low=1)
    n, z = model.n, model.memory
    n_pairs = (n + 1) * (n + 2) // 2  # (violations, arrests) pairs of one period
    n_states = n_pairs**z
    if n_states > max_states:  # counted before anything is allocated
        raise GameTooLargeError(
            f"markov_chain: n={n}, memory={z} gives {n_states} states, more than "
            f"max_states={max_states}; use a smaller n or dt.simulate_tipping"
        )
    pairs = np.array([(v, a) for v in range(n + 1) for a in range(v + 1)], dtype=np.int64)
    pv, pa = pairs[:, 0], pairs[:, 1]
    digits = np.empty((n_states, z), dtype=np.int64)  # digit 0 = oldest period
    rest = np.arange(n_states)
    for e in range(z - 1, -1, -1):
        digits[:, e] = rest % n_pairs
        rest //= n_pairs
    sum_v = pv[digits].sum(axis=1)
    sum_a = pa[digits].sum(axis=1)
    q = (model.alpha + sum_a) / (model.alpha + model.beta + sum_v)
    p = violation_probability(q, mean=model.mean, sd=model.sd, sanction=model.sanction)
    bv = stats.binom.pmf(np.arange(n + 1)[None, :], n, p[:, None])  # (states, n + 1)

    def apprehension_pmf(r: float) -> NDArray:
        c = model.gamma * np.minimum(1.0, r / np.maximum(pv, 1))
        return stats.binom.pmf(pa, pv, c)

    cd = model.crackdown
    g_base = apprehension_pmf(cap)
    if cd is None:
        g = np.broadcast_to(g_base, (n_states, n_pairs))
    else:
        active = pv[digits[:, -1]] > cd.trigger
        g = np.where(active[:, None], apprehension_pmf(cap + cd.extra)[None, :], g_base[None, :])
    probs = bv[:, pv] * g  # (states, pairs)
    nxt = (np.arange(n_states) % (n_pairs ** (z - 1)))[:, None] * n_pairs + np.arange(n_pairs)
    nz = probs > 0
    rows = np.broadcast_to(np.arange(n_states)[:, None], probs.shape)[nz]
    trans = sparse.csr_matrix((probs[nz], (rows, nxt[nz])), shape=(n_states, n_states))

    pi = _stationary(trans)
    if pi is None:
        raise DeterrenceError(
            "markov_chain: no unique stationary distribution found (the chain has several "
            "closed classes at these parameters, or the eigen solve did not converge)"
        )
    pi = np.clip(pi, 0.0, None)
    pi /= pi.sum()
    residual = float(np.abs(trans.T @ pi - pi).max())
    last = digits[:, -1]
    pmf = np.bincount(pv[last], weights=pi, minlength=n + 1)
    mean_a = float(pi @ pa[last])
    pmf.flags.writeable = False
    return TippingChain(
        model=model,
        capacity=cap,
        n_states=n_states,
        pmf=pmf,
        mean_apprehensions=mean_a,
        residual=residual,
        _transition=trans,
        _pairs=pairs,
    )
