"""The workspace's block votes, award proposals, printable award list and audit pages, per role, over a real
system: services and read API as processes, the votes and awards made with the public commands.

What each role reads is decided by the JSON routes; these tests check the pages show it and nothing more:
an open round's counts never, who voted for whom never, other units' undecided proposals not to units, and
nothing of either to the public (sign-in form) while the awards page shows the public only decided awards.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulation import demo
from services.read_api.access import create_token
from tests.support.system import System, wait_for
from tests.support.testids import Tags

pytestmark = pytest.mark.integration
C = "2022"
B1, B2 = "khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc"
LEADER1, LEADER2 = "van-phong-so", "trung-tam-tro-giup-phap-ly"
CC1, HCTP = "phong-cong-chung-so-1", "phong-hanh-chinh-tu-phap"
ROLES = ("council", "auditor", "unit:van-phong-so", "unit:thanh-tra-so", "public")


class Workspace:
    """One signed-in browser per role (the session cookie the sign-in form sets), the public without one."""

    def __init__(self, system: System, tokens: dict[str, str]) -> None:
        self.system = system
        self.tokens = tokens

    def get(self, role: str, path: str, **params: Any) -> httpx.Response:
        with self.system.http() as http:
            if role != "public":
                signin = http.post("/signin", data={"token": self.tokens[role], "next": path})
                assert signin.status_code == 303, signin.text
            return http.get(path, params=params) if params else http.get(path)  # `params={}` would drop a query

    def tags(self, role: str, path: str, **params: Any) -> Tags:
        r = self.get(role, path, **params)
        assert r.status_code == 200, (role, path, r.status_code, r.text[:500])
        assert r.headers["content-type"].startswith("text/html")
        return Tags(r.text)


async def send(system: System, command: str, actor: str = "van-phong-so", **body: Any) -> list[str]:
    reply = await system.send(command, {"command_id": str(uuid.uuid4()), "actor": actor, "campaign_id": C, **body})
    assert reply["ok"], (command, body, reply)
    return [e["type"].rsplit(".v", 1)[0] for e in reply["events"]]


async def ballots(system: System, block: str, round_id: str, choices: dict[str, str]) -> None:
    for voter, candidate in choices.items():
        await send(system, "cast_block_vote", voter, block_id=block, round_id=round_id, voter_unit_id=voter,
                   candidate_unit_id=candidate)  # fmt: skip


async def running(system: System, tmp_path: Path) -> Workspace:
    """Registry, evaluation and audit with role tokens, the demo's campaign, blocks, units and leaders."""
    tokens_file = tmp_path / "tokens.json"
    tokens = {role: create_token(tokens_file, role) for role in ROLES if role != "public"}
    system.settings = system.settings.replace(api_tokens_file=str(tokens_file))
    for service in ("registry", "evaluation", "audit"):
        system.start(service)
    system.start_api()
    await demo.load(system.nc)
    return Workspace(system, tokens)


async def leader_may_open(system: System, block: str, leader: str, round_id: str) -> None:
    """Open the block's round as its leader once evaluation has seen the campaign and the designation (they arrive by
    the stream)."""

    async def opened() -> bool:
        body = {"command_id": str(uuid.uuid4()), "actor": leader, "campaign_id": C, "block_id": block,
                "round_id": round_id}  # fmt: skip
        reply = await system.send("open_vote_round", body)  # refused until evaluation has seen campaign and leader
        return bool(reply["ok"]) or reply["error"]["code"] not in ("not_allowed", "unknown_campaign", "unknown_block")

    await wait_for(opened, timeout=30)


def members(system: System, block: str) -> list[str]:
    return [u["unit_id"] for u in demo_block(block)["units"]]


def demo_block(block: str) -> dict[str, Any]:
    return next(b for b in demo.load_scenario()["blocks"] if b["block_id"] == block)


def anchor(block: str, round_id: str) -> str:
    return f"vong-{block}-{round_id}"


