"""The sockets' transport (docs/performance.md, "Transports"): `--io auto` takes io_uring where
the kernel allows it and epoll where it is refused, says which in the results and the summary,
and an explicit choice that cannot be had is one line before any load. The rest of the engine's
behaviour on both transports is the fault tests' (conftest.py's `transport` runs them twice);
here are the paths only the io_uring loop has of its own: Asio's timers woken through the ring
(think time, back-off, the open model's pacer, the deadline sweep, the emulated network),
more connections than provided buffers, and responses larger than one buffer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import surge
from nginx_server import Nginx
from surge import _core, http

SURGE = [sys.executable, "-m", "surge.cli"]
REFUSED = _core.uring_refusal()
needs_uring = pytest.mark.skipif(bool(REFUSED), reason=f"io_uring is refused here: {REFUSED}")


def surge_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SURGE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def run(url: str, operations, io: str, **settings) -> surge.Result:
    scenario = surge.Scenario(name="io", base_url=url, operations=operations, io=io, **settings)
    return surge.run(scenario)


@pytest.mark.parametrize(
    ("env", "expected", "words"),
    [
        ({}, "epoll" if REFUSED else "uring", "over epoll" if REFUSED else "over io_uring"),
        ({"SURGE_IO_URING": "off"}, "epoll", "over epoll"),
    ],
    ids=["as the kernel allows", "refused"],
)
def test_auto_takes_io_uring_where_allowed_and_epoll_where_refused(
    target, tmp_path, env, expected, words
):
    out = tmp_path / "r.json"
    done = surge_cli(
        "http", f"{target.url}/api/v1/health", "-n", "200", "--json", str(out), env=env
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert document["load"]["io"] == expected
    assert words in done.stdout
    assert document["total"]["count"] == 200 and document["total"]["error_count"] == 0


def test_an_explicit_transport_is_the_one_used(target):
    result = run(f"{target.url}", [http.get("h", "/api/v1/health")], "epoll", requests=50)
    assert result["load"]["io"] == "epoll"
    if not REFUSED:
        result = run(f"{target.url}", [http.get("h", "/api/v1/health")], "uring", requests=50)
        assert result["load"]["io"] == "uring"


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (
            ["--io", "uring"],
            {"SURGE_IO_URING": "off"},
            ["io_uring cannot be used", "SURGE_IO_URING=off", "give io='auto'"],
        ),
        (["--io", "quick"], {}, ["--io", "invalid choice"]),
    ],
    ids=["refused by the machine", "unknown"],
)
def test_a_transport_that_cannot_be_had_is_one_line(target, args, env, words):
    done = surge_cli("http", f"{target.url}/api/v1/health", "-n", "5", "-q", *args, env=env)
    assert done.returncode == 2, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and all(w in lines[0] for w in words), done.stderr


def test_io_uring_for_postgres_is_refused_before_any_connection():
    done = surge_cli("pg", "postgresql://u@127.0.0.1:1/db", "--sql", "SELECT 1", "-n", "5", "-q",
                     "--io", "uring")  # fmt: skip
    assert done.returncode == 2
    assert "libpq's own" in done.stderr and len(done.stderr.strip().splitlines()) == 1


@needs_uring
def test_timers_wake_the_ring(target):
    # Each of these waits on an Asio timer while no socket has anything: the ring must be woken
    # by Asio's epoll descriptor, or the run would stall until the next completion.
    health = [http.get("h", "/api/v1/health")]
    thinking = run(target.url, health, "uring", load=surge.Users(2, think=surge.constant("20ms")),
                   requests=20)  # fmt: skip
    assert thinking.total["count"] == 20 and thinking.total["error_count"] == 0
    paced = run(target.url, health, "uring", load=surge.ConstantRate(200), duration="0.5s")
    assert paced.total["count"] == 100 and paced.total["error_count"] == 0
    assert paced.total["dropped"] == 0 and paced["unfinished"] == 0
    delayed = run(target.url, health, "uring", network_latency="5ms", requests=20)
    assert delayed.total["count"] == 20
    assert delayed.total["latency"]["min"] >= 5.0


@needs_uring
def test_back_off_and_a_request_timeout_on_the_ring(target, free_port):
    refused = run(f"http://127.0.0.1:{free_port}", [http.get("h", "/")], "uring",
                  load=surge.Users(2), duration="0.5s")  # fmt: skip
    assert refused.total["errors"].get("refused", 0) >= 1
    assert refused.total["count"] < 40  # backed off, not a busy loop
    target.set_latency("fixed", 2000)
    slow = run(target.url, [http.get("h", "/api/v1/health")], "uring", timeout="100ms", requests=4)
    assert slow.total["errors"] == {"request_timeout": 4}


@needs_uring
def test_more_connections_than_provided_buffers(target):
    # 600 connections each with a response arriving at once can want more of the ring's 512
    # provided buffers than it has: the receive ends with ENOBUFS and is armed again.
    result = run(target.url, [http.get("h", "/api/v1/health")], "uring", load=surge.Users(600),
                 requests=6000, timeout="20s")  # fmt: skip
    assert result.total["count"] == 6000 and result.total["error_count"] == 0
    assert result["connections"]["opened"] == 600


@needs_uring
@pytest.mark.parametrize("size", [5_000, 1_000_000])
def test_responses_larger_than_a_provided_buffer(tmp_path, size):
    with tempfile.TemporaryDirectory() as files:
        os.chmod(files, 0o755)  # nginx's workers run as nobody
        blob = Path(files) / "blob"
        blob.write_bytes(os.urandom(size))
        blob.chmod(0o644)
        with Nginx(tmp_path, files=Path(files)) as nginx:
            result = run(nginx.url, [http.get("blob", "/files/blob")], "uring", load=surge.Users(4),
                         requests=40)  # fmt: skip
    stats = result.operations["blob"]
    assert stats["count"] == 40 and stats["error_count"] == 0, stats["errors"]
    assert result["connections"]["opened"] == 4  # each body read to its end, the connection kept
