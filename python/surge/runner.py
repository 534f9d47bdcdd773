"""Runs a Scenario on the native engine and assembles its results document.

Python describes, C++ executes: the scenario is converted once into engine structs, the GIL
is released for the whole run, and Python is called back once per interval only.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from . import _core, slo
from . import postgres as postgres_ops
from .errors import ConfigError
from .result import SCHEMA, Result, latency_summary
from .scenario import Scenario
from .sqlstate import sqlstate_classes
from .units import parse_duration, to_ns
from .urls import is_postgres_dsn, is_redis_url, parse_http_url, parse_redis_url, redact_url

ProgressCallback = Callable[["_core.IntervalReport"], bool | None]


def _engine_spec(scenario: Scenario) -> _core.RunSettings:
    if is_redis_url(scenario.base_url):
        return _redis_spec(scenario)
    if is_postgres_dsn(scenario.base_url):
        return _pg_spec(scenario)
    return _http_spec(scenario)


def _engine(spec: _core.RunSettings) -> Callable:
    if isinstance(spec, _core.RedisRunSpec):
        return _core.run_redis
    if isinstance(spec, _core.PgRunSpec):
        return _core.run_pg
    return _core.run_http


def _pg_spec(scenario: Scenario) -> _core.PgRunSpec:
    spec = _core.PgRunSpec()
    spec.conninfo = scenario.base_url
    spec.pipeline = scenario.pipeline
    spec.batch_sync = scenario.pipeline_sync == "batch"
    spec.operations = [postgres_ops.engine_operation(op) for op in scenario.operations]
    spec.load = _load_spec(scenario)
    return _with_run_settings(spec, scenario)


def _redis_spec(scenario: Scenario) -> _core.RedisRunSpec:
    target = parse_redis_url(scenario.base_url)
    spec = _core.RedisRunSpec()
    spec.host, spec.port, spec.unix_path = target.host, target.port, target.unix_path
    spec.db, spec.username, spec.password = target.db, target.username, target.password
    spec.pipeline = scenario.pipeline
    operations = []
    for op in scenario.operations:
        engine_op = _core.RedisOperation()
        engine_op.name = op.name
        engine_op.weight = float(op.weight)
        engine_op.command = op.command
        engine_op.variables = list(op.variables.items())
        operations.append(engine_op)
    spec.operations = operations
    spec.load = _load_spec(scenario)
    return _with_run_settings(spec, scenario)


def _http_spec(scenario: Scenario) -> _core.HttpRunSpec:
    target = parse_http_url(scenario.base_url)
    spec = _core.HttpRunSpec()
    spec.host = target.host
    spec.port = target.port
    spec.host_header = target.host_header
    operations = []
    for op in scenario.operations:
        engine_op = _core.HttpOperation()
        engine_op.name = op.name
        engine_op.weight = float(op.weight)
        engine_op.method = op.method
        engine_op.path = target.base_path + op.path
        engine_op.headers = list(op.headers.items())
        engine_op.body = op.body
        engine_op.variables = list(op.variables.items())
        engine_op.expect_status = list(op.expect_status)
        engine_op.expect_body = op.expect_body
        engine_op.miss_status = op.miss_status or 0
        operations.append(engine_op)
    spec.operations = operations
    spec.load = _load_spec(scenario)
    return _with_run_settings(spec, scenario)


def _with_run_settings(spec: Any, scenario: Scenario) -> Any:
    """Timeouts and the seed, which every protocol's spec has."""
    spec.request_timeout_ns = to_ns(parse_duration(scenario.timeout, "timeout"))
    spec.connect_timeout_ns = to_ns(parse_duration(scenario.connect_timeout, "connect_timeout"))
    spec.seed = scenario.seed
    spec.network_latency_ns = to_ns(parse_duration(scenario.network_latency, "network_latency"))
    spec.network_jitter_ns = to_ns(parse_duration(scenario.network_jitter, "network_jitter"))
    return spec


