"""Can PostgreSQL be the cache? PostgreSQL (UNLOGGED table, with and without LISTEN/NOTIFY
invalidation) against Valkey/Redis, with the same writers, readers, key space and TTL.

    surge run scenarios/pg_cache_vs_valkey.py --json pg-vs-valkey.json
    surge run scenarios/pg_cache_vs_valkey.py --network-profile same-region \\
        --set backends=postgres-cache,valkey --set writers=24 --set readers=48 \\
        --set keyspace=96 --set ttl=60 --set write_iterations=500 --set read_iterations=2000
    python scenarios/pg_cache_vs_valkey.py --writers 24 --readers 48 --keyspace 96 \\
        --backends postgres-cache,valkey --network-latency-ms 1.5 --network-jitter-ms 0.5

Backends:
  postgres-cache      an UNLOGGED key/value table with expires_at. SET is an upsert that also
                      NOTIFYs the key on an invalidation channel, in the same transaction;
                      `listeners` connections LISTEN, and their row is the fan-out latency from
                      a write's send to each listener's receipt.
  postgres-no-notify  the same table and statements, without the NOTIFY.
  valkey              SET key value EX ttl / GET key.

Per backend: `fill` writes every key once, then writers (write_iterations SETs each) and readers
(read_iterations GETs each) run at the same time on their own connections. A GET of an expired
or missing key is a miss. The suite table compares ops/s, p50, p95, p99 and hit rate per backend
and operation; --json keeps every backend's full results in one file.

Servers: POSTGRES_DSN and VALKEY_URL/REDIS_URL (or --set dsn=... url=...) point at servers you
run. Without them the scenario starts its own PostgreSQL and redis-server on free loopback
ports in temporary directories, and stops them when the process exits.
"""

from __future__ import annotations

import argparse
import atexit
import sys

import surge
from surge import postgres, redis
from surge.keyspace import KeySpace, value_spec
from surge.services import PostgresServer, RedisServer, postgres_dsn_from_env, redis_url_from_env

BACKENDS = ("postgres-cache", "postgres-no-notify", "valkey")
ALL_BACKENDS = ",".join(BACKENDS)
CHANNEL = "cache_invalidation"
DEFAULT_DSN = postgres_dsn_from_env() or ""
DEFAULT_URL = redis_url_from_env() or ""


def _tables(dsn: str) -> None:
    postgres.execute(
        dsn,
        """
        CREATE UNLOGGED TABLE IF NOT EXISTS cache_notify
            (k text PRIMARY KEY, v text NOT NULL, expires_at timestamptz NOT NULL);
        CREATE UNLOGGED TABLE IF NOT EXISTS cache_plain
            (k text PRIMARY KEY, v text NOT NULL, expires_at timestamptz NOT NULL);
        TRUNCATE cache_notify, cache_plain;
        """,
    )


def _pg_set(table: str, keys: KeySpace, ttl: int, value_bytes: int, notify: bool):
    upsert = postgres.statement(
        f"INSERT INTO {table} (k, v, expires_at) "
        "VALUES ($1, $2, now() + $3::int * interval '1 second') "
        "ON CONFLICT (k) DO UPDATE SET v = excluded.v, expires_at = excluded.expires_at",
        [keys.key_template(), "{value}", str(ttl)],
    )
    statements = [upsert]
    if notify:
        statements.append(postgres.notify_statement(CHANNEL, keys.key_template()))
    return postgres.transaction(
        "set",
        statements,
        variables={"key": keys.generator(), "value": value_spec(value_bytes)},
    )


def _pg_get(table: str, keys: KeySpace):
    return postgres.query(
        "get",
        f"SELECT v FROM {table} WHERE k = $1 AND expires_at > now()",
        params=[keys.key_template()],
        variables={"key": keys.generator()},
        read=True,
    )


