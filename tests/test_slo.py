"""SLO expressions: the grammar, good and bad, and verdicts against real runs of the embedded
target with known latencies."""

from __future__ import annotations

import pytest
import surge
from surge import http, slo
from surge.units import format_change, format_number

OPS = [
    http.get("health", "/api/v1/health"),
    http.get("lookup", "/cache/absent-{uniform(1,9)}", miss_status=404),
]


@pytest.fixture(scope="module")
def result():
    with surge.Target() as target:
        target.set_latency("fixed", 5)
        scenario = surge.Scenario(
            name="slo", base_url=target.url, operations=OPS, load=surge.ConstantRate(200),
            duration="3s", interval="1s",
        )  # fmt: skip
        yield surge.run(scenario)


@pytest.mark.parametrize(
    ("text", "operation", "metric", "comparator", "target", "window"),
    [
        ("p95 < 200ms", None, "p95", "<", 200.0, None),
        ("p99.9 <= 1s", None, "p99.9", "<=", 1000.0, None),
        ("error_rate < 0.1%", None, "error_rate", "<", 0.001, None),
        ("success_rate > 99.9%", None, "success_rate", ">", 0.999, None),
        ("rps >= 1000", None, "rps", ">=", 1000.0, None),
        ("hit_rate > 90%", None, "hit_rate", ">", 0.9, None),
        ("mean < 50ms", None, "mean", "<", 50.0, None),
        ("max < 3s", None, "max", "<", 3000.0, None),
        ("classify.p95 < 500ms", "classify", "p95", "<", 500.0, None),
        ("p95[1s] < 300ms", None, "p95", "<", 300.0, 1.0),
        ("checkout.rps[500ms] >= 10", "checkout", "rps", ">=", 10.0, 0.5),
        ("p50 < 250us", None, "p50", "<", 0.25, None),
        # Durations read as every duration flag reads them (surge.units): minutes and hours.
        ("p99 < 1m", None, "p99", "<", 60_000.0, None),
        ("max <= 1h", None, "max", "<=", 3_600_000.0, None),
        ("p99 < 1.5m", None, "p99", "<", 90_000.0, None),
        ("p95[1m] < 2s", None, "p95", "<", 2000.0, 60.0),
        ("p50 < 5µs", None, "p50", "<", 0.005, None),
    ],
)
def test_the_grammar(text, operation, metric, comparator, target, window):
    parsed = slo.parse(text)
    assert (parsed.operation, parsed.metric, parsed.comparator) == (operation, metric, comparator)
    assert parsed.target == pytest.approx(target)
    assert parsed.window_s == window


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a metric such as p95, mean, max, error_rate, hit_rate or rps at position 1"),
        ("latency < 3ms", "unknown metric 'latency' at position 1"),
        ("p95 = 3ms", "expected <, <=, > or >= at position 5"),
        ("p95 <", "expected a number with a unit"),
        ("p95 < 200", "a latency needs a unit"),
        ("rps > 10ms", "rps takes a plain number"),
        ("error_rate < 2ms", "a rate takes % or a fraction"),
        ("hit_rate > 120%", "a rate is between 0% and 100%"),
        ("p0 < 1ms", "a percentile must be in (0, 100]"),
        ("p95[soon] < 1ms", "a window is a duration"),
        ("mean[1s] < 1ms", "mean is not kept per window"),
    ],
)
def test_parse_errors_name_the_expression_and_the_position(text, message):
    with pytest.raises(surge.ConfigError) as failure:
        slo.parse(text)
    assert f"SLO {text!r}" in str(failure.value)
    assert message.split(" at position")[0] in str(failure.value)
    if " at position" in message:
        assert message in str(failure.value)


def test_verdicts_against_a_known_target(result):
    verdicts = {v.slo.text: v for v in result.check(
        "p50 < 20ms", "p50 < 5ms", "health.p99 <= 1s", "rps >= 190", "error_rate < 0.1%",
        "success_rate >= 100%", "lookup.hit_rate < 1%", "hit_rate > 50%", "max < 3s",
    )}  # fmt: skip
    # A fixed 5 ms of added latency: the median is above 5 ms and well under 20.
    assert verdicts["p50 < 20ms"].ok and not verdicts["p50 < 5ms"].ok
    assert 5 <= verdicts["p50 < 5ms"].measured < 20
    assert verdicts["health.p99 <= 1s"].ok and verdicts["rps >= 190"].ok
    assert verdicts["error_rate < 0.1%"].measured == 0
    assert verdicts["success_rate >= 100%"].ok
    # Every lookup misses (404 is its miss status), so the hit rate is 0.
    assert verdicts["lookup.hit_rate < 1%"].ok and verdicts["lookup.hit_rate < 1%"].measured == 0
    assert verdicts["hit_rate > 50%"].measured == 0 and not verdicts["hit_rate > 50%"].ok
    assert verdicts["max < 3s"].ok


