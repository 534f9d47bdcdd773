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
    "Connections": "load_models",
    "ConstantRate": "load_models",
    "Iterations": "load_models",
    "RampingRate": "load_models",
    "RampingUsers": "load_models",
    "Users": "load_models",
    "Result": "result",
    "load": "result",
    "load_all": "result",
    "run": "runner",
    "capacity": "capacity_search",
    "Scenario": "scenarios",
    "scenario": "scenarios",
    "Target": "target",
    "Tls": "tls",
    "between": "think",
    "constant": "think",
    "constant_pacing": "think",
    "constant_throughput": "think",
    "exponential": "think",
    "__version__": "_core",
}
_SUBMODULES = {"http", "monitor", "postgres", "redis", "services", "shapes", "slo", "think"}

if TYPE_CHECKING:
    from typing import Any

    from . import http, monitor, postgres, redis, services, shapes, slo, think
    from ._core import __version__
    from .capacity_search import capacity
    from .errors import ConfigError, RunError
    from .load_models import (
        Connections,
        ConstantRate,
        Iterations,
        RampingRate,
        RampingUsers,
        Users,
    )
    from .result import Result, load, load_all
    from .runner import run
    from .scenarios import Scenario, scenario
    from .target import Target
    from .think import between, constant, constant_pacing, constant_throughput, exponential
    from .tls import Tls


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
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
    "Scenario",
    "Target",
    "Tls",
    "Users",
    "__version__",
    "between",
    "capacity",
    "constant",
    "constant_pacing",
    "constant_throughput",
    "exponential",
    "http",
    "load",
    "load_all",
    "monitor",
    "postgres",
    "redis",
    "run",
    "scenario",
    "services",
    "shapes",
    "slo",
    "think",
]
