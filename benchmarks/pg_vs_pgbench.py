"""surge pg vs pgbench against the same PostgreSQL: generator CPU per query.

PostgreSQL (postmaster and backends) runs on one core, the generator on the other. Both run
pgbench's select-only transaction (`-S -M prepared`) with 16 connections and one generator
thread, then pipelined: pgbench with a script of 16 selects between \\startpipeline and
\\endpipeline, surge with -P 16 and --sync batch (the operations of one round share a Sync, as
pgbench's pipeline does), and with --sync operation (a Sync, so a transaction, per operation).
The method is benchmarks/side_by_side.py's: whole-process CPU, pinned, interleaved rounds,
median and spread of the per-round ratios, syscalls per query from strace. Writes
benchmarks/results/pg_vs_pgbench.json.

    python benchmarks/pg_vs_pgbench.py [--rounds 5] [--duration 5] [--scale 5]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import (
    SERVER_CPU,
    interleave,
    pinned,
    row,
    run_surge,
    surge_count,
    syscalls_per_request,
    write_rows,
)
from surge import pgbench
from surge.services import PostgresServer

CONNECTIONS = 16
PIPELINE = 16

# A child's last lines: it runs `scenario` and prints its count, with the CPU of the run itself
# (every engine thread) measured beside the whole process's, which the ratios use: the
# interpreter's start-up and imports are what a user pays, and pgbench does not.
MEASURED_RUN = """
before = resource.getrusage(resource.RUSAGE_SELF)
result = surge.run(scenario)
after = resource.getrusage(resource.RUSAGE_SELF)
total = result.total
print(json.dumps({
    "count": total["count"], "seconds": result["duration_s"],
    "run_cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
    "errors": total["error_count"], "p50_ms": total["latency"]["percentiles"]["50"],
    "p99_ms": total["latency"]["percentiles"]["99"]}))
"""

# surge's built-in select-only in a child.
SURGE_CHILD = (
    """
import json, resource, sys
import surge
from surge import pgbench
dsn, duration, pipeline, sync = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
operations = pgbench.operations("select-only", pgbench.detect_scale(dsn))
scenario = surge.Scenario(
    name="bench", base_url=dsn, operations=operations,
    load=surge.Users(16), duration=duration, pipeline=pipeline, pipeline_sync=sync)
"""
    + MEASURED_RUN
)


def pgbench_binary() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench")):
        return str(candidate)
    raise SystemExit("pgbench not found: apt install postgresql-contrib (or postgresql)")


def pgbench_command(dsn: str, duration: float, script: Path | None) -> list[str]:
    command = [pgbench_binary(), "-n", "-M", "prepared", "-c", str(CONNECTIONS), "-j", "1"]
    command += ["-T", f"{duration:g}"]
    command += ["-f", str(script)] if script else ["-S"]
    return [*command, dsn]


def pgbench_count(out: str, per_transaction: int) -> int:
    transactions = int(re.search(r"number of transactions actually processed: (\d+)", out)[1])
    return transactions * per_transaction


def run_pgbench(command: list[str], per_transaction: int) -> dict:
    out, _, cpu = pinned(command)
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)[1])
    count = pgbench_count(out, per_transaction)
    return {"count": count, "seconds": count / (tps * per_transaction), "cpu_s": cpu}


def surge_command(dsn: str, duration: float, pipeline: int, sync: str) -> list[str]:
    return [sys.executable, "-c", SURGE_CHILD, dsn, f"{duration:g}", str(pipeline), sync]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5)
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
    # pgbench's pipeline does not do; it is measured against the same pgbench script.
    # name: (title, pgbench script, surge pipeline, sync, goal: least surge/pgbench per CPU-s;
    # the "at most 0.8x the CPU per query" is 1.25x the queries per CPU-s)
    cases = {
        "select_only": ("select-only, 16 connections", None, 1, "operation", 1.25),
        "pipelined": ("select-only pipelined 16, Sync per batch", script, PIPELINE, "batch", None),
        "pipelined_sync_per_operation": (
            "select-only pipelined 16, Sync per operation", script, PIPELINE, "operation", None,
        ),
    }  # fmt: skip
    rows = []
    with PostgresServer(cpu=SERVER_CPU) as server:
        pgbench.init_tables(server.dsn, args.scale)
        for title, pgbench_script, pipeline, sync, goal in cases.values():
            per_transaction = PIPELINE if pgbench_script else 1
            theirs = pgbench_command(server.dsn, args.duration, pgbench_script)
            ours = surge_command(server.dsn, args.duration, pipeline, sync)
            peer_runs, surge_runs = interleave(
                args.rounds,
                lambda theirs=theirs, n=per_transaction: run_pgbench(theirs, n),
                lambda ours=ours: run_surge(ours),
                title,
            )
            syscalls = {
                "pgbench": syscalls_per_request(
                    pgbench_command(server.dsn, 2, pgbench_script),
                    lambda out, n=per_transaction: pgbench_count(out, n),
                ),
                "surge": syscalls_per_request(
                    surge_command(server.dsn, 2, pipeline, sync), surge_count
                ),
            }
            rows.append(row(title, "pgbench 15", peer_runs, surge_runs, goal, "queries", syscalls))
    shutil.rmtree(work, ignore_errors=True)
    write_rows(
        "pg_vs_pgbench",
        "PostgreSQL (one core) against pgbench, surge pg vs pgbench",
        {"threads": 1, "connections": CONNECTIONS, "scale": args.scale, "rounds": args.rounds,
         "duration_s": args.duration},
        rows,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
