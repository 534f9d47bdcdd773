"""HdrHistogram interval logs (.hlog, log format 1.3): one file per operation, one line per
interval with its start (seconds after StartTime), length, max (in ms: HistogramLogWriter's
default unit ratio for nanosecond histograms) and the interval's
compressed histogram (nanoseconds), as HdrHistogram's HistogramLogWriter writes them. The
histogram blobs are the results file's own, so every tool that reads .hlog
(HistogramLogProcessor, HdrHistogramVisualizer, the hdrhistogram package) sees the run exactly.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from surge.files import file_safe, write_text_atomic
from surge.results.analysis import interval_length_s

LEGEND = '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"'


def hlog_text(document: Any, operation: str) -> str:
    started = _dt.datetime.fromisoformat(document["started_at"])
    start = started + _dt.timedelta(seconds=document["load"]["warmup_s"])
    epoch = start.timestamp()
    lines = [
        f"#[surge {document['surge_version']}: operation {operation!r} of scenario "
        f"{document['scenario']['name']!r}; response times from the intended start, in ns]",
        "#[Histogram log format version 1.3]",
        f"#[StartTime: {epoch:.3f} (seconds since epoch), {start.isoformat()}]",
        f"#[BaseTime: {epoch:.3f} (seconds since epoch)]",
        LEGEND,
    ]
    for row in document["timeseries"]:
        if row["operation"] != operation or not row.get("histogram"):
            continue
        length = interval_length_s(document, row["t_s"])
        lines.append(f"{row['t_s']:.3f},{length:.3f},{row['max_ms']:.3f},{row['histogram']}")
    return "\n".join(lines) + "\n"


def write_hlogs(document: Any, prefix: str | Path) -> list[Path]:
    """PREFIX_<operation>.hlog for every operation; returns the paths."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for operation in document["operations"]:
        path = Path(f"{prefix}_{file_safe(operation)}.hlog")
        if path in paths:  # two names that differ only in characters a file name cannot hold
            path = path.with_name(f"{path.stem}-{len(paths)}.hlog")
        write_text_atomic(path, hlog_text(document, operation))
        paths.append(path)
    return paths
