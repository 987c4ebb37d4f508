"""The named notification rules, their per-campaign settings and when reminders fall due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from services.notification.domain.errors import InvalidReminderOffsets, UnknownRule
from shared.domain.rules import RuleResult, is_city_system

REGISTRATION_REMINDER = "registration-reminder"
"""Every unit not yet registered, `offset` days before the registration deadline."""
LATE_REGISTRATION = "late-registration"
"""A late emulation registration → the campaign's secretariat unit."""
LATE_REPORT = "late-report"
"""A late achievement report → the campaign's secretariat unit."""
VOTE_OPENED = "vote-opened"
"""A block vote round opened → every member unit of the block."""
VOTE_RESULT = "vote-result"
"""A block vote round closed → its result to every member unit of the block."""
AWARD_DECIDED = "award-decided"
"""The council decided an award → the unit concerned."""
ACHIEVEMENT_REJECTED = "achievement-rejected"
"""An achievement was rejected → the reporting unit, with the reason."""
EXEMPLARY_MODEL = "exemplary-model"
"""A stage of an exemplary model recorded (identified, nurtured, a support action, summed up, spread, dropped) → the
model's unit; a spread also → each unit that adopted it."""
REVIEW_REMINDER = "review-reminder"
"""Every member unit that has not submitted to a review (sơ kết, tổng kết), `offset` days before its due date."""
LATE_REVIEW = "late-review"
"""A review submission after its due date → the campaign's secretariat unit."""

RULES = (
    REGISTRATION_REMINDER,
    LATE_REGISTRATION,
    LATE_REPORT,
    VOTE_OPENED,
    VOTE_RESULT,
    AWARD_DECIDED,
    ACHIEVEMENT_REJECTED,
    EXEMPLARY_MODEL,
    REVIEW_REMINDER,
    LATE_REVIEW,
)
DEFAULT_OFFSETS_DAYS = (7, 1)
VIETNAM = timezone(timedelta(hours=7), "ICT")
REMINDER_LOCAL_TIME = time(8, 0)
"""Reminders go out at 08:00 Ho Chi Minh City time on their day."""


@dataclass(frozen=True)
class CampaignRules:
    """A campaign's settings: which rules are off and how many days before the deadline reminders go out."""

    disabled: frozenset[str] = frozenset()
    offsets_days: tuple[int, ...] = DEFAULT_OFFSETS_DAYS

    def enabled(self, rule: str) -> bool:
        return rule not in self.disabled


def check_rules(disabled: Iterable[str], offsets_days: Iterable[int]) -> CampaignRules:
    """Validate a rule setting; raise `UnknownRule` or `InvalidReminderOffsets`."""
    disabled = list(disabled)
    offsets = list(offsets_days)
    for rule in disabled:
        if rule not in RULES:
            raise UnknownRule(f"no rule {rule!r}; rules are {', '.join(RULES)}", "disabled_rules")
    if any(o < 0 or o > 366 for o in offsets) or len(set(offsets)) != len(offsets):
        raise InvalidReminderOffsets("offsets are distinct whole days between 0 and 366", "reminder_offsets_days")
    return CampaignRules(frozenset(disabled), tuple(sorted(offsets, reverse=True)))


def reminder_due_at(deadline: date, offset_days: int) -> datetime:
    """08:00 Ho Chi Minh City time, `offset_days` before the deadline day."""
    return datetime.combine(deadline - timedelta(days=offset_days), REMINDER_LOCAL_TIME, VIETNAM)


def deadline_passed(deadline: date, now: datetime) -> bool:
    """The registration deadline day has ended (midnight Ho Chi Minh City time): reminders are pointless."""
    return now >= datetime.combine(deadline + timedelta(days=1), time(0, 0), VIETNAM)


def reminder_trigger(launched_event_id: str, offset_days: int) -> str:
    """The trigger of one reminder: the campaign launch, `offset_days` before the deadline."""
    return f"{launched_event_id}#d-{offset_days}"


def reminders_to_send(due_offsets: Iterable[int]) -> tuple[int | None, list[int]]:
    """Of the reminders due at once (after downtime), only the latest (smallest offset) is sent; others are superseded."""
    offsets = sorted(due_offsets)
    if not offsets:
        return None, []
    return offsets[0], offsets[1:]


def reminder_slots(deadline: date, settings: CampaignRules) -> list[tuple[int, datetime]]:
    """A campaign's reminder slots: (offset in days, when it falls due), one per offset of its settings."""
    return [(offset, reminder_due_at(deadline, offset)) for offset in settings.offsets_days]


@dataclass(frozen=True)
class DueReminders:
    """What becomes of a campaign's reminder slots that fell due: the one reminder sent, and each slot's status."""

    send: int | None
    """The offset whose reminder goes out (None: none does)."""
    slots: dict[int, str]
    """Offset → `decided` (sent), `superseded` (a later one is sent instead) or `skipped`."""


def due_reminders(
    deadline: date | None,
    settings: CampaignRules,
    due_offsets: Iterable[int],
    now: datetime,
    rule: str = REGISTRATION_REMINDER,
) -> DueReminders:
    """The latest due slot is sent and earlier ones superseded; all are skipped when the campaign (or its review) is
    not known (`deadline` None), the deadline has passed or the reminder `rule` is turned off."""
    offsets = list(due_offsets)
    latest, superseded = reminders_to_send(offsets)
    if latest is None or deadline is None or deadline_passed(deadline, now) or not settings.enabled(rule):
        return DueReminders(None, {offset: "skipped" for offset in offsets})
    return DueReminders(latest, {latest: "decided", **{offset: "superseded" for offset in superseded}})


def awaiting_registration(members: Iterable[str], known_units: Iterable[str], settled: Iterable[str]) -> list[str]:
    """Who a registration reminder goes to: the campaign's block members (every known unit while it has none),
    less those registered or withdrawn (`settled`), by unit id."""
    pool = set(members) or set(known_units)
    return sorted(pool - set(settled))


def awaiting_review(members: Iterable[str], submitted: Iterable[str]) -> list[str]:
    """Who a review reminder goes to: the campaign's block members that have not submitted to it, by unit id."""
    return sorted(set(members) - set(submitted))


# ---- who may act --------------------------------------------------------------------------------


def own_subscription(actor: str, unit_id: str | None) -> RuleResult:
    """A city system registers its webhook, for every unit's notices or one unit's; a unit only for its own."""
    ok = is_city_system(actor) or (unit_id is not None and actor == unit_id)
    whose = f"the notices of {unit_id}" if unit_id else "every unit's notices"
    verdict = "may" if ok else "may not"
    return RuleResult("own-subscription", ok, f"{actor} {verdict} subscribe to {whose}")


def configures_notifications(actor: str, campaign_id: str, secretariat_unit_id: str | None) -> RuleResult:
    """A city system or the campaign's secretariat (as the notifier knows it from the stream) sets its rules."""
    ok = is_city_system(actor) or (secretariat_unit_id is not None and actor == secretariat_unit_id)
    verdict = "may" if ok else "may not"
    return RuleResult(
        "configures-notifications",
        ok,
        f"{actor} {verdict} set the notification rules of campaign {campaign_id!r} (its secretariat: "
        f"{secretariat_unit_id or 'not yet known'})",
    )
