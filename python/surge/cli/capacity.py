"""`surge capacity URL|FILE --slo EXPR`: the highest rate the target sustains within its SLOs.

    surge capacity http://127.0.0.1:8080/api/v1/health --slo 'p99 < 50ms' \\
        --slo 'error_rate < 0.1%' --min 500 --resolution 2%
    surge capacity scenarios/quickstart.py --set base_url=http://127.0.0.1:8080 \\
        --slo 'p95 < 20ms' --at-least 1000 --json capacity.json

One line per run as the search goes, then the answer. Exit 0; 99 with --at-least when the
capacity found is lower (or unknown).
"""

from __future__ import annotations

import argparse
import json
import sys

from surge.cli.args import (
    EXIT_INTERRUPTED,
    EXIT_SLO_BROKEN,
    add_monitor_flags,
    key_value,
    monitors_from_flags,
    output_file,
    rate_arg,
    slo_arg,
    threads_arg,
    whole_arg,
)
from surge.errors import ConfigError
from surge.files import write_text_atomic
from surge.model.load_models import ConstantRate
from surge.model.loader import load_scenarios, pick
from surge.model.scenario import Scenario
from surge.protocols import http as http_ops
from surge.protocols.http.cli import split_url
from surge.running.capacity import CapacityRun, capacity
from surge.units import format_number


def _fraction(value: str) -> float:
    text = value.strip()
    try:
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        number = -1.0
    if not 0.001 <= number <= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction such as 2% or 0.02, got {value!r}")
    return number


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("capacity", help="search the highest rate that meets the SLOs")
    p.add_argument("target", help="an http:// URL to GET, or a scenario file (.py)")
    p.add_argument("-s", "--scenario", help="which scenario of the file")
    p.add_argument(
        "--set", dest="settings", action="append", default=[],
        type=key_value("=", "key=value"), metavar="KEY=VALUE",
        help="override a scenario parameter",
    )  # fmt: skip
    p.add_argument(
        "--slo", action="append", default=[], type=slo_arg, metavar="EXPR", required=True,
        help="an SLO every step must meet, e.g. 'p99 < 50ms' (repeatable)",
    )  # fmt: skip
    p.add_argument("--min", type=rate_arg, dest="min_rate", help="the first rate tried, req/s")
    p.add_argument("--max", type=rate_arg, dest="max_rate", help="the highest rate tried, req/s")
    p.add_argument(
        "--resolution", type=_fraction, default=0.02,
        help="stop when the last pass and the first failure are this close (2%% = 0.02)",
    )  # fmt: skip
    p.add_argument("--step", default="10s", help="the measured window of a step")
    p.add_argument("--warmup", default="2s", help="each step's warm-up, not measured")
    p.add_argument(
        "--repeats", type=whole_arg(1, 9), default=3,
        help="runs of a step near the boundary; the majority's verdict counts",
    )  # fmt: skip
    p.add_argument(
        "--generator-lag", default="5ms",
        help="a step whose pacer ran later than this (p99) is surge's limit, not the target's",
    )  # fmt: skip
    p.add_argument("-c", "--connections", type=whole_arg(1, 100_000), help="connections per step")
    p.add_argument("-t", "--threads", type=threads_arg, help="engine threads")
    p.add_argument(
        "--at-least", type=rate_arg, metavar="RATE",
        help=f"exit {EXIT_SLO_BROKEN} unless the capacity found is at least RATE req/s",
    )  # fmt: skip
    add_monitor_flags(p)
    p.add_argument("--json", type=output_file, metavar="PATH", help="write the search as JSON")
    p.add_argument(
        "--html",
        type=output_file,
        metavar="PATH",
        help="write the search's report: latency and achieved rate against the offered rate",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no line per run")


def _scenario(args: argparse.Namespace) -> Scenario:
    if args.target.startswith(("http://", "https://")):
        base, path = split_url(args.target)
        return Scenario(
            name="capacity",
            base_url=base,
            operations=[http_ops.get("request", path)],
            load=ConstantRate(args.min_rate or 100, connections=args.connections or 64),
        )
    if not args.target.endswith(".py"):
        raise ConfigError(f"target: an http:// URL or a scenario file (.py), got {args.target!r}")
    chosen = pick(load_scenarios(args.target), args.scenario, dict(args.settings))
    if isinstance(chosen, list):
        raise ConfigError("target: a suite has several phases; pick one scenario with -s")
    if args.connections:
        chosen = chosen.replace(
            load=ConstantRate(args.min_rate or 100, connections=args.connections)
        )
    return chosen


def _show(run: CapacityRun) -> None:
    row = run.summary()
    verdict = (
        "descheduled: the machine held surge back" if run.descheduled
        else "generator-bound" if run.generator_bound else "held" if run.passed else "BROKE"
    )  # fmt: skip
    rate = format_number(row["rate"], "req/s")
    print(
        f"  {rate:>16}  achieved {format_number(row['achieved_rate'])}"
        f"  p50 {format_number(row['p50_ms'], 'ms')}  p99 {format_number(row['p99_ms'], 'ms')}"
        f"  lag p99 {format_number(row['schedule_lag_p99_ms'], 'ms')}  {verdict}",
        flush=True,
    )


def cmd(args: argparse.Namespace) -> int:
    scenario = _scenario(args)
    if args.threads:
        scenario = scenario.replace(threads=args.threads)
    monitors = monitors_from_flags(args)
    if monitors:
        scenario = scenario.replace(monitors=monitors)
    options = {"min_rate": args.min_rate, "resolution": args.resolution, "step": args.step,
               "warmup": args.warmup, "repeats": args.repeats,
               "generator_lag": args.generator_lag}  # fmt: skip
    if args.max_rate:
        options["max_rate"] = args.max_rate
    report = capacity(scenario, args.slo, on_run=None if args.quiet else _show, **options)
    print(report.describe(), flush=True)
    if args.json:
        write_text_atomic(args.json, json.dumps(report.to_dict(), indent=2) + "\n")
        print(f"search: {args.json}", file=sys.stderr)
    if args.html:
        print(f"report: {report.write_html(args.html)}", file=sys.stderr)
    if args.at_least is not None:
        try:
            report.require(at_least=args.at_least)
        except AssertionError as exc:
            print(f"surge capacity: {exc}", file=sys.stderr)
            return EXIT_SLO_BROKEN
    return EXIT_INTERRUPTED if report.interrupted else 0
