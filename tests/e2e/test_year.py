"""The 2022 year of plan 5039/KH-STP-VP, end to end, through the public contract only.

`emulation up` runs as a subprocess (free ports, a tmp data dir), as a department would run it. The test is
the department's portal, a city system in its own NATS account (commands through its imports, events on the
subjects granted to it), the council, the units and the public reading the read API over HTTP with their
bearer tokens, and a unit checking its secret ballot with `emulation ballot check`. It reads no store, no
view and no log: every expectation is about what the contract promises, and every wait is on a condition
with a deadline (the views trail the commands by the time the stream takes).
"""

from __future__ import annotations

import base64
import copy
import json
import os
from typing import Any

import pytest

from emulation.demo import load_scenario
from services import catalogue
from tests.e2e.parties import Portal, Reader, emulation, token
from tests.support.embedded import Up
from tests.support.system import stream_messages, wait_for

pytestmark = pytest.mark.e2e
C = "2022"
SCENARIO = load_scenario()
OFFICE = SCENARIO["campaign"]["secretariat_unit_id"]  # van-phong-so, the campaign's secretariat
BLOCK1, BLOCK2 = (b["block_id"] for b in SCENARIO["blocks"])
UNITS = {b["block_id"]: [u["unit_id"] for u in b["units"]] for b in SCENARIO["blocks"]}
LEADERS = {BLOCK1: ("van-phong-so", "thanh-tra-so"), BLOCK2: ("trung-tam-tro-giup-phap-ly", "phong-cong-chung-so-1")}
CC1 = "phong-cong-chung-so-1"
COUNCIL = "council:chu-tich"


async def test_a_whole_year_through_the_public_contract(up: Up, portal: Portal) -> None:
    terminal = up.terminal()  # a quiet start: a line per part, the URLs, no process's log
    for entry in catalogue.answering():
        assert f"{entry.name:<14} takes its {len(entry.command_names())} commands" in terminal
    assert f"Read API:  http://127.0.0.1:{up.api_port}" in terminal
    assert not [line for line in terminal.splitlines() if line.lstrip().startswith("{")], terminal

    council, auditor, public = Reader(up, token(up, "council")), Reader(up, token(up, "auditor")), Reader(up, None)
    await launch_and_register(portal, council)
    await achievements_and_standings(portal, council)
    receipts = await block_votes(portal, council)
    await ballots_counted_as_cast(up, receipts)
    await awards(portal, council, public)
    await notices(up, council)
    await events_seen_by_the_portal(portal)

    assert await public.status(f"/v1/campaigns/{C}/standings") == 401  # an open campaign's standings: not public
    await portal.ok("close_campaign", OFFICE, campaign_id=C, reason="Tổng kết năm 2022")

    async def public_standings() -> bool:
        return await public.status(f"/v1/campaigns/{C}/standings") == 200

    await wait_for(public_standings, timeout=30)  # once the campaign is closed
    assert (await public.get(f"/v1/campaigns/{C}"))["status"] == "closed"

    async def intact() -> bool:  # stream, stores and checkpoints agree, once every event is relayed
        return bool((await auditor.get("/v1/audit/verify"))["status"] == "intact")

    await wait_for(intact, timeout=60, interval=1)
    for reader in (council, auditor, public):
        await reader.http.aclose()


