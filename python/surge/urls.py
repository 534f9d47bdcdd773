"""Target URLs: parsing, and redaction so that secrets never reach results or logs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from surge.errors import ConfigError


@dataclass(frozen=True)
class HttpTarget:
    host: str
    port: int
    base_path: str
    host_header: str
    tls: bool = False  # https://


def _split(url: str) -> tuple[SplitResult, int | None]:
    """The URL's parts and its port (None when it names none), or one ConfigError. urlsplit
    silently drops tabs and line breaks, so they are refused before it sees them."""
    if not isinstance(url, str):
        raise ConfigError(f"bad URL {url!r}: expected text such as http://127.0.0.1:8080")
    if any(c <= " " or c == "\x7f" for c in url):
        raise ConfigError(
            f"bad URL {redact_url(url)!r}: it holds a space or a control character "
            "(write a space as %20)"
        )
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 - an unclosed [IPv6 bracket raises here
    except ValueError as exc:
        raise ConfigError(
            f"bad URL {redact_url(url)!r}: {exc}; write it as http://HOST:PORT/PATH (an IPv6 "
            "host in brackets: http://[::1]:8080/)"
        ) from None
    # The port as written: after the userinfo and any [IPv6] host. urlsplit's own .port takes
    # non-ASCII digits and port 0.
    host_port = parts.netloc.rpartition("@")[2].rpartition("]")[2]
    _, colon, port_text = host_port.rpartition(":")
    if not colon or not port_text:
        return parts, None
    if not (port_text.isascii() and port_text.isdigit() and 1 <= int(port_text) <= 65535):
        raise ConfigError(
            f"bad URL {redact_url(url)!r}: the port must be a number 1..65535, got {port_text!r}"
        )
    return parts, int(port_text)


def parse_http_url(url: str) -> HttpTarget:
    parts, port = _split(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"bad URL {redact_url(url)!r}: expected http://HOST[:PORT][/PATH] or https://..., "
            "e.g. http://127.0.0.1:8080"
        )
    tls = parts.scheme == "https"
    port = port or (443 if tls else 80)
    host = parts.hostname
    host_header = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return HttpTarget(host, port, parts.path.rstrip("/"), host_header, tls)


@dataclass(frozen=True)
class RedisTarget:
    host: str
    port: int
    unix_path: str
    db: int
    username: str
    password: str = field(repr=False)
    tls: bool = False  # rediss://


_KEYWORD_DSN = re.compile(r"^\s*[a-z_]+\s*=")


def is_postgres_dsn(dsn: str) -> bool:
    """A libpq connection string: a postgres(ql):// URL, or key=value pairs."""
    scheme = dsn.split("://", 1)[0].lower() if "://" in dsn else None
    if scheme is not None:
        return scheme in ("postgres", "postgresql")
    return bool(_KEYWORD_DSN.match(dsn))


# SELECT takes a 32-bit index; the server's `databases` setting (16 by default) is the real bound.
_MAX_DB = 2**31 - 1


def is_redis_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in ("redis", "valkey", "unix", "rediss", "valkeys")


def parse_redis_url(url: str) -> RedisTarget:
    """redis://[user:pass@]host[:port][/db] (rediss:// over TLS), or
    unix:///path/to/socket[?db=N&password=P]."""
    parts, port = _split(url)
    query = dict(q.split("=", 1) for q in parts.query.split("&") if "=" in q)
    if parts.scheme == "unix":
        if not parts.path:
            raise ConfigError(f"bad URL {redact_url(url)!r}: expected unix:///path/to/redis.sock")
        db_text, path = query.get("db", "0"), parts.path
        host, port = "", 0
    elif parts.scheme in ("redis", "valkey", "rediss", "valkeys") and parts.hostname:
        db_text, path = parts.path.strip("/") or "0", ""
        host, port = parts.hostname, port or 6379
    else:
        raise ConfigError(
            f"bad URL {redact_url(url)!r}: expected redis://[user:pass@]HOST[:PORT][/DB] "
            "or unix:///PATH"
        )
    if not (db_text.isascii() and db_text.isdigit() and int(db_text) <= _MAX_DB):
        raise ConfigError(
            f"bad URL {redact_url(url)!r}: the database must be a number 0..{_MAX_DB}, "
            f"got {db_text!r}"
        )
    password = parts.password or query.get("password", "")
    username = (parts.username or "") if parts.password else ""
    tls = parts.scheme in ("rediss", "valkeys")
    return RedisTarget(host, port, path, int(db_text), username, password, tls)


# Query parameters and libpq keywords whose values are secrets.
_SECRET_NAMES = re.compile(
    r"^(password|passwd|pwd|pass|sslpassword|secret|client_secret|token|access_token|"
    r"refresh_token|id_token|auth|authorization|api[_-]?key|apikey|key|signature|sig)$",
    re.IGNORECASE,
)
# Header values that carry credentials.
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token"}
)
_KEYWORD_SECRET = re.compile(
    r"\b(password|sslpassword)(\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE
)
_USERINFO_PASSWORD = re.compile(r"://[^/@:]*:([^/@]*)@")


def _query_secrets(query: str) -> list[str]:
    return [
        value
        for name, _, value in (q.partition("=") for q in query.split("&"))
        if _SECRET_NAMES.match(name) and value
    ]


def secrets_of(url: str) -> list[str]:
    """The secrets a URL or DSN carries, as written and decoded: the password of
    user:password@, secret query parameters (password=, token=, api_key=, ...), and
    password=/sslpassword= of a key=value string."""
    found: list[str] = []
    if "://" not in url and _KEYWORD_DSN.match(url):
        found = [m.group(3).strip("'") for m in _KEYWORD_SECRET.finditer(url)]
    else:
        found = [m.group(1) for m in _USERINFO_PASSWORD.finditer(url)]
        query = url.split("?", 1)[1].split("#", 1)[0] if "?" in url else ""
        found += _query_secrets(query)
    decoded = [unquote(s) for s in found]
    return sorted({s for s in found + decoded if s}, key=len, reverse=True)


def scrub(text: str, *urls: str) -> str:
    """`text` (a message from a library that may quote its input) with the secrets of `urls`
    replaced by ***."""
    for url in urls:
        for secret in secrets_of(url):
            text = text.replace(secret, "***")
    return text


def redact_value(value: Any) -> Any:
    """A setting as results and reprs show it: strings that look like URLs or DSNs redacted."""
    if isinstance(value, str) and ("://" in value or "=" in value):
        return redact_url(value)
    return value


def redact_url(url: str) -> str:
    """The URL or DSN with its secrets replaced by ***: the password of user:password@host,
    secret query parameters (password=, token=, api_key=, ...), and password=/sslpassword= of
    a key=value PostgreSQL string."""
    if "://" not in url and _KEYWORD_DSN.match(url):
        return _KEYWORD_SECRET.sub(r"\1\2***", url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here, and the URL is then not trusted
    except ValueError:
        return scrub("<unparseable URL: " + url + ">", url)
    query = "&".join(
        f"{name}=***" if sep and _SECRET_NAMES.match(name) else q
        for q in parts.query.split("&")
        for name, sep, _ in [q.partition("=")]
    )
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
    if netloc == parts.netloc and query == parts.query:
        return url
    # By hand: urlunsplit drops the empty authority of unix:///path.
    return (
        f"{parts.scheme}://{netloc}{parts.path}"
        + (f"?{query}" if parts.query else "")
        + (f"#{parts.fragment}" if parts.fragment else "")
    )
