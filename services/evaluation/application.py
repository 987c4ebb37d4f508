"""Evaluation use cases (achievements, scoring, votes, awards)."""

from shared.infra.application import ServiceApplication


class EvaluationApplication(ServiceApplication):
    name = "evaluation"
