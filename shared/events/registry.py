"""Registry contracts: campaigns, blocks, units and emulation registrations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from shared.events.base import Command, CommandType, Contract, EventType
from shared.events.types import LongText, Name, Slug

SERVICE = "registry"
CampaignKind = Literal["yearly", "periodic", "thematic"]
UnitKind = Literal["department", "affiliated"]


class Content(Contract):
    """One numbered content of a campaign plan (plan 5039 has ten)."""

    no: int = Field(ge=1, le=999)
    title: LongText


class CampaignDetails(Contract):
    campaign_id: Slug
    kind: CampaignKind
    year: int = Field(ge=1945, le=2200)
    title: Name
    document_number: Name
    issued_on: date
    issued_by: Name
    signed_by: Name
    theme: LongText
    period_start: date
    period_end: date
    registration_deadline: date
    secretariat_unit_id: Slug
    contents: list[Content] = Field(max_length=200)


class CampaignLaunched(CampaignDetails):
    pass


class CampaignAmended(Contract):
    campaign_id: Slug
    changes: dict[str, object]
    """The amended fields and their new values (any field of the launch but `campaign_id`)."""


class CampaignClosed(Contract):
    campaign_id: Slug
    reason: LongText | None = None


class BlockDefined(Contract):
    campaign_id: Slug
    block_id: Slug
    name: Name


class BlockLeaderDesignated(Contract):
    campaign_id: Slug
    block_id: Slug
    leader_unit_id: Slug
    deputy_unit_id: Slug | None = None


class UnitRegistered(Contract):
    unit_id: Slug
    name: Name
    kind: UnitKind
    head: Name | None = None
    email: str | None = Field(default=None, max_length=254)


class UnitAssignedToBlock(Contract):
    campaign_id: Slug
    block_id: Slug
    unit_id: Slug
    previous_block_id: Slug | None = None


class UnitRenamed(Contract):
    unit_id: Slug
    name: Name
    previous_name: Name


class UnitWithdrawn(Contract):
    campaign_id: Slug
    unit_id: Slug
    block_id: Slug | None = None
    reason: LongText | None = None


class StaffPledge(Contract):
    """One staff member's target individual title (LĐTT, CSTĐCS, …)."""

    person: Name
    target_title: Slug


class EmulationRegistered(Contract):
    campaign_id: Slug
    unit_id: Slug
    collective_target: Slug
    staff: list[StaffPledge] = Field(max_length=2000)
    registered_at: datetime
    late: bool


class EmulationRegistrationAmended(EmulationRegistered):
    pass


class LaunchCampaign(Command, CampaignDetails):
    """Launch a campaign (plan 5039/KH-STP-VP launched the 2022 one)."""


EVENTS = [
    EventType("campaign_launched", 1, CampaignLaunched, SERVICE),
    EventType("campaign_amended", 1, CampaignAmended, SERVICE),
    EventType("campaign_closed", 1, CampaignClosed, SERVICE),
    EventType("block_defined", 1, BlockDefined, SERVICE),
    EventType("block_leader_designated", 1, BlockLeaderDesignated, SERVICE),
    EventType("unit_registered", 1, UnitRegistered, SERVICE),
    EventType("unit_assigned_to_block", 1, UnitAssignedToBlock, SERVICE),
    EventType("unit_renamed", 1, UnitRenamed, SERVICE),
    EventType("unit_withdrawn", 1, UnitWithdrawn, SERVICE),
    EventType("emulation_registered", 1, EmulationRegistered, SERVICE),
    EventType("emulation_registration_amended", 1, EmulationRegistrationAmended, SERVICE),
]
COMMANDS = [CommandType("launch_campaign", LaunchCampaign, SERVICE)]
