"""`surge report RESULT.json [-o report.html] [--slo EXPR ...]`: the run as one HTML file that
opens offline, with charts, tables and SLO verdicts."""

from __future__ import annotations

import argparse
from pathlib import Path

from .report_html import write_report
from .result import load


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a results file as a self-contained HTML report")
    p.add_argument("result", help="a results JSON written by surge (--json)")
    p.add_argument("-o", "--output", metavar="HTML", help="where to write (default: RESULT.html)")
    p.add_argument(
        "--slo",
        action="append",
        default=[],
        metavar="EXPR",
        help='an SLO to show a verdict for, e.g. "p95 < 200ms" (repeatable)',
    )


def cmd(args: argparse.Namespace) -> int:
    result = load(args.result)
    output = args.output or str(Path(args.result).with_suffix(".html"))
    print(f"report: {write_report(result, output, args.slo)}")
    return 0
