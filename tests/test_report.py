"""`surge report`: the HTML report of a real run, opened in a real headless browser (Debian's
chromium). The page must load offline without console errors and draw every chart; a
screenshot is kept as a CI artifact (build/artifacts/, or $SURGE_ARTIFACTS)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import surge
from browser import browse, probe_page
from surge import http
from surge.cli import main
from surge.outputs.report.html import render

ARTIFACTS = Path(
    os.environ.get("SURGE_ARTIFACTS", Path(__file__).parent.parent / "build/artifacts")
)


@pytest.fixture(scope="module")
def result_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "run.json"
    with surge.Target() as target:
        target.set_error_ratio(0.01)
        scenario = surge.Scenario(
            name="report",
            base_url=target.url,
            operations=[
                http.put(
                    "cache_put", "/cache/k{key}", body="v", variables={"key": "uniform(1,200)"}
                ),
                http.get(
                    "cache_get",
                    "/cache/k{key}",
                    variables={"key": "uniform(1,400)"},
                    miss_status=404,
                    weight=3,
                ),
            ],
            load=surge.Users(4, think=surge.constant(0.002)),
            duration=3.0,
            # This process serves and loads: its CPU, memory, threads and fds are charted.
            monitors=[surge.monitor.process(os.getpid())],
        )
        surge.run(scenario).save(path)
    return path


def test_report_opens_offline_and_draws_every_chart(result_file, tmp_path):
    html = tmp_path / "report.html"
    assert (
        main(
            [
                "report",
                str(result_file),
                "-o",
                str(html),
                "--slo",
                "p99 < 1s",
                "--slo",
                "cache_get.hit_rate > 99%",
            ]
        )
        == 99  # one of the two SLOs broke
    )
    page = html.read_text()
    # Self-contained: no script or stylesheet is fetched from anywhere.
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page)
    assert "plotly" in page and "cache_get" in page
    assert page.count('class="ok"') == 1 and page.count('class="broken"') == 1

    probe = probe_page(page, tmp_path)
    assert probe["errors"] == []
    # Traces: all operations + 2 operations + errors/s; p50/p90/p99/max; response and
    # service time for 2 operations and all; users asked and running; one cache reader; the
    # monitored process's cpu, fds, processes, rss and threads, one row each.
    expected = {
        "chart-throughput": 4,
        "chart-latency": 4,
        "chart-spectrum": 6,
        "chart-load": 2,
        "chart-hit-rate": 1,
        "chart-monitor-target": 5,
    }
    assert [c["id"] for c in probe["charts"]] == list(expected)
    for chart in probe["charts"]:
        assert chart["svg"] >= 1 and chart["drawn"] >= 1, chart
        assert chart["traces"] == expected[chart["id"]], chart

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-screenshot.png"
    shot.unlink(missing_ok=True)
    browse(html, "--window-size=1300,2600", "--virtual-time-budget=15000", f"--screenshot={shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_run_writes_the_report_with_html(tmp_path, capsys):
    with surge.Target() as target:
        code = main(
            [
                "http",
                f"{target.url}/api/v1/health",
                "-R",
                "300",
                "-d",
                "1s",
                "-q",
                "--html",
                str(tmp_path / "r.html"),
                "--json",
                str(tmp_path / "r.json"),
            ]
        )
    assert code == 0
    assert f"report: {tmp_path / 'r.html'}" in capsys.readouterr().out
    assert "chart-spectrum" in (tmp_path / "r.html").read_text()


def test_text_from_the_run_is_escaped(result_file):
    document = json.loads(result_file.read_text())
    document["scenario"]["name"] = "<script>alert(1)</script>"
    page = render(surge.Result(document))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_report_refuses_a_bad_slo_in_one_line(result_file, tmp_path, capsys):
    assert main(["report", str(result_file), "-o", str(tmp_path / "x.html"), "--slo", "p95 <"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("surge report: error: --slo: SLO 'p95 <'") and "\n" not in err
    assert not (tmp_path / "x.html").exists()


def test_a_suite_gets_a_report_and_exports_per_phase(tmp_path, capsys):
    from surge.running.suite import run_suite

    with surge.Target() as target:
        phases = [
            surge.Scenario(
                name=name,
                base_url=target.url,
                operations=[http.get(name, path)],
                load=surge.Iterations(200, concurrency=2),
            )
            for name, path in (("health", "/api/v1/health"), ("model info", "/api/v1/model/info"))
        ]
        suite = run_suite("two", phases)
    suite.save(tmp_path / "suite.json")
    assert main(["report", str(tmp_path / "suite.json")]) == 0
    assert main(["export", str(tmp_path / "suite.json"), "--csv", str(tmp_path / "x")]) == 0
    assert (tmp_path / "suite-1-health.html").exists()
    assert "model info" in (tmp_path / "suite-2-model_info.html").read_text()
    assert (tmp_path / "x-2-model_info_stats.csv").read_text().count("\n") == 3  # header, op, all
