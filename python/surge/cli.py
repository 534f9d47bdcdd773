"""The `surge` command: demo, run, serve and http.

Bad input gets one line that names the flag and what is expected, and exit status 2.
Ctrl-C during a run keeps what was measured: the summary and JSON are still written (exit 130).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from . import http as http_ops
from .errors import ConfigError
from .load_models import (
    Connections,
    ConstantRate,
    LoadModel,
    RampingRate,
    RampingUsers,
    Users,
)
from .loader import load_scenarios, pick
from .result import Result
from .runner import run
from .scenario import Scenario
from .summary import progress_line, summary_table
from .target import Target
from .think import NO_THINK, parse_think
from .units import parse_duration
from .urls import parse_http_url

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _duration_arg(flag: str):
    def parse(value: str) -> float:
        try:
            seconds = parse_duration(value, flag)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[1]) from None
        return seconds or 0.0

    return parse


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value!r}")
    return n


def _positive_float(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
    if not x > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {value!r}")
    return x


def _ratio(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a ratio between 0 and 1, got {value!r}"
        ) from None
    if not 0 <= x <= 1:
        raise argparse.ArgumentTypeError(f"expected a ratio between 0 and 1, got {value!r}")
    return x


def _key_value(separator: str, what: str):
    def parse(value: str) -> tuple[str, str]:
        if separator not in value:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value!r}")
        key, rest = value.split(separator, 1)
        if not key.strip():
            raise argparse.ArgumentTypeError(f"expected {what}, got {value!r}")
        return key.strip(), rest.strip()

    return parse


def _stages_arg(flag: str):
    def parse(value: str) -> list[tuple[str, float]]:
        stages = []
        for part in value.split(","):
            duration, sep, target = part.strip().partition(":")
            try:
                if not sep or not duration:
                    raise ValueError
                stages.append((duration, float(target)))
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"expected DURATION:TARGET pairs such as 30s:100,1m:2000, got {value!r}"
                ) from None
        return stages

    return parse


def _add_load_flags(p: argparse.ArgumentParser, *, connections_default: int | None) -> None:
    g = p.add_argument_group("load model (open: -R/--stages; closed: -c/-u/--user-stages)")
    g.add_argument(
        "-c",
        "--connections",
        type=_positive_int,
        default=connections_default,
        help="closed model: connections, one request each; open model: the initial pool",
    )
    g.add_argument("-R", "--rate", type=_positive_float, help="requests/s: runs the open model")
    g.add_argument(
        "--stages",
        type=_stages_arg("--stages"),
        metavar="30s:100,1m:2000",
        help="open model with ramping rate stages (starts from -R, or 0)",
    )
    g.add_argument("--poisson", action="store_true", help="open model: Poisson arrivals")
    g.add_argument("--max-connections", type=_positive_int, help="open model: pool ceiling")
    g.add_argument("--max-backlog", type=int, help="open model: queued requests before drops")
    g.add_argument("-u", "--users", type=_positive_int, help="closed model: users")
    g.add_argument("--spawn-rate", type=_positive_float, help="users started per second")
    g.add_argument(
        "--user-stages",
        type=_stages_arg("--user-stages"),
        metavar="30s:10,1m:50",
        help="closed model with ramping user stages",
    )
    g.add_argument(
        "--think", metavar="2s|1s-3s|exp:2s|pacing:1s|throughput:5", help="user think time"
    )
    g.add_argument("--iterations", type=_positive_int, help="closed model: requests per user")


def _load_from_flags(args: argparse.Namespace) -> LoadModel | None:
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
        return RampingRate(args.stages, start_rate=args.rate or 0.0, poisson=args.poisson, **pool)
    if args.rate:
        return ConstantRate(args.rate, poisson=args.poisson, **pool)
    think = parse_think(args.think) if args.think else NO_THINK
    limit = {"max_connections": args.max_connections} if args.max_connections else {}
    if args.user_stages:
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


def _add_output_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", metavar="PATH", help="write the results JSON here")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-interval progress lines")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="surge", description="A load and latency engine.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="start the embedded target and run a short mixed scenario")
    demo.add_argument("-d", "--duration", type=_duration_arg("--duration"), default=8.0)
    demo.add_argument(
        "-R", "--rate", type=_positive_float, default=2000.0, help="requests/s (open model)"
    )
    demo.add_argument("--results-dir", default="surge-results")
    _add_output_flags(demo)

    run_p = sub.add_parser("run", help="run a scenario module")
    run_p.add_argument("file")
    run_p.add_argument("-s", "--scenario", help="which scenario of the file")
    run_p.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        type=_key_value("=", "key=value"),
        metavar="KEY=VALUE",
        help="override a scenario parameter",
    )
    run_p.add_argument("-d", "--duration", type=_duration_arg("--duration"))
    _add_load_flags(run_p, connections_default=None)
    _add_output_flags(run_p)

    serve = sub.add_parser("serve", help="run the embedded demo target in the foreground")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--threads", type=_positive_int, default=1)
    serve.add_argument(
        "--latency",
        metavar="fixed:MS|uniform:A-B|lognormal:MEDIAN,SIGMA",
        help="added latency per response",
    )
    serve.add_argument("--stall", metavar="LENGTH/EVERY", help="freeze responses, e.g. 200ms/5s")
    serve.add_argument("--error-ratio", type=_ratio, default=0.0)
    serve.add_argument("--drop-ratio", type=_ratio, default=0.0)

    h = sub.add_parser("http", help="load one URL, wrk-style (open model with -R)")
    h.add_argument("url")
    h.add_argument("-t", "--threads", type=_positive_int, default=1)
    h.add_argument("-d", "--duration", type=_duration_arg("--duration"))
    h.add_argument("-n", "--requests", type=_positive_int)
    _add_load_flags(h, connections_default=None)
    h.add_argument("-m", "--method", default="GET")
    h.add_argument(
        "-H", "--header", action="append", default=[], type=_key_value(":", "'Name: value'")
    )
    h.add_argument("--body", default="")
    h.add_argument("--var", action="append", default=[], type=_key_value("=", "name=GENERATOR"))
    h.add_argument("--timeout", type=_duration_arg("--timeout"), default=30.0)
    h.add_argument("--connect-timeout", type=_duration_arg("--connect-timeout"), default=5.0)
    h.add_argument("--warmup", type=_duration_arg("--warmup"), default=0.0)
    h.add_argument("--expect-status", type=int, action="append", default=[])
    h.add_argument("--expect-body", default="")
    _add_output_flags(h)
    return parser


def _progress(quiet: bool):
    if quiet:
        return None

    def show(report: Any) -> None:
        print(progress_line(report), file=sys.stderr, flush=True)

    return show


def _finish(result: Result, json_path: str | None, default_dir: str | None = None) -> int:
    print(summary_table(result))
    path = json_path
    if path is None and default_dir is not None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = str(Path(default_dir) / f"{result['scenario']['name']}-{stamp}.json")
    if path:
        written = result.save(path)
        print(f"results: {written}")
    return EXIT_INTERRUPTED if result.interrupted else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    with Target() as target:
        scenario = Scenario(
            name="demo",
            base_url=target.url,
            operations=[
                http_ops.get("health", "/api/v1/health", weight=4),
                http_ops.get("model_info", "/api/v1/model/info", weight=2),
                http_ops.post(
                    "classify",
                    "/api/v1/classify",
                    body="{image}",
                    variables={"image": "bytes(4096)"},
                    headers={"Content-Type": "image/png"},
                    weight=2,
                ),
                http_ops.put(
                    "cache_put",
                    "/cache/item-{key}?ttl=60",
                    body="{value}",
                    variables={"key": "uniform(1,1000)", "value": "bytes(64)"},
                    weight=1,
                ),
                http_ops.get(
                    "cache_get",
                    "/cache/item-{key}",
                    variables={"key": "uniform(1,1000)"},
                    expect_status=(200, 404),
                    weight=3,
                ),
            ],
            load=ConstantRate(args.rate, connections=32),
            duration=args.duration,
            warmup="1s",
        )
        print(
            f"surge demo: target {target.url}, {args.rate:g} req/s for {args.duration:g}s "
            "(1s warm-up)",
            file=sys.stderr,
        )
        result = run(scenario, progress=_progress(args.quiet))
    return _finish(result, args.json, args.results_dir)


def _cmd_run(args: argparse.Namespace) -> int:
    scenarios = load_scenarios(args.file)
    scenario = pick(scenarios, args.scenario, dict(args.settings))
    changes: dict[str, Any] = {}
    load = _load_from_flags(args)
    if load is not None:
        changes["load"] = load
        if load.duration_s is not None:  # stages set the timeline
            changes["duration"] = None
    if args.duration is not None:
        changes["duration"] = args.duration
    if changes:
        scenario = scenario.replace(**changes)
    result = run(scenario, progress=_progress(args.quiet))
    return _finish(result, args.json)


def _parse_latency(text: str) -> tuple[str, float, float]:
    kind, _, values = text.partition(":")
    try:
        if kind == "fixed":
            return kind, float(values.removesuffix("ms")), 0.0
        if kind == "uniform":
            a, b = values.removesuffix("ms").split("-")
            return kind, float(a), float(b)
        if kind == "lognormal":
            median, sigma = values.split(",")
            return kind, float(median.removesuffix("ms")), float(sigma)
    except ValueError:
        pass
    raise ConfigError(
        f"--latency: expected fixed:5ms, uniform:1-10 or lognormal:5,0.5, got {text!r}"
    )


def _cmd_serve(args: argparse.Namespace) -> int:
    target = Target(args.host, args.port, args.threads)
    if args.latency:
        kind, a, b = _parse_latency(args.latency)
        target.start().set_latency(kind, a, b)
    else:
        target.start()
    if args.stall:
        length, _, every = args.stall.partition("/")
        if not every:
            raise ConfigError(
                f"--stall: expected LENGTH/EVERY such as 200ms/5s, got {args.stall!r}"
            )
        target.set_stall(every, length)
    target.set_error_ratio(args.error_ratio)
    target.set_drop_ratio(args.drop_ratio)
    print(f"surge target listening on {target.url} (Ctrl-C to stop)", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        target.stop()
    return 0


def _cmd_http(args: argparse.Namespace) -> int:
    parse_http_url(args.url)  # a bad URL fails here with its own message
    parts = urlsplit(args.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    operation = http_ops.request(
        "request",
        args.method,
        path,
        headers=dict(args.header),
        body=args.body,
        variables=dict(args.var),
        expect_status=args.expect_status,
        expect_body=args.expect_body,
    )
    base = f"{parts.scheme}://{parts.netloc}"
    load = _load_from_flags(args) or Connections(10)
    scenario = Scenario(
        name="http",
        base_url=base,
        operations=[operation],
        load=load,
        duration=args.duration,
        warmup=args.warmup or None,
        requests=args.requests,
        threads=args.threads,
        timeout=args.timeout,
        connect_timeout=args.connect_timeout,
        params={"url": args.url},
    )
    result = run(scenario, progress=_progress(args.quiet))
    return _finish(result, args.json)


COMMANDS = {"demo": _cmd_demo, "run": _cmd_run, "serve": _cmd_serve, "http": _cmd_http}


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        print(f"surge {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of the run.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
