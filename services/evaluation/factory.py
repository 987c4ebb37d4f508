"""Builds the evaluation service from settings."""

from __future__ import annotations

from services.evaluation.adapters.views import CampaignsView
from services.evaluation.adapters.wire import WIRE
from services.evaluation.application import EvaluationApplication
from services.evaluation.entrypoints.commands import command_router
from shared.infra.eventstore import store_env, view_factory
from shared.infra.runtime import Service
from shared.infra.settings import Settings
from shared.infra.views import View


def build_views(settings: Settings) -> list[View]:
    factory = view_factory(settings, "evaluation")
    return [CampaignsView(factory)]


def build(settings: Settings) -> Service:
    app = EvaluationApplication(WIRE, env=store_env(settings, "evaluation"))
    return Service("evaluation", app, command_router(app), views=build_views(settings))
