"""The results file's shape (docs/results.md), checked once when a file is loaded, so that
report, export, compare and notebooks meet only documents that hold what they read. A file of
the wrong shape is one ConfigError that says where: `operations.health.latency: expected an
object, got 'x'`.

Written by hand rather than as a JSON Schema: besides types and ranges the checks decode every
operation's histogram, tie time-series rows to the operations and refuse a zero-length run with
requests in it, which JSON Schema cannot say; and the validator is smaller than the four
packages a JSON Schema library would add to every install.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from surge.errors import ConfigError

Check = Callable[[Any, str], None]
INT64_MAX = 2**63 - 1
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _fail(path: str, expected: str, value: Any) -> ConfigError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return ConfigError(f"{path}: expected {expected}, got {shown}")


def count(value: Any, path: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= INT64_MAX:
        raise _fail(path, "a whole number >= 0", value)


def number(value: Any, path: str) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise _fail(path, "a number", value)


def non_negative(value: Any, path: str) -> None:
    number(value, path)
    if value < 0:
        raise _fail(path, "a number >= 0", value)


def positive(value: Any, path: str) -> None:
    number(value, path)
    if value <= 0:
        raise _fail(path, "a number > 0", value)


def text(value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise _fail(path, "a string", value)


def boolean(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        raise _fail(path, "true or false", value)


def anything(value: Any, path: str) -> None:
    pass


def nullable(check: Check) -> Check:
    def run(value: Any, path: str) -> None:
        if value is not None:
            check(value, path)

    return run


def obj(required: dict[str, Check], optional: dict[str, Check] | None = None) -> Check:
    """An object with these fields; others are allowed (fields are added compatibly)."""

    def run(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise _fail(path, "an object", value)
        for name, check in required.items():
            if name not in value:
                raise ConfigError(f"{path or 'results'}: the field {name!r} is missing")
            check(value[name], _join(path, name))
        for name, check in (optional or {}).items():
            if name in value:
                check(value[name], _join(path, name))

    return run


def mapping(check: Check, *, non_empty: bool = False) -> Check:
    def run(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise _fail(path, "an object", value)
        if non_empty and not value:
            raise ConfigError(f"{path}: expected at least one entry, got none")
        for name, item in value.items():
            check(item, _join(path, str(name)))

    return run


def listing(check: Check) -> Check:
    def run(value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise _fail(path, "a list", value)
        for i, item in enumerate(value):
            check(item, f"{path}[{i}]")

    return run


def histogram(value: Any, path: str) -> None:
    """A blob that decodes: every field checked by the engine's decoder."""
    from surge.results.histogram import Histogram

    text(value, path)
    try:
        Histogram.decode(value)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {str(exc).removeprefix('histogram: ')}") from None


def interval_histogram(value: Any, path: str) -> None:
    """An interval's blob: its alphabet is checked here; it is decoded (and its fields
    checked) when an export or a notebook reads it, since a long run holds thousands."""
    text(value, path)
    if not _BASE64.fullmatch(value):
        raise _fail(path, "a base64 HdrHistogram blob", value)


LATENCY = obj(
    {"min": nullable(number), "max": nullable(number), "percentiles": mapping(nullable(number))},
    {"mean": nullable(number), "stdev": nullable(number), "unit": text},
)
STATS = obj(
    {
        "count": count,
        "errors": mapping(count),
        "error_count": count,
        "rate_per_s": non_negative,
        "latency": LATENCY,
        "histogram": histogram,
    },
    {
        "error_examples": mapping(listing(text)),
        "service_time": LATENCY,
        "schedule_lag": LATENCY,
        "error_latency": LATENCY,
        "service_histogram": histogram,
        "error_histogram": histogram,
        "retries": count,
        "reconnects": count,
        "dropped": count,
        "hits": count,
        "misses": count,
        "hit_rate": nullable(number),
        "unfinished": count,
        "late_starts": count,
        "request_type": text,
        "sqlstates": mapping(count),
    },
)
ROW = {"t_s": non_negative, "count": count, "errors": count}
ROW_OPTIONAL = {
    "dropped": count,
    "late_starts": count,
    "hits": count,
    "misses": count,
    "histogram": interval_histogram,
    "hit_rate": nullable(number),
    "p50_ms": nullable(number),
    "p95_ms": nullable(number),
    "p99_ms": nullable(number),
    "max_ms": nullable(number),
}


def _monitor_sample(value: Any, path: str) -> None:
    """One sample: its time, and numbers (null where a reading was missing)."""
    obj({"t_s": number})(value, path)
    for name, item in value.items():
        nullable(number)(item, _join(path, str(name)))


# A monitored source (surge.monitor.sampling): samples of numbers on the run's clock, and their
# summary.
MONITOR = obj(
    {
        "source": text,
        "samples": listing(_monitor_sample),
        "summary": obj(
            {},
            {
                "totals": mapping(number),
                "gauges": mapping(obj({"min": number, "max": number}, {"mean": number})),
                "slopes": mapping(nullable(number)),
            },
        ),
    },
    {"units": mapping(text), "failed_samples": count, "last_error": nullable(text)},
)
# A PostgreSQL statement timed apart (pgbench's -r).
STATEMENT = obj(
    {"operation": text, "index": count, "sql": text, "count": count, "latency": LATENCY},
    {"latency_histogram": text},
)
RESULT = obj(
    {
        "scenario": obj({"name": text}, {"base_url": text, "parameters": mapping(anything)}),
        "load": obj({"interval_s": positive}, {"warmup_s": non_negative}),
        "duration_s": non_negative,
        "operations": mapping(STATS, non_empty=True),
        "total": STATS,
        "timeseries": listing(obj({**ROW, "operation": text}, ROW_OPTIONAL)),
        "timeseries_total": listing(obj(ROW, ROW_OPTIONAL)),
    },
    {
        "surge_version": text,
        "started_at": text,
        "interrupted": boolean,
        "unfinished": count,
        "aborted": nullable(obj({}, {"slo": text, "at_s": non_negative})),
        "generator": obj({}, {"pacer_lag": LATENCY, "busy_share": nullable(non_negative)}),
        "connections": obj(
            {},
            {
                "warm": boolean,
                "warm_up_s": non_negative,
                "not_ready_at_start": count,
                "opened": count,
                "failed": count,
                "set_up": count,
                "connect_time": LATENCY,
                "handshake_time": nullable(LATENCY),
                "protocol": text,
            },
        ),
        "monitors": mapping(MONITOR),
        "statements": listing(STATEMENT),
    },
)


def check_result(document: Any) -> None:
    """Raises ConfigError naming the first field of `document` that is not as documented."""
    if not isinstance(document, dict):
        raise _fail("results", "an object (a surge results file)", document)
    RESULT(document, "")
    operations = document["operations"]
    for i, row in enumerate(document["timeseries"]):
        if row["operation"] not in operations:
            raise ConfigError(
                f"timeseries[{i}].operation: {row['operation']!r} is not one of the operations"
            )
    if document["duration_s"] == 0 and document["total"]["count"] > 0:
        raise ConfigError("duration_s: expected > 0 for a run with requests, got 0")
