"""Bad load configurations fail before any load, with a message that names the field."""

from __future__ import annotations

import pytest
import surge
from surge import http
from surge.think import parse_think

OPS = [http.get("health", "/")]


def scenario(**kwargs) -> surge.Scenario:
    return surge.Scenario(name="t", base_url="http://127.0.0.1:1", operations=OPS, **kwargs)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: surge.ConstantRate(0), "rate (requests/s): must be > 0"),
        (lambda: surge.ConstantRate(-5), "rate (requests/s): must be > 0"),
        (lambda: surge.ConstantRate(float("nan")), "rate (requests/s): must be a finite number"),
        (lambda: surge.ConstantRate(1e12), "rate (requests/s): at most 100,000,000"),
        (lambda: surge.RampingRate([("1s", 10), ("1s", 1e9)]), "stages: rate (requests/s): at"),
        (lambda: surge.RampingRate([("", 100)]), "stage 1 must be (duration, target"),
        (lambda: surge.RampingRate([(None, 100)]), "stage 1 must be (duration, target"),
        (lambda: surge.RampingRate([100, 200]), "stage 1 must be (duration, target"),
        (lambda: surge.RampingRate([]), "give a list of (duration, target"),
        (lambda: surge.RampingRate([("10s", 0)]), "at least one stage needs a rate > 0"),
        (lambda: surge.RampingRate([("1s", 10), ("-2s", 5)]), "stage 2 duration: expected"),
        (lambda: surge.RampingRate([("0s", 10)]), "longer than 0s"),
        (lambda: surge.RampingUsers([("10s", -1)]), "stage 1 target users: must be >= 0"),
        (lambda: surge.Users(0), "users: must be from 1 to 100,000, got 0"),
        (lambda: surge.Users(5, think=2), "think: use surge.think"),
        (lambda: surge.Users(60, max_connections=50), "60 users need 60 connections"),
        (lambda: surge.RampingUsers([("1s", 80)], max_connections=50), "more than max_conn"),
        (lambda: surge.Users(5, spawn_rate=0), "spawn_rate (users/s): must be > 0"),
        (lambda: surge.Iterations(0), "iterations: must be from 1 to"),
        (lambda: surge.ConstantRate(10, connections=8, max_connections=4), "max_connections"),
        (lambda: surge.between(3, 1), "needs low <= high"),
        (lambda: surge.constant(-1), "think time: must not be negative"),
        (lambda: surge.constant_pacing(0), "pacing: the period must be > 0"),
        (lambda: scenario(duration="0s"), "duration: must be > 0"),
        (lambda: scenario(duration=-1), "duration: must not be negative"),
        (lambda: scenario(load=surge.RampingRate([("5s", 10)]), duration="5s"), "leave duration"),
        (lambda: scenario(load=surge.RampingRate([("5s", 10)]), warmup="5s"), "warmup: must be"),
        (lambda: scenario(load="fast"), "load: use surge.ConstantRate"),
        (lambda: scenario(interval="0s"), "interval: must be > 0"),
        (lambda: parse_think("soon"), "--think: expected"),
    ],
)
def test_bad_load_configuration_names_the_field(make, message):
    with pytest.raises(surge.ConfigError) as raised:
        make()
    assert message in str(raised.value)


def test_durations_follow_the_load_model():
    assert scenario().measured_duration_s() == 10.0  # the default
    assert scenario(requests=100).measured_duration_s() is None
    assert scenario(load=surge.Iterations(100, concurrency=4)).measured_duration_s() is None
    assert scenario(load=surge.Users(4, iterations=3)).measured_duration_s() is None
    staged = scenario(load=surge.RampingRate([("30s", 100), ("1m", 2000)]), warmup="10s")
    assert staged.measured_duration_s() == 80.0  # the stages are the timeline, warm-up first


def test_users_describe_what_ran():
    load = surge.Users(50, think=surge.between(1, 3), spawn_rate=5)
    assert load.describe() == {
        "model": "closed",
        "shape": "users",
        "users": 50,
        "spawn_rate_per_s": 5,
        "iterations_per_user": None,
        "think": {"kind": "uniform", "min_s": 1.0, "max_s": 3.0},
    }
    ramp = surge.RampingRate(stages=[("30s", 100), ("1m", 2000)])
    assert ramp.describe()["stages"] == [
        {"duration_s": 30.0, "target": 100},
        {"duration_s": 60.0, "target": 2000},
    ]


def test_stress_steps_until_the_slo_breaks(target):
    target.set_latency("fixed", 5)
    base = surge.Scenario(name="s", base_url=target.url, operations=OPS, load=surge.Users(1))
    # Each user waits 20 ms between 5 ms requests: 1 user ~40/s, 4 users ~160/s, 8 ~320/s.
    report = surge.shapes.stress(
        base,
        [1, 4, 8, 16],
        slo="rps < 200",
        step_duration="1s",
        think=surge.constant("20ms"),
    )
    assert [s.level for s in report.steps] == [1, 4, 8]
    assert report.last_held == 4 and report.broke_at == 8
    assert "BROKEN" in report.steps[-1].verdicts[0]
    with pytest.raises(surge.ConfigError, match="position"):
        surge.shapes.stress(base, [1], slo="p95 <", step_duration="1s")


def test_baseline_and_peak_are_steady_users():
    base = scenario()
    b = surge.shapes.baseline(base, 50, "1m", spawn_rate=5)
    p = surge.shapes.peak(base, 200, "1m")
    assert b.load == surge.Users(50, spawn_rate=5) and b.measured_duration_s() == 60
    assert p.load.users == 200 and p.name == "t-peak"
