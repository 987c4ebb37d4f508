"""Evaluation use cases: one method per command; each loads, calls one domain method and saves.

Registry facts (campaigns, blocks, members, leaders, staff) come from the evaluation's own
reference views through `Facts`; everything the evaluation decides lives in its own aggregates.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date
from typing import Any, Protocol, TypeVar, cast

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from services.evaluation.domain.achievements import Achievement
from services.evaluation.domain.adhoc import Exceptional
from services.evaluation.domain.awards import Proposal, UnitAwards
from services.evaluation.domain.ballots import RECEIPT_BYTES, Seal, SealUnavailable, encode_receipt
from services.evaluation.domain.discipline import RecordedMeasure, UnitDiscipline
from services.evaluation.domain.dossiers import DEPARTMENT_TZ, Dossier
from services.evaluation.domain.errors import (
    AchievementExists,
    AchievementNotFound,
    BlockNotFound,
    CampaignClosed,
    CampaignNotFound,
    ModelExists,
    ModelNotFound,
    NotAllowed,
    ProposalExists,
    ProposalNotFound,
    RoundNotFound,
    UnitNotInCampaign,
)
from services.evaluation.domain.exemplary import ExemplaryModel
from services.evaluation.domain.policy import CSTDCS, LDTT, Policy
from services.evaluation.domain.rules import (
    HISTORY_RULES,
    AwardFacts,
    RuleResult,
    acts_for_council,
    conducts_block_vote,
    history_rules,
    no_recorded_measure,
    own_ballot,
)
from services.evaluation.domain.scoring import PolicyBook, ScoringTable
from services.evaluation.domain.voting import BlockElection
from shared.events.base import META, Accepted, Command
from shared.events.evaluation import (
    BallotAccepted,
    CastBlockVote,
    CloseVoteRound,
    DecideAward,
    OpenVoteRound,
    ProposeAward,
    RejectAchievement,
    ReportAchievement,
    SetEvaluationPolicy,
    SetScoringTable,
    VerifyAchievement,
)
from shared.events.exemplary import (
    DropExemplaryModel,
    IdentifyExemplaryModel,
    NurtureExemplaryModel,
    SpreadExemplaryModel,
    SumUpExemplaryModel,
    SupportExemplaryModel,
)
from shared.events.inbound import AnnulDisciplinaryMeasure, RecordDisciplinaryMeasure, RecordDossierResolved
from shared.infra.application import Problem, ServiceApplication
from shared.infra.clock import Clock
from shared.infra.eventstore import event_id
from shared.infra.wire import WireMap

A = TypeVar("A", bound=Aggregate)


class Facts(Protocol):
    def campaign(self, campaign_id: str) -> dict[str, Any] | None: ...
    def campaigns(self) -> list[dict[str, Any]]: ...
    def block(self, campaign_id: str, block_id: str) -> dict[str, Any] | None: ...
    def members(self, campaign_id: str, block_id: str) -> list[str]: ...
    def block_of(self, campaign_id: str, unit_id: str) -> str | None: ...
    def staff_count(self, campaign_id: str, unit_id: str) -> int | None: ...


def require(result: RuleResult, field: str | None = None) -> None:
    if not result.passed:
        raise NotAllowed(result.reason, field)


def year_of(campaign: dict[str, Any]) -> int:
    """The campaign's year (from its period for a campaign launched without one)."""
    return int(campaign.get("year") or str(campaign.get("period_start", "0"))[:4])


def day(value: Any) -> date | None:
    return value if isinstance(value, date) else date.fromisoformat(value) if value else None


