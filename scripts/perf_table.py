"""The README's performance tables, made from what the benchmarks wrote to benchmarks/results/
(benchmarks/side_by_side.py's rows), so that no figure in the README is typed in. Rewrites the
text between the README's perf-table markers; `--check` only compares, and fails when the README
says something the results do not (tests/test_perf_table.py runs it).

    python scripts/perf_table.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# Numbers as the summary prints them, never in scientific notation.
from surge.units import format_ms, format_plain

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
README = ROOT / "README.md"
BEGIN = "<!-- perf-table: begin (scripts/perf_table.py writes this; do not edit) -->"
END = "<!-- perf-table: end -->"
# The order the tables appear in; each file is benchmarks/side_by_side.py's write_rows().
TIMES, DASH = "\u00d7", "\u2013"  # the README's multiplication sign and range dash
BENCHMARKS = (
    "http_vs_wrk",
    "http2_vs_h2load",
    "redis_vs_redis_benchmark",
    "pg_vs_pgbench",
    "journey_cost",
    "io_uring_probe",
)
# Results that are not a peer's rows: one line each, after the tables.
_TRANSPORTS = {"uring": "io_uring", "epoll": "epoll"}
SUMMARIES = ("open_model_max", "memory_soak", "memory_soak_no_interval_histograms")


def _number(value: float) -> str:
    return f"{value:,.0f}"


def _syscalls(row: dict) -> str:
    calls = row.get("syscalls_per_request") or {}
    parts = []
    for side, counts in calls.items():
        top = ", ".join(
            f"{name} {format_plain(round(count, 3))}" for name, count in list(counts.items())[:3]
        )
        parts.append(f"{side}: {top or 'none'}")
    return "; ".join(parts)


def _ratio(row: dict) -> str:
    spread = row["ratio_per_cpu_s"]
    text = f"**{spread['median']:.2f}{TIMES}** ({spread['min']:.2f}{DASH}{spread['max']:.2f})"
    return text


def _verdict(met: bool, crosses: bool = False) -> str:
    return ("met" if met else "missed") + (", spread crosses it" if crosses else "")


def _goal(row: dict) -> str:
    if "goal" not in row:
        return ""
    verdict = _verdict(row["goal_met"], row.get("spread_crosses_goal", False))
    return f"≥ {row['goal']:.2f}{TIMES} ({verdict})"


def table(document: dict) -> str:
    unit = document["rows"][0]["unit"]
    # A table whose rows are not all surge's (an evaluation's probe) names its subject.
    subject = document["setup"].get("subject", "surge")
    lines = [
        f"**{document['title']}** — measured on {document['measured_on']}, "
        f"{document['setup'].get('rounds', '?')} rounds"
        + (
            f" of {format_plain(document['setup']['duration_s'])} s"
            if "duration_s" in document["setup"]
            else ""
        )
        + f" (`benchmarks/results/{document['benchmark']}.json`)",
        "",
        f"| case | peer | peer {unit} per CPU-s | {subject} {unit} per CPU-s | {subject} / peer, "
        "median (spread) | goal | syscalls per request |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in document["rows"]:
        lines.append(
            f"| {row['case']} | {row['peer']} | {_number(row['peer_per_cpu_s'])} | "
            f"{_number(row['surge_per_cpu_s'])} | {_ratio(row)} | {_goal(row)} | {_syscalls(row)} |"
        )
    return "\n".join(lines)


def summary(document: dict) -> str:
    """One line for a result that is not a table: the open model's held rate, or a soak."""
    where = f"(`benchmarks/results/{document['benchmark']}.json`)"
    if document["benchmark"] == "open_model_max":
        held = "; ".join(
            f"{float(k):.0%} held in {v['held_rounds']} of {document['setup']['rounds']}"
            for k, v in document["per_fraction"].items()
        )
        spread = document["ratio_spread"]
        verdict = _verdict(document["goal_met"], document["spread_crosses_goal"])
        return (
            f"- **{document['title']}** — measured on {document['measured_on']} {where}: "
            f"median **{document['ratio']:.2f}** ({spread['min']:.2f}{DASH}{spread['max']:.2f}) "
            f"of the closed loop's {_number(document['closed_per_s'])}/s, goal ≥ "
            f"{document['goal']:.2f} ({verdict}); {held}."
        )
    flags = " ".join(document.get("flags", []))
    goal = document["goal"]
    rss, slope = format_plain(document["rss_peak_mib"]), document["rss_slope_mib_per_10_min"]
    # Results since the transports were measured say which one ran, and what the time series
    # itself held; the goal's slope is the one apart from it.
    transport = (
        f" over {_TRANSPORTS.get(document['io'], document['io'])}" if document.get("io") else ""
    )
    series = ""
    if "timeseries_bytes" in document:
        apart = document["rss_slope_apart_from_timeseries_mib_per_10_min"]
        kib = _number(round(document["timeseries_bytes"] / 1024))
        series = (
            f", of which the time series holds {kib} KiB by the run's end (slope apart from it "
            f"**{format_plain(apart)}**)"
        )
    return (
        f"- **{document['title']}**{' with ' + flags if flags else ''} — measured on "
        f"{document['measured_on']} {where}: {_number(document['rate'])} req/s{transport} for "
        f"{format_plain(document['duration_s'])} s, RSS peak **{rss} MiB**, slope "
        f"**{format_plain(slope)} MiB per 10 min**{series} (goal ≤ "
        f"{format_plain(goal['rss_mib'])} MiB and < {format_plain(goal['slope_mib_per_10_min'])}: "
        f"{_verdict(document['goal_met'])}); "
        f"{_number(document['dropped'])} arrivals dropped, schedule lag p99 "
        f"{format_ms(document['schedule_lag_p99_ms'])} ms."
    )


def render() -> str:
    parts = []
    for name in BENCHMARKS:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            continue
        document = json.loads(path.read_text())
        if document.get("rows"):
            parts.append(table(document))
    lines = [
        summary(json.loads((RESULTS / f"{name}.json").read_text()))
        for name in SUMMARIES
        if (RESULTS / f"{name}.json").exists()
    ]
    if lines:
        parts.append("\n".join(lines))
    if not parts:
        return "No benchmark results yet: run `python3 -m nox -s bench`."
    return "\n\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")
    args = parser.parse_args()
    text = README.read_text()
    if BEGIN not in text or END not in text:
        print(f"README.md has no perf-table markers ({BEGIN} ... {END})", file=sys.stderr)
        return 1
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    updated = f"{head}{BEGIN}\n{render()}\n{END}{tail}"
    if args.check:
        if updated != text:
            print(
                "README.md's performance tables differ from benchmarks/results/: run "
                "python scripts/perf_table.py",
                file=sys.stderr,
            )
            return 1
        return 0
    README.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
