"""surge pg vs pgbench against the same PostgreSQL: queries/s and generator CPU per query.

PostgreSQL (postmaster and backends) runs on one core, the generator on the other (taskset).
Both run pgbench's select-only transaction (`-S -M prepared`) with 16 connections and one
generator thread, then pipelined: pgbench with a script of 16 selects between \\startpipeline
and \\endpipeline, surge with -P 16 (16 in flight per connection). Runs alternate; medians are
reported, because this machine is shared and noisy. Generator CPU is the child's user+system
time from wait4, for both. Writes benchmarks/results/pg_vs_pgbench.json.

    python benchmarks/pg_vs_pgbench.py [--rounds 5] [--duration 5] [--scale 5]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from surge import pgbench
from surge.services import PostgresServer

SERVER_CPU = 0
GENERATOR_CPU = 1
CONNECTIONS = 16
PIPELINE = 16


def pgbench_binary() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench")):
        return str(candidate)
    raise SystemExit("pgbench not found: apt install postgresql-contrib (or postgresql)")


def measured(command: list[str]) -> tuple[str, float]:
    """Runs `command` pinned to the generator core; returns its stdout and CPU seconds."""
    process = subprocess.Popen(
        ["taskset", "-c", str(GENERATOR_CPU), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(process.pid, 0)
    out, err = process.stdout.read(), process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[0]} failed: {err.strip()[-400:]}")
    return out, usage.ru_utime + usage.ru_stime


def run_pgbench(dsn: str, duration: int, script: Path | None) -> dict:
    command = [pgbench_binary(), "-n", "-M", "prepared", "-c", str(CONNECTIONS), "-j", "1"]
    command += ["-T", str(duration)]
    command += ["-f", str(script)] if script else ["-S"]
    out, cpu = measured([*command, dsn])
    transactions = int(re.search(r"number of transactions actually processed: (\d+)", out)[1])
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)[1])
    per_transaction = PIPELINE if script else 1
    return {
        "queries": transactions * per_transaction,
        "queries_per_s": tps * per_transaction,
        "cpu_s": cpu,
    }


def run_surge(dsn: str, duration: int, pipeline: int, json_path: Path) -> dict:
    command = [sys.executable, "-m", "surge.cli", "pg", dsn, "--builtin", "select-only"]
    command += ["-c", str(CONNECTIONS), "-P", str(pipeline), "-d", f"{duration}s", "-q"]
    _, cpu = measured([*command, "--json", str(json_path)])
    document = json.loads(json_path.read_text())
    total = document["total"]
    if total["error_count"]:
        raise SystemExit(f"surge saw errors: {total['errors']}")
    return {
        "queries": total["count"],
        "queries_per_s": total["count"] / document["duration_s"],
        "cpu_s": cpu,
        "p50_ms": total["latency"]["percentiles"]["50"],
        "p99_ms": total["latency"]["percentiles"]["99"],
    }


def summarise(runs: list[dict]) -> dict:
    return {
        "median_queries_per_s": round(statistics.median(r["queries_per_s"] for r in runs)),
        # Includes the interpreter's start-up for surge (about 0.1 s), which pgbench does not pay.
        "median_cpu_s_per_1000_queries": round(
            statistics.median(1000 * r["cpu_s"] / r["queries"] for r in runs), 5
        ),
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--scale", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="surge-pgbench-"))
    script = work / "pipelined_select.sql"
    lines = ["\\startpipeline"]
    for i in range(PIPELINE):
        lines.insert(0, f"\\set aid{i} random(1, {pgbench.ACCOUNTS_PER_BRANCH} * :scale)")
        lines.append(f"SELECT abalance FROM pgbench_accounts WHERE aid = :aid{i};")
    lines.append("\\endpipeline")
    script.write_text("\n".join(lines) + "\n")
    os.chmod(work, 0o755)
    os.chmod(script, 0o644)

    cases = {"select_only": (None, 1), "pipelined_select_only": (script, PIPELINE)}
    runs: dict[str, dict[str, list[dict]]] = {c: {"pgbench": [], "surge": []} for c in cases}
    with PostgresServer(cpu=SERVER_CPU) as server:
        pgbench.init_tables(server.dsn, args.scale)
        for _ in range(args.rounds):
            for case, (pgbench_script, pipeline) in cases.items():  # alternate tools and cases
                runs[case]["pgbench"].append(run_pgbench(server.dsn, args.duration, pgbench_script))
                runs[case]["surge"].append(
                    run_surge(server.dsn, args.duration, pipeline, work / "surge.json")
                )
    shutil.rmtree(work, ignore_errors=True)

    report: dict = {"rounds": args.rounds, "duration_s": args.duration, "scale": args.scale}
    for case, tools in runs.items():
        a, b = summarise(tools["pgbench"]), summarise(tools["surge"])
        report[case] = {
            "pgbench": a,
            "surge": b,
            "ratio_queries_per_s": round(b["median_queries_per_s"] / a["median_queries_per_s"], 3),
            "ratio_cpu_per_query": round(
                b["median_cpu_s_per_1000_queries"] / a["median_cpu_s_per_1000_queries"], 3
            ),
        }
        print(
            f"{case:22} pgbench {a['median_queries_per_s']:>7} q/s "
            f"{a['median_cpu_s_per_1000_queries'] * 1000:.1f} ms CPU/1000q | surge "
            f"{b['median_queries_per_s']:>7} q/s "
            f"{b['median_cpu_s_per_1000_queries'] * 1000:.1f} ms CPU/1000q | "
            f"surge/pgbench q/s {report[case]['ratio_queries_per_s']:.2f}, "
            f"CPU per query {report[case]['ratio_cpu_per_query']:.2f}"
        )
    gain = (
        report["pipelined_select_only"]["surge"]["median_queries_per_s"]
        / report["select_only"]["surge"]["median_queries_per_s"]
    )
    report["surge_pipelining_gain"] = round(gain, 2)
    print(f"surge pipelined (-P {PIPELINE}) vs not: {gain:.2f}x queries/s")
    out = Path(__file__).resolve().parent / "results" / "pg_vs_pgbench.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
