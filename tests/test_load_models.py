"""Load models against the embedded target: the rate, the ramp, the arrivals, the users and
the pool do what they say. Each check compares with a figure computed here, independently of
the engine."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time

import pytest
import surge
from surge import http

HEALTH = [http.get("health", "/api/v1/health")]


def run(target, load, **kwargs) -> surge.Result:
    scenario = surge.Scenario(name="t", base_url=target.url, operations=HEALTH, load=load)
    return surge.run(scenario.replace(**kwargs))


# Timing on a shared CI machine is noisy: a scheduler hiccup of ~10 ms shifts a second's worth
# of completions by 1% (at 50k req/s the generator and the target each fill one of the two
# cores). So here each full second is held to 5%, which still catches any burst-and-idle
# pacing; benchmarks/schedule_accuracy.py (nox -s bench) checks 1% per second, pinned.
PER_SECOND_TOLERANCE = 0.05


@pytest.mark.parametrize("rate", [1_000, 10_000, 50_000])
def test_constant_rate_is_held_within_one_percent(target, rate):
    result = run(target, surge.ConstantRate(rate, connections=64), duration="3s", warmup="0.5s")
    total = result.total
    assert total["dropped"] == 0 and total["error_count"] == 0
    assert total["count"] == pytest.approx(rate * 3, rel=0.01)
    # Every full second, by completion time, carries the rate too: no burst-and-idle.
    full = [row for row in result["timeseries_total"] if row["t_s"] + 1 <= 3]
    assert len(full) == 3
    for row in full:
        assert row["count"] == pytest.approx(rate, rel=PER_SECOND_TOLERANCE), row
        assert row["target_rate_per_s"] == pytest.approx(rate)


def test_schedule_lag_at_ten_thousand_per_second(target):
    result = run(target, surge.ConstantRate(10_000, connections=64), duration="3s", warmup="0.5s")
    lag = result.total["schedule_lag"]
    # The median catches a coarse pacer (a 1 ms timer tick alone puts it near 0.5 ms). A busy
    # CI machine moved it to 0.35 ms once, so the bound sits between the two. The p99 < 200 us
    # target is checked, pinned, by benchmarks/schedule_accuracy.py: a shared CI machine moves
    # the p99 (1.09 ms once).
    # The p90 only guards against a pacer far off: a CI dry run on a shared host put it over
    # 1 ms (mean 0.66 ms, stdev 0.95 ms) with nothing wrong in surge.
    assert lag["percentiles"]["50"] < 0.400, lag  # ms
    assert lag["percentiles"]["90"] < 3.0, lag


def expected_per_interval(start_rate, stages, interval_s, count):
    """Arrivals per interval from the stage shape: the area under the piecewise-linear rate."""

    def rate_at(t):
        begin, value = 0.0, start_rate
        for duration, target in stages:
            if t < begin + duration:
                return value + (target - value) * (t - begin) / duration
            begin, value = begin + duration, target
        return 0.0

    steps = 1000  # midpoint rule; exact for linear pieces between breakpoints on the grid
    out = []
    for i in range(count):
        a = i * interval_s
        width = interval_s / steps
        out.append(sum(rate_at(a + (j + 0.5) * width) for j in range(steps)) * width)
    return out


def test_ramping_rate_follows_the_stages(target):
    stages = [("2s", 2000), ("2s", 2000), ("2s", 500)]
    load = surge.RampingRate(stages, start_rate=500, connections=32)
    result = run(target, load)
    assert result["duration_s"] == pytest.approx(6, abs=0.05)
    rows = result["timeseries_total"]
    expected = expected_per_interval(500, [(2, 2000), (2, 2000), (2, 500)], 1.0, 6)
    assert [round(e) for e in expected] == [875, 1625, 2000, 2000, 1625, 875]
    assert len(rows) == 6
    for row, want in zip(rows, expected, strict=True):
        assert row["count"] == pytest.approx(want, rel=PER_SECOND_TOLERANCE), (row, want)
        assert row["target_rate_per_s"] == pytest.approx(want, rel=1e-6)
    assert result.total["count"] == pytest.approx(sum(expected), rel=0.005)


def test_a_zero_length_stage_jumps(target):
    load = surge.RampingRate([("1s", 400), ("0s", 1600), ("1s", 1600)], start_rate=400)
    result = run(target, load, interval="0.5s")
    counts = [row["count"] for row in result["timeseries_total"]]
    assert counts == pytest.approx([200, 200, 800, 800], rel=PER_SECOND_TOLERANCE)


def dispersion(counts: list[int]) -> float:
    return statistics.pvariance(counts) / statistics.mean(counts)


def test_poisson_arrivals_keep_the_rate_with_poisson_spread(target):
    rate, seconds = 2000, 3
    poisson = run(
        target, surge.ConstantRate(rate, poisson=True), duration=seconds, interval="100ms"
    )
    count = poisson.total["count"]
    # A Poisson count has standard deviation sqrt(mean): 5 sigma is about 6.5% here.
    assert abs(count - rate * seconds) < 5 * (rate * seconds) ** 0.5
    # Counts per 100 ms: variance about equal to the mean for Poisson, about 0 for even spacing.
    rows = [r["count"] for r in poisson["timeseries_total"] if r["t_s"] + 0.1 <= seconds]
    assert 0.5 < dispersion(rows) < 1.7
    uniform = run(target, surge.ConstantRate(rate), duration=seconds, interval="100ms")
    rows = [r["count"] for r in uniform["timeseries_total"] if r["t_s"] + 0.1 <= seconds]
    assert dispersion(rows) < 0.1
    assert poisson["load"]["arrivals"] == "poisson"


@pytest.mark.parametrize(
    "think",
    [surge.constant("10ms"), surge.between("5ms", "15ms"), surge.exponential("10ms")],
    ids=["constant", "between", "exponential"],
)
def test_littles_law_holds_for_users_with_think_time(target, think):
    target.set_latency("fixed", 5)
    users = 20
    result = run(target, surge.Users(users, think=think), duration="3s")
    total = result.total
    think_s = think.a_s if think.kind != "uniform" else (think.a_s + think.b_s) / 2
    mean_response_s = total["latency"]["mean"] / 1e3
    predicted = users / (think_s + mean_response_s)
    assert total["rate_per_s"] == pytest.approx(predicted, rel=0.05)
    # Closed model without pacing: no schedule, so no late starts.
    assert total["late_starts"] == 0


def test_constant_pacing_sets_the_rate_per_user(target):
    result = run(target, surge.Users(10, think=surge.constant_pacing("20ms")), duration="2s")
    assert result.total["rate_per_s"] == pytest.approx(10 / 0.020, rel=0.03)
    result = run(target, surge.Users(4, think=surge.constant_throughput(25)), duration="2s")
    assert result.total["rate_per_s"] == pytest.approx(4 * 25, rel=0.03)


def test_pacing_shows_lag_when_the_target_is_slower_than_the_pace(target):
    target.set_latency("fixed", 30)
    result = run(target, surge.Users(4, think=surge.constant_pacing("10ms")), duration="1s")
    total = result.total
    # Each user is due every 10 ms but each response takes 30 ms: every later start is late.
    assert total["late_starts"] >= total["count"] - 4 - 4
    assert total["schedule_lag"]["percentiles"]["50"] > 15
    assert total["latency"]["percentiles"]["50"] > total["service_time"]["percentiles"]["50"]


def test_ramping_users_follow_the_stages(target):
    load = surge.RampingUsers([("2s", 20), ("1s", 20), ("1s", 0)], think=surge.constant("5ms"))
    result = run(target, load, interval="0.5s")
    rows = result["timeseries_total"]
    # Users at each interval's end: 5 per 0.5 s up to 20, hold, then 10 per 0.5 s down.
    expected = [5, 10, 15, 20, 20, 20, 10, 0]
    assert [row["users"] for row in rows] == expected
    for row, want in zip(rows, expected, strict=True):
        assert abs(row["active_users"] - want) <= 1, (rows, expected)
    # Requests follow the users: the first half second averages 2.5 users, the hold has 20,
    # so the hold carries about eight times the requests.
    assert rows[4]["count"] > 5 * rows[0]["count"]
    assert result["load"]["shape"] == "ramping_users"


def test_spawn_rate_starts_users_gradually(target):
    load = surge.Users(10, think=surge.constant("5ms"), spawn_rate=5)
    result = run(target, load, duration="3s")
    rows = result["timeseries_total"]
    assert [row["users"] for row in rows] == [5, 10, 10]
    assert [abs(row["active_users"] - row["users"]) <= 1 for row in rows] == [True] * 3


def test_shared_and_per_user_iterations_are_exact(target):
    shared = run(target, surge.Iterations(1000, concurrency=50))
    assert shared.total["count"] == 1000
    assert shared["load"]["duration_s"] is None
    per_user = run(target, surge.Users(7, iterations=13))
    assert per_user.total["count"] == 7 * 13
    assert target.requests_served == 1000 + 91


def test_pool_grows_to_max_connections_instead_of_queueing(target):
    target.set_latency("fixed", 50)  # 400/s x 50 ms: about 20 requests in flight
    grown = run(target, surge.ConstantRate(400, connections=4, max_connections=64), duration="2s")
    total = grown.total
    assert total["count"] == 800 and total["dropped"] == 0
    # Queueing on 4 connections would make ~700 starts late and the p99 seconds long; growing
    # leaves only the connects of the added connections late (plus what a noisy machine adds).
    assert total["late_starts"] <= 80
    assert total["latency"]["percentiles"]["99"] < 150


def test_a_generator_stall_does_not_grow_the_pool(target, tmp_path):
    # The generator is stopped (SIGSTOP) for 0.5 s: the 100 arrivals due meanwhile reach the
    # pacer late all at once. They are its own catching up, which the 2 connections clear in
    # milliseconds; growing the pool for them (as it did: to 100 connections) only added
    # connects to the stall. They wait for a free connection instead, and the wait is in their
    # response time. An arrival on time that finds both busy may still grow it, hence the room.
    out = tmp_path / "stall.json"
    command = [sys.executable, "-m", "surge.cli", "http", f"{target.url}/api/v1/health"]
    command += ["-R", "200", "-c", "2", "--max-connections", "200", "-d", "3s", "-q"]
    served_before = target.requests_served
    process = subprocess.Popen([*command, "--json", str(out)])
    try:
        # Into the measured window: 100 requests served (0.5 s of it), however slow the start.
        deadline = time.monotonic() + 20
        while target.requests_served - served_before < 100 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGSTOP)
        time.sleep(0.5)
        os.kill(process.pid, signal.SIGCONT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    result = json.loads(out.read_text())
    total = result["total"]
    assert total["schedule_lag"]["max"] >= 400  # the stall happened, inside the window
    assert total["count"] + total["dropped"] + result["unfinished"] == 600
    assert total["dropped"] == 0
    assert result["connections"]["opened"] <= 50, result["connections"]


def test_a_full_backlog_drops_and_nothing_is_lost(target):
    target.set_latency("fixed", 50)  # 4 connections x 20/s = 80/s against 400/s offered
    result = run(target, surge.ConstantRate(400, connections=4, max_backlog=100), duration="2s")
    total = result.total
    assert total["dropped"] > 400
    assert total["late_starts"] > 0
    # Every scheduled request is accounted for: completed, dropped, or still queued at the end.
    assert total["count"] + total["dropped"] + result["unfinished"] == 800
    # Queueing shows in the response time (from the intended start), not in the service time.
    assert total["service_time"]["percentiles"]["50"] < 60
    assert total["latency"]["percentiles"]["50"] > 500


def test_spike_reports_the_recovery_time(target):
    # The target serves in 5 ms, slows to 25 ms when the spike starts and recovers 1.5 s after
    # the spike ends; the switches happen on the interval ticks, which the progress callback
    # marks. (A sub-millisecond baseline would make "p95 within 20%" a test of loopback jitter.)
    spike_start, spike_end, slow_until = 2.0, 4.0, 5.5
    target.set_latency("fixed", 5)

    def switch_latency(report):
        if abs(report.elapsed_s - spike_start) < 1e-6:
            target.set_latency("fixed", 25)
        elif abs(report.elapsed_s - slow_until) < 1e-6:
            target.set_latency("fixed", 5)

    base = surge.Scenario(
        name="spiky",
        base_url=target.url,
        operations=HEALTH,
        load=surge.ConstantRate(200, connections=64),
        interval="0.5s",
    )
    result = surge.shapes.spike(
        base,
        base=200,
        peak=1000,
        ramp="0.5s",
        before="2s",
        hold="2s",
        after="3s",
        progress=switch_latency,
    )
    assert result["spike"]["start_s"] == spike_start and result["spike"]["end_s"] == spike_end
    assert result["spike"]["recovered"]
    assert result["recovery_time_s"] == pytest.approx(slow_until - spike_end, abs=0.5)
    during = [r for r in result["timeseries_total"] if spike_start <= r["t_s"] < spike_end]
    assert all(r["target_rate_per_s"] == pytest.approx(1000) for r in during)
