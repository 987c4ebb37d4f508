"""Base types of the contract: payload models, commands, replies and the catalogue entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.types import Actor


class Contract(BaseModel):
    """An event payload (`data` of a CloudEvent). Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Command(BaseModel):
    """A command body: `command_id` (idempotency key), `actor` and the payload fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    command_id: UUID
    actor: Actor
    correlation_id: str | None = Field(default=None, max_length=128)


class EventRef(BaseModel):
    id: str
    type: str


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
