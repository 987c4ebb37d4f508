"""Tamper evidence: each service's published events form a SHA-256 hash chain.

`hash` = SHA-256 over the predecessor's hash and the canonical serialisation of the envelope
(every attribute but `hash` and `predecessorhash`: sorted keys, no spaces, UTF-8). The chain runs
in each service's notification order, so anyone holding the stream, or a service's store, can
recompute it; any altered, removed, inserted or reordered event breaks it from that point on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

from shared.infra.plain import dumps_sorted

GENESIS = "0" * 64
CHAIN_FIELDS = ("hash", "predecessorhash")


def canonical(envelope: dict[str, Any]) -> bytes:
    body = {k: v for k, v in envelope.items() if k not in CHAIN_FIELDS and v is not None}
    return canonical_json(body)


def canonical_json(value: Any) -> bytes:
    """The canonical JSON of one value (UTF-8), None values in it kept (only an envelope's own are left out):
    `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`, as outside verifiers
    recompute it, written by `orjson` where that gives the same bytes (`shared/infra/plain.py`)."""
    return dumps_sorted(value)


encode_string: Callable[[str], str] = encode_basestring  # type: ignore[assignment]
"""A string as `json.dumps` writes it with `ensure_ascii=False` (the very function it uses), for `canonical_json`."""


def link(predecessor: str, envelope: dict[str, Any]) -> str:
    """The hash of `envelope` chained to `predecessor`."""
    return chained(predecessor, canonical(envelope))


def chained(predecessor: str, canonical_json: bytes) -> str:
    return hashlib.sha256(predecessor.encode("ascii") + b"\n" + canonical_json).hexdigest()


def seal(predecessor: str, canonical_json: bytes) -> tuple[str, bytes]:
    """The hash of an envelope given its canonical JSON, and the JSON to publish: the canonical one with
    `predecessorhash` and `hash` appended, so that each event is serialised only once."""
    digest = chained(predecessor, canonical_json)
    return digest, b'%s,"predecessorhash":"%s","hash":"%s"}' % (
        canonical_json[:-1],
        predecessor.encode(),
        digest.encode(),
    )


def sealed_hash(body: bytes) -> str:
    """The `hash` of a body `seal` made (its last attribute), without parsing the JSON."""
    return body[-66:-2].decode("ascii")
