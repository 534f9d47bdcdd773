"""Plain-text views of a result: the end-of-run table and one progress line per interval."""

from __future__ import annotations

from typing import Any

from surge.monitor.sampling import describe as describe_monitors
from surge.results.result import Result
from surge.text_table import text_table
from surge.units import format_ms, format_number, format_plain

# Past this, the open model's pacer itself sent arrivals late. Its timer wakes within tens of
# microseconds on an idle machine, and within a millisecond or two on a busy one; the same
# default as surge capacity's generator_lag.
PACER_BEHIND_MS = 5.0
# At this share of the run or more, surge's busiest engine thread ran or waited for a core all
# the time (results' generator.busy_share): it had no idle moment, so what it measured holds
# its own queue. Its pacer may still wake on time, a scheduler slice late at most.
GENERATOR_BUSY = 0.9


def summary_table(result: Result) -> str:
    header = (
        "operation",
        "count",
        "rps",
        "errors",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "svc p99",
        "lag p99",
    )
    rows = []
    items: list[tuple[str, dict[str, Any]]] = list(result.operations.items())
    if len(items) > 1:
        items.append(("total", result.total))
    # Cache reads (Redis GET, HTTP with miss_status) get a hit-rate column; other runs do not.
    hits = any(stats.get("hit_rate") is not None for _, stats in items)
    if hits:
        header = (*header, "hit rate")
    for name, stats in items:
        p = stats["latency"]["percentiles"]
        hit_rate = stats.get("hit_rate")
        rows.append(
            (
                name,
                f"{stats['count']:,}",
                f"{stats['rate_per_s']:,.0f}",
                f"{stats['error_count']:,}",
                format_ms(p["50"]),
                format_ms(p["90"]),
                format_ms(p["99"]),
                format_ms(p["99.9"]),
                format_ms(stats["latency"]["max"]),
                format_ms(stats["service_time"]["percentiles"]["99"]),
                format_ms(stats["schedule_lag"]["percentiles"]["99"]),
                *([format_number(hit_rate, "%") if hit_rate is not None else "-"] if hits else []),
            )
        )
    table = text_table(header, rows)
    shape = describe_load(result["load"])
    head = (
        f"{result['scenario']['name']}: {shape}, {result['duration_s']:.2f}s measured"
        f"{' (interrupted)' if result.interrupted else ''}; latency in ms, from the intended start"
    )
    notes, schedule, connections = [], [], []
    for name, stats in items:
        for error_class, n in stats["errors"].items():
            examples = stats["error_examples"].get(error_class, [])
            notes.append(
                f"  {name}: {error_class} x{n}" + (f" (e.g. {examples[0]})" if examples else "")
            )
        if stats.get("unfinished"):
            schedule.append(
                f"  {name}: {stats['unfinished']} unfinished (still out when the drain ended; "
                "they count against error_rate)"
            )
        if stats.get("redirects"):
            connections.append(
                f"  {name}: {stats['redirects']} redirect(s) followed (MOVED/ASK: the cluster's "
                "slots moved; not errors)"
            )
        if stats.get("retries") or stats.get("reconnects"):
            connections.append(
                f"  {name}: {stats.get('retries', 0)} request(s) sent again, "
                f"{stats.get('reconnects', 0)} reconnect(s)"
            )
        if stats.get("dropped"):
            schedule.append(
                f"  {name}: {stats['dropped']} dropped (scheduled, never sent: the backlog was "
                "full or the generator fell behind; more connections or threads may help)"
            )
        if stats.get("late_starts"):
            schedule.append(
                f"  {name}: {stats['late_starts']} late start(s) "
                f"(sent > {result['load'].get('late_after_ms', 1):g} ms after the intended start)"
            )
    if result["unfinished"]:
        notes.append(f"  {result['unfinished']} request(s) still in flight or queued at the end")
    pacer = (result.get("generator") or {}).get("pacer_lag", {}).get("percentiles", {}).get("99")
    if pacer is not None and pacer > PACER_BEHIND_MS:
        schedule.append(
            f"  surge fell behind its own schedule: pacer lag p99 {format_number(pacer, 'ms')} "
            "(the generator, not the target; more threads (-t) or machines may help)"
        )
    busy = (result.get("generator") or {}).get("busy_share")
    if busy is not None and busy >= GENERATOR_BUSY:
        schedule.append(
            f"  surge had no idle moment: its busiest thread ran or waited for a core "
            f"{busy:.0%} of the run, so its latencies hold its own queue (the generator, not "
            "the target; give it a core of its own, more threads (-t) or machines)"
        )
    connections[:0] = describe_connections(result.get("connections"), result["load"].get("io"))
    monitored = describe_monitors(result.get("monitors"))
    workers = describe_workers(result.get("workers"))
    journeys = describe_journeys(result.operations)
    nodes = describe_nodes(result.get("nodes"))
    statements = describe_statements(result.get("statements"))
    return "\n".join(
        [
            head,
            table,
            *(["journeys:", *journeys] if journeys else []),
            *(["errors:", *notes] if notes else []),
            *(["schedule:", *schedule] if schedule else []),
            *(["connections:", *connections] if connections else []),
            *(["monitors:", *monitored] if monitored else []),
            *(["workers:", *workers] if workers else []),
            *(["cluster nodes:", *nodes] if nodes else []),
            *(["statements:", *statements] if statements else []),
        ]
    )


