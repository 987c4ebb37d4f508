"""Builds the audit projection (a service with views only: it records no events of its own)."""

from __future__ import annotations

from services.audit.views import AuditView
from shared.infra.eventstore import view_factory
from shared.infra.runtime import Service
from shared.infra.settings import Settings
from shared.infra.views import View

VIEWS: tuple[type[View], ...] = (AuditView,)


def build_views(settings: Settings) -> list[View]:
    return [view(view_factory(settings, "audit")) for view in VIEWS]


def build(settings: Settings) -> Service:
    return Service("audit", None, views=build_views(settings))
