"""Writers and readers against a Valkey/Redis key space with a TTL: the Valkey side of the
PostgreSQL-as-a-cache comparison.

    surge run scenarios/valkey_cache.py --set url=redis://127.0.0.1:6379/0 \\
        --set writers=4 --set readers=16 --set keyspace=10000 --set ttl=60 \\
        --set write_iterations=2000 --set read_iterations=10000

Phases: `fill` writes every key once (so readers start warm, unless --set fill=false), then
`writers` and `readers` run at the same time: W writer users doing write_iterations SETs each,
and R reader users doing read_iterations GETs each, on their own connections.
"""

import os

import surge
from surge import redis
from surge.keyspace import KeySpace

# VALKEY_URL or REDIS_URL point the scenario at a server you run; --set url=... overrides it.
DEFAULT_URL = (
    os.environ.get("VALKEY_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
)


@surge.scenario
def valkey_cache(
    url=DEFAULT_URL,
    writers=4,
    readers=16,
    keyspace=10_000,
    ttl=60,
    write_iterations=2_000,
    read_iterations=10_000,
    value_bytes=256,
    fill=True,
    key_pattern="uniform",
):
    keys = KeySpace(keyspace, prefix="valkey-cache:", pattern=key_pattern)
    writing = surge.Scenario(
        name="writers",
        base_url=url,
        operations=redis.cache_mix(keys, data_size=value_bytes, ratio=(1, 0), ttl_s=ttl),
        load=surge.Users(writers, iterations=write_iterations),
    )
    reading = surge.Scenario(
        name="readers",
        base_url=url,
        operations=redis.cache_mix(keys, ratio=(0, 1)),
        load=surge.Users(readers, iterations=read_iterations),
    )
    traffic = (writing, reading)  # a tuple: these run at the same time
    if not fill:
        return [traffic]
    warm = surge.Scenario(
        name="fill",
        base_url=url,
        operations=redis.preload_operations(keys, data_size=value_bytes, ttl_s=ttl),
        load=surge.Iterations(keyspace, concurrency=writers),
        pipeline=16,
    )
    return [warm, traffic]
