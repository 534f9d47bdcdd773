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
