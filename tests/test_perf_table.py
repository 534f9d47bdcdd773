"""The README's performance tables are what benchmarks/results/ holds (scripts/perf_table.py),
never typed in: a figure changed by hand, or a result not rendered, fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_tables_are_rendered_from_the_results():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "perf_table.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    readme = (ROOT / "README.md").read_text()
    results = sorted((ROOT / "benchmarks" / "results").glob("*.json"))
    rendered = [p for p in results if p.stem in readme]
    assert rendered, "no benchmark result is in the README"
