"""The secret ballot without I/O: commitments and anonymous ids, the seal, the minimum of voters, ballots that no
longer match their commitment, ballots stored in clear before sealing, and the receipt of a re-sent command."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent

from services.evaluation.adapters.seal import AesGcmSeal
from services.evaluation.adapters.wire import WIRE
from services.evaluation.application import EvaluationApplication
from services.evaluation.domain import ballots
from services.evaluation.domain.ballots import InvalidReceipt, SealUnavailable, ballot_id, commitment, receipt_bytes
from services.evaluation.domain.voting import BlockElection
from shared.events import evaluation as ev
from shared.infra.application import CommandIdReused
from shared.infra.eventstore import ProvenanceMapper, event_id
from shared.infra.settings import Settings
from tests.unit.test_evaluation_application import TEST_SEAL, C, Driver

pytestmark = pytest.mark.unit
VOTES = {"u1": "u2", "u2": "u1", "u3": "u2", "u4": "u2"}


def receipt(n: int) -> str:
    return ballots.encode_receipt(bytes([n]) * 32)


# ---- commitments, anonymous ids, the seal ------------------------------------------------------------


def test_a_commitment_binds_round_receipt_and_choice_and_differs_from_the_anonymous_id() -> None:
    c = commitment(C, "b1", "r1", receipt(1), "u2")
    assert c == commitment(C, "b1", "r1", receipt(1), "u2") and len(c) == 64
    others = {
        commitment(C, "b1", "r1", receipt(1), "u3"),
        commitment(C, "b1", "r1", receipt(2), "u2"),
        commitment(C, "b1", "r2", receipt(1), "u2"),
        commitment(C, "b2", "r1", receipt(1), "u2"),
        commitment(C, "b1r", "1", receipt(1), "u2"),  # length-prefixed: moving a boundary changes the digest
    }
    assert c not in others and len(others) == 5
    assert ballot_id(C, "b1", "r1", receipt(1)) not in {c, ballot_id(C, "b1", "r1", receipt(2))}


@pytest.mark.parametrize("bad", ["", "short", receipt(1) + "A", receipt(1)[:-1] + "!", "=" * 43])
def test_a_receipt_is_43_characters_of_base64url(bad: str) -> None:
    assert len(receipt_bytes(receipt(7))) == 32
    with pytest.raises(InvalidReceipt):
        receipt_bytes(bad)


def test_the_seal_opens_only_with_its_binding_and_hides_the_length_of_the_choice() -> None:
    seal = AesGcmSeal.with_key(bytes(32))
    sealed = seal.seal(b'{"candidate":"a"}', b"round-1|u1")
    assert seal.open(sealed, b"round-1|u1") == b'{"candidate":"a"}'
    assert seal.open(sealed, b"round-1|u2") is None  # moved to another voter
    head, body = sealed.rsplit(".", 1)
    assert seal.open(f"{head}.{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}", b"round-1|u1") is None
    assert seal.open("not sealed", b"round-1|u1") is None
    short = seal.seal(b'{"candidate":"a"}', b"x")
    long = seal.seal(json.dumps({"candidate": "c" * 64, "receipt": receipt(1)}).encode(), b"x")
    assert len(short) == len(long)


def test_a_missing_or_other_key_is_not_taken_for_tampering_and_opening_never_creates_one(tmp_path: Path) -> None:
    sealed = AesGcmSeal.with_key(bytes(32)).seal(b"x", b"b")
    with pytest.raises(SealUnavailable, match="not under this one"):
        AesGcmSeal.with_key(bytes([1]) * 32).open(sealed, b"b")
    settings = Settings(data_dir=tmp_path / "data")
    with pytest.raises(SealUnavailable, match="no ballot key"):
        AesGcmSeal.from_settings(settings).open(sealed, b"b")
    assert not (settings.keys_path / "ballot.key").exists()
    AesGcmSeal.from_settings(settings).seal(b"x", b"b")  # sealing creates it, outside the data dir
    assert (settings.keys_path / "ballot.key").stat().st_size == 32 and not (tmp_path / "data").exists()


def test_without_its_key_the_service_neither_rejects_ballots_nor_calls_them_tampered() -> None:
    d = Driver()
    d("open_vote_round", block_id="b1", round_id="r1")
    for voter, choice in VOTES.items():
        cast(d, voter, choice)
    d.app.seal = AesGcmSeal.with_key(bytes([9]) * 32)  # the key was replaced (or restored wrongly)
    [problem] = list(d.app.integrity_problems())
    assert problem.kind == "ballot_unchecked" and "not under this one" in problem.detail
    with pytest.raises(SealUnavailable):
        d("close_vote_round", block_id="b1", round_id="r1")
    d.app.seal = TEST_SEAL
    assert d("close_vote_round", block_id="b1", round_id="r1")[-1] == "block_leader_elected.v1"


# ---- a round ---------------------------------------------------------------------------------------


def cast(d: Driver, voter: str, candidate: str, round_id: str = "r1", command_id: str | None = None,
         actor: str | None = None, block: str = "b1") -> ev.BallotAccepted:  # fmt: skip
    cmd = ev.CastBlockVote.model_validate({
        "command_id": command_id or str(uuid.uuid4()), "actor": actor or voter, "campaign_id": C, "block_id": block,
        "round_id": round_id, "voter_unit_id": voter, "candidate_unit_id": candidate,
    })  # fmt: skip
    reply = d.app.submit(cmd).result()
    assert isinstance(reply, ev.BallotAccepted)
    return reply


def closed(d: Driver, block: str = "b1") -> Any:
    election = d.app.load_election(C, block, "r1")
    return [e for e in d.app.events.get(election.id) if isinstance(e, BlockElection.RoundClosed)][-1]


def stored_states(app: EvaluationApplication) -> list[tuple[str, dict[str, Any]]]:
    return [(n.topic, json.loads(n.state)) for n in app.recorder.select_notifications(start=1, limit=10_000)]


def test_each_voter_finds_its_own_ballot_counted_as_cast_and_no_event_links_voter_and_choice() -> None:
    d = Driver()
    d("open_vote_round", block_id="b1", round_id="r1")
    receipts = {voter: cast(d, voter, choice).receipt for voter, choice in VOTES.items()}
    assert all(r and len(r) == 43 for r in receipts.values()) and len(set(receipts.values())) == 4
    d("close_vote_round", block_id="b1", round_id="r1")
    event = closed(d)
    assert (event.outcome, event.winner, event.tally) == ("elected", "u2", {"u1": 1, "u2": 3, "u3": 0, "u4": 0})
    assert (event.voters, event.rejected, event.min_voters) == (4, 0, 3)
    by_id = {b["ballot"]: b["candidate_unit_id"] for b in event.ballots}
    for voter, r in receipts.items():
        assert by_id[ballot_id(C, "b1", "r1", r or "")] == VOTES[voter]
    assert [b["ballot"] for b in event.ballots] == sorted(by_id)  # sorted by id, not by voter or time
    for topic, state in stored_states(d.app):
        text = json.dumps(state)
        assert all(r not in text for r in receipts.values() if r), topic  # no receipt in clear, anywhere
        if topic.endswith("BlockElection.BallotCast"):
            assert set(state) >= {"voter_unit_id", "commitment", "sealed"} and "candidate_unit_id" not in state
            assert state["plain_choice"] is None
            r = receipts[state["voter_unit_id"]] or ""
            assert state["commitment"] == commitment(C, "b1", "r1", r, VOTES[state["voter_unit_id"]])


def test_a_re_sent_cast_gets_the_same_receipt_and_only_the_voter_gets_it() -> None:
    d = Driver()
    d("open_vote_round", block_id="b1", round_id="r1")
    command_id = str(uuid.uuid4())
    first = cast(d, "u1", "u2", command_id=command_id)
    again = cast(d, "u1", "u2", command_id=command_id)
    assert first.receipt and again.receipt == first.receipt and again.events == first.events
    receipts = [s for t, s in stored_states(d.app) if t.endswith("CommandReceipt.Recorded")]
    assert receipts and all(first.receipt not in json.dumps(s) for s in receipts)
    # the command id is public (`causationid`): another actor re-sending it for the voter is refused, no receipt
    with pytest.raises(CommandIdReused):
        cast(d, "u1", "u2", command_id=command_id, actor="u3")
    # as is the voter re-sending the id of another of its commands with a ballot
    report_id = str(uuid.uuid4())
    d.app.submit(ev.ReportAchievement.model_validate({
        "command_id": report_id, "actor": "u1", "campaign_id": C, "achievement_id": "a1", "unit_id": "u1",
        "content_no": 1, "claimed_points": 1, "description": "x"})).result()  # fmt: skip
    with pytest.raises(CommandIdReused):
        cast(d, "u1", "u2", command_id=report_id)


def test_a_round_with_fewer_voters_than_the_minimum_publishes_nothing_about_choices() -> None:
    d = Driver()
    d("set_evaluation_policy", policy={"vote_quorum": 0.1})
    d("open_vote_round", block_id="b1", round_id="r1")
    cast(d, "u1", "u2")
    types = d("close_vote_round", block_id="b1", round_id="r1")
    assert types == ["vote_round_closed.v3", "vote_round_failed.v1"]
    event = closed(d)
    assert (event.quorum_met, event.tally, event.ballots, event.outcome, event.winner) == (
        True,
        None,
        [],
        "failed",
        None,
    )
    assert event.reason == "1 ballot(s) counted; a result is published only from 3"


def test_the_minimum_is_the_policy_s_and_a_round_keeps_the_one_it_opened_with() -> None:
    d = Driver()
    d("set_evaluation_policy", policy={"vote_min_voters": 2})
    d("open_vote_round", block_id="b2", round_id="r1")
    d("set_evaluation_policy", policy={"vote_min_voters": 3})
    cast(d, "v1", "v2", block="b2")
    cast(d, "v3", "v2", block="b2")  # 2 of 3: quorum met, and 2 ≥ the round's minimum
    d("close_vote_round", block_id="b2", round_id="r1")
    event = closed(d, "b2")
    assert (event.outcome, event.winner, event.min_voters, len(event.ballots)) == ("elected", "v2", 2, 2)


def test_a_quorum_failure_publishes_no_tally_either() -> None:
    d = Driver()
    d("open_vote_round", block_id="b1", round_id="r1")
    cast(d, "u1", "u2")
    cast(d, "u3", "u2")
    d("close_vote_round", block_id="b1", round_id="r1")
    event = closed(d)
    assert (event.quorum_met, event.tally, event.ballots) == (False, None, [])
    assert event.reason == "2 of 4 eligible units voted; quorum 66.67% not met"


# ---- stored events edited, stored events from before sealing -----------------------------------------


def rewritten(d: Driver, change: Any) -> EvaluationApplication:
    """A second application over the first one's stored events, each passed through `change(topic, state)`."""
    copy = EvaluationApplication(WIRE, d.facts, TEST_SEAL, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    events = []
    for n in d.app.recorder.select_notifications(start=1, limit=10_000):
        state = change(n.topic.rsplit(":", 1)[-1], json.loads(n.state))
        events.append(StoredEvent(n.originator_id, n.originator_version, n.topic, json.dumps(state).encode()))
    copy.recorder.insert_events(events)
    return copy


def test_a_ballot_edited_in_the_store_is_named_and_not_counted() -> None:
    d = Driver()
    d("open_vote_round", block_id="b1", round_id="r1")
    for voter, choice in VOTES.items():
        cast(d, voter, choice)
    assert list(d.app.integrity_problems()) == []
    sealed = {s["voter_unit_id"]: s["sealed"] for t, s in stored_states(d.app) if t.endswith("BallotCast")}

    def swap(topic: str, state: dict[str, Any]) -> dict[str, Any]:
        if topic == "BlockElection.BallotCast" and state["voter_unit_id"] == "u3":
            return {**state, "sealed": sealed["u2"]}  # u3 voted u2; an operator copies u2's sealed vote for u1
        return state

    edited = rewritten(d, swap)
    problems = list(edited.integrity_problems())
    election = edited.load_election(C, "b1", "r1")
    versions = {b["version"]: v for v, b in election.rounds["r1"]["ballots"].items()}
    named = {p.event_id for p in problems}
    assert named == {event_id(election.id, n) for n, v in versions.items() if v == "u3"}
    assert {p.kind for p in problems} == {"ballot_tampered"} and all("round 'r1'" in p.detail for p in problems)
    d.app = edited
    d("close_vote_round", block_id="b1", round_id="r1")
    event = closed(d)
    assert (event.voters, event.rejected, event.quorum_met) == (4, 1, True)
    assert event.tally == {"u1": 1, "u2": 2, "u3": 0, "u4": 0}  # u1's, u2's and u4's ballots; u3's not counted
    assert len(event.ballots) == 3 and "1 ballot(s) rejected" in event.reason


def test_ballots_stored_in_clear_before_sealing_load_count_and_keep_their_wire_version() -> None:
    d = Driver()
    d("open_vote_round", block_id="b1", round_id="r1")
    for voter, choice in VOTES.items():
        cast(d, voter, choice)

    def legacy(topic: str, state: dict[str, Any]) -> dict[str, Any]:
        if topic == "BlockElection.BallotCast":
            state = {
                k: v for k, v in state.items() if k not in ("commitment", "sealed", "plain_choice", "class_version")
            }
            return {**state, "candidate_unit_id": VOTES[state["voter_unit_id"]]}
        if topic == "BlockElection.RoundOpened":
            return {k: v for k, v in state.items() if k != "min_voters"}
        return state

    old = rewritten(d, legacy)
    assert list(old.integrity_problems()) == []  # nothing sealed to check
    mapper = old.mapper
    assert isinstance(mapper, ProvenanceMapper)
    for n in old.recorder.select_notifications(start=1, limit=100):
        event, meta = mapper.decode_notification(n)
        wired = old.wire.envelope(event, event_id(n.originator_id, n.originator_version), meta)
        if wired and wired[1].type.startswith("block_vote_cast"):
            assert wired[1].type == "block_vote_cast.v1" and "commitment" not in wired[1].data
            assert old.wire.serialise(event, wired[1].id, meta) is not None
    d.app = old
    assert d.app.load_election(C, "b1", "r1").rounds["r1"]["min_voters"] == 3  # rounds from before: the default
    d("close_vote_round", block_id="b1", round_id="r1")
    event = closed(d)
    assert (event.outcome, event.winner, event.rejected) == ("elected", "u2", 0)
    assert event.ballots == [{"ballot": None, "candidate_unit_id": c} for c in ("u1", "u2", "u2", "u2")]


def test_a_close_recorded_before_sealing_is_re_derived_as_the_v2_it_was_published_as() -> None:
    d = Driver()
    d("open_vote_round", block_id="b1", round_id="r1")
    for voter, choice in VOTES.items():
        cast(d, voter, choice)
    d("close_vote_round", block_id="b1", round_id="r1")
    v2_ballots = [{"voter_unit_id": v, "candidate_unit_id": c} for v, c in sorted(VOTES.items())]

    def legacy(topic: str, state: dict[str, Any]) -> dict[str, Any]:
        if topic == "BlockElection.RoundClosed":
            state = {k: v for k, v in state.items() if k not in ("rejected", "min_voters", "class_version")}
            return {**state, "ballots": v2_ballots}
        return state

    old = rewritten(d, legacy)
    mapper = old.mapper
    assert isinstance(mapper, ProvenanceMapper)
    types = []
    for n in old.recorder.select_notifications(start=1, limit=100):
        event, meta = mapper.decode_notification(n)
        wired = old.wire.envelope(event, event_id(n.originator_id, n.originator_version), meta)
        if wired and wired[1].type.startswith("vote_round_closed"):
            types.append(wired[1].type)
            assert wired[1].data["ballots"] == v2_ballots
    assert types == ["vote_round_closed.v2"]
    assert old.load_election(C, "b1", "r1").rounds["r1"]["status"] == "elected"
