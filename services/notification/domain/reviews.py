"""The review reminders (sơ kết, tổng kết): before each due date, to the member units that have not submitted.

The late-review notice is decided with the other event-triggered notices (`notices.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.notification.domain import rules, templates
from services.notification.domain.notices import CampaignFacts, Facts, Notice, Target, Trigger, fan_out


@dataclass(frozen=True)
class ReviewFacts:
    """A review of a campaign as the notifier knows it: its due date and the event that scheduled it (the trigger of
    its reminders, so moving the date makes new ones)."""

    campaign_id: str
    review: str
    due_on: date
    scheduled_event_id: str


def review_reminder_notices(
    campaign: CampaignFacts,
    review: ReviewFacts,
    offset_days: int,
    missing: Sequence[Target],
    facts: Facts,
    due_at: datetime,
) -> list[Notice]:
    """The review reminder `offset_days` before the review's due date, to every member unit that has not submitted."""
    trigger = Trigger(
        review.scheduled_event_id,
        "review_scheduled",
        due_at,
        {"campaign_id": campaign.campaign_id, "review": review.review, "due_on": review.due_on.isoformat()},
    )
    values = {
        "campaign_title": campaign.title,
        "review_name": templates.REVIEW_NAMES[review.review],
        "deadline": templates.vn_date(review.due_on),
        "days": offset_days,
    }
    return fan_out(
        rules.REVIEW_REMINDER,
        trigger,
        campaign.campaign_id,
        missing,
        values,
        facts.subscribers(),
        due_at=due_at,
        trigger_id=rules.reminder_trigger(review.scheduled_event_id, offset_days),
    )
