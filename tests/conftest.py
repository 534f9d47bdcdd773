"""Shared fixtures: the embedded target on a free loopback port, and a free port finder."""

from __future__ import annotations

import socket

import pytest
import surge


@pytest.fixture
def target():
    with surge.Target() as t:
        yield t


@pytest.fixture
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["uring", "epoll"])
def transport(request, monkeypatch):
    """Runs the test once per socket transport: io_uring, which `io="auto"` takes here, and
    epoll, which it takes where io_uring is refused, made so with SURGE_IO_URING=off (read at
    every run, and inherited by the CLI's subprocesses). Every HTTP and Redis run the test makes
    in this process is checked to have used the transport of its round (PostgreSQL's is libpq's
    epoll either way)."""
    from surge import _core
    from surge.running import document

    if request.param == "uring":
        if refusal := _core.uring_refusal():
            pytest.skip(f"io_uring is refused on this machine: {refusal}")
        monkeypatch.delenv("SURGE_IO_URING", raising=False)
    else:
        monkeypatch.setenv("SURGE_IO_URING", "off")
    used: list[str] = []
    build = document.build

    def recording(plan, name, base_url, params, raw, *rest):
        if "io_uring" in plan.protocol.settings:
            used.append(raw.io)
        return build(plan, name, base_url, params, raw, *rest)

    monkeypatch.setattr(document, "build", recording)
    yield request.param
    assert set(used) <= {request.param}, f"the {request.param} round's runs used {used}"
