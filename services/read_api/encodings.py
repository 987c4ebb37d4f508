"""Content negotiation for answers kept ready in two forms (identity and gzip), and conditional requests over them.

A big answer the API keeps (the standings' rendering) keeps its gzip form beside it, compressed once; a request is
served that form when its `Accept-Encoding` accepts gzip (RFC 9110 §12.5.3), every browser's, `httpx`'s and
`requests`' does, and the identity form otherwise. Both carry `Vary: Accept-Encoding`. The gzip form's `ETag` is
the identity's made weak (`W/"…"`, as nginx does): a strong tag stays unique to the identity bytes, and the weak
comparison `If-None-Match` uses (§13.1.2) matches either form's tag to the same state, so a client holding either
form gets 304 whichever form it would be sent now.
"""

from __future__ import annotations

from functools import lru_cache

GZIP = "gzip"


@lru_cache(maxsize=64)  # clients send the same few headers, again and again: parsed once each
def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an `Accept-Encoding` value accepts gzip: listed (or `x-gzip`, or `*` when gzip is not listed) with a
    nonzero weight, and not weighed below an explicit `identity`."""
    if not accept_encoding:
        return False
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        weights[coding.strip().lower()] = weight
    gzip = weights.get(GZIP, weights.get("x-gzip", weights.get("*", 0.0)))
    return gzip > 0 and gzip >= weights.get("identity", 0.0)


def weak(etag: str) -> str:
    """The gzip form's tag: the identity form's, weak."""
    return etag if etag.startswith("W/") else "W/" + etag


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: `If-None-Match` is `*` or lists a tag equal to `etag` by weak comparison (`W/` aside)."""
    if not if_none_match:
        return False
    if if_none_match == etag:
        return True
    opaque = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == opaque for tag in map(str.strip, if_none_match.split(",")))
