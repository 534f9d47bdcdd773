"""What one HTTP request may do besides being sent: capture values from its response into a
journey's variables (JSON path, header, regex), check the response, think before the next
step, and what a failure does. Plain operations refuse all of it; a journey's steps use it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import surge._core as _core
from surge import checks
from surge.errors import ConfigError
from surge.units import parse_duration

ON_FAILURE = ("abort", "continue", "restart")
# A variable's name, as templates write it.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CHECK_KINDS = ("exists", "equals", "matches")


def extraction(source: str, where: str) -> tuple[str, str]:
    """Where a capture or check reads its value: "$.path" (JSON), "header:NAME",
    "regex:PATTERN" (its first group if it has one), "body" or "status"."""
    if not isinstance(source, str) or not source:
        raise ConfigError(
            f"{where}: a value's source is '$.json.path', 'header:NAME', 'regex:PATTERN', "
            f"'body' or 'status', got {source!r}"
        )
    if source.startswith("$"):
        return "json", source
    kind, _, rest = source.partition(":")
    if kind in ("header", "regex") and rest:
        return kind, rest
    if source in ("body", "status"):
        return source, ""
    raise ConfigError(
        f"{where}: unknown source {source!r}: write '$.json.path', 'header:NAME', "
        "'regex:PATTERN', 'body' or 'status'"
    )


def _check(subject: str, rule: Any, where: str) -> tuple[str, str, str, str]:
    """(source, expression, kind, expected) of one check: a string is what the value must equal
    (a template: {name} is a user variable); a dict says {"exists": True}, {"equals": "..."} or
    {"matches": "PATTERN"}."""
    source, expression = extraction(subject, where)
    if isinstance(rule, str):
        return source, expression, "equals", rule
    if isinstance(rule, Mapping) and len(rule) == 1:
        ((kind, expected),) = rule.items()
        if kind == "exists" and expected is True:
            return source, expression, kind, ""
        if kind in ("equals", "matches") and isinstance(expected, str):
            if kind == "matches":
                try:
                    re.compile(expected)
                except re.error as exc:
                    raise ConfigError(f"{where}: bad pattern {expected!r}: {exc}") from None
            return source, expression, kind, expected
    raise ConfigError(
        f"{where}: a check is a string the value must equal, or one of {{'exists': True}}, "
        f"{{'equals': '...'}}, {{'matches': 'PATTERN'}}; got {rule!r}"
    )


@dataclass(frozen=True)
class StepExtras:
    """What a step adds to its HTTP operation."""

    capture: Mapping[str, str] = field(default_factory=dict)
    check: Mapping[str, Any] = field(default_factory=dict)
    think: Any = None  # "1s", or (low, high): uniform between
    on_failure: str = "abort"

    def validate(self, where: str) -> None:
        for variable, source in checks.text_map(self.capture, f"{where}: capture").items():
            if not IDENTIFIER.fullmatch(variable):
                raise ConfigError(
                    f"{where}: capture name {variable!r} must be an identifier (letters, digits, _)"
                )
            extraction(source, f"{where}: capture {variable!r}")
        if not isinstance(self.check, Mapping):
            raise ConfigError(
                f"{where}: check must be a dict of source -> rule, got {self.check!r}"
            )
        for subject, rule in self.check.items():
            _check(subject, rule, f"{where}: check {subject!r}")
        self.think_ns()
        if self.on_failure not in ON_FAILURE:
            raise ConfigError(
                f"{where}: on_failure must be one of {', '.join(ON_FAILURE)}, "
                f"got {self.on_failure!r}"
            )

    @property
    def empty(self) -> bool:
        return (
            not self.capture
            and not self.check
            and self.think is None
            and self.on_failure == "abort"
        )

    def think_ns(self) -> tuple[int, int]:
        if self.think is None:
            return 0, 0
        if isinstance(self.think, (tuple, list)):
            if len(self.think) != 2:
                raise ConfigError(f"think: a duration or (low, high), got {self.think!r}")
            low, high = (parse_duration(v, "think") for v in self.think)
        else:
            low = high = parse_duration(self.think, "think")
        if low is None or high is None or low < 0 or high < low:
            raise ConfigError(f"think: needs 0 <= low <= high, got {self.think!r}")
        return round(low * 1e9), round(high * 1e9)

    def engine_step(self) -> _core.HttpStepSpec:
        From = _core.HttpExtraction.From
        step = _core.HttpStepSpec()
        step.captures = [
            _core.HttpCapture(name, _core.HttpExtraction(getattr(From, s), e))
            for name, (s, e) in ((n, extraction(src, "capture")) for n, src in self.capture.items())
        ]
        step.checks = [
            _core.HttpValueCheck(
                _core.HttpExtraction(getattr(From, s), e), getattr(_core.HttpValueCheck.Kind, k), x
            )
            for s, e, k, x in (
                _check(subject, rule, "check") for subject, rule in self.check.items()
            )
        ]
        step.think_min, step.think_max = self.think_ns()
        step.on_failure = getattr(
            _core.HttpOnFailure, {"continue": "go_on"}.get(self.on_failure, self.on_failure)
        )
        return step

    def variables(self) -> set[str]:
        return set(self.capture)
