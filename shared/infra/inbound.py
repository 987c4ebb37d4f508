"""The inbound consumer: facts other city systems publish on `CITY_INBOUND`, taken as the service's own use cases.

A durable pull consumer (`<service>-inbound`) reads the stream. Each message is checked against the inbound
contract (`shared/events/inbound.py: received`) and becomes the internal command that records it, run through
`ServiceApplication.handle` like any command: its command id is derived from the source and the source event
id, so a message delivered again, or published again under the same id, meets its receipt and records nothing,
and provenance (actor `system:<source>`, the command id) is stamped on the events it records.

Nothing is stored beside the receipts: they are this consumer's position, kept in the same transaction as the
events (a crash before the acknowledgement means a redelivery that records nothing). A message that cannot be
taken (not JSON, outside its contract, from the wrong system, a source id reused for other content) goes to
`emulation.deadletter.<service>` with the reason and the original bytes; the consumer carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from shared.domain.errors import DomainError
from shared.events.inbound import INBOUND_PREFIX, INBOUND_STREAM, as_command, received
from shared.infra.application import ServiceApplication
from shared.infra.connect import connect
from shared.infra.consumer import deadletter
from shared.infra.settings import Settings
from shared.infra.stream import position

log = logging.getLogger("emulation.inbound")


def inbound_durable(service: str) -> str:
    """The durable consumer of a service's inbound facts (its views identity may run it: `emulation/security.py`)."""
    return f"{service}-inbound"


class Inbound:
    """Feeds a service's application with the inbound facts, batch by batch (the batch's commands share the
    writer's group commit); runs with the service's views, as their identity."""

    def __init__(self, app: ServiceApplication, settings: Settings, batch: int = 256) -> None:
        self.app = app
        self.settings = settings
        self.batch = batch
        self.durable = inbound_durable(app.name)
        self.recorded = 0
        self.refused = 0

    def config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            filter_subject=f"{INBOUND_PREFIX}.*.events.>",
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=60,
            max_ack_pending=10_000,
            max_deliver=-1,
        )

    async def take(self, js: JetStreamContext, msg: Msg, seq: int) -> None:
        """Record one message's fact, or dead-letter it with the reason; then acknowledge it."""
        try:
            kind, event = received(msg.subject, msg.data)
            await self.app.handle(as_command(kind, event))
            self.recorded += 1
        except (ValidationError, ValueError, DomainError) as e:
            self.refused += 1
            await deadletter(js, self.app.name, self.durable, seq, msg, f"refused inbound fact: {e}")
        await msg.ack()

    async def handle(self, js: JetStreamContext, msgs: list[Msg]) -> None:
        taken = []
        for msg in msgs:
            where = position(msg, INBOUND_STREAM, self.durable)
            if where is None:  # not a delivery of this consumer: never taken, never acknowledged
                log.error("dropped a message that is no delivery of this consumer", extra={"consumer": self.durable})
                continue
            taken.append(self.take(js, msg, where[0]))
        await asyncio.gather(*taken)

    async def run(self, stop: asyncio.Event) -> None:
        nc = await connect(self.settings.for_role("views"), f"{self.app.name}-inbound")
        js = nc.jetstream()
        try:
            while not stop.is_set():
                try:
                    sub = await js.pull_subscribe("", durable=self.durable, stream=INBOUND_STREAM, config=self.config())
                except Exception as e:  # no stream yet, or the server is out of reach: try again
                    log.warning("cannot subscribe", extra={"consumer": self.durable, "error": repr(e)})
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=1.0)
                    continue
                try:
                    while not stop.is_set():
                        try:
                            msgs: list[Any] = await sub.fetch(self.batch, timeout=0.5)
                        except (TimeoutError, NatsTimeout):
                            continue
                        await self.handle(js, msgs)
                except Exception as e:  # store or server trouble: unacknowledged messages come again
                    log.warning("inbound consumer restarting", extra={"consumer": self.durable, "error": repr(e)})
                    await asyncio.sleep(0.5)
                finally:
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()
        finally:
            with contextlib.suppress(Exception):
                await nc.drain()
