"""A local process watched from /proc while the load runs: its CPU (100% is one core), resident
memory, threads and open descriptors, summed over the process and its descendants, since
servers such as nginx, PostgreSQL and gunicorn do their work in children. Named by PID, or by
a name (its comm, or its command line's first word): of the processes with that name, the
one whose parent does not have it (nginx's master, not its workers) must be unique.

RSS is summed as ps would show it per process: pages shared between them count once each."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from surge.errors import ConfigError

_TICKS_PER_S = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


class ProcessSource:
    """What `monitor.process(...)` watches; read() is called on the sampler's thread."""

    namespace = "target"
    kind = "process"
    # Cumulative readings: samples hold their increase per second; the summary their increase.
    counters = frozenset({"cpu_s"})
    units: ClassVar[dict[str, str]] = {"cpu": "%", "rss": "B"}

    def __init__(self, pid_or_name: int | str):
        text = str(pid_or_name).strip() if isinstance(pid_or_name, (int, str)) else ""
        if isinstance(pid_or_name, bool) or not text or "/" in text or "\0" in text:
            raise ConfigError(f"monitor pid: expected a PID or a process name, got {pid_or_name!r}")
        self.wanted = text
        self.pid = 0
        self.name = text

    def open(self) -> None:
        """Finds the process now, when the run starts: a name given before the server runs
        still finds it."""
        self.pid = _find(self.wanted)
        self.name = _comm(self.pid) or str(self.pid)

    def describe(self) -> dict[str, Any]:
        return {"pid": self.pid, "name": self.name}

    def read(self) -> dict[str, float]:
        root = _stat(self.pid)
        if root is None or root[0] == b"Z":  # a zombie has exited; its parent has not reaped it
            raise OSError(f"process {self.pid} ({self.name}) is gone")
        tree = [self.pid, *_descendants(self.pid)]
        stats = [root, *(st for st in map(_stat, tree[1:]) if st is not None)]
        # The root's cutime/cstime hold the children it has already waited for.
        ticks = sum(int(f[11]) + int(f[12]) for f in stats) + int(root[13]) + int(root[14])
        return {
            "cpu_s": ticks / _TICKS_PER_S,
            "rss": sum(int(f[21]) for f in stats) * _PAGE,
            "threads": sum(int(f[17]) for f in stats),
            "fds": sum(_fd_count(pid) for pid in tree),
            "processes": len(stats),
        }

    @staticmethod
    def derive(sample: dict[str, float]) -> None:
        """CPU as people read it: percent of one core over the sample's span."""
        sample["cpu"] = round(100 * sample.pop("cpu_s_per_s"), 3)
        sample.pop("cpu_s", None)

    def close(self) -> None:
        pass


def _stat(pid: int) -> list[bytes] | None:
    """The fields of /proc/PID/stat after the command (which is in parentheses and may hold
    anything): [0] is the state, [1] the parent, [11..14] the CPU ticks, [17] the threads,
    [21] the resident pages."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(b")") + 2 :].split()


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry))
    found, frontier = [], [root]
    while frontier:
        kids = children.get(frontier.pop(), [])
        found += kids
        frontier += kids
    return found


def _fd_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:  # gone, or not ours to read
        return 0


def _comm(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return None


def _parent(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields is not None else None


def _argv0(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            first = f.read().split(b"\0", 1)[0]
    except OSError:
        return None
    return os.path.basename(first.decode("utf-8", "replace")) if first else None


def _find(text: str) -> int:
    if text.isdigit():
        pid = int(text)
        if not os.path.exists(f"/proc/{pid}/stat"):
            raise ConfigError(
                f"monitor pid: no process {pid} is running; give the pid of a running process"
            )
        return pid
    mine = os.getpid()
    named = {
        int(entry)
        for entry in os.listdir("/proc")
        if entry.isdigit()
        and int(entry) != mine
        and text in (_comm(int(entry)), _argv0(int(entry)))
    }
    # Workers under a master of the same name are watched through it.
    found = sorted(pid for pid in named if _parent(pid) not in named)
    if not found:
        raise ConfigError(f"monitor pid: no running process is named {text!r}; give its PID")
    if len(found) > 1:
        shown = ", ".join(map(str, found[:8])) + (", ..." if len(found) > 8 else "")
        raise ConfigError(
            f"monitor pid: {len(found)} processes are named {text!r} ({shown}); give one PID"
        )
    return found[0]
