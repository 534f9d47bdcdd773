"""What the surge commands print and write: live progress, the summary, the results JSON and
the HTML report."""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from surge.cli.args import EXIT_INTERRUPTED, EXIT_SLO_BROKEN
from surge.errors import ConfigError, RunError
from surge.files import file_safe
from surge.reach import check as check_reach
from surge.results import slo
from surge.results.result import Result
from surge.results.summary import summary_table
from surge.running.runner import prepared, run

if TYPE_CHECKING:
    from surge.outputs.live import LiveProgress


class _Progress:
    """Several progress callbacks as one: the live view and the metrics server."""

    def __init__(self, parts: list[Any]):
        self.parts = parts

    def __call__(self, report: Any) -> None:
        for part in self.parts:
            part(report)

    def for_scenario(self, scenario: Any) -> None:
        for part in self.parts:
            part.for_scenario(scenario)


@contextmanager
def watch(args: Any, scenario: Any = None) -> Iterator[_Progress | None]:
    """The progress callback of a run command: the live view unless -q, and /metrics while
    the run goes with --prometheus-port. Both are closed when the run ends, Ctrl-C included."""
    with ExitStack() as stack:
        parts: list[Any] = []
        view = stack.enter_context(live(args.quiet, scenario))
        if view is not None:
            parts.append(view)
        port = getattr(args, "prometheus_port", None)
        if port:
            from surge.outputs.prometheus import (
                MetricsServer,  # prometheus_client loads only when asked for
            )

            server = MetricsServer(scenario, port)
            stack.callback(server.close)
            parts.append(server)
            print(f"metrics: http://127.0.0.1:{port}/metrics", file=sys.stderr)
        yield _Progress(parts) if parts else None


@contextmanager
def live(quiet: bool, scenario: Any = None) -> Iterator[LiveProgress | None]:
    """The progress callback for a run: None with -q, else a live view that is closed (its
    last state left on screen) when the run ends, Ctrl-C included."""
    if quiet:
        yield None
        return
    from surge.outputs.live import LiveProgress  # rich loads only for a live view

    view = LiveProgress(scenario)
    try:
        yield view
    finally:
        view.close()


def per_result(path: str | Path, results: list[Result]) -> list[tuple[Path, Result]]:
    """Where each result of a file goes: PATH itself for one run; for a suite's phases,
    PATH's stem, then the phase's position and name (report-1-set.html, report-2-get.html)."""
    path = Path(path)
    if len(results) == 1:
        return [(path, results[0])]
    return [
        (path.with_name(f"{path.stem}-{i}-{file_safe(r['scenario']['name'])}{path.suffix}"), r)
        for i, r in enumerate(results, 1)
    ]


def with_thresholds(args: Any, scenarios: list[Any]) -> list[Any]:
    """The scenarios with --abort-on added to their own abort_on; refuses, before any load, an
    SLO naming an operation that none of them has."""
    names = {op.name for s in scenarios for op in s.plan.operations}
    watched = {m.namespace for s in scenarios for m in s.monitors}
    for text in [*getattr(args, "slo", ()), *getattr(args, "abort_on", ())]:
        rule = slo.parse(text)
        operation = rule.operation
        if rule.monitor_unit is not None:
            if text in getattr(args, "abort_on", ()):
                raise ConfigError(
                    f"--abort-on {text!r}: a monitor SLO is judged after the run; give it as --slo"
                )
            if operation not in watched:
                from surge.monitor.sampling import monitor_advice

                raise ConfigError(f"SLO {text!r}: {monitor_advice(operation)}")
            continue
        if operation is not None and operation not in names:
            raise ConfigError(
                f"SLO {text!r}: no operation {operation!r}; the operations are "
                f"{', '.join(sorted(names))}"
            )
    extra = list(getattr(args, "abort_on", ()))
    if not extra:
        return scenarios
    return [s.replace(abort_on=[*s.abort_on, *extra]) for s in scenarios]


