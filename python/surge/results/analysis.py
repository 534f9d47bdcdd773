"""Results as pandas DataFrames, for notebooks: the time series and the per-operation summary.

pandas is an optional extra (`pip install surge[analysis]`); everything else in surge works
without it, so it is imported only when a DataFrame is asked for.
"""

from __future__ import annotations

from typing import Any

from surge.results.optional import pandas
from surge.results.slo import metric_value

SUMMARY_PERCENTILES = ("50", "90", "95", "99", "99.9")


def interval_length_s(document: Any, t_s: float) -> float:
    """The length of the interval starting at t_s: the run's interval, shorter for the last
    one when the run ended part-way through it."""
    interval = document["load"]["interval_s"]
    return max(min(interval, document["duration_s"] - t_s), 1e-3)


def timeseries_frame(document: Any, total: bool = False) -> Any:
    """One row per operation and interval (or per interval with total=True), with rates."""
    pd = pandas()
    rows = document["timeseries_total"] if total else document["timeseries"]
    records = []
    for row in rows:
        record = {k: v for k, v in row.items() if k != "histogram"}
        length = interval_length_s(document, row["t_s"])
        record["rate_per_s"] = row["count"] / length
        record["error_rate"] = metric_value("error_rate", row, interval_s=1.0)  # a row: any length
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return frame
    first = ["t_s"] if total else ["t_s", "operation"]
    return frame[first + [c for c in frame.columns if c not in first]]


def summary_frame(document: Any) -> Any:
    """One row per operation, then a "total" row: counts, rates and latency in ms."""
    pd = pandas()
    records = []
    entries = [*document["operations"].items(), ("total", document["total"])]
    for name, stats in entries:
        latency = stats["latency"]
        record = {
            "operation": name,
            "count": stats["count"],
            "rps": stats["rate_per_s"],
            "errors": stats["error_count"],
            "error_rate": metric_value("error_rate", stats),
            "hit_rate": stats["hit_rate"],
            "dropped": stats["dropped"],
            "late_starts": stats["late_starts"],
            "min_ms": latency["min"],
            "mean_ms": latency["mean"],
        }
        for p in SUMMARY_PERCENTILES:
            record[f"p{p}_ms"] = latency["percentiles"][p]
        record["max_ms"] = latency["max"]
        records.append(record)
    return pd.DataFrame.from_records(records).set_index("operation")
