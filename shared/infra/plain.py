"""Canonical JSON through `orjson` where it is proven to write what the `json` module writes.

`shared/infra/chain.py` defines an envelope's canonical JSON as `json.dumps(value, sort_keys=True,
separators=(",", ":"), ensure_ascii=False)` in UTF-8, and outside verifiers recompute it with plain JSON.
`orjson` (with OPT_SORT_KEYS) writes it about fifteen times faster, and the relay writes one per event.
The two differ on floats (`orjson` writes 1e-05 as 0.00001, NaN and Infinity as null) and on what `json`
refuses and `orjson` writes (a UUID, a datetime, an enum, a dataclass); they are the same to the byte on
"plain" values: dicts, lists, `str`, `int`, `bool` and None, of exactly those types. `tests/unit/test_plain_json.py`
proves it for every Unicode code point (U+2028, controls and the astral planes included) as key and as
value, for key order, for integers up to and beyond 64 bits and for nesting. Where `orjson` refuses a plain
value (a key that is no `str`, an integer beyond 64 bits, a lone surrogate), `json` writes it, or raises, as
it did before; a value that is not plain (a float anywhere in it) is written by `json` alone.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_SCALARS = frozenset((str, int, bool, type(None)))


def is_plain(value: Any) -> bool:
    """Whether `value` holds only dicts, lists, `str`, `int`, `bool` and None, of exactly those types (keys
    are not looked at: `orjson` refuses any but `str`)."""
    todo = [value]
    pop, extend = todo.pop, todo.extend
    while todo:
        v = pop()
        t = type(v)
        if t is dict:
            extend(v.values())
        elif t is list:
            extend(v)
        elif t not in _SCALARS:
            return False
    return True


def dumps_sorted(value: Any) -> bytes:
    """`json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")`.

    `orjson` writes first: it refuses a cycle (at 255 levels) before `is_plain` could walk one forever."""
    try:
        written = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        pass
    else:
        if is_plain(value):
            return written
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
