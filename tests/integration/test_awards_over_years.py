"""Awards across campaigns and years, and an ad-hoc award mid-year, through the real services over NATS.

Four campaigns are launched with the registry's commands (yearly 2020, 2021, 2022 and a thematic one of 2021); the
council's decisions of the earlier ones decide whether a Chiến sĩ thi đua cấp Thành phố proposal of 2022 is
eligible. On the services' clock it is 20/06/2022 when an exceptional achievement of 15/06 is proposed for a Giấy
khen and decided. The evaluation's views rebuilt from the stream give the live checksums.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from emulation.demo import load_scenario
from services.evaluation.factory import build_views
from shared.infra.clock import Clock
from shared.infra.consumer import parse
from tests.support.system import System, wait_for

pytestmark = pytest.mark.integration
COUNCIL = "council:chu-tich"
CC1 = "phong-cong-chung-so-1"
UNITS = [
    {"unit_id": CC1, "name": "Phòng Công chứng số 1", "kind": "affiliated"},
    {"unit_id": "van-phong-so", "name": "Văn phòng Sở", "kind": "department"},
]
CAMPAIGNS = {"2020": (2020, "yearly"), "2021": (2021, "yearly"), "chuyen-de-2021": (2021, "thematic"),
             "2022": (2022, "yearly")}  # fmt: skip
ACHIEVEMENT = {"description": "Phát hiện, ngăn chặn kịp thời hồ sơ công chứng giả mạo", "achieved_on": "2022-06-15",
               "evidence_ref": "Công văn 118/CAQ1 của Công an Quận 1"}  # fmt: skip


async def command(system: System, command_name: str, actor: str, **body: Any) -> dict[str, Any]:
    return await system.send(command_name, {"command_id": str(uuid.uuid4()), "actor": actor, **body})


async def ok(system: System, command_name: str, actor: str = COUNCIL, **body: Any) -> list[str]:
    reply = await command(system, command_name, actor, **body)
    assert reply["ok"], (command_name, body, reply)
    return [e["type"] for e in reply["events"]]


async def launch(system: System) -> None:
    """The four campaigns, one block each with both units; wait until the evaluation knows their members."""
    for n, (campaign_id, (year, kind)) in enumerate(CAMPAIGNS.items()):
        details = copy.deepcopy(load_scenario()["campaign"]) | {
            "campaign_id": campaign_id, "kind": kind, "year": year, "title": f"Phong trào thi đua {campaign_id}",
            "issued_on": f"{year - 1}-12-28", "period_start": f"{year}-01-01", "period_end": f"{year}-12-31",
            "registration_deadline": f"{year}-01-20",
        }  # fmt: skip
        await ok(system, "launch_campaign", "van-phong-so", **details)
        for unit in UNITS if n == 0 else ():  # the Office of the first campaign keeps the Department's units
            await ok(system, "register_unit", "van-phong-so", **unit)
        await ok(system, "define_block", "van-phong-so", campaign_id=campaign_id, block_id="khoi-1", name="Khối 1")
        for unit in UNITS:
            await ok(system, "assign_unit_to_block", "van-phong-so", campaign_id=campaign_id, block_id="khoi-1",
                     unit_id=unit["unit_id"])  # fmt: skip

    def known() -> bool:
        try:
            return all(
                len(system.get(f"/v1/campaigns/{c}/standings")["blocks"][0]["units"]) == len(UNITS) for c in CAMPAIGNS
            )
        except Exception:
            return False

    await wait_for(known, timeout=30)


async def fighter(system: System, campaign_id: str, key: str, person: str) -> None:
    """`person` made Lao động tiên tiến and Chiến sĩ thi đua cơ sở of `campaign_id` by the council."""
    c = {"campaign_id": campaign_id, "unit_id": CC1, "person": person}
    await ok(system, "propose_award", CC1, proposal_id=f"ldtt-{key}", award="lao-dong-tien-tien", **c)
    await ok(system, "decide_award", campaign_id=campaign_id, proposal_id=f"ldtt-{key}", votes_for=9, votes_against=0,
             members_present=9)  # fmt: skip
    await ok(system, "propose_award", CC1, proposal_id=f"cstdcs-{key}", award="chien-si-thi-dua-co-so",
             facts={"initiative": f"Sáng kiến của {person}"}, **c)  # fmt: skip
    await ok(system, "decide_award", campaign_id=campaign_id, proposal_id=f"cstdcs-{key}", votes_for=9,
             votes_against=0, members_present=9)  # fmt: skip


async def test_consecutive_years_and_an_adhoc_award_mid_year(
    system: System, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(tmp_path / "clock")
    clock.set(datetime(2022, 6, 20, 2, tzinfo=UTC))
    monkeypatch.setenv("EMULATION_CLOCK_FILE", str(clock.path))
    system.start("registry")
    system.start("evaluation")
    system.start_api()
    await launch(system)
    for campaign_id in CAMPAIGNS:
        await ok(system, "set_evaluation_policy", campaign_id=campaign_id, policy={"cstdcs_quota": 1.0})

    # ---- three consecutive years pass; a gap (a thematic campaign is no year) fails naming 2021 ------------------
    for campaign_id in ("2020", "2021", "2022"):
        await fighter(system, campaign_id, "a", "Nguyễn Thị An")
    for campaign_id in ("2020", "chuyen-de-2021", "2022"):
        await fighter(system, campaign_id, "b", "Trần Văn Bình")
    city = {"campaign_id": "2022", "award": "chien-si-thi-dua-thanh-pho", "unit_id": CC1}
    await ok(system, "propose_award", CC1, proposal_id="tp-a", person="Nguyễn Thị An", **city)
    await ok(system, "propose_award", CC1, proposal_id="tp-b", person="Trần Văn Bình", **city)
    decided = await ok(system, "decide_award", campaign_id="2022", proposal_id="tp-a", votes_for=8, votes_against=1,
                       members_present=9)  # fmt: skip
    assert decided == ["award_decided.v1"]
    refused = await command(system, "decide_award", COUNCIL, campaign_id="2022", proposal_id="tp-b", votes_for=9,
                            votes_against=0, members_present=9)  # fmt: skip
    assert refused["ok"] is False and refused["error"]["code"] == "proposal_not_eligible"
    assert refused["error"]["message"].endswith("missing 2021")

    # ---- an ad-hoc award, proposed and decided mid-year ------------------------------------------------------
    adhoc = await ok(system, "propose_award", CC1, campaign_id="2022", proposal_id="dot-xuat-1",
                     award="giay-khen-giam-doc-so", unit_id=CC1, person="Lê Thị Cúc", achievement=ACHIEVEMENT)  # fmt: skip
    assert adhoc == ["award_proposed.v2"]
    await ok(system, "decide_award", campaign_id="2022", proposal_id="dot-xuat-1", votes_for=7, votes_against=2,
             members_present=9)  # fmt: skip

    def settled() -> dict[str, Any] | None:
        awards = system.get("/v1/campaigns/2022/awards")
        by_id = {p["proposal_id"]: p for p in awards["proposals"]}
        return by_id if len(by_id) == 7 and by_id["dot-xuat-1"]["decision"] else None

    by_id: dict[str, Any] = await wait_for(settled, timeout=30)
    assert (by_id["tp-a"]["status"], by_id["tp-a"]["rule_results"][-1]["reason"]) == (
        "approved",
        "holds Chiến sĩ thi đua cơ sở in each of 3 consecutive years 2020–2022",
    )
    assert by_id["tp-b"]["status"] == "ineligible"
    assert [r["reason"] for r in by_id["tp-b"]["rule_results"] if not r["passed"]] == [
        "Chiến sĩ thi đua cơ sở needed in each of 3 consecutive years 2020–2022; missing 2021"
    ]
    dx = by_id["dot-xuat-1"]
    assert (dx["status"], dx["achievement"], dx["decision"]["votes_for"]) == ("approved", ACHIEVEMENT, 7)
    assert [r["rule"] for r in dx["rule_results"]] == [
        "not-disciplined", "achieved-in-period", "achieved-by-today", "evidence-named"
    ]  # fmt: skip
    assert by_id["ldtt-a"]["achievement"] is None
    assert system.get("/v1/campaigns/2022/awards")["policy"]["cstdcs_consecutive_years"] == 3

    # ---- the evaluation's views rebuilt from the stream give the live checksums -------------------------------
    msgs = await system.stream_messages()  # every event is on the stream: the last command's is in the views
    fresh = build_views(system.settings.replace(data_dir=tmp_path / "replay",
                                                postgres_schema_prefix=f"{system.settings.postgres_schema_prefix}replay_"))  # fmt: skip
    for view in fresh:
        view.apply([(m.metadata.sequence.stream, parse(m)) for m in msgs])
    rebuilt = {v.name: v.checksum() for v in fresh}
    assert set(rebuilt) == {"evaluation-reference", "standings", "votes", "awards", "exemplary-models"}

    live = build_views(system.settings)

    def same() -> bool:
        return {v.name: v.checksum() for v in live} == rebuilt

    await wait_for(same, timeout=30)
