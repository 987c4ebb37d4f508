"""Deciding notices: which rule fires for an event, for whom, on which channels, with which stable id.

Pure: the facts a decision needs (campaigns, units, blocks, subscriptions, rule settings) come in
through the `Facts` protocol; the result is a list of `Notice`s, the same for the same inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from uuid import NAMESPACE_URL, uuid5

from services.notification.domain import rules, templates

_NS = uuid5(NAMESPACE_URL, "urn:emulation:notice")


def notice_id(rule: str, trigger_event_id: str, recipient: str, channel: str) -> str:
    """uuid5 of (rule, triggering event, recipient unit, channel): exactly one notice per combination."""
    return str(uuid5(_NS, f"{rule}|{trigger_event_id}|{recipient}|{channel}"))


@dataclass(frozen=True)
class Target:
    """A unit that receives notices, with its contact."""

    unit_id: str
    name: str
    email: str | None = None


@dataclass(frozen=True)
class Subscriber:
    """A city system's webhook subscription (its secret stays in the event store)."""

    subscription_id: str
    event_types: tuple[str, ...] = ()
    unit_id: str | None = None

    def wants(self, rule: str, trigger_type: str, unit_id: str) -> bool:
        if self.unit_id is not None and self.unit_id != unit_id:
            return False
        return not self.event_types or rule in self.event_types or trigger_type in self.event_types


@dataclass(frozen=True)
class CampaignFacts:
    campaign_id: str
    title: str
    registration_deadline: date
    secretariat_unit_id: str
    launched_event_id: str


@dataclass(frozen=True)
class Trigger:
    """The event a rule reacts to: its id, name (`award_decided`), time and payload."""

    id: str
    name: str
    time: datetime
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Notice:
    notification_id: str
    rule: str
    trigger_event_id: str
    trigger_type: str
    campaign_id: str | None
    unit_id: str
    channel: str
    """`email`, `nats` or `webhook`."""
    recipient: str
    """E-mail address, `emulation.notifications.<unit>` or `subscription:<id>`."""
    due_at: datetime
    subject: str
    body: str
    data: Mapping[str, Any] = field(default_factory=dict)
    subscription_id: str | None = None
    scheduled: bool = False
    """True for a notice that waits for `due_at` (a reminder); others go out as soon as they are decided."""


class Facts(Protocol):
    def rules(self, campaign_id: str) -> rules.CampaignRules: ...
    def campaign(self, campaign_id: str) -> CampaignFacts | None: ...
    def unit(self, unit_id: str) -> Target: ...
    def block_members(self, campaign_id: str, block_id: str) -> list[str]: ...
    def block_name(self, campaign_id: str, block_id: str) -> str: ...
    def subscribers(self) -> list[Subscriber]: ...


def fan_out(
    rule: str,
    trigger: Trigger,
    campaign_id: str | None,
    targets: Sequence[Target],
    values: Mapping[str, object],
    subscribers: Sequence[Subscriber],
    due_at: datetime | None = None,
    trigger_id: str | None = None,
) -> list[Notice]:
    """One notice per target and channel: e-mail (if the unit has an address), NATS, and each matching webhook."""
    trigger_id = trigger_id or trigger.id
    out: list[Notice] = []
    for target in targets:
        subject, body = templates.render(rule, {**values, "unit_name": target.name})
        channels: list[tuple[str, str, str | None]] = []
        if target.email:
            channels.append(("email", target.email, None))
        channels.append(("nats", f"emulation.notifications.{target.unit_id}", None))
        for sub in subscribers:
            if sub.wants(rule, trigger.name, target.unit_id):
                channels.append(("webhook", f"subscription:{sub.subscription_id}", sub.subscription_id))
        for channel, recipient, sub_id in channels:
            key = channel if sub_id is None else f"webhook:{sub_id}"
            out.append(
                Notice(
                    notification_id=notice_id(rule, trigger_id, target.unit_id, key),
                    rule=rule,
                    trigger_event_id=trigger_id,
                    trigger_type=trigger.name,
                    campaign_id=campaign_id,
                    unit_id=target.unit_id,
                    channel=channel,
                    recipient=recipient,
                    due_at=due_at or trigger.time,
                    subject=subject,
                    body=body,
                    data=dict(trigger.data),
                    subscription_id=sub_id,
                    scheduled=due_at is not None,
                )
            )
    return out


