"""A scenario: named operations with weights, a load model, a duration and a warm-up.

Scenario modules define them either as module-level `Scenario` objects or as functions
decorated with `@surge.scenario`, whose keyword defaults are the parameters that the CLI
(`--set key=value`) and pytest may override.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from surge import checks
from surge.errors import ConfigError
from surge.model.load_models import LOAD_MODELS, Connections, LoadModel
from surge.model.plan import RunPlan, resolve
from surge.monitor import check_sources
from surge.results import slo
from surge.urls import redact_url, redact_value

# Ready-made network profiles: (latency, jitter). "same-region" is a managed service in the
# client's own cloud region, about 1.5 ms away with 0.5 ms of jitter.
NETWORK_PROFILES = {"loopback": (0, 0), "same-region": ("1.5ms", "0.5ms")}


@dataclass(frozen=True)
class Scenario:
    name: str
    base_url: str
    operations: Sequence[Any]  # of the target's protocol: surge.http, surge.redis, surge.postgres
    load: LoadModel = field(default_factory=Connections)
    # Measured length. Unset: 10s, unless the load model has stages (they set the timeline)
    # or the run is bounded by `requests` or iterations.
    duration: str | float | None = None
    warmup: str | float | None = None
    requests: int | None = None
    threads: int = 1
    # A request's timeout; unset, the protocol's own (30s for HTTP, 10s for Redis and PostgreSQL).
    timeout: str | float | None = None
    connect_timeout: str | float = "5s"
    interval: str | float = "1s"
    # A request sent later than this after its intended start counts as a late start.
    late_after: str | float = "1ms"
    pipeline: int = 1  # redis:// and postgresql:// targets: requests in flight per connection
    # PostgreSQL: "operation" ends every operation with its own Sync (its own transaction);
    # "batch" lets the operations one round of replies starts share one, like pgbench's
    # \startpipeline/\endpipeline: fewer packets, but an error fails the whole batch.
    pipeline_sync: str = "operation"
    # http(s):// targets: "1.1" or "2". None: what the server chooses by ALPN on https://
    # (h2 first), HTTP/1.1 on http://; "2" on http:// is h2c with prior knowledge.
    http_version: str | None = None
    # HTTP/2: streams in flight per connection (h2load's -m); lanes are connections times it,
    # as with pipeline.
    max_streams: int = 1
    # redis:// targets: the URL names one node of a Redis Cluster; each command goes to the
    # node serving its key's slot, MOVED and ASK are followed and counted as redirects, and
    # the results hold a row per node. read_from sends reads (GET, HGET, ...) to "primary",
    # "replica" or "any" of the slot's nodes.
    cluster: bool = False
    read_from: str = "primary"
    # How long requests still out when the window ends may finish; what is out after it counts
    # as unfinished (and against error_rate).
    drain: str | float = "2s"
    # Emulated network: each request waits network_latency plus a uniform 0..network_jitter
    # before it is sent. Counted in the response time, not in the service time.
    network_latency: str | float = 0
    network_jitter: str | float = 0
    seed: int = 1
    # SLOs judged on every interval while the run goes (k6's abortOnFail): the first interval
    # that breaks one, after `abort_after` of the run, stops it; the Result says which.
    abort_on: Sequence[str] = ()
    abort_after: str | float = 0
    # Each time-series row keeps its interval's HDR histogram (about 0.5 KB per operation and
    # interval): what .hlog exports and per-interval percentiles are made from. False keeps
    # the results file small for long runs with many operations.
    interval_histograms: bool = True
    # A warm start (the default) opens the connections the first requests need, and waits for
    # their set-up (AUTH/SELECT, prepared statements), before the first intended start; the
    # results' `connections` section times it. cold=True lets the first requests open them, so
    # their latency includes it, as a client starting from nothing sees.
    cold: bool = False
    # The sockets' transport: "auto" takes io_uring where the kernel allows it and the protocol
    # has it (HTTP/1.1, HTTP/2 and Redis; not PostgreSQL, whose socket is libpq's), else epoll;
    # "uring" insists, "epoll" refuses it.
    # The results' load.io says which one the run used.
    io: str = "auto"
    # What the load costs the server, sampled each interval beside the load (surge.monitor):
    # a process, Redis INFO, PostgreSQL's statistics, a Prometheus endpoint.
    monitors: Sequence[Any] = ()
    # https:// targets: certificate checks, a client certificate, resumption (surge.Tls).
    # None: the defaults, verified against the system's trust store.
    tls: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    # What the settings resolve to, made once in __post_init__ (surge.model.plan).
    _plan: RunPlan | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        checks.text(self.name, "scenario name")
        checks.text(self.base_url, f"scenario {self.name!r}: base_url")
        operations = checks.sequence(self.operations, f"scenario {self.name!r}: operations")
        if not operations:
            raise ConfigError(f"scenario {self.name!r}: operations: needs at least one operation")
        for op in operations:
            if not hasattr(op, "engine_operation"):
                raise ConfigError(
                    f"scenario {self.name!r}: operations: {op!r} is not an operation; make them "
                    "with surge.http, surge.redis or surge.postgres"
                )
        object.__setattr__(self, "operations", tuple(operations))
        names = [op.name for op in self.operations]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigError(
                f"scenario {self.name!r}: operation names must be unique: {duplicates}"
            )
        if not isinstance(self.load, LOAD_MODELS):
            raise ConfigError(
                "load: use surge.ConstantRate, RampingRate, Users, RampingUsers or Iterations, "
                f"got {self.load!r}"
            )
        if isinstance(self.abort_on, str) or not isinstance(self.abort_on, (list, tuple)):
            raise ConfigError(
                f"abort_on: a list of SLO expressions, e.g. ['p95 < 500ms'], got {self.abort_on!r}"
            )
        for expression in self.abort_on:
            try:
                rule = slo.parse(expression)  # a bad expression fails here, before any load
            except ConfigError as exc:
                raise ConfigError(f"abort_on: {exc}") from None
            if rule.monitor_unit is not None:
                raise ConfigError(
                    f"abort_on: {expression!r} is a monitor SLO, judged after the run; "
                    "give it as an SLO instead"
                )
        object.__setattr__(self, "monitors", check_sources(self.monitors))
        if not isinstance(self.params, dict):
            raise ConfigError(f"params: must be a dict, got {self.params!r}")
        if not isinstance(self.cold, bool):
            raise ConfigError(f"cold: must be True or False, got {self.cold!r}")
        if not isinstance(self.interval_histograms, bool):
            raise ConfigError(
                f"interval_histograms: must be True or False, got {self.interval_histograms!r}"
            )
        object.__setattr__(self, "_plan", resolve(self))

    @property
    def plan(self) -> RunPlan:
        """The settings resolved: protocol, target, durations in ns (surge.model.plan.RunPlan)."""
        assert self._plan is not None
        return self._plan

    def measured_duration_s(self) -> float | None:
        """Length of the measured window in seconds; None when only a count bounds the run."""
        return self.plan.duration_s

    def __repr__(self) -> str:
        # Scenarios land in tracebacks and logs: their URL and parameters go redacted.
        params = {k: redact_value(v) for k, v in self.params.items()}
        return (
            f"Scenario(name={self.name!r}, base_url={redact_url(self.base_url)!r}, "
            f"operations={list(self.operations)!r}, load={self.load!r}, "
            f"duration={self.duration!r}, params={params!r})"
        )

    def replace(self, **changes: Any) -> Scenario:
        known = [f.name for f in dataclasses.fields(self) if f.init]
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ConfigError(f"unknown scenario setting(s) {unknown}; known: " + ", ".join(known))
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class ScenarioFactory:
    """A function that builds a Scenario from keyword parameters with defaults."""

    name: str
    build: Callable[..., Scenario]
    defaults: dict[str, Any]

    def __call__(self, **params: Any) -> Scenario | list[Scenario | tuple[Scenario, ...]]:
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise ConfigError(
                f"scenario {self.name!r} has no parameter(s) {unknown}; "
                f"it takes: {', '.join(self.defaults) or 'none'}"
            )
        merged = {**self.defaults, **params}
        built = self.build(**merged)
        # A list is a suite: phases that run one after the other (SET, then GET, then DEL); a
        # tuple inside it is a group that runs at the same time.
        phases = built if isinstance(built, list) else [built]

        def finish(p: Any) -> Any:
            if isinstance(p, tuple) and p and all(isinstance(x, Scenario) for x in p):
                return tuple(finish(x) for x in p)
            if not isinstance(p, Scenario):
                raise ConfigError(
                    f"scenario function {self.name!r} must return a surge.Scenario or a list "
                    "of them (a tuple in the list runs its scenarios together)"
                )
            return p.replace(params={**p.params, **merged})

        if not phases:
            raise ConfigError(
                f"scenario function {self.name!r} returned no scenarios; return a "
                "surge.Scenario or a list of them"
            )
        ready = [finish(p) for p in phases]
        return ready if isinstance(built, list) else ready[0]


def scenario(function: Callable[..., Scenario]) -> ScenarioFactory:
    """Marks a function as a scenario; its keyword defaults become overridable parameters."""
    defaults = {}
    for p in inspect.signature(function).parameters.values():
        if p.default is inspect.Parameter.empty:
            raise ConfigError(
                f"scenario function {function.__name__!r}: parameter {p.name!r} needs a default"
            )
        defaults[p.name] = p.default
    return ScenarioFactory(function.__name__, function, defaults)
