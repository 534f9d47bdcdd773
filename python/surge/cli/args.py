"""Argument types and the load-model flags shared by the surge commands.

Bad values become one argparse line that names the flag; the parser exits with status 2.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from surge.checks import MAX_BACKLOG, MAX_CONNECTIONS, MAX_THREADS
from surge.errors import ConfigError
from surge.flags import (
    count_arg,
    flag_errors,
    key_value,
    positive_float,
    whole_arg,
)
from surge.flags import (
    number as _number,
)
from surge.model.load_models import (
    MAX_RATE,
    ConstantRate,
    LoadModel,
    RampingRate,
    RampingUsers,
    Users,
)
from surge.model.plan import MAX_PIPELINE, MAX_STREAMS, PIPELINE_SYNC
from surge.model.scenario import NETWORK_PROFILES
from surge.model.think import NO_THINK, parse_think
from surge.protocols.protocol import Protocol
from surge.results.slo import parse as parse_slo
from surge.units import parse_duration

# Exit statuses of every command: 0 a clean run; 1 surge's own failure during a run; 2 bad
# input, or a target that cannot be reached at all; 99 an SLO broke (--slo, --abort-on,
# report --slo) or compare --fail-on found a regression, k6's code for a failed threshold, so
# scripts written for it keep working; 130 interrupted (Ctrl-C, SIGTERM).
EXIT_USAGE = 2
EXIT_SLO_BROKEN = 99
EXIT_INTERRUPTED = 130


class _HelpWithDefaults(argparse.HelpFormatter):
    """Every option's help line ends with its default, when it has one worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        # A switch's default is only that it is off (--no-interval-histograms defaults to True,
        # the value of what it turns off).
        switch = isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction))
        unset = (
            switch or default is None or default is False or default in ("", [], argparse.SUPPRESS)
        )
        if unset or "default" in text or not text:
            return text
        return f"{text} (default: {default})"


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _HelpWithDefaults)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def duration_arg(flag: str, *, above_zero: bool = False):
    """A duration such as 30s; `above_zero` where 0 would mean nothing (a run, a timeout)."""

    def parse(value: str) -> float:
        try:
            seconds = parse_duration(value, flag)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[1]) from None
        if above_zero and not seconds:
            raise argparse.ArgumentTypeError(f"must be longer than 0, got {value!r}")
        return seconds or 0.0

    return parse


connections_arg = whole_arg(1, MAX_CONNECTIONS)
threads_arg = whole_arg(1, MAX_THREADS)


def port_number(value: str) -> int:
    try:
        return whole_arg(1, 65535)(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected a TCP port, 1..65535, got {value!r}") from None


def rate_arg(value: str) -> float:
    x = positive_float(value)
    if x > MAX_RATE:
        raise argparse.ArgumentTypeError(
            f"expected at most {MAX_RATE:,} requests/s (one every 10 ns), got {value!r}"
        )
    return x


def non_negative_float(value: str) -> float:
    x = _number(value)
    if not x >= 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value!r}")
    return x


def ratio_arg(value: str) -> float:
    try:
        x = _number(value)
    except argparse.ArgumentTypeError:
        x = math.nan
    if not 0 <= x <= 1:
        raise argparse.ArgumentTypeError(f"expected a ratio between 0 and 1, got {value!r}")
    return x


def output_file(value: str) -> str:
    """A file to write: checked before the run, so a typo does not cost the run's results."""
    if not value.strip():
        raise argparse.ArgumentTypeError("expected a file name, got ''")
    if Path(value).is_dir():
        raise argparse.ArgumentTypeError(f"{value} is a directory: give a file name in it")
    return value


def output_directory(value: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError("expected a directory, got ''")
    if Path(value).exists() and not Path(value).is_dir():
        raise argparse.ArgumentTypeError(f"{value} is a file, not a directory")
    return value


def stages_arg(flag: str):
    """DURATION:TARGET pairs; a user stage's target is a whole number of users."""
    users = flag == "--user-stages"
    example = "30s:10,1m:50 (whole users)" if users else "30s:100,1m:2000"

    def parse(value: str) -> list[tuple[str, float]]:
        stages: list[tuple[str, float]] = []
        for part in value.split(","):
            duration, sep, target = part.strip().partition(":")
            try:
                if not sep or not duration or not target.strip().isascii():
                    raise ValueError
                stages.append((duration, int(target) if users else float(target)))
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"expected DURATION:TARGET pairs such as {example}, got {value!r}"
                ) from None
        return stages

    return parse


