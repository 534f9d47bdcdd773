"""Journeys against the embedded target: captures carry a record's id and a login's token from
step to step, feeders hand out users, cookies keep a session, and journeys are counted as
started, completed and aborted, by the step that failed."""

from __future__ import annotations

import json
import urllib.request

import pytest
import surge
from surge import http
from surge.errors import ConfigError


def scenario(target, operations, **kwargs) -> surge.Scenario:
    defaults = {"load": surge.Connections(4), "duration": None, "requests": 200}
    return surge.Scenario(
        name="journeys", base_url=target.url, operations=operations, **{**defaults, **kwargs}
    )


def write_feeder(path, header, rows) -> str:
    path.write_text("\n".join([",".join(header), *(",".join(r) for r in rows)]) + "\n")
    return str(path)


def crud(names: http.Feeder) -> http.HttpJourney:
    body = '{"name": "{name}", "dose_mg": 5}'
    return http.journey(
        "crud",
        [
            http.get("list", "/api/v1/medications"),
            http.post("create", "/api/v1/medications", body=body, capture={"id": "$.id"}),
            http.get("read", "/api/v1/medications/{id}", check={"$.data.name": "{name}"}),
            http.put(
                "update",
                "/api/v1/medications/{id}",
                body='{"name": "{name}-2", "dose_mg": 10}',
                expect_status=200,
            ),
            http.get("reread", "/api/v1/medications/{id}", check={"$.data.name": "{name}-2"}),
            http.delete("remove", "/api/v1/medications/{id}", expect_status=204),
            http.get("gone", "/api/v1/medications/{id}", expect_status=404),
        ],
        feeder=names,
    )


def test_crud_journey_reads_back_what_it_wrote_and_deletes_it(target, tmp_path):
    names = http.feeder(write_feeder(tmp_path / "n.csv", ["name"], [[f"m{i}"] for i in range(20)]))
    result = surge.run(scenario(target, [crud(names)], requests=200, threads=2))
    row = result.operations["crud"]
    assert row["kind"] == "journey"
    assert row["started"] == row["completed"] == 200
    assert row["aborted"] == 0 and row["error_count"] == 0
    for step in ("list", "create", "read", "update", "reread", "remove", "gone"):
        assert result.operations[f"crud/{step}"]["count"] == 200
        assert result.operations[f"crud/{step}"]["error_count"] == 0
        assert result.operations[f"crud/{step}"]["kind"] == "step"
    # The totals count requests, the steps, not the journeys once more.
    assert result.total["count"] == 7 * 200
    assert target.requests_served == 7 * 200
    # Every record it created, it deleted.
    with urllib.request.urlopen(f"{target.url}/api/v1/medications") as response:
        assert json.loads(response.read()) == []
    # A journey's time is the whole transaction: at least its slowest step's.
    assert row["latency"]["max"] >= result.operations["crud/read"]["latency"]["min"]
    held = surge.slo.check(result, "journey:crud p99 < 10s", "step:crud/read error_rate < 0.1%")
    assert [v.ok for v in held] == [True, True], held
    # A journey's p99 is at least its seven steps' time: 1 us cannot hold; nor can a step that
    # never failed have a success rate under 50%.
    broken = surge.slo.check(result, "journey:crud p99 < 1us", "step:crud/read success_rate < 50%")
    assert [v.ok for v in broken] == [False, False], broken


def accounts_journey(users: http.Feeder, cookies: bool = True) -> http.HttpJourney:
    return http.journey(
        "account",
        [
            http.post(
                "login",
                "/api/v1/login",
                body='{"user": "{user}", "password": "{password}"}',
                capture={"token": "$.token"},
                check={"$.user": "{user}"},
            ),
            http.get(
                "me",
                "/api/v1/me",
                headers={"Authorization": "Bearer {token}"},
                check={"$.user": "{user}", "status": "200"},
            ),
            http.post("open", "/api/v1/session", capture={"cookie": "header:Set-Cookie"}),
            http.get("visit", "/api/v1/session", check={"$.visits": {"matches": "^1$"}}),
            http.delete("close", "/api/v1/session", expect_status=204),
        ],
        feeder=users,
        cookies=cookies,
    )


