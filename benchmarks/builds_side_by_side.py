"""Two builds of surge and the peer tools, side by side in one run: did a change make surge
faster or slower? Each round runs, in an order that rotates, the peer and each build against
the same server (HTTP: nginx and wrk; Redis: redis-server and redis-benchmark at -P 1 and -P 16;
PostgreSQL: select-only with pgbench). The server is pinned to core 0, every generator to
core 1. Per tool: the median and the spread (min..max) of work per generator CPU-second, both
for the run itself (rusage around surge.run, as the other benchmarks measure) and for the
whole process (wait4: interpreter start-up and imports included), and work per second.

    python benchmarks/builds_side_by_side.py --before /path/to/old/venv/bin/python \\
        [--after python] [--rounds 5] [--only http,redis,pg]

Writes benchmarks/results/builds_side_by_side.json.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import http_vs_wrk  # noqa: E402
import pg_vs_pgbench  # noqa: E402
import redis_vs_redis_benchmark  # noqa: E402
import side_by_side  # noqa: E402
from nginx_server import Nginx  # noqa: E402
from surge import pgbench  # noqa: E402
from surge.services import PostgresServer, RedisServer  # noqa: E402

GENERATOR_CPU = 1
SERVER_CPU = 0


def with_python(command: list[str], python: str) -> list[str]:
    """A surge child command of the benchmarks (`[sys.executable, "-c", CHILD, ...]`) run by
    another build's interpreter."""
    return [python, *command[1:]]


def child(command: list[str]) -> dict:
    """A surge child pinned to the generator core: its JSON line (the run's own CPU as
    `cpu_s`, as the peers' benchmarks measure it), plus the whole process's CPU."""
    stdout, _, process_cpu = side_by_side.pinned(command)
    row = json.loads(stdout)
    row["cpu_s"] = row["run_cpu_s"]
    row["process_cpu_s"] = process_cpu
    return row


def surge_tools(builds: dict[str, str], command: list[str]) -> dict[str, Callable[[], dict]]:
    """Each build's run of the same surge child command."""
    return {name: functools.partial(child, with_python(command, py)) for name, py in builds.items()}


def summarise(runs: list[dict]) -> dict:
    spread = side_by_side.spread
    summary = {
        "per_s": spread([r["count"] / r["seconds"] for r in runs]),
        "per_cpu_s": spread([r["count"] / r["cpu_s"] for r in runs]),
        "runs": runs,
    }
    if all("process_cpu_s" in r for r in runs):
        summary["per_process_cpu_s"] = spread([r["count"] / r["process_cpu_s"] for r in runs])
    return summary


def rounds(tools: dict[str, Callable[[], dict]], count: int, label: str) -> dict[str, list]:
    runs: dict[str, list] = {name: [] for name in tools}
    names = list(tools)
    for i in range(count):
        order = names[i % len(names) :] + names[: i % len(names)]  # rotate who goes first
        for name in order:
            runs[name].append(tools[name]())
            print(f"{label} round {i + 1} {name:16s} done", file=sys.stderr)
    return runs


def http_case(builds: dict[str, str], count: int, seconds: float) -> dict:
    connections = 50
    with tempfile.TemporaryDirectory() as root, Nginx(Path(root), cpu=SERVER_CPU) as nginx:
        ours = side_by_side.surge_http_command(nginx.url, connections, seconds)
        theirs = http_vs_wrk.wrk_command(nginx.url, connections, seconds, False)
        tools = {"wrk": lambda: http_vs_wrk.run_wrk(theirs)}
        tools |= surge_tools(builds, ours)
        runs = rounds(tools, count, "http")
    return {name: summarise(r) for name, r in runs.items()}


def redis_cases(builds: dict[str, str], count: int, ops: int) -> dict:
    report = {}
    with RedisServer(cpu=SERVER_CPU) as server:
        for pipeline, n in ((1, ops), (16, ops * 5)):
            ours = redis_vs_redis_benchmark.surge_command(server.url, pipeline, n)
            theirs = redis_vs_redis_benchmark.redis_benchmark_command(server.port, pipeline, n)
            tools = {
                "redis-benchmark": lambda c=theirs: redis_vs_redis_benchmark.run_redis_benchmark(c)
            }
            tools |= surge_tools(builds, ours)
            runs = rounds(tools, count, f"redis -P {pipeline}")
            report[f"pipeline_{pipeline}"] = {name: summarise(r) for name, r in runs.items()}
    return report


def pg_case(builds: dict[str, str], count: int, seconds: int) -> dict:
    with PostgresServer(cpu=SERVER_CPU) as server:
        pgbench.init_tables(server.dsn, 5)
        ours = pg_vs_pgbench.surge_command(server.dsn, seconds, 1, "operation")
        theirs = pg_vs_pgbench.pgbench_command(server.dsn, seconds, None)
        tools = {"pgbench": lambda: pg_vs_pgbench.run_pgbench(theirs, 1)}
        tools |= surge_tools(builds, ours)
        runs = rounds(tools, count, "pg")
    return {name: summarise(r) for name, r in runs.items()}


def ratios(case: dict, peer: str, builds: list[str]) -> dict:
    out = {}
    for build in builds:
        out[f"{build}/{peer} per_cpu_s"] = round(
            case[build]["per_cpu_s"]["median"] / case[peer]["per_cpu_s"]["median"], 3
        )
    if len(builds) == 2:
        old, new = builds
        for key in ("per_cpu_s", "per_process_cpu_s", "per_s"):
            change = case[new][key]["median"] / case[old][key]["median"]
            out[f"{new}/{old} {key}"] = round(change, 3)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="python of the build to compare against")
    parser.add_argument("--after", default=sys.executable, help="python of the new build")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--ops", type=int, default=400_000, help="Redis operations at -P 1")
    parser.add_argument("--only", default="http,redis,pg")
    parser.add_argument("--out", default=str(HERE / "results" / "builds_side_by_side.json"))
    args = parser.parse_args()
    builds = {"before": args.before, "after": args.after}
    only = set(args.only.split(","))
    report: dict = {"rounds": args.rounds, "builds": builds}
    if "http" in only:
        case = http_case(builds, args.rounds, args.seconds)
        report["http"] = {"tools": case, "ratios": ratios(case, "wrk", list(builds))}
    if "redis" in only:
        for key, case in redis_cases(builds, args.rounds, args.ops).items():
            report[f"redis_{key}"] = {
                "tools": case,
                "ratios": ratios(case, "redis-benchmark", list(builds)),
            }
    if "pg" in only:
        case = pg_case(builds, args.rounds, args.seconds)
        report["pg_select_only"] = {"tools": case, "ratios": ratios(case, "pgbench", list(builds))}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    for name, case in report.items():
        if not isinstance(case, dict) or "tools" not in case:
            continue
        print(name)
        for tool, s in case["tools"].items():
            c = s["per_cpu_s"]
            print(f"  {tool:16s} per CPU-s {c['median']:>10.0f} ({c['min']:.0f}..{c['max']:.0f})"
                  f"  per s {s['per_s']['median']:>10.0f}")  # fmt: skip
        for k, v in case["ratios"].items():
            print(f"  {k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