def add_load_flags(p: argparse.ArgumentParser, *, connections_default: int | None) -> None:
    g = p.add_argument_group("load model (open: -R/--stages; closed: -c/-u/--user-stages)")
    g.add_argument(
        "-c",
        "--connections",
        type=connections_arg,
        default=connections_default,
        help="closed model: connections, one request each; open model: the initial pool",
    )
    g.add_argument("-R", "--rate", type=rate_arg, help="requests/s: runs the open model")
    g.add_argument(
        "--stages",
        type=stages_arg("--stages"),
        metavar="30s:100,1m:2000",
        help="open model with ramping rate stages (starts from -R, or 0)",
    )
    g.add_argument("--poisson", action="store_true", help="open model: Poisson arrivals")
    g.add_argument("--max-connections", type=connections_arg, help="open model: pool ceiling")
    g.add_argument(
        "--max-backlog",
        type=whole_arg(0, MAX_BACKLOG),
        help="open model: queued requests before drops",
    )
    g.add_argument("-u", "--users", type=connections_arg, help="closed model: users")
    g.add_argument("--spawn-rate", type=positive_float, help="users started per second")
    g.add_argument(
        "--user-stages",
        type=stages_arg("--user-stages"),
        metavar="30s:10,1m:50",
        help="closed model with ramping user stages",
    )
    g.add_argument(
        "--think", metavar="2s|1s-3s|exp:2s|pacing:1s|throughput:5", help="user think time"
    )
    g.add_argument("--iterations", type=count_arg, help="closed model: requests per user")


def load_from_flags(args: argparse.Namespace) -> LoadModel | None:
    """The load model the flags ask for; None when they name none."""
    open_flags = [f for f, v in (("-R", args.rate), ("--stages", args.stages)) if v]
    closed_flags = [
        f
        for f, v in (
            ("-u", args.users),
            ("--user-stages", args.user_stages),
            ("--think", args.think),
            ("--spawn-rate", args.spawn_rate),
            ("--iterations", args.iterations),
        )
        if v
    ]
    if open_flags and closed_flags:
        raise ConfigError(
            f"{open_flags[0]} (open model) and {closed_flags[0]} (closed model) cannot be "
            "combined: pick a rate or users"
        )
    if args.poisson and not open_flags:
        raise ConfigError("--poisson needs an open-model rate: add -R or --stages")
    pool = {}
    if args.connections is not None:
        pool["connections"] = args.connections
    if args.max_connections is not None:
        pool["max_connections"] = args.max_connections
    if args.max_backlog is not None:
        pool["max_backlog"] = args.max_backlog
    if args.stages:
        with flag_errors("--stages"):
            return RampingRate(
                args.stages, start_rate=args.rate or 0.0, poisson=args.poisson, **pool
            )
    if args.rate:
        return ConstantRate(args.rate, poisson=args.poisson, **pool)
    with flag_errors("--think"):
        think = parse_think(args.think) if args.think else NO_THINK
    limit = {"max_connections": args.max_connections} if args.max_connections else {}
    if args.user_stages:
        with flag_errors("--user-stages"):
            return RampingUsers(args.user_stages, think=think, **limit)
    if closed_flags or args.connections is not None:
        users = args.users or args.connections or 10
        return Users(
            users,
            think=think,
            spawn_rate=args.spawn_rate,
            iterations=args.iterations,
            **limit,
        )
    return None


def add_run_flags(p: argparse.ArgumentParser, requests: str, *, defaults: bool = True) -> None:
    """How long, how many, how many threads, and the timeouts: the same on every run command.
    `requests` says what -n counts for this command. Without `defaults` (surge run) an unset
    flag is None, and the scenario's own value stands."""
    p.add_argument(
        "-t",
        "--threads",
        type=threads_arg,
        default=1 if defaults else None,
        help="engine threads, each with its share of the connections",
    )
    p.add_argument(
        "-d",
        "--duration",
        type=duration_arg("--duration", above_zero=True),
        help="how long to measure, such as 30s or 2m (with neither -d nor -n: 10s)",
    )
    p.add_argument("-n", "--requests", type=count_arg, help=f"{requests} in all")
    p.add_argument(
        "--timeout",
        type=duration_arg("--timeout", above_zero=True),
        help="a request's timeout (default: 30s for HTTP, 10s for Redis and PostgreSQL)",
    )
    p.add_argument(
        "--connect-timeout",
        type=duration_arg("--connect-timeout", above_zero=True),
        help="default 5s",
    )
    p.add_argument(
        "--warmup",
        type=duration_arg("--warmup"),
        default=0.0 if defaults else None,
        help="load before the measured window that the results leave out",
    )
    p.add_argument(
        "--interval",
        type=duration_arg("--interval", above_zero=True),
        help="the length of each time-series row, live line and monitor sample (default 1s)",
    )
    p.add_argument(
        "--drain",
        type=duration_arg("--drain"),
        help="how long requests still out at the end may finish (default 2s); then unfinished",
    )
    p.add_argument(
        "--cold",
        action="store_true",
        default=None if not defaults else False,
        help="let the first requests open the connections, so their latency includes connecting "
        "(default: a warm start, connections opened and set up before the first request)",
    )
    p.add_argument(
        "--io",
        choices=("auto", "uring", "epoll"),
        default="auto" if defaults else None,
        help="the sockets' transport: auto takes io_uring where the kernel allows it and the "
        "protocol has it (HTTP and Redis; PostgreSQL's socket is libpq's), else epoll "
        "(default: auto)",
    )


