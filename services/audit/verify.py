"""`emulation audit verify`: re-read the stream and every service's store and say whether history is intact.

For each service, the store's events are turned into envelopes and chained exactly as the relay
does, then walked side by side with that service's messages on the stream. The first
difference is named: `missing` (on one side only), `altered` (same event, different content),
`reordered`, `duplicated`, or `chain_broken` (a stream message whose hash does not follow from
its predecessor).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from shared.infra.application import ServiceApplication
from shared.infra.chain import GENESIS, link
from shared.infra.relay import Chain, Relay
from shared.infra.settings import Settings


@dataclass(frozen=True)
class Divergence:
    service: str
    kind: str
    event_id: str
    index: int
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def from_store(app: ServiceApplication, batch: int = 1000) -> list[dict[str, Any]]:
    """The envelopes (with chain hashes) the relay would publish from this store, in order."""
    relay = Relay(app, js=None, batch=batch)  # type: ignore[arg-type]
    out: list[dict[str, Any]] = []
    chain = Chain()
    while True:
        advanced, messages = relay.envelopes(chain)
        if advanced.position == chain.position:
            return out
        out.extend(json.loads(body) for _, body, _ in messages)
        chain = advanced


def check_chain(service: str, messages: list[dict[str, Any]]) -> Divergence | None:
    head = GENESIS
    for i, m in enumerate(messages):
        if m.get("predecessorhash") != head or link(head, m) != m.get("hash"):
            return Divergence(service, "chain_broken", m["id"], i, "hash does not follow from its predecessor")
        head = m["hash"]
    return None


def compare(service: str, stored: list[dict[str, Any]], published: list[dict[str, Any]]) -> Divergence | None:
    """The first difference between the store's envelopes and the stream's messages of one service."""
    stored_ids = [m["id"] for m in stored]
    published_ids = [m["id"] for m in published]
    in_store, on_stream = set(stored_ids), set(published_ids)
    seen_store: set[str] = set()
    seen_stream: set[str] = set()
    for i in range(max(len(stored), len(published))):
        s = stored[i] if i < len(stored) else None
        p = published[i] if i < len(published) else None
        if s is not None and s["id"] in seen_store:
            return Divergence(service, "duplicated", s["id"], i, "the event appears twice in the store")
        if p is not None and p["id"] in seen_stream:
            return Divergence(service, "duplicated", p["id"], i, "the event appears twice on the stream")
        if s is not None and p is not None and s["id"] == p["id"]:
            if s["hash"] != p["hash"]:
                return Divergence(service, "altered", s["id"], i, "the stored event differs from the one published")
        elif s is not None and s["id"] not in on_stream:
            return Divergence(service, "missing", s["id"], i, "in the store but not on the stream")
        elif p is not None and p["id"] not in in_store:
            return Divergence(service, "missing", p["id"], i, "on the stream but not in the store (deleted?)")
        elif s is not None and p is not None:
            return Divergence(service, "reordered", s["id"], i, f"the store has it where the stream has {p['id']}")
        if s is not None:
            seen_store.add(s["id"])
        if p is not None:
            seen_stream.add(p["id"])
    return None


def verify(apps: Iterable[ServiceApplication], stream: list[dict[str, Any]]) -> list[Divergence]:
    """Every service's first divergence; an empty list means the history is intact."""
    found = []
    for app in apps:
        service = app.wire.service
        published = [m for m in stream if m.get("source") == f"/services/{service}"]
        problem = compare(service, from_store(app), published) or check_chain(service, published)
        if problem is not None:
            found.append(problem)
    return found


async def verify_history(settings: Settings) -> dict[str, Any]:
    """Read the whole stream and every service's store; `status` is `intact` or `diverged`."""
    from services.audit.catalog import service_apps
    from shared.infra.connect import connect
    from shared.infra.stream import read_stream

    nc = await connect(settings)
    try:
        stream: list[dict[str, Any]] = []
        async for msg in read_stream(nc.jetstream()):
            try:
                stream.append(json.loads(msg.data))
            except ValueError:
                continue
    finally:
        await nc.close()
    apps = service_apps(settings)
    try:
        problems = verify(apps, stream)
    finally:
        for app in apps:
            app.close()
    return {
        "status": "diverged" if problems else "intact",
        "events_checked": len(stream),
        "divergences": [p.to_dict() for p in problems],
    }