def test_windowed_slos_judge_the_worst_interval(result):
    rows = [r for r in result["timeseries_total"] if r["t_s"] + 1 <= result["duration_s"] + 1e-6]
    worst_p95 = max(r["p95_ms"] for r in rows)
    lowest_rps = min(r["count"] for r in rows)
    p95, rps = result.check("p95[1s] < 300ms", "rps[1s] >= 150")
    assert p95.measured == worst_p95 and p95.ok
    assert rps.measured == lowest_rps and rps.ok
    (health,) = result.check("health.p99[1s] < 1ms")
    assert health.measured == max(
        r["p99_ms"] for r in result["timeseries"] if r["operation"] == "health" and r["t_s"] < 2.5
    )
    assert not health.ok
    with pytest.raises(surge.ConfigError, match=r"windows are the run's intervals \(1s\)"):
        result.check("p95[2s] < 1s")


def test_assert_slo_raises_a_table_naming_what_broke(result):
    assert len(result.assert_slo("p99 < 1s", "rps > 100")) == 2
    with pytest.raises(AssertionError) as failure:
        result.assert_slo("p99 < 1s", "rps > 10000", "lookup.hit_rate >= 90%")
    message = str(failure.value)
    lines = message.splitlines()
    assert lines[0] == "2 of 3 SLOs broken in 'slo':"
    assert lines[1].split() == ["SLO", "measured", "target", "verdict"]
    rps_line = next(line for line in lines if line.startswith("rps > 10000"))
    assert rps_line.split()[-1] == "BROKEN" and "> 10,000" in rps_line
    hit_line = next(line for line in lines if line.startswith("lookup.hit_rate"))
    assert "0%" in hit_line and ">= 90%" in hit_line and hit_line.endswith("BROKEN")
    assert next(line for line in lines if line.startswith("p99 < 1s")).endswith("ok")


def test_an_unknown_operation_is_a_clear_error(result):
    with pytest.raises(surge.ConfigError, match="the run has no operation 'nope'"):
        result.check("nope.p95 < 1s")


def test_abort_on_stops_a_run_whose_slo_is_clearly_broken():
    with surge.Target() as target:
        target.set_latency("fixed", 30)
        scenario = surge.Scenario(
            name="abort", base_url=target.url, operations=OPS[:1], load=surge.ConstantRate(100),
            duration="20s", interval="0.5s", abort_on=["error_rate < 1%", "p95 < 10ms"],
            abort_after="1s",
        )  # fmt: skip
        result = surge.run(scenario)
    # Judged from the first interval ending at or after 1 s: 30 ms per response breaks it there.
    assert result["aborted"]["slo"] == "p95 < 10ms"
    assert result["aborted"]["measured"] >= 30
    assert 1.0 <= result["aborted"]["at_s"] <= 1.5
    assert result["interrupted"] and result["duration_s"] < 3


def test_abort_on_leaves_a_healthy_run_alone(target):
    scenario = surge.Scenario(
        name="fine", base_url=target.url, operations=OPS[:1], load=surge.ConstantRate(100),
        duration="1.5s", interval="0.5s", abort_on=["p95 < 500ms", "health.error_rate < 1%"],
    )  # fmt: skip
    result = surge.run(scenario)
    assert result["aborted"] is None and not result["interrupted"]
    assert result.total["count"] == 150


def test_a_bad_abort_expression_fails_before_any_load(target):
    with pytest.raises(surge.ConfigError, match="SLO 'p95 <<"):
        surge.Scenario(name="x", base_url=target.url, operations=OPS, abort_on=["p95 << 1ms"])
    with pytest.raises(surge.ConfigError, match="abort_on: a list of SLO expressions"):
        surge.Scenario(name="x", base_url=target.url, operations=OPS, abort_on="p95 < 1ms")


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (4990.0, "ms", "4,990.0 ms"),
        (0.058, "ms", "0.058 ms"),
        (1_234_567.8, "req/s", "1,234,568 req/s"),
        (12.345, "", "12.35"),
        (0.00123, "%", "0.12%"),
        (0.0000012, "%", "0.0001%"),
        (None, "ms", "n/a"),
    ],
)
def test_numbers_print_as_numbers_with_units(value, unit, shown):
    assert format_number(value, unit) == shown


def test_no_magnitude_prints_in_scientific_notation():
    for exponent in range(-9, 13):
        for unit in ("ms", "%", "req/s", ""):
            text = format_number(1.37 * 10.0**exponent, unit) + format_change(10.0**exponent)
            assert "e+" not in text and "e-" not in text, (exponent, unit, text)


def test_one_duration_grammar_everywhere():
    # SLOs, think time, the target's latency and stall, and every duration flag take the same
    # units, each meaning the same time.
    from surge.model.think import parse_think
    from surge.target.client import parse_latency
    from surge.units import SECONDS_PER_UNIT, parse_duration

    for unit, seconds in SECONDS_PER_UNIT.items():
        assert parse_duration(f"2{unit}") == pytest.approx(2 * seconds)
        assert slo.parse(f"p99 < 2{unit}").target == pytest.approx(2e3 * seconds)
        assert parse_latency(f"fixed:2{unit}")[1] == pytest.approx(2e3 * seconds)
        assert parse_think(f"2{unit}").describe() == surge.constant(2 * seconds).describe()
    assert parse_latency("fixed:5") == ("fixed", 5.0, 0.0)  # a bare number stays ms
    assert parse_latency("uniform:1ms-1s")[1:] == (1.0, 1000.0)
