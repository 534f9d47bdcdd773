"""https:// against a real nginx with TLS (issue 13), started by each test on a free loopback
port with a certificate made at start (surge._core.tls_self_signed): verification against a
CA file, the system store, the host name, --insecure, session resumption, mutual TLS, a
server that speaks no TLS, and the flags' bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import surge
from nginx_server import Nginx
from surge import _core, http
from surge.errors import ConfigError


def _write_pair(directory: Path, name: str, common_name: str) -> tuple[Path, Path]:
    cert_pem, key_pem = _core.tls_self_signed(common_name)
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    cert.write_text(cert_pem)
    key.write_text(key_pem)
    return cert, key


@pytest.fixture
def certs(tmp_path):
    server = _write_pair(tmp_path, "server", "localhost")
    other = _write_pair(tmp_path, "other", "other.example")
    client = _write_pair(tmp_path, "client", "surge-client")
    return {"server": server, "other": other, "client": client}


def _surge(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "surge.cli", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _scenario(url: str, **settings) -> surge.Scenario:
    return surge.Scenario(
        "tls", url, [http.get("index", "/")], load=surge.Users(4), **{"requests": 400, **settings}
    )


@pytest.mark.usefixtures("transport")
def test_a_trusted_certificate_serves_every_request_and_times_the_handshake(tmp_path, certs):
    cert, key = certs["server"]
    with Nginx(tmp_path, certificate=cert, key=key) as nginx:
        result = surge.run(_scenario(nginx.url, tls=surge.Tls(ca=str(cert))))
    assert result.total["count"] == 400 and result.total["error_count"] == 0
    made = result["connections"]
    assert made["opened"] == 4 and made["failed"] == 0
    assert made["tls_full"] == 4 and made["tls_resumed"] == 0
    # The handshake is timed apart from the TCP connect, and neither is in a request's latency.
    assert made["handshake_time"]["max"] > 0 and made["connect_time"]["max"] > 0
    assert result["load"]["tls"] == {
        "verify": True, "ca": str(cert), "client_certificate": None, "resume": True,
    }  # fmt: skip


@pytest.mark.usefixtures("transport")
def test_a_host_name_is_checked_against_the_certificate(tmp_path, certs):
    cert, key = certs["server"]
    other_cert, other_key = certs["other"]
    with Nginx(tmp_path, certificate=cert, key=key) as nginx:
        by_name = nginx.url.replace("127.0.0.1", "localhost")
        ok = surge.run(_scenario(by_name, tls=surge.Tls(ca=str(cert)), requests=40))
        assert ok.total["error_count"] == 0
    (tmp_path / "other").mkdir()
    with Nginx(tmp_path / "other", certificate=other_cert, key=other_key) as nginx:
        by_name = nginx.url.replace("127.0.0.1", "localhost")
        wrong = surge.run(_scenario(by_name, tls=surge.Tls(ca=str(other_cert)), requests=40))
    errors = wrong.total["errors"]
    assert set(errors) == {"tls_verify"}, errors
    assert "hostname mismatch" in wrong.total["error_examples"]["tls_verify"][0]
    assert wrong["connections"]["opened"] == 0 and wrong["connections"]["failed"] > 0


def test_an_expired_certificate_is_a_verify_error_over_http_1_1_and_http_2(tmp_path):
    cert_pem, key_pem = _core.tls_self_signed("localhost", expired=True)
    cert, key = tmp_path / "expired.pem", tmp_path / "expired.key"
    cert.write_text(cert_pem)
    key.write_text(key_pem)
    with Nginx(tmp_path, certificate=cert, key=key, http2=True) as nginx:
        for version in ("1.1", "2"):
            expired = surge.run(
                _scenario(nginx.url, tls=surge.Tls(ca=str(cert)), requests=20, http_version=version)
            )
            assert set(expired.total["errors"]) == {"tls_verify"}, version
            assert "expired" in expired.total["error_examples"]["tls_verify"][0], version
        # --insecure accepts it, as it accepts any certificate.
        accepted = surge.run(_scenario(nginx.url, tls=surge.Tls(verify=False), requests=20))
        assert accepted.total["error_count"] == 0


@pytest.mark.usefixtures("transport")
def test_a_server_that_offers_only_tls_1_2_is_served_and_resumed_over_it(tmp_path, certs):
    # Issue 13: TLS 1.2 forced on the server. nginx logs the version each request came over.
    cert, key = certs["server"]
    with Nginx(
        tmp_path, certificate=cert, key=key, tls_protocols="TLSv1.2", log_format="$ssl_protocol"
    ) as nginx:
        first = surge.run(_scenario(nginx.url, tls=surge.Tls(ca=str(cert)), requests=200))
    assert first.total["count"] == 200 and first.total["error_count"] == 0
    assert first["connections"]["tls_full"] == 4
    versions = nginx.access_log.read_text().split()
    assert len(versions) == 200 and set(versions) == {"TLSv1.2"}


def test_a_ca_file_of_an_unrelated_ca_is_a_verify_error(tmp_path, certs):
    # Issue 13: --ca names a readable CA, just not the one that signed the server's certificate.
    cert, key = certs["server"]
    unrelated, _ = certs["other"]
    with Nginx(tmp_path, certificate=cert, key=key, http2=True) as nginx:
        for version in ("1.1", "2"):
            result = surge.run(
                _scenario(
                    nginx.url, tls=surge.Tls(ca=str(unrelated)), requests=20, http_version=version
                )
            )
            assert result.total["count"] == 20, version
            assert result.total["errors"] == {"tls_verify": 20}, version
        done = _surge("http", nginx.url, "--ca", str(unrelated), "-n", "5", "-q")
    # Every request failed on the server's certificate: the run says so, and exits 99.
    assert done.returncode == 99 and "every request failed (5 of 5: tls_verify 5)" in done.stdout


def test_the_system_store_does_not_trust_a_self_signed_certificate_and_insecure_does(
    tmp_path, certs
):
    cert, key = certs["server"]
    with Nginx(tmp_path, certificate=cert, key=key) as nginx:
        untrusted = surge.run(_scenario(nginx.url, requests=40))
        insecure = surge.run(_scenario(nginx.url, tls=surge.Tls(verify=False), requests=40))
    assert set(untrusted.total["errors"]) == {"tls_verify"}
    assert "self-signed" in untrusted.total["error_examples"]["tls_verify"][0]
    assert insecure.total["error_count"] == 0 and insecure.total["count"] == 40


@pytest.mark.usefixtures("transport")
def test_reconnects_resume_the_session_unless_told_not_to(tmp_path, certs):
    cert, key = certs["server"]
    # nginx closes each connection after 10 requests: 400 requests make about 40 connects.
    with Nginx(tmp_path, certificate=cert, key=key, keepalive_requests=10) as nginx:
        resumed = surge.run(_scenario(nginx.url, tls=surge.Tls(ca=str(cert))))
        full = surge.run(_scenario(nginx.url, tls=surge.Tls(ca=str(cert), resume=False)))
    for result in (resumed, full):
        assert result.total["error_count"] == 0 and result.total["count"] == 400
    made = resumed["connections"]
    assert made["tls_full"] == 4  # the first connection of each user
    assert made["tls_resumed"] >= 30
    assert full["connections"]["tls_resumed"] == 0 and full["connections"]["tls_full"] >= 34


@pytest.mark.usefixtures("transport")
def test_mutual_tls(tmp_path, certs):
    cert, key = certs["server"]
    client_cert, client_key = certs["client"]
    with Nginx(tmp_path, certificate=cert, key=key, client_ca=client_cert) as nginx:
        with_cert = surge.run(
            _scenario(
                nginx.url,
                tls=surge.Tls(ca=str(cert), cert=str(client_cert), key=str(client_key)),
                requests=40,
            )
        )
        without = surge.run(_scenario(nginx.url, tls=surge.Tls(ca=str(cert)), requests=40))
    assert with_cert.total["error_count"] == 0
    # nginx answers a request without a client certificate with 400: the server's verdict.
    assert set(without.total["errors"]) == {"http_4xx"}


@pytest.mark.usefixtures("transport")
def test_a_server_without_tls_is_a_handshake_error(target):
    url = target.url.replace("http://", "https://")
    result = surge.run(_scenario(url, tls=surge.Tls(verify=False), requests=20))
    assert set(result.total["errors"]) == {"tls_handshake"}
    assert result.total["count"] == 20


def test_the_cli_over_https(tmp_path, certs):
    cert, key = certs["server"]
    out = tmp_path / "run.json"
    with Nginx(tmp_path, certificate=cert, key=key) as nginx:
        done = _surge("http", nginx.url, "--ca", str(cert), "-c", "2", "-n", "200", "-q",
                      "--json", str(out))  # fmt: skip
        insecure = _surge("http", nginx.url, "-k", "-n", "20", "-q")
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert document["total"]["count"] == 200 and document["total"]["error_count"] == 0
    assert document["connections"]["tls_full"] == 2
    assert insecure.returncode == 0, insecure.stderr


def test_bad_tls_settings_are_one_line(tmp_path, certs, target):
    cert, _ = certs["server"]
    for args, words in [
        (["https://127.0.0.1:1/", "--ca", str(tmp_path / "missing.pem")], "--ca: no such file"),
        (["https://127.0.0.1:1/", "--cert", str(cert)], "needs both"),
        ([f"{target.url}/", "--insecure"], "rediss:// URLs"),
        (["https://127.0.0.1:1/", "--ca", str(tmp_path)], "--ca: no such file"),
    ]:
        done = _surge("http", *args, "-n", "1", "-q")
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], (args, done.stderr)
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello\n")
    with pytest.raises(ConfigError, match="not a readable PEM"):
        surge.run(_scenario(target.url.replace("http:", "https:"), tls=surge.Tls(ca=str(not_pem))))
    with pytest.raises(ConfigError, match="https:// targets"):
        _scenario(target.url, tls=surge.Tls())
    with pytest.raises(ConfigError, match=r"surge\.Tls"):
        _scenario(target.url.replace("http:", "https:"), tls={"verify": False})


def test_postgres_over_tls_through_libpq(tmp_path):
    from surge import postgres as pg
    from surge.services import PostgresServer

    other, _ = _write_pair(tmp_path, "other", "other.example")
    with PostgresServer(tls=True) as server:
        secure = f"{server.dsn}?sslmode=verify-full&sslrootcert={server.certificate}"
        result = surge.run(
            surge.Scenario(
                "pg-tls", secure, [pg.query("one", "SELECT 1")], load=surge.Users(2), requests=200
            )
        )
        assert result.total["count"] == 200 and result.total["error_count"] == 0
        # The server says the session is encrypted.
        assert pg.execute(secure, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == [
            ("t",)
        ]
        wrong_root = f"{server.dsn}?sslmode=verify-full&sslrootcert={other}"
        with pytest.raises(ConfigError, match="certificate verify failed") as refused:
            surge.run(
                surge.Scenario("pg-tls", wrong_root, [pg.query("one", "SELECT 1")], requests=10)
            )
        assert "\n" not in str(refused.value)


def test_postgres_requiring_tls_from_a_server_without_it(postgres_server):
    from surge import postgres as pg

    required = f"{postgres_server.dsn}?sslmode=require"
    with pytest.raises(ConfigError, match="does not support SSL"):
        surge.run(surge.Scenario("pg", required, [pg.query("one", "SELECT 1")], requests=10))


def test_redis_over_tls(tmp_path):
    from surge import redis as rd
    from surge.services import RedisServer

    with RedisServer(tls=True, password="s3cret") as server:
        keys = {"n": "uniform(1,100)"}
        ops = [rd.set("set", "k:{n}", "v", variables=keys), rd.get("get", "k:{n}", variables=keys)]
        trusted = surge.Tls(ca=str(server.certificate))
        result = surge.run(
            surge.Scenario(
                "rediss", server.tls_url, ops, load=surge.Users(4), requests=2000, pipeline=8,
                tls=trusted,
            )
        )  # fmt: skip
        assert result.total["count"] == 2000 and result.total["error_count"] == 0
        made = result["connections"]
        assert made["tls_full"] == 4 and made["handshake_time"]["max"] > 0
        assert "s3cret" not in result.to_json()
        # The CLI: --ca for rediss://, and an untrusted certificate refused before any load.
        ok = _surge("redis", server.tls_url, "--ca", str(server.certificate), "-n", "500", "-q")
        assert ok.returncode == 0, ok.stderr
        untrusted = _surge("redis", server.tls_url, "-n", "10", "-q")
        assert untrusted.returncode == 2
        assert "certificate not trusted" in untrusted.stderr
        assert len(untrusted.stderr.strip().splitlines()) == 1
        # The plain port behind a rediss:// URL: the handshake fails, in one line.
        plain = server.url.replace("redis://", "rediss://")
        refused = _surge("redis", plain, "-k", "-n", "10", "-q")
        assert refused.returncode == 2 and "TLS handshake failed" in refused.stderr


@pytest.mark.usefixtures("transport")
def test_a_connection_per_request_pays_a_handshake_each(tmp_path, certs):
    cert, key = certs["server"]
    with Nginx(tmp_path, certificate=cert, key=key) as nginx:
        out = tmp_path / "run.json"
        done = _surge("http", nginx.url, "--ca", str(cert), "--no-keepalive", "-c", "2",
                      "-n", "100", "-q", "--json", str(out))  # fmt: skip
        full = tmp_path / "full.json"
        again = _surge("http", nginx.url, "--ca", str(cert), "--no-keepalive", "--no-tls-resume",
                       "-c", "2", "-n", "100", "-q", "--json", str(full))  # fmt: skip
    assert done.returncode == 0 and again.returncode == 0, done.stderr + again.stderr
    made = json.loads(out.read_text())["connections"]
    assert made["opened"] == 100  # one per request
    assert made["tls_full"] == 2 and made["tls_resumed"] == 98
    assert json.loads(full.read_text())["connections"]["tls_full"] == 100


def test_the_embedded_target_serves_tls(tmp_path):
    with surge.Target(tls=True) as target:
        assert target.url.startswith("https://")
        ca = tmp_path / "target.pem"
        ca.write_text(target.certificate_pem)
        result = surge.run(
            surge.Scenario(
                "serve-tls", target.url, [http.get("health", "/api/v1/health")],
                load=surge.Users(4), requests=2000, tls=surge.Tls(ca=str(ca)),
            )
        )  # fmt: skip
        assert result.total["count"] == 2000 and result.total["error_count"] == 0
        assert result["connections"]["tls_full"] == 4
        # A client that speaks no TLS to it gets no answer it can read: counted, not a hang.
        plain = target.url.replace("https://", "http://")
        refused = surge.run(
            surge.Scenario("plain", plain, [http.get("h", "/api/v1/health")], requests=5)
        )
        assert refused.total["count"] == 5 and refused.total["error_count"] == 5


def test_surge_serve_tls_writes_its_certificate_for_clients(tmp_path):
    from ports import free_port

    port, cert = free_port(), tmp_path / "serve.pem"
    server = subprocess.Popen(
        [sys.executable, "-m", "surge.cli", "serve", "--port", str(port), "--tls",
         "--tls-cert", str(cert)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert server.stdout.readline().startswith("surge target listening on https://")
        assert str(cert) in server.stdout.readline()
        done = _surge("http", f"https://127.0.0.1:{port}/api/v1/health", "--ca", str(cert),
                      "-n", "200", "-q")  # fmt: skip
        assert done.returncode == 0, done.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
    lone = _surge("serve", "--tls-cert", str(tmp_path / "x.pem"))
    assert lone.returncode == 2 and "give --tls too" in lone.stderr


@pytest.mark.usefixtures("transport")
def test_users_that_come_and_go_over_tls_keep_their_connections_usable(tmp_path):
    # Users leave while their handshakes may still be going (the ramp down) and come back: a
    # connection closed mid-handshake must not stay "opening" for ever.
    stages = [("0.3s", 40), ("0.2s", 0), ("0.3s", 40), ("0.2s", 0), ("0.5s", 40)]
    with surge.Target(tls=True) as target:
        ca = tmp_path / "target.pem"
        ca.write_text(target.certificate_pem)
        result = surge.run(
            surge.Scenario(
                "ramp-tls", target.url, [http.get("health", "/api/v1/health")],
                load=surge.RampingUsers(stages), interval="250ms", tls=surge.Tls(ca=str(ca)),
            )
        )  # fmt: skip
    assert result.total["error_count"] == 0
    # The last stage (from 1.0 s) ran with users back on their connections. The last row's
    # user count is taken as the run ends, when every user has stopped: the max is what counts.
    last_stage = [r for r in result["timeseries_total"] if r["t_s"] >= 1.0]
    assert last_stage and last_stage[0]["count"] > 0
    assert max(r["active_users"] for r in last_stage) > 0
