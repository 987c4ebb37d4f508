"""A whole year of the 2022 demo campaign through the evaluation service, over a real NATS server.

The campaign is launched with the registry's real command. Blocks, units, leaders and block
membership are put on the stream with the registry's commands when the registry has them, and
otherwise published as the registry's contract events (the registry is being built alongside).
"""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig

from emulation.client import send
from emulation.demo import load_scenario
from services.evaluation.factory import build_views
from shared.events.catalog import COMMAND_TYPES, EVENT_TYPES
from shared.events.envelope import CloudEvent, event_subject
from shared.infra.consumer import parse
from shared.infra.settings import Settings
from tests.support.system import System, wait_for

pytestmark = pytest.mark.integration
C = "2022"
COUNCIL = "council:chu-tich"
SCENARIO = load_scenario()
BLOCK1, BLOCK2 = (b["block_id"] for b in SCENARIO["blocks"])
UNITS = {b["block_id"]: [u["unit_id"] for u in b["units"]] for b in SCENARIO["blocks"]}
LEADERS = {BLOCK1: "van-phong-so", BLOCK2: "trung-tam-tro-giup-phap-ly"}
CC1 = "phong-cong-chung-so-1"

REGISTRY_COMMANDS = {
    "block_defined": "define_block",
    "unit_registered": "register_unit",
    "unit_assigned_to_block": "assign_unit_to_block",
    "block_leader_designated": "designate_block_leader",
}


class Year:
    def __init__(self, system: System) -> None:
        self.system = system
        self.unavailable: set[str] = set()
        """Registry commands that did not answer (declared in the contract, not yet served)."""

    async def send(self, command: str, actor: str = COUNCIL, **body: Any) -> dict[str, Any]:
        return await self.system.send(
            command, {"command_id": str(uuid.uuid4()), "actor": actor, "campaign_id": C, **body}
        )

    async def ok(self, command: str, actor: str = COUNCIL, **body: Any) -> list[str]:
        reply = await self.send(command, actor, **body)
        assert reply["ok"], (command, body, reply)
        return [e["type"].rsplit(".v", 1)[0] for e in reply["events"]]

    async def refused(self, command: str, actor: str = COUNCIL, **body: Any) -> dict[str, Any]:
        reply = await self.send(command, actor, **body)
        assert reply["ok"] is False, (command, body, reply)
        return dict(reply["error"])

    async def registry_fact(self, name: str, data: dict[str, Any]) -> None:
        """Through the registry's command; only if the registry does not serve it, published as its event."""
        command = REGISTRY_COMMANDS[name]
        if command in COMMAND_TYPES and command not in self.unavailable:
            body = {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **data}
            try:
                reply = await send(self.system.nc, command, body, timeout=5)
            except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
                self.unavailable.add(command)
            else:
                assert reply["ok"], (command, reply)
                return
        etype = next(t for t in EVENT_TYPES.values() if t.name == name)
        envelope = CloudEvent(
            id=str(uuid.uuid4()),
            source="/services/registry",
            type=etype.type,
            time=datetime.now(UTC),
            data=json.loads(etype.model.model_validate(data).model_dump_json()),
            actor="van-phong-so",
            causationid="test-setup",
            correlationid="test-setup",
        )
        js = self.system.nc.jetstream()
        raw = json.dumps(envelope.model_dump(mode="json", exclude_none=True)).encode()
        await js.publish(event_subject(data.get("campaign_id"), name), raw, headers={"Nats-Msg-Id": envelope.id})

    async def setup(self) -> None:
        """Launch the demo campaign, its two blocks, 17 units and their leaders; wait until evaluation knows them."""
        self.system.start("registry")
        self.system.start("evaluation")
        self.system.start_api()
        campaign = copy.deepcopy(SCENARIO["campaign"])
        reply = await self.system.send(
            "launch_campaign", {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **campaign}
        )
        assert reply["ok"], reply
        for block in SCENARIO["blocks"]:
            await self.registry_fact(
                "block_defined", {"campaign_id": C, "block_id": block["block_id"], "name": block["name"]}
            )
            for unit in block["units"]:
                await self.registry_fact("unit_registered", unit)
                fact = {"campaign_id": C, "block_id": block["block_id"], "unit_id": unit["unit_id"]}
                await self.registry_fact("unit_assigned_to_block", fact)
            leader = {"campaign_id": C, "block_id": block["block_id"], "leader_unit_id": LEADERS[block["block_id"]]}
            await self.registry_fact("block_leader_designated", leader)

        def ready() -> bool:
            try:
                blocks = self.system.get(f"/v1/campaigns/{C}/standings")["blocks"]
            except Exception:
                return False
            return {b["block_id"]: len(b["units"]) for b in blocks} == {k: len(v) for k, v in UNITS.items()}

        await wait_for(ready, timeout=30)

    async def ballots(self, block: str, round_id: str, choices: dict[str, str]) -> None:
        for voter, candidate in choices.items():
            await self.ok("cast_block_vote", voter, block_id=block, round_id=round_id, voter_unit_id=voter,
                          candidate_unit_id=candidate)  # fmt: skip


