"""PostgreSQL operations: parameterised statements, alone or as one transaction.

    postgres.query("balance", "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
                   params=["{uniform(1,100000)}"])
    postgres.transaction("transfer", [
        postgres.statement("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
                           ["{delta}", "{aid}"]),
        postgres.statement("SELECT abalance FROM pgbench_accounts WHERE aid = $1", ["{aid}"]),
    ], variables={"aid": "uniform(1,100000)", "delta": "uniform(-5000,5000)"}, retries=3)

Each parameter is a template in the shared generator syntax. Variables are drawn once per
operation, so every statement of a transaction sees the same values. Statements are prepared
once per connection. An operation's statements travel as one pipeline segment ending in a Sync:
PostgreSQL runs them as one transaction, committed at the Sync and rolled back whole when one
fails, so there is no BEGIN or COMMIT to write. `read=True` makes a query a cache read: rows
from its last statement are a hit, none a miss.

    postgres.script("tpcb.sql", weight=2, scale=10)    # a pgbench script file (pgbench -f)
    postgres.script(builtin="select-only", scale=10)    # one of pgbench's (pgbench -b)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import surge._core as _core
from surge import checks
from surge.errors import ConfigError
from surge.protocols.postgres.sqlstate import sqlstate_classes
from surge.protocols.protocol import Protocol
from surge.urls import is_postgres_dsn, scrub


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[str, ...] = ()
    # A computed variable (a pgbench script's \\if): sent only when it is true. "": always.
    guard: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.sql, str) or not self.sql.strip():
            raise ConfigError(f"statement: sql must be text such as 'SELECT 1', got {self.sql!r}")
        if isinstance(self.params, str) or not all(isinstance(p, str) for p in self.params):
            raise ConfigError(
                f"statement {self.sql!r}: params is a list of templates, one per $n, "
                "e.g. ['{uniform(1,1000)}']"
            )


@dataclass(frozen=True)
class PostgresOperation:
    name: str
    statements: tuple[Statement, ...]
    variables: Mapping[str, str] = field(default_factory=dict)
    weight: float = _core.DEFAULT_WEIGHT
    read: bool = False
    retries: int = 0
    # A fan-out receiver (postgres.listen): LISTEN connections instead of statements.
    channel: str = ""
    listeners: int = 0
    # A pgbench script's computed variables, (name, expression program), evaluated in order
    # per operation (surge.protocols.postgres.pgbench_expression writes them).
    computed: tuple[tuple[str, str], ...] = ()
    # pgbench's -r: each statement timed apart, a row each in the results' `statements`.
    statement_latency: bool = False

    @property
    def request_type(self) -> str:
        """LISTEN for a fan-out receiver, the first SQL keyword of a one-statement operation
        (SELECT, INSERT ...), TRANSACTION for several statements."""
        if self.channel:
            return "LISTEN"
        if len(self.statements) > 1:
            return "TRANSACTION"
        return self.statements[0].sql.split()[0].upper()

    def __post_init__(self) -> None:
        where = f"operation {checks.operation_name(self.name)!r}"
        checks.generators(self.variables, f"{where}: variables")
        if self.channel:
            if not isinstance(self.listeners, int) or self.listeners < 1:
                raise ConfigError(
                    f"listen {self.name!r}: listeners must be a whole number >= 1, "
                    f"got {self.listeners!r}"
                )
            if self.statements or self.weight != 0:
                raise ConfigError(
                    f"listen {self.name!r}: a listener sends nothing; make it with "
                    "postgres.listen(name, channel, listeners=N)"
                )
            return
        if not self.statements:
            raise ConfigError(f"{where}: statements: needs at least one statement")
        checks.weight(self.weight, where)
        checks.whole(self.retries, f"{where}: retries", 0, MAX_RETRIES)
        # A computed variable renders as a number; "seq" stands in for it in the check.
        declared = {**self.variables, **{name: "seq" for name, _ in self.computed}}
        checks.templates(
            [p for statement in self.statements for p in statement.params], declared, where
        )

    @property
    def is_transaction(self) -> bool:
        return len(self.statements) > 1

    def result_fields(self) -> dict[str, Any]:
        """What the results say of this operation beside its statistics; a listener's outcomes
        are notifications received, not requests."""
        fields: dict[str, Any] = {"request_type": self.request_type}
        if self.channel:
            fields["fanout"] = {"channel": self.channel, "listeners": self.listeners}
        return fields

    def engine_operation(self) -> _core.PgOperation:
        op = _core.PgOperation()
        op.name = self.name
        op.weight = float(self.weight)
        statements = []
        for s in self.statements:
            engine_statement = _core.PgStatement()
            engine_statement.sql = s.sql
            engine_statement.params = list(s.params)
            engine_statement.guard = s.guard
            statements.append(engine_statement)
        op.statements = statements
        op.variables = list(self.variables.items())
        op.computed = list(self.computed)
        op.statement_latency = self.statement_latency
        op.read = self.read
        op.retries = self.retries
        op.listen_channel = self.channel
        op.listeners = self.listeners
        return op


# Resends of one operation after a serialization failure or deadlock.
MAX_RETRIES = 1_000


def statement(sql: str, params: Sequence[str] = ()) -> Statement:
    return Statement(sql, tuple(checks.sequence(params, f"statement {sql!r}: params")))


def query(
    name: str,
    sql: str,
    *,
    params: Sequence[str] = (),
    variables: Mapping[str, str] | None = None,
    weight: float = _core.DEFAULT_WEIGHT,
    read: bool = False,
    retries: int = 0,
) -> PostgresOperation:
    """One statement as one operation."""
    where = f"operation {checks.operation_name(name)!r}"
    return PostgresOperation(
        name,
        (statement(sql, params),),
        checks.text_map(variables, f"{where}: variables"),
        weight,
        read,
        retries,
    )


def transaction(
    name: str,
    statements: Sequence[Statement | str],
    *,
    variables: Mapping[str, str] | None = None,
    weight: float = _core.DEFAULT_WEIGHT,
    retries: int = 0,
) -> PostgresOperation:
    """Several statements as one operation and one transaction. `retries`: how often to send it
    again after a serialization failure (40001) or a deadlock (40P01); each retry is counted,
    and the response time runs from the first attempt's intended start."""
    where = f"operation {checks.operation_name(name)!r}"
    listed = checks.sequence(statements, f"{where}: statements (SQL strings or postgres.statement)")
    parts = tuple(statement(s) if isinstance(s, str) else s for s in listed)
    if not all(isinstance(s, Statement) for s in parts):
        raise ConfigError(f"{where}: statements are SQL strings or postgres.statement")
    variables = checks.text_map(variables, f"{where}: variables")
    return PostgresOperation(name, parts, variables, weight, False, retries)


