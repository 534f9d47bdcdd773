"""The protocol registry and the run plan: one place decides which protocol a target speaks,
which settings apply to it, and what every setting resolves to."""

from __future__ import annotations

import pytest
import surge
from surge import http, postgres, redis
from surge.protocols import registry as protocols

HTTP_OPS = [http.get("h", "/")]
REDIS_OPS = [redis.get("g", "k")]
PG_OPS = [postgres.query("q", "SELECT 1")]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("http://127.0.0.1:8080", "http"),
        ("redis://127.0.0.1:6379/2", "redis"),
        ("valkey://127.0.0.1", "redis"),
        ("unix:///run/redis.sock", "redis"),
        ("postgresql://app@127.0.0.1/app", "postgres"),
        ("host=127.0.0.1 dbname=app", "postgres"),
        ("ftp://127.0.0.1", "http"),  # nobody else claims it: http's parser says what is wrong
    ],
)
def test_every_target_has_one_protocol(url, name):
    assert protocols.for_target(url).name == name


def test_operations_must_match_the_target():
    with pytest.raises(surge.ConfigError, match=r"'g': a http:// target takes surge.http"):
        surge.Scenario(name="s", base_url="http://127.0.0.1:1", operations=REDIS_OPS)
    with pytest.raises(surge.ConfigError, match=r"'h': a redis:// target takes surge.redis"):
        surge.Scenario(name="s", base_url="redis://127.0.0.1:1", operations=HTTP_OPS)


def test_settings_say_which_protocols_they_apply_to():
    with pytest.raises(
        surge.ConfigError, match="pipeline: applies to redis:// and PostgreSQL targets only"
    ):
        surge.Scenario(name="s", base_url="http://127.0.0.1:1", operations=HTTP_OPS, pipeline=4)
    with pytest.raises(surge.ConfigError, match="pipeline_sync: applies to PostgreSQL targets"):
        surge.Scenario(
            name="s", base_url="redis://127.0.0.1:1", operations=REDIS_OPS, pipeline_sync="batch"
        )
    surge.Scenario(name="s", base_url="redis://127.0.0.1:1", operations=REDIS_OPS, pipeline=16)


@pytest.mark.parametrize(
    ("url", "ops", "timeout_s"),
    [("http://127.0.0.1:1", HTTP_OPS, 30.0), ("redis://127.0.0.1:1", REDIS_OPS, 10.0),
     ("postgresql://a@127.0.0.1/a", PG_OPS, 10.0)],
)  # fmt: skip
def test_the_timeout_defaults_to_the_protocols_own(url, ops, timeout_s):
    plan = surge.Scenario(name="s", base_url=url, operations=ops).plan
    assert plan.timeout_ns == timeout_s * 1e9
    assert plan.load_section()["timeout_s"] == timeout_s
    explicit = surge.Scenario(name="s", base_url=url, operations=ops, timeout="2s").plan
    assert explicit.timeout_ns == 2_000_000_000


def test_the_plan_resolves_every_duration_once_in_nanoseconds():
    scenario = surge.Scenario(
        name="s",
        base_url="http://127.0.0.1:8080/base",
        operations=HTTP_OPS,
        load=surge.RampingRate([("30s", 100), ("1m", 2000)]),
        warmup="10s",
        interval="500ms",
        late_after="2ms",
        network_latency="1.5ms",
    )
    plan = scenario.plan
    assert plan.duration_ns == 80_000_000_000  # the stages less the warm-up
    assert plan.warmup_ns == 10_000_000_000
    assert plan.interval_ns == 500_000_000
    assert plan.late_after_ns == 2_000_000
    assert plan.network_latency_ns == 1_500_000
    assert plan.target.base_path == "/base"
    spec = plan.engine_spec()
    assert spec.load.duration_ns == plan.duration_ns
    assert spec.load.interval_ns == plan.interval_ns
    assert spec.operations[0].path == "/base/"
    assert spec.interval_histograms is True
    assert scenario.measured_duration_s() == 80.0


def test_a_plan_is_made_again_for_a_changed_scenario():
    base = surge.Scenario(name="s", base_url="http://127.0.0.1:1", operations=HTTP_OPS)
    changed = base.replace(duration="3s")
    assert base.plan.duration_ns == 10_000_000_000
    assert changed.plan.duration_ns == 3_000_000_000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"interval": "0.5ms"}, "interval: must be at least 1ms"),
        ({"seed": 2**70}, "seed: must be a whole number"),
        ({"seed": -1}, "seed: must be a whole number"),
        ({"requests": 0}, "requests: must be from 1 to"),
    ],
)
def test_settings_the_engine_could_not_hold_are_refused_by_name(change, message):
    with pytest.raises(surge.ConfigError, match=message):
        surge.Scenario(name="s", base_url="http://127.0.0.1:1", operations=HTTP_OPS, **change)


def test_batch_sync_refuses_retries_when_the_scenario_is_made():
    op = postgres.query("bump", "UPDATE counter SET n = n + 1", retries=3)
    with pytest.raises(surge.ConfigError, match="retries need one Sync per operation"):
        surge.Scenario(
            name="s", base_url="postgresql://a@127.0.0.1/a", operations=[op], pipeline_sync="batch"
        )


def test_a_progress_callback_must_answer_with_a_bool(target):
    scenario = surge.Scenario(
        name="s",
        base_url=target.url,
        operations=[http.get("h", "/api/v1/health")],
        load=surge.ConstantRate(200, connections=2),
        duration="3s",
        interval="100ms",
    )
    # It aborted the interpreter once (terminate called without an active exception); now the
    # run stops at the first answer, keeping what was measured.
    with pytest.raises(surge.RunError, match="must return True, False or None, got str") as error:
        surge.run(scenario, progress=lambda _report: "yes")
    assert error.value.result.total["count"] > 0


def test_without_interval_histograms_the_engine_encodes_none(target):
    scenario = surge.Scenario(
        name="s",
        base_url=target.url,
        operations=[http.get("h", "/api/v1/health")],
        load=surge.ConstantRate(200, connections=2),
        duration="1s",
        interval="250ms",
        interval_histograms=False,
    )
    seen = []
    result = surge.run(scenario, progress=lambda report: seen.append(report) and None)
    assert all("histogram" not in row for row in result["timeseries"])
    assert all(row.histogram == "" for report in seen for row in report.rows)
    # What a live view or a scrape needs comes whole from the engine instead.
    last = seen[-1].cumulative[0]
    assert last.count == result.operations["h"]["count"]
    assert last.response.total_count == last.count
