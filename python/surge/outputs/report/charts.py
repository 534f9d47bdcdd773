"""The HTML report's charts, as plotly figures built from a results document: throughput and
errors, response-time percentiles over time, the percentile spectrum (response time and
service time), the load (target rate or users), when there were cache reads, the hit rate, and
under them the monitored sources (surge.outputs.report.monitors)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from surge.outputs.report.monitors import monitor_charts
from surge.results.analysis import interval_length_s
from surge.results.histogram import Histogram

# The spectrum's x axis: 1 / (1 - percentile), on a log scale, as HdrHistogram plots are drawn.
SPECTRUM_TICKS = {
    1: "0%",
    2: "50%",
    10: "90%",
    100: "99%",
    1000: "99.9%",
    10000: "99.99%",
    100000: "99.999%",
}


def layout(
    fig: go.Figure,
    title: str,
    y_title: str,
    x_title: str = "seconds since the start of measurement",
) -> go.Figure:
    """The look every report chart shares."""
    fig.update_layout(
        title=title,
        xaxis_title=x_title,
        yaxis_title=y_title,
        template="plotly_white",
        height=380,
        margin={"l": 60, "r": 30, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.2},
        # From zero: an auto-ranged axis turns a 0.1 % wobble into a cliff.
        yaxis={"rangemode": "tozero"},
    )
    return fig


def _series(document: Any, operation: str | None = None) -> list[dict[str, Any]]:
    if operation is None:
        return document["timeseries_total"]
    return [r for r in document["timeseries"] if r["operation"] == operation]


def _rates(document: Any, rows: list[dict[str, Any]], key: str) -> list[float]:
    return [r[key] / interval_length_s(document, r["t_s"]) for r in rows]


def throughput(document: Any) -> go.Figure:
    fig = go.Figure()
    total = _series(document)
    times = [r["t_s"] for r in total]
    fig.add_scatter(
        x=times,
        y=_rates(document, total, "count"),
        name="all operations",
        mode="lines+markers",
        line={"width": 3},
    )
    for name in document["operations"]:
        rows = _series(document, name)
        fig.add_scatter(
            x=[r["t_s"] for r in rows], y=_rates(document, rows, "count"), name=name, mode="lines"
        )
    fig.add_bar(
        x=times,
        y=_rates(document, total, "errors"),
        name="errors/s",
        yaxis="y2",
        marker={"color": "crimson"},
        opacity=0.35,
    )
    fig.update_layout(
        yaxis2={"title": "errors/s", "overlaying": "y", "side": "right", "rangemode": "tozero"}
    )
    return layout(fig, "Throughput and errors", "requests/s")


def latency_over_time(document: Any) -> go.Figure:
    fig = go.Figure()
    total = _series(document)
    times = [r["t_s"] for r in total]
    for key, label in (("p50_ms", "p50"), ("p90_ms", "p90"), ("p99_ms", "p99"), ("max_ms", "max")):
        fig.add_scatter(x=times, y=[r[key] for r in total], name=label, mode="lines+markers")
    return layout(fig, "Response time over time (all operations, per interval)", "ms")


def spectrum(document: Any) -> go.Figure:
    fig = go.Figure()
    for name, stats in [*document["operations"].items(), ("all operations", document["total"])]:
        for key, label, dash in (
            ("histogram", "response time", None),
            ("service_histogram", "service time", "dot"),
        ):
            points = Histogram.decode(stats[key]).spectrum()
            if not points:
                continue
            fig.add_scatter(
                x=[1 / (1 - p / 100) if p < 100 else None for p, _ in points],
                y=[v for _, v in points],
                name=f"{name}: {label}",
                mode="lines",
                line={"dash": dash},
            )
    fig.update_xaxes(
        type="log", tickvals=list(SPECTRUM_TICKS), ticktext=list(SPECTRUM_TICKS.values())
    )
    layout(
        fig, "Percentile spectrum: response time (from the intended start) vs service time", "ms"
    )
    fig.update_layout(xaxis_title="percentile")
    return fig


def load_shape(document: Any) -> go.Figure | None:
    total = _series(document)
    times = [r["t_s"] for r in total]
    fig = go.Figure()
    if any("target_rate_per_s" in r for r in total):
        fig.add_scatter(
            x=times,
            y=[r.get("target_rate_per_s") for r in total],
            name="target rate",
            mode="lines",
            line={"dash": "dash"},
        )
        fig.add_scatter(
            x=times,
            y=[r.get("rate_per_s") for r in total],
            name="achieved rate",
            mode="lines+markers",
        )
        return layout(fig, "Load: target and achieved rate", "requests/s")
    if any("users" in r for r in total):
        fig.add_scatter(
            x=times,
            y=[r.get("users") for r in total],
            name="users (asked)",
            mode="lines",
            line={"shape": "hv"},
        )
        fig.add_scatter(
            x=times, y=[r.get("active_users") for r in total], name="users running", mode="markers"
        )
        return layout(fig, "Load: users", "users")
    return None


def hit_rate(document: Any) -> go.Figure | None:
    readers = [n for n, s in document["operations"].items() if s["hits"] + s["misses"] > 0]
    if not readers:
        return None
    fig = go.Figure()
    for name in readers:
        rows = _series(document, name)
        fig.add_scatter(
            x=[r["t_s"] for r in rows],
            y=[None if r["hit_rate"] is None else 100 * r["hit_rate"] for r in rows],
            name=name,
            mode="lines+markers",
        )
    fig.update_yaxes(range=[0, 101])
    return layout(fig, "Cache hit rate", "% of reads")


def all_charts(document: Any) -> list[tuple[str, go.Figure]]:
    """(id, figure) for every chart that applies to this run, in report order."""
    charts = [
        ("throughput", throughput(document)),
        ("latency", latency_over_time(document)),
        ("spectrum", spectrum(document)),
        ("load", load_shape(document)),
        ("hit-rate", hit_rate(document)),
    ]
    shown = [(name, fig) for name, fig in charts if fig is not None]
    return shown + monitor_charts(document)
