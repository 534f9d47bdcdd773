"""A TCP relay in front of a real server that holds back the first reply on each connection:
a slow connection set-up (a Redis AUTH or SELECT reply, a TLS handshake) made visible, or one
that never comes. Bytes from the client go through at once; the server's first bytes on each
connection wait `hold_s` seconds (None: forever) before they go on, and the rest follow as
they come. A thread pair per connection; enough for the few a test opens.

    with SlowSetupProxy(server_port, hold_s=1.0) as proxy:
        ... proxy.port ...
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class SlowSetupProxy:
    def __init__(self, upstream_port: int, *, hold_s: float | None, spare: int = 0):
        self.upstream_port = upstream_port
        self.hold_s = hold_s
        self.spare = spare  # the first connections go through unheld (a CLI's reach check)
        self.connections = 0
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> SlowSetupProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self._lock:
                self.connections += 1
                self._sockets += [client, upstream]
                hold = 0.0 if self.connections <= self.spare else self.hold_s
            threading.Thread(target=self._pump, args=(client, upstream, 0.0), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, hold), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, hold_s: float | None) -> None:
        first = True
        with contextlib.suppress(OSError):
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if first and hold_s != 0:
                    first = False
                    # Held: wait out the hold (or the end of the test), then go on.
                    deadline = None if hold_s is None else time.monotonic() + hold_s
                    while not self._closed.is_set():
                        left = None if deadline is None else deadline - time.monotonic()
                        if left is not None and left <= 0:
                            break
                        self._closed.wait(0.05 if left is None else min(left, 0.05))
                    if self._closed.is_set():
                        break
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
