"""The main job's views: the printed text, the JSON, and the ``--out DIR`` files.

:func:`main_summary` is what ``deterrence analyze`` prints on a calibrated scenario,
:func:`main_dict` the keys it adds to ``--json``, :func:`write_outputs` the folder
``--out DIR``: the tables as CSV and Parquet (``organizations``, ``campaign_rounds``,
``transition_rounds``, ``random_target_rounds``, ``noise``, ``bands``, ``samples``,
``assumptions``), the figures (``campaign``, ``transition``, ``noise``, ``bands``) as PNG
(matplotlib, Agg backend) and one self-contained ``report.html`` (figures embedded as
base64 PNG, tables as HTML). Every file is written to a temporary name in the folder
and moved into place (``os.replace``), so a reader never sees half a file.
"""

from __future__ import annotations

import base64
import io
import math
import os
import tempfile
import textwrap
from html import escape
from pathlib import Path
from typing import Any

from .._report import text_table
from ..errors import DeterrenceError

__all__ = ["main_dict", "main_summary", "write_outputs"]

TABLES = (
    "organizations",
    "campaign_rounds",
    "transition_rounds",
    "random_target_rounds",
    "noise",
    "bands",
    "samples",
    "assumptions",
)
FIGURES = ("campaign", "transition", "noise", "bands")


def _k(x: float | None) -> str:
    """Killings, rounded to the nearest one, with thousands separators."""
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f}"