def reminder_notices(
    campaign: CampaignFacts, offset_days: int, unregistered: Sequence[Target], facts: Facts, due_at: datetime
) -> list[Notice]:
    """The registration reminder `offset_days` before the deadline, to every unit not yet registered."""
    trigger = Trigger(
        campaign.launched_event_id,
        "campaign_launched",
        due_at,
        {"campaign_id": campaign.campaign_id, "registration_deadline": campaign.registration_deadline.isoformat()},
    )
    values = {
        "campaign_title": campaign.title,
        "deadline": templates.vn_date(campaign.registration_deadline),
        "days": offset_days,
    }
    return fan_out(
        rules.REGISTRATION_REMINDER,
        trigger,
        campaign.campaign_id,
        unregistered,
        values,
        facts.subscribers(),
        due_at=due_at,
        trigger_id=rules.reminder_trigger(campaign.launched_event_id, offset_days),
    )


def decide(trigger: Trigger, facts: Facts) -> list[Notice]:
    """The notices an event calls for right away (reminders are decided when they fall due)."""
    d = trigger.data
    campaign_id = d.get("campaign_id")
    decided = _DECIDERS.get(trigger.name)
    if decided is None or campaign_id is None:
        return []
    rule, unit_ids, values = decided(d, facts)
    if not unit_ids or not facts.rules(campaign_id).enabled(rule):
        return []
    campaign = facts.campaign(campaign_id)
    values = {"campaign_title": campaign.title if campaign else campaign_id, **values}
    targets = [facts.unit(u) for u in unit_ids]
    if trigger.name in NOTICE_DATA:
        trigger = replace(trigger, data={k: d[k] for k in NOTICE_DATA[trigger.name] if k in d})
    return fan_out(rule, trigger, campaign_id, targets, values, facts.subscribers())


NOTICE_DATA = {
    "vote_round_closed": (
        *("campaign_id", "block_id", "round_id", "outcome", "winner", "reason"),
        *("voters", "eligible", "quorum_met", "rejected", "min_voters", "tally"),
    ),
}
"""The event fields a notice carries, where not all: a vote result says outcome, turnout and tally, never ballots."""


Decided = tuple[str, list[str], dict[str, object]]


def _secretariat(d: Mapping[str, Any], facts: Facts) -> list[str]:
    campaign = facts.campaign(d["campaign_id"])
    return [campaign.secretariat_unit_id] if campaign else []


def _late_registration(d: Mapping[str, Any], facts: Facts) -> Decided:
    if not d.get("late"):
        return rules.LATE_REGISTRATION, [], {}
    campaign = facts.campaign(d["campaign_id"])
    when = datetime.fromisoformat(str(d["registered_at"])).astimezone(rules.VIETNAM).date()
    values: dict[str, object] = {
        "subject_unit_name": facts.unit(d["unit_id"]).name,
        "when": templates.vn_date(when),
        "deadline": templates.vn_date(campaign.registration_deadline) if campaign else "",
    }
    return rules.LATE_REGISTRATION, _secretariat(d, facts), values


def _late_report(d: Mapping[str, Any], facts: Facts) -> Decided:
    if not d.get("late"):
        return rules.LATE_REPORT, [], {}
    values = {
        "subject_unit_name": facts.unit(d["unit_id"]).name,
        "achievement_id": d["achievement_id"],
        "description": d["description"],
    }
    return rules.LATE_REPORT, _secretariat(d, facts), values


def _members(d: Mapping[str, Any], facts: Facts, extra: Sequence[str] = ()) -> list[str]:
    known = facts.block_members(d["campaign_id"], d["block_id"])
    return sorted(set(known) | set(extra))


def _vote_opened(d: Mapping[str, Any], facts: Facts) -> Decided:
    values = {
        "block_name": facts.block_name(d["campaign_id"], d["block_id"]),
        "round_id": d["round_id"],
        "candidates": ", ".join(facts.unit(u).name for u in d["candidates"]),
    }
    return rules.VOTE_OPENED, _members(d, facts, d.get("eligible_voters", [])), values


