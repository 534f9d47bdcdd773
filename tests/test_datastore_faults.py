"""Redis and PostgreSQL faults against the real servers (and one fake that speaks bad RESP):
every command or operation has exactly one outcome, the errors are the ones the server made,
and the run goes on."""

from __future__ import annotations

import socket
import threading

import pytest
import surge
from redis_client import call
from surge import postgres, redis
from surge.services import PostgresServer, RedisServer

N = 100_000  # a second or so: the fault lands in the middle


@pytest.fixture(scope="module")
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.mark.usefixtures("transport")
def test_client_kill_mid_run_is_a_reset_and_the_run_goes_on(redis_server):
    call(redis_server.port, "DEL", "surge:kills")
    killed = []

    def chaos(report):
        if not killed:  # at the first interval
            killed.append(call(redis_server.port, "CLIENT", "KILL", "TYPE", "normal"))

    ops = [redis.command("incr", "INCR surge:kills")]
    result = surge.run(
        surge.Scenario(
            name="kill", base_url=redis_server.url, operations=ops, requests=N,
            load=surge.Users(4), pipeline=4, interval="100ms",
        ),
        progress=chaos,
    )  # fmt: skip
    total = result.total
    assert killed and killed[0].startswith(b":")  # the number of clients it killed
    assert total["count"] == N and result["unfinished"] == 0
    assert set(total["errors"]) <= {"reset"} and total["error_count"] > 0
    assert total["reconnects"] > 0
    # Every INCR that succeeded happened once; a reset one may or may not have run.
    done = int(call(redis_server.port, "GET", "surge:kills"))
    assert N - total["error_count"] <= done <= N


@pytest.mark.usefixtures("transport")
def test_a_huge_reply_is_read_whole(redis_server):
    call(redis_server.port, "SET", "surge:huge", "x" * (32 << 20))
    result = surge.run(
        surge.Scenario(
            name="huge", base_url=redis_server.url, operations=[redis.get("get", "surge:huge")],
            requests=20, load=surge.Users(2), timeout="30s",
        )
    )  # fmt: skip
    stats = result.operations["get"]
    assert stats["count"] == 20 and stats["error_count"] == 0 and stats["hits"] == 20


@pytest.mark.usefixtures("transport")
def test_a_server_that_speaks_bad_resp_is_malformed_not_a_crash():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def answer(conn: socket.socket) -> None:
        with conn:
            while not stop.is_set():
                try:
                    if not conn.recv(65536):
                        return
                    conn.sendall(b"?this is not RESP\r\n")
                except OSError:
                    return

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        result = surge.run(
            surge.Scenario(
                name="garbage", base_url=f"redis://127.0.0.1:{port}",
                operations=[redis.get("get", "k")], requests=200, load=surge.Users(2),
            )
        )  # fmt: skip
    finally:
        stop.set()
        thread.join()
        listener.close()
    stats = result.operations["get"]
    assert stats["count"] == 200 and stats["errors"] == {"malformed": 200}
    assert "protocol error" in stats["error_examples"]["malformed"][0].lower()


@pytest.fixture(scope="module")
def pg():
    with PostgresServer() as server:
        yield server


@pytest.fixture
def table(pg):
    postgres.execute(pg.dsn, "DROP TABLE IF EXISTS faults; CREATE TABLE faults (x int)")
    return pg.dsn


@pytest.mark.parametrize("pipeline", [1, 4])
def test_a_postgres_reply_of_many_mb_is_read_whole(pg, pipeline):
    # Issue 11: a 16 MiB value and a 200,000-row result, between small queries on the same
    # connections (pipelined at 4): each is one success with its rows, none is cut short
    # or mistaken for the reply after it.
    ops = [
        postgres.query("big", "SELECT repeat('x', 16777216) || $1", params=["{seq}"],
                       read=True),
        postgres.query("many", "SELECT g FROM generate_series(1, 200000) g", read=True),
        postgres.query("small", "SELECT $1::int", params=["{seq}"],
                       read=True),
    ]  # fmt: skip
    result = surge.run(
        surge.Scenario(name="big", base_url=pg.dsn, operations=ops, requests=60,
                       load=surge.Users(2), pipeline=pipeline, timeout="30s"),
    )  # fmt: skip
    assert result.total["count"] == 60 and result.total["error_count"] == 0, result.total
    for name in ("big", "many", "small"):
        stats = result.operations[name]
        assert stats["count"] > 0 and stats["hits"] == stats["count"], (name, stats)


def insert_run(dsn: str, progress=None, **settings) -> surge.Result:
    op = postgres.query("insert", "INSERT INTO faults VALUES ($1)", params=["{seq}"])
    defaults = {"load": surge.Users(4), "requests": 20_000, "interval": "100ms"}
    return surge.run(
        surge.Scenario(name="pg", base_url=dsn, operations=[op], **{**defaults, **settings}),
        progress=progress,
    )


def rows(dsn: str) -> int:
    return int(postgres.execute(dsn, "SELECT count(*) FROM faults")[0][0])


def test_pg_terminate_backend_mid_run_is_a_reset_and_the_run_goes_on(table):
    terminated = []

    def chaos(report):
        if not terminated:  # at the first interval
            terminated.append(
                postgres.execute(
                    table,
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'surge'",
                )[0][0]
            )

    result = insert_run(table, chaos)
    total = result.total
    assert terminated and int(terminated[0]) >= 4
    assert total["count"] == 20_000 and result["unfinished"] == 0
    assert set(total["errors"]) <= {"reset"} and total["error_count"] > 0
    # Every insert counted a success committed once; a reset one may have committed or not.
    assert 20_000 - total["error_count"] <= rows(table) <= 20_000


def test_a_lock_wait_past_the_timeout_is_a_timeout_and_the_run_goes_on(table):
    def hold_lock() -> None:
        postgres.execute(
            table, "BEGIN; LOCK TABLE faults IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(1); COMMIT"
        )

    # The lock is taken once the run is under way: its statement is prepared by then.
    holder = threading.Thread(target=hold_lock)

    def chaos(report):
        if not holder.is_alive() and holder.ident is None:
            holder.start()

    result = insert_run(table, chaos, timeout="300ms", requests=None, duration="2.5s")
    holder.join()
    total = result.total
    timeouts = total["errors"].get("request_timeout", 0)
    assert timeouts > 0 and set(total["errors"]) == {"request_timeout"}
    assert total["error_count"] == timeouts == sum(total["errors"].values())
    succeeded = total["count"] - timeouts
    assert succeeded > 100  # it went on once the lock was gone
    # Each operation has exactly one outcome: the intervals add up to the totals.
    series = result["timeseries_total"]
    assert sum(r["count"] for r in series) == total["count"] and result["unfinished"] == 0
    assert sum(r["errors"] for r in series) == timeouts
    # A success committed once; a timed-out insert was sent once, and may have committed
    # once the lock was released (or not): nothing was sent twice.
    assert succeeded <= rows(table) <= succeeded + timeouts
