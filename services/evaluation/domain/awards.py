"""Award proposals checked by named rules, the council's decision, and each unit's ledger of titles."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.discipline import same_person
from services.evaluation.domain.errors import (
    AdhocAwardNotAForm,
    AlreadyDecided,
    CouncilQuorumNotMet,
    InvalidCounts,
    PersonNotAllowed,
    PersonRequired,
    ProposalNotEligible,
    UnknownAward,
)
from services.evaluation.domain.ids import aggregate_id
from services.evaluation.domain.policy import ADHOC_KINDS, AWARDS, Policy
from services.evaluation.domain.rules import (
    AwardFacts,
    RuleResult,
    check_award,
    council_quorum,
    council_threshold,
    rechecked,
)


class UnitAwards(Aggregate):
    """A unit's awards in one campaign: approved titles per person and pending eligible proposals."""

    @staticmethod
    def create_id(campaign_id: str, unit_id: str) -> UUID:
        return aggregate_id("unit-awards", campaign_id, unit_id)

    @event("Opened")
    def __init__(self, campaign_id: str, unit_id: str) -> None:
        self.campaign_id = campaign_id
        self.unit_id = unit_id
        self.approved: list[dict[str, Any]] = []
        self.pending: dict[str, dict[str, Any]] = {}

    def titles_of(self, person: str | None) -> list[str]:
        return sorted({a["award"] for a in self.approved if person is not None and a["person"] == person})

    def held_by(self, person: str | None) -> set[str]:
        """The awards approved for `person` (matched as the personnel system names people), or for the unit itself
        when None: what later campaigns' consecutive-years rules read."""
        return {
            a["award"]
            for a in self.approved
            if (a["person"] is None if person is None else a["person"] is not None and same_person(a["person"], person))
        }

    def count(self, award: str, with_pending: bool = False) -> int:
        """People of the unit approved for `award` (and, if asked, eligible proposals still undecided)."""
        approved = {a["person"] for a in self.approved if a["award"] == award}
        if with_pending:
            approved |= {p["person"] for p in self.pending.values() if p["award"] == award}
        return len(approved)

    @event("ProposalNoted")
    def note_proposal(self, proposal_id: str, award: str, person: str | None) -> None:
        self.pending[proposal_id] = {"award": award, "person": person}

    @event("DecisionNoted")
    def note_decision(self, proposal_id: str, award: str, person: str | None, approved: bool) -> None:
        self.pending.pop(proposal_id, None)
        if approved:
            self.approved.append({"award": award, "person": person})


class Proposal(Aggregate):
    @staticmethod
    def create_id(campaign_id: str, proposal_id: str) -> UUID:
        return aggregate_id("proposal", campaign_id, proposal_id)

    @classmethod
    def propose(cls, campaign_id: str, proposal_id: str, award: str, facts: AwardFacts, policy: Policy) -> Proposal:
        """Check the award against the catalogue and its rules; record the proposal with every rule's result."""
        if award not in AWARDS:
            raise UnknownAward(f"{award!r} is not in the award catalogue", "award")
        kind = AWARDS[award].kind
        if kind == "individual" and not facts.person:
            raise PersonRequired(f"{AWARDS[award].title} is an individual title: name the person", "person")
        if kind == "collective" and facts.person:
            raise PersonNotAllowed(f"{AWARDS[award].title} is a collective title: name no person", "person")
        if facts.achievement is not None and kind not in ADHOC_KINDS:
            raise AdhocAwardNotAForm(
                f"{AWARDS[award].title} is a title, considered once a year: an ad-hoc award (khen thưởng đột xuất) is "
                "a form of commendation (Giấy khen, Bằng khen)",
                "award",
            )
        results = check_award(award, facts, policy)
        return cls(
            campaign_id=campaign_id,
            proposal_id=proposal_id,
            award=award,
            unit_id=facts.unit_id,
            person=facts.person,
            rule_results=[r.to_dict() for r in results],
            eligible=all(r.passed for r in results),
            achievement=asdict(facts.achievement) if facts.achievement else None,
        )

    @event("Proposed")
    def __init__(
        self,
        campaign_id: str,
        proposal_id: str,
        award: str,
        unit_id: str,
        person: str | None,
        rule_results: list[dict[str, Any]],
        eligible: bool,
        achievement: dict[str, Any] | None = None,
    ) -> None:
        """`achievement`: the exceptional achievement of an ad-hoc proposal (absent from proposals stored before
        ad-hoc awards existed)."""
        self.campaign_id = campaign_id
        self.proposal_id = proposal_id
        self.award = award
        self.unit_id = unit_id
        self.person = person
        self.rule_results = rule_results
        self.eligible = eligible
        self.achievement = achievement
        self.decision: bool | None = None

    def failed_rules(self, recheck: list[RuleResult]) -> list[str]:
        """Reasons of the rules failing now: those recorded with the proposal, except the rules checked again at the
        decision (`rules.rechecked`), which `recheck` (their results from the facts as they stand) replaces."""
        kept = [r["reason"] for r in self.rule_results if not r["passed"] and not rechecked(r["rule"])]
        return kept + [r.reason for r in recheck if not r.passed]

    def decide(
        self,
        votes_for: int,
        votes_against: int,
        present: int,
        policy: Policy,
        reason: str | None,
        recheck: list[RuleResult] | None = None,
    ) -> None:
        """The council's secret-ballot counts: passes with `council_threshold` of all members, given the quorum.
        `recheck`: the rules over facts from other city systems and over earlier campaigns' decisions, checked again
        now (a measure reported after the proposal bars it, an annulment lifts the bar; an earlier year's decision
        recorded since counts)."""
        if self.decision is not None:
            raise AlreadyDecided(f"proposal {self.proposal_id!r} is already decided", "proposal_id")
        failed = self.failed_rules(recheck or [])
        if failed:
            raise ProposalNotEligible(f"the proposal failed its rules: {'; '.join(failed)}", "proposal_id")
        total = policy.council_members
        if present > total or votes_for + votes_against > present:
            raise InvalidCounts(
                f"{votes_for} for and {votes_against} against from {present} present of {total} members",
                "members_present",
            )
        quorum = council_quorum(present, total, policy.council_quorum)
        if not quorum.passed:
            raise CouncilQuorumNotMet(quorum.reason, "members_present")
        threshold = council_threshold(votes_for, total, policy.council_threshold)
        text = threshold.reason + (f"; {reason}" if reason else "")
        self._decided(
            campaign_id=self.campaign_id,
            proposal_id=self.proposal_id,
            award=self.award,
            unit_id=self.unit_id,
            person=self.person,
            approved=threshold.passed,
            votes_for=votes_for,
            votes_against=votes_against,
            members_present=present,
            members_total=total,
            reason=text,
        )

    @event("Decided")
    def _decided(
        self,
        campaign_id: str,
        proposal_id: str,
        award: str,
        unit_id: str,
        person: str | None,
        approved: bool,
        votes_for: int,
        votes_against: int,
        members_present: int,
        members_total: int,
        reason: str,
    ) -> None:
        self.decision = approved
