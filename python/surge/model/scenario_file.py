"""Scenarios written as YAML, for people who do not write Python (docs/journeys.md):

    name: accounts
    base_url: http://127.0.0.1:8080
    load: {users: 10, think: [0.5s, 1.5s]}    # or {rate: 200, connections: 16}
    duration: 30s
    feeders:
      users: {file: users.csv, mode: unique}   # relative to this file
    journeys:
      - name: login
        feeder: users
        steps:
          - name: login
            post: /api/v1/login
            body: '{"user": "{user}", "password": "{password}"}'
            capture: {token: $.token}
          - {name: me, get: /api/v1/me, headers: {Authorization: Bearer {token}}}
    operations:
      - {name: health, get: /api/v1/health, weight: 2}

A PostgreSQL scenario (a postgresql:// base_url) takes pgbench scripts instead:

    scripts:
      - {file: tpcb.sql, weight: 1, scale: 10}      # pgbench -f tpcb.sql@1 -s 10
      - {builtin: select-only, weight: 3, scale: 10}

A Redis scenario (a redis:// base_url) takes command templates, and may name a cluster:

    base_url: redis://127.0.0.1:7000
    cluster: true                   # a Redis Cluster: route by slot (docs/redis.md)
    read_from: replica              # primary (the default), replica or any
    pipeline: 16
    commands:
      - {name: set, command: "SET user:{id} {value}", weight: 1,
         variables: {id: "uniform(1,100000)", value: "bytes(100)"}}
      - {name: get, command: "GET user:{id}", weight: 10, variables: {id: "zipf(1,100000,0.99)"}}

`surge run FILE.yaml` runs it, and `--set KEY=VALUE` overrides a top-level setting (base_url,
duration, requests, threads). Every mistake is one line naming the file, the line, and what is
wrong. YAML, not TOML: its parser gives each value's line, so an error can point at it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from surge.errors import ConfigError

_SCENARIO_KEYS = {
    "name", "base_url", "load", "duration", "requests", "threads", "warmup", "timeout",
    "feeders", "journeys", "operations", "scripts", "commands", "pipeline", "cluster", "read_from",
}  # fmt: skip
_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_REQUEST_KEYS = {
    "name", "method", "path", "headers", "body", "variables", "expect_status", "expect_body",
    "miss_status", "max_body_bytes", "capture", "check", "think", "on_failure", "weight",
    *_METHODS,
}  # fmt: skip
_JOURNEY_KEYS = {"name", "steps", "weight", "feeder", "cookies", "variables"}
_FEEDER_KEYS = {"file", "mode"}
_SCRIPT_KEYS = {"file", "builtin", "weight", "scale", "per_statement"}
_COMMAND_KEYS = {"name", "command", "variables", "weight"}
_LOAD_KEYS = {"users", "rate", "connections", "think", "spawn_rate", "max_connections"}
OVERRIDABLE = ("base_url", "duration", "requests", "threads")
_SETTINGS = (
    "name", "base_url", "duration", "requests", "threads", "warmup", "timeout", "pipeline",
    "cluster", "read_from",
)  # fmt: skip


class _Node:
    """A YAML value with the line it starts on."""

    def __init__(self, value: Any, line: int):
        self.value = value
        self.line = line


def _located(node: Any, scalars: Any = None) -> _Node:
    """The composed YAML node as _Nodes all the way down (mappings as dicts, sequences as
    lists, scalars as YAML's safe constructor resolves them)."""
    import yaml

    scalars = scalars or yaml.constructor.SafeConstructor()
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, _Node] = {}
        for key, value in node.value:
            name = scalars.construct_object(key) if isinstance(key, yaml.ScalarNode) else None
            if not isinstance(name, str):
                raise _Error(key.start_mark.line + 1, f"a key must be text, got {key.value!r}")
            if name in out:
                raise _Error(key.start_mark.line + 1, f"{name!r} is given twice")
            out[name] = _located(value, scalars)
        return _Node(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_located(v, scalars) for v in node.value], line)
    return _Node(scalars.construct_object(node), line)