def users_file(tmp_path, n: int, password=lambda u: f"pw-{u}") -> str:
    return write_feeder(
        tmp_path / "users.csv",
        ["user", "password"],
        [[f"u{i}", password(f"u{i}")] for i in range(n)],
    )


def test_login_journey_needs_the_feeder_the_token_and_the_cookie(target, tmp_path):
    users = http.feeder(users_file(tmp_path, 50), mode="unique")
    result = surge.run(scenario(target, [accounts_journey(users)], requests=50))
    row = result.operations["account"]
    assert row["completed"] == 50, row
    assert result.total["error_count"] == 0


def test_without_cookies_the_session_step_aborts_the_journey(target, tmp_path):
    users = http.feeder(users_file(tmp_path, 10))
    result = surge.run(scenario(target, [accounts_journey(users, cookies=False)], requests=30))
    row = result.operations["account"]
    assert row["completed"] == 0
    assert row["aborted"] == 30
    assert row["aborted_by_step"] == {"account/visit": 30}
    assert row["errors"] == {"http_4xx": 30}
    assert "step 'account/visit': HTTP 401" in row["error_examples"]["http_4xx"][0]
    # Aborted at the visit: the close after it is never sent.
    assert result.operations["account/close"]["count"] == 0
    assert result.operations["account/open"]["count"] == 30


def test_a_wrong_password_aborts_at_login_and_nothing_after_it_is_sent(target, tmp_path):
    users = http.feeder(users_file(tmp_path, 5, password=lambda u: "wrong"))
    result = surge.run(scenario(target, [accounts_journey(users)], requests=20))
    row = result.operations["account"]
    assert row["aborted_by_step"] == {"account/login": 20}
    assert result.operations["account/me"]["count"] == 0


def test_a_missing_capture_is_the_step_failing_with_its_reason(target, tmp_path):
    journey = http.journey(
        "j",
        [
            http.get("info", "/api/v1/model/info", capture={"v": "$.no_such_field"}),
            http.get("after", "/api/v1/health?v={v}"),
        ],
    )
    result = surge.run(scenario(target, [journey], requests=10))
    row = result.operations["j"]
    assert row["aborted_by_step"] == {"j/info": 10}
    assert "$.no_such_field is not in the body" in row["error_examples"]["check_failed"][0]
    assert result.operations["j/info"]["errors"] == {"check_failed": 10}
    assert result.operations["j/after"]["count"] == 0


def test_unique_feeder_runs_out_and_stops_the_run(target, tmp_path):
    users = http.feeder(users_file(tmp_path, 12), mode="unique")
    result = surge.run(
        scenario(target, [accounts_journey(users)], requests=None, duration="20s", threads=2)
    )
    row = result.operations["account"]
    assert row["completed"] == 12
    assert row["not_started"] >= 1
    assert row["errors"] == {"feeder_exhausted": row["not_started"]}
    # It stopped by itself, long before its 20 s.
    assert result["duration_s"] < 10


def test_feeder_modes_hand_out_rows(target, tmp_path):
    keys = [[f"k{i}"] for i in range(4)]
    path = write_feeder(tmp_path / "keys.csv", ["key"], keys)

    def stored(mode: str, n: int) -> dict[str, int]:
        """Each row's key, and the number of the request that wrote it last."""
        step = http.put("put", "/cache/{key}-" + mode, body="{seq}", expect_status=(200, 201, 204))
        surge.run(
            scenario(
                target,
                [http.journey("j", [step], feeder=http.feeder(path, mode))],
                requests=n,
                load=surge.Connections(1),
            )
        )
        values = {k: target.cache_get(f"{k}-{mode}") for (k,) in keys}
        return {k: int(v) for k, v in values.items() if v is not None}

    def in_file_order(last: dict[str, int]) -> bool:
        # Rows handed out round and round: the last four requests wrote k0..k3, in that order.
        writes = [last.get(f"k{i}") for i in range(4)]
        return None not in writes and writes == list(range(writes[0], writes[0] + 4))

    assert in_file_order(stored("circular", 8))
    assert set(stored("unique", 3)) == {"k0", "k1", "k2"}
    # Drawn at random (with replacement): 40 draws reach more than one row, and not in the
    # file's order.
    random_rows = stored("random", 40)
    assert len(random_rows) >= 2 and not in_file_order(random_rows), random_rows


