"""One operation's latency distribution, in milliseconds: the results file's HDR histogram
decoded, so a notebook can ask for any percentile, not only the ones the JSON lists."""

from __future__ import annotations

import math
from typing import Any

import surge._core as _core
from surge import checks
from surge.errors import ConfigError
from surge.units import ns_to_ms as ms

# The percentiles a results file lists (as its keys spell them); value_at() answers any other.
PERCENTILES = ("50", "75", "90", "95", "99", "99.9", "99.99")


class Histogram:
    """Response (or service) times of one operation. Values are HdrHistogram's: within 0.1 %
    of the recorded ones. `raw` is the engine's histogram, in nanoseconds."""

    def __init__(self, raw: _core.HdrHistogram, name: str = ""):
        self.raw = raw
        self.name = name

    @classmethod
    def decode(cls, blob: str, name: str = "") -> Histogram:
        """From a results file's base64 V2 blob; an empty blob is an empty histogram. A file
        from elsewhere may hold anything: a bad blob is a ConfigError that says what is wrong."""
        if not blob:
            return cls(_core.HdrHistogram(), name)
        where = f" of {name!r}" if name else ""
        if not isinstance(blob, str):
            kind = type(blob).__name__
            raise ConfigError(f"histogram{where}: expected a base64 string, got {kind}")
        try:
            return cls(_core.HdrHistogram.decode(blob), name)
        except ValueError as exc:
            raise ConfigError(f"histogram{where}: {exc}") from None

    def __repr__(self) -> str:
        if not self.count:
            return f"<surge.Histogram {self.name!r}: empty>"
        return (
            f"<surge.Histogram {self.name!r}: {self.count} values, p50 {self.value_at(50)} ms, "
            f"p99 {self.value_at(99)} ms, max {self.max_ms} ms>"
        )

    @property
    def count(self) -> int:
        return self.raw.total_count

    @property
    def min_ms(self) -> float | None:
        return ms(self.raw.min) if self.count else None

    @property
    def max_ms(self) -> float | None:
        return ms(self.raw.max) if self.count else None

    @property
    def mean_ms(self) -> float | None:
        return ms(self.raw.mean) if self.count else None

    @property
    def stdev_ms(self) -> float | None:
        return ms(self.raw.stdev) if self.count else None

    def value_at(self, percentile: float) -> float | None:
        """The value at `percentile` (0..100) in ms; None when nothing was recorded."""
        if not checks.is_number(percentile) or not 0 <= percentile <= 100:
            raise ConfigError(f"percentile: must be a number within 0..100, got {percentile!r}")
        return ms(self.raw.value_at_percentile(percentile)) if self.count else None

    def percentiles(self, *percentiles: float) -> dict[str, float | None]:
        """{"50": ms, "99.9": ms, ...} for the given percentiles (default: the JSON's list)."""
        asked = percentiles or tuple(map(float, PERCENTILES))
        return {f"{p:g}" if checks.is_number(p) else str(p): self.value_at(p) for p in asked}

    def spectrum(self, ticks_per_half: int = 5) -> list[tuple[float, float]]:
        """(percentile, ms) pairs closing in on 100 % the way HdrHistogram's percentile plots
        do: `ticks_per_half` steps to 50 %, as many from 50 to 75 %, 75 to 87.5 %, and so on,
        until a step holds less than one value; then the max."""
        checks.whole(ticks_per_half, "spectrum: ticks_per_half", 1, 1000)
        if not self.count:
            return []
        points = []
        for k in range(10_000):
            remaining = 0.5 ** (k / ticks_per_half)  # fraction of values above this point
            if remaining * self.count < 1:
                break
            percentile = 100.0 * (1.0 - remaining)
            points.append((round(percentile, 6), self.value_at(percentile)))
        points.append((100.0, self.max_ms))
        return points

    def add(self, other: Histogram) -> Histogram:
        """Adds other's values to this histogram (as HdrHistogram's add does); returns self."""
        self.raw.add(other.raw)
        return self

    def to_series(self, *percentiles: float) -> Any:
        """The percentiles as a pandas Series indexed by percentile (needs surge[analysis])."""
        from surge.results.optional import pandas

        values = self.percentiles(*percentiles)
        index = [float(k) for k in values]
        return pandas().Series(
            [math.nan if v is None else v for v in values.values()],
            index=pandas().Index(index, name="percentile"),
            name=self.name or "latency_ms",
        )
