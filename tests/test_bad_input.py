"""The bad-input matrix (cases in tests/bad_inputs.py): every command and the Python API fed
what users get wrong, each case in its own process with a time limit, so a crash or a hang is
seen as one. A refusal is exit 2 and one line that names the field; nothing crashes, hangs,
prints a traceback or passes silently.

The outcome of each case falls in one class: ok, crash (killed by a signal), hang (past the
time limit), traceback, silent (accepted what it should refuse), unclear (refused, but not in
one line naming the field), unhelpful (one line naming the field, but not what would be
accepted) or refused (what it should have accepted)."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import surge
from bad_inputs import MODULES, RESULTS_FILES, all_cases, results_file_text
from surge import http
from surge.services import PostgresServer, RedisServer

CASES = all_cases()
ROOT = Path(__file__).resolve().parent.parent
CASE_IDS = [f"{family}: {case if isinstance(case, str) else shlex.join(case)}"[:150]
            for family, _, case, _ in CASES]  # fmt: skip
TIME_LIMIT_S = 20
WORKERS = 3
# The issue-20 rule: a refusal names the field (each case's words) and says what would be
# accepted. surge states the second in a few forms, and a refusal must use one of them:
ACCEPTED = re.compile(
    r"expected|, got |\bmust\b|one of|at least|at most|\bfrom \S+ to\b|\w\.\.\w|between "
    r"|\b(use|write|give|name|raise|install|put|add|set|drop|remove|choose|check|make|pick"
    r"|return|capture|compare|say|sample) |e\.g\.|such as|needs? |takes?[: ]|\bare for\b"
    r"|applies to|instead|\(it has: |defines: |the operations are|\bsee surge\b"
    r"|this surge reads|only |(listening|running)( there)?\?|Is the server running",
    re.IGNORECASE,
)
# Except where the user's own code failed while it loaded: the located line (file.py:5:) and
# the exception it raised are what to fix.
LOCATED = re.compile(r"\.(py|yaml)(:\d+)?: (\w+Error|the module called)")

PY_RUNNER = """
import json, sys
import surge, surge.results.compare
from surge import http, postgres, redis
from surge.keyspace import KeySpace
globals().update(json.loads(sys.argv[2]))
try:
    exec(compile(sys.argv[1], "<case>", "exec"))
except (surge.ConfigError, surge.RunError) as exc:
    print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(2)
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """The servers and files the placeholders name."""
    root = tmp_path_factory.mktemp("bad-input")
    with (
        surge.Target() as target,
        RedisServer() as redis_server,
        RedisServer(password="right") as redis_pw,
        PostgresServer() as pg,
    ):
        good = surge.run(
            surge.Scenario(
                name="good",
                base_url=target.url,
                operations=[http.get("request", "/api/v1/health")],
                load=surge.Connections(2),
                requests=200,
            )
        ).to_dict()
        (root / "good.json").write_text(json.dumps(good))
        suite = {"schema": "surge.suite/1", "name": "s", "summary": [], "results": [good]}
        (root / "suite.json").write_text(json.dumps(suite))
        bad = root / "bad"
        bad.mkdir()
        for name in [*RESULTS_FILES, "report_html_named"]:
            suffix = ".html" if name == "report_html_named" else ".json"
            text = results_file_text(name, good)
            (bad / f"{name}{suffix}").write_bytes(text.encode("utf-8", "surrogateescape"))
        port = target.url.rsplit(":", 1)[1]
        values = {
            "<http_hostport>": f"127.0.0.1:{port}",
            "<http>": target.url,
            "<redis_db99>": f"redis://127.0.0.1:{redis_server.port}/99",
            "<redis_pw_wrong>": f"redis://:wrong@127.0.0.1:{redis_pw.port}/0",
            "<redis_pw_none>": f"redis://127.0.0.1:{redis_pw.port}/0",
            "<redis>": redis_server.url,
            "<pg_wrong_db>": f"postgresql://surge@127.0.0.1:{pg.port}/nosuchdb",
            "<pg>": pg.dsn,
            "<closed>": str(_closed_port()),
            "<good>": str(root / "good.json"),
            "<suite>": str(root / "suite.json"),
        }
        yield root, values


def _fill(text: str, values: dict[str, str], tmp: Path, root: Path) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    text = text.replace("<tmp>", str(tmp))
    while "<bad:" in text:
        start = text.index("<bad:")
        end = text.index(">", start)
        name = text[start + 5 : end]
        suffix = ".html" if name == "report_html_named" else ".json"
        text = text[:start] + str(root / "bad" / f"{name}{suffix}") + text[end + 1 :]
    while "<mod:" in text:
        start = text.index("<mod:")
        end = text.index(">", start)
        name = text[start + 5 : end]
        module = tmp / f"{name}.py"
        body = MODULES[name].replace("<http>", values["<http>"])
        module.write_bytes(body.encode("utf-8", "surrogateescape"))
        text = text[:start] + str(module) + text[end + 1 :]
    return text


