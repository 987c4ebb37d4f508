"""Notification contracts: subscriptions and the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.events.base import CommandType, Contract, EventType
from shared.events.types import LongText, Slug

SERVICE = "notification"
Channel = Literal["email", "webhook", "nats"]


class SubscriptionRegistered(Contract):
    """A city system's webhook; its secret is never on the wire."""

    subscription_id: Slug
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list)
    unit_id: Slug | None = None


class NotificationScheduled(Contract):
    notification_id: str
    campaign_id: Slug | None = None
    rule: Slug
    trigger_event_id: str
    recipient: str
    channel: Channel
    due_at: datetime


class NotificationSent(Contract):
    notification_id: str
    campaign_id: Slug | None = None
    recipient: str
    channel: Channel
    attempt: int


class NotificationFailed(Contract):
    notification_id: str
    campaign_id: Slug | None = None
    recipient: str
    channel: Channel
    attempts: int
    error: LongText
    dead: bool


EVENTS = [
    EventType("subscription_registered", 1, SubscriptionRegistered, SERVICE),
    EventType("notification_scheduled", 1, NotificationScheduled, SERVICE),
    EventType("notification_sent", 1, NotificationSent, SERVICE),
    EventType("notification_failed", 1, NotificationFailed, SERVICE),
]
COMMANDS: list[CommandType] = []
