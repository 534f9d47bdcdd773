"""The performance suites of scenarios/, run at CI scale against the embedded target. Pass
--surge-scale 1 for their full length, and --surge-results DIR to keep every result."""

from __future__ import annotations

import pytest
from scenario_modules import load_scenario_module


@pytest.fixture(scope="module")
def medications():
    return load_scenario_module("medication_api")
