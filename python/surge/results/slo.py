"""Performance targets as expressions: "p95 < 200ms", "p99.9 <= 1s", "error_rate < 0.1%",
"success_rate > 99.9%", "rps >= 1000", "hit_rate > 90%", "mean < 50ms", "max < 3s", per
operation ("classify.p95 < 500ms"), and on every interval of the run instead of the whole of it
("p95[1s] < 300ms": each 1-second window; the window is the run's interval).

`check(result, *expressions)` returns one Verdict per expression; `verdict_table` lays them out
as expression, measured, target and verdict. A parse error names the expression and the
position of the problem.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from surge.errors import ConfigError
from surge.results.histogram import Histogram
from surge.text_table import text_table
from surge.units import (
    DURATION_UNIT_PATTERN,
    SECONDS_PER_UNIT,
    SIZE_UNITS,
    format_bytes,
    format_number,
    parse_duration,
)

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
# Milliseconds per unit: the units every duration takes (surge.units), so `p99 < 1m` reads as
# `--duration 1m` does.
_TIME_UNITS = {unit: 1e3 * seconds for unit, seconds in SECONDS_PER_UNIT.items()}
_SUBJECT = re.compile(
    r"\s*(?:(?P<kind>journey|step|transaction):(?P<named>[A-Za-z_][\w/-]*)\s+|(?P<op>[A-Za-z_][\w-]*)\.)?"
    r"(?P<metric>p[0-9]+(?:\.[0-9]+)?|[A-Za-z_][A-Za-z0-9_:]*)"
    r"(?:\[(?P<window>[^\]]*)\])?\s*"
)
_COMPARATOR = re.compile(r"(==|<=|>=|<|>)\s*")
_VALUE = re.compile(rf"(?P<number>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>{DURATION_UNIT_PATTERN}|%)?\s*$")
_TIME_METRICS = {"mean", "max", "min"}
_RATIO_METRICS = {"error_rate", "success_rate", "hit_rate"}
_PLAIN_METRICS = {"rps"}


@dataclass(frozen=True)
class Slo:
    text: str
    operation: str | None
    metric: str
    comparator: str
    target: float  # ms for latencies, a fraction for rates, requests/s for rps
    window_s: float | None = None  # judged on every interval of this length, not the whole run
    # A target monitor's metric ("target.cpu", "redis.evictions"): `operation` is its source.
    monitor_unit: str | None = None
    # "journey:checkout p95 < 800ms", "step:checkout/pay error_rate < 0.1%": the operation
    # must be a journey (its transaction) or a journey's step.
    kind: str | None = None

    @property
    def unit(self) -> str:
        if self.monitor_unit is not None:
            return self.monitor_unit
        if self.metric in _RATIO_METRICS:
            return "%"
        return "" if self.metric in _PLAIN_METRICS else "ms"

    def measure(self, result: Any) -> float | None:
        """The measured value; for a windowed SLO, the worst window (the highest for < and <=,
        the lowest for > and >=)."""
        if self.monitor_unit is not None:
            from surge.monitor.sampling import slo_value

            try:
                return slo_value(result, self.operation, self.metric, self.comparator, self.target)
            except ConfigError as exc:
                raise ConfigError(f"SLO {self.text!r}: {exc}") from None
        if self.window_s is not None:
            return self._worst_window(result)
        stats = result.total if self.operation is None else result.operations.get(self.operation)
        if stats is None:
            raise ConfigError(
                f"SLO {self.text!r}: the run has no {self.kind or 'operation'} "
                f"{self.operation!r}; the operations are {', '.join(result.operations)}"
            )
        if self.kind is not None and stats.get("kind") != self.kind:
            raise ConfigError(f"SLO {self.text!r}: {self.operation!r} is not a {self.kind}")
        return metric_value(self.metric, stats)

    def holds(self, measured: float | None) -> bool:
        return measured is not None and _COMPARE[self.comparator](measured, self.target)

    def _worst_window(self, result: Any) -> float | None:
        interval = result["load"]["interval_s"]
        if abs(interval - self.window_s) > 1e-9:
            raise ConfigError(
                f"SLO {self.text!r}: windows are the run's intervals ({interval:g}s); "
                f"run with interval='{self.window_s:g}s' or write [{interval:g}s]"
            )
        if self.operation is None:
            rows = result["timeseries_total"]
        else:
            if self.operation not in result.operations:
                raise ConfigError(
                    f"SLO {self.text!r}: the run has no operation {self.operation!r}; the "
                    f"operations are {', '.join(result.operations)}"
                )
            rows = [r for r in result["timeseries"] if r["operation"] == self.operation]
        # Full windows only: the last one may be cut short by the end of the run.
        full = [r for r in rows if r["t_s"] + interval <= result["duration_s"] + 1e-6]
        values = [v for v in (self.window_value(r, interval) for r in full) if v is not None]
        if not values:
            return None
        return max(values) if self.comparator in ("<", "<=") else min(values)

    def window_value(self, row: dict, interval: float) -> float | None:
        try:
            return metric_value(self.metric, row, interval_s=interval)
        except KeyError:
            raise ConfigError(
                f"SLO {self.text!r}: per-window values are p50, p90, p95, p99 and max"
            ) from None


def metric_value(metric: str, stats: dict, interval_s: float | None = None) -> float | None:
    """One metric (rps, error_rate, success_rate, hit_rate, mean, min, max, p95, ...) of a
    results document: of an operation's or the total's statistics, or, given its length
    `interval_s`, of one row of the time series (KeyError for what rows do not keep). SLOs,
    abort_on and regression limits all read metrics here. None when there is nothing to
    measure."""
    count = stats["count"]
    errors = stats["errors"] if interval_s is not None else stats["error_count"]
    if metric == "rps":
        return count / interval_s if interval_s is not None else stats["rate_per_s"]
    if metric in ("error_rate", "success_rate"):
        # Every scheduled request that did not succeed: errors, and what was never sent
        # (dropped) or never answered by the end (unfinished). Older files lack the last two.
        missing = stats.get("dropped", 0) + stats.get("unfinished", 0)
        scheduled = count + missing
        if not scheduled:
            return None
        error_rate = (errors + missing) / scheduled
        return error_rate if metric == "error_rate" else 1 - error_rate
    if metric == "hit_rate":
        return stats.get("hit_rate")
    if interval_s is not None:
        return stats[{"max": "max_ms"}.get(metric, f"{metric}_ms")]
    latency = stats["latency"]
    if metric in _TIME_METRICS:
        return latency[metric]
    percentile = float(metric[1:])
    listed = latency["percentiles"].get(f"{percentile:g}")
    if listed is not None or latency["max"] is None:
        return listed
    return Histogram.decode(stats["histogram"]).value_at(percentile)


@dataclass(frozen=True)
class Verdict:
    slo: Slo
    measured: float | None
    ok: bool

    def __str__(self) -> str:
        return f"{self.slo.text}: measured {self.shown_measured} -> {'ok' if self.ok else 'BROKEN'}"

    @property
    def shown_measured(self) -> str:
        return _show(self.measured, self.slo.unit)

    @property
    def shown_target(self) -> str:
        where = "every window" if self.slo.window_s is not None else ""
        if self.slo.monitor_unit is not None:  # as written: "1MB/min", not its bytes per second
            written = self.slo.text.split(self.slo.comparator, 1)[1].strip()
            return f"{self.slo.comparator} {written}"
        target = f"{self.slo.comparator} {_show_target(self.slo.target, self.slo.unit)}"
        return f"{target} ({where})" if where else target


def _show(value: float | None, unit: str) -> str:
    if value is None or unit not in _MONITOR_SHOWN:
        return format_number(value, unit)
    return _MONITOR_SHOWN[unit](value)


# How monitor metrics read: CPU in percent of a core, sizes in binary units.
_MONITOR_SHOWN: dict[str, Callable[[float], str]] = {
    "percent": lambda v: f"{v:,.1f}%",
    "B": format_bytes,
    "B/s": lambda v: f"{format_bytes(v)}/s",
    "s": lambda v: f"{v:,.3f} s",
    "/s": lambda v: f"{format_number(v)}/s",
    "%/s": lambda v: f"{v:,.2f}%/s",
    "s/s": lambda v: f"{v:,.4f} s/s",
}


def _show_target(value: float, unit: str) -> str:
    """A target as it was written: no trailing zeros (1 ms, 0.1%), never 1e+03."""
    shown = 100 * value if unit == "%" else value
    text = f"{shown:,.6f}".rstrip("0").rstrip(".")
    return f"{text}%" if unit == "%" else f"{text} {unit}".rstrip()


def verdict_table(verdicts: list[Verdict]) -> str:
    """expression | measured | target | verdict, one line per SLO."""
    header = ("SLO", "measured", "target", "verdict")
    rows = [
        (v.slo.text.strip(), v.shown_measured, v.shown_target, "ok" if v.ok else "BROKEN")
        for v in verdicts
    ]
    return text_table(header, rows, left=None)


def parse(text: str) -> Slo:
    def fail(position: int, what: str) -> ConfigError:
        return ConfigError(f"SLO {text!r}: {what} at position {position + 1}")

    if not isinstance(text, str):
        raise ConfigError(f"SLO: expected an expression such as 'p95 < 200ms', got {text!r}")
    subject = _SUBJECT.match(text)
    if not subject:
        raise fail(0, "expected a metric such as p95, mean, max, error_rate, hit_rate or rps")
    metric = subject.group("metric")
    if subject.group("kind") == "journey" and "/" in subject.group("named"):
        raise fail(
            subject.start("named"), "a journey's name has no '/'; a step is step:JOURNEY/STEP"
        )
    if subject.group("kind") in ("step", "transaction") and "/" not in subject.group("named"):
        raise fail(
            subject.start("named"),
            f"a {subject.group('kind')} is named JOURNEY/{subject.group('kind').upper()}",
        )
    if _is_monitor_metric(subject.group("op"), metric):
        return _parse_monitor(text, subject, fail)
    window_s = None
    if subject.group("window") is not None:
        try:
            window_s = parse_duration(subject.group("window"), "window")
        except ConfigError:
            window_s = None
        if not window_s:
            raise fail(subject.start("window"), "a window is a duration such as [1s] or [500ms]")
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
        raise fail(comparator.end(), "expected a number with a unit (200ms, 1s, 1m, 0.1%)")
    number, unit = float(value.group("number")), value.group("unit")
    if metric in _RATIO_METRICS:
        if unit not in ("%", None):
            raise fail(value.start("unit"), "a rate takes % or a fraction")
        target = number / 100 if unit == "%" else number
        if not 0 <= target <= 1:
            raise fail(value.start("number"), "a rate is between 0% and 100%")
    elif metric in _PLAIN_METRICS:
        if unit is not None:
            raise fail(value.start("unit"), "rps takes a plain number")
        target = number
    else:
        if unit not in _TIME_UNITS:
            raise fail(value.end("number"), "a latency needs a unit: us, ms, s, m or h")
        target = number * _TIME_UNITS[unit]
    if window_s is not None and metric in ("mean", "min"):
        raise fail(subject.start("metric"), f"{metric} is not kept per window; use p50 or max")
    operation = subject.group("named") or subject.group("op")
    return Slo(
        text, operation, metric, comparator.group(1), target, window_s, kind=subject.group("kind")
    )


def _is_monitor_metric(source: str | None, metric: str) -> bool:
    """ "target.cpu" is the target process's CPU; "target.p95" stays an operation named target."""
    if source is None or metric in _TIME_METRICS | _RATIO_METRICS | _PLAIN_METRICS:
        return False
    if metric.startswith("p") and metric[1:2].isdigit():
        return False
    from surge.monitor import NAMESPACES

    return source in NAMESPACES


