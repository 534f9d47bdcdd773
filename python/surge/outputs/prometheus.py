"""`--prometheus-port N`: serves /metrics while a run goes, for a Prometheus (or Grafana Agent)
scraping the load generator next to the service it watches.

The figures are the run's own, updated once per interval from the progress reports, so a
scrape sees the state at the last interval's end:
- surge_requests_total, surge_errors_total{class}, surge_cache_hits_total/misses_total;
- surge_response_time_seconds: a Prometheus histogram per operation, bucketed from the HDR
  histograms (response time from the intended start, coordinated-omission corrected);
- surge_rps (last interval), surge_target_rps and surge_connections (open model),
  surge_users (closed model), surge_elapsed_seconds.
Each run serves on its own registry and stops serving when it ends. The server binds loopback
only by default: metrics of a load test are nobody else's business.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

import surge._core as _core
from surge.errors import ConfigError
from surge.results.histogram import Histogram

# Seconds: 100 µs to a minute, dense where services answer.
BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)
OPERATION = ["scenario", "operation"]


class _Operation:
    def __init__(self) -> None:
        self.totals: _core.RunningTotals | None = None  # since the start of measurement
        self.rps = 0.0

    @property
    def latency(self) -> Histogram:
        return Histogram(self.totals.response if self.totals else _core.HdrHistogram())


class RunMetrics:
    """A prometheus_client collector fed by a run's progress reports."""

    def __init__(self, scenario: Any):
        self.scenario_name = scenario.name
        self.names = [op.name for op in scenario.plan.operations]
        self.operations = {name: _Operation() for name in self.names}
        self.lock = threading.Lock()
        self.elapsed = 0.0
        self.rps = 0.0
        self.target_rps: float | None = None
        self.users: int | None = None
        # Open model: the pool it opens first (it grows only up to max_connections).
        self.connections = (
            getattr(scenario.load, "connections", None) if scenario.load.model == "open" else None
        )

    def update(self, report: _core.IntervalReport) -> None:
        length = report.interval_s or 1.0
        with self.lock:
            self.elapsed = report.elapsed_s
            for row, totals in zip(report.rows, report.cumulative, strict=True):
                op = self.operations[self.names[row.operation]]
                op.totals = totals
                op.rps = row.count / length
            total = report.total
            self.rps = total.count / length
            if total.target_rate_per_s is not None:
                self.target_rps = total.target_rate_per_s
            if total.active_users is not None:
                self.users = total.active_users

    def _buckets(self, latency: Histogram) -> list[tuple[str, float]]:
        """Cumulative counts at or below each bound; an HDR bucket counts where it starts,
        which places a value within 0.1 % of where it was recorded."""
        counts = latency.raw.nonzero_counts()
        out, i, running = [], 0, 0
        for bound in BUCKETS:
            while i < len(counts) and counts[i][0] <= bound * 1e9:
                running += counts[i][1]
                i += 1
            out.append((f"{bound:g}", running))
        out.append(("+Inf", latency.count))
        return out

    def collect(self) -> Iterator[Any]:
        with self.lock:
            s = self.scenario_name
            requests = CounterMetricFamily(
                "surge_requests",
                "Requests with an outcome (successes and errors)",
                labels=OPERATION,
            )
            errors = CounterMetricFamily(
                "surge_errors", "Failed requests by error class", labels=[*OPERATION, "class"]
            )
            hits = CounterMetricFamily(
                "surge_cache_hits", "Cache reads that found a value", labels=OPERATION
            )
            misses = CounterMetricFamily(
                "surge_cache_misses", "Cache reads that found none", labels=OPERATION
            )
            latency = HistogramMetricFamily(
                "surge_response_time_seconds",
                "Response time from the intended start (coordinated-omission corrected)",
                labels=OPERATION,
            )
            rps = GaugeMetricFamily(
                "surge_rps", "Requests per second over the last interval", labels=OPERATION
            )
            for name, op in self.operations.items():
                totals = op.totals
                requests.add_metric([s, name], totals.count if totals else 0)
                for error_class, count in sorted((totals.errors if totals else {}).items()):
                    errors.add_metric([s, name, error_class], count)
                hits.add_metric([s, name], totals.hits if totals else 0)
                misses.add_metric([s, name], totals.misses if totals else 0)
                histogram = op.latency
                total_s = histogram.raw.mean * histogram.count / 1e9 if histogram.count else 0
                latency.add_metric([s, name], self._buckets(histogram), total_s)
                rps.add_metric([s, name], op.rps)
            rps.add_metric([s, "all"], self.rps)
            yield from (requests, errors, hits, misses, latency, rps)
            yield GaugeMetricFamily(
                "surge_elapsed_seconds",
                "Seconds since measurement began",
                value=self.elapsed,
                labels=None,
            )
            if self.target_rps is not None:
                yield GaugeMetricFamily(
                    "surge_target_rps",
                    "Arrival rate the open model asks for in the last interval",
                    value=self.target_rps,
                )
            if self.connections is not None:
                yield GaugeMetricFamily(
                    "surge_connections",
                    "Connections the open model opened first",
                    value=self.connections,
                )
            if self.users is not None:
                yield GaugeMetricFamily(
                    "surge_users", "Users running (closed model)", value=self.users
                )


class MetricsServer:
    """Serves the metrics of a run (or of a suite's phases, one after the other) on
    127.0.0.1:port, or `host`, until closed. A progress callback."""

    def __init__(self, scenario: Any, port: int, host: str = "127.0.0.1"):
        self.metrics = RunMetrics(scenario) if scenario is not None else None
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        try:
            self.server, self.thread = start_http_server(port, addr=host, registry=registry)
        except OSError as exc:
            raise ConfigError(
                f"--prometheus-port {port}: cannot listen on {host}:{port} ({exc.strerror}); "
                "pick a free port"
            ) from None

    def for_scenario(self, scenario: Any) -> None:
        """The next reports are this phase's: a new set of series, labelled with its name."""
        self.metrics = RunMetrics(scenario) if scenario is not None else None

    def collect(self) -> Iterator[Any]:
        metrics = self.metrics
        if metrics is not None:
            yield from metrics.collect()

    def __call__(self, report: _core.IntervalReport) -> None:
        if self.metrics is not None:
            self.metrics.update(report)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
