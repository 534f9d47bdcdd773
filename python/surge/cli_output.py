"""What the surge commands print and write: live progress, the summary, the results JSON and
the HTML report."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .cli_args import EXIT_INTERRUPTED
from .live import LiveProgress
from .result import Result
from .summary import summary_table


@contextmanager
def live(quiet: bool, scenario: Any = None) -> Iterator[LiveProgress | None]:
    """The progress callback for a run: None with -q, else a live view that is closed (its
    last state left on screen) when the run ends, Ctrl-C included."""
    if quiet:
        yield None
        return
    view = LiveProgress(scenario)
    try:
        yield view
    finally:
        view.close()


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
