"""Should surge's HTTP/1.1 path move from epoll to a batched io_uring loop? An evaluation, side
by side with wrk and surge against the same nginx (return 200), 50 keep-alive connections, one
thread each:

- probes/uring_http.cpp, the smallest io_uring client loop (liburing, multishot receive into a
  provided-buffer ring, sends that post no completion, SINGLE_ISSUER | DEFER_TASKRUN), built
  here with g++:
  - "wait 1": each io_uring_enter waits for one completion, as an epoll loop does;
  - "wait 16": it waits for 16 completions or 50 us: fewer enters per request, but up to 50 us
    is added to a response's measured time, which a latency tool cannot accept;
- surge http as it ships (epoll, through Asio).

Each is a row against wrk, in the same interleaved rounds (side_by_side.py's method). Writes
benchmarks/results/io_uring_probe.json; it is not in the README's table, since the probe is not
surge.

    python benchmarks/io_uring_probe.py [--rounds 5] [--duration 5]
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from http_vs_wrk import run_wrk, wrk_command, wrk_count
from nginx_server import Nginx
from side_by_side import (
    SERVER_CPU,
    arguments,
    pinned,
    row,
    run_surge,
    surge_count,
    surge_http_command,
    syscalls_per_request,
    write_rows,
)

CONNECTIONS = 50
SETUP_FLAGS = str((1 << 12) | (1 << 13))  # IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN
CASES = {
    # name: (title, how many completions an enter waits for; None: surge itself)
    "wait1": ("io_uring probe, an enter waits for 1 completion", 1),
    "wait16": ("io_uring probe, an enter waits for 16 completions or 50 us", 16),
    "surge": ("surge http (epoll, as shipped)", None),
}


def build_probe(where: Path) -> Path:
    compiler = shutil.which("g++") or shutil.which("c++")
    if compiler is None:
        raise SystemExit("needs g++ to build the probe: bash scripts/bootstrap.sh")
    binary = where / "uring_http"
    source = Path(__file__).resolve().parent / "probes" / "uring_http.cpp"
    subprocess.run(
        [compiler, "-O2", "-std=c++20", str(source), "-o", str(binary), "-luring"], check=True
    )
    return binary


def probe_count(out: str) -> int:
    return int(re.search(r"(\d+) requests", out).group(1))


def probe_command(binary: Path, port: int, duration: float, wait_for: int) -> list[str]:
    return [str(binary), str(port), str(CONNECTIONS), f"{duration:g}", SETUP_FLAGS, str(wait_for)]


def run_probe(command: list[str], duration: float) -> dict:
    out, _, cpu = pinned(command)
    errors = int(re.search(r"(\d+) errors", out).group(1))
    return {"count": probe_count(out), "seconds": duration, "cpu_s": cpu, "errors": errors}


def main() -> int:
    args = arguments(__doc__, CASES)
    names = args.cases.split(",")
    with tempfile.TemporaryDirectory() as root:
        binary = build_probe(Path(root))
        with Nginx(Path(root), cpu=SERVER_CPU) as nginx:
            theirs = wrk_command(nginx.url, CONNECTIONS, args.duration, False)
            runners = {"wrk": lambda: run_wrk(theirs)}
            commands = {"wrk": (wrk_command(nginx.url, CONNECTIONS, 2.0, False), wrk_count)}
            for name in names:
                wait_for = CASES[name][1]
                if wait_for is None:
                    ours = surge_http_command(nginx.url, CONNECTIONS, args.duration)
                    runners[name] = lambda o=ours: run_surge(o)
                    commands[name] = (surge_http_command(nginx.url, CONNECTIONS, 2.0), surge_count)
                else:
                    ours = probe_command(binary, nginx.port, args.duration, wait_for)
                    runners[name] = lambda o=ours: run_probe(o, args.duration)
                    commands[name] = (probe_command(binary, nginx.port, 2.0, wait_for), probe_count)
            runs: dict[str, list[dict]] = {name: [] for name in runners}
            order = list(runners)
            for i in range(args.rounds):
                for name in order[i % len(order) :] + order[: i % len(order)]:
                    runs[name].append(runners[name]())
                rates = (
                    f"{n} {r[-1]['count'] / r[-1]['cpu_s']:9.0f}/CPU-s" for n, r in runs.items()
                )
                print(f"round {i + 1}: " + " | ".join(rates), file=sys.stderr)
            syscalls = {name: syscalls_per_request(*commands[name]) for name in runners}
    rows = [
        row(
            CASES[name][0],
            "wrk 4.1",
            runs["wrk"],
            runs[name],
            syscalls={"wrk": syscalls["wrk"], name: syscalls[name]},
        )
        for name in names
    ]
    write_rows(
        "io_uring_probe",
        "HTTP/1.1 keep-alive against nginx: an io_uring probe and surge, each vs wrk",
        {
            "connections": CONNECTIONS,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "subject": "generator",  # the rows are the probe's and surge's
        },
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
