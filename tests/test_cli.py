"""The surge command: demo, http, run and serve, and one-line errors for bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SURGE = [sys.executable, "-m", "surge.cli"]


def surge_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SURGE, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def test_demo_prints_a_summary_and_writes_json(tmp_path):
    done = surge_cli("demo", "-d", "2s", "--results-dir", str(tmp_path), "-q")
    assert done.returncode == 0, done.stderr
    assert "classify" in done.stdout and "p99" in done.stdout
    https = list(tmp_path.glob("demo-https-*.json"))
    files = [f for f in tmp_path.glob("demo-*.json") if f not in https]
    assert len(files) == 1 and len(https) == 1
    doc = json.loads(files[0].read_text())
    assert doc["schema"] == "surge.result/1"
    assert doc["total"]["count"] > 3000 and doc["total"]["error_count"] == 0
    # Then the same target over https://, where the server picks HTTP/2 by ALPN.
    secure = json.loads(https[0].read_text())
    assert secure["connections"]["protocol"] == "h2" and secure["connections"]["tls_full"] == 4
    assert secure["total"]["count"] > 1000 and secure["total"]["error_count"] == 0


def test_http_against_the_target(target, tmp_path):
    out = tmp_path / "r.json"
    done = surge_cli(
        "http",
        f"{target.url}/cache/k{{id}}",
        "-m",
        "PUT",
        "--body",
        "v{id}",
        "--var",
        "id=seq",
        "-n",
        "300",
        "-c",
        "4",
        "--json",
        str(out),
        "-q",
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    assert doc["total"]["count"] == 300 and doc["total"]["error_count"] == 0
    assert target.cache_get("k299") == "v299"


def test_http_open_model_with_rate(target):
    done = surge_cli("http", f"{target.url}/api/v1/health", "-R", "300", "-d", "1s", "-q")
    assert done.returncode == 0, done.stderr
    assert "open model, 300 req/s" in done.stdout


def test_http_rate_stages_and_users_from_flags(target, tmp_path):
    out = tmp_path / "ramp.json"
    done = surge_cli(
        "http", f"{target.url}/api/v1/health", "--stages", "1s:200,1s:400", "--json", str(out)
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    assert doc["load"]["shape"] == "ramping" and doc["load"]["duration_s"] == 2
    assert doc["total"]["count"] == pytest.approx(100 + 300, abs=4)
    assert "rate stages 0 -> 200 -> 400" in done.stdout
    # Progress lines name the target rate of each interval.
    assert "target 100/s" in done.stderr and "target 300/s" in done.stderr

    out = tmp_path / "users.json"
    done = surge_cli(
        "http",
        f"{target.url}/api/v1/health",
        *("-u", "3", "--iterations", "5", "--think", "1ms-2ms", "--json", str(out), "-q"),
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    assert doc["total"]["count"] == 15
    assert doc["load"]["think"] == {"kind": "uniform", "min_s": 0.001, "max_s": 0.002}


def test_run_overrides_the_scenario_load_from_flags(target, tmp_path):
    out = tmp_path / "r.json"
    done = surge_cli(
        "run",
        "scenarios/quickstart.py",
        *("--set", f"base_url={target.url}", "--user-stages", "1s:4", "--think", "5ms"),
        *("--json", str(out), "-q"),
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    assert doc["load"]["shape"] == "ramping_users" and doc["duration_s"] == pytest.approx(1, 0.05)


def test_run_a_scenario_file_with_overrides(target, tmp_path):
    out = tmp_path / "r.json"
    done = surge_cli(
        "run",
        "scenarios/quickstart.py",
        "--set",
        f"base-url={target.url}",  # a module's own CLI spelling works too
        "--set",
        "rate=200",
        "--set",
        "duration=1s",
        "--json",
        str(out),
        "-q",
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    assert doc["scenario"]["parameters"]["rate"] == 200
    assert doc["total"]["rate_per_s"] == pytest.approx(200, rel=0.05)


def test_run_rejects_unknown_parameters():
    done = surge_cli("run", "scenarios/quickstart.py", "--set", "colour=blue")
    assert done.returncode == 2
    assert "has no parameter(s) ['colour']" in done.stderr


def test_ctrl_c_keeps_what_was_measured(target, tmp_path):
    out = tmp_path / "r.json"
    proc = subprocess.Popen(
        [
            *SURGE,
            "http",
            f"{target.url}/api/v1/health",
            "-R",
            "500",
            "-d",
            "60s",
            "--json",
            str(out),
            "-q",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    doc = json.loads(out.read_text())
    assert doc["interrupted"] is True
    assert doc["total"]["count"] > 300
    assert doc["duration_s"] < 10
    assert "(interrupted)" in stdout


def test_serve_answers_until_stopped(free_port):
    with subprocess.Popen(
        [*SURGE, "serve", "--port", str(free_port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as proc:
        try:
            assert "listening" in proc.stdout.readline()
            done = surge_cli(
                "http",
                f"http://127.0.0.1:{free_port}/api/v1/model/info",
                "-n",
                "50",
                "--expect-body",
                "surge-demo-classifier",
                "-q",
            )
            assert done.returncode == 0, done.stderr
            assert " 50 " in done.stdout and "errors:" not in done.stdout
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_every_option_of_every_command_says_what_it_does():
    import argparse

    from surge.cli import _build_parser

    commands = next(
        a for a in _build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    )
    silent = [
        f"{name} {'/'.join(action.option_strings) or action.dest}"
        for name, parser in commands.choices.items()
        for action in parser._actions
        if not action.help and not isinstance(action, argparse._HelpAction)
    ]
    assert silent == []
    # Defaults are shown where there is one.
    assert "(default: 1)" in surge_cli("http", "--help").stdout.replace("\n", " ")


def test_every_run_command_takes_the_same_flags_from_the_registry():
    import argparse

    from surge.cli import _build_parser

    commands = next(
        a for a in _build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    )

    def flags(name: str) -> set[str]:
        return {f for a in commands.choices[name]._actions for f in a.option_strings}

    shared = {
        "-t", "-d", "-n", "--timeout", "--connect-timeout", "--warmup", "--drain", "--cold",
        "-c", "-R", "--stages", "--poisson", "--max-connections", "--max-backlog", "-u",
        "--spawn-rate", "--user-stages", "--think", "--iterations", "--network-latency-ms",
        "--network-jitter-ms", "--network-profile", "--slo", "--abort-on", "--json", "--html",
        "--no-interval-histograms", "--prometheus-port", "-q",
    }  # fmt: skip
    for name in ("http", "redis", "pg", "run"):
        assert shared <= flags(name), (name, shared - flags(name))
    for name in ("http", "redis", "pg"):
        assert "--var" in flags(name)
    # Pipelining where the registry says the protocol takes it.
    assert {"-P", "--pipeline"} <= flags("redis") & flags("pg") & flags("run")
    assert "-P" not in flags("http")
    assert "--sync" in flags("pg") & flags("run") and "--sync" not in flags("redis")


def test_version():
    done = surge_cli("--version")
    assert done.returncode == 0 and done.stdout.startswith("surge ")


def test_run_takes_the_timing_flags_of_the_other_run_commands(target, tmp_path):
    out = tmp_path / "r.json"
    done = surge_cli(
        "run", "scenarios/quickstart.py", "--set", f"base_url={target.url}", "-q",
        "-n", "300", "-t", "2", "--timeout", "3s", "--connect-timeout", "2s",
        "--warmup", "0.2s", "--drain", "1s", "--json", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    load = json.loads(out.read_text())["load"]
    assert (load["requests"], load["threads"], load["timeout_s"]) == (300, 2, 3.0)
    assert (load["connect_timeout_s"], load["warmup_s"], load["drain_s"]) == (2.0, 0.2, 1.0)
    # -P goes to the scenario too, and HTTP says it does not pipeline.
    piped = surge_cli(
        "run", "scenarios/quickstart.py", "--set", f"base_url={target.url}", "-q", "-P", "4"
    )
    assert piped.returncode == 2 and "pipeline" in piped.stderr
    synced = surge_cli(
        "run", "scenarios/quickstart.py", "--set", f"base_url={target.url}", "-q",
        "--sync", "batch",
    )  # fmt: skip
    assert synced.returncode == 2 and "pipeline_sync: applies to" in synced.stderr
    cold = surge_cli(
        "run", "scenarios/quickstart.py", "--set", f"base_url={target.url}", "-q", "-n", "50",
        "--cold", "--json", str(out),
    )  # fmt: skip
    assert cold.returncode == 0, cold.stderr
    assert json.loads(out.read_text())["connections"]["warm"] is False


def test_a_run_where_every_request_failed_exits_99_unless_allowed(target, tmp_path):
    # The target answers 200; a run that counts only 204 as success failed every request.
    url = f"{target.url}/api/v1/health"
    failed = surge_cli("http", url, "--expect-status", "204", "-n", "50", "-c", "2", "-q")
    assert failed.returncode == 99, failed.stdout + failed.stderr
    reason = [line for line in failed.stdout.splitlines() if "every request failed" in line]
    assert reason == [
        "every request failed (50 of 50: check_failed 50): exit 99; --allow-all-failed exits 0 "
        "on such a run"
    ], failed.stdout
    allowed = surge_cli(
        "http", url, "--expect-status", "204", "-n", "50", "-c", "2", "-q", "--allow-all-failed"
    )
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    # One success is enough: a run that partly failed is for --slo to judge.
    mixed = surge_cli("http", url, "--expect-status", "200", "-n", "50", "-c", "2", "-q")
    assert mixed.returncode == 0 and "every request failed" not in mixed.stdout
