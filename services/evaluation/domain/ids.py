"""Stable aggregate ids of the evaluation service, derived from the wire ids."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

_NS = uuid5(NAMESPACE_URL, "urn:emulation:evaluation")


def aggregate_id(kind: str, *parts: str) -> UUID:
    return uuid5(_NS, ":".join((kind, *parts)))
