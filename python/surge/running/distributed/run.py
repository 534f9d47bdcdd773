"""One run across many machines, on Dask (`pip install 'surge[distributed]'`).

    surge.run(scenario, cluster="tcp://10.0.0.5:8786")   # a scheduler's address
    surge.run(scenario, cluster=client)                   # a distributed.Client
    surge.run(scenario, cluster=3)                        # a LocalCluster of 3 processes

The scenario is cut into one share per worker (split.py), and each worker runs the native
engine on its share (surge.running.local), as a Dask task pinned to it. The client picks a
common start instant and measures each worker's clock offset; every worker sends each
interval's report, histograms included, through a Dask queue as it closes; the client merges
them exactly (merge.py), shows one live view, judges `abort_on` on the merged interval and,
when one breaks, sets a Dask event that every worker's next interval sees. The result has the
schema of a local run, plus a `workers` section. docs/distributed.md has the whole design.

A run steered while it goes (surge.start(..., cluster=), the web UI) posts each load change
to a Dask variable; every worker reads it as each of its intervals closes and hands its own
part (rates divided evenly, users in whole parts, as split.py cuts them) to its engine.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from surge.errors import ConfigError, RunError
from surge.results.result import Result
from surge.running.distributed.merge import LiveMerge, merge_documents, plain_report
from surge.running.distributed.split import describe_share, parts, split

START_LEAD_S = 1.5  # the common start, this far after the tasks are submitted
_POLL_S = 0.05
# A worker's schedule lag p99 past this means it could not keep up: its figures then describe
# the generator, not the target (as the local summary says for the pacer).
LAG_WARNING_MS = 5.0


def _cluster_client(cluster: Any) -> tuple[Any, list[Any]]:
    """A distributed.Client for `cluster`, and what the run made and must close after it."""
    try:
        import distributed
    except ImportError:
        raise ConfigError(
            "cluster: distributed runs need Dask: pip install 'surge[distributed]'"
        ) from None
    if isinstance(cluster, distributed.Client):
        return cluster, []
    if isinstance(cluster, int) and not isinstance(cluster, bool):
        if not 1 <= cluster <= 256:
            raise ConfigError(f"cluster: a local cluster of 1 to 256 workers, got {cluster}")
        local = distributed.LocalCluster(
            n_workers=cluster,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: None would still take 8787
            silence_logs=logging.ERROR,  # Dask's INFO lines would bury the live view
        )
        client = distributed.Client(local)
        return client, [client, local]
    if isinstance(cluster, str):
        try:
            client = distributed.Client(cluster, timeout="5s")
            return client, [client]
        except (OSError, TimeoutError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(
                f"cluster: cannot reach the Dask scheduler at {cluster!r} ({reason[:160]}); "
                "is `dask scheduler` running there?"
            ) from None
    raise ConfigError(
        "cluster: a distributed.Client, a scheduler address such as 'tcp://host:8786', or a "
        f"number of local workers, got {cluster!r}"
    )


def _check_workers(client: Any, wanted: int | None) -> list[str]:
    """The workers to use; each must import this surge, or the run stops with one line."""
    from surge._core import __version__

    workers = sorted(client.nthreads())
    if not workers:
        raise ConfigError("cluster: the scheduler has no workers")
    if wanted is not None:
        if wanted > len(workers):
            raise ConfigError(f"workers: asked for {wanted}, the cluster has {len(workers)}")
        workers = workers[:wanted]

    def version() -> str:
        from surge._core import __version__

        return __version__

    try:
        versions = client.run(version, workers=workers)
    except Exception as exc:  # the worker's own error: ModuleNotFoundError for surge
        raise ConfigError(
            f"cluster: a worker cannot run surge ({type(exc).__name__}: {exc}); install "
            "surge[distributed] on every worker"
        ) from None
    other = {w: v for w, v in versions.items() if v != __version__}
    if other:
        raise ConfigError(
            f"cluster: workers run another surge than this client's {__version__}: {other}"
        )
    return workers


def _clock_offsets(client: Any, workers: list[str]) -> dict[str, dict[str, float]]:
    """Each worker's wall clock less the client's, from one round trip (and its error bound)."""
    offsets = {}
    for worker in workers:
        before = time.time()
        theirs = client.run(time.time, workers=[worker])[worker]
        after = time.time()
        offsets[worker] = {
            "offset_ms": round(1e3 * (theirs - (before + after) / 2), 3),
            "uncertainty_ms": round(1e3 * (after - before) / 2, 3),
        }
    return offsets


def _load_share(share: Any) -> str:
    """A worker's check before the run: the share arrived whole and resolves there."""
    return share.plan.protocol.name


