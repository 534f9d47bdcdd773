"""A Redis or Valkey server watched through INFO while the load runs: memory, clients, commands,
keyspace hits and misses, evictions. One connection of its own, opened (with the URL's
password and user) at the start and again after a failure.

INFO is one request and one bulk-string reply, so it is spoken here over a plain socket with
the RESP helpers of surge.reach rather than through a client library: hiredis is the engine's,
in C++, and a Python Redis client would be a dependency for one command."""

from __future__ import annotations

import socket
from typing import Any, ClassVar

from surge import reach
from surge.errors import ConfigError
from surge.urls import parse_redis_url, redact_url

# INFO field -> the name samples and SLOs use.
_GAUGES = {
    "used_memory": "used_memory",
    "connected_clients": "connected_clients",
    "instantaneous_ops_per_sec": "ops_per_sec",
    "blocked_clients": "blocked_clients",
}
_COUNTERS = {
    "total_commands_processed": "commands",
    "keyspace_hits": "keyspace_hits",
    "keyspace_misses": "keyspace_misses",
    "evicted_keys": "evictions",
    "expired_keys": "expirations",
    "rejected_connections": "rejected_connections",
}
_TIMEOUT_S = 2.0


class RedisSource:
    namespace = "redis"
    kind = "redis"
    counters = frozenset(_COUNTERS.values())
    units: ClassVar[dict[str, str]] = {"used_memory": "B"}

    def __init__(self, url: str):
        if not isinstance(url, str):
            raise ConfigError(f"monitor redis: expected a redis:// URL, got {url!r}")
        try:
            self.target = parse_redis_url(url)
        except ConfigError as exc:
            raise ConfigError(f"monitor redis: {exc}") from None
        self.url = redact_url(url)
        self.sock: socket.socket | None = None

    def describe(self) -> dict[str, Any]:
        return {"url": self.url}

    def open(self) -> None:
        self.close()
        try:
            self.sock = self._connect()
        except ConfigError as exc:
            shown = str(exc).removeprefix("monitor redis: ")
            raise ConfigError(f"monitor redis: {shown}") from None

    def read(self) -> dict[str, float]:
        if self.sock is None:
            self.sock = self._connect()
        try:
            self.sock.sendall(reach.resp_command("INFO"))
            text = _bulk_reply(self.sock)
        except (OSError, ConfigError):
            self.close()
            raise
        fields = dict(
            line.split(":", 1) for line in text.splitlines() if ":" in line and line[0] != "#"
        )
        reading: dict[str, float] = {}
        for info, name in (_GAUGES | _COUNTERS).items():
            if info in fields:
                reading[name] = float(fields[info])
        return reading

    def _connect(self) -> socket.socket:
        t = self.target
        sock = reach.connect(t.host, t.port, t.unix_path, _TIMEOUT_S, "a Redis server")
        if t.password:
            auth = (t.username, t.password) if t.username else (t.password,)
            sock.sendall(reach.resp_command("AUTH", *auth))
            line = reach.reply_line(sock, self.url)
            if line.startswith("-"):
                sock.close()
                raise ConfigError(
                    f"monitor redis: {self.url} refused AUTH: {line[1:]}; check the password "
                    "(and user) in the URL"
                )
        return sock

    derive = None

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def _bulk_reply(sock: socket.socket) -> str:
    """One RESP bulk string (what INFO answers), read whole."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("the server closed the connection")
        data += chunk
    head, _, rest = data.partition(b"\r\n")
    if not head.startswith(b"$"):
        raise OSError(f"INFO answered {head[:80].decode('utf-8', 'replace')!r}")
    length = int(head[1:])
    while len(rest) < length + 2:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("the server closed the connection")
        rest += chunk
    return rest[:length].decode("utf-8", "replace")
