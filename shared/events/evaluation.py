"""Evaluation contracts: scoring, achievements, block votes, award proposals and council decisions."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.events.base import CommandType, Contract, EventType
from shared.events.types import LongText, Name, Slug

SERVICE = "evaluation"


class Criterion(Contract):
    criterion_id: Slug
    title: Name
    max_points: float = Field(ge=0, le=10_000)


class ScoreItem(Contract):
    """A bonus or penalty item (for example points lost for a late report or a late dossier)."""

    item_id: Slug
    title: Name
    points: float = Field(ge=0, le=10_000)


class ScoringTableSet(Contract):
    campaign_id: Slug
    criteria: list[Criterion]
    bonuses: list[ScoreItem] = Field(default_factory=list)
    penalties: list[ScoreItem] = Field(default_factory=list)


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


class AchievementVerified(Contract):
    campaign_id: Slug
    achievement_id: Slug
    unit_id: Slug
    points: float
    adjusted: bool = False
    reason: LongText | None = None


class AchievementRejected(Contract):
    campaign_id: Slug
    achievement_id: Slug
    unit_id: Slug
    reason: LongText


class VoteRoundOpened(Contract):
    campaign_id: Slug
    block_id: Slug
    round_id: Slug
    candidates: list[Slug]
    eligible_voters: list[Slug]
    runoff_of: Slug | None = None


class BlockVoteCast(Contract):
    """A ballot. The choice is sealed until the round closes; the event says only that the unit voted."""

    campaign_id: Slug
    block_id: Slug
    round_id: Slug
    voter_unit_id: Slug


class Ballot(Contract):
    voter_unit_id: Slug
    candidate_unit_id: Slug


class VoteRoundClosed(Contract):
    campaign_id: Slug
    block_id: Slug
    round_id: Slug
    tally: dict[str, int]
    ballots: list[Ballot]
    voters: int
    eligible: int
    quorum_met: bool
    outcome: Literal["elected", "runoff", "failed"]


class BlockLeaderElected(Contract):
    campaign_id: Slug
    block_id: Slug
    round_id: Slug
    unit_id: Slug
    votes: int


class VoteRoundFailed(Contract):
    campaign_id: Slug
    block_id: Slug
    round_id: Slug
    reason: LongText
    runoff_candidates: list[Slug] = Field(default_factory=list)


class RuleResult(Contract):
    rule: Slug
    passed: bool
    reason: LongText


class AwardProposed(Contract):
    campaign_id: Slug
    proposal_id: Slug
    award: Slug
    unit_id: Slug
    person: Name | None = None
    rule_results: list[RuleResult] = Field(default_factory=list)
    eligible: bool = True


class AwardDecided(Contract):
    campaign_id: Slug
    proposal_id: Slug
    award: Slug
    unit_id: Slug
    person: Name | None = None
    approved: bool
    votes_for: int
    votes_against: int
    members_present: int
    members_total: int
    reason: LongText


EVENTS = [
    EventType("scoring_table_set", 1, ScoringTableSet, SERVICE),
    EventType("achievement_reported", 1, AchievementReported, SERVICE),
    EventType("achievement_verified", 1, AchievementVerified, SERVICE),
    EventType("achievement_rejected", 1, AchievementRejected, SERVICE),
    EventType("vote_round_opened", 1, VoteRoundOpened, SERVICE),
    EventType("block_vote_cast", 1, BlockVoteCast, SERVICE),
    EventType("vote_round_closed", 1, VoteRoundClosed, SERVICE),
    EventType("block_leader_elected", 1, BlockLeaderElected, SERVICE),
    EventType("vote_round_failed", 1, VoteRoundFailed, SERVICE),
    EventType("award_proposed", 1, AwardProposed, SERVICE),
    EventType("award_decided", 1, AwardDecided, SERVICE),
]
COMMANDS: list[CommandType] = []
