"""The pytest plugin, run by pytester in real pytest sessions against the embedded target."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

PERF_TEST = """
import os
import pytest
import surge
from surge import http


def health(url):
    ops = [http.get("health", "/api/v1/health")]
    return surge.Scenario(name="health", base_url=url, operations=ops,
                          load=surge.ConstantRate(200), duration="1s")


@pytest.mark.slo("p95 < 500ms", "error_rate < 0.1%", "rps >= 150")
def test_holds(surge_run, surge_target):
    surge_run(health(surge_target.url))


@pytest.mark.slo("p50 < 1ms", "rps >= 150")
def test_breaks(surge_run, surge_target):
    surge_target.set_latency("fixed", float(os.environ.get("ADDED_MS", "20")))
    surge_run(health(surge_target.url))
"""

RETURNING_TEST = """
import pytest
import surge
from surge import http


@pytest.mark.slo("rps > 10000")
def test_returns(surge_target):
    ops = [http.get("health", "/api/v1/health")]
    return surge.run(surge.Scenario(name="returned", base_url=surge_target.url, operations=ops,
                                    load=surge.ConstantRate(100), duration="0.5s"))
"""


@pytest.fixture
def perf_file(pytester):
    pytester.makepyfile(test_perf=PERF_TEST)
    return pytester


def test_a_broken_slo_fails_with_its_verdict_table(perf_file):
    result = perf_file.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert "1 of 2 SLOs broken in 'health':" in output
    # The table: the broken target is named with what was measured, the other one holds.
    table = [line for line in output.splitlines() if line.startswith("E   ")]
    p50 = next(line for line in table if "p50 < 1ms" in line)
    assert p50.rstrip().endswith("BROKEN") and "< 1 ms" in p50
    assert next(line for line in table if "rps >= 150" in line).rstrip().endswith("ok")
    # The session summary has a row per perf test, with its verdicts.
    assert "surge performance summary" in output
    assert "test_perf.py::test_holds" in output and "SLOs: p95 < 500ms: ok" in output
    assert "p50 < 1ms: BROKEN" in output


def test_results_files_are_written_per_test(perf_file):
    out = perf_file.path / "results"
    perf_file.runpytest("-p", "no:cacheprovider", f"--surge-results={out}")
    files = sorted(p.name for p in out.iterdir())
    assert files == ["test_perf.py__test_breaks.json", "test_perf.py__test_holds.json"]
    document = json.loads((out / files[1]).read_text())
    assert document["schema"] == "surge.result/1" and document["total"]["count"] == 200


def test_scale_shortens_the_runs(perf_file):
    out = perf_file.path / "scaled"
    perf_file.runpytest("-p", "no:cacheprovider", "--surge-scale=0.5", f"--surge-results={out}")
    document = json.loads((out / "test_perf.py__test_holds.json").read_text())
    assert document["load"]["duration_s"] == pytest.approx(0.5)
    assert document["total"]["count"] == 100


def test_baseline_regression_gate(perf_file, monkeypatch):
    baseline = perf_file.path / "baseline"
    monkeypatch.setenv("ADDED_MS", "5")
    perf_file.runpytest("-p", "no:cacheprovider", f"--surge-results={baseline}")
    gate = [f"--surge-baseline={baseline}", "-k", "test_breaks", "-p", "no:cacheprovider"]
    # Same target: within +50% on the median, and only the SLO (p50 < 1ms) breaks it.
    same = perf_file.runpytest(*gate, "--surge-regress=p50:+50%")
    assert "against the baseline" not in same.stdout.str()
    # 5 ms -> 20 ms added latency: the median grows by far more than 50%.
    monkeypatch.setenv("ADDED_MS", "20")
    slower = perf_file.runpytest(*gate, "--surge-regress=p50:+50%,rps:-5%")
    slower.assert_outcomes(failed=1)
    output = slower.stdout.str()
    assert "regression(s) against the baseline" in output
    regressed = [line for line in output.splitlines() if "REGRESSED" in line]
    assert regressed and all(" p50 " in line for line in regressed)


def test_usage_errors_are_one_line(perf_file):
    bad = perf_file.runpytest("--surge-regress=p95:+10%")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    assert "--surge-regress needs --surge-baseline" in bad.stderr.str()
    bad = perf_file.runpytest("--surge-baseline=x", "--surge-regress=p95:10")
    assert "expected METRIC:+N% or METRIC:-N%" in bad.stderr.str()
    bad = perf_file.runpytest("--surge-scale=0")
    assert "--surge-scale: must be > 0" in bad.stderr.str()


def test_a_returned_result_is_checked_too(pytester):
    pytester.makepyfile(test_returning=RETURNING_TEST)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "1 of 1 SLOs broken in 'returned':" in output
    assert "rps > 10000" in output and "test_returning.py::test_returns" in output


def test_an_slo_without_a_recorded_result_fails(pytester):
    pytester.makepyfile(
        test_empty="""
import pytest

@pytest.mark.slo("p95 < 1s")
def test_nothing():
    pass
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert "recorded no Result; run its load with surge_run" in result.stdout.str()


def test_xdist_workers_write_their_results_and_the_summary_comes_together(perf_file):
    out = perf_file.path / "parallel"
    result = perf_file.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", f"--surge-results={out}"
    )
    result.assert_outcomes(passed=1, failed=1)
    assert sorted(p.name for p in out.iterdir()) == [
        "test_perf.py__test_breaks.json",
        "test_perf.py__test_holds.json",
    ]
    output = result.stdout.str()
    assert "surge performance summary" in output
    assert "test_perf.py::test_holds" in output and "test_perf.py::test_breaks" in output
