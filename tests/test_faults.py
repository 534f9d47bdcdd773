"""Every error class appears when its fault is present, and the run still completes."""

from __future__ import annotations

import socket
import threading

import pytest
import surge
from surge import http, redis


def run(url, ops, **kwargs) -> surge.Result:
    defaults = {
        "load": surge.Connections(2),
        "duration": "1s",
        "timeout": "200ms",
        "connect_timeout": "200ms",
    }
    return surge.run(
        surge.Scenario(name="f", base_url=url, operations=ops, **{**defaults, **kwargs})
    )


@pytest.mark.usefixtures("transport")
def test_refused_is_counted_with_backoff(free_port):
    result = run(f"http://127.0.0.1:{free_port}", [http.get("h", "/")])
    errors = result.total["errors"]
    assert set(errors) == {"refused"}
    # Back-off (10 ms doubling) keeps a dead server from being hammered: a handful per connection.
    assert 2 <= errors["refused"] <= 40
    assert "refused" in result.total["error_examples"]["refused"][0].lower()


@pytest.mark.usefixtures("transport")
def test_connect_timeout_against_a_full_accept_queue():
    # A listener that never accepts, with a backlog of 0: once its queue is full, further SYNs
    # are dropped and connects hang until our deadline.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            fillers.append(s)
        try:
            result = run(f"http://127.0.0.1:{port}", [http.get("h", "/")], connect_timeout="100ms")
        finally:
            for s in fillers:
                s.close()
    assert result.total["errors"].get("connect_timeout", 0) >= 1


@pytest.mark.usefixtures("transport")
def test_request_timeout(target):
    target.set_latency("fixed", 500)
    result = run(target.url, [http.get("h", "/api/v1/health")], timeout="100ms")
    assert set(result.total["errors"]) == {"request_timeout"}
    assert result.total["errors"]["request_timeout"] >= 4


@pytest.mark.usefixtures("transport")
def test_reset_when_the_server_drops_connections(target):
    target.set_drop_ratio(1.0)
    result = run(target.url, [http.get("h", "/api/v1/health")], requests=50, duration=None)
    assert result.total["count"] == 50
    assert result.total["errors"] == {"reset": 50}


@pytest.mark.usefixtures("transport")
def test_partial_drops_leave_the_rest_successful(target):
    target.set_drop_ratio(0.2)
    result = run(target.url, [http.get("h", "/api/v1/health")], requests=2000, duration=None)
    total = result.total
    assert total["count"] == 2000
    # Every drop shows: a GET dropped on a reused connection goes once more (RFC 9112 9.3.1)
    # and is counted as a retry; one dropped on a fresh connection, or dropped again, is a reset.
    resets, retries = total["errors"]["reset"], total["retries"]
    attempts = total["count"] + retries
    assert 0.15 < (resets + retries) / attempts < 0.25
    assert total["count"] - resets == 2000 - resets  # the rest succeeded
    assert total["error_count"] == resets


def test_http_5xx_from_the_error_knob(target):
    target.set_error_ratio(1.0)
    result = run(target.url, [http.get("h", "/api/v1/health")], requests=100, duration=None)
    assert result.total["errors"] == {"http_5xx": 100}
    assert result.total["latency"]["percentiles"]["50"] is not None  # a response still has timings


def test_http_4xx(target):
    result = run(target.url, [http.get("h", "/no/such/path")], requests=100, duration=None)
    assert result.total["errors"] == {"http_4xx": 100}
    assert result.total["error_examples"]["http_4xx"][0] == "HTTP 404"


@pytest.fixture
def garbage_server():
    """A real TCP server that answers every request with bytes that are not HTTP."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(4096)
                    conn.sendall(b"SURELY NOT HTTP\r\n\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    listener.close()


@pytest.mark.usefixtures("transport")
def test_malformed_response(garbage_server):
    result = run(garbage_server, [http.get("h", "/")], requests=20, duration=None)
    assert result.total["count"] == 20
    assert result.total["errors"] == {"malformed": 20}


@pytest.mark.usefixtures("transport")
def test_check_failed(target):
    result = run(
        target.url,
        [http.get("h", "/api/v1/health", expect_body="nope")],
        requests=30,
        duration=None,
    )
    assert result.total["errors"] == {"check_failed": 30}


@pytest.mark.usefixtures("transport")
def test_periodic_stall_holds_responses(target):
    target.set_stall(every="300ms", length="100ms")
    result = run(
        target.url,
        [http.get("h", "/api/v1/health")],
        duration="1.2s",
        load=surge.ConstantRate(500, connections=8),
        timeout="5s",
    )
    assert result.total["error_count"] == 0
    latency = result.total["latency"]
    # Requests intended just as a freeze begins wait for all of it.
    assert 95 <= latency["max"] <= 130
    assert latency["percentiles"]["50"] < 5


@pytest.mark.parametrize(
    "reply",
    [b"?what\r\n", b"$-5\r\n", b":12x\r\n", b"*-7\r\n"],
    ids=["unknown-type", "negative-bulk-length", "bad-integer", "negative-array-length"],
)
@pytest.mark.parametrize("pipeline", [1, 16])
def test_malformed_resp_replies_are_counted_and_the_run_goes_on(reply, pipeline):
    # Issue 11: a server that speaks RESP badly (tests/fault_server.py, real bytes on a real
    # socket). Every reply is malformed: every command is a malformed error, counted exactly,
    # and the run reconnects and goes on to its last command; no crash, no hang.
    from fault_server import FaultServer

    with FaultServer(resp_reply=reply) as server:
        result = surge.run(
            surge.Scenario(
                "bad-resp", server.url, [redis.command("get", "GET k")],
                load=surge.Users(2), requests=200, pipeline=pipeline,
            )
        )  # fmt: skip
        answered = server.requests
    assert result.total["count"] == 200
    assert result.total["errors"] == {"malformed": 200}, result.total["errors"]
    assert result.total["error_examples"]["malformed"], result.total
    # Nothing was sent twice. At -P 1 each command was read by the server and answered (badly)
    # once; at -P 16 the commands behind a bad reply fail with it, read or not.
    assert answered == 200 if pipeline == 1 else 0 < answered <= 200, answered
    assert result["connections"]["opened"] >= 2
