"""What watching a run in the web UI costs (docs/web-ui.md): a 20,000 req/s open-model run of
`surge http` against the embedded target, with `--web` serving it to a reader of its event
stream, against the same run without `--web`, rounds interleaved.

What is compared is what a user pays: the generator's whole-process CPU per request (wait4,
the web server's thread and the interpreter included) and the schedule lag p99 of the results.
The target (`surge serve`) and the event-stream reader share the server's core, and the
generator has the other. The reader gets every event the page would get: what the generator
does for a page is the same whoever reads the stream.

    python benchmarks/web_cost.py [--rounds 5] [--duration 10s] [--rate 20000]

Writes benchmarks/results/web_cost.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from side_by_side import (
    GENERATOR_CPU,
    SERVER_CPU,
    free_port,
    pinned,
    spread,
    wait_for_port,
    write_document,
)

GOAL = 1.05  # with the page, within 5% of the run without it


class StreamReader(threading.Thread):
    """Reads /api/events as a page does, from the moment the UI answers until it closes."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port = port
        self.events = 0
        self.intervals = 0
        self.snapshot_cpu_ms: list[float] = []

    def run(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{self.port}/api/events"
                with urllib.request.urlopen(url, timeout=30) as stream:
                    for line in stream:
                        if line.startswith(b"data: "):
                            self.events += 1
                            event = json.loads(line[6:])
                            if event.get("event") == "interval":
                                self.intervals += 1
                                self.snapshot_cpu_ms.append(event["snapshot_cpu_ms"])
                return
            except OSError:
                time.sleep(0.02)


def pooled_lag_p99_ms(encoded: list[str]) -> float:
    import surge._core as _core

    merged = _core.HdrHistogram()
    for text in encoded:
        merged.add(_core.HdrHistogram.decode(text))
    return round(merged.value_at_percentile(99) / 1e6, 6)


def import_cpu_s() -> float:
    """What loading the web UI's libraries costs a process, once (whole-process CPU of a bare
    interpreter that imports them, less one that does not)."""
    loads = "import surge.cli.output, surge.running.handle"  # what a run loads anyway
    bare = [sys.executable, "-c", loads]
    web = [sys.executable, "-c", f"{loads}; import surge.web.app, surge.web.watch, uvicorn"]
    return pinned(web)[2] - pinned(bare)[2]


def one_run(url: str, rate: int, duration: str, web: bool) -> dict:
    with tempfile.TemporaryDirectory() as where:
        out = Path(where) / "r.json"
        command = [
            *(sys.executable, "-m", "surge.cli", "http", url, "--rate", str(rate)),
            *("-d", duration, "--interval", "1s", "--json", str(out), "-q"),
        ]
        reader = None
        if web:
            port = free_port()
            command += ["--web", str(port)]
            reader = StreamReader(port)
            reader.start()
        _, _, cpu_s = pinned(command, env=os.environ.copy())
        if reader is not None:
            reader.join(timeout=10)
        result = json.loads(out.read_text())
    total = result["total"]
    row = {
        "count": total["count"],
        "errors": total["error_count"],
        "dropped": total["dropped"],
        "cpu_s": round(cpu_s, 4),
        "cpu_us_per_request": round(cpu_s / total["count"] * 1e6, 4),
        "schedule_lag_p99_ms": total["schedule_lag"]["percentiles"]["99"],
        "pacer_lag_p99_ms": result["generator"]["pacer_lag"]["percentiles"]["99"],
        "late_starts": total["late_starts"],
        "lag_histogram": total["lag_histogram"],
    }
    if reader is not None:
        row["events_read"] = reader.events
        row["intervals_read"] = reader.intervals
        row["snapshot_cpu_ms"] = reader.snapshot_cpu_ms
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--rate", type=int, default=20_000)
    args = parser.parse_args()
    port = free_port()
    target = subprocess.Popen(
        [
            *("taskset", "-c", str(SERVER_CPU), sys.executable, "-m", "surge.cli", "serve"),
            *("--port", str(port), "--threads", "1"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.sched_setaffinity(0, {SERVER_CPU})  # the stream reader, beside the target
    rounds = []
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}/api/v1/health"
        for i in range(args.rounds):
            sides = ("with", "without") if i % 2 == 0 else ("without", "with")
            row = {side: one_run(url, args.rate, args.duration, side == "with") for side in sides}
            rounds.append(row)
            print(f"round {i + 1}: {json.dumps(row)}", file=sys.stderr)
    finally:
        target.terminate()
        target.wait(timeout=10)
    cpu_ratio = [
        r["with"]["cpu_us_per_request"] / r["without"]["cpu_us_per_request"] for r in rounds
    ]
    lag_ratio = [
        r["with"]["schedule_lag_p99_ms"] / r["without"]["schedule_lag_p99_ms"] for r in rounds
    ]
    pooled = {side: pooled_lag_p99_ms([r[side].pop("lag_histogram") for r in rounds])
              for side in ("with", "without")}  # fmt: skip
    summary = {
        "rate": args.rate,
        "duration": args.duration,
        "rounds": args.rounds,
        "goal": GOAL,
        "cpu_us_per_request": {
            side: spread([r[side]["cpu_us_per_request"] for r in rounds])
            for side in ("with", "without")
        },
        "schedule_lag_p99_ms": {
            side: spread([r[side]["schedule_lag_p99_ms"] for r in rounds])
            for side in ("with", "without")
        },
        # Every round's lag histogram merged, per side: a p99 over all rounds' requests, which
        # one round's hiccup moves far less than it moves that round's own p99.
        "pooled_schedule_lag_p99_ms": pooled,
        "pooled_lag_ratio": round(pooled["with"] / pooled["without"], 4),
        "cpu_ratio": spread(cpu_ratio),
        "lag_ratio": spread(lag_ratio),
        "intervals_read": spread([r["with"]["intervals_read"] for r in rounds]),
        # The run's thread's CPU for one interval's snapshot (surge.running.handle).
        "snapshot_cpu_ms": spread([ms for r in rounds for ms in r["with"]["snapshot_cpu_ms"]]),
        "import_cpu_s": spread([round(import_cpu_s(), 4) for _ in range(args.rounds)]),
    }
    path = write_document(
        "web_cost",
        "The cost of watching a run in the web UI",
        "surge http --rate R with --web and a reader of its event stream, against the same run "
        "without --web; whole-process CPU (wait4); target and reader on the server's core, "
        f"generator on core {GENERATOR_CPU}; rounds interleaved, median and min-max",
        {"summary": summary, "rounds": rounds},
    )
    print(
        f"cpu per request with/without {summary['cpu_ratio']['median']:.3f} "
        f"({summary['cpu_ratio']['min']:.3f}-{summary['cpu_ratio']['max']:.3f}); lag p99 "
        f"{summary['lag_ratio']['median']:.3f} ({summary['lag_ratio']['min']:.3f}-"
        f"{summary['lag_ratio']['max']:.3f}); wrote {path}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
