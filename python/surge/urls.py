"""Target URLs: parsing, and redaction so that secrets never reach results or logs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError


@dataclass(frozen=True)
class HttpTarget:
    host: str
    port: int
    base_path: str
    host_header: str


def parse_http_url(url: str) -> HttpTarget:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"bad URL {redact_url(url)!r}: {exc}") from None
    if parts.scheme == "https":
        raise ConfigError(f"bad URL {redact_url(url)!r}: https is not supported yet; use http://")
    if parts.scheme != "http" or not parts.hostname:
        raise ConfigError(
            f"bad URL {redact_url(url)!r}: expected http://HOST[:PORT][/PATH], e.g. http://127.0.0.1:8080"
        )
    port = port or 80
    host = parts.hostname
    host_header = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return HttpTarget(host, port, parts.path.rstrip("/"), host_header)


@dataclass(frozen=True)
class RedisTarget:
    host: str
    port: int
    unix_path: str
    db: int
    username: str
    password: str


_KEYWORD_DSN = re.compile(r"^\s*[a-z_]+\s*=")
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def is_postgres_dsn(dsn: str) -> bool:
    """A libpq connection string: a postgres(ql):// URL, or key=value pairs."""
    scheme = dsn.split("://", 1)[0].lower() if "://" in dsn else None
    if scheme is not None:
        return scheme in ("postgres", "postgresql")
    return bool(_KEYWORD_DSN.match(dsn))


def is_redis_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in ("redis", "valkey", "unix", "rediss", "valkeys")


def parse_redis_url(url: str) -> RedisTarget:
    """redis://[user:pass@]host[:port][/db], or unix:///path/to/socket[?db=N&password=P]."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"bad URL {redact_url(url)!r}: {exc}") from None
    query = dict(q.split("=", 1) for q in parts.query.split("&") if "=" in q)
    if parts.scheme in ("rediss", "valkeys"):
        raise ConfigError(f"bad URL {redact_url(url)!r}: TLS is not supported yet; use redis://")
    if parts.scheme == "unix":
        if not parts.path:
            raise ConfigError(f"bad URL {redact_url(url)!r}: expected unix:///path/to/redis.sock")
        db_text, path = query.get("db", "0"), parts.path
        host, port = "", 0
    elif parts.scheme in ("redis", "valkey") and parts.hostname:
        db_text, path = parts.path.strip("/") or "0", ""
        host, port = parts.hostname, port or 6379
    else:
        raise ConfigError(
            f"bad URL {redact_url(url)!r}: expected redis://[user:pass@]HOST[:PORT][/DB] "
            "or unix:///PATH"
        )
    if not db_text.isdigit():
        raise ConfigError(
            f"bad URL {redact_url(url)!r}: the database must be a number, got {db_text!r}"
        )
    password = parts.password or query.get("password", "")
    username = (parts.username or "") if parts.password else ""
    return RedisTarget(host, port, path, int(db_text), username, password)


def redact_url(url: str) -> str:
    """Replaces the password of user:password@host, a password= query parameter, or the
    password of a key=value PostgreSQL string with ***."""
    if "://" not in url and _KEYWORD_DSN.match(url):
        return _KEYWORD_PASSWORD.sub(r"\1***", url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        if "password=" in parts.query:
            query = "&".join(
                "password=***" if q.startswith("password=") else q for q in parts.query.split("&")
            )
            return urlunsplit(parts._replace(query=query))
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))
