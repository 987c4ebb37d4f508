"""The notifier's own state, built from the stream: what it knows to decide notices, and the notices decided.

Every event is applied together with the stream position in one transaction (see `View`), so a
redelivered event decides nothing twice; notices are keyed by their stable id besides. The
dispatcher reads due notices from here and expands reminders when they fall due.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from services.notification.domain import rules
from services.notification.domain.notices import (
    CampaignFacts,
    Notice,
    Subscriber,
    Target,
    Trigger,
    decide,
    reminder_notices,
)
from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View, dumps


def utc(moment: datetime) -> str:
    """A sortable UTC timestamp (string comparison is time comparison)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class NotifierState(View):
    name = "notification-state"
    operational = ("reminders", "notices", "dispatcher", "freshness")  # the dispatcher's working state
    ddl = (
        "CREATE TABLE IF NOT EXISTS {campaigns} (campaign_id TEXT PRIMARY KEY, title TEXT NOT NULL, "
        "deadline TEXT NOT NULL, secretariat TEXT NOT NULL, launched_event_id TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {rule_settings} (campaign_id TEXT PRIMARY KEY, disabled TEXT NOT NULL, "
        "offsets TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {units} (unit_id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT)",
        "CREATE TABLE IF NOT EXISTS {blocks} (campaign_id TEXT NOT NULL, block_id TEXT NOT NULL, name TEXT NOT NULL, "
        "PRIMARY KEY (campaign_id, block_id))",
        "CREATE TABLE IF NOT EXISTS {members} (campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
        "block_id TEXT NOT NULL, PRIMARY KEY (campaign_id, unit_id))",
        "CREATE TABLE IF NOT EXISTS {withdrawn} (campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
        "PRIMARY KEY (campaign_id, unit_id))",
        "CREATE TABLE IF NOT EXISTS {registrations} (campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
        "PRIMARY KEY (campaign_id, unit_id))",
        "CREATE TABLE IF NOT EXISTS {subscriptions} (subscription_id TEXT PRIMARY KEY, event_types TEXT NOT NULL, "
        "unit_id TEXT)",
        "CREATE TABLE IF NOT EXISTS {reminders} (campaign_id TEXT NOT NULL, offset_days INTEGER NOT NULL, "
        "due_at TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (campaign_id, offset_days))",
        "CREATE TABLE IF NOT EXISTS {notices} (notification_id TEXT PRIMARY KEY, rule TEXT NOT NULL, "
        "trigger_event_id TEXT NOT NULL, trigger_type TEXT NOT NULL, campaign_id TEXT, unit_id TEXT NOT NULL, "
        "channel TEXT NOT NULL, recipient TEXT NOT NULL, subscription_id TEXT, due_at TEXT NOT NULL, "
        "wait_until TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, data TEXT NOT NULL, status TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS notices_due ON {notices} (status, wait_until)",
        "CREATE TABLE IF NOT EXISTS {dispatcher} (id INTEGER PRIMARY KEY, scanned_until TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {freshness} (id INTEGER PRIMARY KEY, checked_at TEXT NOT NULL, facts_as_of TEXT)",
    )

    def handlers(self) -> dict[str, Handler]:
        return {
            "campaign_launched": self.on_campaign_launched,
            "campaign_amended": self.on_campaign_amended,
            "notification_rules_configured": self.on_rules_configured,
            "subscription_registered": self.on_subscription_registered,
            "unit_registered": self.on_unit_registered,
            "unit_renamed": self.on_unit_renamed,
            "block_defined": self.on_block_defined,
            "unit_assigned_to_block": self.on_unit_assigned,
            "unit_withdrawn": self.on_unit_withdrawn,
            "emulation_registered": self.on_emulation_registered,
            "achievement_reported": self.on_trigger,
            "achievement_rejected": self.on_trigger,
            "vote_round_opened": self.on_trigger,
            "vote_round_closed": self.on_trigger,
            "award_decided": self.on_trigger,
        }

    # --- facts from the stream ---------------------------------------------------------------

    def on_campaign_launched(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {campaigns} (campaign_id, title, deadline, secretariat, launched_event_id) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (campaign_id) DO NOTHING",
            (d["campaign_id"], d["title"], d["registration_deadline"], d["secretariat_unit_id"], e.id),
        )
        self.schedule_reminders(c, d["campaign_id"])

    def on_campaign_amended(self, c: Any, e: CloudEvent, seq: int) -> None:
        changes = e.data["changes"]
        columns = {"title": "title", "registration_deadline": "deadline", "secretariat_unit_id": "secretariat"}
        for key, column in columns.items():
            if key in changes:
                self.execute(
                    c,
                    f"UPDATE {{campaigns}} SET {column} = ? WHERE campaign_id = ?",
                    (str(changes[key]), e.data["campaign_id"]),
                )
        self.schedule_reminders(c, e.data["campaign_id"])

    def on_rules_configured(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {rule_settings} (campaign_id, disabled, offsets) VALUES (?, ?, ?) "
            "ON CONFLICT (campaign_id) DO UPDATE SET disabled = excluded.disabled, offsets = excluded.offsets",
            (d["campaign_id"], dumps(d["disabled_rules"]), dumps(d["reminder_offsets_days"])),
        )
        self.schedule_reminders(c, d["campaign_id"])

    def on_subscription_registered(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {subscriptions} (subscription_id, event_types, unit_id) VALUES (?, ?, ?) "
            "ON CONFLICT (subscription_id) DO NOTHING",
            (d["subscription_id"], dumps(d.get("event_types", [])), d.get("unit_id")),
        )

    def on_unit_registered(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {units} (unit_id, name, email) VALUES (?, ?, ?) "
            "ON CONFLICT (unit_id) DO UPDATE SET name = excluded.name, email = excluded.email",
            (d["unit_id"], d["name"], d.get("email")),
        )

    def on_unit_renamed(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(c, "UPDATE {units} SET name = ? WHERE unit_id = ?", (e.data["name"], e.data["unit_id"]))

    def on_block_defined(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {blocks} (campaign_id, block_id, name) VALUES (?, ?, ?) "
            "ON CONFLICT (campaign_id, block_id) DO UPDATE SET name = excluded.name",
            (d["campaign_id"], d["block_id"], d["name"]),
        )

    def on_unit_assigned(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {members} (campaign_id, unit_id, block_id) VALUES (?, ?, ?) "
            "ON CONFLICT (campaign_id, unit_id) DO UPDATE SET block_id = excluded.block_id",
            (d["campaign_id"], d["unit_id"], d["block_id"]),
        )

    def on_unit_withdrawn(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(c, "DELETE FROM {members} WHERE campaign_id = ? AND unit_id = ?", (d["campaign_id"], d["unit_id"]))
        self.execute(
            c,
            "INSERT INTO {withdrawn} (campaign_id, unit_id) VALUES (?, ?) ON CONFLICT (campaign_id, unit_id) DO NOTHING",
            (d["campaign_id"], d["unit_id"]),
        )

    def on_emulation_registered(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {registrations} (campaign_id, unit_id) VALUES (?, ?) "
            "ON CONFLICT (campaign_id, unit_id) DO NOTHING",
            (d["campaign_id"], d["unit_id"]),
        )
        self.on_trigger(c, e, seq)

    def on_trigger(self, c: Any, e: CloudEvent, seq: int) -> None:
        notices = decide(Trigger(e.id, e.event_name, e.time, e.data), CursorFacts(self, c))
        self.insert_notices(c, notices)

    # --- reminders and notices ---------------------------------------------------------------

    def schedule_reminders(self, c: Any, campaign_id: str) -> None:
        """(Re)plan the campaign's pending reminder slots from its deadline and offsets; decided ones stay."""
        facts = CursorFacts(self, c)
        campaign = facts.campaign(campaign_id)
        if campaign is None:
            return
        self.execute(c, "DELETE FROM {reminders} WHERE campaign_id = ? AND status = 'pending'", (campaign_id,))
        for offset in facts.rules(campaign_id).offsets_days:
            due = rules.reminder_due_at(campaign.registration_deadline, offset)
            self.execute(
                c,
                "INSERT INTO {reminders} (campaign_id, offset_days, due_at, status) VALUES (?, ?, ?, 'pending') "
                "ON CONFLICT (campaign_id, offset_days) DO NOTHING",
                (campaign_id, offset, utc(due)),
            )

    def insert_notices(self, c: Any, notices: Iterable[Notice]) -> None:
        for n in notices:
            self.execute(
                c,
                "INSERT INTO {notices} (notification_id, rule, trigger_event_id, trigger_type, campaign_id, unit_id, "
                "channel, recipient, subscription_id, due_at, wait_until, subject, body, data, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (notification_id) DO NOTHING",
                (
                    n.notification_id,
                    n.rule,
                    n.trigger_event_id,
                    n.trigger_type,
                    n.campaign_id,
                    n.unit_id,
                    n.channel,
                    n.recipient,
                    n.subscription_id,
                    utc(n.due_at),
                    utc(n.due_at) if n.scheduled else "",
                    n.subject,
                    n.body,
                    dumps(dict(n.data)),
                ),
            )

    def expand_due_reminders(self, now: datetime) -> int:
        """Turn reminder slots due by `now` into notices to the units not yet registered; returns notices made.

        `now` is the moment the state is known to hold every fact published before (see the dispatcher), so a
        slot is decided from facts at least as new as the slot."""
        made = 0
        with self.datastore.transaction(commit=True) as c:
            self.execute(
                c,
                "SELECT campaign_id, offset_days FROM {reminders} WHERE status = 'pending' AND due_at <= ? "
                "ORDER BY campaign_id",
                (utc(now),),
            )
            due: dict[str, list[int]] = {}
            for row in c.fetchall():
                due.setdefault(row["campaign_id"], []).append(int(row["offset_days"]))
            facts = CursorFacts(self, c)
            for campaign_id, offsets in due.items():
                campaign = facts.campaign(campaign_id)
                latest, superseded = rules.reminders_to_send(offsets)
                deadline_over = campaign is None or rules.deadline_passed(campaign.registration_deadline, now)
                if (
                    campaign is None
                    or deadline_over
                    or not facts.rules(campaign_id).enabled(rules.REGISTRATION_REMINDER)
                ):
                    self._mark_slots(c, campaign_id, offsets, "skipped")
                    continue
                assert latest is not None
                notices = reminder_notices(
                    campaign,
                    latest,
                    facts.unregistered(campaign_id),
                    facts,
                    rules.reminder_due_at(campaign.registration_deadline, latest),
                )
                self.insert_notices(c, notices)
                made += len(notices)
                self._mark_slots(c, campaign_id, [latest], "decided")
                self._mark_slots(c, campaign_id, superseded, "superseded")
        return made

    def _mark_slots(self, c: Any, campaign_id: str, offsets: list[int], status: str) -> None:
        for offset in offsets:
            self.execute(
                c,
                "UPDATE {reminders} SET status = ? WHERE campaign_id = ? AND offset_days = ?",
                (status, campaign_id, offset),
            )

    def secretariat(self, campaign_id: str) -> str | None:
        """The campaign's secretariat unit as far as the stream has told (None: campaign not known yet)."""
        rows = self.query("SELECT secretariat FROM {campaigns} WHERE campaign_id = ?", (campaign_id,))
        return str(rows[0]["secretariat"]) if rows else None

    def due_notices(self, now: datetime, limit: int = 100) -> list[Notice]:
        rows = self.query(
            "SELECT * FROM {notices} WHERE status = 'pending' AND wait_until <= ? "
            "ORDER BY wait_until, notification_id LIMIT ?",
            (utc(now), limit),
        )
        return [
            Notice(
                notification_id=r["notification_id"],
                rule=r["rule"],
                trigger_event_id=r["trigger_event_id"],
                trigger_type=r["trigger_type"],
                campaign_id=r["campaign_id"],
                unit_id=r["unit_id"],
                channel=r["channel"],
                recipient=r["recipient"],
                due_at=from_utc(r["due_at"]),
                subject=r["subject"],
                body=r["body"],
                data=json.loads(r["data"]),
                subscription_id=r["subscription_id"],
                scheduled=bool(r["wait_until"]),
            )
            for r in rows
        ]

    def mark(self, notification_id: str, status: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            self.execute(c, "UPDATE {notices} SET status = ? WHERE notification_id = ?", (status, notification_id))

    def mark_scanned(self, now: datetime, decided_until: datetime | None) -> None:
        """Record a scan at `now` that dealt with every notice and reminder due by `decided_until` (tests wait on
        this), and how new its facts were: a `facts_as_of` far behind `checked_at` means reminders are waiting
        for the state to catch up with the stream."""
        with self.datastore.transaction(commit=True) as c:
            if decided_until is not None:
                self.execute(
                    c,
                    "INSERT INTO {dispatcher} (id, scanned_until) VALUES (1, ?) "
                    "ON CONFLICT (id) DO UPDATE SET scanned_until = excluded.scanned_until",
                    (utc(decided_until),),
                )
            self.execute(
                c,
                "INSERT INTO {freshness} (id, checked_at, facts_as_of) VALUES (1, ?, ?) ON CONFLICT (id) "
                "DO UPDATE SET checked_at = excluded.checked_at, facts_as_of = excluded.facts_as_of",
                (utc(now), utc(decided_until) if decided_until is not None else None),
            )

    def scanned_until(self) -> datetime | None:
        rows = self.query("SELECT scanned_until FROM {dispatcher} WHERE id = 1")
        return from_utc(rows[0]["scanned_until"]) if rows else None


class CursorFacts:
    """`Facts` for the domain, read inside the current transaction."""

    def __init__(self, view: NotifierState, c: Any) -> None:
        self.view = view
        self.c = c

    def _rows(self, statement: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        self.view.execute(self.c, statement, params)
        return [dict(r) for r in self.c.fetchall()]

    def rules(self, campaign_id: str) -> rules.CampaignRules:
        rows = self._rows("SELECT disabled, offsets FROM {rule_settings} WHERE campaign_id = ?", (campaign_id,))
        if not rows:
            return rules.CampaignRules()
        return rules.CampaignRules(frozenset(json.loads(rows[0]["disabled"])), tuple(json.loads(rows[0]["offsets"])))

    def campaign(self, campaign_id: str) -> CampaignFacts | None:
        rows = self._rows("SELECT * FROM {campaigns} WHERE campaign_id = ?", (campaign_id,))
        if not rows:
            return None
        r = rows[0]
        return CampaignFacts(
            campaign_id, r["title"], date.fromisoformat(r["deadline"]), r["secretariat"], r["launched_event_id"]
        )

    def unit(self, unit_id: str) -> Target:
        rows = self._rows("SELECT name, email FROM {units} WHERE unit_id = ?", (unit_id,))
        return Target(unit_id, rows[0]["name"], rows[0]["email"]) if rows else Target(unit_id, unit_id)

    def block_members(self, campaign_id: str, block_id: str) -> list[str]:
        rows = self._rows(
            "SELECT unit_id FROM {members} WHERE campaign_id = ? AND block_id = ? ORDER BY unit_id",
            (campaign_id, block_id),
        )
        return [r["unit_id"] for r in rows]

    def block_name(self, campaign_id: str, block_id: str) -> str:
        rows = self._rows("SELECT name FROM {blocks} WHERE campaign_id = ? AND block_id = ?", (campaign_id, block_id))
        return rows[0]["name"] if rows else block_id

    def subscribers(self) -> list[Subscriber]:
        rows = self._rows("SELECT * FROM {subscriptions} ORDER BY subscription_id")
        return [Subscriber(r["subscription_id"], tuple(json.loads(r["event_types"])), r["unit_id"]) for r in rows]

    def unregistered(self, campaign_id: str) -> list[Target]:
        """The campaign's units (its block members, or every known unit before blocks exist) not yet registered."""
        members = self._rows("SELECT unit_id FROM {members} WHERE campaign_id = ?", (campaign_id,))
        pool = (
            [r["unit_id"] for r in members]
            if members
            else [r["unit_id"] for r in self._rows("SELECT unit_id FROM {units}")]
        )
        done = {
            r["unit_id"]
            for r in self._rows(
                "SELECT unit_id FROM {registrations} WHERE campaign_id = ? UNION "
                "SELECT unit_id FROM {withdrawn} WHERE campaign_id = ?",
                (campaign_id, campaign_id),
            )
        }
        return [self.unit(u) for u in sorted(set(pool) - done)]
