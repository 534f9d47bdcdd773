"""The fault knobs of a running `surge serve`, over HTTP on loopback: `surge serve
--admin-port P` answers

    GET http://127.0.0.1:P/_surge/faults   -> the knobs as JSON
    PUT http://127.0.0.1:P/_surge/faults   {"latency": "fixed:30ms", "stall": "200ms/5s",
                                            "error_ratio": 0.1, "drop_ratio": 0,
                                            "cpu_work": "200us", "leak": "8KiB"}

Any subset of the six may be sent; "none" (or null) turns latency, stall, cpu_work or leak off.
The values are the specs `surge serve` and Target.set_latency/set_stall/set_cpu_work/set_leak
take,
checked by the same code; a bad one is a 400 with the one-line reason, and no knob changes.

It is its own small server, on its own port and on loopback only, so that the demo target's
routes (and its measured hot path) stay as they are, and the specs keep one parser.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from surge.errors import ConfigError

PATH = "/_surge/faults"
_KNOBS = ("latency", "stall", "error_ratio", "drop_ratio", "cpu_work", "leak")


class FaultKnobs:
    """The target's knobs and what they were last set to (the engine does not report them)."""

    def __init__(self, target: Any):
        self.target = target
        self.state: dict[str, Any] = {
            "latency": "none",
            "stall": "none",
            "error_ratio": 0.0,
            "drop_ratio": 0.0,
            "cpu_work": "none",
            "leak": "none",
        }
        self.lock = threading.Lock()

    def apply(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Sets the knobs named in `changes`; checks them all first, so a bad one changes none."""
        if not isinstance(changes, dict) or not changes:
            raise ConfigError(f"expected a JSON object with some of {', '.join(_KNOBS)}")
        unknown = sorted(set(changes) - set(_KNOBS))
        if unknown:
            raise ConfigError(f"unknown knob(s) {unknown}: the knobs are {', '.join(_KNOBS)}")
        with self.lock:
            calls = [self._call(name, value) for name, value in changes.items()]
            for call in calls:
                call()
            self.state.update({k: ("none" if v is None else v) for k, v in changes.items()})
            return dict(self.state)

    def _call(self, name: str, value: Any):
        """The setter for one knob, with its value checked now (on a scratch target, which
        raises as the real one would) and applied later."""
        from surge.target.client import Target

        off = value is None or value == "none"
        if name == "latency":
            args = ("none",) if off else (value,)
            Target().set_latency(*args)  # raises ConfigError for a bad spec
            return lambda: self.target.set_latency(*args)
        if name == "stall":
            args = (0, 0) if off else (value,)
            Target().set_stall(*args)
            return lambda: self.target.set_stall(*args)
        if name == "cpu_work":
            work = 0 if off else value
            Target().set_cpu_work(work)
            return lambda: self.target.set_cpu_work(work)
        if name == "leak":
            size = 0 if off else value
            Target().set_leak(size)
            return lambda: self.target.set_leak(size)
        setter = "set_error_ratio" if name == "error_ratio" else "set_drop_ratio"
        getattr(Target(), setter)(value)
        return lambda: getattr(self.target, setter)(value)


class _Handler(BaseHTTPRequestHandler):
    knobs: FaultKnobs

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = (json.dumps(body) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path != PATH:
            self._reply(404, {"error": f"the admin route is {PATH}"})
            return
        with self.knobs.lock:
            self._reply(200, dict(self.knobs.state))

    def do_PUT(self) -> None:
        if self.path != PATH:
            self._reply(404, {"error": f"the admin route is {PATH}"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= 4096:
            self._reply(400, {"error": "send a JSON object of at most 4 KiB"})
            return
        try:
            changes = json.loads(self.rfile.read(length))
            self._reply(200, self.knobs.apply(changes))
        except (ValueError, ConfigError) as exc:
            self._reply(400, {"error": str(exc)})

    def log_message(self, format: str, *args: Any) -> None:
        return None  # requests are not logged: the target's own output stays one line


class AdminServer:
    """Serves the knobs of `target` on 127.0.0.1:port in a thread, until close()."""

    def __init__(self, knobs: FaultKnobs, port: int):
        handler = type("Handler", (_Handler,), {"knobs": knobs})
        try:
            self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError as exc:
            raise ConfigError(f"--admin-port {port}: cannot listen: {exc.strerror}") from None
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{PATH}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
