"""Flag value types that every command shares, the CLI's and each protocol's own: whole numbers
within bounds, weights, KEY:VALUE pairs, and the context that names a flag in the errors its
value raises. Each refusal is one line that says what was expected."""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterator
from contextlib import contextmanager

from surge.checks import MAX_COUNT, MAX_WEIGHT
from surge.errors import ConfigError


@contextmanager
def flag_errors(flag: str) -> Iterator[None]:
    """A ConfigError raised while a flag's value is turned into settings names the flag as the
    user typed it; the Python field it maps to stays in the message after it."""
    try:
        yield
    except ConfigError as exc:
        raise ConfigError(f"{flag}: {exc}") from None


def whole_arg(minimum: int, maximum: int):
    """A whole number within [minimum, maximum], in ASCII digits."""

    def parse(value: str) -> int:
        # int() takes '٣' and refuses '³': ASCII digits only, so neither is taken for a number.
        n = int(value) if value.strip().isascii() and _is_int(value) else None
        if n is None or not minimum <= n <= maximum:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {minimum:,} to {maximum:,}, got {value!r}"
            )
        return n

    return parse


def _is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


count_arg = whole_arg(1, MAX_COUNT)


def number(value: str) -> float:
    try:
        x = float(value) if value.strip().isascii() else math.nan
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"expected a number, got {value!r}")
    return x


def positive_float(value: str) -> float:
    x = number(value)
    if not x > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {value!r}")
    return x


def weight_arg(value: str) -> float:
    x = positive_float(value)
    if x > MAX_WEIGHT:
        raise argparse.ArgumentTypeError(f"expected a weight up to {MAX_WEIGHT:,}, got {value!r}")
    return x


def key_value(separator: str, what: str):
    def parse(value: str) -> tuple[str, str]:
        if separator not in value:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value!r}")
        key, rest = value.split(separator, 1)
        if not key.strip():
            raise argparse.ArgumentTypeError(f"expected {what}, got {value!r}")
        return key.strip(), rest.strip()

    return parse
