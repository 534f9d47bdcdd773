"""surge.start: a run on a thread of its own, watched and steered while it goes.

    handle = surge.start(scenario)
    handle.set_rate(2000)                 # open model: from about now on
    handle.set_users(50, spawn_rate=10)   # closed model: added or removed at 10 a second
    handle.snapshots                      # one dict per interval so far (live views, the web UI)
    result = handle.result()              # waits for the end; handle.stop() ends it early

A change splices the new value into the load's curve a millisecond ahead of now: intended
starts already scheduled keep their times, and the ones after follow the new rate, so latency
stays corrected for coordinated omission across the change (cpp/surge/engine/load_control.hpp).
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import surge._core as _core
from surge import checks
from surge.errors import ConfigError, RunError
from surge.model.load_models import MAX_RATE, MIN_RATE
from surge.model.scenario import Scenario
from surge.monitor.sampling import Sampler
from surge.results import slo
from surge.results.result import Result
from surge.running.document import interval_row, total_row
from surge.running.local import run_here
from surge.running.prepare import check_dask_cluster, prepared
from surge.units import ns_to_ms

# A closed-model run steered by a handle holds lanes for its peak users and as many again, at
# least 100 and at most 10,000 more: a lane is a connection only once a user runs on it, but
# each is allocated at the start, so 4 x a peak of 100,000 would hold 400,000 of them.
MORE_USERS = (100, 10_000)

Listener = Callable[[dict[str, Any]], None]

# Runs still going when the interpreter exits are stopped and waited for (a few seconds at
# most): the engine's threads must not outlive the interpreter they call back into.
_RUNNING: weakref.WeakSet[RunHandle] = weakref.WeakSet()
_EXIT_WAIT_S = 10.0


@atexit.register
def _stop_running_handles() -> None:
    handles = list(_RUNNING)
    for handle in handles:
        handle.stop()
    for handle in handles:
        handle.wait(_EXIT_WAIT_S)


def start(
    scenario: Scenario,
    *,
    max_users: int | None = None,
    progress: Callable[[_core.IntervalReport], bool | None] | None = None,
    slos: Sequence[str] = (),
    cluster: Any = None,
    workers: int | None = None,
    **overrides: Any,
) -> RunHandle:
    """Starts `scenario` (with any field overridden by keyword) on a thread of its own and
    returns its handle at once. `max_users` (closed model) is the most users set_users may ask
    for: by default twice the load's peak, at least 100 and at most 10,000 more. `slos` (with
    the scenario's abort_on) are judged on every interval's snapshot, for live views.
    `cluster` and `workers` run it across Dask workers, as surge.run does: a change then
    reaches every worker as its interval closes, and each takes its part."""
    check_dask_cluster(cluster)
    scenario = prepared(scenario, overrides, "start")
    return RunHandle(
        scenario, max_users=max_users, progress=progress, slos=slos, cluster=cluster,
        workers=workers,
    )  # fmt: skip


class RunHandle:
    """A run going on a thread of its own (see start)."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        max_users: int | None = None,
        progress: Callable[[_core.IntervalReport], bool | None] | None = None,
        slos: Sequence[str] = (),
        cluster: Any = None,
        workers: int | None = None,
    ):
        plan = scenario.plan  # a scenario that cannot run fails here, before the thread starts
        self.scenario = scenario
        self.model: str = plan.load.model
        self.operation_names = [op.name for op in plan.operations]
        self.max_users = 0
        if self.model == "closed":
            peak = int(getattr(plan.load, "connections", 1))
            if max_users is None:
                max_users = peak + min(max(peak, MORE_USERS[0]), MORE_USERS[1])
            self.max_users = checks.whole(max_users, "max_users", peak, checks.MAX_CONNECTIONS)
        self._progress = progress
        texts = list(dict.fromkeys([*scenario.abort_on, *slos]))
        self._slos = [slo.parse(text) for text in texts]  # a bad one fails here, in one line
        self._sampler: Sampler | None = None
        self._control = _core.LoadControl()
        self._cluster, self._workers = cluster, workers
        self._steering: Any = None
        self._so_far: _SoFar | None = None  # a distributed run's whole-run figures
        self._stopping = threading.Event()
        if cluster is not None:
            from surge.running.distributed.run import Steering  # dask loads only here

            self._steering = Steering()
            self._so_far = _SoFar(len(self.operation_names))
        self._lock = threading.Lock()
        self._snapshots: list[dict[str, Any]] = []
        self._listeners: list[Listener] = []
        self._result: Result | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"surge-run-{scenario.name}")
        self._thread.daemon = True
        _RUNNING.add(self)
        self._thread.start()

    # -- steering -------------------------------------------------------------------------

    def set_rate(self, rate: float) -> None:
        """Open model: arrivals follow `rate` requests/s from about now on (1 ms ahead)."""
        if self.model != "open":
            raise ConfigError(
                "set_rate: this run has users (the closed model); use set_users(n, spawn_rate)"
            )
        value = checks.number(rate, "rate (requests/s)", above=0)
        if not MIN_RATE <= value <= MAX_RATE:
            raise ConfigError(f"rate (requests/s): must be between {MIN_RATE} and {MAX_RATE:,}")
        self._running_or_raise("set_rate")
        if self._steering is not None:
            self._steering.post({"kind": "rate", "value": value})
        else:
            self._control.set_rate(value)

    def set_users(self, users: int, spawn_rate: float | None = None) -> None:
        """Closed model: `users` from now on, added or removed at `spawn_rate` a second (at once
        without one), up to the handle's max_users."""
        if self.model != "closed":
            raise ConfigError(
                "set_users: this run has an arrival rate (the open model); use set_rate(rate)"
            )
        n = checks.whole(users, "users", 1, checks.MAX_CONNECTIONS)
        if n > self.max_users:
            raise ConfigError(
                f"users: at most {self.max_users} in this run (its max_users); start it with a "
                "higher max_users"
            )
        rate = 0.0 if spawn_rate is None else checks.number(spawn_rate, "spawn_rate", above=0)
        self._running_or_raise("set_users")
        if self._steering is not None:
            self._steering.post({"kind": "users", "value": n, "spawn_rate": rate})
        else:
            self._control.set_users(float(n), rate)

    def stop(self) -> None:
        """Ends the run as Ctrl-C does; the result keeps what was measured. (A distributed
        run's workers stop as their next interval closes.)"""
        self._stopping.set()
        if self._steering is not None:
            self._steering.stopped = True
        self._control.stop()

    # -- watching -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return not self._done.is_set()

    @property
    def snapshots(self) -> list[dict[str, Any]]:
        """One dict per interval closed so far (see snapshot())."""
        with self._lock:
            return list(self._snapshots)

    def subscribe(self, listener: Listener) -> list[dict[str, Any]]:
        """Calls `listener` with each new interval's snapshot (on the run's thread: keep it
        short) and with {"event": "end"} at the end; returns the snapshots so far, so that a
        late watcher misses nothing."""
        with self._lock:
            self._listeners.append(listener)
            if self._done.is_set():
                listener({"event": "end"})
            return list(self._snapshots)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def wait_or_stop(self) -> bool:
        """Waits for the end where Ctrl-C (and SIGTERM, which the CLI turns into it) can reach
        the waiting thread: it stops the run, which keeps what was measured. True when so."""
        try:
            while not self.wait(0.2):
                pass
        except KeyboardInterrupt:
            self.stop()
            self.wait()
            return True
        return False

    def wait(self, timeout: float | None = None) -> bool:
        """Waits for the end; False if `timeout` seconds passed first."""
        return self._done.wait(timeout)

    def result(self, timeout: float | None = None) -> Result:
        """Waits for the end and returns the Result; raises what the run raised."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"the run {self.scenario.name!r} is still going")
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    # -- the run's thread -----------------------------------------------------------------

    def _judge(self, entry: dict[str, Any]) -> list[dict[str, Any]]:
        """Each SLO on this interval's rows, as abort_on judges them: the value, and whether it
        holds (None: nothing to judge yet, such as a percentile of no requests)."""
        verdicts = []
        for rule in self._slos:
            if rule.monitor_unit is not None:
                continue  # judged on the run's monitor section, after the run
            if rule.operation is None:
                row = entry["total"]
            else:
                row = next((r for r in entry["operations"] if r["name"] == rule.operation), None)
            try:
                value = None if row is None else rule.window_value(row, entry["interval_s"])
            except ConfigError:  # a metric with no per-interval value (mean, p99.9)
                value = None
            holds = None if value is None else rule.holds(value)
            verdicts.append({"slo": rule.text, "measured": value, "holds": holds})
        return verdicts

    def _running_or_raise(self, what: str) -> None:
        if self._done.is_set():
            raise ConfigError(f"{what}: the run is over; start another")

    def _run(self) -> None:
        try:
            if self._cluster is not None:
                from surge.running.distributed.run import run as run_distributed
                from surge.running.local import Abort

                on_interval = self._on_interval
                self._result = run_distributed(
                    self.scenario, self._cluster, progress=on_interval,
                    abort=Abort(self.scenario, on_interval) if self.scenario.abort_on else None,
                    workers=self._workers, steering=self._steering, most_users=self.max_users,
                )  # fmt: skip
            else:
                self._result = run_here(
                    self.scenario,
                    self._on_interval,
                    control=self._control,
                    most_users=self.max_users,
                    on_sampler=self._watch_monitors,
                )
        except RunError as exc:  # an error of surge's own: what was measured is kept
            self._error = exc
            self._result = exc.result
        except BaseException as exc:  # handed to result()'s caller
            self._error = exc
        finally:
            _RUNNING.discard(self)
            with self._lock:
                self._done.set()
                listeners = list(self._listeners)
            for listener in listeners:
                listener({"event": "end"})

    def _watch_monitors(self, sampler: Sampler) -> None:
        self._sampler = sampler

    def _on_interval(self, report: _core.IntervalReport) -> bool | None:
        began = time.thread_time_ns()
        if self._so_far is not None:  # a distributed run's merged interval
            entry = merged_snapshot(report, self.operation_names, self._so_far)
        else:
            entry = snapshot(report, self.operation_names)
        entry["slos"] = self._judge(entry)
        if self._sampler is not None:
            entry["monitors"] = self._sampler.latest()
        # What watching costs the run's thread each interval (benchmarks/web_cost.py).
        entry["snapshot_cpu_ms"] = round((time.thread_time_ns() - began) / 1e6, 3)
        with self._lock:
            self._snapshots.append(entry)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(entry)
        if self._stopping.is_set() and self._cluster is not None:
            return False  # every worker stops as its next interval closes
        return self._progress(report) if self._progress is not None else None


def _live(row: _core.IntervalRow) -> dict[str, Any]:
    """What a live view shows beside the results' interval row: errors by class, and how late
    requests left after their intended start (surge's own lag, or a full pool)."""
    return {
        "error_classes": dict(row.error_classes),
        "lag_p99_ms": ns_to_ms(row.lag_p99_ns) if row.count else None,
        "lag_max_ms": ns_to_ms(row.lag_max_ns) if row.count else None,
    }


def _whole_run(totals: _core.RunningTotals) -> dict[str, Any]:
    return _summary(totals.count, sum(totals.errors.values()), totals.response)


def _summary(count: int, errors: int, histogram: _core.HdrHistogram) -> dict[str, Any]:
    def ms(percentile: float) -> float | None:
        return ns_to_ms(histogram.value_at_percentile(percentile)) if count else None

    return {
        "count": count,
        "errors": errors,
        "p50_ms": ms(50),
        "p95_ms": ms(95),
        "p99_ms": ms(99),
        "max_ms": ns_to_ms(histogram.max) if count else None,
    }


def snapshot(report: _core.IntervalReport, names: list[str]) -> dict[str, Any]:
    """One interval as live views show it: the interval's own rows (exact, from its HDR
    histograms) and the whole run so far, whose percentiles come from the merged histogram."""
    whole = {names[i]: _whole_run(totals) for i, totals in enumerate(report.cumulative)}
    named = [(names[row.operation], row) for row in report.rows]
    return _entry(report, named, _whole_run(report.cumulative_total), whole)


def _entry(
    report: Any, named: list[tuple[str, Any]], whole_total: dict, whole: dict
) -> dict[str, Any]:
    return {
        "event": "interval",
        "elapsed_s": round(report.elapsed_s, 6),
        "interval_s": report.interval_s,
        "total": total_row(report.total) | _live(report.total),
        "operations": [{"name": name, **interval_row(row)} | _live(row) for name, row in named],
        "run": {"total": whole_total, "operations": whole},
    }


class _SoFar:
    """A distributed run's whole run so far, from its merged intervals: counts add up, and the
    percentiles come from the intervals' histograms added together, as the engine's running
    totals do on one machine."""

    def __init__(self, operations: int):
        self.count = [0] * operations
        self.errors = [0] * operations
        self.histograms = [_core.HdrHistogram() for _ in range(operations)]

    def add(self, report: Any) -> dict[str, Any]:
        for i, row in enumerate(report.rows):
            self.count[i] += row.count
            self.errors[i] += row.errors
            if row.histogram:
                self.histograms[i].add(_core.HdrHistogram.decode(row.histogram))
        total = _core.HdrHistogram()
        for histogram in self.histograms:
            total.add(histogram)
        return {
            "total": _summary(sum(self.count), sum(self.errors), total),
            "operations": [
                _summary(n, e, h)
                for n, e, h in zip(self.count, self.errors, self.histograms, strict=True)
            ],
        }


def merged_snapshot(report: Any, names: list[str], so_far: _SoFar) -> dict[str, Any]:
    """A distributed run's merged interval (surge.running.distributed.merge.Report) as
    snapshot() gives a local one, with a row per worker. Its schedule lag is the worst
    worker's: the interval's lag histograms stay on the workers."""
    whole = so_far.add(report)
    named = list(zip(names, report.rows, strict=True))
    entry = _entry(
        report, named, whole["total"], dict(zip(names, whole["operations"], strict=True))
    )
    entry["workers"] = [
        {"worker": share, **total_row(row), **_live(row)} for share, row in report.workers
    ]
    return entry
