"""Notification use cases (reminders, notices, deliveries)."""

from shared.infra.application import ServiceApplication


class NotificationApplication(ServiceApplication):
    name = "notification"
