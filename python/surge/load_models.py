"""Load models: how requests arrive.

Open model (arrival rate): requests are intended at fixed times, whatever the server does,
and response time counts from that intended time, so stalls show up in full.
Closed model (connections): each connection sends its next request when the last one ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ConfigError


@dataclass(frozen=True)
class ConstantRate:
    """Open model: `rate` requests/s spread evenly over `connections` keep-alive connections."""

    rate: float
    connections: int = 64
    max_backlog: int = 100_000

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ConfigError(f"rate: must be > 0 requests/s, got {self.rate!r}")
        _check_connections(self.connections)
        if self.max_backlog < 0:
            raise ConfigError(f"max_backlog: must be >= 0, got {self.max_backlog!r}")

    def describe(self) -> dict:
        return {
            "model": "open",
            "shape": "constant",
            "rate_per_s": self.rate,
            "connections": self.connections,
            "max_backlog": self.max_backlog,
        }


@dataclass(frozen=True)
class Connections:
    """Closed model: `connections` connections, each with one request in flight."""

    connections: int = 10

    def __post_init__(self) -> None:
        _check_connections(self.connections)

    def describe(self) -> dict:
        return {"model": "closed", "connections": self.connections}


LoadModel = ConstantRate | Connections


def _check_connections(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ConfigError(f"connections: must be a whole number >= 1, got {n!r}")
