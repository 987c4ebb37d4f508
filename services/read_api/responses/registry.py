"""What the registry's routes answer: blocks, units, registrations."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class UnitName(BaseModel):
    unit_id: str
    name: str | None = Field(description="null if the unit's registration has not been seen")


class Member(UnitName):
    kind: str | None = Field(description="department or affiliated")


class Block(BaseModel):
    block_id: str
    name: str
    leader: UnitName | None = Field(description="khối trưởng, once designated")
    deputy: UnitName | None = Field(description="khối phó, once designated")
    members: list[Member] = Field(description="by unit id")


class CampaignBlock(Block):
    campaign_id: str


class Blocks(BaseModel):
    campaign_id: str
    status: str = Field(description="open or closed")
    blocks: list[Block] = Field(description="in definition order")


class Unit(BaseModel):
    unit_id: str
    name: str
    kind: str = Field(description="department or affiliated")
    head: str | None
    email: str | None


class UnitCampaign(BaseModel):
    campaign_id: str
    block_id: str | None = Field(description="null once withdrawn")
    status: str = Field(description="member or withdrawn")


class UnitEvent(BaseModel):
    """One event of a unit's history, with the event's own fields (its `data` but `unit_id`)."""

    model_config = ConfigDict(extra="allow")

    event: str = Field(description="unit_registered, unit_renamed, unit_assigned_to_block or unit_withdrawn")
    at: str
    actor: str


class UnitDetail(Unit):
    registered_at: str
    campaigns: list[UnitCampaign] = Field(description="its block in each campaign, by campaign id")
    history: list[UnitEvent] = Field(description="in stream order")


class StaffTarget(BaseModel):
    person: str
    target_title: str


class Registration(BaseModel):
    unit_id: str
    block_id: str | None = Field(description="null once the unit is withdrawn from its block")
    collective_target: str
    staff: list[StaffTarget]
    registered_at: str
    late: bool = Field(description="the registration itself came after the deadline")
    amendments: int
    last_amended_at: str | None
    last_amendment_late: bool | None


class Registrations(BaseModel):
    campaign_id: str
    registration_deadline: str
    registrations: list[Registration]
    next: str | None = Field(description="cursor of the next page (`after=`), null on the last page")


class BlockRegistrations(BaseModel):
    block_id: str
    name: str
    members: int
    registered: int
    on_time: int
    late: int
    late_units: list[str]
    not_registered: list[str]
    on_time_share: float = Field(description="share of members registered on time (target 1.0)")


class RegistrationSummary(BaseModel):
    campaign_id: str
    registration_deadline: str
    target_share: float
    blocks: list[BlockRegistrations] = Field(description="in definition order")