async def designated(year: Year, block: str) -> None:
    """Wait until evaluation's reference view knows the block's designated leader (it may open the round)."""

    async def opened() -> bool:
        reply = await year.send("open_vote_round", LEADERS[block], block_id=block, round_id="bau-khoi")
        return bool(reply["ok"]) or reply["error"]["code"] != "not_allowed"

    await wait_for(opened, timeout=30)  # type: ignore[arg-type]


def elsewhere(system: System, tmp_path: Path, name: str) -> Settings:
    """The system's settings, with views in a fresh place (SQLite file or PostgreSQL schema)."""
    prefix = f"{system.settings.postgres_schema_prefix}{name}_"
    return system.settings.replace(data_dir=tmp_path / name, postgres_schema_prefix=prefix)


@pytest.mark.both_stores
async def test_a_whole_year_of_the_demo_campaign(system: System, tmp_path: Path) -> None:
    year = Year(system)
    await year.setup()
    ok, refused = year.ok, year.refused

    # ---- policy and scoring table -----------------------------------------------------------
    await ok("set_evaluation_policy", policy={"council_members": 9})
    await ok(
        "set_scoring_table",
        criteria=[
            {"criterion_id": "nhiem-vu", "title": "Hoàn thành nhiệm vụ chuyên môn", "max_points": 60},
            {"criterion_id": "cai-cach-hanh-chinh", "title": "Cải cách hành chính", "max_points": 20},
        ],
        bonuses=[{"item_id": "sang-kien", "title": "Sáng kiến được công nhận", "points": 10}],
        penalties=[{"item_id": "late-report", "title": "Báo cáo, hồ sơ trễ hạn", "points": 5}],
    )

    # ---- achievements and verification ------------------------------------------------------
    claims = {  # unit: (criterion, claimed, verified as, late)
        "van-phong-so": ("nhiem-vu", 55, 55, False),
        "thanh-tra-so": ("nhiem-vu", 50, 50, False),
        "phong-hanh-chinh-tu-phap": ("nhiem-vu", 58, 52, False),  # adjusted with a reason
        "phong-pbgdpl": ("nhiem-vu", 60, None, False),  # rejected
        "phong-to-chuc-can-bo": ("nhiem-vu", 55, 55, True),  # late: 55 - 5 = 50, ties with thanh-tra-so
        CC1: ("nhiem-vu", 59, 59, False),
        "trung-tam-tro-giup-phap-ly": ("nhiem-vu", 57, 57, False),
        "phong-cong-chung-so-2": ("cai-cach-hanh-chinh", 18, 18, False),
    }
    for unit, (criterion, claimed, _, late) in claims.items():
        extra = {"due_on": "2022-01-20"} if late else {}
        await ok("report_achievement", unit, achievement_id=f"tt-{unit}", unit_id=unit, content_no=4,
                 criterion_id=criterion, claimed_points=claimed, description="Hoàn thành xuất sắc nhiệm vụ năm 2022",
                 evidence_ref=f"BC-{unit}", **extra)  # fmt: skip
    await ok("report_achievement", CC1, achievement_id="sk-cc1", unit_id=CC1, content_no=8, criterion_id="sang-kien",
             claimed_points=10, description="Sáng kiến số hoá hồ sơ công chứng", evidence_ref="QĐ-SK-12")  # fmt: skip
    err = await refused("report_achievement", CC1, achievement_id="x", unit_id=CC1, content_no=11, claimed_points=1,
                        description="x")  # fmt: skip
    assert err["code"] == "unknown_content"
    for unit, (_, claimed, verified, _) in claims.items():
        if verified is None:
            await ok("reject_achievement", achievement_id=f"tt-{unit}", reason="Không có minh chứng")
        elif verified != claimed:
            await ok(
                "verify_achievement", achievement_id=f"tt-{unit}", points=verified, reason="Trừ điểm chỉ tiêu chưa đạt"
            )
        else:
            await ok("verify_achievement", achievement_id=f"tt-{unit}")
    await ok("verify_achievement", achievement_id="sk-cc1")

    # ---- block 1: a clear vote, opened and closed by the block leader ----------------------------
    await designated(year, BLOCK1)
    b1 = {u: "phong-hanh-chinh-tu-phap" for u in UNITS[BLOCK1] if u != "phong-hanh-chinh-tu-phap"}
    b1["phong-hanh-chinh-tu-phap"] = "van-phong-so"
    await year.ballots(BLOCK1, "bau-khoi", b1)
    assert await ok("close_vote_round", LEADERS[BLOCK1], block_id=BLOCK1, round_id="bau-khoi") == [
        "vote_round_closed",
        "block_leader_elected",
    ]

    # ---- block 2: a tie, then a runoff ------------------------------------------------------
    await designated(year, BLOCK2)
    tro = "trung-tam-tro-giup-phap-ly"
    b2 = {u: CC1 for u in (tro, "trung-tam-dau-gia-tai-san", "phong-cong-chung-so-2", "phong-cong-chung-so-3")}
    b2 |= {u: tro for u in (CC1, "phong-cong-chung-so-4", "phong-cong-chung-so-5", "phong-cong-chung-so-6")}
    b2["phong-cong-chung-so-7"] = "phong-cong-chung-so-5"  # 4 : 4 : 1
    await year.ballots(BLOCK2, "bau-khoi", b2)
    while_open = system.get(f"/v1/campaigns/{C}/votes", block=BLOCK2)["rounds"]
    assert all(r["tally"] is None for r in while_open)
    assert await ok("close_vote_round", LEADERS[BLOCK2], block_id=BLOCK2, round_id="bau-khoi") == [
        "vote_round_closed",
        "vote_round_failed",
        "vote_round_opened",
    ]
    runoff = {u: CC1 for u in UNITS[BLOCK2] if u != CC1} | {CC1: "trung-tam-tro-giup-phap-ly"}
    runoff["trung-tam-tro-giup-phap-ly"] = CC1
    runoff |= {
        "phong-cong-chung-so-6": "trung-tam-tro-giup-phap-ly",
        "phong-cong-chung-so-7": "trung-tam-tro-giup-phap-ly",
    }
    await year.ballots(BLOCK2, "bau-khoi-r2", runoff)
    await ok("close_vote_round", LEADERS[BLOCK2], block_id=BLOCK2, round_id="bau-khoi-r2")

    # ---- award proposals and council decisions ------------------------------------------------
    people = [f"Công chứng viên {n}" for n in range(1, 8)]
    for i, person in enumerate(people):
        await ok("propose_award", CC1, proposal_id=f"ldtt-{i}", award="lao-dong-tien-tien", unit_id=CC1, person=person)
        await ok("decide_award", proposal_id=f"ldtt-{i}", votes_for=8, votes_against=1, members_present=9)
    await ok("propose_award", CC1, proposal_id="cstdcs-1", award="chien-si-thi-dua-co-so", unit_id=CC1, person=people[0],
             facts={"initiative": "Sáng kiến số hoá hồ sơ công chứng"})  # fmt: skip
    await ok(
        "propose_award",
        CC1,
        proposal_id="cstdcs-2",
        award="chien-si-thi-dua-co-so",
        unit_id=CC1,
        person=people[1],
        facts={"initiative": "Quy trình tiếp nhận trực tuyến"},
    )  # fmt: skip  (refused by the 15% quota)
    await ok("decide_award", proposal_id="cstdcs-1", votes_for=9, votes_against=0, members_present=9)
    err = await refused("decide_award", proposal_id="cstdcs-2", votes_for=9, votes_against=0, members_present=9)
    assert err["code"] == "proposal_not_eligible"
    await ok("propose_award", CC1, proposal_id="tt-xuat-sac", award="tap-the-lao-dong-xuat-sac", unit_id=CC1,
             facts={"members": 10, "members_completing_tasks": 10})  # fmt: skip
    await ok("decide_award", proposal_id="tt-xuat-sac", votes_for=6, votes_against=3, members_present=9)  # 6/9 < 70%
    await ok("propose_award", CC1, proposal_id="co-cc1", award="co-thi-dua-ubnd-thanh-pho", unit_id=CC1)
    await ok("decide_award", proposal_id="co-cc1", votes_for=9, votes_against=0, members_present=9)
    await ok("propose_award", "phong-hanh-chinh-tu-phap", proposal_id="co-hctp", award="co-thi-dua-ubnd-thanh-pho",
             unit_id="phong-hanh-chinh-tu-phap")  # fmt: skip
    await ok("decide_award", proposal_id="co-hctp", votes_for=7, votes_against=1, members_present=8)
    await ok(
        "propose_award", "thanh-tra-so", proposal_id="co-tts", award="co-thi-dua-ubnd-thanh-pho", unit_id="thanh-tra-so"
    )
    await ok("propose_award", "thanh-tra-so", proposal_id="bk-tts", award="bang-khen-chu-tich-ubnd",
             unit_id="thanh-tra-so", person="Trần Thị B", facts={"discipline": "khien-trach"})  # fmt: skip
    err = await refused("decide_award", proposal_id="co-hctp", votes_for=7, votes_against=1, members_present=8)
    assert err["code"] == "already_decided"

    # ---- the final state of the read API -------------------------------------------------------
    def settled() -> dict[str, Any] | None:
        awards = system.get(f"/v1/campaigns/{C}/awards")
        votes = system.get(f"/v1/campaigns/{C}/votes")
        decided = [p for p in awards["proposals"] if p["decision"]]
        closed = [r for r in votes["rounds"] if r["status"] != "open"]
        standings = system.get(f"/v1/campaigns/{C}/standings")  # its own view: it may trail the others
        verified = sum(u["verified_count"] for b in standings["blocks"] for u in b["units"])
        # a close that elects records two events, the winner in the second: closed rounds may not have it yet
        elected = all(r["winner"] for r in closed if r["status"] == "elected")
        return (
            {"awards": awards, "votes": votes}
            if len(awards["proposals"]) == 14 and len(decided) == 11 and len(closed) == 3 and elected and verified == 8
            else None
        )

    final: dict[str, Any] = await wait_for(settled, timeout=30)  # type: ignore[arg-type]
    standings = system.get(f"/v1/campaigns/{C}/standings")
    table = {
        b["block_id"]: [
            (u["unit_id"], u["rank"], u["verified_score"], u["claimed_score"], u["late_count"]) for u in b["units"]
        ]
        for b in standings["blocks"]
    }
    assert table[BLOCK1] == [
        ("van-phong-so", 1, 55.0, 55.0, 0),
        ("phong-hanh-chinh-tu-phap", 2, 52.0, 58.0, 0),
        ("thanh-tra-so", 3, 50.0, 50.0, 0),  # ties with phong-to-chuc-can-bo: fewer late items first
        ("phong-to-chuc-can-bo", 4, 50.0, 55.0, 1),
        ("phong-bo-tro-tu-phap", 5, 0.0, 0.0, 0),  # equal on score, late and verified items: by unit id
        ("phong-pbgdpl", 6, 0.0, 60.0, 0),  # rejected
        ("phong-ql-xlvphc", 7, 0.0, 0.0, 0),
        ("phong-xd-kt-vbqppl", 8, 0.0, 0.0, 0),
    ]
    zero_b2 = ["phong-cong-chung-so-3", "phong-cong-chung-so-4", "phong-cong-chung-so-5", "phong-cong-chung-so-6",
               "phong-cong-chung-so-7", "trung-tam-dau-gia-tai-san"]  # fmt: skip
    assert table[BLOCK2] == [
        (CC1, 1, 69.0, 69.0, 0),
        ("trung-tam-tro-giup-phap-ly", 2, 57.0, 57.0, 0),
        ("phong-cong-chung-so-2", 3, 18.0, 18.0, 0),
        *[(u, 4 + i, 0.0, 0.0, 0) for i, u in enumerate(zero_b2)],
    ]
    assert system.get(f"/v1/campaigns/{C}/standings", block=BLOCK2)["blocks"][0]["units"] == next(
        b["units"] for b in standings["blocks"] if b["block_id"] == BLOCK2
    )

    achievements = system.get(f"/v1/campaigns/{C}/achievements")["achievements"]
    assert len(achievements) == 9
    by_id = {a["achievement_id"]: a for a in achievements}
    assert by_id["tt-phong-hanh-chinh-tu-phap"]["adjusted"] is True
    assert by_id["tt-phong-hanh-chinh-tu-phap"]["reason"] == "Trừ điểm chỉ tiêu chưa đạt"
    assert (by_id["tt-phong-to-chuc-can-bo"]["late"], by_id["tt-phong-to-chuc-can-bo"]["penalty"]) == (True, 5.0)
    assert by_id["tt-phong-pbgdpl"]["status"] == "rejected"

    rounds = [
        (r["block_id"], r["round_id"], r["status"], r["tally"], r["winner"], r["runoff_candidates"])
        for r in final["votes"]["rounds"]
    ]
    assert rounds == [
        (BLOCK1, "bau-khoi", "elected", {u: (7 if u == "phong-hanh-chinh-tu-phap" else 1 if u == "van-phong-so" else 0) for u in sorted(UNITS[BLOCK1])}, "phong-hanh-chinh-tu-phap", None),
        (BLOCK2, "bau-khoi", "runoff", {u: {CC1: 4, "trung-tam-tro-giup-phap-ly": 4, "phong-cong-chung-so-5": 1}.get(u, 0) for u in sorted(UNITS[BLOCK2])}, None, [CC1, "trung-tam-tro-giup-phap-ly"]),
        (BLOCK2, "bau-khoi-r2", "elected", {CC1: 6, "trung-tam-tro-giup-phap-ly": 3}, CC1, None),
    ]  # fmt: skip
    assert final["votes"]["rounds"][1]["reason"] == f"tie at 4 votes between {CC1}, trung-tam-tro-giup-phap-ly"
    assert final["votes"]["rounds"][2]["runoff_of"] == "bau-khoi"
    assert final["votes"]["leaders"] == {BLOCK1: "phong-hanh-chinh-tu-phap", BLOCK2: CC1}

    proposals = {
        p["proposal_id"]: (p["status"], sorted(r["rule"] for r in p["rule_results"] if not r["passed"])) for p in final["awards"]["proposals"]
    }  # fmt: skip
    assert proposals == {
        **{f"ldtt-{i}": ("approved", []) for i in range(7)},
        "cstdcs-1": ("approved", []),
        "cstdcs-2": ("ineligible", ["cstdcs-quota"]),
        "tt-xuat-sac": ("rejected", []),
        "co-cc1": ("approved", []),
        "co-hctp": ("approved", []),
        "co-tts": ("ineligible", ["block-leader"]),
        "bk-tts": ("ineligible", ["not-disciplined"]),
    }
    by_pid = {p["proposal_id"]: p for p in final["awards"]["proposals"]}
    assert [r["reason"] for r in by_pid["cstdcs-2"]["rule_results"] if not r["passed"]] == [
        "2 Chiến sĩ thi đua cơ sở exceeds 15% of 7 Lao động tiên tiến (1.05)"
    ]
    assert by_pid["co-tts"]["rule_results"][1]["reason"] == (
        "thanh-tra-so is not its block's elected leader (the leader elected is phong-hanh-chinh-tu-phap)"
    )
    assert by_pid["tt-xuat-sac"]["decision"] == {
        "approved": False,
        "votes_for": 6,
        "votes_against": 3,
        "members_present": 9,
        "members_total": 9,
        "reason": "6 of 9 council members voted for; falls short of 70%",
    }
    assert final["awards"]["policy"]["council_members"] == 9

    # ---- every stream message delivered twice to fresh views changes nothing ---------------------
    msgs = await system.stream_messages()
    batch = [(m.metadata.sequence.stream, parse(m)) for m in msgs]
    fresh = build_views(elsewhere(system, tmp_path, "replay"))
    live = {v.name: v for v in build_views(system.settings)}
    for view in fresh:
        for one in batch:
            view.apply([one])
        before = view.checksum()
        for one in batch:
            assert view.apply([one]) == 0
        assert view.checksum() == before == live[view.name].checksum(), view.name

    # ---- and redelivered by JetStream itself (nak) to a durable consumer: nothing changes ---------
    views = build_views(elsewhere(system, tmp_path, "nak"))
    subjects = sorted({event_subject("*", name) for v in views for name in v.handlers()})
    sub = await system.nc.jetstream().pull_subscribe(
        "", durable="evaluation-redelivery-test", stream="EMULATION",
        config=ConsumerConfig(filter_subjects=subjects, ack_policy=AckPolicy.EXPLICIT, max_deliver=-1),
    )  # fmt: skip
    first = await sub.fetch(len(msgs), timeout=5)
    assert len(first) == len(batch)
    for view in views:
        view.apply([(m.metadata.sequence.stream, parse(m)) for m in first])
    sums = [v.checksum() for v in views]
    for m in first:
        await m.nak()
    again: list[Any] = []
    while len(again) < len(first):  # redeliveries may come in more than one fetch
        again += await sub.fetch(len(first) - len(again), timeout=5)
    assert [m.metadata.sequence.stream for m in again] == [m.metadata.sequence.stream for m in first]
    assert {m.metadata.num_delivered for m in again} == {2}
    assert sum(v.apply([(m.metadata.sequence.stream, parse(m)) for m in again]) for v in views) == 0
    assert [v.checksum() for v in views] == sums == [live[v.name].checksum() for v in views]


async def test_fifty_concurrent_ballots_from_one_unit_count_once(system: System) -> None:
    year = Year(system)
    await year.setup()
    await designated(year, BLOCK2)
    voter = "phong-cong-chung-so-3"
    replies = await asyncio.gather(
        *(
            year.send(
                "cast_block_vote",
                voter,
                block_id=BLOCK2,
                round_id="bau-khoi",
                voter_unit_id=voter,
                candidate_unit_id=CC1 if i % 2 else "phong-cong-chung-so-2",
            )  # fmt: skip
            for i in range(50)
        )
    )
    accepted = [r for r in replies if r["ok"]]
    assert len(accepted) == 1
    assert {r["error"]["code"] for r in replies if not r["ok"]} == {"already_voted"}
    assert system.stored_topics("evaluation")["BlockElection.BallotCast"] == 1
    rounds = await wait_for(lambda: [r for r in system.get(f"/v1/campaigns/{C}/votes")["rounds"] if r["voted"]])
    assert [(r["round_id"], r["voted"], r["tally"]) for r in rounds] == [("bau-khoi", [voter], None)]
    [msg] = await system.stream_messages(f"emulation.events.{C}.block_vote_cast")
    assert "candidate_unit_id" not in json.loads(msg.data)["data"]
