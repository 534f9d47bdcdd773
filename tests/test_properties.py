"""Properties of what users type: durations, SLO expressions and target URLs. Whatever the
input, the answer is a value or a ConfigError that names the field, never another exception;
and what is formatted from a value parses back to it."""

from __future__ import annotations

import math

import surge
from hypothesis import assume, given
from hypothesis import strategies as st
from surge import slo
from surge.units import MAX_DURATION_S, parse_duration
from surge.urls import parse_http_url, parse_redis_url

ANY_TEXT = st.text(max_size=60)
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@given(st.one_of(ANY_TEXT, st.floats(allow_nan=True, allow_infinity=True), st.integers()))
def test_a_duration_is_a_bounded_number_of_seconds_or_one_clear_error(value):
    try:
        seconds = parse_duration(value, "warmup")
    except surge.ConfigError as error:
        assert str(error).startswith("warmup: ")
        return
    assert math.isfinite(seconds) and 0 <= seconds <= MAX_DURATION_S


@given(st.decimals(min_value=0, max_value=10_000, places=3), st.sampled_from(list(UNITS)))
def test_a_written_duration_parses_to_its_value(amount, unit):
    assume(float(amount) * UNITS[unit] <= MAX_DURATION_S)
    seconds = parse_duration(f"{amount}{unit}")
    assert math.isclose(seconds, float(amount) * UNITS[unit], rel_tol=1e-12, abs_tol=1e-15)


@given(ANY_TEXT)
def test_any_slo_text_is_an_slo_or_one_clear_error(text):
    try:
        rule = slo.parse(text)
    except surge.ConfigError as error:
        assert str(error).startswith("SLO ")
        return
    assert rule.comparator in ("<", "<=", ">", ">=") and math.isfinite(rule.target)


@given(
    st.sampled_from(["p50", "p99", "p99.9", "mean", "max"]),
    st.sampled_from(["<", "<=", ">", ">="]),
    st.integers(min_value=0, max_value=100_000),
    st.sampled_from(["us", "ms", "s"]),
    st.one_of(st.none(), st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)),
)
def test_a_written_latency_slo_parses_to_its_parts(metric, comparator, number, unit, operation):
    text = f"{operation + '.' if operation else ''}{metric} {comparator} {number}{unit}"
    rule = slo.parse(text)
    assert (rule.operation, rule.metric, rule.comparator) == (operation, metric, comparator)
    assert math.isclose(rule.target, number * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit])


@given(ANY_TEXT)
def test_any_url_is_a_target_or_one_clear_error(text):
    for parse in (parse_http_url, parse_redis_url):
        try:
            parse(text)
        except surge.ConfigError as error:
            assert "bad URL" in str(error)


@given(
    st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    st.integers(min_value=1, max_value=65535),
    st.integers(min_value=0, max_value=15),
    st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=12),
)
def test_a_written_redis_url_parses_to_its_parts(host, port, db, password):
    target = parse_redis_url(f"redis://:{password}@{host}:{port}/{db}")
    assert (target.host, target.port, target.db, target.password) == (host, port, db, password)
