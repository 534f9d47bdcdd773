"""Network delay emulation: every driver waits the configured latency (plus 0..jitter) before
each send. The wait shows in the response time and leaves the service time and the schedule
lag alone."""

from __future__ import annotations

import json

import pytest
import surge
from surge import http, postgres, redis
from surge.services import PostgresServer, RedisServer

LATENCY_MS, JITTER_MS = 3.0, 2.0


@pytest.fixture(scope="module")
def redis_server():
    with RedisServer() as s:
        yield s


def http_run(target, **kwargs) -> surge.Result:
    scenario = surge.Scenario(
        name="net",
        base_url=target.url,
        operations=[http.get("health", "/api/v1/health")],
        load=surge.ConstantRate(400, connections=8),
        duration="1s",
        **kwargs,
    )
    return surge.run(scenario)


def redis_run(server, **kwargs) -> surge.Result:
    scenario = surge.Scenario(
        name="net",
        base_url=server.url,
        operations=[redis.get("get", "k:{uniform(1,100)}")],
        load=surge.Users(4),
        duration="1s",
        **kwargs,
    )
    return surge.run(scenario)


def test_postgres_response_time_shifts_and_service_time_does_not():
    with PostgresServer() as server:

        def pg_run(**kwargs) -> surge.Result:
            scenario = surge.Scenario(
                name="net",
                base_url=server.dsn,
                operations=[postgres.query("one", "SELECT $1::int", params=["{uniform(1,9)}"])],
                load=surge.ConstantRate(300, connections=4),
                duration="1s",
                warmup="0.2s",
                pipeline=2,
                **kwargs,
            )
            return surge.run(scenario)

        plain = pg_run().total
        check_shift(plain, pg_run(network_latency="3ms", network_jitter="2ms").total)


def check_shift(plain: dict, delayed: dict) -> None:
    base, shifted = plain["latency"]["percentiles"], delayed["latency"]["percentiles"]
    # Every request waited at least the latency and at most latency + jitter (plus what the
    # server and a noisy machine add, which the plain run shows).
    assert delayed["latency"]["min"] >= LATENCY_MS
    assert LATENCY_MS <= shifted["50"] - base["50"] <= LATENCY_MS + JITTER_MS
    # Uniform jitter: its median is half of it, so the median shift sits near the middle.
    assert shifted["50"] - base["50"] == pytest.approx(LATENCY_MS + JITTER_MS / 2, abs=0.6)
    # The server's time is unchanged, and the wait is not generator lateness.
    assert delayed["service_time"]["percentiles"]["50"] < 1.0
    assert delayed["schedule_lag"]["percentiles"]["50"] < 0.5
    assert delayed["error_count"] == 0


def test_http_response_time_shifts_and_service_time_does_not(target):
    plain = http_run(target).total
    delayed = http_run(target, network_latency="3ms", network_jitter="2ms")
    check_shift(plain, delayed.total)
    # An open-model run keeps its rate: the delay does not hold back the schedule.
    assert delayed.total["count"] == 400
    assert delayed["load"]["network_latency_ms"] == pytest.approx(3.0)
    assert delayed["load"]["network_jitter_ms"] == pytest.approx(2.0)


def test_redis_response_time_shifts_and_service_time_does_not(redis_server):
    plain = redis_run(redis_server).total
    delayed = redis_run(redis_server, network_latency=LATENCY_MS / 1e3, network_jitter="2ms")
    check_shift(plain, delayed.total)
    # Closed model: each user's round trip now takes the delay too (Little's law).
    assert delayed.total["count"] < plain["count"] / 3


def test_the_same_region_profile_from_the_cli(target, tmp_path):
    from surge.cli import main

    out = tmp_path / "r.json"
    argv = ["http", f"{target.url}/api/v1/health", "-R", "200", "-d", "1s", "-q"]
    assert main([*argv, "--network-profile", "same-region", "--json", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["load"]["network_latency_ms"] == pytest.approx(1.5)
    assert document["load"]["network_jitter_ms"] == pytest.approx(0.5)
    assert document["total"]["latency"]["min"] >= 1.5


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--network-latency-ms", "-1", "expected a number >= 0"),
        ("--network-jitter-ms", "x", "expected a number"),
        ("--network-profile", "moon", "invalid choice"),
    ],
)
def test_bad_network_flags_are_one_line(target, capsys, flag, value, message):
    from surge.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["http", target.url, "-n", "1", flag, value])
    assert exit_info.value.code != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_negative_network_latency_in_a_scenario_is_refused(target):
    with pytest.raises(surge.ConfigError, match="network_latency"):
        http_run(target, network_latency=-0.001)
