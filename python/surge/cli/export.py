"""`surge export RESULT.json [--csv PREFIX] [--hdr PREFIX]`: the results file in the formats
other tools read: Locust's CSV files and HdrHistogram interval logs."""

from __future__ import annotations

import argparse

from surge.cli.output import per_result
from surge.errors import ConfigError
from surge.outputs.hlog import write_hlogs
from surge.outputs.locust_csv import write_locust_csv
from surge.results.loading import load_all


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write a results file as Locust CSV or .hlog files")
    p.add_argument("result", help="a results or suite JSON written by surge (--json)")
    p.add_argument(
        "--csv",
        metavar="PREFIX",
        help="Locust-compatible PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv",
    )
    p.add_argument(
        "--csv-decimals",
        action="store_true",
        help="keep microsecond decimals in the median and percentile columns, which Locust "
        "writes as whole ms (programs reading Locust's files with int() then fail on them)",
    )
    p.add_argument(
        "--hdr", metavar="PREFIX", help="HdrHistogram interval logs, PREFIX_<operation>.hlog"
    )


def cmd(args: argparse.Namespace) -> int:
    if not (args.csv or args.hdr):
        raise ConfigError("say what to write: --csv PREFIX, --hdr PREFIX, or both")
    results = load_all(args.result)  # a suite: one set of files per phase
    if any("histogram" not in row for r in results for row in r["timeseries"]):
        raise ConfigError(
            f"{args.result} has no interval histograms (the run had --no-interval-histograms, "
            "or an older surge wrote it); run it again with them"
        )
    written = []
    for prefix, writer in (
        (args.csv, lambda r, p: write_locust_csv(r, p, decimals=args.csv_decimals)),
        (args.hdr, write_hlogs),
    ):
        if prefix:
            for phase_prefix, result in per_result(prefix, results):
                written += writer(result, phase_prefix)
    for path in written:
        print(path)
    return 0
