"""Notification rule violations, each with its documented code (docs/contract/notification.md)."""

from shared.domain.errors import AlreadyExists, DomainError


class SubscriptionExists(AlreadyExists):
    code = "subscription_exists"


class UnknownRule(DomainError):
    code = "unknown_rule"


class InvalidReminderOffsets(DomainError):
    code = "invalid_reminder_offsets"


class NotAllowed(DomainError):
    """The actor may not do this (see "Who may act"); the message is the rule's reason."""

    code = "not_allowed"
