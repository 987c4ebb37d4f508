"""The outbox relay: publishes a service's stored events from its notification log to JetStream.

No dual write: a command only saves to the event store; this relay publishes afterwards, in
notification order and in batches (asynchronous publishes, then all acks awaited). Every message
carries `Nats-Msg-Id` (the event id), so a batch re-sent after a failure is deduplicated by
JetStream, plus `Emulation-Position` (its notification id) and `Emulation-Chain-Length`: a restarted
relay reads the last message it published back from the stream and resumes after it, continuing
the hash chain (`shared/infra/chain.py`). After every `checkpoint_every`-th event it also publishes a
`chain_checkpoint.v2` (head and length of the chain, a prefix of each event's hash since the previous
checkpoint), signed with the service's key (`shared/infra/checkpoints.py`), that outside parties can keep.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.utils import get_topic
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.events.audit import MAX_WINDOW
from shared.events.envelope import STREAM, CloudEvent, event_subject
from shared.infra.application import ServiceApplication
from shared.infra.chain import GENESIS, link, seal, sealed_hash
from shared.infra.checkpoints import (
    SIGNED,
    Window,
    close_reader,
    last_checkpoint,
    own_reader,
    prefix,
    relay_source,
    sign,
)
from shared.infra.eventstore import ProvenanceMapper, event_id
from shared.infra.stream import position

log = logging.getLogger("emulation.relay")
RECOMPUTE_AT_MOST = 2 * MAX_WINDOW
"""Events a resuming relay recomputes from its store to rebuild a checkpoint window; further back it starts afresh."""
SCAN_SPAN = 20_000
"""Stream messages a resuming relay first looks back over for its last checkpoint (`Relay.recent_checkpoint`)."""
POSITION_HEADER = "Emulation-Position"
LENGTH_HEADER = "Emulation-Chain-Length"
SOURCE_HEADER = "Emulation-Source"
ACK_TIMEOUT = 5.0
"""Seconds to wait for JetStream's acks of a batch. The acks of messages sent just before nats-server died
never come: the batch is then read and sent again (JetStream drops the repeats by `Nats-Msg-Id`). Measured
with `emulation up` under load: 30 s here kept every view 30 s behind after a nats-server restart."""
Message = tuple[str, bytes, dict[str, str]]


def wake_on_commit(app: ServiceApplication, wake: Callable[[], Any]) -> None:
    """Run `wake` on the running event loop after each commit of `app` (its writer runs on another thread)."""
    loop = asyncio.get_running_loop()

    def announce() -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: the process is stopping
            loop.call_soon_threadsafe(wake)

    app.recorded.append(announce)


def resume_consumer(service: str) -> str:
    """The consumer a service's relay reads its last published event with (only its identity may use it)."""
    return f"{service}-relay-resume"


class Unpublishable(Exception):
    """A stored event the relay cannot serialise: it stops, loudly, rather than retry it forever."""


