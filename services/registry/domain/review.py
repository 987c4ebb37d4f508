"""A unit's submission to one review of a campaign (sơ kết or tổng kết): its self-assessment against its registration,
then the council's review of it.

One aggregate per campaign, unit and review. Sent again before the council has reviewed it, the submission is
replaced as a whole (its lateness judged at that moment); once reviewed it takes no resubmission, while the council
may record its review again (the latest stands).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.registry.domain.errors import ReviewAssessed
from services.registry.domain.ids import aggregate_id
from services.registry.domain.rules import (
    REVIEW_NAMES,
    check_council_review,
    check_self_assessment,
    days_late,
    is_late,
)


class ReviewSubmission(Aggregate):
    @staticmethod
    def create_id(campaign_id: str, unit_id: str, review: str) -> UUID:
        return aggregate_id("review", campaign_id, unit_id, review)

    @classmethod
    def submit(
        cls,
        campaign_id: str,
        unit_id: str,
        review: str,
        collective: dict[str, Any],
        staff: list[dict[str, Any]],
        at: datetime,
        due_on: date,
        registered_target: str,
        registered_staff: list[dict[str, Any]],
    ) -> ReviewSubmission:
        """Check the self-assessment against the registration, then record it; after the due date it is late."""
        check_self_assessment(review, collective, staff, registered_target, registered_staff)
        return cls(
            campaign_id=campaign_id,
            unit_id=unit_id,
            review=review,
            collective=collective,
            staff=staff,
            submitted_at=at,
            late=is_late(at, due_on),
            days_late=days_late(at, due_on),
        )

    @event("Submitted")
    def __init__(
        self,
        campaign_id: str,
        unit_id: str,
        review: str,
        collective: dict[str, Any],
        staff: list[dict[str, Any]],
        submitted_at: datetime,
        late: bool,
        days_late: int,
    ) -> None:
        self.campaign_id = campaign_id
        self.unit_id = unit_id
        self.review = review
        self.collective = collective
        self.staff = staff
        self.submitted_at = submitted_at
        self.late = late
        self.amendments = 0
        self.assessed = False

    def resubmit(
        self,
        collective: dict[str, Any],
        staff: list[dict[str, Any]],
        at: datetime,
        due_on: date,
        registered_target: str,
        registered_staff: list[dict[str, Any]],
    ) -> None:
        """Replace the self-assessment, until the council has reviewed it."""
        if self.assessed:
            raise ReviewAssessed(
                f"the council has reviewed {self.unit_id}'s submission to {REVIEW_NAMES[self.review]}", "review"
            )
        check_self_assessment(self.review, collective, staff, registered_target, registered_staff)
        self._amended(
            campaign_id=self.campaign_id,
            unit_id=self.unit_id,
            review=self.review,
            collective=collective,
            staff=staff,
            submitted_at=at,
            late=is_late(at, due_on),
            days_late=days_late(at, due_on),
        )

    @event("Amended")
    def _amended(
        self,
        campaign_id: str,
        unit_id: str,
        review: str,
        collective: dict[str, Any],
        staff: list[dict[str, Any]],
        submitted_at: datetime,
        late: bool,
        days_late: int,
    ) -> None:
        self.collective = collective
        self.staff = staff
        self.amendments += 1

    def assess(self, collective: dict[str, Any], staff: list[dict[str, Any]]) -> None:
        """The council's review: the unit and every person of its submission, each once."""
        check_council_review(staff, self.staff)
        self._assessed(
            campaign_id=self.campaign_id, unit_id=self.unit_id, review=self.review, collective=collective, staff=staff
        )

    @event("Assessed")
    def _assessed(
        self, campaign_id: str, unit_id: str, review: str, collective: dict[str, Any], staff: list[dict[str, Any]]
    ) -> None:
        self.assessed = True
