"""surge vs h2load (nghttp2-client) over HTTP/2 against the same nginx (return 200), one thread
each, 10 connections x 100 streams, in two cases: h2 over TLS 1.3, and h2c in cleartext.

The method is benchmarks/side_by_side.py's: whole-process CPU, pinned, interleaved rounds,
median and spread of the per-round ratios, syscalls per request from strace. Writes
benchmarks/results/http2_vs_h2load.json.

    python benchmarks/http2_vs_h2load.py [--rounds 5] [--duration 5] [--cases h2,h2c]
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

CONNECTIONS = 10
STREAMS = 100
CASES = {
    # name: (title, tls, goal: the least surge/h2load requests per CPU-s)
    "h2": ("HTTP/2 over TLS, 10 connections x 100 streams", True, 1.2),
    "h2c": ("HTTP/2 in cleartext (h2c), 10 connections x 100 streams", False, 1.2),
}


def h2load_command(url: str, duration: float) -> list[str]:
    return ["h2load", "-t1", f"-c{CONNECTIONS}", f"-m{STREAMS}", "-D", f"{duration:g}", url]


def h2load_count(out: str) -> int:
    return int(
        re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded", out).group(1)
    )


def run_h2load(command: list[str]) -> dict:
    out, _, cpu = pinned(command)
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
    return {
        "count": int(done.group(2)),
        "seconds": float(re.search(r"finished in ([\d.]+)s", out).group(1)),
        "cpu_s": cpu,
        "errors": int(done.group(1)) - int(done.group(2)),
    }


def main() -> int:
    args = arguments(__doc__, CASES)
    rows = []
    with tempfile.TemporaryDirectory() as root:
        cert, key = certificate(Path(root))
        for name in args.cases.split(","):
            title, tls, goal = CASES[name]
            where = Path(root) / name
            where.mkdir()
            files = {"certificate": cert, "key": key} if tls else {}
            with Nginx(where, cpu=SERVER_CPU, http2=True, **files) as nginx:
                ca = str(cert) if tls else None

                def ours(
                    io: str, short: bool, url: str = nginx.url, ca: str | None = ca
                ) -> list[str]:
                    duration = 2.0 if short else args.duration
                    return surge_http_command(
                        url, CONNECTIONS, duration, ca=ca, http_version="2", max_streams=STREAMS,
                        io=io,
                    )  # fmt: skip

                theirs = h2load_command(nginx.url, args.duration)
                rows += transport_rows(
                    title,
                    "h2load 1.52",
                    lambda t=theirs: run_h2load(t),
                    ours,
                    {"h2load": syscalls_per_request(h2load_command(nginx.url, 2.0), h2load_count)},
                    goal,
                    args.rounds,
                    name,
                )
    write_rows(
        "http2_vs_h2load",
        "HTTP/2 against nginx, surge http vs h2load",
        {"threads": 1, "duration_s": args.duration, "rounds": args.rounds},
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
