"""Journeys: named sequences of HTTP steps one user runs in order, keeping what responses said
in its own variables for the steps after (docs/journeys.md).

    http.journey("crud", [
        http.post("create", "/api/v1/medications", body=..., capture={"id": "$.id"}),
        http.get("read", "/api/v1/medications/{id}", check={"$.name": "{name}"}),
        http.delete("remove", "/api/v1/medications/{id}"),
    ], feeder=http.feeder("medications.csv"))

A journey runs natively: the engine sends each step, captures from its response (simdjson for
JSON paths) and renders the next step, with no Python per request. In the run it is rows of
operations: each step is an operation named JOURNEY/STEP (weight 0, never drawn on its own),
and the journey's own row times the whole transaction from its intended start.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import surge._core as _core
from surge import checks
from surge.errors import ConfigError
from surge.protocols.http.extras import IDENTIFIER
from surge.protocols.http.operations import HttpOperation

FEEDER_MODES = ("circular", "random", "unique")


@dataclass(frozen=True)
class Feeder:
    """Rows of a CSV (with a header line) or JSON-lines file, handed to users: each journey
    started takes the next row into its user's variables, one per column. `mode`: "circular"
    (in order, then round again), "random", or "unique" (each row once; the run stops when they
    are used up). Threads take disjoint rows."""

    path: str
    mode: str = "circular"
    name: str = ""
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = field(default=(), repr=False)

    def engine_feeder(self) -> _core.HttpFeeder:
        feeder = _core.HttpFeeder()
        feeder.name = self.name
        feeder.mode = getattr(_core.HttpFeeder.Mode, self.mode)
        feeder.columns = list(self.columns)
        feeder.rows = [list(r) for r in self.rows]
        return feeder


def feeder(path: str | os.PathLike[str], mode: str = "circular") -> Feeder:
    """Reads a feeder's rows now, so a bad file fails before any load: a CSV file's first line
    names the columns; a .jsonl file holds one JSON object per line."""
    where = f"feeder {str(path)!r}"
    if mode not in FEEDER_MODES:
        raise ConfigError(f"{where}: mode must be one of {', '.join(FEEDER_MODES)}, got {mode!r}")
    text_path = os.fspath(path)
    try:
        with open(text_path, encoding="utf-8", newline="") as handle:
            if text_path.endswith((".jsonl", ".ndjson")):
                columns, rows = _json_lines(handle, where)
            else:
                columns, rows = _csv_rows(handle, where)
    except OSError as exc:
        raise ConfigError(
            f"{where}: cannot read it: {exc.strerror or exc}; give a CSV or .jsonl file"
        ) from None
    except csv.Error as exc:
        raise ConfigError(f"{where}: not CSV: {exc}") from None
    except RecursionError:
        raise ConfigError(
            f"{where}: a value is nested too deeply; give rows of flat values"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{where}: expected UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    if not rows:
        raise ConfigError(f"{where}: has no rows; a feeder needs at least one")
    name = os.path.splitext(os.path.basename(text_path))[0]
    return Feeder(text_path, mode, name, tuple(columns), tuple(rows))


def _columns(names: Sequence[str], where: str) -> list[str]:
    for name in names:
        if not IDENTIFIER.fullmatch(name or ""):
            raise ConfigError(
                f"{where}: column {name!r} must be an identifier (letters, digits, _): "
                "templates name it as {column}"
            )
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: column names must differ, got {list(names)}")
    return list(names)


def _csv_rows(handle: Any, where: str) -> tuple[list[str], list[tuple[str, ...]]]:
    reader = csv.reader(handle)
    header = next(reader, None)
    if not header:
        raise ConfigError(f"{where}: empty; its first line must name the columns")
    columns = _columns([c.strip() for c in header], where)
    rows = []
    for row in reader:
        if not row:
            continue
        if len(row) != len(columns):
            raise ConfigError(
                f"{where}, line {reader.line_num}: expected {len(columns)} fields as the header "
                f"has, got {len(row)}"
            )
        rows.append(tuple(row))
    return columns, rows


def _json_lines(handle: Any, where: str) -> tuple[list[str], list[tuple[str, ...]]]:
    columns: list[str] = []
    rows = []
    for line, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{where}, line {line}: expected one JSON object per line ({exc.msg})"
            ) from None
        if not isinstance(record, dict):
            raise ConfigError(f"{where}, line {line}: each line must be a JSON object")
        if not columns:
            columns = _columns(list(record), where)
        if set(record) != set(columns):
            raise ConfigError(f"{where}, line {line}: keys {sorted(record)}, expected {columns}")
        rows.append(
            tuple(v if isinstance(v, str) else json.dumps(v) for v in (record[c] for c in columns))
        )
    return columns, rows


@dataclass(frozen=True)
class Transaction:
    """A named group of a journey's consecutive steps, timed as a whole on a row of its own
    (JOURNEY/NAME): from its first step's intended start to its last step's end."""

    name: str
    steps: tuple[Any, ...]


def transaction(name: str, steps: Sequence[Any]) -> Transaction:
    where = f"transaction {checks.operation_name(name)!r}"
    if "/" in name:
        raise ConfigError(f"{where}: a transaction's name has no '/'")
    listed = tuple(checks.sequence(steps, f"{where}: steps"))
    if not listed:
        raise ConfigError(f"{where}: needs at least one step")
    if any(isinstance(s, Transaction) for s in listed):
        raise ConfigError(f"{where}: transactions do not nest")
    return Transaction(name, listed)


@dataclass(frozen=True)
class TransactionRow:
    """A transaction's row of the run (never sent: its journey's steps are)."""

    name: str
    journey: str
    steps: tuple[str, ...]
    weight: float = 0.0
    request_type = "TRANSACTION"

    def result_fields(self) -> dict[str, Any]:
        return {
            "request_type": self.request_type,
            "kind": "transaction",
            "journey": self.journey,
            "steps": list(self.steps),
        }

    def engine_operation(self, _base_path: str = "") -> _core.HttpOperation:
        op = _core.HttpOperation()
        op.name = self.name
        op.weight = 0.0
        return op


@dataclass(frozen=True)
class HttpJourney:
    """A journey: steps (surge.http operations, with capture=, check=, think=, on_failure=)
    run in order by one user. `weight` draws it beside plain operations; `feeder` gives each
    journey started a row; `cookies` keeps a cookie jar per user."""

    name: str
    steps: tuple[Any, ...]
    weight: float = 1.0
    feeder: Feeder | None = None
    cookies: bool = True
    # Drawn once as each journey starts (name -> generator, such as "uuid" or "seq"), the same
    # for all its steps: a key it writes and then reads back.
    variables: Mapping[str, str] = field(default_factory=dict)
    # Named groups of consecutive steps: (name, first step index, last step index).
    transactions: tuple[tuple[str, int, int], ...] = ()

    request_type = "JOURNEY"

    def __post_init__(self) -> None:
        name = checks.operation_name(self.name)
        where = f"journey {name!r}"
        if "/" in name:
            raise ConfigError(f"{where}: a journey's name has no '/' (its steps are {name}/STEP)")
        steps = checks.sequence(self.steps, f"{where}: steps")
        if not steps:
            raise ConfigError(f"{where}: needs at least one step")
        if self.feeder is not None and not isinstance(self.feeder, Feeder):
            raise ConfigError(
                f"{where}: feeder must be made with surge.http.feeder(path), got {self.feeder!r}"
            )
        checks.generators(self.variables, f"{where}: variables")
        known = set(self.feeder.columns) if self.feeder is not None else set()
        known |= set(self.variables)
        names = []
        for step in steps:
            if not isinstance(step, HttpOperation):
                raise ConfigError(f"{where}: a step is a surge.http operation, got {step!r}")
            if step.journey:
                raise ConfigError(
                    f"{where}: step {step.name!r} is already a step of {step.journey!r}"
                )
            names.append(step.name)
            missing = sorted(step.user_variables - known)
            if missing:
                raise ConfigError(
                    f"{where}, step {step.name!r}: uses {{{missing[0]}}} before any step captures "
                    "it and no feeder column has it; capture it in an earlier step, or add a "
                    "feeder column of that name"
                )
            known |= step.extras.variables()
        names += [t[0] for t in self.transactions]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigError(f"{where}: step and transaction names must be unique: {duplicates}")
        checks.weight(self.weight, where)
        if not isinstance(self.cookies, bool):
            raise ConfigError(f"{where}: cookies must be True or False, got {self.cookies!r}")
        object.__setattr__(self, "steps", tuple(steps))

    def result_fields(self) -> dict[str, Any]:
        return {
            "request_type": self.request_type,
            "kind": "journey",
            "steps": [f"{self.name}/{s.name}" for s in self.steps],
        }

    def journey_fields(self, engine_stats: Any) -> dict[str, Any]:
        """Started, completed and aborted journeys, and by which step."""
        errors = engine_stats.errors
        aborted = sum(v for k, v in errors.items() if k != "feeder_exhausted")
        by_step = {
            f"{self.name}/{self.steps[int(code)].name}": count
            for code, count in engine_stats.error_codes.items()
        }
        return {
            "started": engine_stats.count + engine_stats.unfinished,
            "completed": engine_stats.count - sum(errors.values()),
            "aborted": aborted,
            "aborted_by_step": by_step,
            "not_started": errors.get("feeder_exhausted", 0),
        }

    def expanded(self) -> list[Any]:
        """Its rows of the run: the steps (JOURNEY/STEP, weight 0), then itself."""
        steps = [
            replace(step, name=f"{self.name}/{step.name}", weight=0.0, journey=self.name)
            for step in self.steps
        ]
        transactions = [
            TransactionRow(
                f"{self.name}/{name}",
                self.name,
                tuple(f"{self.name}/{s.name}" for s in self.steps[first : last + 1]),
            )
            for name, first, last in self.transactions
        ]
        return [*steps, *transactions, self]

    def engine_operation(self, _base_path: str = "") -> _core.HttpOperation:
        # Its transaction row: drawn by weight, never sent itself.
        op = _core.HttpOperation()
        op.name = self.name
        op.weight = float(self.weight)
        return op


def journey(
    name: str,
    steps: Sequence[Any],
    *,
    weight: float = 1.0,
    feeder: Feeder | None = None,
    cookies: bool = True,
    variables: Mapping[str, str] | None = None,
) -> HttpJourney:
    where = f"journey {checks.operation_name(name)!r}"
    flat: list[Any] = []
    transactions = []
    for step in checks.sequence(steps, f"{where}: steps"):
        if isinstance(step, Transaction):
            transactions.append((step.name, len(flat), len(flat) + len(step.steps) - 1))
            flat.extend(step.steps)
        else:
            flat.append(step)
    return HttpJourney(
        name=name,
        steps=tuple(flat),
        transactions=tuple(transactions),
        weight=weight,
        feeder=feeder,
        cookies=cookies,
        variables=checks.text_map(variables, f"{where}: variables"),
    )


def engine_journeys(spec: _core.HttpRunSpec, operations: Sequence[Any]) -> None:
    """Fills the spec's journeys and feeders from the plan's rows (HttpJourney.expanded)."""
    index = {op.name: i for i, op in enumerate(operations)}
    feeders: list[Feeder] = []
    journeys = []
    for row, op in enumerate(operations):
        if not isinstance(op, HttpJourney):
            continue
        engine = _core.HttpJourney()
        engine.name = op.name
        engine.steps = [index[f"{op.name}/{s.name}"] for s in op.steps]
        engine.cookies = op.cookies
        engine.variables = list(op.variables.items())
        engine.transactions = [
            _core.HttpTransaction(index[f"{op.name}/{name}"], first, last)
            for name, first, last in op.transactions
        ]
        if op.feeder is not None:
            if op.feeder not in feeders:
                feeders.append(op.feeder)
            engine.feeder = feeders.index(op.feeder)
        journeys.append(engine)
        spec.operations[row].journey = len(journeys) - 1
        for step in engine.steps:
            spec.operations[step].step_of = len(journeys) - 1
    spec.journeys = journeys
    spec.feeders = [f.engine_feeder() for f in feeders]
