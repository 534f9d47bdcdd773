"""The stall table of docs/load-models.md: tests/test_coordinated_omission.py's run (a target
that answers in 2 ms but freezes 200 ms once a second, 1,000 req/s on 8 connections, 5 s),
kept with the truth its model computes, surge's response time and the uncorrected service
time, percentile by percentile. The test asserts the response time within 5% of the truth;
this keeps the figures the docs show.

    python benchmarks/coordinated_omission.py

Writes benchmarks/results/coordinated_omission.json.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

import surge

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import test_coordinated_omission as model  # noqa: E402 (the test's own model of the truth)

PERCENTILES = ("50", "90", "99", "99.9")


def main() -> None:
    with surge.Target() as target:
        target.set_latency("fixed", model.SERVICE_MS)
        busy_service_ms = model.back_to_back_service_ms(target)
        target.set_stall(model.PERIOD_S, model.FREEZE_S)
        result = surge.run(
            surge.Scenario(
                name="stall-truth", base_url=target.url, operations=[model.HEALTH],
                load=surge.ConstantRate(model.RATE, connections=model.CONNECTIONS),
                duration=model.DURATION_S, timeout="5s",
            )
        )  # fmt: skip
        origin = target.stall_origin_ns
    stats = result.total
    truth = model.true_response_times_ms(
        result["monotonic_start_ns"], origin, stats["service_time"]["percentiles"]["50"],
        busy_service_ms,
    )  # fmt: skip
    rows = {
        f"p{p}": {
            "truth_ms": round(model.nearest_rank(truth, float(p)), 3),
            "response_ms": stats["latency"]["percentiles"][p],
            "service_ms": stats["service_time"]["percentiles"][p],
        }
        for p in PERCENTILES
    }
    rows["max"] = {
        "truth_ms": round(truth[-1], 3),
        "response_ms": stats["latency"]["max"],
        "service_ms": stats["service_time"]["max"],
    }
    document = {
        "measured_on": datetime.date.today().isoformat(),
        "setup": {
            "rate": model.RATE, "connections": model.CONNECTIONS, "duration_s": model.DURATION_S,
            "service_ms": model.SERVICE_MS, "freeze_s": model.FREEZE_S, "period_s": model.PERIOD_S,
        },
        "requests": stats["count"],
        "rows": rows,
    }  # fmt: skip
    out = HERE / "results" / "coordinated_omission.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n")
    print(json.dumps(rows))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