async def test_votes_awards_and_the_printable_list_per_role(system: System, tmp_path: Path) -> None:
    ws = await running(system, tmp_path)
    names = {u["unit_id"]: u["name"] for b in demo.load_scenario()["blocks"] for u in b["units"]}
    u1, u2 = members(system, B1), members(system, B2)

    # ---- block 1: a clean win; block 2: a tie, then a runoff left open with 3 of 9 ballots ---------------------
    await leader_may_open(system, B1, LEADER1, "bau-khoi")
    await ballots(system, B1, "bau-khoi", {u: HCTP for u in u1 if u != HCTP} | {HCTP: LEADER1})
    assert await send(system, "close_vote_round", LEADER1, block_id=B1, round_id="bau-khoi") == [
        "vote_round_closed",
        "block_leader_elected",
    ]
    await leader_may_open(system, B2, LEADER2, "bau-khoi")
    tie = {u: CC1 for u in (LEADER2, "trung-tam-dau-gia-tai-san", "phong-cong-chung-so-2", "phong-cong-chung-so-3")}
    tie |= {u: LEADER2 for u in (CC1, "phong-cong-chung-so-4", "phong-cong-chung-so-5", "phong-cong-chung-so-6")}
    tie["phong-cong-chung-so-7"] = "phong-cong-chung-so-5"  # 4 : 4 : 1
    await ballots(system, B2, "bau-khoi", tie)
    closing = await send(system, "close_vote_round", LEADER2, block_id=B2, round_id="bau-khoi")
    assert closing == ["vote_round_closed", "vote_round_failed", "vote_round_opened"]
    runoff = {u: CC1 for u in u2 if u not in (CC1, "phong-cong-chung-so-6", "phong-cong-chung-so-7")}
    runoff |= {CC1: LEADER2, "phong-cong-chung-so-6": LEADER2, "phong-cong-chung-so-7": LEADER2}  # 6 : 3
    first, rest = dict(list(runoff.items())[:3]), dict(list(runoff.items())[3:])
    await ballots(system, B2, "bau-khoi-r2", first)

    r2, r1 = anchor(B2, "bau-khoi-r2"), anchor(B2, "bau-khoi")

    def votes_while_open() -> Tags | None:
        page = ws.tags("council", f"/campaigns/{C}/votes")
        turnout = page.all("vote-turnout", **{"data-round": r2})
        return page if turnout and turnout[0]["data-voters"] == "3" else None

    page: Tags = await wait_for(votes_while_open, timeout=30)
    rounds = {(r["data-block-id"], r["data-round-id"]): r for r in page.all("vote-round")}
    assert {k: r["data-status"] for k, r in rounds.items()} == {
        (B1, "bau-khoi"): "elected",
        (B2, "bau-khoi"): "runoff",
        (B2, "bau-khoi-r2"): "open",
    }
    # the open round: its turnout, never a count nor a bar (the route has none to give)
    assert page.one("vote-turnout", **{"data-round": r2})["data-eligible"] == "9"
    assert "3/9" in page.one("vote-turnout", **{"data-round": r2})["text"]
    assert page.all("vote-result", **{"data-round": r2}) == page.all("vote-bar", **{"data-round": r2}) == []
    assert "Đang bỏ phiếu" in rounds[B2, "bau-khoi-r2"]["text"]
    # the closed rounds: a row and a bar per candidate, the elected leader, the runoff linked both ways
    b1 = anchor(B1, "bau-khoi")
    b1_results = {r["data-unit-id"]: int(r["data-votes"]) for r in page.all("vote-result", **{"data-round": b1})}
    assert b1_results == {u: 7 if u == HCTP else 1 if u == LEADER1 else 0 for u in u1}
    assert len(page.all("vote-bar", **{"data-round": b1})) == len(u1)
    assert page.one("vote-winner", **{"data-round": b1})["data-unit-id"] == HCTP
    assert names[HCTP] in page.one("vote-winner", **{"data-round": b1})["text"]
    tie_results = {r["data-unit-id"]: int(r["data-votes"]) for r in page.all("vote-result", **{"data-round": r1})}
    assert {u: n for u, n in tie_results.items() if n} == {CC1: 4, LEADER2: 4, "phong-cong-chung-so-5": 1}
    assert page.one("runoff-link")["href"] == f"#{r2}" and page.one("runoff-of")["href"] == f"#{r1}"
    assert {r["id"] for r in page.all("vote-round")} == {b1, r1, r2}
    assert [(x["data-block-id"], x["data-unit-id"]) for x in page.all("vote-leader")] == [(B1, HCTP)]

    # every role that reads votes sees the same rounds; the public is asked to sign in
    for role in ("auditor", "unit:thanh-tra-so"):
        assert len(ws.tags(role, f"/campaigns/{C}/votes").all("vote-round")) == 3
    r = ws.get("public", f"/campaigns/{C}/votes")
    assert r.status_code == 401 and Tags(r.text).all("signin-form")

    # ---- the runoff closes: its result, and block 2's leader ----------------------------------------------------
    await ballots(system, B2, "bau-khoi-r2", rest)
    await send(system, "close_vote_round", LEADER2, block_id=B2, round_id="bau-khoi-r2")

    def closed() -> Tags | None:
        page = ws.tags("unit:thanh-tra-so", f"/campaigns/{C}/votes")
        return page if len(page.all("vote-leader")) == 2 else None

    page = await wait_for(closed, timeout=30)
    assert page.one("vote-round", **{"data-round-id": "bau-khoi-r2"})["data-status"] == "elected"
    results = {r["data-unit-id"]: int(r["data-votes"]) for r in page.all("vote-result", **{"data-round": r2})}
    assert results == {CC1: 6, LEADER2: 3}
    assert [r["data-unit-id"] for r in page.all("vote-result", **{"data-round": r2})] == [CC1, LEADER2]  # most first
    assert {x["data-block-id"]: x["data-unit-id"] for x in page.all("vote-leader")} == {B1: HCTP, B2: CC1}

    # ---- award proposals: approved, rejected by the council, ineligible by a named rule, undecided ---------------
    council = "council:chu-tich"
    people = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường"]
    for i, person in enumerate(people):
        await send(system, "propose_award", CC1, proposal_id=f"ldtt-{i}", award="lao-dong-tien-tien", unit_id=CC1,
                   person=person)  # fmt: skip
        await send(system, "decide_award", council, proposal_id=f"ldtt-{i}", votes_for=8, votes_against=1,
                   members_present=9)  # fmt: skip
    await send(system, "propose_award", CC1, proposal_id="ldtt-dung", award="lao-dong-tien-tien", unit_id=CC1,
               person="Phạm Minh Dũng")  # fmt: skip
    await send(
        system, "decide_award", council, proposal_id="ldtt-dung", votes_for=6, votes_against=3, members_present=9
    )
    await send(system, "propose_award", CC1, proposal_id="co-cc1", award="co-thi-dua-ubnd-thanh-pho", unit_id=CC1)
    await send(system, "decide_award", council, proposal_id="co-cc1", votes_for=9, votes_against=0, members_present=9)
    await send(system, "propose_award", "thanh-tra-so", proposal_id="co-tts", award="co-thi-dua-ubnd-thanh-pho",
               unit_id="thanh-tra-so")  # fmt: skip
    await send(system, "propose_award", LEADER1, proposal_id="ldtt-vps", award="lao-dong-tien-tien",
               unit_id=LEADER1, person="Võ Thị Em")  # fmt: skip

    def awards(role: str) -> Tags | None:
        page = ws.tags(role, f"/campaigns/{C}/awards")
        return page if len(page.all("award-proposal")) == {"council": 7}.get(role, 0) else None

    page = await wait_for(lambda: awards("council"), timeout=30)
    proposals = {x["data-proposal-id"]: x for x in page.all("award-proposal")}
    assert {k: (x["data-eligible"], x["data-status"]) for k, x in proposals.items()} == {
        **{f"ldtt-{i}": ("true", "approved") for i in range(3)},
        "ldtt-dung": ("true", "rejected"),
        "co-cc1": ("true", "approved"),
        "co-tts": ("false", "ineligible"),
        "ldtt-vps": ("true", "proposed"),
    }
    assert [t["data-award"] for t in page.all("award-title")] == ["lao-dong-tien-tien", "co-thi-dua-ubnd-thanh-pho"]
    # every rule's result in words (not by colour alone) with its reason; the ineligible one names its rule
    [leader_rule] = page.all("award-rule", **{"data-rule": "block-leader", "data-passed": "false"})
    assert "✗ Không đạt" in leader_rule["text"] and "Được suy tôn dẫn đầu khối" in leader_rule["text"]
    assert "thanh-tra-so is not its block's elected leader" in leader_rule["text"]
    assert "✗ Không đủ điều kiện" in proposals["co-tts"]["text"]
    assert "Nguyễn Văn An" in proposals["ldtt-0"]["text"] and names[CC1] in proposals["ldtt-0"]["text"]
    # the council's decision with its counts
    rejected = proposals["ldtt-dung"]["text"]
    assert "Không thông qua" in rejected and "6 of 9 council members voted for" in rejected
    decisions = {d["data-approved"] for d in page.all("award-decision")}
    assert decisions == {"true", "false"} and len(page.all("award-decision")) == 5
    assert "Hội đồng chưa xét" in proposals["ldtt-vps"]["text"]
    assert page.one("export-xlsx")["href"] == f"/v1/campaigns/{C}/exports/awards.xlsx"
    assert page.one("export-csv")["href"] == f"/v1/campaigns/{C}/exports/awards.csv"

    # a unit: decided awards and its own undecided ones, never another unit's; the public: decided ones only
    decided = {"ldtt-0", "ldtt-1", "ldtt-2", "ldtt-dung", "co-cc1"}
    seen = {
        role: {x["data-proposal-id"] for x in ws.tags(role, f"/campaigns/{C}/awards").all("award-proposal")}
        for role in ("unit:van-phong-so", "unit:thanh-tra-so", "public", "auditor")
    }
    assert seen == {
        "unit:van-phong-so": decided | {"ldtt-vps"},
        "unit:thanh-tra-so": decided | {"co-tts"},
        "public": decided,
        "auditor": decided | {"ldtt-vps", "co-tts"},
    }
    public = ws.get("public", f"/campaigns/{C}/awards").text
    assert "Võ Thị Em" not in public and "co-tts" not in public

    # ---- the printable list: a document per title, numbered, with the signature block and no navigation ----------
    r = ws.get("council", f"/campaigns/{C}/awards/print")
    assert r.status_code == 200
    printed = Tags(r.text)
    assert [t["data-award"] for t in printed.all("print-title")] == ["lao-dong-tien-tien", "co-thi-dua-ubnd-thanh-pho"]
    rows = {x["data-proposal-id"]: x for x in printed.all("award-proposal")}
    assert set(rows) == set(proposals)
    assert "✗ Không đạt: Được suy tôn dẫn đầu khối" in rows["co-tts"]["text"] and "Không" in rows["co-tts"]["text"]
    for text in ("SỞ TƯ PHÁP THÀNH PHỐ HỒ CHÍ MINH", "Danh sách đề nghị khen thưởng", "Người lập biểu",
                 "Chủ tịch Hội đồng", "Phong trào thi đua yêu nước năm 2022", "I. Lao động tiên tiến"):  # fmt: skip
        assert text in r.text, text
    assert "<nav" not in r.text and 'href="/static/awards_print.css"' in r.text
    public_print = Tags(ws.get("public", f"/campaigns/{C}/awards/print").text)
    assert {x["data-proposal-id"] for x in public_print.all("award-proposal")} == decided

    # PDF, when WeasyPrint is installed; otherwise a 503 that says to print the page instead
    pdf = ws.get("council", f"/campaigns/{C}/awards/print.pdf")
    try:
        import weasyprint  # noqa: F401

        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 5_000
    except (ImportError, OSError):
        assert pdf.status_code == 503
    assert ws.get("public", f"/campaigns/{C}/awards/print.pdf").status_code in (200, 503)


