"""Builds the notification service from settings."""

from __future__ import annotations

from services.notification.adapters.wire import WIRE
from services.notification.application import NotificationApplication
from services.notification.entrypoints.commands import command_router
from shared.infra.eventstore import store_env
from shared.infra.runtime import Service
from shared.infra.settings import Settings


def build(settings: Settings) -> Service:
    app = NotificationApplication(WIRE, env=store_env(settings, "notification"))
    return Service("notification", app, command_router(app))
