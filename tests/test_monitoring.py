"""Target monitoring (issue 16) against real servers: a `surge serve` process with a leak of
known rate, nginx's master and workers, redis-server's INFO, PostgreSQL's statistics views and a
real Prometheus endpoint (prometheus_client's own server). Each sample is read on the monitor's
thread once per interval; the results keep them on the run's clock."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import surge
from nginx_server import Nginx
from ports import free_port
from served_target import served
from surge import http, monitor
from surge import postgres as pg
from surge import redis as rd
from surge.errors import ConfigError

LEAK_PER_REQUEST = 8192


@pytest.fixture
def leaking_target():
    with served("--leak", f"{LEAK_PER_REQUEST}B") as started:
        yield started


def test_the_reported_leak_slope_is_within_10_percent_of_the_truth(leaking_target):
    proc, url = leaking_target
    scenario = surge.Scenario(
        "leak",
        url,
        [http.get("health", "/api/v1/health")],
        load=surge.ConstantRate(1000, connections=8),
        duration="5s",
        interval="250ms",
        monitors=[monitor.process(proc.pid)],
    )
    result = surge.run(scenario)
    section = result["monitors"]["target"]
    assert section["pid"] == proc.pid and section["failed_samples"] == 0
    # One sample per interval, on the run's clock.
    times = [s["t_s"] for s in section["samples"]]
    assert len(times) >= 18 and times == sorted(times)
    # (the last one is read when the run has ended, after its drain)
    assert all(abs(b - a - 0.25) < 0.1 for a, b in itertools.pairwise(times[:-1]))
    truth = LEAK_PER_REQUEST * result.total["rate_per_s"]  # bytes per second
    slope = section["summary"]["slopes"]["rss"]
    assert slope == pytest.approx(truth, rel=0.10), (slope, truth)
    # The SLO reads the same slope: 1 MB/min is far below a leak of about 8 MB/s.
    (verdict,) = result.check("target.rss_slope < 1MB/min")
    assert not verdict.ok and verdict.measured == slope
    (verdict,) = result.check(f"target.rss_slope < {2 * truth / 1e6:.1f}MB/s")
    assert verdict.ok


def test_no_leak_reads_flat():
    # The same target without its leak: the slope is far from the leak's 8 MB/s (noise only).
    with served() as (proc, url):
        scenario = surge.Scenario(
            "flat",
            url,
            [http.get("health", "/api/v1/health")],
            load=surge.ConstantRate(1000, connections=8),
            duration="3s",
            interval="250ms",
            monitors=[monitor.process(proc.pid)],
        )
        slope = surge.run(scenario)["monitors"]["target"]["summary"]["slopes"]["rss"]
    assert abs(slope) < 0.05 * LEAK_PER_REQUEST * 1000


def test_nginx_master_and_workers_are_watched_as_one(tmp_path):
    (tmp_path / "index.html").write_text("hello\n")
    with Nginx(tmp_path) as nginx:
        scenario = surge.Scenario(
            "nginx",
            nginx.url,
            [http.get("index", "/index.html")],
            load=surge.Users(8),
            duration="2s",
            interval="500ms",
            monitors=[monitor.process("nginx")],  # by name: the master, not its workers
        )
        result = surge.run(scenario)
        section = result["monitors"]["target"]
        assert section["pid"] == nginx.process.pid
    gauges = section["summary"]["gauges"]
    assert gauges["processes"]["min"] >= 2  # the master and at least one worker
    # Closed-loop load keeps a worker busy: its CPU shows, the master's alone would not.
    assert gauges["cpu"]["max"] > 5
    assert section["summary"]["totals"]["cpu_s"] > 0.05
    assert gauges["fds"]["max"] >= 8  # the 8 connections, at least
    (verdict,) = result.check("target.cpu < 1000%")
    assert verdict.ok


def test_redis_info_counts_what_the_load_sent(redis_server):
    keys = {"n": "uniform(1,100)"}
    scenario = surge.Scenario(
        "redis",
        redis_server.url,
        [rd.set("set", "k:{n}", "v", variables=keys), rd.get("get", "k:{n}", variables=keys)],
        load=surge.Users(4),
        duration="1s",
        interval="250ms",
        monitors=[monitor.redis(redis_server.url)],
    )
    result = surge.run(scenario)
    section = result["monitors"]["redis"]
    totals, gauges = section["summary"]["totals"], section["summary"]["gauges"]
    # Every command of the load, plus the monitor's own INFO (one per sample).
    sent = result.total["count"]
    assert sent > 1000
    assert sent <= totals["commands"] <= sent + len(section["samples"]) + 1
    gets = result.operations["get"]["count"]
    assert totals["keyspace_hits"] + totals["keyspace_misses"] == gets
    assert gauges["connected_clients"]["max"] >= 5  # the load's 4, and the monitor's own
    assert gauges["used_memory"]["min"] > 0
    assert all(v.ok for v in result.check("redis.evictions == 0", "redis.used_memory < 1GB"))


def test_redis_monitor_with_a_password_and_a_wrong_one():
    from surge.services import RedisServer

    with RedisServer(password="s3cret") as server:
        scenario = surge.Scenario(
            "auth",
            server.url,
            [rd.command("ping", "PING")],
            requests=200,
            monitors=[monitor.redis(server.url)],
        )
        result = surge.run(scenario)
        assert result["monitors"]["redis"]["failed_samples"] == 0
        assert "s3cret" not in result.to_json()
        wrong = server.url.replace("s3cret", "wrong")
        with pytest.raises(ConfigError) as refused:
            surge.run(scenario.replace(monitors=[monitor.redis(wrong)]))
        message = str(refused.value)
        assert "monitor redis" in message and "AUTH" in message and "wrong" not in message
        assert "\n" not in message


def test_postgres_statistics_count_the_load(postgres_server):
    dsn = postgres_server.dsn
    scenario = surge.Scenario(
        "pg",
        dsn,
        [pg.query("one", "SELECT 1")],
        load=surge.Users(4),
        duration="1s",
        interval="250ms",
        monitors=[monitor.postgres(dsn)],
    )
    result = surge.run(scenario)
    section = result["monitors"]["postgres"]
    assert section["failed_samples"] == 0
    totals, gauges = section["summary"]["totals"], section["summary"]["gauges"]
    # Each query is its own transaction; the monitor's samples commit too, one each.
    assert result.total["count"] > 500
    assert totals["commits"] >= result.total["count"]
    assert totals["rollbacks"] == 0
    assert gauges["connections"]["max"] >= 4  # the load's connections, not the monitor's
    assert "password" not in section["url"]
    assert all(v.ok for v in result.check("postgres.rollbacks == 0", "postgres.deadlocks == 0"))


def test_postgres_sees_a_waiting_query(postgres_server):
    # A lock held by one session makes the load's UPDATEs wait: active, waiting, and the
    # longest wait grows with the lock's age.
    dsn = postgres_server.dsn
    pg.execute(dsn, "DROP TABLE IF EXISTS locked; CREATE TABLE locked (id int); "
                    "INSERT INTO locked VALUES (1)")  # fmt: skip
    holder = subprocess.Popen(
        ["psql", dsn, "-c", "BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE; "
                            "SELECT pg_sleep(2); COMMIT;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(0.3)
        scenario = surge.Scenario(
            "waits",
            dsn,
            [pg.query("update", "UPDATE locked SET id = id + 1")],
            load=surge.Users(2),
            duration="1.5s",
            interval="250ms",
            timeout="5s",
            monitors=[monitor.postgres(dsn)],
        )
        result = surge.run(scenario)
    finally:
        holder.wait(timeout=30)
    gauges = result["monitors"]["postgres"]["summary"]["gauges"]
    assert gauges["waiting"]["max"] >= 1
    assert gauges["longest_wait_s"]["max"] > 0.5
    (verdict,) = result.check("postgres.longest_wait_s < 100ms")
    assert not verdict.ok


@pytest.fixture
def prometheus_endpoint():
    from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

    registry = CollectorRegistry()
    jobs = Counter("jobs", "jobs done", ["kind"], registry=registry)
    depth = Gauge("queue_depth", "items waiting", registry=registry)
    depth.set(42)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    stop = threading.Event()

    def work() -> None:  # 200 jobs/s of kind "a", none of kind "b"
        jobs.labels("b")
        while not stop.wait(0.005):
            jobs.labels("a").inc()

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    try:
        yield f"http://127.0.0.1:{port}/metrics"
    finally:
        stop.set()
        worker.join()
        server.shutdown()
        server.server_close()
        thread.join()


def test_prometheus_endpoint_counters_and_gauges(target, prometheus_endpoint):
    scenario = surge.Scenario(
        "prom",
        target.url,
        [http.get("health", "/api/v1/health")],
        load=surge.ConstantRate(100),
        duration="2s",
        interval="500ms",
        monitors=[
            monitor.prometheus(
                prometheus_endpoint, ["queue_depth", "jobs_total", 'jobs_total{kind="b"}']
            )
        ],
    )
    result = surge.run(scenario)
    section = result["monitors"]["prometheus"]
    assert section["failed_samples"] == 0
    summary = section["summary"]
    assert summary["gauges"]["queue_depth"]["min"] == summary["gauges"]["queue_depth"]["max"] == 42
    # A counter becomes a rate per sample and an increase over the run; the worker sleeps 5 ms
    # between increments, so it does at most 200/s.
    assert 20 < summary["gauges"]["jobs_total_per_s"]["mean"] <= 205
    assert summary["totals"]['jobs_total{kind="b"}'] == 0
    verdicts = result.check("prometheus.queue_depth == 42", "prometheus.jobs_total > 10")
    assert all(v.ok for v in verdicts), verdicts


def test_a_process_that_exits_mid_run_is_counted_and_the_run_goes_on(target):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.7)"])
    scenario = surge.Scenario(
        "gone",
        target.url,
        [http.get("health", "/api/v1/health")],
        load=surge.ConstantRate(200),
        duration="2s",
        interval="250ms",
        monitors=[monitor.process(sleeper.pid)],
    )
    result = surge.run(scenario)
    sleeper.wait()
    section = result["monitors"]["target"]
    assert section["failed_samples"] >= 3 and "is gone" in section["last_error"]
    assert result.total["count"] == 400  # the load ran its course


def test_a_server_that_never_answers_fails_the_monitor_in_bounded_time(target):
    # A port that completes the TCP handshake (the kernel's backlog) and never says a word:
    # libpq would wait forever, the monitor gives up after its own connect timeout.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(ConfigError, match="monitor postgres") as refused:
            surge.run(
                surge.Scenario(
                    "silent",
                    target.url,
                    [http.get("h", "/api/v1/health")],
                    requests=10,
                    monitors=[monitor.postgres(f"postgresql://surge@127.0.0.1:{port}/x")],
                )
            )
        assert time.monotonic() - started < 10
        assert "\n" not in str(refused.value)


def test_bad_monitors_are_one_line_before_any_load(target):
    def run(*monitors):
        return surge.run(
            surge.Scenario(
                "bad",
                target.url,
                [http.get("h", "/api/v1/health")],
                requests=10,
                monitors=list(monitors),
            )
        )

    for make, words in [
        (lambda: run(monitor.process("no-such-process-xyz")), "no running process"),
        (lambda: run(monitor.process(2**22 + 7)), "no process"),
        (lambda: monitor.process(""), "PID or a process name"),
        (lambda: monitor.redis("http://x"), "redis"),
        (lambda: run(monitor.redis(f"redis://127.0.0.1:{free_port()}")), "connection refused"),
        (lambda: monitor.postgres("mysql://x"), "postgresql://"),
        (lambda: monitor.prometheus("http://127.0.0.1:1/metrics", []), "--metric"),
        (lambda: monitor.prometheus("ftp://x", ["a"]), "http://"),
        (lambda: monitor.prometheus("http://x", ["a b"]), "selector"),
        (lambda: run(monitor.process(os.getpid()), monitor.process(1)), "one of each"),
        (lambda: run("nginx"), "not a monitor"),
    ]:
        with pytest.raises(ConfigError) as refused:
            make()
        message = str(refused.value)
        assert words in message and "\n" not in message, message


def test_monitor_slos_say_what_is_missing_or_wrong(target):
    result = surge.run(
        surge.Scenario("plain", target.url, [http.get("h", "/api/v1/health")], requests=20)
    )
    with pytest.raises(ConfigError, match="monitored no target; add --monitor-pid"):
        result.check("target.cpu < 50%")
    for text, words in [
        ("target.cpu < 5MB", "not a size"),
        ("target.rss < 5%", "not a percentage"),
        ("target.rss < 1MB/min", "for slopes"),
        ("target.cpu[1s] < 50%", "no window"),
        ("redis.evictions ~ 0", "expected <"),
    ]:
        with pytest.raises(ConfigError, match=words):
            surge.slo.parse(text)
    # An operation may still be named like a source: its latency SLOs stay its own.
    assert surge.slo.parse("target.p99 < 5ms").monitor_unit is None
    with pytest.raises(ConfigError, match="monitor SLO"):
        surge.Scenario("x", target.url, [http.get("h", "/")], abort_on=["target.cpu < 50%"])


def test_cli_monitor_flags_summary_and_verdicts(leaking_target, tmp_path):
    proc, url = leaking_target
    out = tmp_path / "run.json"
    done = subprocess.run(
        [sys.executable, "-m", "surge.cli", "http", f"{url}/api/v1/health", "-R", "500",
         "-d", "2s", "--interval", "250ms", "--monitor-pid", str(proc.pid),
         "--slo", "target.rss_slope < 1MB/min", "--slo", "target.cpu < 400%",
         "--json", str(out), "-q"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 99, done.stderr  # the leak breaks the slope SLO
    assert "monitors:" in done.stdout and f"(pid {proc.pid})" in done.stdout
    assert "target.rss_slope < 1MB/min" in done.stdout and "BROKEN" in done.stdout
    loaded = surge.load(out)
    assert loaded["monitors"]["target"]["summary"]["slopes"]["rss"] > 1e6
    # A monitor SLO without its monitor, and --metric without an endpoint: exit 2, one line.
    for flags, words in [
        (["--slo", "redis.evictions == 0"], "add --monitor-redis"),
        (["--metric", "x"], "--monitor-prometheus URL"),
        (["--monitor-pid", "no-such-process-xyz"], "no running process"),
    ]:
        refused = subprocess.run(
            [sys.executable, "-m", "surge.cli", "http", f"{url}/api/v1/health", "-n", "10",
             *flags],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert refused.returncode == 2, refused.stderr
        assert words in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