def print_verdicts(result: Result, texts: list[str]) -> bool:
    """Prints the verdict table of the SLOs `texts` on `result`; True when one broke."""
    if not texts:
        return False
    verdicts = slo.check(result, *texts)
    print(slo.verdict_table(verdicts))
    return not all(v.ok for v in verdicts)


def judge(result: Result, args: Any) -> int:
    """Prints the verdict of every --slo this result can be judged on (an SLO of an operation or
    a monitor the result does not have is left to the phases that do) and why a run aborted;
    99 when one broke."""
    # A phase answers for its own operations and for the sources it monitored.
    names = {*result.operations, *(result.get("monitors") or {})}
    texts = [t for t in getattr(args, "slo", ()) if slo.parse(t).operation in (None, *names)]
    broken = print_verdicts(result, texts)
    if result["aborted"]:
        aborted = result["aborted"]
        print(f"aborted at {aborted['at_s']:.1f}s: {aborted['slo']} broke")
        broken = True
    if not getattr(args, "allow_all_failed", False) and (why := all_failed(result)):
        print(why)
        broken = True
    return EXIT_SLO_BROKEN if broken else 0


def all_failed(result: Result) -> str:
    """The one line that says every request of a run failed (a CI job should not pass on it,
    as Locust's does not), or "" when something succeeded or nothing was sent."""
    total = result.total
    count, errors = total["count"], total["error_count"]
    if count == 0 or errors < count:
        return ""
    classes = ", ".join(f"{name} {n:,}" for name, n in sorted(total["errors"].items()))
    return (
        f"every request failed ({errors:,} of {count:,}: {classes}): exit {EXIT_SLO_BROKEN}; "
        "--allow-all-failed exits 0 on such a run"
    )


def exit_status(results: list[Result], verdict: int) -> int:
    """130 when the user stopped the run (Ctrl-C, SIGTERM), else the SLOs' verdict: a run that
    --abort-on stopped is interrupted too, but by a missed target."""
    stopped_by_user = any(r.interrupted and not r["aborted"] for r in results)
    return EXIT_INTERRUPTED if stopped_by_user else verdict


def finish(result: Result, args: Any, default_dir: str | None = None) -> int:
    """Prints the summary and the SLO verdicts, writes the JSON (--json, or a stamped file
    under default_dir) and the HTML report (--html); exit 130 when the run was interrupted,
    99 when an SLO broke."""
    print(summary_table(result))
    verdict = judge(result, args)
    path = args.json
    if path is None and default_dir is not None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = str(Path(default_dir) / f"{result['scenario']['name']}-{stamp}.json")
    if path:
        written = result.save(path)
        print(f"results: {written}")
    if getattr(args, "html", None):
        from surge.outputs.report.html import (
            write_report,  # plotly loads only when a report is asked for
        )

        print(f"report: {write_report(result, args.html, getattr(args, 'slo', ()))}")
    return exit_status([result], verdict)


def run_and_finish(
    args: Any,
    scenario: Any,
    default_dir: str | None = None,
    *,
    cluster: Any = None,
    workers: int | None = None,
) -> int:
    """What a run command does with its scenario: runs it with the live view (and /metrics),
    then prints the summary and writes the files asked for, also when the run stopped on an
    error of surge's own (the error is reported after). A target that cannot be reached at
    all stops it first, with one line (surge.reach)."""
    (scenario,) = with_thresholds(args, [scenario])
    if cluster is None:  # a distributed run's workers may see targets the client does not
        check_reach(scenario)
    web = getattr(args, "web", None)
    try:
        with watch(args, scenario) as show:
            if web:
                from surge.web.watch import run_watched

                result = run_watched(
                    prepared(scenario, {}, "run"),
                    show,
                    web,
                    token=args.web_token,
                    read_only=args.web_read_only,
                    slos=getattr(args, "slo", ()),
                    cluster=cluster,
                    workers=workers,
                )
            else:
                result = run(scenario, progress=show, cluster=cluster, workers=workers)
    except RunError as exc:
        finish(exc.result, args, default_dir)
        raise
    return finish(result, args, default_dir)
