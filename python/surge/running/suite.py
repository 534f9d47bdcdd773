"""Running a suite: scenarios one after the other as phases (a SET phase, then GET, then DEL); a
tuple among them is a group whose scenarios run at the same time (writers and readers, each
with their own users)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from surge.errors import ConfigError, RunError
from surge.model.scenario import Scenario
from surge.results.result import Result
from surge.results.suite import SuiteResult
from surge.running.runner import ProgressCallback, run

Phase = Scenario | tuple[Scenario, ...]


def run_suite(
    name: str,
    phases: Sequence[Phase],
    *,
    progress: ProgressCallback | None = None,
    on_phase: Callable[[Result], None] | None = None,
) -> SuiteResult:
    """Runs the phases in order; stops after a phase that was interrupted (Ctrl-C). A phase that
    cannot run (a template the engine refuses, a server that is gone) raises RunError with the
    results of the phases before it in `.result`."""
    results: list[Result] = []
    for number, phase in enumerate(phases, 1):
        # A live view (surge.outputs.live.LiveProgress) shows each phase against its own plan.
        if hasattr(progress, "for_scenario"):
            progress.for_scenario(phase if isinstance(phase, Scenario) else None)
        try:
            group = (
                run_together(phase) if isinstance(phase, tuple) else [run(phase, progress=progress)]
            )
        except (ConfigError, RunError) as exc:
            if isinstance(exc, RunError) and isinstance(exc.result, Result):
                results.append(exc.result)
            names = ", ".join(s.name for s in (phase if isinstance(phase, tuple) else (phase,)))
            raise RunError(
                f"phase {number} of {len(phases)} ({names}): {exc}; the results before it are kept",
                SuiteResult(name, results),
            ) from exc
        for result in group:
            results.append(result)
            if on_phase:
                on_phase(result)
        if any(r.interrupted for r in group):
            break
    return SuiteResult(name, results)


def run_together(scenarios: tuple[Scenario, ...]) -> list[Result]:
    """Runs scenarios at the same time, one engine each (each releases the GIL).

    Only the main thread sees Ctrl-C, so it asks the others to stop through their progress
    callbacks: they end at their next interval and keep what they measured."""
    stop = threading.Event()
    results: list[Result | None] = [None] * len(scenarios)
    failures: list[BaseException] = []

    def keep_going(_report: object) -> bool:
        return not stop.is_set()

    def worker(i: int) -> None:
        try:
            results[i] = run(scenarios[i], progress=keep_going)
        except BaseException as exc:
            failures.append(exc)
            stop.set()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(scenarios))]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.1)
    except KeyboardInterrupt:
        stop.set()
        for t in threads:
            t.join()
    if failures:
        raise failures[0]
    done = [r for r in results if r is not None]
    if stop.is_set():  # stopped early: mark every result of the group as interrupted
        done = [r if r.interrupted else Result({**r.to_dict(), "interrupted": True}) for r in done]
    return done
