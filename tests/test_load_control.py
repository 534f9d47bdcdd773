"""surge.start's handle: a load changed while the run goes, against real servers.

A change splices the new value into the load's curve 1 ms ahead (engine/load_control.hpp), so
the counts are exact: every arrival before the change at the old rate, every one after it at
the new, none twice and none missing.
"""

from __future__ import annotations

import math
import time

import pytest
import surge
from nginx_server import Nginx
from surge import http, redis
from surge.services import RedisServer

HEALTH = http.get("health", "/api/v1/health")


def wait_for_intervals(handle: surge.RunHandle, n: int) -> None:
    deadline = time.monotonic() + 10
    while len(handle.snapshots) < n and handle.running and time.monotonic() < deadline:
        time.sleep(0.01)


def rate_scenario(url: str, operations, rate: float = 400, **kwargs) -> surge.Scenario:
    return surge.Scenario(
        name="steered",
        base_url=url,
        operations=operations,
        load=surge.ConstantRate(rate, connections=8),
        duration=kwargs.pop("duration", 2.0),
        interval="250ms",
        **kwargs,
    )


def expected_count(changes: list[dict], start_rate: float, duration_s: float) -> float:
    count, at, rate = 0.0, 0.0, start_rate
    for change in changes:
        count += rate * (change["at_s"] - at)
        at, rate = change["at_s"], change["to"]
    return count + rate * (duration_s - at)


def test_a_rate_change_follows_from_its_instant_with_no_burst_or_gap(target):
    handle = surge.start(rate_scenario(target.url, [HEALTH], duration=2.5))
    wait_for_intervals(handle, 3)
    handle.set_rate(1600)
    wait_for_intervals(handle, 6)
    handle.set_rate(800)
    result = handle.result(timeout=20)
    changes = result["load"]["changes"]
    assert [(c["kind"], c["from"], c["to"]) for c in changes] == [
        ("rate", 400, 1600),
        ("rate", 1600, 800),
    ]
    assert 0.75 <= changes[0]["at_s"] < changes[1]["at_s"] < 2.0
    total = result.total
    assert total["error_count"] == 0 and total["dropped"] == 0, total["errors"]
    # Uniform arrivals: the count is the integral of the spliced curve, to an arrival a worker.
    assert abs(total["count"] - expected_count(changes, 400, 2.5)) <= 2
    # The time series asks for what the curve says, interval by interval ...
    rows = result["timeseries_total"]
    for row in rows:
        t = row["t_s"] + 0.125
        want = 400 if t < changes[0]["at_s"] else 1600 if t < changes[1]["at_s"] else 800
        if all(abs(t - c["at_s"]) > 0.125 for c in changes):
            assert row["target_rate_per_s"] == pytest.approx(want, rel=1e-6)
            # Counted when they complete: a hiccup at a tick moves a few to the next interval.
            assert row["count"] == pytest.approx(want * 0.25, rel=0.03, abs=2)
    # ... and a change neither bursts nor starves: nothing waited for its schedule.
    assert total["schedule_lag"]["percentiles"]["99"] < 5


def test_users_change_at_the_spawn_rate(target):
    scenario = rate_scenario(target.url, [HEALTH], duration=2.5).replace(load=surge.Users(4))
    handle = surge.start(scenario)
    assert handle.max_users == 104  # its 4 users and at least 100 more
    wait_for_intervals(handle, 2)
    handle.set_users(24, spawn_rate=40)  # 20 more in 0.5 s
    result = handle.result(timeout=20)
    (change,) = result["load"]["changes"]
    assert (change["kind"], change["from"], change["to"], change["spawn_rate"]) == (
        "users",
        4,
        24,
        40,
    )
    users = {row["t_s"]: row["users"] for row in result["timeseries_total"]}
    at = change["at_s"]
    for t, n in users.items():
        end = t + 0.25
        want = 4 if end <= at else min(24, 4 + math.floor(40 * (end - at) + 1e-9))
        assert n == want, (t, n, want)
    assert max(row["active_users"] for row in result["timeseries_total"]) == 24
    assert result.total["error_count"] == 0


