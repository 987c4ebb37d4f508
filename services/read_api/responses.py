"""Response models of the read API's lists, so `/openapi.json` names every field a client receives."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Unit(BaseModel):
    unit_id: str
    name: str
    kind: str = Field(description="department or affiliated")
    head: str | None
    email: str | None


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


class Achievement(BaseModel):
    campaign_id: str
    achievement_id: str
    unit_id: str
    person: str | None
    content_no: int | None
    criterion_id: str | None
    claimed_points: float
    description: str
    evidence_ref: str | None
    due_on: str | None
    late: bool
    status: str = Field(description="reported, verified or rejected")
    points: float | None
    penalty: float
    adjusted: bool
    reason: str | None
    reported_at: str
    decided_at: str | None


class Achievements(BaseModel):
    campaign_id: str
    scoring_table: dict[str, Any] | None
    achievements: list[Achievement]
    next: str | None = Field(description="cursor of the next page (`after=`), null on the last page")


class RankedUnit(BaseModel):
    unit_id: str
    verified_score: float
    claimed_score: float
    late_count: int
    reported_count: int
    verified_count: int
    rejected_count: int
    rank: int = Field(description="1..n within the block, by the documented tie-break")


class BlockStandings(BaseModel):
    block_id: str
    name: str
    units: list[RankedUnit]


class Standings(BaseModel):
    campaign_id: str
    as_of: str | None = Field(description="the moment asked for, in UTC; null for the current standings")
    blocks: list[BlockStandings]


class Notice(BaseModel):
    notification_id: str
    campaign_id: str | None
    unit_id: str
    rule: str
    channel: str
    recipient: str
    trigger_event_id: str | None
    due_at: str | None
    status: str = Field(description="scheduled, retrying, sent or dead")
    attempts: int
    last_error: str | None
    log: list[dict[str, Any]] = Field(description="its delivery records in order, each with `type` and `time`")


class AuditEntry(BaseModel):
    seq: int = Field(description="the event's stream sequence")
    id: str
    type: str
    event_name: str
    source: str
    time: str
    actor: str
    causationid: str
    correlationid: str
    subject: str | None
    campaign_id: str | None
    block_id: str | None
    hash: str | None
    predecessorhash: str | None
    data: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    next: int | None = Field(description="cursor of the next page (`after=`), null on the last page")
