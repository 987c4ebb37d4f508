"""Notification command subscribers, queue group `notification`."""

from faststream.nats import NatsRouter

from services.notification.application import NotificationApplication


def command_router(app: NotificationApplication) -> NatsRouter:
    return NatsRouter()
