"""The catalogue of the public contract: every event type and every command, from each service's module."""

from __future__ import annotations

from shared.events import audit, evaluation, exemplary, inbound, notification, registry
from shared.events.base import CommandType, EventType

EVENT_TYPES: dict[str, EventType] = {
    e.type: e for m in (registry, evaluation, exemplary, notification, audit) for e in m.EVENTS
}
"""Every event type on the stream, keyed by CloudEvents `type` (`campaign_launched.v1`)."""

COMMAND_TYPES: dict[str, CommandType] = {
    c.name: c for m in (registry, evaluation, exemplary, notification) for c in m.COMMANDS
}
"""Every command, keyed by its subject token (`emulation.cmd.<name>`)."""

INTERNAL_COMMANDS: dict[str, CommandType] = {t.command.name: t.command for t in inbound.INBOUND}
"""Use cases a service runs for facts it takes from other city systems (`shared/events/inbound.py`): run through
`ServiceApplication.handle` like commands, never sent or answered over NATS."""
