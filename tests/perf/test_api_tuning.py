"""The tuning table of scenarios/api_tuning.py as parametrised SLO tests: one per deployment
size, each with its own targets attached as an slo marker."""

from __future__ import annotations

import pytest
from scenario_modules import load_scenario_module

tuning = load_scenario_module("api_tuning")


@pytest.mark.parametrize(
    "size",
    [pytest.param(s, marks=pytest.mark.slo(*s.slos), id=s.name) for s in tuning.SIZES.values()],
)
def test_each_size_meets_its_table(size, surge_target, surge_run):
    surge_run(tuning.scenario_for(size, surge_target.url, duration="8s"))
