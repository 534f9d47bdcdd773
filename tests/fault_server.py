"""An HTTP/1.1 server that misbehaves on purpose, for the reliability tests: real bytes on a
real loopback socket, each behaviour switched on by a keyword. A thread per connection; enough
for the handful of connections a test opens.

    with FaultServer(idle_close_ms=200) as server:      # closes keep-alive connections idle 0.2 s
        ... server.url ...

Behaviours:
- idle_close_ms: close a keep-alive connection after it has been idle this long, silently
  (no Connection: close), as nginx's keepalive_timeout does;
- close_after: close the connection right after this many responses, without saying so;
- interim: 1xx responses (100 Continue, 103 Early Hints) sent before each final response;
- header_bytes: pad the final response's headers to at least this many bytes;
- drip_s: send each response one byte at a time, this many seconds apart;
- never_read: accept connections and never read or answer;
- reset_on_accept: reset every connection as soon as it is accepted;
- body_overrun: send this many bytes more than the Content-Length says;
- reject_uploads: answer a request with a body over 1 KiB 413 at once, and close without
  reading the rest of it.
Every final response is "200 OK" with a body of "ok"; `requests` counts the requests read.

With `resp_reply` it speaks RESP instead (a Redis server's protocol, `url` redis://): it reads
each command (an array of bulk strings) and answers it with those bytes, as they are, a
malformed reply for one.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading


class FaultServer:
    def __init__(
        self,
        *,
        idle_close_ms: float | None = None,
        close_after: int | None = None,
        interim: tuple[int, ...] = (),
        header_bytes: int = 0,
        drip_s: float = 0,
        never_read: bool = False,
        reset_on_accept: bool = False,
        body_overrun: int = 0,
        reject_uploads: bool = False,
        resp_reply: bytes | None = None,
    ):
        self.idle_close_s = None if idle_close_ms is None else idle_close_ms / 1000
        self.close_after = close_after
        self.interim = interim
        self.header_bytes = header_bytes
        self.drip_s = drip_s
        self.never_read = never_read
        self.reset_on_accept = reset_on_accept
        self.body_overrun = body_overrun
        self.reject_uploads = reject_uploads
        self.resp_reply = resp_reply
        self.requests = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        if self.resp_reply is not None:
            return f"redis://127.0.0.1:{self.port}/0"
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):  # wakes the accept() that close() alone leaves blocked
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            if self.reset_on_accept:
                # SO_LINGER 0: close() sends RST, not FIN.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _response(self) -> bytes:
        head = b"".join(b"HTTP/1.1 %d Interim\r\n\r\n" % code for code in self.interim)
        padding = b""
        if self.header_bytes:
            padding = b"X-Padding: " + b"p" * self.header_bytes + b"\r\n"
        body = b"ok" + b"!" * self.body_overrun
        return head + b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + padding + b"\r\n" + body

    def _send(self, conn: socket.socket, data: bytes) -> None:
        if not self.drip_s:
            conn.sendall(data)
            return
        for i in range(len(data)):
            if self._stop.wait(self.drip_s):
                return
            conn.sendall(data[i : i + 1])

    def _serve_resp(self, conn: socket.socket) -> None:
        """Reads RESP commands (`*N` then N `$len` bulk strings) and answers each with
        resp_reply, until the client closes."""
        buffer = b""
        with conn:
            while not self._stop.is_set():
                command = _take_command(buffer)
                if command is None:
                    try:
                        chunk = conn.recv(65536)
                    except OSError:
                        return
                    if not chunk:
                        return
                    buffer += chunk
                    continue
                buffer = buffer[command:]
                with self._lock:
                    self.requests += 1
                try:
                    conn.sendall(self.resp_reply or b"")
                except OSError:
                    return

    def _serve(self, conn: socket.socket) -> None:
        if self.resp_reply is not None:
            self._serve_resp(conn)
            return
        if self.never_read:
            self._stop.wait()
            conn.close()
            return
        conn.settimeout(self.idle_close_s)
        buffer = b""
        served = 0
        with conn:
            while not self._stop.is_set():
                try:
                    while b"\r\n\r\n" not in buffer:
                        chunk = conn.recv(65536)
                        if not chunk:
                            return
                        buffer += chunk
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    if self.reject_uploads and length > 1024:
                        with self._lock:
                            self.requests += 1
                        conn.sendall(
                            b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n"
                            b"Connection: close\r\n\r\n"
                        )
                        return  # the rest of the upload is never read
                    while len(buffer) < length:
                        chunk = conn.recv(65536)
                        if not chunk:
                            return
                        buffer += chunk
                    buffer = buffer[length:]
                    with self._lock:
                        self.requests += 1
                    self._send(conn, self._response())
                    served += 1
                    if self.close_after is not None and served >= self.close_after:
                        return
                except (TimeoutError, OSError):  # idle too long, or the client went away
                    return


def _take_command(buffer: bytes) -> int | None:
    """The length of the first whole RESP command in `buffer`, or None while it is partial."""
    if not buffer.startswith(b"*") or b"\r\n" not in buffer:
        return None
    head = buffer.partition(b"\r\n")[0]
    at = len(head) + 2
    for _ in range(int(head[1:])):
        end = buffer.find(b"\r\n", at)
        if end < 0:
            return None
        size = int(buffer[at + 1 : end])
        at = end + 2 + size + 2
        if at > len(buffer):
            return None
    return at
