"""The performance suites of scenarios/, run at CI scale against the embedded target. Pass
--surge-scale 1 for their full length, and --surge-results DIR to keep every result."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def load_scenario_module(name: str):
    spec = importlib.util.spec_from_file_location(f"scenarios_{name}", SCENARIOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def medications():
    return load_scenario_module("medication_api")