async def test_audit_page_filters_pages_and_verifies_for_auditors_only(system: System, tmp_path: Path) -> None:
    ws = await running(system, tmp_path)
    units = sum(len(b["units"]) for b in demo.load_scenario()["blocks"])

    def everything() -> Tags | None:
        page = ws.tags("auditor", "/audit", limit=1000)
        return page if len(page.all("audit-row")) >= 39 else None

    page: Tags = await wait_for(everything, timeout=30)
    seqs = [int(r["data-seq"]) for r in page.all("audit-row")]
    assert seqs == sorted(seqs) and page.all("audit-next") == []
    assert page.one("verify-status")["data-status"] == "unchecked"

    # a page at a time: the cursor link carries the filters on
    first = ws.tags("auditor", "/audit", limit=10, campaign=C)
    href = first.one("audit-next")["href"]
    assert "campaign=2022" in href and "limit=10" in href and f"after={first.all('audit-row')[-1]['data-seq']}" in href
    second = Tags(ws.get("auditor", href).text)
    got = [int(r["data-seq"]) for r in first.all("audit-row") + second.all("audit-row")]
    whole = [int(r["data-seq"]) for r in ws.tags("auditor", "/audit", limit=1000, campaign=C).all("audit-row")]
    assert got == whole[:20] and len(set(got)) == 20 < len(whole) < len(seqs)  # units are registered campaign-free
    assert second.one("audit-first")["href"] == "/audit?campaign=2022&limit=10"

    # filters: event type, unit, time range (a malformed time is said, not a crash)
    typed = ws.tags("auditor", "/audit", type="unit_registered")
    assert {r["data-type"] for r in typed.all("audit-row")} == {"unit_registered"}
    assert len(typed.all("audit-row")) == units
    assert {r["data-type"] for r in ws.tags("auditor", "/audit", unit="thanh-tra-so").all("audit-row")} == {
        "unit_registered",
        "unit_assigned_to_block",
        "block_leader_designated",  # its deputy
    }
    assert ws.tags("auditor", "/audit", since="2199-01-01T00:00").all("audit-row") == []
    bad = ws.get("auditor", "/audit", since="hôm qua")
    assert bad.status_code == 200 and "không phải một thời điểm hợp lệ" in bad.text and Tags(bad.text).all("audit-row")

    # verification, when asked: intact, with every live projection's checksum
    checked = ws.tags("auditor", "/audit", verify="1")
    status = checked.one("verify-status")
    assert status["data-status"] == "intact" and "Nguyên vẹn" in status["text"]
    assert len(checked.all("checksums")) == 1

    # nobody else: the council and units are refused, the public asked to sign in
    for role in ("council", "unit:van-phong-so"):
        r = ws.get(role, "/audit", verify="1")
        assert r.status_code == 403 and not Tags(r.text).all("audit-row") and not Tags(r.text).all("verify-status")
    r = ws.get("public", "/audit")
    assert r.status_code == 401 and Tags(r.text).all("signin-form")
