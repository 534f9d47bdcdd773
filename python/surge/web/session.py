"""What the web UI serves: the runs of one session, each a RunHandle, and the scenarios it
can start. The state lives here, not in a browser: a reload or a second browser sees the
same runs, and closing every page loses nothing."""

from __future__ import annotations

import asyncio
import datetime as _dt
import itertools
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from surge.errors import ConfigError
from surge.model.loader import pick
from surge.model.scenario import Scenario, ScenarioFactory
from surge.running.handle import RunHandle
from surge.running.runner import prepared
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
        with self._lock:
            return self.runs[-1] if self.runs else None

    def run(self, number: int) -> Run | None:
        with self._lock:
            return next((r for r in self.runs if r.id == number), None)

    def attach(self, handle: RunHandle, source: str) -> Run:
        """Adds a run started elsewhere (or by start()) and relays its intervals."""
        with self._lock:
            if self.runs and self.runs[-1].handle.running:
                raise ConfigError("a run is going: stop it first (POST /api/stop)")
            run = Run(next(self._numbers), handle, source)
            self.runs.append(run)
        self._broadcast({"event": "run", "run": run.describe()})
        handle.subscribe(self._relay(run))
        return run

    def start(self, request: dict[str, Any]) -> Run:
        """Starts what POST /api/start asked for; a ConfigError names what is wrong."""
        if not self.can_start:
            raise ConfigError(
                "this page follows runs started elsewhere (--web, pytest --surge-web); "
                "start runs from `surge ui`"
            )
        current = self.current
        if current is not None and current.handle.running:
            raise ConfigError("a run is going: stop it first (POST /api/stop)")
        scenario = self.scenario_for(request)
        slos = request.get("slos") or []
        if not isinstance(slos, list) or not all(isinstance(s, str) for s in slos):
            raise ConfigError('slos: expected a list such as ["p99 < 50ms", "error_rate < 1%"]')
        handle = RunHandle(prepared(scenario, {}, "start"), slos=slos)
        try:
            return self.attach(handle, "page")
        except ConfigError:  # another start won the race: this one must not run on unseen
            handle.stop()
            raise

    def scenario_for(self, request: dict[str, Any]) -> Scenario:
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
        changes: dict[str, Any] = {}
        if "load" in request:
            changes["load"] = load_from_request(request["load"])
        duration = request.get("duration")
        if duration is not None or "url" in request:
            seconds = parse_duration(duration or DEFAULT_DURATION, "duration")
            if not 0 < seconds <= LONGEST_DURATION_S:
                raise ConfigError("duration: give more than 0s and at most 24h")
            changes["duration"] = seconds
        return scenario.replace(**changes) if changes else scenario

    def _from_file(self, request: dict[str, Any]) -> Scenario:
        """The file's scenario with the page's parameters; of a suite, the phase asked for."""
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
        picked = chosen[phase - 1]
        if isinstance(picked, tuple):
            raise ConfigError(
                f"phase {phase}: a group of scenarios that run at once ({_phase_name(picked)}) "
                "runs from the command line (`surge run`); the page runs one scenario"
            )
        return picked

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
