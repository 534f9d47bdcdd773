"""surge: a load and latency engine. C++ does the load; Python describes it.

import surge
from surge import http

scenario = surge.Scenario(
    name="health",
    base_url="http://127.0.0.1:8080",
    operations=[http.get("health", "/api/v1/health")],
    load=surge.ConstantRate(1000, connections=16),
    duration="10s",
)
result = surge.run(scenario)
"""

from __future__ import annotations

import importlib

# Not from typing: importing it costs more than the rest of `import surge`; type checkers
# treat a TYPE_CHECKING of one's own the same way.
TYPE_CHECKING = False

# Names are loaded when first used (PEP 562): `import surge` costs a few milliseconds, and
# `surge --version` or a pytest run that never loads a scenario do not pay for the engine,
# the report or the live view.
_WHERE = {
    "ConfigError": "errors",
    "RunError": "errors",
    "Connections": "model.load_models",
    "ConstantRate": "model.load_models",
    "Iterations": "model.load_models",
    "RampingRate": "model.load_models",
    "RampingUsers": "model.load_models",
    "Users": "model.load_models",
    "Result": "results.result",
    "load": "results.loading",
    "load_all": "results.loading",
    "run": "running.runner",
    "start": "running.handle",
    "RunHandle": "running.handle",
    "capacity": "running.capacity",
    "Scenario": "model.scenario",
    "scenario": "model.scenario",
    "Target": "target.client",
    "Tls": "tls",
    "between": "model.think",
    "constant": "model.think",
    "constant_pacing": "model.think",
    "constant_throughput": "model.think",
    "exponential": "model.think",
    "__version__": "_core",
}
# The public submodules, by where each lives.
_SUBMODULES = {
    "compare": "results.compare",
    "http": "protocols.http",
    "monitor": "monitor",
    "pgbench": "protocols.postgres.pgbench",
    "postgres": "protocols.postgres",
    "redis": "protocols.redis",
    "services": "services",
    "shapes": "running.shapes",
    "slo": "results.slo",
    "think": "model.think",
}

if TYPE_CHECKING:
    from typing import Any

    from surge import monitor, services
    from surge._core import __version__
    from surge.errors import ConfigError, RunError
    from surge.model import think
    from surge.model.load_models import (
        Connections,
        ConstantRate,
        Iterations,
        RampingRate,
        RampingUsers,
        Users,
    )
    from surge.model.scenario import Scenario, scenario
    from surge.model.think import (
        between,
        constant,
        constant_pacing,
        constant_throughput,
        exponential,
    )
    from surge.protocols import http, postgres, redis
    from surge.protocols.postgres import pgbench
    from surge.results import compare, slo
    from surge.results.loading import load, load_all
    from surge.results.result import Result
    from surge.running import shapes
    from surge.running.capacity import capacity
    from surge.running.handle import RunHandle, start
    from surge.running.runner import run
    from surge.target.client import Target
    from surge.tls import Tls


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        value = importlib.import_module(f".{_SUBMODULES[name]}", __name__)
    elif name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    else:
        raise AttributeError(f"module 'surge' has no attribute {name!r}")
    globals()[name] = value  # the next use is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ConfigError",
    "Connections",
    "ConstantRate",
    "Iterations",
    "RampingRate",
    "RampingUsers",
    "Result",
    "RunError",
    "RunHandle",
    "Scenario",
    "Target",
    "Tls",
    "Users",
    "__version__",
    "between",
    "capacity",
    "compare",
    "constant",
    "constant_pacing",
    "constant_throughput",
    "exponential",
    "http",
    "load",
    "load_all",
    "monitor",
    "pgbench",
    "postgres",
    "redis",
    "run",
    "scenario",
    "services",
    "shapes",
    "slo",
    "start",
    "think",
]
