"""`surge services start redis|postgres ... [--dir D]` and `surge services stop [--dir D]`: the
real servers the docs' examples use, on free loopback ports, from the shell.

    eval "$(surge services start redis postgres)"    # sets REDIS_URL and POSTGRES_DSN
    surge redis "$REDIS_URL" -n 10000
    surge services stop

`start` prints one `export NAME=VALUE` line per server and keeps what `stop` needs in
D/services.json (D defaults to ./.surge-services; Redis keeps its files there, PostgreSQL in a
temporary directory of its own). A server that fails to start says why, in its own log's
words.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from surge.errors import ConfigError
from surge.services import PostgresServer, RedisServer

DEFAULT_DIR = ".surge-services"
SERVICES = ("redis", "postgres")
_ENV = {"redis": "REDIS_URL", "postgres": "POSTGRES_DSN"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("services", help="start or stop real Redis and PostgreSQL servers")
    actions = p.add_subparsers(dest="action", required=True, help="start or stop")
    start = actions.add_parser("start", help="start servers; prints export lines for the shell")
    start.add_argument("names", nargs="+", choices=SERVICES, metavar="redis|postgres")
    stop = actions.add_parser("stop", help="stop the servers started in --dir, and remove them")
    for action in (start, stop):
        action.add_argument(
            "--dir",
            default=DEFAULT_DIR,
            help="where the servers keep their data, logs and state",
        )


def _state_file(directory: Path) -> Path:
    return directory / "services.json"


def _read_state(directory: Path) -> dict[str, Any]:
    path = _state_file(directory)
    if not path.exists():
        return {}
    try:
        state = json.loads(path.read_text())
    except ValueError:
        raise ConfigError(f"{path} is not the state surge services writes: remove it") from None
    if not isinstance(state, dict):
        raise ConfigError(f"{path} is not the state surge services writes: remove it")
    return state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _redis_alive(entry: dict[str, Any]) -> bool:
    """The pid is still a redis-server on the port this directory's server had (not a process
    that reused the number; redis-server renames itself to "redis-server HOST:PORT")."""
    pid = entry.get("pid")
    if not isinstance(pid, int) or not _alive(pid):
        return False
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    program, _, address = title.replace("\0", " ").partition(" ")
    return program.endswith("redis-server") and address.strip().endswith(f":{entry.get('port')}")


def _up(name: str, entry: dict[str, Any]) -> bool:
    if name == "redis":
        return _redis_alive(entry)
    return (Path(entry["dir"]) / "data" / "postmaster.pid").exists()


def _start(name: str, directory: Path) -> dict[str, Any]:
    where = directory / name
    if name == "redis":
        redis = RedisServer(directory=where).start()
        return {
            "url": redis.url,
            "port": redis.port,
            "pid": redis.pid,
            "dir": str(where.resolve()),
        }
    # PostgreSQL's data stays in its own temporary directory: when surge runs as root the server
    # runs as another user, who may not reach --dir (a home directory is often 0700).
    postgres = PostgresServer().start()
    return {"url": postgres.dsn, "port": postgres.port, "dir": str(postgres.directory)}


def _stop(name: str, entry: dict[str, Any]) -> None:
    if name == "redis":
        if _redis_alive(entry):
            os.kill(entry["pid"], signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _alive(entry["pid"]) and time.monotonic() < deadline:
                time.sleep(0.05)
        RedisServer(directory=entry["dir"]).stop()  # removes the directory
        return
    server = PostgresServer(int(entry["port"]), directory=entry["dir"])
    server.stop()  # pg_ctl stop, as the user the server runs as, then removes the directory


def cmd(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    state = _read_state(directory)
    if args.action == "stop":
        if not state:
            raise ConfigError(f"no servers were started in {directory} (surge services start)")
        for name, entry in state.items():
            _stop(name, entry)
            print(f"stopped {name}")
        _state_file(directory).unlink(missing_ok=True)
        return 0
    directory.mkdir(parents=True, exist_ok=True)
    for name in dict.fromkeys(args.names):  # each once, in the order given
        running = state.get(name)
        if running and _up(name, running):
            print(f"export {_ENV[name]}={running['url']}")  # already up: the same line again
            continue
        state[name] = _start(name, directory)
        _state_file(directory).write_text(json.dumps(state, indent=2))
        print(f"export {_ENV[name]}={state[name]['url']}", flush=True)
    return 0
