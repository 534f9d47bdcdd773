"""The embedded target's medications API (or any API with the same routes) under the named
load shapes: baseline, peak, stress and spike.

    surge run scenarios/medication_api.py --set base_url=http://127.0.0.1:8080
    pytest tests/perf/test_medication_api.py --surge-scale 1     # the full-length shapes

A user runs one journey over and over: it lists medications, creates its own record, reads
it back (the name must be what it wrote), updates it, reads the update back, and deletes it,
with 0.5 to 1.5 s of think time between steps. Each step is timed on its own (crud/create,
crud/read, ...) and the journey as a whole (crud). Targets: baseline (50 users, spawning 5/s)
p95 < 200 ms; peak (500 users, spawning 25/s) p95 < 500 ms; error rate < 0.1% throughout.
"""

import surge
from surge import http

BASELINE_SLOS = ("p95 < 200ms", "error_rate < 0.1%")
PEAK_SLOS = ("p95 < 500ms", "error_rate < 0.1%")


def crud(think=("0.5s", "1.5s")):
    """The journey: every read is of the record this user wrote, and it is gone at the end."""
    json = {"Content-Type": "application/json"}
    record = '{"name":"med-{name}","dose_mg":100}'
    updated = '{"name":"med-{name}","dose_mg":200}'
    return http.journey(
        "crud",
        [
            http.get("list", "/api/v1/medications", think=think),
            http.post("create", "/api/v1/medications", body=record, headers=json,
                      expect_status=201, capture={"id": "$.id"}, think=think),
            http.get("read", "/api/v1/medications/{id}", check={"$.data.name": "med-{name}"},
                     think=think),
            http.put("update", "/api/v1/medications/{id}", body=updated, headers=json, think=think),
            http.get("read_update", "/api/v1/medications/{id}",
                     check={"$.data.dose_mg": "200"}, think=think),
            http.delete("delete", "/api/v1/medications/{id}", expect_status=204),
        ],
        variables={"name": "uuid"},
    )  # fmt: skip


def operations(think=("0.5s", "1.5s")):
    return [crud(think)]


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
        mix(base_url).replace(
            load=surge.Users(int(users), think=surge.between("0.5s", "1.5s"),
                             spawn_rate=float(spawn_rate)),
            duration=duration,
        ),
    ]  # fmt: skip
