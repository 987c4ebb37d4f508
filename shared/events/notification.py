"""Notification contracts: subscriptions, per-campaign rule settings and the delivery log.

A notice is identified by `notification_id` = uuid5(rule, triggering event id, recipient, channel):
the same id travels on every channel (webhook `X-Notification-Id`, e-mail `Message-ID`, NATS
`Nats-Msg-Id`), so a receiver can drop a repeat. See docs/contract/notification.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.events.base import Command, CommandType, Contract, EventType
from shared.events.types import LongText, Slug

SERVICE = "notification"
Channel = Literal["email", "webhook", "nats"]
NOTIFICATIONS_STREAM = "NOTIFICATIONS"
NOTIFICATIONS_PREFIX = "emulation.notifications"


def notification_subject(unit_id: str) -> str:
    """`emulation.notifications.<unit_id>`: where city systems read a unit's notices (stream NOTIFICATIONS)."""
    return f"{NOTIFICATIONS_PREFIX}.{unit_id}"


class SubscriptionRegistered(Contract):
    """A city system's webhook; its secret is never on the wire."""

    subscription_id: Slug
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list)
    """Rule names (`vote-opened`) or triggering event names (`award_decided`); empty means every notice."""
    unit_id: Slug | None = None
    """Only notices for this unit (None: notices for every unit)."""


class NotificationRulesConfigured(Contract):
    """A campaign's rule settings, in full: rules switched off and reminder offsets (days before the deadline)."""

    campaign_id: Slug
    disabled_rules: list[Slug] = Field(default_factory=list)
    reminder_offsets_days: list[int] = Field(default_factory=list)


class NotificationScheduled(Contract):
    notification_id: str
    campaign_id: Slug | None = None
    rule: Slug
    trigger_event_id: str
    unit_id: Slug
    """The unit the notice is for."""
    recipient: str
    """Where it goes: an e-mail address, `subscription:<id>` or a NATS subject."""
    channel: Channel
    due_at: datetime


class NotificationSent(Contract):
    notification_id: str
    campaign_id: Slug | None = None
    rule: Slug
    unit_id: Slug
    recipient: str
    channel: Channel
    attempt: int


class NotificationFailed(Contract):
    notification_id: str
    campaign_id: Slug | None = None
    rule: Slug
    unit_id: Slug
    recipient: str
    channel: Channel
    attempts: int
    error: LongText
    dead: bool
    """True when no further attempt will be made (the dead-letter record)."""


class RegisterSubscription(Command):
    """Register a city system's webhook: notices matching `event_types` are POSTed, signed with `secret`."""

    subscription_id: Slug
    url: str = Field(max_length=2000, pattern=r"^https?://")
    secret: str = Field(min_length=16, max_length=200)
    event_types: list[str] = Field(default_factory=list, max_length=50)
    unit_id: Slug | None = None


class ConfigureNotificationRules(Command):
    """Set a campaign's rules: those listed in `disabled_rules` are off; reminders at `reminder_offsets_days`."""

    campaign_id: Slug
    disabled_rules: list[Slug] = Field(default_factory=list, max_length=20)
    reminder_offsets_days: list[int] = Field(default_factory=lambda: [7, 1], max_length=10)


EVENTS = [
    EventType("subscription_registered", 1, SubscriptionRegistered, SERVICE),
    EventType("notification_rules_configured", 1, NotificationRulesConfigured, SERVICE),
    EventType("notification_scheduled", 1, NotificationScheduled, SERVICE),
    EventType("notification_sent", 1, NotificationSent, SERVICE),
    EventType("notification_failed", 1, NotificationFailed, SERVICE),
]
COMMANDS = [
    CommandType("register_subscription", RegisterSubscription, SERVICE),
    CommandType("configure_notification_rules", ConfigureNotificationRules, SERVICE),
]
