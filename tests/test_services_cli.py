"""`surge services start|stop`: the real servers the docs' examples use, from the shell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_cli import surge_cli


def _exports(stdout: str) -> dict[str, str]:
    pairs = [line.removeprefix("export ").split("=", 1) for line in stdout.splitlines()]
    return dict(pairs)


def test_start_prints_exports_that_work_and_stop_ends_the_servers(tmp_path):
    where = tmp_path / "services"
    started = surge_cli("services", "start", "redis", "postgres", "--dir", str(where))
    env = _exports(started.stdout)
    try:
        assert started.returncode == 0, started.stderr
        assert set(env) == {"REDIS_URL", "POSTGRES_DSN"}
        redis = surge_cli("redis", env["REDIS_URL"], "-n", "200", "-q")
        pg = surge_cli("pg", env["POSTGRES_DSN"], "--sql", "SELECT 1", "-n", "200", "-q")
        assert redis.returncode == 0 and pg.returncode == 0, redis.stderr + pg.stderr
        # Asked again, the same servers answer with the same lines.
        again = surge_cli("services", "start", "redis", "postgres", "--dir", str(where))
        assert _exports(again.stdout) == env
    finally:
        state = json.loads((where / "services.json").read_text())
        stopped = surge_cli("services", "stop", "--dir", str(where))
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.split("\n")[:2] == ["stopped redis", "stopped postgres"]
    gone = surge_cli("redis", env["REDIS_URL"], "-n", "1", "-q")
    assert gone.returncode == 2 and "refused" in gone.stderr
    assert not any(Path(entry["dir"]).exists() for entry in state.values())
    assert not (where / "services.json").exists()


def test_the_exports_work_in_a_shell(tmp_path):
    where = tmp_path / "services"
    script = (
        f'eval "$({sys.executable} -m surge.cli services start redis --dir {where})" && '
        f'{sys.executable} -m surge.cli redis "$REDIS_URL" -n 100 -q; status=$?; '
        f"{sys.executable} -m surge.cli services stop --dir {where} >/dev/null; exit $status"
    )
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    assert "get" in done.stdout


def test_stop_with_nothing_started_is_one_line(tmp_path):
    done = surge_cli("services", "stop", "--dir", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip().startswith("surge services: error: no servers were started in")
