"""How busy surge's busiest engine thread was while a run went: the share of the time it
either ran or waited on a run queue for a core (Linux's /proc/self/task/*/schedstat). Engine
threads are told apart by the name the engine gives them (cpp/surge/core/thread_name.hpp), so
an in-process target's threads and the interpreter's are not counted.

A generator that is short of CPU falls behind in two ways. Its thread runs all the time (its
own work is the limit), or it is ready to run but waits for a core a neighbour holds (a
CPU-bound sibling, a cgroup's quota). Either way the arrivals it owes queue inside the
generator, and their latency is the generator's, not the target's. Neither shows in the CPU
time alone (half a core, fully used, reads 0.5), and the pacer's own lag stays at a scheduler
slice or so, because the pacer still wakes on time: the requests behind it do not. Running
plus waiting is the time the thread wanted a core, so a share near 1 says it had no idle
moment left.

The engine's threads live only while a run goes, so they are sampled during it, by a thread
of this module, every SAMPLE_S."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

SAMPLE_S = 0.1
ENGINE_THREAD = "surge-engine"
_TASKS = Path("/proc/self/task")


def _read() -> dict[str, int]:
    """Each engine thread's nanoseconds run plus waited for a core, so far."""
    sample = {}
    try:
        tasks = os.listdir(_TASKS)
    except OSError:
        return sample
    for tid in tasks:
        try:
            if (_TASKS / tid / "comm").read_text().strip() != ENGINE_THREAD:
                continue
            ran, waited, _ = (_TASKS / tid / "schedstat").read_text().split()
        except (OSError, ValueError):  # the thread ended meanwhile, or no schedstat
            continue
        sample[tid] = int(ran) + int(waited)
    return sample


class BusyWatch:
    """with BusyWatch() as watch: run(...); watch.busiest_share() -> 0..1, or None where the
    kernel does not say (no /proc, or the run was too short to judge)."""

    def __init__(self) -> None:
        self._first: dict[str, tuple[float, int]] = {}
        self._last: dict[str, tuple[float, int]] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="surge-busy-watch", daemon=True)

    def _take(self) -> None:
        now = time.monotonic()
        for tid, busy in _read().items():
            self._first.setdefault(tid, (now, busy))
            self._last[tid] = (now, busy)

    def _sample(self) -> None:
        self._take()
        while not self._done.wait(SAMPLE_S):
            self._take()

    def __enter__(self) -> BusyWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=5)

    def busiest_share(self, at_least_s: float = 3 * SAMPLE_S) -> float | None:
        """The highest share, over the engine threads seen for at least `at_least_s`, of wall
        time they ran or waited to run."""
        shares = []
        for tid, (start, busy0) in self._first.items():
            end, busy1 = self._last[tid]
            if end - start >= at_least_s:
                shares.append((busy1 - busy0) / 1e9 / (end - start))
        return round(min(max(shares), 1.0), 3) if shares else None
