"""The type stubs of the native module are generated from it (scripts/generate_stubs.py), and
the checked-in one must match a fresh generation: a binding added or changed without
regenerating fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "generate_stubs.py"


def test_checked_in_stub_matches_the_built_module():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


def test_the_stub_names_every_protocol_run():
    stub = (SCRIPT.parent.parent / "python" / "surge" / "_core.pyi").read_text()
    for run in ("run_http", "run_redis", "run_pg"):
        assert f"def {run}(" in stub
    assert "DEFAULT_WEIGHT" in stub
