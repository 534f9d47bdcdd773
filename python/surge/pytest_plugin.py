"""surge's pytest plugin (entry point `pytest11`): performance targets as assertions.

    @pytest.mark.slo("p95 < 100ms", "rps > 1000", "error_rate < 0.1%")
    def test_health(surge_run, surge_target):
        surge_run(surge.Scenario(name="health", base_url=surge_target.url,
                                 operations=[http.get("health", "/api/v1/health")],
                                 load=surge.ConstantRate(1200), duration="5s"))

Fixtures: `surge_target` (the embedded demo target, with its fault knobs), `redis_server` and
`postgres_server` (real servers from surge.services, one per session), `surge_scale`,
`surge_run`, which runs a scenario scaled by --surge-scale and records its Result against the
test, and `surge_capacity`, which searches the highest rate meeting SLOs and asserts a minimum
("capacity >= 500 req/s"). After the test, the `slo` marker's expressions are checked against
the last recorded Result: a broken one fails the test with a table of expression, measured,
target and verdict.

Options:
  --surge-results DIR     each perf test writes its results JSON there, named after its id
  --surge-scale F         multiplies durations, warm-ups and request counts (0.1 for a quick CI
                          run, 1 for the full one)
  --surge-baseline DIR    results of an earlier run (written with --surge-results) ...
  --surge-regress LIMITS  ... and the regressions that fail a test: "p95:+10%,rps:-5%"
  --surge-web [HOST:]PORT serves the live web UI for the session: each surge_run shows on the
                          page as it goes, with the test's SLOs, and can be steered from it

The session ends with one table per perf test: rps, p50, p95, p99, errors and SLO verdicts.
With pytest-xdist, each worker writes its own results and the table still comes together.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from surge.errors import ConfigError
from surge.files import file_safe
from surge.model.scale import scaled
from surge.model.scenario import Scenario
from surge.results import compare as compare_module
from surge.results import slo as slo_module
from surge.results.loading import load
from surge.results.result import Result
from surge.text_table import text_table
from surge.units import format_ms

_RESULTS = pytest.StashKey[list]()
_SUMMARY = "surge"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("surge", "surge load tests")
    group.addoption("--surge-results", metavar="DIR", help="write each perf test's results JSON")
    group.addoption(
        "--surge-scale", metavar="F", type=float, default=1.0,
        help="scale durations and request counts of surge_run (default 1)",
    )  # fmt: skip
    group.addoption("--surge-baseline", metavar="DIR", help="results of a baseline run")
    group.addoption(
        "--surge-cluster", metavar="ADDRESS",
        help="run surge_run's scenarios across this Dask scheduler's workers (surge[distributed])",
    )  # fmt: skip
    group.addoption(
        "--surge-web", metavar="[HOST:]PORT",
        help="serve the live web UI (docs/web-ui.md) for surge_run's runs",
    )  # fmt: skip
    group.addoption(
        "--surge-web-token", metavar="TOKEN",
        help="with --surge-web: the token its API needs (off loopback; made up if not given)",
    )  # fmt: skip
    group.addoption(
        "--surge-regress", metavar="LIMITS",
        help='fail on regressions against --surge-baseline, e.g. "p95:+10%%,rps:-5%%"',
    )  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slo(*expressions): performance targets checked against the Result the test records "
        'with surge_run, e.g. @pytest.mark.slo("p95 < 200ms", "error_rate < 0.1%")',
    )
    scale = config.getoption("--surge-scale")
    if not scale or scale <= 0:
        raise pytest.UsageError(f"--surge-scale: must be > 0, got {scale}")
    limits = config.getoption("--surge-regress")
    if limits:
        if not config.getoption("--surge-baseline"):
            raise pytest.UsageError("--surge-regress needs --surge-baseline DIR to compare with")
        try:
            config.stash[_LIMITS] = compare_module.parse_limits(limits)
        except ConfigError as exc:
            raise pytest.UsageError(f"--surge-regress: {exc}") from None
    config.pluginmanager.register(_Summary(config), "surge-summary")
    bind = config.getoption("--surge-web")
    if bind:
        _serve_web(config, bind)


_LIMITS = pytest.StashKey[list]()
_WEB = pytest.StashKey[Any]()


def _serve_web(config: pytest.Config, bind: str) -> None:
    import sys

    if getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
        raise pytest.UsageError("--surge-web: watches one process's runs; run without -n")
    from surge.web.server import WebServer, parse_bind
    from surge.web.session import Session

    try:
        host, port = parse_bind(bind)
        session = Session(can_start=False)
        server = WebServer(session, host, port, token=config.getoption("--surge-web-token"))
        server.start()
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_WEB] = session
    config.add_cleanup(server.close)
    print(f"surge web UI: {server.url}", file=sys.stderr)


def result_file_name(nodeid: str, index: int = 0) -> str:
    """tests/perf/test_api.py::test_health[small] -> tests_perf_test_api.py__test_health_small_"""
    name = file_safe(nodeid.replace("::", "__"), "test")
    return f"{name}{f'.{index}' if index else ''}.json"


@pytest.fixture
def surge_scale(request: pytest.FixtureRequest) -> float:
    return request.config.getoption("--surge-scale")


class SurgeRun:
    """The `surge_run` fixture: call it with a Scenario to run it (scaled by --surge-scale)
    and record its Result against the test; `record(result)` records a Result made otherwise
    (a spike or a stress series from surge.shapes)."""

    def __init__(
        self,
        recorded: list[Result],
        scale: float,
        cluster: str | None = None,
        web: Any = None,
        slos: tuple[str, ...] = (),
        test: str = "",
    ):
        self._recorded = recorded
        self.scale = scale
        self.cluster = cluster  # --surge-cluster: run on this Dask scheduler's workers
        self.web = web  # --surge-web: the web UI's session, which shows each run as it goes
        self.slos = slos  # the test's @pytest.mark.slo, judged live on the page
        self.test = test

    def __call__(self, scenario: Scenario, **overrides: Any) -> Result:
        from surge.running.runner import run

        if overrides:
            scenario = scenario.replace(**overrides)
        scenario = scaled(scenario, self.scale, stages=False)
        if self.web is None or self.cluster:
            return self.record(run(scenario, cluster=self.cluster))
        from surge.running.handle import RunHandle
        from surge.running.prepare import prepared

        handle = RunHandle(prepared(scenario, {}, "surge_run"), slos=self.slos)
        self.web.attach(handle, f"pytest {self.test}")
        if handle.wait_or_stop():
            raise KeyboardInterrupt
        return self.record(handle.result())

    def record(self, result: Result) -> Result:
        self._recorded.append(result)
        return result


@pytest.fixture
def surge_run(request: pytest.FixtureRequest, surge_scale: float) -> SurgeRun:
    """Runs a Scenario (scaled by --surge-scale) and records its Result against the test."""
    marker = request.node.get_closest_marker("slo")
    return SurgeRun(
        request.node.stash.setdefault(_RESULTS, []),
        surge_scale,
        request.config.getoption("--surge-cluster"),
        web=request.config.stash.get(_WEB, None),
        slos=tuple(marker.args) if marker else (),
        test=request.node.nodeid,
    )


class SurgeCapacity:
    """The `surge_capacity` fixture: surge.capacity with its step and warm-up scaled by
    --surge-scale, and `at_least` asserted:

        report = surge_capacity(scenario, ["p95 < 200ms"], at_least=500, min_rate=250)
    """

    def __init__(self, scale: float):
        self.scale = scale
        self.reports: list[Any] = []

    def __call__(
        self,
        scenario: Scenario,
        slos: Any,
        *,
        at_least: float | None = None,
        step: str | float = "10s",
        warmup: str | float = "2s",
        **options: Any,
    ) -> Any:
        from surge.running.capacity import capacity
        from surge.units import parse_duration

        step_s = (parse_duration(step, "step") or 0) * self.scale
        warmup_s = (parse_duration(warmup, "warmup") or 0) * self.scale
        report = capacity(scenario, slos, step=step_s, warmup=warmup_s, **options)
        self.reports.append(report)
        if at_least is not None:
            report.require(at_least=at_least)
        return report


@pytest.fixture
def surge_capacity(surge_scale: float) -> SurgeCapacity:
    """Searches a scenario's capacity under SLOs, and fails the test below `at_least` req/s."""
    return SurgeCapacity(surge_scale)


