"""Aggregate ids derived from the public ids, so a use case can find an aggregate without an index."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

_NS = uuid5(NAMESPACE_URL, "urn:emulation:registry")


def aggregate_id(kind: str, *key: str) -> UUID:
    return uuid5(_NS, ":".join((kind, *key)))
