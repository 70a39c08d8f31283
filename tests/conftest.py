"""Shared test settings: hypothesis profiles (no deadlines on shared, noisy machines).

Locally hypothesis draws fresh examples on every run (that is how bugs are found); under CI
(the ``CI`` environment variable is set) the ``ci`` profile derandomizes the draws, so a
submission's verdict does not depend on luck. ``DETERRENCE_HYPOTHESIS_PROFILE=thorough``
runs 1000 examples per property.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_common = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("default", **_common)
settings.register_profile("ci", derandomize=True, print_blob=True, **_common)
settings.register_profile("thorough", max_examples=1000, **_common)
settings.load_profile(
    os.environ.get("DETERRENCE_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)
