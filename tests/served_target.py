"""`surge serve` in a process of its own, for tests that measure the server from outside: a
target of known capacity (--cpu-work) or a known leak (--leak). Where there are two cores, the
server runs on core 0 and the test process, which generates the load, moves to core 1."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

from ports import free_port


def _two_cores() -> bool:
    return shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


@contextlib.contextmanager
def served(*flags: str, pin: bool = True) -> Iterator[tuple[subprocess.Popen, str]]:
    """(the server's process, its URL), once /api/v1/health answers; stopped at the end."""
    port = free_port()
    pinned = pin and _two_cores()
    proc = subprocess.Popen(
        [*(["taskset", "-c", "0"] if pinned else []), sys.executable, "-m", "surge.cli", "serve",
         "--port", str(port), *flags],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v1/health", timeout=1).read()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                proc.wait()
                raise
            time.sleep(0.1)
    before = os.sched_getaffinity(0)
    if pinned:
        os.sched_setaffinity(0, {1})
    try:
        yield proc, url
    finally:
        os.sched_setaffinity(0, before)
        proc.terminate()
        proc.wait(timeout=10)