def _run_case(index: int, root: Path, values: dict[str, str]) -> dict:
    _family, kind, case, (expected, words) = CASES[index]
    tmp = root / f"case-{index}"
    tmp.mkdir()
    if kind == "cli":
        argv = shlex.split(case) if isinstance(case, str) else list(case)
        command = [sys.executable, "-m", "surge.cli", *(_fill(a, values, tmp, root) for a in argv)]
        if isinstance(case, str) and not case:
            command = command[:3]
    else:
        scope = {
            "HTTP": values["<http>"],
            "REDIS": values["<redis>"],
            "PG": values["<pg>"],
            "CLOSED": int(values["<closed>"]),
            "TMP": str(tmp),
            "GOOD": values["<good>"],
        }
        command = [sys.executable, "-c", PY_RUNNER, _fill(case, values, tmp, root),
                   json.dumps(scope)]  # fmt: skip
    words = tuple(_fill(w, values, tmp, root) for w in words)
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIME_LIMIT_S, cwd=tmp,
            errors="replace", start_new_session=True,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        return {"class": "hang", "detail": f"no exit in {TIME_LIMIT_S}s: {exc.stderr!r}"[:500]}
    took = time.monotonic() - started
    stderr = done.stderr.strip()
    lines = stderr.splitlines()
    detail = f"exit {done.returncode} after {took:.1f}s; stderr: {stderr[-800:]!r}"
    if done.returncode < 0:
        outcome = "crash"
    elif "Traceback" in stderr:
        outcome = "traceback"
    elif expected == "accept":
        outcome = "ok" if done.returncode == 0 else "refused"
    elif done.returncode == 0:
        outcome = "silent"
    elif done.returncode == 2 and len(lines) == 1 and all(w in lines[0] for w in words):
        outcome = "ok" if ACCEPTED.search(lines[0]) or LOCATED.search(lines[0]) else "unhelpful"
    else:
        outcome = "unclear"
    return {"class": outcome, "detail": detail, "words": words}


@pytest.fixture(scope="module")
def outcomes(places, request):
    """Runs every selected case at once, a few processes at a time."""
    root, values = places
    selected = sorted(
        {
            item.callspec.params["index"]
            for item in request.session.items
            if getattr(item, "originalname", None) == "test_bad_input"
        }
    )
    with ThreadPoolExecutor(WORKERS) as pool:
        results = dict(
            zip(selected, pool.map(lambda i: _run_case(i, root, values), selected), strict=True)
        )
    by_class = Counter(r["class"] for r in results.values())
    print(f"\nbad-input matrix: {len(results)} cases: {dict(by_class)}")
    dump = os.environ.get("SURGE_BAD_INPUT_DUMP")  # a JSON file of every outcome, for triage
    if dump:
        rows = [
            {"id": CASE_IDS[i], **r, "words": list(r.get("words", ()))} for i, r in results.items()
        ]
        Path(dump).write_text(json.dumps(rows, indent=1))
    return results


@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_bad_input(index, outcomes):
    outcome = outcomes[index]
    assert outcome["class"] == "ok", (outcome["class"], outcome["detail"], outcome.get("words"))


def test_the_matrix_covers_every_family_with_several_cases():
    families = Counter(family for family, *_ in CASES)
    assert len(families) == 15 and min(families.values()) >= 10, families


def test_docs_count_the_matrix_as_it_is():
    """docs/reliability.md's counts are the matrix's: a family added or grown shows there."""
    text = " ".join((ROOT / "docs" / "reliability.md").read_text().split())
    families = Counter(family for family, *_ in CASES)
    assert f"{len(CASES)} cases in {len(families)} families" in text
    for family, n in families.items():
        assert f"{family} {n}" in text, (family, n)
    assert f"Now all {len(CASES)} are ok" in text


def test_serve_ends_on_sigterm_to_its_process_group():
    """SIGTERM to the whole group (what a CI job's timeout sends) ends `surge serve` at once,
    every time (20 rounds): its handler once re-entered a lock and deadlocked, and a signal
    the kernel handed to a server thread once left the main thread asleep."""
    for _ in range(20):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "surge.cli", "serve", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        with server:  # closes the pipes
            try:
                assert "listening" in server.stdout.readline()
                os.killpg(server.pid, signal.SIGTERM)
                assert server.wait(timeout=5) == 0
            finally:
                if server.poll() is None:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
