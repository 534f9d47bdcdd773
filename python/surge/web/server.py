"""Serving the web UI with uvicorn: in the foreground (`surge ui`) or beside a run on a thread
of its own (`--web`). Loopback needs no token; any other address does, and gets one made
up and printed in the URL when none was given."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import socket
import threading
import time

from surge.errors import ConfigError
from surge.web.session import Session


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_bind(text: str, what: str = "--web", default_host: str = "127.0.0.1") -> tuple[str, int]:
    """--web [HOST:]PORT (`what` names it in the message: web= in Python)."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or default_host
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(
            f"{what}: expected [HOST:]PORT such as 8089 or 127.0.0.1:8089, got {text!r}"
        )
    return host, int(port)


class WebServer:
    """The UI's server. `token`: required for a bind other than loopback (made up if None)."""

    def __init__(
        self,
        session: Session,
        host: str = "127.0.0.1",
        port: int = 8089,
        *,
        token: str | None = None,
        read_only: bool = False,
    ):
        import uvicorn

        from surge.web.app import make_app

        if token is None and not is_loopback(host):
            token = secrets.token_urlsafe(18)
        self.token = token
        self.host, self.port = host, port
        self._check_free()
        app = make_app(session, token=token, read_only=read_only)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            # Open event streams never end by themselves: a stop does not wait for them.
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/" + (f"?token={self.token}" if self.token else "")

    def _check_free(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((self.host, self.port))
            except OSError as exc:
                raise ConfigError(
                    f"web UI: cannot listen on {self.host}:{self.port}: {exc.strerror}; "
                    "pick another port"
                ) from None

    def serve_forever(self) -> None:
        """In the foreground, until Ctrl-C."""
        self.server.run()

    def start(self) -> WebServer:
        """On a thread of its own; returns once it listens."""
        # Off the main thread uvicorn leaves the signals alone: the run keeps Ctrl-C and SIGTERM.
        self._thread = threading.Thread(target=self._serve_beside, name="surge-web", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and self._thread.is_alive():
            if time.monotonic() > deadline:
                raise ConfigError(f"web UI: did not start on {self.host}:{self.port} in 10 s")
            time.sleep(0.01)
        return self

    def _serve_beside(self) -> None:
        # Beside a run, the page shares the generator's cores with the engine's threads: at
        # nice 19 its wake-ups (uvicorn's 100 ms tick, each event's JSON) do not preempt a
        # send that is due. Linux sets niceness per thread.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        self.server.run()

    def close(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
