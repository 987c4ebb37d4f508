"""`emulation audit verify`: re-read the stream and every service's store and say whether history is intact.

The stream is read once, in batches, and each service's store in step with that service's messages: each
stored event is turned into the envelope the relay would publish and chained as it would chain it. Reported,
every one (`services/audit/findings.py`):

- store against stream (`services/audit/reconcile.py`): `missing` (on one side only), `altered` (same event,
  other content), `reordered`, `duplicated`; stored events not yet relayed are `pending`, not divergences;
- the stream's own chain: `chain_broken` (a message whose hash does not follow from its content and its
  predecessor), reported where it breaks, the chain followed on from there;
- checkpoints (`services/audit/witness.py`): `checkpoint_forged` (a v2 checkpoint whose signature is missing
  or bad, that claims another service, or an unsigned one after the service began signing) and `rewritten`
  (the chain recomputed from the store no longer reaches a checkpoint's head: on the stream, or kept by a
  third party and given with `--checkpoints`), naming the first event that changed;
- each service's own integrity problems (`ServiceApplication.integrity_problems`, e.g. `ballot_tampered`).

Memory stays bounded (a batch of messages, a window of unmatched events, recent chain hashes); time is linear
in the number of events. The work runs in one worker thread, the stream's next batch arriving meanwhile.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.utils import get_topic

from services.audit.findings import DEFAULT_LIMIT, Divergence, Findings
from services.audit.reconcile import WINDOW, Published, Reconciler, Stored
from services.audit.witness import Witness, read_checkpoint
from shared.infra.application import ServiceApplication
from shared.infra.chain import GENESIS, canonical, chained
from shared.infra.eventstore import event_id
from shared.infra.keys import public_keys
from shared.infra.relay import POSITION_HEADER
from shared.infra.settings import Settings

STORE_BATCH = 1000


class ChainFollower:
    """Follows one service's chain on the stream, judging each message on its own: a break is reported where it
    is, and the messages after it are checked against either side of it, so one break is one divergence."""

    def __init__(self) -> None:
        self.heads: tuple[str, ...] = (GENESIS,)

    def follow(self, envelope: Mapping[str, Any], content: bytes) -> str | None:
        """Why this message breaks the chain, or None."""
        predecessor, digest = envelope.get("predecessorhash"), envelope.get("hash")
        if not isinstance(predecessor, str) or not isinstance(digest, str):
            return "it carries no hash chain"
        problem = None
        if chained(predecessor, content) != digest:
            problem = "its hash does not follow from its content and its predecessorhash"
        elif predecessor not in self.heads:
            problem = "its predecessorhash is not the hash of the service's previous event"
        self.heads = (digest,) if problem is None else (digest, self.heads[0])
        return problem


def check_chain(service: str, messages: Sequence[Mapping[str, Any]]) -> Divergence | None:
    """The first break in a list of one service's messages (for tests and small checks)."""
    follower = ChainFollower()
    for i, m in enumerate(messages):
        problem = follower.follow(m, canonical(dict(m)))
        if problem is not None:
            return Divergence(service, "chain_broken", m.get("id"), i, problem)
    return None


class ServiceAudit:
    """One service: its store read in step with its messages on the stream, chained as its relay chains."""

    def __init__(self, app: ServiceApplication, found: Findings, window: int = WINDOW) -> None:
        self.app = app
        self.service = app.wire.service
        self.found = found
        self.reconciler = Reconciler(self.service, found, self, window)
        self.witness = Witness(self.service, found)
        self.follower = ChainFollower()
        self.events = self.stored_events()
        self.head = GENESIS
        self.published = 0
        self.signs = False
        """Whether a signed checkpoint of this service was seen: an unsigned one after it is forged."""

    def stored_events(self) -> Iterator[Stored]:
        """The store's events that go on the wire, in notification order, as the relay reads them."""
        topics = sorted({get_topic(cls) for cls in self.app.wire.mappings})
        mapper = self.app.mapper
        position, index = 0, 0
        while notifications := self.app.recorder.select_notifications(
            start=position + 1, limit=STORE_BATCH, topics=topics
        ):
            for n in notifications:
                position = n.id
                domain_event, meta = mapper.decode_notification(n)  # type: ignore[attr-defined]
                eid = event_id(n.originator_id, n.originator_version)
                wired = self.app.wire.serialise(domain_event, eid, meta)
                if wired is not None:
                    yield Stored(index, n.id, eid, wired[1], n.originator_id, n.originator_version)
                    index += 1

    def read_store(self) -> bool:
        event = next(self.events, None)
        if event is None:
            if not self.reconciler.store_ended:
                self.reconciler.end_of_store()
            return False
        self.head = chained(self.head, event.content)
        self.witness.advance(self.head, event.event_id)
        self.reconciler.stored(event)
        return True

    def message(self, envelope: Mapping[str, Any], position: int | None) -> None:
        """The service's next message on the stream; one stored event is read for it."""
        eid = str(envelope.get("id"))
        content = canonical(dict(envelope))
        problem = self.follower.follow(envelope, content)
        if problem is not None:
            self.found(self.service, "chain_broken", eid, self.published, problem)
        self.reconciler.published(Published(self.published, eid, content, position))
        self.published += 1
        self.read_store()

    def finish(self) -> None:
        self.reconciler.end_of_stream()
        while self.read_store():
            pass
        self.reconciler.finish()
        self.witness.finish()
        for problem in self.app.integrity_problems():
            self.found(self.service, problem.kind, problem.event_id, None, problem.detail)

    def event_at(self, position: int) -> str | None:
        found = self.app.recorder.select_notifications(start=position, limit=1, stop=position)
        return event_id(found[0].originator_id, found[0].originator_version) if found else None

    def stored_twice(self, event: Stored) -> bool:
        same = self.app.recorder.select_events(event.originator_id, gt=event.version - 1, lte=event.version, limit=2)
        return len(same) > 1


