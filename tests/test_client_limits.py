"""The client's own limits are never reported as the server's errors."""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = """
import json, resource, sys
import surge
from surge import http
soft, hard = int(sys.argv[2]), int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
scenario = surge.Scenario(name="fds", base_url=sys.argv[1], load=surge.Users(200),
                          operations=[http.get("h", "/api/v1/health")], duration="1s")
result = surge.run(scenario)
print(json.dumps({"errors": result.total["errors"], "count": result.total["count"],
                  "examples": result.total["error_examples"],
                  "soft": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}))
"""


def run_with_limit(target, soft: int, hard: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, target.url, str(soft), str(hard)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_running_out_of_descriptors_is_named_as_the_clients(target):
    # 200 users, 100 descriptors in all: the server refused nothing.
    seen = run_with_limit(target, 100, 100)
    assert "refused" not in seen["errors"], seen["errors"]
    assert seen["errors"]["client_fd_limit"] > 0
    assert "surge itself (the client, not the server)" in seen["examples"]["client_fd_limit"][0]
    assert seen["count"] > seen["errors"]["client_fd_limit"]  # the users that got one ran


def test_the_soft_limit_is_raised_to_the_hard_one(target):
    seen = run_with_limit(target, 100, 4096)
    assert seen["soft"] == 4096
    assert seen["errors"] == {}, seen["errors"]
