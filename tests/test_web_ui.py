"""The web UI against real servers: its JSON API over HTTP from a real uvicorn, and the page in
Debian's headless chromium, driven by selenium through Debian's chromedriver."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from browser import chrome
from surge.web.server import WebServer
from surge.web.session import Session

pytest_plugins = ["pytester"]
HEALTH = "/api/v1/health"


def call(server: WebServer, method: str, path: str, body=None, token: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("X-Surge-Token", token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            kind = response.headers.get("content-type", "")
            return response.status, json.loads(raw) if "json" in kind else raw.decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


@pytest.fixture
def web(free_port):
    server = WebServer(Session(), "127.0.0.1", free_port).start()
    yield server
    server.close()


def wait_until(check, seconds: float = 15, why=None) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out: {why() if why else ''}"
        time.sleep(0.05)


def test_the_api_starts_steers_stops_and_keeps_runs(web, target):
    url = target.url + HEALTH
    start = {"url": url, "load": {"rate": 300}, "duration": "20s"}
    status, run = call(web, "POST", "/api/start", start)
    assert status == 201 and run["model"] == "open" and run["id"] == 1
    # One run at a time; bad changes get one line and a 4xx, and the run goes on.
    assert call(web, "POST", "/api/start", start)[0] == 400
    assert call(web, "PUT", "/api/load", {"users": 5}) == (
        400,
        {"error": "set_users: this run has an arrival rate (the open model); use set_rate(rate)"},
    )
    assert call(web, "PUT", "/api/load", {"rate": -1})[0] == 400
    assert call(web, "PUT", "/api/load", {"rate": 100, "color": "red"})[1] == {
        "error": "load: unknown field 'color'; give rate, or users and spawn_rate"
    }
    wait_until(lambda: len(call(web, "GET", "/api/status")[1]["intervals"]) >= 2)
    assert call(web, "PUT", "/api/load", {"rate": 900})[0] == 200
    wait_until(lambda: len(call(web, "GET", "/api/status")[1]["intervals"]) >= 4)
    assert call(web, "POST", "/api/stop")[0] == 200
    wait_until(lambda: call(web, "GET", "/api/status")[1]["state"] == "idle")
    status, document = call(web, "GET", "/api/runs/1/result.json")
    assert status == 200
    (change,) = document["load"]["changes"]
    assert (change["from"], change["to"]) == (300, 900)
    assert document["load"]["stopped_by_control"] and document["total"]["error_count"] == 0
    # What the page was sent is what the result says, interval by interval.
    intervals = call(web, "GET", "/api/status")[1]["intervals"]
    rows = document["timeseries_total"]
    assert len(intervals) >= len(rows) - 1
    for live, kept in zip(intervals, rows, strict=False):
        assert live["total"]["p99_ms"] == kept["p99_ms"]
        assert live["total"]["count"] == kept["count"]
    # A finished run's files, and a second run afterwards.
    assert "<html" in call(web, "GET", "/api/runs/1/report.html")[1][:200].lower()
    assert call(web, "GET", "/api/runs/1/locust_stats.csv")[1].startswith("Type,Name")
    assert call(web, "GET", f"/api/runs/1/GET {HEALTH}.hlog".replace(" ", "%20"))[0] == 200
    users = {"url": url, "load": {"users": 2}, "duration": "1s"}
    assert call(web, "POST", "/api/start", users)[0] == 201
    wait_until(lambda: call(web, "GET", "/api/status")[1]["state"] == "idle")
    assert [r["id"] for r in call(web, "GET", "/api/runs")[1]] == [1, 2]


def test_bad_start_requests_get_one_line(web):
    for body, words in (
        ({"url": "ftp://x"}, "url: expected http://host:port/path"),
        ({"url": "http://127.0.0.1:1/", "load": {"rate": 1, "users": 2}}, "either rate"),
        ({"url": "http://127.0.0.1:1/", "speed": 3}, "unknown field 'speed'"),
        ({"url": "http://127.0.0.1:1/", "duration": "forever"}, "duration"),
        ({"scenario": "nope"}, "no scenario file was given"),
    ):
        status, answer = call(web, "POST", "/api/start", body)
        assert status == 400 and words in answer["error"], answer
    assert call(web, "POST", "/api/stop") == (409, {"error": "no run is going"})


def test_another_site_cannot_drive_a_loopback_ui(web, target):
    # A form post (or a no-cors fetch) sends text/plain or a form type, never JSON.
    body = json.dumps({"url": target.url + HEALTH, "duration": "1s"}).encode()
    for kind in ("text/plain", "application/x-www-form-urlencoded"):
        request = urllib.request.Request(
            f"http://127.0.0.1:{web.port}/api/start", body, {"Content-Type": kind}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 415
        refused.value.close()
    # A page that renamed itself to 127.0.0.1 (DNS rebinding) arrives under its own name.
    request = urllib.request.Request(
        f"http://127.0.0.1:{web.port}/api/status", headers={"Host": "evil.example:80"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    refused.value.close()
    assert call(web, "GET", "/api/runs") == (200, [])


def test_a_token_is_needed_off_loopback_and_read_only_watches(free_port, target):
    # Any bind but loopback makes up a token; every API request must carry it in a header.
    server = WebServer(Session(), "0.0.0.0", free_port)
    assert server.token and f"?token={server.token}" in server.url
    server = WebServer(Session(), "127.0.0.1", free_port, token="s3cret", read_only=True).start()
    try:
        assert call(server, "GET", "/api/status")[0] == 401
        assert call(server, "GET", "/api/status", token="wrong")[0] == 401
        assert call(server, "GET", "/api/status", token="s3cret")[0] == 200
        body = {"url": target.url + HEALTH, "duration": "1s"}
        assert call(server, "POST", "/api/start", body, token="s3cret")[0] == 403
    finally:
        server.close()


def test_cli_web_flag_serves_the_run_and_takes_a_change(target, free_port, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "r.json"
    command = [
        *(sys.executable, "-m", "surge.cli", "http", target.url + HEALTH),
        *("--rate", "200", "-d", "4s", "--web", str(free_port), "--json", str(out), "-q"),
    ]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as process:
        line = process.stderr.readline()
        assert line.startswith(f"web UI: http://127.0.0.1:{free_port}/"), line
        server = type("Bound", (), {"port": free_port})
        wait_until(lambda: len(call(server, "GET", "/api/status")[1]["intervals"]) >= 1)
        assert call(server, "PUT", "/api/load", {"rate": 400})[0] == 200
        # The page follows the command line's run; it starts none of its own.
        status, answer = call(server, "POST", "/api/start", {"url": target.url + HEALTH})
        assert status == 400 and "start runs from `surge ui`" in answer["error"]
        assert process.wait(timeout=30) == 0, process.stderr.read()
    (change,) = json.loads(out.read_text())["load"]["changes"]
    assert (change["from"], change["to"]) == (200, 400)


def test_the_page_in_a_real_browser(web, target, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser = chrome()
    try:
        browser.get(f"http://127.0.0.1:{web.port}/")
        wait_until(lambda: browser.execute_script("return typeof Plotly") == "object")
        find = browser.find_element
        find(By.ID, "url").send_keys(target.url + HEALTH)
        find(By.ID, "users").clear()
        find(By.ID, "users").send_keys("4")
        find(By.ID, "duration").clear()
        find(By.ID, "duration").send_keys("30s")
        find(By.ID, "start").click()
        wait_until(lambda: find(By.ID, "state").text == "running")
        wait_until(lambda: find(By.ID, "fig-users").text == "4")
        # More users, from the page.
        find(By.ID, "new-users").send_keys("8")
        find(By.ID, "apply").click()
        wait_until(lambda: find(By.ID, "fig-users").text == "8")
        browser.save_screenshot(str(tmp_path / "live.png"))
        # A rate change in a closed run is refused on the page, in one line.
        find(By.ID, "new-users").clear()
        find(By.ID, "new-rate").send_keys("50")
        find(By.ID, "apply").click()
        wait_until(lambda: "closed model" in find(By.ID, "problem").text)
        # A reload shows the whole run so far, from the server.
        seen = browser.execute_script("return intervals.length")
        browser.refresh()
        wait_until(lambda: browser.execute_script("return intervals.length") >= seen)
        find(By.ID, "stop").click()
        wait_until(lambda: find(By.ID, "state").text == "idle")
        wait_until(lambda: "report" in find(By.ID, "runs").text)
        drawn = browser.execute_script(
            "return [...document.querySelectorAll('.js-plotly-plot')].map("
            "d => d.querySelectorAll('g.trace').length)"
        )
        assert len(drawn) == 4 and all(n >= 1 for n in drawn), drawn
        shown = {
            "p99": find(By.ID, "fig-p99").text,
            "users": find(By.ID, "fig-users").text,
            "intervals": browser.execute_script("return intervals.length"),
            "rate": browser.execute_script("return intervals.at(-2).total.rate_per_s"),
            "p99_ms": browser.execute_script("return intervals.at(-1).total.p99_ms"),
        }
        browser.save_screenshot(str(tmp_path / "finished.png"))
        _, document = call(web, "GET", "/api/runs/1/result.json")
        rows = document["timeseries_total"]
        # What the page showed is what the result keeps: the interval p99 exactly, the rate
        # within 5%, and the user change.
        assert shown["intervals"] == len(rows)
        assert shown["p99_ms"] == rows[-1]["p99_ms"]
        assert abs(shown["rate"] - rows[-2]["rate_per_s"]) <= 0.05 * rows[-2]["rate_per_s"]
        assert shown["users"] == "8"
        (change,) = document["load"]["changes"]
        assert (change["kind"], change["from"], change["to"]) == ("users", 4, 8)
        # The report downloads from the page's link.
        link = browser.find_element(By.CSS_SELECTOR, "a[data-file$='report.html']")
        assert link.get_attribute("data-file") == "/api/runs/1/report.html"
        assert browser.execute_script("return window.__errors || []") == []
        assert Select(find(By.ID, "model")).first_selected_option.text.startswith("users")
        # A second run; then the first opened again from the list, as it ended.
        Select(find(By.ID, "model")).select_by_value("rate")
        find(By.ID, "duration").clear()
        find(By.ID, "duration").send_keys("1.5s")
        find(By.ID, "start").click()
        wait_until(
            lambda: find(By.ID, "title").text.startswith("run 2"),
            why=lambda: find(By.ID, "problem").text,
        )
        wait_until(lambda: find(By.ID, "state").text == "idle")
        find(By.CSS_SELECTOR, "a[data-open='1']").click()
        wait_until(lambda: find(By.ID, "title").text.startswith("run 1"))
        assert browser.execute_script("return intervals.length") == len(rows)
        assert find(By.ID, "fig-users").text == "8" and find(By.ID, "follow").is_displayed()
        find(By.ID, "follow-link").click()
        wait_until(lambda: find(By.ID, "title").text.startswith("run 2"))
    finally:
        browser.quit()


def test_the_seed_scenarios_start_from_the_page_with_their_parameters(free_port, target):
    from surge.model.loader import load_scenarios

    scenarios = {
        **load_scenarios("scenarios/medication_api.py"),
        **load_scenarios("scenarios/image_classifier.py"),
    }
    server = WebServer(Session(scenarios), "127.0.0.1", free_port).start()
    try:
        offered = call(server, "GET", "/api/status")[1]["scenarios"]
        assert offered["medication_api"]["parameters"]["users"] == 50
        # As the medication API's guide drives Locust: users, a spawn rate, start; then more.
        body = {
            "scenario": "medication_api",
            "parameters": {"base_url": target.url, "users": "4", "spawn_rate": "20"},
            "duration": "30s",
        }
        status, run = call(server, "POST", "/api/start", body)
        assert status == 201 and run["model"] == "closed", run
        wait_until(lambda: len(call(server, "GET", "/api/status")[1]["intervals"]) >= 1)
        assert call(server, "PUT", "/api/load", {"users": 8, "spawn_rate": 20})[0] == 200
        wait_until(
            lambda: (
                (call(server, "GET", "/api/status")[1]["intervals"] or [{}])[-1]
                .get("total", {})
                .get("users")
                == 8
            )
        )
        assert call(server, "POST", "/api/stop")[0] == 200
        wait_until(lambda: call(server, "GET", "/api/status")[1]["state"] == "idle")
        document = call(server, "GET", "/api/runs/1/result.json")[1]
        assert document["total"]["count"] > 0 and document["load"]["changes"][0]["to"] == 8
        # The image classifier is a suite: its phases are named. Its first is a group of three
        # user classes that run at once, as Locust runs its classes: the page's users are
        # shared over them by the users each was written with (20, 10, 4), and each keeps its
        # own think time.
        image = {"scenario": "image_classifier", "parameters": {"base_url": target.url}}
        status, answer = call(server, "POST", "/api/start", image)
        assert status == 400 and "pick a phase (1: " in answer["error"]
        group_start = {**image, "phase": 1, "load": {"users": 17, "spawn_rate": 170}}
        status, first = call(server, "POST", "/api/start", {**group_start, "duration": "30s"})
        assert status == 201 and first["group"] == [2, 3, 4], first
        members = [call(server, "GET", f"/api/status?run={n}")[1]["run"] for n in first["group"]]
        assert [m["name"] for m in members] == [
            "ImageClassifierUser", "HighLoadUser", "ErrorTestingUser",
        ]  # fmt: skip
        assert [m["scenario"]["load"]["users"] for m in members] == [10, 5, 2]
        assert members[1]["scenario"]["load"]["think"]["min_s"] == 0.1
        # More users for the whole group, shared the same way; then one class alone.
        _, answer = call(server, "PUT", "/api/load", {"users": 34, "spawn_rate": 340})
        assert [answer["runs"][str(n)]["users"] for n in first["group"]] == [20, 10, 4]
        assert call(server, "PUT", "/api/load?run=4", {"users": 6})[0] == 200

        def users_of(n: int) -> int | None:
            intervals = call(server, "GET", f"/api/status?run={n}")[1]["intervals"]
            return intervals[-1]["total"].get("users") if intervals else None

        wait_until(lambda: [users_of(n) for n in first["group"]] == [20, 10, 6])
        status, answer = call(server, "POST", "/api/start", group_start)
        assert status == 400 and "a run is going" in answer["error"]
        _, answer = call(server, "POST", "/api/stop")
        assert answer["stopping"] == [2, 3, 4]
        wait_until(lambda: call(server, "GET", "/api/status")[1]["state"] == "idle")
        changes = [
            call(server, "GET", f"/api/runs/{n}/result.json")[1]["load"]["changes"]
            for n in first["group"]
        ]
        assert [[c["to"] for c in each] for each in changes] == [[20], [10], [4, 6]]
        status, run = call(server, "POST", "/api/start", {**image, "phase": 2, "duration": "1s"})
        assert status == 201 and run["group"] == [5], run
        wait_until(lambda: call(server, "GET", "/api/status")[1]["state"] == "idle")
        assert call(server, "GET", "/api/status?run=9")[0] == 404
    finally:
        server.close()


def test_snapshots_judge_slos_and_show_monitors(target):
    import os

    from surge import monitor

    scenario = surge_scenario(target.url).replace(monitors=[monitor.process(os.getpid())])
    handle = surge_start(scenario, slos=["p99 < 1s", "p50 < 0.001ms", "rps > 0"])
    result = handle.result(timeout=30)
    last = handle.snapshots[-1]
    verdicts = {v["slo"]: v["holds"] for v in last["slos"]}
    assert verdicts == {"p99 < 1s": True, "p50 < 0.001ms": False, "rps > 0": True}
    assert "target" in last["monitors"] and last["monitors"]["target"]["rss"] > 0
    assert last["total"]["lag_p99_ms"] is not None
    assert result.total["count"] > 0


def surge_scenario(url: str):
    import surge
    from surge import http

    return surge.Scenario(
        name="watched",
        base_url=url,
        operations=[http.get("health", HEALTH)],
        load=surge.ConstantRate(200, connections=4),
        duration="1.5s",
        interval="250ms",
    )


def surge_start(scenario, **options):
    import surge

    return surge.start(scenario, **options)


def test_surge_run_web_serves_the_run(target, free_port):
    import threading

    import surge

    seen = []

    def watch():
        bound = type("Bound", (), {"port": free_port})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                status = call(bound, "GET", "/api/status")[1]
            except OSError:
                time.sleep(0.05)
                continue
            if status["intervals"]:
                seen.append(status)
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    result = surge.run(surge_scenario(target.url), web=str(free_port))
    watcher.join()
    assert seen and seen[0]["run"]["source"] == "cli" and not seen[0]["can_start"]
    assert result.total["count"] > 0


def test_surge_scale_applies_once_with_a_page(target, free_port, monkeypatch):
    # surge.run(web=) and surge.start scale through one place: a 2 s run at SURGE_SCALE=0.5
    # measures 1 s, not 0.5 s.
    import surge

    monkeypatch.setenv("SURGE_SCALE", "0.5")
    scenario = surge_scenario(target.url).replace(duration="2s")
    assert surge.run(scenario, web=str(free_port))["duration_s"] == pytest.approx(1.0, abs=0.05)
    assert surge.start(scenario).result(timeout=20)["duration_s"] == pytest.approx(1.0, abs=0.05)


def test_pytest_surge_web_shows_each_run(pytester, free_port):
    pytester.makepyfile(
        test_watched=f"""
