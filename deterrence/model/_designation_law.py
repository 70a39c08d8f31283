"""The designation law of a stage game: who is designated, given one player's level.

``designation_distribution(game, profile)[i][a, j]`` is P(``j`` designated | ``i`` plays
``a``, the others mix as in ``profile``) — the extension of the structured oracle that the
campaign needs (a rival's destruction hands me its market). Used by
:mod:`deterrence.model.campaign` and the campaign solver (:mod:`deterrence.solvers._campaign`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import GameTooLargeError

__all__ = ["designation_distribution"]

#: Largest number of pure profiles of the brute-force designation distribution (used only
#: when the structured oracle has no ``_designation_matrix``).
_BRUTE_LIMIT = 200_000


def _brute_designation(game: Any, profile: Sequence[NDArray]) -> list[NDArray]:
    """P(j designated | i plays a, others mix) by enumerating pure profiles (small games)."""
    shape = game.shape
    n_prof = int(np.prod(shape))
    if n_prof > _BRUTE_LIMIT:
        raise GameTooLargeError(
            f"the designation distribution of a {shape} game needs the structured oracle's "
            f"designation_matrix; brute force is limited to {_BRUTE_LIMIT} profiles"
        )
    idx = np.array(list(np.ndindex(*shape)), dtype=np.intp).reshape(-1, len(shape))
    des = game.pure_components(idx)["designation"]
    out = []
    for i in range(len(shape)):
        w = np.ones(n_prof)
        for k in range(len(shape)):
            if k != i:
                w = w * np.asarray(profile[k], dtype=float)[idx[:, k]]
        M = np.zeros((shape[i], n_prof))
        M[idx[:, i], np.arange(n_prof)] = w
        out.append(M @ des)
    return out


def _pure_designation(game: Any, actions: Sequence[int]) -> list[NDArray]:
    """The designation distribution at a pure profile: one exact pure evaluation per
    deviation (``sum(shape)`` profiles)."""
    shape = game.shape
    rows, slices, start = [], [], 0
    for i, k in enumerate(shape):
        block = np.tile(np.asarray(actions, dtype=np.intp), (k, 1))
        block[:, i] = np.arange(k)
        rows.append(block)
        slices.append(slice(start, start + k))
        start += k
    des = game.pure_components(np.concatenate(rows))["designation"]
    return [np.asarray(des[sl], dtype=float) for sl in slices]


def designation_distribution(game: Any, profile: Sequence[NDArray]) -> list[NDArray]:
    """``out[i][a, j]`` = P(``j`` designated | ``i`` plays ``a``, the others mix): the
    structured oracle's ``_designation_matrix`` when the game has it, brute force else."""
    probs = [np.asarray(q, dtype=float) for q in profile]
    if all(np.count_nonzero(q) == 1 for q in probs):
        return _pure_designation(game, [int(np.flatnonzero(q)[0]) for q in probs])
    fn = getattr(game, "_designation_matrix", None)
    if fn is not None:
        return [np.asarray(x, dtype=float) for x in fn(tuple(profile))]
    return _brute_designation(game, profile)
