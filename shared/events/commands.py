"""Command contracts: NATS request/reply on `emulation.cmd.<command>`, and the one reply shape.

A command body carries `command_id` (the idempotency key), `actor` and the payload fields.
Payload field names follow `scenario/campaign-2022.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.contracts import CampaignLaunched
from shared.events.types import Actor


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    command_id: UUID
    actor: Actor
    correlation_id: str | None = Field(default=None, max_length=128)


class LaunchCampaign(Command, CampaignLaunched):
    """Launch a campaign (plan 5039/KH-STP-VP launched the 2022 one)."""


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
class CommandType:
    name: str
    model: type[Command]
    service: str


COMMAND_TYPES: dict[str, CommandType] = {
    c.name: c
    for c in (CommandType("launch_campaign", LaunchCampaign, "registry"),)
}
"""Every command of the public contract, keyed by its subject token."""