async def launch_and_register(portal: Portal, council: Reader) -> None:
    """Launch, blocks, units in their blocks, every unit's registration, then the block leaders."""
    await portal.ok("launch_campaign", OFFICE, **copy.deepcopy(SCENARIO["campaign"]))
    assert (await portal.refused("launch_campaign", OFFICE, **SCENARIO["campaign"]))["code"] == "campaign_exists"
    for block in SCENARIO["blocks"]:
        await portal.ok("define_block", OFFICE, campaign_id=C, block_id=block["block_id"], name=block["name"])
        for unit in block["units"]:
            await portal.ok("register_unit", OFFICE, **unit)
            await portal.ok("assign_unit_to_block", OFFICE, campaign_id=C, block_id=block["block_id"],
                            unit_id=unit["unit_id"])  # fmt: skip
    for units in UNITS.values():
        for unit_id in units:  # each unit registers itself (the portal acts for it); after 2022-01-20: late
            staff = [{"person": f"Công chứng viên {n}", "target_title": "lao-dong-tien-tien"} for n in range(1, 11)]
            await portal.ok("register_emulation", unit_id, campaign_id=C, unit_id=unit_id,
                            collective_target="tap-the-lao-dong-xuat-sac", staff=staff if unit_id == CC1 else [])  # fmt: skip
    for block_id, (leader, deputy) in LEADERS.items():
        await portal.ok("designate_block_leader", OFFICE, campaign_id=C, block_id=block_id, leader_unit_id=leader,
                        deputy_unit_id=deputy)  # fmt: skip

    async def registered() -> dict[str, Any] | None:  # the last commands are the leaders, in another view: them too
        found = await council.known(f"/v1/campaigns/{C}/registrations", limit=100)
        blocks = await council.known(f"/v1/campaigns/{C}/blocks")
        led = blocks is not None and {b["block_id"] for b in blocks["blocks"] if b["leader"]} == set(LEADERS)
        return found if found and len(found["registrations"]) == 17 and led else None

    registrations = await wait_for(registered, timeout=30)
    assert all(r["late"] for r in registrations["registrations"])
    blocks = (await council.get(f"/v1/campaigns/{C}/blocks"))["blocks"]
    assert {b["block_id"]: (b["leader"]["unit_id"], len(b["members"])) for b in blocks} == {
        BLOCK1: ("van-phong-so", 8),
        BLOCK2: ("trung-tam-tro-giup-phap-ly", 9),
    }


async def achievements_and_standings(portal: Portal, council: Reader) -> None:
    await portal.once_known("set_evaluation_policy", COUNCIL, campaign_id=C, policy={"council_members": 9})
    await portal.ok("set_scoring_table", COUNCIL, campaign_id=C,
                    criteria=[{"criterion_id": "nhiem-vu", "title": "Hoàn thành nhiệm vụ chuyên môn", "max_points": 60},
                              {"criterion_id": "cai-cach-hanh-chinh", "title": "Cải cách hành chính", "max_points": 20}],
                    bonuses=[{"item_id": "sang-kien", "title": "Sáng kiến được công nhận", "points": 10}],
                    penalties=[{"item_id": "late-report", "title": "Báo cáo, hồ sơ trễ hạn", "points": 5}])  # fmt: skip
    claims = {  # unit: (criterion, claimed, verified as, late)
        "van-phong-so": ("nhiem-vu", 55, 55, False),
        "thanh-tra-so": ("nhiem-vu", 50, 50, False),
        "phong-hanh-chinh-tu-phap": ("nhiem-vu", 58, 52, False),  # adjusted, with a reason
        "phong-pbgdpl": ("nhiem-vu", 60, None, False),  # rejected
        "phong-to-chuc-can-bo": ("nhiem-vu", 55, 55, True),  # late: 55 - 5 = 50, ties with thanh-tra-so
        CC1: ("nhiem-vu", 59, 59, False),
        "trung-tam-tro-giup-phap-ly": ("nhiem-vu", 57, 57, False),
        "phong-cong-chung-so-2": ("cai-cach-hanh-chinh", 18, 18, False),
    }
    for unit, (criterion, claimed, _, late) in claims.items():
        due = {"due_on": "2022-01-20"} if late else {}
        await portal.once_known("report_achievement", unit, campaign_id=C, achievement_id=f"tt-{unit}", unit_id=unit,
                                content_no=4, criterion_id=criterion, claimed_points=claimed,
                                description="Hoàn thành xuất sắc nhiệm vụ năm 2022", evidence_ref=f"BC-{unit}", **due)  # fmt: skip
    await portal.ok("report_achievement", CC1, campaign_id=C, achievement_id="sk-cc1", unit_id=CC1, content_no=8,
                    criterion_id="sang-kien", claimed_points=10, description="Sáng kiến số hoá hồ sơ công chứng")  # fmt: skip
    for unit, (_, claimed, verified, _) in claims.items():
        if verified is None:
            await portal.ok("reject_achievement", COUNCIL, campaign_id=C, achievement_id=f"tt-{unit}",
                            reason="Không có minh chứng")  # fmt: skip
        elif verified != claimed:
            await portal.ok("verify_achievement", COUNCIL, campaign_id=C, achievement_id=f"tt-{unit}", points=verified,
                            reason="Trừ điểm chỉ tiêu chưa đạt")  # fmt: skip
        else:
            await portal.ok("verify_achievement", COUNCIL, campaign_id=C, achievement_id=f"tt-{unit}")
    await portal.ok("verify_achievement", COUNCIL, campaign_id=C, achievement_id="sk-cc1")

    async def settled() -> dict[str, Any] | None:
        standings = await council.get(f"/v1/campaigns/{C}/standings")
        decided = sum(u["verified_count"] + u["rejected_count"] for b in standings["blocks"] for u in b["units"])
        return standings if decided == 9 else None

    standings = await wait_for(settled, timeout=30)
    table = {b["block_id"]: [(u["unit_id"], u["rank"], u["verified_score"], u["late_count"]) for u in b["units"]]
             for b in standings["blocks"]}  # fmt: skip
    assert table[BLOCK1][:4] == [
        ("van-phong-so", 1, 55.0, 0),
        ("phong-hanh-chinh-tu-phap", 2, 52.0, 0),
        ("thanh-tra-so", 3, 50.0, 0),  # ties with phong-to-chuc-can-bo: fewer late items first
        ("phong-to-chuc-can-bo", 4, 50.0, 1),
    ]
    assert table[BLOCK2][:3] == [(CC1, 1, 69.0, 0), ("trung-tam-tro-giup-phap-ly", 2, 57.0, 0),
                                 ("phong-cong-chung-so-2", 3, 18.0, 0)]  # fmt: skip
    achievements = {
        a["achievement_id"]: a for a in (await council.get(f"/v1/campaigns/{C}/achievements"))["achievements"]
    }
    assert achievements["tt-phong-hanh-chinh-tu-phap"]["reason"] == "Trừ điểm chỉ tiêu chưa đạt"
    assert achievements["tt-phong-pbgdpl"]["status"] == "rejected"
    assert (achievements["tt-phong-to-chuc-can-bo"]["late"], achievements["tt-phong-to-chuc-can-bo"]["penalty"]) == (
        True,
        5.0,
    )


