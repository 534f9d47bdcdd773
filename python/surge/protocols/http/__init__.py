"""surge.http: HTTP operations and journeys, and the protocol's entry in the registry.

http.get("health", "/api/v1/health", expect_body="healthy")
http.journey("crud", [http.post(...), http.get(...)], feeder=http.feeder("rows.csv"))
"""

from __future__ import annotations

from typing import Any

import surge._core as _core
from surge import reach
from surge.errors import ConfigError
from surge.protocols.http.extras import StepExtras
from surge.protocols.http.journeys import (
    Feeder,
    HttpJourney,
    Transaction,
    engine_journeys,
    feeder,
    journey,
    transaction,
)
from surge.protocols.http.operations import (
    HttpOperation,
    check_plain,
    delete,
    get,
    post,
    put,
    request,
)
from surge.protocols.protocol import Protocol
from surge.urls import parse_http_url

__all__ = [
    "PROTOCOL",
    "Feeder",
    "HttpJourney",
    "HttpOperation",
    "StepExtras",
    "Transaction",
    "delete",
    "feeder",
    "get",
    "journey",
    "post",
    "put",
    "request",
    "transaction",
]


def check_plan(plan: Any) -> None:
    """Plain operations' own rules (check_plain), and journeys' HTTP version."""
    for op in plan.operations:
        if isinstance(op, HttpOperation) and not op.journey:
            check_plain(op)
    if any(isinstance(op, HttpJourney) for op in plan.operations) and plan.http_version == 2:
        raise ConfigError(
            "journeys run over HTTP/1.1 only for now: use http_version='1.1' (--http 1.1)"
        )


def engine_spec(plan: Any) -> _core.HttpRunSpec:
    target = plan.target
    spec = _core.HttpRunSpec()
    spec.host, spec.port, spec.host_header = target.host, target.port, target.host_header
    if plan.tls is not None:
        spec.tls, spec.tls_options = True, plan.tls.engine_options()
    spec.http_version, spec.max_streams = plan.http_version, plan.max_streams
    spec.operations = [op.engine_operation(target.base_path) for op in plan.operations]
    engine_journeys(spec, plan.operations)
    return spec


PROTOCOL = Protocol(
    name="http",
    label="http://",
    operation_type=(HttpOperation, HttpJourney),  # TransactionRow: only from a journey
    expand=lambda operations: [
        row for op in operations for row in (op.expanded() if isinstance(op, HttpJourney) else [op])
    ],
    check=check_plan,
    claims=lambda _url: True,
    parse_target=parse_http_url,
    engine_spec=engine_spec,
    run=_core.run_http,
    default_timeout="30s",
    reach=reach.http,
    settings=frozenset({"http_version", "max_streams", "io_uring"}),
    cli="surge.protocols.http.cli",
)