def _backend_phases(backend, target, keys, fill_keys, settings):
    writers, readers = settings["writers"], settings["readers"]
    ttl, value_bytes = settings["ttl"], settings["value_bytes"]
    write_load = surge.Users(writers, iterations=settings["write_iterations"])
    read_load = surge.Users(readers, iterations=settings["read_iterations"])
    common = {"base_url": target, "pipeline": settings["pipeline"]}
    if backend == "valkey":
        fill_ops = redis.preload_operations(fill_keys, data_size=value_bytes, ttl_s=ttl)
        write_ops = redis.cache_mix(keys, data_size=value_bytes, ratio=(1, 0), ttl_s=ttl)
        read_ops = redis.cache_mix(keys, ratio=(0, 1))
    else:
        notify = backend == "postgres-cache"
        table = "cache_notify" if notify else "cache_plain"
        fill_ops = [_pg_set(table, fill_keys, ttl, value_bytes, notify=False)]
        write_ops = [_pg_set(table, keys, ttl, value_bytes, notify)]
        if notify:
            listen = postgres.listen("invalidation", CHANNEL, listeners=settings["listeners"])
            write_ops.append(listen)
        read_ops = [_pg_get(table, keys)]
    fill = surge.Scenario(
        name=f"{backend}/fill",
        operations=fill_ops,
        load=surge.Iterations(fill_keys.keys, concurrency=min(writers, fill_keys.keys)),
        **common,
    )
    writing = surge.Scenario(
        name=f"{backend}/writers",
        operations=write_ops,
        load=write_load,
        # Listeners connect during the warm-up, so they hear the first measured write.
        warmup="0.5s" if backend == "postgres-cache" else None,
        **common,
    )
    reading = surge.Scenario(
        name=f"{backend}/readers", operations=read_ops, load=read_load, **common
    )
    return [fill, (writing, reading)]


def _start_servers(dsn: str, url: str, wanted: list[str]) -> tuple[str, str]:
    """Servers for the backends that have none: our own, stopped when the process exits."""
    if not dsn and any(b.startswith("postgres") for b in wanted):
        server = PostgresServer().start()
        atexit.register(server.stop)
        dsn = server.dsn
    if not url and "valkey" in wanted:
        server = RedisServer().start()
        atexit.register(server.stop)
        url = server.url
    return dsn, url


@surge.scenario
def pg_cache_vs_valkey(
    dsn=DEFAULT_DSN,
    url=DEFAULT_URL,
    backends=ALL_BACKENDS,
    writers=24,
    readers=48,
    keyspace=96,
    ttl=60,
    write_iterations=200,
    read_iterations=1_000,
    value_bytes=256,
    listeners=4,
    pipeline=1,
    key_pattern="uniform",
):
    wanted = [b.strip() for b in str(backends).split(",") if b.strip()]
    unknown = sorted(set(wanted) - set(BACKENDS))
    if unknown or not wanted:
        raise surge.ConfigError(f"backends: choose from {', '.join(BACKENDS)}, got {backends!r}")
    dsn, url = _start_servers(dsn, url, wanted)
    if any(b.startswith("postgres") for b in wanted):
        _tables(dsn)
    settings = {
        "writers": int(writers),
        "readers": int(readers),
        "ttl": int(ttl),
        "value_bytes": int(value_bytes),
        "write_iterations": int(write_iterations),
        "read_iterations": int(read_iterations),
        "listeners": int(listeners),
        "pipeline": int(pipeline),
    }
    keys = KeySpace(int(keyspace), prefix="cache:", pattern=key_pattern)
    fill_keys = KeySpace(int(keyspace), prefix="cache:", pattern="sequential")
    phases = []
    for backend in wanted:
        target = url if backend == "valkey" else dsn
        phases += _backend_phases(backend, target, keys, fill_keys, settings)
    return phases


def main(argv: list[str] | None = None) -> int:
    """The same comparison with the flags of the original benchmark script."""
    from surge.cli.args import add_network_flags, network_from_flags, positive_int
    from surge.running.suite import run_suite

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=ALL_BACKENDS)
    for flag, default in (
        ("--writers", 24),
        ("--readers", 48),
        ("--keyspace", 96),
        ("--ttl", 60),
        ("--write-iterations", 200),
        ("--read-iterations", 1_000),
        ("--value-bytes", 256),
        ("--listeners", 4),
        ("--pipeline", 1),
    ):
        parser.add_argument(flag, type=positive_int, default=default)
    parser.add_argument("--dsn", default=DEFAULT_DSN)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--json", metavar="PATH", help="write every backend's results here")
    add_network_flags(parser)
    args = parser.parse_args(argv)
    try:
        phases = pg_cache_vs_valkey(
            dsn=args.dsn,
            url=args.url,
            backends=args.backends,
            writers=args.writers,
            readers=args.readers,
            keyspace=args.keyspace,
            ttl=args.ttl,
            write_iterations=args.write_iterations,
            read_iterations=args.read_iterations,
            value_bytes=args.value_bytes,
            listeners=args.listeners,
            pipeline=args.pipeline,
        )
        network = network_from_flags(args)
        if network:
            phases = [
                tuple(s.replace(**network) for s in p)
                if isinstance(p, tuple)
                else p.replace(**network)
                for p in phases
            ]
        suite = run_suite("pg_cache_vs_valkey", phases)
    except surge.ConfigError as exc:
        print(f"pg_cache_vs_valkey: error: {exc}", file=sys.stderr)
        return 2
    print(suite.table())
    if args.json:
        print(f"results: {suite.save(args.json)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