@pytest.fixture
def surge_target():
    """The embedded demo target on a free loopback port, with its fault knobs."""
    from surge.target.client import Target

    with Target() as target:
        yield target


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server on a free loopback port for the session."""
    from surge.services import RedisServer

    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL on a free loopback port for the session."""
    from surge.services import PostgresServer

    with PostgresServer() as server:
        yield server


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Calls a test with an slo marker so that a Result it returns is recorded, as if it had
    run through surge_run. Other tests (and coroutine tests) are left to pytest."""
    if pyfuncitem.get_closest_marker("slo") is None or inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    returned = pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names})
    if isinstance(returned, Result):
        pyfuncitem.stash.setdefault(_RESULTS, []).append(returned)
    elif returned is not None:
        raise TypeError(
            f"{pyfuncitem.name} returned {type(returned).__name__}; an slo test returns a "
            "surge Result or None"
        )
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    outcome = yield  # a failing test body raises here and stays failed as it is
    results = item.stash.get(_RESULTS, [])
    marker = item.get_closest_marker("slo")
    if not results and marker is None:
        return outcome
    config = item.config
    if not results:
        raise AssertionError(
            "@pytest.mark.slo: the test recorded no Result; run its load with surge_run, "
            "or return the Result"
        )
    _write_results(config, item.nodeid, results)
    failures = []
    if marker is not None:
        try:
            results[-1].assert_slo(*marker.args)
        except AssertionError as exc:
            failures.append(str(exc))
        except ConfigError as exc:
            failures.append(f"@pytest.mark.slo: {exc}")
    regression = _regression(config, item.nodeid, results[-1])
    if regression:
        failures.append(regression)
    if failures:
        raise AssertionError("\n\n".join(failures))
    return outcome


def _write_results(config: pytest.Config, nodeid: str, results: list[Result]) -> None:
    directory = config.getoption("--surge-results")
    if not directory:
        return
    for index, result in enumerate(results):
        result.save(Path(directory) / result_file_name(nodeid, index))


def _regression(config: pytest.Config, nodeid: str, result: Result) -> str | None:
    limits = config.stash.get(_LIMITS, None)
    if not limits:
        return None
    base_path = Path(config.getoption("--surge-baseline")) / result_file_name(nodeid)
    if not base_path.exists():
        return None  # a new test has no baseline yet; the summary says so
    deltas = compare_module.compare(load(base_path), result, limits)
    broken = [d for d in deltas if d.broken]
    if not broken:
        return None
    return (
        f"{len(broken)} regression(s) against the baseline {base_path}:\n"
        + compare_module.delta_table(deltas)
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    results = item.stash.get(_RESULTS, [])
    if call.when != "call" or not results:
        return report
    result = results[-1]
    total = result.total
    percentiles = total["latency"]["percentiles"]
    marker = item.get_closest_marker("slo")
    verdicts = []
    if marker is not None:
        try:
            verdicts = [
                f"{v.slo.text.strip()}: {'ok' if v.ok else 'BROKEN'}"
                for v in slo_module.check(result, *marker.args)
            ]
        except ConfigError as exc:
            verdicts = [str(exc)]
    row = {
        "test": item.nodeid,
        "rps": total["rate_per_s"],
        "p50": percentiles["50"],
        "p95": percentiles["95"],
        "p99": percentiles["99"],
        "errors": total["error_count"],
        "slos": verdicts,
    }
    # user_properties travel with the report, so pytest-xdist brings them to the controller.
    report.user_properties.append((_SUMMARY, json.dumps(row)))
    return report


class _Summary:
    """Collects each perf test's row from its report, and prints them at the end."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.rows: list[dict[str, Any]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.rows += [json.loads(v) for k, v in report.user_properties if k == _SUMMARY]

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.rows or hasattr(self.config, "workerinput"):
            return
        terminalreporter.section("surge performance summary")

        header = ("test", "rps", "p50 ms", "p95 ms", "p99 ms", "errors")
        table = [header] + [
            (r["test"], f"{r['rps']:.0f}", format_ms(r["p50"]), format_ms(r["p95"]),
             format_ms(r["p99"]), str(r["errors"]))
            for r in self.rows
        ]  # fmt: skip
        lines = text_table(table[0], table[1:]).splitlines()
        terminalreporter.write_line(lines[0])
        terminalreporter.write_line(lines[1])
        for line, row in zip(lines[2:], self.rows, strict=True):
            terminalreporter.write_line(line)
            if row["slos"]:
                terminalreporter.write_line("    SLOs: " + "; ".join(row["slos"]))
