"""Notification use cases: the two commands, and the delivery log the dispatcher records.

Commands run through `execute` (idempotent by command id). Delivery records are the service's own
decisions, saved with plain `save` and stamped with the triggering event as their cause.
"""

from __future__ import annotations

import unicodedata
from typing import Protocol

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from services.notification.domain.aggregates import Delivery, RuleSetting, Subscription
from services.notification.domain.errors import NotAllowed, SubscriptionExists
from services.notification.domain.notices import Notice
from services.notification.domain.rules import check_rules, configures_notifications, own_subscription
from shared.domain.rules import RuleResult
from shared.events.notification import ConfigureNotificationRules, RegisterSubscription
from shared.events.types import CONTROL
from shared.infra.application import ServiceApplication
from shared.infra.clock import Clock
from shared.infra.eventstore import provenance
from shared.infra.wire import WireMap

ACTOR = "system:notification"


class Facts(Protocol):
    def secretariat(self, campaign_id: str) -> str | None: ...


def require(result: RuleResult) -> None:
    if not result.passed:
        raise NotAllowed(result.reason, "actor")


class NotificationApplication(ServiceApplication):
    name = "notification"

    def __init__(
        self, wire: WireMap, facts: Facts, env: dict[str, str] | None = None, clock: Clock | None = None
    ) -> None:
        super().__init__(wire, env=env, clock=clock)
        self.facts = facts
        """What the notifier knows of campaigns (its own state, fed by the stream)."""

    def register_subscription(self, cmd: RegisterSubscription) -> list[Subscription]:
        require(own_subscription(cmd.actor, cmd.unit_id))
        if self.exists(Subscription.create_id(cmd.subscription_id)):
            raise SubscriptionExists(f"subscription {cmd.subscription_id!r} already exists", "subscription_id")
        return [Subscription(cmd.subscription_id, cmd.url, cmd.secret, list(cmd.event_types), cmd.unit_id)]

    def configure_notification_rules(self, cmd: ConfigureNotificationRules) -> list[RuleSetting]:
        require(configures_notifications(cmd.actor, cmd.campaign_id, self.facts.secretariat(cmd.campaign_id)))
        checked = check_rules(cmd.disabled_rules, cmd.reminder_offsets_days)
        setting: RuleSetting = self.find(RuleSetting.create_id(cmd.campaign_id)) or RuleSetting(cmd.campaign_id)
        setting.configure(sorted(checked.disabled), list(checked.offsets_days))
        return [setting]

    def get_subscription(self, subscription_id: str) -> Subscription:
        subscription: Subscription = self.repository.get(Subscription.create_id(subscription_id))
        return subscription

    def get_delivery(self, notice: Notice) -> Delivery:
        """The notice's delivery log, recording `notification_scheduled` the first time it is asked for."""
        try:
            delivery: Delivery = self.repository.get(Delivery.create_id(notice.notification_id))
            return delivery
        except AggregateNotFoundError:
            pass
        delivery = Delivery(
            notice.notification_id,
            notice.campaign_id,
            notice.rule,
            notice.trigger_event_id,
            notice.unit_id,
            notice.recipient,
            notice.channel,
            notice.due_at,
        )
        try:
            self._save(notice, delivery)
        except IntegrityError:  # recorded meanwhile (another dispatcher)
            return self.repository.get(Delivery.create_id(notice.notification_id))  # type: ignore[no-any-return]
        return delivery

    def record_sent(self, notice: Notice, delivery: Delivery) -> None:
        delivery.record_sent()
        self._save(notice, delivery)

    def record_failed(self, notice: Notice, delivery: Delivery, error: str, dead: bool) -> None:
        delivery.record_failed(printable(error), dead)
        self._save(notice, delivery)

    def _save(self, notice: Notice, delivery: Delivery) -> None:
        cause = notice.trigger_event_id
        with provenance(actor=ACTOR, command_id=cause, command="dispatch", correlation_id=cause):
            self.save(delivery)


def printable(error: str, limit: int = 4000) -> str:
    """A delivery error as the wire contract accepts it, whatever a mail or web server answered.

    Servers answer with CR/LF and other control characters; stored raw, the event would fail its
    contract when published and stall the relay. They are kept visible as escapes (`\\r`).
    """
    text = CONTROL.sub(
        lambda m: m.group().encode("unicode_escape").decode(), unicodedata.normalize("NFC", error)
    ).strip()
    return text[:limit] if text.strip() else "error"
