"""Merging what the shares of a distributed run measured, exactly: counts add up, and every
percentile comes from the shares' HDR histograms added together, as one generator would have
recorded them. Two merges: each interval as it closes (for the live view and `abort_on`), and
the results documents at the end, into one document of the same schema as a local run's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import surge._core as _core
from surge.results.result import latency_summary
from surge.running.document import cache_reads

_ROW_FIELDS = (
    "t_s", "length_s", "operation", "count", "errors", "dropped", "late", "hits", "misses",
    "p50_ns", "p90_ns", "p95_ns", "p99_ns", "max_ns", "histogram", "target_rate_per_s",
    "users", "active_users", "lag_p99_ns", "lag_max_ns",
)  # fmt: skip


@dataclass
class Row:
    """One interval's figures, with the attributes of the engine's IntervalRow (what the live
    view and abort_on read)."""

    t_s: float = 0.0
    length_s: float = 0.0
    operation: int | None = None
    count: int = 0
    errors: int = 0
    error_classes: dict[str, int] = field(default_factory=dict)
    dropped: int = 0
    late: int = 0
    hits: int = 0
    misses: int = 0
    p50_ns: int = 0
    p90_ns: int = 0
    p95_ns: int = 0
    p99_ns: int = 0
    max_ns: int = 0
    histogram: str = ""
    target_rate_per_s: float | None = None
    users: int | None = None
    active_users: int | None = None
    # How late requests left after their intended start. Merged, the worst share's: the
    # interval's lag histograms stay on the workers.
    lag_p99_ns: int = 0
    lag_max_ns: int = 0


@dataclass
class Report:
    """A merged interval, with the attributes of the engine's IntervalReport."""

    elapsed_s: float
    interval_s: float
    rows: list[Row]
    total: Row
    cumulative: list[Any] = field(default_factory=list)
    shares: int = 0  # how many shares it merges
    workers: list[tuple[int, Row]] = field(default_factory=list)  # each share's own total row


def plain_report(report: Any, share: int) -> dict[str, Any]:
    """An engine IntervalReport as plain data a worker can send to the client."""

    def row(r: Any) -> dict[str, Any]:
        data = {name: getattr(r, name) for name in _ROW_FIELDS}
        data["error_classes"] = dict(r.error_classes)
        return data

    return {
        "share": share,
        "elapsed_s": report.elapsed_s,
        "interval_s": report.interval_s,
        "rows": [row(r) for r in report.rows],
        "total": row(report.total),
    }


def _histogram(blob: str) -> Any:
    return _core.HdrHistogram.decode(blob) if blob else _core.HdrHistogram()


def _merge_rows(rows: list[dict[str, Any]], operation: int | None) -> Row:
    merged = Row(operation=operation)
    histogram = _core.HdrHistogram()
    for r in rows:
        merged.t_s = max(merged.t_s, r["t_s"])
        merged.length_s = max(merged.length_s, r["length_s"])
        for name in ("count", "errors", "dropped", "late", "hits", "misses"):
            setattr(merged, name, getattr(merged, name) + r[name])
        for name, n in r["error_classes"].items():
            merged.error_classes[name] = merged.error_classes.get(name, 0) + n
        for name in ("target_rate_per_s", "users", "active_users"):
            if r[name] is not None:
                setattr(merged, name, (getattr(merged, name) or 0) + r[name])
        for name in ("lag_p99_ns", "lag_max_ns"):
            setattr(merged, name, max(getattr(merged, name), r.get(name, 0)))
        if r["histogram"]:
            histogram.add(_histogram(r["histogram"]))
    _percentiles_into(merged, histogram)
    if operation is not None and histogram.total_count:
        merged.histogram = histogram.encode()
    return merged


def _percentiles_into(row: Row, histogram: Any) -> None:
    if histogram.total_count:
        row.p50_ns = histogram.value_at_percentile(50.0)
        row.p90_ns = histogram.value_at_percentile(90.0)
        row.p95_ns = histogram.value_at_percentile(95.0)
        row.p99_ns = histogram.value_at_percentile(99.0)
        row.max_ns = histogram.max


