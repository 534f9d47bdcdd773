"""A local process watched from /proc while the load runs: its CPU (100% is one core), resident
memory, threads and open descriptors. Named by PID, or by a name that exactly one running
process has (its comm, or its command line's first word)."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from .errors import ConfigError

_TICKS_PER_S = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


class ProcessSource:
    """What `monitor.process(...)` watches; read() is called on the sampler's thread."""

    namespace = "target"
    kind = "process"
    # Cumulative readings: samples hold their increase per second; the summary their increase.
    counters = frozenset({"cpu_s"})
    units: ClassVar[dict[str, str]] = {"cpu": "%", "rss": "B", "threads": "", "fds": ""}

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
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as f:
                stat = f.read()
            # The fields after the command, which is in parentheses and may hold anything.
            fields = stat[stat.rindex(b")") + 2 :].split()
            fds = len(os.listdir(f"/proc/{self.pid}/fd"))
        except FileNotFoundError:
            raise OSError(f"process {self.pid} ({self.name}) is gone") from None
        utime, stime = int(fields[11]), int(fields[12])
        return {
            "cpu_s": (utime + stime) / _TICKS_PER_S,
            "rss": int(fields[21]) * _PAGE,
            "threads": int(fields[17]),
            "fds": fds,
        }

    @staticmethod
    def derive(sample: dict[str, float]) -> None:
        """CPU as people read it: percent of one core over the sample's span."""
        sample["cpu"] = round(100 * sample.pop("cpu_s_per_s"), 3)
        sample.pop("cpu_s", None)

    def close(self) -> None:
        pass


def _comm(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return None


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
            raise ConfigError(f"monitor pid: no process {pid} is running")
        return pid
    mine = os.getpid()
    found = sorted(
        int(entry)
        for entry in os.listdir("/proc")
        if entry.isdigit()
        and int(entry) != mine
        and text in (_comm(int(entry)), _argv0(int(entry)))
    )
    if not found:
        raise ConfigError(f"monitor pid: no running process is named {text!r}; give its PID")
    if len(found) > 1:
        shown = ", ".join(map(str, found[:8])) + (", ..." if len(found) > 8 else "")
        raise ConfigError(
            f"monitor pid: {len(found)} processes are named {text!r} ({shown}); give one PID"
        )
    return found[0]
