"""The notification service's aggregates: webhook subscriptions, campaign rule settings, deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_NS = uuid5(NAMESPACE_URL, "urn:emulation:notification")


class Subscription(Aggregate):
    """A city system's webhook. The secret signs every POST and never leaves this service."""

    @staticmethod
    def create_id(subscription_id: str) -> UUID:
        return uuid5(_NS, f"subscription:{subscription_id}")

    @event("Registered")
    def __init__(
        self, subscription_id: str, url: str, secret: str, event_types: list[str], unit_id: str | None
    ) -> None:
        self.subscription_id = subscription_id
        self.url = url
        self.secret = secret
        self.event_types = event_types
        self.unit_id = unit_id


class RuleSetting(Aggregate):
    """A campaign's notification settings (rules switched off, reminder offsets), replaced as a whole."""

    @staticmethod
    def create_id(campaign_id: str) -> UUID:
        return uuid5(_NS, f"rules:{campaign_id}")

    @event("Opened")
    def __init__(self, campaign_id: str) -> None:
        self.campaign_id = campaign_id
        self.disabled_rules: list[str] = []
        self.reminder_offsets_days: list[int] = []

    def configure(self, disabled_rules: list[str], reminder_offsets_days: list[int]) -> None:
        self._configured(self.campaign_id, disabled_rules, reminder_offsets_days)

    @event("Configured")
    def _configured(self, campaign_id: str, disabled_rules: list[str], reminder_offsets_days: list[int]) -> None:
        self.disabled_rules = disabled_rules
        self.reminder_offsets_days = reminder_offsets_days


class Delivery(Aggregate):
    """The delivery log of one notice: scheduled, then failed attempts, then sent or dead."""

    @staticmethod
    def create_id(notification_id: str) -> UUID:
        return uuid5(_NS, f"delivery:{notification_id}")

    @event("Scheduled")
    def __init__(
        self,
        notification_id: str,
        campaign_id: str | None,
        rule: str,
        trigger_event_id: str,
        unit_id: str,
        recipient: str,
        channel: str,
        due_at: datetime,
    ) -> None:
        self.notification_id = notification_id
        self.campaign_id = campaign_id
        self.rule = rule
        self.trigger_event_id = trigger_event_id
        self.unit_id = unit_id
        self.recipient = recipient
        self.channel = channel
        self.due_at = due_at
        self.attempts = 0
        self.status = "pending"

    @property
    def done(self) -> bool:
        return self.status != "pending"

    def _ref(self) -> dict[str, Any]:
        return {
            "notification_id": self.notification_id,
            "campaign_id": self.campaign_id,
            "rule": self.rule,
            "unit_id": self.unit_id,
            "recipient": self.recipient,
            "channel": self.channel,
        }

    def record_sent(self) -> None:
        self._sent(attempt=self.attempts + 1, **self._ref())

    def record_failed(self, error: str, dead: bool) -> None:
        self._failed(attempts=self.attempts + 1, error=error, dead=dead, **self._ref())

    @event("Sent")
    def _sent(
        self,
        notification_id: str,
        campaign_id: str | None,
        rule: str,
        unit_id: str,
        recipient: str,
        channel: str,
        attempt: int,
    ) -> None:
        self.attempts = attempt
        self.status = "sent"

    @event("Failed")
    def _failed(
        self,
        notification_id: str,
        campaign_id: str | None,
        rule: str,
        unit_id: str,
        recipient: str,
        channel: str,
        attempts: int,
        error: str,
        dead: bool,
    ) -> None:
        self.attempts = attempts
        if dead:
            self.status = "dead"
