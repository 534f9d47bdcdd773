"""surge http vs wrk against the same nginx (return 200), one thread each, in three cases:

- http: HTTP/1.1 keep-alive, 50 connections;
- https: the same over TLS 1.3;
- close: a new TLS connection per request (wrk -H "Connection: close", surge --no-keepalive),
  10 connections; with session resumption, as both offer it.

surge runs each case on both transports, io_uring and epoll, in the same interleaved rounds as
wrk (the order rotating each round): a row per transport. The goals are the io_uring rows',
which `--io auto` picks on this machine; the epoll rows are where surge stands without it.

The method is benchmarks/side_by_side.py's: whole-process CPU, pinned, interleaved rounds,
median and spread of the per-round ratios, syscalls per request from strace. Writes
benchmarks/results/http_vs_wrk.json.

    python benchmarks/http_vs_wrk.py [--rounds 5] [--duration 5] [--cases http,https,close]
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from nginx_server import Nginx
from side_by_side import (
    SERVER_CPU,
    arguments,
    certificate,
    pinned,
    surge_http_command,
    syscalls_per_request,
    transport_rows,
    write_rows,
)

CASES = {
    # name: (title, connections, tls, close, goal: the least surge/wrk requests per CPU-s)
    "http": ("HTTP/1.1 keep-alive, 50 connections", 50, False, False, 1.30),
    "https": ("HTTPS keep-alive, 50 connections", 50, True, False, 1.2),
    "close": ("new TLS connection per request, 10 connections", 10, True, True, 1.0),
}


def wrk_command(url: str, connections: int, duration: float, close: bool) -> list[str]:
    header = ["-H", "Connection: close"] if close else []
    return ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", *header, url]


def wrk_count(out: str) -> int:
    return int(re.search(r"(\d+) requests in", out).group(1))


def run_wrk(command: list[str]) -> dict:
    out, _, cpu = pinned(command)
    seconds = float(re.search(r"requests in ([\d.]+)s", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "count": wrk_count(out),
        "seconds": seconds,
        "cpu_s": cpu,
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> int:
    args = arguments(__doc__, CASES)
    rows = []
    with tempfile.TemporaryDirectory() as root:
        cert, key = certificate(Path(root))
        for name in args.cases.split(","):
            title, connections, tls, close, goal = CASES[name]
            where = Path(root) / name
            where.mkdir()
            files = {"certificate": cert, "key": key} if tls else {}
            with Nginx(where, cpu=SERVER_CPU, **files) as nginx:
                ca = str(cert) if tls else None
                theirs = wrk_command(nginx.url, connections, args.duration, close)

                def ours(io: str, short: bool, url=nginx.url, n=connections, **fixed) -> list[str]:
                    duration = 2.0 if short else args.duration
                    return surge_http_command(url, n, duration, io=io, **fixed)

                rows += transport_rows(
                    title,
                    "wrk 4.1",
                    lambda t=theirs: run_wrk(t),
                    lambda io, short, c=ca, x=close: ours(io, short, ca=c, close=x),
                    {"wrk": syscalls_per_request(
                        wrk_command(nginx.url, connections, 2.0, close), wrk_count)},
                    goal,
                    args.rounds,
                    name,
                )  # fmt: skip
    write_rows(
        "http_vs_wrk",
        "HTTP/1.1 and HTTPS against nginx, surge http vs wrk",
        {"threads": 1, "duration_s": args.duration, "rounds": args.rounds},
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