async def block_votes(portal: Portal, council: Reader) -> dict[str, tuple[str, str, str]]:
    """Each block votes its leading unit by secret ballot; voter → (block, its choice, its receipt)."""
    choices = {
        BLOCK1: {u: "phong-hanh-chinh-tu-phap" for u in UNITS[BLOCK1]} | {"phong-hanh-chinh-tu-phap": "van-phong-so"},
        BLOCK2: {u: CC1 for u in UNITS[BLOCK2]} | {CC1: "trung-tam-tro-giup-phap-ly"},
    }
    receipts = {}
    for block, votes in choices.items():
        leader = LEADERS[block][0]  # the designated block leader conducts the vote
        await portal.once_known("open_vote_round", leader, campaign_id=C, block_id=block, round_id="bau-khoi")
        for voter, candidate in votes.items():
            reply = await portal.ok("cast_block_vote", voter, campaign_id=C, block_id=block, round_id="bau-khoi",
                                    voter_unit_id=voter, candidate_unit_id=candidate)  # fmt: skip
            receipts[voter] = (block, candidate, reply["receipt"])
        again = await portal.refused("cast_block_vote", UNITS[block][0], campaign_id=C, block_id=block,
                                     round_id="bau-khoi", voter_unit_id=UNITS[block][0], candidate_unit_id=leader)  # fmt: skip
        assert again["code"] == "already_voted"

        async def every_ballot_seen(block: str = block, cast: int = len(votes)) -> dict[str, Any] | None:
            rounds = (await council.get(f"/v1/campaigns/{C}/votes", block=block))["rounds"]
            return rounds[0] if rounds and len(rounds[0]["voted"]) == cast else None

        open_round = await wait_for(every_ballot_seen, timeout=30)  # the votes view may trail the commands
        assert open_round["tally"] is None  # never a count per candidate while the round is open
        closed = await portal.ok("close_vote_round", leader, campaign_id=C, block_id=block, round_id="bau-khoi")
        assert [e["type"].rsplit(".v", 1)[0] for e in closed["events"]] == ["vote_round_closed", "block_leader_elected"]

    async def elected() -> dict[str, Any] | None:  # both rounds closed, every ballot counted, in the votes view
        votes = await council.get(f"/v1/campaigns/{C}/votes")
        counted = all(len(r["ballots"] or []) == len(UNITS[r["block_id"]]) for r in votes["rounds"])
        return votes if len(votes["leaders"]) == 2 and counted else None

    votes = await wait_for(elected, timeout=30)
    assert votes["leaders"] == {BLOCK1: "phong-hanh-chinh-tu-phap", BLOCK2: CC1}
    for r in votes["rounds"]:  # anyone can recount: the ballots, without voters, make the tally
        assert r["status"] == "elected" and len(r["ballots"]) == len(UNITS[r["block_id"]])
        assert all(set(b) == {"ballot", "candidate_unit_id"} for b in r["ballots"])
        counted = {u: sum(b["candidate_unit_id"] == u for b in r["ballots"]) for u in r["tally"]}
        assert counted == r["tally"]
    return receipts


