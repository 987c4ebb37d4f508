"""Evaluation use cases on an in-memory store, with registry facts faked: each refusal has its code."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from services.evaluation.adapters.seal import AesGcmSeal
from services.evaluation.adapters.wire import WIRE
from services.evaluation.application import EvaluationApplication
from services.evaluation.domain.awards import Proposal
from shared.domain.errors import DomainError
from shared.events.catalog import COMMAND_TYPES
from shared.infra.clock import Clock

pytestmark = pytest.mark.unit
C = "2022"
COUNCIL = "council:chair"
BLOCK = {"b1": ["u1", "u2", "u3", "u4"], "b2": ["v1", "v2", "v3"]}
TEST_SEAL = AesGcmSeal.with_key(bytes(range(32)))


@dataclass
class FakeFacts:
    launched: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            C: {
                "campaign_id": C,
                "status": "open",
                "secretariat_unit_id": "u1",
                "contents": [{"no": n} for n in range(1, 11)],
            }
        }
    )
    blocks: dict[str, list[str]] = field(default_factory=lambda: dict(BLOCK))
    leaders: dict[str, str] = field(default_factory=lambda: {"b1": "u2"})
    staff: dict[str, int] = field(default_factory=lambda: {"u3": 10})

    def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        return self.launched.get(campaign_id)

    def campaigns(self) -> list[dict[str, Any]]:
        return list(self.launched.values())

    def block(self, campaign_id: str, block_id: str) -> dict[str, Any] | None:
        if block_id not in self.blocks:
            return None
        return {"block_id": block_id, "name": block_id, "leader_unit_id": self.leaders.get(block_id)}

    def members(self, campaign_id: str, block_id: str) -> list[str]:
        return self.blocks.get(block_id, [])

    def block_of(self, campaign_id: str, unit_id: str) -> str | None:
        return next((b for b, units in self.blocks.items() if unit_id in units), None)

    def staff_count(self, campaign_id: str, unit_id: str) -> int | None:
        return self.staff.get(unit_id)


class Driver:
    """Sends commands by name with fresh command ids, like a NATS client would."""

    def __init__(self, facts: FakeFacts | None = None, clock: Clock | None = None) -> None:
        self.facts = facts or FakeFacts()
        env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        self.app = EvaluationApplication(WIRE, self.facts, TEST_SEAL, env=env, clock=clock)

    def __call__(self, command: str, actor: str = COUNCIL, **body: Any) -> list[str]:
        model = COMMAND_TYPES[command].model
        cmd = model.model_validate({"command_id": str(uuid.uuid4()), "actor": actor, "campaign_id": C, **body})
        return [e.type for e in self.app.submit(cmd).result().events]

    def refused(self, command: str, actor: str = COUNCIL, **body: Any) -> DomainError:
        with pytest.raises(DomainError) as e:
            self(command, actor, **body)
        return e.value


TABLE: dict[str, Any] = {
    "criteria": [{"criterion_id": "nhiem-vu", "title": "Hoàn thành nhiệm vụ", "max_points": 60}],
    "bonuses": [{"item_id": "sang-kien", "title": "Sáng kiến", "points": 10}],
    "penalties": [{"item_id": "late-report", "title": "Báo cáo trễ hạn", "points": 2}],
}


@pytest.fixture
def send() -> Driver:
    d = Driver()
    d("set_scoring_table", **TABLE)
    return d


def found(send: Driver, proposal_id: str) -> Any:
    proposal = send.app.find(Proposal.create_id(C, proposal_id))
    assert proposal is not None
    return proposal


def report(send: Driver, aid: str, unit: str = "u1", **extra: Any) -> list[str]:
    body = {"achievement_id": aid, "unit_id": unit, "content_no": 4, "claimed_points": 10, "description": "Thành tích"}
    return send("report_achievement", actor=unit, **(body | extra))


# ---- achievements --------------------------------------------------------------------------------


def test_achievement_reported_verified_adjusted_and_rejected(send: Driver) -> None:
    assert report(send, "a1", criterion_id="nhiem-vu", claimed_points=50) == ["achievement_reported.v1"]
    assert send("verify_achievement", achievement_id="a1") == ["achievement_verified.v1"]
    report(send, "a2")
    assert send.refused("verify_achievement", achievement_id="a2", points=5).code == "reason_required"
    send("verify_achievement", achievement_id="a2", points=5, reason="Thiếu minh chứng")
    report(send, "a3")
    send("reject_achievement", achievement_id="a3", reason="Không thuộc năm 2022")
    err = send.refused("verify_achievement", achievement_id="a3")
    assert err.code == "achievement_already_decided" and err.message == "achievement 'a3' is already rejected"


@pytest.mark.parametrize(
    ("extra", "code", "field"),
    [
        ({"content_no": 11}, "unknown_content", "content_no"),
        ({"content_no": None}, "unknown_content", "content_no"),
        ({"criterion_id": "khong-co"}, "unknown_criterion", "criterion_id"),
        ({"criterion_id": "sang-kien", "claimed_points": 11}, "points_over_maximum", "claimed_points"),
        ({"unit_id": "x9"}, "unit_not_in_campaign", "unit_id"),
        ({"campaign_id": "2099"}, "unknown_campaign", "campaign_id"),
    ],
)
def test_report_refusals(send: Driver, extra: dict[str, Any], code: str, field: str) -> None:
    body = {"achievement_id": "a1", "unit_id": "u1", "content_no": 4, "claimed_points": 10, "description": "x"}
    err = send.refused("report_achievement", actor="u1", **(body | extra))
    assert (err.code, err.field) == (code, field)


def test_duplicate_achievement_and_closed_campaign(send: Driver) -> None:
    report(send, "a1")
    assert send.refused("report_achievement", actor="u1", achievement_id="a1", unit_id="u1", content_no=1,
                        claimed_points=1, description="x").code == "achievement_exists"  # fmt: skip
    send.facts.launched[C]["status"] = "closed"
    assert send.refused("verify_achievement", achievement_id="a1").code == "campaign_closed"


def test_only_the_council_verifies(send: Driver) -> None:
    report(send, "a1")
    err = send.refused("verify_achievement", actor="u3", achievement_id="a1")
    assert err.code == "not_allowed" and err.message == "u3 does not act for the council or its secretariat"


def test_late_item_loses_the_late_penalty(send: Driver) -> None:
    report(send, "a1", due_on="2000-01-01")
    send("verify_achievement", achievement_id="a1")
    achievement: Any = send.app.repository.get(send.app.load_achievement(C, "a1").id)
    assert achievement.late is True
    events: list[Any] = list(send.app.events.get(achievement.id))
    assert events[-1].penalty == 2.0 and events[-1].points == 10.0


def test_scoring_table_ids_unique(send: Driver) -> None:
    bad = TABLE | {"bonuses": [{"item_id": "nhiem-vu", "title": "x", "points": 1}]}
    assert send.refused("set_scoring_table", **bad).code == "invalid_scoring_table"
    assert send("set_scoring_table", **TABLE) == ["scoring_table_set.v1"]


# ---- block vote ----------------------------------------------------------------------------------


def vote(send: Driver, round_id: str, ballots: dict[str, str], block: str = "b1") -> None:
    for voter, candidate in ballots.items():
        send("cast_block_vote", actor=voter, block_id=block, round_id=round_id, voter_unit_id=voter,
             candidate_unit_id=candidate)  # fmt: skip


def test_vote_elects_with_more_than_half(send: Driver) -> None:
    assert send("open_vote_round", actor="u2", block_id="b1", round_id="r1") == ["vote_round_opened.v1"]
    vote(send, "r1", {"u1": "u2", "u3": "u2", "u4": "u2", "u2": "u1"})
    types = send("close_vote_round", actor="u2", block_id="b1", round_id="r1")
    assert types == ["vote_round_closed.v3", "block_leader_elected.v1"]


def test_ballot_refusals(send: Driver) -> None:
    send("open_vote_round", block_id="b1", round_id="r1", candidates=["u1", "u2"])
    vote(send, "r1", {"u1": "u2"})
    cases = [
        ("u1", "u1", "u2", "already_voted"),
        ("u1", "u1", "u1", "already_voted"),
        ("u2", "u2", "u2", "self_vote_not_allowed"),
        ("u3", "u3", "u4", "not_a_candidate"),
        ("v1", "v1", "u2", "not_eligible_voter"),
        ("u3", "u4", "u2", "not_allowed"),
    ]
    for actor, voter, candidate, code in cases:
        err = send.refused("cast_block_vote", actor=actor, block_id="b1", round_id="r1", voter_unit_id=voter,
                           candidate_unit_id=candidate)  # fmt: skip
        assert err.code == code, (voter, candidate)
    assert send.refused("open_vote_round", actor="u3", block_id="b1", round_id="r2").code == "not_allowed"
    assert send.refused("open_vote_round", block_id="b1", round_id="r2").code == "round_already_open"
    assert send.refused("open_vote_round", block_id="b9", round_id="r2").code == "unknown_block"
    assert send.refused("open_vote_round", block_id="b2", round_id="r", candidates=["u1"]).code == "invalid_candidates"


def test_tie_opens_a_runoff_among_the_leaders_which_decides(send: Driver) -> None:
    send("open_vote_round", block_id="b1", round_id="r1")
    vote(send, "r1", {"u1": "u2", "u2": "u1", "u3": "u1", "u4": "u2"})
    types = send("close_vote_round", block_id="b1", round_id="r1")
    assert types == ["vote_round_closed.v3", "vote_round_failed.v1", "vote_round_opened.v1"]
    election = send.app.load_election(C, "b1", "r1")
    assert election.open_round == "r1-r2"
    assert election.rounds["r1-r2"]["candidates"] == ["u1", "u2"]
    vote(send, "r1-r2", {"u1": "u2", "u3": "u2", "u4": "u2", "u2": "u1"})
    assert send("close_vote_round", block_id="b1", round_id="r1-r2")[-1] == "block_leader_elected.v1"
    assert send.app.load_election(C, "b1", "r1").leader == "u2"


def test_a_second_tie_fails_when_no_runoff_is_left(send: Driver) -> None:
    send("open_vote_round", block_id="b1", round_id="r1", candidates=["u1", "u2"])
    vote(send, "r1", {"u3": "u1", "u4": "u2", "u1": "u2", "u2": "u1"})
    send("close_vote_round", block_id="b1", round_id="r1")
    vote(send, "r1-r2", {"u3": "u1", "u4": "u2", "u1": "u2", "u2": "u1"})
    assert send("close_vote_round", block_id="b1", round_id="r1-r2") == ["vote_round_closed.v3", "vote_round_failed.v1"]
    assert send.app.load_election(C, "b1", "r1").open_round is None


def test_no_quorum_fails_without_runoff(send: Driver) -> None:
    send("open_vote_round", block_id="b1", round_id="r1")
    vote(send, "r1", {"u1": "u2", "u3": "u2"})
    assert send("close_vote_round", block_id="b1", round_id="r1") == ["vote_round_closed.v3", "vote_round_failed.v1"]
    assert send.refused("close_vote_round", block_id="b1", round_id="r1").code == "round_not_open"


def test_self_vote_policy(send: Driver) -> None:
    send("set_evaluation_policy", policy={"self_vote_allowed": True})
    send("open_vote_round", block_id="b1", round_id="r1")
    vote(send, "r1", {"u1": "u1"})


# ---- awards --------------------------------------------------------------------------------------


def propose(send: Driver, pid: str, award: str, unit: str = "u3", person: str | None = None, **facts: Any) -> list[str]:
    return send("propose_award", actor=unit, proposal_id=pid, award=award, unit_id=unit, person=person, facts=facts)


def decide(send: Driver, pid: str, yes: int = 8, no: int = 1, present: int = 9) -> list[str]:
    return send("decide_award", proposal_id=pid, votes_for=yes, votes_against=no, members_present=present)


def test_cstdcs_needs_ldtt_initiative_and_quota(send: Driver) -> None:
    propose(send, "early", "chien-si-thi-dua-co-so", person="Nguyễn Văn A", initiative="SK-1")
    early = found(send, "early")
    assert not early.eligible
    assert {r["rule"]: r["reason"] for r in early.rule_results if not r["passed"]} == {
        "holds-lao-dong-tien-tien": "does not hold Lao động tiên tiến this year",
        "cstdcs-quota": "1 Chiến sĩ thi đua cơ sở exceeds 15% of 0 Lao động tiên tiến (0)",
    }
    err = send.refused("decide_award", proposal_id="early", votes_for=9, votes_against=0, members_present=9)
    assert err.code == "proposal_not_eligible" and "does not hold Lao động tiên tiến" in err.message
    for i in range(7):
        propose(send, f"ldtt-{i}", "lao-dong-tien-tien", person=f"Người {i}")
        assert decide(send, f"ldtt-{i}") == ["award_decided.v1"]
    propose(send, "ok", "chien-si-thi-dua-co-so", person="Người 0", initiative="SK-1")
    assert found(send, "ok").eligible
    propose(send, "second", "chien-si-thi-dua-co-so", person="Người 1", initiative="SK-2")
    second = found(send, "second")
    assert [r["rule"] for r in second.rule_results if not r["passed"]] == ["cstdcs-quota"]


def test_council_decision_threshold_quorum_and_counts(send: Driver) -> None:
    for pid in ("p1", "p2", "p3", "p4"):
        propose(send, pid, "lao-dong-tien-tien", person="A " + pid)
    decide(send, "p1", yes=6, no=1, present=7)
    proposal = found(send, "p1")
    assert proposal.decision is False
    err = send.refused("decide_award", proposal_id="p2", votes_for=5, votes_against=0, members_present=5)
    assert (
        err.code == "council_quorum_not_met" and err.message == "5 of 9 council members present; quorum 66.67% not met"
    )
    assert send.refused("decide_award", proposal_id="p3", votes_for=8, votes_against=2, members_present=9).code == (
        "invalid_counts"
    )
    decide(send, "p4")
    assert send.refused("decide_award", proposal_id="p4", votes_for=8, votes_against=0, members_present=9).code == (
        "already_decided"
    )
    assert send.refused("decide_award", proposal_id="nope", votes_for=8, votes_against=0, members_present=9).code == (
        "unknown_proposal"
    )


def test_award_catalogue_and_person(send: Driver) -> None:
    assert send.refused("propose_award", actor="u3", proposal_id="x", award="huan-chuong", unit_id="u3").code == (
        "unknown_award"
    )
    assert send.refused(
        "propose_award", actor="u3", proposal_id="x", award="lao-dong-tien-tien", unit_id="u3"
    ).code == ("person_required")
    err = send.refused(
        "propose_award", actor="u3", proposal_id="x", award="tap-the-lao-dong-tien-tien", unit_id="u3", person="A"
    )
    assert err.code == "person_not_allowed"
    propose(send, "p", "giay-khen-giam-doc-so", person="A")
    assert send.refused(
        "propose_award", actor="u3", proposal_id="p", award="giay-khen-giam-doc-so", unit_id="u3"
    ).code == ("proposal_exists")


def test_city_flag_needs_the_elected_block_leader(send: Driver) -> None:
    propose(send, "flag-early", "co-thi-dua-ubnd-thanh-pho", unit="u2")
    send("open_vote_round", block_id="b1", round_id="r1")
    vote(send, "r1", {"u1": "u2", "u3": "u2", "u4": "u2"})
    send("close_vote_round", block_id="b1", round_id="r1")
    propose(send, "flag", "co-thi-dua-ubnd-thanh-pho", unit="u2")
    early, later = (found(send, p) for p in ("flag-early", "flag"))
    assert not early.eligible and later.eligible
    assert early.rule_results[1]["reason"] == "u2 is not its block's elected leader (no leader has been elected)"


def test_collective_member_count_comes_from_registration(send: Driver) -> None:
    for i in range(6):
        propose(send, f"l{i}", "lao-dong-tien-tien", person=f"P{i}")
        decide(send, f"l{i}")
    propose(send, "tt", "tap-the-lao-dong-tien-tien")
    tt = found(send, "tt")
    assert tt.eligible and tt.rule_results[-1]["reason"] == "6 of 10 members Lao động tiên tiến, more than 50%"