class Audit:
    """Stream messages in, divergences out: the whole verification, without I/O of its own on the stream."""

    def __init__(
        self,
        apps: Iterable[ServiceApplication],
        keys: Mapping[str, Ed25519PublicKey],
        kept: Iterable[Mapping[str, Any]] = (),
        limit: int = DEFAULT_LIMIT,
        window: int = WINDOW,
    ) -> None:
        self.found = Findings(limit)
        self.keys = keys
        self.services = {app.wire.service: ServiceAudit(app, self.found, window) for app in apps}
        self.events = 0
        for n, envelope in enumerate(kept, start=1):
            self.checkpoint(envelope, f"kept checkpoint {n}", kept=True)

    def take(self, messages: Iterable[tuple[int, bytes, Mapping[str, str] | None]]) -> None:
        """The next stream messages, in order: (stream sequence, body, headers)."""
        for seq, body, headers in messages:
            self.events += 1
            try:
                envelope = json.loads(body)
            except ValueError:
                envelope = None
            if not isinstance(envelope, dict):
                self.found("stream", "unreadable", None, None, f"stream message {seq} is not a JSON object")
                continue
            source = envelope.get("source")
            name = source.removeprefix("/services/") if isinstance(source, str) else ""
            if name.endswith("/relay"):
                self.checkpoint(envelope, f"the checkpoint at stream sequence {seq}", kept=False)
            elif name in self.services:
                position = (headers or {}).get(POSITION_HEADER, "")
                self.services[name].message(envelope, int(position) if position.isdigit() else None)
            else:
                detail = f"stream message {seq} comes from {source!r}, which is no service"
                self.found("stream", "unknown_source", envelope.get("id"), None, detail)

    def checkpoint(self, envelope: Mapping[str, Any], origin: str, kept: bool) -> None:
        read = read_checkpoint(envelope, self.keys, origin, kept)
        if isinstance(read, str):
            return self.forged(envelope, f"{origin}: {read}")
        service = self.services.get(read.service)
        if service is None:
            return self.forged(envelope, f"{origin}: there is no service {read.service!r}")
        if not kept and read.signed:
            service.signs = True
        elif not kept and service.signs:
            return self.forged(envelope, f"{origin}: an unsigned checkpoint after the service began signing")
        service.witness.expect(read)
        return None

    def forged(self, envelope: Mapping[str, Any], detail: str) -> None:
        data = envelope.get("data")
        claimed = data.get("service") if isinstance(data, dict) else None
        service = claimed if isinstance(claimed, str) else "stream"
        self.found(service, "checkpoint_forged", envelope.get("id"), None, detail)

    def finish(self) -> dict[str, Any]:
        for service in self.services.values():
            service.finish()
        return self.found.report(
            events_checked=self.events,
            checkpoints_checked=sum(s.witness.checked[False] for s in self.services.values()),
            kept_checkpoints_checked=sum(s.witness.checked[True] for s in self.services.values()),
        )


async def verify_history(
    settings: Settings, kept: Sequence[Mapping[str, Any]] = (), limit: int = DEFAULT_LIMIT
) -> dict[str, Any]:
    """Verify the stream against every service's store (and `kept` checkpoints); see `VerifyReport`."""
    from services.catalogue import applications
    from shared.infra.connect import connect
    from shared.infra.stream import read_batches, sequence

    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(1, thread_name_prefix="verify") as worker:
        apps: list[ServiceApplication] = await loop.run_in_executor(worker, applications, settings)
        try:
            audit = await loop.run_in_executor(worker, Audit, apps, public_keys(settings), kept, limit)
            nc = await connect(settings)
            try:
                async for msgs in read_batches(nc):
                    batch = [(sequence(m), m.data, m.headers) for m in msgs]
                    await loop.run_in_executor(worker, audit.take, batch)
            finally:
                await nc.close()
            report: dict[str, Any] = await loop.run_in_executor(worker, audit.finish)
            return report
        finally:
            for app in apps:
                await loop.run_in_executor(worker, app.close)


def read_kept(path: Path) -> list[dict[str, Any]]:
    """Checkpoints a third party kept: NDJSON, one envelope per line, as received from the stream."""
    kept = []
    with path.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                envelope = json.loads(line)
            except ValueError:
                envelope = None
            if not isinstance(envelope, dict):
                raise ValueError(f"{path}, line {n}: not a JSON object (one checkpoint envelope per line)")
            kept.append(envelope)
    return kept


def verify_in_process(settings: Settings) -> dict[str, Any]:
    """`verify_history` on an event loop of its own: what the read API runs in a separate process."""
    return asyncio.run(verify_history(settings))
