"""A Scenario resolved once into what the engine runs: its protocol and parsed target, every
duration in nanoseconds, the measured window, the load model and the settings that apply. A
Scenario resolves itself when it is made, so a bad setting fails there with a message that
names it; the engine spec and the results' `load` section are both built from the plan, and
nothing after it parses a duration again.

Who checks what: the Python layer owns the rules on what users write (this module, the load
models, the operations); the engine checks only what it alone can (templates, generators,
hosts, SQL). docs/architecture.md has the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import surge._core as _core
from surge import checks
from surge.errors import ConfigError
from surge.model.load_models import LoadModel
from surge.protocols.protocol import Protocol
from surge.protocols.registry import for_target, taking
from surge.units import parse_duration, to_ns

# A surge.Scenario. Named, not imported: the Scenario resolves itself through this module when
# it is made, so the model's import runs one way, scenario -> plan.
Scenario = Any

DEFAULT_DURATION_S = 10.0
MAX_PIPELINE = 100_000
PIPELINE_SYNC = ("operation", "batch")
READ_FROM = ("primary", "replica", "any")
HTTP_VERSIONS = {None: 0, "1.1": 1, "2": 2}
MAX_STREAMS = 100_000
_SEED_LIMIT = 2**64
_NS_PER_S = 1e9


@dataclass(frozen=True)
class RunPlan:
    protocol: Protocol
    target: Any  # the protocol's parsed target (surge.urls.HttpTarget, RedisTarget, a DSN)
    operations: tuple[Any, ...]
    load: LoadModel
    threads: int
    requests: int | None
    duration_ns: int | None  # the measured window; None when only a count bounds the run
    warmup_ns: int
    timeout_ns: int
    connect_timeout_ns: int
    interval_ns: int
    late_after_ns: int
    network_latency_ns: int
    network_jitter_ns: int
    abort_after_ns: int
    drain_ns: int
    pipeline: int
    pipeline_sync: str
    http_version: int  # 1, 2, or 0: ALPN's choice on https://, HTTP/1.1 on http://
    max_streams: int
    cluster: bool
    read_from: str
    seed: int
    interval_histograms: bool
    cold: bool
    io: str  # "auto", "uring" or "epoll": the transport asked for
    tls: Any  # surge.Tls for https:// targets, else None

    def __repr__(self) -> str:
        return (
            f"RunPlan(protocol={self.protocol.name!r}, operations={len(self.operations)}, "
            f"load={self.load!r}, duration_ns={self.duration_ns!r}, threads={self.threads})"
        )

    @property
    def duration_s(self) -> float | None:
        return None if self.duration_ns is None else self.duration_ns / _NS_PER_S

    @property
    def interval_s(self) -> float:
        return self.interval_ns / _NS_PER_S

    def engine_spec(self) -> Any:
        """The engine's run spec: the protocol fills its target and operations, the plan the
        load model and the settings every protocol shares."""
        spec = self.protocol.engine_spec(self)
        load = _core.LoadSpec()
        try:
            self.load.fill(load)
        except ValueError as exc:  # the engine's check of the curve's segments
            raise ConfigError(f"stages: {exc}") from None
        load.threads = self.threads
        if self.requests:  # else what the load model set (Iterations' total)
            load.requests = self.requests
        load.duration_ns = self.duration_ns or 0
        load.warmup_ns = self.warmup_ns
        load.interval_ns = self.interval_ns
        load.late_after_ns = self.late_after_ns
        spec.load = load
        spec.request_timeout_ns = self.timeout_ns
        spec.connect_timeout_ns = self.connect_timeout_ns
        spec.seed = self.seed
        spec.network_latency_ns = self.network_latency_ns
        spec.network_jitter_ns = self.network_jitter_ns
        spec.drain_ns = self.drain_ns
        spec.interval_histograms = self.interval_histograms
        spec.warm_start = not self.cold
        spec.io = _core.IoMode.__members__[self.io]
        return spec

    def load_section(self, io: str | None = None) -> dict[str, Any]:
        """The results' `load`: the load model as described, and the run's settings. `io`: the
        transport the run used ("uring" or "epoll"), once it has run."""
        return {
            **self.load.describe(),
            "threads": self.threads,
            "requests": self.requests,
            "duration_s": self.duration_s,
            "warmup_s": self.warmup_ns / _NS_PER_S,
            "late_after_ms": self.late_after_ns / 1e6,
            "timeout_s": self.timeout_ns / _NS_PER_S,
            "connect_timeout_s": self.connect_timeout_ns / _NS_PER_S,
            "interval_s": self.interval_s,
            "network_latency_ms": self.network_latency_ns / 1e6,
            "network_jitter_ms": self.network_jitter_ns / 1e6,
            "drain_s": self.drain_ns / _NS_PER_S,
            "cold": self.cold,
            **({"io": io} if io else {}),
            **(
                {
                    "http_version": {0: "auto", 1: "1.1", 2: "2"}[self.http_version],
                    "max_streams": self.max_streams,
                }
                if "http_version" in self.protocol.settings
                else {}
            ),
            **({"tls": self.tls.describe()} if self.tls is not None else {}),
        }


def _rows(protocol: Any, operations: Any) -> tuple[Any, ...]:
    """The engine's operations: the scenario's, with each journey as its steps and its row."""
    rows = tuple(protocol.expand(operations))
    names = [op.name for op in rows]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(
            f"operation names must be unique (journey steps are JOURNEY/STEP): {duplicates}"
        )
    return rows


def resolve(scenario: Scenario) -> RunPlan:
    """Checks a scenario's settings and resolves them; raises ConfigError naming the field."""
    protocol = for_target(scenario.base_url)
    for op in scenario.operations:
        if not isinstance(op, protocol.operation_type):
            raise ConfigError(
                f"operation {getattr(op, 'name', op)!r}: {protocol.target_kind} takes "
                f"surge.{protocol.name} operations"
            )
    seconds = {
        name: parse_duration(getattr(scenario, name), name)
        for name in (
            "duration",
            "warmup",
            "timeout",
            "connect_timeout",
            "interval",
            "late_after",
            "network_latency",
            "network_jitter",
            "abort_after",
            "drain",
        )
    }
    for name in ("timeout", "connect_timeout", "interval"):
        if seconds[name] is not None and not seconds[name]:
            raise ConfigError(f"{name}: must be > 0, got {getattr(scenario, name)!r}")
    if seconds["interval"] < 1e-3:
        raise ConfigError(f"interval: must be at least 1ms, got {scenario.interval!r}")
    timeout = seconds["timeout"] or parse_duration(protocol.default_timeout)
    checks.whole(scenario.threads, "threads", 1, checks.MAX_THREADS)
    checks.optional_whole(scenario.requests, "requests", 1, checks.MAX_COUNT)
    _check_settings(scenario, protocol)
    plan = RunPlan(
        protocol=protocol,
        target=protocol.parse_target(scenario.base_url),
        operations=_rows(protocol, scenario.operations),
        load=scenario.load,
        threads=scenario.threads,
        requests=scenario.requests,
        duration_ns=_measured_ns(scenario, seconds["duration"], seconds["warmup"] or 0.0),
        warmup_ns=to_ns(seconds["warmup"]),
        timeout_ns=to_ns(timeout),
        connect_timeout_ns=to_ns(seconds["connect_timeout"]),
        interval_ns=to_ns(seconds["interval"]),
        late_after_ns=to_ns(seconds["late_after"]),
        network_latency_ns=to_ns(seconds["network_latency"]),
        network_jitter_ns=to_ns(seconds["network_jitter"]),
        abort_after_ns=to_ns(seconds["abort_after"]),
        drain_ns=to_ns(seconds["drain"]),
        pipeline=scenario.pipeline,
        pipeline_sync=scenario.pipeline_sync,
        http_version=HTTP_VERSIONS[scenario.http_version],
        max_streams=scenario.max_streams,
        cluster=scenario.cluster,
        read_from=scenario.read_from,
        seed=scenario.seed,
        interval_histograms=bool(scenario.interval_histograms),
        cold=scenario.cold,
        io=_io(scenario, protocol),
        tls=_tls(scenario, protocol),
    )
    protocol.check(plan)
    return plan


