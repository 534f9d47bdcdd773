"""HTTP against servers that behave as real ones do, and that misbehave: what the server did
right is never counted as its error, and every request is accounted for."""

from __future__ import annotations

import pytest
import surge
from fault_server import FaultServer
from surge import http

# Each test on both transports, io_uring and epoll (conftest.py's `transport`).
pytestmark = pytest.mark.usefixtures("transport")


def run(url: str, operation, **kwargs) -> surge.Result:
    settings = {"load": surge.Users(3), "requests": 30} | kwargs
    return surge.run(surge.Scenario(name="f", base_url=url, operations=[operation], **settings))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_idle_connections_the_server_closed_are_not_its_errors(method):
    # Users think longer than the server keeps an idle connection: every request after a
    # user's first finds its connection closed (15 of 30 were `reset` before).
    with FaultServer(idle_close_ms=100) as server:
        result = run(
            server.url,
            http.request("op", method, "/", body="x" if method == "POST" else ""),
            load=surge.Users(3, think=surge.constant("250ms")),
            requests=12,
        )
    stats = result.operations["op"]
    assert stats["count"] == 12 and stats["error_count"] == 0, stats["errors"]
    assert stats["reconnects"] >= 9  # each user's later requests needed a new connection
    assert server.requests == 12


def test_an_idempotent_request_that_crossed_the_close_goes_again():
    # The server closes right after each response without saying so; back-to-back users send
    # the next request on the dead connection before they can notice.
    with FaultServer(close_after=1) as server:
        result = run(server.url, http.get("get", "/"))
    stats = result.operations["get"]
    assert stats["count"] == 30 and stats["error_count"] == 0, stats["errors"]
    assert stats["retries"] > 0 and stats["reconnects"] >= stats["retries"]
    assert server.requests == 30  # nothing answered twice


def test_a_post_that_crossed_the_close_is_not_sent_twice():
    with FaultServer(close_after=1) as server:
        result = run(server.url, http.post("post", "/", body="x"))
    stats = result.operations["post"]
    assert stats["retries"] == 0
    assert stats["count"] == 30
    assert stats["count"] - stats["error_count"] == server.requests  # every success was answered
    # Some POSTs did cross a close (as the GETs above were retried), and each is a reset, not
    # a success counted twice nor a silent resend.
    assert stats["error_count"] > 0 and set(stats["errors"]) == {"reset"}, stats


@pytest.mark.parametrize("interim", [(100,), (103,), (100, 103)])
def test_interim_responses_are_skipped(interim):
    # Every later response on the connection shifted by one before: 1xx taken as final.
    with FaultServer(interim=interim) as server:
        result = run(server.url, http.get("get", "/", expect_body="ok", expect_status=(200,)))
    stats = result.operations["get"]
    assert stats["count"] == 30 and stats["error_count"] == 0, stats["error_examples"]


def test_large_response_headers_are_accepted_and_too_large_ones_named():
    with FaultServer(header_bytes=60_000) as server:
        ok = run(server.url, http.get("get", "/"))
    assert ok.total["count"] == 30 and ok.total["error_count"] == 0, ok.total["error_examples"]
    with FaultServer(header_bytes=70_000) as server:
        too_big = run(server.url, http.get("get", "/"), requests=3, load=surge.Users(1))
    assert too_big.total["errors"] == {"malformed": 3}
    assert too_big.total["error_examples"]["malformed"][0] == "response header larger than 64 KiB"


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (lambda: http.get("p", "/a\r\nEvil: 1"), "path: must not contain a line break"),
        (lambda: http.get("h", "/", headers={"X-Id": "a\nb"}), "header 'X-Id'.*line break"),
        # A generator's value is only known per request: the engine refuses the line break.
        (lambda: http.get("v", "/{v}", variables={"v": "choice(a,b\r\nEvil: 1)"}), "line break"),
    ],
)
def test_a_line_break_that_would_inject_headers_is_refused_before_the_run(operation, message):
    with FaultServer() as server:
        with pytest.raises(surge.ConfigError, match=message):
            run(server.url, operation())
        assert server.requests == 0


def test_the_whole_int64_range_with_several_threads_runs(target):
    # The cycle's length overflowed to 0 and each thread's share divided by it: SIGFPE.
    full = "seq(-9223372036854775808,9223372036854775807)"
    result = surge.run(
        surge.Scenario(
            name="wide",
            base_url=target.url,
            operations=[http.get("h", "/cache/{id}", variables={"id": full}, miss_status=404)],
            requests=20,
            threads=2,
            load=surge.Connections(2),
        )
    )
    assert result.total["count"] == 20 and result.total["error_count"] == 0


def test_a_body_past_the_operations_limit_is_malformed_and_named(target):
    big = "x" * 300_000
    surge.run(
        surge.Scenario(
            name="fill",
            base_url=target.url,
            operations=[http.put("put", "/cache/big", body=big)],
            requests=1,
            load=surge.Users(1),
        )
    )
    capped = http.get("get", "/cache/big", max_body_bytes=100_000)
    result = run(target.url, capped, requests=5, load=surge.Users(1))
    stats = result.operations["get"]
    assert stats["errors"] == {"malformed": 5}
    assert "max_body_bytes (100000)" in stats["error_examples"]["malformed"][0]
    fine = run(target.url, http.get("get", "/cache/big", max_body_bytes=400_000), requests=5)
    assert fine.total["error_count"] == 0
    with pytest.raises(surge.ConfigError, match="max_body_bytes: must be from 1"):
        http.get("get", "/", max_body_bytes=0)
