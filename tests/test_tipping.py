"""The tipping model: mean field, exact chain, vectorised simulation, variants, sweeps."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

import deterrence as dt
from deterrence.analysis import _tipping_kernel

MODEL = dt.TippingModel()  # the defaults: n=100, N(0.6, 0.2), F=1, Beta(1, .25), z=2


# ------------------------------------------------------------------------ validation
@dataclass(frozen=True)
class BadParam:
    kwargs: dict
    match: str


BAD_MODELS = [
    BadParam({"capacity": -1.0}, r"capacity=-1.0 is out of range; expected capacity >= 0"),
    BadParam({"sd": 0.0}, r"sd=0.0 is out of range; expected sd > 0"),
    BadParam({"sd": -0.2}, r"sd=-0.2"),
    BadParam({"memory": 0}, r"memory=0 is out of range; expected memory >= 1"),
    BadParam({"memory": 1.5}, r"memory=1.5 is not valid; expected an integer"),
    BadParam({"gamma": 1.2}, r"gamma=1.2 is out of range; expected gamma <= 1"),
    BadParam({"gamma": -0.1}, r"gamma=-0.1 is out of range"),
    BadParam({"n": 0}, r"n=0"),
    BadParam({"alpha": -1.0}, r"alpha=-1.0"),
    BadParam({"alpha": 0.0, "beta": 0.0}, r"alpha \+ beta > 0"),
    BadParam({"sanction": float("nan")}, r"sanction=nan"),
    BadParam({"enforcement": "focused"}, r"enforcement='focused'"),
    BadParam({"warnings": True}, r"warnings=True is not valid with enforcement='random'"),
    BadParam({"crackdown": 5}, r"crackdown=5"),
    BadParam({"tier_size": 0}, r"tier_size=0"),
]


@pytest.mark.parametrize("bad", BAD_MODELS, ids=lambda b: str(b.kwargs))
def test_bad_model_parameters(bad: BadParam) -> None:
    with pytest.raises(dt.DeterrenceError, match=bad.match):
        dt.TippingModel(**bad.kwargs)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"extra": -1.0, "trigger": 10}, "crackdown.extra=-1.0"),
        ({"extra": 1.0, "trigger": -3}, "crackdown.trigger=-3"),
        ({"extra": 1.0, "trigger": 3, "max_periods": -1}, "crackdown.max_periods=-1"),
    ],
)
def test_bad_crackdown(kwargs: dict, match: str) -> None:
    with pytest.raises(dt.DeterrenceError, match=match):
        dt.Crackdown(**kwargs)


class _NoCalls:
    """An executor that fails the test if any simulation is started."""

    def __call__(self, fn, tasks):  # pragma: no cover - must never run
        raise AssertionError("a simulation started before the arguments were checked")


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"capacity": [10.0, -5.0]}, r"capacity=-5.0 is out of range"),
        ({"capacity": [np.nan]}, r"capacity"),
        ({"capacity": []}, r"capacity has shape"),
        ({"runs": 0}, r"runs=0"),
        ({"periods": 0}, r"periods=0"),
        ({"burn_in": 500, "periods": 500}, r"burn_in=500"),
        ({"start": "middle"}, r"start='middle'"),
        ({"level": 101.0}, r"level=101.0"),
        ({"hold": 0}, r"hold=0"),
        ({"rng": "seed"}, r"rng='seed'"),
        ({"rng": -1}, r"rng=-1"),
        ({"block_size": 0}, r"block_size=0"),
        ({"executor": 42}, r"executor=42"),
    ],
)
def test_bad_simulation_arguments_fail_before_any_work(kwargs: dict, match: str) -> None:
    kwargs = {"periods": 100, "runs": 2, "executor": _NoCalls(), **kwargs}
    with pytest.raises(dt.DeterrenceError, match=match):
        dt.simulate_tipping(MODEL, **kwargs)


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        dt.TippingModel(sd=0)


# ------------------------------------------------------------------------ mean field
def test_mean_field_fixed_points_solve_the_map_and_classify() -> None:
    caps = np.linspace(0.0, 60.0, 31)
    mf = dt.mean_field_fixed_points(MODEL, capacity=caps)
    n, g, f = MODEL.n, MODEL.gamma, MODEL.sanction
    for r, v in zip(mf.capacity, mf.violations, strict=True):
        q = g * min(1.0, r / v) if v > 0 else g
        assert v == pytest.approx(n * float(MODEL.violation_probability(q)), abs=1e-8)
        assert f == 1.0
    # stability: slope of the map below one; the low state has slope 0 (q = gamma there)
    assert np.all(mf.stable == (np.abs(mf.slope) < 1))
    low = np.array([k == "low" for k in mf.kind])
    np.testing.assert_allclose(mf.violations[low], n * MODEL.p_low)
    # count of fixed points: 1 outside the band, 3 inside
    cc = dt.critical_capacity(MODEL)
    for r in caps:
        k = len(mf.at(r))
        assert k == (3 if cc.low < r < cc.high else 1), r


def test_critical_capacity_is_the_fold() -> None:
    cc = dt.critical_capacity(MODEL)
    assert cc.bistable
    assert cc.low == pytest.approx(100 * stats.norm.sf(0.8, 0.6, 0.2))
    eps = 1e-4
    below = dt.mean_field_fixed_points(MODEL, capacity=cc.high - eps)
    above = dt.mean_field_fixed_points(MODEL, capacity=cc.high + eps)
    assert "high" in below.kind and "high" not in above.kind
    # at the fold the high root and the unstable root merge at fold_violations
    near = below.violations[np.array([k != "low" for k in below.kind])]
    assert np.all(np.abs(near - cc.fold_violations) < 1.0)
    # brute force: largest capacity on a grid that still has a swamped fixed point
    grid = np.linspace(40, 47, 71)
    has_high = [("high" in dt.mean_field_fixed_points(MODEL, capacity=r).kind) for r in grid]
    last = grid[np.flatnonzero(has_high)[-1]]
    assert last <= cc.high < last + 0.1


def test_critical_capacity_with_prior_and_priority() -> None:
    with_prior = dt.critical_capacity(MODEL, prior=True)
    assert with_prior.high == pytest.approx(dt.critical_capacity(MODEL).high, rel=0.02)
    # the default prior mean alpha / (alpha + beta) equals gamma: low state unchanged
    assert with_prior.low == pytest.approx(MODEL.n * MODEL.p_low, rel=1e-9)
    prio = dt.critical_capacity(MODEL.replace(enforcement="priority"))
    warn = dt.critical_capacity(MODEL.replace(enforcement="priority", warnings=True))
    rand = dt.critical_capacity(MODEL)
    r_star = rand.high / MODEL.n
    assert prio.high == pytest.approx(9 * 10 * MODEL.p_low + 10 * r_star)
    assert warn.high == pytest.approx(MODEL.n * MODEL.p_low)
    assert warn.high < prio.high < rand.high
    # one tier of everybody is random enforcement
    assert dt.critical_capacity(
        MODEL.replace(enforcement="priority", tier_size=100)
    ).high == pytest.approx(rand.high)
    with pytest.raises(dt.UnsupportedGameError):
        dt.critical_capacity(MODEL.replace(enforcement="priority"), prior=True)
    with pytest.raises(dt.UnsupportedGameError):
        dt.mean_field_fixed_points(MODEL.replace(enforcement="priority"))


def test_no_deterrence_without_sanction() -> None:
    cc = dt.critical_capacity(MODEL.replace(sanction=0.0))
    assert math.isinf(cc.low) and math.isinf(cc.high)
    mf = dt.mean_field_fixed_points(MODEL.replace(sanction=0.0), capacity=[0.0, 80.0])
    np.testing.assert_allclose(mf.violations, [100.0, 100.0])


# ---------------------------------------------------------- simulation vs mean field
@pytest.mark.parametrize(
    "n,capacity_share,rtol",
    [(100, 0.10, 0.01), (100, 0.60, 0.05), (2000, 0.10, 0.002), (2000, 0.60, 0.01)],
)
def test_simulation_matches_mean_field_where_the_state_is_unique(
    n: int, capacity_share: float, rtol: float
) -> None:
    """Below the band (10% capacity) only the swamped state exists, above it (60%) only the
    deterred one: the long-run mean of the simulation sits on the unique fixed point, and
    closer as n grows (the noise in the shared belief shrinks like 1 / sqrt(n))."""
    m = MODEL.replace(n=n, capacity=capacity_share * n)
    mf = dt.mean_field_fixed_points(m)
    assert len(mf.violations) == 1
    res = dt.simulate_tipping(m, runs=8, periods=3000, start="both", rng=11)
    assert res.mean_violations[0] == pytest.approx(mf.violations[0], rel=rtol)
    assert len(res.modes[0]) == 1
    assert abs(res.modes[0][0] - mf.violations[0]) <= 0.1 * n


def test_simulation_shows_both_modes_in_the_bistable_band() -> None:
    cc = dt.critical_capacity(MODEL)
    r = 40.0
    assert cc.low < r < cc.high
    res = dt.simulate_tipping(MODEL, capacity=r, runs=20, periods=3000, start="both", rng=5)
    modes = res.modes[0]
    mf = dt.mean_field_fixed_points(MODEL, capacity=r)
    low, high = mf.violations[0], mf.violations[-1]
    assert len(modes) == 2
    assert abs(modes[0] - low) < 8 and abs(modes[1] - high) < 8
    # and the runs really move between them: tipping happens from either side
    assert res.tip_probability("low")[0] > 0 and res.tip_probability("high")[0] > 0


def test_the_cliff() -> None:
    """Long-run violations fall off a cliff as capacity crosses the band, and the
    punishment actually delivered falls with them: more capacity, less punishment."""
    res = dt.simulate_tipping(
        MODEL, capacity=[30.0, 55.0], runs=10, periods=2000, start="high", rng=2
    )
    v = res.mean_violations_from("high")
    assert v[0] > 90 and v[1] < 20
    assert res.punishment[1] < res.punishment[0]
    assert res.tip_probability("high").tolist() == [0.0, 1.0]


# --------------------------------------------------------------- the exact chain
def test_chain_stationary_distribution_matches_simulation() -> None:
    m = dt.TippingModel(n=8, capacity=3.0)
    chain = dt.markov_chain(m)
    assert chain.residual < 1e-12
    assert chain.pmf.sum() == pytest.approx(1.0)
    res = dt.simulate_tipping(m, runs=40, periods=10_000, start="low", rng=3)
    tv = 0.5 * np.abs(res.pmf[0] - chain.pmf).sum()
    assert tv < 0.01
    assert res.mean_violations[0] == pytest.approx(chain.mean, abs=0.03)
    assert res.mean_apprehensions[0] == pytest.approx(chain.mean_apprehensions, abs=0.03)


def test_chain_expected_tipping_time_matches_simulation() -> None:
    m = dt.TippingModel(n=8, capacity=3.0)
    chain = dt.markov_chain(m)
    res = dt.simulate_tipping(m, runs=2000, periods=1000, start="both", level=4.0, rng=4)
    for start in ("low", "high"):
        exact = chain.expected_tipping_time(start, level=4.0)
        assert res.tip_probability(start)[0] == 1.0
        # mean of 1000 first-passage times: standard error ~ exact / sqrt(1000)
        assert res.expected_tip_time(start)[0] == pytest.approx(exact, rel=0.1)


def test_chain_against_an_agent_level_reference() -> None:
    """An independent, deliberately naive agent-by-agent simulation (each agent draws its
    gain, each violator its capture) has the chain's stationary law: the binomial
    shortcut of the vectorised simulation is exact in distribution."""
    m = dt.TippingModel(n=6, memory=1, capacity=2.0)
    chain = dt.markov_chain(m)
    rng = np.random.default_rng(0)
    hv, ha = [m.n], [round(m.gamma * min(m.n, m.capacity))]
    counts = np.zeros(m.n + 1)
    for _ in range(40_000):
        q = (m.alpha + sum(ha)) / (m.alpha + m.beta + sum(hv))
        gains = np.maximum(0.0, rng.normal(m.mean, m.sd, size=m.n))
        v = int((gains >= m.sanction * q).sum())
        c = m.gamma * min(1.0, m.capacity / v) if v else m.gamma
        a = int((rng.random(v) < c).sum())
        hv, ha = [v], [a]
        counts[v] += 1
    pmf = counts / counts.sum()
    assert 0.5 * np.abs(pmf - chain.pmf).sum() < 0.02


def test_chain_against_quantecon() -> None:
    qe = pytest.importorskip("quantecon", reason="quantecon is the peer cross-check")
    chain = dt.markov_chain(dt.TippingModel(n=4, capacity=1.5))
    mc = qe.MarkovChain(chain._transition.toarray())
    (pi,) = mc.stationary_distributions
    pairs = chain._pairs
    last_v = pairs[np.arange(chain.n_states) % len(pairs), 0]
    pmf = np.bincount(last_v, weights=pi, minlength=5)
    np.testing.assert_allclose(pmf, chain.pmf, atol=1e-12)


def test_chain_refusals() -> None:
    with pytest.raises(dt.UnsupportedGameError, match="enforcement='random'"):
        dt.markov_chain(MODEL.replace(enforcement="priority"))
    with pytest.raises(dt.DeterrenceError, match="max_states"):
        dt.markov_chain(MODEL)
    with pytest.raises(dt.UnsupportedGameError, match="max_periods"):
        dt.markov_chain(
            dt.TippingModel(n=4, crackdown=dt.Crackdown(extra=1, trigger=2, max_periods=3))
        )


def test_chain_with_crackdown() -> None:
    m = dt.TippingModel(n=6, memory=1, capacity=1.0)
    plain = dt.markov_chain(m)
    tough = dt.markov_chain(m.replace(crackdown=dt.Crackdown(extra=5.0, trigger=3)))
    assert tough.mean < plain.mean
    res = dt.simulate_tipping(
        m.replace(crackdown=dt.Crackdown(extra=5.0, trigger=3)), runs=20, periods=10_000, rng=1
    )
    assert 0.5 * np.abs(res.pmf[0] - tough.pmf).sum() < 0.02


# ---------------------------------------------------------------- reproducibility
def _assert_same(a: dt.TippingResult, b: dt.TippingResult) -> None:
    for name in _tipping_kernel.BLOCK_FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


CAPS = np.linspace(10.0, 50.0, 7)


def test_same_seed_same_numbers_serial_threads_and_map() -> None:
    kw = {"capacity": CAPS, "runs": 4, "periods": 300, "rng": 7, "block_size": 2}
    serial = dt.simulate_tipping(MODEL, **kw)
    _assert_same(serial, dt.simulate_tipping(MODEL, **kw))
    with ThreadPoolExecutor(max_workers=2) as ex:
        _assert_same(serial, dt.simulate_tipping(MODEL, executor=ex, **kw))
    _assert_same(serial, dt.simulate_tipping(MODEL, executor=lambda f, xs: map(f, xs), **kw))
    other = dt.simulate_tipping(MODEL, **{**kw, "rng": 8})
    assert not np.array_equal(other.counts, serial.counts)
    # a SeedSequence seed is not consumed: reusing it gives the same numbers
    ss = np.random.SeedSequence(7)
    _assert_same(
        dt.simulate_tipping(MODEL, **{**kw, "rng": ss}),
        dt.simulate_tipping(MODEL, **{**kw, "rng": ss}),
    )


def test_process_pool_agrees_with_serial() -> None:
    from concurrent.futures import ProcessPoolExecutor

    kw = {"capacity": CAPS[:4], "runs": 3, "periods": 200, "rng": 9, "block_size": 2}
    with ProcessPoolExecutor(max_workers=2) as ex:
        _assert_same(
            dt.simulate_tipping(MODEL, **kw), dt.simulate_tipping(MODEL, executor=ex, **kw)
        )


class _Interrupt(Exception):
    pass


def _interrupted_after(k: int):
    def executor(fn, tasks):
        for i, task in enumerate(tasks):
            if i == k:
                raise _Interrupt
            yield fn(task)

    return executor


def test_interrupted_sweep_resumes_to_identical_numbers(tmp_path) -> None:
    path = tmp_path / "sweep.npz"
    kw = {"capacity": CAPS, "runs": 4, "periods": 300, "block_size": 2}
    full = dt.simulate_tipping(MODEL, rng=21, **kw)
    with pytest.raises(_Interrupt):
        dt.simulate_tipping(MODEL, rng=21, checkpoint=path, executor=_interrupted_after(2), **kw)
    meta, blocks = _tipping_kernel.read_checkpoint(path)
    assert sorted(blocks) == [0, 1]
    assert meta["completed_capacities"] == CAPS[:4].tolist()
    calls = []

    def counting(fn, tasks):
        for task in tasks:
            calls.append(task[0])
            yield fn(task)

    # rng=None: the seed is read back from the checkpoint
    resumed = dt.simulate_tipping(MODEL, checkpoint=path, executor=counting, **kw)
    assert calls == [2, 3]  # the two completed blocks were skipped
    _assert_same(full, resumed)
    assert resumed.seed == full.seed
    # a finished checkpoint runs nothing and returns the same numbers again
    calls.clear()
    _assert_same(full, dt.simulate_tipping(MODEL, checkpoint=path, executor=counting, **kw))
    assert calls == []


def test_checkpoint_refuses_other_parameters(tmp_path) -> None:
    path = tmp_path / "sweep.npz"
    kw = {"capacity": CAPS[:2], "runs": 2, "periods": 100, "checkpoint": path}
    dt.simulate_tipping(MODEL, rng=1, **kw)
    with pytest.raises(dt.DeterrenceError, match="different runs"):
        dt.simulate_tipping(MODEL, rng=1, **{**kw, "runs": 3})
    with pytest.raises(dt.DeterrenceError, match="different model"):
        dt.simulate_tipping(MODEL.replace(gamma=0.7), rng=1, **kw)
    with pytest.raises(dt.DeterrenceError, match="another seed"):
        dt.simulate_tipping(MODEL, rng=2, **kw)
    bad = tmp_path / "junk.npz"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(dt.DeterrenceError, match="cannot be read"):
        dt.simulate_tipping(MODEL, rng=1, **{**kw, "checkpoint": bad})
    with pytest.raises(dt.DeterrenceError, match="does not exist"):
        dt.simulate_tipping(MODEL, rng=1, **{**kw, "checkpoint": tmp_path / "no" / "x.npz"})


def test_progress_bar_and_record(capsys) -> None:
    res = dt.simulate_tipping(
        MODEL, capacity=[20.0, 50.0], runs=3, periods=200, rng=1, progress=True, record=True
    )
    assert res.trajectories.shape == (2, 3, 200)
    # the recorded paths give back the long-run histogram
    post = res.trajectories[:, :, res.burn_in :]
    for i in range(2):
        np.testing.assert_array_equal(np.bincount(post[i].ravel(), minlength=101), res.counts[i])
    assert "tipping" in capsys.readouterr().err


# ------------------------------------------------------------------------- variants
def test_priority_tips_with_less_capacity_and_less_punishment() -> None:
    cmp = dt.compare_enforcement(MODEL, capacity=[20.0, 30.0, 44.0], runs=10, periods=1500, rng=3)
    assert cmp.deterred_share("random").tolist() == [0.0, 0.0, 1.0]
    assert cmp.deterred_share("priority").tolist() == [1.0, 1.0, 1.0]
    caps = cmp.tipping_capacity()
    assert caps["priority"] < caps["random"]
    table = cmp.savings()
    assert table.set_index("variant").loc["priority", "saved"] > 0
    df = cmp.to_dataframe()
    at30 = df[df.capacity == 30.0].set_index("variant")
    assert at30.loc["priority", "punishment"] < at30.loc["random", "punishment"]
    assert at30.loc["priority", "mean_violations"] < at30.loc["random", "mean_violations"]


def test_warnings_need_priority_and_act_at_once() -> None:
    prio = MODEL.replace(enforcement="priority")
    # with warnings the top tier is deterred from the first period
    a = dt.simulate_tipping(
        prio, capacity=12.0, runs=20, periods=2, start="high", record=True, rng=1
    )
    b = dt.simulate_tipping(
        prio.replace(warnings=True),
        capacity=12.0,
        runs=20,
        periods=2,
        start="high",
        record=True,
        rng=1,
    )
    assert b.trajectories[0, :, 0].mean() < a.trajectories[0, :, 0].mean() - 5


def test_crackdown_tips_the_system_and_is_rarely_needed_after() -> None:
    base = MODEL.replace(capacity=36.0)
    plain = dt.simulate_tipping(base, runs=10, periods=2000, start="high", rng=4)
    cd = base.replace(crackdown=dt.Crackdown(extra=30.0, trigger=45))
    tough = dt.simulate_tipping(cd, runs=10, periods=2000, start="high", rng=4)
    assert plain.tip_probability("high")[0] == 0.0
    assert tough.tip_probability("high")[0] == 1.0
    assert tough.mean_violations[0] < 25
    assert np.all(tough.crackdown_periods < 0.2 * 2000)
    # a crackdown with a budget of zero periods changes nothing
    none = base.replace(crackdown=dt.Crackdown(extra=30.0, trigger=45, max_periods=0))
    _assert_same(plain, dt.simulate_tipping(none, runs=10, periods=2000, start="high", rng=4))


def test_priority_with_one_tier_is_random_enforcement() -> None:
    kw = {"capacity": [20.0, 45.0], "runs": 4, "periods": 300, "rng": 5}
    _assert_same(
        dt.simulate_tipping(MODEL, **kw),
        dt.simulate_tipping(MODEL.replace(enforcement="priority", tier_size=100), **kw),
    )


def test_split_counts() -> None:
    sizes = np.array([10, 10, 5])
    out = _tipping_kernel.split_counts(np.array([0, 16, 25, 7]), sizes)
    assert out.sum(axis=1).tolist() == [0, 16, 25, 7]
    assert np.all(out <= sizes)
    assert out[2].tolist() == [10, 10, 5]


# --------------------------------------------------------------- results and plots
def test_results_tables_and_plots() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = dt.simulate_tipping(MODEL, capacity=[10.0, 30.0, 50.0], runs=4, periods=300, rng=1)
    df = res.to_dataframe()
    assert list(df.capacity) == [10.0, 30.0, 50.0]
    for col in (
        "mean_violations",
        "modes",
        "punishment",
        "p_tip_from_low",
        "expected_tip_time_from_high",
    ):
        assert col in df
    assert "<table" in res._repr_html_()
    assert "TippingResult" in repr(res)
    assert res.plot().figure is not None
    _, ax = plt.subplots()
    assert res.plot_distribution(30.0, ax=ax) is ax
    mf = dt.mean_field_fixed_points(MODEL, capacity=np.linspace(0, 60, 13))
    assert mf.plot() is not None and "<table" in mf._repr_html_()
    assert set(mf.to_dataframe().kind) == {"low", "high", "unstable"}
    chain = dt.markov_chain(dt.TippingModel(n=5, capacity=2.0))
    assert len(chain.to_dataframe()) == 6 and "TippingChain" in chain._repr_html_()
    cmp = dt.compare_enforcement(MODEL, capacity=[20.0, 45.0], runs=2, periods=200, rng=1)
    assert cmp.plot() is not None and "<table" in cmp._repr_html_()
    assert "EnforcementComparison" in repr(cmp)
    plt.close("all")
