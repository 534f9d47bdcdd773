"""surge http vs wrk against the same nginx: throughput and requests per generator CPU-second.

nginx runs on one core and the generator on the other (taskset); both generators use one
thread and the same connection count; runs alternate and medians are reported, because this
machine is shared and noisy. Writes benchmarks/results/http_vs_wrk.json, or with --tls
(https:// keep-alive, nginx with a certificate made at start) https_vs_wrk.json.

    python benchmarks/http_vs_wrk.py [--rounds 5] [--duration 5] [--connections 50] [--tls]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from nginx_server import Nginx

SERVER_CPU = 0
GENERATOR_CPU = 1

# Runs surge in a child process and measures the CPU of the run itself (all engine threads),
# not the interpreter's start-up, which wrk does not pay either.
SURGE_CHILD = """
import json, resource, sys
import surge
from surge import http
url, connections, duration = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
tls = surge.Tls(ca=sys.argv[4]) if len(sys.argv) > 4 else None
scenario = surge.Scenario(name="bench", base_url=url, operations=[http.get("get", "/")],
                          load=surge.Connections(connections), duration=duration, tls=tls)
before = resource.getrusage(resource.RUSAGE_SELF)
result = surge.run(scenario)
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(json.dumps({"requests": result.total["count"], "seconds": result["duration_s"],
                  "errors": result.total["error_count"], "cpu_s": cpu}))
"""


def run_wrk(url: str, connections: int, duration: float) -> dict:
    command = [
        "taskset",
        "-c",
        str(GENERATOR_CPU),
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration:g}s",
        url,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    out = process.stdout.read()
    process.stdout.close()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"wrk failed: {out}")
    total = re.search(r"(\d+) requests in ([\d.]+)s", out)
    requests, seconds = int(total.group(1)), float(total.group(2))
    return {
        "requests": requests,
        "seconds": seconds,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "errors": 0 if "Non-2xx" not in out and "Socket errors" not in out else -1,
    }


def run_surge(url: str, connections: int, duration: float, ca: str | None = None) -> dict:
    command = [
        "taskset",
        "-c",
        str(GENERATOR_CPU),
        sys.executable,
        "-c",
        SURGE_CHILD,
        url,
        str(connections),
        str(duration),
        *([ca] if ca else []),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def summarise(runs: list[dict]) -> dict:
    rps = [r["requests"] / r["seconds"] for r in runs]
    per_cpu = [r["requests"] / r["cpu_s"] for r in runs]
    return {
        "runs": runs,
        "median_rps": statistics.median(rps),
        "median_requests_per_cpu_s": statistics.median(per_cpu),
    }


def _certificate(root: Path) -> dict:
    from surge import _core

    cert_pem, key_pem = _core.tls_self_signed("localhost")
    (root / "cert.pem").write_text(cert_pem)
    (root / "key.pem").write_text(key_pem)
    return {"certificate": root / "cert.pem", "key": root / "key.pem"}


def _alternate(args, url: str, ca: str | None, wrk_runs: list, surge_runs: list) -> None:
    for i in range(args.rounds):
        # Alternate which goes first, so drift in the machine's load favours neither.
        order = [
            ("wrk", lambda: run_wrk(url, args.connections, args.duration), wrk_runs),
            ("surge", lambda: run_surge(url, args.connections, args.duration, ca), surge_runs),
        ]
        if i % 2:
            order.reverse()
        for name, runner, runs in order:
            runs.append(runner())
            r = runs[-1]
            print(
                f"round {i + 1} {name:5s} {r['requests'] / r['seconds']:10.0f} req/s "
                f"{r['requests'] / r['cpu_s']:10.0f} req/CPU-s",
                file=sys.stderr,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--tls", action="store_true", help="https:// keep-alive instead")
    parser.add_argument("--out", help="default: benchmarks/results/http(s)_vs_wrk.json")
    args = parser.parse_args()
    args.out = args.out or f"benchmarks/results/{'https' if args.tls else 'http'}_vs_wrk.json"
    if os.cpu_count() is None or os.cpu_count() < 2:
        print("needs two cores: one for nginx, one for the generator", file=sys.stderr)
        return 1
    wrk_runs, surge_runs = [], []
    with tempfile.TemporaryDirectory() as root:
        tls_files = _certificate(Path(root)) if args.tls else {}
        with Nginx(Path(root), cpu=SERVER_CPU, **tls_files) as nginx:
            ca = str(tls_files["certificate"]) if args.tls else None
            _alternate(args, nginx.url, ca, wrk_runs, surge_runs)
    wrk, surge = summarise(wrk_runs), summarise(surge_runs)
    report = {
        "setup": {
            "connections": args.connections,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "server_cpu": SERVER_CPU,
            "generator_cpu": GENERATOR_CPU,
            "threads": 1,
            "server": "nginx (return 200, keep-alive" + (", TLS 1.3)" if args.tls else ")"),
        },
        "wrk": wrk,
        "surge": surge,
        "ratio_rps": surge["median_rps"] / wrk["median_rps"],
        "ratio_requests_per_cpu_s": surge["median_requests_per_cpu_s"]
        / wrk["median_requests_per_cpu_s"],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(
        json.dumps(
            {k: report[k] for k in ("ratio_rps", "ratio_requests_per_cpu_s")}
            | {
                "wrk_median_rps": wrk["median_rps"],
                "surge_median_rps": surge["median_rps"],
                "wrk_req_per_cpu_s": wrk["median_requests_per_cpu_s"],
                "surge_req_per_cpu_s": surge["median_requests_per_cpu_s"],
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
