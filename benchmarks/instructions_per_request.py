"""Instructions per request of surge builds, counted by valgrind's callgrind: repeatable where
timings on a shared machine are not. Each build runs the same closed-model workload twice,
with N and 3N requests, under callgrind; the difference divided by 2N is the cost of one
request in the whole process (every engine thread, the bindings, the interpreter), with
start-up and set-up cancelled out. The server runs outside valgrind.

    python benchmarks/instructions_per_request.py --build before=/old/venv/bin/python \\
        --build after=python [--requests 20000] [--only http,redis]

Writes benchmarks/results/instructions_per_request.json.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from nginx_server import Nginx  # noqa: E402
from surge.services import RedisServer  # noqa: E402

CHILD = """
import sys
import surge
from surge import http, redis
kind, url, requests = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kind == "http":
    operations = [http.get("get", "/")]
    extra = {}
else:
    key = {"k": "uniform(0,99999)"}
    operations = [redis.command("set", "SET key:{k} xxx", variables=key),
                  redis.command("get", "GET key:{k}", variables=key)]
    extra = {"pipeline": int(sys.argv[4])}
scenario = surge.Scenario(name="count", base_url=url, operations=operations,
                          load=surge.Connections(8), requests=requests, **extra)
result = surge.run(scenario)
assert result.total["count"] == requests and result.total["error_count"] == 0, result.total
"""


def instructions(python: str, *args: str) -> int:
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.%p", python, "-c",
             CHILD, *args],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    totals = re.findall(r"Collected : (\d+)", done.stderr)
    if not totals:
        raise SystemExit(f"callgrind said nothing: {done.stderr[-600:]}")
    return sum(int(t) for t in totals)


def per_request(python: str, n: int, *args: str) -> float:
    small = instructions(python, args[0], args[1], str(n), *args[2:])
    large = instructions(python, args[0], args[1], str(3 * n), *args[2:])
    return (large - small) / (2 * n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="append", required=True, metavar="NAME=PYTHON")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--only", default="http,redis")
    parser.add_argument("--out", default=str(HERE / "results" / "instructions_per_request.json"))
    args = parser.parse_args()
    builds = dict(b.split("=", 1) for b in args.build)
    only = set(args.only.split(","))
    report: dict = {"requests": [args.requests, 3 * args.requests], "builds": builds}
    if "http" in only:
        with tempfile.TemporaryDirectory() as root, Nginx(Path(root)) as nginx:
            report["http_closed_8"] = {
                name: per_request(python, args.requests, "http", nginx.url)
                for name, python in builds.items()
            }
    if "redis" in only:
        with RedisServer() as server:
            for pipeline in (1, 16):
                report[f"redis_set_get_p{pipeline}"] = {
                    name: per_request(python, args.requests, "redis", server.url, str(pipeline))
                    for name, python in builds.items()
                }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    for case, values in report.items():
        if isinstance(values, dict) and case not in ("builds",):
            print(case, {k: round(v) for k, v in values.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
