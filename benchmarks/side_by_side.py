"""What every benchmark against a peer does alike, so that its figures can be trusted:

- both generators run pinned to the generator's core (taskset), the server on the other;
- CPU is the whole process's, from wait4's rusage: what a user pays, surge's interpreter
  start-up and imports included (surge's run alone is kept beside it when the child reports it);
- rounds interleave, and alternate which side goes first, so drift in the machine favours
  neither;
- each round gives a ratio, and a case reports the median and the spread (min-max) of those,
  and whether the spread crosses its goal;
- syscall counts per request (strace -c -f, on a separate short run) sit beside the ratios:
  they do not depend on the machine's noise.

A benchmark writes its rows with write_rows(); scripts/perf_table.py renders every results file
into the README's table.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SERVER_CPU = 0
GENERATOR_CPU = 1
RESULTS = Path(__file__).resolve().parent / "results"


def arguments(doc: str, cases: dict) -> Any:
    """The flags every benchmark against a peer takes: rounds, their length, which cases."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--cases", default=",".join(cases), help="of: " + ", ".join(cases))
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("needs two cores: one for the server, one for the generator")
    return args


def certificate(root: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 in `root`, and its key."""
    from surge import _core

    cert_pem, key_pem = _core.tls_self_signed("localhost")
    cert, key = root / "cert.pem", root / "key.pem"
    cert.write_text(cert_pem)
    key.write_text(key_pem)
    return cert, key


def free_port() -> int:
    """A loopback TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout_s: float = 10.0) -> None:
    """Returns once something accepts on the loopback `port`; exits naming it after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listened on port {port} within {timeout_s:g}s")


def pinned(command: list[str], env: dict | None = None) -> tuple[str, str, float]:
    """Runs `command` on the generator's core; its stdout, stderr and whole-process CPU seconds.
    Raises RuntimeError naming the command when it fails."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            ["taskset", "-c", str(GENERATOR_CPU), *command],
            stdout=out,
            stderr=err,
            text=True,
            env=env,
        )
        _, status, usage = os.wait4(process.pid, 0)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command[0]} failed ({status}): {stderr[-500:] or stdout[-500:]}")
    return stdout, stderr, usage.ru_utime + usage.ru_stime


def interleave(
    rounds: int, peer: Callable[[], dict], surge: Callable[[], dict], label: str
) -> tuple[list[dict], list[dict]]:
    """`rounds` runs of each, alternating which goes first. A run is a dict with `count`,
    `seconds` and `cpu_s` (and `run_cpu_s` for surge when known)."""
    runs = interleave_all(rounds, {"peer": peer, "surge": surge}, label)
    return runs["peer"], runs["surge"]


def interleave_all(rounds: int, runners: dict[str, Callable[[], dict]], label: str) -> dict:
    """`rounds` runs of each runner, the order rotating by one each round so that none is
    always first or last; the runs by runner's name."""
    names = list(runners)
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for i in range(rounds):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            runs[name].append(runners[name]())
        print(
            f"{label} round {i + 1}: "
            + " | ".join(
                f"{name} {r['count'] / r['seconds']:9.0f}/s {r['count'] / r['cpu_s']:9.0f}/CPU-s"
                for name in names
                for r in [runs[name][-1]]
            ),
            file=sys.stderr,
        )
    return runs


def spread(values: list[float]) -> dict:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def row(
    case: str,
    peer: str,
    peer_runs: list[dict],
    surge_runs: list[dict],
    goal: float | None = None,
    unit: str = "requests",
    syscalls: dict | None = None,
) -> dict:
    """One case of the README's table. `ratio` is surge's work per CPU-second over the peer's,
    per round (above 1: surge costs less CPU per request); `goal` is the least ratio wanted."""
    per_cpu = [
        (s["count"] / s["cpu_s"]) / (p["count"] / p["cpu_s"])
        for p, s in zip(peer_runs, surge_runs, strict=True)
    ]
    rate = [
        (s["count"] / s["seconds"]) / (p["count"] / p["seconds"])
        for p, s in zip(peer_runs, surge_runs, strict=True)
    ]
    result = {
        "case": case,
        "peer": peer,
        "unit": unit,
        "rounds": len(per_cpu),
        "peer_per_cpu_s": statistics.median(p["count"] / p["cpu_s"] for p in peer_runs),
        "surge_per_cpu_s": statistics.median(s["count"] / s["cpu_s"] for s in surge_runs),
        "peer_per_s": statistics.median(p["count"] / p["seconds"] for p in peer_runs),
        "surge_per_s": statistics.median(s["count"] / s["seconds"] for s in surge_runs),
        "ratio_per_cpu_s": spread(per_cpu),
        "ratio_per_s": spread(rate),
        "errors": {
            "peer": sum(p.get("errors", 0) for p in peer_runs),
            "surge": sum(s.get("errors", 0) for s in surge_runs),
        },
        "runs": {"peer": peer_runs, "surge": surge_runs},
    }
    if all("run_cpu_s" in s for s in surge_runs):
        run_only = [
            (s["count"] / s["run_cpu_s"]) / (p["count"] / p["cpu_s"])
            for p, s in zip(peer_runs, surge_runs, strict=True)
        ]
        result["ratio_per_cpu_s_run_only"] = spread(run_only)
    if goal is not None:
        ratio = result["ratio_per_cpu_s"]
        result["goal"] = goal
        result["goal_met"] = ratio["median"] >= goal
        result["spread_crosses_goal"] = ratio["min"] < goal <= ratio["max"]
    if syscalls is not None:
        result["syscalls_per_request"] = syscalls
    return result


