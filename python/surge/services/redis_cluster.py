"""A real Redis Cluster on free loopback ports: 3 primaries and 3 replicas by default.

    with RedisCluster() as cluster:
        cluster.url                     # redis://127.0.0.1:PORT (any node will do)
        cluster.primaries()             # [(port, slots served), ...]
        cluster.failover(replica_port)  # CLUSTER FAILOVER on a replica: a planned switch
        cluster.kill(primary_port)      # crash a primary; its replica takes over
        cluster.reshard(from_port, to_port, slots=500)

Each node is a RedisServer in its own folder of one temporary directory, with
`cluster-enabled yes`; `redis-cli --cluster create` joins them. Nothing is saved to disk.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from surge.errors import ConfigError
from surge.services.redis_server import RedisServer, _free_port

_SETTLE_TIMEOUT_S = 30.0


class RedisCluster:
    def __init__(
        self,
        primaries: int = 3,
        replicas_each: int = 1,
        *,
        node_timeout_ms: int = 1000,
        cpu: int | None = None,
    ):
        """`cpu`: pin every node to this core (taskset), for benchmarks."""
        if shutil.which("redis-cli") is None:
            raise ConfigError("no redis-cli on PATH: install it (apt install redis-tools)")
        self._primaries = primaries
        self._replicas_each = replicas_each
        self._node_timeout_ms = node_timeout_ms
        self._cpu = cpu
        self._dir: Path | None = None
        self.nodes: list[RedisServer] = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.nodes[0].port}"

    def cli(self, port: int, *arguments: str, timeout: float = 60) -> str:
        """redis-cli against one node; its output, or ConfigError with what it said."""
        done = subprocess.run(
            ["redis-cli", "-p", str(port), *arguments],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise ConfigError(
                f"redis-cli {' '.join(arguments)}: {done.stderr.strip() or done.stdout}"
            )
        return done.stdout

    def start(self) -> RedisCluster:
        self._dir = Path(tempfile.mkdtemp(prefix="surge-redis-cluster-"))
        count = self._primaries * (1 + self._replicas_each)
        for i in range(count):
            node = RedisServer(
                directory=self._dir / f"node{i}",
                cpu=self._cpu,
                config=[
                    "cluster-enabled yes",
                    f"cluster-config-file {self._dir / f'node{i}' / 'nodes.conf'}",
                    f"cluster-node-timeout {self._node_timeout_ms}",
                    # A replica of a killed primary takes over however long ago it last heard
                    # from it: an idle test cluster's replicas would otherwise count as stale.
                    "cluster-replica-validity-factor 0",
                    # The bus port is its own: a free client port may be above 55535,
                    # where the default (port + 10000) does not fit.
                    f"cluster-port {_free_port()}",
                ],
            )
            self.nodes.append(node.start())
        addresses = [f"127.0.0.1:{n.port}" for n in self.nodes]
        self.cli(
            self.nodes[0].port,
            "--cluster",
            "create",
            *addresses,
            "--cluster-replicas",
            str(self._replicas_each),
            "--cluster-yes",
        )
        self.wait_settled()
        return self

    def node_port(self, port: int) -> RedisServer:
        return next(n for n in self.nodes if n.port == port)

    def primaries(self) -> list[tuple[int, int]]:
        """(port, slots served) of each primary that serves slots, as a live node sees it."""
        served: dict[int, int] = {}
        for line in self._cluster_nodes().splitlines():
            fields = line.split()
            if "master" not in fields[2] or "fail" in fields[2]:
                continue
            port = int(fields[1].split("@")[0].rsplit(":", 1)[1])
            slots = 0
            for part in fields[8:]:
                if part.startswith("["):
                    continue  # a slot being migrated or imported
                first, _, last = part.partition("-")
                slots += int(last or first) - int(first) + 1
            if slots:
                served[port] = slots
        return sorted(served.items())

    def replica_of(self, primary_port: int) -> int:
        lines = self._cluster_nodes().splitlines()
        primary_id = next(
            line.split()[0] for line in lines if f":{primary_port}@" in line.split()[1]
        )
        for line in lines:
            fields = line.split()
            if fields[3] == primary_id and "fail" not in fields[2]:
                return int(fields[1].split("@")[0].rsplit(":", 1)[1])
        raise ConfigError(f"node {primary_port} has no live replica")

    def _live_port(self) -> int:
        return next(n.port for n in self.nodes if n.running)

    def _cluster_nodes(self) -> str:
        return self.cli(self._live_port(), "cluster", "nodes")

    def wait_settled(self, timeout: float = _SETTLE_TIMEOUT_S) -> None:
        """Until every live node says cluster_state:ok and all agree on who serves the slots."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            live = [n for n in self.nodes if n.running]
            states = [self.cli(n.port, "cluster", "info") for n in live]
            slots = {self.cli(n.port, "cluster", "slots") for n in live}
            replicas_up = all(
                "master_link_status:up" in self.cli(n.port, "info", "replication")
                for n in live
                if "role:slave" in self.cli(n.port, "info", "replication")
            )
            if all("cluster_state:ok" in s for s in states) and len(slots) == 1 and replicas_up:
                check = subprocess.run(
                    ["redis-cli", "--cluster", "check", f"127.0.0.1:{live[0].port}"],
                    capture_output=True,
                    text=True,
                    timeout=30,
                )
                if (
                    "[OK] All 16384 slots covered" in check.stdout
                    and "[WARNING]" not in check.stdout
                ):
                    return
            time.sleep(0.1)
        raise ConfigError(f"the cluster did not settle within {timeout:.0f} s")

    def wait_replicated(self, timeout: float = _SETTLE_TIMEOUT_S) -> None:
        """Until every live replica holds all its primary has written (equal offsets): before
        a primary is killed, so that its replica has every key."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            offsets = {}
            behind = False
            for node in (n for n in self.nodes if n.running):
                info = dict(
                    line.split(":", 1)
                    for line in self.cli(node.port, "info", "replication").split()
                    if ":" in line
                )
                offsets[node.port] = info
            for info in offsets.values():
                if info.get("role") != "slave":
                    continue
                primary = offsets.get(int(info["master_port"]))
                if info.get("master_link_status") != "up" or (
                    primary and primary["master_repl_offset"] != info["slave_repl_offset"]
                ):
                    behind = True
            if not behind:
                return
            time.sleep(0.05)
        raise ConfigError(f"the replicas did not catch up within {timeout:.0f} s")

    def failover(self, replica_port: int) -> None:
        """A planned failover: the replica takes its primary's slots, the primary becomes its
        replica."""
        self.cli(replica_port, "cluster", "failover")
        deadline = time.monotonic() + _SETTLE_TIMEOUT_S
        while time.monotonic() < deadline:
            if "role:master" in self.cli(replica_port, "info", "replication"):
                return
            time.sleep(0.05)
        raise ConfigError(f"replica {replica_port} did not take over")

    def kill(self, port: int) -> None:
        """Crashes a node (SIGKILL); with a replica, the cluster fails it over by itself."""
        self.node_port(port).kill()

    def reshard(self, from_port: int, to_port: int, slots: int) -> None:
        """Moves `slots` slots (and their keys) from one primary to another."""
        ids = {}
        for line in self._cluster_nodes().splitlines():
            fields = line.split()
            ids[int(fields[1].split("@")[0].rsplit(":", 1)[1])] = fields[0]
        self.cli(
            from_port,
            "--cluster",
            "reshard",
            f"127.0.0.1:{from_port}",
            "--cluster-from",
            ids[from_port],
            "--cluster-to",
            ids[to_port],
            "--cluster-slots",
            str(slots),
            "--cluster-yes",
            timeout=300,
        )

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        self.nodes = []
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> RedisCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
