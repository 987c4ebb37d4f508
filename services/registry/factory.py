"""Builds the registry service from settings."""

from __future__ import annotations

from services.registry.adapters.views import BlocksView, RegistrationsView, ReviewsView, UnitsView
from services.registry.adapters.wire import WIRE
from services.registry.application import RegistryApplication
from shared.infra.eventstore import store_env, view_factory
from shared.infra.runtime import Service
from shared.infra.settings import Settings
from shared.infra.views import View

VIEWS: tuple[type[View], ...] = (BlocksView, UnitsView, RegistrationsView, ReviewsView)
"""The registry service's read models: blocks with members, units with history, registrations, reviews."""


def build_views(settings: Settings) -> list[View]:
    factory = view_factory(settings, "registry")
    return [view(factory) for view in VIEWS]


def build(settings: Settings) -> Service:
    app = RegistryApplication(WIRE, env=store_env(settings, "registry"))
    app.record_earlier_offices()
    return Service("registry", app, views=build_views(settings))
