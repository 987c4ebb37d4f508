"""The notifier's view: the registry facts, its own rule settings and subscriptions, and the notices it decides.

One view, so one transaction per batch: an event's facts, the notices it triggers (decided by the notice
policy in `services/notification/domain`) and their place in the dispatch queue (`queue.py`) commit together
with the stream position. A redelivered event decides nothing twice, and a notice is decided from the facts
as they stood at its event (a vote's notice goes to the block's members at that point of the stream).
The dispatcher turns due reminder slots into notices here (`decide_due_reminders`) and takes due notices
from the queue.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from eventsourcing.persistence import InfrastructureFactory

from services.notification.adapters import queue
from services.notification.adapters.queue import DispatchQueue
from services.notification.domain import rules
from services.notification.domain.notices import (
    TRIGGER_EVENTS,
    CampaignFacts,
    Subscriber,
    Target,
    Trigger,
    decide,
    reminder_notices,
)
from services.notification.domain.reviews import ReviewFacts, review_reminder_notices
from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, dumps
from shared.projections.registry_facts import DDL as FACTS_DDL
from shared.projections.registry_facts import RegistryFacts, Within


class NotifierState(RegistryFacts):
    name = "notification-state"
    remembers = True  # commands naming registry events in `after` wait until they are here
    ddl = (
        *FACTS_DDL,
        "CREATE TABLE IF NOT EXISTS {rule_settings} (campaign_id TEXT PRIMARY KEY, disabled TEXT NOT NULL, "
        "offsets TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {subscriptions} (subscription_id TEXT PRIMARY KEY, event_types TEXT NOT NULL, "
        "unit_id TEXT)",
        "CREATE TABLE IF NOT EXISTS {reviews} (campaign_id TEXT NOT NULL, review TEXT NOT NULL, due_on TEXT NOT NULL, "
        "scheduled_event_id TEXT NOT NULL, PRIMARY KEY (campaign_id, review))",
        "CREATE TABLE IF NOT EXISTS {review_submitters} (campaign_id TEXT NOT NULL, review TEXT NOT NULL, "
        "unit_id TEXT NOT NULL, PRIMARY KEY (campaign_id, review, unit_id))",
        *queue.DDL,
    )
    operational = queue.OPERATIONAL

    def __init__(self, factory: InfrastructureFactory[Any]) -> None:
        super().__init__(factory)
        self.queue = DispatchQueue(self)

    def handlers(self) -> dict[str, Handler]:
        triggers = {name: self.on_trigger for name in TRIGGER_EVENTS}
        return (
            super().handlers()
            | triggers
            | {
                "campaign_launched": self.on_campaign_launched,
                "campaign_amended": self.on_campaign_amended,
                "emulation_registered": self.on_emulation_registered,
                "notification_rules_configured": self.on_rules_configured,
                "subscription_registered": self.on_subscription_registered,
                "review_scheduled": self.on_review_scheduled,
                "review_submitted": self.on_review_submitted,
            }
        )

    # ---- facts, and what they decide ----------------------------------------------------------------

    def on_campaign_launched(self, c: Any, e: CloudEvent, seq: int) -> None:
        super().on_campaign_launched(c, e, seq)
        self.plan_reminders(c, e.data["campaign_id"], date.fromisoformat(e.data["registration_deadline"]))

    def on_campaign_amended(self, c: Any, e: CloudEvent, seq: int) -> None:
        super().on_campaign_amended(c, e, seq)
        self.plan_reminders(c, e.data["campaign_id"])

    def on_emulation_registered(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.on_emulation_registration(c, e, seq)
        self.on_trigger(c, e, seq)

    def on_rules_configured(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {rule_settings} (campaign_id, disabled, offsets) VALUES (?, ?, ?) "
            "ON CONFLICT (campaign_id) DO UPDATE SET disabled = excluded.disabled, offsets = excluded.offsets",
            (d["campaign_id"], dumps(d["disabled_rules"]), dumps(d["reminder_offsets_days"])),
        )
        self.plan_reminders(c, d["campaign_id"])
        for review in NoticeFacts(self, c).reviews(d["campaign_id"]):
            self.plan_review_reminders(c, review)

    def on_review_scheduled(self, c: Any, e: CloudEvent, seq: int) -> None:
        """A review's (new) due date: its reminders are planned afresh, triggered by this event."""
        d = e.data
        self.execute(
            c,
            "INSERT INTO {reviews} (campaign_id, review, due_on, scheduled_event_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (campaign_id, review) DO UPDATE SET due_on = excluded.due_on, "
            "scheduled_event_id = excluded.scheduled_event_id",
            (d["campaign_id"], d["review"], d["due_on"], e.id),
        )
        self.plan_review_reminders(c, ReviewFacts(d["campaign_id"], d["review"], date.fromisoformat(d["due_on"]), e.id))

    def on_review_submitted(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {review_submitters} (campaign_id, review, unit_id) VALUES (?, ?, ?) "
            "ON CONFLICT (campaign_id, review, unit_id) DO NOTHING",
            (d["campaign_id"], d["review"], d["unit_id"]),
        )
        self.on_trigger(c, e, seq)

    def on_subscription_registered(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {subscriptions} (subscription_id, event_types, unit_id) VALUES (?, ?, ?) "
            "ON CONFLICT (subscription_id) DO NOTHING",
            (d["subscription_id"], dumps(d.get("event_types", [])), d.get("unit_id")),
        )

    def on_trigger(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.queue.add(c, decide(Trigger(e.id, e.event_name, e.time, e.data), NoticeFacts(self, c)))

    def plan_reminders(self, c: Any, campaign_id: str, deadline: date | None = None) -> None:
        """(Re)plan the campaign's reminder slots from its deadline (read from the facts unless given) and settings."""
        facts = NoticeFacts(self, c)
        if deadline is None:
            campaign = facts.campaign(campaign_id)
            if campaign is None:
                return
            deadline = campaign.registration_deadline
        self.queue.plan(c, campaign_id, rules.reminder_slots(deadline, facts.rules(campaign_id)))

    def plan_review_reminders(self, c: Any, review: ReviewFacts) -> None:
        """(Re)plan a review's reminder slots from its due date and the campaign's reminder offsets."""
        slots = rules.reminder_slots(review.due_on, NoticeFacts(self, c).rules(review.campaign_id))
        self.queue.plan_review(c, review.campaign_id, review.review, slots)

    # ---- the dispatcher's --------------------------------------------------------------------------

    def decide_due_reminders(self, now: datetime) -> int:
        """Turn reminder slots due by `now` into notices to the units not yet registered; returns notices made.

        `now` is the moment the state is known to hold every fact published before (see the dispatcher), so a
        slot is decided from facts at least as new as the slot."""
        made = 0
        with self.datastore.transaction(commit=True) as c:
            facts = NoticeFacts(self, c)
            for campaign_id, offsets in self.queue.due_slots(c, now).items():
                campaign = facts.campaign(campaign_id)
                deadline = campaign.registration_deadline if campaign else None
                due = rules.due_reminders(deadline, facts.rules(campaign_id), offsets, now)
                if campaign is not None and due.send is not None:
                    at = rules.reminder_due_at(campaign.registration_deadline, due.send)
                    notices = reminder_notices(campaign, due.send, facts.awaiting_registration(campaign_id), facts, at)
                    self.queue.add(c, notices)
                    made += len(notices)
                self.queue.settle_slots(c, campaign_id, due.slots)
            for (campaign_id, kind), offsets in self.queue.due_review_slots(c, now).items():
                made += self.decide_review_slots(c, facts, campaign_id, kind, offsets, now)
        return made

    def decide_review_slots(
        self, c: Any, facts: NoticeFacts, campaign_id: str, kind: str, offsets: list[int], now: datetime
    ) -> int:
        """A review's due slots: the latest one's reminder to the members that have not submitted (as registration
        reminders are decided); returns the notices made."""
        campaign, review = facts.campaign(campaign_id), facts.review(campaign_id, kind)
        due_on = review.due_on if review is not None and campaign is not None else None
        due = rules.due_reminders(due_on, facts.rules(campaign_id), offsets, now, rules.REVIEW_REMINDER)
        notices = []
        if campaign is not None and review is not None and due.send is not None:
            at = rules.reminder_due_at(review.due_on, due.send)
            notices = review_reminder_notices(campaign, review, due.send, facts.awaiting_review(review), facts, at)
            self.queue.add(c, notices)
        self.queue.settle_review_slots(c, campaign_id, kind, due.slots)
        return len(notices)

    def secretariat(self, campaign_id: str) -> str | None:
        """The campaign's secretariat unit as far as the stream has told (None: campaign not known yet)."""
        campaign = self.campaign(campaign_id)
        return str(campaign["secretariat_unit_id"]) if campaign else None


class NoticeFacts:
    """The notice policy's `Facts` (services/notification/domain/notices.py), read inside the transaction of `c`."""

    def __init__(self, view: NotifierState, c: Any) -> None:
        self.registry: Within = view.within(c)

    def rules(self, campaign_id: str) -> rules.CampaignRules:
        rows = self.registry.rows("SELECT disabled, offsets FROM {rule_settings} WHERE campaign_id = ?", (campaign_id,))
        if not rows:
            return rules.CampaignRules()
        return rules.CampaignRules(frozenset(json.loads(rows[0]["disabled"])), tuple(json.loads(rows[0]["offsets"])))

    def campaign(self, campaign_id: str) -> CampaignFacts | None:
        found = self.registry.campaign(campaign_id)
        launched = self.registry.launch_event(campaign_id)
        if found is None or launched is None:
            return None
        deadline = date.fromisoformat(str(found["registration_deadline"]))
        return CampaignFacts(campaign_id, str(found["title"]), deadline, str(found["secretariat_unit_id"]), launched)

    def unit(self, unit_id: str) -> Target:
        found = self.registry.unit(unit_id)
        return Target(unit_id, found["name"], found["email"]) if found else Target(unit_id, unit_id)

    def block_members(self, campaign_id: str, block_id: str) -> list[str]:
        return self.registry.members(campaign_id, block_id)

    def block_name(self, campaign_id: str, block_id: str) -> str:
        block = self.registry.block(campaign_id, block_id)
        return str(block["name"]) if block else block_id

    def subscribers(self) -> list[Subscriber]:
        rows = self.registry.rows("SELECT * FROM {subscriptions} ORDER BY subscription_id")
        return [Subscriber(r["subscription_id"], tuple(json.loads(r["event_types"])), r["unit_id"]) for r in rows]

    def awaiting_registration(self, campaign_id: str) -> list[Target]:
        """The targets of the campaign's registration reminder (`rules.awaiting_registration`)."""
        registry = self.registry
        settled = registry.registered(campaign_id) + registry.withdrawn(campaign_id)
        members = registry.members(campaign_id)
        known = [] if members else registry.unit_ids()
        return [self.unit(u) for u in rules.awaiting_registration(members, known, settled)]

    def reviews(self, campaign_id: str) -> list[ReviewFacts]:
        rows = self.registry.rows("SELECT * FROM {reviews} WHERE campaign_id = ? ORDER BY review", (campaign_id,))
        return [_review(r) for r in rows]

    def review(self, campaign_id: str, review: str) -> ReviewFacts | None:
        rows = self.registry.rows("SELECT * FROM {reviews} WHERE campaign_id = ? AND review = ?", (campaign_id, review))
        return _review(rows[0]) if rows else None

    def awaiting_review(self, review: ReviewFacts) -> list[Target]:
        """The targets of a review reminder (`rules.awaiting_review`)."""
        rows = self.registry.rows(
            "SELECT unit_id FROM {review_submitters} WHERE campaign_id = ? AND review = ?",
            (review.campaign_id, review.review),
        )
        members = self.registry.members(review.campaign_id)
        return [self.unit(u) for u in rules.awaiting_review(members, [r["unit_id"] for r in rows])]


def _review(row: dict[str, Any]) -> ReviewFacts:
    return ReviewFacts(row["campaign_id"], row["review"], date.fromisoformat(row["due_on"]), row["scheduled_event_id"])
