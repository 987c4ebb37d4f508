"""An exemplary model of the demo campaign through its four stages over a real NATS server, across two campaigns:
identified and nurtured in 2022, summed up and spread in 2023; the read API's funnel and history, the notices."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest

from services.audit.replay import replay
from services.evaluation.adapters.exemplary import ExemplaryModelsView
from services.evaluation.factory import build_views
from shared.infra.consumer import parse
from shared.infra.settings import Settings
from tests.integration.test_evaluation_year import CC1, SCENARIO, C, Year
from tests.support.system import System, wait_for

pytestmark = pytest.mark.integration
LATER = "2023"
MODEL = "so-hoa-cong-chung"
ADOPTER = "phong-cong-chung-so-2"


async def registry(year: Year, command: str, /, **body: Any) -> list[dict[str, str]]:
    """A registry command as the Department Office; its events, for `after`."""
    reply = await year.system.send(command, {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **body})
    assert reply["ok"], (command, reply)
    return list(reply["events"])


async def launch_later(year: Year) -> list[dict[str, str]]:
    """Campaign 2023 with one block holding the adopting unit."""
    campaign = copy.deepcopy(SCENARIO["campaign"]) | {
        "campaign_id": LATER,
        "year": 2023,
        "title": "Phong trào thi đua yêu nước năm 2023",
        "issued_on": "2022-12-28",
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "registration_deadline": "2023-01-20",
    }
    after = await registry(year, "launch_campaign", **campaign)
    after += await registry(year, "define_block", campaign_id=LATER, block_id="khoi-cong-chung", name="Khối công chứng")
    after += await registry(
        year, "assign_unit_to_block", campaign_id=LATER, block_id="khoi-cong-chung", unit_id=ADOPTER
    )
    return after


async def test_a_model_walks_through_four_stages_across_two_campaigns(system: System, tmp_path: Path) -> None:
    year = Year(system)
    system.start("notification")
    await year.setup()
    ok, refused = year.ok, year.refused
    mid = {"model_id": MODEL}

    assert await ok("identify_exemplary_model", **mid, unit_id=CC1, person="Trần Thị Mai", area="Công chứng",
                    title="Số hóa hồ sơ công chứng", reason="Rút ngắn thời gian trả hồ sơ còn 1 ngày",
                    identified_by="Văn phòng Sở") == ["exemplary_model_identified"]  # fmt: skip
    err = await refused("spread_exemplary_model", **mid, adopters=[{"unit_id": ADOPTER, "outcome": "x"}])
    assert err["code"] == "stage_out_of_order" and "is identified" in err["message"]
    err = await refused("nurture_exemplary_model", CC1, **mid, plan="Tự bồi dưỡng")
    assert err["code"] == "not_allowed"
    await ok("nurture_exemplary_model", **mid, plan="Hỗ trợ phần mềm và tập huấn trong 6 tháng")
    await ok("support_exemplary_model", **mid, action="Tập huấn sử dụng phần mềm", done_on="2022-05-10")
    await ok("support_exemplary_model", **mid, action="Cấp máy quét tài liệu", done_on="2022-08-01")
    err = await refused("spread_exemplary_model", **mid, adopters=[{"unit_id": ADOPTER, "outcome": "x"}])
    assert err["code"] == "stage_out_of_order" and "is nurtured" in err["message"]

    after = await launch_later(year)
    later: dict[str, Any] = {"campaign_id": LATER, "after": after}
    await ok("sum_up_exemplary_model", **later, **mid, results="Thời gian trả hồ sơ giảm 60%",
             evidence_refs=["BC-45/PCC1", "QĐ-112/STP"], assessment="Mô hình hiệu quả, đề nghị nhân rộng")  # fmt: skip
    await ok("spread_exemplary_model", **later, **mid,
             adopters=[{"unit_id": ADOPTER, "outcome": "Áp dụng từ tháng 3/2023, giảm 40% thời gian"}])  # fmt: skip
    err = await refused("drop_exemplary_model", **mid, campaign_id=LATER, reason="x")
    assert err["code"] == "stage_out_of_order" and "is spread" in err["message"]

    def funnel_of(campaign: str, stage: str) -> dict[str, Any] | None:
        body: dict[str, Any] = system.get(f"/v1/campaigns/{campaign}/models")
        return body if [m["stage"] for m in body["models"]] == [stage] else None

    body = await wait_for(lambda: funnel_of(C, "spread"), timeout=30)
    assert [(s["stage"], s["at"], s["reached"]) for s in body["funnel"]["stages"]] == [
        ("identified", 0, 1),
        ("nurtured", 0, 1),
        ("summed_up", 0, 1),
        ("spread", 1, 1),
    ]
    assert (await wait_for(lambda: funnel_of(LATER, "spread"), timeout=30))["funnel"]["total"] == 1
    model = system.get(f"/v1/models/{MODEL}")
    assert [(h["step"], h["campaign_id"]) for h in model["history"]] == [
        ("identified", C),
        ("nurtured", C),
        ("supported", C),
        ("supported", C),
        ("summed_up", LATER),
        ("spread", LATER),
    ]
    assert (model["person"], model["area"], model["support_actions"]) == ("Trần Thị Mai", "Công chứng", 2)
    assert model["adopters"] == [{"unit_id": ADOPTER, "outcome": "Áp dụng từ tháng 3/2023, giảm 40% thời gian"}]
    nurtured_at = model["history"][1]["recorded_at"]
    then = system.get(f"/v1/models/{MODEL}", as_of=nurtured_at)
    assert (then["stage"], len(then["history"])) == ("nurtured", 2)

    # ---- replayed from the stream: the same view; replayed until a moment: the model as `as_of` shows it -------
    live = next(v for v in build_views(system.settings) if isinstance(v, ExemplaryModelsView))
    rebuilt = await replay(system.settings, tmp_path / "replayed")
    assert rebuilt[live.name] == live.checksum()
    # until the nurtured step's place on the stream: the services' events interleave there, so the first event
    # later than a moment may come before an earlier one of another service (replaying until a time stops too soon)
    nurtured_seq = next(
        m.metadata.sequence.stream
        for m in await system.stream_messages()
        if parse(m).type.startswith("exemplary_model_nurtured")
    )
    await replay(system.settings, tmp_path / "until", until_seq=nurtured_seq)
    past = next(v for v in build_views(Settings(data_dir=tmp_path / "until")) if isinstance(v, ExemplaryModelsView))
    assert past.model(MODEL) == live.model(MODEL, nurtured_at)

    def notices(unit: str, count: int) -> list[dict[str, Any]] | None:
        got = [n for n in system.get(f"/v1/units/{unit}/notifications") if n["rule"] == "exemplary-model"]
        return got if len({n["trigger_event_id"] for n in got}) >= count else None

    assert len({n["trigger_event_id"] for n in await wait_for(lambda: notices(CC1, 6), timeout=30)}) == 6
    assert len({n["trigger_event_id"] for n in await wait_for(lambda: notices(ADOPTER, 1), timeout=30)}) == 1
