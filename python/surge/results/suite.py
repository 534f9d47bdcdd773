"""A suite's results: its phases as Results (surge.running.suite runs them). Suites are
scenarios that run one after the other as phases (a SET phase, then GET, then DEL),
reported together. A scenario function returns a list of Scenarios to make one; a tuple in
that list is a group whose scenarios run at the same time (writers and readers, each with
their own users)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from surge.files import write_text_atomic
from surge.results.result import SUITE_SCHEMA, Result
from surge.text_table import text_table
from surge.units import format_ms as _ms


@dataclass
class SuiteResult:
    """A suite's phases as Results, in the order they ran: suite[0], suite["get"], len(suite),
    iteration; `surge.load` returns one for a suite's file."""

    name: str
    results: list[Result]

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self):
        return iter(self.results)

    def __getitem__(self, key: int | str) -> Result:
        if isinstance(key, str):
            for result in self.results:
                if result["scenario"]["name"] == key:
                    return result
            names = ", ".join(r["scenario"]["name"] for r in self.results)
            raise KeyError(f"no phase {key!r} in suite {self.name!r}: the phases are {names}")
        return self.results[key]

    @property
    def interrupted(self) -> bool:
        return any(r.interrupted for r in self.results)

    def rows(self) -> list[dict[str, Any]]:
        """One row per phase and operation: avg/min/max ms, p50/p95/p99, ops/s, errors and hit
        rate. A NOTIFY listener's row is its fan-out latency (ops/s: notifications received)."""
        rows = []
        for result in self.results:
            for name, stats in result.operations.items():
                latency = stats["latency"]
                rows.append(
                    {
                        "phase": result["scenario"]["name"],
                        "operation": name,
                        "count": stats["count"],
                        "ops_per_s": stats["rate_per_s"],
                        "avg_ms": latency["mean"],
                        "min_ms": latency["min"],
                        "max_ms": latency["max"],
                        "p50_ms": latency["percentiles"]["50"],
                        "p95_ms": latency["percentiles"]["95"],
                        "p99_ms": latency["percentiles"]["99"],
                        "errors": stats["error_count"],
                        "hit_rate": stats.get("hit_rate"),
                    }
                )
        return rows

    def table(self) -> str:
        header = (
            "phase",
            "operation",
            "count",
            "ops/s",
            "avg ms",
            "min ms",
            "max ms",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "errors",
            "hit rate",
        )
        body = [
            (
                r["phase"],
                r["operation"],
                str(r["count"]),
                f"{r['ops_per_s']:.0f}",
                _ms(r["avg_ms"]),
                _ms(r["min_ms"]),
                _ms(r["max_ms"]),
                _ms(r["p50_ms"]),
                _ms(r["p95_ms"]),
                _ms(r["p99_ms"]),
                str(r["errors"]),
                "-" if r["hit_rate"] is None else f"{100 * r['hit_rate']:.1f}%",
            )
            for r in self.rows()
        ]
        return f"suite {self.name}\n" + text_table(header, body, left=2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SUITE_SCHEMA,
            "name": self.name,
            "summary": self.rows(),
            "results": [r.to_dict() for r in self.results],
        }

    def save(self, path: str | Path) -> Path:
        return write_text_atomic(path, json.dumps(self.to_dict(), indent=2) + "\n")
