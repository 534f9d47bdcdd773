"""The `surge` commands and their parser: demo, run, serve, one command per protocol of the
registry (http, redis, pg), report, export, compare and services. surge.cli is the entry
point that calls them; cli_args.py lists every exit status.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from surge._core import __version__
from surge.cli import capacity as cli_capacity
from surge.cli import compare as cli_compare
from surge.cli import export as cli_export
from surge.cli import report as cli_report
from surge.cli import services as cli_services
from surge.cli import ui as cli_ui
from surge.cli.args import (
    Parser,
    add_output_flags,
    add_shared_run_flags,
    duration_arg,
    flag_errors,
    key_value,
    load_from_flags,
    monitors_from_flags,
    network_from_flags,
    output_directory,
    output_file,
    port_number,
    rate_arg,
    ratio_arg,
    threads_arg,
    whole_arg,
)
from surge.cli.output import exit_status, judge, per_result, run_and_finish, watch, with_thresholds
from surge.cli.protocol_command import command_of, run_command
from surge.errors import ConfigError, RunError
from surge.files import write_text_atomic
from surge.model.load_models import ConstantRate
from surge.model.loader import load_scenarios, pick
from surge.model.scenario import Scenario
from surge.protocols import http as http_ops
from surge.protocols.registry import PROTOCOLS
from surge.reach import check as check_reach
from surge.results.suite import SuiteResult
from surge.results.summary import summary_table
from surge.running.suite import run_suite
from surge.target.admin import AdminServer, FaultKnobs
from surge.target.client import Target


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="surge", description="A load and latency engine.")
    parser.add_argument("--version", action="version", version=f"surge {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    demo = sub.add_parser("demo", help="start the embedded target and run a short mixed scenario")
    demo.add_argument(
        "-d",
        "--duration",
        type=duration_arg("--duration", above_zero=True),
        default=8.0,
        help="seconds to measure, after a 1 s warm-up",
    )
    demo.add_argument("-R", "--rate", type=rate_arg, default=2000.0, help="requests/s (open model)")
    demo.add_argument(
        "--results-dir",
        type=output_directory,
        default="surge-results",
        help="where the results JSON is written, under a stamped name",
    )
    add_output_flags(demo)

    run_p = sub.add_parser("run", help="run a scenario module")
    run_p.add_argument("file", help="a Python file with @surge.scenario functions")
    run_p.add_argument("-s", "--scenario", help="which scenario of the file")
    run_p.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        type=key_value("=", "key=value"),
        metavar="KEY=VALUE",
        help="override a scenario parameter",
    )
    add_shared_run_flags(
        run_p, PROTOCOLS, "requests or operations", defaults=False, templates=False
    )
    dist = run_p.add_argument_group("distributed (pip install 'surge[distributed]')")
    where = dist.add_mutually_exclusive_group()
    where.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run across the workers of this Dask scheduler, e.g. tcp://10.0.0.5:8786",
    )
    where.add_argument(
        "--local-workers",
        type=whole_arg(1, 256),
        metavar="N",
        help="run across a local Dask cluster of N worker processes",
    )
    dist.add_argument(
        "--workers", type=whole_arg(1, 10_000), metavar="N", help="with --dask: use N workers"
    )

    cli_ui.add_parser(sub)

    serve = sub.add_parser("serve", help="run the embedded demo target in the foreground")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    serve.add_argument("--port", type=port_number, default=8080, help="the TCP port to listen on")
    serve.add_argument("--threads", type=threads_arg, default=1, help="server threads")
    serve.add_argument(
        "--latency",
        metavar="fixed:MS|uniform:A-B|lognormal:MEDIAN,SIGMA",
        help="added latency per response",
    )
    serve.add_argument("--stall", metavar="LENGTH/EVERY", help="freeze responses, e.g. 200ms/5s")
    serve.add_argument(
        "--error-ratio", type=ratio_arg, default=0.0, help="share of responses that are a 500"
    )
    serve.add_argument(
        "--tls",
        action="store_true",
        help="serve https:// with a certificate made at start (localhost, 127.0.0.1, ::1)",
    )
    serve.add_argument(
        "--tls-cert",
        type=output_file,
        metavar="PATH",
        help="with --tls: write the certificate here, for clients to trust (--ca PATH); "
        "default: a temporary file, named at start",
    )
    serve.add_argument(
        "--admin-port",
        type=port_number,
        metavar="PORT",
        help="change the fault knobs while it runs: GET/PUT http://127.0.0.1:PORT/_surge/faults "
        'with JSON such as {"latency": "fixed:30ms", "stall": "200ms/5s", "error_ratio": 0.1}',
    )
    serve.add_argument(
        "--drop-ratio",
        type=ratio_arg,
        default=0.0,
        help="share of requests whose connection is reset without a response",
    )
    serve.add_argument(
        "--cpu-work",
        metavar="DURATION",
        help="CPU time each request costs a server thread, e.g. 200us: a target of known "
        "capacity (about threads / work requests/s)",
    )
    serve.add_argument(
        "--leak",
        metavar="SIZE",
        help="memory each request keeps alive, e.g. 8KiB: a leak of known rate for checking "
        "target monitoring (it stops by itself at 2 GiB)",
    )

    # One command per protocol of the registry: its own flags, then the ones all share.
    for protocol in PROTOCOLS:
        command = command_of(protocol)
        p = sub.add_parser(command.NAME, help=command.HELP)
        command.add_flags(p)
        add_shared_run_flags(p, [protocol], command.COUNTS)
    cli_capacity.add_parser(sub)
    cli_compare.add_parser(sub)
    cli_export.add_parser(sub)
    cli_report.add_parser(sub)
    cli_services.add_parser(sub)
    return parser


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
                    miss_status=404,  # a cache read: shows the hit rate climb as puts land
                    weight=3,
                ),
            ],
            load=ConstantRate(args.rate, connections=32),
            duration=args.duration,
            warmup="1s",
            interval_histograms=args.interval_histograms,
        )
        print(
            f"surge demo: target {target.url}, {args.rate:g} req/s for {args.duration:g}s "
            "(1s warm-up)",
            file=sys.stderr,
        )
        status = run_and_finish(args, scenario, args.results_dir)
    if status != 0:
        return status
    return _demo_https(args)


def _demo_https(args: argparse.Namespace) -> int:
    """The demo's second part: the target over https://, with a certificate it makes at start,
    trusted through a CA file; the server picks HTTP/2 by ALPN and streams share connections."""
    import tempfile
    from pathlib import Path

    from surge.tls import Tls

    with Target(tls=True) as target, tempfile.TemporaryDirectory() as tmp:
        ca = Path(tmp) / "target.pem"
        ca.write_text(target.certificate_pem)
        rate, duration = min(args.rate, 1000.0), min(args.duration, 3.0)
        scenario = Scenario(
            name="demo-https",
            base_url=target.url,
            operations=[
                http_ops.get("health", "/api/v1/health", weight=2, expect_body="healthy"),
                http_ops.get("model_info", "/api/v1/model/info"),
            ],
            load=ConstantRate(rate, connections=4),
            max_streams=8,
            duration=duration,
            warmup="0.5s",
            interval_histograms=args.interval_histograms,
            tls=Tls(ca=str(ca)),
        )
        print(
            f"surge demo: the same target over {target.url} (TLS, HTTP/2 by ALPN, 8 streams on "
            f"each of 4 connections), {rate:g} req/s for {duration:g}s",
            file=sys.stderr,
        )
        # Its own results files: --json out.json becomes out-https.json here.
        outputs = {name: _suffixed(getattr(args, name), "-https") for name in ("json", "html")}
        return run_and_finish(
            argparse.Namespace(**{**vars(args), **outputs}), scenario, args.results_dir
        )


def _suffixed(path: str | None, suffix: str) -> str | None:
    if path is None or path == "-":
        return path
    stem, dot, extension = path.rpartition(".")
    return f"{stem}{suffix}.{extension}" if dot and "/" not in extension else f"{path}{suffix}"


def _cmd_run(args: argparse.Namespace) -> int:
    scenarios = load_scenarios(args.file)
    chosen = pick(scenarios, args.scenario, dict(args.settings))
    changes: dict[str, Any] = {}
    load = load_from_flags(args)
    if load is not None:
        changes["load"] = load
        if load.duration_s is not None:  # stages set the timeline
            changes["duration"] = None
    if args.duration is not None:
        changes["duration"] = args.duration
    if args.requests is not None:
        changes["requests"] = args.requests
    # Settings that hold for every phase of a suite too: the emulated link, what results keep,
    # threads, timeouts, warm-up, drain, pipelining and a cold start.
    shared: dict[str, Any] = dict(network_from_flags(args))
    fields = ("threads", "timeout", "connect_timeout", "warmup", "drain", "interval", "pipeline")
    for field in (*fields, "cold", "io"):
        if getattr(args, field) is not None:
            shared[field] = getattr(args, field)
    if args.sync is not None:
        shared["pipeline_sync"] = args.sync
    if args.max_streams is not None:
        shared["max_streams"] = args.max_streams
    if args.http is not None:
        shared["http_version"] = args.http
    if not args.interval_histograms:
        shared["interval_histograms"] = False
    monitors = monitors_from_flags(args)
    if monitors:
        shared["monitors"] = monitors
    if isinstance(chosen, list):
        if changes:
            raise ConfigError(
                "load, duration and -n flags apply to one scenario; this is a suite of "
                f"{len(chosen)} phases: set its parameters with --set"
            )
        if shared:
            chosen = [
                tuple(s.replace(**shared) for s in p)
                if isinstance(p, tuple)
                else p.replace(**shared)
                for p in chosen
            ]
        return _run_suite(args, args.scenario or next(iter(scenarios)), chosen)
    changes.update(shared)
    scenario = chosen.replace(**changes) if changes else chosen
    cluster = args.dask or args.local_workers
    if args.workers is not None and not args.dask:
        raise ConfigError(
            "--workers: applies to --dask (a local cluster's size is --local-workers)"
        )
    if cluster is not None and isinstance(chosen, list):
        raise ConfigError("--dask/--local-workers: run one scenario, not a suite")
    return run_and_finish(args, scenario, cluster=cluster, workers=args.workers)


def _run_suite(args: argparse.Namespace, name: str, phases: list[Scenario]) -> int:
    flat = [s for p in phases for s in (p if isinstance(p, tuple) else (p,))]
    with_abort = iter(with_thresholds(args, flat))
    phases = [
        tuple(next(with_abort) for _ in p) if isinstance(p, tuple) else next(with_abort)
        for p in phases
    ]
    reached = set()
    for phase in phases:  # every target the suite will load answers before the first phase
        for scenario in phase if isinstance(phase, tuple) else (phase,):
            if scenario.base_url not in reached:
                check_reach(scenario)
                reached.add(scenario.base_url)
    try:
        with watch(args) as show:
            suite = run_suite(
                name,
                phases,
                progress=show,
                on_phase=lambda result: print(summary_table(result) + "\n"),
            )
    except RunError as exc:  # a later phase failed: the earlier ones are written first
        _write_suite(args, exc.result)
        raise
    return _write_suite(args, suite)


def _write_suite(args: argparse.Namespace, suite: SuiteResult) -> int:
    print(suite.table())
    verdict = 0
    for result in suite.results:
        if args.slo or result["aborted"]:
            print(f"{result['scenario']['name']}:")
        verdict = max(verdict, judge(result, args))
    if args.json:
        print(f"results: {suite.save(args.json)}")
    if args.html:
        from surge.outputs.report.html import write_report

        for path, result in per_result(args.html, suite.results):
            print(f"report: {write_report(result, path, args.slo)}")
    return exit_status(suite.results, verdict)


def _cmd_serve(args: argparse.Namespace) -> int:
    if args.tls_cert and not args.tls:
        raise ConfigError("--tls-cert: writes the certificate of --tls; give --tls too")
    target = Target(args.host, args.port, args.threads, tls=args.tls)
    certificate = _write_certificate(target, args.tls_cert)
    # Every knob is set, and so checked, before the port is bound.
    # The same spec strings as Target.set_latency/set_stall and the admin route take.
    knobs = FaultKnobs(target)
    for flag, value in (
        ("--latency", args.latency),
        ("--stall", args.stall),
        ("--error-ratio", args.error_ratio),
        ("--drop-ratio", args.drop_ratio),
        ("--cpu-work", args.cpu_work),
        ("--leak", args.leak),
    ):
        if value:
            with flag_errors(flag):
                knobs.apply({flag[2:].replace("-", "_"): value})
    # SIGTERM ends the wait as Ctrl-C does, from before the port is announced. The handler only
    # raises: one that set a threading.Event re-entered the lock the waiting main thread held.
    signal.signal(signal.SIGTERM, interrupt)
    # The server's threads start with SIGINT and SIGTERM blocked, so the kernel hands those to
    # the main thread: one delivered to a server thread left the main thread asleep (2 of 6).
    stopping = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    try:
        target.start()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stopping)
    admin = None
    try:
        print(f"surge target listening on {target.url} (Ctrl-C to stop)", flush=True)
        if certificate is not None:
            print(f"TLS certificate (trust it with --ca): {certificate}", flush=True)
        if args.admin_port:
            admin = AdminServer(knobs, args.admin_port)
            print(f"fault knobs: GET/PUT {admin.url}", flush=True)
        # Short sleeps: a signal the kernel hands to another thread of the process wakes no
        # sleep, and Python runs its handler only when the main thread next runs Python.
        while True:
            time.sleep(0.25)
    except KeyboardInterrupt:
        pass
    finally:
        if admin:
            admin.close()
        target.stop()
        if certificate is not None and not args.tls_cert:
            shutil.rmtree(certificate.parent, ignore_errors=True)
    return 0


def _write_certificate(target: Target, path: str | None) -> Path | None:
    """Where the target's certificate (--tls) is written for clients to trust."""
    if target.certificate_pem is None:
        return None
    where = Path(path) if path else Path(tempfile.mkdtemp(prefix="surge-serve-")) / "cert.pem"
    write_text_atomic(where, target.certificate_pem)
    return where.resolve()


def interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


PROTOCOL_COMMANDS = {
    command_of(p).NAME: functools.partial(run_command, command_of(p)) for p in PROTOCOLS
}
RUN_COMMANDS = {"demo", "run", "capacity", *PROTOCOL_COMMANDS}

COMMANDS = {
    "demo": _cmd_demo,
    "run": _cmd_run,
    "serve": _cmd_serve,
    **PROTOCOL_COMMANDS,
    "capacity": cli_capacity.cmd,
    "compare": cli_compare.cmd,
    "export": cli_export.cmd,
    "report": cli_report.cmd,
    "services": cli_services.cmd,
    "ui": cli_ui.cmd,
}
