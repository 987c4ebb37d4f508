"""An achievement (thành tích) a unit or one of its people reports, and the council's verification."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.errors import (
    AchievementAlreadyDecided,
    PointsOverMaximum,
    ReasonRequired,
    UnknownContent,
    UnknownCriterion,
)
from services.evaluation.domain.ids import aggregate_id


class Achievement(Aggregate):
    @staticmethod
    def create_id(campaign_id: str, achievement_id: str) -> UUID:
        return aggregate_id("achievement", campaign_id, achievement_id)

    @classmethod
    def report(
        cls,
        *,
        contents: list[int],
        maximum: float | None,
        today: date,
        due_on: date | None,
        **details: object,
    ) -> Achievement:
        """Check the content number, the criterion and its maximum; late if reported after `due_on`."""
        content_no, criterion_id = details["content_no"], details["criterion_id"]
        if content_no is None and criterion_id is None:
            raise UnknownContent("name the campaign content (content_no) or a scoring criterion", "content_no")
        if content_no is not None and content_no not in contents:
            raise UnknownContent(f"the campaign has no content no. {content_no}", "content_no")
        if criterion_id is not None and maximum is None:
            raise UnknownCriterion(f"the scoring table has no criterion or bonus item {criterion_id!r}", "criterion_id")
        claimed = float(details["claimed_points"])  # type: ignore[arg-type]
        if maximum is not None and claimed > maximum:
            raise PointsOverMaximum(f"{claimed:g} points exceed the maximum of {maximum:g}", "claimed_points")
        late = due_on is not None and today > due_on
        return cls(**details, due_on=due_on, late=late)  # type: ignore[arg-type]

    @event("Reported")
    def __init__(
        self,
        campaign_id: str,
        achievement_id: str,
        unit_id: str,
        person: str | None,
        content_no: int | None,
        criterion_id: str | None,
        claimed_points: float,
        description: str,
        evidence_ref: str | None,
        due_on: date | None,
        late: bool,
    ) -> None:
        self.campaign_id = campaign_id
        self.achievement_id = achievement_id
        self.unit_id = unit_id
        self.person = person
        self.content_no = content_no
        self.criterion_id = criterion_id
        self.claimed_points = claimed_points
        self.late = late
        self.status = "reported"

    def verify(self, points: float | None, reason: str | None, maximum: float | None, late_penalty: float) -> None:
        """Accept as claimed, or with adjusted points and a reason; a late item loses `late_penalty`."""
        self._check_pending()
        awarded = self.claimed_points if points is None else points
        adjusted = awarded != self.claimed_points
        if adjusted and not reason:
            raise ReasonRequired("adjusting the claimed points needs a reason", "reason")
        if maximum is not None and awarded > maximum:
            raise PointsOverMaximum(f"{awarded:g} points exceed the criterion's maximum of {maximum:g}", "points")
        penalty = late_penalty if self.late else 0.0
        self._verified(
            campaign_id=self.campaign_id,
            achievement_id=self.achievement_id,
            unit_id=self.unit_id,
            points=awarded,
            penalty=penalty,
            adjusted=adjusted,
            reason=reason,
        )

    @event("Verified")
    def _verified(
        self,
        campaign_id: str,
        achievement_id: str,
        unit_id: str,
        points: float,
        penalty: float,
        adjusted: bool,
        reason: str | None,
    ) -> None:
        self.status = "verified"
        self.points = points

    def reject(self, reason: str) -> None:
        self._check_pending()
        self._rejected(
            campaign_id=self.campaign_id, achievement_id=self.achievement_id, unit_id=self.unit_id, reason=reason
        )

    @event("Rejected")
    def _rejected(self, campaign_id: str, achievement_id: str, unit_id: str, reason: str) -> None:
        self.status = "rejected"

    def _check_pending(self) -> None:
        if self.status != "reported":
            raise AchievementAlreadyDecided(
                f"achievement {self.achievement_id!r} is already {self.status}", "achievement_id"
            )