def _tls(scenario: Scenario, protocol: Protocol) -> Any:
    """The TLS settings of an https:// target (the defaults when none are given); refused for
    a target without TLS."""
    from surge.tls import Tls

    wants_tls = getattr(protocol.parse_target(scenario.base_url), "tls", False)
    if scenario.tls is not None and not isinstance(scenario.tls, Tls):
        raise ConfigError(f"tls: a surge.Tls(verify=..., ca=...), got {scenario.tls!r}")
    if not wants_tls:
        if scenario.tls is not None:
            raise ConfigError("tls: applies to https:// targets; the URL has no TLS")
        return None
    return scenario.tls or Tls()


IO_MODES = ("auto", "uring", "epoll")


def _io(scenario: Scenario, protocol: Protocol) -> str:
    """The transport asked for, checked where it can be: an explicit io_uring needs a protocol
    that has it and a kernel that allows it."""
    if scenario.io not in IO_MODES:
        raise ConfigError(f"io: 'auto', 'uring' or 'epoll', got {scenario.io!r}")
    if scenario.io != "uring":
        return scenario.io
    if "io_uring" not in protocol.settings:
        raise ConfigError(
            f"io: {protocol.label}'s connections are libpq's own, which waits on them through "
            "epoll; give io='auto' or 'epoll'"
        )
    if refusal := _core.uring_refusal():
        raise ConfigError(
            f"io: io_uring cannot be used on this machine ({refusal}); give io='auto' or 'epoll'"
        )
    return "uring"


