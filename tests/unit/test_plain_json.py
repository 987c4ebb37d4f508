"""`orjson` writes the canonical JSON of plain values byte for byte as `json.dumps` does (`shared/infra/plain.py`).

The chain hashes (`shared/infra/chain.py`) are taken over these bytes and outside verifiers recompute them with
plain JSON: where `orjson` writes, it must write exactly what the definition writes, for every string the
system can hold; everything else must still be written (or refused) by `json` itself.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum, IntEnum, StrEnum
from typing import Any
from uuid import UUID

import orjson
import pytest

from shared.infra.chain import canonical
from shared.infra.plain import dumps_sorted, is_plain

pytestmark = pytest.mark.unit
CODE_POINTS = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def definition(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def same(value: Any) -> None:
    """`orjson` itself writes the definition's bytes, and `dumps_sorted` takes its path."""
    assert is_plain(value)
    assert orjson.dumps(value, option=orjson.OPT_SORT_KEYS) == definition(value) == dumps_sorted(value)


def test_every_code_point_is_written_alike_as_key_and_as_value() -> None:
    same(dict.fromkeys(CODE_POINTS, "v"))  # every key, in code point order
    same({"k": "".join(CODE_POINTS)})
    same([f"a{c}b{c}{c}" for c in CODE_POINTS[::7]])
    controls = "".join(chr(c) for c in range(0x20)) + '"\\/\x7f\u0085\u2028\u2029\ufeff\ufffe\uffff'
    same({controls: controls, "\U0001f600": "\U0010ffff"})
    assert dumps_sorted("\u2028\n\x1f") == '"\u2028\\n\\u001f"'.encode()


def test_keys_are_sorted_by_code_point_across_the_planes() -> None:
    rng = random.Random(18)
    picks = [0x22, 0x41, 0x5C, 0x7F, 0xE9, 0x2028, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF]

    def text() -> str:
        return "".join(
            chr(rng.choice(picks)) if rng.random() < 0.5 else rng.choice(CODE_POINTS) for _ in range(rng.randrange(4))
        )

    for _ in range(3000):
        same({text(): text() for _ in range(rng.randrange(1, 9))})


def test_integers_within_64_bits_by_orjson_beyond_by_json() -> None:
    rng = random.Random(18)
    same([0, -0, 1, -1, 2**53, 2**63 - 1, -(2**63), 2**63, 2**64 - 1, True, False, None])
    same([rng.randrange(-(2**63), 2**64) for _ in range(20_000)])
    for big in (2**64, -(2**63) - 1, 10**40):
        assert dumps_sorted({"n": big}) == definition({"n": big})


def test_nested_values_are_written_alike() -> None:
    rng = random.Random(18)

    def value(depth: int) -> Any:
        kind = rng.randrange(7 if depth < 5 else 4)
        if kind == 0:
            return rng.choice(["", "Sở Tư pháp", "a\u2028b", "\x00\t\"'\\", "\U0001f600"])
        if kind == 1:
            return rng.randrange(-(10**12), 10**12)
        if kind == 2:
            return rng.choice([True, False])
        if kind == 3:
            return None
        if kind in (4, 5):
            return {rng.choice(CODE_POINTS[:0x3000]) * rng.randrange(1, 3): value(depth + 1) for _ in range(5)}
        return [value(depth + 1) for _ in range(rng.randrange(4))]

    for _ in range(2000):
        same({"data": value(0)})


class Color(Enum):
    RED = "red"


class Kind(StrEnum):
    YEARLY = "yearly"


class Level(IntEnum):
    ONE = 1


class Name(str):
    pass


@dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    "value",
    [
        1.0, -0.0, 0.15, 2 / 3, 25.5, 1e-05, 1.5212603486793025e-05, 1e-07, 1e16, 1e21, 5e-324, 1.7976931348623157e308,
        float("nan"), float("inf"), float("-inf"), {"points": 1e-05, "s": "x"}, [1, [2, [3.0]]],
        (1, "a"), {"k": (1, 2)}, Kind.YEARLY, Level.ONE, Name("x"), {"n": Name("y")}, {Name("b"): 1, "a": 2},
        {1: "int key"}, {2: "b", 1: "a"}, {True: 1}, {None: 1}, [2**64], [-(2**63) - 1],
        [[[[]]]] * 3, {"deep": json.loads("[" * 400 + "]" * 400)},
    ],
)  # fmt: skip
def test_what_is_not_plain_is_written_by_json(value: Any) -> None:
    assert dumps_sorted(value) == definition(value)
    assert canonical({"data": value, "hash": "h", "subject": None}) == definition({"data": value})


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("\ud800", UnicodeEncodeError),
        ({"k": "a\udfffb"}, UnicodeEncodeError),
        ({"\ud83d": 1}, UnicodeEncodeError),
        (UUID(int=1), TypeError),
        (datetime(2022, 1, 1, tzinfo=UTC), TypeError),
        (Color.RED, TypeError),
        (Point(1), TypeError),
        ({1, 2}, TypeError),
        ({1: "a", "1": "b"}, TypeError),
        (b"bytes", TypeError),
    ],
)
def test_what_json_refuses_is_still_refused(value: Any, error: type[Exception]) -> None:
    """`orjson` would write a UUID, a datetime, an enum or a dataclass: the definition refuses them, so must this."""
    with pytest.raises(error):
        definition(value)
    with pytest.raises(error):
        dumps_sorted(value)


def test_a_cycle_is_refused_as_json_refuses_it() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps_sorted({"a": loop})
