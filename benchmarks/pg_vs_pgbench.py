"""surge pg vs pgbench against the same PostgreSQL: queries/s and generator CPU per query.

PostgreSQL (postmaster and backends) runs on one core, the generator on the other (taskset).
Both run pgbench's select-only transaction (`-S -M prepared`) with 16 connections and one
generator thread, then pipelined: pgbench with a script of 16 selects between \\startpipeline
and \\endpipeline, surge with -P 16 (16 in flight per connection) and --sync batch (the
operations of one round share a Sync, as pgbench's pipeline does), and with --sync operation
(a Sync, so a transaction, per operation: more packets, isolated errors). Runs alternate;
medians are reported, because this machine is shared and noisy. Generator CPU is the child's
user+system time from wait4 for pgbench, and for surge the CPU of the run itself (rusage
around surge.run in the child: all engine threads, not the interpreter's start-up).
Writes benchmarks/results/pg_vs_pgbench.json.

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

# surge's built-in select-only in a child, with the CPU of the run itself (every engine thread)
# measured, not the interpreter's start-up and imports, which pgbench does not pay either.
SURGE_CHILD = """
import json, resource, sys
import surge
from surge import pgbench
dsn, duration, pipeline, sync = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
operations = pgbench.operations("select-only", pgbench.detect_scale(dsn))
scenario = surge.Scenario(
    name="bench", base_url=dsn, operations=operations,
    load=surge.Users(16), duration=duration, pipeline=pipeline, pipeline_sync=sync)
before = resource.getrusage(resource.RUSAGE_SELF)
result = surge.run(scenario)
after = resource.getrusage(resource.RUSAGE_SELF)
total = result.total
print(json.dumps({
    "queries": total["count"], "queries_per_s": total["count"] / result["duration_s"],
    "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
    "errors": total["error_count"], "p50_ms": total["latency"]["percentiles"]["50"],
    "p99_ms": total["latency"]["percentiles"]["99"]}))
"""


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


def run_surge(dsn: str, duration: int, pipeline: int, sync: str) -> dict:
    out, _ = measured([sys.executable, "-c", SURGE_CHILD, dsn, str(duration), str(pipeline), sync])
    row = json.loads(out)
    if row["errors"]:
        raise SystemExit(f"surge saw {row['errors']} errors")
    return row


def summarise(runs: list[dict]) -> dict:
    return {
        "median_queries_per_s": round(statistics.median(r["queries_per_s"] for r in runs)),
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

    # surge's batch sync is pgbench's pipeline: the operations of one round share a Sync. With
    # a Sync per operation (surge's default) each operation is its own transaction, which
    # pgbench's pipeline does not do; it is measured against the same pgbench runs' kind.
    cases = {
        "select_only": (None, 1, "operation"),
        "pipelined_select_only": (script, PIPELINE, "batch"),
        "pipelined_sync_per_operation": (script, PIPELINE, "operation"),
    }
    runs: dict[str, dict[str, list[dict]]] = {c: {"pgbench": [], "surge": []} for c in cases}
    with PostgresServer(cpu=SERVER_CPU) as server:
        pgbench.init_tables(server.dsn, args.scale)
        for _ in range(args.rounds):
            for case, (pgbench_script, pipeline, sync) in cases.items():  # alternate them all
                runs[case]["pgbench"].append(run_pgbench(server.dsn, args.duration, pgbench_script))
                runs[case]["surge"].append(run_surge(server.dsn, args.duration, pipeline, sync))
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
    for case in ("pipelined_select_only", "pipelined_sync_per_operation"):
        gain = (
            report[case]["surge"]["median_queries_per_s"]
            / report["select_only"]["surge"]["median_queries_per_s"]
        )
        report[f"surge_gain_{case}"] = round(gain, 2)
        print(f"surge {case} (-P {PIPELINE}) vs not pipelined: {gain:.2f}x queries/s")
    out = Path(__file__).resolve().parent / "results" / "pg_vs_pgbench.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