def _load_spec(scenario: Scenario) -> _core.LoadSpec:
    load = _core.LoadSpec()
    try:
        scenario.load.fill(load)
    except ValueError as exc:  # the engine's check of the stages
        raise ConfigError(f"stages: {exc}") from None
    load.threads = scenario.threads
    if scenario.requests:
        load.requests = scenario.requests
    load.duration_ns = to_ns(scenario.measured_duration_s())
    load.warmup_ns = to_ns(parse_duration(scenario.warmup, "warmup"))
    load.interval_ns = to_ns(parse_duration(scenario.interval, "interval"))
    load.late_after_ns = to_ns(parse_duration(scenario.late_after, "late_after"))
    # Pipelined protocols: the load model counts lanes, `pipeline` per connection (1 for HTTP).
    load.scale_lanes(scenario.pipeline)
    return load


def _stats(ops: list[_core.OperationStats], measured_s: float) -> dict[str, Any]:
    """One Stats object for one operation, or for several merged (histograms add exactly)."""
    response, service, lag = _core.HdrHistogram(), _core.HdrHistogram(), _core.HdrHistogram()
    errors: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    sqlstates: dict[str, int] = {}
    for op in ops:
        response.add(op.response)
        service.add(op.service)
        lag.add(op.lag)
        for name, n in op.errors.items():
            errors[name] = errors.get(name, 0) + n
        for name, found in op.error_examples.items():
            kept = examples.setdefault(name, [])
            kept.extend(found[: 3 - len(kept)])
        for code, n in op.sqlstates.items():
            sqlstates[code] = sqlstates.get(code, 0) + n
    count = sum(op.count for op in ops)
    return {
        "count": count,
        "errors": errors,
        "error_count": sum(errors.values()),
        "error_examples": examples,
        # PostgreSQL errors by SQLSTATE, and transactions sent again (serialization failures,
        # deadlocks); empty and 0 for other protocols.
        "sqlstates": dict(sorted(sqlstates.items())),
        "sqlstate_classes": sqlstate_classes(sqlstates),
        "retries": sum(op.retries for op in ops),
        "dropped": sum(op.dropped for op in ops),
        "late_starts": sum(op.late for op in ops),
        **_cache_reads(sum(op.hits for op in ops), sum(op.misses for op in ops)),
        "rate_per_s": round(count / measured_s, 3) if measured_s > 0 else 0.0,
        "latency": latency_summary(response),
        "service_time": latency_summary(service),
        "schedule_lag": latency_summary(lag),
        "histogram": response.encode(),
        "service_histogram": service.encode(),
    }


def run(
    scenario: Scenario, *, progress: ProgressCallback | None = None, **overrides: Any
) -> Result:
    """Runs `scenario` (with any field overridden by keyword) and returns its Result.

    Ctrl-C ends the run cleanly: the Result keeps what was measured, with `interrupted` set.
    A progress callback gets an IntervalReport once per interval; returning False stops the run.
    """
    if overrides:
        scenario = scenario.replace(**overrides)
    spec = _engine_spec(scenario)
    started_at = _dt.datetime.now(_dt.timezone.utc)
    abort = _Abort(scenario, progress) if scenario.abort_on else None
    try:
        raw = _engine(spec)(spec, abort if abort else progress)
    except ValueError as exc:  # the engine's validation: a configuration error
        raise ConfigError(str(exc)) from None
    measured = raw.measured_s
    names = list(raw.operation_names)
    interval_s = parse_duration(scenario.interval, "interval")
    document = {
        "schema": SCHEMA,
        "surge_version": _core.__version__,
        "scenario": {
            "name": scenario.name,
            "base_url": redact_url(scenario.base_url),
            "parameters": {
                k: (redact_url(v) if isinstance(v, str) and ("://" in v or "=" in v) else v)
                for k, v in scenario.params.items()
            },
        },
        "load": {
            **scenario.load.describe(),
            "threads": scenario.threads,
            "requests": scenario.requests,
            "duration_s": scenario.measured_duration_s(),
            "warmup_s": parse_duration(scenario.warmup) or 0.0,
            "late_after_ms": parse_duration(scenario.late_after) * 1e3,
            "timeout_s": parse_duration(scenario.timeout),
            "connect_timeout_s": parse_duration(scenario.connect_timeout),
            "interval_s": parse_duration(scenario.interval),
            "network_latency_ms": (parse_duration(scenario.network_latency) or 0.0) * 1e3,
            "network_jitter_ms": (parse_duration(scenario.network_jitter) or 0.0) * 1e3,
        },
        "started_at": started_at.isoformat(timespec="milliseconds"),
        # CLOCK_MONOTONIC (time.monotonic_ns) at the start of measurement: lines the run up
        # with other events on the same host, such as a target's stall windows.
        "monotonic_start_ns": raw.measure_start_ns,
        "duration_s": round(measured, 6),
        "interrupted": raw.interrupted,
        "aborted": abort.reason if abort else None,
        "unfinished": raw.unfinished,
        "operations": {
            name: _stats([op], measured) for name, op in zip(names, raw.operations, strict=True)
        },
        "total": _stats(
            [
                op
                for op, spec_op in zip(raw.operations, spec.operations, strict=True)
                if spec_op.weight > 0
            ],
            measured,
        ),
        "timeseries": [
            {"operation": names[row.operation], **_interval(row)}
            | ({"histogram": row.histogram} if scenario.interval_histograms else {})
            for row in raw.timeseries
        ],
        "timeseries_total": [
            # The last interval may be partial: its rate is over the part that ran.
            _total_interval(row, min(interval_s, max(measured - row.t_s, 1e-3)))
            for row in raw.timeseries_total
        ],
    }
    for op in scenario.operations:
        document["operations"][op.name]["request_type"] = op.request_type
        if getattr(op, "channel", ""):
            # A listen operation: its outcomes are notifications received, not requests.
            document["operations"][op.name]["fanout"] = {
                "channel": op.channel,
                "listeners": op.listeners,
            }
    return Result(document)


