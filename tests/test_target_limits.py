"""The demo target cannot be knocked over by one client: every resource is bounded."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
import surge
from surge import http


def request(port: int, raw: bytes, timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(raw)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        return data


def closed_within(s: socket.socket, seconds: float) -> bool:
    s.settimeout(seconds)
    try:
        return s.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_an_idle_connection_is_closed_after_the_idle_timeout():
    with surge.Target(idle_timeout="1s") as target:
        with socket.create_connection(("127.0.0.1", target.port)) as s:
            assert closed_within(s, 4)
        assert target.open_connections == 0


def test_a_request_dripping_a_byte_at_a_time_is_cut_off():
    with (
        surge.Target(request_timeout="1s", idle_timeout="60s") as target,
        socket.create_connection(("127.0.0.1", target.port)) as s,
    ):
        started = time.monotonic()
        closed = False
        for byte in b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n":
            try:
                s.send(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.2)
            if time.monotonic() - started > 4:
                break
        assert closed or closed_within(s, 3)
        assert time.monotonic() - started < 5


def test_past_the_connection_cap_a_new_connection_is_closed_at_once():
    with surge.Target(max_connections=3) as target:
        held = [socket.create_connection(("127.0.0.1", target.port)) for _ in range(3)]
        time.sleep(0.2)
        try:
            with socket.create_connection(("127.0.0.1", target.port)) as extra:
                assert closed_within(extra, 2)
        finally:
            for s in held:
                s.close()


def test_bodies_are_bounded_by_route():
    with surge.Target() as target:
        big = b"x" * (2 << 20)
        cache = request(target.port, b"PUT /cache/k HTTP/1.1\r\nHost: x\r\nContent-Length: "
                        + str(len(big)).encode() + b"\r\n\r\n" + big)  # fmt: skip
        assert cache.startswith(b"HTTP/1.1 413")
        classify = request(target.port, b"POST /api/v1/classify HTTP/1.1\r\nHost: x\r\n"
                           b"Connection: close\r\nContent-Length: " + str(len(big)).encode()
                           + b"\r\n\r\n" + big)  # fmt: skip
        assert classify.startswith(b"HTTP/1.1 200")


def test_a_ttl_that_would_overflow_the_clock_is_refused():
    with surge.Target() as target:
        reply = request(target.port, b"PUT /cache/k?ttl=99999999999999 HTTP/1.1\r\nHost: x\r\n"
                        b"Connection: close\r\nContent-Length: 1\r\n\r\nv")  # fmt: skip
        assert reply.startswith(b"HTTP/1.1 400") and b"ten years" in reply


def test_expired_keys_do_not_pile_up():
    with surge.Target() as target:

        def write(prefix: str, keys: int) -> None:
            surge.run(
                surge.Scenario(
                    name="ttl",
                    base_url=target.url,
                    operations=[surge.http.put("put", f"/cache/{prefix}{{seq}}?ttl=1", body="v")],
                    requests=keys,
                    load=surge.Connections(4),
                )
            )

        write("a", 5000)
        assert target._server.cache_size() == 5000
        time.sleep(1.2)  # the a-keys expire; nobody reads them again
        write("b", 4200)  # new keys, past the purge interval
        assert target._server.cache_size() <= 4200


ACCEPT_CHILD = """
import resource, socket, time, surge
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
with surge.Target() as target:
    clients = []
    for _ in range(40):
        try:
            clients.append(socket.create_connection(("127.0.0.1", target.port), timeout=1))
        except OSError:
            break
    before = resource.getrusage(resource.RUSAGE_SELF)
    time.sleep(1.0)
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
"""


def test_running_out_of_descriptors_does_not_spin_the_accept_loop():
    # 40 clients and 40 server sockets need more than 64 descriptors: accept fails (EMFILE)
    # with connections still queued, and it used to retry at once, forever.
    done = subprocess.run(
        [sys.executable, "-c", ACCEPT_CHILD], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 0.3  # CPU seconds in one idle second; a spinning loop burns ~1


def test_python_takes_the_fault_specs_the_command_line_takes(target):
    # `surge serve --latency fixed:30ms --stall 200ms/5s`, spelled the same in Python.
    target.set_latency("fixed:30ms")
    result = surge.run(
        surge.Scenario(
            name="spec",
            base_url=target.url,
            operations=[http.get("h", "/api/v1/health")],
            requests=10,
            load=surge.Connections(1),
        )
    )
    assert 29 < result.total["latency"]["percentiles"]["50"] < 60
    target.set_latency("none")
    target.set_stall("200ms/5s")  # LENGTH/EVERY, in the command line's order
    with pytest.raises(surge.ConfigError, match="LENGTH/EVERY"):
        target.set_stall("200ms")
    with pytest.raises(surge.ConfigError, match="expected fixed:5ms"):
        target.set_latency("slow")
    target.set_stall(0, 0)
