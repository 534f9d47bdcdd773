"""The HTML report of a capacity search (surge.capacity, `surge capacity --html`): latency (p50
and p99) against the offered rate and the achieved rate against the offered rate, with the
answer, the first failure and the knee marked, and every run in a table. Built from the
search's JSON (CapacityReport.to_dict), so a saved search can be drawn again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.offline

from surge.files import write_text_atomic
from surge.outputs.report.charts import layout
from surge.outputs.report.html import STYLE, esc, html_table
from surge.units import format_number


def _marks(fig: go.Figure, search: dict[str, Any]) -> None:
    """Dashed lines at the answer, the first failure and the knee; one label per rate (the
    knee is often the answer), the lower rate's to the left of its line, the higher's right."""
    labels: dict[float, list[str]] = {}
    for key, label in (
        ("highest_passing_rate", "held"),
        ("knee_rate", "knee"),
        ("lowest_failing_rate", "broke"),
    ):
        if search.get(key):
            labels.setdefault(search[key], []).append(label)
    for i, (rate, names) in enumerate(sorted(labels.items())):
        fig.add_vline(
            x=rate,
            line={"dash": "dash", "color": "#b3261e" if "broke" in names else "#137333"},
            annotation_text=f"{' / '.join(names)} {rate:,.0f}",
            annotation_position="top left" if i == 0 and len(labels) > 1 else "top right",
        )


def _layout(fig: go.Figure, title: str, y_title: str) -> go.Figure:
    layout(fig, title, y_title, x_title="offered rate (req/s)")
    fig.update_layout(height=420, xaxis={"rangemode": "tozero"})
    return fig


def _runs(search: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(
        (run for step in search["steps"] for run in step["runs"]), key=lambda r: r["rate"]
    )


def latency_curve(search: dict[str, Any]) -> go.Figure:
    runs = _runs(search)
    fig = go.Figure()
    for key, label in (("p50_ms", "p50"), ("p99_ms", "p99")):
        fig.add_scatter(
            x=[r["rate"] for r in runs],
            y=[r[key] for r in runs],
            name=label,
            mode="lines+markers",
            marker={"symbol": ["circle" if r["passed"] else "x" for r in runs], "size": 9},
        )
    _marks(fig, search)
    return _layout(fig, "Latency against offered rate (x: the run broke an SLO)", "ms")


def throughput_curve(search: dict[str, Any]) -> go.Figure:
    runs = _runs(search)
    rates = [r["rate"] for r in runs]
    fig = go.Figure()
    fig.add_scatter(
        x=rates, y=[r["achieved_rate"] for r in runs], name="achieved", mode="lines+markers"
    )
    top = max(rates, default=0)
    fig.add_scatter(x=[0, top], y=[0, top], name="offered", mode="lines", line={"dash": "dot"})
    _marks(fig, search)
    return _layout(fig, "Achieved against offered rate", "req/s")


def runs_table(search: dict[str, Any]) -> str:
    rows = []
    for run in _runs(search):
        verdict = (
            "descheduled, run again" if run.get("retried")
            else "generator-bound" if run["generator_bound"] else "held" if run["passed"]
            else "BROKE"
        )  # fmt: skip
        rows.append(
            [
                format_number(run["rate"]),
                format_number(run["achieved_rate"]),
                format_number(run["p50_ms"], "ms"),
                format_number(run["p99_ms"], "ms"),
                format_number(run["error_rate"], "%"),
                format_number(run["pacer_lag_p99_ms"], "ms"),
                esc(verdict),
                esc("; ".join(run["verdicts"])),
            ]
        )
    header = [
        "offered req/s",
        "achieved",
        "p50",
        "p99",
        "errors",
        "pacer lag p99",
        "verdict",
        "SLOs",
    ]
    return html_table(header, rows, text_columns=0)


def render(search: dict[str, Any], answer: str) -> str:
    figures = (
        ("latency-curve", latency_curve(search)),
        ("throughput-curve", throughput_curve(search)),
    )
    charts = "".join(
        '<div class="chart">'
        + fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{name}")
        + "</div>"
        for name, fig in figures
    )
    noise = search.get("noise") or {}
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>surge capacity: {esc(search["scenario"])}</title>
<style>{STYLE}</style>
<script>{plotly.offline.get_plotlyjs()}</script>
</head><body>
<h1>surge capacity: {esc(search["scenario"])}</h1>
<p class="sub">SLOs: {esc(", ".join(search["slos"]))} &middot; resolution
{100 * search["resolution"]:g}% &middot; {noise.get("repeated_steps", 0)} repeated step(s),
{noise.get("dissenting_runs", 0)} run(s) against their majority,
{noise.get("descheduled_runs", 0)} descheduled and run again</p>
<p><b>{esc(answer)}</b></p>
<h2>Curves</h2>
{charts}
<h2>Runs</h2>
{runs_table(search)}
</body></html>
"""


def write_capacity_report(search: dict[str, Any], answer: str, path: str | Path) -> Path:
    return write_text_atomic(path, render(search, answer))
