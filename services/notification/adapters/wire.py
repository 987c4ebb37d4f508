"""Notification domain events → wire contracts (shared/events/notification.py). The one place they are mapped."""

from __future__ import annotations

from typing import Any

from services.notification.domain.aggregates import Delivery, RuleSetting, Subscription
from shared.infra.wire import WireEvent, WireMap


def subscription_registered(e: Any) -> WireEvent:
    data = {"subscription_id": e.subscription_id, "url": e.url, "event_types": e.event_types, "unit_id": e.unit_id}
    return WireEvent("subscription_registered", None, data, subject=f"subscription/{e.subscription_id}")


def rules_configured(e: Any) -> WireEvent:
    data = {
        "campaign_id": e.campaign_id,
        "disabled_rules": e.disabled_rules,
        "reminder_offsets_days": e.reminder_offsets_days,
    }
    return WireEvent("notification_rules_configured", e.campaign_id, data, subject=f"campaign/{e.campaign_id}")


_REF = ("notification_id", "campaign_id", "rule", "unit_id", "recipient", "channel")


def _delivery(name: str, extra: tuple[str, ...]) -> Any:
    def wire(e: Any) -> WireEvent:
        data = {k: getattr(e, k) for k in (*_REF, *extra)}
        return WireEvent(name, e.campaign_id, data, subject=f"unit/{e.unit_id}")

    return wire


WIRE = WireMap(
    "notification",
    {
        Subscription.Registered: subscription_registered,  # type: ignore[attr-defined]
        RuleSetting.Configured: rules_configured,  # type: ignore[attr-defined]
        Delivery.Scheduled: _delivery("notification_scheduled", ("trigger_event_id", "due_at")),  # type: ignore[attr-defined]
        Delivery.Sent: _delivery("notification_sent", ("attempt",)),  # type: ignore[attr-defined]
        Delivery.Failed: _delivery("notification_failed", ("attempts", "error", "dead")),  # type: ignore[attr-defined]
    },
)
