"""Notification command subscribers: `emulation.cmd.<command>` request/reply, queue group `notification`."""

from __future__ import annotations

import asyncio

from faststream.nats import NatsRouter

from services.notification.application import NotificationApplication
from shared.events.base import Accepted
from shared.events.envelope import command_subject
from shared.events.notification import ConfigureNotificationRules, RegisterSubscription


def command_router(app: NotificationApplication) -> NatsRouter:
    router = NatsRouter()

    @router.subscriber(command_subject("register_subscription"), queue="notification", title="register_subscription")
    async def register_subscription(cmd: RegisterSubscription) -> Accepted:
        """Register a city system's webhook; replies with the `subscription_registered` event."""
        return await asyncio.to_thread(app.register_subscription, cmd)

    @router.subscriber(
        command_subject("configure_notification_rules"), queue="notification", title="configure_notification_rules"
    )
    async def configure_notification_rules(cmd: ConfigureNotificationRules) -> Accepted:
        """Switch a campaign's rules and set its reminder offsets; replies with `notification_rules_configured`."""
        return await asyncio.to_thread(app.configure_notification_rules, cmd)

    return router
