"""Results: the `surge.result/1` JSON contract (docs/results.md) and its Python face."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import surge._core as _core
from surge.errors import ConfigError
from surge.files import write_text_atomic
from surge.results import analysis, slo
from surge.results import schema as results_schema
from surge.results.histogram import PERCENTILES, Histogram
from surge.units import ns_to_ms as _ms

SCHEMA = "surge.result/1"
SUITE_SCHEMA = "surge.suite/1"


def latency_summary(histogram: _core.HdrHistogram) -> dict[str, Any]:
    """min/mean/stdev/max and percentiles in ms; null values when nothing was recorded."""
    if histogram.total_count == 0:
        return {
            "unit": "ms",
            "min": None,
            "mean": None,
            "stdev": None,
            "max": None,
            "percentiles": dict.fromkeys(PERCENTILES),
        }
    return {
        "unit": "ms",
        "min": _ms(histogram.min),
        "mean": _ms(histogram.mean),
        "stdev": _ms(histogram.stdev),
        "max": _ms(histogram.max),
        "percentiles": {p: _ms(histogram.value_at_percentile(float(p))) for p in PERCENTILES},
    }


class Result(Mapping):
    """A run's results: a read-only mapping over the JSON document, with helpers."""

    def __init__(self, document: dict[str, Any]):
        if not isinstance(document, dict):
            raise ConfigError(
                f"results: expected an object (a surge results file), got {type(document).__name__}"
            )
        schema = document.get("schema")
        if schema == SUITE_SCHEMA:
            raise ConfigError("this is a suite's results file: surge.load reads it as a Suite")
        if schema != SCHEMA:
            raise ConfigError(f"unsupported results schema {schema!r}: this surge reads {SCHEMA!r}")
        results_schema.check_result(document)
        self._doc = document

    def __getitem__(self, key: str) -> Any:
        return self._doc[key]

    def __getattr__(self, name: str) -> Any:
        """Every top-level field of the document (docs/results.md) as an attribute too:
        result.duration_s is result["duration_s"]."""
        document = self.__dict__.get("_doc")
        if document is not None and name in document:
            return document[name]
        raise AttributeError(f"surge.Result has no field {name!r}")

    def __iter__(self):
        return iter(self._doc)

    def __len__(self) -> int:
        return len(self._doc)

    def __repr__(self) -> str:
        total = self._doc["total"]
        return (
            f"<surge.Result {self._doc['scenario']['name']!r}: {total['count']} requests, "
            f"{total['rate_per_s']:.0f}/s, p99 {total['latency']['percentiles']['99']} ms>"
        )

    @property
    def operations(self) -> dict[str, Any]:
        return self._doc["operations"]

    @property
    def total(self) -> dict[str, Any]:
        return self._doc["total"]

    @property
    def interrupted(self) -> bool:
        return bool(self._doc.get("interrupted"))

    def histogram(self, operation: str | None = None, kind: str = "latency") -> Histogram:
        """One operation's (or, with no operation, the total's) response times as a
        Histogram: any percentile in ms, min/mean/max, the percentile spectrum.
        kind="service_time" gives the times from the actual send instead."""
        if operation is not None and operation not in self.operations:
            known = ", ".join(self.operations)
            raise ConfigError(f"no operation {operation!r} in this result (it has: {known})")
        stats = self.total if operation is None else self.operations[operation]
        keys = {
            "latency": "histogram",
            "service_time": "service_histogram",
            "error_latency": "error_histogram",
        }
        if kind not in keys:
            raise ConfigError(
                f"kind must be 'latency', 'service_time' or 'error_latency', got {kind!r}"
            )
        if keys[kind] not in stats:  # a results file from before error_latency was kept
            raise ConfigError(f"this result has no {kind} histogram (written by an older surge)")
        return Histogram.decode(stats[keys[kind]], operation or "total")

    def to_dataframe(self, total: bool = False) -> Any:
        """The time series as a pandas DataFrame: one row per operation and interval (t_s,
        operation, count, rate_per_s, errors, error_rate, hit_rate, p50_ms ... max_ms), or with
        total=True one row per interval for all operations, with the load's target rate or
        users. Needs surge[analysis]."""
        return analysis.timeseries_frame(self._doc, total)

    def summary(self) -> Any:
        """One row per operation plus a "total" row: count, rps, errors, error_rate, hit_rate,
        min/mean/p50/p90/p95/p99/p99.9/max in ms. Needs surge[analysis]."""
        return analysis.summary_frame(self._doc)

    def check(self, *slos: str | slo.Slo) -> list[slo.Verdict]:
        """One verdict per SLO expression ("p95 < 200ms", "checkout.error_rate < 0.1%")."""
        return slo.check(self, *slos)

    def assert_slo(self, *slos: str | slo.Slo) -> list[slo.Verdict]:
        """Raises AssertionError with a table (expression, measured, target, verdict) when an
        SLO is broken; returns the verdicts otherwise."""
        verdicts = self.check(*slos)
        broken = sum(not v.ok for v in verdicts)
        if broken:
            name = self._doc["scenario"]["name"]
            raise AssertionError(
                f"{broken} of {len(verdicts)} SLOs broken in {name!r}:\n"
                + slo.verdict_table(verdicts)
            )
        return verdicts

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(self._doc))

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self._doc, indent=indent)

    def save(self, path: str | Path) -> Path:
        """Writes the JSON; an interrupted save leaves the old file, not half a new one."""
        return write_text_atomic(path, self.to_json() + "\n")