class LiveMerge:
    """Adds the shares' interval reports as they arrive, by interval index, and hands back each
    interval once every share still running has reported it."""

    def __init__(self, shares: int):
        self.running = set(range(shares))
        self.pending: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        self.emitted = -1

    def add(self, report: dict[str, Any]) -> list[Report]:
        index = round(report["elapsed_s"] / report["interval_s"]) if report["interval_s"] else 0
        if index <= self.emitted:
            return []  # a lost share's, after its interval went on without it: not merged twice
        self.pending[index][report["share"]] = report
        return self._ready()

    def share_ended(self, share: int) -> list[Report]:
        """A share finished, or was lost: intervals no longer wait for it."""
        self.running.discard(share)
        return self._ready()

    def _ready(self) -> list[Report]:
        out = []
        for index in sorted(self.pending):
            reports = self.pending[index]
            if not self.running <= reports.keys() and self.running:
                break
            out.append(self._merge(list(reports.values())))
            del self.pending[index]
            self.emitted = index
        return out

    @staticmethod
    def _merge(reports: list[dict[str, Any]]) -> Report:
        operations = len(reports[0]["rows"])
        rows = [
            _merge_rows([r["rows"][op] for r in reports], reports[0]["rows"][op]["operation"])
            for op in range(operations)
        ]
        total = _merge_rows([r["total"] for r in reports], None)
        histogram = _core.HdrHistogram()
        for row in rows:
            if row.histogram:
                histogram.add(_histogram(row.histogram))
        _percentiles_into(total, histogram)  # the total's percentiles over every operation
        own = [
            (r["share"], Row(**{k: v for k, v in r["total"].items() if k != "histogram"}))
            for r in sorted(reports, key=lambda r: r["share"])
        ]
        return Report(
            elapsed_s=max(r["elapsed_s"] for r in reports),
            interval_s=reports[0]["interval_s"],
            rows=rows,
            total=total,
            shares=len(reports),
            workers=own,
        )


# --- the documents at the end -----------------------------------------------------------------

_COUNTS = (
    "count",
    "retries",
    "reconnects",
    "redirects",
    "dropped",
    "unfinished",
    "late_starts",
    "hits",
    "misses",
)
_HISTOGRAMS = {
    "histogram": "latency",
    "service_histogram": "service_time",
    "error_histogram": "error_latency",
    "lag_histogram": "schedule_lag",
}


def _add_histograms(blobs: list[str]) -> Any:
    merged = _core.HdrHistogram()
    for blob in blobs:
        if blob:
            merged.add(_histogram(blob))
    return merged


_JOURNEY_COUNTS = ("started", "completed", "aborted", "not_started")


def merge_stats(parts: list[dict[str, Any]], duration_s: float) -> dict[str, Any]:
    """One operation's (or the total's) statistics from its shares'."""
    merged = dict(parts[0])
    for name in _COUNTS:
        merged[name] = sum(p.get(name, 0) for p in parts)
    errors: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    for p in parts:
        for name, n in p["errors"].items():
            errors[name] = errors.get(name, 0) + n
        for name, kept in p.get("error_examples", {}).items():
            examples.setdefault(name, [])
            examples[name] = (examples[name] + list(kept))[:3]
    merged["errors"], merged["error_examples"] = errors, examples
    merged["error_count"] = sum(errors.values())
    merged.update(cache_reads(merged["hits"], merged["misses"]))
    merged["rate_per_s"] = round(merged["count"] / duration_s, 3) if duration_s > 0 else 0.0
    for blob_field, summary_field in _HISTOGRAMS.items():
        if all(blob_field in p for p in parts):
            histogram = _add_histograms([p[blob_field] for p in parts])
            merged[summary_field] = latency_summary(histogram)
            merged[blob_field] = histogram.encode()
    # A journey's counts are added.
    if merged.get("kind") == "journey":
        for name in _JOURNEY_COUNTS:
            merged[name] = sum(p.get(name, 0) for p in parts)
    # Protocol fields of counts (PostgreSQL's SQLSTATEs, a journey's aborts by step): added,
    # whichever shares have them; anything else is the first's.
    for name in dict.fromkeys(n for p in parts for n in p):
        values = [p[name] for p in parts if name in p]
        counts = any(values) and all(
            isinstance(v, dict) and all(isinstance(n, int) for n in v.values()) for v in values
        )
        if counts and name not in ("errors", *_COUNTS):
            summed: dict[str, int] = {}
            for p in parts:
                for key, n in p.get(name, {}).items():
                    summed[key] = summed.get(key, 0) + n
            merged[name] = summed
    return merged


