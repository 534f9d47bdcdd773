"""Performance targets as expressions: "p95 < 200ms", "error_rate < 0.1%", "rps >= 1000",
"classify.p99 <= 1s", "mean < 50ms", "max < 3s".

`check(result, *expressions)` returns one Verdict per expression. A parse error names the
expression and the position of the problem.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_TIME_UNITS = {"us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1e3}
_SUBJECT = re.compile(r"\s*(?:(?P<op>[A-Za-z_][\w-]*)\.)?(?P<metric>p\d+(?:\.\d+)?|[a-z_]+)\s*")
_COMPARATOR = re.compile(r"(<=|>=|<|>)\s*")
_VALUE = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>ms|us|µs|s|%)?\s*$")
_TIME_METRICS = {"mean", "max", "min"}
_RATIO_METRICS = {"error_rate"}
_PLAIN_METRICS = {"rps"}


@dataclass(frozen=True)
class Slo:
    text: str
    operation: str | None
    metric: str
    comparator: str
    target: float  # ms for latencies, a fraction for rates, requests/s for rps

    def measure(self, result: Any) -> float | None:
        stats = result.total if self.operation is None else result.operations.get(self.operation)
        if stats is None:
            raise ConfigError(f"SLO {self.text!r}: the run has no operation {self.operation!r}")
        if self.metric == "rps":
            return stats["rate_per_s"]
        if self.metric == "error_rate":
            return stats["error_count"] / stats["count"] if stats["count"] else None
        latency = stats["latency"]
        if self.metric in _TIME_METRICS:
            return latency[self.metric]
        return _percentile(latency, float(self.metric[1:]), result, self.operation)

    def holds(self, measured: float | None) -> bool:
        return measured is not None and _COMPARE[self.comparator](measured, self.target)


@dataclass(frozen=True)
class Verdict:
    slo: Slo
    measured: float | None
    ok: bool

    def __str__(self) -> str:
        unit = "" if self.slo.metric in _PLAIN_METRICS | _RATIO_METRICS else " ms"
        shown = "n/a" if self.measured is None else f"{self.measured:.4g}{unit}"
        return f"{self.slo.text}: measured {shown} -> {'ok' if self.ok else 'BROKEN'}"


def parse(text: str) -> Slo:
    def fail(position: int, what: str) -> ConfigError:
        return ConfigError(f"SLO {text!r}: {what} at position {position + 1}")

    subject = _SUBJECT.match(text)
    if not subject:
        raise fail(0, "expected a metric such as p95, mean, max, error_rate or rps")
    metric = subject.group("metric")
    if not (metric.startswith("p") and metric[1:2].isdigit()) and metric not in (
        _TIME_METRICS | _RATIO_METRICS | _PLAIN_METRICS
    ):
        raise fail(subject.start("metric"), f"unknown metric {metric!r}")
    if metric.startswith("p") and metric[1:2].isdigit() and not 0 < float(metric[1:]) <= 100:
        raise fail(subject.start("metric"), "a percentile must be in (0, 100]")
    comparator = _COMPARATOR.match(text, subject.end())
    if not comparator:
        raise fail(subject.end(), "expected <, <=, > or >=")
    value = _VALUE.match(text, comparator.end())
    if not value:
        raise fail(comparator.end(), "expected a number with a unit (200ms, 1s, 0.1%)")
    number, unit = float(value.group("number")), value.group("unit")
    if metric in _RATIO_METRICS:
        if unit not in ("%", None):
            raise fail(value.start("unit"), "a rate takes % or a fraction")
        target = number / 100 if unit == "%" else number
    elif metric in _PLAIN_METRICS:
        if unit is not None:
            raise fail(value.start("unit"), "rps takes a plain number")
        target = number
    else:
        if unit not in _TIME_UNITS:
            raise fail(value.end("number"), "a latency needs a unit: us, ms or s")
        target = number * _TIME_UNITS[unit]
    return Slo(text, subject.group("op"), metric, comparator.group(1), target)


def check(result: Any, *expressions: str | Slo) -> list[Verdict]:
    verdicts = []
    for expression in expressions:
        slo = parse(expression) if isinstance(expression, str) else expression
        measured = slo.measure(result)
        verdicts.append(Verdict(slo, measured, slo.holds(measured)))
    return verdicts


def _percentile(latency: dict, p: float, result: Any, operation: str | None) -> float | None:
    key = f"{p:g}"
    if key in latency["percentiles"]:
        return latency["percentiles"][key]
    if latency["max"] is None:
        return None
    histogram = result.histogram(operation)
    return round(histogram.value_at_percentile(p) / 1e6, 6)
