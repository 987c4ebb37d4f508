"""Builds the evaluation service from settings."""

from __future__ import annotations

from services.evaluation.adapters.seal import AesGcmSeal
from services.evaluation.adapters.views import (
    AwardsView,
    ExemplaryModelsView,
    ReferenceView,
    StandingsView,
    VotesView,
)
from services.evaluation.adapters.wire import WIRE
from services.evaluation.application import EvaluationApplication
from shared.infra.catchup import CatchUp
from shared.infra.eventstore import store_env, view_factory
from shared.infra.inbound import Inbound
from shared.infra.runtime import Service
from shared.infra.settings import Settings
from shared.infra.views import View

VIEWS: tuple[type[View], ...] = (ReferenceView, StandingsView, VotesView, AwardsView, ExemplaryModelsView)
"""Reference data from the registry first (campaigns, blocks, members, staff counts), then the evaluation's own views."""


def build_views(settings: Settings) -> list[View]:
    factory = view_factory(settings, "evaluation")
    return [view(factory) for view in VIEWS]


def facts_of(views: list[View]) -> ReferenceView:
    """The registry facts the application checks commands against: its copy of the projection."""
    return next(v for v in views if isinstance(v, ReferenceView))


def build(settings: Settings) -> Service:
    views = build_views(settings)
    seal = AesGcmSeal.from_settings(settings)
    app = EvaluationApplication(WIRE, facts_of(views), seal, env=store_env(settings, "evaluation"))
    app.catch_up = CatchUp(app.name, facts_of(views), settings.catch_up_timeout)
    inbound = Inbound(app, settings)  # facts from other city systems, taken with the views (as their identity)
    return Service("evaluation", app, views=views, tasks=[inbound.run])
