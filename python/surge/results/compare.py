"""Regression limits between two runs: "p95:+10%,rps:-5%" fails when a new run's p95 grew by
more than 10% or its rps fell by more than 5% against a base run, per operation and in total.

Latencies (p50 ... p99.9, mean, max) and rps are compared relatively. Rates (error_rate,
hit_rate) are compared in percentage points: "error_rate:+0.1%" allows 0.1 points more. The
sign says which way is worse: + for "must not grow by more", - for "must not fall by more".
`surge compare` and the pytest plugin's baseline gate both use this.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from surge.errors import ConfigError
from surge.results.slo import metric_value
from surge.text_table import text_table
from surge.units import format_change, format_number

_LIMIT = re.compile(r"^\s*(?P<metric>p\d+(?:\.\d+)?|mean|max|rps|error_rate|hit_rate)\s*:\s*"
                    r"(?P<sign>[+-])\s*(?P<number>\d+(?:\.\d+)?)\s*%\s*$")  # fmt: skip
_RATES = {"error_rate", "hit_rate"}


@dataclass(frozen=True)
class Limit:
    metric: str
    worse_if_higher: bool
    allowed: float  # a fraction: relative for latencies and rps, points for rates

    def __str__(self) -> str:
        return f"{self.metric}:{'+' if self.worse_if_higher else '-'}{100 * self.allowed:g}%"


@dataclass(frozen=True)
class Delta:
    operation: str  # "total" for the whole run
    limit: Limit
    base: float | None
    new: float | None

    @property
    def change(self) -> float | None:
        """Relative change (latencies, rps) or the change in points (rates)."""
        if self.base is None or self.new is None:
            return None
        if self.limit.metric in _RATES:
            return self.new - self.base
        if self.base == 0:
            return 0.0 if self.new == 0 else float("inf")
        return (self.new - self.base) / self.base

    @property
    def broken(self) -> bool:
        change = self.change
        if change is None:
            return False
        worse = change if self.limit.worse_if_higher else -change
        return worse > self.limit.allowed + 1e-12


# What a comparison shows when no limits are given: the usual metrics, none of them gating.
REPORT_ONLY = [
    Limit("rps", False, float("inf")),
    Limit("p50", True, float("inf")),
    Limit("p95", True, float("inf")),
    Limit("p99", True, float("inf")),
    Limit("error_rate", True, float("inf")),
]


def parse_limits(text: str) -> list[Limit]:
    limits = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _LIMIT.match(part)
        if not match:
            raise ConfigError(
                f"limit {part!r}: expected METRIC:+N% or METRIC:-N% such as p95:+10% or rps:-5% "
                "(metrics: p50..p99.9, mean, max, rps, error_rate, hit_rate)"
            )
        metric = match["metric"]
        if metric.startswith("p") and not 0 <= float(metric[1:]) <= 100:
            raise ConfigError(f"limit {part!r}: a percentile is p0..p100, got {metric}")
        limits.append(Limit(metric, match["sign"] == "+", float(match["number"]) / 100))
    if not limits:
        raise ConfigError("limits: give at least one, such as p95:+10%,rps:-5%")
    return limits


def compare(base: Any, new: Any, limits: list[Limit]) -> list[Delta]:
    """One Delta per limit for the total and for every operation both runs have."""
    for name, value in (("base", base), ("new", new)):
        if not isinstance(value, Mapping) or "operations" not in value:
            raise ConfigError(f"{name}: expected a surge.Result, got {value!r}"[:200])
    names = ["total"] + [n for n in new["operations"] if n in base["operations"]]
    deltas = []
    for name in names:
        b = base["total"] if name == "total" else base["operations"][name]
        n = new["total"] if name == "total" else new["operations"][name]
        for limit in limits:
            before, after = metric_value(limit.metric, b), metric_value(limit.metric, n)
            deltas.append(Delta(name, limit, before, after))
    return deltas


def _shown_limit(limit: Limit) -> str:
    return "-" if limit.allowed == float("inf") else str(limit).split(":", 1)[1]


def compare_suites(base: Any, new: Any, limits: list[Limit]) -> dict[str, list[Delta]]:
    """Two suites phase by phase, matched by the phases' names, in the new suite's order; a
    phase only one of them has is left out (phases_only_in says which)."""
    base_names = {r["scenario"]["name"] for r in base}
    return {
        r["scenario"]["name"]: compare(base[r["scenario"]["name"]], r, limits)
        for r in new
        if r["scenario"]["name"] in base_names
    }


def phases_only_in(one: Any, other: Any) -> list[str]:
    names = {r["scenario"]["name"] for r in other}
    return [r["scenario"]["name"] for r in one if r["scenario"]["name"] not in names]


def delta_table(deltas: list[Delta]) -> str:
    def show(delta: Delta, value: float | None) -> str:
        metric = delta.limit.metric
        unit = "%" if metric in _RATES else "req/s" if metric == "rps" else "ms"
        return format_number(value, unit)

    def shown_change(delta: Delta) -> str:
        return format_change(delta.change, points=delta.limit.metric in _RATES)

    header = ("operation", "metric", "base", "new", "change", "limit", "verdict")
    rows = [
        (d.operation, d.limit.metric, show(d, d.base), show(d, d.new), shown_change(d),
         _shown_limit(d.limit), "REGRESSED" if d.broken else "ok")
        for d in deltas
    ]  # fmt: skip
    return text_table(header, rows, left=None)
