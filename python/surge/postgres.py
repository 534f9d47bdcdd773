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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from . import _core
from .errors import ConfigError


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.sql, str) or not self.sql.strip():
            raise ConfigError("statement: give the SQL text, e.g. 'SELECT 1'")
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
    weight: float = 1.0
    read: bool = False
    retries: int = 0
    # A fan-out receiver (postgres.listen): LISTEN connections instead of statements.
    channel: str = ""
    listeners: int = 0

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
        if not self.name or not isinstance(self.name, str):
            raise ConfigError("operation name: must be a non-empty string")
        if self.channel:
            if not isinstance(self.listeners, int) or self.listeners < 1:
                raise ConfigError(
                    f"listen {self.name!r}: listeners must be a whole number >= 1, "
                    f"got {self.listeners!r}"
                )
            return
        if not self.statements:
            raise ConfigError(f"operation {self.name!r}: needs at least one statement")
        if not (isinstance(self.weight, (int, float)) and self.weight > 0):
            raise ConfigError(f"operation {self.name!r}: weight must be > 0, got {self.weight!r}")
        if not isinstance(self.retries, int) or self.retries < 0:
            raise ConfigError(
                f"operation {self.name!r}: retries must be a whole number >= 0, "
                f"got {self.retries!r}"
            )

    @property
    def is_transaction(self) -> bool:
        return len(self.statements) > 1


def statement(sql: str, params: Sequence[str] = ()) -> Statement:
    return Statement(sql, tuple(params))


def query(
    name: str,
    sql: str,
    *,
    params: Sequence[str] = (),
    variables: Mapping[str, str] | None = None,
    weight: float = 1.0,
    read: bool = False,
    retries: int = 0,
) -> PostgresOperation:
    """One statement as one operation."""
    return PostgresOperation(
        name, (statement(sql, params),), dict(variables or {}), weight, read, retries
    )


def transaction(
    name: str,
    statements: Sequence[Statement | str],
    *,
    variables: Mapping[str, str] | None = None,
    weight: float = 1.0,
    retries: int = 0,
) -> PostgresOperation:
    """Several statements as one operation and one transaction. `retries`: how often to send it
    again after a serialization failure (40001) or a deadlock (40P01); each retry is counted,
    and the response time runs from the first attempt's intended start."""
    parts = tuple(statement(s) if isinstance(s, str) else s for s in statements)
    if not all(isinstance(s, Statement) for s in parts):
        raise ConfigError(f"transaction {name!r}: statements are SQL strings or postgres.statement")
    return PostgresOperation(name, parts, dict(variables or {}), weight, False, retries)


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
    weight: float = 1.0,
) -> PostgresOperation:
    """An operation that only notifies; pair it with postgres.listen on the same channel."""
    return PostgresOperation(name, (notify_statement(channel, key),), dict(variables or {}), weight)


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


def engine_operation(op: PostgresOperation) -> _core.PgOperation:
    engine_op = _core.PgOperation()
    engine_op.name = op.name
    engine_op.weight = float(op.weight)
    statements = []
    for s in op.statements:
        engine_statement = _core.PgStatement()
        engine_statement.sql = s.sql
        engine_statement.params = list(s.params)
        statements.append(engine_statement)
    engine_op.statements = statements
    engine_op.variables = list(op.variables.items())
    engine_op.read = op.read
    engine_op.retries = op.retries
    engine_op.listen_channel = op.channel
    engine_op.listeners = op.listeners
    return engine_op


def execute(dsn: str, sql: str) -> list[tuple[str, ...]]:
    """Runs set-up SQL (any number of statements) and returns the rows of the last result."""
    try:
        _, rows = _core.pg_execute(dsn, sql)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return [tuple(row) for row in rows]
