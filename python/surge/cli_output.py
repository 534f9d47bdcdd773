"""What the surge commands print and write: progress lines, the summary, the results JSON."""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path
from typing import Any

from .cli_args import EXIT_INTERRUPTED
from .result import Result
from .summary import progress_line, summary_table


def progress(quiet: bool):
    if quiet:
        return None

    def show(report: Any) -> None:
        print(progress_line(report), file=sys.stderr, flush=True)

    return show


def finish(result: Result, args: Any, default_dir: str | None = None) -> int:
    """Prints the summary, writes the JSON (--json, or a stamped file under default_dir) and
    the HTML report (--html); exit 130 when the run was interrupted."""
    print(summary_table(result))
    path = args.json
    if path is None and default_dir is not None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = str(Path(default_dir) / f"{result['scenario']['name']}-{stamp}.json")
    if path:
        written = result.save(path)
        print(f"results: {written}")
    if getattr(args, "html", None):
        from .report_html import write_report  # plotly loads only when a report is asked for

        print(f"report: {write_report(result, args.html)}")
    return EXIT_INTERRUPTED if result.interrupted else 0
