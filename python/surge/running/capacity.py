"""Capacity search: the highest rate a service sustains while it meets its SLOs.

    report = surge.capacity(scenario, slos=["p99 < 50ms", "error_rate < 0.1%"])
    report.highest_passing_rate, report.lowest_failing_rate, report.knee_rate

Each step is an open-model run at one rate, with its own warm-up and a measured window long
enough for the SLOs' percentiles (at least 20 requests in the tail each judges). The search
doubles the rate until a step fails, then bisects between the last pass and the first failure
until they are within `resolution` of each other. A failing step, and every step of the
bisection, is run again until a majority of up to `repeats` runs agrees, and the spread of
those runs is reported as the noise.

A step in which surge itself was the bottleneck is not held against the target: when surge's
own pacer sent arrivals out later than `generator_lag` (p99; a wait for a free connection is
not in it, that one is the target's), the step is reported as generator-bound, the search
stops there, and the report advises more threads or machines. The generator's CPU share is
reported beside it.

A late pacer on a thread that still had idle moments (its busy share under 0.9) was held back
by the machine, not by its load: another process, or a hypervisor taking the CPU. Such a run
is marked `descheduled` and run again, up to twice, before the step counts as generator-bound;
the runs that were run again stay in the report, and count for nothing.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import resource
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from surge.errors import ConfigError
from surge.model.load_models import constant_rate_like
from surge.model.scenario import Scenario
from surge.monitor.sampling import monitor_advice
from surge.results import slo as slo_module
from surge.results.result import Result
from surge.results.summary import GENERATOR_BUSY
from surge.running.runner import run
from surge.units import parse_duration

SCHEMA = "surge.capacity/1"
MAX_RATE = 1e8
TAIL_SAMPLES = 20  # requests beyond the SLO's percentile that a step must measure
MAX_STEPS = 60
DESCHEDULED_RETRIES = 2  # runs again of a step whose pacer the machine, not its load, held back


@dataclass(frozen=True)
class CapacityRun:
    """One run of one step."""

    rate: float
    result: Result
    passed: bool
    verdicts: list[str]
    cpu_share: float  # the generator process's CPU time / (load time x its threads)
    pacer_lag_p99_ms: float  # how late surge's own pacer sent arrivals out
    busy_share: float | None  # its busiest thread's time run or waiting for a core / wall
    generator_bound: bool
    retried: bool = False  # descheduled, and run again: it counts for nothing

    @property
    def descheduled(self) -> bool:
        """Generator-bound by its pacer's lag alone: the thread had idle moments, so the
        machine held it back, not its load."""
        return (
            self.generator_bound and self.busy_share is not None
            and self.busy_share < GENERATOR_BUSY
        )  # fmt: skip

    def summary(self) -> dict[str, Any]:
        total = self.result.total
        latency = total["latency"]["percentiles"]
        return {
            "rate": self.rate,
            "passed": self.passed,
            "generator_bound": self.generator_bound,
            "achieved_rate": total["rate_per_s"],
            "p50_ms": latency["50"],
            "p99_ms": latency["99"],
            "schedule_lag_p99_ms": total["schedule_lag"]["percentiles"]["99"],
            "error_rate": slo_module.metric_value("error_rate", total),
            "cpu_share": round(self.cpu_share, 3),
            "pacer_lag_p99_ms": self.pacer_lag_p99_ms,
            "busy_share": self.busy_share,
            "retried": self.retried,
            "verdicts": self.verdicts,
        }


@dataclass(frozen=True)
class CapacityStep:
    """A rate and its runs: one, or as many as the majority needed."""

    rate: float
    runs: list[CapacityRun]

    @property
    def generator_bound(self) -> bool:
        return any(r.generator_bound for r in self.runs if not r.retried)

    @property
    def passed(self) -> bool:
        judged = [r.passed for r in self.runs if not r.generator_bound and not r.retried]
        return bool(judged) and 2 * sum(judged) > len(judged)

    def p99_spread_ms(self) -> tuple[float, float] | None:
        values = [
            r.result.total["latency"]["percentiles"]["99"] for r in self.runs if not r.retried
        ]
        values = [v for v in values if v is not None]
        return (min(values), max(values)) if len(values) > 1 else None


@dataclass
class CapacityReport:
    scenario: str
    slos: list[str]
    resolution: float
    steps: list[CapacityStep] = field(default_factory=list)
    generator_bound: bool = False
    interrupted: bool = False

    @property
    def highest_passing_rate(self) -> float | None:
        """The highest rate that held below the lowest that broke (a pass above a failure is
        noise, and counted as such)."""
        failed = self.lowest_failing_rate
        passed = [
            s.rate for s in self.steps
            if s.passed and not s.generator_bound and (failed is None or s.rate < failed)
        ]  # fmt: skip
        return max(passed) if passed else None

    @property
    def lowest_failing_rate(self) -> float | None:
        failed = [s.rate for s in self.steps if not s.passed and not s.generator_bound]
        return min(failed) if failed else None

    @property
    def knee_rate(self) -> float | None:
        """Where latency starts rising faster than throughput: the first offered rate at which
        the median latency grows by a larger factor than the achieved rate does, from the step
        before. The median, not p99: one slow moment moves a short step's p99 by several
        times, and would put the knee anywhere."""
        points = sorted(
            (s.rate, _median(r.result.total["rate_per_s"] for r in s.runs),
             _median(r.result.total["latency"]["percentiles"]["50"] or 0 for r in s.runs))
            for s in self.steps if not s.generator_bound
        )  # fmt: skip
        for (_, done0, p0), (rate1, done1, p1) in itertools.pairwise(points):
            if p0 > 0 and done0 > 0 and p1 / p0 > done1 / done0 > 0:
                return rate1
        return None

    def noise(self) -> dict[str, Any]:
        """How much repeated runs of one rate disagreed: their p99 spread, and how many
        verdicts went against the majority."""
        repeated = [s for s in self.steps if sum(not r.retried for r in s.runs) > 1]
        spreads = [s.p99_spread_ms() for s in repeated]
        ratios = [hi / lo for lo, hi in (x for x in spreads if x) if lo > 0]
        dissent = sum(
            sum(1 for r in s.runs if not r.generator_bound and r.passed != s.passed)
            for s in repeated
        )
        return {
            "descheduled_runs": sum(r.retried for s in self.steps for r in s.runs),
            "repeated_steps": len(repeated),
            "dissenting_runs": dissent,
            "p99_spread_ratio_max": round(max(ratios), 3) if ratios else None,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "scenario": self.scenario,
            "slos": self.slos,
            "resolution": self.resolution,
            "highest_passing_rate": self.highest_passing_rate,
            "lowest_failing_rate": self.lowest_failing_rate,
            "knee_rate": self.knee_rate,
            "generator_bound": self.generator_bound,
            "interrupted": self.interrupted,
            "noise": self.noise(),
            "steps": [
                {"rate": s.rate, "passed": s.passed, "generator_bound": s.generator_bound,
                 "runs": [r.summary() for r in s.runs]}
                for s in self.steps
            ],
        }  # fmt: skip

    def describe(self) -> str:
        """One line: the answer, or why there is none."""
        return describe_search(self.to_dict())

    def write_html(self, path: str | Path) -> Path:
        """The search as an HTML report (write_html)."""
        return write_html(self.to_dict(), path)

    def require(self, *, at_least: float) -> None:
        """For pytest: fails unless the search found the target holding at `at_least` req/s.
        A search that ended generator-bound still proves what it held below that point."""
        low = self.highest_passing_rate
        if low is None or low < at_least:
            raise AssertionError(f"expected capacity >= {at_least:,.0f} req/s; {self.describe()}")


def describe_search(search: dict[str, Any]) -> str:
    """One line for a search's JSON (surge.capacity/1): the answer, or why there is none."""
    low, high = search["highest_passing_rate"], search["lowest_failing_rate"]
    knee = search["knee_rate"]
    if search["generator_bound"]:
        reach = f" (held up to {low:,.0f} req/s)" if low else ""
        return (
            f"capacity: unknown: surge itself fell behind{reach}; give it more threads "
            "(-t), or more machines"
        )
    if low is None:
        return f"capacity: below {high:,.0f} req/s, the lowest rate tried"
    if high is None:
        return f"capacity: at least {low:,.0f} req/s (every step held, up to the maximum)"
    return f"capacity: {low:,.0f} req/s (held; {high:,.0f} req/s broke an SLO)" + (
        f"; latency's knee near {knee:,.0f} req/s" if knee else ""
    )


