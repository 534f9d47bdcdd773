"""A real nginx on a free loopback port in a temp dir, for tests and benchmarks."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

CONFIG = """
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    {access_log}
    {rate_zone}
    client_max_body_size 16m;
    keepalive_requests {keepalive_requests};
    keepalive_timeout {keepalive_timeout};
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port}{ssl}{http2};
        http2_max_concurrent_streams {max_streams};
        {tls}
        location / {{ return 200 "hello from nginx\\n"; }}
        {files}
        {rate_limit}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    def __init__(
        self,
        root: Path,
        cpu: int | None = None,
        keepalive_timeout: str = "75s",
        *,
        keepalive_requests: int = 1_000_000,
        certificate: Path | None = None,
        key: Path | None = None,
        client_ca: Path | None = None,
        http2: bool = False,
        max_streams: int = 128,
        tls_protocols: str = "TLSv1.2 TLSv1.3",
        log_format: str | None = None,
        limit_rate: int | None = None,
        verify_client: str = "on",
        port: int | None = None,
        files: Path | None = None,
    ):
        """With `certificate` and `key` it serves https:// (TLS 1.2 and 1.3); with `client_ca`
        too it asks for a client certificate signed by it (mutual TLS). `http2`: h2 by ALPN
        beside HTTP/1.1 over TLS; in cleartext, h2c with prior knowledge only. `keepalive_requests`
        ends an HTTP/2 connection with GOAWAY after that many requests. `tls_protocols` is what
        the server offers ("TLSv1.2" forces it). `log_format` writes one line per request in
        that nginx format to `access_log` (such as "$ssl_protocol"). `limit_rate` (req/s) gives
        the server a known capacity at /limited: nginx's limit_req answers 503 past it (a burst of
        50). `verify_client` "optional" asks for a client certificate without requiring one.
        `files`: a directory served under /files/ (nginx's workers run as nobody: it and its
        files must be readable by all)."""
        self.http2, self.max_streams = http2, max_streams
        self.root = root
        self.keepalive_timeout = keepalive_timeout
        self.keepalive_requests = keepalive_requests
        self.certificate, self.key, self.client_ca = certificate, key, client_ca
        self.tls_protocols, self.log_format = tls_protocols, log_format
        self.limit_rate = limit_rate
        self.verify_client = verify_client
        self.files = files
        self.access_log = root / "access.log"
        self.port = port or free_port()
        self.cpu = cpu
        self.process: subprocess.Popen | None = None

    @staticmethod
    def binary() -> str | None:
        return shutil.which("nginx") or (
            "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
        )

    def __enter__(self) -> Nginx:
        binary = self.binary()
        if binary is None:
            raise RuntimeError("nginx is not installed: run scripts/bootstrap.sh")
        config = self.root / "nginx.conf"
        tls = ""
        if self.certificate is not None:
            tls = f"ssl_certificate {self.certificate}; ssl_certificate_key {self.key};"
            tls += f" ssl_protocols {self.tls_protocols};"
            if self.client_ca is not None:
                tls += (
                    f" ssl_client_certificate {self.client_ca};"
                    f" ssl_verify_client {self.verify_client};"
                )
        config.write_text(
            CONFIG.format(
                root=self.root,
                port=self.port,
                keepalive_timeout=self.keepalive_timeout,
                keepalive_requests=self.keepalive_requests,
                ssl=" ssl" if tls else "",
                http2=" http2" if self.http2 else "",
                max_streams=self.max_streams,
                tls=tls,
                files=f"location /files/ {{ alias {self.files}/; }}" if self.files else "",
                rate_zone=(
                    f"limit_req_zone $server_port zone=capacity:1m rate={self.limit_rate}r/s;"
                    if self.limit_rate
                    else ""
                ),
                rate_limit=(
                    # Not in `location /`: its `return` runs before limit_req's phase would.
                    "location = /limited { limit_req zone=capacity burst=50 nodelay; "
                    "limit_req_status 503; empty_gif; }"
                    if self.limit_rate
                    else ""
                ),
                access_log=(
                    f"log_format surge '{self.log_format}'; access_log {self.access_log} surge;"
                    if self.log_format
                    else "access_log off;"
                ),
            )
        )
        command = [binary, "-c", str(config), "-p", str(self.root)]
        if self.cpu is not None:
            command = ["taskset", "-c", str(self.cpu), *command]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError(f"nginx did not start; see {self.root}/error.log")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    @property
    def url(self) -> str:
        scheme = "https" if self.certificate is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}/"
