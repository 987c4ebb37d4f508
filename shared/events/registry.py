"""Registry contracts: campaigns, blocks, units and emulation registrations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.events.base import META, Command, CommandType, Contract, EventType
from shared.events.types import Day, LongText, Name, Slug

SERVICE = "registry"
CampaignKind = Literal["yearly", "periodic", "thematic"]
UnitKind = Literal["department", "affiliated"]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Email = Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)]


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
    issued_on: Day
    issued_by: Name
    signed_by: Name
    theme: LongText
    period_start: Day
    period_end: Day
    registration_deadline: Day
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
    """The head of the unit (thủ trưởng đơn vị)."""
    email: Email | None = None


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


class Pledge(Contract):
    """A unit's emulation registration (đăng ký thi đua): its collective target and its staff's targets."""

    campaign_id: Slug
    unit_id: Slug
    collective_target: Slug
    """The collective title the unit aims at (`tap-the-lao-dong-xuat-sac`, …)."""
    staff: list[StaffPledge] = Field(max_length=2000)


class EmulationRegistered(Pledge):
    registered_at: datetime
    """When the registry recorded it (for an amendment: when the amendment was recorded)."""
    late: bool
    """Recorded after the registration deadline (end of that day, Ho Chi Minh City time)."""


class EmulationRegistrationAmended(EmulationRegistered):
    pass


# ---- commands ------------------------------------------------------------------------------------


class LaunchCampaign(Command, CampaignDetails):
    """Launch a campaign (plan 5039/KH-STP-VP launched the 2022 one)."""


class AmendCampaign(Command):
    """Amend a campaign's details; only the fields sent change (at least one)."""

    campaign_id: Slug
    kind: CampaignKind | None = None
    year: int | None = Field(default=None, ge=1945, le=2200)
    title: Name | None = None
    document_number: Name | None = None
    issued_on: Day | None = None
    issued_by: Name | None = None
    signed_by: Name | None = None
    theme: LongText | None = None
    period_start: Day | None = None
    period_end: Day | None = None
    registration_deadline: Day | None = None
    secretariat_unit_id: Slug | None = None
    contents: list[Content] | None = Field(default=None, max_length=200)

    def changes(self) -> dict[str, object]:
        """The amended fields and their new values (those sent and not null)."""
        return {k: v for k, v in self.model_dump(exclude=META | {"campaign_id"}).items() if v is not None}


class CloseCampaign(Command, CampaignClosed):
    """Close a campaign: afterwards it takes no more changes, blocks, units or registrations."""


class DefineBlock(Command, BlockDefined):
    """Define an emulation block (khối thi đua) of a campaign."""


class DesignateBlockLeader(Command, BlockLeaderDesignated):
    """Designate the block leader (khối trưởng) and optionally the deputy (khối phó); both must be members."""


class RegisterUnit(Command, UnitRegistered):
    """Register a unit of the Department (it exists across campaigns)."""


class AssignUnitToBlock(Command):
    """Assign a unit to a block of a campaign. A unit already in another block moves only with `move: true`."""

    campaign_id: Slug
    block_id: Slug
    unit_id: Slug
    move: bool = False


class RenameUnit(Command):
    """Rename a unit; replies with `unit_renamed`."""

    unit_id: Slug
    name: Name


class WithdrawUnit(Command):
    """Withdraw a unit from a campaign (it leaves its block; its history stays)."""

    campaign_id: Slug
    unit_id: Slug
    reason: LongText | None = None


class RegisterEmulation(Command, Pledge):
    """A unit's emulation registration; after the deadline it is recorded and flagged late, never refused."""


class AmendEmulationRegistration(Command, Pledge):
    """Replace a unit's registration (collective target and whole staff list); late if after the deadline."""


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
COMMANDS = [
    CommandType("launch_campaign", LaunchCampaign, SERVICE),
    CommandType("amend_campaign", AmendCampaign, SERVICE),
    CommandType("close_campaign", CloseCampaign, SERVICE),
    CommandType("define_block", DefineBlock, SERVICE),
    CommandType("designate_block_leader", DesignateBlockLeader, SERVICE),
    CommandType("register_unit", RegisterUnit, SERVICE),
    CommandType("assign_unit_to_block", AssignUnitToBlock, SERVICE),
    CommandType("rename_unit", RenameUnit, SERVICE),
    CommandType("withdraw_unit", WithdrawUnit, SERVICE),
    CommandType("register_emulation", RegisterEmulation, SERVICE),
    CommandType("amend_emulation_registration", AmendEmulationRegistration, SERVICE),
]
