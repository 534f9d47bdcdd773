"""The slow tail is part of the verdict: requests still out at the end, and failures' times."""

from __future__ import annotations

import json
import subprocess
import sys

import surge
from surge import http


def slow_run(target, **kwargs) -> surge.Result:
    target.set_latency("fixed", 400)  # every response 400 ms late
    settings = {
        "load": surge.ConstantRate(50, connections=4, max_connections=64),
        "duration": "1s",
        "drain": 0,
        "interval": "250ms",
    } | kwargs
    operations = [http.get("h", "/api/v1/health")]
    return surge.run(
        surge.Scenario(name="tail", base_url=target.url, operations=operations, **settings)
    )


def test_requests_out_when_the_drain_ends_count_against_error_rate(target):
    result = slow_run(target)
    stats = result.operations["h"]
    assert stats["unfinished"] > 0 and stats["unfinished"] == result["unfinished"]
    scheduled = stats["count"] + stats["dropped"] + stats["unfinished"]
    assert scheduled == 50  # 50/s for 1 s, every one accounted for
    rate = result.check("error_rate < 100%")[0].measured
    assert rate == stats["unfinished"] / scheduled  # none failed; the unfinished did not succeed
    assert not result.check("error_rate < 1%")[0].ok


def test_a_drain_long_enough_lets_the_tail_finish(target):
    result = slow_run(target, drain="2s")
    assert result.operations["h"]["unfinished"] == 0
    assert result.total["count"] == 50 and result.total["error_count"] == 0
    assert result["load"]["drain_s"] == 2.0


def test_failures_keep_their_time_apart_from_response_times(target):
    target.set_latency("fixed", 300)
    result = surge.run(
        surge.Scenario(
            name="timeouts",
            base_url=target.url,
            operations=[http.get("h", "/api/v1/health")],
            load=surge.Users(2),
            duration="1s",
            timeout="100ms",
        )
    )
    stats = result.operations["h"]
    assert stats["errors"].get("request_timeout", 0) > 0
    assert stats["latency"]["max"] is None  # no response came back in time
    failed = stats["error_latency"]
    # Timed out at ~100 ms (the sweep may add up to its period) from the intended start.
    assert 95 <= failed["percentiles"]["50"] <= 250
    assert result.histogram("h", "error_latency").count == stats["error_count"]


def test_the_cli_takes_drain(target, tmp_path):
    target.set_latency("fixed", 400)
    out = tmp_path / "r.json"
    done = subprocess.run(
        [sys.executable, "-m", "surge.cli", "http", f"{target.url}/api/v1/health", "-R", "50",
         "-c", "32", "-d", "1s", "--drain", "0s", "-q", "--json", str(out)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    assert doc["operations"]["request"]["unfinished"] > 0 and doc["load"]["drain_s"] == 0
    assert "unfinished (still out when the drain ended" in done.stdout
