"""Reading results files back: `surge.load` and `surge.load_all`, for a run's JSON or a suite's
(its phases as Results)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from surge.errors import ConfigError
from surge.results.result import SUITE_SCHEMA, Result
from surge.results.suite import SuiteResult

# What a refusal of a results file says would be accepted.
AS_WRITTEN = "give a results file as surge writes it (--json, Result.save)"


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def read_json(path: str | Path) -> Any:
    """A results file's JSON, any schema; a file that is missing or not JSON is one line."""
    if not isinstance(path, (str, Path)):
        raise ConfigError(f"path: expected a file name, got {path!r}")
    try:
        # NaN and Infinity are Python's extensions to JSON, not values a count can hold.
        return json.loads(Path(path).read_text(), parse_constant=_refuse_constant)
    except FileNotFoundError:
        raise ConfigError(f"no results file at {path}; {AS_WRITTEN}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a directory, not a results file; {AS_WRITTEN}") from None
    except RecursionError:
        raise ConfigError(
            f"{path} is not a results file: its JSON is nested too deeply; {AS_WRITTEN}"
        ) from None
    except ValueError as exc:  # JSONDecodeError and the constants above
        raise ConfigError(f"{path} is not JSON: {exc}; {AS_WRITTEN}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None


def _with_file(path: str | Path, make: Callable[[], Any]) -> Any:
    """Runs `make`; a ConfigError it raises names the file, and what would be accepted."""
    try:
        return make()
    except ConfigError as exc:
        said = str(exc)
        raise ConfigError(
            f"{path}: {said}" + ("" if "this surge reads" in said else f"; {AS_WRITTEN}")
        ) from None


def load(path: str | Path) -> Any:
    """Loads a results JSON file written by surge: a Result for one run, a SuiteResult (its
    phases as Results, by position or by name) for a suite's file."""
    document = read_json(path)
    if isinstance(document, dict) and document.get("schema") == SUITE_SCHEMA:
        name = document.get("name")
        return SuiteResult(name if isinstance(name, str) else "", _phases(path, document))
    return _with_file(path, lambda: Result(document))


def load_all(path: str | Path) -> list[Result]:
    """The results in a file: one for a run, one per phase for a suite (surge.suite/1)."""
    document = read_json(path)
    if not (isinstance(document, dict) and document.get("schema") == SUITE_SCHEMA):
        return [_with_file(path, lambda: Result(document))]
    return _phases(path, document)


def _phases(path: str | Path, document: dict[str, Any]) -> list[Result]:
    phases = document.get("results")
    if not isinstance(phases, list):
        raise ConfigError(f"{path}: results: expected the list of the suite's phases, got {phases}")
    if not phases:
        raise ConfigError(
            f"{path}: the suite has no phases (its results list is empty); a suite file holds "
            "at least one"
        )
    loaded = []
    for i, phase in enumerate(phases):
        try:
            loaded.append(Result(phase))
        except ConfigError as exc:
            raise ConfigError(f"{path}: results[{i}]: {exc}; {AS_WRITTEN}") from None
    return loaded
