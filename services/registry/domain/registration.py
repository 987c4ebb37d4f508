"""A unit's emulation registration (đăng ký thi đua) in one campaign: collective target and staff pledges."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.registry.domain.ids import aggregate_id
from services.registry.domain.rules import is_late


class Registration(Aggregate):
    @staticmethod
    def create_id(campaign_id: str, unit_id: str) -> UUID:
        return aggregate_id("registration", campaign_id, unit_id)

    @classmethod
    def register(
        cls,
        campaign_id: str,
        unit_id: str,
        collective_target: str,
        staff: list[dict[str, Any]],
        at: datetime,
        deadline: date,
    ) -> Registration:
        """Record the registration; after the deadline it is flagged late, never refused."""
        return cls(
            campaign_id=campaign_id,
            unit_id=unit_id,
            collective_target=collective_target,
            staff=staff,
            registered_at=at,
            late=is_late(at, deadline),
        )

    @event("Registered")
    def __init__(
        self,
        campaign_id: str,
        unit_id: str,
        collective_target: str,
        staff: list[dict[str, Any]],
        registered_at: datetime,
        late: bool,
    ) -> None:
        self.campaign_id = campaign_id
        self.unit_id = unit_id
        self.collective_target = collective_target
        self.staff = staff
        self.registered_at = registered_at
        self.late = late
        self.amendments = 0

    def amend(self, collective_target: str, staff: list[dict[str, Any]], at: datetime, deadline: date) -> None:
        """Replace the target and staff list; an amendment after the deadline is flagged late."""
        self._amended(
            campaign_id=self.campaign_id,
            unit_id=self.unit_id,
            collective_target=collective_target,
            staff=staff,
            registered_at=at,
            late=is_late(at, deadline),
        )

    @event("Amended")
    def _amended(
        self,
        campaign_id: str,
        unit_id: str,
        collective_target: str,
        staff: list[dict[str, Any]],
        registered_at: datetime,
        late: bool,
    ) -> None:
        self.collective_target = collective_target
        self.staff = staff
        self.amendments += 1
