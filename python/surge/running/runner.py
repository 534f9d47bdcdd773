"""`surge.run`: checks the scenario, applies overrides and SURGE_SCALE once, then runs it here
(surge.running.local) or across Dask workers (surge.running.distributed)."""

from __future__ import annotations

from typing import Any

from surge.errors import ConfigError
from surge.model.scenario import Scenario
from surge.results.result import Result
from surge.running.local import Abort, ProgressCallback, run_here
from surge.running.prepare import check_dask_cluster, prepared

__all__ = ["ProgressCallback", "prepared", "run"]


def run(
    scenario: Scenario,
    *,
    progress: ProgressCallback | None = None,
    cluster: Any = None,
    workers: int | None = None,
    on_worker_lost: str = "continue",
    web: str | None = None,
    **overrides: Any,
) -> Result:
    """Runs `scenario` (with any field overridden by keyword) and returns its Result.

    Ctrl-C ends the run cleanly: the Result keeps what was measured, with `interrupted` set.
    A progress callback gets an IntervalReport once per interval; returning False stops the run.
    `cluster` (a distributed.Client, a scheduler address, or a number of local workers) runs
    it across Dask workers, `workers` of them if given; a worker lost mid-run is recorded, and
    the others continue, or stop with `on_worker_lost="stop"` (surge.running.distributed).
    `web` ("[HOST:]PORT") serves the live web UI while the run goes (docs/web-ui.md): the
    page watches it, and on loopback can change its load or stop it.
    """
    if progress is not None and not callable(progress):
        raise ConfigError(f"progress: expected a function of one IntervalReport, got {progress!r}")
    check_dask_cluster(cluster)
    scenario = prepared(scenario, overrides, "run")
    if web is not None:
        from surge.web.watch import run_watched  # starlette and uvicorn load only here

        if on_worker_lost != "continue":
            raise ConfigError("web: a watched distributed run goes on without a lost worker")
        return run_watched(scenario, progress, web, flag="web", cluster=cluster, workers=workers)
    if cluster is not None:
        from surge.running.distributed.run import run as run_distributed

        abort = Abort(scenario, progress) if scenario.abort_on else None
        return run_distributed(
            scenario,
            cluster,
            progress=progress,
            abort=abort,
            workers=workers,
            on_worker_lost=on_worker_lost,
        )
    return run_here(scenario, progress)
