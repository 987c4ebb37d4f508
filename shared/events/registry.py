"""Registry contracts: campaigns, blocks, units, emulation registrations and the mid-year and year-end reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.events.base import META, Command, CommandType, Contract, EventType
from shared.events.types import Day, LongText, Name, Slug

SERVICE = "registry"
CampaignKind = Literal["yearly", "periodic", "thematic"]
UnitKind = Literal["department", "affiliated"]
ReviewKind = Literal["mid_year", "year_end"]
"""Sơ kết (the mid-year review) and tổng kết (the year-end review) of plan 5039's content 10."""
Progress = Literal["on_track", "completed", "not_completed"]
"""A unit's own word on a target: on track (mid-year only), completed, or not completed."""
Assessment = Literal["excellent", "good", "completed", "not_completed"]
"""The council's word: hoàn thành xuất sắc, hoàn thành tốt, hoàn thành, không hoàn thành nhiệm vụ. Content 4's
target is that every collective and individual completes its tasks well or excellently (`good`, `excellent`)."""
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


# ---- reviews (sơ kết, tổng kết) ------------------------------------------------------------------


class ReviewScheduled(Contract):
    """The campaign's mid-year or year-end review and its due date (sent again, it moves the date)."""

    campaign_id: Slug
    review: ReviewKind
    due_on: Day
    """Submissions recorded after the end of this day (Ho Chi Minh City time) are late."""
    previous_due_on: Day | None = None
    """Set when the review was scheduled before (the date it moves from)."""


class StaffProgress(Contract):
    """One registered person's self-assessment: the title they registered for and where they stand."""

    person: Name
    target_title: Slug
    status: Progress
    note: LongText | None = None


class CollectiveProgress(Contract):
    """The unit's self-assessment on its registered collective target."""

    target: Slug
    status: Progress
    note: LongText | None = None


class SelfAssessment(Contract):
    """A unit's review submission: its collective target and every registered person, each with a status."""

    campaign_id: Slug
    unit_id: Slug
    review: ReviewKind
    collective: CollectiveProgress
    staff: list[StaffProgress] = Field(max_length=2000)


class ReviewSubmitted(SelfAssessment):
    submitted_at: datetime
    """When the registry recorded it (for a resubmission: when that was recorded)."""
    late: bool
    """Recorded after the review's due date (end of that day, Ho Chi Minh City time)."""
    days_late: int = Field(ge=0)
    """Whole days after the due date (0 when on time)."""


class ReviewSubmissionAmended(ReviewSubmitted):
    """A resubmission before the council's review: replaces the whole self-assessment."""


class StaffAssessment(Contract):
    person: Name
    assessment: Assessment
    note: LongText | None = None


class CollectiveAssessment(Contract):
    assessment: Assessment
    note: LongText | None = None


class CouncilReview(Contract):
    """The council's review of a unit's submission: the unit and every person of the submission."""

    campaign_id: Slug
    unit_id: Slug
    review: ReviewKind
    collective: CollectiveAssessment
    staff: list[StaffAssessment] = Field(max_length=2000)


class ReviewAssessed(CouncilReview):
    """Recorded again, the council's latest review replaces the earlier one."""


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


class ScheduleReview(Command):
    """Set (or move) the due date of the campaign's mid-year or year-end review."""

    campaign_id: Slug
    review: ReviewKind
    due_on: Day


class SubmitReview(Command, SelfAssessment):
    """A unit's self-assessment for a review, against its registration; after the due date it is recorded late,
    never refused. Sent again before the council's review, it replaces the earlier submission."""


class AssessReview(Command, CouncilReview):
    """The council's review of a unit's submission."""


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
    EventType("review_scheduled", 1, ReviewScheduled, SERVICE),
    EventType("review_submitted", 1, ReviewSubmitted, SERVICE),
    EventType("review_submission_amended", 1, ReviewSubmissionAmended, SERVICE),
    EventType("review_assessed", 1, ReviewAssessed, SERVICE),
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
    CommandType("schedule_review", ScheduleReview, SERVICE),
    CommandType("submit_review", SubmitReview, SERVICE),
    CommandType("assess_review", AssessReview, SERVICE),
]
