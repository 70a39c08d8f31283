"""Sensitivity and scenario discovery with the tools analysts already use.

Three adapters put a sweep where SALib and the EMA Workbench expect a model:

* :func:`salib_function` — a vectorised ``X -> Y`` function (rows of ``X`` are points of a
  SALib sample, ``Y`` one outcome per row), and :func:`salib_problem` the matching problem
  dict; :func:`sobol_indices` runs SALib's Saltelli/Sobol' sample and analysis end to end.
* :func:`ema_function` — ``f(**params) -> dict`` for an EMA Workbench ``Model``, and
  :func:`ema_model`, the model itself with its uncertainties and outcomes declared.
* :func:`prim_boxes` — scenario discovery: the boxes of parameter space where a condition
  holds (the race succeeds), by the EMA Workbench's PRIM.

SALib and the EMA Workbench are optional (``pip install "deterrence[sensitivity]"``); each
function imports what it needs and says how to install it when it is missing. The solving
itself is :func:`deterrence.sweep`, so every adapter takes the same ``executor`` and ``rng``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import check_int, check_real
from .errors import DeterrenceError
from .sweeps import _check_axes, apply_path, sweep

__all__ = [
    "ema_function",
    "ema_model",
    "prim_boxes",
    "salib_function",
    "salib_problem",
    "sobol_indices",
]


def _need(module: str, extra: str = "sensitivity") -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f'{module.split(".")[0]} is needed here: pip install "deterrence[{extra}]"'
        ) from None


def _ranges(axes: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    return _check_axes(axes, "range")


def salib_problem(axes: Mapping[str, Sequence[float]]) -> dict[str, Any]:
    """SALib's problem dict for ``axes`` (dotted path -> ``(low, high)``).

    Examples
    --------
    >>> salib_problem({"penalty": (0.5, 4.0), "rule.noise": (0.01, 1.0)})
    {'num_vars': 2, 'names': ['penalty', 'rule.noise'], 'bounds': [[0.5, 4.0], [0.01, 1.0]]}
    """
    r = _ranges(axes)
    return {"num_vars": len(r), "names": list(r), "bounds": [list(v) for v in r.values()]}


def salib_function(
    base: Any,
    axes: Mapping[str, Sequence[float]],
    output: str = "violence_reduction",
    *,
    outcome: Any = "dynamics",
    executor: Any = None,
    rng: Any = None,
    progress: bool = False,
    batch_size: int | None = None,
) -> Callable[[ArrayLike], NDArray[np.float64]]:
    """A vectorised ``X -> Y`` model for SALib: ``Y[k]`` is ``output`` of scenario ``X[k]``.

    Parameters
    ----------
    base, outcome, executor, rng, progress, batch_size
        As in :func:`deterrence.sweep`.
    axes
        Dotted path -> ``(low, high)``: the columns of ``X``, in order.
    output
        The outcome column returned (``"violence_reduction"``, ``"policy_violence"``,
        ``"designations"``, ...; a verdict is not a number: use ``"violence_reduction"``).

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 6), benefit=1.0,
    ...                           penalty=1.0, rule=dt.MostViolent())
    >>> f = salib_function(model, {"penalty": (0.1, 3.0)}, "policy_violence")
    >>> f(np.array([[0.2], [2.0]])).round(3).tolist()
    [3.0, 0.0]
    """
    ranges = _ranges(axes)
    if not isinstance(output, str):
        raise DeterrenceError(f"output={output!r} is not valid; expected an outcome column name")

    def model(X: ArrayLike) -> NDArray[np.float64]:
        pts = np.atleast_2d(np.asarray(X, dtype=float))
        df = sweep(
            base,
            ranges,
            design=pts,
            outcome=outcome,
            executor=executor,
            rng=rng,
            progress=progress,
            batch_size=batch_size,
        )
        if output not in df.columns:
            raise DeterrenceError(
                f"output={output!r} is not an outcome of this sweep; expected one of "
                f"{', '.join(c for c in df.columns if c not in ranges)}"
            )
        if df["error"].notna().any():
            k = int(np.flatnonzero(df["error"].notna().to_numpy())[0])
            raise DeterrenceError(f"scenario {k} of the SALib sample failed: {df['error'].iloc[k]}")
        try:
            return df[output].to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise DeterrenceError(
                f"output={output!r} is not numeric; SALib needs numbers (use e.g. "
                "'violence_reduction')"
            ) from None

    return model


def sobol_indices(
    base: Any,
    axes: Mapping[str, Sequence[float]],
    output: str = "violence_reduction",
    *,
    samples: int = 256,
    second_order: bool = False,
    outcome: Any = "dynamics",
    executor: Any = None,
    rng: Any = None,
    progress: bool = False,
) -> Any:
    """Sobol' indices of ``output`` over ``axes`` (SALib: Saltelli sample, Sobol' analysis).

    Returns a DataFrame indexed by axis with ``S1``, ``S1_conf``, ``ST``, ``ST_conf``; the
    number of scenarios solved is ``samples * (d + 2)`` (``(2d + 2)`` with
    ``second_order``), rounded as SALib requires (``samples`` a power of two).
    """
    sample = _need("SALib.sample.sobol")
    analyze = _need("SALib.analyze.sobol")
    import pandas as pd

    samples = check_int("samples", samples, low=2, high=1 << 20)
    if samples & (samples - 1):
        raise DeterrenceError(f"samples={samples} is not valid; expected a power of two")
    problem = salib_problem(axes)
    seed = int(np.random.default_rng(rng).integers(0, 2**31 - 1))
    X = sample.sample(problem, samples, calc_second_order=second_order, seed=seed)
    Y = salib_function(
        base, axes, output, outcome=outcome, executor=executor, rng=seed, progress=progress
    )(X)
    Si = analyze.analyze(problem, Y, calc_second_order=second_order, seed=seed)
    df = pd.DataFrame(
        {k: Si[k] for k in ("S1", "S1_conf", "ST", "ST_conf")},
        index=pd.Index(problem["names"], name="axis"),
    )
    df.attrs.update({"output": output, "samples": samples, "scenarios": len(Y), "seed": seed})
    return df


def ema_function(base: Any, *, outcome: Any = "dynamics") -> Callable[..., dict[str, Any]]:
    """``f(**params) -> dict`` for the EMA Workbench: params are dotted paths (with ``.``
    spelled ``__`` too, since EMA parameter names are identifiers), the dict the outcome's.

    Examples
    --------
    >>> import numpy as np
    >>> import deterrence as dt
    >>> model = dt.TargetingModel(n_orgs=3, levels=np.linspace(0, 1, 6), benefit=1.0,
    ...                           penalty=1.0, rule=dt.NoisyMostViolent(noise=0.2))
    >>> f = ema_function(model)
    >>> f(penalty=4.0, rule__noise=0.01)["verdict"]
    'full'
    """
    from .sweeps import OUTCOMES

    fn = OUTCOMES[outcome] if isinstance(outcome, str) else outcome

    def run(**params: Any) -> dict[str, Any]:
        model = base
        for name, value in params.items():
            model = apply_path(model, name.replace("__", "."), value)
        return dict(fn(model, np.random.default_rng(0)))

    return run


def ema_model(
    base: Any,
    axes: Mapping[str, Sequence[float]],
    outputs: Sequence[str] = ("violence_reduction", "policy_violence", "designations"),
    *,
    outcome: Any = "dynamics",
    name: str = "deterrence",
) -> Any:
    """An EMA Workbench ``Model`` over ``axes`` (``RealParameter`` each) with ``outputs``
    as ``ScalarOutcome``s; run it with ``ema_workbench.perform_experiments``."""
    ema = _need("ema_workbench")
    ranges = _ranges(axes)
    f = ema_function(base, outcome=outcome)

    def numeric(**params: Any) -> dict[str, float]:
        res = f(**params)
        return {k: float(res[k]) for k in outputs}

    m = ema.Model(name, function=numeric)
    m.uncertainties = [
        ema.RealParameter(p.replace(".", "__"), lo, hi) for p, (lo, hi) in ranges.items()
    ]
    m.outcomes = [ema.ScalarOutcome(k) for k in outputs]
    return m


def prim_boxes(
    df: Any,
    inputs: Sequence[str],
    condition: Any,
    *,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
    max_boxes: int = 3,
) -> Any:
    """Scenario discovery: the boxes of the ``inputs`` where ``condition`` holds, by PRIM.

    Parameters
    ----------
    df
        A sweep's table (sampled designs suit PRIM best).
    inputs
        The input columns (the axes) PRIM may restrict.
    condition
        A boolean array, or a column name whose truth is the condition, or a callable of the
        DataFrame returning booleans, e.g. ``lambda d: d["verdict"] == "full"``.
    threshold
        Smallest density (share of the box's scenarios meeting the condition) of a box.
    max_boxes
        Number of boxes found one after another (each on the scenarios outside the earlier).

    Returns
    -------
    pandas.DataFrame
        One row per box and input: ``box``, ``input``, ``low``, ``high`` (the restriction),
        with the box's ``coverage``, ``density`` and ``mass``.
    """
    prim = _need("ema_workbench.analysis.prim")
    import pandas as pd

    threshold = check_real("threshold", threshold, low=0.0, high=1.0, low_open=True)
    peel_alpha = check_real("peel_alpha", peel_alpha, low=0.0, high=0.5, low_open=True)
    max_boxes = check_int("max_boxes", max_boxes, low=1)
    missing = [c for c in inputs if c not in df.columns]
    if missing or not inputs:
        raise DeterrenceError(
            f"inputs={list(inputs)!r} is not valid; expected columns of the table "
            f"({', '.join(map(str, df.columns))})"
        )
    if callable(condition):
        y = np.asarray(condition(df), dtype=bool)
    elif isinstance(condition, str):
        y = df[condition].to_numpy(dtype=bool)
    else:
        y = np.asarray(condition, dtype=bool)
    if y.shape != (len(df),):
        raise DeterrenceError(
            f"condition has shape {y.shape}; expected one boolean per scenario ({len(df)},)"
        )
    x = df[list(inputs)].astype(float).reset_index(drop=True)
    if not y.any():
        raise DeterrenceError("condition holds for no scenario: PRIM has nothing to find")
    import logging
    import warnings

    logging.getLogger("EMA").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alg = prim.Prim(x, y, threshold=threshold, peel_alpha=peel_alpha)
        rows = []
        for b in range(max_boxes):
            try:
                box = alg.find_box()
            except Exception:  # PRIM found no further box meeting the threshold
                break
            if box is None:
                break
            lims = box.box_lims[-1]
            stats = box.peeling_trajectory.iloc[-1]
            for col in inputs:
                lo, hi = float(lims[col].iloc[0]), float(lims[col].iloc[1])
                if lo <= x[col].min() and hi >= x[col].max():
                    continue  # not restricted
                rows.append(
                    {
                        "box": b,
                        "input": col,
                        "low": lo,
                        "high": hi,
                        "coverage": float(stats["coverage"]),
                        "density": float(stats["density"]),
                        "mass": float(stats["mass"]),
                    }
                )
    return pd.DataFrame(
        rows, columns=["box", "input", "low", "high", "coverage", "density", "mass"]
    )
