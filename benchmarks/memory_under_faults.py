"""Peak memory of a surge process while the server fails every request, at two run lengths. If
anything were kept per failure (a buffer, a connection, an error message), the longer run
would show it. The misbehaving server runs in its own process, so its threads and held
sockets are not counted against surge.

    python benchmarks/memory_under_faults.py [--python PYTHON] [--rate 2000] [--short 5s]
        [--long 30s]

Cases: connections refused (no listener), reset on accept, and a server that accepts and
never reads (every request times out after 50 ms and its connection is replaced).
Writes benchmarks/results/memory_under_faults.json.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

SERVER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from fault_server import FaultServer
with FaultServer(**{sys.argv[2]: True}) as server:
    print(server.url, flush=True)
    time.sleep(float(sys.argv[3]))
"""

CLIENT = """
import json, resource, sys
import surge
from surge import http
url, rate, duration = sys.argv[1], float(sys.argv[2]), sys.argv[3]
result = surge.run(surge.Scenario(name="faults", base_url=url, operations=[http.get("op", "/")],
                                  load=surge.ConstantRate(rate), duration=duration,
                                  timeout="50ms"))
stats = result.operations["op"]
print(json.dumps({"failures": stats["error_count"], "successes": stats["count"]
                  - stats["error_count"], "reconnects": stats["reconnects"],
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure(python: str, case: str, rate: float, duration: str) -> dict:
    server = None
    try:
        if case == "refused":
            url = f"http://127.0.0.1:{closed_port()}"
        else:
            server = subprocess.Popen(
                [sys.executable, "-c", SERVER, str(HERE.parent / "tests"), case, "600"],
                stdout=subprocess.PIPE,
                text=True,
            )
            url = server.stdout.readline().strip()
        client = subprocess.run(
            [python, "-c", CLIENT, url, str(rate), duration],
            capture_output=True,
            text=True,
            timeout=900,
            check=True,
        )
        return json.loads(client.stdout.splitlines()[-1])
    finally:
        if server is not None:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the surge build to measure")
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--short", default="5s")
    parser.add_argument("--long", default="30s")
    args = parser.parse_args()
    rows = []
    for case in ("refused", "reset_on_accept", "never_read"):
        for duration in (args.short, args.long):
            row = {"case": case, "duration": duration}
            row.update(measure(args.python, case, args.rate, duration))
            print(
                f"{case:16} {duration:>5}: {row['failures']:>8,} failures, "
                f"{row['reconnects']:>8,} reconnects, peak RSS {row['peak_rss_mib']:.1f} MiB"
            )
            rows.append(row)
    out = HERE / "results" / "memory_under_faults.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"rate": args.rate, "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
