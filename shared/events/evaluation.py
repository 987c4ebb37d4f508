"""Evaluation contracts: scoring, achievements, block votes, award proposals and council decisions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.events.base import Accepted, Command, CommandType, Contract, EventType
from shared.events.inbound import Measure, SourceId
from shared.events.types import Day, LongText, Moment, Name, Slug

SERVICE = "evaluation"
Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
"""A SHA-256 digest in lowercase hex (a ballot's commitment, an anonymous ballot id)."""


class Criterion(Contract):
    criterion_id: Slug
    title: Name
    max_points: float = Field(ge=0, le=10_000)


class ScoreItem(Contract):
    """A bonus or penalty item (for example points lost for a late report or a late dossier)."""

    item_id: Slug
    title: Name
    points: float = Field(ge=0, le=10_000)


class EvaluationPolicyV1(Contract):
    """Parameters of the evaluation rules of one campaign, as `evaluation_policy_set.v1` published them."""

    vote_share: float = Field(default=0.5, gt=0, lt=1)
    """A block vote's winner needs MORE than this share of the eligible voters."""
    vote_quorum: float = Field(default=2 / 3, gt=0, le=1)
    """At least this share of the eligible voters must cast a ballot."""
    self_vote_allowed: bool = False
    max_runoffs: int = Field(default=1, ge=0, le=5)
    cstdcs_quota: float = Field(default=0.15, ge=0, le=1)
    xuat_sac_ldtt_share: float = Field(default=0.70, ge=0, le=1)
    tien_tien_ldtt_share: float = Field(default=0.5, ge=0, lt=1)
    council_members: int = Field(default=9, ge=1, le=200)
    council_threshold: float = Field(default=0.70, gt=0, le=1)
    council_quorum: float = Field(default=2 / 3, gt=0, le=1)
    late_penalty_item: Slug = "late-report"


class EvaluationPolicyV2(EvaluationPolicyV1):
    """Parameters of the evaluation rules of one campaign, as `evaluation_policy_set.v2` published them."""

    vote_min_voters: int = Field(default=3, ge=1, le=1000)
    """A round's tally and anonymous ballots are published only if at least this many ballots count."""


class EvaluationPolicyV3(EvaluationPolicyV2):
    """Parameters of the evaluation rules of one campaign, as `evaluation_policy_set.v3` published them."""

    dossier_points_max: float = Field(default=0.0, ge=0, le=10_000)
    """Points a unit's one-stop dossiers add to its verified score at a 100 % on-time share (scaled by the share;
    0, the default, adds nothing)."""
    late_dossier_penalty: float = Field(default=0.0, ge=0, le=10_000)
    """Points deducted from the verified score per late dossier (0, the default, deducts nothing)."""


class EvaluationPolicy(EvaluationPolicyV3):
    """Parameters of the evaluation rules of one campaign; every field has the documented default."""

    cstdcs_consecutive_years: int = Field(default=3, ge=1, le=10)
    """Chiến sĩ thi đua cấp Thành phố: Chiến sĩ thi đua cơ sở in this many consecutive years, ending with the
    campaign's year (three times running under the Law on Emulation and Commendation 2022)."""


class EvaluationPolicySetV1(Contract):
    campaign_id: Slug
    policy: EvaluationPolicyV1


class EvaluationPolicySetV2(Contract):
    """Version 2: the policy has `vote_min_voters`; v1 messages are upcast with its default."""

    campaign_id: Slug
    policy: EvaluationPolicyV2


class EvaluationPolicySetV3(Contract):
    """Version 3: the policy has the dossier criterion (`dossier_points_max`, `late_dossier_penalty`); older
    messages are upcast with its defaults, which change no score."""

    campaign_id: Slug
    policy: EvaluationPolicyV3


class EvaluationPolicySet(Contract):
    """Version 4: the policy has `cstdcs_consecutive_years`; older messages are upcast with its default, 3."""

    campaign_id: Slug
    policy: EvaluationPolicy


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
    due_on: Day | None = None
    late: bool = False
    """Reported after `due_on` (by the service clock); a late item loses the policy's late penalty."""


class AchievementVerified(Contract):
    campaign_id: Slug
    achievement_id: Slug
    unit_id: Slug
    points: float
    """Points accepted (as claimed, or adjusted by the council)."""
    penalty: float = 0
    """Points deducted because the item was late; the item counts `points - penalty`."""
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
    share: float = 0.5
    quorum: float = 2 / 3
    self_vote_allowed: bool = False


class BlockVoteCastV1(Contract):
    """Version 1: that the unit voted, with nothing about the choice (the hash chain covered no choice)."""

    campaign_id: Slug
    block_id: Slug
    round_id: Slug
    voter_unit_id: Slug


class BlockVoteCast(BlockVoteCastV1):
    """A secret ballot: that the unit voted, and a commitment to its choice that reveals nothing without the
    voter's receipt (docs/contract/evaluation.md, "Secret ballot")."""

    commitment: Digest | None
    """SHA-256 over the round, the voter's receipt and the candidate; null for a v1 ballot (upcast)."""


class Ballot(Contract):
    """A ballot with its voter, as `vote_round_closed` v1 and v2 published them (history only)."""

    voter_unit_id: Slug
    candidate_unit_id: Slug


class AnonymousBallot(Contract):
    """A counted ballot without its voter: the voter finds it by the id computed from their receipt."""

    ballot: Digest | None
    """SHA-256 over the round and the voter's receipt; null for a ballot recorded before receipts existed."""
    candidate_unit_id: Slug


class VoteRoundClosedV1(Contract):
    """Version 1, as first published: the winner had to be worked out from the tally."""

    campaign_id: Slug
    block_id: Slug
    round_id: Slug
    tally: dict[str, int]
    ballots: list[Ballot]
    voters: int
    eligible: int
    quorum_met: bool
    outcome: Literal["elected", "runoff", "failed"]
    reason: LongText | None = None


class VoteRoundClosedV2(VoteRoundClosedV1):
    """Version 2 names the winner (and, like v1, every ballot with its voter)."""

    winner: Slug | None
    """The elected unit when `outcome` is `elected` (also announced by `block_leader_elected`), else null."""


class VoteRoundClosed(Contract):
    """Version 3: the counted ballots without voters, published only with enough voters. Older versions are
    upcast (`shared/events/upcasting.py`), their ballots losing their voters."""

    campaign_id: Slug
    block_id: Slug
    round_id: Slug
    tally: dict[str, int] | None
    """Votes per candidate; null unless the quorum is met and at least `min_voters` ballots count."""
    ballots: list[AnonymousBallot]
    """The counted ballots, sorted by `ballot`, so anyone can recount the tally; empty when it is null."""
    voters: int
    """Ballots cast."""
    rejected: int
    """Ballots not counted: their sealed choice did not match the commitment published when they were cast."""
    eligible: int
    quorum_met: bool
    min_voters: int
    outcome: Literal["elected", "runoff", "failed"]
    reason: LongText | None = None
    winner: Slug | None
    """The elected unit when `outcome` is `elected` (also announced by `block_leader_elected`), else null."""


class BallotAccepted(Accepted):
    """The reply to `cast_block_vote`: the recorded events and the voter's receipt."""

    receipt: str | None
    """43 characters of base64url (32 random bytes), given only to the voter; the same again for the same
    `command_id`. Keep it secret: with it the voter finds their anonymous ballot once the round closes."""


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


class ExceptionalAchievement(Contract):
    """An exceptional achievement (thành tích đột xuất): what was achieved, when, and its evidence. A proposal naming
    one is an ad-hoc award (khen thưởng đột xuất), checked by its own rules and decided like the others."""

    description: LongText
    """What was achieved."""
    achieved_on: Day
    evidence_ref: Name | None = None
    """The evidence (a report, a decision, a letter of thanks); rule `evidence-named` fails without it."""


class AwardProposedV1(Contract):
    """Version 1, before ad-hoc awards."""

    campaign_id: Slug
    proposal_id: Slug
    award: Slug
    unit_id: Slug
    person: Name | None = None
    rule_results: list[RuleResult] = Field(default_factory=list)
    eligible: bool = True


class AwardProposed(AwardProposedV1):
    """Version 2 names the exceptional achievement of an ad-hoc proposal; v1 messages are upcast with none."""

    achievement: ExceptionalAchievement | None = None
    """Null for a proposal of the year-end review."""


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


class AwardFactsIn(Contract):
    """Facts a proposal declares (the council checks the dossier); titles already held come from decisions."""

    discipline: Literal[
        "none", "khien-trach", "canh-cao", "ha-bac-luong", "giang-chuc", "cach-chuc", "buoc-thoi-viec"
    ] = "none"
    """The person's disciplinary measure this year (`khien-trach`, reprimand, and above bar every award)."""
    disciplined_members: int = Field(default=0, ge=0, le=100_000)
    initiative: Name | None = None
    """The recognised initiative (sáng kiến) of a Chiến sĩ thi đua cơ sở candidate."""
    members: int | None = Field(default=None, ge=1, le=100_000)
    members_completing_tasks: int | None = Field(default=None, ge=0, le=100_000)


class DossierRecorded(Contract):
    """A dossier resolution the one-stop system reported (`dossier_resolved`), as the evaluation took it."""

    source: Slug
    """The city system that reported it."""
    source_event_id: SourceId
    dossier_id: SourceId
    unit_id: Slug
    procedure_code: SourceId
    received_at: Moment
    due_at: Moment
    resolved_at: Moment
    late: bool
    """Resolved after `due_at`."""


class DisciplineRecorded(Contract):
    """A disciplinary decision the personnel system reported (`disciplinary_measure_recorded`)."""

    source: Slug
    source_event_id: SourceId
    decision_no: Name
    person: Name
    unit_id: Slug
    measure: Measure
    decided_on: Day


class DisciplineAnnulled(Contract):
    """The annulment of a disciplinary decision the personnel system reported (`disciplinary_measure_annulled`)."""

    source: Slug
    source_event_id: SourceId
    decision_no: Name
    unit_id: Slug
    annulled_on: Day
    reason: LongText | None = None


class SetEvaluationPolicy(Command):
    """Set the campaign's rule parameters (vote share and quorum, quotas, council threshold)."""

    campaign_id: Slug
    policy: EvaluationPolicy = EvaluationPolicy()


class SetScoringTable(Command):
    """Set or replace the campaign's scoring table; replies with `scoring_table_set`."""

    campaign_id: Slug
    criteria: list[Criterion] = Field(max_length=500)
    bonuses: list[ScoreItem] = Field(default_factory=list, max_length=500)
    penalties: list[ScoreItem] = Field(default_factory=list, max_length=500)


class ReportAchievement(Command):
    """A unit (or one of its people) reports an achievement with claimed points."""

    campaign_id: Slug
    achievement_id: Slug
    unit_id: Slug
    person: Name | None = None
    content_no: int | None = Field(default=None, ge=1, le=999)
    criterion_id: Slug | None = None
    claimed_points: float = Field(ge=0, le=10_000)
    description: LongText
    evidence_ref: Name | None = None
    due_on: Day | None = None


class VerifyAchievement(Command):
    """The council accepts an achievement, as claimed or with adjusted points and a reason."""

    campaign_id: Slug
    achievement_id: Slug
    points: float | None = Field(default=None, ge=0, le=10_000)
    """Omit to accept the claimed points; a different value needs a `reason`."""
    reason: LongText | None = None


class RejectAchievement(Command):
    """The council rejects an achievement, with its reason."""

    campaign_id: Slug
    achievement_id: Slug
    reason: LongText


class OpenVoteRound(Command):
    """The council or the block leader opens a block vote; candidates default to all member units."""

    campaign_id: Slug
    block_id: Slug
    round_id: Slug = Field(max_length=56)
    candidates: list[Slug] | None = Field(default=None, max_length=500)
    """Default: every member unit of the block."""


class CastBlockVote(Command):
    """A member unit casts its one secret ballot; only the reply carries its receipt."""

    campaign_id: Slug
    block_id: Slug
    round_id: Slug
    voter_unit_id: Slug
    candidate_unit_id: Slug


class CloseVoteRound(Command):
    """Tally: elect the leader, fail, or open a runoff among the leading candidates."""

    campaign_id: Slug
    block_id: Slug
    round_id: Slug


class ProposeAward(Command):
    """Propose an award; every rule's result is recorded with the proposal. With `achievement`, an ad-hoc award
    (khen thưởng đột xuất) at any time while the campaign is open."""

    campaign_id: Slug
    proposal_id: Slug
    award: Slug
    unit_id: Slug
    person: Name | None = None
    facts: AwardFactsIn = AwardFactsIn()
    achievement: ExceptionalAchievement | None = None
    """The exceptional achievement of an ad-hoc award (a form: Giấy khen, Bằng khen); omit for the year-end review."""


class DecideAward(Command):
    """Record the council's secret-ballot counts and its decision."""

    campaign_id: Slug
    proposal_id: Slug
    votes_for: int = Field(ge=0, le=10_000)
    votes_against: int = Field(ge=0, le=10_000)
    members_present: int = Field(ge=0, le=10_000)
    reason: LongText | None = None


EVENTS = [
    EventType("evaluation_policy_set", 1, EvaluationPolicySetV1, SERVICE),
    EventType("evaluation_policy_set", 2, EvaluationPolicySetV2, SERVICE),
    EventType("evaluation_policy_set", 3, EvaluationPolicySetV3, SERVICE),
    EventType("evaluation_policy_set", 4, EvaluationPolicySet, SERVICE),
    EventType("scoring_table_set", 1, ScoringTableSet, SERVICE),
    EventType("achievement_reported", 1, AchievementReported, SERVICE),
    EventType("achievement_verified", 1, AchievementVerified, SERVICE),
    EventType("achievement_rejected", 1, AchievementRejected, SERVICE),
    EventType("vote_round_opened", 1, VoteRoundOpened, SERVICE),
    EventType("block_vote_cast", 1, BlockVoteCastV1, SERVICE),
    EventType("block_vote_cast", 2, BlockVoteCast, SERVICE),
    EventType("vote_round_closed", 1, VoteRoundClosedV1, SERVICE),
    EventType("vote_round_closed", 2, VoteRoundClosedV2, SERVICE),
    EventType("vote_round_closed", 3, VoteRoundClosed, SERVICE),
    EventType("block_leader_elected", 1, BlockLeaderElected, SERVICE),
    EventType("vote_round_failed", 1, VoteRoundFailed, SERVICE),
    EventType("award_proposed", 1, AwardProposedV1, SERVICE),
    EventType("award_proposed", 2, AwardProposed, SERVICE),
    EventType("award_decided", 1, AwardDecided, SERVICE),
    EventType("dossier_recorded", 1, DossierRecorded, SERVICE),
    EventType("discipline_recorded", 1, DisciplineRecorded, SERVICE),
    EventType("discipline_annulled", 1, DisciplineAnnulled, SERVICE),
]
COMMANDS = [
    CommandType("set_evaluation_policy", SetEvaluationPolicy, SERVICE),
    CommandType("set_scoring_table", SetScoringTable, SERVICE),
    CommandType("report_achievement", ReportAchievement, SERVICE),
    CommandType("verify_achievement", VerifyAchievement, SERVICE),
    CommandType("reject_achievement", RejectAchievement, SERVICE),
    CommandType("open_vote_round", OpenVoteRound, SERVICE),
    CommandType("cast_block_vote", CastBlockVote, SERVICE, reply=BallotAccepted),
    CommandType("close_vote_round", CloseVoteRound, SERVICE),
    CommandType("propose_award", ProposeAward, SERVICE),
    CommandType("decide_award", DecideAward, SERVICE),
]
