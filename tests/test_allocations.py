"""Steady state allocates nothing per request: a run of 42,000 requests makes no more heap
allocations than a run of 2,000 (within a handful), for HTTP and Redis, closed and open model,
with and without pipelining.

malloc/calloc/realloc are counted by a tiny library preloaded into a child process (built
here with gcc); everything the process does is counted, Python included, so the check is the
difference between two runs that differ only in their request count."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from surge.services import RedisServer

COUNTER = r"""
#include <stdatomic.h>
#include <stddef.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static atomic_long count;
#define COUNT() atomic_fetch_add_explicit(&count, 1, memory_order_relaxed)
void *malloc(size_t n) { COUNT(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { COUNT(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { COUNT(); return __libc_realloc(p, n); }
long surge_malloc_count(void) { return atomic_load(&count); }
"""

PROBE = r"""
import ctypes, json, sys
import surge
from surge import http, redis
count = ctypes.CDLL(None).surge_malloc_count
count.restype = ctypes.c_long
url, model, pipeline = sys.argv[1], sys.argv[2], int(sys.argv[3])
if url.startswith("redis"):
    key = "key:{uniform(1,1000)}"
    ops = [redis.get("get", key), redis.set("set", key, "v")]
else:
    ops = [http.get("health", "/api/v1/health"), http.get("miss", "/cache/k{uniform(1,9)}",
                                                          miss_status=404)]
def load(n):
    return surge.Iterations(n, concurrency=8) if model == "closed" else surge.ConstantRate(40000)
def allocations(n):
    # One interval for the whole run, so both runs have the same number of interval rows.
    scenario = surge.Scenario(name="alloc", base_url=url, operations=ops, load=load(n),
                              requests=n if model == "open" else None, interval="1h",
                              pipeline=pipeline)
    before = count()
    result = surge.run(scenario)
    assert result.total["count"] == n and result.total["error_count"] == 0, result.total
    return count() - before
allocations(1000)  # warm-up: caches, first-use allocations
small, large = allocations(2000), allocations(42000)
print(json.dumps({"small": small, "large": large}))
"""


@pytest.fixture(scope="module")
def counter(tmp_path_factory) -> str:
    if shutil.which("gcc") is None:
        pytest.fail(
            "gcc is needed to build the allocation counter (scripts/bootstrap.sh installs it)"
        )
    root = tmp_path_factory.mktemp("alloc")
    (root / "count.c").write_text(COUNTER)
    library = root / "libcount.so"
    subprocess.run(
        ["gcc", "-O2", "-shared", "-fPIC", "-o", str(library), str(root / "count.c")], check=True
    )
    return str(library)


def extra_allocations_per_request(counter: str, url: str, model: str, pipeline: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, url, model, str(pipeline)],
        env={**os.environ, "LD_PRELOAD": counter},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert counts["small"] > 100  # the counter sees the run's fixed set-up allocations
    return (counts["large"] - counts["small"]) / 40000


@pytest.mark.parametrize(("model", "pipeline"), [("closed", 1), ("closed", 8), ("open", 1)])
def test_redis_allocates_nothing_per_command(counter, model, pipeline):
    with RedisServer() as server:
        per_request = extra_allocations_per_request(counter, server.url, model, pipeline)
    assert per_request < 0.01


@pytest.mark.parametrize("model", ["closed", "open"])
def test_http_allocates_nothing_per_request(counter, free_port, model):
    # The target runs in its own process, so only the generator's allocations are counted.
    target = subprocess.Popen(
        [sys.executable, "-m", "surge.cli", "serve", "--port", str(free_port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "listening" in target.stdout.readline()
        url = f"http://127.0.0.1:{free_port}"
        per_request = extra_allocations_per_request(counter, url, model, 1)
    finally:
        target.terminate()
        target.wait(timeout=10)
        target.stdout.close()
    assert per_request < 0.01
