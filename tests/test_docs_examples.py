"""Every shell and Python example in README.md and docs/*.md runs as written, in CI.

What the harness changes, and nothing else:
- URLs and DSNs: 127.0.0.1:8080 (and 8081, the admin port, 8443, an https:// target, and
  9464, Prometheus') become free ports, redis://…:6379
  the Redis it started (`surge services start`), and `surge http URL`, in the load-model
  synopsis, the demo target's health URL. $POSTGRES_DSN and $REDIS_URL are set as the
  README's `eval "$(surge services start redis postgres)"` sets them;
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

import os
import re
import shlex
import subprocess
import sys
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


@pytest.mark.parametrize(("name", "lang", "body", "skip"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_the_example_runs_as_written(name, lang, body, skip, places):
    if skip:
        pytest.skip("marked in the docs: docs-test: skip")
    workdir = places["root"] / name.split(":")[0].replace("/", "_")
    workdir.mkdir(exist_ok=True)
    for link in ("scenarios", "examples"):  # the docs' commands run from the repository's root
        if not (workdir / link).exists():
            (workdir / link).symlink_to(ROOT / link)
    uses_own_target = "surge serve" in body
    ports = {
        8080: free_port() if uses_own_target else places["target"].port,
        8081: free_port(),
        8443: free_port(),  # an https:// target (surge serve --tls)
        9464: free_port(),
    }
    code = _substitute(body, places, ports)
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
    elif "surge_run" in code:  # a pytest example: run as pytest runs it
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