def describe_statements(statements: list[dict[str, Any]] | None) -> list[str]:
    """pgbench's -r view: each timed statement of each script, its mean and tail."""
    if not statements:
        return []
    table = text_table(
        ("operation", "statement", "count", "mean", "p50", "p99"),
        [
            (
                s["operation"],
                f"{s['index'] + 1}: " + " ".join(s["sql"].split())[:56],
                f"{s['count']:,}",
                format_ms(s["latency"]["mean"]),
                format_ms(s["latency"]["percentiles"]["50"]),
                format_ms(s["latency"]["percentiles"]["99"]),
            )
            for s in statements
        ],
        left=2,
    )
    return ["  " + line for line in table.splitlines()]


def describe_nodes(nodes: list[dict[str, Any]] | None) -> list[str]:
    """A Redis Cluster run's table of what each node answered (nodes that answered nothing,
    such as replicas when reads go to primaries, are left out)."""
    answered = [n for n in nodes or [] if n["requests"]]
    if not answered:
        return []
    table = text_table(
        ("node", "role", "requests", "errors", "redirects", "svc p50", "svc p99"),
        [
            (
                n["node"],
                n["role"],
                f"{n['requests']:,}",
                f"{n['errors']:,}",
                f"{n['redirects']:,}",
                format_ms(n["service_time"]["percentiles"]["50"]),
                format_ms(n["service_time"]["percentiles"]["99"]),
            )
            for n in answered
        ],
        left=2,
    )
    return ["  " + line for line in table.splitlines()]


def describe_journeys(operations: dict[str, dict[str, Any]]) -> list[str]:
    """Each journey: started, completed, aborted (by which step), and those that could not
    start (their unique feeder ran out)."""
    lines = []
    for name, op in operations.items():
        if op.get("kind") != "journey":
            continue
        line = (
            f"  {name}: {op['started']:,} started, {op['completed']:,} completed, "
            f"{op['aborted']:,} aborted"
        )
        by_step = op.get("aborted_by_step") or {}
        if by_step:
            line += " (" + ", ".join(f"{n:,} at {step}" for step, n in by_step.items()) + ")"
        if op.get("not_started"):
            line += f"; {op['not_started']:,} not started: the feeder's rows were all used"
        lines.append(line)
    return lines


