"""surge.services.RedisServer starts a real redis-server and stops it without leftovers."""

from __future__ import annotations

import pytest
import surge
from surge.services import RedisServer


def test_starts_answers_and_cleans_up():
    with RedisServer() as server:
        assert server.ping()
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        directory = server._dir
        assert directory is not None and directory.exists()
    assert not server.running and not directory.exists()


def test_kill_and_restart_on_the_same_port():
    with RedisServer(password="s3cret") as server:
        port = server.port
        assert server.ping() and ":s3cret@" in server.url
        server.kill()
        assert not server.ping()
        server.start()
        assert server.port == port and server.ping()


def test_a_port_in_use_is_a_clear_error():
    with RedisServer() as first:
        second = RedisServer(first.port)
        with pytest.raises(surge.ConfigError, match=f"did not start on port {first.port}"):
            second.start()
        assert not second.running


def test_missing_executable_is_a_clear_error():
    with pytest.raises(surge.ConfigError, match="install it"):
        RedisServer(executable="no-such-redis-server")
