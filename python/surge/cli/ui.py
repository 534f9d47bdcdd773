"""`surge ui [FILE | URL]`: the web UI in the foreground, where runs are started, watched,
steered and downloaded from the page (docs/web-ui.md)."""

from __future__ import annotations

import argparse
import sys

from surge.cli.args import add_web_security_flags, port_number
from surge.errors import ConfigError

NAME = "ui"
HELP = "open the web UI: start, watch, steer and download runs from a browser"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(NAME, help=HELP)
    p.add_argument(
        "source",
        nargs="?",
        metavar="FILE | URL",
        help="a scenario file whose scenarios the page offers, or the URL the page starts with",
    )
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on (loopback)")
    p.add_argument("--port", type=port_number, default=8089, help="the TCP port (8089)")
    add_web_security_flags(p)


def cmd(args: argparse.Namespace) -> int:
    from surge.web.server import WebServer
    from surge.web.session import Session

    scenarios = None
    url = None
    if args.source:
        if "://" in args.source:
            url = args.source
        else:
            from surge.model.loader import load_scenarios

            scenarios = load_scenarios(args.source)
    if args.web_token is not None and not args.web_token.strip():
        raise ConfigError("--web-token: give a non-empty token")
    session = Session(scenarios)
    server = WebServer(
        session, args.host, args.port, token=args.web_token, read_only=args.web_read_only
    )
    link = server.url
    if url:
        link += ("&" if "?" in link else "?") + "url=" + url
    print(f"surge ui: {link}  (Ctrl-C ends it)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        for run in session.current_group:  # a group's runs all stop, keeping what they measured
            if run.handle.running:
                run.handle.stop()
                run.handle.wait(10)
    return 0
