"""A real PostgreSQL server on a free loopback port, in a temporary directory.

    with PostgresServer() as server:
        server.dsn      # postgresql://surge@127.0.0.1:PORT/postgres

initdb, then pg_ctl. PostgreSQL refuses to run as root, so when surge runs as root the server
runs as an unprivileged user (`postgres`, which Debian's package creates, or the `user`
given) and the directory is handed to that user. Stopping removes everything. People who
bring their own server set POSTGRES_DSN; `postgres_dsn_from_env()` returns it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from surge.errors import ConfigError

_START_TIMEOUT_S = 30.0


def postgres_dsn_from_env() -> str | None:
    return os.environ.get("POSTGRES_DSN") or None


def _bindir() -> Path:
    """Where initdb and pg_ctl live: PATH, pg_config's bindir, or Debian's versioned dirs."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    if shutil.which("pg_config"):
        done = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidate = Path(done.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if versions:
        return Path(versions[-1]).parent
    raise ConfigError(
        "no PostgreSQL server binaries (initdb, pg_ctl): install them (apt install postgresql) "
        "or set POSTGRES_DSN to a server you run"
    )


def _cause(log: str) -> str:
    """The line of a server log that says why it stopped: the first "could not" (a busy port
    logs `could not bind ...: Address already in use`, then `could not create any TCP/IP
    sockets` and `database system is shut down`), else the last FATAL or PANIC, else the last
    line; without the timestamp and level in front."""
    lines = [line.strip() for line in log.strip().splitlines() if line.strip()]
    first_cause = [line for line in lines if "could not" in line][:1]
    fatal = [line for line in lines if "FATAL:" in line or "PANIC:" in line][-1:]
    found = first_cause or fatal or lines[-1:]
    return found[0].split(":  ", 1)[-1] if found else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """Starts PostgreSQL on 127.0.0.1 (`port=0`: a free one) with database user `surge`."""

    def __init__(
        self,
        port: int = 0,
        *,
        user: str | None = None,
        password: str | None = None,
        cpu: int | None = None,
        directory: str | Path | None = None,
        tls: bool = False,
        tls_name: str = "localhost",
    ):
        """`directory`: where the data and log go (made if missing); by default a temporary
        one that stop() removes. `tls`: serve SSL too (ssl=on) with a certificate made at start,
        for `tls_name` and 127.0.0.1; `certificate` is then its PEM file, for sslrootcert."""
        self.tls = tls
        self.tls_name = tls_name
        self._bin = _bindir()
        self._cpu = cpu  # pin the server and its backends to this core (taskset), for benchmarks
        self.port = port or _free_port()
        self.password = password
        self._run_as = None
        if os.geteuid() == 0:
            name = user or "postgres"
            try:
                self._run_as = pwd.getpwnam(name)
            except KeyError:
                raise ConfigError(
                    f"PostgreSQL refuses to run as root and there is no user {name!r} to run it "
                    "as: create one (useradd --system postgres) or pass user=..."
                ) from None
        self._dir: Path | None = Path(directory).resolve() if directory else None
        if self._dir is not None:
            self._dir.mkdir(parents=True, exist_ok=True)
            if self._run_as is not None:
                os.chown(self._dir, self._run_as.pw_uid, self._run_as.pw_gid)

    @property
    def directory(self) -> Path | None:
        return self._dir

    @property
    def dsn(self) -> str:
        auth = f"surge:{self.password}" if self.password else "surge"
        return f"postgresql://{auth}@127.0.0.1:{self.port}/postgres"

    @property
    def certificate(self) -> Path | None:
        """The server certificate's PEM file (tls=True), to trust with sslrootcert."""
        return self._dir / "server.crt" if self.tls and self._dir is not None else None

    def _tls_options(self) -> str:
        import surge._core as _core

        cert_pem, key_pem = _core.tls_self_signed(self.tls_name)
        cert, key = self._dir / "server.crt", self._dir / "server.key"
        cert.write_text(cert_pem)
        key.write_text(key_pem)
        key.chmod(0o600)  # PostgreSQL refuses a key others can read
        if self._run_as is not None:
            for path in (cert, key):
                os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)
        return f" -c ssl=on -c ssl_cert_file={cert} -c ssl_key_file={key}"

    @property
    def running(self) -> bool:
        return self._dir is not None and (self._dir / "data" / "postmaster.pid").exists()

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        kwargs = {}
        if self._run_as is not None:
            kwargs = {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid, "extra_groups": []}
        # Backends inherit the postmaster's affinity, so pinning pg_ctl pins them all.
        pinned = self._cpu is not None and args[0] == "pg_ctl"
        pin = ["taskset", "-c", str(self._cpu)] if pinned else []
        return subprocess.run(
            [*pin, str(self._bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            check=check,
            cwd=self._dir,
            **kwargs,
        )

    def start(self) -> PostgresServer:
        if self.running:
            return self
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="surge-postgres-"))
            if self._run_as is not None:
                os.chown(self._dir, self._run_as.pw_uid, self._run_as.pw_gid)
        if not (self._dir / "data").exists():
            init = ["initdb", "-D", str(self._dir / "data"), "-U", "surge", "-E", "UTF8"]
            if self.password:
                pwfile = self._dir / "pw"
                pwfile.write_text(self.password + "\n")
                if self._run_as is not None:
                    os.chown(pwfile, self._run_as.pw_uid, self._run_as.pw_gid)
                init += [f"--pwfile={pwfile}", "--auth=scram-sha-256"]
            else:
                init += ["--auth=trust"]
            done = self._run(*init, check=False)
            if done.returncode != 0:
                self.stop()
                raise ConfigError(f"initdb failed: {done.stderr.strip().splitlines()[-1:]}")
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self._dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        if self.tls:
            options += self._tls_options()
        done = self._run(
            "pg_ctl", "-D", str(self._dir / "data"), "-o", options,
            "-l", str(self._dir / "server.log"), "-w", "-t", str(int(_START_TIMEOUT_S)), "start",
            check=False,
        )  # fmt: skip
        if done.returncode != 0 or not self._accepts():
            log = self._dir / "server.log"
            cause = _cause(log.read_text(errors="replace") if log.exists() else done.stderr)
            self.stop()
            raise ConfigError(
                f"PostgreSQL did not start on port {self.port}" + (f": {cause}" if cause else "")
            )
        return self

    def restart(self, down_s: float = 0.0) -> None:
        """Stops the server (fast: open sessions are cut) and starts it again after `down_s`,
        on the same port with the same data, as a server restart in production would."""
        if self._dir is None:
            raise ConfigError("restart: the server was never started")
        self._run(
            "pg_ctl", "-D", str(self._dir / "data"), "-m", "fast", "-w", "stop", check=False
        )  # fmt: skip
        time.sleep(down_s)
        self.start()

    def _accepts(self) -> bool:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self._dir is None:
            return
        if (self._dir / "data" / "postmaster.pid").exists():
            self._run(
                "pg_ctl", "-D", str(self._dir / "data"), "-m", "fast", "-w", "stop", check=False
            )
        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
