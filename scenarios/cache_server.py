"""A cache-server benchmark suite, against Redis/Valkey directly or against the embedded
target's HTTP cache API (GET/PUT/DELETE /cache/{key}, 404 on a miss).

    surge run scenarios/cache_server.py --set url=redis://127.0.0.1:6379/0
    surge serve --port 8080 &
    surge run scenarios/cache_server.py --set url=http://127.0.0.1:8080 --set duration=5s

Phases, in order:
  sequential   N SETs, then N GETs, then N DELETEs, one at a time (--set sequential=N)
  concurrent   N SETs, then N GETs, at concurrency C (--set concurrent=N --set concurrency=C)
  mixed        C users reading, writing and deleting for a duration, with the hit rate
               (--set duration=D)
  journey      HTTP only: C users each reading a new key (a miss), setting it, and reading it
               again (a hit), for a duration
The report gives avg/min/max ms, ops/s and the hit rate per phase and operation.
"""

import os

import surge
from surge import http, redis
from surge.urls import is_redis_url

PREFIX = "cache-suite:"
# REDIS_URL points the suite at a server you run; --set url=... overrides it.
DEFAULT_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def miss_set_hit(ttl):
    """One key's life in the cache, as a journey: the same key in all three steps."""
    path = f"/cache/{PREFIX}journey-{{key}}"
    return http.journey(
        "miss_set_hit",
        [
            http.get("miss", path, miss_status=404, check={"status": "404"}),
            http.put("set", f"{path}?ttl={ttl}", body="{v}", variables={"v": "bytes(100)"}),
            http.get("hit", path, miss_status=404, check={"status": "200"}),
        ],
        variables={"key": "uuid"},
    )


def operations(url, keys, ttl, mix):
    """GET/SET/DEL for the given key generator, for Redis or for the HTTP cache API."""
    key = {"k": keys}
    value = {"v": "bytes(100)"}
    if is_redis_url(url):
        return {
            "set": redis.command(
                "set",
                f"SET {PREFIX}{{k}} {{v}} EX {ttl}",
                variables={**key, **value},
                weight=mix.get("set", 1),
            ),
            "get": redis.command(
                "get", f"GET {PREFIX}{{k}}", variables=key, weight=mix.get("get", 1)
            ),
            "delete": redis.command(
                "delete", f"DEL {PREFIX}{{k}}", variables=key, weight=mix.get("delete", 1)
            ),
        }
    return {
        "set": http.put(
            "set",
            f"/cache/{PREFIX}{{k}}?ttl={ttl}",
            body="{v}",
            variables={**key, **value},
            weight=mix.get("set", 1),
        ),
        "get": http.get(
            "get",
            f"/cache/{PREFIX}{{k}}",
            variables=key,
            miss_status=404,
            weight=mix.get("get", 1),
        ),
        "delete": http.delete(
            "delete",
            f"/cache/{PREFIX}{{k}}",
            variables=key,
            expect_status=(204, 404),
            weight=mix.get("delete", 1),
        ),
    }


@surge.scenario
def cache_server(
    url=DEFAULT_URL,
    sequential=1000,
    concurrent=1000,
    concurrency=50,
    duration="10s",
    ttl=300,
    read=70,
    write=20,
    delete=10,
):
    def phase(name, ops, load, **kwargs):
        return surge.Scenario(name=name, base_url=url, operations=ops, load=load, **kwargs)

    in_order = operations(url, f"seq(1,{sequential})", ttl, {})
    spread = operations(url, f"seq(1,{concurrent})", ttl, {})
    mixed = operations(
        url, f"uniform(1,{concurrent})", ttl, {"get": read, "set": write, "delete": delete}
    )
    one_at_a_time = surge.Iterations(sequential, concurrency=1)
    parallel = surge.Iterations(concurrent, concurrency=concurrency)
    return [
        phase("sequential-set", [in_order["set"]], one_at_a_time),
        phase("sequential-get", [in_order["get"]], one_at_a_time),
        phase("sequential-delete", [in_order["delete"]], one_at_a_time),
        phase("concurrent-set", [spread["set"]], parallel),
        phase("concurrent-get", [spread["get"]], parallel),
        phase(
            "mixed",
            [mixed["get"], mixed["set"], mixed["delete"]],
            surge.Users(concurrency),
            duration=duration,
        ),
        *(
            []
            if is_redis_url(url)
            else [
                phase("journey", [miss_set_hit(ttl)], surge.Users(concurrency), duration=duration)
            ]
        ),
    ]
