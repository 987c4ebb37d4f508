"""The dispatch queue: reminder slots, decided notices and their status, and the dispatcher's scan marks.

Its tables live in the notifier's view (`NotifierState`), so a notice decided from an event is queued in
the transaction that applies the event. The dispatcher takes due notices from here and marks each with
its outcome; the event store stays the truth about deliveries (a notice marked pending that the store
says was sent is not sent again).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from services.notification.domain.notices import Notice
from shared.infra.views import View, dumps

DDL = (
    "CREATE TABLE IF NOT EXISTS {reminders} (campaign_id TEXT NOT NULL, offset_days INTEGER NOT NULL, "
    "due_at TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (campaign_id, offset_days))",
    "CREATE TABLE IF NOT EXISTS {review_reminders} (campaign_id TEXT NOT NULL, review TEXT NOT NULL, "
    "offset_days INTEGER NOT NULL, due_at TEXT NOT NULL, status TEXT NOT NULL, "
    "PRIMARY KEY (campaign_id, review, offset_days))",
    "CREATE TABLE IF NOT EXISTS {notices} (notification_id TEXT PRIMARY KEY, rule TEXT NOT NULL, "
    "trigger_event_id TEXT NOT NULL, trigger_type TEXT NOT NULL, campaign_id TEXT, unit_id TEXT NOT NULL, "
    "channel TEXT NOT NULL, recipient TEXT NOT NULL, subscription_id TEXT, due_at TEXT NOT NULL, "
    "wait_until TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, data TEXT NOT NULL, status TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS notices_due ON {notices} (status, wait_until)",
    "CREATE TABLE IF NOT EXISTS {dispatcher} (id INTEGER PRIMARY KEY, scanned_until TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {freshness} (id INTEGER PRIMARY KEY, checked_at TEXT NOT NULL, facts_as_of TEXT)",
)
OPERATIONAL = ("reminders", "review_reminders", "notices", "dispatcher", "freshness")
"""The dispatcher writes these as it works, not only the stream: replay checksums leave them out."""


def utc(moment: datetime) -> str:
    """A sortable UTC timestamp (string comparison is time comparison)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class DispatchQueue:
    """The queue's tables in `view`'s store. Methods taking `c` write inside the transaction being applied."""

    def __init__(self, view: View) -> None:
        self.view = view

    # ---- inside a transaction ------------------------------------------------------------------

    def plan(self, c: Any, campaign_id: str, slots: Iterable[tuple[int, datetime]]) -> None:
        """(Re)plan the campaign's pending reminder slots; those already decided, superseded or skipped stay."""
        self.view.execute(c, "DELETE FROM {reminders} WHERE campaign_id = ? AND status = 'pending'", (campaign_id,))
        for offset, due in slots:
            self.view.execute(
                c,
                "INSERT INTO {reminders} (campaign_id, offset_days, due_at, status) VALUES (?, ?, ?, 'pending') "
                "ON CONFLICT (campaign_id, offset_days) DO NOTHING",
                (campaign_id, offset, utc(due)),
            )

    def due_slots(self, c: Any, now: datetime) -> dict[str, list[int]]:
        """Campaign → the offsets of its pending reminder slots due by `now`."""
        self.view.execute(
            c,
            "SELECT campaign_id, offset_days FROM {reminders} WHERE status = 'pending' AND due_at <= ? "
            "ORDER BY campaign_id",
            (utc(now),),
        )
        due: dict[str, list[int]] = {}
        for row in c.fetchall():
            due.setdefault(row["campaign_id"], []).append(int(row["offset_days"]))
        return due

    def settle_slots(self, c: Any, campaign_id: str, statuses: dict[int, str]) -> None:
        for offset, status in statuses.items():
            self.view.execute(
                c,
                "UPDATE {reminders} SET status = ? WHERE campaign_id = ? AND offset_days = ?",
                (status, campaign_id, offset),
            )

    def plan_review(self, c: Any, campaign_id: str, review: str, slots: Iterable[tuple[int, datetime]]) -> None:
        """(Re)plan a review's pending reminder slots, as `plan` does the registration's."""
        key = (campaign_id, review)
        self.view.execute(
            c, "DELETE FROM {review_reminders} WHERE campaign_id = ? AND review = ? AND status = 'pending'", key
        )
        for offset, due in slots:
            self.view.execute(
                c,
                "INSERT INTO {review_reminders} (campaign_id, review, offset_days, due_at, status) "
                "VALUES (?, ?, ?, ?, 'pending') ON CONFLICT (campaign_id, review, offset_days) DO NOTHING",
                (*key, offset, utc(due)),
            )

    def due_review_slots(self, c: Any, now: datetime) -> dict[tuple[str, str], list[int]]:
        """(Campaign, review) → the offsets of its pending reminder slots due by `now`."""
        self.view.execute(
            c,
            "SELECT campaign_id, review, offset_days FROM {review_reminders} WHERE status = 'pending' AND due_at <= ? "
            "ORDER BY campaign_id, review",
            (utc(now),),
        )
        due: dict[tuple[str, str], list[int]] = {}
        for row in c.fetchall():
            due.setdefault((row["campaign_id"], row["review"]), []).append(int(row["offset_days"]))
        return due

    def settle_review_slots(self, c: Any, campaign_id: str, review: str, statuses: dict[int, str]) -> None:
        for offset, status in statuses.items():
            self.view.execute(
                c,
                "UPDATE {review_reminders} SET status = ? WHERE campaign_id = ? AND review = ? AND offset_days = ?",
                (status, campaign_id, review, offset),
            )

    def add(self, c: Any, notices: Iterable[Notice]) -> None:
        """Queue notices as pending; one already queued (same stable id) stays as it is."""
        for n in notices:
            self.view.execute(
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

    # ---- the dispatcher's own transactions ----------------------------------------------------

    def due(self, now: datetime, limit: int = 100) -> list[Notice]:
        """Pending notices due by `now`, the longest waiting first."""
        rows = self.view.query(
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
        """The notice's outcome as the event store has it (`sent` or `dead`): it is no longer due."""
        with self.view.datastore.transaction(commit=True) as c:
            self.view.execute(c, "UPDATE {notices} SET status = ? WHERE notification_id = ?", (status, notification_id))

    def mark_scanned(self, now: datetime, decided_until: datetime | None) -> None:
        """Record a scan at `now` that dealt with every notice and reminder due by `decided_until` (tests wait on
        this), and how new its facts were: a `facts_as_of` far behind `checked_at` means reminders are waiting
        for the state to catch up with the stream."""
        with self.view.datastore.transaction(commit=True) as c:
            if decided_until is not None:
                self.view.execute(
                    c,
                    "INSERT INTO {dispatcher} (id, scanned_until) VALUES (1, ?) "
                    "ON CONFLICT (id) DO UPDATE SET scanned_until = excluded.scanned_until",
                    (utc(decided_until),),
                )
            self.view.execute(
                c,
                "INSERT INTO {freshness} (id, checked_at, facts_as_of) VALUES (1, ?, ?) ON CONFLICT (id) "
                "DO UPDATE SET checked_at = excluded.checked_at, facts_as_of = excluded.facts_as_of",
                (utc(now), utc(decided_until) if decided_until is not None else None),
            )

    def scanned_until(self) -> datetime | None:
        rows = self.view.query("SELECT scanned_until FROM {dispatcher} WHERE id = 1")
        return from_utc(rows[0]["scanned_until"]) if rows else None