def add_shared_run_flags(
    p: argparse.ArgumentParser,
    protocols: Iterable[Protocol],
    counts: str,
    *,
    defaults: bool = True,
    templates: bool = True,
) -> None:
    """The flags every run command takes alike, in one place: how long and how many, the
    timeouts and warm-up, the load model, pipelining where the protocols take it (their
    `settings` in the registry say so), template variables, the emulated network, thresholds
    and outputs. `counts` says what -n counts ("requests", "commands"). Without `defaults`
    (surge run) an unset flag is None, and the scenario's own value stands."""
    add_run_flags(p, counts, defaults=defaults)
    settings = {name for protocol in protocols for name in protocol.settings}
    if "pipeline" in settings:
        p.add_argument(
            "-P",
            "--pipeline",
            type=whole_arg(1, MAX_PIPELINE),
            default=1 if defaults else None,
            help=f"{counts} in flight per connection",
        )
    if "pipeline_sync" in settings:
        p.add_argument(
            "--sync",
            choices=PIPELINE_SYNC,
            default="operation" if defaults else None,
            help="PostgreSQL with -P: a Sync per operation (its own transaction), or per batch "
            "of replies (pgbench's \\startpipeline style: one transaction, an error fails the "
            "batch)",
        )
    if "http_version" in settings:
        p.add_argument(
            "--http",
            choices=("1.1", "2"),
            default=None,
            help="HTTP/1.1 or HTTP/2 (h2 by ALPN on https://, h2c with prior knowledge on "
            "http://); default: the server's choice by ALPN on https://, 1.1 on http://",
        )
    if "max_streams" in settings:
        p.add_argument(
            "--max-streams",
            type=whole_arg(1, MAX_STREAMS),
            default=1 if defaults else None,
            help="HTTP/2: requests in flight per connection, as streams (h2load's -m)",
        )
    add_load_flags(p, connections_default=None)
    if templates:
        add_template_flags(p)
    add_network_flags(p)
    add_monitor_flags(p)
    add_output_flags(p)


def add_template_flags(p: argparse.ArgumentParser) -> None:
    """Variables for the command's templates, the same on every run command."""
    p.add_argument(
        "--var",
        action="append",
        default=[],
        type=key_value("=", "name=GENERATOR"),
        metavar="NAME=GENERATOR",
        help="a variable drawn once per request, used as {NAME} in the templates "
        "(e.g. --var id=uniform(1,1000))",
    )


def add_network_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("network emulation (client side; in response time, not service time)")
    g.add_argument(
        "--network-latency-ms", type=non_negative_float, help="fixed delay before each send"
    )
    g.add_argument(
        "--network-jitter-ms", type=non_negative_float, help="plus a uniform 0..J ms on top"
    )
    g.add_argument(
        "--network-profile",
        choices=sorted(NETWORK_PROFILES),
        help="ready-made latency and jitter; same-region = 1.5 ms + 0.5 ms jitter",
    )


def add_monitor_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        'target monitoring (sampled each interval; SLOs such as "target.cpu < 80%%")'
    )
    g.add_argument(
        "--monitor-pid",
        metavar="PID|NAME",
        help="a local process: CPU%%, RSS, threads, open fds (SLOs: target.*)",
    )
    g.add_argument("--monitor-redis", metavar="URL", help="a Redis server's INFO (SLOs: redis.*)")
    g.add_argument(
        "--monitor-postgres",
        metavar="URL",
        help="PostgreSQL's pg_stat_database and pg_stat_activity (SLOs: postgres.*)",
    )
    g.add_argument(
        "--monitor-prometheus",
        metavar="URL",
        help="a Prometheus endpoint, for the --metric names (SLOs: prometheus.NAME)",
    )
    g.add_argument(
        "--metric",
        action="append",
        default=[],
        metavar="NAME",
        help='a metric of --monitor-prometheus, or a selector such as requests_total{code="500"} '
        "(repeatable)",
    )