class ResumeRefused(Exception):
    """The last message on a service's subjects cannot be where its relay resumes: the relay stops, loudly."""

    @classmethod
    def for_service(cls, service: str, seq: int | None) -> Callable[[str], ResumeRefused]:
        where = f"stream sequence {seq}" if seq else "a message"
        return lambda why: cls(f"the {service} relay will not resume from {where}: {why}")


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
        key: Ed25519PrivateKey,
        batch: int = 500,
        poll: float = 0.01,
        checkpoint_every: int = 1000,
    ) -> None:
        if not 1 <= checkpoint_every <= MAX_WINDOW:
            raise ValueError(f"EMULATION_CHECKPOINT_EVERY must be between 1 and {MAX_WINDOW}, not {checkpoint_every}")
        self.app = app
        self.js = js
        self.batch = batch
        self.poll = poll
        self.checkpoint_every = checkpoint_every
        self.service = app.wire.service
        self.chain = Chain()
        self.key = key
        """Signs checkpoints (`shared.infra.keys.signing_key`); it never leaves the keys dir."""
        self.nudged = asyncio.Event()
        """Set when the store has new events (`wake_on_commit`, `shared.events.envelope.stored_subject`): the relay
        then reads at once instead of at its next poll; the poll stays, for a nudge that is lost."""
        self.resumed_seq: int | None = None
        """The stream sequence of the message `last_published` resumed from (None: not read from the stream)."""
        self.window: Window | None = None
        """What the next checkpoint covers; rebuilt (`recover_window`) at the first batch and whenever the chain
        was set anew."""
        self.published = 0
        mapper = app.mapper
        assert isinstance(mapper, ProvenanceMapper)
        self.mapper = mapper
        self.published_topics = sorted({get_topic(cls) for cls in app.wire.mappings})
        """Topics of the events that go on the wire; the rest (command receipts) are never read."""
        self.subjects = [event_subject("*", name) for name in app.wire.event_types]
        """The stream subjects this service's events are published on (what its relay reads back)."""

    async def last_published(self) -> Chain:
        """The chain as it stands on the stream: the last event this service published, checked against the store.

        Only this service's relay identity may publish on its subjects (`emulation/security.py`), and the message
        must still prove it: it must be a real delivery of the relay's own consumer, carry its position and chain
        length, and be, byte for byte, what this relay would publish for the stored event at that position. A
        message that fails any of these raises `ResumeRefused`: resuming from it would skip events (a position
        beyond the store) or publish everything again (no position), so the relay stops and says why.
        """
        if not self.subjects:
            return Chain()
        name = resume_consumer(self.service)
        with contextlib.suppress(NotFoundError):  # left by a relay that died: it may have delivered already
            await self.js.delete_consumer(STREAM, name)
        config = ConsumerConfig(
            name=name,
            filter_subjects=self.subjects,
            deliver_policy=DeliverPolicy.LAST,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=10.0,
        )
        await self.js.add_consumer(STREAM, config)
        sub = await self.js.pull_subscribe_bind(consumer=name, stream=STREAM)
        try:
            msgs = await sub.fetch(1, timeout=1.0)
        except (TimeoutError, NatsTimeout):
            return Chain()
        finally:
            await sub.unsubscribe()
            with contextlib.suppress(Exception):
                await self.js.delete_consumer(STREAM, name)
        return await asyncio.to_thread(self.resume_from, msgs[0], name)

    def resume_from(self, msg: Msg, consumer: str) -> Chain:
        """The chain after `msg`, the last message on this service's subjects, if the store confirms it."""
        where = position(msg, STREAM, consumer)
        headers = msg.headers or {}
        pos, length = headers.get(POSITION_HEADER, ""), headers.get(LENGTH_HEADER, "")
        refuse = ResumeRefused.for_service(self.service, where[0] if where else None)
        if where is None:
            raise refuse("it is no delivery of the relay's own consumer")
        if not pos.isdigit() or not length.isdigit():
            raise refuse(f"it has no valid {POSITION_HEADER} / {LENGTH_HEADER} header")
        at, chained = int(pos), int(length)
        found = self.app.recorder.select_notifications(start=at, limit=1, stop=at, topics=self.published_topics)
        if not found or found[0].id != at:
            top = self.app.recorder.max_notification_id() or 0
            raise refuse(f"{POSITION_HEADER} {at} names no published event of the store (which ends at {top})")
        if not 0 < chained <= at:
            raise refuse(f"{LENGTH_HEADER} {chained} cannot be the chain length at position {at}")
        eid = event_id(found[0].originator_id, found[0].originator_version)
        try:
            published = json.loads(msg.data)
            head = str(published["hash"])
            sound = link(str(published["predecessorhash"]), published) == head and published["id"] == eid
        except (ValueError, KeyError, TypeError) as e:
            raise refuse(f"its body is not a chained envelope ({e!r})") from e
        if not sound or headers.get("Nats-Msg-Id") != eid:
            raise refuse(f"it is not the stored event at position {at} ({eid}), or its hash does not hold")
        self.resumed_seq = where[0]
        return Chain(at, head, chained)

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
            try:
                wired = self.app.wire.serialise(domain_event, eid, meta)
            except Exception as e:  # stored before its contract was checked at decision time (`WireMap.check`)
                raise Unpublishable(f"the {self.service} relay cannot serialise stored event {eid} ({e!r})") from e
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

    def checkpoint(self, chain: Chain, window: Window) -> Message:
        """A signed `chain_checkpoint.v2` at `chain`, covering `window`. Its id comes from the chain length and
        its data from the store alone (Ed25519 signatures are deterministic), so a re-sent one is dropped."""
        cid = str(uuid5(NAMESPACE_URL, f"urn:emulation:{SIGNED}:{self.service}:{chain.length}"))
        data = {
            "service": self.service,
            "length": chain.length,
            "head": chain.head,
            "position": chain.position,
            "start_length": window.length,
            "start_head": window.head,
            "hashes": list(window.hashes),
        }
        envelope = CloudEvent(
            id=cid,
            source=relay_source(self.service),
            type=SIGNED,
            subject=f"chain/{self.service}",
            time=datetime.now(UTC),
            data=sign(self.key, data),
            actor="system:relay",
            causationid=cid,
            correlationid=cid,
        )
        body = envelope.model_dump_json(exclude_none=True).encode()
        return event_subject(None, "chain_checkpoint"), body, {"Nats-Msg-Id": cid, SOURCE_HEADER: self.service}

    def checkpoints(
        self, window: Window, after: int, events: Iterable[tuple[int, str]]
    ) -> tuple[Window, list[Message]]:
        """`window` extended by `events` ((position, chain hash) of the events after chain length `after`), and
        a signed checkpoint after each `checkpoint_every`-th of them."""
        hashes, out = list(window.hashes), []
        for length, (at, head) in enumerate(events, start=after + 1):
            hashes.append(prefix(head))
            if length % self.checkpoint_every == 0:
                covered = Window(window.length, window.head, tuple(hashes))
                out.append(self.checkpoint(Chain(at, head, length), covered))
                window, hashes = Window(length, head), []
        return Window(window.length, window.head, tuple(hashes)), out

    async def recover_window(self) -> tuple[Window, list[Message]]:
        """The next checkpoint's window when the relay resumes at `self.chain`, and the checkpoints it owes.

        This service's last checkpoint is read back from the stream and the hashes since recomputed from the
        store up to the chain head the stream holds; a checkpoint owed by a relay that stopped between a
        batch's events and its checkpoint is made now. If the store does not lead there (or the stream cannot
        be read), the window starts here: the next checkpoint still proves the whole history, but locates a
        change only after this point.
        """
        here = Window(self.chain.length, self.chain.head)
        if self.chain.length == 0:
            return here, []
        try:
            last = await self.recent_checkpoint()
        except Exception as e:  # the stream cannot be read now: publishing matters more than a full window
            log.warning("last checkpoint unreadable", extra={"service_name": self.service, "error": repr(e)})
            return here, []
        start = Chain() if last is None else Chain(last["position"], last["head"], last["length"])
        if self.chain.length - start.length > RECOMPUTE_AT_MOST:
            log.warning("no recent checkpoint", extra={"service_name": self.service, "length": self.chain.length})
            return here, []
        events = await asyncio.to_thread(self.rechain, start, self.chain)
        if events is None:
            log.error(
                "the store no longer leads from the last checkpoint to the chain head on the stream",
                extra={"service_name": self.service, "checkpoint_length": start.length, "length": self.chain.length},
            )
            return here, []
        return self.checkpoints(Window(start.length, start.head), start.length, events)

    async def recent_checkpoint(self) -> dict[str, Any] | None:
        """The last checkpoint this relay published with a length up to the chain's, read back from the stream, if
        one can matter (`recover_window` starts from one at most RECOMPUTE_AT_MOST events back); else None.

        The stream is read back from where the relay resumed, not from its start: in spans that double from
        SCAN_SPAN messages before this service's last event, until a checkpoint is found, or the first event of
        this service in the spans read carries a chain length at most the lowest that matters. Each checkpoint
        is published after the event of its length (in the same batch, or when a resuming relay makes one it
        owes), so every checkpoint that matters was in the spans read: none is. Without that proof (no resume
        point read, messages without a length) the reading goes on back to the start of the stream, as before.
        A restart thus reads back about as far as the last checkpoint, however long the history.
        """
        key, length = self.key.public_key(), self.chain.length
        if self.resumed_seq is None:
            return await last_checkpoint(self.js, self.service, key, length)
        lowest = max(1, length - RECOMPUTE_AT_MOST)
        stop: int | None = None
        span = SCAN_SPAN
        while True:
            start = max(1, self.resumed_seq - span)
            found = await last_checkpoint(self.js, self.service, key, length, start, stop)
            if found is not None or start == 1:
                return found
            first = await self.first_length(start)
            if first is not None and first <= lowest:
                return None
            stop, span = start, span * 2

    async def first_length(self, start: int) -> int | None:
        """The chain length of this service's first event at stream sequence `start` or later (None: none, or it
        carries no length), read with the relay's own resume consumer, headers only."""
        name = resume_consumer(self.service)
        config = ConsumerConfig(
            name=name,
            filter_subjects=self.subjects,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=start,
            ack_policy=AckPolicy.NONE,
            headers_only=True,
            inactive_threshold=10.0,
        )
        sub = await own_reader(self.js, config)
        try:
            [msg] = await sub.fetch(1, timeout=1.0)
        except (TimeoutError, NatsTimeout):
            return None
        finally:
            await close_reader(self.js, sub, name)
        length = (msg.headers or {}).get(LENGTH_HEADER, "")
        return int(length) if length.isdigit() else None

    def rechain(self, start: Chain, end: Chain) -> list[tuple[int, str]] | None:
        """(position, chain hash) of each stored event from `start` to `end`, or None if they do not lead to `end`."""
        chain, events = start, []
        while chain.position < end.position:
            advanced, messages = self.envelopes(chain)
            if advanced.position == chain.position:
                break
            for _, body, headers in messages:
                if int(headers[POSITION_HEADER]) > end.position:
                    break
                events.append((int(headers[POSITION_HEADER]), sealed_hash(body)))
            chain = advanced
        head = events[-1][1] if events else start.head
        return events if head == end.head and len(events) == end.length - start.length else None

    async def publish(self, messages: list[Message]) -> None:
        """Publish asynchronously, then await every ack."""
        futures = [
            await self.js.publish_async(s, body, headers=headers, stream=STREAM) for s, body, headers in messages
        ]
        if futures:
            await asyncio.wait_for(asyncio.gather(*futures), timeout=ACK_TIMEOUT)

    async def run_once(self) -> int:
        """Publish one batch, with a signed checkpoint after each `checkpoint_every`-th event in it; returns how
        many notifications it moved past."""
        if self.window is None or not self.window.reaches(self.chain.length, self.chain.head):
            window, owed = await self.recover_window()
            await self.publish(owed)
            self.window = window
        chain, messages = await asyncio.to_thread(self.envelopes, self.chain)
        if chain.position == self.chain.position:
            return 0
        events = [(int(headers[POSITION_HEADER]), sealed_hash(body)) for _, body, headers in messages]
        window, checkpoints = self.checkpoints(self.window, self.chain.length, events)
        await self.publish(messages + checkpoints)
        read = chain.position - self.chain.position
        self.chain, self.window = chain, window
        self.published += len(messages) + len(checkpoints)
        return read

    async def run(self, stop: asyncio.Event) -> None:
        waker = asyncio.create_task(self._wake_when(stop))
        try:
            await self._run(stop)
        finally:
            waker.cancel()

    async def _wake_when(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.nudged.set()

    async def _run(self, stop: asyncio.Event) -> None:
        try:
            self.chain = await self.last_published()
        except ResumeRefused as e:
            log.critical(str(e), extra={"service_name": self.service})
            raise
        log.info("relay starting", extra={"service_name": self.service, "position": self.chain.position})
        while not stop.is_set():
            try:
                read = await self.run_once()
            except Unpublishable as e:
                log.critical(str(e), extra={"service_name": self.service})
                raise
            except Exception as e:  # the batch is re-read and re-sent; JetStream drops the repeats
                log.warning("relay batch failed, retrying", extra={"service_name": self.service, "error": repr(e)})
                await asyncio.sleep(0.5)
                continue
            if read == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.nudged.wait(), timeout=self.poll)
                self.nudged.clear()