class EvaluationApplication(ServiceApplication):
    name = "evaluation"

    def __init__(
        self,
        wire: WireMap,
        facts: Facts,
        seal: Seal,
        env: dict[str, str] | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(wire, env=env, clock=clock)
        self.facts = facts
        self.seal = seal
        """Seals each ballot's choice and receipt in the store (the key holder can open them; the store alone not)."""

    # ---- helpers -----------------------------------------------------------------------------------

    def campaign(self, campaign_id: str, open_only: bool = True) -> dict[str, Any]:
        found = self.facts.campaign(campaign_id)
        if found is None:
            raise CampaignNotFound(f"no campaign {campaign_id!r}", "campaign_id")
        if open_only and found.get("status") == "closed":
            raise CampaignClosed(f"campaign {campaign_id!r} is closed", "campaign_id")
        return found

    def council(self, actor: str, campaign: dict[str, Any]) -> None:
        require(acts_for_council(actor, campaign.get("secretariat_unit_id")), "actor")

    def get_policy(self, campaign_id: str) -> Policy:
        book: PolicyBook | None = self.find(PolicyBook.create_id(campaign_id))
        return book.current() if book else Policy()

    def member_block(self, campaign_id: str, unit_id: str) -> str:
        block = self.facts.block_of(campaign_id, unit_id)
        if block is None:
            raise UnitNotInCampaign(f"{unit_id} is in no block of campaign {campaign_id!r}", "unit_id")
        return block

    # ---- policy and scoring table -----------------------------------------------------------------

    def set_evaluation_policy(self, cmd: SetEvaluationPolicy) -> list[Aggregate]:
        self.council(cmd.actor, self.campaign(cmd.campaign_id))
        policy = cmd.policy.model_dump()
        book: PolicyBook | None = self.find(PolicyBook.create_id(cmd.campaign_id))
        if book is None:
            return [PolicyBook(campaign_id=cmd.campaign_id, policy=policy)]
        book.replace(campaign_id=cmd.campaign_id, policy=policy)
        return [book]

    def set_scoring_table(self, cmd: SetScoringTable) -> list[Aggregate]:
        self.council(cmd.actor, self.campaign(cmd.campaign_id))
        parts = cmd.model_dump(include={"criteria", "bonuses", "penalties"})
        ScoringTable.check(**parts)
        table: ScoringTable | None = self.find(ScoringTable.create_id(cmd.campaign_id))
        if table is None:
            return [ScoringTable(campaign_id=cmd.campaign_id, **parts)]
        table.replace(**parts)
        return [table]

    # ---- achievements ------------------------------------------------------------------------------

    def report_achievement(self, cmd: ReportAchievement) -> list[Aggregate]:
        campaign = self.campaign(cmd.campaign_id)
        if self.exists(Achievement.create_id(cmd.campaign_id, cmd.achievement_id)):
            raise AchievementExists(f"achievement {cmd.achievement_id!r} already exists", "achievement_id")
        self.member_block(cmd.campaign_id, cmd.unit_id)
        table: ScoringTable | None = self.find(ScoringTable.create_id(cmd.campaign_id))
        maximum = table.maximum(cmd.criterion_id) if table and cmd.criterion_id else None
        details = cmd.model_dump(exclude=META | {"due_on"})
        return [
            Achievement.report(
                contents=[c["no"] for c in campaign.get("contents", [])],
                maximum=maximum,
                today=self.clock.now().astimezone(DEPARTMENT_TZ).date(),
                due_on=cmd.due_on,
                **details,
            )
        ]

    def load_achievement(self, campaign_id: str, achievement_id: str) -> Achievement:
        found: Achievement | None = self.find(Achievement.create_id(campaign_id, achievement_id))
        if found is None:
            raise AchievementNotFound(f"no achievement {achievement_id!r}", "achievement_id")
        return found

    def verify_achievement(self, cmd: VerifyAchievement) -> list[Aggregate]:
        self.council(cmd.actor, self.campaign(cmd.campaign_id))
        achievement = self.load_achievement(cmd.campaign_id, cmd.achievement_id)
        table: ScoringTable | None = self.find(ScoringTable.create_id(cmd.campaign_id))
        criterion = achievement.criterion_id
        maximum = table.maximum(criterion) if table and criterion else None
        penalty = table.penalty(self.get_policy(cmd.campaign_id).late_penalty_item) if table else 0.0
        achievement.verify(cmd.points, cmd.reason, maximum, penalty)
        return [achievement]

    def reject_achievement(self, cmd: RejectAchievement) -> list[Aggregate]:
        self.council(cmd.actor, self.campaign(cmd.campaign_id))
        achievement = self.load_achievement(cmd.campaign_id, cmd.achievement_id)
        achievement.reject(cmd.reason)
        return [achievement]

    # ---- block vote --------------------------------------------------------------------------------

    def conducting(self, actor: str, campaign_id: str, block_id: str) -> dict[str, Any]:
        campaign = self.campaign(campaign_id)
        block = self.facts.block(campaign_id, block_id)
        if block is None:
            raise BlockNotFound(f"no block {block_id!r} in campaign {campaign_id!r}", "block_id")
        require(conducts_block_vote(actor, campaign.get("secretariat_unit_id"), block.get("leader_unit_id")), "actor")
        return block

    def load_election(self, campaign_id: str, block_id: str, round_id: str) -> BlockElection:
        election: BlockElection | None = self.find(BlockElection.create_id(campaign_id, block_id))
        if election is None:
            raise RoundNotFound(f"no round {round_id!r} in block {block_id!r}", "round_id")
        return election

    def open_vote_round(self, cmd: OpenVoteRound) -> list[Aggregate]:
        self.conducting(cmd.actor, cmd.campaign_id, cmd.block_id)
        election: BlockElection | None = self.find(BlockElection.create_id(cmd.campaign_id, cmd.block_id))
        if election is None:
            election = BlockElection(campaign_id=cmd.campaign_id, block_id=cmd.block_id)
        members = self.facts.members(cmd.campaign_id, cmd.block_id)
        election.open(cmd.round_id, members, cmd.candidates, self.get_policy(cmd.campaign_id))
        return [election]

    def cast_block_vote(self, cmd: CastBlockVote) -> list[Aggregate]:
        """Record a secret ballot under a fresh receipt; the reply (`reply`), and only the reply, carries it."""
        self.campaign(cmd.campaign_id)
        require(own_ballot(cmd.actor, cmd.voter_unit_id), "actor")
        election = self.load_election(cmd.campaign_id, cmd.block_id, cmd.round_id)
        receipt = encode_receipt(secrets.token_bytes(RECEIPT_BYTES))
        election.cast(cmd.round_id, cmd.voter_unit_id, cmd.candidate_unit_id, receipt, self.seal)
        return [election]

    def reply(self, command: Command, accepted: Accepted) -> Accepted:
        if isinstance(command, CastBlockVote):
            return BallotAccepted(events=accepted.events, receipt=self.receipt_of(command, accepted))
        return accepted

    def receipt_of(self, cmd: CastBlockVote, reply: Accepted) -> str | None:
        """The voter's receipt, opened from the sealed ballot this command recorded.

        Read back rather than kept, so a re-sent command (same `command_id`) gets the same receipt while
        no receipt is stored in clear (not in the command's `CommandReceipt` either). Given only to the
        voter itself, and only for the ballot whose event is in this command's reply.
        """
        if not own_ballot(cmd.actor, cmd.voter_unit_id).passed:
            return None
        election: BlockElection | None = self.find(BlockElection.create_id(cmd.campaign_id, cmd.block_id))
        opened = election.opened_ballot(cmd.round_id, cmd.voter_unit_id, self.seal) if election else None
        if election is None or opened is None:
            return None
        receipt, version = opened
        return receipt if any(e.id == event_id(election.id, version) for e in reply.events) else None

    def close_vote_round(self, cmd: CloseVoteRound) -> list[Aggregate]:
        self.conducting(cmd.actor, cmd.campaign_id, cmd.block_id)
        election = self.load_election(cmd.campaign_id, cmd.block_id, cmd.round_id)
        election.close(cmd.round_id, self.seal)
        return [election]

    def integrity_problems(self) -> Iterator[Problem]:
        """Every stored ballot whose sealed choice no longer opens or no longer matches the commitment published
        when it was cast (kind `ballot_tampered`); the close of its round does not count it. Where the ballot
        key is not (or is another), ballots cannot be checked: one `ballot_unchecked` says so."""
        topic = get_topic(BlockElection.BallotCast)
        start = 1
        while notifications := self.recorder.select_notifications(start=start, limit=500, topics=[topic]):
            for n in notifications:
                eid = event_id(n.originator_id, n.originator_version)
                try:
                    ballot = cast(BlockElection.BallotCast, self.mapper.to_domain_event(n))
                    intact = ballot.intact(self.seal)
                except SealUnavailable as e:
                    yield Problem(eid, "ballot_unchecked", f"sealed ballots cannot be checked here: {e}")
                    return
                except Exception:
                    yield Problem(eid, "ballot_tampered", "the stored ballot cannot be read")
                    continue
                if not intact:
                    where = f"round {ballot.round_id!r} of block {ballot.block_id!r}, campaign {ballot.campaign_id!r}"
                    detail = f"ballot in {where}: its sealed choice does not open or does not match its commitment"
                    yield Problem(eid, "ballot_tampered", detail)
            start = notifications[-1].id + 1

    # ---- awards ------------------------------------------------------------------------------------

    def ledger(self, campaign_id: str, unit_id: str) -> UnitAwards:
        found: UnitAwards | None = self.find(UnitAwards.create_id(campaign_id, unit_id))
        return found or UnitAwards(campaign_id=campaign_id, unit_id=unit_id)

    def measures_in_force(self, campaign: dict[str, Any], unit_id: str, person: str | None) -> list[RecordedMeasure]:
        """Disciplinary decisions reported by the personnel system, in force in the campaign's year."""
        record: UnitDiscipline | None = self.find(UnitDiscipline.create_id(unit_id))
        return record.in_force(year_of(campaign), person) if record else []

    def years_held(
        self, campaign: dict[str, Any], award: str, ledger: UnitAwards, person: str | None, policy: Policy
    ) -> dict[str, frozenset[int]]:
        """Title → the years in which the person (without one: the unit) holds it by a council decision, over the
        yearly campaigns of the `cstdcs_consecutive_years` years ending with this campaign's; read from the unit's
        ledgers in this store (`ledger`: this campaign's, already loaded; the decisions are the evaluation's own), and
        only for an award with rules over earlier years. Thematic and periodic campaigns award no yearly title and do
        not count as years."""
        if award not in HISTORY_RULES:
            return {}
        year, span = year_of(campaign), policy.cstdcs_consecutive_years
        held: dict[str, set[int]] = {}
        for other in self.facts.campaigns():
            if other.get("kind") != "yearly" or not year - span < year_of(other) <= year:
                continue
            found = ledger if other["campaign_id"] == ledger.campaign_id else None
            found = found or self.find(UnitAwards.create_id(other["campaign_id"], ledger.unit_id))
            for title in found.held_by(person) if found else ():
                held.setdefault(title, set()).add(year_of(other))
        return {title: frozenset(years) for title, years in held.items()}

    def propose_award(self, cmd: ProposeAward) -> list[Aggregate]:
        campaign = self.campaign(cmd.campaign_id)
        if self.exists(Proposal.create_id(cmd.campaign_id, cmd.proposal_id)):
            raise ProposalExists(f"proposal {cmd.proposal_id!r} already exists", "proposal_id")
        block_id = self.member_block(cmd.campaign_id, cmd.unit_id)
        ledger = self.ledger(cmd.campaign_id, cmd.unit_id)
        election: BlockElection | None = self.find(BlockElection.create_id(cmd.campaign_id, block_id))
        policy = self.get_policy(cmd.campaign_id)
        facts = AwardFacts(
            unit_id=cmd.unit_id,
            person=cmd.person,
            discipline=cmd.facts.discipline,
            disciplined_members=cmd.facts.disciplined_members,
            initiative=cmd.facts.initiative,
            members=cmd.facts.members or self.facts.staff_count(cmd.campaign_id, cmd.unit_id),
            members_completing_tasks=cmd.facts.members_completing_tasks,
            person_titles=ledger.titles_of(cmd.person),
            ldtt_count=ledger.count(LDTT),
            cstdcs_count=ledger.count(CSTDCS),
            cstdcs_pending=ledger.count(CSTDCS, with_pending=True) - ledger.count(CSTDCS),
            elected_leader=election.leader if election else None,
            recorded_measures=self.measures_in_force(campaign, cmd.unit_id, cmd.person),
            year=year_of(campaign),
            years_held=self.years_held(campaign, cmd.award, ledger, cmd.person, policy),
            achievement=Exceptional(**a.model_dump()) if (a := cmd.achievement) else None,
            period_start=day(campaign.get("period_start")),
            period_end=day(campaign.get("period_end")),
            today=self.clock.now().astimezone(DEPARTMENT_TZ).date(),
        )
        proposal = Proposal.propose(cmd.campaign_id, cmd.proposal_id, cmd.award, facts, policy)
        if not proposal.eligible:
            return [proposal]
        ledger.note_proposal(proposal_id=cmd.proposal_id, award=cmd.award, person=cmd.person)
        return [proposal, ledger]

    def decide_award(self, cmd: DecideAward) -> list[Aggregate]:
        campaign = self.campaign(cmd.campaign_id)
        self.council(cmd.actor, campaign)
        proposal: Proposal | None = self.find(Proposal.create_id(cmd.campaign_id, cmd.proposal_id))
        if proposal is None:
            raise ProposalNotFound(f"no proposal {cmd.proposal_id!r}", "proposal_id")
        policy = self.get_policy(cmd.campaign_id)
        measures = self.measures_in_force(campaign, proposal.unit_id, proposal.person)
        recheck = [no_recorded_measure(measures)] if measures else []
        ledger = self.ledger(cmd.campaign_id, proposal.unit_id)
        held = self.years_held(campaign, proposal.award, ledger, proposal.person, policy)
        facts = AwardFacts(unit_id=proposal.unit_id, person=proposal.person, year=year_of(campaign), years_held=held)
        recheck += history_rules(proposal.award, facts, policy)
        proposal.decide(cmd.votes_for, cmd.votes_against, cmd.members_present, policy, cmd.reason, recheck)
        ledger.note_decision(
            proposal_id=proposal.proposal_id,
            award=proposal.award,
            person=proposal.person,
            approved=bool(proposal.decision),
        )
        return [proposal, ledger]

    # ---- exemplary models (content 5: Phát hiện – Bồi dưỡng – Tổng kết – Nhân rộng) ----------------------

    def model_stage(self, actor: str, campaign_id: str, model_id: str) -> tuple[ExemplaryModel, str]:
        """The model and the start of the open campaign its next stage is recorded in, for the council only."""
        campaign = self.campaign(campaign_id)
        self.council(actor, campaign)
        found: ExemplaryModel | None = self.find(ExemplaryModel.create_id(model_id))
        if found is None:
            raise ModelNotFound(f"no exemplary model {model_id!r}", "model_id")
        return found, str(campaign.get("period_start", ""))

    def identify_exemplary_model(self, cmd: IdentifyExemplaryModel) -> list[Aggregate]:
        campaign = self.campaign(cmd.campaign_id)
        self.council(cmd.actor, campaign)
        if self.exists(ExemplaryModel.create_id(cmd.model_id)):
            raise ModelExists(f"exemplary model {cmd.model_id!r} already exists", "model_id")
        self.member_block(cmd.campaign_id, cmd.unit_id)
        start = str(campaign.get("period_start", ""))
        return [ExemplaryModel.identify(start, **cmd.model_dump(exclude=META))]

    def nurture_exemplary_model(self, cmd: NurtureExemplaryModel) -> list[Aggregate]:
        model, start = self.model_stage(cmd.actor, cmd.campaign_id, cmd.model_id)
        model.nurture(cmd.campaign_id, start, cmd.plan)
        return [model]

    def support_exemplary_model(self, cmd: SupportExemplaryModel) -> list[Aggregate]:
        model, start = self.model_stage(cmd.actor, cmd.campaign_id, cmd.model_id)
        model.support(cmd.campaign_id, start, cmd.action, cmd.done_on)
        return [model]

    def sum_up_exemplary_model(self, cmd: SumUpExemplaryModel) -> list[Aggregate]:
        model, start = self.model_stage(cmd.actor, cmd.campaign_id, cmd.model_id)
        model.sum_up(cmd.campaign_id, start, cmd.results, list(cmd.evidence_refs), cmd.assessment)
        return [model]

    def spread_exemplary_model(self, cmd: SpreadExemplaryModel) -> list[Aggregate]:
        """Every adopting unit must be in a block of the campaign the spread is recorded in."""
        model, start = self.model_stage(cmd.actor, cmd.campaign_id, cmd.model_id)
        for a in cmd.adopters:
            if self.facts.block_of(cmd.campaign_id, a.unit_id) is None:
                raise UnitNotInCampaign(f"{a.unit_id} is in no block of campaign {cmd.campaign_id!r}", "adopters")
        model.spread(cmd.campaign_id, start, [a.model_dump() for a in cmd.adopters])
        return [model]

    def drop_exemplary_model(self, cmd: DropExemplaryModel) -> list[Aggregate]:
        model, start = self.model_stage(cmd.actor, cmd.campaign_id, cmd.model_id)
        model.drop(cmd.campaign_id, start, cmd.reason)
        return [model]

    # ---- facts from other city systems (shared/events/inbound.py) ------------------------------------

    def record_dossier_resolved(self, cmd: RecordDossierResolved) -> list[Aggregate]:
        """A dossier the one-stop system resolved; the same resolution reported again records nothing."""
        f = cmd.fact
        dossier: Dossier | None = self.find(Dossier.create_id(cmd.source, f.dossier_id))
        dossier = dossier or Dossier.open(cmd.source, f.dossier_id)
        changed = dossier.resolve(cmd.source_event_id, f.unit_id, f.procedure_code, f.received_at, f.due_at,
                                  f.resolved_at)  # fmt: skip
        return [dossier] if changed else []

    def discipline_of(self, unit_id: str) -> UnitDiscipline:
        found: UnitDiscipline | None = self.find(UnitDiscipline.create_id(unit_id))
        return found or UnitDiscipline(unit_id=unit_id)

    def record_disciplinary_measure(self, cmd: RecordDisciplinaryMeasure) -> list[Aggregate]:
        f = cmd.fact
        record = self.discipline_of(f.unit_id)
        changed = record.record(cmd.source, cmd.source_event_id, f.decision_no, f.person, f.measure, f.decided_on)
        return [record] if changed else []

    def annul_disciplinary_measure(self, cmd: AnnulDisciplinaryMeasure) -> list[Aggregate]:
        f = cmd.fact
        record = self.discipline_of(f.unit_id)
        changed = record.annul(cmd.source, cmd.source_event_id, f.decision_no, f.annulled_on, f.reason)
        return [record] if changed else []
