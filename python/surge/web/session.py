"""What the web UI serves: the runs of one session, each a RunHandle, and the scenarios it
can start. The state lives here, not in a browser: a reload or a second browser sees the
same runs, and closing every page loses nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as _dt
import itertools
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from surge import checks
from surge.errors import ConfigError
from surge.model.loader import pick
from surge.model.scenario import Scenario, ScenarioFactory
from surge.results.slo import parse as slo_parse
from surge.running.handle import RunHandle
from surge.running.prepare import prepared
from surge.units import parse_duration
from surge.urls import SECRET_HEADERS, redact_url

# A run started from the page stops by itself after this long unless it asks for less.
DEFAULT_DURATION = "10m"
LONGEST_DURATION_S = 24 * 3600.0
_START_FIELDS = {
    *("scenario", "parameters", "phase", "url", "method", "body", "headers"),
    *("load", "duration", "slos"),
}
_LOAD_FIELDS = {"rate", "users", "spawn_rate", "connections"}


class Run:
    """One run of the session: its handle, and what the page lists about it."""

    def __init__(self, number: int, handle: RunHandle, source: str):
        self.id = number
        self.handle = handle
        self.source = source  # "page", or what started it elsewhere ("cli")
        self.started_at = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        # The ids of a group's runs (scenarios started together, a suite's tuple), this one's
        # among them; just its own for a run alone.
        self.group: list[int] = [number]

    def describe(self) -> dict[str, Any]:
        scenario = self.handle.scenario
        return {
            "id": self.id,
            "name": scenario.name,
            "source": self.source,
            "started_at": self.started_at,
            "state": "running" if self.handle.running else "finished",
            "model": self.handle.model,
            "max_users": self.handle.max_users or None,
            "group": self.group,
            "scenario": describe_scenario(scenario),
        }


def describe_scenario(scenario: Scenario) -> dict[str, Any]:
    """A scenario as the page shows it, with credentials redacted as in the results."""
    operations = []
    for op in scenario.operations:
        row: dict[str, Any] = {"name": op.name}
        for key in ("method", "path", "command", "sql", "weight"):
            value = getattr(op, key, None)
            if value not in (None, ""):
                row[key] = value
        headers = getattr(op, "headers", None)
        if headers:
            row["headers"] = {
                k: "***" if k.lower() in SECRET_HEADERS else v for k, v in headers.items()
            }
        operations.append(row)
    return {
        "name": scenario.name,
        "base_url": redact_url(scenario.base_url),
        "load": scenario.load.describe(),
        "duration_s": scenario.plan.duration_s,
        "operations": operations,
    }


class Session:
    """The runs of a `surge ui` (or `--web`) session, and who listens for their intervals."""

    def __init__(
        self,
        scenarios: dict[str, Scenario | ScenarioFactory] | None = None,
        *,
        can_start: bool = True,
    ):
        self.scenarios = scenarios or {}
        # False where the runs come from elsewhere (--web, pytest --surge-web): the page then
        # watches, steers and stops them, but starts none of its own.
        self.can_start = can_start
        self.runs: list[Run] = []
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()

    # -- runs -------------------------------------------------------------------------------

    @property
    def current(self) -> Run | None:
        """The last run started; of a group started together, the first of them."""
        with self._lock:
            if not self.runs:
                return None
            first = self.runs[-1].group[0]
            return next(r for r in self.runs if r.id == first)

    @property
    def current_group(self) -> list[Run]:
        """The current run with the runs started beside it (a group), in their order."""
        with self._lock:
            if not self.runs:
                return []
            ids = set(self.runs[-1].group)
            return [r for r in self.runs if r.id in ids]

    @property
    def going(self) -> bool:
        return any(r.handle.running for r in self.current_group)

    def run(self, number: int) -> Run | None:
        with self._lock:
            return next((r for r in self.runs if r.id == number), None)

    def attach(self, handle: RunHandle, source: str) -> Run:
        """Adds a run started elsewhere (or by start()) and relays its intervals."""
        return self.attach_group([handle], source)[0]

    def attach_group(self, handles: list[RunHandle], source: str) -> list[Run]:
        """Adds runs that go at the same time, as one group, and relays their intervals."""
        with self._lock:
            if any(r.handle.running for r in self.runs):
                raise ConfigError("a run is going: stop it first (POST /api/stop)")
            runs = [Run(next(self._numbers), handle, source) for handle in handles]
            for run in runs:
                run.group = [r.id for r in runs]
            self.runs.extend(runs)
        for run in runs:
            self._broadcast({"event": "run", "run": run.describe()})
            run.handle.subscribe(self._relay(run))
        return runs

    def stop(self) -> list[int]:
        """Stops the current run, or each of its group's still going; their ids."""
        going = [r for r in self.current_group if r.handle.running]
        for run in going:
            run.handle.stop()
        return [r.id for r in going]

    def change_load(self, change: dict[str, Any], number: int | None = None) -> dict[str, Any]:
        """PUT /api/load: to one run (`number`), or to the current one; a group's total is
        shared over its runs as their loads were shared at the start (Locust's class weights).
        Returns what each run was given, by id."""
        if number is not None:
            run = self.run(number)
            if run is None or not run.handle.running:
                raise ConfigError(f"run {number}: no such run going")
            targets = [run]
        else:
            targets = [r for r in self.current_group if r.handle.running]
        if not targets:
            raise NothingGoing("no run is going: start one first")
        if "rate" in change:
            key, model = "rate", "open"
        elif "users" in change:
            key, model = "users", "closed"
        else:
            raise ConfigError('load: give {"rate": N} or {"users": N, "spawn_rate": R}')
        if len(targets) > 1:
            targets = [r for r in targets if r.handle.model == model]
            if not targets:
                raise ConfigError(f"load: none of the group's runs takes {key}")
        weights = [_share_of(r.handle.scenario.load, key) for r in targets]
        if key == "users":
            total = checks.whole(change["users"], "users", len(targets), checks.MAX_CONNECTIONS)
            shares = split_whole(total, weights)
            spawn = change.get("spawn_rate")
            if spawn is not None:
                spawn = checks.number(spawn, "spawn_rate (users/s)", above=0)
            given = {}
            for run, n in zip(targets, shares, strict=True):
                each = None if spawn is None else spawn * n / total
                run.handle.set_users(n, each)
                given[run.id] = {"users": n, "spawn_rate": each}
            return given
        rate = checks.number(change["rate"], "rate (requests/s)", above=0)
        given = {}
        for run, weight in zip(targets, weights, strict=True):
            share = rate * weight / sum(weights)
            run.handle.set_rate(share)
            given[run.id] = {"rate": share}
        return given

    def start(self, request: dict[str, Any]) -> Run:
        """Starts what POST /api/start asked for; a ConfigError names what is wrong."""
        if not self.can_start:
            raise ConfigError(
                "this page follows runs started elsewhere (--web, pytest --surge-web); "
                "start runs from `surge ui`"
            )
        if self.going:
            raise ConfigError("a run is going: stop it first (POST /api/stop)")
        chosen = self.scenario_for(request)
        slos = request.get("slos") or []
        if not isinstance(slos, list) or not all(isinstance(s, str) for s in slos):
            raise ConfigError('slos: expected a list such as ["p99 < 50ms", "error_rate < 1%"]')
        members = chosen if isinstance(chosen, tuple) else (chosen,)
        ready = [prepared(member, {}, "start") for member in members]
        for member in ready:  # a bad SLO or plan fails here, before any of them starts
            _ = member.plan
            for text in slos:
                slo_parse(text)
        handles: list[RunHandle] = []
        try:
            for member in ready:
                handles.append(RunHandle(member, slos=slos))
            return self.attach_group(handles, "page")[0]
        except BaseException:  # another start won the race, or a member could not start
            for handle in handles:  # none may run on unseen
                handle.stop()
            raise

    def scenario_for(self, request: dict[str, Any]) -> Scenario | tuple[Scenario, ...]:
        unknown = set(request) - _START_FIELDS
        if unknown:
            raise ConfigError(
                f"start: unknown field {sorted(unknown)[0]!r}; the fields are "
                f"{', '.join(sorted(_START_FIELDS))}"
            )
        if "scenario" in request:
            scenario = self._from_file(request)
        elif "url" in request:
            scenario = url_scenario(request)
        else:
            raise ConfigError("start: give a scenario (of the file) or a url")
        members = scenario if isinstance(scenario, tuple) else (scenario,)
        loads = [m.load for m in members]
        if "load" in request:
            loads = loads_from_request(request["load"], loads)
        duration = request.get("duration")
        seconds = None
        if duration is not None or "url" in request:
            seconds = parse_duration(duration or DEFAULT_DURATION, "duration")
            if not 0 < seconds <= LONGEST_DURATION_S:
                raise ConfigError("duration: give more than 0s and at most 24h")
        changed = tuple(
            m.replace(load=load, **({} if seconds is None else {"duration": seconds}))
            for m, load in zip(members, loads, strict=True)
        )
        return changed if isinstance(scenario, tuple) else changed[0]

    def _from_file(self, request: dict[str, Any]) -> Scenario | tuple[Scenario, ...]:
        """The file's scenario with the page's parameters; of a suite, the phase asked for (a
        group, a tuple, runs its scenarios at once)."""
        if not self.scenarios:
            raise ConfigError("start: no scenario file was given to `surge ui`; give a url")
        parameters = request.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise ConfigError('parameters: expected an object such as {"users": 10}')
        chosen = pick(self.scenarios, str(request["scenario"]), parameters)
        if not isinstance(chosen, list):
            return chosen
        names = ", ".join(f"{i}: {_phase_name(p)}" for i, p in enumerate(chosen, 1))
        phase = request.get("phase")
        if phase is None and len(chosen) == 1:
            phase = 1
        if not isinstance(phase, int) or not 1 <= phase <= len(chosen):
            raise ConfigError(f"phase: this scenario is a suite; pick a phase ({names})")
        return chosen[phase - 1]

    # -- intervals to the pages ---------------------------------------------------------------

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=10_000)
        with self._lock:
            self._subscribers.add((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        with self._lock:
            self._subscribers = {(lp, q) for lp, q in self._subscribers if q is not queue}

    def _relay(self, run: Run) -> Callable[[dict[str, Any]], None]:
        def relay(entry: dict[str, Any]) -> None:
            self._broadcast({**entry, "run_id": run.id})

        return relay

    def _broadcast(self, event: dict[str, Any]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            # A page that stopped reading loses its oldest events, not the run its pace.
            loop.call_soon_threadsafe(_offer, queue, event)


def _phase_name(phase: Any) -> str:
    if isinstance(phase, tuple):
        return " + ".join(s.name for s in phase)
    return phase.name


def _offer(queue: asyncio.Queue, event: dict[str, Any]) -> None:
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(event)


def url_scenario(request: dict[str, Any]) -> Scenario:
    """A URL load as the page describes it: one request, repeated."""
    from surge import http
    from surge.model.load_models import Users

    url = str(request["url"])
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"url: expected http://host:port/path, got {url!r}")
    method = str(request.get("method") or "GET").upper()
    headers = request.get("headers") or {}
    if not isinstance(headers, dict):
        raise ConfigError('headers: expected an object such as {"accept": "application/json"}')
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    operation = http.request(
        f"{method} {parts.path or '/'}",
        method,
        path,
        headers={str(k): str(v) for k, v in headers.items()},
        body=str(request.get("body") or ""),
    )
    return Scenario(
        name="ui",
        base_url=f"{parts.scheme}://{parts.netloc}",
        operations=[operation],
        load=Users(10),
        duration=DEFAULT_DURATION,
    )


class NothingGoing(ConfigError):
    """A load change with no run to take it (409, not 400)."""


def _share_of(load: Any, key: str) -> float:
    """A run's weight in its group for `key` (users or rate): what it started with."""
    value = getattr(load, key, None)
    return float(value) if isinstance(value, (int, float)) and value > 0 else 1.0


def split_whole(total: int, weights: list[float]) -> list[int]:
    """`total` in whole shares in proportion to `weights`, adding up to `total` (largest
    remainder), at least 1 each, as Locust shares users over its classes by weight."""
    exact = [total * w / sum(weights) for w in weights]
    shares = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    for i, n in enumerate(shares):  # total >= len(weights), so the largest can give one
        if n == 0:
            shares[i] = 1
            shares[shares.index(max(shares))] -= 1
    return shares


def loads_from_request(load: Any, loads: list[Any]) -> list[Any]:
    """The page's load for each of a group's scenarios (one, for a scenario alone). Users or a
    rate are shared over them as their own loads share them; each keeps its think time and
    connection limits where it has the same model."""
    from surge.model.load_models import ConstantRate, Users

    asked = load_from_request(load)
    if len(loads) == 1:
        return [_kept(loads[0], asked)]
    if isinstance(asked, Users):
        weights = [_share_of(old, "users") for old in loads]
        total = checks.whole(asked.users, "users", len(loads), checks.MAX_CONNECTIONS)
        shares = split_whole(total, weights)
        spawn = asked.spawn_rate
        return [
            _kept(old, Users(n, spawn_rate=None if spawn is None else spawn * n / total))
            for old, n in zip(loads, shares, strict=True)
        ]
    weights = [_share_of(old, "rate") for old in loads]
    return [
        _kept(old, ConstantRate(asked.rate * w / sum(weights), connections=asked.connections))
        for old, w in zip(loads, weights, strict=True)
    ]


def _kept(old: Any, new: Any) -> Any:
    """`new`, with what `old` said beside the number when both are the same kind."""
    from surge.model.load_models import ConstantRate, Users

    if isinstance(old, Users) and isinstance(new, Users):
        return dataclasses.replace(old, users=new.users, spawn_rate=new.spawn_rate)
    if isinstance(old, ConstantRate) and isinstance(new, ConstantRate):
        return dataclasses.replace(old, rate=new.rate)
    return new


def load_from_request(load: Any) -> Any:
    """{"rate": N} (open model) or {"users": N, "spawn_rate": R} (closed)."""
    from surge.model.load_models import ConstantRate, Users

    if not isinstance(load, dict):
        raise ConfigError('load: expected {"rate": N} or {"users": N, "spawn_rate": R}')
    unknown = set(load) - _LOAD_FIELDS
    if unknown:
        raise ConfigError(
            f"load: unknown field {sorted(unknown)[0]!r}; give rate, or users and spawn_rate"
        )
    if ("rate" in load) == ("users" in load):
        raise ConfigError("load: give either rate (requests/s) or users, not both or neither")
    if "rate" in load:
        return ConstantRate(load["rate"], connections=load.get("connections", 64))
    return Users(load["users"], spawn_rate=load.get("spawn_rate"))
