"""What the evaluation's routes answer: campaigns, achievements, standings, votes, awards and exemplary models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from shared.events.evaluation import EvaluationPolicy


class Content(BaseModel):
    no: int
    title: str


class Campaign(BaseModel):
    campaign_id: str
    kind: str = Field(description="yearly, periodic or thematic")
    year: int
    title: str
    document_number: str
    issued_on: str
    issued_by: str
    signed_by: str
    theme: str
    period_start: str
    period_end: str
    registration_deadline: str
    secretariat_unit_id: str
    contents: list[Content]
    status: str = Field(description="open or closed")
    closed_reason: str | None = Field(None, description="why it was closed; null while open")
    launched_at: str


class Criterion(BaseModel):
    criterion_id: str
    title: str
    max_points: float


class ScoreItem(BaseModel):
    item_id: str
    title: str
    points: float


class ScoringTable(BaseModel):
    campaign_id: str
    criteria: list[Criterion]
    bonuses: list[ScoreItem]
    penalties: list[ScoreItem]


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
    scoring_table: ScoringTable | None = Field(description="null until the council sets one")
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
    dossier_count: int = Field(description="one-stop dossiers resolved in the campaign's period (the ones that count)")
    late_dossier_count: int = Field(description="of them, resolved after their appointment")
    on_time_share: float | None = Field(description="dossiers resolved on time / dossiers; null without dossiers")
    dossier_points: float = Field(
        description="the policy's dossier criterion: dossier_points_max × on_time_share − late_dossier_penalty per "
        "late dossier (0 with the default policy); included in verified_score"
    )
    rank: int = Field(description="1..n within the block, by the documented tie-break")


class BlockStandings(BaseModel):
    block_id: str
    name: str
    units: list[RankedUnit]


class Standings(BaseModel):
    campaign_id: str
    as_of: str | None = Field(description="the moment asked for, in UTC; null for the current standings")
    blocks: list[BlockStandings]


class CountedVote(BaseModel):
    ballot: str | None = Field(description="the anonymous ballot id its voter computes; null for rounds before v3")
    candidate_unit_id: str


class VoteRound(BaseModel):
    block_id: str
    round_id: str
    status: str = Field(description="open, elected, runoff or failed")
    runoff_of: str | None
    candidates: list[str]
    eligible_voters: list[str]
    voted: list[str] = Field(description="who voted (never for whom)")
    voters: int
    share: float | None
    quorum: float | None
    self_vote_allowed: bool
    tally: dict[str, int] | None = Field(description="candidate → votes; only once closed with enough voters")
    ballots: list[CountedVote] | None = Field(description="without voters, to recount; as `tally`")
    rejected: int | None = Field(description="ballots not counted (their sealed choice no longer matched)")
    min_voters: int | None
    quorum_met: bool | None
    outcome: str | None = Field(description="elected, runoff or failed, once closed")
    reason: str | None
    winner: str | None
    runoff_candidates: list[str] | None


class Votes(BaseModel):
    campaign_id: str
    rounds: list[VoteRound] = Field(description="in opening order")
    leaders: dict[str, str] = Field(description="block id → its elected unit")


class CountedBallot(BaseModel):
    campaign_id: str
    block_id: str
    round_id: str
    ballot: str
    candidate_unit_id: str


class RuleResult(BaseModel):
    rule: str
    passed: bool
    reason: str


class Decision(BaseModel):
    approved: bool
    votes_for: int
    votes_against: int
    members_present: int
    members_total: int
    reason: str


class ExceptionalAchievement(BaseModel):
    """The exceptional achievement (thành tích đột xuất) of an ad-hoc award."""

    description: str
    achieved_on: str
    evidence_ref: str | None


class Proposal(BaseModel):
    proposal_id: str
    award: str
    unit_id: str
    person: str | None
    rule_results: list[RuleResult]
    eligible: bool
    status: str = Field(description="proposed, ineligible, approved or rejected")
    decision: Decision | None = Field(description="the council's, once decided")
    achievement: ExceptionalAchievement | None = Field(
        default=None, description="an ad-hoc award's (khen thưởng đột xuất) exceptional achievement; null otherwise"
    )


class Awards(BaseModel):
    campaign_id: str
    policy: EvaluationPolicy = Field(description="the policy in force (the defaults until one is set)")
    proposals: list[Proposal]


class Adopter(BaseModel):
    unit_id: str
    outcome: str


class ModelStep(BaseModel):
    campaign_id: str = Field(description="the campaign the step was recorded in")
    step: str = Field(description="identified, nurtured, supported (a support action), summed_up, spread or dropped")
    details: dict[str, Any] = Field(
        description="the event's own fields: identified (area, reason, identified_by), nurtured (plan), "
        "supported (action, done_on), summed_up (results, evidence_refs, assessment), spread (adopters), "
        "dropped (reason, from_stage)"
    )
    recorded_by: str = Field(description="the actor who recorded it")
    recorded_at: str


class ModelSummary(BaseModel):
    model_id: str
    unit_id: str
    person: str | None = Field(description="the person of the unit the model is; null for the unit itself")
    area: str = Field(description="the field of work (lĩnh vực)")
    title: str
    reason: str
    identified_by: str
    identified_in: str = Field(description="the campaign it was identified in")
    identified_at: str
    stage: str = Field(description="identified, nurtured, summed_up, spread or dropped")
    stage_campaigns: dict[str, str] = Field(description="stage → the campaign it was (last) recorded in")
    support_actions: int
    adopters: list[Adopter] = Field(description="every unit that adopted it, in the order recorded")


class ExemplaryModel(ModelSummary):
    history: list[ModelStep] = Field(description="every step, oldest first")


class FunnelStage(BaseModel):
    stage: str = Field(description="identified, nurtured, summed_up or spread, in this order")
    at: int = Field(description="models at this stage now")
    reached: int = Field(description="models that reached it (including those further on or dropped since)")


class Funnel(BaseModel):
    stages: list[FunnelStage]
    dropped: int
    total: int


class CampaignModels(BaseModel):
    campaign_id: str
    as_of: str | None = Field(description="the moment asked for, in UTC; null for now")
    funnel: Funnel = Field(description="every model of the campaign, whoever asks")
    models: list[ModelSummary] = Field(description="those the caller may see, by model id (history: /v1/models/{id})")
