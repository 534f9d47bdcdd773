"""TLS for https:// targets: whether and how the server's certificate is checked, a client
certificate for mutual TLS, and session resumption.

    surge.Scenario(..., base_url="https://127.0.0.1:8443", tls=surge.Tls(ca="ca.pem"))

Without `tls`, an https:// target is verified against the system's trust store, with its
host name checked, and reconnects resume the previous session (docs/tls-http2.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from surge.errors import ConfigError


@dataclass(frozen=True)
class Tls:
    verify: bool = True  # False: any certificate is accepted (--insecure); for test servers
    ca: str | None = None  # a PEM file of the certificates to trust instead of the system's
    cert: str | None = None  # with key: a client certificate (mutual TLS)
    key: str | None = None
    resume: bool = True  # offer the last session's ticket when a connection reconnects

    def __post_init__(self) -> None:
        for name in ("verify", "resume"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"tls {name}: True or False, got {getattr(self, name)!r}")
        for name in ("ca", "cert", "key"):
            _readable(getattr(self, name), name)
        if (self.cert is None) != (self.key is None):
            raise ConfigError("tls: a client certificate needs both cert and key (--cert, --key)")

    def engine_options(self) -> Any:
        """The engine's TlsClientOptions."""
        import surge._core as _core

        options = _core.TlsClientOptions()
        options.verify, options.resume = self.verify, self.resume
        options.ca_file = str(self.ca or "")
        options.cert_file, options.key_file = str(self.cert or ""), str(self.key or "")
        return options

    def ssl_context(self) -> Any:
        """The same settings as a Python ssl.SSLContext, for surge's own checks before a run
        (surge.reach)."""
        import ssl

        context = ssl.create_default_context(cafile=str(self.ca) if self.ca else None)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if self.cert:
            context.load_cert_chain(str(self.cert), str(self.key))
        return context

    def describe(self) -> dict[str, Any]:
        """As the results record it: which files, never their contents."""
        return {
            "verify": self.verify,
            "ca": self.ca,
            "client_certificate": self.cert,
            "resume": self.resume,
        }


def _readable(path: Any, name: str) -> None:
    if path is None:
        return
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise ConfigError(f"tls {name}: a file path, got {path!r}")
    if not os.path.isfile(path):
        raise ConfigError(f"tls {name}: no such file {str(path)!r}; give the path of a PEM file")
    if not os.access(path, os.R_OK):
        raise ConfigError(f"tls {name}: cannot read {str(path)!r}")