class _Error(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def _plain(node: _Node) -> Any:
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    return node.value


def _mapping(node: _Node, what: str, allowed: set[str]) -> dict[str, _Node]:
    if not isinstance(node.value, dict):
        raise _Error(node.line, f"{what} must be a mapping (key: value), got {_plain(node)!r}")
    for key in node.value:
        if key not in allowed:
            raise _Error(
                node.value[key].line,
                f"unknown key {key!r} in {what} (expected one of: {', '.join(sorted(allowed))})",
            )
    return node.value


def _sequence(node: _Node, what: str) -> list[_Node]:
    if not isinstance(node.value, list):
        raise _Error(node.line, f"{what} must be a list (- item), got {_plain(node)!r}")
    return node.value


def _at(node: _Node, build: Callable[[], Any]) -> Any:
    """build(), with a ConfigError it raises placed at `node`'s line."""
    try:
        return build()
    except ConfigError as exc:
        raise _Error(node.line, str(exc)) from None


def _request(node: _Node, what: str, in_journey: bool) -> Any:
    from surge.protocols import http

    fields = _mapping(node, what, _REQUEST_KEYS - ({"weight"} if in_journey else set()))
    given = [m for m in _METHODS if m in fields]
    if len(given) > 1 or (given and ("method" in fields or "path" in fields)):
        raise _Error(
            node.line, f"{what}: give one of {', '.join(_METHODS)}: PATH, or method and path"
        )
    if given:
        method, path = given[0].upper(), _plain(fields[given[0]])
    elif "path" in fields:
        method, path = (
            str(_plain(fields.get("method", _Node("GET", node.line)))),
            _plain(fields["path"]),
        )
    else:
        raise _Error(node.line, f"{what}: say what to send, such as get: /path")
    if "name" not in fields:
        raise _Error(node.line, f"{what}: needs a name")
    kwargs = {
        k: _plain(v) for k, v in fields.items() if k not in (*_METHODS, "method", "path", "name")
    }
    if "think" in kwargs and isinstance(kwargs["think"], list):
        kwargs["think"] = tuple(kwargs["think"])
    op = _at(node, lambda: http.request(_plain(fields["name"]), method, path, **kwargs))
    if not in_journey:
        _at(node, lambda: http.check_plain(op))
    return op


def _script(node: _Node, path: Path) -> Any:
    """A pgbench script: {file: PATH (beside this file), or builtin: NAME; weight; scale;
    per_statement}."""
    from surge.protocols import postgres

    spec = {k: _plain(v) for k, v in _mapping(node, "a script", _SCRIPT_KEYS).items()}
    options = {k: spec[k] for k in ("builtin", "weight", "scale", "per_statement") if k in spec}
    if "file" in spec:
        options["path"] = str(path.parent / str(spec["file"]))
    return _at(node, lambda: postgres.script(**options))


def _command(node: _Node) -> Any:
    """A Redis command template: {name, command, variables, weight}."""
    from surge.protocols import redis

    spec = {k: _plain(v) for k, v in _mapping(node, "a command", _COMMAND_KEYS).items()}
    if "name" not in spec or "command" not in spec:
        raise _Error(node.line, "a command needs name: and command: (such as 'GET key:{id}')")
    options = {k: spec[k] for k in ("variables", "weight") if k in spec}
    return _at(node, lambda: redis.command(spec["name"], spec["command"], **options))


def _load(node: _Node) -> Any:
    from surge.model import load_models
    from surge.model.think import between, constant

    fields = {k: _plain(v) for k, v in _mapping(node, "load", _LOAD_KEYS).items()}

    def build() -> Any:
        think = fields.get("think")
        if isinstance(think, list) and len(think) == 2:
            think = between(*think)
        elif think is not None:
            think = constant(think)
        if "rate" in fields:
            extra = {k: fields[k] for k in ("connections", "max_connections") if k in fields}
            return load_models.ConstantRate(fields["rate"], **extra)
        if "users" in fields:
            extra = {"spawn_rate": fields["spawn_rate"]} if "spawn_rate" in fields else {}
            if think is not None:  # none given: the model's own default, no pause
                extra["think"] = think
            return load_models.Users(fields["users"], **extra)
        if "connections" in fields:
            return load_models.Connections(fields["connections"])
        raise ConfigError("load: give users, rate or connections")

    return _at(node, build)


def _scenario(root: _Node, path: Path, params: dict[str, Any]) -> Any:
    from surge.model import load_models
    from surge.model.scenario import Scenario
    from surge.protocols import http

    fields = _mapping(root, "the scenario", _SCENARIO_KEYS)
    feeders = {}
    listed = fields.get("feeders", _Node({}, root.line))
    if not isinstance(listed.value, dict):
        raise _Error(listed.line, "feeders must be a mapping of name: {file: PATH, mode: MODE}")
    for name, node in listed.value.items():
        spec = _mapping(node, f"feeder {name!r}", _FEEDER_KEYS)
        if "file" not in spec:
            raise _Error(node.line, f"feeder {name!r}: needs file: PATH")
        file = path.parent / str(_plain(spec["file"]))
        mode = _plain(spec.get("mode", _Node("circular", node.line)))
        feeders[name] = _at(node, lambda f=file, m=mode: http.feeder(f, m))
    operations = []
    for node in _sequence(fields.get("journeys", _Node([], 1)), "journeys"):
        spec = _mapping(node, "a journey", _JOURNEY_KEYS)
        name = _plain(spec["name"]) if "name" in spec else None
        if not name:
            raise _Error(node.line, "a journey needs a name")
        steps = [
            _request(step, f"journey {name!r}, a step", in_journey=True)
            for step in _sequence(
                spec.get("steps", _Node([], node.line)), f"journey {name!r}: steps"
            )
        ]
        feeder = None
        if "feeder" in spec:
            feeder = feeders.get(_plain(spec["feeder"]))
            if feeder is None:
                raise _Error(
                    spec["feeder"].line,
                    f"journey {name!r}: no feeder {_plain(spec['feeder'])!r} under feeders:",
                )
        options = {k: _plain(spec[k]) for k in ("weight", "cookies", "variables") if k in spec}
        operations.append(
            _at(
                node, lambda n=name, s=steps, f=feeder, o=options: http.journey(n, s, feeder=f, **o)
            )
        )
    for node in _sequence(fields.get("operations", _Node([], 1)), "operations"):
        operations.append(_request(node, "an operation", in_journey=False))
    for node in _sequence(fields.get("scripts", _Node([], 1)), "scripts"):
        operations.append(_script(node, path))
    for node in _sequence(fields.get("commands", _Node([], 1)), "commands"):
        operations.append(_command(node))
    if not operations:
        raise _Error(
            root.line,
            "no journeys, operations, scripts or commands: add journeys:, operations:, "
            "scripts: (postgresql://) or commands: (redis://)",
        )
    settings = {k: _plain(v) for k, v in fields.items() if k in _SETTINGS}
    settings.update({k: v for k, v in params.items() if v is not None})
    for key in ("requests", "threads"):  # --set gives text
        if isinstance(settings.get(key), str) and settings[key].isdigit():
            settings[key] = int(settings[key])
    if "base_url" not in settings:
        raise _Error(root.line, "needs base_url: (or --set base_url=URL)")
    load = _load(fields["load"]) if "load" in fields else load_models.Connections()
    return _at(
        root,
        lambda: Scenario(
            name=str(settings.pop("name", path.stem)),
            operations=operations,
            load=load,
            **settings,
        ),
    )


def load(path: str | Path) -> Any:
    """The file's scenario, as a ScenarioFactory whose parameters are OVERRIDABLE."""
    import yaml

    from surge.model.scenario import ScenarioFactory

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it: {exc}") from None
    try:
        document = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: not YAML: {getattr(exc, 'problem', None) or exc}") from None
    if document is None:
        raise ConfigError(f"{path}: empty; docs/journeys.md shows a scenario file")
    try:
        root = _located(document)
        fields = _mapping(root, "the scenario", _SCENARIO_KEYS)
    except _Error as exc:
        raise ConfigError(f"{path}, line {exc.line}: {exc}") from None
    name = str(_plain(fields["name"])) if "name" in fields else path.stem

    def build(**params: Any) -> Any:
        try:
            return _scenario(root, path, params)
        except _Error as exc:
            raise ConfigError(f"{path}, line {exc.line}: {exc}") from None

    return ScenarioFactory(name, build, {key: None for key in OVERRIDABLE})
