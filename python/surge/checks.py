"""The checks every setting goes through: a value of the wrong type or out of range is one
ConfigError that names the field and says what it takes, never a TypeError from deep inside.

The limits are where surge's own types end, or where a value stops meaning anything: they keep
a typo (a billion connections, a trillion-year timeout) from becoming a crash or a hang.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from surge.errors import ConfigError

# Requests and iterations in one run: at the highest rate surge takes (1e8/s) this is almost
# three hours, and every count stays far inside int64.
MAX_COUNT = 10**12
# Connections and users. One source address reaches one server address over at most ~64K
# ports (28K in Linux's default ephemeral range), and each connection costs the client about
# 18 KB: 100,000 runs (6 s and 1.8 GB for `-c 100000 -n 10` here); a million took 51 s and
# 17.8 GB before anything useful happened, which is a typo's cost, not a plan's.
MAX_CONNECTIONS = 100_000
# Queued requests in the open model's backlog (each holds a few dozen bytes).
MAX_BACKLOG = 10_000_000
# Engine threads: far more than the cores of any machine a load generator runs on.
MAX_THREADS = 256
# Operation weights are relative; beyond this the small ones never run.
MAX_WEIGHT = 1_000_000


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def whole(value: object, field: str, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number (not a bool, not 1.0) within [minimum, maximum]."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{field}: must be a whole number >= {minimum}, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        top = f" to {maximum:,}" if maximum is not None else " or more"
        raise ConfigError(f"{field}: must be from {minimum:,}{top}, got {value!r}")
    return value


def optional_whole(
    value: object, field: str, minimum: int = 0, maximum: int | None = None
) -> int | None:
    return None if value is None else whole(value, field, minimum, maximum)


def number(
    value: object,
    field: str,
    *,
    minimum: float | None = None,
    above: float | None = None,
    maximum: float | None = None,
) -> float:
    """A finite number; `minimum` is inclusive, `above` exclusive."""
    if not is_number(value) or not math.isfinite(value):
        raise ConfigError(f"{field}: must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{field}: must be >= {minimum:g}, got {value!r}")
    if above is not None and not value > above:
        raise ConfigError(f"{field}: must be > {above:g}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{field}: must be at most {maximum:,g}, got {value!r}")
    return float(value)


def text(value: object, field: str, *, empty: bool = False) -> str:
    """A string; empty only where `empty` allows it."""
    if not isinstance(value, str):
        raise ConfigError(f"{field}: must be a string, got {value!r}")
    if not empty and not value.strip():
        raise ConfigError(f"{field}: must not be empty")
    return value


def single_line(value: str, field: str) -> str:
    """Text that goes on one line of a request: a CR or LF in it would start a new one."""
    if "\r" in value or "\n" in value:
        raise ConfigError(f"{field}: must not contain a line break (CR or LF), got {value!r}")
    return value


def text_map(value: object, field: str) -> dict[str, str]:
    """A mapping of non-empty string keys to string values."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{field}: must be a dict of name -> text, got {value!r}")
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ConfigError(f"{field}: names must be non-empty strings, got {key!r}")
        if not isinstance(item, str):
            raise ConfigError(
                f"{field}: the value of {key!r} must be a string, got {item!r} "
                f"(write {str(item)!r})"
            )
    return dict(value)


def generators(value: object, field: str) -> dict[str, str]:
    """Template variables: a name for each generator spec, each spec one the engine takes
    (tried here once, so the message names the variable)."""
    import surge._core as _core  # the engine checks its own specs: one grammar, one place

    variables = text_map(value, field)
    for name, spec in variables.items():
        try:
            _core.sample(spec, 0)
        except ValueError as exc:
            raise ConfigError(f"{field}: {name!r}: {exc}") from None
    return variables


def templates(texts: Iterable[str], variables: Mapping[str, str], field: str) -> None:
    """Each template rendered once, so an unknown {name} fails where it is written, before
    any connection is made (the engine renders them the same way for every request)."""
    import surge._core as _core

    declared = list(variables.items())
    for text in texts:
        try:
            _core.render(text, declared, 1)
        except ValueError as exc:
            raise ConfigError(f"{field}: {exc}") from None


def sequence(value: object, field: str) -> list[Any]:
    """A list or tuple (not a string, which would iterate by character)."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise ConfigError(f"{field}: must be a list, got {value!r}")
    return list(value)


def operation_name(name: object) -> str:
    """An operation's name: what results, SLOs and reports call it."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"operation name: must be a non-empty string, got {name!r}")
    return name


def weight(value: object, where: str) -> float:
    return number(value, f"{where}: weight", above=0, maximum=MAX_WEIGHT)
