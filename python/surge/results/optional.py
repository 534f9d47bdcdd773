"""Optional heavy dependencies, imported the first time they are asked for: pandas is an extra
(`pip install surge[analysis]`), and nothing else in surge needs it."""

from __future__ import annotations

from typing import Any

from surge.errors import ConfigError


def pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise ConfigError(
            "DataFrames need pandas: pip install 'surge[analysis]' (or pip install pandas)"
        ) from None
    return pd
