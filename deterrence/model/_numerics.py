"""Numerical constants and helpers shared by the targeting model's oracles.

One home for what the first-order engines (:mod:`deterrence.model._engines`), the
second-order and symmetric engines (:mod:`deterrence.model._second_order`) and the rule
kernels (:mod:`deterrence.model.kernels`) all use: the tie tolerance, the trapezoid grid of
the noisy-max integral and the noise distributions' log-CDF and log-density.

The noisy-max grid. The probability that a score ``s`` is the highest *noisy* score is
``int f((x - s)/sigma)/sigma * prod_j E[F((x - S_j)/sigma)] dx`` (``F``, ``f`` the noise CDF
and density: Gumbel for logit, standard normal for probit). It is taken by the trapezoid
rule with spacing ``STEP * sigma`` from ``4 sigma`` (logit) or ``9 sigma`` (probit) below
the lowest finite score to ``20 sigma`` (logit) or ``9 sigma`` (probit) above the highest;
each column's integrand is negligible outside a band of ``left + right`` noise scales
around its own score (kernel tails below ``exp(-37)``).

Size policy
-----------
Every route of the targeting model that can grow estimates its size from the inputs
*before* allocating anything and raises :class:`~deterrence.GameTooLargeError` (through
:func:`too_large`: the parameter, its value, the estimate and the limit) when the estimate
is above one of these limits, all defined here and nowhere else:

=========================  ==========================================================
``MAX_ORGS``               organizations of a model (its ``n x n`` attribution matrices)
``MAX_LEVELS``             violence levels of one organization
``MAX_BLOCK_PROFILES``     joint actions enumerated within one attribution block
``MAX_WORK_ENTRIES``       float entries of the largest working array of one oracle
                           call (enumerated attribution blocks, pair matrices,
                           symmetric closed forms: ``levels x levels`` arrays)
``MAX_GRID_NODES``         nodes of the noisy-max quadrature grid (the score range over
                           ``STEP * noise``: tiny noise means a huge grid)
``MAX_SHIFT_STATES``       distinct partial sums tracked by the common-shift floor
                           correction (all-to-all misattribution with a binding floor)
``DEFAULT_DENSE_LIMIT``    pure profiles of ``TargetingGame.to_normal_form`` (default of
                           its ``max_profiles``)
=========================  ==========================================================

``CHUNK`` and ``MAX_ENTRIES`` are not limits: they size the chunks that vectorised loops
process at once (memory stays bounded whatever the input size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import log_ndtr

from ..errors import GameTooLargeError

__all__ = [
    "CHUNK",
    "DEFAULT_DENSE_LIMIT",
    "MAX_BLOCK_PROFILES",
    "MAX_ENTRIES",
    "MAX_GRID_NODES",
    "MAX_LEVELS",
    "MAX_ORGS",
    "MAX_SHIFT_STATES",
    "MAX_WORK_ENTRIES",
    "STEP",
    "TIE_RTOL",
    "TINY",
    "ZCLIP",
    "Block",
    "Grid",
    "aggregate",
    "flush",
    "log_cdf",
    "log_density",
    "safe_log",
    "too_large",
]

#: Relative tie tolerance on scores: scores within ``TIE_RTOL * score scale`` are tied, and
#: a score is above a floor only if it exceeds it by more than that (every path, every rule).
TIE_RTOL = 1e-9
#: Trapezoid spacing of the noisy-max integral, in units of the noise scale.
STEP = 0.25
#: Exponent clip in the Gumbel CDF exp(-exp(-z)): exp(-exp(50)) == 0.0 in floating point.
ZCLIP = 50.0
#: Largest number of (column x grid node) entries processed at once.
CHUNK = 4_000_000
#: Largest number of complex entries held at once by the counting engine.
MAX_ENTRIES = 4_000_000
#: Values below this are flushed to zero before products (subnormal floats make BLAS crawl;
#: their contribution to a probability is far below rounding).
TINY = 1e-250

# ---------------------------------------------------------------- size policy (see above)
#: Largest number of organizations of a model (``n x n`` matrices of at most 25M entries).
MAX_ORGS = 5_000
#: Largest number of violence levels of one organization.
MAX_LEVELS = 1_000_000
#: Largest number of joint actions enumerated within one attribution block.
MAX_BLOCK_PROFILES = 2_000_000
#: Largest number of float entries of one working array (about 200 MB).
MAX_WORK_ENTRIES = 25_000_000
#: Largest number of nodes of the noisy-max quadrature grid.
MAX_GRID_NODES = 2_000_000
#: Largest number of steps of the quadrature lattice (indices stay exact integers).
MAX_LATTICE_INDEX = 2.0**52
#: Largest number of distinct partial sums tracked by the common-shift floor correction.
MAX_SHIFT_STATES = 2_000_000
#: Default limit on the number of pure profiles of ``TargetingGame.to_normal_form``.
DEFAULT_DENSE_LIMIT = 4_000_000


def too_large(
    parameter: str, value: object, estimate: float, limit: float, what: str, hint: str
) -> GameTooLargeError:
    """The error of the size policy: ``parameter=value`` needs ``estimate`` ``what`` (above
    ``limit``); ``hint`` says what to change.

    Examples
    --------
    >>> from deterrence.model._numerics import too_large
    >>> str(too_large("noise", 1e-9, 4e10, 2e6, "grid nodes", "use a larger noise"))
    'noise=1e-09 needs about 4e+10 grid nodes, above the limit 2e+06; use a larger noise'
    """
    return GameTooLargeError(
        f"{parameter}={value!r} needs about {estimate:.3g} {what}, above the limit "
        f"{limit:.3g}; {hint}"
    )


def safe_log(x: NDArray) -> NDArray:
    """``log(max(x, 0))`` with ``log 0 = -inf`` and no warning."""
    with np.errstate(divide="ignore"):
        return np.log(np.maximum(x, 0.0))


def flush(a: NDArray) -> NDArray:
    """``a`` with entries of modulus below :data:`TINY` set to zero."""
    return np.where(np.abs(a) < TINY, 0.0, a)


def log_cdf(kind: str, z: NDArray) -> NDArray:
    """``log F(z)`` of the standard noise: Gumbel (``"logit"``) or normal (``"probit"``)."""
    if kind == "probit":
        return log_ndtr(z)
    return -np.exp(np.minimum(-z, ZCLIP))


def log_density(kind: str, z: NDArray, sigma: float) -> NDArray:
    """``log(f(z) / sigma)``: the log density of the noise of scale ``sigma`` at ``z``."""
    if kind == "probit":
        return -0.5 * z * z - 0.5 * np.log(2 * np.pi) - np.log(sigma)
    return -z - np.exp(np.minimum(-z, ZCLIP)) - np.log(sigma)


def aggregate(
    action: NDArray[np.intp], weight: NDArray, values: NDArray, n_actions: int
) -> NDArray:
    """``out[a] = sum_c [action_c = a] weight_c values_c``."""
    return np.bincount(action, weights=weight * values, minlength=n_actions)


@dataclass
class Block:
    """Joint law of one attribution block's scores over its members' supports."""

    members: NDArray[np.intp]
    probs: NDArray[np.float64]  # (R,)
    scores: NDArray[np.float64]  # (R, m)


class Grid:
    """The trapezoid grid of the noisy-max integral (see the module docstring).

    ``values``: every score that enters the integral (any shapes; ``-inf`` entries never
    win and never block, and do not stretch the grid); ``floor``: the outside option.

    The nodes are lattice points ``a + h * U`` (``U``: lattice indices). Normally ``U`` is the
    whole lattice; when the noise is small relative to the score range (the lattice would
    have more nodes than the bands around the distinct scores together), ``U`` keeps only
    those bands: the integrands are negligible elsewhere, so the sums are the same up to
    terms below ``exp(-37)``, at a cost proportional to the number of distinct scores.
    """

    def __init__(self, kind: str, sigma: float, values: list[NDArray], floor: float | None):
        self.kind, self.sigma = kind, sigma
        fin = [v[np.isfinite(v)].ravel() for v in values]
        if floor is not None:
            fin.append(np.array([floor]))
        allf = np.concatenate(fin) if fin else np.empty(0)
        self.empty = allf.size == 0
        if self.empty:
            return
        lo, hi = float(allf.min()), float(allf.max())
        if kind == "probit":
            a, b = lo - 9.0 * sigma, hi + 9.0 * sigma
            self.left, self.right = 9.0, 9.0
        else:
            # Gumbel kernel g(z) = exp(-z - exp(-z)): below z = -4 it is under 1e-22. Above
            # the top score the integrand g (1 - G) decays like exp(-2 (x - hi) / sigma), so
            # the grid can stop 20 noise scales above it (error below N exp(-40)).
            a, b = lo - 4.0 * sigma, hi + 20.0 * sigma
            self.left, self.right = 4.0, 38.0
        self.a = a
        self.h = h = STEP * sigma
        lattice = (b - a) / h + 1.0
        if not lattice <= MAX_LATTICE_INDEX:
            # the nodes are indexed on one lattice: past 2**52 steps the indices are no
            # longer exact integers (scores spread over ~1e15 noise scales or more)
            raise too_large(
                "noise",
                sigma,
                lattice,
                MAX_LATTICE_INDEX,
                f"quadrature lattice steps (scores from {lo:.3g} to {hi:.3g})",
                "use a larger noise or rescale the scores (a per-revenue score of a tiny "
                "revenue is huge)",
            )
        band = int(np.ceil((self.left + self.right) / STEP)) + 2
        distinct = np.unique(allf)
        if lattice <= MAX_GRID_NODES and lattice <= distinct.size * band:
            self.n_lattice = int(np.ceil((b - a) / h)) + 1
            self.band = min(self.n_lattice, band)
            self.U = np.arange(self.n_lattice)
        else:
            # small noise: only the bands around the scores matter (the integrands are
            # negligible elsewhere); keep those lattice nodes only (a sparse grid)
            if distinct.size * band > MAX_GRID_NODES:
                raise too_large(
                    "noise",
                    sigma,
                    distinct.size * band,
                    MAX_GRID_NODES,
                    f"quadrature grid nodes ({distinct.size} distinct scores, each with a "
                    f"band of {band} nodes)",
                    "use a larger noise or fewer levels",
                )
            self.n_lattice = int(np.ceil((b - a) / h)) + 1
            self.band = min(self.n_lattice, band)
            first = self.first_node(distinct)
            self.U = np.unique(first[:, None] + np.arange(self.band)[None, :])
        self.n_nodes = len(self.U)
        self.x = a + h * self.U

    def log_f(self, x: NDArray, v: NDArray) -> NDArray:
        """log F((x - v) / sigma), broadcast; ``v = -inf`` never blocks (log F = 0)."""
        with np.errstate(invalid="ignore"):
            z = (x - v) / self.sigma
        z = np.where(np.isneginf(v), np.inf, z)
        return log_cdf(self.kind, z)

    def first_node(self, s: NDArray) -> NDArray[np.intp]:
        """Lattice index (node ``a + h * index``) of the first node of the band around each
        score (clipped to the lattice)."""
        first = np.floor(
            (np.where(np.isfinite(s), s, self.a) - self.left * self.sigma - self.a) / self.h
        )
        # clip before the cast: a huge score (say 1e51, a per-revenue score of a tiny
        # revenue) lies beyond the lattice, and its index does not fit an integer
        return np.clip(first, 0, self.n_lattice - self.band).astype(np.intp)

    def position(self, first: NDArray[np.intp]) -> NDArray[np.intp]:
        """Position in :attr:`x` of lattice nodes (the grid keeps every band whole)."""
        return np.searchsorted(self.U, first)

    def nodes(self, s: NDArray) -> NDArray[np.intp]:
        """Positions in :attr:`x` of the band of nodes around each finite score ``s`` ->
        ``(C, band)``."""
        return self.position(self.first_node(s))[:, None] + np.arange(self.band)[None, :]

    def log_kernel(self, xs: NDArray, s: NDArray) -> NDArray:
        """log of the noise density at ``(xs - s) / sigma`` (over sigma)."""
        z = (xs - s[:, None]) / self.sigma
        return log_density(self.kind, z, self.sigma)
