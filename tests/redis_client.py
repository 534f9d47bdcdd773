"""A few raw RESP commands for checking a server's state from the tests (not a load path)."""

from __future__ import annotations

import socket


def call(port: int, *args: str, password: str | None = None, db: int = 0) -> bytes:
    """Sends AUTH/SELECT if asked, then one command; returns the last reply's raw bytes."""
    commands = []
    if password:
        commands.append(("AUTH", password))
    if db:
        commands.append(("SELECT", str(db)))
    commands.append(args)
    payload = b"".join(
        b"*%d\r\n" % len(c) + b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in c)
        for c in commands
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(payload)
        data = b""
        while data.count(b"\r\n") < len(commands):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n")[-2] if data else b""


def integer(port: int, *args: str, **kwargs) -> int:
    reply = call(port, *args, **kwargs)
    assert reply.startswith(b":"), reply
    return int(reply[1:])