def script(
    path: str | None = None,
    *,
    builtin: str | None = None,
    weight: float = 1.0,
    scale: int = 1,
    per_statement: bool = False,
) -> PostgresOperation:
    """A pgbench script as one operation: a file (`path`), or one of pgbench's built-in
    scripts (`builtin="tpcb-like"`, "simple-update", "select-only"); `scale` is its :scale
    (pgbench's -s). `per_statement`: time each statement apart, as pgbench's -r (the server
    flushes after each, a packet per statement). What surge does not take is refused with the
    file and line (surge.protocols.postgres.pgbench_script says what it takes)."""
    from surge.protocols.postgres import pgbench_script

    if (path is None) == (builtin is None):
        raise ConfigError("postgres.script: give a path or builtin=NAME, one of them")
    weight = checks.weight(weight, "postgres.script")
    scale = checks.whole(scale, "postgres.script: scale", 1, 1_000_000)
    if not isinstance(per_statement, bool):
        raise ConfigError(f"postgres.script: per_statement is true or false, got {per_statement!r}")
    if builtin is not None:
        operation = pgbench_script.builtin(f"{builtin}@{weight!r}", scale)
    else:
        operation = pgbench_script.script_file(f"{path}@{weight!r}", scale)
    return dataclasses.replace(operation, statement_latency=per_statement)


