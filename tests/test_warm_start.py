"""Warm and cold starts (issue 19): a warm start opens the connections the first requests
need, and waits for their set-up, before the first intended start; the results time every
connect and set-up apart from the requests. A relay that holds each connection's first reply
back for a second makes the set-up slow enough to see where it lands: in the warm-up, or (cold)
in the first requests' latency. The margins are a second against sub-millisecond requests."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
import surge
from slow_setup_proxy import SlowSetupProxy
from surge import http, postgres, redis
from surge.services import PostgresServer, RedisServer

HOLD_S = 1.0


@pytest.fixture(scope="module")
def redis_server():
    with RedisServer() as s:
        yield s


def redis_scenario(port: int, **kwargs) -> surge.Scenario:
    # Database 1: the connection's set-up is a SELECT, whose reply the relay holds back.
    settings = {"load": surge.Connections(4), "requests": 200, "connect_timeout": "5s"}
    return surge.Scenario(
        name="warm",
        base_url=f"redis://127.0.0.1:{port}/1",
        operations=[redis.command("ping", "PING")],
        **{**settings, **kwargs},
    )


def test_http_warm_start_opens_the_pool_before_the_first_request(target):
    result = surge.run(
        surge.Scenario(
            name="h",
            base_url=target.url,
            operations=[http.get("hello", "/")],
            load=surge.Connections(4),
            requests=200,
        )
    )
    made = result["connections"]
    assert made["warm"] is True
    assert made["opened"] == 4
    assert made["failed"] == 0
    assert made["not_ready_at_start"] == 0
    assert made["set_up"] == 0 and made["handshake_time"] is None  # plain HTTP has none
    assert made["connect_time"]["max"] is not None
    assert result.total["reconnects"] == 0
    assert result["load"]["cold"] is False


def test_slow_set_up_lands_in_the_warm_up_not_in_the_requests(redis_server):
    with SlowSetupProxy(redis_server.port, hold_s=HOLD_S) as proxy:
        result = surge.run(redis_scenario(proxy.port))
    made = result["connections"]
    assert made["opened"] == 4 and made["set_up"] == 4 and made["failed"] == 0
    assert made["handshake_time"]["percentiles"]["50"] >= HOLD_S * 1e3
    assert made["warm_up_s"] >= HOLD_S
    assert made["not_ready_at_start"] == 0
    assert result.total["count"] == 200 and result.total["error_count"] == 0
    assert result.total["latency"]["max"] < HOLD_S * 1e3


def test_cold_start_puts_the_set_up_in_the_first_requests(redis_server):
    with SlowSetupProxy(redis_server.port, hold_s=HOLD_S) as proxy:
        result = surge.run(redis_scenario(proxy.port, cold=True))
    made = result["connections"]
    assert made["warm"] is False and result["load"]["cold"] is True
    assert made["warm_up_s"] < HOLD_S
    assert made["set_up"] == 4
    # Each user's first request waited for its connection's SELECT.
    assert result.total["latency"]["max"] >= HOLD_S * 1e3
    assert result.total["count"] == 200 and result.total["error_count"] == 0


def test_a_set_up_never_answered_ends_the_warm_up_at_the_connect_timeout(redis_server):
    with SlowSetupProxy(redis_server.port, hold_s=None) as proxy:
        began = time.monotonic()
        result = surge.run(
            redis_scenario(proxy.port, requests=8, connect_timeout="0.5s", timeout="0.5s")
        )
        took = time.monotonic() - began
    made = result["connections"]
    assert made["failed"] >= 4  # every warm-up set-up timed out
    assert made["opened"] >= 4 and made["set_up"] == 0
    assert 0.5 <= made["warm_up_s"] < 2
    assert result.total["errors"].get("connect_timeout", 0) >= 1
    assert took < 30


def test_postgres_prepares_before_the_first_request():
    with PostgresServer() as server:
        result = surge.run(
            surge.Scenario(
                name="pg",
                base_url=server.dsn,
                operations=[
                    postgres.query(
                        "one", "SELECT $1::int", params=["{n}"], variables={"n": "seq(1)"}
                    )
                ],
                load=surge.Connections(3),
                pipeline=4,
                requests=300,
            )
        )
    made = result["connections"]
    assert made["opened"] == 3 and made["set_up"] == 3 and made["failed"] == 0
    assert made["handshake_time"]["max"] is not None
    assert made["not_ready_at_start"] == 0
    assert result.total["count"] == 300 and result.total["error_count"] == 0


def test_ctrl_c_in_the_warm_up_stops_the_run_at_once(redis_server, tmp_path):
    out = tmp_path / "r.json"
    # The command's reach check goes through; the run's two connections are held.
    with SlowSetupProxy(redis_server.port, hold_s=None, spare=1) as proxy:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "surge.cli",
                "redis",
                f"redis://127.0.0.1:{proxy.port}/1",
                "-c",
                "2",
                "-d",
                "5s",
                "--connect-timeout",
                "20s",
                "--json",
                str(out),
                "-q",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 10
        while proxy.connections < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        began = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert time.monotonic() - began < 5
    assert proc.returncode == 130, err
    assert out.exists(), err
    document = json.loads(out.read_text())
    assert document["interrupted"] is True
    assert document["total"]["count"] == 0


@pytest.mark.parametrize("command", ["http", "redis", "pg", "run"])
def test_every_run_command_takes_cold(command):
    out = subprocess.run(
        [sys.executable, "-m", "surge.cli", command, "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert "--cold" in out.stdout
