"""Whether a target can be reached at all, asked once before a command's run.

The policy, the same for every command: a target that cannot be reached when the run starts
(nothing listens, the name does not resolve, the password or database is wrong, the server
speaks another protocol) stops the command before any load, with one line naming the target
and the cause, and exit 2. PostgreSQL's engine has always done this on its first connect; HTTP
and Redis do it here. Once the run has started, every fault is counted and the run goes on:
a server that restarts mid-run is a result, not a usage error.

`surge.run` does not call this: a library user who points a run at a closed port (a chaos
test, a server started later) gets the refusals counted, as before.
"""

from __future__ import annotations

import socket
from typing import Any

from surge.errors import ConfigError


def _where(host: str, port: int, unix_path: str) -> str:
    if unix_path:
        return unix_path
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def connect(host: str, port: int, unix_path: str, timeout_s: float, what: str) -> socket.socket:
    """A connected socket, or one ConfigError that says why there is none."""
    where = _where(host, port, unix_path)
    try:
        if unix_path:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout_s)
            try:
                sock.connect(unix_path)
            except BaseException:
                sock.close()
                raise
            return sock
        return socket.create_connection((host, port), timeout=timeout_s)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot resolve {host!r}: {exc.strerror}") from None
    except ConnectionRefusedError:
        raise ConfigError(
            f"cannot reach {where}: connection refused; is {what} listening there?"
        ) from None
    except FileNotFoundError:
        raise ConfigError(f"cannot reach {where}: no such socket; is {what} running?") from None
    except TimeoutError:
        raise ConfigError(f"cannot reach {where}: no answer within {timeout_s:g}s") from None
    except OSError as exc:
        raise ConfigError(f"cannot reach {where}: {exc.strerror or exc}") from None


def http(target: Any, timeout_s: float, _tls: Any = None) -> None:
    """An HTTP target answers a TCP connect; what it says to requests is the run's to count."""
    connect(target.host, target.port, "", timeout_s, "an HTTP server").close()


def resp_command(*words: str) -> bytes:
    parts = [f"*{len(words)}\r\n".encode()]
    for word in words:
        data = word.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def reply_line(sock: socket.socket, where: str) -> str:
    """The first line of the next reply; its type byte tells a Redis server from others."""
    data = b""
    while b"\r\n" not in data and len(data) < 512:
        try:
            chunk = sock.recv(512)
        except TimeoutError:
            raise ConfigError(f"{where} does not answer like a Redis server: no reply") from None
        if not chunk:
            raise ConfigError(f"{where} closed the connection: is it a Redis server?")
        data += chunk
    line = data.split(b"\r\n", 1)[0].decode("utf-8", "replace")
    if not line or line[0] not in "+-:$*%_#,(=!|>~":
        shown = line[:60] if line.isprintable() else repr(line[:60])
        raise ConfigError(
            f"{where} is not a Redis server: it answered {shown!r}; give a Redis server's address"
        )
    return line


def _tls_wrap(sock: socket.socket, host: str, tls: Any, where: str) -> socket.socket:
    """rediss://: the TLS handshake as the run's connections will make it, or one ConfigError
    naming why it failed."""
    import ssl

    from surge.tls import Tls

    try:
        return (tls or Tls()).ssl_context().wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        sock.close()
        raise ConfigError(
            f"cannot reach {where}: certificate not trusted: {exc.verify_message}; "
            "trust its CA with --ca, or --insecure for a test server"
        ) from None
    except (ssl.SSLError, OSError) as exc:
        sock.close()
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        raise ConfigError(f"cannot reach {where}: TLS handshake failed: {reason}") from None


def redis(target: Any, timeout_s: float, tls: Any = None) -> None:
    """Connects (with TLS for rediss://), authenticates and selects the database as each
    connection of the run will, then PINGs. A refusal names the step; the password is never
    shown."""
    where = _where(target.host, target.port, target.unix_path)
    sock = connect(target.host, target.port, target.unix_path, timeout_s, "a Redis server")
    if target.tls:
        sock = _tls_wrap(sock, target.host, tls, where)
    with sock:
        steps: list[tuple[str, tuple[str, ...]]] = []
        if target.password:
            auth = (target.username, target.password) if target.username else (target.password,)
            steps.append(("AUTH", ("AUTH", *auth)))
        if target.db:
            steps.append((f"SELECT {target.db}", ("SELECT", str(target.db))))
        steps.append(("PING", ("PING",)))
        for label, words in steps:
            try:
                sock.sendall(resp_command(*words))
            except OSError as exc:
                raise ConfigError(f"cannot talk to {where}: {exc.strerror or exc}") from None
            line = reply_line(sock, where)
            if line.startswith("-"):
                hint = ""
                if line[1:].startswith("NOAUTH"):
                    hint = "; give it in the URL: redis://[USER:]PASSWORD@HOST:PORT"
                elif label == "AUTH":
                    hint = "; check the password (and user) in the URL"
                elif label.startswith("SELECT"):
                    hint = "; check the database number at the end of the URL"
                raise ConfigError(f"{where} refused {label}: {line[1:]}{hint}")


def check(scenario: Any) -> None:
    """Raises ConfigError when the scenario's target cannot be reached at all."""
    plan = scenario.plan
    plan.protocol.reach(plan.target, plan.connect_timeout_ns / 1e9, plan.tls)
