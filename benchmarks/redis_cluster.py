"""What routing a Redis Cluster costs: surge redis --cluster against a 3-primary cluster, beside
redis-benchmark --cluster on the same cluster, and beside surge against one redis-server.

Both generators use 50 connections and one thread and send the same SET/GET commands
(3-byte values, keys drawn at random from 100,000) at pipeline 1 and 16. Every server node is
pinned to one core and the generator to the other. The method is benchmarks/side_by_side.py's:
whole-process CPU, interleaved rounds, the median and spread of the per-round ratios, and
syscalls per operation from strace. Writes benchmarks/results/redis_cluster.json.

- "vs redis-benchmark --cluster": surge's ops per CPU-second over redis-benchmark's, on the
  cluster. redis-benchmark routes by giving each connection one node and keys tagged for
  that node's slots; surge hashes each command's key and picks its node.
- "routing cost": surge's ops per CPU-second on the cluster over its own on one server; below
  1 is what the slot lookup, the connections to every node and the smaller batches per
  connection cost.

    python benchmarks/redis_cluster.py [--rounds 5] [--ops 300000]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from redis_vs_redis_benchmark import (
    CONNECTIONS,
    KEYS,
    redis_benchmark_command,
    run_redis_benchmark,
    surge_command,
)
from side_by_side import (
    SERVER_CPU,
    interleave_all,
    row,
    run_surge,
    surge_count,
    syscalls_per_request,
    write_rows,
)
from surge.services import RedisCluster, RedisServer

# name: (pipeline, operations per run as a multiple of --ops)
CASES = {"P1": (1, 1), "P16": (16, 5)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ops", type=int, default=300_000, help="operations per run at -P 1")
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        print("needs two cores: one for the servers, one for the generator", file=sys.stderr)
        return 1
    rows = []
    with (
        RedisCluster(primaries=3, replicas_each=0, cpu=SERVER_CPU) as cluster,
        RedisServer(cpu=SERVER_CPU) as single,
    ):
        seed = cluster.nodes[0].port
        for name, (pipeline, scale) in CASES.items():
            ops = args.ops * scale
            short = ops // 4

            def surge_on(url, io, is_cluster, n=ops, p=pipeline):
                return surge_command(url, p, n, io, is_cluster)

            runners = {
                "redis-benchmark --cluster": lambda p=pipeline, n=ops: run_redis_benchmark(
                    redis_benchmark_command(seed, p, n, cluster=True)
                ),
                "uring": lambda: run_surge(surge_on(cluster.url, "uring", True)),
                "epoll": lambda: run_surge(surge_on(cluster.url, "epoll", True)),
                "one server": lambda: run_surge(surge_on(single.url, "uring", False)),
            }
            runs = interleave_all(args.rounds, runners, name)
            for transport in ("uring", "epoll", "one server"):
                if any(r.get("errors") for r in runs[transport]):
                    raise SystemExit(f"{name}: surge ({transport}) had errors: {runs[transport]}")
            peer_calls = syscalls_per_request(
                redis_benchmark_command(seed, pipeline, short, cluster=True),
                lambda _out, n=short: n,
            )
            cluster_calls = {
                io: syscalls_per_request(surge_on(cluster.url, io, True, short), surge_count)
                for io in ("uring", "epoll")
            }
            single_calls = syscalls_per_request(
                surge_on(single.url, "uring", False, short), surge_count
            )
            title = (
                "Redis Cluster (3 primaries) SET/GET, random keys, 50 connections, "
                f"pipeline {pipeline}"
            )
            for transport, label in (("uring", "io_uring"), ("epoll", "epoll")):
                rows.append(
                    row(
                        f"{title}, vs redis-benchmark --cluster, {label}",
                        "redis-benchmark 7.0 --cluster",
                        runs["redis-benchmark --cluster"],
                        runs[transport],
                        None,
                        "ops",
                        {
                            "redis-benchmark --cluster": peer_calls,
                            "surge --cluster": cluster_calls[transport],
                        },
                    )
                    | {"io": transport, "pipeline": pipeline, "kind": "vs peer"}
                )
            rows.append(
                row(
                    f"{title}, routing cost: surge --cluster over surge against one server",
                    "surge against one redis-server",
                    runs["one server"],
                    runs["uring"],
                    None,
                    "ops",
                    {"surge, one server": single_calls, "surge --cluster": cluster_calls["uring"]},
                )
                | {"io": "uring", "pipeline": pipeline, "kind": "routing cost"}
            )
            redirects = sum(r.get("redirects", 0) for r in runs["uring"] + runs["epoll"])
            print(f"{name}: redirects in surge's cluster runs: {redirects}", file=sys.stderr)
    write_rows(
        "redis_cluster",
        "Redis Cluster: surge redis --cluster vs redis-benchmark --cluster, and vs one server",
        {"threads": 1, "connections": CONNECTIONS, "keys": KEYS, "rounds": args.rounds,
         "primaries": 3, "replicas": 0,
         "operations_per_run": {name: args.ops * scale for name, (_, scale) in CASES.items()}},
        rows,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
