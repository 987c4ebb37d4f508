"""Evaluation read models, built from the stream (one module each; re-exported here)."""

from services.evaluation.adapters.awards import AwardsView
from services.evaluation.adapters.exemplary import ExemplaryModelsView
from services.evaluation.adapters.reference import ReferenceView
from services.evaluation.adapters.standings import StandingsView
from services.evaluation.adapters.votes import VotesView

__all__ = ["AwardsView", "ExemplaryModelsView", "ReferenceView", "StandingsView", "VotesView"]
