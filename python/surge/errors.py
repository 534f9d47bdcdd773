"""The exception types users see. Each message names what was wrong and, where it can, the fix."""

from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """Raised before a run starts when its configuration cannot work."""


class RunError(RuntimeError):
    """A run (or a suite) stopped because of something other than its target: a progress
    callback that raised, or a phase that could not start. What was measured before is kept in
    `result` (a Result, or a SuiteResult for a suite)."""

    def __init__(self, message: str, result: Any):
        super().__init__(message)
        self.result = result