def test_json_lines_feeder(target, tmp_path):
    path = tmp_path / "users.jsonl"
    path.write_text(
        "\n".join(json.dumps({"user": f"u{i}", "password": f"pw-u{i}"}) for i in range(5))
    )
    result = surge.run(scenario(target, [accounts_journey(http.feeder(str(path)))], requests=10))
    assert result.operations["account"]["completed"] == 10


def test_on_failure_continue_and_restart(target):
    def journey(on_failure: str) -> http.HttpJourney:
        return http.journey(
            "j",
            [
                http.get(
                    "missing",
                    "/api/v1/medications/999999",
                    expect_status=200,
                    on_failure=on_failure,
                ),
                http.get("health", "/api/v1/health"),
            ],
        )

    went_on = surge.run(scenario(target, [journey("continue")], requests=20))
    assert went_on.operations["j/missing"]["errors"] == {"http_4xx": 20}
    assert went_on.operations["j/health"]["count"] == 20
    assert went_on.operations["j"]["completed"] == 20

    restarted = surge.run(
        scenario(
            target, [journey("restart")], requests=None, duration="0.3s", load=surge.Connections(1)
        )
    )
    row = restarted.operations["j"]
    assert row["aborted"] > 1 and row["completed"] == 0
    assert restarted.operations["j/health"]["count"] == 0


def test_think_time_between_steps_is_in_the_transaction(target):
    journey = http.journey(
        "j",
        [http.get("a", "/api/v1/health", think="50ms"), http.get("b", "/api/v1/health")],
    )
    result = surge.run(scenario(target, [journey], requests=10, load=surge.Connections(2)))
    latency = result.operations["j"]["latency"]
    assert latency["min"] >= 50
    # Each step is timed from its own intended start, not the journey's.
    assert result.operations["j/b"]["latency"]["max"] < 50


def test_journeys_beside_plain_operations_in_the_open_model(target):
    journey = http.journey(
        "j", [http.get("a", "/api/v1/health"), http.get("b", "/api/v1/model/info")], weight=1
    )
    plain = http.get("health", "/api/v1/health", weight=1)
    result = surge.run(
        scenario(
            target, [journey, plain], load=surge.ConstantRate(400, connections=8), requests=400
        )
    )
    row = result.operations["j"]
    assert 120 < row["completed"] < 280
    assert row["completed"] + result.operations["health"]["count"] == 400
    assert result.total["count"] == 2 * row["completed"] + result.operations["health"]["count"]
    assert result.total["error_count"] == 0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: http.get("a", "/x/{id}"), "unknown template variable {id}"),
        (
            lambda: http.journey("j", [http.get("a", "/x/{id}")]),
            "uses {id} before any step captures it",
        ),
        (lambda: http.get("a", "/", capture={"id": "json"}), "unknown source 'json'"),
        (lambda: http.get("a", "/", capture={"1d": "$.id"}), "must be an identifier"),
        (lambda: http.get("a", "/", check={"$.id": {"near": 1}}), "a check is a string"),
        (lambda: http.get("a", "/", check={"$.id": {"matches": "("}}), "bad pattern"),
        (lambda: http.get("a", "/", on_failure="retry"), "on_failure must be one of"),
        (lambda: http.get("a", "/", think="soon"), "think"),
        (lambda: http.journey("j", []), "needs at least one step"),
        (lambda: http.journey("a/b", [http.get("a", "/")]), "has no '/'"),
        (
            lambda: http.journey("j", [http.get("a", "/"), http.get("a", "/")]),
            "names must be unique",
        ),
        (lambda: http.feeder("/no/such/file.csv"), "cannot read it"),
    ],
)
def test_bad_journeys_are_refused_with_one_line(build, message, target):
    with pytest.raises(ConfigError, match=None) as caught:
        built = build()
        surge.Scenario(name="t", base_url=target.url, operations=[built], requests=1, duration=None)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_bad_feeder_files(tmp_path):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("user,password\nu1,p1\nu2\n")
    with pytest.raises(ConfigError, match="line 3: expected 2 fields as the header has, got 1"):
        http.feeder(str(ragged))
    bad_column = tmp_path / "col.csv"
    bad_column.write_text("user name\nx\n")
    with pytest.raises(ConfigError, match="must be an identifier"):
        http.feeder(str(bad_column))
    empty = tmp_path / "empty.csv"
    empty.write_text("user\n")
    with pytest.raises(ConfigError, match="has no rows"):
        http.feeder(str(empty))
    with pytest.raises(ConfigError, match="mode must be one of"):
        http.feeder(str(ragged), mode="sequential")


