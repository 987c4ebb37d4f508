"""The outbox relay: publishes a service's stored events from its notification log to JetStream.

No dual write: a command only saves to the event store; this relay publishes afterwards, in
notification order and in batches (asynchronous publishes, then all acks awaited). Every message
carries `Nats-Msg-Id` (the event id), so a batch re-sent after a failure is deduplicated by
JetStream, plus `Emulation-Position` (its notification id) and `Emulation-Chain-Length`: a restarted
relay reads the last message it published back from the stream and resumes after it, continuing
the hash chain (`shared/infra/chain.py`). Every `checkpoint_every` events it also publishes a
`chain_checkpoint` (head and length of the chain) that outside parties can keep.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.utils import get_topic
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.events.envelope import STREAM, CloudEvent, event_subject
from shared.infra.application import ServiceApplication
from shared.infra.chain import GENESIS, seal
from shared.infra.eventstore import ProvenanceMapper, event_id

log = logging.getLogger("emulation.relay")
POSITION_HEADER = "Emulation-Position"
LENGTH_HEADER = "Emulation-Chain-Length"
SOURCE_HEADER = "Emulation-Source"
ACK_TIMEOUT = 5.0
"""Seconds to wait for JetStream's acks of a batch. The acks of messages sent just before nats-server died
never come: the batch is then read and sent again (JetStream drops the repeats by `Nats-Msg-Id`). Measured
with `emulation up` under load: 30 s here kept every view 30 s behind after a nats-server restart."""
Message = tuple[str, bytes, dict[str, str]]


@dataclass(frozen=True)
class Chain:
    """Where the relay stands: last notification read, chain head and how many events it chains."""

    position: int = 0
    head: str = GENESIS
    length: int = 0


class Relay:
    def __init__(
        self,
        app: ServiceApplication,
        js: JetStreamContext,
        batch: int = 500,
        poll: float = 0.01,
        checkpoint_every: int = 1000,
    ) -> None:
        self.app = app
        self.js = js
        self.batch = batch
        self.poll = poll
        self.checkpoint_every = checkpoint_every
        self.service = app.wire.service
        self.chain = Chain()
        self.published = 0
        mapper = app.mapper
        assert isinstance(mapper, ProvenanceMapper)
        self.mapper = mapper
        self.published_topics = sorted({get_topic(cls) for cls in app.wire.mappings})
        """Topics of the events that go on the wire; the rest (command receipts) are never read."""

    async def last_published(self) -> Chain:
        """The chain as it stands on the stream: read back the last event this service published."""
        subjects = [event_subject("*", name) for name in self.app.wire.event_types]
        if not subjects:
            return Chain()
        sub = await self.js.pull_subscribe(
            "",
            stream=STREAM,
            config=ConsumerConfig(
                filter_subjects=subjects,
                deliver_policy=DeliverPolicy.LAST,
                ack_policy=AckPolicy.NONE,
                inactive_threshold=10.0,
            ),
        )
        try:
            msgs = await sub.fetch(1, timeout=1.0)
        except (TimeoutError, NatsTimeout):
            return Chain()
        finally:
            await sub.unsubscribe()
        headers = msgs[0].headers or {}
        return Chain(
            int(headers.get(POSITION_HEADER, "0")),
            json.loads(msgs[0].data).get("hash") or GENESIS,
            int(headers.get(LENGTH_HEADER, "0")),
        )

    def envelopes(self, chain: Chain) -> tuple[Chain, list[Message]]:
        """Read the next batch after `chain.position`: the advanced chain and the messages to publish."""
        notifications = self.app.recorder.select_notifications(
            start=chain.position + 1, limit=self.batch, topics=self.published_topics
        )
        out: list[Message] = []
        position, head, length = chain.position, chain.head, chain.length
        for n in notifications:
            position = n.id
            domain_event, meta = self.mapper.decode_notification(n)
            eid = event_id(n.originator_id, n.originator_version)
            wired = self.app.wire.canonical(domain_event, eid, meta)
            if wired is None:
                continue
            subject, canonical = wired
            head, body = seal(head, canonical)
            length += 1
            headers = {
                "Nats-Msg-Id": eid,
                POSITION_HEADER: str(n.id),
                LENGTH_HEADER: str(length),
                SOURCE_HEADER: self.service,
            }
            out.append((subject, body, headers))
        return Chain(position, head, length), out

    def checkpoint(self, chain: Chain) -> Message:
        """A `chain_checkpoint` event: derived from the store, so its id is stable and re-sends are dropped."""
        cid = str(uuid5(NAMESPACE_URL, f"urn:emulation:checkpoint:{self.service}:{chain.length}"))
        envelope = CloudEvent(
            id=cid,
            source=f"/services/{self.service}/relay",
            type="chain_checkpoint.v1",
            subject=f"chain/{self.service}",
            time=datetime.now(UTC),
            data={"service": self.service, "head": chain.head, "length": chain.length, "position": chain.position},
            actor="system:relay",
            causationid=cid,
            correlationid=cid,
        )
        body = envelope.model_dump_json(exclude_none=True).encode()
        return event_subject(None, "chain_checkpoint"), body, {"Nats-Msg-Id": cid, SOURCE_HEADER: self.service}

    async def publish(self, messages: list[Message]) -> None:
        """Publish asynchronously, then await every ack."""
        futures = [
            await self.js.publish_async(s, body, headers=headers, stream=STREAM) for s, body, headers in messages
        ]
        if futures:
            await asyncio.wait_for(asyncio.gather(*futures), timeout=ACK_TIMEOUT)

    async def run_once(self) -> int:
        """Publish one batch; returns how many notifications it moved past."""
        chain, messages = await asyncio.to_thread(self.envelopes, self.chain)
        if chain.position == self.chain.position:
            return 0
        if chain.length // self.checkpoint_every > self.chain.length // self.checkpoint_every:
            messages.append(self.checkpoint(chain))
        await self.publish(messages)
        read = chain.position - self.chain.position
        self.chain = chain
        self.published += len(messages)
        return read

    async def run(self, stop: asyncio.Event) -> None:
        self.chain = await self.last_published()
        log.info("relay starting", extra={"service_name": self.service, "position": self.chain.position})
        while not stop.is_set():
            try:
                read = await self.run_once()
            except Exception as e:  # the batch is re-read and re-sent; JetStream drops the repeats
                log.warning("relay batch failed, retrying", extra={"service_name": self.service, "error": repr(e)})
                await asyncio.sleep(0.5)
                continue
            if read == 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.poll)
                except TimeoutError:
                    pass
