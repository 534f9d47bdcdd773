"""The sampler behind surge.monitor: reads every source once per interval on a thread of its
own, so that the engine's threads never wait for a scrape, and turns the readings into the
results' `monitors` section and the values monitor SLOs judge (docs/monitoring.md)."""

from __future__ import annotations

import copy
import itertools
import threading
import time
from typing import Any

from surge.errors import ConfigError

# How much of an error message a failed sample keeps.
_ERROR_CHARS = 200
# How long the end of a run waits for a sample in progress.
_STOP_WAIT_S = 10.0


class Sampler:
    """Reads each source at start (the baseline, which must succeed: a wrong URL or PID stops
    the run before any load), on every tick (the end of each interval), and at stop."""

    def __init__(self, sources: tuple[Any, ...], interval_s: float):
        # Copies: a source keeps per-run state (its connection, the PID it found), and a
        # suite's concurrent phases may name the same one.
        self.sources = tuple(copy.copy(s) for s in sources)
        self.interval_s = interval_s
        self.readings: dict[str, list[tuple[int, dict[str, float]]]] = {
            s.namespace: [] for s in sources
        }
        self.failed: dict[str, int] = dict.fromkeys(self.readings, 0)
        self.last_error: dict[str, str | None] = dict.fromkeys(self.readings)
        self.cost: dict[str, list[int]] = {ns: [0, 0] for ns in self.readings}  # cpu, wall ns
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        opened = []
        try:
            for source in self.sources:
                source.open()
                opened.append(source)
                error = self._take(source)
                if error is not None:
                    raise ConfigError(f"monitor {source.namespace}: {error}")
        except BaseException:
            for source in opened:
                source.close()
            raise
        self._thread = threading.Thread(target=self._loop, name="surge-monitor", daemon=True)
        self._thread.start()

    def tick(self) -> None:
        """An interval ended (called from the progress callback: it only wakes the thread)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            # Every source reads within a few seconds (its own timeouts); one that does not
            # must not hold the run's results: its last sample is left out.
            self._thread.join(timeout=_STOP_WAIT_S)
            if self._thread.is_alive():
                for ns in self.readings:
                    self.last_error[ns] = self.last_error[ns] or "a sample did not return"
                return
        for source in self.sources:
            # The last sample: the drain and any partial interval. One read just before is
            # enough: a span of a few ms would turn 10 ms CPU ticks into nonsense percentages.
            readings = self.readings[source.namespace]
            if not readings or time.monotonic_ns() - readings[-1][0] >= self.interval_s * 5e8:
                self._take(source)
            source.close()

    def _loop(self) -> None:
        # Without ticks (a run with no progress reports) it samples on its own each interval
        # and a half; with them the timeout never fires.
        while True:
            self._wake.wait(timeout=1.5 * self.interval_s)
            self._wake.clear()
            if self._stopping:
                return
            for source in self.sources:
                self._take(source)

    def _take(self, source: Any) -> str | None:
        ns = source.namespace
        cpu, wall = time.thread_time_ns(), time.monotonic_ns()
        try:
            reading = source.read()
        except Exception as exc:  # a fault of the watched server: counted, the run goes on
            self.failed[ns] += 1
            self.last_error[ns] = str(exc)[:_ERROR_CHARS] or type(exc).__name__
            return self.last_error[ns]
        finally:
            self.cost[ns][0] += time.thread_time_ns() - cpu
            self.cost[ns][1] += time.monotonic_ns() - wall
        self.readings[ns].append((wall, reading))
        return None

    def latest(self) -> dict[str, dict[str, Any]]:
        """Each source's last sample (from its last two readings), for a live view: CPU as a
        percentage, counters per second, gauges as read."""
        out = {}
        for source in self.sources:
            readings = self.readings[source.namespace][-2:]
            if len(readings) == 2:
                (before_ns, before), (at_ns, reading) = readings
                out[source.namespace] = _sample(source, before_ns, before, at_ns, reading, {})
        return out

    def sections(self, start_ns: int, duration_s: float) -> dict[str, Any]:
        """The results' `monitors` section, on the run's clock (t_s from the measured start)."""
        return {
            source.namespace: _section(self, source, start_ns, duration_s)
            for source in self.sources
        }


def _sample(
    source: Any,
    before_ns: int,
    before: dict[str, float],
    at_ns: int,
    reading: dict[str, float],
    totals: dict[str, float],
) -> dict[str, Any]:
    """One sample from two readings in a row: gauges as read, counters as a rate over the
    span (their increase added to `totals`), then the source's own derived figures."""
    span_s = (at_ns - before_ns) / 1e9
    sample: dict[str, Any] = {}
    for name, value in reading.items():
        if name not in source.counters:
            sample[name] = value
            continue
        previous = before.get(name)
        # A counter that went down was reset (the server restarted): it counts from 0.
        increase = value - previous if previous is not None and value >= previous else value
        totals[name] = totals.get(name, 0.0) + increase
        sample[f"{name}_per_s"] = round(increase / span_s, 3) if span_s > 0 else 0.0
    if source.derive is not None:
        source.derive(sample)
    return sample


