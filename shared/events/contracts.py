"""Wire contracts: one pydantic model per event type, the payload (`data`) of its CloudEvent.

Other city systems depend on these; the services map their internal domain events onto them in
one place (`services/<service>/adapters/wire.py`). A contract only ever gains a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.types import LongText, Name, Slug


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Content(Contract):
    """One numbered content of a campaign plan (plan 5039 has ten)."""

    no: int = Field(ge=1, le=999)
    title: LongText


CampaignKind = Literal["yearly", "periodic", "thematic"]
UnitKind = Literal["department", "affiliated"]


class CampaignLaunched(Contract):
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


class UnitRegistered(Contract):
    unit_id: Slug
    name: Name
    kind: UnitKind
    head: Name | None = None
    email: str | None = Field(default=None, max_length=254)


class AchievementReported(Contract):
    campaign_id: Slug
    achievement_id: Slug
    unit_id: Slug
    person: Name | None = None
    content_no: int | None = None
    criterion_id: Slug | None = None
    claimed_points: float
    description: LongText
    evidence_ref: Name | None = None
    late: bool = False


class BlockVoteCast(Contract):
    """A ballot. The choice is sealed until the round closes; the event says only that the unit voted."""

    campaign_id: Slug
    block_id: Slug
    round_id: Slug
    voter_unit_id: Slug


class AwardProposed(Contract):
    campaign_id: Slug
    proposal_id: Slug
    award: Slug
    unit_id: Slug
    person: Name | None = None
    rule_results: list[dict[str, object]] = Field(default_factory=list)


@dataclass(frozen=True)
class EventType:
    """An event type of the public contract: its name, version, payload model and the service that owns it."""

    name: str
    version: int
    model: type[Contract]
    source: str

    @property
    def type(self) -> str:
        return f"{self.name}.v{self.version}"


EVENT_TYPES: dict[str, EventType] = {
    e.type: e
    for e in (
        EventType("campaign_launched", 1, CampaignLaunched, "registry"),
        EventType("unit_registered", 1, UnitRegistered, "registry"),
        EventType("achievement_reported", 1, AchievementReported, "evaluation"),
        EventType("block_vote_cast", 1, BlockVoteCast, "evaluation"),
        EventType("award_proposed", 1, AwardProposed, "evaluation"),
    )
}
"""Every event type on the stream, keyed by CloudEvents `type` (`campaign_launched.v1`)."""
