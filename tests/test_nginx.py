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
