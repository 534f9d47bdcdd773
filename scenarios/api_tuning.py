"""Expected performance by deployment size, as a table the SLO tests are generated from.

    surge run scenarios/api_tuning.py --set size=medium --set base_url=http://127.0.0.1:8080
    surge capacity scenarios/api_tuning.py --set size=medium --set base_url=http://127.0.0.1:8080 \
        --slo "p50 < 40ms" --slo "p95 < 150ms" --at-least 1000
    pytest tests/perf/test_api_tuning.py            # SLO and capacity tests per size

Each size is a request rate at an expected concurrency, with the latency it must keep. The
load is open-model at that rate (the rate is the target, whatever the server does), over a
pool of the size's user count, so a server that falls behind shows it in full.

The table's throughput is also a capacity claim: "a medium deployment sustains ~1,000 req/s
within p50 < 40 ms and p95 < 150 ms". `capacity_slos` and `cpu_work_for` make it checkable
against a target of known capacity: the embedded target given `cpu_work_for(size)` of CPU per
request on one thread serves at most HEADROOM x the size's rate, so a capacity search must
find the size's rate holding, and land near that known limit.
"""

from dataclasses import dataclass

import surge
from surge import http


@dataclass(frozen=True)
class Size:
    name: str
    rps: int
    users: int
    p50_ms: int
    p95_ms: int

    @property
    def slos(self) -> tuple[str, ...]:
        return (
            f"p50 < {self.p50_ms}ms",
            f"p95 < {self.p95_ms}ms",
            f"rps >= {0.95 * self.rps:g}",
            "error_rate < 0.1%",
        )

    @property
    def capacity_slos(self) -> tuple[str, ...]:
        """What "sustains" means in a capacity search: the latency targets and no errors (the
        rate is what the search varies)."""
        return (f"p50 < {self.p50_ms}ms", f"p95 < {self.p95_ms}ms", "error_rate < 0.1%")


# The guide's "Performance Benchmarks" section: throughput, p50 and p95, concurrent users.
SIZES = {
    "small": Size("small", rps=500, users=100, p50_ms=50, p95_ms=200),
    "medium": Size("medium", rps=1000, users=250, p50_ms=40, p95_ms=150),
    "large": Size("large", rps=2000, users=500, p50_ms=30, p95_ms=100),
}

# The known capacity of the stand-in target, relative to the size's rate.
HEADROOM = 1.25


def cpu_work_for(size: Size) -> str:
    """CPU time per request that gives a one-thread embedded target a capacity of HEADROOM x
    the size's rate (`surge serve --threads 1 --cpu-work ...`)."""
    return f"{1e6 / (HEADROOM * size.rps):.0f}us"


def scenario_for(size: Size, base_url: str, duration="30s") -> surge.Scenario:
    return surge.Scenario(
        name=f"api-{size.name}",
        base_url=base_url,
        operations=[
            http.get("health", "/api/v1/health", weight=3),
            http.get("model_info", "/api/v1/model/info", weight=1),
        ],
        load=surge.ConstantRate(size.rps, connections=min(size.users, 64),
                                max_connections=size.users),
        duration=duration,
        warmup="2s",
    )  # fmt: skip


@surge.scenario
def api_tuning(base_url="http://127.0.0.1:8080", size="small", duration="30s"):
    if size not in SIZES:
        raise surge.ConfigError(f"size: one of {', '.join(SIZES)}, got {size!r}")
    return scenario_for(SIZES[size], base_url, duration)
