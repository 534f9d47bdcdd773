"""`surge compare`: deltas between two real runs of the embedded target, and the exit code CI
gates on."""

from __future__ import annotations

import pytest
import surge
from surge import http
from surge.cli import main
from surge.results import compare

OPS = [http.get("health", "/api/v1/health")]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    with surge.Target() as target:
        scenario = surge.Scenario(
            name="cmp", base_url=target.url, operations=OPS, load=surge.ConstantRate(200),
            duration="1s",
        )  # fmt: skip
        target.set_latency("fixed", 2)
        surge.run(scenario).save(out / "base.json")
        surge.run(scenario).save(out / "same.json")
        target.set_latency("fixed", 10)
        surge.run(scenario).save(out / "slower.json")
    return out


def test_a_slower_run_fails_the_gate_and_names_the_metric(runs, capsys):
    code = main(["compare", str(runs / "base.json"), str(runs / "slower.json"),
                 "--fail-on", "p95:+50%,rps:-5%"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 99  # the code --slo uses for a missed target
    regressed = [line for line in out.splitlines() if line.endswith("REGRESSED")]
    # 2 ms -> 10 ms added: p95 grew for the operation and the total; rps held.
    assert sorted(line.split()[0] for line in regressed) == ["health", "total"]
    assert all(line.split()[1] == "p95" for line in regressed)
    assert "2 regression(s) beyond p95:+50%,rps:-5%" in out


def test_a_like_run_passes_and_report_only_never_fails(runs, capsys):
    assert main(["compare", str(runs / "base.json"), str(runs / "same.json"),
                 "--fail-on", "p95:+50%,rps:-5%"]) == 0  # fmt: skip
    assert main(["compare", str(runs / "base.json"), str(runs / "slower.json")]) == 0
    out = capsys.readouterr().out
    assert "REGRESSED" not in out and " p99 " in out


def test_limits_parse_and_rates_compare_in_points():
    limits = compare.parse_limits("p95:+10%, rps:-5%,error_rate:+0.1%")
    assert [str(limit) for limit in limits] == ["p95:+10%", "rps:-5%", "error_rate:+0.1%"]
    base = {"operations": {}, "total": {"count": 1000, "error_count": 1, "rate_per_s": 100.0,
            "latency": {"percentiles": {"95": 10.0}}}}  # fmt: skip
    new = {"operations": {}, "total": {"count": 1000, "error_count": 3, "rate_per_s": 96.0,
           "latency": {"percentiles": {"95": 10.9}}}}  # fmt: skip
    deltas = {d.limit.metric: d for d in compare.compare(base, new, limits)}
    assert not deltas["p95"].broken and not deltas["rps"].broken
    assert deltas["error_rate"].change == pytest.approx(0.002) and deltas["error_rate"].broken


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "missing.json", "missing.json"], "no results file at missing.json"),
        (["compare", "{base}", "{base}", "--fail-on", "p95:10"], "expected METRIC:+N%"),
    ],
)
def test_bad_input_is_one_line(runs, capsys, args, message):
    argv = [a.replace("{base}", str(runs / "base.json")) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
