"""The `surge.result/1` document of one run (docs/results.md), built from the resolved plan
and what the engine handed back. The runner runs; this module only writes the record."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import surge._core as _core
from surge.model.plan import RunPlan
from surge.results.result import SCHEMA, latency_summary
from surge.units import ns_to_ms
from surge.urls import redact_url, redact_value


def build(
    plan: RunPlan,
    name: str,
    base_url: str,
    params: dict[str, Any],
    raw: _core.RunResult,
    started_at: _dt.datetime,
    aborted: dict[str, Any] | None,
) -> dict[str, Any]:
    measured = raw.measured_s
    names = list(raw.operation_names)
    operations = {}
    for op, engine_stats in zip(plan.operations, raw.operations, strict=True):
        operations[op.name] = {
            **stats(engine_stats, measured, plan),
            **op.result_fields(),
            # A journey's row: started, completed, aborted and by which step.
            **(op.journey_fields(engine_stats) if hasattr(op, "journey_fields") else {}),
        }
    return {
        "schema": SCHEMA,
        "surge_version": _core.__version__,
        "scenario": {
            "name": name,
            "base_url": redact_url(base_url),
            "parameters": {k: redact_value(v) for k, v in params.items()},
        },
        "load": plan.load_section(raw.io) | _load_changes(raw),
        "started_at": started_at.isoformat(timespec="milliseconds"),
        # CLOCK_MONOTONIC (time.monotonic_ns) at the start of measurement: lines the run up
        # with other events on the same host, such as a target's stall windows.
        "monotonic_start_ns": raw.measure_start_ns,
        "duration_s": round(measured, 6),
        "interrupted": raw.interrupted,
        "aborted": aborted,
        "unfinished": raw.unfinished,
        "connections": connections(raw),
        **({"nodes": nodes(raw)} if raw.nodes else {}),
        **({"statements": statements(raw)} if raw.statements else {}),
        # How late surge's own pacer was (open model): the generator, not the target.
        "generator": {
            "pacer_lag": latency_summary(raw.pacer_lag),
            "pacer_lag_histogram": raw.pacer_lag.encode(),
            # The busiest engine thread's share of the run spent running or waiting for a core
            # (cpp/surge/core/thread_busy.hpp): at 0.9 or more surge had no idle moment.
            "busy_share": round(raw.busy_share, 3) if raw.busy_share >= 0 else None,
        },
        "operations": operations,
        # The operations the load sends (a NOTIFY listener's notifications are not requests).
        "total": stats(raw.total, measured, plan),
        "timeseries": [
            {"operation": names[row.operation], **interval_row(row)}
            | ({"histogram": row.histogram} if plan.interval_histograms else {})
            for row in raw.timeseries
        ],
        "timeseries_total": [total_row(row) for row in raw.timeseries_total],
    }


def stats(op: _core.OperationStats, measured_s: float, plan: RunPlan) -> dict[str, Any]:
    """One operation's statistics (or the total's)."""
    errors = op.errors
    return {
        "count": op.count,
        "errors": errors,
        "error_count": sum(errors.values()),
        "error_examples": op.error_examples,
        **plan.protocol.stats_fields([op]),
        "retries": op.retries,
        "reconnects": op.reconnects,
        "redirects": op.redirects,
        "dropped": op.dropped,
        "unfinished": op.unfinished,
        "late_starts": op.late,
        **cache_reads(op.hits, op.misses),
        "rate_per_s": round(op.count / measured_s, 3) if measured_s > 0 else 0.0,
        "latency": latency_summary(op.response),
        "service_time": latency_summary(op.service),
        "schedule_lag": latency_summary(op.lag),
        "error_latency": latency_summary(op.failed),
        "histogram": op.response.encode(),
        "service_histogram": op.service.encode(),
        "error_histogram": op.failed.encode(),
        # The schedule lag's, so that a distributed run's shares merge exactly
        # (surge.running.distributed).
        "lag_histogram": op.lag.encode(),
    }


def nodes(raw: _core.RunResult) -> list[dict[str, Any]]:
    """A Redis Cluster run's row per node: what it answered in the measured window, and how
    long it took from the write to that node to its reply (docs/redis.md)."""
    return [
        {
            "node": node.address,
            "role": node.role,
            "requests": node.requests,
            "errors": node.errors,
            "redirects": node.redirects,
            "service_time": latency_summary(node.service),
            # So that a distributed run's shares merge exactly (surge.running.distributed).
            "service_histogram": node.service.encode(),
        }
        for node in sorted(raw.nodes, key=lambda n: n.address)
    ]


def statements(raw: _core.RunResult) -> list[dict[str, Any]]:
    """PostgreSQL statements timed apart (pgbench's -r): a row per statement of each script
    that asked, in the measured window (docs/postgres.md)."""
    return [
        {
            "operation": s.operation,
            "index": s.index,
            "sql": s.sql,
            "count": s.latency.total_count,
            "latency": latency_summary(s.latency),
            # So that a distributed run's shares merge exactly (surge.running.distributed).
            "latency_histogram": s.latency.encode(),
        }
        for s in sorted(raw.statements, key=lambda s: (s.operation, s.index))
    ]


def connections(raw: _core.RunResult) -> dict[str, Any]:
    """How the run's connections were opened: the warm-up before the first intended start, and
    every attempt's connect and set-up time (docs/results.md)."""
    made = raw.connections
    handshake = made.handshake
    return {
        "warm": raw.warm_up.warm,
        "warm_up_s": round(raw.warm_up.seconds, 6),
        "not_ready_at_start": raw.warm_up.not_ready,
        "opened": made.opened,
        "failed": made.failed,
        "set_up": handshake.total_count,
        "connect_time": latency_summary(made.connect),
        "handshake_time": latency_summary(handshake) if handshake.total_count else None,
        "connect_histogram": made.connect.encode(),
        "handshake_histogram": handshake.encode(),
        # https://: handshakes that made a new session, and those that resumed one.
        **(
            {"tls_full": made.tls_full, "tls_resumed": made.tls_resumed}
            if made.tls_full or made.tls_resumed
            else {}
        ),
        # HTTP: what the connections spoke, "http/1.1", "h2" (by ALPN) or "h2c".
        **({"protocol": raw.protocol_version} if raw.protocol_version else {}),
    }


def cache_reads(hits: int, misses: int) -> dict[str, Any]:
    """Hits and misses of cache reads; hit_rate is null when the operation made none."""
    reads = hits + misses
    return {"hits": hits, "misses": misses, "hit_rate": round(hits / reads, 6) if reads else None}


def _load_changes(raw: _core.RunResult) -> dict[str, Any]:
    """The changes a run took while it went (surge.start's handle, the web UI): when (seconds
    from the start of the measured window), what, from and to; and whether the handle stopped
    it. Absent for a run nothing steered."""
    steered: dict[str, Any] = {}
    if raw.load_changes:
        steered["changes"] = [
            {
                "at_s": round(c["at_s"], 6),
                "kind": c["kind"],
                "from": round(c["from"], 6),
                "to": round(c["to"], 6),
                **({"spawn_rate": c["spawn_rate"]} if c["kind"] == "users" else {}),
            }
            for c in raw.load_changes
        ]
    if raw.stopped:
        steered["stopped_by_control"] = True
    return steered


def interval_row(row: _core.IntervalRow) -> dict[str, Any]:
    """One interval of the time series, as results hold it."""

    def ms(ns: int) -> float | None:
        return ns_to_ms(ns) if row.count else None

    return {
        "t_s": round(row.t_s, 6),
        "count": row.count,
        "errors": row.errors,
        "dropped": row.dropped,
        "late_starts": row.late,
        **cache_reads(row.hits, row.misses),
        "p50_ms": ms(row.p50_ns),
        "p90_ms": ms(row.p90_ns),
        "p95_ms": ms(row.p95_ns),
        "p99_ms": ms(row.p99_ns),
        "max_ms": ms(row.max_ns),
    }


def total_row(row: _core.IntervalRow) -> dict[str, Any]:
    """One interval of all operations: its rate over the part that ran (the last interval may
    be partial), and what the load model asked for."""
    entry = interval_row(row)
    entry["rate_per_s"] = round(row.count / row.length_s, 3)
    if row.target_rate_per_s is not None:
        entry["target_rate_per_s"] = round(row.target_rate_per_s, 3)
    if row.users is not None:
        entry["users"] = row.users
        entry["active_users"] = row.active_users
    return entry
