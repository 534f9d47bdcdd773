"""What a journey costs, against the embedded target (`surge serve`, pinned to its own core):

- cost: a 3-step journey (read the model's info and capture its version from the JSON, check
  health's JSON, then send the version back in a query) at a fixed request rate, against the
  same three requests as independent operations at the same rate. The ratio is requests per
  CPU-second, journeys over independent: the goal is at most 1.3x the CPU, a ratio >= 1/1.3.
- locust: the same journey in Locust (FastHttpUser, from PyPI) against surge, both closed-loop
  with no think time. The ratio is journeys per CPU-second, surge over Locust: the goal is >= 10.

The method is benchmarks/side_by_side.py's: whole-process CPU, pinned, interleaved rounds,
median and spread. Writes benchmarks/results/journey_cost.json.

    python benchmarks/journey_cost.py [--rounds 5] [--duration 5] [--cases cost,locust]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from served_target import served
from side_by_side import (
    arguments,
    interleave,
    pinned,
    row,
    syscalls_per_request,
    write_rows,
)

CASES = {
    "cost": "3-step journey vs the same 3 requests as independent operations, 15,000 req/s",
    "locust": "3-step journey, closed loop, 10 users: surge vs Locust FastHttpUser",
}
RATE = 15_000
USERS = 10

_SURGE_CHILD = """
import json, sys
import surge
from surge import http
o = json.loads(sys.argv[1])
steps = [
    http.get("info", "/api/v1/model/info", capture={"version": "$.version"}),
    http.get("health", "/api/v1/health", check={"$.status": "healthy"}),
    http.get("again", "/api/v1/health?v={version}"),
]
if o["shape"] == "journey":
    operations = [http.journey("j", steps)]
else:
    operations = [
        http.get("info", "/api/v1/model/info"),
        http.get("health", "/api/v1/health"),
        http.get("again", "/api/v1/health?v=1.0.0"),
    ]
if o["rate"]:
    load = surge.ConstantRate(o["rate"], connections=32)
else:
    load = surge.Users(o["users"])
result = surge.run(surge.Scenario(name="bench", base_url=o["url"], operations=operations,
                                  load=load, duration=o["duration"], threads=1))
journeys = result.operations.get("j", {}).get("completed", 0)
print(json.dumps({"count": result.total["count"], "journeys": journeys,
                  "seconds": result["duration_s"], "errors": result.total["error_count"]}))
"""

_LOCUST_FILE = """
from locust import FastHttpUser, task


class Journey(FastHttpUser):
    @task
    def journey(self):
        version = self.client.get("/api/v1/model/info").json()["version"]
        with self.client.get("/api/v1/health", catch_response=True) as response:
            if response.json()["status"] != "healthy":
                response.failure("not healthy")
        self.client.get(f"/api/v1/health?v={version}", name="/api/v1/health?v=")
"""


def surge_command(url: str, duration: float, shape: str, rate: int, users: int) -> list[str]:
    options = {"url": url, "duration": duration, "shape": shape, "rate": rate, "users": users}
    return [sys.executable, "-c", _SURGE_CHILD, json.dumps(options)]


def run_surge(command: list[str], unit: str) -> dict:
    stdout, _, cpu = pinned(command)
    run = json.loads(stdout)
    count = run["journeys"] if unit == "journeys" else run["count"]
    return {"count": count, "seconds": run["seconds"], "cpu_s": cpu, "errors": run["errors"]}


def _surge_requests(stdout: str) -> int:
    return json.loads(stdout)["count"]


def locust_binary() -> str:
    found = shutil.which("locust")
    if found is None:
        raise SystemExit("locust is not installed: pip install locust")
    return found


def run_locust(url: str, duration: float, root: Path) -> dict:
    locustfile = root / "locustfile.py"
    locustfile.write_text(_LOCUST_FILE)
    prefix = root / "locust"
    command = [locust_binary(), "-f", str(locustfile), "--headless",
               "-u", str(USERS), "-r", str(USERS), "-t", f"{duration:g}s", "-H", url,
               "--csv", str(prefix), "--only-summary",
               "--loglevel", "ERROR", "--exit-code-on-error", "0"]  # fmt: skip
    started = time.monotonic()
    _, _, cpu = pinned(command)
    seconds = time.monotonic() - started
    rows = (root / "locust_stats.csv").read_text().splitlines()
    header = rows[0].split(",")
    aggregated = dict(zip(header, rows[-1].split(","), strict=False))
    requests, failures = int(aggregated["Request Count"]), int(aggregated["Failure Count"])
    # Three requests a journey; the run's length includes Locust's start-up, which is what a
    # user waits for, and its CPU is counted too.
    return {"count": requests // 3, "seconds": seconds, "cpu_s": cpu, "errors": failures}


def main() -> int:
    args = arguments(__doc__, CASES)
    rows = []
    # surge serve on the server's core (tests/served_target.py), until every case is done.
    with served() as (_, url):
        for name in args.cases.split(","):
            if name == "cost":
                independent = surge_command(url, args.duration, "independent", RATE, 0)
                journeys = surge_command(url, args.duration, "journey", RATE // 3, 0)
                peer_runs, surge_runs = interleave(
                    args.rounds,
                    lambda independent=independent: run_surge(independent, "requests"),
                    lambda journeys=journeys: run_surge(journeys, "requests"),
                    name,
                )
                syscalls = {
                    "independent": syscalls_per_request(
                        surge_command(url, 2.0, "independent", RATE, 0), _surge_requests
                    ),
                    "journeys": syscalls_per_request(
                        surge_command(url, 2.0, "journey", RATE // 3, 0), _surge_requests
                    ),
                }
                rows.append(row(CASES[name], "surge, independent requests", peer_runs, surge_runs,
                                goal=round(1 / 1.3, 3), syscalls=syscalls))  # fmt: skip
            elif name == "locust":
                ours = surge_command(url, args.duration, "journey", 0, USERS)
                with tempfile.TemporaryDirectory() as root:
                    peer_runs, surge_runs = interleave(
                        args.rounds,
                        lambda root=Path(root): run_locust(url, args.duration, root),
                        lambda ours=ours: run_surge(ours, "journeys"),
                        name,
                    )
                rows.append(row(CASES[name], f"Locust {_locust_version()} FastHttpUser", peer_runs,
                                surge_runs, goal=10.0, unit="journeys"))  # fmt: skip
    write_rows(
        "journey_cost",
        "Journeys against the embedded target: their cost, and surge vs Locust",
        {
            "threads": 1,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "rate": RATE,
            "users": USERS,
        },
        rows,
    )
    return 0


def _locust_version() -> str:
    out = subprocess.run(
        [locust_binary(), "--version"], capture_output=True, text=True, check=False
    )
    return out.stdout.split()[1] if out.stdout else "?"


if __name__ == "__main__":
    sys.exit(main())