def test_journeys_refuse_http2(target):
    with pytest.raises(ConfigError, match=r"HTTP/1\.1 only"):
        surge.Scenario(
            name="t",
            base_url=target.url,
            operations=[http.journey("j", [http.get("a", "/")])],
            http_version="2",
            requests=1,
            duration=None,
        )


def test_yaml_scenario_file_runs_from_the_cli(target, tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    scenarios = Path(__file__).resolve().parents[1] / "scenarios"
    for name in ("accounts.yaml", "accounts.csv"):
        shutil.copy(scenarios / name, tmp_path / name)
    out = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, "-m", "surge.cli", "run", str(tmp_path / "accounts.yaml"),
         "--set", f"base_url={target.url}", "--set", "duration=1s", "-q", "--json", str(out)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "journeys:" in done.stdout and "account:" in done.stdout
    result = json.loads(out.read_text())
    row = result["operations"]["account"]
    assert row["completed"] > 10 and row["aborted"] == 0
    assert result["total"]["error_count"] == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "name: x\nbase_url: http://h\nload: {users: 1}\n",
            "line 1: no journeys, operations, scripts or commands",
        ),
        ("name: x\nbase_url: http://h\nbogus: 1\n", "line 3: unknown key 'bogus' in the scenario"),
        (
            "name: x\nbase_url: redis://h\ncommands:\n  - {name: g}\n",
            "line 4: a command needs name: and command:",
        ),
        (
            "name: x\nbase_url: redis://h\ncommands:\n  - {name: g, command: GET k, ttl: 3}\n",
            "line 4: unknown key 'ttl' in a command",
        ),
        (
            "name: x\nbase_url: redis://h\nread_from: nearest\ncommands:\n"
            "  - {name: g, command: GET k}\n",
            "read_from: 'primary', 'replica' or 'any'",
        ),
        (
            "name: x\nbase_url: http://h\noperations:\n  - {name: a, get: /, bdy: x}\n",
            "line 4: unknown key 'bdy'",
        ),
        (
            "name: x\nbase_url: http://h\noperations:\n  - {name: a}\n",
            "line 4: an operation: say what to send",
        ),
        (
            "name: x\nbase_url: http://h\njourneys:\n  - name: j\n    steps:\n"
            "      - {name: a, get: '/{id}'}\n",
            "line 4: journey 'j', step 'a': uses {id} before any step captures it",
        ),
        (
            "name: x\nbase_url: http://h\njourneys:\n  - name: j\n    feeder: nope\n"
            "    steps: [{name: a, get: /}]\n",
            "line 5: journey 'j': no feeder 'nope'",
        ),
        ("name: x\nbase_url: http://h\nfeeders:\n  f: {file: missing.csv}\n", "line 4: feeder"),
        ("name: x\n  base_url: [\n", "not YAML"),
        (
            "name: x\nbase_url: http://h\nload: {users: -1}\noperations: [{name: a, get: /}]\n",
            "line 3:",
        ),
        (
            "name: x\nbase_url: http://h\noperations:\n"
            "  - {name: a, get: /, capture: {id: $.id}}\n",
            "line 4: operation 'a': capture=, check=",
        ),
    ],
)
def test_yaml_mistakes_name_the_line(tmp_path, text, message):
    from surge.model.loader import load_scenarios

    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        for factory in load_scenarios(path).values():
            factory()
    assert message in str(caught.value), str(caught.value)
    assert str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


