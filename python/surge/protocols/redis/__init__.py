"""Redis/Valkey operations: templated commands.

    redis.command("set", "SET key:{key} {value} EX 300",
                  variables={"key": "uniform(1,100000)", "value": "bytes(100)"})
    redis.get("get", "key:{zipf(1,100000,0.99)}")

Arguments are split at spaces (not inside a {placeholder}) and rendered from the same template
syntax as HTTP. A nil reply to a read (GET, HGET, ...) counts as a miss, not an error; error
replies are counted per operation with examples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import surge._core as _core
from surge import checks, reach
from surge.errors import ConfigError
from surge.protocols.protocol import Protocol
from surge.protocols.redis.keyspace import KeySpace, value_spec
from surge.urls import is_redis_url, parse_redis_url


@dataclass(frozen=True)
class RedisOperation:
    name: str
    command: str
    variables: Mapping[str, str] = field(default_factory=dict)
    weight: float = _core.DEFAULT_WEIGHT

    @property
    def request_type(self) -> str:
        """The command's name, as a Locust "Type" column would hold a method."""
        return self.command.split()[0].upper()

    def result_fields(self) -> dict[str, Any]:
        """What the results say of this operation beside its statistics."""
        return {"request_type": self.request_type}

    def engine_operation(self) -> _core.RedisOperation:
        op = _core.RedisOperation()
        op.name = self.name
        op.weight = float(self.weight)
        op.command = self.command
        op.variables = list(self.variables.items())
        return op

    def __post_init__(self) -> None:
        where = f"operation {checks.operation_name(self.name)!r}"
        if not isinstance(self.command, str) or not self.command.split():
            raise ConfigError(
                f"{where}: command must be text such as 'GET {{key}}', got {self.command!r}"
            )
        checks.generators(self.variables, f"{where}: variables")
        checks.templates([self.command], self.variables, where)
        checks.weight(self.weight, where)


def command(
    name: str,
    command: str,
    *,
    variables: Mapping[str, str] | None = None,
    weight: float = _core.DEFAULT_WEIGHT,
) -> RedisOperation:
    where = f"operation {checks.operation_name(name)!r}"
    return RedisOperation(name, command, checks.text_map(variables, f"{where}: variables"), weight)


def get(name: str, key: str, *, weight: float = _core.DEFAULT_WEIGHT, **kwargs) -> RedisOperation:
    return command(name, f"GET {_key(name, key)}", weight=weight, **kwargs)


def set(
    name: str,
    key: str,
    value: str,
    *,
    ttl_s: int | None = None,
    weight: float = _core.DEFAULT_WEIGHT,
    **kwargs,
) -> RedisOperation:
    ttl = f" EX {ttl_seconds(ttl_s, f'operation {name!r}: ttl_s')}" if ttl_s is not None else ""
    value = checks.text(value, f"operation {name!r}: value")
    return command(name, f"SET {_key(name, key)} {value}{ttl}", weight=weight, **kwargs)


# Redis keeps expiry times in ms since the epoch in an int64; past this it refuses EX.
MAX_TTL_S = 10**12


def ttl_seconds(value: object, field: str) -> int:
    """A time to live for SET ... EX: whole seconds, 1 or more."""
    return checks.whole(value, field, 1, MAX_TTL_S)


def _key(name: str, key: object) -> str:
    return checks.text(key, f"operation {name!r}: key")


def cache_mix(
    keyspace: KeySpace,
    *,
    data_size: str | int = 100,
    ratio: tuple[float, float] = (1, 10),
    ttl_s: int | None = None,
    delete_ratio: float = 0.0,
) -> list[RedisOperation]:
    """memtier's workload: SET and GET (and optionally DEL) over a key space, mixed by ratio."""
    set_weight, get_weight = ratio
    if set_weight < 0 or get_weight < 0 or set_weight + get_weight + delete_ratio <= 0:
        raise ConfigError(f"ratio: expected SET:GET weights >= 0, not both 0, got {ratio!r}")
    key = {"key": keyspace.generator()}
    template = keyspace.key_template()
    ops = []
    if set_weight > 0:
        ops.append(
            set(
                "set",
                template,
                "{value}",
                ttl_s=ttl_s,
                weight=set_weight,
                variables={**key, "value": value_spec(data_size)},
            )
        )
    if get_weight > 0:
        ops.append(get("get", template, weight=get_weight, variables=key))
    if delete_ratio > 0:
        ops.append(command("del", f"DEL {template}", weight=delete_ratio, variables=key))
    return ops


def preload_operations(
    keyspace: KeySpace, *, data_size: str | int = 100, ttl_s: int | None = None
) -> list[RedisOperation]:
    """One SET per key of the space, in order (run it with Iterations(keyspace.keys))."""
    return [
        set(
            "preload",
            keyspace.key_template(),
            "{value}",
            ttl_s=ttl_s,
            variables={"key": f"seq(1,{keyspace.keys})", "value": value_spec(data_size)},
        )
    ]


def engine_spec(plan: Any) -> _core.RedisRunSpec:
    target = plan.target
    spec = _core.RedisRunSpec()
    spec.host, spec.port, spec.unix_path = target.host, target.port, target.unix_path
    spec.db, spec.username, spec.password = target.db, target.username, target.password
    spec.pipeline = plan.pipeline
    spec.cluster, spec.read_from = plan.cluster, plan.read_from
    if plan.tls is not None:
        spec.tls, spec.tls_options = True, plan.tls.engine_options()
    spec.operations = [op.engine_operation() for op in plan.operations]
    return spec


def check(plan: Any) -> None:
    """What cluster mode needs of the URL, said before anything is dialled (the engine says
    the same to callers of its own)."""
    if not plan.cluster:
        return
    target = plan.target
    if target.unix_path:
        raise ConfigError("--cluster: a cluster is reached over TCP; give a redis://host:port URL")
    if target.tls:
        raise ConfigError(
            "--cluster over rediss:// is not supported yet; use redis:// to reach the cluster"
        )
    if target.db:
        raise ConfigError(
            f"--cluster: a cluster has database 0 only; drop the /{target.db} from the URL"
        )


PROTOCOL = Protocol(
    name="redis",
    label="redis://",
    operation_type=RedisOperation,
    claims=is_redis_url,
    parse_target=parse_redis_url,
    engine_spec=engine_spec,
    check=check,
    run=_core.run_redis,
    default_timeout="10s",
    settings=frozenset({"pipeline", "io_uring", "cluster"}),
    reach=reach.redis,
    cli="surge.protocols.redis.cli",
)
