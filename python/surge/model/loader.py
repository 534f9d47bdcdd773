"""Loads scenario modules (`surge run FILE.py`) and finds the scenarios they define; a YAML
scenario file (`surge run FILE.yaml`) is surge.model.scenario_file's."""

from __future__ import annotations

import importlib.util
import math
import sys
import traceback
from pathlib import Path
from typing import Any

from surge.errors import ConfigError
from surge.model.scenario import Scenario, ScenarioFactory


def load_scenarios(path: str | Path) -> dict[str, Scenario | ScenarioFactory]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"no scenario file at {path}; give a .py or .yaml scenario file")
    if path.suffix in (".yaml", ".yml"):
        from surge.model.scenario_file import load

        factory = load(path)
        return {factory.name: factory}
    spec = importlib.util.spec_from_file_location(f"surge_scenario_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{path} is not a Python module; give a .py or .yaml scenario file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        where = f"{path}:{exc.lineno}" if exc.lineno else str(path)
        raise ConfigError(f"{where}: SyntaxError: {exc.msg}") from None
    except ValueError as exc:  # a null byte, before Python 3.12 calls it a SyntaxError
        if "null bytes" not in str(exc):
            raise ConfigError(f"{_located(path, exc)}: {type(exc).__name__}: {exc}") from None
        raise ConfigError(f"{path}: SyntaxError: {exc}") from None
    except SystemExit as exc:
        raise ConfigError(
            f"{_located(path, exc)}: the module called exit({exc.code!r}) while loading"
        ) from None
    except Exception as exc:  # the user's own error, where it happened in the user's file
        raise ConfigError(f"{_located(path, exc)}: {type(exc).__name__}: {exc}") from None
    found: dict[str, Scenario | ScenarioFactory] = {}
    for value in vars(module).values():
        if isinstance(value, (ScenarioFactory, Scenario)):
            found[value.name] = value
    if not found:
        raise ConfigError(
            f"{path} defines no scenario: add a surge.Scenario or an @surge.scenario function"
        )
    return found


def _located(path: Path, exc: BaseException) -> str:
    """path:line of the last frame of the traceback that is in the scenario file."""
    line = None
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in frames:
        if Path(frame.filename) == path:
            line = frame.lineno
    return f"{path}:{line}" if line else str(path)


def coerce(value: str, like: Any, key: str) -> Any:
    """Converts a --set string to the type of the parameter's default."""
    try:
        if isinstance(like, bool):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if isinstance(like, (int, float)) and not value.strip().isascii():
            raise ValueError  # int() and float() take '٣'; nobody means it
        if isinstance(like, int):
            return int(value)
        if isinstance(like, float):
            number = float(value)
            if not math.isfinite(number):
                raise ValueError
            return number
    except ValueError:
        raise ConfigError(
            f"--set {key}={value}: expected {_KIND.get(type(like), 'text')}, as its default "
            f"{like!r} is"
        ) from None
    return value


_KIND = {bool: "true or false", int: "a whole number", float: "a finite number"}


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
    # --set write-iterations=5 is --set write_iterations=5: a parameter is spelled the way its
    # module's own command line spells it, or the way Python does.
    settings = {key.replace("-", "_"): value for key, value in settings.items()}
    if isinstance(chosen, ScenarioFactory):
        params = {k: coerce(v, chosen.defaults.get(k), k) for k, v in settings.items()}
        return chosen(**params)
    fields: dict[str, Any] = {}
    for key, value in settings.items():
        current = getattr(chosen, key, None)
        fields[key] = coerce(value, current, key) if current is not None else value
    return chosen.replace(**fields) if fields else chosen