def _pct(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{100 * x:.0f}%"


# ----------------------------------------------------------------------------- text
def headline(rep: Any) -> list[str]:
    """The first lines of the report: killings before and after, the grade."""
    job = rep.main
    sq, pol = job.status_quo_killings_per_month, job.policy_killings_per_month
    b = job.bands.set_index("quantity")
    band = ""
    if int(b.loc["policy_killings_per_month", "samples"]) > 0:
        band = (
            f" (10-90% band over {int(b.loc['policy_killings_per_month', 'samples'])} samples: "
            f"{_k(b.loc['policy_killings_per_month', 'p10'])} to "
            f"{_k(b.loc['policy_killings_per_month', 'p90'])})"
        )
    target = (rep.scenario.calibration or {}).get("killings_per_month")
    observed = "" if target is None else f"; calibration target {_k(12 * target)}"
    fixed = _k(job.fixed_fine_killings_per_month)
    return [
        f"MAIN RESULT: {_k(sq)} killings a month at the status quo ({_k(12 * sq)} a year"
        f"{observed}) -> {_k(pol)} a month under the announced rule{band}",
        f"GRADE: {job.grade.upper()} ({_pct(job.reduction_share)} of the reducible violence "
        f"removed); with the fixed fine instead of the franchise: {fixed} a month, grade "
        f"{job.fixed_fine_grade}",
    ]


def main_summary(rep: Any) -> str:
    """The full printed report of the main job."""
    job = rep.main
    kpu = job.killings_per_unit
    units = rep.scenario.units
    L: list[str] = []
    title = rep.title or "main job"
    L += [title, "=" * len(title)]
    L += headline(rep)
    L.append(f"units: {units.describe()}")
    L.append("")
    L.append("1. THE PENALTY: the franchise the campaign solves for")
    L.append(
        f"   dt.solve_campaign (destruction probability p = {job.destroy:g} per round, monthly "
        f"discount d = {job.discount:g}; "
        f"{'converged' if job.campaign_converged else 'NOT converged'}): a designated "
        "organization loses d p V (V its value with everyone standing)."
    )
    fr = job.franchise
    L.append(
        textwrap.indent(
            text_table(
                [
                    "organization",
                    "franchise V",
                    "penalty d p V",
                    "fixed fine",
                    "killings/month before",
                    "after",
                ],
                [
                    [
                        r.organization,
                        f"{r.franchise_value:.4g}",
                        f"{r.franchise_penalty:.4g}",
                        f"{r.fixed_fine:.4g}",
                        _k(r.status_quo_killings),
                        _k(r.policy_killings),
                    ]
                    for r in fr.itertuples()
                ],
            ),
            "   ",
        )
    )
    L.append("   (US$ bn; fixed fine: the preset's one year of U.S. revenue x p, for comparison)")
    for t in rep.thresholds:
        if t.parameter == "penalty scale" and t.kind == "smallest" and t.applicable:
            L.append("   where it breaks: " + t.describe())
    L.append("")
    L.append(
        f"2. THE CAMPAIGN round by round ({job.campaign_runs} runs x {job.campaign_rounds} months, "
        f"stationary equilibrium; vacuum +{100 * job.vacuum:.1f}% of a destroyed group's "
        f"violence for {job.vacuum_periods} months)"
    )
    L += _rounds_table(job.campaign)
    L.append("")
    L.append(
        f"3. THE TRANSITION from the status quo ({job.campaign_runs} runs x "
        f"{job.campaign_rounds} months, best-response dynamics: each month every survivor "
        "best-responds to last month's levels, valuing the future with the campaign's "
        "equilibrium values)"
    )
    L.append(
        f"   start: the status quo, {_k(job.status_quo_killings_per_month)} killings a month in "
        "the month before the announcement (every organization at its no-policy level); "
        "month 0 is the first round of best responses to it"
    )
    L += _rounds_table(job.transition)
    half = _months_to(job.transition, 0.5 * job.status_quo_killings_per_month)
    L.append(
        "   killings at half the status quo or less from month "
        + ("n/a (not within the horizon)" if half is None else str(half))
    )
    L.append("")
    L.append(
        "4. ANY TARGET WILL DO? the same campaign, target drawn uniformly at random among the "
        "survivors (violence does not change the odds, so each state plays its status quo)"
    )
    L += _rounds_table(job.random_campaign)
    L.append("")
    L.append("5. ATTRIBUTION NOISE (logit error on the measured violence, in killings a month)")
    L.append(
        textwrap.indent(
            text_table(
                ["noise", "killings/month", "grade", "reduction", "designations/month"],
                [
                    [
                        _k(r.noise_killings),
                        _k(r.killings_per_month),
                        r.grade,
                        _pct(r.reduction_share),
                        f"{r.designations:.2f}",
                    ]
                    for r in job.noise.itertuples()
                ],
            ),
            "   ",
        )
    )
    crit = job.critical_noise
    if crit is not None and crit.found:
        L.append(
            f"   critical noise: a full race survives attribution errors up to about "
            f"{_k(crit.value * kpu)} killings a month (bracket {_k(crit.bracket[0] * kpu)} - "
            f"{_k(crit.bracket[1] * kpu)})"
        )
    elif crit is not None:
        L.append(f"   critical noise: {crit.message}")
    else:
        L.append("   critical noise: not searched (no full race under the policy)")
    if rep.framing_gains is None:
        L.append("   false flags: the scenario has no framing matrix (no false-flag gains)")
    else:
        g = rep.framing_gains
        top = g.sort_values("payoff_gain", ascending=False).iloc[0]
        L.append(f"   false flags: {top.organization} gains most ({top.payoff_gain:+.4g} a month)")
    L.append("")
    dem = job.demand
    L.append("6. DEMAND REDUCTION for the same effect (no policy)")
    if dem.get("found"):
        L.append(
            f"   U.S. market revenue would have to fall by {_pct(dem['revenue_fall'])} "
            f"({100 * dem['revenue_fall']:.2f}%) for the status quo to reach "
            f"{_k(dem['target_killings_per_month'])} killings a month (achieved "
            f"{_k(dem.get('achieved_killings_per_month'))}, within half a grid step)"
        )
    else:
        L.append(f"   {dem.get('message')}")
    L.append("")
    L.append("7. UNCERTAINTY (Latin hypercube over the preset's [ranges]: calibrated costs and")
    L.append("   the flagged assumptions; franchise = restraint value in each sample)")
    b = job.bands
    L.append(
        textwrap.indent(
            text_table(
                ["quantity", "point", "p10", "median", "p90", "samples"],
                [
                    [
                        r.quantity,
                        _fmt(r.quantity, r.point),
                        _fmt(r.quantity, r.p10),
                        _fmt(r.quantity, r.median),
                        _fmt(r.quantity, r.p90),
                        str(r.samples),
                    ]
                    for r in b.itertuples()
                ],
            ),
            "   ",
        )
    )
    L.append("")
    L.append(
        f"8. ASSUMPTIONS ({len(job.assumptions)} numbers flagged proxy / assumption / "
        f"calibrated / derived) and SOURCES ({len(job.sources)} published numbers)"
    )
    for key, src in job.assumptions.items():
        L.append(f"   - {key}: {_short(src)}")
    L.append("   published:")
    for key, src in job.sources.items():
        L.append(f"   - {key}: {_short(src)}")
    L.append("")
    L.append(
        f"THE RACE (franchise penalty), in the violence index (1 unit = {kpu:g} killings a month):"
    )
    L.append(rep.base_summary())
    L.append("")
    L.append("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in job.timings.items()))
    return "\n".join(L)


def _fmt(q: str, x: float) -> str:
    if q.startswith("share") or q == "reduction_share":
        return "n/a" if not math.isfinite(x) else f"{x:.2f}"
    return _k(x)


def _short(text: str, width: int = 150) -> str:
    t = " ".join(text.split())
    return t if len(t) <= width else t[: width - 3] + "..."


def _months_to(df: Any, level: float) -> int | None:
    """The first month from which mean killings stay at or below ``level``, or None."""
    above = df["killings_mean"].to_numpy(dtype=float) > level
    if above[-1]:
        return None
    high = above.nonzero()[0]
    return int(df["round"].iloc[high[-1] + 1]) if high.size else int(df["round"].iloc[0])


def _rounds_table(df: Any) -> list[str]:
    n = len(df)
    show = sorted({*range(min(n, 8)), *range(8, n, 4), n - 1})
    rows = [
        [
            str(int(r.round)),
            _k(r.killings_mean),
            f"{_k(r.killings_p10)} - {_k(r.killings_p90)}",
            _k(r.vacuum_killings),
            f"{r.designations:.2f}",
            f"{r.destructions:.2f}",
            f"{r.survivors:.2f}",
            f"{r.designated} ({_pct(r.designated_share)})",
        ]
        for r in df.iloc[show].itertuples()
    ]
    table = text_table(
        [
            "month",
            "killings/month",
            "10-90%",
            "of which vacuum",
            "designated",
            "destroyed",
            "survivors",
            "most often designated",
        ],
        rows,
    )
    total = float(df["killings_mean"].sum())
    return [
        textwrap.indent(table, "   "),
        f"   total over {n} months: {_k(total)} killings (mean over runs)",
    ]


# ----------------------------------------------------------------------------- json
def main_dict(rep: Any) -> dict[str, Any]:
    """The main job's keys of ``to_dict()`` (``--json``)."""
    job = rep.main
    b = job.bands
    bands = {
        r.quantity: {"point": r.point, "p10": r.p10, "median": r.median, "p90": r.p90}
        for r in b.itertuples()
    }
    crit = job.critical_noise
    camp = job.campaign
    rnd = job.random_campaign
    tr = job.transition
    return {
        "units": rep.scenario.units.describe(),
        "status_quo_killings_per_month": job.status_quo_killings_per_month,
        "policy_killings_per_month": job.policy_killings_per_month,
        "status_quo_killings_per_year": 12 * job.status_quo_killings_per_month,
        "policy_killings_per_year": 12 * job.policy_killings_per_month,
        "grade": job.grade,
        "reduction_share": job.reduction_share,
        "penalty": {
            "kind": "franchise",
            "destroy": job.destroy,
            "discount": job.discount,
            "campaign_converged": job.campaign_converged,
            "organizations": job.franchise.to_dict(orient="records"),
        },
        "fixed_fine": {
            "policy_killings_per_month": job.fixed_fine_killings_per_month,
            "grade": job.fixed_fine_grade,
        },
        "campaign": {
            "runs": job.campaign_runs,
            "rounds": job.campaign_rounds,
            "total_killings": float(camp["killings_mean"].sum()),
            "designations": float(camp["designations"].sum()),
            "destructions": float(camp["destructions"].sum()),
            "final_survivors": float(camp["survivors"].iloc[-1]),
            "rounds_table": camp.to_dict(orient="records"),
        },
        "transition": {
            "runs": job.campaign_runs,
            "rounds": job.campaign_rounds,
            "policy": "dynamics",
            "start": "status quo",
            "start_killings_per_month": job.status_quo_killings_per_month,
            "total_killings": float(tr["killings_mean"].sum()),
            "designations": float(tr["designations"].sum()),
            "destructions": float(tr["destructions"].sum()),
            "final_survivors": float(tr["survivors"].iloc[-1]),
            "months_to_half": _months_to(tr, 0.5 * job.status_quo_killings_per_month),
            "rounds_table": tr.to_dict(orient="records"),
        },
        "random_target": {
            "total_killings": float(rnd["killings_mean"].sum()),
            "designations": float(rnd["designations"].sum()),
            "destructions": float(rnd["destructions"].sum()),
            "final_survivors": float(rnd["survivors"].iloc[-1]),
            "rounds_table": rnd.to_dict(orient="records"),
        },
        "noise": job.noise.to_dict(orient="records"),
        "critical_noise_killings_per_month": (
            None
            if crit is None or not crit.found or crit.value is None
            else crit.value * job.killings_per_unit
        ),
        "demand_reduction": dict(job.demand),
        "bands": bands,
        "samples": 0 if job.samples is None else len(job.samples),
        "assumptions": dict(job.assumptions),
        "sources": dict(job.sources),
        "timings": dict(job.timings),
    }


# ----------------------------------------------------------------------------- files
def tables(rep: Any) -> dict[str, Any]:
    """name -> DataFrame of every table ``--out`` writes."""
    import pandas as pd

    job = rep.main
    org = rep.to_dataframe().merge(job.franchise, on="organization", how="left")
    out = {
        "organizations": org,
        "campaign_rounds": job.campaign,
        "transition_rounds": job.transition,
        "random_target_rounds": job.random_campaign,
        "noise": job.noise,
        "bands": job.bands,
        "assumptions": pd.DataFrame(
            [
                *({"key": k, "kind": "flagged", "source": v} for k, v in job.assumptions.items()),
                *({"key": k, "kind": "published", "source": v} for k, v in job.sources.items()),
            ],
            columns=["key", "kind", "source"],
        ),
    }
    if job.samples is not None:
        s = job.samples.reset_index()
        s.columns = [str(c) for c in s.columns]
        s.attrs = {}
        out["samples"] = s
    return out


def figures(rep: Any) -> dict[str, Any]:
    """name -> matplotlib Figure (Agg canvas, no pyplot state)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - optional stack
        raise DeterrenceError("the figures need matplotlib: pip install matplotlib") from exc
    job = rep.main
    figs = {}

    fig = Figure(figsize=(7, 3.8))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for df, label, color in (
        (job.campaign, "announced rule (most violent)", "C0"),
        (job.random_campaign, "target drawn at random", "C3"),
    ):
        ax.plot(df["round"], df["killings_mean"], color=color, marker="o", ms=3, label=label)
        ax.fill_between(df["round"], df["killings_p10"], df["killings_p90"], color=color, alpha=0.2)
    ax.axhline(job.status_quo_killings_per_month, color="grey", ls="--", lw=1, label="status quo")
    ax.set_xlabel("month of the campaign")
    ax.set_ylabel("killings a month")
    ax.set_title("The campaign, month by month (mean and 10-90% band over runs)")
    ax.legend(fontsize="small")
    figs["campaign"] = fig

    fig = Figure(figsize=(7, 3.8))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    tr = job.transition
    ax.plot(tr["round"], tr["killings_mean"], color="C1", marker="o", ms=3, label="killings (mean)")
    ax.fill_between(tr["round"], tr["killings_p10"], tr["killings_p90"], color="C1", alpha=0.2)
    ax.plot(tr["round"], tr["vacuum_killings"], color="C1", ls=":", lw=1, label="of which vacuum")
    ax.axhline(job.status_quo_killings_per_month, color="grey", ls="--", lw=1, label="status quo")
    ax.set_xlabel("month of the campaign")
    ax.set_ylabel("killings a month")
    ax.set_ylim(bottom=0)
    ax2 = ax.twinx()
    ax2.step(tr["round"], tr["survivors"], where="mid", color="grey", alpha=0.6)
    ax2.set_ylabel("survivors (mean)", color="grey")
    ax2.set_ylim(bottom=0)
    ax.set_title("The transition from the status quo (best-response dynamics, 10-90% band)")
    ax.legend(fontsize="small", loc="upper right")
    figs["transition"] = fig

    fig = Figure(figsize=(6, 3.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    n = job.noise
    ax.plot(n["noise_killings"], n["killings_per_month"], marker="o")
    ax.set_xscale("log")
    ax.axhline(job.status_quo_killings_per_month, color="grey", ls="--", lw=1, label="status quo")
    crit = job.critical_noise
    if crit is not None and crit.found and crit.value is not None:
        ax.axvline(crit.value * job.killings_per_unit, color="C2", ls=":", label="critical noise")
    ax.set_xlabel("attribution noise (killings a month)")
    ax.set_ylabel("killings a month under the policy")
    ax.legend(fontsize="small")
    ax.set_title("Attribution noise")
    figs["noise"] = fig

    fig = Figure(figsize=(6, 3.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if job.samples is not None and len(job.samples):
        s = job.samples
        ax.hist(s["status_quo_killings_per_month"], bins=15, alpha=0.6, label="status quo")
        ax.hist(s["policy_killings_per_month"], bins=15, alpha=0.6, label="announced rule")
        ax.legend(fontsize="small")
    else:
        ax.text(0.5, 0.5, "no samples (samples=0)", ha="center", va="center")
    ax.set_xlabel("killings a month")
    ax.set_ylabel("samples")
    ax.set_title("Uncertainty: Latin hypercube over the preset's ranges")
    figs["bands"] = fig
    return figs


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a plain file respects umask
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _parquet_bytes(df: Any) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def html_report(rep: Any, pngs: dict[str, bytes], tabs: dict[str, Any]) -> str:
    """One self-contained HTML page: the headline, the figures (base64 PNG), the tables."""
    job = rep.main
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{escape(rep.title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "table{border-collapse:collapse;font-size:small}td,th{border:1px solid #ccc;"
        "padding:2px 6px}pre{font-size:small;white-space:pre-wrap}</style></head><body>",
        f"<h1>{escape(rep.title)}</h1>",
    ]
    parts += [f"<p><b>{escape(line)}</b></p>" for line in headline(rep)]
    parts.append(f"<p>{escape(rep.scenario.units.describe())}</p>")
    for name in FIGURES:
        if name in pngs:
            data = base64.b64encode(pngs[name]).decode("ascii")
            parts.append(
                f"<figure><img alt='{name}' src='data:image/png;base64,{data}'>"
                f"<figcaption>{name}</figcaption></figure>"
            )
    for name, df in tabs.items():
        parts.append(f"<h2>{escape(name.replace('_', ' '))}</h2>")
        parts.append(
            df.to_html(index=False, float_format=lambda x: f"{x:.4g}", border=0, escape=True)
        )
    parts.append("<h2>full report</h2><pre>" + escape(rep.summary()) + "</pre>")
    parts.append(
        f"<p>timings: {escape(', '.join(f'{k} {v:.1f} s' for k, v in job.timings.items()))}</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_outputs(rep: Any, out: str | os.PathLike[str]) -> dict[str, str]:
    """Write the tables, figures and HTML report of ``rep`` (a main-job report) to ``out``.

    Returns
    -------
    dict
        file name -> path of every file written.
    """
    if rep.main is None:
        raise DeterrenceError(
            "out is not valid for this report: the tables, figures and HTML are those of the "
            "main job (a scenario with [units] and a market, e.g. 'mexico-2010')"
        )
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise DeterrenceError(f"out={os.fspath(out)!r} is not valid; expected a folder")
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}
    tabs = tables(rep)
    for name, df in tabs.items():
        for ext, data in (
            ("csv", df.to_csv(index=False).encode("utf-8")),
            ("parquet", _parquet_bytes(df)),
        ):
            path = folder / f"{name}.{ext}"
            _atomic_write(path, data)
            written[path.name] = str(path)
    pngs = {name: _png(fig) for name, fig in figures(rep).items()}
    for name, data in pngs.items():
        path = folder / f"{name}.png"
        _atomic_write(path, data)
        written[path.name] = str(path)
    path = folder / "report.html"
    _atomic_write(path, html_report(rep, pngs, tabs).encode("utf-8"))
    written[path.name] = str(path)
    return written
