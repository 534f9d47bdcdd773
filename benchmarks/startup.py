"""What starting surge costs in CPU, the way a user pays it: the whole process, interpreter
start-up included, measured by the kernel (user + system time of the child, from wait4).
`python -c pass` is the floor. Medians over the rounds, with the spread.

    python benchmarks/startup.py [--python PYTHON] [--rounds 21]

Writes benchmarks/results/startup.json. The goal (issue 18) is under 0.1 s of CPU for
`surge --version`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
# As the `surge` console script runs it.
CLI = "import sys; from surge.cli import main; sys.exit(main())"
CASES = {
    "python -c pass": ["-c", "pass"],
    "import surge": ["-c", "import surge"],
    "surge --version": ["-c", CLI, "--version"],
    "surge --help": ["-c", CLI, "--help"],
}
GOAL_S = 0.1


def cpu_seconds(python: str, args: list[str]) -> float:
    proc = subprocess.Popen([python, *args], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{args} exited {proc.returncode}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="python3", help="the interpreter surge is installed in")
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(args.rounds):  # interleaved, so a noisy moment hits every case alike
        for name, case in CASES.items():
            samples[name].append(cpu_seconds(args.python, case))
    rows = {
        name: {
            "median_s": round(statistics.median(values), 4),
            "min_s": round(min(values), 4),
            "max_s": round(max(values), 4),
        }
        for name, values in samples.items()
    }
    for name, row in rows.items():
        print(
            f"{name:18} CPU median {row['median_s']:.3f} s "
            f"(spread {row['min_s']:.3f}-{row['max_s']:.3f} s)"
        )
    version = rows["surge --version"]
    print(
        f"surge --version: {version['median_s']:.3f} s, goal < {GOAL_S} s"
        f"{'' if version['max_s'] < GOAL_S else ' (crossed in some rounds)'}"
    )
    out = HERE / "results" / "startup.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({"rounds": args.rounds, "goal_s": GOAL_S, "cases": rows}, indent=2) + "\n"
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
