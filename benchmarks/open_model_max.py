"""The highest rate one generator thread holds in the open model, against its closed-loop
maximum (issue 32's goal: at least 90% of it, in every round), against nginx on its own core:

- closed: one thread, 50 keep-alive connections, no think time: requests per second;
- open: ConstantRate on the same thread at 70%, 80% and 90% of that closed rate. A rate holds
  when every scheduled request was sent (none dropped), the achieved rate is within 1% of it,
  and the schedule lag p99 (the send behind the intended start, the pool's waits included) is
  under 1 ms.

Each round measures the closed loop and then the three open rates against it, since this
machine's closed-loop rate moves by a fifth from one minute to the next (116,751/s and 145,578/s
in two runs on one day): a bisection against a closed maximum measured minutes earlier judged
the machine's drift, not the open model. The figure is the median over rounds of the highest
fraction held, with its spread.

Writes benchmarks/results/open_model_max.json.

    python benchmarks/open_model_max.py [--rounds 5] [--duration 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from nginx_server import Nginx
from side_by_side import GENERATOR_CPU, SERVER_CPU, pinned, write_document

LAG_P99_MS = 1.0
GOAL = 0.9  # issue 32: at least 90% of the closed loop, in every round
# The open model's rates, as fractions of the closed loop's rate in the same round.
FRACTIONS = [0.7, 0.8, 0.9]

_CHILD = """
import json, sys
import surge
from surge import http
o = json.loads(sys.argv[1])
if o["rate"]:
    load = surge.ConstantRate(o["rate"], connections=64, max_connections=512)
else:
    load = surge.Connections(50)
result = surge.run(surge.Scenario(name="max", base_url=o["url"], operations=[http.get("get", "/")],
                                  load=load, duration=o["duration"], threads=1, warmup="1s"))
total = result.total
print(json.dumps({
    "count": total["count"], "seconds": result["duration_s"], "errors": total["error_count"],
    "dropped": total["dropped"], "lag_p99_ms": total["schedule_lag"]["percentiles"]["99"],
    "pacer_lag_p99_ms": result["generator"]["pacer_lag"]["percentiles"].get("99"),
}))
"""


def run(url: str, duration: float, rate: float) -> dict:
    options = {"url": url, "duration": duration, "rate": rate}
    stdout, _, cpu = pinned([sys.executable, "-c", _CHILD, json.dumps(options)])
    result = json.loads(stdout) | {"cpu_s": cpu, "rate": rate}
    result["per_s"] = result["count"] / result["seconds"]
    return result


def holds(probe: dict) -> bool:
    return (
        probe["dropped"] == 0
        and probe["errors"] == 0
        and probe["per_s"] >= 0.99 * probe["rate"]
        and probe["lag_p99_ms"] is not None
        and probe["lag_p99_ms"] < LAG_P99_MS
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args()
    rounds = []
    with tempfile.TemporaryDirectory() as root, Nginx(Path(root), cpu=SERVER_CPU) as nginx:
        for i in range(args.rounds):
            closed = run(nginx.url, args.duration, 0)
            # Rotated, so that no fraction always runs right after the closed loop.
            fractions = FRACTIONS[i % len(FRACTIONS) :] + FRACTIONS[: i % len(FRACTIONS)]
            probes = []
            for fraction in fractions:
                probe = run(nginx.url, args.duration, round(fraction * closed["per_s"]))
                probe["fraction"] = fraction
                probe["held"] = holds(probe)
                probes.append(probe)
            held = [p["fraction"] for p in probes if p["held"]]
            rounds.append(
                {"closed": closed, "probes": probes, "highest_held": max(held, default=0.0)}
            )
            print(
                f"round {i + 1}: closed {closed['per_s']:,.0f}/s; "
                + ", ".join(
                    f"{p['fraction']:.0%} {'held' if p['held'] else 'not held'} "
                    f"(lag p99 {p['lag_p99_ms']} ms, dropped {p['dropped']})"
                    for p in sorted(probes, key=lambda p: p["fraction"])
                ),
                file=sys.stderr,
            )
    highest = [r["highest_held"] for r in rounds]
    per_fraction = {
        f"{fraction:g}": {
            "held_rounds": sum(
                p["held"] for r in rounds for p in r["probes"] if p["fraction"] == fraction
            ),
            "lag_p99_ms": [
                p["lag_p99_ms"] for r in rounds for p in r["probes"] if p["fraction"] == fraction
            ],
        }
        for fraction in FRACTIONS
    }
    ratio = statistics.median(highest)
    write_document(
        "open_model_max",
        "The open model's highest held rate on one thread, against its closed loop",
        f"nginx on core {SERVER_CPU}, surge on core {GENERATOR_CPU}, one thread; each round "
        f"runs the closed loop, then the open model at {', '.join(f'{f:.0%}' for f in FRACTIONS)} "
        "of that round's closed rate; held: nothing dropped, the rate met within 1%, schedule "
        f"lag p99 < {LAG_P99_MS:g} ms; the ratio is the median over rounds of the highest held",
        {
            "setup": {"rounds": args.rounds, "duration_s": args.duration},
            "closed_per_s": statistics.median(r["closed"]["per_s"] for r in rounds),
            "ratio": ratio,
            "ratio_spread": {"min": min(highest), "max": max(highest)},
            "goal": GOAL,
            "goal_met": ratio >= GOAL,
            "spread_crosses_goal": min(highest) < GOAL <= max(highest),
            "per_fraction": per_fraction,
            "rounds": rounds,
        },
    )
    print(
        f"open model: the highest held fraction of the closed loop, median {ratio:.2f} "
        f"({min(highest):.2f}-{max(highest):.2f}); "
        + "; ".join(f"{k}: held {v['held_rounds']}/{args.rounds}" for k, v in per_fraction.items()),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
