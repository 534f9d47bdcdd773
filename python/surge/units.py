"""Units: durations as people write them ("10s", "2m", "500ms"), and times in ms as results
and tables show them."""

from __future__ import annotations

import math
import re

from surge.errors import ConfigError

# Every duration surge reads, in every place (flags, SLOs, stages, think time, YAML, the target's
# knobs), uses these units: one grammar, owned here.
SECONDS_PER_UNIT = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
# A regex alternation of the units, longest first so "ms" is not read as "m".
DURATION_UNIT_PATTERN = "|".join(sorted(SECONDS_PER_UNIT, key=len, reverse=True))
_DURATION = re.compile(rf"^\s*([0-9]+(?:\.[0-9]+)?)\s*({DURATION_UNIT_PATTERN})?\s*$")
# The longest duration surge takes: a year. Every duration becomes int64 nanoseconds, and a
# run's warm-up, window and drain add up, so far below 292 years keeps them all exact.
MAX_DURATION_S = 365 * 24 * 3600.0
_SCALE = {**SECONDS_PER_UNIT, None: 1.0}


def parse_duration(value: str | float | int | None, field: str = "duration") -> float | None:
    """Seconds from "10s", "2m", "500ms", "1h" or a plain number of seconds; None stays None."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ConfigError(f"{field}: must be a finite number of seconds, got {value!r}")
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ConfigError(
                f"{field}: expected a duration such as 10s, 2m or 500ms, got {value!r}"
            )
        seconds = float(match.group(1)) * _SCALE[match.group(2)]
    if seconds < 0:
        raise ConfigError(f"{field}: must not be negative, got {value!r}")
    if seconds > MAX_DURATION_S:
        raise ConfigError(f"{field}: at most a year (8760h), got {value!r}")
    return seconds


_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$")
SIZE_UNITS = {
    "B": 1,
    "KB": 1e3,
    "MB": 1e6,
    "GB": 1e9,
    "KiB": 1 << 10,
    "MiB": 1 << 20,
    "GiB": 1 << 30,
}


def parse_size(value: str | int, field: str) -> int:
    """Bytes from "8KiB", "1.5MB", "512B" or a plain number of bytes (KB = 1000, KiB = 1024)."""
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    else:
        match = _SIZE.match(str(value)) if isinstance(value, str) else None
        if not match:
            raise ConfigError(f"{field}: expected a size such as 8KiB, 1MB or 512B, got {value!r}")
        size = round(float(match.group(1)) * SIZE_UNITS.get(match.group(2), 1))
    if size < 0:
        raise ConfigError(f"{field}: must not be negative, got {value!r}")
    return size


def format_bytes(value: float | None) -> str:
    """A size for people, in binary units: 1.5 MiB, 730 KiB, 12 B; "n/a" when none."""
    if value is None:
        return "n/a"
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(value) >= scale:
            # Three significant digits, without the exponent .3g would use past 999.
            shown = value / scale
            return f"{shown:,.3g} {unit}" if abs(shown) < 100 else f"{shown:,.0f} {unit}"
    return f"{value:,.0f} B"


def to_ns(seconds: float | None) -> int:
    return 0 if seconds is None else round(seconds * 1e9)


def ns_to_ms(ns: float) -> float:
    """Nanoseconds (the engine's unit) as the milliseconds results hold, to the nanosecond."""
    return round(ns / 1e6, 6)


def format_ms(ms: float | None) -> str:
    """A time in ms for tables: three decimals below 10 ms, one above, thousands separated;
    "-" when none."""
    if ms is None:
        return "-"
    return f"{ms:.3f}" if ms < 10 else f"{ms:,.1f}"


def format_number(value: float | None, unit: str = "") -> str:
    """A measured value for people, never in scientific notation: % for fractions (0.0123 ->
    1.23%), ms times through format_ms, other numbers with thousands separators and decimals
    only where they carry something; "n/a" when none."""
    if value is None:
        return "n/a"
    if unit == "%":
        percent = 100 * value
        return f"{percent:.2f}%" if percent >= 0.01 or percent == 0 else f"{percent:.4f}%"
    if unit == "ms":
        return f"{format_ms(value)} ms"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return f"{text} {unit}".rstrip()


def format_plain(value: float) -> str:
    """A setting as people write it, never in scientific notation: 1e6 -> 1,000,000, 2.5 -> 2.5,
    0.000125 -> 0.000125 (up to six decimals; where :g would print 1e+06)."""
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_change(fraction: float | None, points: bool = False) -> str:
    """A relative change (+0.137 -> +13.7%), or a difference of rates in percentage points."""
    if fraction is None:
        return "n/a"
    return f"{100 * fraction:+,.1f}{' pts' if points else '%'}"