def _vote_result(d: Mapping[str, Any], facts: Facts) -> Decided:
    """Outcome, winner, turnout and (when the round published it) the tally; to every member of the block."""
    tally: dict[str, int] | None = d["tally"]
    outcome = templates.OUTCOMES[d["outcome"]]
    if d["outcome"] == "elected" and d.get("winner"):
        outcome = outcome.replace("$winner", facts.unit(d["winner"]).name)
    if tally is None:
        counts = templates.TALLY_WITHHELD
    else:
        ranked = sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))
        counts = "; ".join(f"{facts.unit(u).name}: {n}" for u, n in ranked) or "không có"
    values = {
        "block_name": facts.block_name(d["campaign_id"], d["block_id"]),
        "round_id": d["round_id"],
        "outcome": outcome,
        "tally": counts,
        "voters": d["voters"],
        "eligible": d["eligible"],
    }
    return rules.VOTE_RESULT, _members(d, facts), values


def _award_decided(d: Mapping[str, Any], facts: Facts) -> Decided:
    unit = facts.unit(d["unit_id"])
    values = {
        "award": templates.award_name(d["award"]),
        "decision": "chấp thuận" if d["approved"] else "không chấp thuận",
        "beneficiary": f"{d['person']} ({unit.name})" if d.get("person") else unit.name,
        "votes_for": d["votes_for"],
        "votes_against": d["votes_against"],
        "reason": d["reason"],
    }
    return rules.AWARD_DECIDED, [d["unit_id"]], values


def _achievement_rejected(d: Mapping[str, Any], facts: Facts) -> Decided:
    values: dict[str, object] = {"achievement_id": d["achievement_id"], "reason": d["reason"]}
    return rules.ACHIEVEMENT_REJECTED, [d["unit_id"]], values


def _model_stage(step: str) -> Callable[[Mapping[str, Any], Facts], Decided]:
    """A stage of an exemplary model, to its unit (and, for a spread, to the units that adopted it)."""
    stage, what, details = templates.MODEL_STAGES[step]

    def decided(d: Mapping[str, Any], facts: Facts) -> Decided:
        unit = facts.unit(d["unit_id"])
        adopters = d.get("adopters", [])
        fields = {
            **d,
            "done_on": templates.vn_date(date.fromisoformat(str(d["done_on"]))) if "done_on" in d else "",
            "adopters": "; ".join(f"{facts.unit(a['unit_id']).name}: {a['outcome']}" for a in adopters),
        }
        values: dict[str, object] = {
            "title": d["title"],
            "stage": stage,
            "what": what.substitute(fields),
            "details": details.substitute(fields),
            "beneficiary": f"{d['person']} ({unit.name})" if d.get("person") else unit.name,
        }
        return rules.EXEMPLARY_MODEL, sorted({d["unit_id"], *(a["unit_id"] for a in adopters)}), values

    return decided


def _late_review(d: Mapping[str, Any], facts: Facts) -> Decided:
    """A first submission after the review's due date (a late resubmission says nothing new)."""
    if not d.get("late"):
        return rules.LATE_REVIEW, [], {}
    submitted = datetime.fromisoformat(str(d["submitted_at"])).astimezone(rules.VIETNAM).date()
    values: dict[str, object] = {
        "subject_unit_name": facts.unit(d["unit_id"]).name,
        "review_name": templates.REVIEW_NAMES[d["review"]],
        "when": templates.vn_date(submitted),
        "days_late": d["days_late"],
        "deadline": templates.vn_date(submitted - timedelta(days=int(d["days_late"]))),
    }
    return rules.LATE_REVIEW, _secretariat(d, facts), values


_DECIDERS = {
    "emulation_registered": _late_registration,
    "achievement_reported": _late_report,
    "vote_round_opened": _vote_opened,
    "vote_round_closed": _vote_result,
    "award_decided": _award_decided,
    "achievement_rejected": _achievement_rejected,
    **{f"exemplary_model_{step}": _model_stage(step) for step in templates.MODEL_STAGES},
    "review_submitted": _late_review,
}
TRIGGER_EVENTS = tuple(_DECIDERS)
