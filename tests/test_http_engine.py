"""HTTP load against the embedded target: counts add up, templates fill, checks work, and
the results document has the documented shape."""

from __future__ import annotations

import json

import pytest
import surge
from hdrh.histogram import HdrHistogram as ReferenceHistogram
from surge import http


def scenario(target, operations, **kwargs) -> surge.Scenario:
    defaults = {"load": surge.Connections(4), "duration": None, "requests": 1000}
    return surge.Scenario(
        name="t", base_url=target.url, operations=operations, **{**defaults, **kwargs}
    )


def test_closed_model_counts_add_up(target):
    ops = [http.get("health", "/api/v1/health", weight=3), http.get("info", "/api/v1/model/info")]
    result = surge.run(scenario(target, ops, requests=4000, threads=2))
    assert result.total["count"] == 4000
    assert result.total["error_count"] == 0
    counts = {name: s["count"] for name, s in result.operations.items()}
    assert sum(counts.values()) == 4000
    assert counts["health"] / 4000 == pytest.approx(0.75, abs=0.04)
    assert target.requests_served == 4000
    assert result.total["latency"]["percentiles"]["50"] > 0
    # Closed model: the intended start is the send, so lag is only the time to build the
    # request (the first request of each connection also waits for its connect).
    # The p90, not the p99: a preemption mid-build on a shared machine lands in the tail.
    assert result.total["schedule_lag"]["percentiles"]["90"] < 0.05


def test_open_model_issues_every_scheduled_request(target):
    ops = [http.get("health", "/api/v1/health")]
    result = surge.run(
        scenario(target, ops, load=surge.ConstantRate(2000, connections=8), requests=1000)
    )
    assert result.total["count"] == 1000
    assert result.total["dropped"] == 0
    assert result["load"]["model"] == "open"
    # 1000 requests at 2000/s are spread over about half a second.
    assert 0.45 < result["duration_s"] < 1.5
    lag = result.total["schedule_lag"]
    assert lag["min"] is not None and lag["min"] >= 0


def test_templates_fill_as_specified(target):
    ops = [
        http.put(
            "put",
            "/cache/user-{id}",
            body='{"id": {id}, "tag": "{tag}"}',
            variables={"id": "seq(500)", "tag": "choice(a,b)"},
        )
    ]
    result = surge.run(scenario(target, ops, requests=200, threads=2, load=surge.Connections(4)))
    assert result.total["count"] == 200 and result.total["error_count"] == 0
    assert target.cache_size() == 200
    for i in range(500, 700):
        stored = json.loads(target.cache_get(f"user-{i}"))
        assert stored["id"] == i and stored["tag"] in ("a", "b")


def test_status_and_body_checks(target):
    target.cache_get("nothing")
    ops = [
        http.get("miss_ok", "/cache/none", expect_status=[404], weight=1),
        http.get("body_ok", "/api/v1/health", expect_body="healthy", weight=1),
        http.get("body_bad", "/api/v1/health", expect_body="sick", weight=1),
        http.get("status_bad", "/api/v1/health", expect_status=[201], weight=1),
    ]
    result = surge.run(scenario(target, ops, requests=800))
    ops_stats = result.operations
    assert ops_stats["miss_ok"]["error_count"] == 0
    assert ops_stats["body_ok"]["error_count"] == 0
    assert ops_stats["body_bad"]["errors"] == {"check_failed": ops_stats["body_bad"]["count"]}
    assert ops_stats["status_bad"]["errors"] == {"check_failed": ops_stats["status_bad"]["count"]}
    assert "HTTP 200" in ops_stats["status_bad"]["error_examples"]["check_failed"][0]