class _Abort:
    """A progress callback that stops the run at the first interval breaking an abort_on SLO
    (after abort_after), and passes every report on to the caller's callback first."""

    def __init__(self, scenario: Scenario, progress: ProgressCallback | None):
        self.slos = [slo.parse(e) for e in scenario.abort_on]
        self.after_s = parse_duration(scenario.abort_after, "abort_after") or 0.0
        self.names = [op.name for op in scenario.operations]
        self.progress = progress
        self.reason: dict[str, Any] | None = None

    def __call__(self, report: _core.IntervalReport) -> bool | None:
        keep_going = self.progress(report) if self.progress else None
        if keep_going is False or report.elapsed_s < self.after_s:
            return keep_going
        for rule in self.slos:
            if rule.operation is None:
                row = report.total
            else:
                row = next(
                    (r for r in report.rows if self.names[r.operation] == rule.operation), None
                )
                if row is None:
                    raise ConfigError(f"abort_on {rule.text!r}: no operation {rule.operation!r}")
            value = rule.window_value(_interval(row), report.interval_s)
            if value is not None and not rule.holds(value):
                self.reason = {"slo": rule.text, "measured": value, "at_s": report.elapsed_s}
                return False
        return keep_going


def _ms_or_none(ns: int, count: int) -> float | None:
    return round(ns / 1e6, 6) if count else None


def _cache_reads(hits: int, misses: int) -> dict[str, Any]:
    """Hits and misses of cache reads; hit_rate is null when the operation made none."""
    reads = hits + misses
    return {"hits": hits, "misses": misses, "hit_rate": round(hits / reads, 6) if reads else None}


def _interval(row: _core.IntervalRow) -> dict[str, Any]:
    return {
        "t_s": round(row.t_s, 6),
        "count": row.count,
        "errors": row.errors,
        "dropped": row.dropped,
        "late_starts": row.late,
        **_cache_reads(row.hits, row.misses),
        "p50_ms": _ms_or_none(row.p50_ns, row.count),
        "p90_ms": _ms_or_none(row.p90_ns, row.count),
        "p95_ms": _ms_or_none(row.p95_ns, row.count),
        "p99_ms": _ms_or_none(row.p99_ns, row.count),
        "max_ms": _ms_or_none(row.max_ns, row.count),
    }


def _total_interval(row: _core.IntervalRow, interval_s: float) -> dict[str, Any]:
    entry = _interval(row)
    entry["rate_per_s"] = round(row.count / interval_s, 3)
    if row.target_rate_per_s >= 0:
        entry["target_rate_per_s"] = round(row.target_rate_per_s, 3)
    if row.users >= 0:
        entry["users"] = row.users
        entry["active_users"] = row.active_users
    return entry
