"""A campaign (phong trào thi đua): yearly, periodic (theo đợt) or thematic (chuyên đề), launched by a plan."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.registry.domain.errors import DateOutOfPeriod, DuplicateContent, InvalidPeriod

_NS = uuid5(NAMESPACE_URL, "urn:emulation:registry")


class Campaign(Aggregate):
    @staticmethod
    def create_id(campaign_id: str) -> UUID:
        return uuid5(_NS, f"campaign:{campaign_id}")

    @classmethod
    def launch(cls, **details: Any) -> Campaign:
        """Check the plan's dates and contents, then record the launch."""
        check_dates(details["period_start"], details["period_end"], details["registration_deadline"])
        numbers = [c["no"] for c in details["contents"]]
        if len(numbers) != len(set(numbers)):
            raise DuplicateContent("content numbers must be unique", "contents")
        return cls(**details)

    @event("Launched")
    def __init__(
        self,
        campaign_id: str,
        kind: str,
        year: int,
        title: str,
        document_number: str,
        issued_on: date,
        issued_by: str,
        signed_by: str,
        theme: str,
        period_start: date,
        period_end: date,
        registration_deadline: date,
        secretariat_unit_id: str,
        contents: list[dict[str, Any]],
    ) -> None:
        self.campaign_id = campaign_id
        self.kind = kind
        self.year = year
        self.title = title
        self.document_number = document_number
        self.issued_on = issued_on
        self.issued_by = issued_by
        self.signed_by = signed_by
        self.theme = theme
        self.period_start = period_start
        self.period_end = period_end
        self.registration_deadline = registration_deadline
        self.secretariat_unit_id = secretariat_unit_id
        self.contents = contents
        self.closed = False


def check_dates(start: date, end: date, deadline: date) -> None:
    if start > end:
        raise InvalidPeriod("the period must start before it ends", "period_end")
    if not start <= deadline <= end:
        raise DateOutOfPeriod("the registration deadline must fall within the campaign period", "registration_deadline")
