"""`surge compare BASE.json NEW.json [--fail-on "p95:+10%,rps:-5%"]`: per-operation deltas
between two runs, and a non-zero exit when a limit is crossed, so CI can gate on it. The same
comparison backs the pytest plugin's --surge-baseline/--surge-regress gate."""

from __future__ import annotations

import argparse

from surge.cli.args import EXIT_SLO_BROKEN
from surge.errors import ConfigError
from surge.results import compare
from surge.results.loading import load
from surge.results.suite import SuiteResult

EXIT_REGRESSED = EXIT_SLO_BROKEN  # one code for "a target was missed", as --slo uses


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="deltas between two results files; fail on regressions")
    p.add_argument("base", help="the results JSON to compare against")
    p.add_argument("new", help="the results JSON of the run under test")
    p.add_argument(
        "--fail-on",
        metavar="LIMITS",
        help=f'exit {EXIT_SLO_BROKEN} when a limit is crossed, e.g. "p95:+10%%,rps:-5%%" '
        "(default: only report)",
    )


def cmd(args: argparse.Namespace) -> int:
    base, new = load(args.base), load(args.new)
    limits = compare.REPORT_ONLY
    if args.fail_on is not None:
        try:
            limits = compare.parse_limits(args.fail_on)
        except ConfigError as exc:
            raise ConfigError(f"--fail-on: {exc}") from None
    suites = [isinstance(x, SuiteResult) for x in (base, new)]
    if suites[0] != suites[1]:
        suite, run = (args.base, args.new) if suites[0] else (args.new, args.base)
        raise ConfigError(
            f"{suite} is a suite's results and {run} one run's: compare a suite with a suite, "
            "or one run with one run"
        )
    print(f"{args.base} -> {args.new}")
    if suites[0]:
        by_phase = compare.compare_suites(base, new, limits)
        for name in compare.phases_only_in(base, new):
            print(f"phase {name}: only in {args.base}")
        for name in compare.phases_only_in(new, base):
            print(f"phase {name}: only in {args.new}")
        if not by_phase:
            raise ConfigError("the suites share no phase: nothing to compare")
        for name, deltas in by_phase.items():
            print(f"phase {name}:")
            print(compare.delta_table(deltas))
        deltas = [d for phase in by_phase.values() for d in phase]
    else:
        deltas = compare.compare(base, new, limits)
        print(compare.delta_table(deltas))
    broken = [d for d in deltas if d.broken]
    if broken:
        print(f"{len(broken)} regression(s) beyond {args.fail_on}")
        return EXIT_REGRESSED
    return 0
