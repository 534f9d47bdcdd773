"""The TLS flags of the run commands whose targets take TLS (`surge http` for https://,
`surge redis` for rediss://), and the surge.Tls they make."""

from __future__ import annotations

import argparse

from surge.errors import ConfigError
from surge.tls import Tls


def add_flags(p: argparse.ArgumentParser) -> None:
    t = p.add_argument_group("TLS (https:// and rediss:// URLs)")
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


def from_flags(args: argparse.Namespace, url: str) -> Tls | None:
    """The TLS settings the flags ask for; None (the defaults) when none is given."""
    given = args.insecure or args.ca or args.cert or args.key or not args.tls_resume
    if not given:
        return None
    if not url.startswith(("https://", "rediss://", "valkeys://")):
        raise ConfigError(
            "--insecure, --ca, --cert, --key and --no-tls-resume are for https:// and rediss:// "
            "URLs"
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
