"""`surge export`: Locust's CSV files and HdrHistogram interval logs from a real run of the
embedded target, read back by the tools that consume them (the csv module with Locust's
column names, the hdrhistogram package's log reader) and compared with the results JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
import surge
from hdrh.histogram import HdrHistogram as ReferenceHistogram
from hdrh.log import HistogramLogReader
from surge import http
from surge.cli import main
from surge.results.loading import AS_WRITTEN

# The columns Locust 2.x writes (locust/stats.py), with its percentiles 50 % .. 100 %.
LOCUST_PERCENTILES = [
    "50%",
    "66%",
    "75%",
    "80%",
    "90%",
    "95%",
    "98%",
    "99%",
    "99.9%",
    "99.99%",
    "100%",
]
LOCUST_STATS = [
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Median Response Time",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Average Content Size",
    "Requests/s",
    "Failures/s",
    *LOCUST_PERCENTILES,
]
LOCUST_HISTORY = [
    "Timestamp",
    "User Count",
    "Type",
    "Name",
    "Requests/s",
    "Failures/s",
    *LOCUST_PERCENTILES,
    "Total Request Count",
    "Total Failure Count",
    "Total Median Response Time",
    "Total Average Response Time",
    "Total Min Response Time",
    "Total Max Response Time",
    "Total Average Content Size",
]
LOCUST_FAILURES = ["Method", "Name", "Error", "Occurrences"]


@pytest.fixture(scope="module")
def result_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "run.json"
    with surge.Target() as target:
        target.set_error_ratio(0.02)
        scenario = surge.Scenario(
            name="export",
            base_url=target.url,
            operations=[
                http.get("health", "/api/v1/health", weight=3),
                http.post(
                    "classify", "/api/v1/classify", body="{img}", variables={"img": "bytes(512)"}
                ),
            ],
            load=surge.ConstantRate(1500, connections=8),
            duration=3.5,  # three whole intervals and a partial one
        )
        surge.run(scenario).save(path)
    return path


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_locust_csv_has_locusts_columns_and_the_runs_numbers(result_file, tmp_path):
    assert main(["export", str(result_file), "--csv", str(tmp_path / "run")]) == 0
    result = surge.load(result_file)

    header, stats = read_csv(tmp_path / "run_stats.csv")
    assert header == LOCUST_STATS
    assert [(r["Type"], r["Name"]) for r in stats] == [
        ("GET", "health"),
        ("POST", "classify"),
        ("", "Aggregated"),
    ]
    for row in stats:
        name = row["Name"]
        expected = result.total if name == "Aggregated" else result.operations[name]
        assert int(row["Request Count"]) == expected["count"]
        assert int(row["Failure Count"]) == expected["error_count"] > 0
        # Whole ms where Locust writes integers, rounded half up; decimals where it has them.
        p99 = expected["latency"]["percentiles"]["99"]
        assert int(row["99%"]) == int(p99 + 0.5)
        assert int(row["Median Response Time"]) == int(
            expected["latency"]["percentiles"]["50"] + 0.5
        )
        assert float(row["Max Response Time"]) == expected["latency"]["max"]
        assert float(row["Requests/s"]) == pytest.approx(expected["rate_per_s"], rel=1e-6)

    header, history = read_csv(tmp_path / "run_stats_history.csv")
    assert header == LOCUST_HISTORY
    aggregated = [r for r in history if r["Name"] == "Aggregated"]
    assert len(aggregated) == len(result["timeseries_total"]) == 4
    # Per-interval rates, cumulative totals: the last Aggregated row holds the whole run.
    assert [float(r["Requests/s"]) for r in aggregated[:3]] == [pytest.approx(1500, rel=0.05)] * 3
    assert int(aggregated[-1]["Total Request Count"]) == result.total["count"]
    assert int(aggregated[-1]["Total Failure Count"]) == result.total["error_count"]
    assert float(aggregated[-1]["Total Max Response Time"]) == result.total["latency"]["max"]
    timestamps = [int(r["Timestamp"]) for r in aggregated]
    assert timestamps == sorted(timestamps) and timestamps[-1] - timestamps[0] in (2, 3)

    header, failures = read_csv(tmp_path / "run_failures.csv")
    assert header == LOCUST_FAILURES
    assert sum(int(r["Occurrences"]) for r in failures) == result.total["error_count"]
    assert all(r["Error"].startswith("http_5xx") for r in failures)


def test_csv_decimals_keep_the_microseconds(result_file, tmp_path):
    args = ["export", str(result_file), "--csv", str(tmp_path / "run"), "--csv-decimals"]
    assert main(args) == 0
    _, stats = read_csv(tmp_path / "run_stats.csv")
    total = surge.load(result_file).total
    aggregated = next(r for r in stats if r["Name"] == "Aggregated")
    assert float(aggregated["99%"]) == total["latency"]["percentiles"]["99"]


def test_a_real_consumer_of_locusts_csv_reads_surges(result_file, tmp_path):
    # locust_csv2openmetrics (PyPI) reads Locust's _stats.csv with int() in its percentile
    # columns; on decimal milliseconds it died with "invalid literal for int()".
    import locust_csv2openmetrics

    assert main(["export", str(result_file), "--csv", str(tmp_path / "run")]) == 0
    metrics = tmp_path / "metrics.txt"
    locust_csv2openmetrics.main([str(tmp_path / "run_stats.csv"), "-o", str(metrics)])
    samples = dict(
        line.rsplit(" ", 1) for line in metrics.read_text().splitlines() if line[0] != "#"
    )
    total = surge.load(result_file).total
    p95_ms = int(total["latency"]["percentiles"]["95"] + 0.5)
    assert float(samples["locust_response_time_p95_seconds"]) == p95_ms / 1000
    ratio = float(samples["locust_failures_ratio"])
    assert ratio == pytest.approx(total["error_count"] / total["count"]) and ratio > 0


def test_hlog_reads_back_with_the_hdrhistogram_package(result_file, tmp_path):
    assert main(["export", str(result_file), "--hdr", str(tmp_path / "run")]) == 0
    result = surge.load(result_file)
    for name, stats in result.operations.items():
        path = tmp_path / f"run_{name}.hlog"
        text = path.read_text()
        assert "#[Histogram log format version 1.3]" in text
        reader = HistogramLogReader(str(path), ReferenceHistogram(1, 2**42, 3))
        merged = ReferenceHistogram(1, 2**42, 3)
        intervals = 0
        while (interval := reader.get_next_interval_histogram()) is not None:
            merged.add(interval)
            intervals += 1
        reader.close()
        assert intervals == 4
        assert merged.get_total_count() == result.histogram(name).count
        for p in ("50", "90", "99", "99.9"):
            assert merged.get_value_at_percentile(float(p)) / 1e6 == pytest.approx(
                stats["latency"]["percentiles"][p], rel=1e-3
            )
        assert merged.get_max_value() / 1e6 == pytest.approx(stats["latency"]["max"], rel=1e-3)
        # Interval maxima (ms) agree with the time series.
        lines = [line for line in io.StringIO(text) if line[0].isdigit()]
        maxima = [float(line.split(",")[2]) for line in lines]
        series = [r["max_ms"] for r in result["timeseries"] if r["operation"] == name]
        assert maxima == pytest.approx(series, abs=1e-3)


def test_export_refuses_bad_input_in_one_line(result_file, tmp_path, capsys):
    assert main(["export", str(result_file)]) == 2
    assert main(["export", str(tmp_path / "missing.json"), "--csv", str(tmp_path / "x")]) == 2
    (tmp_path / "list.json").write_text("[1, 2]")
    assert main(["export", str(tmp_path / "list.json"), "--hdr", str(tmp_path / "x")]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "surge export: error: say what to write: --csv PREFIX, --hdr PREFIX, or both",
        f"surge export: error: no results file at {tmp_path / 'missing.json'}; {AS_WRITTEN}",
        f"surge export: error: {tmp_path / 'list.json'}: results: expected an object (a surge "
        f"results file), got list; {AS_WRITTEN}",
    ]


def test_an_unwritable_output_is_one_line(result_file, tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    taken = tmp_path / "taken"
    assert main(["report", str(result_file), "-o", str(taken)]) == 2
    (tmp_path / "a_file").write_text("")
    assert main(["export", str(result_file), "--csv", str(tmp_path / "a_file" / "p")]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"surge report: error: cannot write {taken}: Is a directory"
    assert lines[1].startswith("surge export: error: cannot write ") and len(lines) == 2


def test_results_can_leave_interval_histograms_out(tmp_path, capsys):
    with surge.Target() as target:
        url = f"{target.url}/api/v1/health"
        for name, flags in (("with", []), ("without", ["--no-interval-histograms"])):
            assert (
                main(
                    [
                        "http",
                        url,
                        "-R",
                        "500",
                        "-d",
                        "2s",
                        "-q",
                        "--json",
                        str(tmp_path / f"{name}.json"),
                        *flags,
                    ]
                )
                == 0
            )
    with_, without = (surge.load(tmp_path / f"{n}.json") for n in ("with", "without"))
    assert all(row["histogram"] for row in with_["timeseries"])
    assert all("histogram" not in row for row in without["timeseries"])
    # The time series is smaller without them. (Not the whole file: two runs' other figures
    # differ by a few digits, which can outweigh two short interval histograms.)
    assert len(json.dumps(without["timeseries"])) < len(json.dumps(with_["timeseries"]))
    # Everything else is the same shape, and an export that needs them says so.
    assert without.total.keys() == with_.total.keys()
    assert main(["export", str(tmp_path / "without.json"), "--hdr", str(tmp_path / "x")]) == 2
    assert "--no-interval-histograms" in capsys.readouterr().err
