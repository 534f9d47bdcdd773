"""Redis Cluster against a real one the tests start: 3 primaries and 3 replicas
(surge.services.RedisCluster). Commands go to the node serving their key's slot; resharding and
failovers during a run redirect commands without a false error; every preloaded key is found
afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest
import surge
from surge import redis
from surge.services import RedisCluster

KEYS = 4000


@pytest.fixture(scope="module")
def cluster():
    with RedisCluster() as c:
        preload(c.url)
        c.wait_replicated()
        yield c


@pytest.fixture
def fresh_cluster():
    """For a test that moves slots or fails nodes: its own cluster, preloaded and replicated."""
    with RedisCluster() as c:
        preload(c.url)
        c.wait_replicated()
        yield c


def every_key(url: str, operation) -> dict:
    """`operation` once for each preloaded key, in order, through the cluster: its totals."""
    result = surge.run(
        surge.Scenario(
            name=operation.name,
            base_url=url,
            cluster=True,
            operations=[operation],
            load=surge.Iterations(KEYS, concurrency=4),
            pipeline=8,
        )
    )
    return result.total


def preload(url: str) -> None:
    key = {"k": f"seq(1,{KEYS})"}
    total = every_key(url, redis.set("preload", "key:{k}", "v{k}", variables=key))
    assert total["count"] == KEYS and total["error_count"] == 0, total


def keys_found(url: str) -> dict:
    """GET every preloaded key once: hits, misses and errors."""
    total = every_key(url, redis.get("check", "key:{k}", variables={"k": f"seq(1,{KEYS})"}))
    return {"hits": total["hits"], "misses": total["misses"], "errors": total["errors"]}


def mixed_load(url: str, **kwargs) -> surge.Scenario:
    """GETs and SETs over the preloaded keys at a set rate."""
    key = {"k": f"uniform(1,{KEYS})"}
    settings = {
        "load": surge.ConstantRate(2000, connections=2),
        "duration": "6s",
        "pipeline": 4,
        "cluster": True,
        **kwargs,
    }
    return surge.Scenario(
        name="mix",
        base_url=url,
        operations=[
            redis.set("set", "key:{k}", "v{k}", variables=key),
            redis.get("get", "key:{k}", variables=key, weight=4),
        ],
        **settings,
    )


def during(run_after_s: float, action) -> threading.Thread:
    """Runs `action` once, `run_after_s` into the load (in a thread the test joins)."""

    def later():
        time.sleep(run_after_s)
        action()

    thread = threading.Thread(target=later)
    thread.start()
    return thread


def surge_cli(out, *arguments: str) -> tuple[subprocess.CompletedProcess, dict]:
    """`surge ARGUMENTS --json OUT` in a child process: what it printed, and its results."""
    done = subprocess.run(
        [sys.executable, "-m", "surge.cli", *arguments, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done, json.loads(out.read_text())


def primary_rows(result) -> dict[str, dict]:
    return {n["node"]: n for n in result["nodes"] if n["requests"]}


@pytest.mark.usefixtures("transport")
def test_each_command_goes_to_the_node_serving_its_slot(cluster):
    result = surge.run(mixed_load(cluster.url, duration="2s"))
    total = result.total
    assert total["error_count"] == 0, total["error_examples"]
    # Routed right the first time: no node had to redirect anything.
    assert total["redirects"] == 0
    assert total["misses"] == 0 and total["hits"] == result.operations["get"]["count"]
    served = primary_rows(result)
    primaries = {f"127.0.0.1:{port}" for port, _ in cluster.primaries()}
    assert set(served) == primaries
    # Every node row counts what it answered; together they are every command.
    assert sum(n["requests"] for n in served.values()) == total["count"]
    # The slots are split about evenly, and so are uniform keys.
    shares = [n["requests"] / total["count"] for n in served.values()]
    assert all(0.25 < share < 0.42 for share in shares), shares
    assert all(n["role"] == "primary" and n["service_time"]["max"] > 0 for n in served.values())


def test_reads_from_replicas_leave_the_writes_on_the_primaries(cluster):
    result = surge.run(mixed_load(cluster.url, duration="2s", read_from="replica"))
    assert result.total["error_count"] == 0, result.total["error_examples"]
    assert result.total["misses"] == 0 and result.total["redirects"] == 0
    rows = primary_rows(result)
    replicas = sum(n["requests"] for n in rows.values() if n["role"] == "replica")
    primaries = sum(n["requests"] for n in rows.values() if n["role"] == "primary")
    # GETs (4 in 5) went to the replicas, SETs to the primaries.
    assert replicas == result.operations["get"]["count"]
    assert primaries == result.operations["set"]["count"]
    assert len([n for n in rows.values() if n["role"] == "replica"]) == 3


def test_reads_from_any_node_share_the_reads_between_primaries_and_replicas(cluster):
    result = surge.run(mixed_load(cluster.url, duration="2s", read_from="any"))
    assert result.total["error_count"] == 0 and result.total["misses"] == 0
    rows = primary_rows(result)
    replicas = sum(n["requests"] for n in rows.values() if n["role"] == "replica")
    primaries = sum(n["requests"] for n in rows.values() if n["role"] == "primary")
    gets, sets = result.operations["get"]["count"], result.operations["set"]["count"]
    # A slot's reads alternate between its primary and its one replica: about half each.
    assert 0.4 * gets < replicas < 0.6 * gets, (replicas, gets)
    assert primaries == sets + gets - replicas


def test_keys_in_one_hash_tag_travel_together_and_split_keys_are_refused(cluster):
    tagged = surge.Scenario(
        name="tagged",
        base_url=cluster.url,
        cluster=True,
        operations=[
            redis.command(
                "mset",
                "MSET user:{{id}}:name n{id} user:{{id}}:mail m{id}",
                variables={"id": "uniform(1,1000)"},
            )
        ],
        load=surge.Connections(2),
        requests=2000,
    )
    result = surge.run(tagged)
    assert result.total["count"] == 2000 and result.total["error_count"] == 0
    split = surge.Scenario(
        name="split",
        base_url=cluster.url,
        cluster=True,
        operations=[
            redis.command("mset", "MSET a:{id} 1 b:{id} 2", variables={"id": "uniform(1,1000)"})
        ],
        requests=10,
    )
    with pytest.raises(surge.ConfigError) as refused:
        surge.run(split)
    message = str(refused.value)
    assert "\n" not in message and "'mset'" in message and "different cluster slots" in message
    assert "hash tag" in message


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("FROB key:{id}", ("does not know the command FROB",)),
        ("EVAL 'return 1' 1 key:{id}", ("EVAL", "cannot route")),
    ],
)
def test_commands_a_cluster_cannot_route_are_refused_before_the_run(cluster, command, words):
    scenario = surge.Scenario(
        name="bad",
        base_url=cluster.url,
        cluster=True,
        operations=[redis.command("op", command, variables={"id": "uniform(1,10)"})],
        requests=10,
    )
    with pytest.raises(surge.ConfigError) as refused:
        surge.run(scenario)
    assert "\n" not in str(refused.value)
    assert all(word in str(refused.value) for word in words), refused.value


@pytest.mark.usefixtures("transport")
def test_resharding_mid_run_redirects_without_an_error(fresh_cluster):
    (source, _), (destination, _), _ = fresh_cluster.primaries()
    mover = during(1.5, lambda: fresh_cluster.reshard(source, destination, slots=1000))
    result = surge.run(mixed_load(fresh_cluster.url))
    mover.join()
    total = result.total
    assert total["error_count"] == 0, total["error_examples"]
    assert total["redirects"] > 0
    # A redirected command is one request with one outcome, not two.
    assert total["count"] == sum(op["count"] for op in result.operations.values())
    assert total["misses"] == 0
    assert dict(fresh_cluster.primaries())[destination] > 5462
    assert keys_found(fresh_cluster.url) == {"hits": KEYS, "misses": 0, "errors": {}}


def test_a_slot_half_migrated_answers_ask_and_surge_follows_it_with_asking(fresh_cluster):
    """A slot caught mid-migration: keys already moved are answered ASK by the old node, and
    the new node serves them only after ASKING, for that command alone."""
    c = fresh_cluster
    slot = int(c.cli(c.nodes[0].port, "cluster", "keyslot", "{ask}").strip())
    ports = {n.port: n for n in c.nodes}
    ids = {}
    for line in c.cli(c.nodes[0].port, "cluster", "nodes").splitlines():
        fields = line.split()
        ids[int(fields[1].split("@")[0].rsplit(":", 1)[1])] = fields[0]
    owner = next(p for p, _ in c.primaries() if _serves(c, p, slot))
    target = next(p for p, _ in c.primaries() if p != owner)
    assert owner in ports and target in ports
    keys = [f"{{ask}}:{i}" for i in range(1, 101)]
    c.cli(owner, "mset", *[part for k in keys for part in (k, "v")])
    c.cli(target, "cluster", "setslot", str(slot), "importing", ids[owner])
    c.cli(owner, "cluster", "setslot", str(slot), "migrating", ids[target])
    c.cli(owner, "migrate", "127.0.0.1", str(target), "", "0", "5000", "keys", *keys[:50])
    result = surge.run(
        surge.Scenario(
            name="ask",
            base_url=c.url,
            cluster=True,
            operations=[redis.get("get", "{{ask}}:{i}", variables={"i": "uniform(1,100)"})],
            load=surge.Connections(2),
            requests=2000,
            pipeline=4,
        )
    )
    total = result.total
    assert total["count"] == 2000 and total["error_count"] == 0, total["error_examples"]
    assert total["hits"] == 2000
    # About half the keys had moved: each GET of one was redirected once, by ASK.
    assert 700 < total["redirects"] < 1300, total["redirects"]
    rows = {n["node"]: n for n in result["nodes"]}
    assert rows[f"127.0.0.1:{owner}"]["redirects"] == total["redirects"]
    assert rows[f"127.0.0.1:{target}"]["requests"] == total["redirects"]
    # The slot stays the old node's: ASK moved no slot, so nothing went to the new node first.
    assert rows[f"127.0.0.1:{owner}"]["requests"] == 2000


def _serves(cluster, port: int, slot: int) -> bool:
    for line in cluster.cli(port, "cluster", "nodes").splitlines():
        fields = line.split()
        if "myself" not in fields[2]:
            continue
        for part in fields[8:]:
            first, _, last = part.partition("-")
            if not part.startswith("[") and int(first) <= slot <= int(last or first):
                return True
    return False


def test_a_planned_failover_mid_run_redirects_without_an_error(fresh_cluster):
    primary = fresh_cluster.primaries()[0][0]
    replica = fresh_cluster.replica_of(primary)
    switch = during(1.5, lambda: fresh_cluster.failover(replica))
    result = surge.run(mixed_load(fresh_cluster.url))
    switch.join()
    total = result.total
    assert total["error_count"] == 0, total["error_examples"]
    assert total["redirects"] > 0 and total["misses"] == 0
    rows = {n["node"]: n for n in result["nodes"]}
    # The promoted replica served its slots after the switch, and said so as a primary.
    promoted = rows[f"127.0.0.1:{replica}"]
    assert promoted["role"] == "primary" and promoted["requests"] > 0
    assert keys_found(fresh_cluster.url) == {"hits": KEYS, "misses": 0, "errors": {}}


@pytest.mark.usefixtures("transport")
def test_a_killed_primary_costs_only_the_outage_and_its_replica_takes_over(fresh_cluster):
    victim = fresh_cluster.primaries()[2][0]
    replica = fresh_cluster.replica_of(victim)
    moments = {}

    def kill_and_watch():
        moments["killed"] = time.monotonic_ns()
        fresh_cluster.kill(victim)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            states = [
                fresh_cluster.cli(n.port, "cluster", "info")
                for n in fresh_cluster.nodes
                if n.running
            ]
            if "role:master" in fresh_cluster.cli(replica, "info", "replication") and all(
                "cluster_state:ok" in s for s in states
            ):
                moments["recovered"] = time.monotonic_ns()
                return
            time.sleep(0.02)

    killer = during(1.5, kill_and_watch)
    result = surge.run(mixed_load(fresh_cluster.url, interval="250ms"))
    killer.join()
    assert "recovered" in moments, "the replica was not promoted within 20 s"
    total = result.total
    # What failed, failed on the server's side: commands in flight on the killed node were
    # reset, connects to it refused, and the cluster said it was down until the replica was
    # promoted (it serves no slot while one has no primary). Nothing else.
    assert set(total["errors"]) <= {"reset", "refused", "error_reply"}, total["errors"]
    for example in total["error_examples"].get("error_reply", []):
        assert example.startswith("CLUSTERDOWN"), example
    # Errors only between the kill and the recovery (a 250 ms row either side for the rows'
    # edges, and as long again for the nodes' word of it to reach surge).
    start = result["monotonic_start_ns"]
    killed_s = (moments["killed"] - start) / 1e9
    recovered_s = (moments["recovered"] - start) / 1e9
    outside = [
        (row["t_s"], row["errors"])
        for row in result["timeseries_total"]
        if row["errors"] and not (killed_s - 0.25 <= row["t_s"] <= recovered_s + 0.5)
    ]
    assert not outside, (killed_s, recovered_s, outside)
    assert total["error_count"] > 0  # the kill did land mid-run
    assert total["misses"] == 0
    promoted = {n["node"]: n for n in result["nodes"]}[f"127.0.0.1:{replica}"]
    assert promoted["role"] == "primary" and promoted["requests"] > 0
    fresh_cluster.wait_settled()
    live = f"redis://127.0.0.1:{replica}"
    assert keys_found(live) == {"hits": KEYS, "misses": 0, "errors": {}}


def test_the_cli_runs_a_cluster_with_preload_and_prints_a_row_per_node(cluster, tmp_path):
    done, result = surge_cli(
        tmp_path / "run.json",
        *("redis", cluster.url, "--cluster", "--keys", "2000", "--preload"),
        *("-c", "2", "-P", "4", "-n", "3000"),
    )
    assert result["total"]["count"] == 3000 and result["total"]["error_count"] == 0
    assert result["total"]["misses"] == 0
    assert len([n for n in result["nodes"] if n["requests"]]) == 3
    assert "preload: 2000 keys" in done.stderr
    # The summary has a row per node that answered, after the totals.
    summary = done.stdout
    assert "cluster nodes:" in summary, summary
    nodes = summary.split("cluster nodes:")[1]
    for port, _ in cluster.primaries():
        assert f"127.0.0.1:{port}  primary" in nodes, nodes


def test_a_yaml_scenario_loads_the_cluster_through_surge_run(cluster, tmp_path):
    scenario_file = tmp_path / "cache.yaml"
    scenario_file.write_text(
        f"""\
name: cache
base_url: {cluster.url}
cluster: true
read_from: replica
pipeline: 4
load: {{connections: 2}}
requests: 3000
commands:
  - {{name: get, command: "GET key:{{k}}", weight: 3, variables: {{k: "uniform(1,{KEYS})"}}}}
  - {{name: set, command: "SET key:{{k}} v{{k}}", variables: {{k: "uniform(1,{KEYS})"}}}}
"""
    )
    _, result = surge_cli(tmp_path / "run.json", "run", str(scenario_file), "-q")
    assert result["total"]["count"] == 3000 and result["total"]["error_count"] == 0
    assert result["total"]["misses"] == 0 and result["total"]["redirects"] == 0
    roles = {n["role"] for n in result["nodes"] if n["requests"]}
    assert roles == {"primary", "replica"}  # reads on replicas, writes on primaries
    replica_requests = sum(n["requests"] for n in result["nodes"] if n["role"] == "replica")
    assert replica_requests == result["operations"]["get"]["count"]