def describe_workers(workers: list[dict[str, Any]] | None) -> list[str]:
    """A distributed run's workers: one line each, with what went wrong with them."""
    lines = []
    for w in workers or []:
        if "lost" in w:
            lines.append(f"  {w['address']}: LOST at {w['lost']['at_s']:g}s ({w['lost']['why']})")
            continue
        lag = w.get("schedule_lag_p99_ms")
        lines.append(
            f"  {w['address']}: {w['count']:,} requests, {w['errors']:,} errors, "
            f"{w['rate_per_s']:,.0f}/s, lag p99 {format_number(lag, 'ms') if lag else '-'}, "
            f"clock {w['clock']['offset_ms']:+.1f} ms"
        )
        lines.extend(f"    {warning}" for warning in w.get("warnings", []))
    return lines


_PROTOCOLS = {
    "h2": "HTTP/2 (h2, by ALPN)",
    "h2c": "HTTP/2 in cleartext (h2c)",
    "http/1.1": "HTTP/1.1",
}
_TRANSPORTS = {"uring": "io_uring", "epoll": "epoll"}


def describe_connections(made: dict[str, Any] | None, io: str | None = None) -> list[str]:
    """The summary's lines on how the connections were opened (older files have none)."""
    if not made or (not made.get("opened") and not made.get("failed")):
        return []
    connect = made["connect_time"]["percentiles"]
    line = f"  {made['opened']:,} opened, connect p50 {format_number(connect['50'], 'ms')}"
    line += f", max {format_number(made['connect_time']['max'], 'ms')}"
    tls = "tls_full" in made
    if made.get("handshake_time"):
        what = "TLS handshake" if tls else "set-up"
        p50 = made["handshake_time"]["percentiles"]["50"]
        line += f"; {what} p50 {format_number(p50, 'ms')}"
    if tls:
        line += f" ({made['tls_full']:,} full, {made['tls_resumed']:,} resumed)"
    if made.get("protocol"):
        line += f"; {_PROTOCOLS.get(made['protocol'], made['protocol'])}"
    if io:
        line += f"; over {_TRANSPORTS.get(io, io)}"
    if made.get("failed"):
        line += f"; {made['failed']:,} attempt(s) failed"
    lines = [line]
    if made.get("warm"):
        lines.append(
            f"  warm start: the first request was scheduled "
            f"{format_number(1e3 * made['warm_up_s'], 'ms')} after the run began, once they were up"
        )
    else:
        lines.append("  cold start (--cold): the first requests' latency includes connecting")
    if made.get("not_ready_at_start"):
        lines.append(
            f"  {made['not_ready_at_start']:,} connection(s) still opening when the schedule "
            "started (after twice the connect timeout); requests waited for them"
        )
    return lines


def describe_load(load: dict[str, Any]) -> str:
    """One phrase for the load model of a results document."""
    shape = load.get("shape")
    think = load.get("think", {}).get("kind", "none")
    with_think = "" if think == "none" else f", think {think}"
    if shape == "constant":
        poisson = " (poisson)" if load.get("arrivals") == "poisson" else ""
        return f"open model, {format_plain(load['rate_per_s'])} req/s{poisson}"
    if shape == "ramping":
        targets = " -> ".join(format_plain(s["target"]) for s in load["stages"])
        return (
            f"open model, rate stages {format_plain(load['start_rate_per_s'])} -> {targets} req/s"
        )
    if shape == "users":
        rate = load.get("spawn_rate_per_s")
        spawn = f" spawned at {format_plain(rate)}/s" if rate else ""
        return f"closed model, {load['users']} users{spawn}{with_think}"
    if shape == "ramping_users":
        targets = " -> ".join(format_plain(s["target"]) for s in load["stages"])
        return f"closed model, user stages {load['start_users']} -> {targets}{with_think}"
    if shape == "iterations":
        return f"closed model, {load['iterations']} iterations by {load['users']} users{with_think}"
    return f"{load.get('model', '?')} model"
