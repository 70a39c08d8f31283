"""SALib, EMA Workbench and PRIM adapters, and the sweep pictures.

The test model makes the answer known: the organizations' nominal revenue enters only
violence-per-dollar scores and size-based rules, so under MostViolent on raw scores the
verdict depends on the penalty alone — the revenue's Sobol' total index is zero, and PRIM
restricts the penalty, never the revenue.
"""

from __future__ import annotations

import numpy as np
import pytest

import deterrence as dt
from deterrence import sensitivity as se
from deterrence.errors import DeterrenceError

AXES = {"penalty": (0.1, 3.0), "revenue": (0.5, 5.0)}


def _model():
    return dt.TargetingModel(
        n_orgs=3, levels=np.linspace(0, 1, 6), benefit=1.0, penalty=1.0, rule=dt.MostViolent()
    )


def test_salib_problem_and_function_agree_with_the_sweep():
    prob = se.salib_problem(AXES)
    assert prob == {
        "num_vars": 2,
        "names": ["penalty", "revenue"],
        "bounds": [[0.1, 3.0], [0.5, 5.0]],
    }
    f = se.salib_function(_model(), AXES, "policy_violence")
    X = np.array([[0.2, 1.0], [2.0, 4.0], [2.0, 0.5]])
    y = f(X)
    df = dt.sweep(_model(), AXES, design=X, progress=False)
    assert y.tolist() == df["policy_violence"].tolist()
    assert y[1] == y[2] == 0.0  # the revenue changes nothing
    with pytest.raises(DeterrenceError, match="not an outcome"):
        se.salib_function(_model(), AXES, "violence")(X)
    with pytest.raises(DeterrenceError, match="not numeric"):
        se.salib_function(_model(), AXES, "verdict")(X)


def test_sobol_indices_find_the_irrelevant_axis():
    pytest.importorskip("SALib")
    si = se.sobol_indices(_model(), AXES, "policy_violence", samples=64, rng=3)
    assert list(si.index) == ["penalty", "revenue"]
    assert si.loc["revenue", "ST"] == pytest.approx(0.0, abs=1e-12)
    assert si.loc["penalty", "ST"] > 0.5
    assert si.attrs["scenarios"] == 64 * 4
    with pytest.raises(DeterrenceError, match="power of two"):
        se.sobol_indices(_model(), AXES, samples=100)


def test_ema_function_and_model():
    ema = pytest.importorskip("ema_workbench")
    f = se.ema_function(_model())
    assert f(penalty=4.0)["verdict"] == "full"
    assert f(penalty=0.2, revenue=1.0)["verdict"] == "none"
    m = se.ema_model(_model(), AXES, outputs=("policy_violence",))
    assert [u.name for u in m.uncertainties] == ["penalty", "revenue"]
    experiments, outcomes = ema.perform_experiments(m, 12)
    for row, v in zip(experiments.itertuples(), outcomes["policy_violence"], strict=True):
        assert v == f(penalty=row.penalty, revenue=row.revenue)["policy_violence"]


def test_prim_restricts_the_penalty_only():
    pytest.importorskip("ema_workbench")
    df = dt.sweep(_model(), AXES, design="lhs:400", rng=1, progress=False)
    full = df["verdict"] == "full"
    assert 0 < full.sum() < len(df)
    boxes = se.prim_boxes(
        df, ["penalty", "revenue"], lambda d: d["verdict"] == "full", threshold=0.95, max_boxes=1
    )
    assert set(boxes["input"]) == {"penalty"}
    low = boxes["low"].iloc[0]
    inside = df["penalty"] >= low
    assert full[inside].mean() >= 0.95
    # the box is the whole region where the race succeeds, up to PRIM's peeling step
    assert boxes["coverage"].iloc[0] >= 0.9
    with pytest.raises(DeterrenceError, match="inputs"):
        se.prim_boxes(df, ["penalt"], full)
    with pytest.raises(DeterrenceError, match="shape"):
        se.prim_boxes(df, ["penalty"], full.to_numpy()[:5])


def test_sweep_pictures():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    from deterrence.plotting import plot_comparative_statics, plot_sweep, plot_tornado

    model = dt.TargetingModel(
        n_orgs=3,
        levels=np.linspace(0, 1, 6),
        benefit=1.0,
        penalty=1.0,
        rule=dt.NoisyMostViolent(noise=0.2),
    )
    df = dt.sweep(
        model, {"penalty": [0.5, 1.0, 2.0, 3.0], "rule.noise": [0.01, 0.2, 0.8]}, progress=False
    )
    ax = plot_sweep(df, "penalty", "rule.noise", curves={"L = b": ([1, 1], [0.01, 0.8])})
    assert len(ax.collections) == 1 and len(ax.lines) == 1
    mesh = ax.collections[0].get_array()
    assert mesh.size == 12 and np.isfinite(mesh).all()  # 4 x 3 cells, all coloured
    ax2 = plot_sweep(df, "penalty", "rule.noise", "policy_violence")
    assert np.nanmax(ax2.collections[0].get_array()) == df["policy_violence"].max()
    ax3 = plot_comparative_statics(df, "penalty", by="rule.noise")
    assert len(ax3.lines) == 3
    si = (
        se.sobol_indices(
            model, {"penalty": (0.1, 3.0), "rule.noise": (0.01, 1.0)}, samples=8, rng=0
        )
        if _has_salib()
        else None
    )
    if si is not None:
        assert len(plot_tornado(si).patches) == 2


def _has_salib() -> bool:
    try:
        import SALib  # noqa: F401
    except ImportError:
        return False
    return True
