"""HTTP/2 against real servers (issue 13): nginx with h2 over TLS and h2c in cleartext, and the
embedded target, which speaks both. Streams are multiplexed on few connections; GOAWAY (nginx
ends a connection after keepalive_requests), RST_STREAM (the target's drop knob) and the
server's MAX_CONCURRENT_STREAMS are met for real; templates and checks work as over 1.1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import surge
from nginx_server import Nginx
from surge import _core, http
from surge.errors import ConfigError

# Each test on both transports, io_uring and epoll (conftest.py's `transport`).
pytestmark = pytest.mark.usefixtures("transport")


@pytest.fixture
def cert(tmp_path) -> tuple[Path, Path]:
    cert_pem, key_pem = _core.tls_self_signed("localhost")
    cert, key = tmp_path / "server.pem", tmp_path / "server.key"
    cert.write_text(cert_pem)
    key.write_text(key_pem)
    return cert, key


def _surge(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "surge.cli", *args], capture_output=True, text=True, timeout=120
    )


def _run(url: str, operations=None, **settings) -> surge.Result:
    # A count, and a time bound past it: a run that loses a request ends (and its test fails)
    # instead of waiting for it for ever. They take about a second.
    operations = operations or [http.get("index", "/", expect_body="hello from nginx")]
    defaults = {"load": surge.Users(2), "requests": 2000, "duration": "60s"}
    return surge.run(surge.Scenario("h2", url, operations, **{**defaults, **settings}))


def test_h2_by_alpn_multiplexes_streams_on_few_connections(tmp_path, cert):
    with Nginx(tmp_path, certificate=cert[0], key=cert[1], http2=True) as nginx:
        result = _run(nginx.url, tls=surge.Tls(ca=str(cert[0])), max_streams=16)
    assert result.total["count"] == 2000 and result.total["error_count"] == 0
    made = result["connections"]
    # ALPN chose h2 (no --http given); 2 users x 16 streams ride 2 connections.
    assert made["protocol"] == "h2"
    assert made["opened"] == 2 and made["tls_full"] == 2
    assert result["load"]["http_version"] == "auto" and result["load"]["max_streams"] == 16


def test_h2c_with_prior_knowledge(tmp_path):
    with Nginx(tmp_path, http2=True) as nginx:
        result = _run(nginx.url, http_version="2", max_streams=8)
    assert result.total["count"] == 2000 and result.total["error_count"] == 0
    assert result["connections"]["protocol"] == "h2c" and result["connections"]["opened"] == 2


def test_alpn_falls_back_to_http_1_1_and_a_forced_h2_is_a_clear_handshake_error(tmp_path, cert):
    with Nginx(tmp_path, certificate=cert[0], key=cert[1]) as nginx:  # no http2
        chosen = _run(nginx.url, tls=surge.Tls(ca=str(cert[0])), requests=200)
        forced = _run(nginx.url, tls=surge.Tls(ca=str(cert[0])), requests=20, http_version="2")
    assert chosen["connections"]["protocol"] == "http/1.1" and chosen.total["error_count"] == 0
    assert set(forced.total["errors"]) == {"tls_handshake"}
    assert "did not agree to HTTP/2" in forced.total["error_examples"]["tls_handshake"][0]


def test_goaway_finishes_what_it_covers_and_sends_the_rest_again(
    tmp_path, cert, transport, request
):
    # nginx sends GOAWAY after 50 requests on a connection: the streams it covers are answered,
    # the ones above its last stream id go again on a new connection. Nothing is an error.
    if transport == "uring":
        # A known defect, not reproduced here in 37 runs: one CI run's io_uring worker waited
        # in io_uring_wait_cqe for ever after GOAWAY over TLS (2026-12-07). The time bound in
        # _run makes that a failure, not a hang; until it is found (issue 32) it is expected.
        request.applymarker(
            pytest.mark.xfail(reason="io_uring, TLS and GOAWAY: a rare lost request", strict=False)
        )
    with Nginx(
        tmp_path, certificate=cert[0], key=cert[1], http2=True, keepalive_requests=50
    ) as nginx:
        result = _run(nginx.url, tls=surge.Tls(ca=str(cert[0])), max_streams=8, load=surge.Users(2))
    assert result.total["count"] == 2000 and result.total["error_count"] == 0
    made = result["connections"]
    assert made["opened"] >= 2000 // 50  # a new connection after every GOAWAY
    assert made["tls_resumed"] > 0  # and each resumes the session
    index = result.operations["index"]
    assert index["reconnects"] > 0 and index["retries"] > 0


def test_the_server_limit_on_concurrent_streams_holds_requests_back_in_their_latency(
    tmp_path, cert
):
    # nginx allows 2 streams per connection; surge keeps 32 in flight on one: the rest wait
    # inside the session, and that wait counts in their latency, from the intended start.
    with Nginx(tmp_path, http2=True, max_streams=2) as nginx:
        result = _run(nginx.url, http_version="2", max_streams=32, load=surge.Users(1))
    assert result.total["count"] == 2000 and result.total["error_count"] == 0
    assert result["connections"]["opened"] == 1
    # 32 requests wait for 2 stream slots: each waits about 15 others' service, counted from
    # its intended start (response time) and not from when its stream opened (service time).
    response = result.operations["index"]["latency"]["percentiles"]["50"]
    service = result.operations["index"]["service_time"]["percentiles"]["50"]
    assert response > 4 * service, (response, service)


def test_a_request_body_larger_than_the_flow_control_window_is_sent_whole(tmp_path):
    # Issue 13: HTTP/2's initial window is 65,535 bytes per stream; a 256 KiB body goes out as
    # the server's WINDOW_UPDATEs allow, on h2c and over TLS by ALPN, several streams at once.
    # The target keeps each body, so every byte's arrival is checked, not only the answer.
    size = 4 * 65_535
    upload = http.post(
        "upload", "/cache/big{n}", body="{n}-{blob}",
        variables={"n": "seq(1)", "blob": f"bytes({size})"}, expect_status=201,
    )  # fmt: skip
    for tls in (False, True):
        with surge.Target(tls=tls) as target:
            settings = {"http_version": "2"}
            if tls:
                ca = tmp_path / "target.pem"
                ca.write_text(target.certificate_pem)
                settings = {"tls": surge.Tls(ca=str(ca))}
            result = _run(target.url, [upload], max_streams=4, requests=40, **settings)
            assert result.total["count"] == 40 and result.total["error_count"] == 0, tls
            assert result["connections"]["protocol"] == ("h2" if tls else "h2c")
            for n in range(1, 41):
                body = target.cache_get(f"big{n}")
                assert body is not None and len(body) == len(f"{n}-") + size, (tls, n)
                assert body.startswith(f"{n}-"), (tls, n)


def test_the_embedded_target_speaks_h2_and_h2c_with_templates_and_checks(tmp_path):
    create = http.post(
        "create", "/cache/k{n}", body="v{n}", variables={"n": "seq(1)"}, expect_status=201
    )
    for tls in (True, False):
        with surge.Target(tls=tls) as target:
            settings = {}
            if tls:
                ca = tmp_path / "target.pem"
                ca.write_text(target.certificate_pem)
                settings["tls"] = surge.Tls(ca=str(ca))
            else:
                settings["http_version"] = "2"
            result = surge.run(
                surge.Scenario(
                    "target-h2", target.url, [create], load=surge.Users(2),
                    requests=500, max_streams=10, **settings,
                )
            )  # fmt: skip
            assert result.total["count"] == 500 and result.total["error_count"] == 0, tls
            assert result["connections"]["protocol"] == ("h2" if tls else "h2c")
            assert target.cache_get("k500") == "v500"  # every templated body arrived whole
            # A check that fails is a check failure over HTTP/2 too.
            wrong = surge.run(
                surge.Scenario(
                    "target-h2-check", target.url,
                    [http.get("read", "/cache/k1", expect_body="not-there")],
                    requests=20, **settings,
                )
            )  # fmt: skip
            assert set(wrong.total["errors"]) == {"check_failed"}


def test_a_reset_stream_is_its_own_error_class_and_the_connection_goes_on(tmp_path):
    with surge.Target(tls=False) as target:
        target.set_drop_ratio(0.2)  # over HTTP/2: RST_STREAM INTERNAL_ERROR
        result = _run(
            target.url,
            [http.get("health", "/api/v1/health")],
            http_version="2",
            max_streams=4,
            requests=1000,
        )
    errors = result.total["errors"]
    assert set(errors) == {"stream_reset"}
    assert 100 <= errors["stream_reset"] <= 300  # about 20% of 1000
    assert "INTERNAL_ERROR" in result.total["error_examples"]["stream_reset"][0]
    assert result["connections"]["opened"] == 2  # resets end streams, not connections


def test_h2c_to_a_server_that_speaks_only_http_1_1_is_malformed_not_hung(tmp_path):
    with Nginx(tmp_path) as nginx:  # cleartext, no http2: it answers the preface with a 400
        result = _run(nginx.url, http_version="2", requests=20, timeout="2s")
    assert result.total["count"] == 20
    assert set(result.total["errors"]) == {"malformed"}
    assert "HTTP/2" in result.total["error_examples"]["malformed"][0]


def test_the_cli_speaks_http2(tmp_path, cert):
    out = tmp_path / "h2.json"
    with Nginx(tmp_path, certificate=cert[0], key=cert[1], http2=True) as nginx:
        done = _surge(
            "http", nginx.url, "--ca", str(cert[0]), "--http", "2", "--max-streams", "10",
            "-c", "2", "-n", "500", "-q", "--json", str(out),
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert document["connections"]["protocol"] == "h2"
    assert document["operations"]["request"]["count"] == 500


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"http_version": "3"}, "http_version: '1.1' or '2'"),
        ({"max_streams": 0}, "max_streams"),
        ({"max_streams": 4, "http_version": "1.1"}, "HTTP/1.1 carries one request at a time"),
    ],
)
def test_bad_http2_settings_are_one_line(target, settings, message):
    with pytest.raises(ConfigError, match=message):
        surge.Scenario("bad", target.url, [http.get("h", "/")], **settings)


def test_bad_http2_flags_are_one_line(target):
    for flags, message in (
        (["--http", "3"], "invalid choice"),
        (["--max-streams", "0"], "--max-streams"),
        (["--http", "2", "--no-keepalive"], "a connection per request is HTTP/1.1's"),
    ):
        done = _surge("http", target.url + "/api/v1/health", "-n", "5", *flags)
        assert done.returncode == 2, (flags, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr, done.stderr
    redis_flag = _surge("redis", "redis://127.0.0.1:1", "--max-streams", "4")
    assert redis_flag.returncode == 2 and "--max-streams" in redis_flag.stderr
