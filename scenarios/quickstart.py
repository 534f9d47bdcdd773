"""The smallest useful scenario: the demo target's health and model-info endpoints at a fixed
rate. Run it with `surge run scenarios/quickstart.py --set base_url=http://127.0.0.1:8080`."""

import surge
from surge import http


@surge.scenario
def quickstart(base_url="http://127.0.0.1:8080", rate=500, duration="10s", connections=16):
    return surge.Scenario(
        name="quickstart",
        base_url=base_url,
        operations=[
            http.get("health", "/api/v1/health", weight=3, expect_body="healthy"),
            http.get("model_info", "/api/v1/model/info"),
        ],
        load=surge.ConstantRate(rate, connections=connections),
        duration=duration,
    )
