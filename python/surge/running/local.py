"""Runs a Scenario on this machine's native engine.

Python describes, C++ executes: the scenario's plan becomes the engine's spec once, the GIL is
released for the whole run, and Python is called back once per interval only. A distributed
run's workers call this too, each with its share.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import resource
from collections.abc import Callable
from typing import Any

import surge._core as _core
from surge.errors import ConfigError, RunError
from surge.model.scenario import Scenario
from surge.monitor.sampling import Sampler
from surge.results import slo
from surge.results.result import Result
from surge.running import document as results_document
from surge.urls import scrub

ProgressCallback = Callable[["_core.IntervalReport"], bool | None]


def run_here(
    scenario: Scenario,
    progress: ProgressCallback | None = None,
    share: tuple[int, int] | None = None,
    control: _core.LoadControl | None = None,
    most_users: int = 0,
    on_sampler: Callable[[Sampler], None] | None = None,
) -> Result:
    """Runs an already checked and scaled scenario; `share` is (index, count) for one worker's
    part of a distributed run: disjoint seq ranges. `control` steers the run while it goes
    (surge.running.handle); `most_users` is how many users a closed-model change may reach;
    `on_sampler` is handed the monitors' sampler, for a live view of what they read."""
    _raise_fd_limit()
    plan = scenario.plan
    spec = plan.engine_spec()
    if share is not None:  # one share of a distributed run: disjoint seq ranges
        spec.share_index, spec.share_count = share
    spec.load.most_users = most_users
    started_at = _dt.datetime.now(_dt.timezone.utc)
    abort = Abort(scenario, progress) if scenario.abort_on else None
    guarded = _Guarded(abort if abort else progress)
    sampler = Sampler(scenario.monitors, plan.interval_ns / 1e9) if scenario.monitors else None
    callback = guarded if guarded.callback else None
    if sampler is not None:
        sampler.start()  # a monitor that cannot read its source stops the run here
        callback = _Ticking(sampler, callback)
        if on_sampler is not None:
            on_sampler(sampler)
    try:
        raw = plan.protocol.run(spec, callback, control)
    except ValueError as exc:  # what the engine checks: templates, hosts, SQL
        # libpq and resolvers quote what they were given, secrets included.
        raise ConfigError(scrub(str(exc), scenario.base_url)) from None
    finally:
        if sampler is not None:
            sampler.stop()
    document = results_document.build(
        plan,
        scenario.name,
        scenario.base_url,
        scenario.params,
        raw,
        started_at,
        abort.reason if abort else None,
    )
    if sampler is not None:
        document["monitors"] = sampler.sections(raw.measure_start_ns, raw.measured_s)
    result = Result(document)
    if raw.failure:
        raise RunError(
            f"the run stopped at {raw.measured_s:.1f}s on an error of surge's own: {raw.failure} "
            "(what was measured is in .result)",
            result,
        )
    if guarded.error is not None:
        raise RunError(
            f"the run stopped at {raw.measured_s:.1f}s: its progress callback raised "
            f"{type(guarded.error).__name__}: {guarded.error} (what was measured is in .result)",
            result,
        ) from guarded.error
    return result


@functools.cache
def _raise_fd_limit() -> None:
    """Many shells start processes with a soft limit of 1,024 descriptors and a far higher hard
    one: a pool of 2,000 connections should not fail on the client's own limit. Raised once,
    to the hard limit; what still runs out is counted as client_fd_limit, not as the server
    refusing."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    # A sandbox may refuse: the run then reports what it meets.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class _Guarded:
    """The progress callback as the engine calls it: Ctrl-C while it runs (a live view
    drawing) ends the run like Ctrl-C anywhere else, keeping what was measured; any other
    exception stops the run, and run() raises it with the result."""

    def __init__(self, callback: ProgressCallback | None):
        self.callback = callback
        self.error: Exception | None = None

    def __call__(self, report: _core.IntervalReport) -> bool | None:
        try:
            answer = self.callback(report)  # type: ignore[misc]
        except KeyboardInterrupt:
            return False
        except Exception as exc:
            self.error = exc
            return False
        if answer is not None and not isinstance(answer, bool):
            self.error = TypeError(
                f"progress: the callback must return True, False or None, got "
                f"{type(answer).__name__} {answer!r}"[:200]
            )
            return False
        return answer


class _Ticking:
    """Wakes the monitors' sampler at the end of every interval, then hands the report on."""

    def __init__(self, sampler: Sampler, inner: ProgressCallback | None):
        self.sampler = sampler
        self.inner = inner

    def __call__(self, report: _core.IntervalReport) -> bool | None:
        self.sampler.tick()
        return self.inner(report) if self.inner is not None else None


class Abort:
    """A progress callback that stops the run at the first interval breaking an abort_on SLO
    (after abort_after), and passes every report on to the caller's callback first."""

    def __init__(self, scenario: Scenario, progress: ProgressCallback | None):
        self.slos = [slo.parse(e) for e in scenario.abort_on]
        self.after_s = scenario.plan.abort_after_ns / 1e9
        self.names = [op.name for op in scenario.plan.operations]
        self.progress = progress
        self.reason: dict[str, Any] | None = None

    def __call__(self, report: _core.IntervalReport) -> bool | None:
        keep_going = self.progress(report) if self.progress else None
        if keep_going is False or report.elapsed_s < self.after_s:
            return keep_going
        for rule in self.slos:
            if rule.operation is None:
                row = report.total
            else:
                row = next(
                    (r for r in report.rows if self.names[r.operation] == rule.operation), None
                )
                if row is None:
                    raise ConfigError(
                        f"abort_on {rule.text!r}: no operation {rule.operation!r}; the "
                        f"operations are {', '.join(self.names)}"
                    )
            value = rule.window_value(results_document.interval_row(row), report.interval_s)
            if value is not None and not rule.holds(value):
                self.reason = {"slo": rule.text, "measured": value, "at_s": report.elapsed_s}
                return False
        return keep_going
