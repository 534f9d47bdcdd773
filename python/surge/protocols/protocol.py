"""What the Python layer knows of a protocol: one `Protocol` per wire protocol, defined in its
own package (surge.protocols.http, .redis, .postgres) beside its operations, and listed once in
surge.protocols.registry. Scenario, the run plan, the runner and the CLI ask it; none of them
branches on a protocol by name.

The C++ side of a protocol is its folder cpp/surge/proto/<name>/ and its bindings;
docs/architecture.md walks through adding one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


def _no_fields(_stats: Iterable[Any]) -> dict[str, Any]:
    return {}


def _no_check(_plan: Any) -> None:
    return None


def _as_is(operations: Any) -> list[Any]:
    return list(operations)


def _reached_by_the_engine(_target: Any, _timeout_s: float, _tls: Any = None) -> None:
    return None


@dataclass(frozen=True)
class Protocol:
    # Its module's name (surge.http: "http"), and how messages name its targets ("redis://").
    name: str
    label: str
    # What Scenario.operations hold for it (surge.http.get(...) makes an HttpOperation).
    operation_type: type | tuple[type, ...]
    # Whether a target URL (or DSN) is this protocol's.
    claims: Callable[[str], bool]
    # The URL parsed into the protocol's target; a ConfigError names what is wrong.
    parse_target: Callable[[str], Any]
    # The engine spec with the target and operations filled in (surge.plan adds the rest).
    engine_spec: Callable[[Any], Any]
    # The engine's run function: run(spec, progress) -> RunResult, GIL released.
    run: Callable[..., Any]
    # A request's timeout when the scenario sets none.
    default_timeout: str
    # Scenario settings that apply to this protocol only ("pipeline", "pipeline_sync").
    settings: frozenset[str] = field(default_factory=frozenset)
    # The plan's rows from the scenario's operations, one per engine operation (a journey
    # becomes its steps and its own row).
    expand: Callable[[Any], list[Any]] = _as_is
    # Rules of its own on a resolved plan; raises ConfigError.
    check: Callable[[Any], None] = _no_check
    # Connects once to the target before a command's run (surge.reach): raises ConfigError
    # naming why it cannot be reached. The default leaves it to the engine's first connect.
    reach: Callable[[Any, float, Any], None] = _reached_by_the_engine
    # Fields of its own in an operation's results, from the engine's OperationStats.
    stats_fields: Callable[[Iterable[Any]], dict[str, Any]] = _no_fields
    # Its `surge` command: the module (imported by the CLI only) with the command's NAME, HELP,
    # COUNTS (what -n counts), add_flags(parser) for its own flags, and cmd(args). The flags
    # every run command shares come from surge.cli.args.add_shared_run_flags.
    cli: str = ""

    @property
    def target_kind(self) -> str:
        return f"a {self.label} target"
