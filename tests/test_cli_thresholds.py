"""--slo and --abort-on on the run commands: a missed target fails the command with exit 99,
which CI can tell from bad input (2) and Ctrl-C (130); the verdicts are printed and the
results still written."""

from __future__ import annotations

import json
import time

import surge
from surge import http
from test_cli import surge_cli

EXIT_SLO_BROKEN = 99


def test_slos_that_hold_exit_0_and_print_their_verdicts(target, tmp_path):
    out = tmp_path / "r.json"
    done = surge_cli(
        "http", f"{target.url}/api/v1/health", "-n", "200", "-c", "2", "-q",
        "--slo", "p99 < 10s", "--slo", "request.error_rate < 1%", "--json", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    verdicts = [line for line in done.stdout.splitlines() if line.startswith(("p99", "request."))]
    assert len(verdicts) == 2 and all(line.split()[-1] == "ok" for line in verdicts), done.stdout
    assert json.loads(out.read_text())["total"]["count"] == 200


def test_a_broken_slo_exits_99_and_keeps_the_results(target, tmp_path):
    out = tmp_path / "r.json"
    target.set_latency("fixed", 5)
    done = surge_cli(
        "http", f"{target.url}/api/v1/health", "-n", "50", "-c", "2", "-q",
        "--slo", "p50 < 1ms", "--slo", "error_rate < 1%", "--json", str(out),
    )  # fmt: skip
    assert done.returncode == EXIT_SLO_BROKEN, done.stderr
    rows = {line.split()[0]: line.split()[-1] for line in done.stdout.splitlines() if "<" in line}
    assert rows == {"p50": "BROKEN", "error_rate": "ok"}, done.stdout
    assert json.loads(out.read_text())["total"]["count"] == 50


def test_abort_on_stops_the_run_at_the_first_breaking_interval(target):
    target.set_latency("fixed", 20)
    started = time.monotonic()
    done = surge_cli(
        "http", f"{target.url}/api/v1/health", "-R", "50", "-d", "20s", "-q",
        "--abort-on", "p50 < 1ms",
    )  # fmt: skip
    assert done.returncode == EXIT_SLO_BROKEN, done.stderr
    assert time.monotonic() - started < 15  # stopped long before the 20 s it was given
    assert "aborted at" in done.stdout and "p50 < 1ms broke" in done.stdout


def test_an_slo_of_an_operation_the_run_lacks_is_refused_before_any_load(target):
    done = surge_cli(
        "http", f"{target.url}/api/v1/health", "-n", "5", "-q", "--slo", "get.p99 < 1s"
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "surge http: error: SLO 'get.p99 < 1s': no operation 'get'; the operations are request"
    )
    assert target.requests_served == 0


def test_a_suite_is_judged_phase_by_phase(target, tmp_path):
    module = tmp_path / "suite.py"
    module.write_text(
        "import surge\nfrom surge import http\n\n@surge.scenario\n"
        "def two(url=''):\n"
        "    fast = surge.Scenario(name='fast', base_url=url, requests=20,\n"
        "        operations=[http.get('health', '/api/v1/health')])\n"
        "    info = surge.Scenario(name='info', base_url=url, requests=20,\n"
        "        operations=[http.get('info', '/api/v1/model/info')])\n"
        "    return [fast, info]\n"
    )
    # An SLO of one phase's operation is judged on that phase only; a total one on each.
    done = surge_cli(
        "run", str(module), "--set", f"url={target.url}", "-q",
        "--slo", "info.p99 < 1us", "--slo", "error_rate < 1%",
    )  # fmt: skip
    assert done.returncode == EXIT_SLO_BROKEN, done.stderr
    verdicts = [line.split() for line in done.stdout.splitlines() if "<" in line]
    assert [(v[0], v[-1]) for v in verdicts] == [
        ("error_rate", "ok"),
        ("info.p99", "BROKEN"),
        ("error_rate", "ok"),
    ], done.stdout


def test_report_and_compare_use_the_same_code(tmp_path):
    with surge.Target() as target:
        result = surge.run(
            surge.Scenario(
                name="r",
                base_url=target.url,
                operations=[http.get("health", "/api/v1/health")],
                requests=50,
                load=surge.Connections(2),
            )
        )
    path = tmp_path / "r.json"
    result.save(path)
    held = surge_cli("report", str(path), "-o", str(tmp_path / "a.html"), "--slo", "p99 < 10s")
    broken = surge_cli("report", str(path), "-o", str(tmp_path / "b.html"), "--slo", "p99 < 1us")
    assert (held.returncode, broken.returncode) == (0, EXIT_SLO_BROKEN), broken.stderr
    assert "BROKEN" in broken.stdout and "BROKEN" not in held.stdout
