"""Live progress: plain lines when stderr is not a terminal, a rich live table on a terminal
(a real pty), nothing with -q; each interval shows position, rate, load, p50/p99, errors and
hit rate."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys

import surge
from surge import http
from surge.outputs.live import LiveProgress
from terminal import read_terminal

SURGE = [sys.executable, "-m", "surge.cli"]


def test_plain_lines_when_not_a_terminal(target):
    done = subprocess.run(
        [*SURGE, "http", f"{target.url}/api/v1/health", "-R", "500", "-c", "4", "-d", "2s"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = done.stderr.strip().splitlines()
    pattern = (
        r"^(\d\.\d)/2s  (\d[\d,]*) req/s  target 500/s, 4 connections  p50 [\d.]+ ms  "
        r"p99 [\d.]+ ms  errors 0"
    )
    matched = [re.match(pattern, line) for line in lines]
    assert all(matched), lines
    assert [m.group(1) for m in matched] == ["1.0", "2.0"]
    assert all(abs(int(m.group(2).replace(",", "")) - 500) <= 25 for m in matched)
    assert "\x1b[" not in done.stderr  # no terminal codes in CI logs


def test_quiet_prints_no_progress(target):
    done = subprocess.run(
        [*SURGE, "http", f"{target.url}/api/v1/health", "-R", "200", "-d", "1s", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stderr == ""
    assert "health" in done.stdout or "request" in done.stdout


def test_a_terminal_gets_the_live_table(target):
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm-256color"}
    process = subprocess.Popen(
        [*SURGE, "http", f"{target.url}/api/v1/health", "-R", "300", "-d", "2s"],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    os.close(follower)
    screen = read_terminal(leader, 30)
    assert process.wait(timeout=30) == 0
    os.close(leader)
    text = screen.decode("utf-8", "replace")
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    assert "\x1b[" in text  # redrawn in place
    assert "━" in plain  # the bar
    for column in ("operation", "req/s", "p50 ms", "p99 ms", "errors", "hit rate"):
        assert column in plain
    assert "2.0/2s" in plain and "target 300/s" in plain
    assert re.search(r"request\s+[23]\d\d\s", plain)  # the operation's row: ~300 req/s


def test_closed_model_shows_users_and_hit_rate(target):
    stream = io.StringIO()
    scenario = surge.Scenario(
        name="live",
        base_url=target.url,
        operations=[
            http.put("put", "/cache/k{key}", body="v", variables={"key": "uniform(1,50)"}),
            http.get("get", "/cache/k{key}", variables={"key": "uniform(1,100)"}, miss_status=404),
        ],
        load=surge.Users(3, think=surge.constant(0.005)),
        duration=2.0,
    )
    surge.run(scenario, progress=LiveProgress(scenario, stream=stream, rich=False))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert all("users 3/3" in line and "hit rate" in line for line in lines), lines


def test_a_bounded_run_counts_requests(target):
    stream = io.StringIO()
    scenario = surge.Scenario(
        name="bounded",
        base_url=target.url,
        operations=[http.get("health", "/api/v1/health")],
        load=surge.Iterations(3000, concurrency=2),
        interval="200ms",
    )
    surge.run(scenario, progress=LiveProgress(scenario, stream=stream, rich=False))
    last = stream.getvalue().splitlines()[-1]
    assert last.startswith("3,000/3,000 requests"), last
