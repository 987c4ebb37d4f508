"""The dispatcher: delivers due notices and records each outcome in the notification event store.

Every `poll` seconds it reads `clock.now()`, turns reminder slots that have fallen due into notices,
then delivers every due, undelivered notice. Because it works from durable state against the clock,
a reminder whose time passed while the service was down goes out on restart, once. A reminder slot is
decided only once the notifier's state is known to hold every fact published before the slot
(`shared/infra/freshness.py`): a unit that registered just before the slot, while the state had not
caught up, gets no reminder; the slot waits for the state instead.

Per notice: record `notification_scheduled` (first time), send, record `notification_sent`; on a
failure record `notification_failed`, wait (exponential backoff) and try again, up to
`max_attempts`, the last failure being the dead-letter record (`dead: true`). The event store is
the truth: a notice already sent or dead there is not sent again. A crash after sending but before
recording sends it again with the same notice id (at-least-once; receivers drop the repeat).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx
import nats

from services.notification.adapters import channels
from services.notification.adapters.state import NotifierState
from services.notification.application import NotificationApplication
from services.notification.config import NotifierConfig
from services.notification.domain.aggregates import Delivery
from services.notification.domain.notices import Notice
from shared.infra.clock import Clock
from shared.infra.connect import connect
from shared.infra.consumer import durable_name
from shared.infra.freshness import Freshness
from shared.infra.settings import Settings

log = logging.getLogger("emulation.notification.dispatcher")


class Dispatcher:
    def __init__(
        self,
        app: NotificationApplication,
        state: NotifierState,
        config: NotifierConfig,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self.app = app
        self.state = state
        self.config = config
        self.settings = settings
        self.clock = clock
        self.js: nats.js.JetStreamContext | None = None
        self.http: httpx.AsyncClient | None = None
        self.freshness: Freshness | None = None

    async def run(self, stop: asyncio.Event) -> None:
        nc = await connect(self.settings.for_role("views"), "notification-dispatcher")  # it runs with the views
        self.js = nc.jetstream()
        self.freshness = Freshness(self.js, durable_name("notification", self.state.name), self.clock)
        await channels.ensure_notifications_stream(self.js)
        self.http = httpx.AsyncClient(timeout=self.config.webhook_timeout)
        log.info("dispatcher starting")
        try:
            while not stop.is_set():
                try:
                    await self.scan()
                except Exception as e:  # storage or network trouble: the next scan tries again
                    log.warning("dispatch scan failed", extra={"error": repr(e)})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.config.poll)
        finally:
            await self.http.aclose()
            await nc.drain()

    async def scan(self) -> None:
        now = self.clock.now()
        assert self.freshness is not None
        facts_as_of = await self.freshness.as_of()
        decided_until = min(now, facts_as_of) if facts_as_of is not None else None
        if decided_until is not None:
            await asyncio.to_thread(self.state.decide_due_reminders, decided_until)
        limit = asyncio.Semaphore(self.config.concurrency)

        async def one(notice: Notice) -> None:
            async with limit:
                await self.deliver(notice)

        while due := await asyncio.to_thread(self.state.queue.due, now, 200):
            await asyncio.gather(*(one(n) for n in due))
        await asyncio.to_thread(self.state.queue.mark_scanned, now, decided_until)

    async def deliver(self, notice: Notice) -> None:
        delivery: Delivery = await asyncio.to_thread(self.app.get_delivery, notice)
        while not delivery.done:
            try:
                await self.send(notice)
            except Exception as e:
                off = isinstance(e, channels.ChannelOff)
                dead = off or delivery.attempts + 1 >= self.config.max_attempts
                await asyncio.to_thread(self.app.record_failed, notice, delivery, str(e), dead)
                log.warning(
                    "delivery failed",
                    extra={"notification_id": notice.notification_id, "attempt": delivery.attempts, "dead": dead},
                )
                if not dead:
                    await asyncio.sleep(self.config.delay(delivery.attempts))
                continue
            await asyncio.to_thread(self.app.record_sent, notice, delivery)
        await asyncio.to_thread(self.state.queue.mark, notice.notification_id, delivery.status)

    async def send(self, notice: Notice) -> None:
        if notice.channel == "email":
            await channels.deliver_email(self.config, notice)
        elif notice.channel == "nats":
            assert self.js is not None
            await channels.publish_nats(self.js, notice)
        elif notice.channel == "webhook":
            assert self.http is not None and notice.subscription_id is not None
            sub = await asyncio.to_thread(self.app.get_subscription, notice.subscription_id)
            await channels.post_webhook(self.http, notice, sub.url, sub.secret)
        else:
            raise channels.DeliveryError(f"unknown channel {notice.channel!r}")
