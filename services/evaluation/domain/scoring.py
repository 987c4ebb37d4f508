"""The campaign's scoring table and evaluation policy: set by command, changed only by new events."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.errors import InvalidScoringTable
from services.evaluation.domain.ids import aggregate_id
from services.evaluation.domain.policy import Policy


class ScoringTable(Aggregate):
    """Criteria with maximum points, bonus items and penalty items of one campaign."""

    @staticmethod
    def create_id(campaign_id: str) -> UUID:
        return aggregate_id("scoring", campaign_id)

    @staticmethod
    def check(criteria: list[dict[str, Any]], bonuses: list[dict[str, Any]], penalties: list[dict[str, Any]]) -> None:
        ids = [c["criterion_id"] for c in criteria] + [i["item_id"] for i in bonuses + penalties]
        if not criteria:
            raise InvalidScoringTable("a scoring table needs at least one criterion", "criteria")
        if len(ids) != len(set(ids)):
            raise InvalidScoringTable("criterion and item ids must be unique across the table", "criteria")

    @event("Set")
    def __init__(
        self,
        campaign_id: str,
        criteria: list[dict[str, Any]],
        bonuses: list[dict[str, Any]],
        penalties: list[dict[str, Any]],
    ) -> None:
        self.campaign_id = campaign_id
        self._apply(criteria, bonuses, penalties)

    def replace(
        self, criteria: list[dict[str, Any]], bonuses: list[dict[str, Any]], penalties: list[dict[str, Any]]
    ) -> None:
        self.check(criteria, bonuses, penalties)
        self._replaced(campaign_id=self.campaign_id, criteria=criteria, bonuses=bonuses, penalties=penalties)

    @event("Replaced")
    def _replaced(
        self,
        campaign_id: str,
        criteria: list[dict[str, Any]],
        bonuses: list[dict[str, Any]],
        penalties: list[dict[str, Any]],
    ) -> None:
        self._apply(criteria, bonuses, penalties)

    def _apply(
        self, criteria: list[dict[str, Any]], bonuses: list[dict[str, Any]], penalties: list[dict[str, Any]]
    ) -> None:
        self.criteria = criteria
        self.bonuses = bonuses
        self.penalties = penalties

    def maximum(self, item_id: str) -> float | None:
        """The most points `item_id` (a criterion or a bonus item) can give, or None if it is not in the table."""
        for c in self.criteria:
            if c["criterion_id"] == item_id:
                return float(c["max_points"])
        for b in self.bonuses:
            if b["item_id"] == item_id:
                return float(b["points"])
        return None

    def penalty(self, item_id: str) -> float:
        return next((float(p["points"]) for p in self.penalties if p["item_id"] == item_id), 0.0)


class PolicyBook(Aggregate):
    """The evaluation policy of one campaign (defaults until set)."""

    @staticmethod
    def create_id(campaign_id: str) -> UUID:
        return aggregate_id("policy", campaign_id)

    @event("Set")
    def __init__(self, campaign_id: str, policy: dict[str, Any]) -> None:
        self.campaign_id = campaign_id
        self.policy = policy

    @event("Replaced")
    def replace(self, campaign_id: str, policy: dict[str, Any]) -> None:
        self.policy = policy

    def current(self) -> Policy:
        return Policy(**self.policy)
