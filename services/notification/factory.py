"""Builds the notification service from settings."""

from __future__ import annotations

from services.notification.adapters.wire import WIRE
from services.notification.application import NotificationApplication
from services.notification.entrypoints.commands import command_router
from shared.infra.eventstore import store_env, view_factory
from shared.infra.runtime import Service
from shared.infra.settings import Settings
from shared.infra.views import View


def build_views(settings: Settings) -> list[View]:
    """The notification service's read models (empty until its views exist)."""
    view_factory(settings, "notification")
    return []


def build(settings: Settings) -> Service:
    app = NotificationApplication(WIRE, env=store_env(settings, "notification"))
    return Service("notification", app, command_router(app), views=build_views(settings))
