"""`surge serve --admin-port`: the fault knobs change while the target runs, over HTTP on
loopback, with the specs `surge serve` and Target.set_latency take."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
import surge
from ports import free_port
from surge import http


def _put(url: str, body: object) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="PUT")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _p50_ms(url: str) -> float:
    result = surge.run(
        surge.Scenario(
            name="probe",
            base_url=url,
            operations=[http.get("h", "/api/v1/health")],
            requests=10,
            load=surge.Connections(1),
        )
    )
    return result.total["latency"]["percentiles"]["50"]


@pytest.fixture
def served():
    port, admin = free_port(), free_port()
    with subprocess.Popen(
        [sys.executable, "-m", "surge.cli", "serve", "--port", str(port), "--admin-port",
         str(admin), "--latency", "fixed:2ms"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as server:  # fmt: skip
        try:
            assert "listening" in server.stdout.readline()
            assert "/_surge/faults" in server.stdout.readline()
            yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{admin}/_surge/faults"
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_latency_changes_while_the_target_runs(served):
    target, admin = served
    with urllib.request.urlopen(admin, timeout=5) as response:
        assert json.loads(response.read())["latency"] == "fixed:2ms"
    assert 1.5 < _p50_ms(target) < 20
    status, state = _put(admin, {"latency": "fixed:40ms", "error_ratio": 0})
    assert status == 200 and state["latency"] == "fixed:40ms"
    assert 39 < _p50_ms(target) < 80
    status, state = _put(admin, {"latency": None})
    assert status == 200 and state["latency"] == "none"
    assert _p50_ms(target) < 20


def test_a_bad_knob_is_a_400_and_changes_nothing(served):
    _, admin = served
    status, body = _put(admin, {"latency": "fixed:40ms", "stall": "6s/5s"})
    assert status == 400 and "shorter than its period" in body["error"]
    status, body = _put(admin, {"colour": "blue"})
    assert status == 400 and "unknown knob" in body["error"]
    with urllib.request.urlopen(admin, timeout=5) as response:
        assert json.loads(response.read())["latency"] == "fixed:2ms"  # the valid half too
