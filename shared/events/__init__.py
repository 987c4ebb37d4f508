"""The public contract: the CloudEvents envelope, event payloads, commands and replies, and their JSON Schemas."""

from shared.events.commands import COMMAND_TYPES, Accepted, Command, ErrorBody, EventRef, Rejected
from shared.events.contracts import EVENT_TYPES, Contract, EventType
from shared.events.envelope import STREAM, CloudEvent, command_subject, event_subject

__all__ = [
    "COMMAND_TYPES",
    "EVENT_TYPES",
    "STREAM",
    "Accepted",
    "CloudEvent",
    "Command",
    "Contract",
    "ErrorBody",
    "EventRef",
    "EventType",
    "Rejected",
    "command_subject",
    "event_subject",
]