async def ballots_counted_as_cast(up: Up, receipts: dict[str, tuple[str, str, str]]) -> None:
    """A unit checks its own ballot with its receipt, which never leaves its machine; a made-up one is not found."""
    voter = "phong-cong-chung-so-7"
    block, choice, receipt = receipts[voter]
    args = ["ballot", "check", "--campaign", C, "--block", block, "--round", "bau-khoi"]
    api = ["--api", f"http://127.0.0.1:{up.api_port}", "--token", token(up, f"unit:{voter}")]
    checked = emulation(up, *args, "--receipt", receipt, *api)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout) | {"ballot": None} == {
        "ballot": None,
        "counted": True,
        "candidate_unit_id": choice,
    }
    forged = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()  # a receipt no ballot was cast with
    unknown = emulation(up, *args, "--receipt", forged, *api)
    assert unknown.returncode == 1 and json.loads(unknown.stdout)["counted"] is False


async def awards(portal: Portal, council: Reader, public: Reader) -> None:
    people = [f"Công chứng viên {n}" for n in range(1, 8)]
    for i, person in enumerate(people):
        await portal.ok("propose_award", CC1, campaign_id=C, proposal_id=f"ldtt-{i}", award="lao-dong-tien-tien",
                        unit_id=CC1, person=person)  # fmt: skip
        await portal.ok("decide_award", COUNCIL, campaign_id=C, proposal_id=f"ldtt-{i}", votes_for=8, votes_against=1,
                        members_present=9)  # fmt: skip
    await portal.ok("propose_award", CC1, campaign_id=C, proposal_id="cstdcs-1", award="chien-si-thi-dua-co-so",
                    unit_id=CC1, person=people[0], facts={"initiative": "Sáng kiến số hoá hồ sơ công chứng"})  # fmt: skip
    await portal.ok("propose_award", CC1, campaign_id=C, proposal_id="cstdcs-2", award="chien-si-thi-dua-co-so",
                    unit_id=CC1, person=people[1], facts={"initiative": "Quy trình tiếp nhận trực tuyến"})  # fmt: skip
    await portal.ok("decide_award", COUNCIL, campaign_id=C, proposal_id="cstdcs-1", votes_for=9, votes_against=0,
                    members_present=9)  # fmt: skip
    refused = await portal.refused("decide_award", COUNCIL, campaign_id=C, proposal_id="cstdcs-2", votes_for=9,
                                   votes_against=0, members_present=9)  # fmt: skip
    assert refused["code"] == "proposal_not_eligible"
    # the unit's members: the 10 staff of its registration; 7 of them Lao động tiên tiến
    await portal.ok("propose_award", CC1, campaign_id=C, proposal_id="tt-xuat-sac", award="tap-the-lao-dong-xuat-sac",
                    unit_id=CC1, facts={"members_completing_tasks": 10})  # fmt: skip
    await portal.ok("decide_award", COUNCIL, campaign_id=C, proposal_id="tt-xuat-sac", votes_for=7, votes_against=2,
                    members_present=9)  # fmt: skip
    await portal.ok("propose_award", CC1, campaign_id=C, proposal_id="co-cc1", award="co-thi-dua-ubnd-thanh-pho",
                    unit_id=CC1)  # fmt: skip
    await portal.ok("decide_award", COUNCIL, campaign_id=C, proposal_id="co-cc1", votes_for=9, votes_against=0,
                    members_present=9)  # fmt: skip
    await portal.ok("propose_award", "thanh-tra-so", campaign_id=C, proposal_id="co-tts",
                    award="co-thi-dua-ubnd-thanh-pho", unit_id="thanh-tra-so")  # fmt: skip

    async def decided() -> dict[str, Any] | None:  # all 12 proposals in the view, 10 of them decided
        found = await council.get(f"/v1/campaigns/{C}/awards")
        proposals = found["proposals"]
        return found if len(proposals) == 12 and sum(p["decision"] is not None for p in proposals) == 10 else None

    found = await wait_for(decided, timeout=30)
    status = {p["proposal_id"]: p["status"] for p in found["proposals"]}
    assert status == {**{f"ldtt-{i}": "approved" for i in range(7)}, "cstdcs-1": "approved", "cstdcs-2": "ineligible",
                      "tt-xuat-sac": "approved", "co-cc1": "approved", "co-tts": "ineligible"}  # fmt: skip
    failed = {p["proposal_id"]: [r["rule"] for r in p["rule_results"] if not r["passed"]] for p in found["proposals"]}
    assert (failed["cstdcs-2"], failed["co-tts"]) == (["cstdcs-quota"], ["block-leader"])
    shown = {p["proposal_id"] for p in (await public.get(f"/v1/campaigns/{C}/awards"))["proposals"]}
    assert shown == {pid for pid, s in status.items() if s in ("approved", "rejected")}  # the public: decided ones