import json, urllib.request
import pytest
import surge
from surge import http


@pytest.mark.slo("p99 < 1s")
def test_watched(surge_run, surge_target):
    surge_run(surge.Scenario(name="watched", base_url=surge_target.url,
                             operations=[http.get("health", "{HEALTH}")],
                             load=surge.ConstantRate(100), duration="0.5s"))
    with urllib.request.urlopen("http://127.0.0.1:{free_port}/api/status") as response:
        status = json.load(response)
    assert status["run"]["source"].startswith("pytest test_watched.py::test_watched")
    assert status["intervals"][-1]["slos"][0]["slo"] == "p99 < 1s"
"""
    )
    outcome = pytester.runpytest_subprocess("--surge-web", str(free_port), "-p", "no:cacheprovider")
    outcome.assert_outcomes(passed=1)


def test_the_page_steers_nginx_and_redis_loads(web, tmp_path):
    import surge
    from nginx_server import Nginx
    from ports import free_port
    from surge import redis
    from surge.services import RedisServer

    def steer(server, start: dict, change: dict, number: int) -> dict:
        status, run = call(server, "POST", "/api/start", start)
        assert status == 201, run
        wait_until(lambda: len(call(server, "GET", "/api/status")[1]["intervals"]) >= 2)
        assert call(server, "PUT", "/api/load", change)[0] == 200
        wait_until(lambda: len(call(server, "GET", "/api/status")[1]["intervals"]) >= 4)
        assert call(server, "POST", "/api/stop")[0] == 200
        wait_until(lambda: call(server, "GET", "/api/status")[1]["state"] == "idle")
        document = call(server, "GET", f"/api/runs/{number}/result.json")[1]
        assert document["total"]["error_count"] == 0
        return document

    (tmp_path / "index.html").write_text("hello")
    with Nginx(tmp_path) as nginx:
        start = {"url": nginx.url + "/index.html", "load": {"rate": 200}, "duration": "30s"}
        document = steer(web, start, {"rate": 500}, 1)
        (change,) = document["load"]["changes"]
        assert (change["kind"], change["from"], change["to"]) == ("rate", 200, 500)
        assert document["timeseries_total"][-2]["target_rate_per_s"] == 500
    with RedisServer() as server_of_redis:
        cache = surge.Scenario(
            name="cache",
            base_url=server_of_redis.url,
            operations=[redis.command("ping", "PING")],
            load=surge.Users(2),
            duration="30s",
            interval="250ms",
        )
        page = WebServer(Session({"cache": cache}), "127.0.0.1", free_port()).start()
        try:
            document = steer(page, {"scenario": "cache"}, {"users": 5}, 1)
        finally:
            page.close()
        (change,) = document["load"]["changes"]
        assert (change["kind"], change["from"], change["to"]) == ("users", 2, 5)
        assert document["timeseries_total"][-2]["users"] == 5