_MONITOR_VALUE = re.compile(
    rf"(?P<number>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>%|B|KB|MB|GB|KiB|MiB|GiB|{DURATION_UNIT_PATTERN})?"
    r"(?:\s*/\s*(?P<per>s|min|h))?\s*$"
)
_PER = {"s": 1.0, "min": 60.0, "h": 3600.0}


def _parse_monitor(text: str, subject: re.Match, fail: Callable[[int, str], ConfigError]) -> Slo:
    """A monitor SLO: the value in the metric's own unit (% of a core for cpu, a size for
    memory, seconds for waits), and per time for a slope ("1MB/min")."""
    from surge.monitor import SOURCES

    source, metric = subject.group("op"), subject.group("metric")
    if subject.group("window") is not None:
        raise fail(subject.start("window"), "monitor metrics take no window")
    slope = metric.endswith("_slope")
    base = metric[: -len("_slope")] if slope else metric
    unit = next(s.units for s in SOURCES if s.namespace == source).get(base, "")
    comparator = _COMPARATOR.match(text, subject.end())
    if not comparator:
        raise fail(subject.end(), "expected <, <=, >, >= or ==")
    value = _MONITOR_VALUE.match(text, comparator.end())
    if not value:
        raise fail(comparator.end(), "expected a number, with a unit where it has one (80%, 1MB)")
    number, written, per = float(value.group("number")), value.group("unit"), value.group("per")
    if per and not slope:
        raise fail(value.start("per"), f"/{per} is for slopes, such as {base}_slope")
    if written is not None:
        if written in SIZE_UNITS:
            if unit != "B":
                raise fail(value.start("unit"), f"{metric} is not a size")
            number *= SIZE_UNITS[written]
        elif written == "%":
            if unit != "%":
                raise fail(value.start("unit"), f"{metric} is not a percentage")
        else:
            if unit != "s":
                raise fail(value.start("unit"), f"{metric} is not a time")
            number *= _TIME_UNITS[written] / 1e3
    target = number / _PER[per] if per else number
    shown = "percent" if unit == "%" else unit
    if slope:
        shown = f"{unit}/s" if unit else "/s"
    return Slo(text, source, metric, comparator.group(1), target, None, shown)


def check(result: Any, *expressions: str | Slo) -> list[Verdict]:
    verdicts = []
    for expression in expressions:
        slo = expression if isinstance(expression, Slo) else parse(expression)
        measured = slo.measure(result)
        verdicts.append(Verdict(slo, measured, slo.holds(measured)))
    return verdicts
