"""Evaluation command subscribers, queue group `evaluation`."""

from faststream.nats import NatsRouter

from services.evaluation.application import EvaluationApplication


def command_router(app: EvaluationApplication) -> NatsRouter:
    return NatsRouter()
