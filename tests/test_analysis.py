"""Notebook analysis: surge.load, Result.to_dataframe/summary/histogram on a real run, and the
example notebook executed end to end with nbclient."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import surge
from nbclient import NotebookClient
from surge import http

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "analysis.ipynb"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    path = tmp_path_factory.mktemp("analysis") / "run.json"
    with surge.Target() as target:
        target.set_latency("uniform", 1, 3)
        scenario = surge.Scenario(
            name="analysis",
            base_url=target.url,
            operations=[
                http.get("health", "/api/v1/health", weight=3),
                http.get("model_info", "/api/v1/model/info"),
            ],
            load=surge.ConstantRate(800, connections=8),
            duration=2.5,
        )
        surge.run(scenario).save(path)
    return surge.load(path)


def test_to_dataframe_is_the_time_series_with_rates(result):
    frame = result.to_dataframe()
    assert list(frame.columns[:3]) == ["t_s", "operation", "count"]
    assert len(frame) == len(result["timeseries"]) == 6  # 2 operations x 3 intervals
    assert "histogram" not in frame.columns
    assert frame["count"].sum() == result.total["count"]
    whole = frame[frame["t_s"] < 2]
    assert whole.groupby("t_s")["rate_per_s"].sum().tolist() == [pytest.approx(800, rel=0.05)] * 2
    # The last interval is half long: its rate is over the half that ran.
    last = frame[frame["t_s"] == 2]["rate_per_s"].sum()
    assert last == pytest.approx(800, rel=0.1)

    total = result.to_dataframe(total=True)
    assert len(total) == 3
    assert total["target_rate_per_s"].tolist() == [pytest.approx(800, rel=1e-3)] * 3


def test_summary_has_a_row_per_operation_and_the_total(result):
    summary = result.summary()
    assert summary.index.tolist() == ["health", "model_info", "total"]
    assert summary.loc["total", "count"] == result.total["count"]
    assert (
        summary.loc["health", "p99_ms"]
        == result.operations["health"]["latency"]["percentiles"]["99"]
    )
    assert summary.loc["total", "rps"] == pytest.approx(800, rel=0.05)
    # uniform 1-3 ms added: the median is near 2 ms, min near 1 ms.
    assert 1.8 < summary.loc["total", "p50_ms"] < 2.6
    assert 1.0 <= summary.loc["total", "min_ms"] < 1.3


def test_histogram_answers_any_percentile(result):
    histogram = result.histogram("health")
    stats = result.operations["health"]["latency"]
    assert histogram.count == result.operations["health"]["count"]
    assert histogram.value_at(99) == stats["percentiles"]["99"]
    assert histogram.max_ms == stats["max"]
    assert stats["percentiles"]["99"] <= histogram.value_at(99.5) <= stats["percentiles"]["99.9"]
    assert histogram.percentiles(50, 99.5).keys() == {"50", "99.5"}

    spectrum = histogram.spectrum()
    percentiles = [p for p, _ in spectrum]
    values = [v for _, v in spectrum]
    assert percentiles == sorted(percentiles) and percentiles[-1] == 100.0
    assert values == sorted(values) and values[-1] == stats["max"]
    # Five steps per halving until fewer than one value is left above: ~5 * log2(count).
    assert len(spectrum) == pytest.approx(5 * histogram.count.bit_length(), abs=6)

    series = histogram.to_series(50, 90, 99)
    assert series.index.tolist() == [50.0, 90.0, 99.0]
    assert result.histogram("health", kind="service_time").value_at(99) <= stats["max"]


def test_bad_questions_get_clear_errors(result):
    with pytest.raises(surge.ConfigError, match=r"no operation 'nope' .*health, model_info"):
        result.histogram("nope")
    with pytest.raises(surge.ConfigError, match="kind must be"):
        result.histogram("health", kind="wall")
    with pytest.raises(ValueError, match=r"within 0\.\.100"):
        result.histogram().value_at(101)


def test_the_example_notebook_runs(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    outputs = {i: cell.outputs for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"}
    errors = [o for cell in outputs.values() for o in cell if o.output_type == "error"]
    assert not errors
    # It made its two runs in its working directory, and found the 3 ms regression.
    assert (tmp_path / "base.json").exists() and (tmp_path / "new.json").exists()
    texts = [
        o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        for cell in outputs.values()
        for o in cell
    ]
    assert any("['health', 'model_info', 'total']" in t for t in texts)
    figures = [o for cell in outputs.values() for o in cell if "data" in o
               and "application/vnd.plotly.v1+json" in o["data"]]  # fmt: skip
    assert len(figures) == 2
