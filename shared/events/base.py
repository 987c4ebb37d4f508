"""Base types of the contract: payload models, commands, replies and the catalogue entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.types import Actor

EVENT_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
"""An event id as the stream carries it (`id`, `Nats-Msg-Id`): a lowercase UUID."""
EVENT_TYPE = r"^[a-z][a-z0-9_]*\.v[1-9][0-9]*$"
"""A CloudEvents `type`: `<event_name>.v<version>`."""


class Contract(BaseModel):
    """An event payload (`data` of a CloudEvent). Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class EventRef(BaseModel):
    """An event as a reply lists it, and as a command names one it depends on (`after`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=EVENT_ID)
    type: str = Field(pattern=EVENT_TYPE)


MAX_AFTER = 64
"""Events a command may name in `after`."""


class Command(BaseModel):
    """A command body: `command_id` (idempotency key), `actor`, the events it depends on, and the payload fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    command_id: UUID
    actor: Actor
    correlation_id: str | None = Field(default=None, max_length=128)
    after: list[EventRef] = Field(
        default_factory=list,
        max_length=MAX_AFTER,
        description="events this command depends on, as earlier replies listed them: the service decides only once "
        "it has seen each (else `not_caught_up`, nothing recorded)",
    )


META: set[str] = {"command_id", "actor", "correlation_id", "after"}
"""The fields every command has beside its payload."""


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class Accepted(BaseModel):
    ok: Literal[True] = True
    events: list[EventRef]


class Rejected(BaseModel):
    ok: Literal[False] = False
    error: ErrorBody


@dataclass(frozen=True)
class EventType:
    """An event type of the public contract: its name, version, payload model and owning service."""

    name: str
    version: int
    model: type[Contract]
    source: str

    @property
    def type(self) -> str:
        return f"{self.name}.v{self.version}"


@dataclass(frozen=True)
class CommandType:
    name: str
    model: type[Command]
    service: str
    reply: type[Accepted] = Accepted
    """What the service answers once the command is recorded."""
