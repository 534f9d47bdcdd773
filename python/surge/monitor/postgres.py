"""A PostgreSQL server watched through its statistics views while the load runs: the database's
commits, rollbacks and blocks hit and read (pg_stat_database), and its connections, active
queries and the longest waiting query (pg_stat_activity). Each sample is one libpq connection
through the engine's pg_execute; the monitor's own backend is left out of the counts."""

from __future__ import annotations

import urllib.parse
from typing import Any, ClassVar

import surge._core as _core
from surge.errors import ConfigError
from surge.urls import is_postgres_dsn, redact_url, scrub

# One row: the counters of this database, then what its sessions are doing now.
_SQL = """
SELECT d.xact_commit, d.xact_rollback, d.blks_hit, d.blks_read, d.tup_returned,
       d.tup_inserted + d.tup_updated + d.tup_deleted, d.deadlocks,
       a.connections, a.active, a.waiting, a.longest_wait_s, a.longest_query_s
FROM pg_stat_database d,
     (SELECT count(*) AS connections,
             count(*) FILTER (WHERE state = 'active') AS active,
             count(*) FILTER (WHERE state = 'active' AND wait_event_type IS NOT NULL) AS waiting,
             coalesce(extract(epoch FROM max(now() - query_start) FILTER (
                 WHERE state = 'active' AND wait_event_type IS NOT NULL)), 0) AS longest_wait_s,
             coalesce(extract(epoch FROM max(now() - query_start) FILTER (
                 WHERE state = 'active')), 0) AS longest_query_s
      FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()) a
WHERE d.datname = current_database()
"""
_COLUMNS = (
    "commits",
    "rollbacks",
    "blocks_hit",
    "blocks_read",
    "rows_returned",
    "rows_written",
    "deadlocks",
    "connections",
    "active",
    "waiting",
    "longest_wait_s",
    "longest_query_s",
)


class PostgresSource:
    namespace = "postgres"
    kind = "postgres"
    counters = frozenset(_COLUMNS[:7])
    units: ClassVar[dict[str, str]] = {"longest_wait_s": "s", "longest_query_s": "s"}

    def __init__(self, dsn: str):
        if not isinstance(dsn, str) or not is_postgres_dsn(dsn):
            raise ConfigError(
                f"monitor postgres: expected a postgresql:// URL, got {redact_url(str(dsn))!r}"
            )
        self.dsn = dsn
        self.bounded = dsn
        self.url = redact_url(dsn)

    def describe(self) -> dict[str, Any]:
        return {"url": self.url}

    def open(self) -> None:
        self.bounded = _bounded(self.dsn)

    def read(self) -> dict[str, float]:
        try:
            _, rows = _core.pg_execute(self.bounded, _SQL)
        except ValueError as exc:
            raise OSError(scrub(str(exc), self.dsn)) from None
        if not rows:
            raise OSError("pg_stat_database has no row for the URL's database")
        return {name: float(value or 0) for name, value in zip(_COLUMNS, rows[0], strict=True)}

    derive = None

    def close(self) -> None:
        pass


# A sample must not wait on a server that stopped answering: libpq waits forever by default.
_LIMITS = {"connect_timeout": "2", "options": "-c statement_timeout=2000"}


def _bounded(dsn: str) -> str:
    """The DSN with a connect timeout and a statement timeout, unless it sets its own."""
    if "://" in dsn:
        parts = urllib.parse.urlsplit(dsn)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        given = {k for k, _ in query}
        query += [(k, v) for k, v in _LIMITS.items() if k not in given]
        encoded = urllib.parse.urlencode(query, quote_via=urllib.parse.quote)  # %20, not +
        return urllib.parse.urlunsplit(parts._replace(query=encoded))
    extra = [f"{k}='{v}'" for k, v in _LIMITS.items() if f"{k}=" not in dsn]
    return " ".join([dsn, *extra])
