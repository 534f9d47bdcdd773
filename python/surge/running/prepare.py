"""The scenario a run takes, made once for every way into a run (surge.run, surge.start, the
CLI's --web, the web UI, pytest): checked, overridden and scaled by SURGE_SCALE. Its own
module, so that the handle and the web UI need not import the runner, which imports them."""

from __future__ import annotations

from typing import Any

from surge.errors import ConfigError
from surge.model.scale import scale_from_env, scaled
from surge.model.scenario import Scenario


def prepared(scenario: Scenario, overrides: dict[str, Any], what: str) -> Scenario:
    """The scenario a run takes: checked, with any field overridden, and scaled once by
    SURGE_SCALE. Every way into a run (run, start, the CLI's --web) goes through it once."""
    if not isinstance(scenario, Scenario):
        raise ConfigError(f"{what}: expected a surge.Scenario, got {scenario!r}")
    if overrides:
        scenario = scenario.replace(**overrides)
    factor = scale_from_env()
    return scaled(scenario, factor) if factor is not None else scenario


def check_dask_cluster(cluster: Any) -> None:
    """run's and start's cluster= is Dask's; True there most likely meant a Redis Cluster."""
    if isinstance(cluster, bool):
        raise ConfigError(
            "cluster: surge.run's cluster= is the Dask cluster to spread the run over, a "
            "distributed.Client, a scheduler address or a number of local workers; to load a "
            "Redis Cluster, give the Scenario cluster=True"
        )