def _check_shares(client: Any, shares: list[Any], addresses: list[str]) -> None:
    """Every worker loads its share before any starts, or the run stops with one line: a
    scenario that needs a module the workers lack fails here, not as a lost worker."""
    for share, address in zip(shares, addresses, strict=True):
        try:
            client.run(_load_share, share, workers=[address])
        except Exception as exc:
            raise ConfigError(
                f"cluster: worker {address} cannot load the scenario ({type(exc).__name__}: "
                f"{str(exc)[:200]}); install what the scenario imports on every worker"
            ) from None


class Steering:
    """The client's side of a steered distributed run: each change is numbered and posted to a
    Dask variable that the workers read as their intervals close."""

    def __init__(self) -> None:
        self._variable: Any = None
        self._number = 0
        self.stopped = False  # the handle stopped the run (the results say so)

    def attach(self, client: Any, run_id: str) -> None:
        import distributed

        self._variable = distributed.Variable(f"surge-load-{run_id}", client=client)
        self._variable.set({"number": 0})

    def post(self, change: dict[str, Any]) -> None:
        """{"kind": "rate", "value": R} or {"kind": "users", "value": N, "spawn_rate": S}."""
        if self._variable is None:
            raise ConfigError("the distributed run is still starting: change its load shortly")
        self._number += 1
        self._variable.set({**change, "number": self._number})


def _share_of_change(change: dict[str, Any], index: int, count: int) -> tuple[str, float, float]:
    """This share's part of a change: (kind, value, spawn rate), cut as split.py cuts a load."""
    if change["kind"] == "rate":
        return "rate", change["value"] / count, 0.0
    users = parts(int(change["value"]), count)[index]
    spawn = change.get("spawn_rate") or 0.0
    return "users", float(max(users, 1)), spawn * users / change["value"]


def _run_share(
    share: Any, index: int, count: int, start_at: float, run_id: str, most_users: int = 0
) -> dict:
    """A worker's task: wait for the common start, run the share, and send each interval; as
    each interval closes, take this share's part of any load change posted since the last
    (`most_users`: the most users this share may reach)."""
    import distributed

    import surge._core as _core
    from surge.running.local import run_here

    queue = distributed.Queue(f"surge-intervals-{run_id}")
    stop = distributed.Event(f"surge-stop-{run_id}")
    steering = distributed.Variable(f"surge-load-{run_id}")
    control = _core.LoadControl()
    taken = 0

    def progress(report: Any) -> bool:
        nonlocal taken
        queue.put(plain_report(report, index))
        try:
            change = steering.get(timeout=5)
        except Exception:  # a slow scheduler delays a change to a later interval, no more
            change = {"number": taken}
        if change["number"] > taken:
            taken = change["number"]
            kind, value, spawn = _share_of_change(change, index, count)
            if kind == "rate":
                control.set_rate(value)
            else:
                control.set_users(min(value, float(most_users or value)), spawn)
        return not stop.is_set()

    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    try:
        result = run_here(share, progress, (index, count), control=control, most_users=most_users)
    except RunError as exc:  # surge's own failure mid-run: what was measured still counts
        if exc.result is None:
            raise
        result = exc.result
    return result.to_dict()


def run(
    scenario: Any,
    cluster: Any,
    *,
    progress: Any = None,
    abort: Any = None,
    workers: int | None = None,
    on_worker_lost: str = "continue",
    steering: Steering | None = None,
    most_users: int = 0,
) -> Result:
    """Runs `scenario` across the cluster's workers; see the module's docstring.
    `on_worker_lost`: "continue" with the others, or "stop" every worker (both keep what was
    measured, and record the loss). `steering` takes load changes while it goes, up to
    `most_users` users in the closed model (shared over the workers)."""
    import distributed

    if on_worker_lost not in ("continue", "stop"):
        raise ConfigError(f"on_worker_lost: 'continue' or 'stop', got {on_worker_lost!r}")
    if scenario.monitors:
        raise ConfigError(
            "monitors: not in distributed runs yet; sample the target with a local run beside it"
        )
    client, made = _cluster_client(cluster)
    try:
        addresses = _check_workers(client, workers)
        shares = split(scenario, len(addresses))
        addresses = addresses[: len(shares)]
        _check_shares(client, shares, addresses)
        offsets = _clock_offsets(client, addresses)
        run_id = uuid.uuid4().hex
        queue = distributed.Queue(f"surge-intervals-{run_id}", client=client)
        stop = distributed.Event(f"surge-stop-{run_id}", client=client)
        if steering is None:
            steering = Steering()  # nothing posts to it: the workers read change 0 only
        steering.attach(client, run_id)
        room = parts(most_users, len(shares)) if most_users else [0] * len(shares)
        start_at = time.time() + START_LEAD_S
        futures = [
            # The common instant on the worker's own clock: corrected by its measured offset.
            client.submit(
                _run_share, share, i, len(shares),
                start_at + offsets[address]["offset_ms"] / 1e3, run_id, room[i],
                key=f"surge-share-{i}-{run_id}", workers=[address],
                allow_other_workers=False, pure=False, retries=0,
            )
            for i, (share, address) in enumerate(zip(shares, addresses, strict=True))
        ]  # fmt: skip
        outcome = _follow(
            client, futures, addresses, queue, stop, progress, abort, scenario, on_worker_lost
        )
        documents = {i: doc for i, doc in outcome["documents"].items()}
        if not documents:
            raise RunError(
                "every worker of the distributed run was lost; nothing was measured", None
            )
        ordered = [documents[i] for i in sorted(documents)]
        document = merge_documents(
            ordered, scenario.plan.load_section(), scenario.interval_histograms
        )
        if outcome["interrupted"]:
            document["interrupted"] = True
        if steering.stopped:
            document["load"]["stopped_by_control"] = True
        if abort is not None and abort.reason:
            document["aborted"] = abort.reason
        document["workers"] = _workers_section(
            shares, addresses, documents, offsets, outcome["lost"], scenario
        )
        return Result(document)
    finally:
        for thing in made:  # the client first, then the local cluster it talks to
            thing.close()


