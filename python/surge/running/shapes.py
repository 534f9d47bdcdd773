"""Named load shapes built on the load models: baseline, peak, stress and spike.

baseline / peak   steady users for a duration (peak: more of them)
stress            step the load up until an SLO breaks; report the last step that held
spike             ramp to a base load, jump, hold, drop back, and measure the recovery
                  time: from the end of the spike until the per-interval p95 is back under
                  the baseline p95 x (1 + tolerance)
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from surge.errors import ConfigError
from surge.model.load_models import RampingRate, RampingUsers, Users, constant_rate_like
from surge.model.scenario import Scenario
from surge.model.think import NO_THINK, Think
from surge.results import slo as slo_module
from surge.results.result import Result
from surge.running.runner import run
from surge.units import parse_duration

SloSpec = str | Sequence[str] | Callable[[Result], bool]


def baseline(scenario: Scenario, users: int, duration: str | float, **options: Any) -> Scenario:
    """Steady `users` for `duration`; options: `think`, `spawn_rate` (users started per second)."""
    return _steady(scenario, "baseline", users, duration, **options)


def peak(scenario: Scenario, users: int, duration: str | float, **options: Any) -> Scenario:
    """Like baseline, with the higher user count of the expected peak."""
    return _steady(scenario, "peak", users, duration, **options)


def _steady(
    scenario: Scenario,
    shape: str,
    users: int,
    duration: str | float,
    *,
    think: Think = NO_THINK,
    spawn_rate: float | None = None,
) -> Scenario:
    return scenario.replace(
        name=f"{scenario.name}-{shape}",
        load=Users(users, think=think, spawn_rate=spawn_rate),
        duration=duration,
        requests=None,
    )


@dataclass
class StressStep:
    level: float  # users, or requests/s for an open-model scenario
    result: Result
    held: bool
    verdicts: list[str] = field(default_factory=list)


@dataclass
class StressReport:
    steps: list[StressStep]

    @property
    def last_held(self) -> float | None:
        """The highest level that met the SLO before the first that broke it."""
        held = None
        for step in self.steps:
            if not step.held:
                break
            held = step.level
        return held

    @property
    def broke_at(self) -> float | None:
        return next((step.level for step in self.steps if not step.held), None)

    def describe(self) -> dict[str, Any]:
        return {
            "last_held": self.last_held,
            "broke_at": self.broke_at,
            "steps": [
                {
                    "level": s.level,
                    "held": s.held,
                    "verdicts": s.verdicts,
                    "rate_per_s": s.result.total["rate_per_s"],
                    "p95_ms": s.result.total["latency"]["percentiles"]["95"],
                }
                for s in self.steps
            ],
        }


def stress(
    scenario: Scenario,
    levels: Sequence[float],
    *,
    slo: SloSpec,
    step_duration: str | float = "30s",
    think: Think = NO_THINK,
    **run_options: Any,
) -> StressReport:
    """Runs one step per level (users, or requests/s when the scenario's load is open-model),
    lowest first, and stops at the first step whose result breaks `slo`: an expression, a
    list of them, or a function of the Result."""
    if not levels or any(not isinstance(x, (int, float)) or x <= 0 for x in levels):
        raise ConfigError(f"stress: levels must be numbers > 0, got {levels!r}")
    judge = _judge(slo)
    open_model = scenario.load.model == "open"
    steps = []
    for level in sorted(levels):
        step_load = (
            constant_rate_like(scenario.load, level)
            if open_model
            else Users(int(level), think=think)
        )
        step = scenario.replace(
            name=f"{scenario.name}-stress-{level:g}",
            load=step_load,
            duration=step_duration,
            requests=None,
        )
        result = run(step, **run_options)
        held, verdicts = judge(result)
        steps.append(StressStep(level, result, held, verdicts))
        if not held or result.interrupted:
            break
    return StressReport(steps)


def _judge(slo: SloSpec) -> Callable[[Result], tuple[bool, list[str]]]:
    if callable(slo):

        def by_function(result: Result) -> tuple[bool, list[str]]:
            return bool(slo(result)), []

        return by_function
    expressions = [slo] if isinstance(slo, str) else list(slo)
    if not expressions:
        raise ConfigError("stress: give at least one SLO, such as 'p95 < 200ms'")
    parsed = [slo_module.parse(e) for e in expressions]  # parse errors before any load

    def by_expressions(result: Result) -> tuple[bool, list[str]]:
        verdicts = slo_module.check(result, *parsed)
        return all(v.ok for v in verdicts), [str(v) for v in verdicts]

    return by_expressions


def spike(
    scenario: Scenario,
    base: float,
    peak: float,
    *,
    ramp: str | float = "5s",
    before: str | float = "10s",
    jump: str | float = "0s",
    hold: str | float = "10s",
    after: str | float = "30s",
    tolerance: float = 0.2,
    think: Think = NO_THINK,
    **run_options: Any,
) -> Result:
    """Ramps to `base` over `ramp` (warm-up, not measured), holds it for `before` (the
    baseline), goes to `peak` over `jump` (0s: at once), holds it for `hold`, drops back to
    `base` and holds it for `after`. Levels are requests/s for an open-model scenario, users
    otherwise. The Result gains `recovery_time_s` and a `spike` section."""
    seconds = {
        name: parse_duration(value, f"spike {name}")
        for name, value in (
            ("ramp", ramp),
            ("before", before),
            ("jump", jump),
            ("hold", hold),
            ("after", after),
        )
    }
    if not seconds["before"] or not seconds["hold"] or not seconds["after"]:
        raise ConfigError("spike: before, hold and after must each be longer than 0s")
    if not 0 < base < peak:
        raise ConfigError(f"spike: needs 0 < base < peak, got base={base!r}, peak={peak!r}")
    if tolerance < 0:
        raise ConfigError(f"spike: tolerance must be >= 0, got {tolerance!r}")
    stages = [
        (seconds["ramp"], base),
        (seconds["before"], base),
        (seconds["jump"], peak),
        (seconds["hold"], peak),
        (0, base),
        (seconds["after"], base),
    ]
    if scenario.load.model == "open":
        model = scenario.load
        load: RampingRate | RampingUsers = RampingRate(
            stages,
            connections=model.connections,
            max_connections=model.max_connections,
            max_backlog=model.max_backlog,
            poisson=model.poisson,
        )
    else:
        load = RampingUsers([(s, int(t)) for s, t in stages], think=think)
    run_scenario = scenario.replace(
        name=f"{scenario.name}-spike",
        load=load,
        duration=None,
        requests=None,
        warmup=seconds["ramp"] or None,
    )
    result = run(run_scenario, **run_options)
    spike_start = seconds["before"]
    spike_end = spike_start + seconds["jump"] + seconds["hold"]
    return with_recovery(result, spike_start, spike_end, tolerance)


def with_recovery(result: Result, spike_start: float, spike_end: float, tolerance: float) -> Result:
    """Adds the recovery time to a run whose spike ran from `spike_start` to `spike_end`
    (seconds of the measured window). The baseline p95 is the median of the per-interval p95
    before the spike; recovery is at the start of the first interval from the spike's end whose
    p95 is back under baseline x (1 + tolerance)."""
    rows = [r for r in result["timeseries_total"] if r["count"] and r["p95_ms"] is not None]
    interval = parse_duration(result["load"]["interval_s"]) or 1.0
    baseline_p95s = [r["p95_ms"] for r in rows if r["t_s"] + interval <= spike_start + 1e-9]
    if not baseline_p95s:
        raise ConfigError("spike: the baseline before the spike needs at least one full interval")
    baseline_p95 = statistics.median(baseline_p95s)
    threshold = baseline_p95 * (1 + tolerance)
    recovered_at = next(
        (r["t_s"] for r in rows if r["t_s"] >= spike_end - 1e-9 and r["p95_ms"] <= threshold),
        None,
    )
    document = result.to_dict()
    document["recovery_time_s"] = (
        None if recovered_at is None else round(max(recovered_at - spike_end, 0.0), 6)
    )
    document["spike"] = {
        "start_s": spike_start,
        "end_s": spike_end,
        "baseline_p95_ms": baseline_p95,
        "tolerance": tolerance,
        "threshold_p95_ms": round(threshold, 6),
        "recovered": recovered_at is not None,
    }
    return Result(document)