TRANSPORTS = {"uring": "io_uring", "epoll": "epoll"}


def transport_rows(
    title: str,
    peer: str,
    run_peer: Callable[[], dict],
    surge_command: Callable[[str, bool], list[str]],
    peer_syscalls: dict,
    goal: float | None,
    rounds: int,
    label: str,
    unit: str = "requests",
) -> list[dict]:
    """One case against its peer with surge on each transport, in the same interleaved rounds
    (the order rotating each round): a row per transport, named "TITLE, io_uring" and "TITLE,
    epoll". `surge_command(io, short)` is surge's command on that transport (`short`: the short
    run strace counts). The goal is the io_uring row's, the transport `--io auto` takes here.
    Refuses a run that used another transport than it asked for."""
    commands = {io: surge_command(io, False) for io in TRANSPORTS}
    runners = {"peer": run_peer} | {
        io: lambda c=command: run_surge(c) for io, command in commands.items()
    }
    runs = interleave_all(rounds, runners, label)
    rows = []
    for io, name in TRANSPORTS.items():
        used = {r.get("io") for r in runs[io]}
        if used != {io}:
            raise SystemExit(f"{label}: asked for {io}, the runs used {used}")
        syscalls = peer_syscalls | {
            "surge": syscalls_per_request(surge_command(io, True), surge_count)
        }
        case = row(f"{title}, {name}", peer, runs["peer"], runs[io],
                   goal if io == "uring" else None, unit, syscalls)  # fmt: skip
        rows.append(case | {"io": io})
    return rows


def syscalls_per_request(command: list[str], count_of: Callable[[str], int]) -> dict:
    """strace -c -f over one run of `command` (pinned); the calls per request of each syscall
    seen at least once per 100 requests. `count_of(stdout)` is the run's request count."""
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as trace:
        stdout, _, _ = pinned(["strace", "-c", "-f", "-o", trace.name, *command])
        table = trace.read()
    requests = max(count_of(stdout), 1)
    calls: dict[str, float] = {}
    for line in table.splitlines():
        fields = line.split()
        # % time, seconds, usecs/call, calls, [errors], syscall
        if len(fields) >= 5 and fields[0].replace(".", "").isdigit() and fields[-1] != "total":
            count = int(fields[3])
            if count * 100 >= requests:
                calls[fields[-1]] = round(count / requests, 3)
    return dict(sorted(calls.items(), key=lambda kv: -kv[1]))


def write_document(name: str, title: str, method: str, fields: dict) -> Path:
    """benchmarks/results/<name>.json: a benchmark's name, title, date and method, then its
    own fields."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "benchmark": name,
        "title": title,
        "measured_on": _dt.date.today().isoformat(),
        "method": method,
        **fields,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def write_rows(name: str, title: str, setup: dict, rows: list[dict]) -> Path:
    """benchmarks/results/<name>.json: what the README's table is made from."""
    path = write_document(
        name,
        title,
        "whole-process CPU (wait4), server and generator pinned to different cores, "
        "rounds interleaved, median and min-max of the per-round ratios",
        {
            "setup": {"server_cpu": SERVER_CPU, "generator_cpu": GENERATOR_CPU, **setup},
            "rows": rows,
        },
    )
    for r in rows:
        spread = r["ratio_per_cpu_s"]
        print(
            f"{r['case']}: surge / {r['peer']} {r['unit']} per CPU-s {spread['median']:.3f} "
            f"({spread['min']:.3f}-{spread['max']:.3f})",
            file=sys.stderr,
        )
    return path


# surge's side of the HTTP benchmarks: one HTTP run in a child process, closed model.
_SURGE_HTTP_CHILD = """
import json, resource, sys
import surge
from surge import http
o = json.loads(sys.argv[1])
scenario = surge.Scenario(
    name="bench", base_url=o["url"],
    operations=[http.get("get", "/", headers={"Connection": "close"} if o["close"] else None)],
    load=surge.Connections(o["connections"]), duration=o["duration"],
    http_version="1.1" if o["close"] else o["http_version"], max_streams=o["max_streams"],
    tls=surge.Tls(ca=o["ca"]) if o["ca"] else None, io=o["io"],
)
before = resource.getrusage(resource.RUSAGE_SELF)
result = surge.run(scenario)
after = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "count": result.total["count"], "seconds": result["duration_s"],
    "errors": result.total["error_count"],
    "run_cpu_s": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
    "protocol": result["connections"].get("protocol"),
    "io": result["load"]["io"],
}))
"""


def surge_http_command(
    url: str,
    connections: int,
    duration: float,
    *,
    ca: str | None = None,
    http_version: str | None = None,
    max_streams: int = 1,
    close: bool = False,
    io: str = "auto",
) -> list[str]:
    options = {
        "io": io,
        "url": url,
        "connections": connections,
        "duration": duration,
        "ca": ca,
        "http_version": http_version,
        "max_streams": max_streams,
        "close": close,
    }
    return [sys.executable, "-c", _SURGE_HTTP_CHILD, json.dumps(options)]


def run_surge(command: list[str], env: dict | None = None) -> dict:
    stdout, _, cpu = pinned(command, env=env)
    return json.loads(stdout) | {"cpu_s": cpu}


def surge_count(stdout: str) -> int:
    return json.loads(stdout)["count"]
