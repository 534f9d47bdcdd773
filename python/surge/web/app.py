"""The web UI's HTTP side, on Starlette: the page, its JSON API and the push stream.

    GET  /                       the page
    GET  /api/status[?run=N]     the state, the current run (or run N) and its intervals so far
    GET  /api/runs               the session's runs
    POST /api/start              {"url": ...} or {"scenario": ...}, with "load" and "duration"
    POST /api/stop               ends the current run (a group: each of its runs), keeping
                                 what was measured
    PUT  /api/load[?run=N]       {"rate": N} or {"users": N, "spawn_rate": R}; a group's total
                                 is shared over its runs as their loads were at the start
    GET  /api/events             server-sent events: "run", "interval" and "end"
    GET  /api/runs/N/result.json, report.html, locust_stats.csv, locust_history.csv,
         OPERATION.hlog           a finished run's files

With a token (any bind but loopback must have one), every /api request carries it in the
X-Surge-Token header, never a cookie, so another site's page cannot drive the UI; the event
stream, which a browser's EventSource cannot give headers, takes it as ?token=.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import tempfile
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from surge.errors import ConfigError, RunError
from surge.web.session import NothingGoing, Session

PAGE = Path(__file__).with_name("page.html")
_LOAD_CHANGE_FIELDS = {"rate", "users", "spawn_rate"}
_JSON = "application/json"


def _loopback_host(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.strip("[]") in ("127.0.0.1", "localhost", "::1") or name.startswith("127.")


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _problem(status: int, text: str) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status)


def make_app(session: Session, *, token: str | None = None, read_only: bool = False) -> Starlette:
    def allowed(request: Request) -> bool:
        if token is None:
            return True
        given = request.headers.get("x-surge-token") or ""
        if not given and request.url.path == "/api/events":
            given = request.query_params.get("token", "")
        return hmac.compare_digest(given.encode(), token.encode())

    def guarded(handler: Any, control: bool = False) -> Any:
        async def endpoint(request: Request) -> Response:
            if token is None and not _loopback_host(request.headers.get("host", "")):
                # A page elsewhere that renamed itself to 127.0.0.1 (DNS rebinding) reaches the
                # server under its own name: only loopback names may use a UI without a token.
                return _problem(403, "this UI answers to 127.0.0.1, localhost and [::1] only")
            if not allowed(request):
                return _problem(401, "this UI needs its token in the X-Surge-Token header")
            if control and read_only:
                return _problem(403, "this UI is read-only (--web-read-only): it only watches")
            if control and request.headers.get("content-type", "").split(";")[0] != _JSON:
                # A form or a no-cors fetch from another site can only send "simple" bodies; a
                # JSON content type makes the browser ask first, and this server never agrees.
                return _problem(415, f"send the request's body as {_JSON}")
            try:
                return await handler(request)
            except ConfigError as exc:
                return _problem(400, str(exc))

        return endpoint

    async def body_of(request: Request) -> dict[str, Any]:
        try:
            body = json.loads(await request.body() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"the request's body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise ConfigError("the request's body must be a JSON object")
        return body

    async def page(_: Request) -> Response:
        return HTMLResponse(PAGE.read_text(encoding="utf-8"))

    async def plotly(_: Request) -> Response:
        return FileResponse(_plotly_js(), media_type="text/javascript")

    async def status(request: Request) -> Response:
        run = session.current
        if "run" in request.query_params:  # a past run, or one of a group, opened on the page
            run = session.run(_run_number(request.query_params["run"]))
            if run is None:
                return _problem(404, "no such run in this session")
        return JSONResponse(
            {
                "read_only": read_only,
                "can_start": session.can_start,
                "state": "running" if session.going else "idle",
                "scenarios": {
                    name: _describe_choice(choice) for name, choice in session.scenarios.items()
                },
                "run": run.describe() if run else None,
                "intervals": run.handle.snapshots if run else [],
                "changes": _changes(run),
                "runs": [r.describe() for r in session.runs],
            }
        )

    async def runs(_: Request) -> Response:
        return JSONResponse([r.describe() for r in session.runs])

    async def start(request: Request) -> Response:
        run = session.start(await body_of(request))
        return JSONResponse(run.describe(), status_code=201)

    async def stop(_: Request) -> Response:
        stopping = session.stop()
        if not stopping:
            return _problem(409, "no run is going")
        return JSONResponse({"stopping": stopping})

    async def load(request: Request) -> Response:
        body = await body_of(request)
        unknown = set(body) - _LOAD_CHANGE_FIELDS
        if unknown:
            raise ConfigError(
                f"load: unknown field {sorted(unknown)[0]!r}; give rate, or users and spawn_rate"
            )
        if "rate" in body and "users" in body:
            raise ConfigError("load: give rate or users, not both")
        number = request.query_params.get("run")
        try:
            given = session.change_load(body, None if number is None else _run_number(number))
        except NothingGoing as exc:
            return _problem(409, str(exc))
        return JSONResponse({"accepted": body, "runs": given})

    async def events(request: Request) -> Response:
        queue = session.subscribe()

        async def stream() -> Any:
            try:
                yield "retry: 1000\n\n"
                while True:
                    try:
                        event = await asyncio.wait_for(queue.get(), timeout=15)
                    except asyncio.TimeoutError:
                        yield ": keep-alive\n\n"  # a comment: proxies keep the stream open
                        continue
                    yield f"data: {json.dumps(event)}\n\n"
            finally:
                session.unsubscribe(queue)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    async def download(request: Request) -> Response:
        run = session.run(int(request.path_params["number"]))
        if run is None:
            return _problem(404, "no such run in this session")
        if run.handle.running:
            return _problem(409, "the run is still going: its files come when it ends")
        try:
            result = run.handle.result(timeout=0)
        except RunError as exc:
            result = exc.result
        except Exception as exc:  # the run failed before it measured anything
            return _problem(409, f"the run measured nothing: {exc}")
        name = request.path_params["name"]
        stem = f"surge-{run.id}-{run.handle.scenario.name}"
        if name == "result.json":
            return _attachment(result.to_json(), "application/json", f"{stem}.json")
        if name == "report.html":
            from surge.outputs.report.html import render

            return _attachment(render(result), "text/html", f"{stem}.html")
        if name in ("locust_stats.csv", "locust_history.csv", "locust_failures.csv"):
            from surge.outputs.locust_csv import write_locust_csv

            with tempfile.TemporaryDirectory() as where:
                written = write_locust_csv(result, Path(where) / stem)
                kind = name.removeprefix("locust_").removesuffix(".csv")
                (path,) = [p for p in written if p.name.endswith(f"_{kind}.csv")]
                return _attachment(path.read_text(), "text/csv", path.name)
        if name.endswith(".hlog"):
            from surge.outputs.hlog import hlog_text

            operation = name.removesuffix(".hlog")
            if operation not in result["operations"]:
                return _problem(404, f"no operation {operation!r} in this run")
            return _attachment(hlog_text(result, operation), "text/plain", f"{stem}-{name}")
        return _problem(404, f"no file {name!r}: result.json, report.html, locust_*.csv, OP.hlog")

    routes = [
        Route("/", page),
        Route("/static/plotly.min.js", plotly),
        Route("/api/status", guarded(status)),
        Route("/api/runs", guarded(runs)),
        Route("/api/start", guarded(start, control=True), methods=["POST"]),
        Route("/api/stop", guarded(stop, control=True), methods=["POST"]),
        Route("/api/load", guarded(load, control=True), methods=["PUT"]),
        Route("/api/events", guarded(events)),
        Route("/api/runs/{number:int}/{name:path}", guarded(download)),
    ]
    return Starlette(routes=routes)


def _run_number(text: str) -> int:
    if not text.isdigit():
        raise ConfigError(f"run: a run's number, such as ?run=2, got {text!r}")
    return int(text)


def _describe_choice(choice: Any) -> dict[str, Any]:
    from surge.model.scenario import Scenario
    from surge.web.session import describe_scenario

    if isinstance(choice, Scenario):
        return describe_scenario(choice)
    defaults = getattr(choice, "defaults", {})
    return {"name": choice.name, "parameters": {k: _shown(v) for k, v in defaults.items()}}


def _shown(value: Any) -> Any:
    """A parameter's default as the page's input shows it (credentials redacted)."""
    from surge.urls import redact_value

    value = redact_value(value)
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def _changes(run: Any) -> list[dict[str, Any]]:
    if run is None or run.handle.running:
        return []
    try:
        return run.handle.result(timeout=0)["load"].get("changes", [])
    except Exception:  # a failed run has no result to read changes from
        return []


def _attachment(text: str, media_type: str, filename: str) -> Response:
    return Response(
        text,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