def test_changes_that_do_not_fit_the_run_are_refused_and_it_goes_on(target):
    handle = surge.start(rate_scenario(target.url, [HEALTH], duration=1.0))
    with pytest.raises(surge.ConfigError, match=r"set_users: this run has an arrival rate"):
        handle.set_users(10)
    with pytest.raises(surge.ConfigError, match=r"rate \(requests/s\)"):
        handle.set_rate(-5)
    result = handle.result(timeout=20)
    assert "changes" not in result["load"]
    assert result.total["count"] == pytest.approx(400, abs=2)
    with pytest.raises(surge.ConfigError, match="the run is over; start another"):
        handle.set_rate(10)

    closed = surge.start(
        rate_scenario(target.url, [HEALTH], duration=0.5).replace(load=surge.Users(2)),
        max_users=8,
    )
    with pytest.raises(surge.ConfigError, match="set_rate: this run has users"):
        closed.set_rate(100)
    with pytest.raises(surge.ConfigError, match=r"users: at most 8 in this run \(its max_users\)"):
        closed.set_users(9)
    assert closed.result(timeout=20).total["error_count"] == 0


def test_stop_keeps_what_was_measured(target):
    handle = surge.start(rate_scenario(target.url, [HEALTH], duration=30.0))
    wait_for_intervals(handle, 2)
    began = time.monotonic()
    handle.stop()
    result = handle.result(timeout=10)
    assert time.monotonic() - began < 2
    assert result["interrupted"] and result["load"]["stopped_by_control"]
    assert 0.5 <= result["duration_s"] < 5
    assert result.total["count"] > 100 and result.total["error_count"] == 0


def test_snapshots_carry_the_interval_and_the_whole_run(target):
    seen = []
    handle = surge.start(rate_scenario(target.url, [HEALTH], duration=1.0))
    earlier = handle.subscribe(seen.append)
    result = handle.result(timeout=20)
    snapshots = earlier + [s for s in seen if s["event"] == "interval"]
    assert seen[-1] == {"event": "end"}
    assert [s["elapsed_s"] for s in snapshots] == [0.25, 0.5, 0.75, 1.0]
    last = snapshots[-1]
    # The whole run's percentiles come from the merged histogram, as the result's do.
    whole = last["run"]["total"]
    assert whole["count"] == result.total["count"]
    for p in ("50", "95", "99"):
        assert whole[f"p{p}_ms"] == result.total["latency"]["percentiles"][p]
    assert whole["max_ms"] == result.total["latency"]["max"]
    assert last["total"]["p99_ms"] == result["timeseries_total"][-1]["p99_ms"]


def test_nginx_and_redis_take_changes_too(tmp_path):
    (tmp_path / "index.html").write_text("hello")
    with Nginx(tmp_path) as nginx:
        handle = surge.start(rate_scenario(nginx.url, [http.get("index", "/")], duration=1.5))
        wait_for_intervals(handle, 2)
        handle.set_rate(1200)
        result = handle.result(timeout=20)
        changes = result["load"]["changes"]
        assert abs(result.total["count"] - expected_count(changes, 400, 1.5)) <= 2
        assert result.total["error_count"] == 0
    with RedisServer() as server:
        ops = [redis.command("ping", "PING")]
        scenario = rate_scenario(server.url, ops, duration=1.5).replace(load=surge.Users(2))
        handle = surge.start(scenario, pipeline=4)
        wait_for_intervals(handle, 2)
        handle.set_users(6)
        result = handle.result(timeout=20)
        (change,) = result["load"]["changes"]
        assert (change["from"], change["to"]) == (2, 6)
        assert result["timeseries_total"][-1]["users"] == 6
        assert result.total["error_count"] == 0
