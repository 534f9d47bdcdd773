"""surge vs h2load (nghttp2-client) over HTTP/2 against the same nginx: 10 connections x 100
streams, h2 over TLS 1.3 by default (--h2c for cleartext). Both run one thread.

What a user pays is the whole generator process, so both sides are measured with wait4's rusage
of the process (surge's interpreter start-up and imports included); surge's run alone (rusage
around surge.run in the child) is reported beside it. nginx runs on one core, the generator on
the other (taskset); rounds alternate which goes first; medians and the min-max spread of the
per-round ratios are reported. Writes benchmarks/results/http2_vs_h2load.json.

    python benchmarks/http2_vs_h2load.py [--rounds 5] [--duration 5] [--h2c]
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
CONNECTIONS = 10
STREAMS = 100

SURGE_CHILD = """
import json, resource, sys
import surge
from surge import http
url, duration, ca = sys.argv[1], float(sys.argv[2]), sys.argv[3]
scenario = surge.Scenario(
    name="bench", base_url=url, operations=[http.get("get", "/")],
    load=surge.Connections(int(sys.argv[4])), max_streams=int(sys.argv[5]), duration=duration,
    http_version="2", tls=surge.Tls(ca=ca) if ca else None,
)
before = resource.getrusage(resource.RUSAGE_SELF)
result = surge.run(scenario)
after = resource.getrusage(resource.RUSAGE_SELF)
run_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(json.dumps({"requests": result.total["count"], "seconds": result["duration_s"],
                  "errors": result.total["error_count"], "run_cpu_s": run_cpu,
                  "protocol": result["connections"]["protocol"]}))
"""


def run_h2load(url: str, duration: float) -> dict:
    command = ["h2load", "-t1", f"-c{CONNECTIONS}", f"-m{STREAMS}", "-D", f"{duration:g}", url]
    process = subprocess.Popen(
        ["taskset", "-c", str(GENERATOR_CPU), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    _, status, usage = os.wait4(process.pid, 0)
    out = process.stdout.read()
    process.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"h2load failed: {out}")
    seconds = float(re.search(r"finished in ([\d.]+)s", out).group(1))
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
    return {
        "requests": int(done.group(2)),
        "seconds": seconds,
        "errors": int(done.group(1)) - int(done.group(2)),
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def run_surge(url: str, duration: float, ca: str) -> dict:
    command = [sys.executable, "-c", SURGE_CHILD, url, f"{duration:g}", ca]
    process = subprocess.Popen(
        ["taskset", "-c", str(GENERATOR_CPU), *command, str(CONNECTIONS), str(STREAMS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(process.pid, 0)
    out, err = process.stdout.read(), process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"surge failed: {err}")
    return json.loads(out) | {"cpu_s": usage.ru_utime + usage.ru_stime}


def summarise(runs: list[dict], cpu: str = "cpu_s") -> dict:
    return {
        "median_rps": statistics.median(r["requests"] / r["seconds"] for r in runs),
        "median_requests_per_cpu_s": statistics.median(r["requests"] / r[cpu] for r in runs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--h2c", action="store_true", help="HTTP/2 in cleartext instead of h2")
    parser.add_argument("--out", help="default: benchmarks/results/http2_vs_h2load.json")
    args = parser.parse_args()
    args.out = args.out or f"benchmarks/results/{'h2c' if args.h2c else 'http2'}_vs_h2load.json"
    if (os.cpu_count() or 1) < 2:
        print("needs two cores: one for nginx, one for the generator", file=sys.stderr)
        return 1
    h2load_runs: list[dict] = []
    surge_runs: list[dict] = []
    with tempfile.TemporaryDirectory() as root:
        files: dict = {}
        if not args.h2c:
            from surge import _core

            cert_pem, key_pem = _core.tls_self_signed("localhost")
            (Path(root) / "cert.pem").write_text(cert_pem)
            (Path(root) / "key.pem").write_text(key_pem)
            files = {"certificate": Path(root) / "cert.pem", "key": Path(root) / "key.pem"}
        with Nginx(Path(root), cpu=SERVER_CPU, http2=True, **files) as nginx:
            ca = str(files["certificate"]) if files else ""
            for i in range(args.rounds):
                order = [
                    (h2load_runs, lambda: run_h2load(nginx.url, args.duration)),
                    (surge_runs, lambda: run_surge(nginx.url, args.duration, ca)),
                ]
                if i % 2:
                    order.reverse()
                for runs, runner in order:
                    runs.append(runner())
                h, s = h2load_runs[-1], surge_runs[-1]
                print(
                    f"round {i + 1}: h2load {h['requests'] / h['seconds']:8.0f} req/s "
                    f"{h['requests'] / h['cpu_s']:8.0f} req/CPU-s | surge "
                    f"{s['requests'] / s['seconds']:8.0f} req/s {s['requests'] / s['cpu_s']:8.0f} "
                    f"req/CPU-s (run only {s['requests'] / s['run_cpu_s']:8.0f})",
                    file=sys.stderr,
                )
    per_round = [
        (s["requests"] / s["cpu_s"]) / (h["requests"] / h["cpu_s"])
        for s, h in zip(surge_runs, h2load_runs, strict=True)
    ]
    per_round_run_only = [
        (s["requests"] / s["run_cpu_s"]) / (h["requests"] / h["cpu_s"])
        for s, h in zip(surge_runs, h2load_runs, strict=True)
    ]
    h2load, surge = summarise(h2load_runs), summarise(surge_runs)
    report = {
        "setup": {
            "connections": CONNECTIONS,
            "streams_per_connection": STREAMS,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "server_cpu": SERVER_CPU,
            "generator_cpu": GENERATOR_CPU,
            "threads": 1,
            "server": "nginx (return 200, " + ("h2c)" if args.h2c else "h2 over TLS 1.3)"),
            "cpu": "whole process (wait4), surge's start-up included",
        },
        "h2load": {"runs": h2load_runs, **h2load},
        "surge": {"runs": surge_runs, **surge, "run_only": summarise(surge_runs, "run_cpu_s")},
        "ratio_rps": surge["median_rps"] / h2load["median_rps"],
        "ratio_requests_per_cpu_s": statistics.median(per_round),
        "ratio_requests_per_cpu_s_spread": [min(per_round), max(per_round)],
        "ratio_requests_per_cpu_s_run_only": statistics.median(per_round_run_only),
        "errors": {"h2load": sum(r["errors"] for r in h2load_runs),
                   "surge": sum(r["errors"] for r in surge_runs)},
    }  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    keys = ("ratio_rps", "ratio_requests_per_cpu_s", "ratio_requests_per_cpu_s_spread",
            "ratio_requests_per_cpu_s_run_only", "errors")  # fmt: skip
    print(json.dumps({k: report[k] for k in keys}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
