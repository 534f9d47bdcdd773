"""--web on a run command: the run goes on a handle, and the web UI watches and steers it for
as long as it goes. Ctrl-C and SIGTERM stop it as they stop any run, keeping what was
measured."""

from __future__ import annotations

import sys
from typing import Any

from surge.errors import ConfigError
from surge.model.scenario import Scenario
from surge.results.result import Result
from surge.running.handle import RunHandle
from surge.web.server import WebServer, parse_bind
from surge.web.session import Session


def run_watched(
    scenario: Scenario,
    progress: Any,
    bind: str,
    *,
    token: str | None = None,
    read_only: bool = False,
    slos: list[str] | tuple[str, ...] = (),
    flag: str = "--web",
    cluster: Any = None,
    workers: int | None = None,
) -> Result:
    """Runs `scenario` (checked and scaled: surge.running.prepare.prepared) on a handle, with the
    web UI on `bind` for as long as it goes; across Dask workers with `cluster` (the page then
    has a row per worker). `flag`: how the caller spells the option in messages (web= in
    Python)."""
    if not isinstance(bind, str):
        raise ConfigError(f"{flag}: expected [HOST:]PORT as a string, such as '8089'")
    host, port = parse_bind(bind, flag)
    if token is not None and not token.strip():
        raise ConfigError(f"{flag}-token: give a non-empty token")
    session = Session(can_start=False)
    server = WebServer(session, host, port, token=token, read_only=read_only).start()
    print(f"web UI: {server.url}", file=sys.stderr, flush=True)
    try:
        # Already checked and scaled by the caller (surge.running.prepare.prepared).
        handle = RunHandle(scenario, progress=progress, slos=slos, cluster=cluster, workers=workers)
        session.attach(handle, "cli")
        handle.wait_or_stop()  # Ctrl-C keeps what was measured, as in any run
        return handle.result()
    finally:
        server.close()
