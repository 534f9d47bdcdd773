"""The embedded demo target, in-process: a real HTTP server on loopback with fault knobs."""

from __future__ import annotations

import surge._core as _core
from surge import checks
from surge.errors import ConfigError
from surge.units import parse_duration, parse_size, to_ns


class Target:
    """Starts the demo target on `host:port` (port 0 picks a free one).

    Use it as a context manager; the knobs may be changed while a run is going. It is bounded
    against clients that would knock it over: a connection idle past `idle_timeout` is closed,
    one whose request takes longer than `request_timeout` to arrive too, and past
    `max_connections` a new one is closed at once.

    With `tls=True` it serves https:// with a certificate made at start (for localhost,
    127.0.0.1 and ::1): `certificate_pem` is what a client trusts (surge.Tls(ca=...)).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 1,
        *,
        idle_timeout: str | float = "60s",
        request_timeout: str | float = "30s",
        max_connections: int = 10_000,
        tls: bool = False,
    ):
        self.host = checks.text(host, "host")
        self._requested_port = checks.whole(port, "port", 0, 65535)
        self._threads = checks.whole(threads, "threads", 1, checks.MAX_THREADS)
        self._server = _core.TargetServer()
        idle = parse_duration(idle_timeout, "idle_timeout")
        request = parse_duration(request_timeout, "request_timeout")
        if not idle or not request:
            raise ConfigError("idle_timeout and request_timeout: must be > 0")
        checks.whole(max_connections, "max_connections", 1, checks.MAX_CONNECTIONS)
        self._server.set_limits(to_ns(idle), to_ns(request), max_connections)
        if not isinstance(tls, bool):
            raise ConfigError(f"tls: True or False, got {tls!r}")
        self.certificate_pem: str | None = None
        if tls:
            self.certificate_pem, key_pem = _core.tls_self_signed("localhost")
            self._server.enable_tls(self.certificate_pem, key_pem)

    def start(self) -> Target:
        try:
            self._server.start(self.host, self._requested_port, self._threads)
        except (RuntimeError, ValueError) as exc:
            raise ConfigError(
                f"host {self.host!r} port {self._requested_port}: {exc}; give an address of this "
                "machine and a free port (0 picks one)"
            ) from None
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Target:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.certificate_pem else "http"
        return f"{scheme}://{host}:{self.port}"

    @property
    def requests_served(self) -> int:
        return self._server.requests_served

    @property
    def open_connections(self) -> int:
        return self._server.open_connections

    def set_latency(
        self, kind: str = "none", a_ms: float | None = None, b_ms: float | None = None
    ) -> None:
        """fixed: a_ms; uniform: a_ms..b_ms; lognormal: median a_ms, sigma b_ms; none: off.
        Or one spec as `surge serve --latency` takes it: "fixed:300ms", "uniform:1-10",
        "lognormal:5,0.5"."""
        if a_ms is None and b_ms is None and kind != "none":
            kind, a_ms, b_ms = parse_latency(kind)
        a_ms, b_ms = a_ms or 0.0, b_ms or 0.0
        checks.number(a_ms, "latency", minimum=0, maximum=_MAX_LATENCY_MS)
        checks.number(b_ms, "latency", minimum=0, maximum=_MAX_LATENCY_MS)
        if kind == "uniform" and a_ms > b_ms:
            raise ConfigError(f"latency: uniform:A-B needs A <= B, got {a_ms:g}-{b_ms:g}")
        if kind == "lognormal" and not (a_ms > 0 and b_ms > 0):
            raise ConfigError("latency: lognormal:MEDIAN,SIGMA needs MEDIAN > 0 and SIGMA > 0")
        try:
            self._server.set_latency(kind, a_ms, b_ms)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    def set_stall(self, every: str | float, length: str | float | None = None) -> None:
        """Holds every response for `length` once per `every`, from `every` after this call.
        Or one spec as `surge serve --stall` takes it, LENGTH/EVERY: "200ms/5s"."""
        if length is None:
            length, slash, every = str(every).partition("/")
            if not slash:
                raise ConfigError(f"stall: expected LENGTH/EVERY such as 200ms/5s, got {length!r}")
        every_s = parse_duration(every, "stall every")
        length_s = parse_duration(length, "stall length")
        if length_s and not every_s:
            raise ConfigError("stall: LENGTH/EVERY needs EVERY > 0, such as 200ms/5s")
        if every_s and length_s and length_s >= every_s:
            raise ConfigError("stall: the freeze must be shorter than its period")
        self._server.set_stall(round((every_s or 0) * 1e9), round((length_s or 0) * 1e9))

    @property
    def stall_origin_ns(self) -> int:
        return self._server.stall_origin_ns

    def set_error_ratio(self, ratio: float) -> None:
        self._server.set_error_ratio(_ratio(ratio, "error ratio"))

    def set_drop_ratio(self, ratio: float) -> None:
        self._server.set_drop_ratio(_ratio(ratio, "drop ratio"))

    def set_cpu_work(self, work: str | float) -> None:
        """CPU time each request costs its server thread ("200us", or seconds): a target of
        known capacity, about threads / work requests per second. 0 switches it off."""
        seconds = parse_duration(work, "cpu work") or 0.0
        if seconds > 1:
            raise ConfigError(f"cpu work: at most 1s per request, got {work!r}")
        self._server.set_cpu_work(round(seconds * 1e9))

    def set_leak(self, per_request: str | int) -> None:
        """Bytes each request keeps alive until the target stops ("8KiB", or bytes): a leak of
        known rate, per_request x requests/s, for checking a leak detector. 0 stops leaking.
        Leaking stops by itself once 2 GiB are kept."""
        size = parse_size(per_request, "leak")
        if size > _MAX_LEAK_PER_REQUEST:
            raise ConfigError(f"leak: at most 1MiB per request, got {per_request!r}")
        self._server.set_leak(size)

    @property
    def leaked_bytes(self) -> int:
        """What the leak knob has kept so far."""
        return self._server.leaked_bytes

    def cache_get(self, key: str) -> str | None:
        return self._server.cache_get(key)

    def cache_size(self) -> int:
        return self._server.cache_size()


def parse_latency(text: str) -> tuple[str, float, float]:
    """A latency spec, the same in `surge serve --latency` and Target.set_latency: fixed:MS,
    uniform:A-B or lognormal:MEDIAN,SIGMA (a bare number is ms; any duration unit is taken)."""
    kind, _, values = str(text).partition(":")
    try:
        if kind == "fixed":
            return kind, _ms(values), 0.0
        if kind == "uniform":
            a, b = values.split("-")
            return kind, _ms(a), _ms(b)
        if kind == "lognormal":
            median, sigma = values.split(",")
            return kind, _ms(median), float(sigma)
    except ValueError:
        pass
    raise ConfigError(f"latency: expected fixed:5ms, uniform:1-10 or lognormal:5,0.5, got {text!r}")


def _ms(text: str) -> float:
    """Milliseconds: a bare number is ms; with a unit, any duration (5ms, 1s, 200us)."""
    text = text.strip()
    if not text.isascii() and "µs" not in text:
        raise ValueError(text)
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return 1e3 * (parse_duration(text, "latency") or 0.0)
    except ConfigError:
        raise ValueError(text) from None


def _ratio(value: float, name: str) -> float:
    return checks.number(value, name, minimum=0, maximum=1)


_MAX_LEAK_PER_REQUEST = 1 << 20

# Added latency past an hour would hold every response longer than any client waits.
_MAX_LATENCY_MS = 3_600_000
