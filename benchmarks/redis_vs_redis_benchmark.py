"""surge redis vs redis-benchmark against the same redis-server: ops per generator CPU-second.

Both use 50 connections and one thread, the same SET/GET commands (3-byte values, keys
key:0..99999 drawn at random) and the same number of operations, at pipeline 1 and 16. The
method is benchmarks/side_by_side.py's: whole-process CPU, pinned, interleaved rounds, median
and spread of the per-round ratios, syscalls per operation from strace. Writes
benchmarks/results/redis_vs_redis_benchmark.json.

    python benchmarks/redis_vs_redis_benchmark.py [--rounds 5] [--ops 400000]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import (
    SERVER_CPU,
    pinned,
    syscalls_per_request,
    transport_rows,
    write_rows,
)
from surge.services import RedisServer

CONNECTIONS = 50
KEYS = 100_000

SURGE_CHILD = """
import json, resource, sys
import surge
from surge import redis
url, pipeline, ops, io = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cluster = len(sys.argv) > 5 and sys.argv[5] == "1"
key = {"k": "uniform(0,99999)"}
scenario = surge.Scenario(
    name="bench", base_url=url, pipeline=pipeline, requests=ops, cluster=cluster,
    operations=[redis.command("set", "SET key:{k} xxx", variables=key),
                redis.command("get", "GET key:{k}", variables=key)],
    load=surge.Connections(50), io=io)
before = resource.getrusage(resource.RUSAGE_SELF)
result = surge.run(scenario)
after = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"count": result.total["count"], "seconds": result["duration_s"],
                  "errors": result.total["error_count"], "io": result["load"]["io"],
                  "redirects": result.total["redirects"],
                  "run_cpu_s": (after.ru_utime - before.ru_utime)
                               + (after.ru_stime - before.ru_stime)}))
"""
# name: (pipeline, operations per run as a multiple of --ops, goal: least surge/peer ops per CPU-s)
CASES = {"P1": (1, 1, 1.7), "P16": (16, 5, 1.3)}


def redis_benchmark_command(port: int, pipeline: int, ops: int, cluster: bool = False) -> list[str]:
    return [
        *("redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-c", str(CONNECTIONS)),
        *("-n", str(ops // 2), "-P", str(pipeline), "-r", str(KEYS), "-t", "set,get"),
        *("--threads", "1", "--csv"),
        *(["--cluster"] if cluster else []),
    ]


def run_redis_benchmark(command: list[str]) -> dict:
    out, _, cpu = pinned(command)
    per_test = int(command[command.index("-n") + 1])
    seconds = 0.0
    for line in out.splitlines():  # --cluster first lists the primaries it found
        fields = [f.strip('"') for f in line.split(",")]
        if fields[0] in ("SET", "GET"):
            seconds += per_test / float(fields[1])
    return {"count": 2 * per_test, "seconds": seconds, "cpu_s": cpu}


def surge_command(url: str, pipeline: int, ops: int, io: str, cluster: bool = False) -> list[str]:
    return [sys.executable, "-c", SURGE_CHILD, url, str(pipeline), str(ops), io, str(int(cluster))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ops", type=int, default=400_000, help="operations per run at -P 1")
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        print("needs two cores: one for redis-server, one for the generator", file=sys.stderr)
        return 1
    rows = []
    with RedisServer(cpu=SERVER_CPU) as server:
        for name, (pipeline, scale, goal) in CASES.items():
            ops = args.ops * scale
            theirs = redis_benchmark_command(server.port, pipeline, ops)
            short = ops // 4
            peer_syscalls = {
                "redis-benchmark": syscalls_per_request(
                    redis_benchmark_command(server.port, pipeline, short), lambda _out, n=short: n
                )
            }
            rows += transport_rows(
                f"Redis SET/GET, random keys, 50 connections, pipeline {pipeline}",
                "redis-benchmark 7.0",
                lambda t=theirs: run_redis_benchmark(t),
                lambda io, brief, p=pipeline, n=ops: surge_command(
                    server.url, p, n // 4 if brief else n, io
                ),
                peer_syscalls,
                goal,
                args.rounds,
                name,
                unit="ops",
            )
    write_rows(
        "redis_vs_redis_benchmark",
        "Redis against redis-server, surge redis vs redis-benchmark",
        {"threads": 1, "connections": CONNECTIONS, "keys": KEYS, "rounds": args.rounds,
         "operations_per_run": {name: args.ops * scale for name, (_, scale, _) in CASES.items()}},
        rows,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
