"""A real headless browser (Debian's chromium) for the HTML reports' tests: a page must load
offline without console errors and draw every chart."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

# Injected first in <head>: records uncaught errors and console.error calls.
CAPTURE = """<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push("error: " + e.message));
window.addEventListener("unhandledrejection", e => window.__errors.push("rejection: " + e.reason));
const original = console.error;
console.error = (...args) => { window.__errors.push(args.join(" ")); original(...args); };
</script>"""
# Appended to <body>: after the page settles, writes what rendered into the DOM we dump.
PROBE = """<script>
window.addEventListener("load", () => setTimeout(() => {
  const charts = [...document.querySelectorAll(".js-plotly-plot")].map(div => ({
    id: div.id,
    svg: div.querySelectorAll("svg.main-svg").length,
    traces: div.querySelectorAll("g.trace").length,
    drawn: [...div.querySelectorAll("path.js-line, path.point, g.points path")]
      .filter(p => (p.getAttribute("d") || "").length > 10).length,
  }));
  const out = document.createElement("pre");
  out.id = "surge-probe";
  out.textContent = JSON.stringify({errors: window.__errors, charts});
  document.body.appendChild(out);
}, 1000));
</script>"""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed: run `bash scripts/bootstrap.sh`")
    return path


def browse(html_path: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={html_path.parent / 'profile'}",
        *args,
        html_path.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def probe_page(page: str, directory: Path) -> dict:
    """Opens the HTML `page` (written into `directory`) and returns what it drew: the errors
    it logged, and per chart its id, SVGs, traces and drawn paths."""
    probed = directory / "probed.html"
    probed.write_text(
        page.replace("<head>", "<head>" + CAPTURE, 1).replace("</body>", PROBE + "</body>", 1)
    )
    dom = browse(probed, "--virtual-time-budget=15000", "--dump-dom")
    found = re.search(r'<pre id="surge-probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def chrome():
    """Headless chromium under selenium, through Debian's chromedriver, for live pages."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver_path = shutil.which("chromedriver")
    if driver_path is None:
        pytest.fail("chromedriver is not installed: run `bash scripts/bootstrap.sh`")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver_path), options=options)
