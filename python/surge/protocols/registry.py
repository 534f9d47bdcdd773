"""The protocol registry: every protocol surge speaks, in the order targets are matched. A new
protocol is one module (its operations, converter and `PROTOCOL`) and one line here."""

from __future__ import annotations

from surge.protocols import http, postgres, redis
from surge.protocols.protocol import Protocol

# http claims every URL the others do not, so its parser names what is wrong with one.
PROTOCOLS: tuple[Protocol, ...] = (redis.PROTOCOL, postgres.PROTOCOL, http.PROTOCOL)


def for_target(url: str) -> Protocol:
    """The protocol of a target URL or DSN."""
    return next(p for p in PROTOCOLS if p.claims(url))


def taking(setting: str) -> list[Protocol]:
    """The protocols a scenario setting applies to."""
    return [p for p in PROTOCOLS if setting in p.settings]
