"""The outbox relay: publishes a service's stored events from its notification log to JetStream.

No dual write: a command only saves to the event store; this relay publishes afterwards, in
notification order and in batches (asynchronous publishes, then all acks awaited). Every message
carries `Nats-Msg-Id` (the event id), so a batch re-sent after a failure is deduplicated by
JetStream, and `Emulation-Position` (its notification id), from which a restarted relay finds
where it stopped by reading the last message it published back from the stream.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.events.envelope import STREAM, event_subject
from shared.infra.application import ServiceApplication
from shared.infra.chain import GENESIS, link
from shared.infra.eventstore import ProvenanceMapper, event_id

log = logging.getLogger("emulation.relay")
POSITION_HEADER = "Emulation-Position"
SOURCE_HEADER = "Emulation-Source"


class Relay:
    def __init__(self, app: ServiceApplication, js: JetStreamContext, batch: int = 500, poll: float = 0.01) -> None:
        self.app = app
        self.js = js
        self.batch = batch
        self.poll = poll
        self.service = app.wire.service
        self.position = 0
        self.head = GENESIS
        self.published = 0
        mapper = app.mapper
        assert isinstance(mapper, ProvenanceMapper)
        self.mapper = mapper

    async def last_published(self) -> tuple[int, str]:
        """Notification id and chain hash of the last event this service has on the stream."""
        subjects = [event_subject("*", name) for name in self.app.wire.event_types]
        if not subjects:
            return 0, GENESIS
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
            return 0, GENESIS
        finally:
            await sub.unsubscribe()
        headers = msgs[0].headers or {}
        return int(headers.get(POSITION_HEADER, "0")), json.loads(msgs[0].data).get("hash") or GENESIS

    def envelopes(self, start: int, head: str) -> tuple[int, str, list[tuple[str, bytes, dict[str, str]]]]:
        """Read the next batch from the notification log: (last position read, chain head, messages)."""
        notifications = self.app.recorder.select_notifications(start=start, limit=self.batch)
        out: list[tuple[str, bytes, dict[str, str]]] = []
        last = start - 1
        for n in notifications:
            last = n.id
            domain_event, meta = self.mapper.decode_notification(n)
            eid = event_id(n.originator_id, n.originator_version)
            wired = self.app.wire.envelope(domain_event, eid, meta)
            if wired is None:
                continue
            subject, envelope = wired
            body = envelope.model_dump(mode="json", exclude_none=True)
            body["predecessorhash"] = head
            body["hash"] = head = link(head, body)
            headers = {"Nats-Msg-Id": eid, POSITION_HEADER: str(n.id), SOURCE_HEADER: self.service}
            out.append((subject, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(), headers))
        return last, head, out

    async def publish(self, messages: list[tuple[str, bytes, dict[str, str]]]) -> None:
        futures: list[asyncio.Future[Any]] = []
        for subject, body, headers in messages:
            futures.append(await self.js.publish_async(subject, body, headers=headers, stream=STREAM))
        if futures:
            await asyncio.wait_for(asyncio.gather(*futures), timeout=30)

    async def run_once(self) -> int:
        """Publish one batch; returns how many notifications were read."""
        last, head, messages = await asyncio.to_thread(self.envelopes, self.position + 1, self.head)
        if last < self.position + 1:
            return 0
        await self.publish(messages)
        read = last - self.position
        self.position, self.head = last, head
        self.published += len(messages)
        return read

    async def run(self, stop: asyncio.Event) -> None:
        self.position, self.head = await self.last_published()
        log.info("relay starting", extra={"service": self.service, "position": self.position})
        while not stop.is_set():
            try:
                read = await self.run_once()
            except Exception as e:  # the batch is re-read and re-sent; JetStream drops the repeats
                log.warning("relay batch failed, retrying", extra={"service": self.service, "error": repr(e)})
                await asyncio.sleep(0.5)
                continue
            if read == 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.poll)
                except TimeoutError:
                    pass
