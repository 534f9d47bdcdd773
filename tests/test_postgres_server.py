"""surge.services.PostgresServer runs a real PostgreSQL as an unprivileged user and cleans up."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess

import pytest
import surge
from surge.services import PostgresServer


def psql(dsn: str, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(["psql", dsn, "-Atc", sql], capture_output=True, text=True, timeout=30)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_starts_answers_and_leaves_nothing_behind():
    with PostgresServer() as server:
        done = psql(server.dsn, "select current_user, 40 + 2")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "surge|42"
        directory = server._dir
        pid = int((directory / "data" / "postmaster.pid").read_text().split()[0])
        if os.geteuid() == 0:
            # PostgreSQL refuses root: the server runs as the unprivileged postgres user.
            assert os.stat(f"/proc/{pid}").st_uid == pwd.getpwnam("postgres").pw_uid
    assert not directory.exists()
    assert not port_open(server.port)


def test_password_authentication():
    with PostgresServer(password="hunter2") as server:
        assert psql(server.dsn, "select 1").stdout.strip() == "1"
        wrong = server.dsn.replace("hunter2", "wrong")
        assert psql(wrong, "select 1").returncode != 0


def test_a_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(surge.ConfigError, match=f"did not start on port {port}"):
            PostgresServer(port).start()


def test_a_busy_port_is_named_as_the_cause():
    # The log's last line was only "database system is shut down".
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(surge.ConfigError, match="Address already in use"):
            PostgresServer(port).start()
