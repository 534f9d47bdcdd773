"""surge pg -f vs pgbench -f on the same script file: generator CPU per transaction.

pgbench's built-in tpcb-like script, written out as a file (surge's copy of it,
surge.protocols.postgres.pgbench_script.BUILTIN_SCRIPTS), runs through `pgbench -f` and
through surge's compiled form of the same file (what `surge pg -f` runs), with 16 connections
and one generator thread each, against pgbench's tables. PostgreSQL (postmaster and backends)
runs on one core, the generator on the other.

Two cases, because the tools put the same script on the wire differently. pgbench sends each
command and waits for its answer: BEGIN, five statements and END are 7 round trips a
transaction. surge sends the transaction's statements as one pipeline segment ending in a
Sync: 1 round trip. So the second case gives pgbench the same script between \\startpipeline
and \\endpipeline, one round trip as well, and compares like with like.

The method is benchmarks/side_by_side.py's: whole-process CPU, pinned, interleaved rounds,
median and spread of the per-round ratios, syscalls per transaction from strace. Writes
benchmarks/results/pgbench_scripts.json.

    python benchmarks/pgbench_scripts.py [--rounds 5] [--duration 5] [--scale 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg_vs_pgbench import (
    CONNECTIONS,
    MEASURED_RUN,
    pgbench_command,
    pgbench_count,
    run_pgbench,
)
from side_by_side import (
    SERVER_CPU,
    interleave,
    row,
    run_surge,
    surge_count,
    syscalls_per_request,
    write_rows,
)
from surge import pgbench
from surge.protocols.postgres.pgbench_script import BUILTIN_SCRIPTS
from surge.services import PostgresServer

GOAL = 1.25  # issue 35: surge pg -f at least 1.25x pgbench's transactions per CPU-second

# The script file through surge, in a child (pg_vs_pgbench.MEASURED_RUN measures it).
SURGE_CHILD = (
    """
import json, resource, sys
import surge
from surge import postgres
dsn, duration, path, scale = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
scenario = surge.Scenario(
    name="bench", base_url=dsn, operations=[postgres.script(path, scale=scale)],
    load=surge.Users(16), duration=duration)
"""
    + MEASURED_RUN
)


def surge_command(dsn: str, duration: float, script: Path, scale: int) -> list[str]:
    return [sys.executable, "-c", SURGE_CHILD, dsn, f"{duration:g}", str(script), str(scale)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--scale", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="surge-pgbench-scripts-"))
    script = work / "tpcb_like.sql"
    script.write_text(BUILTIN_SCRIPTS["tpcb-like"])
    # The same transaction in one pipeline, for pgbench only (surge refuses \startpipeline:
    # it pipelines a script's statements anyway).
    lines = BUILTIN_SCRIPTS["tpcb-like"].splitlines()
    first_sql = next(i for i, line in enumerate(lines) if not line.startswith("\\"))
    pipelined = work / "tpcb_like_pipelined.sql"
    pipelined.write_text(
        "\n".join([*lines[:first_sql], "\\startpipeline", *lines[first_sql:], "\\endpipeline"])
        + "\n"
    )
    os.chmod(work, 0o755)
    for path in (script, pipelined):
        os.chmod(path, 0o644)
    cases = {
        f"tpcb-like script file, {CONNECTIONS} connections (pgbench: 7 round trips a "
        "transaction; surge: 1)": script,
        f"tpcb-like script file, {CONNECTIONS} connections, pgbench in one pipeline "
        "(1 round trip each)": pipelined,
    }
    rows = []
    with PostgresServer(cpu=SERVER_CPU) as server:
        pgbench.init_tables(server.dsn, args.scale)
        ours = surge_command(server.dsn, args.duration, script, args.scale)
        for title, their_script in cases.items():
            # pgbench takes :scale from -s for a custom script, as surge takes scale=.
            def theirs(duration: float, path: Path = their_script) -> list[str]:
                command = pgbench_command(server.dsn, duration, path)
                return [*command[:-1], "-s", str(args.scale), server.dsn]

            peer_runs, surge_runs = interleave(
                args.rounds,
                lambda theirs=theirs: run_pgbench(theirs(args.duration), 1),
                lambda: run_surge(ours),
                title,
            )
            syscalls = {
                "pgbench": syscalls_per_request(theirs(2), lambda out: pgbench_count(out, 1)),
                "surge": syscalls_per_request(
                    surge_command(server.dsn, 2, script, args.scale), surge_count
                ),
            }
            rows.append(
                row(title, "pgbench 15", peer_runs, surge_runs, GOAL, "transactions", syscalls)
            )
    shutil.rmtree(work, ignore_errors=True)
    write_rows(
        "pgbench_scripts",
        "pgbench's tpcb-like script file, surge pg -f vs pgbench -f (PostgreSQL on one core)",
        {"threads": 1, "connections": CONNECTIONS, "scale": args.scale, "rounds": args.rounds,
         "duration_s": args.duration},
        rows,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
