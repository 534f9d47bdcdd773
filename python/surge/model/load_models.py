"""Load models: how requests arrive. Plain objects, turned into engine structs once per run.

Open model (arrival rate): requests are intended at planned times, whatever the server does,
and response time counts from that intended time, so stalls show up in full.
  ConstantRate(1000)                          1000 requests/s
  RampingRate(stages=[("30s", 100), ("1m", 2000)])  k6-style stages, linear in between
Closed model (users): each user sends its next request when the last one ended (plus think).
  Users(50, think=between(1, 3), spawn_rate=5)     Locust's -u 50 -r 5
  RampingUsers(stages=[("30s", 10), ("1m", 50)])    k6's ramping-vus
  Iterations(1000, concurrency=50)                  1000 requests shared by 50 users

Staged models set the run's whole timeline: warm-up, if any, is its first part.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import surge._core as _core
from surge import checks
from surge.errors import ConfigError
from surge.model.think import NO_THINK, Think
from surge.units import parse_duration

Stage = tuple[str | float, float]
_OPEN_ENDED = math.inf
# Past this no machine sends: 100 million requests/s, one every 10 ns. The engine keeps up as
# far as it can and counts what it could not send as dropped; a rate beyond any machine is a
# typo.
MAX_RATE = 100_000_000


# Below this a run of any sensible length schedules nothing: one request every 1000 s.
MIN_RATE = 0.001


def _whole(value: object, what: str, minimum: int, maximum: int = checks.MAX_CONNECTIONS) -> int:
    return checks.whole(value, what, minimum, maximum)


def _optional_whole(value: object, what: str, minimum: int, maximum: int) -> int | None:
    return checks.optional_whole(value, what, minimum, maximum)


def _number(value: object, what: str, *, positive: bool) -> float:
    return checks.number(value, what, **({"above": 0} if positive else {"minimum": 0}))


def _parse_stages(stages: Sequence[Stage], unit: str) -> tuple[tuple[float, float], ...]:
    if isinstance(stages, (str, bytes)) or not isinstance(stages, Iterable) or not stages:
        raise ConfigError(f"stages: give a list of (duration, target {unit}) pairs, got {stages!r}")
    parsed = []
    for i, stage in enumerate(stages, 1):
        if not isinstance(stage, (tuple, list)) or len(stage) != 2 or stage[0] in (None, ""):
            raise ConfigError(
                f"stages: stage {i} must be (duration, target {unit}) such as ('30s', 100), "
                f"got {stage!r}"
            )
        seconds = parse_duration(stage[0], f"stages: stage {i} duration")
        target = _number(stage[1], f"stages: stage {i} target {unit}", positive=False)
        if unit == "users":
            _whole(stage[1], f"stages: stage {i} target users", 0)
        parsed.append((seconds, target))
    if sum(s for s, _ in parsed) <= 0:
        raise ConfigError("stages: the stages must last longer than 0s in all")
    return tuple(parsed)


def _segments(start: float, stages: tuple[tuple[float, float], ...]) -> list[tuple]:
    segments, value = [], start
    for seconds, target in stages:
        segments.append((seconds, value, target))
        value = target
    return segments


def _describe_stages(stages: tuple[tuple[float, float], ...]) -> list[dict]:
    return [{"duration_s": s, "target": t} for s, t in stages]


@dataclass(frozen=True)
class ConstantRate:
    """Open model: `rate` requests/s. Set `poisson=True` for Poisson arrivals at that rate.

    `connections` are opened before the first request; when all are busy the pool grows to
    `max_connections` (default: no growth), then requests wait in a backlog of `max_backlog`,
    past which they are counted as dropped.
    """

    rate: float
    connections: int = 64
    max_connections: int | None = None
    max_backlog: int = 100_000
    poisson: bool = False

    model = "open"
    duration_s = None  # the scenario's duration applies
    bounded = False

    def __post_init__(self) -> None:
        _check_rate(_number(self.rate, "rate (requests/s)", positive=True), "rate (requests/s)")
        _check_pool(self.connections, self.max_connections, self.max_backlog)

    def describe(self) -> dict:
        return {
            "model": "open",
            "shape": "constant",
            "rate_per_s": self.rate,
            "arrivals": "poisson" if self.poisson else "uniform",
            **_pool_description(self),
        }

    def fill(self, load: _core.LoadSpec) -> None:
        load.model = _core.LoadModel.open
        load.set_rate_stages([(_OPEN_ENDED, float(self.rate), float(self.rate))])
        _fill_pool(self, load)


def constant_rate_like(load: Any, rate: float) -> ConstantRate:
    """`rate` requests/s with the pool settings (connections, growth, backlog, arrivals) of
    `load` when it is an open-model load; the defaults otherwise. Steps of a search or a
    stress test run at one rate each, on the pool the scenario asked for."""
    if getattr(load, "model", None) != "open":
        return ConstantRate(rate)
    return ConstantRate(
        rate,
        connections=load.connections,
        max_connections=load.max_connections,
        max_backlog=load.max_backlog,
        poisson=load.poisson,
    )


@dataclass(frozen=True)
class RampingRate:
    """Open model whose rate follows k6-style stages: each (duration, rate) ramps linearly
    from the previous target (`start_rate` for the first) to its own. A stage of "0s" jumps."""

    stages: Sequence[Stage]
    start_rate: float = 0.0
    connections: int = 64
    max_connections: int | None = None
    max_backlog: int = 100_000
    poisson: bool = False

    model = "open"
    bounded = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", _parse_stages(self.stages, "requests/s"))
        _number(self.start_rate, "start_rate", positive=False)
        peak = max(self.start_rate, *(t for _, t in self.stages))
        if peak <= 0:
            raise ConfigError("stages: at least one stage needs a rate > 0 requests/s")
        _check_rate(peak, "stages: rate (requests/s)")
        _check_pool(self.connections, self.max_connections, self.max_backlog)

    @property
    def duration_s(self) -> float:
        return sum(s for s, _ in self.stages)

    def describe(self) -> dict:
        return {
            "model": "open",
            "shape": "ramping",
            "start_rate_per_s": self.start_rate,
            "stages": _describe_stages(self.stages),
            "arrivals": "poisson" if self.poisson else "uniform",
            **_pool_description(self),
        }

    def fill(self, load: _core.LoadSpec) -> None:
        load.model = _core.LoadModel.open
        load.set_rate_stages(_segments(float(self.start_rate), self.stages))
        _fill_pool(self, load)


@dataclass(frozen=True)
class Users:
    """Closed model: `users` users, each on its own connection, looping over the operations.

    `think` pauses between requests (see surge.think); `spawn_rate` starts users at that many
    per second (Locust's -r) instead of all at once; `iterations` stops each user after that
    many requests (k6's per-vu-iterations).
    """

    users: int = 10
    think: Think = NO_THINK
    spawn_rate: float | None = None
    iterations: int | None = None
    max_connections: int | None = None

    model = "closed"
    duration_s = None

    def __post_init__(self) -> None:
        _whole(self.users, "users", 1)
        _check_think(self.think)
        if self.spawn_rate is not None:
            _number(self.spawn_rate, "spawn_rate (users/s)", positive=True)
        _optional_whole(self.iterations, "iterations (per user)", 1, checks.MAX_COUNT)
        _check_user_limit(self.users, self.max_connections)

    @property
    def connections(self) -> int:
        return self.users

    @property
    def bounded(self) -> bool:
        return self.iterations is not None

    def describe(self) -> dict:
        return {
            "model": "closed",
            "shape": "users",
            "users": self.users,
            "spawn_rate_per_s": self.spawn_rate,
            "iterations_per_user": self.iterations,
            "think": self.think.describe(),
        }

    def fill(self, load: _core.LoadSpec) -> None:
        load.model = _core.LoadModel.closed
        n = float(self.users)
        if self.spawn_rate:
            load.set_user_stages([(n / self.spawn_rate, 0.0, n), (_OPEN_ENDED, n, n)])
        else:
            load.set_user_stages([(_OPEN_ENDED, n, n)])
        load.iterations_per_user = self.iterations or 0
        _fill_closed(self, load)


@dataclass(frozen=True)
class RampingUsers:
    """Closed model whose user count follows k6-style stages (ramping-vus): each
    (duration, users) ramps linearly from the previous target (`start_users` for the first).
    Users above the count finish their request and leave."""

    stages: Sequence[Stage]
    start_users: int = 0
    think: Think = NO_THINK
    max_connections: int | None = None

    model = "closed"
    bounded = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", _parse_stages(self.stages, "users"))
        _whole(self.start_users, "start_users", 0)
        _check_think(self.think)
        peak = max(self.start_users, *(t for _, t in self.stages))
        if peak < 1:
            raise ConfigError("stages: at least one stage needs >= 1 user")
        _check_user_limit(int(peak), self.max_connections)

    @property
    def duration_s(self) -> float:
        return sum(s for s, _ in self.stages)

    @property
    def connections(self) -> int:
        return int(max(self.start_users, *(t for _, t in self.stages)))

    def describe(self) -> dict:
        return {
            "model": "closed",
            "shape": "ramping_users",
            "start_users": self.start_users,
            "stages": _describe_stages(self.stages),
            "think": self.think.describe(),
        }

    def fill(self, load: _core.LoadSpec) -> None:
        load.model = _core.LoadModel.closed
        load.set_user_stages(_segments(float(self.start_users), self.stages))
        _fill_closed(self, load)


@dataclass(frozen=True)
class Iterations:
    """Closed model with shared iterations: `total` requests done by `concurrency` users
    ("1000 operations at concurrency 50"). The run ends when they are done."""

    total: int
    concurrency: int = 1
    think: Think = NO_THINK
    max_connections: int | None = None

    model = "closed"
    duration_s = None
    bounded = True

    def __post_init__(self) -> None:
        _whole(self.total, "iterations", 1, checks.MAX_COUNT)
        _whole(self.concurrency, "concurrency", 1)
        _check_think(self.think)
        _check_user_limit(self.concurrency, self.max_connections)

    @property
    def connections(self) -> int:
        return self.concurrency

    def describe(self) -> dict:
        return {
            "model": "closed",
            "shape": "iterations",
            "iterations": self.total,
            "users": self.concurrency,
            "think": self.think.describe(),
        }

    def fill(self, load: _core.LoadSpec) -> None:
        load.model = _core.LoadModel.closed
        n = float(self.concurrency)
        load.set_user_stages([(_OPEN_ENDED, n, n)])
        load.requests = self.total
        _fill_closed(self, load)


def Connections(connections: int = 10) -> Users:
    """Closed model, wrk-style: `connections` connections, each with one request in flight."""
    _whole(connections, "connections", 1)
    return Users(connections)


LoadModel = ConstantRate | RampingRate | Users | RampingUsers | Iterations
LOAD_MODELS = (ConstantRate, RampingRate, Users, RampingUsers, Iterations)


def _check_rate(rate: float, what: str) -> None:
    if rate < MIN_RATE:
        raise ConfigError(f"{what}: at least {MIN_RATE:g} (one every 1000 s), got {rate:g}")
    if rate > MAX_RATE:
        raise ConfigError(f"{what}: at most {MAX_RATE:,} (one every 10 ns), got {rate:g}")


def _check_pool(connections: object, max_connections: object, max_backlog: object) -> None:
    _whole(connections, "connections", 1)
    if max_connections is not None:
        _whole(max_connections, "max_connections", 1)
        if max_connections < connections:
            raise ConfigError(
                f"max_connections: must be >= connections ({connections}), got {max_connections}"
            )
    _whole(max_backlog, "max_backlog", 0, checks.MAX_BACKLOG)


def _pool_description(model: ConstantRate | RampingRate) -> dict:
    return {
        "connections": model.connections,
        "max_connections": model.max_connections or model.connections,
        "max_backlog": model.max_backlog,
    }


def _fill_pool(model: ConstantRate | RampingRate, load: _core.LoadSpec) -> None:
    load.arrivals = _core.Arrivals.poisson if model.poisson else _core.Arrivals.uniform
    load.connections = model.connections
    load.max_connections = model.max_connections or 0
    load.max_backlog = model.max_backlog


def _check_think(think: object) -> None:
    if not isinstance(think, Think):
        raise ConfigError(
            "think: use surge.think.constant(s), between(a, b), exponential(mean), "
            f"constant_pacing(s) or constant_throughput(n), got {think!r}"
        )
    if think.a_s < 0 or think.b_s < 0:
        raise ConfigError("think: think time must be >= 0")


def _check_user_limit(users: int, max_connections: object) -> None:
    if max_connections is None:
        return
    _whole(max_connections, "max_connections", 1)
    if users > max_connections:
        raise ConfigError(
            f"users: {users} users need {users} connections, more than max_connections "
            f"({max_connections}); lower the users or raise max_connections"
        )


def _fill_closed(model: Users | RampingUsers | Iterations, load: _core.LoadSpec) -> None:
    model.think.fill(load)
    load.max_connections = model.max_connections or 0
