"""`surge http URL`: wrk-style load on one URL; an open model with -R, closed otherwise.

surge http http://127.0.0.1:8080/api/v1/health -R 2000 -c 32 -d 10s
surge http 'http://127.0.0.1:8080/items/{id}' --var 'id=uniform(1,1000)' -c 16 -n 100000
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import urlsplit

from surge.errors import ConfigError
from surge.flags import key_value, whole_arg
from surge.protocols import http as http_ops
from surge.protocols import tls_flags as cli_tls
from surge.urls import parse_http_url

NAME = "http"
HELP = "load one URL, wrk-style (open model with -R)"
COUNTS = "requests"
# The load without -R, -u or -c: wrk's 10 connections.
DEFAULT_LOAD = ("Connections", 10)


def add_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="http(s)://HOST[:PORT]/PATH; {NAME} placeholders come from --var")
    r = p.add_argument_group("request")
    r.add_argument("-m", "--method", default="GET", help="the request method")
    r.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        type=key_value(":", "'Name: value'"),
        metavar="'NAME: VALUE'",
        help="a request header (repeatable)",
    )
    r.add_argument("--body", default="", help="the request body, a template like the URL")
    r.add_argument(
        "--no-keepalive",
        action="store_true",
        help="a new connection per request (Connection: close), as ab and wrk -H 'Connection: "
        "close' measure it: with https://, a handshake per request",
    )
    r.add_argument(
        "--expect-status",
        type=whole_arg(100, 599),
        action="append",
        default=[],
        metavar="CODE",
        help="a status that counts as success (repeatable; default: any below 400)",
    )
    r.add_argument("--expect-body", default="", metavar="TEXT", help="text the body must contain")
    r.add_argument(
        "--max-body-bytes",
        type=whole_arg(1, 1 << 62),
        help="a longer response body counts as malformed (default: no limit)",
    )
    cli_tls.add_flags(p)


def split_url(url: str) -> tuple[str, str]:
    """The scenario's base URL and the request's path (with its query) of one URL; a bad URL
    fails here with its own message."""
    parse_http_url(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{parts.scheme}://{parts.netloc}", path


def scenario(args: argparse.Namespace) -> dict[str, Any]:
    """The Scenario's fields that this command's flags give; the CLI adds the load and the
    settings every run command shares, then runs it."""
    base, path = split_url(args.url)
    http_version = args.http
    if args.no_keepalive:
        # Connection: close is HTTP/1.1's; HTTP/2 has no connection-per-request form.
        if http_version == "2":
            raise ConfigError(
                "--no-keepalive: a connection per request is HTTP/1.1's; drop --http 2"
            )
        http_version = "1.1"
    operation = http_ops.request(
        "request",
        args.method,
        path,
        headers=dict(args.header) | ({"Connection": "close"} if args.no_keepalive else {}),
        body=args.body,
        variables=dict(args.var),
        expect_status=args.expect_status,
        expect_body=args.expect_body,
        max_body_bytes=args.max_body_bytes,
    )
    return {
        "name": "http",
        "base_url": base,
        "operations": [operation],
        "params": {"url": args.url},
        "tls": cli_tls.from_flags(args, args.url),
        "http_version": http_version,
        "max_streams": args.max_streams,
    }
