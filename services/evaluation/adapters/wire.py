# mypy: disable-error-code="attr-defined"
"""Evaluation domain events → wire contracts (shared/events/evaluation.py). The one place they are mapped.

Internal events (an election started, a unit's award ledger) are not mapped and never leave the
service. A ballot's choice never leaves with its voter: `block_vote_cast` carries only a commitment to
it (its sealed content stays in the store), and `vote_round_closed` the counted ballots without voters.

An event stored before its contract gained a version is published (and re-derived by `audit verify`)
in the version it had: what a stored event holds says which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.evaluation.domain.achievements import Achievement
from services.evaluation.domain.awards import Proposal
from services.evaluation.domain.discipline import UnitDiscipline
from services.evaluation.domain.dossiers import Dossier
from services.evaluation.domain.exemplary import ExemplaryModel
from services.evaluation.domain.scoring import PolicyBook, ScoringTable
from services.evaluation.domain.voting import BlockElection
from shared.infra.wire import WireEvent, WireMap


def fields(
    name: str, subject: Callable[[Any], str], *names: str, version: int | None = None
) -> Callable[[Any], WireEvent]:
    def to_wire(e: Any) -> WireEvent:
        data = {k: getattr(e, k) for k in ("campaign_id", *names)}
        return WireEvent(name, e.campaign_id, data, subject(e), version)

    return to_wire


ToWire = Callable[[Any], WireEvent]


def by_version(newest: ToWire, older: ToWire, is_older: Callable[[Any], bool]) -> ToWire:
    """`older` for an event recorded before its contract's newest version, else `newest`."""

    def to_wire(e: Any) -> WireEvent:
        return older(e) if is_older(e) else newest(e)

    return to_wire


def campaign(e: Any) -> str:
    return f"campaign/{e.campaign_id}"


def achievement(e: Any) -> str:
    return f"achievement/{e.achievement_id}"


def block(e: Any) -> str:
    return f"block/{e.block_id}"


def proposal(e: Any) -> str:
    return f"proposal/{e.proposal_id}"


def model(e: Any) -> str:
    return f"model/{e.model_id}"


def stage(name: str, *names: str) -> ToWire:
    """A stage of an exemplary model: in the campaign it was recorded in (`campaign_start` stays inside)."""
    return fields(name, model, "model_id", "unit_id", "person", "title", *names)


_REPORTED = ("achievement_id", "unit_id", "person", "content_no", "criterion_id", "claimed_points", "description")
_TABLE = ("criteria", "bonuses", "penalties")
_ROUND = ("block_id", "round_id")
_OPENED = (*_ROUND, "candidates", "eligible_voters", "runoff_of", "share", "quorum", "self_vote_allowed")
_CLOSED_V2 = (*_ROUND, "tally", "ballots", "voters", "eligible", "quorum_met", "outcome", "reason", "winner")
_CLOSED = (*_CLOSED_V2, "rejected", "min_voters")
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

policy_set = by_version(
    by_version(
        by_version(
            fields("evaluation_policy_set", campaign, "policy"),
            fields("evaluation_policy_set", campaign, "policy", version=3),
            lambda e: "cstdcs_consecutive_years" not in e.policy,
        ),
        fields("evaluation_policy_set", campaign, "policy", version=2),
        lambda e: "dossier_points_max" not in e.policy,
    ),
    fields("evaluation_policy_set", campaign, "policy", version=1),
    lambda e: "vote_min_voters" not in e.policy,
)
proposed = by_version(
    fields("award_proposed", proposal, *_PROPOSED, "achievement"),
    fields("award_proposed", proposal, *_PROPOSED, version=1),
    lambda e: not hasattr(e, "achievement"),  # stored before ad-hoc awards (the class had no `achievement`)
)
ballot_cast = by_version(
    fields("block_vote_cast", block, *_ROUND, "voter_unit_id", "commitment"),
    fields("block_vote_cast", block, *_ROUND, "voter_unit_id", version=1),
    lambda e: getattr(e, "commitment", None) is None,  # class version 1 (stored in clear, no commitment)
)
round_closed = by_version(
    fields("vote_round_closed", block, *_CLOSED),
    fields("vote_round_closed", block, *_CLOSED_V2, version=2),
    lambda e: getattr(e, "min_voters", None) is None,  # class version 1 (ballots with voters)
)
table_set = fields("scoring_table_set", campaign, *_TABLE)


def inbound(name: str, subject: Callable[[Any], str], *names: str) -> ToWire:
    """A fact from another city system, recorded by the evaluation: it belongs to no campaign (the campaign whose
    period holds it is derived where it is read), and names its source and source event id."""

    def to_wire(e: Any) -> WireEvent:
        data = {k: getattr(e, k) for k in ("source", "source_event_id", *names)}
        return WireEvent(name, None, data, subject(e))

    return to_wire


def dossier(e: Any) -> str:
    return f"dossier/{e.source}/{e.dossier_id}"


def unit(e: Any) -> str:
    return f"unit/{e.unit_id}"


_DOSSIER = ("dossier_id", "unit_id", "procedure_code", "received_at", "due_at", "resolved_at", "late")

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
        BlockElection.BallotCast: ballot_cast,
        BlockElection.RoundClosed: round_closed,
        BlockElection.LeaderElected: fields("block_leader_elected", block, *_ROUND, "unit_id", "votes"),
        BlockElection.RoundFailed: fields("vote_round_failed", block, *_ROUND, "reason", "runoff_candidates"),
        Proposal.Proposed: proposed,
        Proposal.Decided: fields("award_decided", proposal, *_DECIDED),
        ExemplaryModel.Identified: stage("exemplary_model_identified", "area", "reason", "identified_by"),
        ExemplaryModel.Nurtured: stage("exemplary_model_nurtured", "plan"),
        ExemplaryModel.Supported: stage("exemplary_model_supported", "action", "done_on"),
        ExemplaryModel.SummedUp: stage("exemplary_model_summed_up", "results", "evidence_refs", "assessment"),
        ExemplaryModel.Spread: stage("exemplary_model_spread", "adopters"),
        ExemplaryModel.Dropped: stage("exemplary_model_dropped", "reason", "from_stage"),
        Dossier.Resolved: inbound("dossier_recorded", dossier, *_DOSSIER),
        UnitDiscipline.Recorded: inbound(
            "discipline_recorded", unit, "decision_no", "person", "unit_id", "measure", "decided_on"
        ),
        UnitDiscipline.Annulled: inbound(
            "discipline_annulled", unit, "decision_no", "unit_id", "annulled_on", "reason"
        ),
    },
)