async def notices(up: Up, council: Reader) -> None:
    """What each unit was told, delivered on NATS (no e-mail or webhook is configured): read with its token."""
    unit = Reader(up, token(up, f"unit:{CC1}"))

    async def delivered() -> set[str] | None:
        rules = {
            n["rule"] for n in await unit.get(f"/v1/units/{CC1}/notifications", limit=1000) if n["status"] == "sent"
        }
        return rules if {"vote-opened", "vote-result", "award-decided"} <= rules else None

    await wait_for(delivered, timeout=60)
    assert await unit.status(f"/v1/units/{OFFICE}/notifications") == 403  # another unit's notices

    async def office_told() -> set[str] | None:
        rules = {n["rule"] for n in await council.get(f"/v1/units/{OFFICE}/notifications", limit=1000)}
        return rules if {"late-registration", "late-report"} <= rules else None

    await wait_for(office_told, timeout=60)

    async def rejection_told() -> bool:
        rejected = await council.get("/v1/units/phong-pbgdpl/notifications", limit=1000)
        return "achievement-rejected" in {n["rule"] for n in rejected}

    await wait_for(rejection_told, timeout=60)
    await unit.http.aclose()


async def events_seen_by_the_portal(portal: Portal) -> None:
    """The events granted to the portal reached it; a ballot's event tells who voted, never for whom."""

    def arrived() -> bool:
        return len(portal.of("award_decided")) == 10 and len(portal.of("vote_round_closed")) == 2

    await wait_for(arrived, timeout=30)
    cast = portal.of("block_vote_cast")
    assert len(cast) == 17 and all("candidate_unit_id" not in e["data"] and e["data"]["commitment"] for e in cast)
    closed = portal.of("vote_round_closed")
    assert all("voter_unit_id" not in b for e in closed for b in e["data"]["ballots"])
    assert {"/services/registry", "/services/evaluation"} <= {e["source"] for e in portal.events}
    registered = portal.of("emulation_registered")
    assert len(registered) == 17 and all(e["data"]["late"] for e in registered)

    async def in_its_feed() -> bool:  # durably too: the stream `emulation up` made in the portal's own account
        feed = [json.loads(m.data)["id"] for m in await stream_messages(portal.nc, stream="EMULATION")]
        assert len(feed) == len(set(feed)), "each event once"
        return {e["id"] for e in portal.events} <= set(feed)

    await wait_for(in_its_feed, timeout=30)
