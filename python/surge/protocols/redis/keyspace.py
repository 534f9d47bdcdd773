"""Key spaces and value sizes for cache workloads, as generator specs any protocol can use.

    KeySpace(keys=100_000, prefix="key:", pattern="zipf:0.99")   -> key:{zipf(1,100000,0.99)}
    value_spec("100") -> bytes(100); "32-1024" -> bytes(32,1024); "32:8,1024:2" -> weighted

Patterns (memtier's): sequential (1..N, cycling), uniform, zipf[:exponent] (default 0.99),
gaussian (centred on the middle of the range, standard deviation N/6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import surge._core as _core
from surge import checks
from surge.errors import ConfigError

_SIZE = re.compile(r"^\d+$")
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_WEIGHTED = re.compile(r"^\d+:\d+(\.\d+)?(,\d+:\d+(\.\d+)?)*$")


@dataclass(frozen=True)
class KeySpace:
    keys: int = 10_000
    prefix: str = "key:"
    pattern: str = "uniform"

    def __post_init__(self) -> None:
        checks.whole(self.keys, "keys", 1, checks.MAX_COUNT)
        checks.text(self.prefix, "key prefix", empty=True)
        checks.text(self.pattern, "key pattern")
        if any(c in self.prefix for c in " {}"):
            raise ConfigError(f"key prefix: no spaces or braces, got {self.prefix!r}")
        self.generator()  # a bad pattern fails here

    def generator(self) -> str:
        n = self.keys
        kind, _, argument = self.pattern.partition(":")
        if kind == "uniform" and not argument:
            return f"uniform(1,{n})"
        if kind == "sequential" and not argument:
            return f"seq(1,{n})"
        if kind == "gaussian" and not argument:
            return f"gaussian({(n + 1) / 2:g},{max(n / 6, 1e-9):g})"
        if kind == "zipf":
            try:
                exponent = float(argument) if argument else 0.99
            except ValueError:
                exponent = -1.0
            if exponent > 0:
                return f"zipf(1,{n},{exponent:g})"
        raise ConfigError(
            "key pattern: expected uniform, sequential, gaussian or zipf[:EXPONENT] "
            f"(such as zipf:0.99), got {self.pattern!r}"
        )

    def key_template(self, variable: str = "key") -> str:
        return f"{self.prefix}{{{variable}}}"

    def describe(self) -> dict:
        return {"keys": self.keys, "prefix": self.prefix, "pattern": self.pattern}


MAX_VALUE_BYTES = 1 << 20  # the generator's own ceiling: 1 MiB


def value_spec(data_size: str | int) -> str:
    """The generator for values of `data_size`: N, MIN-MAX or SIZE:WEIGHT,... (bytes), each
    size from 1 byte to 1 MiB and MIN <= MAX. A bad size fails here, before any load."""
    text = str(data_size).replace(" ", "")
    if _SIZE.match(text):
        sizes, spec = [text], f"bytes({text})"
    elif m := _RANGE.match(text):
        sizes, spec = [m.group(1), m.group(2)], f"bytes({m.group(1)},{m.group(2)})"
    elif _WEIGHTED.match(text):
        sizes, spec = [part.split(":")[0] for part in text.split(",")], f"bytes({text})"
    else:
        raise ConfigError(
            f"data size: expected N, MIN-MAX or SIZE:WEIGHT,... (bytes), got {data_size!r}"
        )
    if any(not 1 <= int(size) <= MAX_VALUE_BYTES for size in sizes):
        raise ConfigError(
            f"data size {data_size!r}: each size must be from 1 to {MAX_VALUE_BYTES:,} bytes"
        )
    try:
        _core.sample(spec, 0)
    except ValueError as exc:
        why = str(exc).split("': ", 1)[-1]
        raise ConfigError(f"data size {data_size!r}: {why}") from None
    return spec