def test_results_document_shape(target, tmp_path):
    ops = [
        http.get("health", "/api/v1/health"),
        http.post("classify", "/api/v1/classify", body="{img}", variables={"img": "bytes(1000)"}),
    ]
    result = surge.run(
        scenario(
            target,
            ops,
            requests=None,
            duration="2.2s",
            warmup="0.3s",
            load=surge.ConstantRate(500, connections=4),
        )
    )
    path = result.save(tmp_path / "r.json")
    doc = json.loads(path.read_text())
    assert doc["schema"] == "surge.result/1"
    assert set(doc) >= {
        "schema",
        "surge_version",
        "scenario",
        "load",
        "started_at",
        "duration_s",
        "operations",
        "total",
        "timeseries",
    }
    assert doc["duration_s"] == pytest.approx(2.2, abs=0.01)
    assert doc["total"]["rate_per_s"] == pytest.approx(500, rel=0.05)
    for stats in [doc["total"], *doc["operations"].values()]:
        assert set(stats) >= {
            "count",
            "errors",
            "error_examples",
            "rate_per_s",
            "latency",
            "service_time",
            "schedule_lag",
            "histogram",
        }
        assert set(stats["latency"]["percentiles"]) == {
            "50",
            "75",
            "90",
            "95",
            "99",
            "99.9",
            "99.99",
        }
        decoded = ReferenceHistogram.decode(stats["histogram"])
        assert decoded.get_total_count() == stats["count"]
    seconds = sorted({row["t_s"] for row in doc["timeseries"]})
    assert seconds[:2] == [0.0, 1.0]
    per_second = [sum(r["count"] for r in doc["timeseries"] if r["t_s"] == t) for t in (0.0, 1.0)]
    assert all(c == pytest.approx(500, rel=0.05) for c in per_second)
    loaded = surge.load(path)
    assert loaded.total["count"] == doc["total"]["count"]
    assert loaded.histogram("health").count == doc["operations"]["health"]["count"]


def test_warmup_is_excluded(target):
    ops = [http.get("health", "/api/v1/health")]
    result = surge.run(
        scenario(
            target,
            ops,
            requests=None,
            duration="1s",
            warmup="1s",
            load=surge.ConstantRate(400, connections=4),
        )
    )
    assert target.requests_served == pytest.approx(800, abs=10)
    assert result.total["count"] == pytest.approx(400, abs=5)


def test_password_never_reaches_results(target):
    url = target.url.replace("http://", "http://alice:s3cret@")
    result = surge.run(
        scenario(target, [http.get("h", "/api/v1/health")], requests=10), base_url=url
    )
    assert "s3cret" not in result.to_json()
    assert "alice:***@" in result["scenario"]["base_url"]


def test_progress_callback_runs_once_per_interval_and_can_stop(target):
    seen = []

    def progress(report):
        seen.append(report.elapsed_s)
        return len(seen) < 2

    ops = [http.get("health", "/api/v1/health")]
    result = surge.run(
        scenario(
            target,
            ops,
            requests=None,
            duration="30s",
            interval="200ms",
            load=surge.ConstantRate(200, connections=2),
        ),
        progress=progress,
    )
    assert seen == pytest.approx([0.2, 0.4], abs=1e-6)
    assert result.interrupted
    assert result["duration_s"] < 1.0


def test_engine_releases_the_gil(target):
    import threading

    ticks = []
    stop = threading.Event()

    def busy():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.01)

    t = threading.Thread(target=busy)
    t.start()
    surge.run(
        scenario(
            target,
            [http.get("h", "/api/v1/health")],
            requests=None,
            duration="1s",
            load=surge.ConstantRate(100, connections=2),
        )
    )
    stop.set()
    t.join()
    assert len(ticks) > 30


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"base_url": "ftp://127.0.0.1:1"}, "expected http://HOST"),
        ({"base_url": "http://127.0.0.1:1", "tls": surge.Tls()}, "applies to https://"),
        ({"base_url": "127.0.0.1:80"}, "expected http://HOST"),
        ({"duration": "ten"}, "duration: expected a duration"),
        ({"threads": 0}, "threads: must be"),
        ({"nonsense": 1}, "unknown scenario setting"),
    ],
)
def test_bad_configuration_is_one_clear_error(target, change, message):
    base = scenario(target, [http.get("h", "/")])
    with pytest.raises(surge.ConfigError, match=message):
        surge.run(base, **change)


def test_bad_template_fails_before_any_load(target):
    # Rendered once when the operation is made: the error comes before any scenario or run.
    with pytest.raises(surge.ConfigError, match=r"operation 'h'.*nope"):
        scenario(target, [http.get("h", "/x/{nope}")])
    assert target.requests_served == 0