def test_the_seed_scenarios_journeys_run_clean(target):
    from scenario_modules import load_scenario_module

    medications = load_scenario_module("medication_api")
    classifier = load_scenario_module("image_classifier")
    cache = load_scenario_module("cache_server")
    for journey, n in [
        (medications.crud(think=None), 40),
        (classifier.session_journey(), 40),
        (cache.miss_set_hit(300), 40),
    ]:
        result = surge.run(scenario(target, [journey], requests=n))
        row = result.operations[journey.name]
        assert row["completed"] == n, (journey.name, row)
        assert result.total["error_count"] == 0, (journey.name, result.total["errors"])
        if journey.name == "miss_set_hit":
            # The same key: a miss, then a hit, every time.
            assert result.operations["miss_set_hit/miss"]["misses"] == n
            assert result.operations["miss_set_hit/hit"]["hits"] == n
    with urllib.request.urlopen(f"{target.url}/api/v1/medications") as response:
        assert json.loads(response.read()) == []  # every record created was deleted


def test_a_transaction_times_its_group_of_steps(target):
    journey = http.journey(
        "shop",
        [
            http.get("browse", "/api/v1/health"),
            http.transaction(
                "checkout",
                [
                    http.post(
                        "add",
                        "/api/v1/medications",
                        body='{"n": 1}',
                        capture={"id": "$.id"},
                        think="20ms",
                    ),
                    http.delete("pay", "/api/v1/medications/{id}", expect_status=204),
                ],
            ),
            http.get("after", "/api/v1/medications/{id}", expect_status=200),  # gone: 404 aborts
        ],
    )
    result = surge.run(scenario(target, [journey], requests=20))
    checkout = result.operations["shop/checkout"]
    assert checkout["kind"] == "transaction" and checkout["steps"] == ["shop/add", "shop/pay"]
    assert checkout["count"] == 20 and checkout["error_count"] == 0
    # The group's time holds both steps and the think time between them, and not the others.
    assert checkout["latency"]["min"] >= 20
    assert result.operations["shop"]["aborted_by_step"] == {"shop/after": 20}
    assert result.total["count"] == 4 * 20  # the transaction's row is not requests
    assert surge.slo.check(result, "transaction:shop/checkout p50 > 20ms")[0].ok


def test_distributed_merge_adds_journey_counts(target, tmp_path):
    from surge.running.distributed.merge import merge_documents

    users = http.feeder(users_file(tmp_path, 10))
    ok = surge.run(scenario(target, [accounts_journey(users)], requests=20))
    broken = surge.run(scenario(target, [accounts_journey(users, cookies=False)], requests=10))
    merged = merge_documents([dict(ok), dict(broken)], dict(ok)["load"], keep_histograms=True)
    row = merged["operations"]["account"]
    assert (row["started"], row["completed"], row["aborted"]) == (30, 20, 10)
    assert row["aborted_by_step"] == {"account/visit": 10}
    assert merged["total"]["count"] == ok.total["count"] + broken.total["count"]


def test_every_step_waits_the_emulated_network(target):
    journey = http.journey("j", [http.get("a", "/api/v1/health"), http.get("b", "/api/v1/health")])
    result = surge.run(scenario(target, [journey], requests=10, network_latency="20ms"))
    for step in ("j/a", "j/b"):
        assert result.operations[step]["latency"]["min"] >= 20, step
    assert result.operations["j"]["latency"]["min"] >= 40


def test_a_value_that_would_inject_a_header_fails_its_step_unsent(target, tmp_path):
    names = tmp_path / "names.csv"
    names.write_text('name\n"x\r\nX-Evil: 1"\n')
    journey = http.journey(
        "j",
        [http.transaction("t", [http.get("s", "/api/v1/health", headers={"X-Name": "{name}"})])],
        feeder=http.feeder(str(names)),
    )
    result = surge.run(scenario(target, [journey], requests=5))
    assert result.operations["j"]["aborted_by_step"] == {"j/s": 5}
    assert (
        "'name' holds a line break" in result.operations["j"]["error_examples"]["check_failed"][0]
    )
    assert result.operations["j/t"]["errors"] == {"check_failed": 5}
    assert target.requests_served == 0