def write_html(search: dict[str, Any], path: str | Path) -> Path:
    """A search's JSON as an HTML report: latency and achieved rate against the offered rate,
    with the answer, the first failure and the knee marked (surge.outputs.report.capacity).
    `surge capacity --html` writes it from the search, `surge report` from its JSON file."""
    from surge.outputs.report.capacity import (
        write_capacity_report,  # plotly loads only when asked
    )

    return write_capacity_report(search, describe_search(search), path)


def _median(values: Any) -> float:
    return float(statistics.median(list(values)))


def _tail_window_s(slos: list[slo_module.Slo], rate: float) -> float:
    """The window in which every percentile SLO sees TAIL_SAMPLES requests beyond it."""
    longest = 0.0
    for s in slos:
        if s.metric.startswith("p") and s.metric[1:].replace(".", "", 1).isdigit():
            beyond = 1 - float(s.metric[1:]) / 100
            if beyond > 0:
                longest = max(longest, TAIL_SAMPLES / (beyond * rate))
    return longest


def capacity(
    scenario: Scenario,
    slos: str | Sequence[str],
    *,
    min_rate: float | None = None,
    max_rate: float = MAX_RATE,
    resolution: float = 0.02,
    step: str | float = "10s",
    warmup: str | float = "2s",
    repeats: int = 3,
    generator_lag: str | float = "5ms",
    on_run: Callable[[CapacityRun], None] | None = None,
    **run_options: Any,
) -> CapacityReport:
    """Searches the highest rate at which `scenario` meets every SLO in `slos`. The scenario's
    operations, target and settings are kept; its load becomes a constant rate per step, with
    the pool settings of its own open-model load if it has one. `on_run` is called after each
    run (a live table). Raises ConfigError for a bad setting, before any load."""
    expressions = [slos] if isinstance(slos, str) else list(slos)
    if not expressions:
        raise ConfigError("capacity: give at least one SLO, such as 'p99 < 50ms'")
    parsed = [slo_module.parse(e) for e in expressions]
    watched = {m.namespace for m in scenario.monitors}
    for rule in parsed:
        if rule.monitor_unit is not None and rule.operation not in watched:
            raise ConfigError(f"SLO {rule.text!r}: {monitor_advice(rule.operation)}")
    if not isinstance(resolution, (int, float)) or not 0.001 <= resolution <= 1:
        raise ConfigError(f"resolution: a fraction from 0.001 to 1 (2% = 0.02), got {resolution!r}")
    if not isinstance(repeats, int) or isinstance(repeats, bool) or not 1 <= repeats <= 9:
        raise ConfigError(f"repeats: a whole number from 1 to 9, got {repeats!r}")
    start = min_rate if min_rate is not None else getattr(scenario.load, "rate", None) or 100.0
    for name, value in (("min_rate", start), ("max_rate", max_rate)):
        if not isinstance(value, (int, float)) or not 0 < value <= MAX_RATE:
            raise ConfigError(f"{name}: a rate from 0 to {MAX_RATE:g} req/s, got {value!r}")
    if start > max_rate:
        raise ConfigError(f"min_rate: {start:g} is above max_rate {max_rate:g}")
    step_s = parse_duration(step, "step")
    warmup_s = parse_duration(warmup, "warmup") or 0.0
    lag_ms = (parse_duration(generator_lag, "generator_lag") or 0.0) * 1e3
    if not step_s:
        raise ConfigError(f"step: must be > 0, got {step!r}")

    report = CapacityReport(scenario.name, expressions, float(resolution))
    threads = scenario.threads

    def one_run(rate: float) -> CapacityRun:
        window = max(step_s, _tail_window_s(parsed, rate))
        load = constant_rate_like(scenario.load, rate)
        trial = scenario.replace(
            name=f"{scenario.name}-capacity-{rate:g}", load=load, duration=window,
            warmup=warmup_s or None, requests=None,
        )  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_SELF)
        result = run(trial, **run_options)
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        # Over the time the load ran (warm-up and window), not the drain and set-up around it,
        # which would hide a pacer that was busy the whole time.
        loaded = result["duration_s"] + warmup_s
        share = cpu / (loaded * threads) if loaded > 0 else 0.0
        pacer = result["generator"]["pacer_lag"]["percentiles"]["99"] or 0.0
        busy = result["generator"].get("busy_share")
        verdicts = slo_module.check(result, *parsed)
        done = CapacityRun(
            rate=rate, result=result, passed=all(v.ok for v in verdicts),
            verdicts=[str(v) for v in verdicts], cpu_share=share, pacer_lag_p99_ms=pacer,
            busy_share=busy,
            generator_bound=pacer > lag_ms or (busy is not None and busy >= GENERATOR_BUSY),
        )  # fmt: skip
        if on_run:
            on_run(done)
        if result.interrupted:
            report.interrupted = True
        return done

    def steady_runs(rate: float) -> list[CapacityRun]:
        """One run that counts, after any the machine held back (see the module's doc)."""
        runs = [one_run(rate)]
        while runs[-1].descheduled and len(runs) <= DESCHEDULED_RETRIES and not report.interrupted:
            runs[-1] = dataclasses.replace(runs[-1], retried=True)
            runs.append(one_run(rate))
        return runs

    def judged(rate: float, confirm: bool, runs: list[CapacityRun] | None = None) -> CapacityStep:
        """A step: one run, or with `confirm` runs (after `runs`, made already) until a
        majority of `repeats` agrees."""
        runs = list(runs) if runs else steady_runs(rate)
        majority = repeats // 2 + 1
        while (
            confirm
            and not report.interrupted
            and not runs[-1].generator_bound
            and len(counted := [r for r in runs if not r.retried]) < repeats
            and max(sum(r.passed for r in counted), sum(not r.passed for r in counted)) < majority
        ):
            runs.extend(steady_runs(rate))
        step_ = CapacityStep(rate, runs)
        report.steps.append(step_)
        if step_.generator_bound:
            report.generator_bound = True
        return step_

    # Up by doubling until a failure (confirmed by a majority), or down by halving when the
    # first rate already fails.
    rate = float(start)
    while len(report.steps) < MAX_STEPS and not report.interrupted:
        first = judged(rate, confirm=False)
        if first.generator_bound:
            return report
        if not first.passed:
            report.steps.pop()
            confirmed = judged(rate, confirm=True, runs=first.runs)
            if confirmed.generator_bound:
                return report
            if not confirmed.passed:
                break
        if rate >= max_rate:
            return report
        rate = min(rate * 2, max_rate)
    if report.highest_passing_rate is None:
        rate = report.lowest_failing_rate or start
        while len(report.steps) < MAX_STEPS and not report.interrupted and rate > 1:
            rate /= 2
            step_ = judged(rate, confirm=True)
            if step_.generator_bound or step_.passed:
                break
    # Bisect: each rate is near the boundary, so each gets its majority.
    while len(report.steps) < MAX_STEPS and not report.interrupted and not report.generator_bound:
        low, high = report.highest_passing_rate, report.lowest_failing_rate
        if low is None or high is None or high <= low or (high - low) / low <= resolution:
            break
        judged(math.sqrt(low * high), confirm=True)
    return report
