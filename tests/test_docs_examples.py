"""Every shell and Python example in README.md and docs/*.md runs as written, in CI.

What the harness changes, and nothing else:
- URLs and DSNs: 127.0.0.1:8080 (and 8081, the admin port, 8443, an https:// target, and
  9464, Prometheus') become free ports, redis://…:6379
  the Redis it started (`surge services start`), and `surge http URL`, in the load-model
  synopsis, the demo target's health URL. $POSTGRES_DSN and $REDIS_URL are set as the
  README's `eval "$(surge services start redis postgres)"` sets them; redis://…:7000, a Redis
  Cluster's node, a 3+3 cluster started for the block;
- durations: every run is shortened through SURGE_SCALE (docs/load-models.md), which
  scales durations, warm-ups, stage lengths and -n counts;
- a command ending in `&` (a server) is waited for until its port answers, as a person
  typing the next command would, and is stopped when its block ends.

A block runs in the order of its file, in one directory per file, so a later block may read
what an earlier one wrote. A command must exit 0; one that sets a target (--slo, --abort-on,
--fail-on, --at-least) may also exit 99, when that target broke (the example working). A
block preceded by `<!-- docs-test: skip REASON -->` is not run; the reason says why (the
commands that run this very test, for one).
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import surge
from ports import free_port

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SCALE = "0.05"  # a 30 s example runs 1.5 s
_FENCE = re.compile(
    r"^(?P<skip><!-- docs-test: skip [^>]*-->\n)?```(?P<lang>sh|python)\n(?P<body>.*?)^```",
    re.S | re.M,
)


def _blocks() -> list[tuple[str, str, str, bool]]:
    found = []
    for path in FILES:
        text = path.read_text()
        for m in _FENCE.finditer(text):
            line = text[: m.start("lang")].count("\n") + 1
            name = f"{path.relative_to(ROOT)}:{line}"
            found.append((name, m.group("lang"), m.group("body"), bool(m.group("skip"))))
    return found


BLOCKS = _blocks()


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """A demo target, Redis and PostgreSQL (started as the README says), and one working
    directory per docs file."""
    root = tmp_path_factory.mktemp("docs")
    services = root / "services"
    started = subprocess.run(
        [sys.executable, "-m", "surge.cli", "services", "start", "redis", "postgres",
         "--dir", str(services)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    env = dict(
        line.removeprefix("export ").split("=", 1) for line in started.stdout.split("\n") if line
    )
    try:
        assert started.returncode == 0, started.stderr
        with surge.Target() as target:
            yield {"root": root, "services": services, "target": target, **env}
    finally:
        subprocess.run(
            [sys.executable, "-m", "surge.cli", "services", "stop", "--dir", str(services)],
            capture_output=True, timeout=60,
        )  # fmt: skip


def _substitute(body: str, places: dict, ports: dict[int, int]) -> str:
    body = body.replace("postgresql://surge@127.0.0.1:5432/surge", places["POSTGRES_DSN"])
    for documented, actual in ports.items():
        body = body.replace(f"127.0.0.1:{documented}", f"127.0.0.1:{actual}")
        body = re.sub(rf"(--(?:admin-|prometheus-)?port) {documented}\b", rf"\g<1> {actual}", body)
    redis_base = places["REDIS_URL"].rsplit("/", 1)[0]
    body = body.replace("redis://127.0.0.1:6379", redis_base)
    health = f"http://127.0.0.1:{ports[8080]}/api/v1/health"
    return re.sub(r"(surge http) URL\b", rf"\1 {health}", body)


_PROLOGUE = """\
set -u
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT
run() {
  "$@"; rc=$?
  if [ $rc -ne 0 ]; then echo "exit $rc: $*" >&2; exit $rc; fi
}
run_judged() {
  "$@"; rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 99 ]; then echo "exit $rc: $*" >&2; exit $rc; fi
}
wait_port() {
  for _ in $(seq 200); do
    (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return
    sleep 0.05
  done
  echo "nothing on port $1" >&2; exit 1
}
"""


# The flags that set a target a command may miss, exiting 99 (README, "Exit statuses").
_TARGET_FLAGS = re.compile(r"(^|\s)--(slo|abort-on|fail-on|at-least)[\s=]")


def _shell_script(body: str) -> str:
    """The block as a script: each command through run() (exit 0 goes on) or, when it sets a
    target, run_judged() (0 or 99), and a server started with & waited for on its port."""
    lines, logical = [], ""
    for raw in body.splitlines():
        logical += raw.rstrip("\\") + (" " if raw.endswith("\\") else "")
        if raw.endswith("\\"):
            continue
        command, logical = logical.strip(), ""
        if not command or command.startswith("#"):
            continue
        if command.split("#")[0].rstrip().endswith("&"):
            port = re.search(r"--port (\d+)", command)
            admin = re.search(r"--admin-port (\d+)", command)
            lines.append(command)
            lines += [f"wait_port {m.group(1)}" for m in (port, admin) if m]
        elif command.startswith(("eval ", "export ", "cd ")):
            lines.append(command)
        elif _TARGET_FLAGS.search(command):
            lines.append(f"run_judged {command}")
        else:
            lines.append(f"run {command}")
    return _PROLOGUE + "\n".join(lines) + "\n"


# A command in an indented block would escape the fences above, and this test with them.
_INDENTED_COMMAND = re.compile(
    r"^\n(    (surge|python3?|pytest|perf|nox|pip|dask|taskset|strace|valgrind) .*\n)+", re.M
)


def test_no_command_hides_in_an_indented_block():
    hidden = [
        f"{path.relative_to(ROOT)}:{path.read_text()[: m.start()].count(chr(10)) + 2}"
        for path in FILES
        for m in _INDENTED_COMMAND.finditer(path.read_text())
    ]
    assert hidden == [], f"fence these as ```sh so they run: {hidden}"


@pytest.mark.parametrize(("name", "lang", "body", "skip"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_the_example_runs_as_written(name, lang, body, skip, places):
    if skip:
        pytest.skip("marked in the docs: docs-test: skip")
    workdir = places["root"] / name.split(":")[0].replace("/", "_")
    workdir.mkdir(exist_ok=True)
    for link in ("scenarios", "examples", "tests"):  # the docs' commands run from the root
        if not (workdir / link).exists():
            (workdir / link).symlink_to(ROOT / link)
    uses_own_target = "surge serve" in body
    with contextlib.ExitStack() as servers:
        ports = {
            8080: free_port() if uses_own_target else places["target"].port,
            8081: free_port(),
            8443: free_port(),  # an https:// target (surge serve --tls)
            9464: free_port(),
            9100: servers.enter_context(_metrics_endpoint()) if ":9100/" in body else 9100,
        }
        if 'monitor.process("nginx")' in body:  # the server the example samples by name
            from nginx_server import Nginx

            servers.enter_context(Nginx(workdir))
        code = _substitute(body, places, ports)
        if "redis://127.0.0.1:7000" in code:  # the docs' Redis Cluster: a real one, 3+3
            from surge.services import RedisCluster

            cluster = servers.enter_context(RedisCluster())
            code = code.replace("redis://127.0.0.1:7000", cluster.url)
        if "tcp://10.0.0.5:8786" in body:  # the docs' scheduler: a local one, of 2 workers
            code = code.replace("tcp://10.0.0.5:8786", servers.enter_context(_dask_scheduler()))
        if "ca.pem" in body and not uses_own_target:
            code = servers.enter_context(_tls_servers(code, workdir, ports[8443]))
        _run_block(name, lang, code, workdir, places)


@contextlib.contextmanager
def _tls_servers(code: str, workdir: Path, port: int) -> Iterator[str]:
    """The servers a TLS example talks to, each with a certificate made now: nginx on `port`
    (the example's 8443), over HTTP/1.1 and h2, asking for a client certificate; and, where the
    example names them, a rediss:// Redis and a PostgreSQL with ssl=on. ca.pem trusts all three
    (each certificate is its own CA); client.pem and client.key are the client's pair. Yields
    the code with the examples' addresses swapped for theirs."""
    from nginx_server import Nginx
    from surge import _core
    from surge.services import PostgresServer, RedisServer

    client_pem, client_key = _core.tls_self_signed("surge-client")
    (workdir / "client.pem").write_text(client_pem)
    (workdir / "client.key").write_text(client_key)
    # A name each: ca.pem holds all three, and a store tells issuers apart by name.
    server_pem, server_key = _core.tls_self_signed("nginx.docs")
    (workdir / "nginx.pem").write_text(server_pem)
    (workdir / "nginx.key").write_text(server_key)
    trusted = [server_pem]
    with contextlib.ExitStack() as stack:
        nginx = Nginx(
            workdir, certificate=workdir / "nginx.pem", key=workdir / "nginx.key",
            client_ca=workdir / "client.pem", verify_client="optional", http2=True, port=port,
        )  # fmt: skip
        stack.enter_context(nginx)
        if "rediss://" in code:
            redis = stack.enter_context(
                RedisServer(tls=True, tls_name="redis.docs", password="PASSWORD")
            )
            trusted.append(redis.certificate.read_text())
            code = code.replace("rediss://:PASSWORD@127.0.0.1:6380/0", redis.tls_url)
        if "sslrootcert" in code:
            pg = stack.enter_context(PostgresServer(tls=True, tls_name="postgres.docs"))
            trusted.append(pg.certificate.read_text())
            code = code.replace("postgresql://app@127.0.0.1/app", pg.dsn)
        (workdir / "ca.pem").write_text("".join(trusted))
        yield code


@contextlib.contextmanager
def _dask_scheduler() -> Iterator[str]:
    import distributed

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


@contextlib.contextmanager
def _metrics_endpoint() -> Iterator[int]:
    """A node exporter's two series the monitoring example reads, on a free port."""
    page = b'node_load1 0.5\nhttp_requests_total{code="500"} 3\n'

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _run_block(name: str, lang: str, code: str, workdir: Path, places: dict) -> None:
    env = {
        **os.environ,
        "SURGE_SCALE": SCALE,
        "REDIS_URL": places["REDIS_URL"],
        "POSTGRES_DSN": places["POSTGRES_DSN"],
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT / "tests"),
    }
    if lang == "sh":
        command = ["bash", "-c", _shell_script(code)]
    elif re.search(r"^def test_", code, re.M):  # a pytest example: run as pytest runs it
        (workdir / "test_example.py").write_text(code)
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "test_example.py",
        ]
    else:
        command = [sys.executable, "-c", code]
    try:
        done = subprocess.run(
            command, cwd=workdir, env=env, capture_output=True, text=True, timeout=300
        )
    finally:  # servers an example started with `surge services start` end with it, even failed
        if (workdir / ".surge-services" / "services.json").exists():
            subprocess.run(
                [sys.executable, "-m", "surge.cli", "services", "stop"],
                cwd=workdir, capture_output=True, timeout=60,
            )  # fmt: skip
    assert done.returncode == 0, (
        f"{name}\n{shlex.join(command[:2])}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
