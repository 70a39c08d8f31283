"""Attribution and false flags: whose violence the scores are charged to.

Two ``(N, N)`` matrices, rows indexed by the organization that commits the violence:

* ``attribution[i, j]``: the share of ``i``'s (apparent) violence that the authorities
  charge to ``j`` (the diagonal is correct attribution; a row may sum to less than one, the
  rest going unattributed). Exogenous measurement error of the authorities.
* ``framing[i, j]`` (``i != j``): the share of ``i``'s violence that ``i`` dresses up as
  ``j``'s — false flags, a strategic choice held fixed here. The diagonal must be zero;
  ``1 - sum_j framing[i, j]`` of ``i``'s violence looks like its own.

The *effective* matrix ``M = (I - diag(framing @ 1) + framing) @ attribution`` maps the raw
scores ``z`` to the attributed scores ``S = M.T @ z``, i.e. ``S_j = sum_i M[i, j] z_i``.

Organizations linked by a non-zero entry (in either direction) form *attribution blocks*
(connected components): scores within a block depend only on the block's actions, and
blocks are independent. The structured payoff oracle enumerates each block's joint
actions, so its cost stays polynomial in the number of organizations when blocks are small
(a diagonal matrix gives singleton blocks: the product-of-CDFs case). All-to-all confusion
(``confusion_matrix(n, rate)``, the scenario default without ``rivals``) makes one block of
everybody, but every score then carries the same common term ``a * sum(z)``: the ranking
rules and noisy attribution without a floor are computed on the small blocks left once it is
removed, with an exact correction for the floor (:mod:`deterrence.model._shift`).
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import check_finite_array, check_real
from ..errors import DeterrenceError

__all__ = [
    "attribution_blocks",
    "confusion_matrix",
    "effective_attribution",
    "framing_matrix",
]

_ROW_TOL = 1e-9


def _check_matrix(name: str, value: ArrayLike, n: int) -> NDArray[np.float64]:
    arr = check_finite_array(name, value, ndim=2)
    if arr.shape != (n, n):
        raise DeterrenceError(
            f"{name} has shape {arr.shape}; expected ({n}, {n}) (one row and one column per "
            "organization)"
        )
    if np.any(arr < 0):
        i, j = (int(x) for x in np.argwhere(arr < 0)[0])
        raise DeterrenceError(f"{name}[{i}][{j}]={arr[i, j]!r} is negative; expected a share >= 0")
    rows = arr.sum(axis=1)
    if np.any(rows > 1 + _ROW_TOL):
        i = int(np.argmax(rows))
        raise DeterrenceError(
            f"{name}[{i}] sums to {rows[i]!r}; expected each row (shares of one organization's "
            "violence) to sum to at most 1"
        )
    return arr


def effective_attribution(
    n: int, attribution: ArrayLike | None = None, framing: ArrayLike | None = None
) -> NDArray[np.float64]:
    """The effective matrix ``M`` with ``S_j = sum_i M[i, j] z_i`` (validated inputs).

    Examples
    --------
    >>> from deterrence.model.attribution import effective_attribution
    >>> effective_attribution(2, framing=[[0, 0.25], [0, 0]]).tolist()
    [[0.75, 0.25], [0.0, 1.0]]
    """
    a = np.eye(n) if attribution is None else _check_matrix("attribution", attribution, n)
    if framing is None:
        return np.array(a, dtype=float)
    f = _check_matrix("framing", framing, n)
    if np.any(np.diag(f) != 0):
        i = int(np.flatnonzero(np.diag(f))[0])
        raise DeterrenceError(
            f"framing[{i}][{i}]={f[i, i]!r} is not valid; the diagonal must be 0 (framing "
            "entries are shares of violence dressed up as *another* organization's)"
        )
    dress = np.eye(n) - np.diag(f.sum(axis=1)) + f
    return dress @ a


def attribution_blocks(matrix: ArrayLike) -> tuple[tuple[int, ...], ...]:
    """Connected components of the organizations linked by non-zero off-diagonal entries,
    each sorted, ordered by their first member.

    Examples
    --------
    >>> from deterrence.model.attribution import attribution_blocks
    >>> attribution_blocks([[1, 0, 0], [0, 0.9, 0.1], [0, 0, 1]])
    ((0,), (1, 2))
    """
    m = np.asarray(matrix, dtype=float)
    g = nx.Graph()
    g.add_nodes_from(range(m.shape[0]))
    ii, jj = np.nonzero(m)
    g.add_edges_from((int(i), int(j)) for i, j in zip(ii, jj, strict=True) if i != j)
    comps = [tuple(sorted(c)) for c in nx.connected_components(g)]
    return tuple(sorted(comps))


def confusion_matrix(
    n: int, rate: float, pairs: Sequence[tuple[int, int]] | None = None
) -> NDArray[np.float64]:
    """An attribution matrix with misattribution ``rate`` between the listed pairs.

    Each organization keeps ``1 - rate`` of its violence; the ``rate`` it loses is charged
    in equal parts to its partners in ``pairs`` (symmetric pairs ``(i, j)``, e.g. rivals
    fighting over the same plaza). With ``pairs=None`` every other organization is a
    partner (uniform confusion, which never changes the ranking — only floors and margins
    feel it). Organizations without partners keep all their violence.

    Examples
    --------
    >>> from deterrence.model.attribution import confusion_matrix
    >>> confusion_matrix(3, 0.2, pairs=[(0, 1)]).tolist()
    [[0.8, 0.2, 0.0], [0.2, 0.8, 0.0], [0.0, 0.0, 1.0]]
    """
    rate = check_real("rate", rate, low=0.0, high=1.0)
    partners = np.zeros((n, n), dtype=bool)
    if pairs is None:
        partners[:] = True
        np.fill_diagonal(partners, False)
    else:
        for k, pair in enumerate(pairs):
            try:
                i, j = (int(x) for x in pair)
            except (TypeError, ValueError):
                raise DeterrenceError(
                    f"pairs[{k}]={pair!r} is not valid; expected two organization indices"
                ) from None
            if not (0 <= i < n and 0 <= j < n) or i == j:
                raise DeterrenceError(
                    f"pairs[{k}]={pair!r} is not valid; expected two different indices in "
                    f"0..{n - 1}"
                )
            partners[i, j] = partners[j, i] = True
    out = np.eye(n)
    for i in range(n):
        k = int(partners[i].sum())
        if k:
            out[i, i] = 1.0 - rate
            out[i, partners[i]] = rate / k
    return out


def framing_matrix(n: int, entries: Sequence[tuple[int, int, float]]) -> NDArray[np.float64]:
    """A framing matrix from ``(framer, framed, share)`` triples.

    Examples
    --------
    >>> from deterrence.model.attribution import framing_matrix
    >>> framing_matrix(2, [(1, 0, 0.3)]).tolist()
    [[0.0, 0.0], [0.3, 0.0]]
    """
    f = np.zeros((n, n))
    for k, entry in enumerate(entries):
        try:
            i, j, s = entry
            i, j = int(i), int(j)
        except (TypeError, ValueError):
            raise DeterrenceError(
                f"entries[{k}]={entry!r} is not valid; expected (framer, framed, share)"
            ) from None
        if not (0 <= i < n and 0 <= j < n) or i == j:
            raise DeterrenceError(
                f"entries[{k}]={entry!r} is not valid; expected two different indices in 0..{n - 1}"
            )
        f[i, j] += check_real(f"entries[{k}] share", s, low=0.0, high=1.0)
    return _check_matrix("framing", f, n)
