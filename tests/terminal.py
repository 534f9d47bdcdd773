"""Reading what a child process draws on a real terminal (a pty), for the live view's tests."""

from __future__ import annotations

import os
import select
import time


def read_terminal(leader: int, seconds: float) -> bytes:
    """What the child wrote to the pty whose leader side is `leader`, for up to `seconds` in
    all, or until it closed its side."""
    screen = b""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([leader], [], [], left)[0]:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    return screen
