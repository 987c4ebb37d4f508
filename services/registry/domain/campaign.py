"""A campaign (phong trào thi đua): yearly, periodic (theo đợt) or thematic (chuyên đề), launched by a plan."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.registry.domain.errors import CampaignClosed, NoChanges, ReviewNotScheduled
from services.registry.domain.ids import aggregate_id
from services.registry.domain.rules import REVIEW_NAMES, check_contents, check_dates, check_review_due


class Campaign(Aggregate):
    @staticmethod
    def create_id(campaign_id: str) -> UUID:
        return aggregate_id("campaign", campaign_id)

    @classmethod
    def launch(cls, **details: Any) -> Campaign:
        """Check the plan's dates and contents, then record the launch."""
        check_dates(details["period_start"], details["period_end"], details["registration_deadline"])
        check_contents(c["no"] for c in details["contents"])
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
        self.reviews: dict[str, date] = {}
        """Review (`mid_year`, `year_end`) → its due date, once scheduled."""

    def check_open(self) -> None:
        if self.closed:
            raise CampaignClosed(f"campaign {self.campaign_id!r} is closed", "campaign_id")

    def amend(self, changes: dict[str, Any]) -> None:
        """Change the fields given; the resulting dates and contents must still be valid."""
        self.check_open()
        changes = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not changes:
            raise NoChanges("the amendment changes nothing", None)
        dates = {k: changes.get(k, getattr(self, k)) for k in ("period_start", "period_end", "registration_deadline")}
        check_dates(dates["period_start"], dates["period_end"], dates["registration_deadline"])
        if "contents" in changes:
            check_contents(c["no"] for c in changes["contents"])
        self._amended(campaign_id=self.campaign_id, changes=changes)

    @event("Amended")
    def _amended(self, campaign_id: str, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def schedule_review(self, review: str, due_on: date) -> None:
        """Set or move a review's due date (sơ kết, tổng kết of the plan's content 10)."""
        self.check_open()
        previous = self.reviews.get(review)
        if previous == due_on:
            raise NoChanges(f"{REVIEW_NAMES[review]} is already due on {due_on}", "due_on")
        check_review_due(review, due_on, self.period_start, self.period_end, self.reviews)
        self._review_scheduled(campaign_id=self.campaign_id, review=review, due_on=due_on, previous_due_on=previous)

    @event("ReviewScheduled")
    def _review_scheduled(self, campaign_id: str, review: str, due_on: date, previous_due_on: date | None) -> None:
        self.reviews[review] = due_on

    def review_due(self, review: str) -> date:
        """The review's due date, or `review_not_scheduled`."""
        if review not in self.reviews:
            raise ReviewNotScheduled(
                f"campaign {self.campaign_id!r} has not scheduled {REVIEW_NAMES[review]}", "review"
            )
        return self.reviews[review]

    def close(self, reason: str | None) -> None:
        self.check_open()
        self._closed(campaign_id=self.campaign_id, reason=reason)

    @event("Closed")
    def _closed(self, campaign_id: str, reason: str | None) -> None:
        self.closed = True
