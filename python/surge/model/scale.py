"""Shorter runs of the same scenario: durations, warm-ups, stage lengths and request counts
times a factor. The pytest plugin's --surge-scale uses it, and so does every run when the
environment sets SURGE_SCALE (the docs' examples run in CI that way, at a twentieth of their
length). Rates, users and think times stay as written, so a scaled run has the same shape."""

from __future__ import annotations

import dataclasses
import math
import os

from surge.errors import ConfigError
from surge.model.plan import DEFAULT_DURATION_S
from surge.model.scenario import Scenario
from surge.units import parse_duration

ENV = "SURGE_SCALE"


def scale_from_env() -> float | None:
    """SURGE_SCALE as a factor, or None when it is unset (or 1)."""
    text = os.environ.get(ENV, "").strip()
    if not text:
        return None
    try:
        factor = float(text) if text.isascii() else math.nan
    except ValueError:
        factor = math.nan
    if not (math.isfinite(factor) and factor > 0):
        raise ConfigError(f"{ENV}: expected a number > 0 such as 0.1, got {text!r}")
    return None if factor == 1 else factor


def scaled(scenario: Scenario, scale: float, *, stages: bool = True) -> Scenario:
    """The scenario with its measured duration, warm-up, request count and (with `stages`)
    stage lengths times `scale`. Without `stages` a staged load keeps its timeline, as the
    pytest plugin's --surge-scale always has."""
    if scale == 1.0:
        return scenario
    changes: dict = {}
    staged = getattr(scenario.load, "stages", None)
    if staged and stages:
        # Targets as given: a user count stays whole (the parsed stages hold it as 10.0).
        load = dataclasses.replace(
            scenario.load,
            stages=[(s * scale, int(t) if float(t).is_integer() else t) for s, t in staged],
        )
        changes["load"] = load
    elif scenario.duration is not None and not staged:
        changes["duration"] = parse_duration(scenario.duration) * scale
    elif scenario.requests is None and not staged and not getattr(scenario.load, "bounded", 0):
        changes["duration"] = DEFAULT_DURATION_S * scale  # what it runs without -d or -n
    if scenario.warmup is not None:
        changes["warmup"] = (parse_duration(scenario.warmup) or 0.0) * scale or None
    if scenario.requests is not None:
        changes["requests"] = max(1, round(scenario.requests * scale))
    return scenario.replace(**changes) if changes else scenario
