"""Any Prometheus endpoint, scraped while the load runs, for the metrics named: each is the sum
of its samples across label sets, or of those matching a selector such as
`http_requests_total{code="500"}`. Counters (by the exposition's TYPE) become increases and
rates; everything else is read as a gauge. The text is parsed by prometheus_client's parser."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any, ClassVar

from surge.errors import ConfigError
from surge.urls import redact_url

_SELECTOR = re.compile(r"^\s*(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{(?P<labels>[^}]*)\})?\s*$")
_LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')
_TIMEOUT_S = 2.0
_MAX_BYTES = 16 << 20


class PrometheusSource:
    namespace = "prometheus"
    kind = "prometheus"
    units: ClassVar[dict[str, str]] = {}

    def __init__(self, url: str, metrics: Sequence[str]):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"monitor prometheus: expected an http:// URL, got {url!r}")
        if isinstance(metrics, str) or not metrics:
            raise ConfigError(
                "monitor prometheus: name the metrics to keep, e.g. --metric "
                "process_resident_memory_bytes"
            )
        self.url = url
        self.selectors = [_parse_selector(m) for m in metrics]
        self.counters: frozenset[str] = frozenset()
        self.typed = False

    def describe(self) -> dict[str, Any]:
        return {"url": redact_url(self.url), "metrics": [key for key, _, _ in self.selectors]}

    def open(self) -> None:
        pass

    def read(self) -> dict[str, float]:
        from prometheus_client.parser import text_string_to_metric_families

        try:
            with urllib.request.urlopen(self.url, timeout=_TIMEOUT_S) as response:
                text = response.read(_MAX_BYTES).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            raise OSError(f"{redact_url(self.url)} answered {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise OSError(
                f"cannot scrape {redact_url(self.url)}: {reason}; check that the URL serves "
                "Prometheus' text format"
            ) from None
        try:
            families = list(text_string_to_metric_families(text))
        except (ValueError, TypeError, IndexError) as exc:
            raise OSError(f"{redact_url(self.url)} is not Prometheus text: {exc}") from None
        reading: dict[str, float] = {}
        counters = set()
        for key, name, labels in self.selectors:
            total, found = 0.0, False
            for family in families:
                for sample in family.samples:
                    if sample.name != name or any(
                        sample.labels.get(k) != v for k, v in labels.items()
                    ):
                        continue
                    total += sample.value
                    found = True
                    if family.type == "counter":
                        counters.add(key)
            if not found:
                raise OSError(f"{redact_url(self.url)} exposes no sample of {key}")
            reading[key] = total
        if not self.typed:
            self.counters, self.typed = frozenset(counters), True
        return reading

    derive = None

    def close(self) -> None:
        pass


def _parse_selector(text: Any) -> tuple[str, str, dict[str, str]]:
    match = _SELECTOR.match(text) if isinstance(text, str) else None
    labels: dict[str, str] = {}
    if match and match.group("labels") and match.group("labels").strip():
        body = match.group("labels")
        position = 0
        while position < len(body):
            label = _LABEL.match(body, position)
            if not label:
                match = None
                break
            labels[label.group(1)] = label.group(2).replace('\\"', '"').replace("\\\\", "\\")
            position = label.end()
    if not match:
        raise ConfigError(
            f"monitor prometheus: {text!r} is not a metric name or selector such as "
            'http_requests_total{code="500"}'
        )
    return text.strip(), match.group("name"), labels
