"""Notification command subscribers: `emulation.cmd.<command>` request/reply, queue group `notification`."""

from __future__ import annotations

import asyncio

from faststream.nats import NatsRouter

from services.notification.application import NotificationApplication
from shared.events.base import Accepted
from shared.events.notification import ConfigureNotificationRules, RegisterSubscription
from shared.infra.commands import command_subscriber


def command_router(app: NotificationApplication) -> NatsRouter:
    router = NatsRouter()

    @command_subscriber(router, "register_subscription", "notification")
    async def register_subscription(cmd: RegisterSubscription) -> Accepted:
        """Register a city system's webhook; replies with the `subscription_registered` event."""
        return await asyncio.to_thread(app.register_subscription, cmd)

    @command_subscriber(router, "configure_notification_rules", "notification")
    async def configure_notification_rules(cmd: ConfigureNotificationRules) -> Accepted:
        """Switch a campaign's rules and set its reminder offsets; replies with `notification_rules_configured`."""
        return await asyncio.to_thread(app.configure_notification_rules, cmd)

    return router
