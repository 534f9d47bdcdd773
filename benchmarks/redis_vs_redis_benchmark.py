"""surge redis vs redis-benchmark against the same redis-server: ops per generator CPU-second.

redis-server runs on one core and the generator on the other (taskset). Both use 50
connections and one thread, the same SET/GET commands (3-byte values, keys key:0..99999 drawn
at random) and the same number of operations; runs alternate and medians are reported.
Configurations: pipeline 1 and pipeline 16. Writes benchmarks/results/redis_vs_redis_benchmark.json.

    python benchmarks/redis_vs_redis_benchmark.py [--rounds 3] [--ops 400000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from surge.services import RedisServer

SERVER_CPU = 0
GENERATOR_CPU = 1
CONNECTIONS = 50
KEYS = 100_000

SURGE_CHILD = """
import json, resource, sys
import surge
from surge import redis
url, pipeline, ops = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
key = {"k": "uniform(0,99999)"}
scenario = surge.Scenario(
    name="bench", base_url=url, pipeline=pipeline, requests=ops,
    operations=[redis.command("set", "SET key:{k} xxx", variables=key),
                redis.command("get", "GET key:{k}", variables=key)],
    load=surge.Connections(50))
before = resource.getrusage(resource.RUSAGE_SELF)
result = surge.run(scenario)
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(json.dumps({"ops": result.total["count"], "seconds": result["duration_s"],
                  "errors": result.total["error_count"], "cpu_s": cpu}))
"""


def run_redis_benchmark(port: int, pipeline: int, ops: int) -> dict:
    per_test = ops // 2
    command = [
        *("taskset", "-c", str(GENERATOR_CPU), "redis-benchmark"),
        *("-h", "127.0.0.1", "-p", str(port), "-c", str(CONNECTIONS)),
        *("-n", str(per_test), "-P", str(pipeline), "-r", str(KEYS), "-t", "set,get"),
        *("--threads", "1", "--csv"),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    out = process.stdout.read()
    process.stdout.close()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"redis-benchmark failed: {out}")
    seconds = 0.0
    for line in out.splitlines()[1:]:
        fields = [f.strip('"') for f in line.split(",")]
        seconds += per_test / float(fields[1])
    return {"ops": 2 * per_test, "seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime}


def run_surge(url: str, pipeline: int, ops: int) -> dict:
    command = [
        *("taskset", "-c", str(GENERATOR_CPU), sys.executable, "-c", SURGE_CHILD),
        *(url, str(pipeline), str(ops)),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def summarise(runs: list[dict]) -> dict:
    return {
        "runs": runs,
        "median_ops_per_s": statistics.median(r["ops"] / r["seconds"] for r in runs),
        "median_ops_per_cpu_s": statistics.median(r["ops"] / r["cpu_s"] for r in runs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ops", type=int, default=400_000, help="operations per run at -P 1")
    parser.add_argument("--out", default="benchmarks/results/redis_vs_redis_benchmark.json")
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        print("needs two cores: one for redis-server, one for the generator", file=sys.stderr)
        return 1
    report: dict = {
        "setup": {
            "connections": CONNECTIONS,
            "threads": 1,
            "keys": KEYS,
            "value_bytes": 3,
            "rounds": args.rounds,
            "server_cpu": SERVER_CPU,
            "generator_cpu": GENERATOR_CPU,
        }
    }
    with RedisServer(cpu=SERVER_CPU) as server:
        for pipeline, ops in ((1, args.ops), (16, args.ops * 5)):
            theirs, ours = [], []
            for i in range(args.rounds):
                order = [
                    ("redis-benchmark", run_redis_benchmark, server.port, theirs),
                    ("surge", run_surge, server.url, ours),
                ]
                if i % 2:
                    order.reverse()
                for name, runner, address, runs in order:
                    runs.append(runner(address, pipeline, ops))
                    r = runs[-1]
                    print(
                        f"-P {pipeline:<2} round {i + 1} {name:15s} "
                        f"{r['ops'] / r['seconds']:10.0f} ops/s "
                        f"{r['ops'] / r['cpu_s']:10.0f} ops/CPU-s",
                        file=sys.stderr,
                    )
            a, b = summarise(theirs), summarise(ours)
            report[f"pipeline_{pipeline}"] = {
                "redis_benchmark": a,
                "surge": b,
                "ratio_ops_per_cpu_s": b["median_ops_per_cpu_s"] / a["median_ops_per_cpu_s"],
                "ratio_ops_per_s": b["median_ops_per_s"] / a["median_ops_per_s"],
            }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    summary = {
        key: {k: round(v, 3) for k, v in value.items() if k.startswith("ratio")}
        | {
            "redis_benchmark_ops_per_cpu_s": round(
                value["redis_benchmark"]["median_ops_per_cpu_s"]
            ),
            "surge_ops_per_cpu_s": round(value["surge"]["median_ops_per_cpu_s"]),
        }
        for key, value in report.items()
        if key.startswith("pipeline")
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
