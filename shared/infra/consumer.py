"""The one stream consumer: a durable JetStream pull consumer feeding a view.

Each batch is applied to the view in one transaction together with its stream position, then
acknowledged. After a crash the unacknowledged messages come again and the view skips what it
already holds. A message that cannot be read (broken JSON, wrong schema, unknown type) goes to
`emulation.deadletter.<service>` with the reason and the original bytes; the consumer carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from shared.events.catalog import EVENT_TYPES
from shared.events.envelope import DEADLETTER_PREFIX, STREAM, CloudEvent, event_subject
from shared.events.upcasting import upcast
from shared.infra.stream import position
from shared.infra.views import View

log = logging.getLogger("emulation.consumer")


def parse(msg: Msg) -> CloudEvent:
    """Decode one stream message, check it against its contract, and upcast it to the newest version."""
    return parse_bytes(msg.data)


PARSED_KEPT = 1024
"""Messages whose parsed event a process keeps: every view of a process reads the same messages at about the same
time, and each would otherwise validate each one again (a campaign's ten contents, every text normalised)."""


@functools.lru_cache(maxsize=PARSED_KEPT)
def parse_bytes(body: bytes) -> CloudEvent:
    """`parse` of a message's body (replay workers get bodies, not messages). The event is shared by every view
    that reads the same bytes, so views treat it as read-only; a body that fails is not kept (it fails again)."""
    envelope = CloudEvent.model_validate_json(body)
    contract = EVENT_TYPES.get(envelope.type)
    if contract is None:
        raise ValueError(f"unknown event type {envelope.type!r}")
    contract.model.model_validate(envelope.data)
    version, data = upcast(contract.name, contract.version, envelope.data)
    if version == contract.version:
        return envelope
    newest = EVENT_TYPES[f"{contract.name}.v{version}"]
    newest.model.model_validate(data)
    return envelope.model_copy(update={"type": newest.type, "data": data})


async def deadletter(js: JetStreamContext, service: str, consumer: str, seq: int, msg: Msg, reason: str) -> None:
    """Put a message a consumer cannot take on `emulation.deadletter.<service>`: its original bytes, with the
    reason, its subject and stream sequence, and the consumer, in headers."""
    headers = {
        "Emulation-Reason": reason[:1000],
        "Emulation-Original-Subject": msg.subject,
        "Emulation-Stream-Sequence": str(seq),
        "Emulation-Consumer": consumer,
    }
    await js.publish(f"{DEADLETTER_PREFIX}.{service}", msg.data, headers=headers)
    log.warning("dead-lettered", extra={"consumer": consumer, "seq": seq, "reason": reason})


def durable_name(service: str, view: str) -> str:
    """The durable consumer feeding a service's view (its NATS identity may run no other: `emulation/security.py`)."""
    return f"{service}-{view}"


class Consumer:
    def __init__(self, service: str, view: View, js: JetStreamContext, batch: int = 500) -> None:
        self.service = service
        self.view = view
        self.js = js
        self.batch = batch
        self.durable = durable_name(service, view.name)
        self.foreign = 0
        """Messages that arrived on the consumer's inbox but were no delivery of its consumer (dropped)."""
        self.processed = 0
        self.reconnected = asyncio.Event()
        """Set by the connection after a reconnect: the pull subscription is then made anew."""

    def config(self, start: int = 1) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            filter_subjects=sorted(event_subject("*", name) for name in self.view.handlers()),
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=start,
            ack_policy=AckPolicy.ALL,  # acknowledging a batch's last message acknowledges the batch
            ack_wait=30,
            max_ack_pending=20_000,
            max_deliver=-1,
        )

    async def deadletter(self, seq: int, msg: Msg, reason: str) -> None:
        await deadletter(self.js, self.service, self.durable, seq, msg, reason)

    def delivered(self, msgs: list[Msg]) -> dict[int, Msg]:
        """Stream sequence → message, for the messages the server delivered from this consumer only.

        The position a view stores comes from here, so it must be what JetStream said: anything else on the
        inbox (a message forged by a client that learnt the inbox, with a reply subject shaped like an ack) is
        dropped and logged, never applied, never acknowledged.
        """
        out: dict[int, Msg] = {}
        for msg in msgs:
            where = position(msg, STREAM, self.durable)
            if where is None:
                self.foreign += 1
                log.error(
                    "dropped a message that is no delivery of this consumer",
                    extra={"consumer": self.durable, "subject": msg.subject, "reply": (msg.reply or "")[:200]},
                )
                continue
            out[where[0]] = msg
        return out

    async def handle(self, msgs: list[Msg]) -> None:
        batch: list[tuple[int, CloudEvent]] = []
        by_seq = self.delivered(msgs)
        msgs = list(by_seq.values())
        for seq, msg in by_seq.items():
            try:
                batch.append((seq, parse(msg)))
            except (ValidationError, ValueError) as e:
                await self.deadletter(seq, msg, f"unreadable event: {e}")
        try:
            await asyncio.to_thread(self.view.apply, batch)
        except Exception:  # find the event the view cannot take; the others go through
            for seq, event in batch:
                try:
                    await asyncio.to_thread(self.view.apply, [(seq, event)])
                except Exception as e:
                    await self.deadletter(seq, by_seq[seq], f"view {self.view.name} failed: {e!r}")
                    await asyncio.to_thread(self.view.skip, seq)
        last = max(by_seq, default=0)
        if last and (not batch or batch[-1][0] != last):  # the batch ended on a dead letter
            await asyncio.to_thread(self.view.skip, last)
        if last:
            await by_seq[last].ack()
        self.processed += len(msgs)

    async def subscribe(self) -> Any:
        """(Re)create the durable consumer at the view's stored position.

        The view's position, stored with its rows, is the truth; the consumer's own acknowledgement
        state is not. Starting from it means a batch left unacknowledged by a crash is delivered
        again first, in order, instead of after newer messages (which would move the position past it).
        """
        position = await asyncio.to_thread(self.view.position)
        with contextlib.suppress(NotFoundError):
            await self.js.delete_consumer(STREAM, self.durable)
        log.info("consumer starting", extra={"consumer": self.durable, "position": position})
        return await self.js.pull_subscribe("", durable=self.durable, stream=STREAM, config=self.config(position + 1))

    async def consume(self, sub: Any, stop: asyncio.Event) -> None:
        while not stop.is_set() and not self.reconnected.is_set():
            try:
                msgs: list[Any] = await sub.fetch(self.batch, timeout=0.5)
            except (TimeoutError, NatsTimeout):
                continue
            await self.handle(msgs)
        self.reconnected.clear()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                sub = await self.subscribe()
            except Exception as e:  # the server is out of reach: try again
                log.warning("cannot subscribe", extra={"consumer": self.durable, "error": repr(e)})
                await asyncio.sleep(1.0)
                continue
            try:
                await self.consume(sub, stop)
            except Exception as e:  # fetch or store trouble: start again from the stored position
                log.warning("consumer restarting", extra={"consumer": self.durable, "error": repr(e)})
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()