def notify_statement(channel: str, key: str = "") -> Statement:
    """NOTIFY `channel` with a payload that starts with the send time ({now_ns}), then `key`
    (a template). Put it in a writer's transaction: the notification goes out at its commit."""
    _check_channel(channel)
    return statement("SELECT pg_notify($1, $2)", [channel, "{now_ns}" + (f" {key}" if key else "")])


def notify(
    name: str,
    channel: str,
    *,
    key: str = "",
    variables: Mapping[str, str] | None = None,
    weight: float = _core.DEFAULT_WEIGHT,
) -> PostgresOperation:
    """An operation that only notifies; pair it with postgres.listen on the same channel."""
    variables = checks.text_map(variables, f"operation {checks.operation_name(name)!r}: variables")
    return PostgresOperation(name, (notify_statement(channel, key),), variables, weight)


def listen(name: str, channel: str, *, listeners: int = 1) -> PostgresOperation:
    """`listeners` connections LISTEN on `channel`. Every notification each of them receives is
    one outcome of this operation, timed from the sender's {now_ns} stamp to its receipt: the
    fan-out latency of an invalidation. The load never sends it. Listeners connect when the
    run starts; give the run a warm-up so they are listening before it measures."""
    _check_channel(channel)
    return PostgresOperation(name, (), {}, 0.0, channel=channel, listeners=listeners)


def _check_channel(channel: str) -> None:
    if not isinstance(channel, str) or not channel or len(channel) > 63 or "\0" in channel:
        raise ConfigError(f"channel: a name of 1 to 63 characters, got {channel!r}")


def execute(dsn: str, sql: str) -> list[tuple[str, ...]]:
    """Runs set-up SQL (any number of statements) and returns the rows of the last result."""
    try:
        _, rows = _core.pg_execute(dsn, sql)
    except ValueError as exc:
        raise ConfigError(scrub(str(exc), dsn)) from None
    return [tuple(row) for row in rows]


def engine_spec(plan: Any) -> _core.PgRunSpec:
    spec = _core.PgRunSpec()
    spec.conninfo = plan.target
    spec.pipeline = plan.pipeline
    spec.pipeline_sync = getattr(_core.PipelineSync, plan.pipeline_sync)
    spec.operations = [op.engine_operation() for op in plan.operations]
    return spec


def _check(plan: Any) -> None:
    if plan.pipeline_sync != "batch":
        return
    for op in plan.operations:
        if op.retries:
            raise ConfigError(
                f"operation {op.name!r}: retries need one Sync per operation; a batch fails or "
                "commits whole (use pipeline_sync='operation')"
            )


def _stats_fields(stats: Iterable[Any]) -> dict[str, Any]:
    """Errors by SQLSTATE (the engine's error codes), and grouped by class."""
    codes: dict[str, int] = {}
    for op in stats:
        for code, n in op.error_codes.items():
            codes[code] = codes.get(code, 0) + n
    return {"sqlstates": dict(sorted(codes.items())), "sqlstate_classes": sqlstate_classes(codes)}


def _parse_dsn(dsn: str) -> str:
    # libpq parses it when the run prepares, and names what is wrong then.
    return dsn


PROTOCOL = Protocol(
    name="postgres",
    label="PostgreSQL",
    operation_type=PostgresOperation,
    claims=is_postgres_dsn,
    parse_target=_parse_dsn,
    engine_spec=engine_spec,
    run=_core.run_pg,
    default_timeout="10s",
    settings=frozenset({"pipeline", "pipeline_sync"}),
    check=_check,
    stats_fields=_stats_fields,
    cli="surge.protocols.postgres.cli",
)
