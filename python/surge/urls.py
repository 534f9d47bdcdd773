"""Target URLs: parsing, and redaction so that secrets never reach results or logs."""

from __future__ import annotations

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


def redact_url(url: str) -> str:
    """Replaces the password of user:password@host with ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))
