"""Plain HTTP operations: what one request of a scenario looks like (surge.http.get, post, put,
delete and request), and the rules they follow outside a journey.

Paths, header values and bodies are templates: `{name}` is a variable declared in
`variables` (drawn once per request) or an inline generator such as `{uuid}` or
`{uniform(1,100)}`. Any other brace is plain text, so JSON bodies need no escaping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import surge._core as _core
from surge import checks
from surge.errors import ConfigError

# surge.http.journey(...), .feeder(...) and .transaction(...) are what scenarios write.
from surge.protocols.http.extras import StepExtras
from surge.urls import SECRET_HEADERS


@dataclass(frozen=True)
class HttpOperation:
    name: str
    method: str = "GET"
    path: str = "/"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)
    weight: float = _core.DEFAULT_WEIGHT
    expect_status: tuple[int, ...] = ()
    expect_body: str = ""
    # A cache read: a response with this status is a miss (counted, not an error); any status
    # below 400 is a hit.
    miss_status: int | None = None
    # A response body longer than this many bytes is malformed (and its connection closed);
    # None: no limit.
    max_body_bytes: int | None = None
    # A journey's step (surge.protocols.http.journeys): captures, checks, think time, on_failure.
    extras: StepExtras = field(default_factory=StepExtras)
    # The journey this operation is a step of, once the run is planned ("" for a plain one).
    journey: str = ""
    # {names} its templates use that are neither its variables nor generators: a journey's
    # captures or feeder columns (found in __post_init__).
    user_variables: frozenset[str] = field(default=frozenset(), init=False)

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
        if self.journey:
            return {"request_type": self.request_type, "kind": "step", "journey": self.journey}
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
        if self.journey:
            op.step = self.extras.engine_step()
        return op

    def __post_init__(self) -> None:
        name = checks.operation_name(self.name)
        where = f"operation {name!r}"
        method = checks.text(self.method, f"{where}: method")
        if not _TOKEN.fullmatch(method):
            raise ConfigError(
                f"{where}: method must be one word such as GET or POST, got {method!r}"
            )
        path = checks.single_line(checks.text(self.path, f"{where}: path"), f"{where}: path")
        if not path.startswith("/"):
            raise ConfigError(f"{where}: path must start with '/', got {path!r}")
        if " " in path or "\t" in path:
            raise ConfigError(f"{where}: path must not contain spaces; write them as %20: {path!r}")
        for header, value in checks.text_map(self.headers, f"{where}: headers").items():
            if not _TOKEN.fullmatch(header):
                raise ConfigError(
                    f"{where}: header name {header!r} must be one word without spaces"
                )
            checks.single_line(value, f"{where}: header {header!r}")
        checks.generators(self.variables, f"{where}: variables")
        checks.text(self.body, f"{where}: body", empty=True)
        self.extras.validate(where)
        texts = [path, self.body, *self.headers.values()]
        texts += [r for r in self.extras.check.values() if isinstance(r, str)]
        used = {m.group(1) for t in texts for m in _PLACEHOLDER.finditer(t)}
        user = frozenset(used - set(self.variables) - _BARE_GENERATORS)
        object.__setattr__(self, "user_variables", user)
        # A user variable renders as a stand-in here: whether it exists is the journey's check.
        stand_ins = {**self.variables, **{name: "choice(x)" for name in user}}
        checks.templates(texts, stand_ins, where)
        if not self.journey:  # a journey's step has weight 0: its journey is drawn, not it
            checks.weight(self.weight, where)
        for status in self.expect_status:
            checks.whole(status, f"{where}: expect_status (HTTP codes)", 100, 599)
        checks.text(self.expect_body, f"{where}: expect_body", empty=True)
        checks.optional_whole(self.miss_status, f"{where}: miss_status (an HTTP code)", 100, 599)
        checks.optional_whole(self.max_body_bytes, f"{where}: max_body_bytes", 1, 2**62)


# A method or header name: an HTTP token (RFC 9110), letters, digits and a few symbols.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# A {name} placeholder; generators written without arguments are not variables.
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BARE_GENERATORS = frozenset({"seq", "uuid", "now_ns"})


def request(
    name: str,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: str = "",
    variables: Mapping[str, str] | None = None,
    weight: float = _core.DEFAULT_WEIGHT,
    expect_status: int | Iterable[int] = (),
    expect_body: str = "",
    miss_status: int | None = None,
    max_body_bytes: int | None = None,
    capture: Mapping[str, str] | None = None,
    check: Mapping[str, Any] | None = None,
    think: Any = None,
    on_failure: str = "abort",
) -> HttpOperation:
    where = f"operation {checks.operation_name(name)!r}"
    if isinstance(expect_status, int):  # one status: expect_status=200
        expect_status = (expect_status,)
    return HttpOperation(
        name=name,
        method=checks.text(method, f"{where}: method").upper(),
        path=path,
        headers=checks.text_map(headers, f"{where}: headers"),
        body=body,
        variables=checks.text_map(variables, f"{where}: variables"),
        weight=weight,
        expect_status=tuple(checks.sequence(expect_status, f"{where}: expect_status")),
        expect_body=expect_body,
        miss_status=miss_status,
        max_body_bytes=max_body_bytes,
        extras=StepExtras(
            capture=capture if capture is not None else {},
            check=check if check is not None else {},
            think=think,
            on_failure=on_failure,
        ),
    )


def get(name: str, path: str, **kwargs) -> HttpOperation:
    return request(name, "GET", path, **kwargs)


def post(name: str, path: str, **kwargs) -> HttpOperation:
    return request(name, "POST", path, **kwargs)


def put(name: str, path: str, **kwargs) -> HttpOperation:
    return request(name, "PUT", path, **kwargs)


def delete(name: str, path: str, **kwargs) -> HttpOperation:
    return request(name, "DELETE", path, **kwargs)


def check_plain(op: HttpOperation) -> None:
    """What only a journey's step may have: captures and the rest, and user variables."""
    where = f"operation {op.name!r}"
    if op.user_variables:
        name = sorted(op.user_variables)[0]
        raise ConfigError(
            f"{where}: unknown template variable {{{name}}}: declare it in variables=, use a "
            f"generator such as {{uuid}}, or capture it in a journey step "
            f"(surge.http.journey(..., [..., capture={{{name!r}: '$.{name}'}}]))"
        )
    if not op.extras.empty:
        raise ConfigError(
            f"{where}: capture=, check=, think= and on_failure= are for a journey's steps: "
            "put it in surge.http.journey(name, [steps])"
        )