def _follow(
    client, futures, addresses, queue, stop, progress, abort, scenario, on_worker_lost
) -> dict:
    """Merges intervals as they come until every share has ended; a lost worker is recorded
    and the run goes on; Ctrl-C stops every worker and keeps what they measured."""
    merge = LiveMerge(len(futures))
    documents: dict[int, dict] = {}
    lost: dict[int, dict] = {}
    ended: set[int] = set()
    interrupted = False
    interval_s = scenario.plan.interval_s

    def hand_on(reports: list) -> None:
        for report in reports:
            keep_going = True
            if abort is not None:
                keep_going = abort(report) is not False
            elif progress is not None:
                keep_going = progress(report) is not False
            if not keep_going:
                stop.set()

    while len(ended) < len(futures):
        try:
            finished = [
                i for i, f in enumerate(futures) if i not in ended and f.status == "finished"
            ]
            # A finished worker's last intervals were queued before its task returned: take
            # them before its end lets the intervals go on without it.
            for item in queue.get(batch=True):
                hand_on(merge.add(item))
            for i in finished:
                documents[i] = futures[i].result()
                ended.add(i)
                hand_on(merge.share_ended(i))
            alive = set(client.nthreads())
            for i, future in enumerate(futures):
                if i in ended or future.status == "finished":
                    continue
                if future.status in ("error", "cancelled") or addresses[i] not in alive:
                    # The worker died (or its task failed): its share is lost from the last
                    # interval merged; the others go on.
                    reason = "the worker left the cluster"
                    if future.status == "error":
                        exc = future.exception()
                        reason = f"{type(exc).__name__}: {str(exc)[:200]}"
                    lost[i] = {"at_s": round((merge.emitted + 1) * interval_s, 3), "why": reason}
                    future.cancel()
                    if on_worker_lost == "stop":
                        stop.set()
                    ended.add(i)
                    hand_on(merge.share_ended(i))
            time.sleep(_POLL_S)
        except KeyboardInterrupt:
            interrupted = True
            stop.set()  # every worker stops at its next interval and returns what it has
    return {"documents": documents, "lost": lost, "interrupted": interrupted}


def _workers_section(shares, addresses, documents, offsets, lost, scenario) -> list[dict]:
    section = []
    interval_ms = 1e3 * scenario.plan.interval_s
    for i, (share, address) in enumerate(zip(shares, addresses, strict=True)):
        entry: dict[str, Any] = {
            "address": address,
            "share": describe_share(share),
            "clock": offsets[address],
        }
        doc = documents.get(i)
        if doc is not None:
            total = doc["total"]
            lag = total["schedule_lag"]["percentiles"].get("99")
            entry.update(
                count=total["count"],
                errors=total["error_count"],
                rate_per_s=total["rate_per_s"],
                schedule_lag_p99_ms=lag,
                # Its own response times, to compare shares or merge them again.
                histogram=total["histogram"],
            )
            warnings = []
            if lag is not None and lag > LAG_WARNING_MS:
                warnings.append(
                    f"schedule lag p99 {lag:.1f} ms: this worker could not keep up; its figures "
                    "describe the generator, not the target"
                )
            if abs(offsets[address]["offset_ms"]) > interval_ms:
                warnings.append(
                    f"clock offset {offsets[address]['offset_ms']:.0f} ms is larger than the "
                    "interval: its intervals do not line up with the others'"
                )
            if warnings:
                entry["warnings"] = warnings
        if i in lost:
            entry["lost"] = lost[i]
        section.append(entry)
    return section
