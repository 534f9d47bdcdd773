"""Plain-text views of a result: the end-of-run table and one progress line per interval."""

from __future__ import annotations

from typing import Any

from . import _core
from .result import Result


def _fmt(ms: float | None) -> str:
    if ms is None:
        return "-"
    return f"{ms:.3f}" if ms < 10 else f"{ms:.1f}"


def summary_table(result: Result) -> str:
    header = (
        "operation",
        "count",
        "rps",
        "errors",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "svc p99",
        "lag p99",
    )
    rows = []
    items: list[tuple[str, dict[str, Any]]] = list(result.operations.items())
    if len(items) > 1:
        items.append(("total", result.total))
    for name, stats in items:
        p = stats["latency"]["percentiles"]
        rows.append(
            (
                name,
                str(stats["count"]),
                f"{stats['rate_per_s']:.0f}",
                str(stats["error_count"]),
                _fmt(p["50"]),
                _fmt(p["90"]),
                _fmt(p["99"]),
                _fmt(p["99.9"]),
                _fmt(stats["latency"]["max"]),
                _fmt(stats["service_time"]["percentiles"]["99"]),
                _fmt(stats["schedule_lag"]["percentiles"]["99"]),
            )
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [header, *rows]
    ]
    lines.insert(1, "-" * len(lines[0]))
    load = result["load"]
    shape = (
        f"open model, {load['rate_per_s']:g} req/s"
        if load["model"] == "open"
        else f"closed model, {load['connections']} connections"
    )
    head = (
        f"{result['scenario']['name']}: {shape}, {result['duration_s']:.2f}s measured"
        f"{' (interrupted)' if result.interrupted else ''}; latency in ms, from the intended start"
    )
    notes = []
    for name, stats in items:
        for error_class, n in stats["errors"].items():
            examples = stats["error_examples"].get(error_class, [])
            notes.append(
                f"  {name}: {error_class} x{n}" + (f" (e.g. {examples[0]})" if examples else "")
            )
        if stats.get("dropped"):
            notes.append(f"  {name}: {stats['dropped']} dropped (backlog full)")
    if result["unfinished"]:
        notes.append(f"  {result['unfinished']} request(s) still in flight or queued at the end")
    return "\n".join([head, *lines, *(["errors:", *notes] if notes else [])])


def progress_line(report: _core.IntervalReport) -> str:
    count = sum(r.count for r in report.rows)
    errors = sum(r.errors for r in report.rows)
    p50 = max((r.p50_ns for r in report.rows if r.count), default=0) / 1e6
    p99 = max((r.p99_ns for r in report.rows if r.count), default=0) / 1e6
    rate = count / report.interval_s if report.interval_s else 0.0
    return (
        f"{report.elapsed_s:7.1f}s  {rate:9.0f} req/s  p50 {_fmt(p50)} ms  "
        f"p99 {_fmt(p99)} ms  errors {errors}"
    )
