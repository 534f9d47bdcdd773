"""HTTP operations: what one request of a scenario looks like.

Paths, header values and bodies are templates: `{name}` is a variable declared in
`variables` (drawn once per request) or an inline generator such as `{uuid}` or
`{uniform(1,100)}`. Any other brace is plain text, so JSON bodies need no escaping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import _core
from .errors import ConfigError
from .protocol import Protocol
from .urls import SECRET_HEADERS, parse_http_url


@dataclass(frozen=True)
class HttpOperation:
    name: str
    method: str = "GET"
    path: str = "/"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)
    weight: float = 1.0
    expect_status: tuple[int, ...] = ()
    expect_body: str = ""
    # A cache read: a response with this status is a miss (counted, not an error); any status
    # below 400 is a hit.
    miss_status: int | None = None
    # A response body longer than this many bytes is malformed (and its connection closed);
    # None: no limit.
    max_body_bytes: int | None = None

    @property
    def request_type(self) -> str:
        """What Locust's "Type" column holds for this operation: the HTTP method."""
        return self.method

    def __repr__(self) -> str:
        # Credentials in headers (Authorization, Cookie, X-Api-Key) stay out of reprs and logs.
        headers = {k: "***" if k.lower() in SECRET_HEADERS else v for k, v in self.headers.items()}
        return (
            f"HttpOperation(name={self.name!r}, method={self.method!r}, path={self.path!r}, "
            f"headers={headers!r}, weight={self.weight!r})"
        )

    def result_fields(self) -> dict[str, Any]:
        """What the results say of this operation beside its statistics."""
        return {"request_type": self.request_type}

    def engine_operation(self, base_path: str) -> _core.HttpOperation:
        op = _core.HttpOperation()
        op.name = self.name
        op.weight = float(self.weight)
        op.method = self.method
        op.path = base_path + self.path
        op.headers = list(self.headers.items())
        op.body = self.body
        op.variables = list(self.variables.items())
        op.expect_status = list(self.expect_status)
        op.expect_body = self.expect_body
        op.miss_status = self.miss_status or 0
        op.max_body_bytes = self.max_body_bytes or 0
        return op

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ConfigError("operation name: must be a non-empty string")
        if not self.path.startswith("/"):
            raise ConfigError(
                f"operation {self.name!r}: path must start with '/', got {self.path!r}"
            )
        if not (isinstance(self.weight, (int, float)) and self.weight > 0):
            raise ConfigError(f"operation {self.name!r}: weight must be > 0, got {self.weight!r}")
        for status in self.expect_status:
            if not (isinstance(status, int) and 100 <= status <= 599):
                raise ConfigError(
                    f"operation {self.name!r}: expect_status holds {status!r}; "
                    "use HTTP codes 100..599"
                )
        if self.max_body_bytes is not None and (
            not isinstance(self.max_body_bytes, int)
            or isinstance(self.max_body_bytes, bool)
            or not 1 <= self.max_body_bytes <= 2**62
        ):
            raise ConfigError(
                f"operation {self.name!r}: max_body_bytes must be a whole number of bytes >= 1, "
                f"got {self.max_body_bytes!r}"
            )
        if self.miss_status is not None and not (
            isinstance(self.miss_status, int) and 100 <= self.miss_status <= 599
        ):
            raise ConfigError(
                f"operation {self.name!r}: miss_status must be an HTTP code, "
                f"got {self.miss_status!r}"
            )


def request(
    name: str,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: str = "",
    variables: Mapping[str, str] | None = None,
    weight: float = 1.0,
    expect_status: Iterable[int] = (),
    expect_body: str = "",
    miss_status: int | None = None,
    max_body_bytes: int | None = None,
) -> HttpOperation:
    return HttpOperation(
        name=name,
        method=method.upper(),
        path=path,
        headers=dict(headers or {}),
        body=body,
        variables=dict(variables or {}),
        weight=weight,
        expect_status=tuple(expect_status),
        expect_body=expect_body,
        miss_status=miss_status,
        max_body_bytes=max_body_bytes,
    )


def get(name: str, path: str, **kwargs) -> HttpOperation:
    return request(name, "GET", path, **kwargs)


def post(name: str, path: str, **kwargs) -> HttpOperation:
    return request(name, "POST", path, **kwargs)


def put(name: str, path: str, **kwargs) -> HttpOperation:
    return request(name, "PUT", path, **kwargs)


def delete(name: str, path: str, **kwargs) -> HttpOperation:
    return request(name, "DELETE", path, **kwargs)


def engine_spec(plan: Any) -> _core.HttpRunSpec:
    target = plan.target
    spec = _core.HttpRunSpec()
    spec.host, spec.port, spec.host_header = target.host, target.port, target.host_header
    spec.operations = [op.engine_operation(target.base_path) for op in plan.operations]
    return spec


PROTOCOL = Protocol(
    name="http",
    label="http://",
    operation_type=HttpOperation,
    claims=lambda _url: True,
    parse_target=parse_http_url,
    engine_spec=engine_spec,
    run=_core.run_http,
    default_timeout="30s",
)
