"""Live progress while a run goes: once per interval, elapsed / total with a bar, current and
target rate, users or connections, p50/p99 of the interval, errors and hit rate, per operation
and for all of them.

On a terminal this is a rich live table redrawn in place; when stderr is not a terminal (CI,
a pipe) it is one plain line per interval, so logs stay readable.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

import surge._core as _core
from surge.units import format_ms


def _ms(ns: int, count: int) -> str:
    return format_ms(ns / 1e6 if count else None)


def _hit_rate(row: _core.IntervalRow) -> str:
    reads = row.hits + row.misses
    return f"{100 * row.hits / reads:.1f}%" if reads else "-"


def _errors(row: _core.IntervalRow) -> str:
    if not row.errors:
        return "0"
    share = 100 * row.errors / row.count if row.count else 100.0
    return f"{row.errors} ({share:.2g}%)"


class LiveProgress:
    """The progress callback of a run (or of a suite's phases, one after the other)."""

    def __init__(
        self, scenario: Any = None, stream: TextIO | None = None, rich: bool | None = None
    ):
        self.stream = stream or sys.stderr
        self.rich = self.stream.isatty() if rich is None else rich
        self.live: Live | None = None
        self.scenario: Any = None
        self.completed = 0
        self.for_scenario(scenario)

    def for_scenario(self, scenario: Any) -> None:
        """Sets the run the next reports belong to (a suite calls this per phase); the view of
        the previous one stays on screen above."""
        self.close()
        self.scenario = scenario
        self.completed = 0

    # What the bar measures against: the planned duration, or the planned request count.
    def _planned(self) -> tuple[float, str] | None:
        s = self.scenario
        if s is None:
            return None
        duration = s.measured_duration_s()
        if duration:
            return duration, "s"
        total = s.requests or getattr(s.load, "total", None)
        return (float(total), "requests") if total else None

    def _load_text(self, total: _core.IntervalRow) -> str:
        if total.target_rate_per_s is not None:
            connections = (
                getattr(self.scenario.load, "connections", None) if self.scenario else None
            )
            pool = f", {connections} connections" if connections else ""
            return f"target {total.target_rate_per_s:,.0f}/s{pool}"
        if total.users is not None:
            # Users, as the engine reports them: with -P N each user's connection holds N
            # requests in flight (N lanes), which the view says beside them.
            depth = getattr(self.scenario, "pipeline", 1) if self.scenario else 1
            users = f"users {total.active_users}/{total.users}"
            return f"{users}, {depth} in flight each" if depth > 1 else users
        return ""

    def _position(self, report: _core.IntervalReport) -> tuple[float, float | None, str]:
        planned = self._planned()
        if planned is None:
            return report.elapsed_s, None, "s"
        total, unit = planned
        done = report.elapsed_s if unit == "s" else float(self.completed)
        return done, total, unit

    def _where(self, report: _core.IntervalReport) -> str:
        done, planned, unit = self._position(report)
        if unit == "s":
            return f"{done:.1f}/{planned:g}s" if planned else f"{done:.1f}s"
        return f"{done:,.0f}/{planned:,.0f} requests"

    def line(self, report: _core.IntervalReport) -> str:
        """The plain-text form of one interval."""
        total = report.total
        rate = total.count / report.interval_s if report.interval_s else 0.0
        parts = [self._where(report), f"{rate:,.0f} req/s"]
        load = self._load_text(total)
        if load:
            parts.append(load)
        parts += [
            f"p50 {_ms(total.p50_ns, total.count)} ms",
            f"p99 {_ms(total.p99_ns, total.count)} ms",
            f"errors {_errors(total)}",
        ]
        if total.hits + total.misses:
            parts.append(f"hit rate {_hit_rate(total)}")
        if total.late:
            parts.append(f"late {total.late}")
        if total.dropped:
            parts.append(f"dropped {total.dropped}")
        workers = getattr(report, "workers", None)  # a distributed run's merged interval
        if workers:
            parts.append(f"workers {len(workers)}")
        return "  ".join(parts)

    def table(self, report: _core.IntervalReport) -> Group:
        """The live view: a bar with the run's position, then a row per operation."""
        total = report.total
        done, planned, _ = self._position(report)
        head = Text(" " + self._where(report))
        load = self._load_text(total)
        if load:
            head.append(f"   {load}")
        bar = ProgressBar(total=planned or None, completed=min(done, planned or done), width=40)
        grid = Table.grid(padding=(0, 1))
        grid.add_row(bar, head)
        table = Table(box=None, padding=(0, 2), header_style="bold")
        for column in ("operation", "req/s", "p50 ms", "p99 ms", "errors", "hit rate"):
            table.add_column(column, justify="left" if column == "operation" else "right")
        names = [op.name for op in self.scenario.plan.operations] if self.scenario else []
        rows = [
            (names[r.operation] if r.operation < len(names) else str(r.operation), r)
            for r in report.rows
        ]
        # A distributed run: a row per worker under the merged ones, each its own share's total.
        workers = [(f"  worker {i}", row) for i, row in getattr(report, "workers", None) or []]
        for name, row in [*rows, ("all", total), *workers]:
            rate = row.count / report.interval_s if report.interval_s else 0.0
            table.add_row(
                name,
                f"{rate:,.0f}",
                _ms(row.p50_ns, row.count),
                _ms(row.p99_ns, row.count),
                _errors(row),
                _hit_rate(row),
                style="bold" if row is total else ("dim" if name.startswith("  worker") else None),
            )
        return Group(grid, table)

    def __call__(self, report: _core.IntervalReport) -> None:
        self.completed += report.total.count
        if not self.rich:
            print(self.line(report), file=self.stream, flush=True)
            return
        if self.live is None:
            console = Console(file=self.stream)
            self.live = Live(console=console, auto_refresh=False, transient=False)
            self.live.start()
        self.live.update(self.table(report), refresh=True)

    def close(self) -> None:
        """Leaves the last view on screen and gives the terminal back."""
        if self.live is not None:
            self.live.stop()
            self.live = None
