"""Locust-compatible CSV: PREFIX_stats.csv, PREFIX_stats_history.csv and PREFIX_failures.csv
with the columns Locust writes (its --csv and --csv-full-history output), so dashboards and
scripts built on Locust's files read surge's.

Where Locust writes integers (the median and the percentile columns), surge writes whole
milliseconds too, rounded half up, so programs that parse Locust's files with int() read
surge's (`decimals=True`, `surge export --csv-decimals`, keeps microsecond decimals there: a
sub-millisecond service otherwise reads as 0 or 1). The average, min and max are decimals, as
in Locust. Where surge differs, the values say so rather than pretend:
- "Average Content Size" is empty: surge does not keep response sizes;
- "User Count" is the closed model's users; an open-model run has no users, and gets the
  connections it was configured with;
- the history has a row per operation and interval, then the "Aggregated" row, as Locust's
  full history does; its percentiles are the interval's, its "Total ..." columns cumulative;
- failures are per error class, the first example message after the class name.
"""

from __future__ import annotations

import csv
import datetime as _dt
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from surge.results.analysis import interval_length_s
from surge.results.histogram import Histogram

LOCUST_PERCENTILES = (50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100)
PERCENTILE_COLUMNS = [f"{p:g}%" for p in LOCUST_PERCENTILES]
STATS_COLUMNS = [
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Median Response Time",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Average Content Size",
    "Requests/s",
    "Failures/s",
    *PERCENTILE_COLUMNS,
]
HISTORY_COLUMNS = [
    "Timestamp",
    "User Count",
    "Type",
    "Name",
    "Requests/s",
    "Failures/s",
    *PERCENTILE_COLUMNS,
    "Total Request Count",
    "Total Failure Count",
    "Total Median Response Time",
    "Total Average Response Time",
    "Total Min Response Time",
    "Total Max Response Time",
    "Total Average Content Size",
]
FAILURE_COLUMNS = ["Method", "Name", "Error", "Occurrences"]
AGGREGATED = "Aggregated"


def _whole_ms(ms: float, decimals: bool) -> float | int:
    """Locust's integer columns: whole ms rounded half up, or the decimals when asked for."""
    return ms if decimals else math.floor(ms + 0.5)


def _percentile_cells(histogram: Histogram, decimals: bool) -> list[Any]:
    if not histogram.count:
        return ["N/A"] * len(LOCUST_PERCENTILES)
    return [_whole_ms(histogram.value_at(p), decimals) for p in LOCUST_PERCENTILES]


def _time_cells(histogram: Histogram, decimals: bool) -> list[Any]:
    """Median, average, min and max; zeros when nothing was timed, as Locust writes them."""
    if not histogram.count:
        return [0, 0, 0, 0]
    median = _whole_ms(histogram.value_at(50), decimals)
    return [median, histogram.mean_ms, histogram.min_ms, histogram.max_ms]


def _stats_rows(document: Any, decimals: bool) -> Iterable[list[Any]]:
    duration = max(document["duration_s"], 1e-9)
    entries = [
        (name, stats.get("request_type", "")) for name, stats in document["operations"].items()
    ]
    for name, kind in [*entries, (AGGREGATED, "")]:
        stats = document["total"] if name == AGGREGATED else document["operations"][name]
        histogram = Histogram.decode(stats["histogram"])
        yield [
            kind,
            name,
            stats["count"],
            stats["error_count"],
            *_time_cells(histogram, decimals),
            "",
            round(stats["count"] / duration, 6),
            round(stats["error_count"] / duration, 6),
            *_percentile_cells(histogram, decimals),
        ]


def _user_count(document: Any, total_row: dict[str, Any]) -> int:
    if "users" in total_row:
        return total_row["users"]
    return document["load"].get("connections") or 0


def _history_rows(document: Any, decimals: bool) -> Iterable[list[Any]]:
    started = _dt.datetime.fromisoformat(document["started_at"]).timestamp()
    origin = started + document["load"]["warmup_s"]
    kinds = {name: s.get("request_type", "") for name, s in document["operations"].items()}
    counted = {name for name, s in document["operations"].items() if "fanout" not in s}
    by_interval: dict[float, list[dict[str, Any]]] = {}
    for row in document["timeseries"]:
        by_interval.setdefault(row["t_s"], []).append(row)
    cumulative: dict[str, Histogram] = {}
    totals: dict[str, list[int]] = {}  # name -> [requests, failures]
    for total_row in document["timeseries_total"]:
        t_s = total_row["t_s"]
        length = interval_length_s(document, t_s)
        stamp = int(origin + t_s + length)
        users = _user_count(document, total_row)
        interval_all = Histogram.decode("")
        for row in by_interval.get(t_s, []):
            name = row["operation"]
            interval = Histogram.decode(row["histogram"])
            if name in counted:
                interval_all.add(interval)
            yield _history_row(
                stamp,
                users,
                kinds[name],
                name,
                row,
                length,
                interval,
                cumulative,
                totals,
                decimals,
            )
        yield _history_row(
            stamp,
            users,
            "",
            AGGREGATED,
            total_row,
            length,
            interval_all,
            cumulative,
            totals,
            decimals,
        )


def _history_row(
    stamp: int,
    users: int,
    kind: str,
    name: str,
    row: dict[str, Any],
    length: float,
    interval: Histogram,
    cumulative: dict[str, Histogram],
    totals: dict[str, list[int]],
    decimals: bool,
) -> list[Any]:
    so_far = cumulative.setdefault(name, Histogram.decode("")).add(interval)
    counts = totals.setdefault(name, [0, 0])
    counts[0] += row["count"]
    counts[1] += row["errors"]
    return [
        stamp,
        users,
        kind,
        name,
        round(row["count"] / length, 6),
        round(row["errors"] / length, 6),
        *_percentile_cells(interval, decimals),
        counts[0],
        counts[1],
        *_time_cells(so_far, decimals),
        "",
    ]


def _failure_rows(document: Any) -> Iterable[list[Any]]:
    for name, stats in document["operations"].items():
        for error_class, count in stats["errors"].items():
            examples = stats["error_examples"].get(error_class) or []
            message = f"{error_class}: {examples[0]}" if examples else error_class
            yield [stats.get("request_type", ""), name, message, count]


def _write(path: Path, header: list[str], rows: Iterable[list[Any]]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_locust_csv(document: Any, prefix: str | Path, *, decimals: bool = False) -> list[Path]:
    """Writes the three files next to PREFIX and returns their paths."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    return [
        _write(Path(f"{prefix}_stats.csv"), STATS_COLUMNS, _stats_rows(document, decimals)),
        _write(
            Path(f"{prefix}_stats_history.csv"), HISTORY_COLUMNS, _history_rows(document, decimals)
        ),
        _write(Path(f"{prefix}_failures.csv"), FAILURE_COLUMNS, _failure_rows(document)),
    ]
