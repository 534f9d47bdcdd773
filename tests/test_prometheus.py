"""`--prometheus-port`: a real scrape of /metrics while `surge http` runs against the embedded
target, parsed with prometheus_client's own parser."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

SURGE = [sys.executable, "-m", "surge.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port: int) -> dict[str, list]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def scrape_during(process: subprocess.Popen, port: int, until) -> dict[str, list]:
    """Scrapes until `until(metrics)` holds; fails if the run ends first."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        try:
            metrics = scrape(port)
        except OSError:  # not listening yet
            metrics = None
        if metrics and until(metrics):
            return metrics
        time.sleep(0.1)
    pytest.fail("no scrape during the run showed the expected metrics")


def value(samples, name: str, **labels) -> float:
    return next(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())


def run_with_metrics(target, *flags: str, until) -> tuple[dict[str, list], str, int]:
    """Runs `surge http` against the target with /metrics on a free port; returns the first
    scrape that satisfies `until`, what surge printed on stderr, and the port."""
    port = free_port()
    command = [
        *SURGE,
        "http",
        f"{target.url}/api/v1/health",
        *flags,
        "-q",
        "--prometheus-port",
        str(port),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        metrics = scrape_during(process, port, until)
    finally:
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return metrics, err, port


def test_a_scrape_during_the_run_sees_its_numbers(target):
    target.set_error_ratio(0.02)
    metrics, err, port = run_with_metrics(
        target,
        "-R",
        "400",
        "-c",
        "4",
        "-d",
        "4s",
        until=lambda m: value(m["surge_requests"], "surge_requests_total") >= 800,
    )
    assert f"metrics: http://127.0.0.1:{port}/metrics" in err

    labels = {"scenario": "http", "operation": "request"}
    requests = value(metrics["surge_requests"], "surge_requests_total", **labels)
    # Whole intervals at 400/s (give or take completions that land across a tick).
    assert abs(requests - 400 * round(requests / 400)) <= 20
    errors = value(metrics["surge_errors"], "surge_errors_total", **labels, **{"class": "http_5xx"})
    assert 0 < errors < requests * 0.1

    buckets = [s for s in metrics["surge_response_time_seconds"] if s.name.endswith("_bucket")]
    counts = [s.value for s in buckets]
    assert counts == sorted(counts)  # cumulative
    assert buckets[-1].labels["le"] == "+Inf" and counts[-1] == requests  # 5xx are timed too
    assert (
        value(metrics["surge_response_time_seconds"], "surge_response_time_seconds_count", **labels)
        == requests
    )
    mean_s = (
        value(metrics["surge_response_time_seconds"], "surge_response_time_seconds_sum", **labels)
        / requests
    )
    assert 1e-5 < mean_s < 0.05

    assert value(metrics["surge_rps"], "surge_rps", operation="all") == pytest.approx(400, rel=0.05)
    assert value(metrics["surge_target_rps"], "surge_target_rps") == pytest.approx(400)
    assert value(metrics["surge_connections"], "surge_connections") == 4
    assert value(metrics["surge_elapsed_seconds"], "surge_elapsed_seconds") >= 2

    # The run is over: nothing listens any more.
    with pytest.raises(OSError):
        scrape(port)


def test_latency_is_served_without_interval_histograms(target):
    # The scrape reads the engine's running totals, not the intervals' encoded histograms.
    metrics, _, _ = run_with_metrics(
        target,
        *("-R", "300", "-c", "2", "-d", "3s", "--no-interval-histograms"),
        until=lambda m: value(m["surge_requests"], "surge_requests_total") >= 300,
    )
    labels = {"scenario": "http", "operation": "request"}
    requests = value(metrics["surge_requests"], "surge_requests_total", **labels)
    count = value(
        metrics["surge_response_time_seconds"], "surge_response_time_seconds_count", **labels
    )
    assert count == requests >= 300


def test_closed_model_reports_users(target):
    metrics, _, _ = run_with_metrics(
        target, "-u", "3", "-d", "3s", until=lambda m: "surge_users" in m
    )
    assert value(metrics["surge_users"], "surge_users") == 3
    assert "surge_target_rps" not in metrics


def test_a_busy_port_is_one_line(target):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [
                *SURGE,
                "http",
                f"{target.url}/api/v1/health",
                "-R",
                "100",
                "-d",
                "1s",
                "--prometheus-port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"surge http: error: --prometheus-port {port}: cannot listen on 127.0.0.1:{port} "
        "(Address already in use); pick a free port"
    ]
