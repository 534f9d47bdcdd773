"""Value generators and templates: the same syntax for every protocol."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from surge import _core


def ints(spec: str, n: int = 20_000) -> list[int]:
    return [int(v) for v in _core.sample(spec, n, 3)]


def test_seq_counts_up_from_its_start():
    assert _core.sample("seq", 4) == ["0", "1", "2", "3"]
    assert _core.sample("seq(10)", 3) == ["10", "11", "12"]


def test_uniform_stays_in_range_and_covers_it():
    values = ints("uniform(5,9)")
    assert set(values) == {5, 6, 7, 8, 9}
    counts = Counter(values)
    assert min(counts.values()) > 0.18 * len(values)


def test_zipf_is_skewed_toward_the_low_end():
    values = ints("zipf(1,1000,0.99)", 50_000)
    assert min(values) >= 1 and max(values) <= 1000
    counts = Counter(values)
    # Under Zipf(0.99) rank 1 is drawn about twice as often as rank 2 and ~10x rank 10.
    assert counts[1] / counts[2] == pytest.approx(2**0.99, rel=0.15)
    assert counts[1] / counts[10] == pytest.approx(10**0.99, rel=0.25)


def test_gaussian_has_its_mean_and_spread():
    values = ints("gaussian(1000,50)")
    mean = sum(values) / len(values)
    sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    assert mean == pytest.approx(1000, abs=2)
    assert sd == pytest.approx(50, rel=0.05)


def test_choice_uuid_and_bytes():
    assert set(_core.sample("choice(red, 'green', blue)", 500)) == {"red", "green", "blue"}
    for u in _core.sample("uuid", 50):
        assert re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", u
        )
    values = _core.sample("bytes(100)", 20)
    assert all(len(v) == 100 and v.isalnum() for v in values)
    assert len(set(values)) == 20


def test_sized_bytes_and_cycling_sequences():
    lengths = [len(v) for v in _core.sample("bytes(10,20)", 2000)]
    assert min(lengths) == 10 and max(lengths) == 20
    weighted = [len(v) for v in _core.sample("bytes(32:8,1024:2)", 5000)]
    assert set(weighted) == {32, 1024}
    assert weighted.count(1024) / 5000 == pytest.approx(0.2, abs=0.02)
    assert _core.sample("seq(1,3)", 7) == ["1", "2", "3", "1", "2", "3", "1"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("uniform(5)", "expected uniform(min,max)"),
        ("bytes(20,10)", "max must be >= min"),
        ("bytes(32:0)", "weights must be > 0"),
        ("bytes(32:1,64)", "expected bytes(size:weight,...)"),
        ("seq(5,1)", "last must be >= first"),
        ("uniform(9,1)", "max must be >= min"),
        ("zipf(1,10,0)", "exponent must be > 0"),
        ("bytes(-1)", "between 0 and 1048576"),
        ("normal(1,2)", "unknown generator"),
        ("uniform(a,b)", "is not an integer"),
        ("uniform(1,2", "missing ')'"),
    ],
)
def test_bad_generators_say_what_is_wrong(spec, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        _core.sample(spec, 1)


def test_template_draws_each_variable_once_per_request():
    rendered = _core.render("/items/{id}?again={id}&u={uniform(1,3)}", [("id", "seq(100)")], 3)
    assert rendered[0].startswith("/items/100?again=100&u=")
    assert rendered[2].startswith("/items/102?again=102&u=")


def test_json_braces_are_plain_text():
    body = '{"name": "{who}", "n": {n}}'
    assert _core.render(body, [("who", "choice(ann)"), ("n", "seq")], 1) == [
        '{"name": "ann", "n": 0}'
    ]


def test_unknown_template_variable_names_the_fix():
    with pytest.raises(ValueError, match=r"unknown template variable '\{user\}'.*--var user="):
        _core.render("/u/{user}", [], 1)
