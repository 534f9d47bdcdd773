"""Think time for closed-model users: the pause between one request and the next.

`constant(1)`, `between(1, 3)` and `exponential(2)` pause after each response (as Locust's
`constant`, `between` and an exponential wait). `constant_pacing(2)` and
`constant_throughput(0.5)` instead fix the time between request *starts*; a user that falls
behind starts at once, and the delay shows as schedule lag and in its response time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import surge._core as _core
from surge import checks
from surge.errors import ConfigError
from surge.units import parse_duration, to_ns


@dataclass(frozen=True)
class Think:
    kind: str  # none, constant, uniform, exponential, pacing
    a_s: float = 0.0
    b_s: float = 0.0

    def describe(self) -> dict:
        shapes = {
            "none": {},
            "constant": {"seconds": self.a_s},
            "uniform": {"min_s": self.a_s, "max_s": self.b_s},
            "exponential": {"mean_s": self.a_s},
            "pacing": {"period_s": self.a_s},
        }
        return {"kind": self.kind, **shapes[self.kind]}

    def fill(self, load: _core.LoadSpec) -> None:
        load.set_think(getattr(_core.ThinkKind, self.kind), to_ns(self.a_s), to_ns(self.b_s))


NO_THINK = Think("none")


def _seconds(value: str | float, what: str) -> float:
    seconds = parse_duration(value, what)
    if seconds is None:
        raise ConfigError(f"{what}: expected a duration such as 2s or 500ms, got None")
    return seconds


def constant(seconds: str | float) -> Think:
    """The same pause after every response."""
    return Think("constant", _seconds(seconds, "think time"))


def between(low: str | float, high: str | float) -> Think:
    """A pause drawn uniformly between `low` and `high` (Locust's `between`)."""
    a, b = _seconds(low, "think time"), _seconds(high, "think time")
    if b < a:
        raise ConfigError(
            f"think time: between(low, high) needs low <= high, got {low!r}, {high!r}"
        )
    return Think("uniform", a, b)


def exponential(mean: str | float) -> Think:
    """A pause with an exponential distribution: users that act as independent arrivals."""
    mean_s = _seconds(mean, "think time")
    if mean_s <= 0:
        raise ConfigError(f"think time: exponential(mean) needs a mean > 0, got {mean!r}")
    return Think("exponential", mean_s)


def constant_pacing(seconds: str | float) -> Think:
    """A request start every `seconds` per user, however long the response took."""
    period = _seconds(seconds, "think time: pacing")
    if period <= 0:
        raise ConfigError(f"think time: pacing: the period must be > 0, got {seconds!r}")
    return Think("pacing", period)


def constant_throughput(per_second: float) -> Think:
    """`per_second` request starts per second per user (Locust's constant_throughput)."""
    rate = checks.number(per_second, "think time: throughput (per second)", above=0)
    return constant_pacing(1.0 / rate)


_EXP = re.compile(r"^exp(?:onential)?:(.+)$")
_PACING = re.compile(r"^pacing:(.+)$")
_THROUGHPUT = re.compile(r"^throughput:(.+)$")


def parse_think(text: str) -> Think:
    """CLI form: `2s`, `1s-3s` (between), `exp:2s`, `pacing:1s`, `throughput:5`."""
    text = text.strip()
    try:
        if m := _EXP.match(text):
            return exponential(m.group(1))
        if m := _PACING.match(text):
            return constant_pacing(m.group(1))
        if m := _THROUGHPUT.match(text):
            return constant_throughput(float(m.group(1)))
        if "-" in text:
            low, high = text.split("-", 1)
            return between(low, high)
        return constant(text)
    except (ConfigError, ValueError):
        raise ConfigError(
            f"--think: expected 2s, 1s-3s, exp:2s, pacing:1s or throughput:5, got {text!r}"
        ) from None
