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

from . import http, postgres, redis, services, shapes, slo, think
from ._core import __version__
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
from .scenario import Scenario, scenario
from .target import Target
from .think import between, constant, constant_pacing, constant_throughput, exponential

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
    "Users",
    "__version__",
    "between",
    "constant",
    "constant_pacing",
    "constant_throughput",
    "exponential",
    "http",
    "load",
    "load_all",
    "postgres",
    "redis",
    "run",
    "scenario",
    "services",
    "shapes",
    "slo",
    "think",
]
