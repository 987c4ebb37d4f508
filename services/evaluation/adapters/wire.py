# mypy: disable-error-code="attr-defined"
"""Evaluation domain events → wire contracts (shared/events/evaluation.py). The one place they are mapped.

Internal events (an election started, a unit's award ledger) are not mapped and never leave the
service. A ballot's choice stays internal until its round closes: `block_vote_cast` omits it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.evaluation.domain.achievements import Achievement
from services.evaluation.domain.awards import Proposal
from services.evaluation.domain.scoring import PolicyBook, ScoringTable
from services.evaluation.domain.voting import BlockElection
from shared.infra.wire import WireEvent, WireMap


def fields(name: str, subject: Callable[[Any], str], *names: str) -> Callable[[Any], WireEvent]:
    def to_wire(e: Any) -> WireEvent:
        return WireEvent(name, e.campaign_id, {k: getattr(e, k) for k in ("campaign_id", *names)}, subject(e))

    return to_wire


def campaign(e: Any) -> str:
    return f"campaign/{e.campaign_id}"


def achievement(e: Any) -> str:
    return f"achievement/{e.achievement_id}"


def block(e: Any) -> str:
    return f"block/{e.block_id}"


def proposal(e: Any) -> str:
    return f"proposal/{e.proposal_id}"


_REPORTED = ("achievement_id", "unit_id", "person", "content_no", "criterion_id", "claimed_points", "description")
_TABLE = ("criteria", "bonuses", "penalties")
_ROUND = ("block_id", "round_id")
_OPENED = (*_ROUND, "candidates", "eligible_voters", "runoff_of", "share", "quorum", "self_vote_allowed")
_CLOSED = (*_ROUND, "tally", "ballots", "voters", "eligible", "quorum_met", "outcome", "reason", "winner")
_PROPOSED = ("proposal_id", "award", "unit_id", "person", "rule_results", "eligible")
_DECIDED = (
    "proposal_id",
    "award",
    "unit_id",
    "person",
    "approved",
    "votes_for",
    "votes_against",
    "members_present",
    "members_total",
    "reason",
)

policy_set = fields("evaluation_policy_set", campaign, "policy")
table_set = fields("scoring_table_set", campaign, *_TABLE)

WIRE = WireMap(
    "evaluation",
    {
        PolicyBook.Set: policy_set,
        PolicyBook.Replaced: policy_set,
        ScoringTable.Set: table_set,
        ScoringTable.Replaced: table_set,
        Achievement.Reported: fields("achievement_reported", achievement, *_REPORTED, "evidence_ref", "due_on", "late"),
        Achievement.Verified: fields(
            "achievement_verified", achievement, "achievement_id", "unit_id", "points", "penalty", "adjusted", "reason"
        ),
        Achievement.Rejected: fields("achievement_rejected", achievement, "achievement_id", "unit_id", "reason"),
        BlockElection.RoundOpened: fields("vote_round_opened", block, *_OPENED),
        BlockElection.BallotCast: fields("block_vote_cast", block, *_ROUND, "voter_unit_id"),
        BlockElection.RoundClosed: fields("vote_round_closed", block, *_CLOSED),
        BlockElection.LeaderElected: fields("block_leader_elected", block, *_ROUND, "unit_id", "votes"),
        BlockElection.RoundFailed: fields("vote_round_failed", block, *_ROUND, "reason", "runoff_candidates"),
        Proposal.Proposed: fields("award_proposed", proposal, *_PROPOSED),
        Proposal.Decided: fields("award_decided", proposal, *_DECIDED),
    },
)
