"""The HDR histogram: percentiles within its precision, exact merges, and V2 blobs that the
HdrHistogram reference package (hdrhistogram on PyPI) decodes to the same counts."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys

import pytest
import surge
from hdrh.histogram import HdrHistogram as ReferenceHistogram
from surge._core import HdrHistogram
from surge.results.histogram import Histogram


def exact_percentile(sorted_values: list[int], p: float) -> int:
    # HdrHistogram's rank: the count at or below the percentile, rounded half up.
    rank = max(1, math.floor(p / 100 * len(sorted_values) + 0.5))
    return sorted_values[rank - 1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_percentiles_match_sorted_data_within_precision(seed):
    rng = random.Random(seed)
    values = [int(rng.lognormvariate(11, 1.5)) + 1 for _ in range(50_000)]
    h = HdrHistogram()
    h.record_many(values)
    values.sort()
    assert h.total_count == len(values)
    for p in (1, 25, 50, 75, 90, 99, 99.9, 100):
        exact = exact_percentile(values, p)
        got = h.value_at_percentile(p)
        assert abs(got - exact) <= exact * 1e-3 + 1, (p, got, exact)
    assert h.min == values[0] or abs(h.min - values[0]) <= values[0] * 1e-3
    assert abs(h.max - values[-1]) <= values[-1] * 1e-3
    assert h.mean == pytest.approx(sum(values) / len(values), rel=1e-3)


def test_range_covers_one_microsecond_to_an_hour():
    h = HdrHistogram()
    h.record(1_000)
    h.record(3600 * 10**9)
    assert h.value_at_percentile(0) == 1_000
    assert h.max == pytest.approx(3600 * 10**9, rel=1e-3)


def test_merge_is_exact():
    rng = random.Random(7)
    a, b, both = HdrHistogram(), HdrHistogram(), HdrHistogram()
    for _ in range(20_000):
        v = rng.randint(1, 10**9)
        (a if rng.random() < 0.5 else b).record(v)
        both.record(v)
    a.add(b)
    assert a.nonzero_counts() == both.nonzero_counts()
    assert a.total_count == both.total_count
    assert a.max == both.max and a.min == both.min


def test_merging_histograms_of_different_precision_is_refused():
    with pytest.raises(ValueError, match="different configurations"):
        HdrHistogram(significant_digits=3).add(HdrHistogram(significant_digits=2))


def test_blob_decodes_with_the_reference_package_to_the_same_counts():
    rng = random.Random(11)
    h = HdrHistogram()
    for _ in range(10_000):
        h.record(int(rng.expovariate(1 / 250_000)) + 1)
    h.record(7, 5)  # a repeated count and a long zero run before the tail
    reference = ReferenceHistogram.decode(h.encode())
    assert reference.get_total_count() == h.total_count
    decoded = {}
    for item in reference.get_recorded_iterator():
        decoded[reference.get_lowest_equivalent_value(item.value_iterated_to)] = (
            item.count_at_value_iterated_to
        )
    assert decoded == dict(h.nonzero_counts())
    for p in (50, 90, 99, 99.9):
        assert reference.get_value_at_percentile(p) == h.value_at_percentile(p)


def test_reference_blob_decodes_in_surge():
    reference = ReferenceHistogram(1, 2**42, 3)
    for v in (5, 900, 12_345, 10**6, 10**6, 7 * 10**9):
        reference.record_value(v)
    blob = reference.encode()
    ours = HdrHistogram.decode(blob.decode() if isinstance(blob, bytes) else blob)
    assert ours.total_count == 6
    assert ours.value_at_percentile(50) == reference.get_value_at_percentile(50)
    assert (
        ours.encode()
        and HdrHistogram.decode(ours.encode()).nonzero_counts() == ours.nonzero_counts()
    )


def test_garbage_blob_is_a_clear_error():
    with pytest.raises(ValueError, match="V2"):
        HdrHistogram.decode("bm90IGEgaGlzdG9ncmFt")


def crafted(highest: int, counts: bytes, digits: int = 3) -> str:
    """An HdrHistogram V2 blob with any header and raw count bytes."""
    import base64
    import struct
    import zlib

    payload = struct.pack(">IIIIqqd", 0x1C849313, len(counts), 0, digits, 1, highest, 1.0) + counts
    body = zlib.compress(payload)
    return base64.b64encode(struct.pack(">II", 0x1C849314, len(body)) + body).decode()


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        ("%%%", "not an HdrHistogram"),
        (crafted(2**62, b"", digits=5), "more than 4 Mi counts"),
        (crafted(1 << 20, b"\xff" * 9), "runs past its range"),
        (crafted(1 << 20, bytes(64 << 20)), "more counts than its range has"),
    ],
)
def test_a_bad_blob_from_elsewhere_is_one_clear_error(blob, message, tmp_path):
    with pytest.raises(surge.ConfigError, match=message):
        Histogram.decode(blob, "get")
    # The CLI reading a results file with such a blob: one line, exit 2, no traceback.
    with surge.Target() as target:
        result = surge.run(
            surge.Scenario(
                name="h",
                base_url=target.url,
                operations=[surge.http.get("get", "/api/v1/health")],
                requests=10,
            )
        )
    document = result.to_dict()
    document["operations"]["get"]["histogram"] = blob
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    done = subprocess.run(
        [sys.executable, "-m", "surge.cli", "report", str(path), "-o", str(tmp_path / "r.html"),
         "--slo", "get.p42 < 1s"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr
