"""A real redis-server (or valkey-server) on a free loopback port, in a temporary directory.

    with RedisServer() as server:
        server.url          # redis://127.0.0.1:PORT/0
        server.kill()       # crash it (SIGKILL), e.g. to test reconnects
        server.start()      # and bring it back on the same port

Nothing is saved to disk and the directory is removed on stop. People who bring their own
server set REDIS_URL or VALKEY_URL; `redis_url_from_env()` returns it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from surge.errors import ConfigError

_START_TIMEOUT_S = 10.0


def redis_url_from_env() -> str | None:
    """REDIS_URL or VALKEY_URL, when the user brings a server; None otherwise."""
    return os.environ.get("REDIS_URL") or os.environ.get("VALKEY_URL") or None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _executable(name: str | None) -> str:
    candidates = [name] if name else ["redis-server", "valkey-server"]
    for candidate in candidates:
        found = shutil.which(candidate) or (
            candidate if os.path.isabs(candidate) and os.access(candidate, os.X_OK) else None
        )
        if found:
            return found
    raise ConfigError(
        f"no {' or '.join(candidates)} on PATH: install it (apt install redis-server) "
        "or set REDIS_URL to a server you run"
    )


class RedisServer:
    """Starts redis-server on 127.0.0.1 (`port=0`: a free one) with an optional password."""

    def __init__(
        self,
        port: int = 0,
        *,
        password: str | None = None,
        unix_socket: bool = False,
        executable: str | None = None,
        cpu: int | None = None,
        directory: str | Path | None = None,
        tls: bool = False,
        tls_name: str = "localhost",
        config: list[str] | None = None,
    ):
        """`directory`: where the config, log and socket go (made if missing); by default a
        temporary one that stop() removes. `config`: more redis.conf lines (a cluster node's)."""
        self._executable = _executable(executable)
        self.port = port or _free_port()
        # tls=True: a second port speaks TLS (rediss://), with a certificate made at start.
        self.tls_port = _free_port() if tls else None
        self.tls_name = tls_name  # the certificate's host name (127.0.0.1 is in it too)
        self.password = password
        self._unix_socket = unix_socket
        self._cpu = cpu  # pin the server to this core (taskset), for benchmarks
        self._dir: Path | None = Path(directory).resolve() if directory else None
        if self._dir is not None:
            self._dir.mkdir(parents=True, exist_ok=True)
        self._process: subprocess.Popen | None = None
        self._config = list(config or [])

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    @property
    def tls_url(self) -> str | None:
        """rediss://…:TLS_PORT/0 when started with tls=True."""
        if self.tls_port is None:
            return None
        auth = f":{self.password}@" if self.password else ""
        return f"rediss://{auth}127.0.0.1:{self.tls_port}/0"

    @property
    def certificate(self) -> Path | None:
        """The TLS port's certificate (PEM), to trust with --ca."""
        return self._dir / "server.crt" if self.tls_port is not None and self._dir else None

    @property
    def unix_url(self) -> str | None:
        """unix:///…/redis.sock when started with unix_socket=True."""
        if not self._unix_socket or self._dir is None:
            return None
        auth = f"?password={self.password}" if self.password else ""
        return f"unix://{self._dir / 'redis.sock'}{auth}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> RedisServer:
        if self.running:
            return self
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="surge-redis-"))
        config = self._dir / "redis.conf"
        lines = [
            f"port {self.port}",
            "bind 127.0.0.1",
            f"dir {self._dir}",
            'save ""',
            "appendonly no",
            "daemonize no",
            f"logfile {self._dir / 'redis.log'}",
        ]
        if self.password:
            lines.append(f"requirepass {self.password}")
        lines += self._config
        if self._unix_socket:
            lines += [f"unixsocket {self._dir / 'redis.sock'}", "unixsocketperm 700"]
        if self.tls_port is not None:
            import surge._core as _core

            cert_pem, key_pem = _core.tls_self_signed(self.tls_name)
            (self._dir / "server.crt").write_text(cert_pem)
            (self._dir / "server.key").write_text(key_pem)
            lines += [
                f"tls-port {self.tls_port}",
                f"tls-cert-file {self._dir / 'server.crt'}",
                f"tls-key-file {self._dir / 'server.key'}",
                f"tls-ca-cert-file {self._dir / 'server.crt'}",
                "tls-auth-clients no",
            ]
        config.write_text("\n".join(lines) + "\n")
        pin = ["taskset", "-c", str(self._cpu)] if self._cpu is not None else []
        self._process = subprocess.Popen(
            [*pin, self._executable, str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in a terminal reaches surge, not the server
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        # Ready means *our* process logged that it accepts connections: a PING alone could be
        # answered by another server that already holds the port.
        log = self._dir / "redis.log" if self._dir else None
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                break
            logged = log.read_text(errors="replace") if log and log.exists() else ""
            if "Ready to accept connections" in logged and self.ping():
                return
            time.sleep(0.02)
        tail = (
            log.read_text(errors="replace").strip().splitlines()[-1:]
            if log and log.exists()
            else []
        )
        self.stop()
        raise ConfigError(
            f"redis-server did not start on port {self.port}" + (f": {tail[0]}" if tail else "")
        )

    def ping(self) -> bool:
        """True when the server answers PING (after AUTH, if it has a password)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                request = b"PING\r\n"
                if self.password:
                    request = f"AUTH {self.password}\r\n".encode() + request
                s.sendall(request)
                reply = b""
                while reply.count(b"\r\n") < request.count(b"\r\n"):
                    chunk = s.recv(256)
                    if not chunk:
                        return False
                    reply += chunk
                return reply.endswith(b"+PONG\r\n")
        except OSError:
            return False

    def kill(self) -> None:
        """Ends the server at once (SIGKILL), keeping its directory; start() brings it back."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
