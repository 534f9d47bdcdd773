"""`surge redis URL`: memtier/redis-benchmark-style load on Redis or Valkey.

    surge redis redis://127.0.0.1:6379 -c 50 -P 16 -d 30s --ratio 1:10 --keys 100000 \\
        --key-pattern zipf:0.99 --data-size 32-1024 --ttl 300 --preload
    surge redis unix:///run/redis.sock --command 'INCR counter:{key}' -n 100000
"""

from __future__ import annotations

import argparse
from typing import Any

from surge.errors import ConfigError
from surge.flags import (
    count_arg,
    flag_errors,
    weight_arg,
    whole_arg,
)
from surge.protocols import redis as redis_ops
from surge.protocols import tls_flags as cli_tls
from surge.protocols.redis.keyspace import KeySpace, value_spec
from surge.urls import is_redis_url, parse_redis_url, redact_url


def _ratio_pair(value: str) -> tuple[float, float]:
    try:
        set_text, get_text = value.split(":")
        set_weight, get_weight = (
            0.0 if text.strip() in ("0", "0.0") else weight_arg(text)
            for text in (set_text, get_text)
        )
    except (ValueError, argparse.ArgumentTypeError):
        set_weight = get_weight = -1.0
    if set_weight < 0 or get_weight < 0 or set_weight + get_weight == 0:
        raise argparse.ArgumentTypeError(
            f"expected SET:GET weights such as 1:10 (numbers >= 0, not both 0), got {value!r}"
        )
    return set_weight, get_weight


NAME = "redis"
HELP = "load a Redis/Valkey server (memtier/redis-benchmark style)"
COUNTS = "commands"
# The load without -R, -u or -c: memtier's and redis-benchmark's 50 clients.
DEFAULT_LOAD = ("Users", 50)


def add_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "url", help="redis://[user:pass@]HOST[:PORT][/DB], rediss:// (TLS) or unix:///PATH"
    )
    cli_tls.add_flags(p)
    c = p.add_argument_group("cluster")
    c.add_argument(
        "--cluster",
        action="store_true",
        help="the URL names a node of a Redis Cluster: each command goes to the node serving "
        "its key's slot; MOVED and ASK are followed and counted",
    )
    c.add_argument(
        "--read-from",
        choices=("primary", "replica", "any"),
        default="primary",
        help="which of a slot's nodes serve reads (GET, HGET, ...) with --cluster",
    )
    w = p.add_argument_group("workload")
    w.add_argument("--ratio", type=_ratio_pair, help="SET:GET weights (default 1:10)")
    w.add_argument("--keys", type=count_arg, default=10_000, help="key range 1..N")
    w.add_argument("--key-prefix", default="key:", help="what every key starts with")
    w.add_argument(
        "--key-pattern", default="uniform", help="uniform | sequential | gaussian | zipf[:0.99]"
    )
    w.add_argument("--data-size", default="100", help="value bytes: N, MIN-MAX or SIZE:W,...")
    w.add_argument("--ttl", type=whole_arg(1, redis_ops.MAX_TTL_S), help="seconds; SET ... EX TTL")
    w.add_argument(
        "--command",
        dest="commands",
        action="append",
        default=[],
        metavar="'SET {key} {value}'",
        help="a command template (repeat for a mix); {key} and {value} follow the flags above, "
        "other {NAME}s come from --var",
    )
    w.add_argument("--preload", action="store_true", help="SET every key before the run")


def _operations(args: argparse.Namespace, keyspace: KeySpace) -> list:
    if args.commands and args.ratio:
        raise ConfigError("--ratio mixes the default SET/GET; with --command, give the mix there")
    if args.var and not args.commands:
        raise ConfigError("--var names variables of --command templates: give a --command")
    with flag_errors("--data-size"):
        value_spec(args.data_size)
    if not args.commands:
        return redis_ops.cache_mix(
            keyspace, data_size=args.data_size, ratio=args.ratio or (1, 10), ttl_s=args.ttl
        )
    variables = {"key": keyspace.generator(), "value": value_spec(args.data_size), **dict(args.var)}
    ops, seen = [], {}
    for text in args.commands:
        verb = text.split()[0].lower() if text.split() else "command"
        seen[verb] = seen.get(verb, 0) + 1
        name = verb if seen[verb] == 1 else f"{verb}_{seen[verb]}"
        used = {k: v for k, v in variables.items() if f"{{{k}}}" in text}
        key_text = text.replace("{key}", keyspace.key_template())
        with flag_errors("--command"):
            ops.append(redis_ops.command(name, key_text, variables=used))
    return ops


def preload(args: argparse.Namespace) -> dict[str, Any] | None:
    """With --preload: every key of the key space SET once before the run, pipelined."""
    if not args.preload:
        return None
    keyspace = KeySpace(args.keys, args.key_prefix, args.key_pattern)
    return {
        "operations": redis_ops.preload_operations(
            keyspace, data_size=args.data_size, ttl_s=args.ttl
        ),
        "count": keyspace.keys,
        "pipeline": max(args.pipeline, 16),
        "what": "keys",
    }


def scenario(args: argparse.Namespace) -> dict[str, Any]:
    """The Scenario's fields that this command's flags give; the CLI adds the load and the
    settings every run command shares, then runs it (after preload(), if --preload)."""
    if not is_redis_url(args.url):
        raise ConfigError(
            f"bad URL {redact_url(args.url)!r}: expected redis://[user:pass@]HOST[:PORT][/DB] "
            "or unix:///PATH"
        )
    parse_redis_url(args.url)  # a bad URL fails here with its own message
    keyspace = KeySpace(args.keys, args.key_prefix, args.key_pattern)
    operations = _operations(args, keyspace)
    return {
        "name": "redis",
        "base_url": args.url,
        "operations": operations,
        "pipeline": args.pipeline,
        "cluster": args.cluster,
        "read_from": args.read_from,
        "params": {
            "url": args.url,
            "keyspace": keyspace.describe(),
            "data_size": args.data_size,
            "ttl_s": args.ttl,
            "pipeline": args.pipeline,
            "cluster": args.cluster,
        },
        "tls": cli_tls.from_flags(args, args.url),
    }
