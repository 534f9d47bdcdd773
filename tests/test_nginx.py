"""surge http against a real nginx, started by the test on a free loopback port."""

from __future__ import annotations

import json
import subprocess
import sys

from nginx_server import Nginx


def test_surge_http_against_nginx(tmp_path):
    out = tmp_path / "r.json"
    with Nginx(tmp_path) as nginx:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "surge.cli",
                "http",
                nginx.url,
                "-c",
                "8",
                "-n",
                "5000",
                "--expect-body",
                "hello from nginx",
                "--json",
                str(out),
                "-q",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    assert doc["total"]["count"] == 5000
    assert doc["total"]["error_count"] == 0


def test_nginx_closing_idle_connections_is_not_counted_as_its_error(tmp_path):
    # The case a user met: nginx closes connections idle for keepalive_timeout, users think
    # longer than that, and half the requests came back as `reset` (15 of 30).
    out = tmp_path / "r.json"
    with Nginx(tmp_path, keepalive_timeout="300ms") as nginx:
        done = subprocess.run(
            [*(sys.executable, "-m", "surge.cli", "http", nginx.url), "-u", "5",
             *("--think", "500ms", "-d", "2s", "--json", str(out), "-q")],
            capture_output=True,
            text=True,
            timeout=60,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    request = json.loads(out.read_text())["operations"]["request"]
    assert request["count"] >= 15 and request["error_count"] == 0, request["errors"]
    assert request["reconnects"] >= request["count"] - 5 - 5  # all but each user's first
