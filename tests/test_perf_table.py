"""The README's performance tables are what benchmarks/results/ holds (scripts/perf_table.py),
never typed in: a figure changed by hand, or a result not rendered, fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _check(script: str) -> None:
    """Runs a renderer's --check: it fails when a text and its kept results differ."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_the_readme_tables_are_rendered_from_the_results():
    _check("perf_table.py")
    readme = (ROOT / "README.md").read_text()
    results = sorted((ROOT / "benchmarks" / "results").glob("*.json"))
    rendered = [p for p in results if p.stem in readme]
    assert rendered, "no benchmark result is in the README"


def test_the_docs_figures_are_rendered_from_the_results():
    # scripts/doc_figures.py: the docs' measured figures (warm start, start-up, memory under
    # faults, the distributed merge) are blocks it renders from kept results.
    _check("doc_figures.py")


def test_every_kept_result_is_rendered_somewhere():
    # A result kept beside the code is one the README or a doc shows, or it is not kept.
    text = "".join(p.read_text() for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
    kept = sorted((ROOT / "benchmarks" / "results").glob("*.json"))
    tracked = subprocess.run(
        ["git", "ls-files", "benchmarks/results"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    unshown = [p.name for p in kept if f"benchmarks/results/{p.name}" in tracked and
               f"benchmarks/results/{p.name}" not in text]  # fmt: skip
    assert unshown == [], unshown


def test_a_figure_typed_into_a_block_fails_the_check(tmp_path):
    # Break a rendered block for a moment: --check must see it.
    import importlib.util

    path = ROOT / "scripts" / "doc_figures.py"
    spec = importlib.util.spec_from_file_location("doc_figures", path)
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    doc = next(d for d in figures.DOCS if "<!-- figures: " in d.read_text())
    text = doc.read_text()
    typed = figures.BLOCK.sub(lambda m: f"{m.group(1)}typed in: 1.0 ms\n{m.group(4)}", text, 1)
    problems: list[str] = []
    rendered, _ = figures.rewrite(typed, problems, "doc")
    assert problems == [] and rendered != typed and rendered == text
