"""The image-classifier suite: each endpoint against its README target, classification across
image sizes, single-request latency, a stress series, the user classes together, and the
target's memory during a run."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
import surge
from scenario_modules import load_scenario_module
from surge import shapes
from surge.model.scale import scaled
from surge.running.suite import run_together

classifier = load_scenario_module("image_classifier")
T = classifier.TARGETS


@pytest.mark.slo(*T["health"])
def test_health(surge_target, surge_run):
    surge_run(classifier.endpoint(surge_target.url, classifier.health(), rate=1200))


@pytest.mark.slo(*T["model_info"])
def test_model_info(surge_target, surge_run):
    surge_run(classifier.endpoint(surge_target.url, classifier.model_info(), rate=600))


def half_load_rate(url: str, operation, most: float) -> float:
    """What this machine classifies at half load, now: the median service time of a few
    requests one at a time, halved into a rate (at most `most`)."""
    probe = surge.run(surge.Scenario(
        name="calibrate", base_url=url, operations=[operation],
        load=surge.Iterations(12, concurrency=1), warmup=None,
    ))  # fmt: skip
    service_ms = probe.total["service_time"]["percentiles"]["50"]
    return min(most, max(5.0, 0.5 * 1000 / service_ms))


@pytest.mark.parametrize("size", list(classifier.IMAGE_SIZES))
def test_classification(size, surge_target, surge_run):
    operation = classifier.classify(classifier.IMAGE_SIZES[size])
    if surge_run.scale >= 1:  # in full: the README's targets, as written
        result = surge_run(classifier.endpoint(surge_target.url, operation, rate=120))
        result.assert_slo(*T["classify"])
        return
    # At CI scale the machine may be shared, and a 512 KiB classification costs ~5 ms of a
    # core: with a neighbour busy, 120/s queued up to p95 2884 ms (96 rps) although the target
    # did nothing wrong. So the rate is what this machine classifies at half load right now (up
    # to 120/s), and the test judges latency and the rate held at that load.
    rate = half_load_rate(surge_target.url, operation, most=120)
    result = surge_run(classifier.endpoint(surge_target.url, operation, rate=rate))
    result.assert_slo("p95 < 500ms", f"rps > {0.95 * rate:.1f}", "success_rate > 99.9%")


@pytest.mark.slo("p50 < 50ms", "p95 < 100ms", "p99 < 200ms")
def test_latency_of_single_requests(surge_target, surge_run):
    # N requests one at a time: the latency without queueing.
    surge_run(surge.Scenario(
        name="latency", base_url=surge_target.url, operations=[classifier.classify()],
        load=surge.Iterations(400, concurrency=1), requests=400,
    ))  # fmt: skip


def test_stress_finds_the_last_level_that_held(surge_target, surge_run):
    scenario = classifier.endpoint(surge_target.url, classifier.classify(), rate=100)
    step = max(1.0, 2 * surge_run.scale)
    report = shapes.stress(scenario, [100, 200, 400], slo=T["classify"][:1], step_duration=step)
    for s in report.steps:
        surge_run.record(s.result)
    # The embedded target classifies small images far faster than these rates need.
    assert report.last_held == 400 and report.broke_at is None, report.describe()


def test_user_classes_run_together(surge_target, surge_scale):
    duration = max(2.0, 16 * surge_scale)
    results = run_together(classifier.user_classes(surge_target.url, duration=duration))
    by_class = {r["scenario"]["name"]: r for r in results}
    regular, high_load, errors = (
        by_class[n] for n in ("ImageClassifierUser", "HighLoadUser", "ErrorTestingUser")
    )
    regular.assert_slo("success_rate > 99.9%", "classify.p95 < 500ms")
    high_load.assert_slo("success_rate > 99.9%", "classify.p95 < 500ms")
    # The expected 4xx is a success for the error tester: nothing is counted as an error.
    errors.assert_slo("success_rate >= 100%")
    assert errors.operations["oversized_image"]["count"] > 0
    # Think time shapes the mix: a HighLoadUser sends several times what a regular user does.
    per_regular = regular.total["rate_per_s"] / 20
    per_high_load = high_load.total["rate_per_s"] / 10
    assert per_high_load > 3 * per_regular


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_memory_of_the_target_stays_flat(surge_run):
    # The target in its own process, so its RSS is its own; sampled once per interval.
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "surge.cli", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        samples = []
        scenario = classifier.endpoint(
            f"http://127.0.0.1:{port}", classifier.classify(), rate=300, duration="6s"
        ).replace(interval="0.5s", warmup="1s")
        result = surge.run(
            scaled(scenario, surge_run.scale, stages=False),
            progress=lambda report: samples.append(_rss_kib(server.pid)),
        )
        surge_run.record(result)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert len(samples) >= 3 and result.total["error_count"] == 0
    # Growth flagged: the last sample more than 20% over the first steady one.
    first, last = samples[1], samples[-1]
    assert last <= first * 1.2, f"target RSS grew from {first} KiB to {last} KiB: {samples}"
