"""What sampling the server costs (docs/monitoring.md): all four sources (a process, Redis INFO,
PostgreSQL's statistics views, a 1-gauge Prometheus endpoint) sampled every 250 ms for 10 s
during a 2,000 req/s run against the in-process target, against the same run without monitors,
interleaved over the rounds. Each source's CPU and wall time per sample come from the results'
own `cost`; the schedule lag p99 from both runs says whether the engine felt it.

    python benchmarks/monitor_cost.py [--rounds 3] [--duration 10s]

Writes benchmarks/results/monitor_cost.json.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import threading
from pathlib import Path

import surge
from side_by_side import spread
from surge import http as surge_http
from surge import monitor
from surge.services import PostgresServer, RedisServer

HERE = Path(__file__).resolve().parent
SOURCES = ("target", "redis", "postgres", "prometheus")  # monitor.process names it target


class _Gauge(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"# TYPE queue_depth gauge\nqueue_depth 42\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def run_once(target: surge.Target, duration: str, monitors: list) -> dict:
    result = surge.run(
        surge.Scenario(
            "monitor-cost", target.url, [surge_http.get("health", "/api/v1/health")],
            load=surge.ConstantRate(2000, connections=8), duration=duration, interval="250ms",
            monitors=monitors,
        )
    )  # fmt: skip
    return {
        "schedule_lag_p99_ms": result.total["schedule_lag"]["percentiles"]["99"],
        "cost": {ns: section["cost"] for ns, section in (result.get("monitors") or {}).items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", default="10s")
    args = parser.parse_args()
    gauge = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Gauge)
    threading.Thread(target=gauge.serve_forever, daemon=True).start()
    rounds = []
    try:
        with RedisServer() as redis_server, PostgresServer() as pg, surge.Target() as target:
            monitors = [
                monitor.process(os.getpid()),
                monitor.redis(redis_server.url),
                monitor.postgres(pg.dsn),
                monitor.prometheus(
                    f"http://127.0.0.1:{gauge.server_address[1]}/metrics", ["queue_depth"]
                ),
            ]
            for i in range(args.rounds):
                row = {
                    "with": run_once(target, args.duration, monitors),
                    "without": run_once(target, args.duration, []),
                }
                rounds.append(row)
                print(f"round {i + 1}: {json.dumps(row)}")
    finally:
        gauge.shutdown()
        gauge.server_close()
    sources = {}
    for ns in SOURCES:
        costs = [r["with"]["cost"][ns] for r in rounds]
        sources[ns] = {
            "samples": spread([c["samples"] for c in costs]),
            "cpu_ms_per_sample": spread([c["cpu_ms_per_sample"] for c in costs]),
            "wall_ms_per_sample": spread([c["wall_ms_per_sample"] for c in costs]),
        }
    summary = {
        "rate": 2000,
        "interval_s": 0.25,
        "duration": args.duration,
        "rounds": args.rounds,
        "sources": sources,
        "cpu_share_at_1s_interval": round(
            sum(s["cpu_ms_per_sample"]["median"] for s in sources.values()) / 1000, 4
        ),
        "schedule_lag_p99_ms": {
            side: spread([r[side]["schedule_lag_p99_ms"] for r in rounds])
            for side in ("with", "without")
        },
    }
    out = HERE / "results" / "monitor_cost.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "rounds": rounds}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
