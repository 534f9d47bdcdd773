"""Results: the `surge.result/1` JSON contract (docs/results.md) and its Python face."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import _core, slo
from .errors import ConfigError

SCHEMA = "surge.result/1"
PERCENTILES = ("50", "75", "90", "95", "99", "99.9", "99.99")


def _ms(ns: float) -> float:
    return round(ns / 1e6, 6)


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
        schema = document.get("schema")
        if schema != SCHEMA:
            raise ConfigError(f"unsupported results schema {schema!r}: this surge reads {SCHEMA!r}")
        self._doc = document

    def __getitem__(self, key: str) -> Any:
        return self._doc[key]

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

    def histogram(self, operation: str | None = None, kind: str = "latency") -> _core.HdrHistogram:
        """The decoded HDR histogram (nanoseconds) of one operation, or of the total."""
        stats = self.total if operation is None else self.operations[operation]
        key = {"latency": "histogram", "service_time": "service_histogram"}[kind]
        return _core.HdrHistogram.decode(stats[key])

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
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n")
        return path


def load(path: str | Path) -> Result:
    """Loads a results JSON file written by surge."""
    try:
        document = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"no results file at {path}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not JSON: {exc}") from None
    return Result(document)