def _applies_to(setting: str) -> str:
    return " and ".join(p.label for p in taking(setting)) + " targets only"


def _check_settings(scenario: Scenario, protocol: Protocol) -> None:
    checks.whole(scenario.pipeline, "pipeline", 1, MAX_PIPELINE)
    if scenario.pipeline > 1 and "pipeline" not in protocol.settings:
        raise ConfigError(f"pipeline: applies to {_applies_to('pipeline')}")
    if not isinstance(scenario.pipeline_sync, str) or scenario.pipeline_sync not in PIPELINE_SYNC:
        raise ConfigError(f"pipeline_sync: 'operation' or 'batch', got {scenario.pipeline_sync!r}")
    if scenario.pipeline_sync != "operation" and "pipeline_sync" not in protocol.settings:
        raise ConfigError(f"pipeline_sync: applies to {_applies_to('pipeline_sync')}")
    if scenario.http_version not in HTTP_VERSIONS:
        raise ConfigError(f"http_version: '1.1' or '2', got {scenario.http_version!r}")
    if scenario.http_version is not None and "http_version" not in protocol.settings:
        raise ConfigError(f"http_version: applies to {_applies_to('http_version')}")
    if not isinstance(scenario.cluster, bool):
        raise ConfigError(f"cluster: true or false, got {scenario.cluster!r}")
    if scenario.cluster and "cluster" not in protocol.settings:
        raise ConfigError(f"cluster: applies to {_applies_to('cluster')}")
    if not isinstance(scenario.read_from, str) or scenario.read_from not in READ_FROM:
        raise ConfigError(f"read_from: 'primary', 'replica' or 'any', got {scenario.read_from!r}")
    if scenario.read_from != "primary" and not scenario.cluster:
        raise ConfigError(
            "read_from: chooses among a cluster's nodes; give cluster=True (--cluster) as well"
        )
    checks.whole(scenario.max_streams, "max_streams", 1, MAX_STREAMS)
    if scenario.max_streams > 1:
        if "max_streams" not in protocol.settings:
            raise ConfigError(f"max_streams: applies to {_applies_to('max_streams')}")
        if scenario.http_version == "1.1":
            raise ConfigError(
                "max_streams: HTTP/2 multiplexes streams; HTTP/1.1 carries one request at a time "
                "per connection (use more connections, or http_version='2')"
            )
    seed = scenario.seed
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < _SEED_LIMIT:
        raise ConfigError(f"seed: must be a whole number from 0 to 2**64-1, got {seed!r}")


def _measured_ns(scenario: Scenario, duration: float | None, warmup: float) -> int | None:
    """The measured window: the stages less the warm-up when the load model has stages; the
    duration; nothing when a count bounds the run; else the default."""
    staged = scenario.load.duration_s
    if staged is not None:
        if scenario.duration is not None:
            raise ConfigError(
                f"duration: the stages of {type(scenario.load).__name__} set the run's length "
                f"({staged:g}s); leave duration unset"
            )
        if warmup >= staged:
            raise ConfigError(
                f"warmup: must be shorter than the stages ({staged:g}s in all), got {warmup:g}s"
            )
        return to_ns(staged - warmup)
    if duration is not None:
        if not duration:
            raise ConfigError(f"duration: must be > 0, got {scenario.duration!r}")
        rate = getattr(scenario.load, "rate", None)
        if rate is not None and rate * duration < 1:
            raise ConfigError(
                f"rate: {rate:g} requests/s for {duration:g}s schedules no request; raise the "
                "rate or the duration"
            )
        return to_ns(duration)
    if scenario.requests is not None or scenario.load.bounded:
        return None
    return to_ns(DEFAULT_DURATION_S)
