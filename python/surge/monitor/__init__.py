"""Target monitoring: what the load cost the server, sampled once per interval on a thread of
its own while the run goes, and kept in the results beside the load's time series
(docs/monitoring.md).

    surge.Scenario(..., monitors=[surge.monitor.process("nginx"),
                                  surge.monitor.redis("redis://127.0.0.1:6379"),
                                  surge.monitor.postgres("postgresql://app@127.0.0.1/app"),
                                  surge.monitor.prometheus("http://127.0.0.1:9100/metrics",
                                                           ["node_load1"])])

SLOs address them by source: "target.cpu < 80%", "target.rss_slope < 1MB/min",
"redis.evictions == 0", "postgres.rollbacks == 0", "prometheus.node_load1 < 4".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from surge.errors import ConfigError
from surge.monitor.postgres import PostgresSource
from surge.monitor.process import ProcessSource
from surge.monitor.prometheus import PrometheusSource
from surge.monitor.redis import RedisSource

SOURCES = (ProcessSource, RedisSource, PostgresSource, PrometheusSource)
NAMESPACES = tuple(source.namespace for source in SOURCES)


def process(pid_or_name: int | str) -> ProcessSource:
    """A local process by PID or by name (exactly one process must have it): CPU% (100% is one
    core), RSS, threads and open descriptors, from /proc. The name is looked up when the run
    starts."""
    return ProcessSource(pid_or_name)


def redis(url: str) -> RedisSource:
    """A Redis or Valkey server's INFO: used memory, clients, ops/s, commands, keyspace hits
    and misses, evictions."""
    return RedisSource(url)


def postgres(dsn: str) -> PostgresSource:
    """A PostgreSQL database's pg_stat_database and pg_stat_activity: commits, rollbacks,
    blocks hit and read, connections, active and waiting queries, the longest wait."""
    return PostgresSource(dsn)


def prometheus(url: str, metrics: Sequence[str]) -> PrometheusSource:
    """Metrics of any Prometheus endpoint, by name or selector (summed across label sets)."""
    return PrometheusSource(url, list(metrics) if not isinstance(metrics, str) else metrics)


def check_sources(monitors: Any) -> tuple[Any, ...]:
    """A Scenario's `monitors`: a list of sources, at most one per namespace (so an SLO names
    one of them)."""
    if isinstance(monitors, (str, bytes)) or not isinstance(monitors, (list, tuple)):
        raise ConfigError(
            f"monitors: a list such as [surge.monitor.process('nginx')], got {monitors!r}"
        )
    seen: set[str] = set()
    for source in monitors:
        if not isinstance(source, SOURCES):
            raise ConfigError(
                f"monitors: {source!r} is not a monitor; make them with surge.monitor.process, "
                ".redis, .postgres or .prometheus"
            )
        if source.namespace in seen:
            raise ConfigError(f"monitors: two {source.namespace} monitors; one of each kind")
        seen.add(source.namespace)
    return tuple(monitors)
