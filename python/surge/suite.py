"""Suites: scenarios that run one after the other as phases (a SET phase, then GET, then DEL),
reported together. A scenario function returns a list of Scenarios to make one."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .result import Result
from .runner import ProgressCallback, run
from .scenario import Scenario

SUITE_SCHEMA = "surge.suite/1"


@dataclass
class SuiteResult:
    name: str
    results: list[Result]

    @property
    def interrupted(self) -> bool:
        return any(r.interrupted for r in self.results)

    def rows(self) -> list[dict[str, Any]]:
        """One row per phase and operation: avg/min/max ms, ops/s, errors and hit rate."""
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
                _ms(r["p99_ms"]),
                str(r["errors"]),
                "-" if r["hit_rate"] is None else f"{100 * r['hit_rate']:.1f}%",
            )
            for r in self.rows()
        ]
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        lines = [
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
            for row in [header, *body]
        ]
        lines.insert(1, "-" * len(lines[0]))
        return f"suite {self.name}\n" + "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SUITE_SCHEMA,
            "name": self.name,
            "summary": self.rows(),
            "results": [r.to_dict() for r in self.results],
        }

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        return path


def run_suite(
    name: str,
    phases: Sequence[Scenario],
    *,
    progress: ProgressCallback | None = None,
    on_phase: Callable[[Result], None] | None = None,
) -> SuiteResult:
    """Runs the phases in order; stops after a phase that was interrupted (Ctrl-C)."""
    results = []
    for phase in phases:
        result = run(phase, progress=progress)
        results.append(result)
        if on_phase:
            on_phase(result)
        if result.interrupted:
            break
    return SuiteResult(name, results)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