def monitors_from_flags(args: argparse.Namespace) -> list:
    """The monitors the flags ask for (surge.monitor); none when no flag is given."""
    from surge import monitor

    if args.metric and not args.monitor_prometheus:
        raise ConfigError("--metric: names metrics of --monitor-prometheus URL; give that too")
    made = []
    for flag, value, make in (
        ("--monitor-pid", args.monitor_pid, monitor.process),
        ("--monitor-redis", args.monitor_redis, monitor.redis),
        ("--monitor-postgres", args.monitor_postgres, monitor.postgres),
    ):
        if value is not None:
            with _monitor_flag(flag):
                made.append(make(value))
                if flag == "--monitor-pid":
                    made[-1].open()  # the process runs now: a wrong name fails on its flag
    if args.monitor_prometheus is not None:
        with _monitor_flag("--monitor-prometheus"):
            made.append(monitor.prometheus(args.monitor_prometheus, args.metric))
    return made


@contextmanager
def _monitor_flag(flag: str) -> Iterator[None]:
    """Names the flag in place of the Python API's "monitor redis:" prefix."""
    try:
        yield
    except ConfigError as exc:
        raise ConfigError(f"{flag}: {str(exc).split(': ', 1)[-1]}") from None


def network_from_flags(args: argparse.Namespace) -> dict[str, float | str]:
    """Scenario settings from the network flags; explicit -ms flags override the profile."""
    changes: dict[str, float | str] = {}
    if args.network_profile:
        changes["network_latency"], changes["network_jitter"] = NETWORK_PROFILES[
            args.network_profile
        ]
    if args.network_latency_ms is not None:
        changes["network_latency"] = args.network_latency_ms / 1e3
    if args.network_jitter_ms is not None:
        changes["network_jitter"] = args.network_jitter_ms / 1e3
    return changes


def run_settings_from_flags(args: argparse.Namespace) -> dict:
    """The Scenario settings every load command takes the same way: how long, how many, how
    many threads, the timeouts and the emulated network."""
    settings = {
        "duration": args.duration,
        "warmup": args.warmup or None,
        "requests": args.requests,
        "threads": args.threads,
        **network_from_flags(args),
        "interval_histograms": args.interval_histograms,
    }
    # Unset, the scenario's defaults apply (the timeout is the protocol's own).
    if args.timeout is not None:
        settings["timeout"] = args.timeout
    if args.connect_timeout is not None:
        settings["connect_timeout"] = args.connect_timeout
    if args.drain is not None:
        settings["drain"] = args.drain
    if args.interval is not None:
        settings["interval"] = args.interval
    if args.cold:
        settings["cold"] = True
    if args.io is not None:
        settings["io"] = args.io
    monitors = monitors_from_flags(args)
    if monitors:
        settings["monitors"] = monitors
    return settings


def slo_arg(value: str) -> str:
    try:
        parse_slo(value)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def add_slo_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(f"thresholds (a broken one exits {EXIT_SLO_BROKEN})")
    g.add_argument(
        "--slo",
        action="append",
        default=[],
        type=slo_arg,
        metavar="EXPR",
        help='judged on the whole run, e.g. "p99 < 50ms", "get.error_rate < 0.1%%" (repeatable)',
    )
    g.add_argument(
        "--abort-on",
        action="append",
        default=[],
        type=slo_arg,
        metavar="EXPR",
        help="judged on every interval: the run stops at the first one breaking it, e.g. "
        '"p99 < 500ms" (repeatable)',
    )
    g.add_argument(
        "--allow-all-failed",
        action="store_true",
        help=f"exit 0 when every request failed; without it such a run exits {EXIT_SLO_BROKEN}, "
        "with the reason in one line",
    )


def add_web_security_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--web-token",
        metavar="TOKEN",
        help="the token every web UI API request must carry in X-Surge-Token; needed for a "
        "bind other than loopback (one is made up and printed if not given)",
    )
    p.add_argument(
        "--web-read-only",
        action="store_true",
        help="the web UI watches only: no start, stop or load change",
    )


def add_output_flags(p: argparse.ArgumentParser) -> None:
    add_slo_flags(p)
    p.add_argument("--json", type=output_file, metavar="PATH", help="write the results JSON here")
    p.add_argument("--html", type=output_file, metavar="PATH", help="write the HTML report here")
    p.add_argument(
        "--no-interval-histograms",
        dest="interval_histograms",
        action="store_false",
        help="leave each interval's histogram out of the results: smaller files, but "
        "`surge export` (--csv and --hdr) needs them",
    )
    p.add_argument(
        "--prometheus-port",
        type=port_number,
        metavar="PORT",
        help="serve /metrics on 127.0.0.1:PORT while the run goes",
    )
    p.add_argument(
        "--web",
        metavar="[HOST:]PORT",
        help="serve the live web UI while the run goes (127.0.0.1 unless HOST is given): "
        "watch it, change its load, stop it",
    )
    add_web_security_flags(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no per-interval progress lines")
