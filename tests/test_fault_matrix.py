"""The HTTP fault matrix (docs/reliability.md): a server that misbehaves in one way per case,
a fixed number of requests, and exact accounting. Every request has exactly one outcome; the
errors are the ones the server made and no other; nothing the server did right is an error."""

from __future__ import annotations

import pytest
import surge
from fault_server import FaultServer
from surge import http

# Each case on both transports, io_uring and epoll (conftest.py's `transport`).
pytestmark = pytest.mark.usefixtures("transport")

N = 24
GET = http.get("op", "/")
UPLOAD = http.post("op", "/", body="{bytes(65536)}")


# case: (server behaviour, operation, settings, errors expected by class, at least one
# reconnect: True, False, or None for either)
MATRIX = {
    "closes idle connections": (dict(idle_close_ms=100), GET,
                                dict(load=surge.Users(3, think=surge.constant("250ms"))), {}, True),
    "closes after each response, unannounced": (dict(close_after=1), GET, {}, {}, True),
    "sends 100 and 103 first": (dict(interim=(100, 103)), GET, {}, {}, False),
    "sends 60 KiB of headers": (dict(header_bytes=60_000), GET, {}, {}, False),
    "sends 70 KiB of headers": (dict(header_bytes=70_000), GET, {}, {"malformed": N}, True),
    "drips a byte every 50 ms": (dict(drip_s=0.05), GET, dict(timeout="200ms"),
                                 {"request_timeout": N}, True),
    "accepts and never reads": (dict(never_read=True), GET, dict(timeout="200ms"),
                                {"request_timeout": N}, True),
    # The RST may land before the client sees its connect complete, or after: both are fine.
    "resets on accept": (dict(reset_on_accept=True), GET, {}, {"reset": N}, None),
    "sends a body past its Content-Length": (dict(body_overrun=5), GET, {}, {}, True),
    "answers 413 and closes mid-upload": (dict(reject_uploads=True), UPLOAD, {}, {"http_4xx": N},
                                          True),
}  # fmt: skip


@pytest.mark.parametrize("case", list(MATRIX))
def test_fault_matrix(case):
    behaviour, operation, settings, expected, reconnects = MATRIX[case]
    with FaultServer(**behaviour) as server:
        result = surge.run(
            surge.Scenario(
                name=case,
                base_url=server.url,
                operations=[operation],
                **{"load": surge.Users(3), "requests": N, **settings},
            )
        )
    stats = result.operations["op"]
    # Exact accounting: each scheduled request has one outcome, none is left over.
    assert stats["count"] == N and stats["unfinished"] == 0 and stats["dropped"] == 0
    assert result["unfinished"] == 0
    # The errors are the server's, all of them, and only them.
    assert stats["errors"] == expected, (case, stats["errors"], stats["error_examples"])
    assert stats["error_count"] == sum(expected.values())
    if reconnects is not None:
        assert (stats["reconnects"] > 0) == reconnects, (case, stats["reconnects"])
    # Failures without a response carry their time to failure; responses (a 413 too) theirs.
    answered = {"http_4xx", "http_5xx", "check_failed"}
    failures = sum(n for error, n in expected.items() if error not in answered)
    assert (stats["error_latency"]["max"] is not None) == (failures > 0)
    assert result.histogram("op", "error_latency").count == failures
    print(f"{case}: {stats['count']} requests, errors {stats['errors'] or 'none'}, "
          f"retries {stats['retries']}, reconnects {stats['reconnects']}")  # fmt: skip
