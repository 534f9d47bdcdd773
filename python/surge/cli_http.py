"""`surge http URL`: wrk-style load on one URL; an open model with -R, closed otherwise.

surge http http://127.0.0.1:8080/api/v1/health -R 2000 -c 32 -d 10s
surge http 'http://127.0.0.1:8080/items/{id}' --var 'id=uniform(1,1000)' -c 16 -n 100000
"""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit

from . import http as http_ops
from .cli_args import key_value, load_from_flags, run_settings_from_flags, whole_arg
from .cli_output import run_and_finish
from .errors import ConfigError
from .load_models import Connections
from .scenarios import Scenario
from .tls import Tls
from .urls import parse_http_url

NAME = "http"
HELP = "load one URL, wrk-style (open model with -R)"
COUNTS = "requests"


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
    t = p.add_argument_group("TLS (https:// URLs)")
    t.add_argument(
        "-k",
        "--insecure",
        action="store_true",
        help="accept any certificate (a test server's self-signed one); default: verified",
    )
    t.add_argument("--ca", metavar="FILE", help="trust the certificates in this PEM file instead")
    t.add_argument("--cert", metavar="FILE", help="a client certificate (PEM), with --key")
    t.add_argument("--key", metavar="FILE", help="the client certificate's private key (PEM)")
    t.add_argument(
        "--no-tls-resume",
        dest="tls_resume",
        action="store_false",
        help="a reconnect makes a full handshake instead of resuming the last session",
    )


def tls_from_flags(args: argparse.Namespace, url: str) -> Tls | None:
    """The TLS settings the flags ask for; None (the defaults) when none is given."""
    given = args.insecure or args.ca or args.cert or args.key or not args.tls_resume
    if not given:
        return None
    if not url.startswith("https://"):
        raise ConfigError(
            "--insecure, --ca, --cert, --key and --no-tls-resume are for https:// URLs"
        )
    try:
        return Tls(
            verify=not args.insecure,
            ca=args.ca,
            cert=args.cert,
            key=args.key,
            resume=args.tls_resume,
        )
    except ConfigError as exc:  # named as the flag the user typed
        message = str(exc)
        for field in ("ca", "cert", "key"):
            message = message.replace(f"tls {field}:", f"--{field}:")
        raise ConfigError(message) from None


def split_url(url: str) -> tuple[str, str]:
    """The scenario's base URL and the request's path (with its query) of one URL; a bad URL
    fails here with its own message."""
    parse_http_url(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{parts.scheme}://{parts.netloc}", path


def cmd(args: argparse.Namespace) -> int:
    base, path = split_url(args.url)
    operation = http_ops.request(
        "request",
        args.method,
        path,
        headers=dict(args.header),
        body=args.body,
        variables=dict(args.var),
        expect_status=args.expect_status,
        expect_body=args.expect_body,
        max_body_bytes=args.max_body_bytes,
    )
    load = load_from_flags(args) or Connections(10)
    scenario = Scenario(
        name="http",
        base_url=base,
        operations=[operation],
        load=load,
        params={"url": args.url},
        tls=tls_from_flags(args, args.url),
        **run_settings_from_flags(args),
    )
    return run_and_finish(args, scenario)
