"""The embedded target's medications API (or any API with the same routes) under the named
load shapes: baseline, peak, stress and spike.

    surge run scenarios/medication_api.py --set base_url=http://127.0.0.1:8080
    pytest tests/perf/test_medication_api.py --surge-scale 1     # the full-length shapes

A user lists medications, reads one, adds one and now and then updates or deletes one, with
0.5 to 1.5 s of think time between requests. Targets: baseline (50 users, spawning 5/s)
p95 < 200 ms; peak (500 users, spawning 25/s) p95 < 500 ms; error rate < 0.1% throughout.
"""

import surge
from surge import http

BASELINE_SLOS = ("p95 < 200ms", "error_rate < 0.1%")
PEAK_SLOS = ("p95 < 500ms", "error_rate < 0.1%")


def operations():
    record = '{"name":"med-{uuid}","dose_mg":{uniform(5,500)}}'
    # Ids 1..50 are created first (see seed()); reads and writes stay in that range.
    some_id = "{uniform(1,50)}"
    return [
        http.get("list", "/api/v1/medications", weight=3),
        http.get("read", f"/api/v1/medications/{some_id}", weight=5),
        http.post("create", "/api/v1/medications", body=record, weight=1,
                  headers={"Content-Type": "application/json"}),
        http.put("update", f"/api/v1/medications/{some_id}", body=record, weight=1,
                 headers={"Content-Type": "application/json"}),
    ]  # fmt: skip


def seed(base_url: str, count: int = 50) -> surge.Scenario:
    """Creates the records the mix reads and updates (ids 1..count on a fresh target)."""
    record = '{"name":"seed-{seq}","dose_mg":100}'
    return surge.Scenario(
        name="seed",
        base_url=base_url,
        operations=[http.post("create", "/api/v1/medications", body=record, expect_status=(201,))],
        load=surge.Iterations(count, concurrency=1),
    )


def mix(base_url: str) -> surge.Scenario:
    return surge.Scenario(
        name="medications",
        base_url=base_url,
        operations=operations(),
        load=surge.Users(50, think=surge.between("0.5s", "1.5s"), spawn_rate=5),
        duration="60s",
    )


@surge.scenario
def medication_api(base_url="http://127.0.0.1:8080", users=50, spawn_rate=5, duration="60s"):
    return [
        seed(base_url),
        mix(base_url).replace(
            load=surge.Users(int(users), think=surge.between("0.5s", "1.5s"),
                             spawn_rate=float(spawn_rate)),
            duration=duration,
        ),
    ]  # fmt: skip
