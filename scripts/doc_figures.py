"""The docs' measured figures, made from what the benchmarks kept in benchmarks/results/, so that
none is typed in (perf_table.py does the README's tables). A doc holds a block

    <!-- figures: NAME (scripts/doc_figures.py writes this; do not edit) -->
    ...
    <!-- figures: end -->

and this script rewrites what is between the markers from benchmarks/results/NAME.json with
RENDERERS[NAME]. `--check` only compares, and fails when a doc says something its result does
not, names a result nobody kept, or a renderer nobody calls (tests/test_perf_table.py runs it).

    python scripts/doc_figures.py [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from surge.units import format_plain

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(
    r"(<!-- figures: (?P<name>[a-z_]+) \(scripts/doc_figures\.py writes this; do not edit\) -->\n)"
    r"(?P<body>.*?)"
    r"(<!-- figures: end -->)",
    re.DOTALL,
)
TIMES, DASH = "\u00d7", "\u2013"  # the docs' multiplication sign and range dash


def _spread(row: dict, key: str = "", scale: float = 1.0, digits: int = 3) -> str:
    """median (min to max) of a {median, min, max} record."""
    values = [round(row[f"{k}{key}"] * scale, digits) for k in ("median", "min", "max")]
    median, low, high = (format_plain(v) for v in values)
    return f"{median} ({low}{DASH}{high})"


def warm_start(doc: dict) -> str:
    s = doc["summary"]
    rounds = len(doc["rounds"])
    names = {"default": "as written (a warm start)", "warmup_1s": "`--warmup 1s`",
             "cold": "`--cold`"}  # fmt: skip
    lines = [
        f"Measured in {rounds} interleaved rounds (`benchmarks/results/warm_start.json`):",
        "",
        "| the command | p99 ms, median (spread) | first interval's p99 ms |",
        "|---|---|---|",
    ]
    for key, name in names.items():
        lines.append(
            f"| {name} | {_spread(s[f'{key}_p99_ms'])} | "
            f"{_spread(s[f'{key}_first_interval_p99_ms'])} |"
        )
    per_round = s["ratio_default_to_warmup_per_round"]
    lines += [
        "",
        f"The default's p99 over the warm-up's: {format_plain(s['ratio_of_median_p99s'])}"
        f"{TIMES} on the medians, {format_plain(per_round['min'])}{DASH}"
        f"{format_plain(per_round['max'])}{TIMES} "
        f"round by round; the goal ({s['goal']}) is "
        + ("met in every round." if s["met_in_every_round"] else "crossed in some rounds."),
    ]
    return "\n".join(lines)


def memory_under_faults(doc: dict) -> str:
    names = {"refused": "connection refused", "reset_on_accept": "reset on accept",
             "never_read": "accepts and never reads, timeout 50 ms"}  # fmt: skip
    durations = list(dict.fromkeys(r["duration"] for r in doc["rows"]))
    lines = [
        f"At {format_plain(doc['rate'])} requests/s "
        "(`benchmarks/results/memory_under_faults.json`):",
        "",
        "| fault | " + " | ".join(durations) + " |",
        "|---|" + "---|" * len(durations),
    ]
    for case, name in names.items():
        cells = []
        for duration in durations:
            row = next(r for r in doc["rows"] if r["case"] == case and r["duration"] == duration)
            cells.append(f"{row['failures']:,} failures, {row['peak_rss_mib']:.1f} MiB")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _hundreds(value: float) -> str:
    return f"{round(value, -2):,.0f}"


def distributed_merge_cost(doc: dict) -> str:
    cases = {c["operations"]: c for c in doc["cases"]}
    one, five, queue = cases[1], cases[5], doc["queue"]
    queue_rate, merge_rate = queue["reports_per_s"], one["workers_per_client_core_at_1s"]
    return "\n".join([
        f"- **The client's merge.** Decoding and adding one worker's report takes "
        f"{format_plain(one['ms_per_worker_report'])} ms with 1 operation and "
        f"{format_plain(five['ms_per_worker_report'])} ms with 5, using histograms of "
        f"{one['samples_per_operation']:,} samples per operation, log-normal around 1 ms. One "
        f"client core could merge about {one['workers_per_client_core_at_1s']:,} reports per "
        f"second with 1 operation, or {five['workers_per_client_core_at_1s']:,} with 5.",
        f"- **Dask's queue.** A report's trip from a worker through the scheduler to the client "
        f"costs {format_plain(queue['ms_per_report_through_the_scheduler'])} ms: about "
        f"{queue['reports_per_s']:,} reports per second.",
        "",
        f"So {'the scheduler' + chr(39) + 's queue' if queue_rate < merge_rate else 'the merge'} "
        f"is the limit: one client follows about {_hundreds(min(queue_rate, merge_rate))} "
        f"workers live at 1 s intervals on such a machine, or about "
        f"{_hundreds(min(queue_rate, five['workers_per_client_core_at_1s']) / 5)} at 5 "
        "operations and 0.2 s intervals (`benchmarks/results/distributed_merge_cost.json`).",
    ])  # fmt: skip


def startup(doc: dict) -> str:
    lines = [
        f"CPU of the whole process, user + system, over {doc['rounds']} interleaved rounds "
        "(`benchmarks/results/startup.json`):",
        "",
        "| command | CPU s, median (spread) |",
        "|---|---|",
    ]
    for name, row in doc["cases"].items():
        lines.append(f"| `{name}` | {_spread(row, '_s')} |")
    version = doc["cases"]["surge --version"]
    lines += [
        "",
        f"The goal, under {format_plain(doc['goal_s'])} s for `surge --version`, is "
        + ("met in every round." if version["max_s"] < doc["goal_s"] else
           "met by the median, crossed in some rounds." if version["median_s"] < doc["goal_s"]
           else "missed."),
    ]  # fmt: skip
    return "\n".join(lines)


def builds_side_by_side(doc: dict) -> str:
    cases = {
        "http": "HTTP/1.1 vs wrk",
        "redis_pipeline_1": "Redis, pipeline 1",
        "redis_pipeline_16": "Redis, pipeline 16",
        "pg_select_only": "PostgreSQL select-only",
    }
    builds = doc["builds"]
    lines = [
        f"Before: {builds['before']}; after: {builds['after']}. {doc['rounds']} interleaved "
        "rounds, per CPU-second of the generator (`benchmarks/results/builds_side_by_side.json`):",
        "",
        "| case | after / before | after / peer | before / peer |",
        "|---|---|---|---|",
    ]  # fmt: skip
    for key, name in cases.items():
        ratios = doc[key]["ratios"]
        peer = next(k.split("/")[1].split()[0] for k in ratios if k.startswith("after/") and
                    not k.startswith("after/before"))  # fmt: skip
        lines.append(
            f"| {name} | {ratios['after/before per_cpu_s']:.3f} | "
            f"{ratios[f'after/{peer} per_cpu_s']:.3f}{TIMES} {peer} | "
            f"{ratios[f'before/{peer} per_cpu_s']:.3f}{TIMES} {peer} |"
        )
    return "\n".join(lines)


def monitor_cost(doc: dict) -> str:
    s = doc["summary"]
    names = {"target": "process (walks /proc for descendants)", "redis": "Redis INFO",
             "postgres": "PostgreSQL (a new connection each)",
             "prometheus": "Prometheus (a 1-gauge endpoint)"}  # fmt: skip
    samples = s["sources"]["target"]["samples"]["median"]
    lines = [
        f"All four sampled every {format_plain(s['interval_s'] * 1e3)} ms for {s['duration']} "
        f"during a {s['rate']:,} req/s run against the in-process target, {samples} samples "
        f"each, {s['rounds']} rounds (`benchmarks/results/monitor_cost.json`):",
        "",
        "| source | CPU ms per sample, median (spread) | wall ms per sample |",
        "|---|---|---|",
    ]
    for key, name in names.items():
        source = s["sources"][key]
        lines.append(
            f"| {name} | {_spread(source['cpu_ms_per_sample'])} | "
            f"{_spread(source['wall_ms_per_sample'])} |"
        )
    lag = s["schedule_lag_p99_ms"]
    lines += [
        "",
        f"At the default 1 s interval, all four together cost about "
        f"{format_plain(round(100 * s['cpu_share_at_1s_interval'], 2))}% of one core. The run's "
        f"schedule lag p99 was {_spread(lag['with'])} ms with the four monitors and "
        f"{_spread(lag['without'])} ms without them.",
    ]
    return "\n".join(lines)


def _seconds(duration: str) -> float:
    return float(duration.removesuffix("s"))


def web_cost(doc: dict) -> str:
    s = doc["summary"]
    cpu, lag = s["cpu_us_per_request"], s["schedule_lag_p99_ms"]
    ratio = s["cpu_ratio"]
    goal = s["goal"]
    verdict = (
        "within the goal in every round"
        if ratio["max"] <= goal
        else f"the spread crosses the goal of {format_plain(goal)}{TIMES}"
        if ratio["median"] <= goal
        else f"over the goal of {format_plain(goal)}{TIMES}"
    )
    run_cpu_s = format_plain(
        round(cpu["with"]["median"] * s["rate"] * _seconds(s["duration"]) / 1e6, 2)
    )
    lag_ratio, pooled = s["lag_ratio"], s["pooled_lag_ratio"]
    swing = (
        f"the rounds' ratios went from {format_plain(round(lag_ratio['min'], 3))} to "
        f"{format_plain(round(lag_ratio['max'], 3))}, and without the page the p99 itself moved "
        f"from {format_plain(round(lag['without']['min'], 3))} to "
        f"{format_plain(round(lag['without']['max'], 3))} ms"
    )
    if lag_ratio["max"] <= goal:
        lag_words = f"The schedule lag p99 is within {format_plain(goal)}{TIMES} in every round."
    elif lag_ratio["median"] <= goal and pooled <= goal:
        lag_words = (
            f"The schedule lag p99 holds the {format_plain(goal)}{TIMES} goal at the median "
            f"({format_plain(round(lag_ratio['median'], 3))}) and over all rounds' requests "
            f"({format_plain(pooled)}), but not in every round: {swing}."
        )
    else:
        lag_words = (
            f"The schedule lag p99 misses the {format_plain(goal)}{TIMES} goal: "
            f"{format_plain(round(lag_ratio['median'], 3))} at the median and "
            f"{format_plain(pooled)} over all rounds' requests; {swing}."
        )
    return "\n".join(
        [
            f"A {s['rate']:,} req/s run of {s['duration']}, with `--web` and a reader of its "
            f"event stream, against the same run without it, {s['rounds']} rounds interleaved "
            f"(`benchmarks/results/web_cost.json`, measured {doc['measured_on']}):",
            "",
            "| | with the page | without | ratio |",
            "|---|---|---|---|",
            f"| CPU per request, µs (whole process) | {_spread(cpu['with'])} | "
            f"{_spread(cpu['without'])} | {_spread(ratio)} |",
            f"| schedule lag p99, ms | {_spread(lag['with'])} | {_spread(lag['without'])} | "
            f"{_spread(s['lag_ratio'])} |",
            f"| schedule lag p99 of all rounds' requests, ms | "
            f"{format_plain(s['pooled_schedule_lag_p99_ms']['with'])} | "
            f"{format_plain(s['pooled_schedule_lag_p99_ms']['without'])} | "
            f"{format_plain(s['pooled_lag_ratio'])} |",
            "",
            f"CPU per request: {verdict}. Loading the UI's parts (starlette, uvicorn) costs "
            f"{_spread(s['import_cpu_s'])} s of CPU once a run, of the {run_cpu_s} s a run "
            f"takes with the page; each interval's snapshot costs the run's thread "
            f"{_spread(s['snapshot_cpu_ms'])} ms. {lag_words}",
        ]
    )


def pg_vs_pgbench(doc: dict) -> str:
    rows = {r["case"].removeprefix("select-only").strip(", "): r for r in doc["rows"]}
    lines = [
        f"Measured on {doc['measured_on']}, medians of {doc['setup']['rounds']} rounds "
        "(`benchmarks/results/pg_vs_pgbench.json`, the README's PostgreSQL table):",
        "",
        "| select-only | pgbench q/s | surge q/s | q/s ratio | queries per CPU-s, surge / "
        "pgbench, median (spread) |",
        "|---|---|---|---|---|",
    ]
    for case, row in rows.items():
        spread = row["ratio_per_cpu_s"]
        lines.append(
            f"| {case} | {row['peer_per_s']:,.0f} | {row['surge_per_s']:,.0f} | "
            f"{row['ratio_per_s']['median']:.2f}{TIMES} | **{spread['median']:.2f}{TIMES}** "
            f"({spread['min']:.2f}{DASH}{spread['max']:.2f}) |"
        )
    plain = next(r for c, r in rows.items() if "pipelined" not in c)["surge_per_s"]
    batch = next(r for c, r in rows.items() if "per batch" in c)
    each = next(r for c, r in rows.items() if "per operation" in c)
    lines += [
        "",
        f"Pipelining 16 gains surge {batch['surge_per_s'] / plain:.1f}{TIMES} queries/s with "
        f"one Sync per batch, and {each['surge_per_s'] / plain:.1f}{TIMES} with one Sync per "
        f"operation; a Sync per operation costs "
        f"{batch['surge_per_cpu_s'] / each['surge_per_cpu_s']:.1f}{TIMES} the client CPU per "
        "query of a Sync per batch.",
    ]
    return "\n".join(lines)


def pgbench_scripts(doc: dict) -> str:
    setup = doc["setup"]
    lines = [
        f"Measured on {doc['measured_on']}: {setup['rounds']} interleaved rounds of "
        f"{format_plain(setup['duration_s'])} s, scale {setup['scale']}, "
        f"{setup['connections']} connections, PostgreSQL on one core, whole-process CPU "
        "(`benchmarks/results/pgbench_scripts.json`):",
        "",
        "| case | pgbench tx/s | surge tx/s | transactions per CPU-s, surge / pgbench, median "
        "(spread) | syscalls per transaction, pgbench / surge | goal |",
        "|---|---|---|---|---|---|",
    ]
    for row in doc["rows"]:
        spread = row["ratio_per_cpu_s"]
        calls = row["syscalls_per_request"]
        syscalls = f"{sum(calls['pgbench'].values()):.1f} / {sum(calls['surge'].values()):.1f}"
        goal = row.get("goal")
        verdict = (
            "-" if goal is None
            else f"{goal:.2f}{TIMES}: " + ("met" if row["goal_met"] else "**missed**")
            + (", the spread crosses it" if row["spread_crosses_goal"] else "")
        )  # fmt: skip
        lines.append(
            f"| {row['case']} | {row['peer_per_s']:,.0f} | {row['surge_per_s']:,.0f} | "
            f"**{spread['median']:.2f}{TIMES}** ({spread['min']:.2f}{DASH}{spread['max']:.2f}) "
            f"| {syscalls} | {verdict} |"
        )
    return "\n".join(lines)


def redis_vs_redis_benchmark(doc: dict) -> str:
    setup = doc["setup"]
    lines = [
        f"Measured on {doc['measured_on']}: {setup['rounds']} interleaved rounds, "
        f"{setup['connections']} connections, one thread, whole-process CPU "
        "(`benchmarks/results/redis_vs_redis_benchmark.json`):",
        "",
        "| case | redis-benchmark ops per CPU-s | surge ops per CPU-s | surge / redis-benchmark, "
        "median (spread) | syscalls per op, redis-benchmark / surge |",
        "|---|---|---|---|---|",
    ]
    for row in doc["rows"]:
        lines.append(_ops_row(row, row["case"].removeprefix("Redis SET/GET, random keys, ")))
    return "\n".join(lines)


def _ops_row(row: dict, case: str) -> str:
    spread = row["ratio_per_cpu_s"]
    calls = list(row["syscalls_per_request"].values())
    syscalls = " / ".join(f"{sum(c.values()):.2f}" for c in calls)
    return (
        f"| {case} | {row['peer_per_cpu_s']:,.0f} | {row['surge_per_cpu_s']:,.0f} | "
        f"**{spread['median']:.2f}{TIMES}** ({spread['min']:.2f}{DASH}{spread['max']:.2f}) "
        f"| {syscalls} |"
    )


def redis_cluster(doc: dict) -> str:
    setup = doc["setup"]
    lines = [
        f"Measured on {doc['measured_on']}: {setup['rounds']} interleaved rounds, a cluster of "
        f"{setup['primaries']} primaries on one core, {setup['connections']} connections, one "
        "thread, whole-process CPU (`benchmarks/results/redis_cluster.json`):",
        "",
        "| case | the other's ops per CPU-s | surge --cluster ops per CPU-s | surge / the other, "
        "median (spread) | syscalls per op, the other / surge --cluster |",
        "|---|---|---|---|---|",
    ]
    for row in doc["rows"]:
        case = row["case"].removeprefix("Redis Cluster (3 primaries) SET/GET, random keys, ")
        lines.append(_ops_row(row, case.replace("50 connections, ", "")))
    return "\n".join(lines)


def coordinated_omission(doc: dict) -> str:
    setup = doc["setup"]
    lines = [
        f"Measured on {doc['measured_on']}: {format_plain(setup['duration_s'])} s, "
        f"{doc['requests']:,} requests (`benchmarks/results/coordinated_omission.json`):",
        "",
        "| percentile | truth (computed) | surge response time | surge service time "
        "(uncorrected) |",
        "|---|---|---|---|",
    ]
    for name, row in doc["rows"].items():
        cells = [f"{format_plain(round(row[k], 2 if row[k] < 10 else 1))} ms"
                 for k in ("truth_ms", "response_ms", "service_ms")]  # fmt: skip
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    p99 = doc["rows"]["p99"]["service_ms"]
    lines += [
        "",
        f'The service time says "p99 = {format_plain(round(p99, 1))} ms" about a server that '
        f"kept every fifth request waiting for up to {format_plain(setup['freeze_s'] * 1e3)} ms.",
    ]
    return "\n".join(lines)


def _calls(counts: dict[str, float], top: int = 4) -> str:
    return ", ".join(f"{format_plain(round(n, 2))} `{name}`" for name, n in
                     list(counts.items())[:top])  # fmt: skip


def _row_of(doc: dict, io: str, index: int = 0) -> dict:
    """The `index`-th case of a side-by-side result on transport `io` (older results, from
    before both transports were measured, have rows without `io`: surge on epoll)."""
    rows = [r for r in doc["rows"] if r.get("io", "epoll") == io]
    return rows[index]


def performance_syscalls(docs: dict[str, dict]) -> str:
    http = _row_of(docs["http_vs_wrk"], "epoll")
    uring = _row_of(docs["http_vs_wrk"], "uring")
    pg = docs["pg_vs_pgbench"]["rows"][0]
    probe = docs["io_uring_probe"]["rows"][0]
    surge_http = http["syscalls_per_request"]["surge"]
    probe_calls = next(v for k, v in probe["syscalls_per_request"].items() if k != "wrk")
    return "\n".join([
        "Syscalls per request, from the benchmarks' `strace -c -f` columns (kept results):",
        "",
        f"- {http['case']} (`benchmarks/results/http_vs_wrk.json`): surge "
        f"{_calls(surge_http)}; wrk {_calls(http['syscalls_per_request']['wrk'])}.",
        f"- {uring['case']}: surge {_calls(uring['syscalls_per_request']['surge'])}.",
        f"- {pg['case']} (`benchmarks/results/pg_vs_pgbench.json`): surge "
        f"{_calls(pg['syscalls_per_request']['surge'])}; pgbench "
        f"{_calls(pg['syscalls_per_request']['pgbench'])}.",
        f"- {probe['case']} (`benchmarks/results/io_uring_probe.json`): "
        f"{_calls(probe_calls)}, against surge's "
        f"{format_plain(round(sum(surge_http.values()), 2))} in all over epoll.",
    ])  # fmt: skip


def transports(docs: dict[str, dict]) -> str:
    """surge on each transport against the same peer, in the same rounds."""
    lines = [
        "Side by side with each peer, in the same interleaved rounds (kept results; the spread's "
        "low end is the lowest round):",
        "",
        "| case | peer | surge / peer per CPU-s, io_uring | epoll | syscalls per request, "
        "io_uring | epoll |",
        "|---|---|---|---|---|---|",
    ]
    for stem, doc in docs.items():
        uring_rows = [r for r in doc["rows"] if r.get("io") == "uring"]
        epoll_rows = [r for r in doc["rows"] if r.get("io") == "epoll"]
        for uring, epoll in zip(uring_rows, epoll_rows, strict=True):
            case = uring["case"].removesuffix(", io_uring")
            calls = [sum(r["syscalls_per_request"]["surge"].values()) for r in (uring, epoll)]
            lines.append(
                f"| {case} (`{stem}.json`) | {uring['peer']} | "
                f"{_spread(uring['ratio_per_cpu_s'])}{TIMES} | "
                f"{_spread(epoll['ratio_per_cpu_s'])}{TIMES} | "
                f"{format_plain(round(calls[0], 2))} | {format_plain(round(calls[1], 2))} |"
            )
    return "\n".join(lines)


def uring_shapes(doc: dict) -> str:
    lines = [
        f"Measured in {doc['setup']['rounds']} interleaved rounds of "
        f"{format_plain(doc['setup']['duration_s'])} s (`benchmarks/results/uring_shapes.json`):",
        "",
        "| case | as shipped / Asio polled every turn, per CPU-s | syscalls per request, as "
        "shipped | polled every turn |",
        "|---|---|---|---|",
    ]
    for row in doc["rows"]:
        calls = row["syscalls_per_request"]
        case = row["case"].split(":")[0]
        lines.append(
            f"| {case} | {_spread(row['ratio_per_cpu_s'])}{TIMES} | {_calls(calls['surge'])} | "
            f"{_calls(calls['Asio polled every turn'])} |"
        )
    return "\n".join(lines)


# Blocks made from several results: their names, and the results each reads.
SOURCES = {
    "performance_syscalls": ("http_vs_wrk", "pg_vs_pgbench", "io_uring_probe"),
    "transports": ("http_vs_wrk", "http2_vs_h2load", "redis_vs_redis_benchmark"),
}

RENDERERS: dict[str, Callable[[dict], str]] = {
    "performance_syscalls": performance_syscalls,
    "transports": transports,
    "uring_shapes": uring_shapes,
    "coordinated_omission": coordinated_omission,
    "pg_vs_pgbench": pg_vs_pgbench,
    "pgbench_scripts": pgbench_scripts,
    "redis_vs_redis_benchmark": redis_vs_redis_benchmark,
    "redis_cluster": redis_cluster,
    "monitor_cost": monitor_cost,
    "web_cost": web_cost,
    "builds_side_by_side": builds_side_by_side,
    "warm_start": warm_start,
    "memory_under_faults": memory_under_faults,
    "distributed_merge_cost": distributed_merge_cost,
    "startup": startup,
}


def rewrite(text: str, problems: list[str], where: str) -> tuple[str, set[str]]:
    """The text with every block rendered afresh, and the names it used."""
    used: set[str] = set()

    def render(match: re.Match) -> str:
        name = match["name"]
        used.add(name)
        if name not in RENDERERS:
            problems.append(f"{where}: no renderer for figures {name!r}")
            return match.group(0)
        paths = [RESULTS / f"{stem}.json" for stem in SOURCES.get(name, (name,))]
        missing = [str(p.relative_to(ROOT)) for p in paths if not p.exists()]
        if missing:
            problems.append(f"{where}: figures {name!r} need {', '.join(missing)}")
            return match.group(0)
        loaded = {p.stem: json.loads(p.read_text()) for p in paths}
        body = RENDERERS[name](loaded if name in SOURCES else loaded[name])
        return f"{match.group(1)}{body}\n{match.group(4)}"

    return BLOCK.sub(render, text), used


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")
    args = parser.parse_args()
    problems: list[str] = []
    used: set[str] = set()
    for doc in DOCS:
        text = doc.read_text()
        updated, names = rewrite(text, problems, str(doc.relative_to(ROOT)))
        used |= names
        if updated == text:
            continue
        if args.check:
            problems.append(
                f"{doc.relative_to(ROOT)}: its figures differ from benchmarks/results/: run "
                "python scripts/doc_figures.py"
            )
        else:
            doc.write_text(updated)
    problems += [f"figures {name!r} are rendered nowhere" for name in set(RENDERERS) - used]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
