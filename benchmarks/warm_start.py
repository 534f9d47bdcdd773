"""Connection set-up in the first requests: the README's PostgreSQL example as written (a warm
start, no warm-up), against the same run with `--warmup 1s`, and with `--cold`.

    surge pg "$POSTGRES_DSN" -R 5000 -P 8 -d 5s \\
        --sql 'SELECT abalance FROM pgbench_accounts WHERE aid = $1' --param 'zipf(1,200000,0.99)'

Before the warm start, that command's p99 was 3 to 5 ms here against 0.15 to 0.2 ms with
`--warmup 1s`: the first requests waited for 64 backends to fork and authenticate. The goal
(issue 19) is a default p99 within 2x of the warm-up's, judged on the medians over the
rounds; the per-round ratios and the first interval's p99 are reported beside it.
PostgreSQL (postmaster and backends) runs on one core and surge on the other (taskset); the
three variants alternate, round after round, and the medians and spreads are reported.
Writes benchmarks/results/warm_start.json.

    python benchmarks/warm_start.py [--rounds 5] [--duration 5s]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from side_by_side import spread
from surge import pgbench
from surge.services import PostgresServer

HERE = Path(__file__).resolve().parent
SERVER_CPU = 0
GENERATOR_CPU = 1
GOAL = 2.0  # default p99 within this factor of the --warmup 1s p99
VARIANTS = {"default": [], "warmup_1s": ["--warmup", "1s"], "cold": ["--cold"]}


def run_once(dsn: str, flags: list[str], duration: str, out: Path) -> dict:
    subprocess.run(
        [
            "taskset", "-c", str(GENERATOR_CPU), sys.executable, "-m", "surge.cli", "pg", dsn,
            "-R", "5000", "-P", "8", "-d", duration,
            "--sql", "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
            "--param", "zipf(1,200000,0.99)", "--json", str(out), "-q", *flags,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    document = json.loads(out.read_text())
    latency = document["total"]["latency"]
    made = document["connections"]
    first = document["timeseries_total"][0]
    return {
        "p99_ms": latency["percentiles"]["99"],
        "max_ms": latency["max"],
        "first_interval_p99_ms": first["p99_ms"],
        "opened": made["opened"],
        "warm_up_ms": round(made["warm_up_s"] * 1e3, 3),
        "connect_p50_ms": made["connect_time"]["percentiles"]["50"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", default="5s")
    args = parser.parse_args()
    rounds: list[dict] = []
    with PostgresServer(cpu=SERVER_CPU) as server, tempfile.TemporaryDirectory() as tmp:
        pgbench.init_tables(server.dsn, 2)
        for i in range(args.rounds):
            row = {
                name: run_once(server.dsn, flags, args.duration, Path(tmp) / f"{name}.json")
                for name, flags in VARIANTS.items()
            }
            row["ratio_default_to_warmup"] = round(
                row["default"]["p99_ms"] / row["warmup_1s"]["p99_ms"], 3
            )
            rounds.append(row)
            print(
                f"round {i + 1}: p99 default {row['default']['p99_ms']:.3f} ms, "
                f"--warmup 1s {row['warmup_1s']['p99_ms']:.3f} ms, "
                f"--cold {row['cold']['p99_ms']:.3f} ms; "
                f"default/warmup {row['ratio_default_to_warmup']:.2f}x"
            )
    ratios = [r["ratio_default_to_warmup"] for r in rounds]
    medians = {name: statistics.median(r[name]["p99_ms"] for r in rounds) for name in VARIANTS}
    # The goal is judged on the medians' ratio: one round's p99 on a shared machine swings by
    # several times either way, for the warmed-up runs too (the per-round spread says how much).
    summary = {
        "ratio_of_median_p99s": round(medians["default"] / medians["warmup_1s"], 3),
        "ratio_default_to_warmup_per_round": spread(ratios),
        "goal": f"<= {GOAL}x",
        "met_by_the_medians": medians["default"] / medians["warmup_1s"] <= GOAL,
        "met_in_every_round": all(r <= GOAL for r in ratios),
        **{f"{name}_p99_ms": spread([r[name]["p99_ms"] for r in rounds]) for name in VARIANTS},
        **{
            f"{name}_first_interval_p99_ms": spread(
                [r[name]["first_interval_p99_ms"] for r in rounds]
            )
            for name in VARIANTS
        },
    }
    print(
        f"median p99: default {medians['default']:.3f} ms, --warmup 1s "
        f"{medians['warmup_1s']:.3f} ms, --cold {medians['cold']:.3f} ms; default/warmup "
        f"{summary['ratio_of_median_p99s']:.2f}x (goal <= {GOAL}x); per round "
        f"{min(ratios):.2f}-{max(ratios):.2f}x"
        f"{'' if summary['met_in_every_round'] else ', crossing the goal in some rounds'}"
    )
    out = HERE / "results" / "warm_start.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "rounds": rounds}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
