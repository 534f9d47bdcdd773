"""PostgreSQL load against a real server started by the tests (surge.services.PostgresServer)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
import surge
from surge import postgres
from surge.services import PostgresServer


@pytest.fixture(scope="module")
def server():
    with PostgresServer() as s:
        yield s


@pytest.fixture
def dsn(server):
    postgres.execute(
        server.dsn,
        """
        DROP TABLE IF EXISTS kv, log, counter;
        CREATE TABLE kv (k int PRIMARY KEY, v text NOT NULL);
        CREATE TABLE log (id bigserial PRIMARY KEY, seq int NOT NULL, lane int, note text);
        CREATE TABLE counter (id int PRIMARY KEY, n bigint NOT NULL);
        INSERT INTO counter VALUES (1, 0);
        """,
    )
    return server.dsn


def scenario(dsn: str, operations, **kwargs) -> surge.Scenario:
    defaults = {"load": surge.Users(4), "duration": "1s"}
    return surge.Scenario(name="pg", base_url=dsn, operations=operations, **{**defaults, **kwargs})


def scalar(dsn: str, sql: str) -> int:
    return int(postgres.execute(dsn, sql)[0][0])


def test_parameters_reach_the_server_as_rendered(dsn):
    write = postgres.query(
        "put",
        "INSERT INTO kv (k, v) VALUES ($1, $2)",
        params=["{k}", "value-{k}-{choice(a,b)}"],
        variables={"k": "seq(1,500)"},
    )
    result = surge.run(scenario(dsn, [write], load=surge.Iterations(500, concurrency=8)))
    assert result.total["count"] == 500 and result.total["error_count"] == 0
    rows = postgres.execute(dsn, "SELECT k, v FROM kv ORDER BY k")
    assert [int(k) for k, _ in rows] == list(range(1, 501))
    # Variables are drawn once per operation: both parameters saw the same k.
    assert all(v in (f"value-{k}-a", f"value-{k}-b") for k, v in rows)


def test_reads_count_hits_and_misses(dsn):
    postgres.execute(dsn, "INSERT INTO kv SELECT g, 'x' FROM generate_series(1, 1000) g")
    read = postgres.query(
        "get", "SELECT v FROM kv WHERE k = $1", params=["{uniform(1,4000)}"], read=True
    )
    total = surge.run(scenario(dsn, [read], requests=4000)).total
    assert total["hits"] + total["misses"] == total["count"] == 4000
    # A quarter of the keys exist: the hit rate is 0.25 within 5 standard deviations.
    assert total["hit_rate"] == pytest.approx(0.25, abs=5 * (0.25 * 0.75 / 4000) ** 0.5)


def test_a_pipeline_keeps_order_and_times_each_operation(dsn):
    insert = postgres.query(
        "log", "INSERT INTO log (seq) VALUES ($1)", params=["{seq}"], variables={"seq": "seq"}
    )
    # One connection carrying 16 operations at a time, at a fixed rate.
    result = surge.run(
        scenario(
            dsn,
            [insert],
            load=surge.ConstantRate(2000, connections=1),
            pipeline=16,
            duration="1s",
        )
    )
    total = result.total
    assert total["count"] == 2000 and total["error_count"] == 0
    # The server ran them in the order they were drawn: ids follow the sequence.
    seqs = [int(r[0]) for r in postgres.execute(dsn, "SELECT seq FROM log ORDER BY id")]
    assert seqs == sorted(seqs) and len(set(seqs)) == 2000
    # Each operation leaves when it is due, not when a batch fills: waiting for 16 at 2000/s
    # would hold operations up to 7.5 ms, the median 3.75 ms and the p90 6.75 ms. (A shared CI
    # host once put the p90 at 1.64 ms with nothing wrong; the pinned figure is
    # benchmarks/schedule_accuracy.py's.)
    lag = total["schedule_lag"]["percentiles"]
    assert lag["50"] < 0.5 and lag["90"] < 3.0, lag
    assert total["latency"]["percentiles"]["50"] < 5


def test_a_transaction_is_one_operation_and_all_or_nothing(dsn):
    transfer = postgres.transaction(
        "pair",
        [
            postgres.statement("INSERT INTO log (seq, note) VALUES ($1, 'first')", ["{i}"]),
            postgres.statement("INSERT INTO log (seq, note) VALUES ($1, 'second')", ["{i}"]),
            postgres.statement("SELECT count(*) FROM log WHERE seq = $1", ["{i}"]),
        ],
        variables={"i": "seq"},
    )
    result = surge.run(scenario(dsn, [transfer], load=surge.Iterations(300, concurrency=6)))
    assert result.total["count"] == 300 and result.total["error_count"] == 0
    assert scalar(dsn, "SELECT count(*) FROM log") == 600
    assert scalar(dsn, "SELECT count(DISTINCT seq) FROM log") == 300

    # The second statement fails (a duplicate key): the first is rolled back with it.
    postgres.execute(dsn, "INSERT INTO kv VALUES (7, 'taken')")
    failing = postgres.transaction(
        "half",
        [
            postgres.statement("INSERT INTO log (seq, note) VALUES ($1, 'orphan')", ["{seq}"]),
            "INSERT INTO kv VALUES (7, 'again')",
        ],
    )
    result = surge.run(scenario(dsn, [failing], requests=50))
    assert result.total["error_count"] == 50
    assert result.total["sqlstates"] == {"23505": 50}
    assert scalar(dsn, "SELECT count(*) FROM log WHERE note = 'orphan'") == 0


def test_sql_errors_are_counted_by_sqlstate_and_the_run_goes_on(dsn):
    ops = [
        postgres.query("ok", "SELECT $1::int", params=["{uniform(1,9)}"], weight=3),
        postgres.query("div0", "SELECT 1 / $1::int", params=["0"]),
        postgres.query("dup", "INSERT INTO counter VALUES (1, 0)"),
    ]
    result = surge.run(scenario(dsn, ops, requests=3000))
    by_op = result.operations
    assert by_op["ok"]["error_count"] == 0 and by_op["ok"]["count"] > 1500
    assert by_op["div0"]["sqlstates"] == {"22012": by_op["div0"]["count"]}
    assert by_op["dup"]["sqlstates"] == {"23505": by_op["dup"]["count"]}
    assert by_op["div0"]["error_examples"]["error_reply"][0] == "22012: division by zero"
    classes = result.total["sqlstate_classes"]
    assert classes["22"]["name"] == "data_exception"
    dup = by_op["dup"]["count"]
    assert classes["23"] == {"name": "integrity_constraint_violation", "count": dup}
    assert result.total["count"] == 3000


def serializable_dsn(dsn: str) -> str:
    return dsn + "?options=-c%20default_transaction_isolation%3Drepeatable%5C%20read"


def test_serialization_failures_are_counted_and_retried_on_request(dsn):
    bump = "UPDATE counter SET n = n + 1 WHERE id = 1"
    contended = serializable_dsn(dsn)
    plain = surge.run(scenario(contended, [postgres.query("bump", bump)], load=surge.Users(8)))
    assert plain.total["sqlstates"].get("40001", 0) > 0  # concurrent updates of one row
    assert plain.total["retries"] == 0

    postgres.execute(dsn, "UPDATE counter SET n = 0")
    retried = surge.run(
        scenario(contended, [postgres.query("bump", bump, retries=50)], load=surge.Users(8))
    )
    total = retried.total
    assert total["retries"] > 0
    assert total["error_count"] == 0
    # Every operation counted as a success committed exactly once.
    assert scalar(dsn, "SELECT n FROM counter") == total["count"]


def test_the_run_survives_a_server_restart():
    with PostgresServer() as server:
        postgres.execute(server.dsn, "CREATE TABLE t (x int)")
        op = postgres.query("insert", "INSERT INTO t VALUES ($1)", params=["{uniform(1,9)}"])
        restarted = threading.Event()

        def chaos(report):
            if report.elapsed_s >= 1.0 and not restarted.is_set():
                restarted.set()
                threading.Thread(target=server.restart, kwargs={"down_s": 0.5}).start()

        result = surge.run(
            scenario(server.dsn, [op], duration="4s", interval="0.5s", load=surge.Users(4)),
            progress=chaos,
        )
        assert restarted.is_set()
        total = result.total
        assert total["error_count"] > 0  # sessions cut, refused connects while down
        assert set(total["errors"]) <= {"reset", "refused", "error_reply"}
        rows = result["timeseries_total"]
        assert rows[0]["count"] > 0 and rows[-1]["count"] > 0  # before, and after it came back
        assert rows[-1]["errors"] == 0
        # Each operation has one outcome: the kinds add up, the intervals add up to the totals.
        assert sum(total["errors"].values()) == total["error_count"]
        assert sum(r["count"] for r in rows) == total["count"] and result["unfinished"] == 0
        assert sum(r["errors"] for r in rows) == total["error_count"]
        # A success committed once, and a failed insert never did (the server was gone).
        assert scalar(server.dsn, "SELECT count(*) FROM t") == total["count"] - total["error_count"]


def test_a_pgbench_script_keeps_its_invariant_when_surge_s_backends_are_terminated(server):
    # Issue 35: pg_terminate_backend on every surge connection mid-run. Each tpcb-like
    # transaction commits whole or not at all, so pgbench's rule still holds (the four sums
    # equal), and the history has one row per success, plus at most one per transaction whose
    # connection was cut while its commit was in doubt. The run goes on, reconnected.
    from surge.protocols.postgres import pgbench

    pgbench.init_tables(server.dsn, 1)
    cut = threading.Event()
    terminated: list[int] = []

    def chaos(report):
        if report.elapsed_s >= 1.0 and not cut.is_set():
            cut.set()
            rows = postgres.execute(
                server.dsn,
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
            )
            terminated.append(int(rows[0][0]))

    result = surge.run(
        scenario(server.dsn, [postgres.script(builtin="tpcb-like")], duration="3s",
                 interval="0.5s", load=surge.Users(4)),
        progress=chaos,
    )  # fmt: skip
    assert terminated and terminated[0] >= 4, terminated
    total = result.total
    assert total["error_count"] > 0 and set(total["errors"]) <= {"reset", "error_reply"}
    assert result["timeseries_total"][-1]["count"] > 0  # it went on after the cut
    history, sums, *_ = _pgbench_state(server.dsn)
    assert len(sums) == 1, sums
    succeeded = total["count"] - total["error_count"]
    assert succeeded <= history <= succeeded + total["error_count"], (history, total)


def test_password_stays_out_of_results(tmp_path):
    with PostgresServer(password="pg-s3cret") as server:
        op = postgres.query("one", "SELECT 1")
        result = surge.run(scenario(server.dsn, [op], requests=20))
        assert result.total["error_count"] == 0
        out = tmp_path / "r.json"
        result.save(out)
        text = out.read_text()
        assert "pg-s3cret" not in text
        assert "surge:***@127.0.0.1" in json.loads(text)["scenario"]["base_url"]
        keywords = (
            f"host=127.0.0.1 port={server.port} dbname=postgres user=surge password=pg-s3cret"
        )
        result = surge.run(scenario(keywords, [op], requests=20))
        assert result.total["error_count"] == 0
        assert "pg-s3cret" not in json.dumps(dict(result))
        wrong = server.dsn.replace("pg-s3cret", "wrong-pw")
        with pytest.raises(surge.ConfigError) as failure:
            surge.run(scenario(wrong, [op], requests=1))
        assert "password authentication failed" in str(failure.value)
        assert "wrong-pw" not in str(failure.value)


@pytest.mark.parametrize(
    ("sql", "params", "message"),
    [
        ("SELEC 1", [], "syntax error"),
        ("SELECT $1::int", [], "takes 1 parameter(s) but 0 were given"),
        ("SELECT * FROM missing_table", [], "does not exist"),
        ("BEGIN", [], "leave out BEGIN/COMMIT"),
        ("SELECT $1::int", ["{nosuch}"], "nosuch"),
    ],
)
def test_bad_sql_is_a_clear_error_before_the_run(dsn, sql, params, message):
    with pytest.raises(surge.ConfigError, match="operation 'q'") as failure:
        surge.run(scenario(dsn, [postgres.query("q", sql, params=params)], requests=1))
    assert message in str(failure.value)
    assert "\n" not in str(failure.value)


def cli(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "surge.cli", "pg", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_cli_builtin_init_and_tpcb_like(server, tmp_path):
    out = tmp_path / "tpcb.json"
    done = cli(server.dsn, "--builtin", "tpcb-like", "--init", "--scale", "1", "-c", "4", "-P", "2",
               "-d", "1s", "-q", "--json", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    tx = document["operations"]["tpcb_like"]
    assert tx["count"] > 50 and tx["error_count"] == 0
    # pgbench's invariant: every delta went to an account, a teller, a branch and the history.
    balances = postgres.execute(
        server.dsn,
        "SELECT (SELECT sum(abalance) FROM pgbench_accounts), "
        "(SELECT sum(tbalance) FROM pgbench_tellers), "
        "(SELECT sum(bbalance) FROM pgbench_branches), "
        "(SELECT sum(delta) FROM pgbench_history), (SELECT count(*) FROM pgbench_history)",
    )[0]
    assert len(set(balances[:4])) == 1
    assert int(balances[4]) == tx["count"]
    assert scalar(server.dsn, "SELECT count(*) FROM pgbench_accounts") == 100_000
    done = cli(server.dsn, "--builtin", "select-only", "-n", "2000", "-q")
    assert done.returncode == 0, done.stderr
    row = next(line.split() for line in done.stdout.splitlines() if line.startswith("select_only"))
    assert row[1] == "2,000"  # counts are printed with thousands separators


def _pgbench_state(dsn: str) -> tuple[int, set[str], int, int, int]:
    """pgbench's invariant and the ranges its script draws from: (history rows, the distinct
    sums of the four balances and the deltas, the largest aid, tid and bid in the history)."""
    row = postgres.execute(
        dsn,
        "SELECT (SELECT count(*) FROM pgbench_history), (SELECT sum(abalance) FROM "
        "pgbench_accounts), (SELECT sum(tbalance) FROM pgbench_tellers), (SELECT sum(bbalance) "
        "FROM pgbench_branches), (SELECT sum(delta) FROM pgbench_history), "
        "(SELECT max(aid) FROM pgbench_history), (SELECT max(tid) FROM pgbench_history), "
        "(SELECT max(bid) FROM pgbench_history)",
    )[0]
    return int(row[0]), set(row[1:5]), int(row[5] or 0), int(row[6] or 0), int(row[7] or 0)


def test_a_pgbench_script_file_makes_the_same_workload_in_pgbench_and_surge(server, tmp_path):
    # Issue 35: pgbench's own tpcb-like script, written out as a file, through pgbench -f and
    # through surge pg -f. Both keep pgbench's invariant (the four sums equal), write one
    # history row per transaction, and draw aid, tid and bid from the script's ranges at
    # scale 2 (200,000 accounts, 20 tellers, 2 branches).
    from surge.protocols.postgres import pgbench, pgbench_script
    from surge.services.postgres_server import _bindir

    pgbench.init_tables(server.dsn, 2)
    script = tmp_path / "tpcb.sql"
    script.write_text(pgbench_script.BUILTIN_SCRIPTS["tpcb-like"])
    ran = subprocess.run(
        [str(_bindir() / "pgbench"), "-n", "-s", "2", "-f", str(script), "-c", "2", "-t", "300",
         server.dsn],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    rows, sums, most_aid, most_tid, most_bid = _pgbench_state(server.dsn)
    assert rows == 600 and len(sums) == 1, (rows, sums)
    assert most_aid <= 200_000 and most_tid <= 20 and most_bid <= 2
    # The same again through surge, on fresh tables: --scale is pgbench's -s for a script.
    pgbench.init_tables(server.dsn, 2)
    out = tmp_path / "surge.json"
    done = cli(server.dsn, "-f", str(script), "--scale", "2", "-c", "2", "-n", "600", "-q",
               "--json", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows, sums, most_aid, most_tid, most_bid = _pgbench_state(server.dsn)
    assert rows == 600 and len(sums) == 1, (rows, sums)
    assert 100_000 < most_aid <= 200_000 and 10 < most_tid <= 20 and most_bid == 2
    document = json.loads(out.read_text())
    assert document["operations"]["tpcb"]["count"] == 600
    assert document["operations"]["tpcb"]["error_count"] == 0
    # Weighted scripts make a mix, pgbench's FILE@WEIGHT: the built-ins read the tables' scale.
    done = cli(server.dsn, "-b", "select-only@3", "-f", f"{script}@1", "-n", "4000", "-q")
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line}
    reads, writes = (int(lines[name][1].replace(",", "")) for name in ("select_only", "tpcb"))
    assert reads + writes == 4000 and 2.5 < reads / writes < 3.5, (reads, writes)


# One script through pgbench and through surge: arithmetic on a draw, the hash functions,
# permute, :client_id and \\if branches, each row tagged with the tool that wrote it.
EXPRESSIONS_SCRIPT = """\
\\set default_seed 99
\\set r random(1, 500) * 2 - (random(0, 1))
\\set twice :r * 2 + 0.5
\\set f hash_fnv1a(:r, 11)
\\set m hash_murmur2(-:r, 7)
\\set h hash(:r)
\\set p permute(:r - 1, 1000, 3)
\\set big CASE WHEN :r > 500 THEN 1 ELSE 0 END
\\if :r % 2 = 0
\\set kind 2
INSERT INTO evens VALUES (:r, :client_id, :f, :m, :h, :p, :big, :kind, :twice, '{tool}');
\\elif :r % 3 = 0
INSERT INTO odds VALUES (:r, :client_id, :f, :m, :h, :p, :big, 3, :twice, '{tool}');
\\else
INSERT INTO odds VALUES (:r, :client_id, :f, :m, :h, :p, :big, 1, :twice, '{tool}');
\\endif
"""


def test_a_pgbench_script_s_expressions_and_branches_agree_with_pgbench(server, tmp_path):
    from surge.services.postgres_server import _bindir

    columns = "r bigint, client int, f bigint, m bigint, h bigint, p bigint, big int, kind int, "
    postgres.execute(
        server.dsn,
        f"DROP TABLE IF EXISTS evens, odds; CREATE TABLE evens ({columns} twice float8, tool text);"
        f"CREATE TABLE odds ({columns} twice float8, tool text);",
    )
    for tool in ("pgbench", "surge"):
        script = tmp_path / f"{tool}.sql"
        script.write_text(EXPRESSIONS_SCRIPT.replace("{tool}", tool))
        if tool == "pgbench":
            ran = subprocess.run(
                [str(_bindir() / "pgbench"), "-n", "-f", str(script), "-c", "2", "-t", "1500",
                 server.dsn],
                capture_output=True, text=True, timeout=120,
            )  # fmt: skip
        else:
            ran = cli(server.dsn, "-f", str(script), "-c", "3", "-n", "3000", "-q")
        assert ran.returncode == 0, ran.stderr

    def rows(sql: str) -> list[tuple]:
        return [tuple(row) for row in postgres.execute(server.dsn, sql)]

    everything = "SELECT * FROM evens UNION ALL SELECT * FROM odds"
    assert rows(f"SELECT tool, count(*) FROM ({everything}) a GROUP BY tool ORDER BY tool") == [
        ("pgbench", "3000"),
        ("surge", "3000"),
    ]
    # The branches: evens hold even r with kind 2; odds hold odd r, kind 3 when r % 3 = 0.
    assert rows("SELECT count(*) FROM evens WHERE r % 2 <> 0 OR kind <> 2") == [("0",)]
    assert rows(
        "SELECT count(*) FROM odds WHERE r % 2 = 0 OR kind <> CASE WHEN r % 3 = 0 THEN 3 ELSE 1 END"
    ) == [("0",)]
    # Arithmetic on draws: r in 1..1000, twice a double, big the CASE.
    assert rows(
        f"SELECT count(*) FROM ({everything}) a WHERE r NOT BETWEEN 1 AND 1000 "
        "OR twice <> r * 2 + 0.5 OR big <> (r > 500)::int"
    ) == [("0",)]
    # The hash functions give pgbench's values for every r both tools drew.
    compared, differing = rows(
        f"SELECT count(*), count(*) FILTER (WHERE s.f <> b.f OR s.m <> b.m OR s.h <> b.h) "
        f"FROM (SELECT DISTINCT r, f, m, h FROM ({everything}) a WHERE tool = 'surge') s "
        f"JOIN (SELECT DISTINCT r, f, m, h FROM ({everything}) a WHERE tool = 'pgbench') b "
        "USING (r)"
    )[0]
    assert int(compared) > 500 and differing == "0", (compared, differing)
    # permute: one p per r, a different p for each r, inside [0, 1000).
    assert rows(
        f"SELECT count(DISTINCT r) = count(DISTINCT p), count(DISTINCT (r, p)) = count(DISTINCT r),"
        f" min(p) >= 0 AND max(p) < 1000 FROM ({everything}) a WHERE tool = 'surge'"
    ) == [("t", "t", "t")]
    # :client_id: surge's three connections are 0, 1 and 2, as pgbench's -c 3 clients would be.
    assert rows(
        f"SELECT DISTINCT client FROM ({everything}) a WHERE tool = 'surge' ORDER BY client"
    ) == [("0",), ("1",), ("2",)]


def test_a_pipeline_script_runs_as_one_segment_and_an_evaluation_error_stops_the_run(
    server, tmp_path
):
    postgres.execute(server.dsn, "DROP TABLE IF EXISTS piped; CREATE TABLE piped (n int, k int);")
    script = tmp_path / "piped.sql"
    script.write_text(
        "\\set k random(1, 1000000)\n\\startpipeline\n"
        "INSERT INTO piped VALUES (1, :k);\nINSERT INTO piped VALUES (2, :k);\n\\endpipeline\n"
    )
    done = cli(server.dsn, "-f", str(script), "-c", "2", "-n", "400", "-q")
    assert done.returncode == 0, done.stderr
    # Both statements of every transaction, with the same k.
    assert scalar(server.dsn, "SELECT count(*) FROM piped") == 800
    assert scalar(server.dsn, "SELECT count(*) FROM (SELECT k FROM piped GROUP BY k "
                              "HAVING count(*) <> 2 OR sum(n) <> 3) odd") == 0  # fmt: skip
    # A division by zero on some transactions' draws: the run stops and says where.
    broken = tmp_path / "broken.sql"
    broken.write_text("\\set d random(0, 3)\n\\set q 12 / :d\nSELECT :q;\n")
    done = cli(server.dsn, "-f", str(broken), "-c", "1", "-n", "400", "-q")
    assert done.returncode != 0
    assert "operation 'broken': \\set q: division by zero" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_per_statement_latency_puts_each_statement_s_time_on_its_own_row(server, tmp_path):
    # pgbench's -r: the statement that sleeps 3 ms holds the time, the others do not, and a
    # statement an \\if left out is not counted.
    from surge.protocols.postgres import pgbench

    pgbench.init_tables(server.dsn, 1)
    script = tmp_path / "timed.sql"
    script.write_text(
        "\\set aid random(1, 100000)\nBEGIN;\n"
        "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n"
        "\\if :aid % 2 = 0\nUPDATE pgbench_accounts SET abalance = abalance WHERE aid = :aid;\n"
        "\\endif\nSELECT pg_sleep(0.003);\nEND;\n"
    )
    out = tmp_path / "timed.json"
    done = cli(server.dsn, "-f", str(script), "-r", "-c", "2", "-n", "300", "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert "statements:" in done.stdout and "3: SELECT pg_sleep(0.003)" in done.stdout
    from surge.results.schema import check_result

    document = json.loads(out.read_text())
    check_result(document)  # the documented schema, statements included
    rows = document["statements"]
    assert [(r["operation"], r["index"]) for r in rows] == [
        ("timed", 0),
        ("timed", 1),
        ("timed", 2),
    ]
    read, update, sleep = rows
    assert read["count"] == sleep["count"] == 300 and 60 < update["count"] < 240, rows
    slept = sleep["latency"]["percentiles"]["50"]
    assert slept >= 3.0, sleep
    assert (
        read["latency"]["percentiles"]["50"] < slept
        and update["latency"]["percentiles"]["50"] < slept
    )
    # Without -r, no rows (and no flush per statement).
    done = cli(server.dsn, "-f", str(script), "-c", "2", "-n", "50", "-q", "--json", str(out))
    assert done.returncode == 0 and "statements" not in json.loads(out.read_text())


def test_pgbench_scripts_from_python_and_yaml(server, tmp_path):
    # The same scripts as -f and -b: postgres.script() in Python, scripts: in a YAML scenario.
    from surge.protocols.postgres import pgbench, pgbench_script

    pgbench.init_tables(server.dsn, 1)
    (tmp_path / "update.sql").write_text(pgbench_script.BUILTIN_SCRIPTS["simple-update"])
    result = surge.run(
        scenario(
            server.dsn,
            [
                postgres.script(str(tmp_path / "update.sql")),
                postgres.script(builtin="select-only", weight=4),
            ],
            requests=1000,
            duration=None,
        )
    )
    counts = {name: op["count"] for name, op in result["operations"].items()}
    assert sum(counts.values()) == 1000 and counts["select_only"] > 2 * counts["update"], counts
    assert scalar(server.dsn, "SELECT count(*) FROM pgbench_history") == counts["update"]
    (tmp_path / "mix.yaml").write_text(
        f"name: mix\nbase_url: {server.dsn}\nload: {{users: 2}}\nscripts:\n"
        "  - {file: update.sql, weight: 1}\n"
        "  - {builtin: tpcb-like, scale: 1, per_statement: true}\n"
    )
    out = tmp_path / "mix.json"
    done = subprocess.run(
        [sys.executable, "-m", "surge.cli", "run", str(tmp_path / "mix.yaml"), "-n", "400", "-q",
         "--json", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    ran = {name: op["count"] for name, op in document["operations"].items()}
    assert ran["update"] + ran["tpcb_like"] == 400
    # per_statement: true times the built-in's five statements apart, and only its own.
    timed = document["statements"]
    assert [(s["operation"], s["index"]) for s in timed] == [("tpcb_like", i) for i in range(5)]
    assert all(s["count"] == ran["tpcb_like"] for s in timed), timed
    assert scalar(server.dsn, "SELECT count(*) FROM pgbench_history") == counts["update"] + 400


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("\\set aid random(1, 10)\n\\sleep 1 ms\nSELECT :aid;\n", "x.sql:2: \\sleep is not"),
        ("\\set g random_gaussian(1, 10, 1.5)\n", "x.sql:1: random_gaussian(1, 10, 1.5)"),
        ("\\set z random_zipfian(1, 10, 0.5)\nSELECT :z;\n", "a parameter from 1.001 to 1000"),
        (
            "\\set n random(1, 9)\n\\set z random_zipfian(1, :n, 1.5)\n",
            "x.sql:2: random_zipfian() with bounds that change",
        ),
        ("SELECT :aid;\n", "x.sql:1: the variable :aid is not set"),
        ("SELECT 1;\nSELECT 2;\n", "x.sql:2: several statements outside BEGIN ... END"),
        ("BEGIN;\nSELECT 1;\n", "x.sql:1: BEGIN without END"),
        ("\\set n 1 / 0\n", "x.sql:1: division by zero"),
        ("-- nothing\n", "x.sql: no SQL statement"),
        ("SELECT 1 \\gset\n", "x.sql:1: \\gset is not supported"),
        ("SELECT 1 AS a \\aset\n", "x.sql:1: \\aset is not supported"),
        ("\\if 1\nSELECT 1;\n", "x.sql:1: \\if without \\endif"),
        ("\\else\n", "x.sql:1: \\else without \\if"),
        ("\\if 1\n\\else\n\\elif 2\n\\endif\n", "x.sql:3: \\elif after \\else"),
        ("\\if 1\nBEGIN;\n\\endif\n", "x.sql:2: BEGIN and END inside \\if"),
        ("\\startpipeline\nSELECT 1;\n", "x.sql:1: \\startpipeline without \\endpipeline"),
        ("\\endpipeline\n", "x.sql:1: one \\startpipeline before"),
        ("\\set x frob(1)\n", "x.sql:1: unknown function frob()"),
        ("\\set x 1 +\n", "x.sql:1: the expression ends too early"),
        ("\\set x 1 < 2 < 3\n", "x.sql:1: comparisons do not chain"),
        ("\\set x :y IS TRUE\n", "x.sql:1: IS TRUE is not supported"),
        ("\\shell echo hi\n", "x.sql:1: \\shell is not supported"),
    ],
)
def test_a_pgbench_script_surge_cannot_take_is_refused_with_its_line(script, message):
    from surge.protocols.postgres.pgbench_script import compile_script

    with pytest.raises(surge.ConfigError) as refused:
        compile_script(script, "x.sql", 1, 1.0, "x")
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_pgbench_expressions_fold_what_is_constant_and_compile_the_rest_once():
    # Constant arithmetic folds before the run, with pgbench's integer division and remainder
    # (toward zero, as C); a draw is one generator; :name in SQL is $n, a constant its text.
    from surge.protocols.postgres.pgbench_script import compile_script

    operation = compile_script(
        "\\set n (10 + 4) / 4 * -3\n\\set m -7 % 3\n"
        "\\set hot random_zipfian(1, 100000 * :scale, 1.07)\n"
        "\\set top greatest(abs(:m), 5, least(9, 20))\n"
        "\\set tail random_exponential(1, 50, 2.5)\n\\set bell random_gaussian(1, 50, 4)\n"
        "SELECT :hot, :hot + :n, :m, :top, 'a:hot', 1::int\n  FROM t WHERE k = :hot",
        "y.sql", 3, 2.0, "y",
    )  # fmt: skip
    (statement,) = operation.statements
    assert statement.sql == "SELECT $1, $1 + -9, -1, 9, 'a:hot', 1::int\n  FROM t WHERE k = $1"
    assert statement.params == ("{hot}",)
    # A draw only SQL reads is a plain generator variable, with nothing to evaluate.
    assert dict(operation.variables) == {"hot": "zipf(1,300000,1.07)"}
    assert operation.computed == ()
    # A draw no statement uses is not drawn at all; one that is, is pgbench's distribution.
    used = compile_script(
        "\\set tail random_exponential(1, 50, 2.5)\n\\set bell random_gaussian(1, 50, 4)\n"
        "\\set unused random(1, 9)\nSELECT :tail, :bell;",
        "z.sql", 1, 1.0, "z",
    )  # fmt: skip
    assert dict(used.variables) == {
        "tail": "exponential(1,50,2.5)",
        "bell": "truncated_gaussian(1,50,4.0)",
    }
    assert operation.weight == 2.0
    # Arithmetic on a draw, hash() with :default_seed, and a variable set again.
    mixed = compile_script(
        "\\set r random(1, 10) * 2 + :client_id\n\\set r :r + 1\n\\set h hash(:r)\n"
        "SELECT :r, :h;",
        "m.sql", 1, 1.0, "m", default_seed=5,
    )  # fmt: skip
    assert mixed.computed == (
        ("r", "g:uniform(1,10) i:2 * client_id +"),
        ("r_2", "v:r i:1 +"),
        ("h", "v:r_2 i:5 f:hash_murmur2/2"),
    )
    assert mixed.statements[0].params == ("{r_2}", "{h}")


def test_pgbench_if_branches_become_guards_and_sets_in_a_branch_keep_the_old_value():
    from surge.protocols.postgres.pgbench_script import compile_script

    operation = compile_script(
        "\\set x random(1, 3)\n\\set y 0\n"
        "\\if :x = 1\n\\set y 10\nSELECT 'one', :y;\n"
        "\\elif :x = 2\nSELECT 'two';\n"
        "\\else\nSELECT 'three';\n\\endif\n",
        "i.sql", 1, 1.0, "i",
    )  # fmt: skip
    # Each branch's statements carry the guard that says whether it was taken.
    guards = [s.guard for s in operation.statements]
    assert len(set(guards)) == 3 and all(guards)
    programs = dict(operation.computed)
    assert programs[guards[0]] == "v:x i:1 = truth"
    # \set y 10 in the branch: 10 when taken, else y's value before (the constant 0).
    assert programs["y"] == f"v:{guards[0]} jf:4 i:10 j:5 i:0"
    assert operation.statements[0].params == ("{y}",)


def test_cli_sql_groups_make_a_mix(dsn):
    done = cli(dsn, "--sql", "SELECT $1::int", "--param", "uniform(1,5)", "--weight", "3",
               "--sql", "SELECT now()", "-n", "2000", "-q")  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line}
    q1, q2 = (int(lines[name][1].replace(",", "")) for name in ("q1", "q2"))
    assert q1 + q2 == 2000 and q1 > q2


def test_cli_parameters_take_variables_like_every_run_command(dsn):
    done = cli(dsn, "--sql", "INSERT INTO kv VALUES ($1, $2)", "--param", "{id}",
               "--param", "v{id}", "--var", "id=seq(1)", "-n", "40", "-q")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = postgres.execute(dsn, "SELECT k, v FROM kv ORDER BY k::int")
    assert [r[0] for r in rows] == [str(i) for i in range(1, 41)]
    assert all(v == f"v{k}" for k, v in rows)  # one draw per operation, used twice


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nonsense", "--sql", "SELECT 1"], "bad DSN 'nonsense'"),
        (["{dsn}", "--builtin", "select-only", "--var", "x=seq"], "not of --builtin"),
        (["postgresql://u:topsecret@127.0.0.1:1/db", "--sql", "SELECT 1"], "cannot connect"),
        (["host=127.0.0.1 port=x", "--sql", "SELECT 1"], 'invalid integer value "x"'),
        (["{dsn}", "--param", "x"], "give the --sql first"),
        (["{dsn}"], "give a statement"),
        (["{dsn}", "--sql", "SELECT 1", "--init"], "--init creates pgbench's tables"),
        (["{dsn}", "--sql", "SELEC 1"], "syntax error"),
        (["{dsn}", "-f", "/nonexistent/x.sql"], "-f /nonexistent/x.sql: cannot read it"),
        (["{dsn}", "-b", "tpcb"], "-b 'tpcb': expected one of tpcb-like"),
        (["{dsn}", "-b", "select-only@x"], "the weight after @ must be a number"),
        (["{dsn}", "-b", "select-only", "--sql", "SELECT 1"], "not a mix"),
    ],
)
def test_bad_pg_input_is_one_line(dsn, args, message):
    done = cli(*[a.replace("{dsn}", dsn) for a in args], "-n", "1")
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "topsecret" not in done.stderr


def test_fan_out_latency_is_measured_for_every_listener(dsn):
    postgres.execute(dsn, "CREATE UNLOGGED TABLE IF NOT EXISTS cache (k text PRIMARY KEY, v text)")
    upsert = postgres.statement(
        "INSERT INTO cache VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
        ["k{key}", "{bytes(16)}"],
    )
    ops = [
        postgres.transaction(
            "set",
            [upsert, postgres.notify_statement("invalidate", "k{key}")],
            variables={"key": "uniform(1,50)"},
        ),
        postgres.listen("invalidation", "invalidate", listeners=5),
    ]
    # The warm-up lets the listeners connect and LISTEN before anything is measured.
    result = surge.run(
        scenario(dsn, ops, load=surge.ConstantRate(400, connections=2), warmup="0.5s")
    )
    writes = result.operations["set"]
    fanout = result.operations["invalidation"]
    assert writes["count"] == 400 and writes["error_count"] == 0
    # Every committed write reached every listener: 5 deliveries each. At the edges of the
    # window a write or two may count on one side only: a notification is stamped when it is
    # sent, a write counts by its intended start (a warm-up write sent just after the window
    # opens), and the last writes' notifications may land after the run closes.
    assert 5 * (writes["count"] - 2) <= fanout["count"] <= 5 * (writes["count"] + 2)
    assert fanout["error_count"] == 0
    assert fanout["fanout"] == {"channel": "invalidate", "listeners": 5}
    # Fan-out is timed from the send to the receipt: more than nothing, less than a write's
    # whole round trip plus the notification's hop on this idle loopback.
    assert 0 < fanout["latency"]["percentiles"]["50"] < 20
    # Receipts are not requests: the totals count the writes only.
    assert result.total["count"] == writes["count"]


def test_a_listener_that_reads_a_foreign_payload_counts_it(dsn):
    ops = [
        postgres.query("shout", "SELECT pg_notify('chan', 'no timestamp here')"),
        postgres.listen("hear", "chan", listeners=1),
    ]
    result = surge.run(scenario(dsn, ops, requests=20, warmup="0.3s", load=surge.Users(1)))
    hear = result.operations["hear"]
    assert hear["errors"].get("malformed", 0) > 0
    assert "{now_ns}" in hear["error_examples"]["malformed"][0]


def test_pg_cache_vs_valkey_compares_every_backend(server, tmp_path):
    from surge.services import RedisServer

    out = tmp_path / "compare.json"
    with RedisServer() as valkey:
        done = subprocess.run(
            [sys.executable, "-m", "surge.cli", "run", "scenarios/pg_cache_vs_valkey.py", "-q",
             "--set", f"dsn={server.dsn}", "--set", f"url={valkey.url}",
             "--set", "writers=4", "--set", "readers=8", "--set", "keyspace=50",
             "--set", "write_iterations=50", "--set", "read_iterations=100",
             "--network-latency-ms", "1", "--json", str(out)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = done.stdout[done.stdout.index("suite pg_cache_vs_valkey") :]
    for backend in ("postgres-cache", "postgres-no-notify", "valkey"):
        assert f"{backend}/readers" in table and f"{backend}/writers" in table
    document = json.loads(out.read_text())
    phases = {r["scenario"]["name"]: r for r in document["results"]}
    assert set(phases) == {
        f"{b}/{p}"
        for b in ("postgres-cache", "postgres-no-notify", "valkey")
        for p in ("fill", "writers", "readers")
    }
    for backend in ("postgres-cache", "postgres-no-notify", "valkey"):
        reads = phases[f"{backend}/readers"]["total"]
        assert reads["count"] == 8 * 100 and reads["error_count"] == 0
        assert reads["hit_rate"] == 1.0  # filled first, TTL far away
        assert phases[f"{backend}/readers"]["load"]["network_latency_ms"] == 1.0
        assert reads["latency"]["min"] >= 1.0
    # Only the NOTIFY backend has a fan-out row, and it heard every measured write 4 times.
    writers = phases["postgres-cache/writers"]["operations"]
    assert writers["invalidation"]["fanout"]["listeners"] == 4
    assert writers["invalidation"]["count"] >= 4 * (writers["set"]["count"] - 4)
    assert "invalidation" not in phases["postgres-no-notify/writers"]["operations"]


def test_batch_sync_times_each_operation_and_fails_a_batch_whole(dsn):
    insert = postgres.query(
        "log", "INSERT INTO log (seq) VALUES ($1)", params=["{seq}"], variables={"seq": "seq"}
    )
    batched = surge.run(
        scenario(
            dsn, [insert], load=surge.Users(1), pipeline=8, pipeline_sync="batch", requests=2000
        )
    )
    assert batched.total["count"] == 2000 and batched.total["error_count"] == 0
    assert scalar(dsn, "SELECT count(*) FROM log") == 2000
    seqs = [int(r[0]) for r in postgres.execute(dsn, "SELECT seq FROM log ORDER BY id")]
    assert seqs == sorted(seqs)

    # One operation in eight fails: its batch is one transaction, so the batch's other writes
    # are rolled back too, and counted as failed, never as successes that did not happen.
    postgres.execute(dsn, "TRUNCATE log")
    mixed = [
        postgres.query("write", "INSERT INTO log (seq) VALUES (1)", weight=7),
        postgres.query("fail", "SELECT 1 / 0"),
    ]
    result = surge.run(
        scenario(dsn, mixed, load=surge.Users(1), pipeline=8, pipeline_sync="batch", requests=2000)
    )
    ops = result.operations
    written = scalar(dsn, "SELECT count(*) FROM log")
    assert written == ops["write"]["count"] - ops["write"]["error_count"]
    assert ops["write"]["error_count"] > 0
    assert "rolled back with its batch" in ops["write"]["error_examples"]["error_reply"][0]
    # Every failing operation failed; the ones behind an earlier error in their batch never
    # ran, so only the first of a batch carries the SQLSTATE.
    assert ops["fail"]["error_count"] == ops["fail"]["count"]
    assert 0 < ops["fail"]["sqlstates"]["22012"] <= ops["fail"]["count"]


def test_batch_sync_refuses_retries(dsn):
    op = postgres.query("bump", "UPDATE counter SET n = n + 1", retries=3)
    with pytest.raises(surge.ConfigError, match="retries need one Sync per operation"):
        surge.run(scenario(dsn, [op], pipeline=4, pipeline_sync="batch", requests=10))
