"""pgbench's built-in workloads as surge operations, and its tables.

`select-only` is `pgbench -S`; `tpcb-like` is pgbench's default script: per transaction, an
account, a teller and a branch are updated by the same random delta and a history row is
written. Scale N means N branches, 10 N tellers and 100 000 N accounts, as in pgbench.
"""

from __future__ import annotations

from surge.errors import ConfigError
from surge.protocols import postgres

BUILTINS = ("select-only", "tpcb-like")
ACCOUNTS_PER_BRANCH = 100_000
TELLERS_PER_BRANCH = 10


def init_tables(dsn: str, scale: int) -> None:
    """Creates the four pgbench tables at `scale`, filled server-side, then analyses them."""
    if scale < 1:
        raise ConfigError(f"--scale: must be >= 1, got {scale}")
    postgres.execute(
        dsn,
        f"""
        DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history;
        CREATE TABLE pgbench_branches (bid int NOT NULL, bbalance int, filler char(88))
            WITH (fillfactor = 100);
        CREATE TABLE pgbench_tellers (tid int NOT NULL, bid int, tbalance int, filler char(84))
            WITH (fillfactor = 100);
        CREATE TABLE pgbench_accounts (aid int NOT NULL, bid int, abalance int, filler char(84))
            WITH (fillfactor = 100);
        CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp,
            filler char(22));
        INSERT INTO pgbench_branches SELECT b, 0, '' FROM generate_series(1, {scale}) b;
        INSERT INTO pgbench_tellers
            SELECT t, (t - 1) / {TELLERS_PER_BRANCH} + 1, 0, ''
            FROM generate_series(1, {TELLERS_PER_BRANCH * scale}) t;
        INSERT INTO pgbench_accounts
            SELECT a, (a - 1) / {ACCOUNTS_PER_BRANCH} + 1, 0, ''
            FROM generate_series(1, {ACCOUNTS_PER_BRANCH * scale}) a;
        ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid);
        ALTER TABLE pgbench_tellers ADD PRIMARY KEY (tid);
        ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid);
        """,
    )
    postgres.execute(dsn, "VACUUM ANALYZE")


def detect_scale(dsn: str) -> int:
    """The scale of existing pgbench tables (pgbench reads it the same way: the branches)."""
    try:
        rows = postgres.execute(dsn, "SELECT count(*) FROM pgbench_branches")
    except ConfigError as exc:
        if "does not exist" in str(exc):
            raise ConfigError(
                "the pgbench tables are missing: add --init [--scale N] to create them"
            ) from None
        raise
    scale = int(rows[0][0])
    if scale < 1:
        raise ConfigError("pgbench_branches is empty: run with --init [--scale N]")
    return scale


def operations(name: str, scale: int) -> list[postgres.PostgresOperation]:
    aid = f"uniform(1,{ACCOUNTS_PER_BRANCH * scale})"
    if name == "select-only":
        return [
            postgres.query(
                "select_only",
                "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
                params=[f"{{{aid}}}"],
            )
        ]
    if name == "tpcb-like":
        return [
            postgres.transaction(
                "tpcb_like",
                [
                    postgres.statement(
                        "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
                        ["{delta}", "{aid}"],
                    ),
                    postgres.statement(
                        "SELECT abalance FROM pgbench_accounts WHERE aid = $1", ["{aid}"]
                    ),
                    postgres.statement(
                        "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2",
                        ["{delta}", "{tid}"],
                    ),
                    postgres.statement(
                        "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2",
                        ["{delta}", "{bid}"],
                    ),
                    postgres.statement(
                        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) "
                        "VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)",
                        ["{tid}", "{bid}", "{aid}", "{delta}"],
                    ),
                ],
                variables={
                    "aid": aid,
                    "bid": f"uniform(1,{scale})",
                    "tid": f"uniform(1,{TELLERS_PER_BRANCH * scale})",
                    "delta": "uniform(-5000,5000)",
                },
            )
        ]
    raise ConfigError(f"--builtin: expected one of {', '.join(BUILTINS)}, got {name!r}")
