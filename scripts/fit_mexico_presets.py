"""Re-fit a Mexico preset and write its fitted values and ranges as JSON.

Usage: python scripts/fit_mexico_presets.py mexico-2010 OUT.json
then:  python scripts/build_mexico_presets.py seven OUT.json > deterrence/presets/mexico-2010.toml
(``six`` and ``mexico-2010-six`` for the six-organization preset; the shipped six-organization
fit was warm-started from the seven-organization costs, see the preset's [calibration] table.)
"""

import json
import sys
import time

from deterrence.calibration import calibrate

name, out = sys.argv[1], sys.argv[2]
t = time.time()
res = calibrate(name, rng=20100101)
print(f"{time.time() - t:.1f}s")
print(res)
with open(out, "w") as fh:
    json.dump(
        {
            "values": dict(res.values),
            "ranges": {k: list(v) for k, v in res.ranges.items()},
            "loss": res.loss,
        },
        fh,
        indent=1,
    )
