"""`surge report RESULT.json [-o report.html] [--slo EXPR ...]`: the run as one HTML file that
opens offline, with charts, tables and SLO verdicts. A capacity search's JSON (`surge capacity
--json`) gets the same page `surge capacity --html` writes."""

from __future__ import annotations

import argparse
from pathlib import Path

from surge.cli.args import EXIT_SLO_BROKEN, flag_errors
from surge.cli.output import per_result, print_verdicts
from surge.errors import ConfigError
from surge.results.loading import load_all, read_json
from surge.results.slo import parse as parse_slo
from surge.running.capacity import SCHEMA as CAPACITY_SCHEMA


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a results file as a self-contained HTML report")
    p.add_argument("result", help="a results or suite JSON written by surge (--json)")
    p.add_argument("-o", "--output", metavar="HTML", help="where to write (default: RESULT.html)")
    p.add_argument(
        "--slo",
        action="append",
        default=[],
        metavar="EXPR",
        help='an SLO to show a verdict for, e.g. "p95 < 200ms" (repeatable)',
    )


def cmd(args: argparse.Namespace) -> int:
    if args.output is not None and not args.output.strip():
        raise ConfigError("-o/--output: give a file name for the report")
    for expression in args.slo:  # a bad --slo fails before anything is read or written
        with flag_errors("--slo"):
            parse_slo(expression)
    output = args.output or str(Path(args.result).with_suffix(".html"))
    document = read_json(args.result)
    if isinstance(document, dict) and document.get("schema") == CAPACITY_SCHEMA:
        return _capacity(args, document, output)
    results = load_all(args.result)  # a suite gets one report per phase
    targets = per_result(output, results)
    source = Path(args.result).resolve()
    for path, _ in targets:
        if Path(path).resolve() == source:
            raise ConfigError(
                f"-o/--output: the report would overwrite its input {args.result}; "
                "name another file with -o"
            )
    verdict = 0
    for path, result in targets:
        from surge.outputs.report.html import (
            write_report,  # plotly loads only when a report is written
        )

        print(f"report: {write_report(result, path, args.slo)}")
        # The verdicts the report draws, and CI's answer: 99 when one broke.
        if print_verdicts(result, args.slo):
            verdict = EXIT_SLO_BROKEN
    return verdict


def _capacity(args: argparse.Namespace, search: dict, output: str) -> int:
    """A capacity search's page; its SLOs are the ones it searched with."""
    if args.slo:
        raise ConfigError(
            f"--slo: {args.result} is a capacity search, judged by its own SLOs "
            f"({', '.join(map(str, search.get('slos') or [])) or 'none'}); drop --slo"
        )
    if Path(output).resolve() == Path(args.result).resolve():
        raise ConfigError(f"-o/--output: the report would overwrite its input {args.result}")
    from surge.running.capacity import write_html  # plotly loads only when a report is written

    try:
        written = write_html(search, output)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(
            f"{args.result}: not a capacity search as surge writes it "
            f"({type(exc).__name__}: {str(exc)[:80]})"
        ) from None
    print(f"report: {written}")
    return 0
