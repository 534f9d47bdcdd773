"""The io_uring loop's two shapes (docs/performance.md, "Transports"), side by side against
nginx, HTTP/1.1 keep-alive, one thread, with 50 connections (many completions per turn) and
with 1 (a turn per request):

- the ring drives the thread, and Asio's reactor is polled only in turns where it has
  something to do (its epoll descriptor, polled through the ring, became readable, or the
  coordinator posted): what surge ships;
- Asio polled in every turn (SURGE_URING_POLL_ASIO=every-turn): the least the other shape,
  the ring beside Asio, would cost, since there Asio's epoll_wait is what waits, every turn.
  (That shape would also read an eventfd per turn; this measures the poll alone.)

The method is benchmarks/side_by_side.py's: whole-process CPU, pinned, interleaved rounds,
median and spread of the per-round ratios, syscalls per request from strace. Writes
benchmarks/results/uring_shapes.json.

    python benchmarks/uring_shapes.py [--rounds 5] [--duration 5]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from nginx_server import Nginx
from side_by_side import (
    SERVER_CPU,
    arguments,
    interleave_all,
    row,
    run_surge,
    surge_count,
    surge_http_command,
    syscalls_per_request,
    write_rows,
)

CASES = {"c50": 50, "c1": 1}
EVERY_TURN = {**os.environ, "SURGE_URING_POLL_ASIO": "every-turn"}


def run(command: list[str], env: dict | None) -> dict:
    result = run_surge(command, env)
    if result.get("io") != "uring":
        raise SystemExit(f"asked for io_uring, the run used {result.get('io')}")
    return result


def main() -> int:
    args = arguments(__doc__, CASES)
    rows = []
    with tempfile.TemporaryDirectory() as root, Nginx(Path(root), cpu=SERVER_CPU) as nginx:
        for name in args.cases.split(","):
            connections = CASES[name]
            command = surge_http_command(nginx.url, connections, args.duration, io="uring")
            short = surge_http_command(nginx.url, connections, 2.0, io="uring")
            runs = interleave_all(
                args.rounds,
                {
                    "every turn": lambda c=command: run(c, EVERY_TURN),
                    "as shipped": lambda c=command: run(c, None),
                },
                name,
            )
            syscalls = {
                "Asio polled every turn": syscalls_per_request(
                    ["env", *_env(EVERY_TURN), *short], surge_count
                ),
                "surge": syscalls_per_request(short, surge_count),
            }
            rows.append(
                row(
                    f"HTTP/1.1 keep-alive, {connections} connection(s): the ring drives, Asio "
                    "polled when it has work",
                    "the same, Asio polled every turn",
                    runs["every turn"],
                    runs["as shipped"],
                    syscalls=syscalls,
                )
            )
    write_rows(
        "uring_shapes",
        "The io_uring loop's shapes against nginx: Asio polled when it has work, or every turn",
        {"threads": 1, "duration_s": args.duration, "rounds": args.rounds},
        rows,
    )
    return 0


def _env(env: dict) -> list[str]:
    return [f"{k}={v}" for k, v in env.items() if k == "SURGE_URING_POLL_ASIO"]


if __name__ == "__main__":
    sys.exit(main())
