"""The HTML report's charts of the monitored sources (surge.monitor): one figure per source,
one row per metric on the run's clock, under the load's charts. Counters are drawn as rates
per second; sizes in MiB."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

_ROW_HEIGHT = 150
_MIB = 1 << 20


def _label(name: str, unit: str) -> tuple[str, float]:
    """A metric's axis title and the divisor that puts it in that unit."""
    if unit == "B":
        return f"{name} (MiB)", _MIB
    if unit == "%":
        return f"{name} (% of a core)", 1.0
    if unit == "s":
        return f"{name} (s)", 1.0
    return name, 1.0


def monitor_charts(document: Any) -> list[tuple[str, go.Figure]]:
    charts = []
    for namespace, section in (document.get("monitors") or {}).items():
        samples = section["samples"]
        names = sorted({k for s in samples for k in s if k != "t_s"})
        if not names:
            continue
        units = section.get("units", {})
        fig = make_subplots(
            rows=len(names),
            cols=1,
            shared_xaxes=True,
            vertical_spacing=0.04 if len(names) > 6 else 0.08,
        )
        for row, name in enumerate(names, 1):
            title, divisor = _label(name, units.get(name, ""))
            fig.add_scatter(
                x=[s["t_s"] for s in samples],
                y=[None if s.get(name) is None else s[name] / divisor for s in samples],
                name=title,
                mode="lines+markers",
                row=row,
                col=1,
            )
            fig.update_yaxes(title_text=title, title_font={"size": 11}, rangemode="tozero", row=row)
        what = section.get("name") or section.get("url") or section["source"]
        fig.update_layout(
            title=f"Monitored: {namespace} ({what})",
            template="plotly_white",
            height=120 + _ROW_HEIGHT * len(names),
            margin={"l": 80, "r": 30, "t": 50, "b": 40},
            showlegend=False,
        )
        fig.update_xaxes(title_text="seconds since the start of measurement", row=len(names))
        charts.append((f"monitor-{namespace}", fig))
    return charts
