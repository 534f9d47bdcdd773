"""No secret reaches an error, a repr, a log, the JSON or the HTML. Properties, not examples:
whatever the password, the redacted URL and the scrubbed message do not contain it."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import quote

import pytest
import surge
from hypothesis import given
from hypothesis import strategies as st
from surge import http, postgres, redis
from surge.urls import redact_url, scrub, secrets_of

# A marker no host, user or scheme below contains, so finding it means the secret leaked.
SECRETS = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1).map(
    lambda s: "Zq9" + s
)


def quoted(secret: str) -> str:
    return quote(secret, safe="")


@given(SECRETS)
def test_a_url_password_never_survives_redaction(secret):
    for url in (
        f"redis://app:{quoted(secret)}@127.0.0.1:6379/0",
        f"valkey://:{quoted(secret)}@127.0.0.1",
        f"postgresql://app:{quoted(secret)}@127.0.0.1:5432/app?sslmode=disable",
        f"http://app:{quoted(secret)}@127.0.0.1:8080/api",
    ):
        shown = redact_url(url)
        assert secret not in shown and quoted(secret) not in shown, shown


@given(SECRETS, st.sampled_from(["password", "token", "api_key", "apikey", "secret", "key"]))
def test_a_secret_query_parameter_never_survives_redaction(secret, name):
    url = f"http://127.0.0.1:8080/v1?page=2&{name}={quoted(secret)}&x=1"
    shown = redact_url(url)
    assert quoted(secret) not in shown and secret not in shown
    assert "page=2" in shown and "x=1" in shown  # what is not secret stays readable


@given(SECRETS.filter(lambda s: not any(c.isspace() for c in s)))
def test_a_keyword_dsn_password_never_survives_redaction(secret):
    escaped = secret.replace("\\", "\\\\").replace("'", "\\'")
    for dsn in (
        f"host=127.0.0.1 password='{escaped}' dbname=app",
        f"host=127.0.0.1 dbname=app password={escaped.replace(' ', '')}",
    ):
        assert secret not in redact_url(dsn), redact_url(dsn)


@given(SECRETS)
def test_a_message_that_quotes_the_url_is_scrubbed(secret):
    url = f"postgresql://app:{quoted(secret)}@127.0.0.1/app"
    message = f'invalid percent-encoded token: "{quoted(secret)}" in {url} ({secret})'
    cleaned = scrub(message, url)
    assert secret not in cleaned and quoted(secret) not in cleaned
    assert set(secrets_of(url)) >= {secret}


def test_libpq_repeating_the_password_does_not_leak_it():
    dsn = "postgresql://app:se%ZZcret@127.0.0.1:1/app"  # libpq quotes the bad token back
    with pytest.raises(surge.ConfigError) as raised:
        query = postgres.query("q", "SELECT 1")
        surge.run(surge.Scenario(name="p", base_url=dsn, operations=[query]))
    assert "se%ZZcret" not in str(raised.value) and "ZZcret" not in str(raised.value)
    with pytest.raises(surge.ConfigError) as raised:
        postgres.execute(dsn, "SELECT 1")
    assert "ZZcret" not in str(raised.value)


def test_reprs_show_no_secret():
    scenario = surge.Scenario(
        name="r",
        base_url="redis://app:topsecret@127.0.0.1:6379/0",
        operations=[redis.get("g", "k")],
        params={"url": "redis://app:topsecret@127.0.0.1:6379/0"},
    )
    assert "topsecret" not in repr(scenario)
    assert "topsecret" not in repr(scenario.plan)
    assert "topsecret" not in repr(scenario.plan.target)
    op = http.get("g", "/", headers={"Authorization": "Bearer topsecret", "Accept": "*/*"})
    assert "topsecret" not in repr(op) and "*/*" in repr(op)


def test_the_cli_never_prints_the_password():
    done = subprocess.run(
        [*(sys.executable, "-m", "surge.cli", "redis"), "http://app:topsecret@127.0.0.1:6379"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "topsecret" not in done.stderr + done.stdout
    assert "expected redis://" in done.stderr


def test_results_and_report_show_no_secret(target, tmp_path):
    url = target.url.replace("http://", "http://app:topsecret@")
    scenario = surge.Scenario(
        name="s",
        base_url=url,
        operations=[http.get("h", "/api/v1/health")],
        requests=20,
        params={"token_url": f"{target.url}/x?token=topsecret"},
    )
    result = surge.run(scenario)
    assert "topsecret" not in json.dumps(result.to_dict())
    from surge.outputs.report.html import write_report

    html = write_report(result, tmp_path / "r.html").read_text()
    assert "topsecret" not in html
