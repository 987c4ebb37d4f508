"""The public contract: the CloudEvents envelope, event payloads, commands and replies, and their JSON Schemas.

One module per service (`registry`, `evaluation`, `notification`) holds its events and commands, and one per
concept grown too large to share its service's (`exemplary`: the evaluation's exemplary models); `catalog` lists
them all.
"""

from shared.events.base import Accepted, Command, CommandType, Contract, ErrorBody, EventRef, EventType, Rejected
from shared.events.catalog import COMMAND_TYPES, EVENT_TYPES
from shared.events.envelope import STREAM, CloudEvent, command_subject, event_subject

__all__ = [
    "COMMAND_TYPES",
    "EVENT_TYPES",
    "STREAM",
    "Accepted",
    "CloudEvent",
    "Command",
    "CommandType",
    "Contract",
    "ErrorBody",
    "EventRef",
    "EventType",
    "Rejected",
    "command_subject",
    "event_subject",
]
