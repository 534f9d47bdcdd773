"""Loads scenario modules (`surge run FILE.py`) and finds the scenarios they define."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .scenario import Scenario, ScenarioFactory


def load_scenarios(path: str | Path) -> dict[str, Scenario | ScenarioFactory]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"no scenario file at {path}")
    spec = importlib.util.spec_from_file_location(f"surge_scenario_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{path} is not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    found: dict[str, Scenario | ScenarioFactory] = {}
    for value in vars(module).values():
        if isinstance(value, (ScenarioFactory, Scenario)):
            found[value.name] = value
    if not found:
        raise ConfigError(
            f"{path} defines no scenario: add a surge.Scenario or an @surge.scenario function"
        )
    return found


def coerce(value: str, like: Any, key: str) -> Any:
    """Converts a --set string to the type of the parameter's default."""
    try:
        if isinstance(like, bool):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if isinstance(like, int):
            return int(value)
        if isinstance(like, float):
            return float(value)
    except ValueError:
        raise ConfigError(f"--set {key}={value}: expected a {type(like).__name__}") from None
    return value


def pick(
    scenarios: dict[str, Scenario | ScenarioFactory], name: str | None, settings: dict[str, str]
) -> Scenario | list[Scenario]:
    if name is None:
        if len(scenarios) > 1:
            raise ConfigError(
                f"this file defines several scenarios; pick one with -s: {', '.join(scenarios)}"
            )
        name = next(iter(scenarios))
    if name not in scenarios:
        raise ConfigError(f"no scenario {name!r}; this file defines: {', '.join(scenarios)}")
    chosen = scenarios[name]
    if isinstance(chosen, ScenarioFactory):
        params = {k: coerce(v, chosen.defaults.get(k), k) for k, v in settings.items()}
        return chosen(**params)
    fields: dict[str, Any] = {}
    for key, value in settings.items():
        current = getattr(chosen, key, None)
        fields[key] = coerce(value, current, key) if current is not None else value
    return chosen.replace(**fields) if fields else chosen
