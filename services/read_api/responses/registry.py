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


class ScheduledReview(BaseModel):
    review: str = Field(description="mid_year (sơ kết) or year_end (tổng kết)")
    due_on: str


class Reviews(BaseModel):
    campaign_id: str
    reviews: list[ScheduledReview] = Field(description="the reviews the campaign has scheduled, mid-year first")


class StaffProgress(BaseModel):
    person: str
    target_title: str
    status: str = Field(description="on_track, completed or not_completed (the unit's own word)")
    note: str | None = None


class CollectiveProgress(BaseModel):
    target: str
    status: str = Field(description="on_track, completed or not_completed (the unit's own word)")
    note: str | None = None


class StaffAssessment(BaseModel):
    person: str
    assessment: str = Field(description="excellent, good, completed or not_completed")
    note: str | None = None


class CollectiveAssessment(BaseModel):
    assessment: str = Field(description="excellent, good, completed or not_completed")
    note: str | None = None


class CouncilAssessment(BaseModel):
    collective: CollectiveAssessment
    staff: list[StaffAssessment]
    assessed_at: str = Field(description="when the council's latest review was recorded")


class ReviewSubmission(BaseModel):
    unit_id: str
    block_id: str | None = Field(description="null once the unit is withdrawn from its block")
    collective: CollectiveProgress
    staff: list[StaffProgress]
    submitted_at: str
    late: bool = Field(description="the first submission came after the due date")
    days_late: int = Field(description="days after the due date of the first submission (0 when on time)")
    amendments: int
    last_submitted_at: str | None
    last_submission_late: bool | None
    assessment: CouncilAssessment | None = Field(description="the council's review, once recorded")


class ReviewSubmissions(BaseModel):
    campaign_id: str
    review: str
    due_on: str
    submissions: list[ReviewSubmission]
    next: str | None = Field(description="cursor of the next page (`after=`), null on the last page")


class LateUnit(BaseModel):
    unit_id: str
    days_late: int


class ReviewCounts(BaseModel):
    members: int
    submitted: int
    on_time: int
    late: int
    late_units: list[LateUnit] = Field(description="by unit id")
    missing: list[str] = Field(description="member units that have not submitted, by unit id")
    units_on_course: int = Field(description="submitting units whose collective target is on course by their own word")
    units_assessed: int = Field(description="units the council has reviewed")
    units_completing_well: int = Field(description="units the council found excellent or good")
    unit_share: float = Field(description="units completing well of all members (target 1.0)")
    staff_registered: int = Field(description="persons the members registered")
    staff_on_course: int
    staff_assessed: int
    staff_completing_well: int
    staff_share: float = Field(description="persons completing well of all registered (target 1.0)")


class BlockReview(ReviewCounts):
    block_id: str
    name: str


class ReviewSummary(BaseModel):
    campaign_id: str
    review: str
    due_on: str
    target_share: float = Field(description="content 4 of the plan: 100% complete their tasks well or excellently")
    blocks: list[BlockReview] = Field(description="in definition order")
    totals: ReviewCounts = Field(description="every block together")
