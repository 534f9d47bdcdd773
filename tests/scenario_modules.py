"""Loads a module of scenarios/ by name, as `surge run` would, for the performance suites."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def load_scenario_module(name: str):
    spec = importlib.util.spec_from_file_location(f"scenarios_{name}", SCENARIOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
