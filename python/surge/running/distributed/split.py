"""How one scenario is cut into the shares of a distributed run, exactly: whole numbers (users,
connections, requests, iterations, stage targets in users) are divided with the remainder spread
over the first shares, so the shares add up to the scenario; rates are divided evenly, so
Poisson arrivals stay Poisson in their sum. Each share gets a seed of its own and, through the
engine's share index, disjoint `seq` ranges."""

from __future__ import annotations

import dataclasses
from typing import Any

from surge.errors import ConfigError
from surge.model.load_models import ConstantRate, Iterations, RampingRate, RampingUsers, Users

_SEED_STRIDE = 0x9E3779B97F4A7C15  # a share's seed: the scenario's plus its index times this
_SEED_LIMIT = 2**64


def parts(total: int, n: int) -> list[int]:
    """`total` cut into `n` whole parts that differ by at most one, the larger ones first."""
    base, extra = divmod(total, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def most_shares(scenario: Any) -> int:
    """How many shares the scenario can be cut into with every share doing something."""
    load = scenario.load
    limit: float = float("inf")
    if isinstance(load, Users):
        limit = load.users
    elif isinstance(load, RampingUsers):
        limit = max([load.start_users, *(int(target) for _, target in load.stages)])
    elif isinstance(load, Iterations):
        limit = min(load.total, load.concurrency)
    if scenario.requests:
        limit = min(limit, scenario.requests)
    return max(1, int(min(limit, 1_000_000)))


def _at_least_one(total: int | None, n: int) -> list[int | None]:
    if total is None:
        return [None] * n
    return [max(1, p) for p in parts(total, n)]


def _share_load(load: Any, i: int, n: int) -> Any:
    if isinstance(load, ConstantRate):
        return dataclasses.replace(
            load,
            rate=load.rate / n,
            connections=_at_least_one(load.connections, n)[i],
            max_connections=_max_connections(load, i, n),
            max_backlog=max(1, -(-load.max_backlog // n)),
        )
    if isinstance(load, RampingRate):
        return dataclasses.replace(
            load,
            stages=[(duration, target / n) for duration, target in load.stages],
            start_rate=load.start_rate / n,
            connections=_at_least_one(load.connections, n)[i],
            max_connections=_max_connections(load, i, n),
            max_backlog=max(1, -(-load.max_backlog // n)),
        )
    if isinstance(load, Users):
        users = parts(load.users, n)[i]
        spawn = None if load.spawn_rate is None else load.spawn_rate * users / load.users
        return dataclasses.replace(
            load, users=users, spawn_rate=spawn, max_connections=_max_users_pool(load, i, n)
        )
    if isinstance(load, RampingUsers):
        return dataclasses.replace(
            load,
            stages=[(duration, parts(int(target), n)[i]) for duration, target in load.stages],
            start_users=parts(load.start_users, n)[i],
            max_connections=_max_users_pool(load, i, n),
        )
    if isinstance(load, Iterations):
        return dataclasses.replace(
            load,
            total=parts(load.total, n)[i],
            concurrency=parts(load.concurrency, n)[i],
            max_connections=_max_users_pool(load, i, n),
        )
    raise ConfigError(f"load: {type(load).__name__} cannot be split across workers")


def _max_connections(load: Any, i: int, n: int) -> int | None:
    if load.max_connections is None:
        return None
    own = _at_least_one(load.connections, n)[i]
    return max(own or 1, _at_least_one(load.max_connections, n)[i] or 1)


def _max_users_pool(load: Any, i: int, n: int) -> int | None:
    return None if load.max_connections is None else _at_least_one(load.max_connections, n)[i]


def split(scenario: Any, n: int) -> list[Any]:
    """The scenario's shares for `n` workers (fewer when the load has fewer users than that).
    Every share keeps its interval histograms: the client merges percentiles from them."""
    n = min(n, most_shares(scenario))
    requests = parts(scenario.requests, n) if scenario.requests else [None] * n
    shares = []
    for i in range(n):
        shares.append(
            scenario.replace(
                load=_share_load(scenario.load, i, n),
                requests=requests[i],
                seed=(scenario.seed + i * _SEED_STRIDE) % _SEED_LIMIT,
                interval_histograms=True,
                monitors=(),
            )
        )
    return shares


def describe_share(share: Any) -> dict[str, Any]:
    """What one worker was given, as the results' `workers` section says it."""
    return {**share.load.describe(), "requests": share.requests, "seed": share.seed}
