"""A suite's results file reads as a Suite: its phases as Results, by position or by name; a
Result's fields read as attributes too; and `surge compare` takes two suites phase by phase."""

from __future__ import annotations

import pytest
import surge
from surge import http
from surge.results.suite import SuiteResult
from surge.running.suite import run_suite
from test_cli import surge_cli


def _phase(name: str, url: str, path: str) -> surge.Scenario:
    return surge.Scenario(
        name=name,
        base_url=url,
        operations=[http.get("h", path)],
        requests=200,
        load=surge.Connections(2),
    )


@pytest.fixture(scope="module")
def suites(tmp_path_factory):
    where = tmp_path_factory.mktemp("suites")
    with surge.Target() as target:
        phases = [_phase("health", target.url, "/api/v1/health"),
                  _phase("info", target.url, "/api/v1/model/info")]  # fmt: skip
        run_suite("two", phases).save(where / "base.json")
        target.set_latency("fixed:5ms")
        run_suite("two", phases).save(where / "slower.json")
    return where


def test_load_reads_a_suite_as_its_phases(suites):
    suite = surge.load(suites / "base.json")
    assert isinstance(suite, SuiteResult) and suite.name == "two" and len(suite) == 2
    assert [r.scenario["name"] for r in suite] == ["health", "info"]
    assert suite["info"] is suite[1]
    assert suite[0].total["count"] == 200  # a phase is a Result: fields as keys...
    assert suite[0].duration_s == suite[0]["duration_s"]  # ...and as attributes
    with pytest.raises(AttributeError, match="no field 'nosuch'"):
        _ = suite[0].nosuch
    with pytest.raises(KeyError, match="the phases are health, info"):
        suite["nope"]


def test_compare_takes_two_suites_phase_by_phase(suites):
    same = surge_cli("compare", str(suites / "base.json"), str(suites / "base.json"),
                     "--fail-on", "p95:+50%")  # fmt: skip
    assert same.returncode == 0, same.stderr
    assert "phase health:" in same.stdout and "phase info:" in same.stdout
    slower = surge_cli("compare", str(suites / "base.json"), str(suites / "slower.json"),
                       "--fail-on", "p95:+50%")  # fmt: skip
    assert slower.returncode == 99, slower.stderr
    regressed = [line.split()[0] for line in slower.stdout.splitlines() if "REGRESSED" in line]
    assert regressed.count("total") == 2  # both phases got 5 ms slower
