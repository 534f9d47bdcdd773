"""The bad-input matrix (tests/test_bad_input.py): what users type and the files they feed in,
by family, each case with the answer it must get.

A case is (family, kind, input, expected):
- kind "cli": a `surge` command line (a string split like a shell, or a list);
- kind "py": Python run with `surge`, `http`, `redis`, `postgres`, `KeySpace` and the
  placeholders' values (HTTP, REDIS, PG, CLOSED, TMP, GOOD) in scope.
- expected REFUSE(words...): exit 2 with one line on stderr that contains every word (the CLI),
  or one surge.ConfigError/RunError whose one-line message contains them (Python);
  ACCEPT: exit 0, no error.

Placeholders: <http> the embedded target's URL, <redis> a redis-server's URL, <redis_pw> one
that wants a password, <pg> a PostgreSQL DSN, <closed> a loopback port with no listener, <tmp>
a fresh directory, <good> a valid results file, <suite> a valid suite file, <bad:NAME> the
results file NAME of RESULTS_FILES, <mod:NAME> the scenario module NAME of MODULES.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Callable
from typing import Any


def REFUSE(*words: str) -> tuple[str, tuple[str, ...]]:
    return ("refuse", words)


ACCEPT = ("accept", ())

HTTP_1 = "http <http>/api/v1/health -n 1 -q"  # a valid command that bad flags are added to
REDIS_1 = "redis <redis> -n 1 -q"
PG_1 = "pg <pg> --sql 'SELECT 1' -n 1 -q"

# --- crashes and hangs ------------------------------------------------------------------------
CRASH_AND_HANG = [
    *[
        (
            "py",
            f"surge.run(surge.Scenario(name='p', base_url=HTTP, operations=[http.get('h', "
            f"'/api/v1/health')], duration='3s'), progress=lambda r: {value})",
            REFUSE("progress", "True, False or None"),
        )
        for value in ("'x'", "''", "[]", "object()", "5")
    ],
    ("cli", "http <http> -R 1e12 -d 1s -q", REFUSE("--rate", "100,000,000")),
    ("cli", "http <http> -R 1e9 -d 1s -q", REFUSE("rate")),
    ("cli", "http <http> -c 1000000000 -n 10 -q", REFUSE("connections")),
    ("cli", "http <http> -u 1000000000 -d 1s -q", REFUSE("users")),
    ("cli", "http <http> -u 1e9 -d 1s -q", REFUSE("-u", "whole number")),
    ("cli", "http <http> --user-stages=1s:1e9 -q", REFUSE("users")),
    ("cli", "http <http> --user-stages=1s:1000000000 -q", REFUSE("users")),
    ("cli", "http <http> --stages=1s:1e12 -q", REFUSE("rate")),
    ("cli", "http <http> -R 10 --max-connections 1000000000 -d 1s -q", REFUSE("connections")),
    ("cli", "http <http> -R 10 -c 1000000000 -d 1s -q", REFUSE("connections")),
    ("cli", "redis <redis> -c 1000000000 -n 10 -q", REFUSE("connections")),
    ("cli", "pg <pg> --sql 'SELECT 1' -c 1000000000 -n 10 -q", REFUSE("connections")),
    ("cli", "http <http> -t 100000 -n 10 -q", REFUSE("threads")),
    ("cli", "http <http> -R 10 --max-backlog 1000000000000 -d 1s -q", REFUSE("backlog")),
    ("py", "surge.Users(10**9)", REFUSE("users")),
    ("py", "surge.ConstantRate(1e12)", REFUSE("rate")),
    ("py", "surge.Connections(10**12)", REFUSE("connections")),
    ("py", "surge.Iterations(10**30)", REFUSE("iterations")),
]

# --- numbers too big for the engine's types ---------------------------------------------------
HUGE = [
    ("cli", f"{HTTP_1} -d 99999999999999999999s", REFUSE("--duration")),
    ("cli", f"{HTTP_1} --timeout 99999999999999999999s", REFUSE("--timeout")),
    ("cli", f"{HTTP_1} --warmup 1e30s", REFUSE("--warmup")),
    ("cli", f"{HTTP_1} --drain 99999999999h", REFUSE("--drain")),
    ("cli", f"{HTTP_1} --connect-timeout 9999999999999h", REFUSE("--connect-timeout")),
    ("cli", "http <http> -n 100000000000000000000 -q", REFUSE("requests")),
    ("cli", "http <http> -n 1e20 -q", REFUSE("-n", "whole number")),
    ("cli", f"{HTTP_1} --network-jitter-ms 1e300", REFUSE("jitter")),
    ("cli", f"{HTTP_1} --network-latency-ms 1e300", REFUSE("latency")),
    ("cli", f"{HTTP_1} --network-latency-ms inf", REFUSE("latency")),
    ("cli", f"{HTTP_1} --network-latency-ms nan", REFUSE("latency")),
    ("cli", "redis redis://127.0.0.1:<closed>/99999999999999999999 -n 1 -q", REFUSE("database")),
    ("cli", "redis redis://127.0.0.1:<closed>/-1 -n 1 -q", REFUSE("database")),
    ("cli", "serve --port 70000", REFUSE("--port", "1..65535")),
    ("cli", "serve --port -1", REFUSE("--port")),
    ("cli", "serve --port 99999999999999999999", REFUSE("--port")),
    ("cli", "serve --threads 100000", REFUSE("--threads")),
    ("cli", "serve --host 8.8.8.8", REFUSE("8.8.8.8", "cannot listen")),
    ("cli", "serve --host no.such.host.invalid", REFUSE("no.such.host.invalid", "IP address")),
    (
        "py",
        "surge.Scenario(name='s', base_url=HTTP, operations=[http.get('h', '/')], seed=2**70)",
        REFUSE("seed"),
    ),
    (
        "py",
        "surge.Scenario(name='s', base_url=HTTP, operations=[http.get('h', '/')], requests=10**30)",
        REFUSE("requests"),
    ),
    (
        "py",
        "surge.Scenario(name='s', base_url=HTTP, operations=[http.get('h', '/')], threads=10**6)",
        REFUSE("threads"),
    ),
    (
        "py",
        "surge.Scenario(name='s', base_url=HTTP, operations=[http.get('h', '/', weight=10**30)])",
        REFUSE("weight"),
    ),
    (
        "py",
        "surge.Scenario(name='s', base_url=REDIS, operations=[redis.get('g', 'k')], "
        "pipeline=10**30)",
        REFUSE("pipeline"),
    ),
    (
        "py",
        "surge.Scenario(name='s', base_url=HTTP, operations=[http.get('h', '/')], "
        "network_jitter=1e300)",
        REFUSE("network_jitter"),
    ),
    ("py", "http.get('h', '/', max_body_bytes=10**30)", REFUSE("max_body_bytes")),
    ("py", "http.get('h', '/', expect_status=99999999999)", REFUSE("expect_status")),
    ("cli", f"{HTTP_1} --expect-status 99999999999", REFUSE("expect-status")),
    ("cli", f"{HTTP_1} --max-body-bytes 99999999999999999999999", REFUSE("max-body-bytes")),
    ("cli", f"{HTTP_1} --var x=uniform(1,99999999999999999999)", REFUSE("x")),
    ("cli", f"{HTTP_1} --var x=seq(99999999999999999999)", REFUSE("x")),
    ("cli", f"{REDIS_1} --keys 1000000000000000000000", REFUSE("--keys")),
    ("cli", f"{REDIS_1} --ttl 1000000000000000000000", REFUSE("--ttl")),
    ("cli", f"{REDIS_1} --data-size 100000000000000000000", REFUSE("--data-size")),
    ("cli", f"{REDIS_1} -P 100000000000000", REFUSE("pipeline")),
    ("cli", f"{PG_1} --scale 100000000000000000000 --init", REFUSE("--scale")),
    ("cli", f"{PG_1} --retries 100000000000000000000", REFUSE("--retries")),
    ("cli", f"{PG_1} --weight 1e300", REFUSE("weight")),
    ("cli", f"{HTTP_1} --iterations 100000000000000000000 -u 1", REFUSE("iterations")),
    ("cli", "http <http>/api/v1/health -u 2 --spawn-rate 1e300 -n 1 -q", ACCEPT),
    ("cli", f"{HTTP_1} --prometheus-port 70000", REFUSE("--prometheus-port")),
]

# --- digits that are not ASCII ----------------------------------------------------------------
NON_ASCII = [
    ("cli", "redis redis://127.0.0.1:<closed>/² -n 1 -q", REFUSE("database")),
    ("cli", "redis redis://127.0.0.1:<closed>/٣ -n 1 -q", REFUSE("database")),
    ("cli", "http http://127.0.0.1:٨٠/ -n 1 -q", REFUSE("port")),
    ("cli", "http http://127.0.0.1:²/ -n 1 -q", REFUSE("port")),
    ("cli", "redis redis://127.0.0.1:٨٠/0 -n 1 -q", REFUSE("port")),
    ("cli", "pg postgresql://u@127.0.0.1:٨٠/db --sql 'SELECT 1' -n 1 -q", REFUSE("port")),
    ("cli", "http <http> -n ² -q", REFUSE("-n")),
    ("cli", "http <http> -c ٣ -n 1 -q", REFUSE("-c", "whole number")),
    ("cli", "http <http> -R ٣ -d 1s -q", REFUSE("-R")),
    ("cli", f"{HTTP_1} -d ٣s", REFUSE("--duration")),
    ("cli", "serve --port ٨٠", REFUSE("--port")),
]

_S = "surge.Scenario(name='s', base_url=HTTP, operations=[{}])"
_H = "http.get('h', '/api/v1/health')"

# --- Python API type errors: the message names the field ----------------------------------
PY_TYPES = [
    ("py", _S.format(_H).replace("HTTP", "None"), REFUSE("base_url")),
    ("py", _S.format(_H).replace("HTTP", "5"), REFUSE("base_url")),
    ("py", _S.format(_H).replace("HTTP", "''"), REFUSE("base_url")),
    ("py", "surge.Scenario(name='s', base_url=HTTP, operations='abc')", REFUSE("operations")),
    ("py", "surge.Scenario(name='s', base_url=HTTP, operations=5)", REFUSE("operations")),
    ("py", "surge.Scenario(name='s', base_url=HTTP, operations=[5])", REFUSE("operation")),
    ("py", "surge.Scenario(name='s', base_url=HTTP, operations=None)", REFUSE("operations")),
    ("py", _S.format(_H).replace("name='s'", "name=None"), REFUSE("name")),
    ("py", _S.format(_H).replace("name='s'", "name=5"), REFUSE("name")),
    ("py", "http.get('h', '/', headers={'X-A': 1})", REFUSE("headers", "X-A")),
    ("py", "http.get('h', '/', headers={1: 'a'})", REFUSE("headers")),
    ("py", "http.get('h', '/', headers='X-A: 1')", REFUSE("headers")),
    (
        "py",
        "http.get('h', '/', headers={'X-A': 'b\\r\\nX-Injected: 1'})",
        REFUSE("header", "line break"),
    ),
    ("py", "http.get('h', '/', variables={'x': 5})", REFUSE("variables", "x")),
    ("py", "http.get('h', '/', variables=['x'])", REFUSE("variables")),
    ("py", "http.get('h', '/', expect_status='200')", REFUSE("expect_status")),
    ("py", "http.get('h', '/', expect_status=[200, 'x'])", REFUSE("expect_status")),
    ("py", "http.get('h', '/', expect_status=[99])", REFUSE("expect_status")),
    ("py", "http.get('h', '/', expect_status=200)", ACCEPT),
    ("py", "http.get('h', '/', expect_body=5)", REFUSE("expect_body")),
    ("py", "http.get('h', '/', weight=-1)", REFUSE("weight")),
    ("py", "http.get('h', '/', weight='x')", REFUSE("weight")),
    ("py", "http.get('h', '/', weight=float('nan'))", REFUSE("weight")),
    ("py", "http.get('h', '/', weight=0)", REFUSE("weight")),
    ("py", "http.get(None, '/')", REFUSE("name")),
    ("py", "http.get('', '/')", REFUSE("name")),
    ("py", "http.get('h', None)", REFUSE("path")),
    ("py", "http.get('h', 5)", REFUSE("path")),
    ("py", "http.get('h', 'no-slash')", REFUSE("path", "/")),
    ("py", "http.get('h', '/a b')", REFUSE("path", "%20")),
    ("py", "http.post('h', '/', body=5)", REFUSE("body")),
    ("py", "http.request('h', 5, '/')", REFUSE("method")),
    ("py", "http.request('h', 'GE T', '/')", REFUSE("method")),
    ("py", "http.request('h', '', '/')", REFUSE("method")),
    ("py", _S.format(_H)[:-1] + ", timeout='soon')", REFUSE("timeout")),
    ("py", "http.get('h', '/', miss_status='404')", REFUSE("miss_status")),
    ("py", "http.get('h', '/', max_body_bytes=-1)", REFUSE("max_body_bytes")),
    ("py", "http.get('h', '/', max_body_bytes='1k')", REFUSE("max_body_bytes")),
    ("py", _S.format(_H)[:-1] + ", abort_on=[5])", REFUSE("abort_on")),
    ("py", _S.format(_H)[:-1] + ", abort_on='p95 < 1s')", REFUSE("abort_on")),
    ("py", _S.format(_H)[:-1] + ", abort_on=['p95 <'])", REFUSE("p95")),
    ("py", _S.format(_H)[:-1] + ", duration=float('nan'))", REFUSE("duration")),
    ("py", _S.format(_H)[:-1] + ", duration=float('inf'))", REFUSE("duration")),
    ("py", _S.format(_H)[:-1] + ", duration=-1)", REFUSE("duration")),
    ("py", _S.format(_H)[:-1] + ", duration=[1])", REFUSE("duration")),
    ("py", _S.format(_H)[:-1] + ", duration=True)", REFUSE("duration")),
    ("py", _S.format(_H)[:-1] + ", warmup='x')", REFUSE("warmup")),
    ("py", _S.format(_H)[:-1] + ", interval=0)", REFUSE("interval")),
    ("py", _S.format(_H)[:-1] + ", timeout=0)", REFUSE("timeout")),
    ("py", _S.format(_H)[:-1] + ", threads='2')", REFUSE("threads")),
    ("py", _S.format(_H)[:-1] + ", threads=0)", REFUSE("threads")),
    ("py", _S.format(_H)[:-1] + ", threads=1.5)", REFUSE("threads")),
    ("py", _S.format(_H)[:-1] + ", requests=True)", REFUSE("requests")),
    ("py", _S.format(_H)[:-1] + ", requests=-1)", REFUSE("requests")),
    ("py", _S.format(_H)[:-1] + ", requests=1.5)", REFUSE("requests")),
    ("py", _S.format(_H)[:-1] + ", requests='10')", REFUSE("requests")),
    ("py", _S.format(_H)[:-1] + ", interval_histograms='no')", REFUSE("interval_histograms")),
    ("py", _S.format(_H)[:-1] + ", interval_histograms=None)", REFUSE("interval_histograms")),
    ("py", _S.format(_H)[:-1] + ", pipeline=0)", REFUSE("pipeline")),
    ("py", _S.format(_H)[:-1] + ", pipeline='x')", REFUSE("pipeline")),
    ("py", _S.format(_H)[:-1] + ", pipeline_sync=5)", REFUSE("pipeline_sync")),
    ("py", _S.format(_H)[:-1] + ", seed=-1)", REFUSE("seed")),
    ("py", _S.format(_H)[:-1] + ", seed='x')", REFUSE("seed")),
    ("py", _S.format(_H)[:-1] + ", params=5)", REFUSE("params")),
    ("py", _S.format(_H)[:-1] + ", load=5)", REFUSE("load")),
    ("py", _S.format(_H)[:-1] + ", load='fast')", REFUSE("load")),
    ("py", _S.format(_H)[:-1] + ", network_latency=-1)", REFUSE("network_latency")),
    ("py", _S.format(_H)[:-1] + ", network_jitter=float('nan'))", REFUSE("network_jitter")),
    ("py", _S.format(_H)[:-1] + ", abort_after='x')", REFUSE("abort_after")),
    ("py", _S.format(_H)[:-1] + ", late_after=-1)", REFUSE("late_after")),
    ("py", f"surge.run({_S.format(_H)[:-1]}, requests=1), progress=5)", REFUSE("progress")),
    ("py", "surge.run(5)", REFUSE("surge.Scenario")),
    ("py", "surge.run(None)", REFUSE("surge.Scenario")),
    ("py", "surge.Users(-1)", REFUSE("users")),
    ("py", "surge.Users(1.5)", REFUSE("users")),
    ("py", "surge.Users('5')", REFUSE("users")),
    ("py", "surge.Users(True)", REFUSE("users")),
    ("py", "surge.Users(2, think=5)", REFUSE("think")),
    ("py", "surge.Users(2, spawn_rate=float('nan'))", REFUSE("spawn_rate")),
    ("py", "surge.Users(2, iterations=0)", REFUSE("iterations")),
    ("py", "surge.ConstantRate(float('nan'))", REFUSE("rate")),
    ("py", "surge.ConstantRate('x')", REFUSE("rate")),
    ("py", "surge.ConstantRate(-5)", REFUSE("rate")),
    ("py", "surge.ConstantRate(0)", REFUSE("rate")),
    ("py", "surge.ConstantRate(1e-9)", REFUSE("rate")),
    ("py", "surge.ConstantRate(10, connections=0)", REFUSE("connections")),
    ("py", "surge.ConstantRate(10, max_backlog=-1)", REFUSE("max_backlog")),
    ("py", "surge.RampingRate([])", REFUSE("stages")),
    ("py", "surge.RampingRate([('1s', float('nan'))])", REFUSE("stages")),
    ("py", "surge.RampingRate([('x', 10)])", REFUSE("stages")),
    ("py", "surge.RampingRate(5)", REFUSE("stages")),
    ("py", "surge.RampingRate([('1s', 10, 3)])", REFUSE("stages")),
    ("py", "surge.RampingUsers([('1s', -1)])", REFUSE("stages")),
    ("py", "surge.RampingUsers([('1s', 1.5)])", REFUSE("stages")),
    ("py", "surge.Iterations(0)", REFUSE("iterations")),
    ("py", "surge.Iterations('10')", REFUSE("iterations")),
    ("py", "surge.Connections(0)", REFUSE("connections")),
    ("py", "surge.constant(float('nan'))", REFUSE("think")),
    ("py", "surge.constant('-1s')", REFUSE("think")),
    ("py", "surge.constant(None)", REFUSE("think")),
    ("py", "surge.between('3s', '1s')", REFUSE("think")),
    ("py", "surge.exponential(0)", REFUSE("think")),
    ("py", "surge.constant_pacing(float('inf'))", REFUSE("think")),
    ("py", "redis.command(None, 'PING')", REFUSE("name")),
    ("py", "redis.command('c', None)", REFUSE("command")),
    ("py", "redis.command('c', '')", REFUSE("command")),
    ("py", "redis.command('c', 5)", REFUSE("command")),
    ("py", "redis.set('s', 5, 'v')", REFUSE("key")),
    ("py", "redis.get('g', None)", REFUSE("key")),
    ("py", "redis.set('s', 'k', 'v', ttl_s=-1)", REFUSE("ttl")),
    ("py", "redis.set('s', 'k', 'v', ttl_s=float('nan'))", REFUSE("ttl")),
    ("py", "KeySpace(0)", REFUSE("keys")),
    ("py", "KeySpace(10, pattern='zipf:x')", REFUSE("pattern")),
    ("py", "KeySpace(10, pattern='bogus')", REFUSE("pattern")),
    ("py", "KeySpace(10**30)", REFUSE("keys")),
    ("py", "postgres.query('q', 5)", REFUSE("sql")),
    ("py", "postgres.query('q', None)", REFUSE("sql")),
    ("py", "postgres.query('q', '')", REFUSE("sql")),
    ("py", "postgres.query('q', 'SELECT $1', params=5)", REFUSE("params")),
    ("py", "postgres.query('q', 'SELECT $1', params=[5])", REFUSE("params")),
    ("py", "postgres.query('q', 'SELECT 1', retries=-1)", REFUSE("retries")),
    ("py", "postgres.transaction('t', [])", REFUSE("statements")),
    ("py", "postgres.transaction('t', 'SELECT 1')", REFUSE("statements")),
    ("py", "surge.load(GOOD).histogram('request').value_at('99')", REFUSE("percentile")),
    ("py", "surge.load(GOOD).histogram('request').value_at(101)", REFUSE("percentile")),
    ("py", "surge.load(GOOD).histogram('request').value_at(float('nan'))", REFUSE("percentile")),
    ("py", "surge.load(GOOD).histogram('request').percentiles('x')", REFUSE("percentile")),
    ("py", "surge.load(GOOD).histogram('request').spectrum(0)", REFUSE("spectrum")),
    ("py", "surge.load(GOOD).histogram('request').spectrum(-1)", REFUSE("spectrum")),
    ("py", "surge.load(GOOD).histogram('request').spectrum('x')", REFUSE("spectrum")),
    ("py", "surge.load(GOOD).histogram('nope')", REFUSE("nope")),
    ("py", "surge.load(GOOD).histogram('request', kind=5)", REFUSE("kind")),
    ("py", "surge.load(GOOD).check(None)", REFUSE("SLO")),
    ("py", "surge.load(GOOD).check(5)", REFUSE("SLO")),
    ("py", "surge.load(GOOD).check('')", REFUSE("SLO")),
    ("py", "surge.load(GOOD).check('p101 < 1s')", REFUSE("p101")),
    ("py", "surge.load(GOOD).check('p95 < nanms')", REFUSE("p95")),
    ("py", "surge.load(GOOD).check('nosuch.p95 < 1s')", REFUSE("nosuch")),
    ("py", "surge.load(GOOD).check('p95 < 1s')", ACCEPT),
    ("py", "surge.load(None)", REFUSE("path")),
    ("py", "surge.load(5)", REFUSE("path")),
    (
        "py",
        "surge.results.compare.compare(surge.load(GOOD), 5, surge.results.compare.REPORT_ONLY)",
        REFUSE("new"),
    ),
]

# --- results files of the wrong shape, and corrupted histograms -------------------------------


def _blob(
    *,
    digits: int = 3,
    lowest: int = 1,
    highest: int = 3_600_000_000_000,
    counts: bytes = b"\x02",
    counts_size: int | None = None,
    trailer: bytes = b"",
) -> str:
    """An HdrHistogram V2 compressed blob built field by field, to break one field at a time."""
    size = len(counts) if counts_size is None else counts_size
    payload = (
        struct.pack(">IIII", 0x1C849303 | 0x10, size, 0, digits)
        + struct.pack(">qqd", lowest, highest, 1.0)
        + counts
        + trailer
    )
    compressed = zlib.compress(payload)
    return base64.b64encode(
        struct.pack(">II", 0x1C849304 | 0x10, len(compressed)) + compressed
    ).decode()


def _zigzag(value: int) -> bytes:
    v = (value << 1) ^ (value >> 63)
    v &= (1 << 64) - 1
    out = bytearray()
    for _ in range(8):
        if v < 0x80:
            out.append(v)
            return bytes(out)
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v & 0xFF)
    return bytes(out)


def _set(path: str, value: Any) -> Callable[[dict], dict]:
    """A mutation: the field at a dotted path (`*` is the first operation) set to value; a
    value of DELETE removes it."""

    def mutate(doc: dict) -> dict:
        keys = path.split(".")
        node: Any = doc
        for key in keys[:-1]:
            if key == "*":
                key = next(iter(node))
            node = node[int(key)] if isinstance(node, list) else node[key]
        last = keys[-1]
        if last == "*":
            last = next(iter(node))
        if value is DELETE:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
        return doc

    return mutate


DELETE = object()
_BLOB = "operations.*.histogram"

# name: raw text, or a mutation of a valid results document; with what the refusal says.
RESULTS_FILES: dict[str, tuple[str | Callable[[dict], dict], tuple[str, ...]]] = {
    "not_json": ("{", ("not JSON",)),
    "empty": ("", ("not JSON",)),
    "binary": ("\udcff\udcfe\x00garbage", ("not JSON", "utf-8")),
    "array": ("[]", ("results", "object")),
    "number": ("5", ("results", "object")),
    "null": ("null", ("results", "object")),
    "deep_array": ("[" * 100_000 + "]" * 100_000, ("nested",)),
    "deep_object": ('{"a":' * 100_000 + "1" + "}" * 100_000, ("nested",)),
    "schema_unknown": (_set("schema", "surge.result/99"), ("schema", "surge.result/99")),
    "schema_missing": (_set("schema", DELETE), ("schema",)),
    "total_missing": (_set("total", DELETE), ("total",)),
    "total_number": (_set("total", 5), ("total", "object")),
    "operations_list": (_set("operations", []), ("operations", "object")),
    "operations_empty": (_set("operations", {}), ("operations",)),
    "operation_number": (_set("operations.*", 5), ("operations.request", "object")),
    "latency_string": (_set("operations.*.latency", "x"), ("operations.request.latency",)),
    "count_string": (_set("operations.*.count", "ten"), ("operations.request.count",)),
    "count_negative": (_set("total.count", -5), ("total.count",)),
    "count_float": (_set("total.count", 1.5), ("total.count",)),
    "count_huge": (_set("total.count", 10**30), ("total.count",)),
    "count_nan": (_set("total.count", float("nan")), ("NaN", "not a JSON number")),
    "errors_string": (_set("total.errors", {"reset": "x"}), ("total.errors",)),
    "examples_number": (_set("total.error_examples", 5), ("total.error_examples",)),
    "duration_zero": (_set("duration_s", 0), ("duration_s",)),
    "duration_negative": (_set("duration_s", -1), ("duration_s",)),
    "duration_string": (_set("duration_s", "1s"), ("duration_s",)),
    "interval_zero": (_set("load.interval_s", 0), ("interval_s",)),
    "load_missing": (_set("load", DELETE), ("load",)),
    "scenario_number": (_set("scenario", 5), ("scenario",)),
    "scenario_name_number": (_set("scenario.name", 5), ("scenario.name",)),
    "timeseries_number": (_set("timeseries", 5), ("timeseries",)),
    "timeseries_row_number": (_set("timeseries.0", 5), ("timeseries[0]",)),
    "timeseries_row_no_t": (_set("timeseries.0.t_s", DELETE), ("timeseries[0]", "t_s")),
    "timeseries_total_null": (_set("timeseries_total", None), ("timeseries_total",)),
    "percentiles_string": (_set("total.latency.percentiles", "x"), ("total.latency.percentiles",)),
    "histogram_number": (_set(_BLOB, 5), ("operations.request.histogram",)),
    "histogram_bad_base64": (_set(_BLOB, "!!!not base64!!!"), ("histogram", "base64")),
    "histogram_truncated": (lambda d: _set(_BLOB, d["total"]["histogram"][:20])(d),
                            ("histogram",)),
    "histogram_bad_zlib": (_set(_BLOB, base64.b64encode(struct.pack(">II", 0x1C849314, 8)
                                                        + b"notzlib!").decode()),
                           ("histogram", "decompress")),
    "histogram_digits_0": (_set(_BLOB, _blob(digits=0)), ("histogram", "digits")),
    "histogram_digits_9": (_set(_BLOB, _blob(digits=9)), ("histogram", "digits")),
    "histogram_digits_255": (_set(_BLOB, _blob(digits=255)), ("histogram", "digits")),
    "histogram_lowest_above_highest": (_set(_BLOB, _blob(lowest=10**9, highest=10)),
                                       ("histogram",)),
    "histogram_index_overrun": (_set(_BLOB, _blob(lowest=1, highest=1000, digits=1,
                                                  counts=b"\x02" * 100_000)), ("histogram",)),
    "histogram_zero_run_overflow": (_set(_BLOB, _blob(counts=_zigzag(-(2**63)) + b"\x02")),
                                    ("histogram",)),
    "histogram_zero_run_past_range": (_set(_BLOB, _blob(counts=_zigzag(-(2**40)) + b"\x02")),
                                      ("histogram",)),
    "histogram_inflates_past_header": (_set(_BLOB, _blob(trailer=bytes(30_000_000))),
                                       ("histogram",)),
    "histogram_counts_past_range": (_set(_BLOB, _blob(lowest=1, highest=1000, digits=1,
                                                      counts=bytes(10_000_000))),
                                    ("histogram",)),
    "interval_histogram_bad": (_set("timeseries.0.histogram", "!!!"), ("timeseries[0].histogram",)),
    "error_histogram_bad": (_set("total.error_histogram", "AAAA"), ("total.error_histogram",)),
    "suite_empty": ('{"schema": "surge.suite/1", "name": "s", "results": []}', ("no phases",)),
    "suite_results_number": ('{"schema": "surge.suite/1", "name": "s", "results": 5}',
                             ("results",)),
    "suite_phase_number": ('{"schema": "surge.suite/1", "name": "s", "results": [5]}',
                           ("results[0]",)),
}  # fmt: skip

RESULTS = []
for _name, (_content, _words) in RESULTS_FILES.items():
    RESULTS += [
        ("cli", f"report <bad:{_name}> -o <tmp>/out.html", REFUSE(*_words)),
        ("cli", f"export <bad:{_name}> --csv <tmp>/out", REFUSE(*_words)),
        ("cli", f"compare <good> <bad:{_name}>", REFUSE(*_words)),
        ("py", f"surge.load_all(r'<bad:{_name}>')", REFUSE(*_words)),
    ]
RESULTS += [
    ("cli", "report <tmp>/no-such.json", REFUSE("no results file")),
    ("cli", "report <tmp>", REFUSE("<tmp>")),
    ("cli", "report <good> -o <good>", REFUSE("overwrite", "input")),
    ("cli", "report <bad:report_html_named>", REFUSE("overwrite", "input")),
    ("cli", "report <good> -o <tmp>/no/such/dir/r.html", ACCEPT),  # made, as --json does
    ("cli", "report <good> -o ''", REFUSE("-o")),
    ("cli", "report <good> --slo ''", REFUSE("--slo")),
    ("cli", "report <good> --slo 'p101 < 1s'", REFUSE("p101")),
    ("cli", "export <good>", REFUSE("--csv", "--hdr")),
    ("cli", "export <good> --csv ''", REFUSE("--csv")),
    ("cli", "export <good> --hdr <tmp>/h", ACCEPT),
    ("cli", "compare <good> <good>", ACCEPT),
    ("cli", "compare <good> <good> --fail-on ''", REFUSE("--fail-on")),
    ("cli", "compare <good> <good> --fail-on p101:+10%", REFUSE("p101")),
    ("cli", "compare <good> <good> --fail-on p95", REFUSE("--fail-on")),
    ("cli", "compare <good> <good> --fail-on p95:+x%", REFUSE("--fail-on")),
    ("cli", "compare <good> <good> --fail-on p95:+nan%", REFUSE("--fail-on")),
    ("cli", "compare <good> <good> --fail-on bogus:+10%", REFUSE("bogus")),
    ("cli", "compare <good> <good> --fail-on p95:+10%", ACCEPT),
    ("cli", "compare <good> <suite>", REFUSE("suite", "one run")),
    ("cli", "compare <suite> <suite>", ACCEPT),
    ("py", "surge.load(r'<suite>')", ACCEPT),
    ("py", "surge.load(r'<suite>')[0].total", ACCEPT),
    ("py", "surge.load_all(r'<suite>')", ACCEPT),
    ("py", "surge.load(GOOD)", ACCEPT),
]

# --- scenario modules ---------------------------------------------------------------------
MODULES: dict[str, str] = {
    "syntax_error": "import surge\nx = (\n",
    "null_byte": "import surge\nx = 1\x00\n",
    "raises": "import surge\n\n\ndef helper():\n    return 1 / 0\n\n\nhelper()\n",
    "imports_missing": "import surge\nimport no_such_module_here\n",
    "exits": "import sys\nsys.exit(3)\n",
    "no_scenarios": "x = 1\n",
    "empty": "",
    "bad_utf8": "x = '\udcff'\n",
    "builds_bad_scenario": (
        "import surge\nfrom surge import http\n\n\n@surge.scenario\ndef s(rate=10):\n"
        "    return surge.Scenario(name='s', base_url='<http>', operations=[http.get('h', "
        "'/api/v1/health')], load=surge.ConstantRate(rate), duration='0.3s')\n"
    ),
    "returns_number": "import surge\n\n\n@surge.scenario\ndef s(rate=10):\n    return 5\n",
    "empty_suite": "import surge\n\n\n@surge.scenario\ndef s(rate=10):\n    return []\n",
    "recursion": "def f():\n    return f()\n\n\nf()\n",
}

SCENARIO_MODULES = [
    ("cli", "run <mod:syntax_error>", REFUSE("syntax_error.py:2", "SyntaxError")),
    ("cli", "run <mod:null_byte>", REFUSE("null_byte.py", "null")),
    ("cli", "run <mod:raises>", REFUSE("raises.py:5", "ZeroDivisionError")),
    ("cli", "run <mod:imports_missing>", REFUSE("imports_missing.py:2", "no_such_module_here")),
    ("cli", "run <mod:exits>", REFUSE("exits.py:2", "exit")),
    ("cli", "run <mod:no_scenarios>", REFUSE("no_scenarios.py", "no scenario")),
    ("cli", "run <mod:empty>", REFUSE("empty.py", "no scenario")),
    ("cli", "run <mod:bad_utf8>", REFUSE("bad_utf8.py")),
    ("cli", "run <mod:recursion>", REFUSE("recursion.py", "RecursionError")),
    ("cli", "run <mod:returns_number>", REFUSE("'s'", "surge.Scenario")),
    ("cli", "run <mod:empty_suite>", REFUSE("no scenarios")),
    ("cli", "run <mod:builds_bad_scenario> --set rate=abc", REFUSE("rate")),
    ("cli", "run <mod:builds_bad_scenario> --set rate=nan", REFUSE("rate")),
    ("cli", "run <mod:builds_bad_scenario> --set nosuch=1", REFUSE("nosuch")),
    ("cli", "run <mod:builds_bad_scenario> -s nosuch", REFUSE("nosuch")),
    ("cli", "run <mod:builds_bad_scenario> --set =1", REFUSE("--set")),
    ("cli", "run <mod:builds_bad_scenario> -q", ACCEPT),
    ("cli", "run <tmp>", REFUSE("<tmp>")),
    ("cli", "run <tmp>/missing.py", REFUSE("no scenario file")),
    ("cli", "run <good>", REFUSE(".py")),
]

# --- silent acceptance of nonsense ------------------------------------------------------------
NONSENSE = [
    (
        "cli",
        ["http", "<http>/api/v1/health", "-n", "1", "-q", "-H", "X-A: b\r\nX-Injected: 1"],
        REFUSE("header", "line break"),
    ),
    (
        "cli",
        ["http", "<http>/api/v1/health", "-n", "1", "-q", "-H", "X-A: b\nX-B: 1"],
        REFUSE("header", "line break"),
    ),
    ("cli", ["http", "<http>/api/v1/health", "-n", "1", "-q", "-H", "X A: b"], REFUSE("header")),
    ("cli", ["http", "<http>/api/v1/he alth", "-n", "1", "-q"], REFUSE("space", "%20")),
    ("cli", ["http", "<http>/api/v1/health\r\nX: 1", "-n", "1", "-q"], REFUSE("URL")),
    ("cli", ["http", "<http>/api/v1/health", "-m", "GE T", "-n", "1", "-q"], REFUSE("method")),
    ("cli", ["http", "<http>/api/v1/health", "-m", "", "-n", "1", "-q"], REFUSE("method")),
    ("cli", "http http://127.0.0.1:<closed>/ -n 5 -q", REFUSE("127.0.0.1:<closed>", "refused")),
    ("cli", "http http://127.0.0.1:0/ -n 5 -q", REFUSE("port")),
    ("cli", "http http://no.such.host.invalid/ -n 5 -q", REFUSE("no.such.host.invalid")),
    ("cli", "redis redis://127.0.0.1:<closed>/0 -n 5 -q", REFUSE("127.0.0.1:<closed>", "refused")),
    ("cli", "redis redis://127.0.0.1:0/0 -n 5 -q", REFUSE("port")),
    ("cli", "redis <redis_db99> -n 5 -q", REFUSE("SELECT", "99")),
    ("cli", "redis <redis_pw_wrong> -n 5 -q", REFUSE("AUTH")),
    ("cli", "redis <redis_pw_none> -n 5 -q", REFUSE("AUTH")),
    ("cli", "redis unix://<tmp>/no-such.sock -n 5 -q", REFUSE("no-such.sock")),
    ("cli", "redis redis://<http_hostport>/0 -n 5 -q", REFUSE("Redis")),
    (
        "cli",
        "pg postgresql://surge@127.0.0.1:<closed>/postgres --sql 'SELECT 1' -n 5 -q",
        REFUSE("<closed>"),
    ),
    ("cli", "pg <pg_wrong_db> --sql 'SELECT 1' -n 5 -q", REFUSE("nosuchdb")),
    (
        "cli",
        "pg postgresql://surge@<http_hostport>/postgres --sql 'SELECT 1' -n 5 -q",
        REFUSE("PostgreSQL"),
    ),
    ("cli", "http <http>/api/v1/health -R 1e-9 -d 1s -q", REFUSE("rate")),
    ("cli", "http <http>/api/v1/health -R 0.5 -d 1s -q", REFUSE("rate", "duration")),
    ("cli", "http <http>/api/v1/health -R 2 -d 1s -q", ACCEPT),
    ("cli", "http <http>/api/v1/health -R nan -d 1s -q", REFUSE("-R")),
    ("cli", "http <http>/api/v1/health -R inf -d 1s -q", REFUSE("-R")),
    ("cli", f"{REDIS_1} --ratio nan:1", REFUSE("--ratio")),
    ("cli", f"{REDIS_1} --ratio 0:0", REFUSE("--ratio")),
    ("cli", f"{REDIS_1} --ratio -1:1", REFUSE("--ratio")),
    ("cli", f"{REDIS_1} --ratio 1:inf", REFUSE("--ratio")),
    ("cli", f"{REDIS_1} --ratio 1:2:3", REFUSE("--ratio")),
    ("cli", f"{REDIS_1} --ratio 1:10", ACCEPT),
    ("cli", f"{REDIS_1} --ttl -5", REFUSE("--ttl")),
    ("cli", f"{REDIS_1} --data-size 0", REFUSE("--data-size")),
    ("cli", f"{REDIS_1} --data-size 10-5", REFUSE("--data-size")),
    ("cli", f"{REDIS_1} --key-pattern bogus", REFUSE("key pattern", "zipf")),
    ("cli", f"{REDIS_1} --command ''", REFUSE("--command")),
    ("cli", f"{PG_1} --sql ''", REFUSE("--sql")),
    ("cli", "pg <pg> --param 'uniform(1,2)' -n 1 -q", REFUSE("--param", "--sql")),
    ("cli", f"{PG_1} --weight nan", REFUSE("--weight")),
    ("cli", "serve --latency fixed:nan", REFUSE("--latency")),
    ("cli", "serve --latency fixed:1e400", REFUSE("--latency")),
    ("cli", "serve --latency fixed:-5", REFUSE("--latency")),
    ("cli", "serve --latency uniform:5-1", REFUSE("--latency")),
    ("cli", "serve --latency lognormal:5,-1", REFUSE("--latency")),
    ("cli", "serve --latency lognormal:nan,1", REFUSE("--latency")),
    ("cli", "serve --stall 200ms/0s", REFUSE("--stall")),
    ("cli", "serve --stall 200ms", REFUSE("--stall")),
    ("cli", "serve --stall soon/5s", REFUSE("--stall")),
    ("cli", "serve --stall 6s/5s", REFUSE("--stall")),
    ("cli", "serve --error-ratio nan", REFUSE("--error-ratio")),
    ("cli", "serve --drop-ratio 2", REFUSE("--drop-ratio")),
    ("cli", f"{HTTP_1} --json ''", REFUSE("--json")),
    ("cli", f"{HTTP_1} --html ''", REFUSE("--html")),
    ("cli", f"{HTTP_1} --json <tmp>", REFUSE("<tmp>")),
    ("cli", f"{HTTP_1} --json <tmp>/no/such/dir/r.json", ACCEPT),  # the directories are made
    ("cli", f"{HTTP_1} --think 1s", ACCEPT),  # think time runs the closed model
    ("cli", "http <http>/api/v1/health -u 1 --think nan -n 1 -q", REFUSE("--think")),
    ("cli", "http <http>/api/v1/health -u 1 --think 3s-1s -n 1 -q", REFUSE("--think")),
    ("cli", "http <http>/api/v1/health -u 1 --think throughput:0 -n 1 -q", REFUSE("--think")),
    ("cli", f"{HTTP_1} --stages 1s:nan", REFUSE("--stages")),
    ("cli", f"{HTTP_1} --stages 1s:-5", REFUSE("--stages")),
    ("cli", f"{HTTP_1} --stages 0s:10", REFUSE("--stages")),
    ("cli", f"{HTTP_1} --user-stages 1s:1.5", REFUSE("--user-stages")),
    ("cli", f"{HTTP_1} --user-stages 1s:-1", REFUSE("--user-stages")),
    ("cli", f"{HTTP_1} -d 0", REFUSE("--duration")),
    ("cli", f"{HTTP_1} -d -1s", REFUSE("--duration")),
    ("cli", f"{HTTP_1} --timeout 0s", REFUSE("timeout")),
    ("cli", "http <http>/api/v1/health -R 10 --max-backlog -5 -d 1s -q", REFUSE("--max-backlog")),
    ("cli", f"{HTTP_1} --var =uniform(1,2)", REFUSE("--var")),
    ("cli", f"{HTTP_1} --var x=", REFUSE("x")),
    ("cli", f"{HTTP_1} --var 'x y=seq'", REFUSE("x y")),
    ("cli", "http <http>/api/v1/health -n 1 -q --expect-status 99", REFUSE("expect-status")),
    ("cli", "http <http>/api/v1/health -n 1 -q --expect-status 1000", REFUSE("expect-status")),
    ("cli", "http <http>/api/v1/health -n 1 -q --max-body-bytes 0", REFUSE("--max-body-bytes")),
    ("cli", "http ftp://127.0.0.1/ -n 1 -q", REFUSE("http://")),
    ("cli", "http http:///path -n 1 -q", REFUSE("HOST")),
    ("cli", "http 'http://[::1' -n 1 -q", REFUSE("URL")),
    ("cli", "http http://user:pw@127.0.0.1:<closed>/ -n 1 -q", REFUSE("refused")),
    ("cli", "redis http://127.0.0.1:<closed>/ -n 1 -q", REFUSE("redis://")),
    ("cli", "redis redis://127.0.0.1:<closed>/abc -n 1 -q", REFUSE("database")),
    ("cli", "pg redis://127.0.0.1:<closed>/0 --sql 'SELECT 1' -n 1 -q", REFUSE("postgresql://")),
    (
        "cli",
        "pg 'postgresql://u@127.0.0.1:<closed>/db?sslmode=bogus' --sql 'SELECT 1' -n 1 -q",
        REFUSE("sslmode"),
    ),
    ("cli", "pg 'host=127.0.0.1 port=<closed> bogus=1' --sql 'SELECT 1' -n 1 -q", REFUSE("bogus")),
    ("cli", "pg '' --sql 'SELECT 1' -n 1 -q", REFUSE("DSN")),
    ("cli", f"{HTTP_1} --prometheus-port 0", REFUSE("--prometheus-port")),
    ("cli", "demo -d 0", REFUSE("--duration")),
    ("cli", "demo -R 1e12", REFUSE("rate")),
    ("cli", "demo --results-dir ''", REFUSE("--results-dir")),
    ("cli", "demo --results-dir <good>", REFUSE("--results-dir")),
    ("cli", "http http://127.0.0.1:<closed> -d soon", REFUSE("--duration", "expected a duration")),
    ("cli", "http http://127.0.0.1:<closed> -c 0", REFUSE("-c", "from 1")),
    ("cli", "http http://127.0.0.1:<closed> -R fast", REFUSE("-R", "expected a number")),
    ("cli", "http http://127.0.0.1:<closed> -R 0", REFUSE("-R", "> 0")),
    ("cli", "http http://127.0.0.1:<closed> -H NoColon", REFUSE("-H", "'Name: value'")),
    ("cli", "http localhost:8080 -n 1", REFUSE("expected http://HOST")),
    ("cli", "http 'http://127.0.0.1:<closed>/{who}' -n 1", REFUSE("unknown template variable")),
    (
        "cli",
        "http http://127.0.0.1:<closed> --var 'x=normal(1)' -n 1",
        REFUSE("'x'", "unknown generator"),
    ),
    ("cli", "serve --latency slow", REFUSE("--latency", "expected")),
    ("cli", "http http://127.0.0.1:<closed> --stages 100,1m:200", REFUSE("--stages", "expected")),
    ("cli", "http http://127.0.0.1:<closed> --stages 30s:100 -d 5s", REFUSE("leave duration")),
    ("cli", "http http://127.0.0.1:<closed> --think=-1s", REFUSE("--think")),
    ("cli", "http http://127.0.0.1:<closed> -R 10 -u 5", REFUSE("-R", "-u", "cannot be combined")),
    ("cli", "http http://127.0.0.1:<closed> -u 60 --max-connections 50", REFUSE("max_connections")),
    ("cli", "http http://127.0.0.1:<closed> -R 9 -c 8 --max-connections 4", REFUSE(">= c")),
    ("cli", "http http://127.0.0.1:<closed> --poisson", REFUSE("--poisson needs")),
    ("cli", f"{HTTP_1} --slo 'p101 < 1s'", REFUSE("--slo", "percentile")),
    ("cli", f"{HTTP_1} --slo ''", REFUSE("--slo")),
    ("cli", f"{HTTP_1} --slo 'p99 < 1'", REFUSE("--slo", "unit")),
    ("cli", f"{HTTP_1} --slo 'nosuch.p99 < 1s'", REFUSE("nosuch", "request")),
    ("cli", f"{HTTP_1} --abort-on 'error_rate < 200%'", REFUSE("--abort-on", "0%")),
    ("cli", f"{REDIS_1} --abort-on 'request.p99 < 1s'", REFUSE("request", "set", "get")),
    ("cli", "frobnicate", REFUSE("invalid choice")),
    ("cli", "", REFUSE("command")),
]

# --- target monitoring, capacity and the leak knob (issue 16) ------------------------------
MONITORING = [
    ("cli", f"{HTTP_1} --monitor-pid no-such-process-xyz", REFUSE("--monitor-pid", "no running")),
    ("cli", f"{HTTP_1} --monitor-pid 99999999", REFUSE("no process 99999999")),
    ("cli", f"{HTTP_1} --monitor-pid ''", REFUSE("--monitor-pid", "PID or a process name")),
    ("cli", f"{HTTP_1} --monitor-redis http://x", REFUSE("--monitor-redis", "redis")),
    (
        "cli",
        f"{HTTP_1} --monitor-redis redis://127.0.0.1:<closed>",
        REFUSE("monitor redis", "refused"),
    ),
    ("cli", f"{HTTP_1} --monitor-redis <redis_pw_wrong>", REFUSE("monitor redis", "AUTH")),
    ("cli", f"{HTTP_1} --monitor-postgres mysql://x", REFUSE("--monitor-postgres", "postgres")),
    (
        "cli",
        f"{HTTP_1} --monitor-postgres postgresql://surge@127.0.0.1:<closed>/postgres",
        REFUSE("monitor postgres", "<closed>"),
    ),
    ("cli", f"{HTTP_1} --monitor-prometheus <http>/metrics", REFUSE("--metric")),
    ("cli", f"{HTTP_1} --metric up", REFUSE("--metric", "--monitor-prometheus")),
    (
        "cli",
        f"{HTTP_1} --monitor-prometheus ftp://x --metric up",
        REFUSE("--monitor-prometheus", "http://"),
    ),
    (
        "cli",
        f"{HTTP_1} --monitor-prometheus <http>/metrics --metric 'a b'",
        REFUSE("selector"),
    ),
    (
        "cli",
        f"{HTTP_1} --monitor-prometheus http://127.0.0.1:<closed>/metrics --metric up",
        REFUSE("monitor prometheus", "cannot scrape"),
    ),
    ("cli", f"{HTTP_1} --slo 'target.cpu < 80%'", REFUSE("monitors no target", "--monitor-pid")),
    ("cli", f"{HTTP_1} --slo 'redis.evictions == 0'", REFUSE("--monitor-redis")),
    ("cli", f"{HTTP_1} --slo 'target.cpu < 5MB'", REFUSE("--slo", "not a size")),
    ("cli", f"{HTTP_1} --slo 'target.rss < 1MB/min'", REFUSE("--slo", "slope")),
    ("cli", f"{HTTP_1} --slo 'target.rss < 50%'", REFUSE("--slo", "percentage")),
    ("cli", f"{HTTP_1} --slo 'target.cpu[1s] < 50%'", REFUSE("--slo", "window")),
    ("cli", f"{HTTP_1} --abort-on 'target.cpu < 50%'", REFUSE("--abort-on", "after the run")),
    ("cli", f"{HTTP_1} --interval 0", REFUSE("--interval")),
    ("cli", f"{HTTP_1} --interval banana", REFUSE("--interval")),
    ("cli", "serve --leak banana", REFUSE("--leak", "size")),
    ("cli", "serve --leak 2GiB", REFUSE("--leak", "1MiB")),
    ("cli", "serve --leak -5", REFUSE("--leak")),
    ("py", "surge.monitor.process(None)", REFUSE("PID or a process name")),
    ("py", "surge.monitor.process(True)", REFUSE("PID or a process name")),
    ("py", "surge.monitor.redis(5)", REFUSE("monitor redis", "redis://")),
    ("py", "surge.monitor.postgres(None)", REFUSE("monitor postgres")),
    ("py", "surge.monitor.prometheus('http://x', 'up')", REFUSE("--metric")),
    ("py", "surge.monitor.prometheus('http://x', [5])", REFUSE("selector")),
    ("py", _S.format(_H)[:-1] + ", monitors='target')", REFUSE("monitors")),
    ("py", _S.format(_H)[:-1] + ", monitors=[5])", REFUSE("monitors", "not a monitor")),
    ("py", "surge.Target().set_leak('banana')", REFUSE("leak", "size")),
    ("py", "surge.Target().set_leak(-1)", REFUSE("leak", "negative")),
    (
        "cli",
        "capacity <http>/api/v1/health --slo 'target.cpu < 80%' --max 200",
        REFUSE("monitors no target"),
    ),
]

# --- TLS (issue 13) ---------------------------------------------------------------------------
TLS = [
    (
        "cli",
        "http https://127.0.0.1:<closed>/ --ca <tmp>/missing.pem -n 1 -q",
        REFUSE("--ca", "no such file"),
    ),
    ("cli", "http https://127.0.0.1:<closed>/ --ca <tmp> -n 1 -q", REFUSE("--ca", "no such file")),
    ("cli", "http https://127.0.0.1:<closed>/ --key <tmp>/k.pem -n 1 -q", REFUSE("--key")),
    ("cli", "http https://127.0.0.1:<closed>/ --cert <tmp>/c.pem -n 1 -q", REFUSE("--cert")),
    ("cli", f"{HTTP_1} --insecure", REFUSE("https:// and rediss:// URLs")),
    ("cli", f"{HTTP_1} --no-tls-resume", REFUSE("https:// and rediss:// URLs")),
    ("cli", "http https://127.0.0.1:<closed>/ -n 1 -q", REFUSE("<closed>", "refused")),
    ("cli", "http https://127.0.0.1:0/ -n 1 -q", REFUSE("port")),
    ("py", "surge.Tls(verify='no')", REFUSE("tls verify", "True or False")),
    ("py", "surge.Tls(resume=None)", REFUSE("tls resume")),
    ("py", "surge.Tls(ca=5)", REFUSE("tls ca", "file path")),
    ("py", "surge.Tls(ca='/nonexistent/ca.pem')", REFUSE("tls ca", "no such file")),
    ("py", "surge.Tls(cert='/etc/hostname')", REFUSE("cert and key")),
    ("py", _S.format(_H)[:-1] + ", tls=surge.Tls())", REFUSE("tls", "https://")),
    ("py", _S.format(_H)[:-1] + ", tls='insecure')", REFUSE("tls", "surge.Tls")),
]

# --- HTTP/2 (issue 13) ------------------------------------------------------------------------
HTTP2 = [
    ("cli", f"{HTTP_1} --http 3", REFUSE("--http", "invalid choice")),
    ("cli", f"{HTTP_1} --http h2", REFUSE("--http", "invalid choice")),
    ("cli", f"{HTTP_1} --max-streams 0", REFUSE("--max-streams")),
    ("cli", f"{HTTP_1} --max-streams banana", REFUSE("--max-streams")),
    ("cli", f"{HTTP_1} --max-streams 99999999999", REFUSE("--max-streams")),
    ("cli", f"{HTTP_1} --http 1.1 --max-streams 8", REFUSE("max_streams", "HTTP/1.1")),
    ("cli", f"{HTTP_1} --http 2 --no-keepalive", REFUSE("--no-keepalive", "HTTP/1.1's")),
    ("py", _S.format(_H)[:-1] + ", http_version=2)", REFUSE("http_version", "'1.1' or '2'")),
    ("py", _S.format(_H)[:-1] + ", http_version='h2')", REFUSE("http_version")),
    ("py", _S.format(_H)[:-1] + ", max_streams=0)", REFUSE("max_streams")),
    ("py", _S.format(_H)[:-1] + ", max_streams='8')", REFUSE("max_streams")),
    ("py", _S.format(_H)[:-1] + ", max_streams=True)", REFUSE("max_streams")),
]

# --- distributed runs (issue 15) ----------------------------------------------------------------
_D = "run <mod:builds_bad_scenario> -q"
_PY_D = _S.format(_H)
DISTRIBUTED = [
    ("cli", f"{_D} --workers 2", REFUSE("--workers", "--dask")),
    ("cli", f"{_D} --local-workers 0", REFUSE("--local-workers")),
    ("cli", f"{_D} --local-workers banana", REFUSE("--local-workers")),
    ("cli", f"{_D} --local-workers 100000", REFUSE("--local-workers")),
    ("cli", f"{_D} --dask tcp://x --local-workers 2", REFUSE("--local-workers", "--dask")),
    ("cli", f"{_D} --dask tcp://127.0.0.1:<closed>", REFUSE("cannot reach the Dask scheduler")),
    ("cli", f"{_D} --dask not-an-address", REFUSE("not-an-address", "Dask scheduler")),
    ("py", f"surge.run({_PY_D}, cluster=[1])", REFUSE("cluster", "scheduler address")),
    ("py", f"surge.run({_PY_D}, cluster=0)", REFUSE("cluster", "1 to 256")),
    ("py", f"surge.run({_PY_D}, cluster=True)", REFUSE("cluster", "distributed.Client")),
    ("py", f"surge.run({_PY_D}, cluster=2, on_worker_lost='maybe')", REFUSE("on_worker_lost")),
    (
        "py",
        f"surge.run({_PY_D[:-1]}, monitors=[surge.monitor.process(1)]), cluster=2)",
        REFUSE("monitors", "distributed"),
    ),
]


# --- journeys (issue 14) -----------------------------------------------------------------------
def _run_with(operation: str, extra: str = "") -> str:
    """Python that runs a scenario of one operation against the target."""
    scenario = _S.format(operation)
    return f"surge.run({scenario[:-1]}{extra}))"


def _step(args: str) -> tuple[str, str]:
    return ("py", _run_with(f"http.journey('j', [http.get('s', '/api/v1/health'{args})])"))


def _feeder(name: str, text: str, mode: str = "") -> str:
    return f"open(TMP + '/{name}', 'w').write({text!r}); http.feeder(TMP + '/{name}'{mode})"


JOURNEYS = [
    (*_step(", capture={'id': 'json'}"), REFUSE("unknown source", "$.json.path")),
    (*_step(", capture={'id': '$.'}"), REFUSE("bad JSON path")),
    (*_step(", capture={'id': '$[x]'}"), REFUSE("bad JSON path")),
    (*_step(", capture={'id': 'regex:('}"), REFUSE("bad regex")),
    (*_step(", capture={'': '$.id'}"), REFUSE("capture")),
    (*_step(", capture={'id': 5}"), REFUSE("capture")),
    (*_step(", capture=['id']"), REFUSE("capture")),
    (*_step(", check={'$.id': 5}"), REFUSE("a check is a string")),
    (*_step(", check={'$.id': {'matches': '['}}"), REFUSE("bad pattern")),
    (*_step(", check={'$.id': {'exists': False}}"), REFUSE("a check is a string")),
    (*_step(", check=['$.id']"), REFUSE("check must be a dict")),
    (*_step(", think='-1s'"), REFUSE("think")),
    (*_step(", think=('2s', '1s')"), REFUSE("think")),
    (*_step(", think=('1s',)"), REFUSE("think")),
    (*_step(", on_failure='retry'"), REFUSE("on_failure")),
    (*_step(", on_failure=None"), REFUSE("on_failure")),
    ("py", _run_with("http.journey('j', [])"), REFUSE("at least one step")),
    ("py", _run_with("http.journey('j', 'abc')"), REFUSE("steps", "list")),
    ("py", _run_with("http.journey('a/b', [http.get('s', '/')])"), REFUSE("'/'")),
    ("py", _run_with("http.journey('j', [http.get('s', '/{id}')])"), REFUSE("{id}", "captures")),
    ("py", _run_with("http.get('s', '/{id}')"), REFUSE("{id}", "journey")),
    ("py", _run_with("http.get('s', '/', capture={'id': '$.id'})"), REFUSE("capture=", "journey")),
    ("py", _run_with("http.journey('j', [http.get('s', '/')], weight=0)"), REFUSE("weight")),
    ("py", _run_with("http.journey('j', [http.get('s', '/')], cookies='yes')"), REFUSE("cookies")),
    (
        "py",
        _run_with("http.journey('j', [http.get('s', '/')], feeder='f.csv')"),
        REFUSE("feeder", "surge.http.feeder"),
    ),
    (
        "py",
        _run_with("http.journey('j', [http.get('s', '/')], variables={'k': 'nope(1)'})"),
        REFUSE("variables", "'k'"),
    ),
    (
        "py",
        _run_with("http.journey('j', [http.get('s', '/')])", ", http_version='2'"),
        REFUSE("journeys", "HTTP/1.1"),
    ),
    ("py", "http.feeder(TMP + '/none.csv')", REFUSE("cannot read it")),
    ("py", "http.feeder(TMP)", REFUSE("cannot read it")),
    ("py", _feeder("e.csv", ""), REFUSE("empty")),
    ("py", _feeder("h.csv", "a\n"), REFUSE("no rows")),
    ("py", _feeder("r.csv", "a,b\n1\n"), REFUSE("line 2", "fields")),
    ("py", _feeder("c.csv", "a b\n1\n"), REFUSE("column", "identifier")),
    ("py", _feeder("d.csv", "a,a\n1,2\n"), REFUSE("column names", "must differ")),
    ("py", _feeder("m.csv", "a\n1\n", ", mode='once'"), REFUSE("mode")),
    ("py", _feeder("j.jsonl", '{"a": 1}\n[1]\n'), REFUSE("line 2", "JSON object")),
    ("py", _feeder("k.jsonl", '{"a": 1}\n{"b": 1}\n'), REFUSE("line 2", "keys")),
    ("py", _feeder("n.jsonl", "nope\n"), REFUSE("line 1", "one JSON object per line")),
    (
        "py",
        "open(TMP + '/b.csv', 'wb').write(b'a\\n\\xff\\n'); http.feeder(TMP + '/b.csv')",
        REFUSE("UTF-8"),
    ),
    ("py", _feeder("z.csv", "a\n\x00\n"), ACCEPT),  # a NUL is a value (a path refuses it)
    ("py", _feeder("q.jsonl", '{"a": ' + "[" * 20_000 + "]" * 20_000 + "}\n"), REFUSE("nested")),
    ("cli", "run <tmp>/none.yaml -q", REFUSE("no scenario file")),
]

_CLOSED_S = _S.format(_H).replace("operations=", "load=surge.Users(2), operations=")
_OPEN_S = _S.format(_H).replace("operations=", "load=surge.ConstantRate(10), operations=")

WEB = [
    ("cli", f"{HTTP_1} --web abc", REFUSE("--web", "[HOST:]PORT")),
    ("cli", f"{HTTP_1} --web 70000", REFUSE("--web", "[HOST:]PORT")),
    ("cli", f"{HTTP_1} --web 127.0.0.1:", REFUSE("--web", "[HOST:]PORT")),
    ("cli", f"{HTTP_1} --web 18089 --web-token ''", REFUSE("--web-token", "non-empty")),
    ("cli", "ui --port 0", REFUSE("--port")),
    ("cli", "ui <tmp>/nothing.py", REFUSE("no scenario file")),
    ("cli", "ui --web-token ' '", REFUSE("--web-token", "non-empty")),
    ("py", f"surge.run({_S.format(_H)}, web='abc')", REFUSE("web", "[HOST:]PORT")),
    ("py", f"surge.start({_CLOSED_S}, max_users=1)", REFUSE("max_users")),
    ("py", f"surge.start({_CLOSED_S}, slos=['p99 <'])", REFUSE("SLO", "p99 <")),
    ("py", f"surge.start({_CLOSED_S}).set_rate(100)", REFUSE("set_rate", "set_users")),
    ("py", f"surge.start({_CLOSED_S}).set_users(0)", REFUSE("users")),
    ("py", f"surge.start({_CLOSED_S}).set_users(5, spawn_rate=-1)", REFUSE("spawn_rate")),
    ("py", f"surge.start({_OPEN_S}).set_rate(float('nan'))", REFUSE("rate")),
    ("py", f"surge.start({_OPEN_S}).set_users(5)", REFUSE("set_users", "set_rate")),
]


def _script_file(name: str, text: str) -> str:
    """Python that writes a pgbench script into TMP and runs it as `surge pg -f` would."""
    return f"open(TMP + '/{name}', 'w').write({text!r}); postgres.script(TMP + '/{name}')"


PGBENCH_SCRIPTS = [
    ("cli", "pg <pg> -f <tmp>/none.sql -n 1 -q", REFUSE("-f", "none.sql", "cannot read it")),
    ("cli", "pg <pg> -f <tmp> -n 1 -q", REFUSE("-f", "cannot read it")),
    ("cli", "pg <pg> -b tpcb -n 1 -q", REFUSE("-b", "tpcb-like")),
    ("cli", "pg <pg> -b select-only@-1 -n 1 -q", REFUSE("-b", "weight")),
    ("cli", "pg <pg> -b select-only@x -n 1 -q", REFUSE("weight after @")),
    ("cli", "pg <pg> -f <tmp>/x.sql --sql 'SELECT 1' -n 1 -q", REFUSE("not a mix")),
    ("py", _script_file("a.sql", "\\sleep 10 ms\nSELECT 1;\n"), REFUSE("a.sql:1", "\\sleep")),
    ("py", _script_file("b.sql", "\\gset\n"), REFUSE("b.sql:1", "\\gset")),
    ("py", _script_file("c.sql", "\\if 1\nSELECT 1;\n"), REFUSE("c.sql:1", "\\endif")),
    (
        "py",
        _script_file("d.sql", "\\set n random(1, 9)\n\\set x random_zipfian(1, :n, 1.5)\n"),
        REFUSE("d.sql:2", "bounds that change"),
    ),
    ("py", _script_file("e.sql", "\\set x random(10, 1)\n"), REFUSE("e.sql:1", "lower bound")),
    ("py", _script_file("f.sql", "\\set x random(1)\n"), REFUSE("f.sql:1", "2 arguments")),
    ("py", _script_file("g.sql", "\\set x 1 +\n"), REFUSE("g.sql:1", "ends too early")),
    ("py", _script_file("h.sql", "\\set x nope(1)\n"), REFUSE("h.sql:1", "unknown function")),
    ("py", _script_file("i.sql", "\\set x 1 $ 2\n"), REFUSE("i.sql:1", "cannot read")),
    (
        "py",
        _script_file("j.sql", "\\set x random(1, 99999999999999999999)\n"),
        REFUSE("j.sql:1", "int64"),
    ),
    ("py", _script_file("k.sql", "SELECT :y;\n"), REFUSE("k.sql:1", ":y")),
    ("py", _script_file("l.sql", "SELECT 1;\nEND;\n"), REFUSE("l.sql:2", "BEGIN")),
    ("py", _script_file("m.sql", "\\set scale 5\n"), REFUSE("m.sql:1", ":scale")),
    ("py", _script_file("n.sql", ""), REFUSE("n.sql", "no SQL statement")),
    ("py", "postgres.script()", REFUSE("path or builtin")),
    ("py", "postgres.script(builtin='select-only', scale=0)", REFUSE("scale")),
    ("py", "postgres.script(builtin='select-only', weight=-1)", REFUSE("weight")),
]

REDIS_CLUSTER = [
    ("cli", "redis <redis> --cluster -n 1 -q", REFUSE("--cluster", "not a cluster node")),
    (
        "cli",
        "redis redis://127.0.0.1:<closed> --cluster -n 1 -q",
        REFUSE("cannot reach", "Redis server"),
    ),
    ("cli", "redis <redis> --read-from replica -n 1 -q", REFUSE("read_from", "--cluster")),
    ("cli", "redis <redis> --cluster --read-from nearest -n 1 -q", REFUSE("--read-from")),
    ("cli", "http <http> --cluster -n 1 -q", REFUSE("--cluster")),
    ("cli", "redis redis://127.0.0.1:1/3 --cluster -n 1 -q", REFUSE("database 0")),
    ("cli", "redis unix:///tmp/none.sock --cluster -n 1 -q", REFUSE("--cluster", "TCP")),
    ("cli", "redis rediss://127.0.0.1:1 --cluster -n 1 -q", REFUSE("--cluster", "rediss://")),
    (
        "py",
        "surge.Scenario(name='c', base_url=REDIS, operations=[redis.get('g', 'k')], cluster='yes')",
        REFUSE("cluster", "true or false"),
    ),
    (
        "py",
        "surge.Scenario(name='c', base_url=HTTP, operations=[http.get('g', '/')], cluster=True)",
        REFUSE("cluster", "redis://"),
    ),
    (
        "py",
        "surge.Scenario(name='c', base_url=REDIS, operations=[redis.get('g', 'k')], "
        "cluster=True, read_from=1)",
        REFUSE("read_from", "'primary', 'replica' or 'any'"),
    ),
    (
        "py",
        "surge.run(surge.Scenario(name='c', base_url=REDIS, operations=[redis.get('g', 'k')], "
        "cluster=True, requests=1))",
        REFUSE("not a cluster node", "drop --cluster"),
    ),
    (
        "py",
        "surge.run(surge.Scenario(name='c', base_url=REDIS, operations=[redis.get('g', 'k')], "
        "requests=1), cluster=True)",
        REFUSE("Dask cluster", "Scenario cluster=True"),
    ),
]

MATRIX = {
    "crash and hang": CRASH_AND_HANG,
    "numbers too big": HUGE,
    "non-ASCII digits": NON_ASCII,
    "Python API types": PY_TYPES,
    "results files": RESULTS,
    "scenario modules": SCENARIO_MODULES,
    "nonsense": NONSENSE,
    "monitoring": MONITORING,
    "TLS": TLS,
    "HTTP/2": HTTP2,
    "distributed": DISTRIBUTED,
    "journeys": JOURNEYS,
    "web UI": WEB,
    "pgbench scripts": PGBENCH_SCRIPTS,
    "Redis Cluster": REDIS_CLUSTER,
}


def all_cases() -> list[tuple[str, str, str | list[str], tuple[str, tuple[str, ...]]]]:
    return [(family, *case) for family, cases in MATRIX.items() for case in cases]


def results_file_text(name: str, good: dict) -> str:
    content = RESULTS_FILES[name][0] if name in RESULTS_FILES else None
    if name == "report_html_named":
        return json.dumps(good)
    if isinstance(content, str):
        return content
    assert content is not None, name
    return json.dumps(content(json.loads(json.dumps(good))))