def _section(sampler: Sampler, source: Any, start_ns: int, duration_s: float) -> dict[str, Any]:
    ns = source.namespace
    readings = sampler.readings[ns]
    samples: list[dict[str, Any]] = []
    totals: dict[str, float] = {}
    for (before_ns, before), (at_ns, reading) in itertools.pairwise(readings):
        t_s = round((at_ns - start_ns) / 1e9, 3)
        samples.append({"t_s": t_s, **_sample(source, before_ns, before, at_ns, reading, totals)})
    taken = len(readings) + sampler.failed[ns]
    cpu_ns, wall_ns = sampler.cost[ns]
    return {
        "source": source.kind,
        **source.describe(),
        "units": dict(source.units),
        "samples": samples,
        "summary": {
            "totals": {k: round(v, 6) for k, v in totals.items()},
            "gauges": _gauges(samples),
            "slopes": _slopes(samples, sampler.interval_s, duration_s),
        },
        "failed_samples": sampler.failed[ns],
        "last_error": sampler.last_error[ns],
        "cost": {
            "samples": taken,
            "cpu_ms_per_sample": round(cpu_ns / 1e6 / taken, 3) if taken else None,
            "wall_ms_per_sample": round(wall_ns / 1e6 / taken, 3) if taken else None,
        },
    }


def _gauges(samples: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    names = [k for k in (samples[0] if samples else {}) if k != "t_s"]
    out = {}
    for name in names:
        values = [s[name] for s in samples if s.get(name) is not None]
        if values:
            out[name] = {
                "min": min(values),
                "mean": round(sum(values) / len(values), 6),
                "max": max(values),
                "last": values[-1],
            }
    return out


def _slopes(
    samples: list[dict[str, Any]], interval_s: float, duration_s: float
) -> dict[str, float | None]:
    """Least-squares slope per second of every gauge over the steady part of the run: the first
    sample (its span holds the warm-up) and those after the measured window (the drain) are
    left out. None with fewer than three samples."""
    steady = [s for s in samples[1:] if s["t_s"] <= duration_s + interval_s / 2]
    out: dict[str, float | None] = {}
    for name in (k for k in (samples[0] if samples else {}) if k != "t_s"):
        if name.endswith("_per_s"):
            continue
        points = [(s["t_s"], s[name]) for s in steady if s.get(name) is not None]
        out[name] = _least_squares(points) if len(points) >= 3 else None
    return out


def _least_squares(points: list[tuple[float, float]]) -> float | None:
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return None
    return round(sum((t - mean_t) * (v - mean_v) for t, v in points) / spread, 6)


def slo_value(result: Any, namespace: str, metric: str, comparator: str, target: float) -> Any:
    """What a monitor SLO judges: a counter's increase over the run, a slope per second, or a
    gauge's worst sample (the highest for < and <=, the lowest for > and >=; for ==, one that
    differs from the target if any does)."""
    section = (result.get("monitors") or {}).get(namespace)
    if section is None:
        raise ConfigError(f"the run monitored no {namespace}; add {ADVICE[namespace]}")
    summary = section["summary"]
    if metric.endswith("_slope") and metric[: -len("_slope")] in summary["slopes"]:
        return summary["slopes"][metric[: -len("_slope")]]
    if metric in summary["totals"]:
        return summary["totals"][metric]
    gauge = summary["gauges"].get(metric)
    if gauge is None:
        known = sorted(
            [*summary["totals"], *summary["gauges"], *(f"{k}_slope" for k in summary["slopes"])]
        )
        raise ConfigError(
            f"{namespace} has no metric {metric!r}; it has {', '.join(known) or 'no samples'}"
        )
    if comparator in ("<", "<="):
        return gauge["max"]
    if comparator in (">", ">="):
        return gauge["min"]
    return gauge["max"] if gauge["max"] != target else gauge["min"]


def describe(monitors: dict[str, Any] | None) -> list[str]:
    """The summary's lines on the monitored sources: each gauge's mean and max, the slope of
    sizes, each counter's increase, and failed samples."""
    from surge.units import format_bytes, format_number

    def shown(value: float, unit: str) -> str:
        if unit == "B":
            return format_bytes(value)
        return f"{value:,.1f}%" if unit == "%" else format_number(value, unit)

    lines = []
    for namespace, section in (monitors or {}).items():
        units, summary = section.get("units", {}), section["summary"]
        what = section.get("name") or section.get("url") or section["source"]
        pid = f" (pid {section['pid']})" if "pid" in section else ""
        parts = []
        for name, gauge in summary.get("gauges", {}).items():
            unit = units.get(name, "")
            part = f"{name} mean {shown(gauge['mean'], unit)}, max {shown(gauge['max'], unit)}"
            slope = summary.get("slopes", {}).get(name)
            if unit == "B" and slope is not None:
                part += f", slope {format_bytes(slope)}/s"
            parts.append(part)
        parts += [f"{name} +{format_number(v)}" for name, v in summary.get("totals", {}).items()]
        failed = section.get("failed_samples")
        if failed:
            parts.append(f"{failed} failed sample(s): {section.get('last_error')}")
        lines.append(f"  {namespace} {what}{pid}: " + "; ".join(parts or ["no samples"]))
    return lines


def monitor_advice(namespace: str) -> str:
    """Why an SLO on `namespace` cannot be judged, and the flag that fixes it."""
    return f"the run monitors no {namespace}; add {ADVICE[namespace]}"


ADVICE = {
    "target": "--monitor-pid (surge.monitor.process)",
    "redis": "--monitor-redis (surge.monitor.redis)",
    "postgres": "--monitor-postgres (surge.monitor.postgres)",
    "prometheus": "--monitor-prometheus with --metric (surge.monitor.prometheus)",
}
