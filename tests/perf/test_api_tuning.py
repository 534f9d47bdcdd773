"""The tuning table of scenarios/api_tuning.py as parametrised tests: per deployment size, an
SLO test with the size's targets attached as an slo marker, and a capacity search against a
target of known capacity that must find the size's rate holding."""

from __future__ import annotations

import pytest
from scenario_modules import load_scenario_module
from served_target import served

tuning = load_scenario_module("api_tuning")


@pytest.mark.parametrize(
    "size",
    [pytest.param(s, marks=pytest.mark.slo(*s.slos), id=s.name) for s in tuning.SIZES.values()],
)
def test_each_size_meets_its_table(size, surge_target, surge_run):
    surge_run(tuning.scenario_for(size, surge_target.url, duration="8s"))


@pytest.fixture
def target_of_known_capacity(request):
    """`surge serve` spending the size's CPU work per request on its one thread."""
    size = request.param
    with served("--threads", "1", "--cpu-work", tuning.cpu_work_for(size)) as (_, url):
        yield size, url


@pytest.mark.parametrize(
    "target_of_known_capacity",
    [pytest.param(s, id=s.name) for s in tuning.SIZES.values()],
    indirect=True,
)
def test_each_size_sustains_its_rate_in_a_capacity_search(target_of_known_capacity, surge_capacity):
    # The table's throughput as a capacity claim, against a target whose limit is known:
    # HEADROOM x the size's rate. The search must find the size's rate holding its latency
    # targets, and its answer must be near the known limit (not far above: the target cannot
    # serve more; not far below: the search would be too timid).
    size, url = target_of_known_capacity
    known = tuning.HEADROOM * size.rps
    report = surge_capacity(
        tuning.scenario_for(size, url),
        size.capacity_slos,
        at_least=size.rps,
        min_rate=size.rps / 2,
        max_rate=3 * size.rps,
        resolution=0.05,
        step="4s",
        warmup="2s",
        generator_lag="50ms",
    )
    print(f"{size.name}: known {known:,.0f} req/s; {report.describe()}")
    assert 0.8 * known <= report.highest_passing_rate <= 1.1 * known, report.describe()
