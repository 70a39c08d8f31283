"""Optional numba compilation shared by the compiled-kernel modules.

Each kernel module (:mod:`~deterrence.solvers._vertex_kernels`,
:mod:`~deterrence.solvers._agent_kernels`, :mod:`~deterrence.solvers._agent_fused`,
:mod:`~deterrence.solvers._block_lowrank`) writes its kernels as plain Python on numpy
arrays and holds one :class:`LazyKernels`: they are compiled the first time they are asked
for (once per process, behind a lock; numba caches them on disk), and when numba is not
importable the module's ``kernels()`` returns None and its callers take their numpy routes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

__all__ = ["LazyKernels"]


class LazyKernels:
    """The compiled kernels of one module, built by ``build(numba)`` on first use."""

    def __init__(self, build: Callable[[Any], SimpleNamespace]) -> None:
        self.build = build
        self.compiled: SimpleNamespace | bool | None = None  # False: numba missing
        self._lock = threading.Lock()

    def get(self, enabled: bool = True) -> SimpleNamespace | None:
        """The kernels, or None when ``enabled`` is False or numba is not importable."""
        if not enabled:
            return None
        if self.compiled is None:
            with self._lock:
                if self.compiled is None:
                    try:
                        import numba
                    except ImportError:
                        self.compiled = False
                    else:
                        self.compiled = self.build(numba)
        return self.compiled or None
