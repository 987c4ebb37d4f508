"""Builds the notification service from settings: commands, views (its state and the delivery log), dispatcher."""

from __future__ import annotations

from services.notification.adapters.log import DeliveryLog
from services.notification.adapters.state import NotifierState
from services.notification.adapters.wire import WIRE
from services.notification.application import NotificationApplication
from services.notification.config import NotifierConfig
from services.notification.entrypoints.dispatcher import Dispatcher
from shared.infra.catchup import CatchUp
from shared.infra.clock import Clock
from shared.infra.eventstore import store_env, view_factory
from shared.infra.runtime import Service
from shared.infra.settings import Settings
from shared.infra.views import View

VIEWS: tuple[type[View], ...] = (NotifierState, DeliveryLog)
"""The notifier's state (what it decides from) and the delivery log the read API shows."""


def build_views(settings: Settings) -> list[View]:
    factory = view_factory(settings, "notification")
    return [view(factory) for view in VIEWS]


def build(settings: Settings) -> Service:
    clock = Clock.from_env()
    views = build_views(settings)
    state = next(v for v in views if isinstance(v, NotifierState))
    app = NotificationApplication(WIRE, state, env=store_env(settings, "notification"), clock=clock)
    app.catch_up = CatchUp(app.name, state, settings.catch_up_timeout)
    dispatcher = Dispatcher(app, state, NotifierConfig.from_env(), settings, clock)
    return Service("notification", app, views=views, tasks=[dispatcher.run])