def _sum_result_rows(rows: list[dict[str, Any]]) -> Row:
    """The counts of one interval's rows, as results files hold them, added."""
    merged = Row(t_s=max(r["t_s"] for r in rows))
    for r in rows:
        merged.count += r["count"]
        merged.errors += r["errors"]
        merged.dropped += r["dropped"]
        merged.late += r["late_starts"]
        merged.hits += r["hits"]
        merged.misses += r["misses"]
    return merged


def _merge_timeseries(docs: list[dict[str, Any]], interval_s: float, keep: bool) -> list[dict]:
    from surge.running.document import interval_row

    by_key: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for doc in docs:
        for row in doc["timeseries"]:
            by_key[(row["operation"], round(row["t_s"] / interval_s))].append(row)
    out = []
    for (operation, _), rows in sorted(by_key.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        merged = _sum_result_rows(rows)
        histogram = _add_histograms([r.get("histogram", "") for r in rows])
        _percentiles_into(merged, histogram)
        entry = {"operation": operation, **interval_row(merged)}
        if keep:
            entry["histogram"] = histogram.encode() if histogram.total_count else ""
        out.append(entry)
    return out


def _merge_timeseries_total(docs: list[dict[str, Any]], series: list[dict], interval_s: float):
    from surge.running.document import total_row

    by_index: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for doc in docs:
        for row in doc["timeseries_total"]:
            by_index[round(row["t_s"] / interval_s)].append(row)
    histograms: dict[int, Any] = defaultdict(_core.HdrHistogram)
    for row in series:
        if row.get("histogram"):
            histograms[round(row["t_s"] / interval_s)].add(_histogram(row["histogram"]))
    out = []
    for index in sorted(by_index):
        rows = by_index[index]
        merged = _sum_result_rows(rows)
        merged.length_s = max(r["count"] / r["rate_per_s"] if r["rate_per_s"] else 0 for r in rows)
        merged.length_s = merged.length_s or interval_s
        for r in rows:
            for name in ("target_rate_per_s", "users", "active_users"):
                if r.get(name) is not None:
                    setattr(merged, name, (getattr(merged, name) or 0) + r[name])
        _percentiles_into(merged, histograms[index])
        out.append(total_row(merged))
    return out


def _merged_changes(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """A steered run's load changes: every share took each change (its own part of it), so the
    k-th changes of the shares add up to the k-th of the run, at the latest share's time."""
    steered: dict[str, Any] = {}
    each = [d["load"].get("changes", []) for d in docs]
    count = min(len(changes) for changes in each)
    if count:
        steered["changes"] = []
        for k in range(count):
            parts = [changes[k] for changes in each]
            change = {
                "at_s": max(p["at_s"] for p in parts),
                "kind": parts[0]["kind"],
                "from": round(sum(p["from"] for p in parts), 6),
                "to": round(sum(p["to"] for p in parts), 6),
            }
            if change["kind"] == "users":
                change["spawn_rate"] = round(sum(p.get("spawn_rate") or 0 for p in parts), 6)
            steered["changes"].append(change)
    if any(d["load"].get("stopped_by_control") for d in docs):
        steered["stopped_by_control"] = True
    return steered


def _merge_nodes(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """A Redis Cluster run's rows per node, summed over the shares that reached each node."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        for row in d.get("nodes", []):
            rows.setdefault(row["node"], []).append(row)
    if not rows:
        return {}
    merged = []
    for node, parts in sorted(rows.items()):
        service = _add_histograms([p.get("service_histogram", "") for p in parts])
        merged.append(
            {
                "node": node,
                # Any share that saw it as a primary saw it promoted (or it always was one).
                "role": "primary" if any(p["role"] == "primary" for p in parts) else "replica",
                **{n: sum(p[n] for p in parts) for n in ("requests", "errors", "redirects")},
                "service_time": latency_summary(service),
                "service_histogram": service.encode(),
            }
        )
    return {"nodes": merged}


def _merge_statements(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """PostgreSQL statements timed apart, each row's histograms added over the shares."""
    rows: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for d in docs:
        for row in d.get("statements", []):
            rows.setdefault((row["operation"], row["index"]), []).append(row)
    if not rows:
        return {}
    merged = []
    for (operation, index), parts in sorted(rows.items()):
        latency = _add_histograms([p.get("latency_histogram", "") for p in parts])
        merged.append(
            {
                "operation": operation,
                "index": index,
                "sql": parts[0]["sql"],
                "count": latency.total_count,
                "latency": latency_summary(latency),
                "latency_histogram": latency.encode(),
            }
        )
    return {"statements": merged}


def merge_documents(docs: list[dict[str, Any]], load_section: dict, keep_histograms: bool) -> dict:
    """The shares' results documents as one, of the same schema as a local run's."""
    first = docs[0]
    duration = max(d["duration_s"] for d in docs)
    interval_s = load_section["interval_s"]
    names = list(first["operations"])
    operations = {
        name: merge_stats([d["operations"][name] for d in docs], duration) for name in names
    }
    series = _merge_timeseries(docs, interval_s, True)
    total_series = _merge_timeseries_total(docs, series, interval_s)
    if not keep_histograms:
        for row in series:
            row.pop("histogram", None)
    connections = dict(first["connections"])
    for name in ("opened", "failed", "set_up", "not_ready_at_start", "tls_full", "tls_resumed"):
        if name in connections:
            connections[name] = sum(d["connections"].get(name, 0) for d in docs)
    connections["warm_up_s"] = max(d["connections"]["warm_up_s"] for d in docs)
    connect = _add_histograms([d["connections"].get("connect_histogram", "") for d in docs])
    handshake = _add_histograms([d["connections"].get("handshake_histogram", "") for d in docs])
    connections["connect_time"] = latency_summary(connect)
    connections["handshake_time"] = latency_summary(handshake) if handshake.total_count else None
    connections["connect_histogram"], connections["handshake_histogram"] = (
        connect.encode(),
        handshake.encode(),
    )
    pacer = _add_histograms([d["generator"].get("pacer_lag_histogram", "") for d in docs])
    return {
        **first,
        "load": load_section | _merged_changes(docs),
        "started_at": min(d["started_at"] for d in docs),
        "duration_s": duration,
        "interrupted": any(d["interrupted"] for d in docs),
        "aborted": next((d["aborted"] for d in docs if d["aborted"]), None),
        "unfinished": sum(d["unfinished"] for d in docs),
        "connections": connections,
        **_merge_nodes(docs),
        **_merge_statements(docs),
        "generator": {
            "pacer_lag": latency_summary(pacer),
            "pacer_lag_histogram": pacer.encode(),
            # The busiest worker's: one starved worker is enough to skew what it measured.
            "busy_share": max(
                (b for d in docs if (b := d["generator"].get("busy_share")) is not None),
                default=None,
            ),
        },
        "operations": operations,
        "total": merge_stats([d["total"] for d in docs], duration),
        "timeseries": series,
        "timeseries_total": total_series,
    }
