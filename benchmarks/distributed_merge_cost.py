"""What the client of a distributed run pays to merge one interval (running/distributed/merge.py):
per worker report, with realistic histograms, for 1 to 5 operations. From it: the most workers
one client core follows live at 1 s intervals. Writes
benchmarks/results/distributed_merge_cost.json.

    python benchmarks/distributed_merge_cost.py [--workers 64] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

from surge import _core
from surge.running.distributed.merge import LiveMerge


def _report(share: int, operations: int, samples: int, rng: random.Random) -> dict:
    rows = []
    for op in range(operations):
        histogram = _core.HdrHistogram()
        for _ in range(samples):  # a lognormal spread of response times around 1 ms
            histogram.record(int(rng.lognormvariate(13.8, 0.6)))
        rows.append({
            "t_s": 0.0, "length_s": 1.0, "operation": op, "count": samples, "errors": 0,
            "error_classes": {}, "dropped": 0, "late": 0, "hits": 0, "misses": 0,
            "p50_ns": 0, "p90_ns": 0, "p95_ns": 0, "p99_ns": 0, "max_ns": 0,
            "histogram": histogram.encode(), "target_rate_per_s": None, "users": None,
            "active_users": None,
        })  # fmt: skip
    total = dict(rows[0], operation=None, histogram="", count=samples * operations)
    return {"share": share, "elapsed_s": 1.0, "interval_s": 1.0, "rows": rows, "total": total}


def _put_many(name: str, report: dict, count: int) -> float:
    import distributed

    queue = distributed.Queue(name)
    started = time.perf_counter()
    for _ in range(count):
        queue.put(report)
    return time.perf_counter() - started


def _queue_cost(report: dict, messages: int) -> dict:
    """The Dask queue's cost per interval report, on the scheduler: two local workers put
    `messages` reports each as fast as they can while the client drains them."""
    import logging

    import distributed

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        queue = distributed.Queue("cost", client=client)
        workers = sorted(client.nthreads())
        started = time.perf_counter()
        futures = [
            client.submit(_put_many, "cost", report, messages, workers=[w], pure=False)
            for w in workers
        ]
        got = 0
        while got < 2 * messages:
            got += len(queue.get(batch=True))
        elapsed = time.perf_counter() - started
        client.gather(futures)
    per_report_ms = 1e3 * elapsed / (2 * messages)
    return {
        "reports": 2 * messages,
        "ms_per_report_through_the_scheduler": round(per_report_ms, 4),
        "reports_per_s": int(1000 / per_report_ms),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--samples", type=int, default=5000, help="per operation and interval")
    parser.add_argument("--messages", type=int, default=2000, help="per worker, through the queue")
    args = parser.parse_args()
    rng = random.Random(1)
    cases = []
    for operations in (1, 5):
        reports = [_report(i, operations, args.samples, rng) for i in range(args.workers)]
        timings = []
        for _ in range(args.repeat):
            merge = LiveMerge(args.workers)
            started = time.perf_counter()
            for report in reports:
                merge.add(report)
            timings.append(time.perf_counter() - started)
        per_report_ms = 1e3 * statistics.median(timings) / args.workers
        cases.append({
            "operations": operations,
            "workers": args.workers,
            "samples_per_operation": args.samples,
            "ms_per_worker_report": round(per_report_ms, 4),
            "workers_per_client_core_at_1s": int(1000 / per_report_ms),
        })  # fmt: skip
        print(json.dumps(cases[-1]), file=sys.stderr)
    queue = _queue_cost(_report(0, 1, args.samples, rng), args.messages)
    print(json.dumps(queue), file=sys.stderr)
    out = Path(__file__).resolve().parent / "results" / "distributed_merge_cost.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cases": cases, "queue": queue}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
