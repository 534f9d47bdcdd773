"""surge's memory over a long open-model run (issue 17's goal: RSS at most 64 MiB, and flat,
with a slope under 1 MiB per 10 minutes, at 50,000 requests/s for 10 minutes), against nginx:
`surge http -R RATE -d DURATION` on one thread, pinned to its core, its RSS (VmRSS, the whole
process, interpreter included) read every second from /proc. The results keep a time-series row
per interval, with its histogram unless --no-interval-histograms: that is memory that grows
with the run's length by design, and the flag shows how much of the slope it is. The slope is a
least-squares fit over the run after its first minute, when buffers have reached their size.

Writes benchmarks/results/memory_soak.json (memory_soak_no_interval_histograms.json with the flag).

    python benchmarks/memory_soak.py [--rate 50000] [--duration 600]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from nginx_server import Nginx
from side_by_side import GENERATOR_CPU, SERVER_CPU, write_document

RSS_GOAL_MIB = 64.0
SLOPE_GOAL_MIB_PER_10_MIN = 1.0
SETTLE_S = 60.0


def rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def slope_per_10_min(samples: list[tuple[float, float]]) -> float | None:
    """MiB per 10 minutes, by the least-squares fit surge's monitors use for their slopes."""
    from surge.monitor.sampling import _least_squares

    per_s = _least_squares(samples) if len(samples) >= 3 else None
    return None if per_s is None else per_s * 600


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=50_000)
    parser.add_argument("--duration", type=float, default=600.0)
    parser.add_argument(
        "--no-interval-histograms",
        action="store_true",
        help="pass it on to surge: the time series then keeps no histogram per interval",
    )
    args = parser.parse_args()
    extra = ["--no-interval-histograms"] if args.no_interval_histograms else []
    with tempfile.TemporaryDirectory() as root, Nginx(Path(root), cpu=SERVER_CPU) as nginx:
        out = Path(root) / "result.json"
        command = ["taskset", "-c", str(GENERATOR_CPU), sys.executable, "-m", "surge.cli", "http",
                   nginx.url, "-R", str(args.rate), "-c", "64", "-d", f"{args.duration:g}s", "-q",
                   "--json", str(out), *extra]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started = time.monotonic()
        samples: list[tuple[float, float]] = []
        while process.poll() is None:
            rss = rss_mib(process.pid)
            if rss is not None:
                samples.append((time.monotonic() - started, rss))
            time.sleep(1.0)
        if process.returncode != 0:
            raise SystemExit(f"surge failed: {process.stderr.read().decode()[-500:]}")
        result = json.loads(out.read_text())
    steady = [(t, r) for t, r in samples if t >= SETTLE_S]
    peak = max(r for _, r in samples)
    slope = slope_per_10_min(steady)
    total = result["total"]
    # What the time series itself holds, as the results file writes it (its histograms are the
    # engine's base64 strings, the bulk of it): the growth the run keeps by design. The slope
    # apart from it is the RSS slope less this, spread over the run.
    series_bytes = len(json.dumps(result["timeseries"])) + len(
        json.dumps(result["timeseries_total"])
    )
    series_mib_per_10_min = series_bytes / 2**20 * 600 / args.duration
    apart = None if slope is None else slope - series_mib_per_10_min
    write_document(
        "memory_soak" + ("_no_interval_histograms" if extra else ""),
        "surge's RSS over a long open-model run against nginx",
        f"surge http -R {args.rate} -c 64, one thread on core {GENERATOR_CPU}, nginx on "
        f"core {SERVER_CPU}; VmRSS every second; slope by least squares after {SETTLE_S:g} s",
        {
            "rate": args.rate,
            "flags": extra,
            "duration_s": args.duration,
            "achieved_per_s": total["rate_per_s"],
            "dropped": total["dropped"],
            "errors": total["error_count"],
            "schedule_lag_p99_ms": total["schedule_lag"]["percentiles"]["99"],
            "rss_peak_mib": round(peak, 1),
            "rss_slope_mib_per_10_min": None if slope is None else round(slope, 3),
            "io": result["load"].get("io"),
            "pacer_lag_p99_ms": result["generator"]["pacer_lag"]["percentiles"]["99"],
            "timeseries_bytes": series_bytes,
            "rss_slope_apart_from_timeseries_mib_per_10_min": (
                None if apart is None else round(apart, 3)
            ),
            "goal": {"rss_mib": RSS_GOAL_MIB, "slope_mib_per_10_min": SLOPE_GOAL_MIB_PER_10_MIN},
            "goal_met": peak <= RSS_GOAL_MIB
            and apart is not None
            and abs(apart) < SLOPE_GOAL_MIB_PER_10_MIN
            and total["dropped"] == 0
            and (total["schedule_lag"]["percentiles"]["99"] or 0) < 1.0,
            "samples": [(round(t, 1), round(r, 2)) for t, r in samples],
        },
    )
    print(
        f"RSS peak {peak:.1f} MiB, slope {slope if slope is None else round(slope, 3)} MiB/10 min, "
        f"{total['rate_per_s']:,.0f}/s achieved, {total['dropped']:,} dropped",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
