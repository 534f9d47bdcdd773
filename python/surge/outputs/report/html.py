"""`surge report`: one self-contained HTML file per run. plotly.js is inlined once (no network
needed to open it), then the charts, the per-operation table with error classes and
examples, the SLO verdicts and the run's configuration. Every text from the run is escaped."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import plotly.offline

from surge.files import write_text_atomic
from surge.outputs.report.charts import all_charts
from surge.results import slo as slo_module
from surge.results.result import Result
from surge.units import format_ms as _ms

STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1200px; color: #222; }
h1 { margin-bottom: 4px; } .sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 12px 0 24px; font-size: 14px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
.ok { color: #137333; font-weight: 600; } .broken { color: #b3261e; font-weight: 600; }
.chart { margin-bottom: 16px; } .banner { padding: 8px 12px; background: #fdecea; }
pre { background: #f6f8fa; padding: 12px; overflow-x: auto; font-size: 13px; }
"""

LATENCY_COLUMNS = (
    ("min", "min"),
    ("mean", "mean"),
    ("50", "p50"),
    ("90", "p90"),
    ("95", "p95"),
    ("99", "p99"),
    ("99.9", "p99.9"),
    ("max", "max"),
)


def esc(value: Any) -> str:
    return html.escape(str(value))


def html_table(header: list[str], rows: list[list[str]], text_columns: int = 1) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = [
            f'<td class="text">{cell}</td>' if i < text_columns else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _errors_cell(stats: dict[str, Any]) -> str:
    if not stats["errors"]:
        return "-"
    parts = []
    for error_class, count in stats["errors"].items():
        examples = "; ".join(dict.fromkeys(stats["error_examples"].get(error_class) or []))
        parts.append(
            f"<b>{esc(error_class)}</b> {count}" + (f": {esc(examples)}" if examples else "")
        )
    return "<br>".join(parts)


def operations_table(document: Any) -> str:
    header = [
        "operation",
        "count",
        "rps",
        *(f"{label} ms" for _, label in LATENCY_COLUMNS),
        "hit rate",
        "errors",
    ]
    rows = []
    for name, stats in [*document["operations"].items(), ("all operations", document["total"])]:
        latency = stats["latency"]
        values = [
            latency[k] if k in ("min", "mean", "max") else latency["percentiles"][k]
            for k, _ in LATENCY_COLUMNS
        ]
        hit_rate = "-" if stats["hit_rate"] is None else f"{100 * stats['hit_rate']:.2f}%"
        rows.append(
            [
                esc(name),
                str(stats["count"]),
                f"{stats['rate_per_s']:.1f}",
                *map(_ms, values),
                hit_rate,
                _errors_cell(stats),
            ]
        )
    return html_table(header, rows)


def journeys_section(document: Any) -> str:
    """Each journey's started, completed and aborted counts, and the steps that aborted it;
    its transaction time is its row in the operations table."""
    rows = []
    for name, stats in document["operations"].items():
        if stats.get("kind") != "journey":
            continue
        by_step = stats.get("aborted_by_step") or {}
        rows.append(
            [
                esc(name),
                str(stats["started"]),
                str(stats["completed"]),
                str(stats["aborted"]),
                "<br>".join(f"{esc(step)}: {n}" for step, n in by_step.items()) or "-",
                str(stats.get("not_started", 0)),
            ]
        )
    if not rows:
        return ""
    header = ["journey", "started", "completed", "aborted", "aborted at", "not started"]
    return f"<h2>Journeys</h2>{html_table(header, rows)}"


def slo_table(verdicts: list[slo_module.Verdict]) -> str:
    rows = [
        [
            esc(v.slo.text.strip()),
            esc(v.shown_measured),
            esc(v.shown_target),
            '<span class="ok">ok</span>' if v.ok else '<span class="broken">BROKEN</span>',
        ]
        for v in verdicts
    ]
    return html_table(["SLO", "measured", "target", "verdict"], rows)


def configuration(document: Any) -> str:
    shown = {
        "scenario": document["scenario"],
        "load": document["load"],
        "started_at": document["started_at"],
        "duration_s": document["duration_s"],
        "interrupted": document["interrupted"],
        "aborted": document["aborted"],
        "unfinished": document["unfinished"],
        "surge_version": document["surge_version"],
    }
    return f"<pre>{esc(json.dumps(shown, indent=2))}</pre>"


def render(result: Result, slos: list[str] | tuple[str, ...] = ()) -> str:
    """The report as one HTML string. SLO expressions are checked against the result."""
    document = result
    verdicts = result.check(*slos) if slos else []
    total = document["total"]
    name = document["scenario"]["name"]
    charts = "".join(
        f'<div class="chart">'
        f"{fig.to_html(full_html=False, include_plotlyjs=False, div_id=f'chart-{chart_id}')}"
        "</div>"
        for chart_id, fig in all_charts(document)
    )
    banner = ""
    if document["aborted"]:
        aborted = document["aborted"]
        banner = (
            f'<p class="banner">Aborted at {aborted["at_s"]:.1f} s: '
            f"{esc(aborted['slo'])} (measured {esc(aborted['measured'])})</p>"
        )
    elif document["interrupted"]:
        banner = '<p class="banner">Interrupted: the figures cover the part that ran.</p>'
    slo_section = f"<h2>SLOs</h2>{slo_table(verdicts)}" if verdicts else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>surge report: {esc(name)}</title>
<style>{STYLE}</style>
<script>{plotly.offline.get_plotlyjs()}</script>
</head><body>
<h1>surge report: {esc(name)}</h1>
<p class="sub">{esc(document["started_at"])} &middot; {document["duration_s"]:.1f} s measured
&middot; {total["count"]} requests, {total["rate_per_s"]:.1f}/s &middot; p99
{_ms(total["latency"]["percentiles"]["99"])} ms &middot; {total["error_count"]} errors</p>
{banner}
<h2>Operations</h2>
{operations_table(document)}
{journeys_section(document)}
{slo_section}
<h2>Charts</h2>
{charts}
<h2>Configuration</h2>
{configuration(document)}
</body></html>
"""


def write_report(result: Result, path: str | Path, slos: list[str] | tuple[str, ...] = ()) -> Path:
    return write_text_atomic(path, render(result, slos))
