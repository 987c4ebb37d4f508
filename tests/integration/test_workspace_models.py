"""The workspace's exemplary models pages (the funnel, the models by stage, a model's history) and the awards
pages' ad-hoc awards, per role, over a real system: the models and awards made with the public commands.

Who sees a model is the models route's decision (`sees_model`): a model is public once summed up; before that the
council, auditors and its own unit only. The funnel counts every model whoever asks; the page says how many of
them it does not list.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_workspace_votes_awards import CC1, LEADER2, C, running, send
from tests.support.system import System, wait_for
from tests.support.testids import Tags

pytestmark = pytest.mark.integration
COUNCIL = "council:chu-tich"
ADOPTER = "phong-cong-chung-so-2"
TTS = "thanh-tra-so"
ACHIEVEMENT = {"description": "Phát hiện, ngăn chặn kịp thời hồ sơ công chứng giả mạo", "achieved_on": "2022-06-15",
               "evidence_ref": "Công văn 118/CAQ1 của Công an Quận 1"}  # fmt: skip


async def first_model(system: System) -> None:
    """Identify the first model once evaluation knows the demo's campaign (its launch arrives by the stream)."""

    async def identified() -> bool:
        body = {"command_id": str(uuid.uuid4()), "actor": COUNCIL, "campaign_id": C, "model_id": "so-hoa",
                "unit_id": CC1, "person": "Trần Thị Mai", "area": "Công chứng", "title": "Số hóa hồ sơ công chứng",
                "reason": "Rút ngắn thời gian trả hồ sơ còn 1 ngày", "identified_by": "Văn phòng Sở"}  # fmt: skip
        reply = await system.send("identify_exemplary_model", body)
        assert reply["ok"] or reply["error"]["code"] == "unknown_campaign", reply
        return bool(reply["ok"])

    await wait_for(identified, timeout=30)


async def models(system: System) -> None:
    """Three models: one spread (public), one nurtured (its unit's), one dropped while identified (its unit's)."""
    await first_model(system)
    so_hoa = {"model_id": "so-hoa"}
    await send(system, "nurture_exemplary_model", COUNCIL, **so_hoa, plan="Hỗ trợ phần mềm và tập huấn trong 6 tháng")
    await send(system, "support_exemplary_model", COUNCIL, **so_hoa, action="Tập huấn sử dụng phần mềm",
               done_on="2022-05-10")  # fmt: skip
    await send(system, "sum_up_exemplary_model", COUNCIL, **so_hoa, results="Thời gian trả hồ sơ giảm 60%",
               evidence_refs=["BC-45/PCC1", "QĐ-112/STP"], assessment="Mô hình hiệu quả, đề nghị nhân rộng")  # fmt: skip
    await send(system, "spread_exemplary_model", COUNCIL, **so_hoa,
               adopters=[{"unit_id": ADOPTER, "outcome": "Áp dụng từ tháng 9/2022, giảm 40% thời gian"}])  # fmt: skip
    await send(system, "identify_exemplary_model", COUNCIL, model_id="thanh-tra-so-hoa", unit_id=TTS, person=None,
               area="Thanh tra", title="Thanh tra trực tuyến", reason="Tiếp nhận đơn qua cổng dịch vụ công",
               identified_by="Thanh tra Sở")  # fmt: skip
    await send(system, "nurture_exemplary_model", COUNCIL, model_id="thanh-tra-so-hoa", plan="Tập huấn nghiệp vụ")
    await send(system, "identify_exemplary_model", COUNCIL, model_id="tro-giup-luu-dong", unit_id=LEADER2,
               person=None, area="Trợ giúp pháp lý", title="Trợ giúp pháp lý lưu động",
               reason="Đưa trợ giúp pháp lý về khu phố", identified_by="Văn phòng Sở")  # fmt: skip
    await send(system, "drop_exemplary_model", COUNCIL, model_id="tro-giup-luu-dong",
               reason="Đơn vị không duy trì được lịch lưu động")  # fmt: skip


def listed(page: Tags) -> dict[str, str]:
    return {r["data-model-id"]: r["data-stage"] for r in page.all("model-row")}


async def test_models_funnel_lists_and_history_per_role(system: System, tmp_path: Path) -> None:
    ws = await running(system, tmp_path)
    await models(system)

    final = {"so-hoa": "spread", "thanh-tra-so-hoa": "nurtured", "tro-giup-luu-dong": "dropped"}

    def settled() -> Tags | None:  # the view may trail the commands: wait for the last one's effect, the drop
        page = ws.tags("council", f"/campaigns/{C}/models")
        return page if listed(page) == final else None

    page: Tags = await wait_for(settled, timeout=30)
    # the funnel: a bar and a table row per stage with the same numbers (reached, at), the dropped ones apart
    bars = {b["data-stage"]: (b["data-reached"], b["data-at"]) for b in page.all("funnel-bar")}
    rows = {r["data-stage"]: (r["data-reached"], r["data-at"]) for r in page.all("funnel-row")}
    assert (
        bars
        == rows
        == {
            "identified": ("3", "0"),
            "nurtured": ("2", "1"),
            "summed_up": ("1", "0"),
            "spread": ("1", "1"),
            "dropped": ("", "1"),
        }
    )
    funnel = page.one("model-funnel")
    assert funnel["role"] == "img" and "Phát hiện 3 đã đạt" in funnel["text"]
    # the models by stage, in the plan's order, each linking to its page
    assert [s["data-testid"] for s in page.found if s["data-testid"].startswith("model-stage-")] == [
        "model-stage-identified",
        "model-stage-nurtured",
        "model-stage-summed_up",
        "model-stage-spread",
        "model-stage-dropped",
    ]
    spread = page.one("model-stage-spread")
    assert "Số hóa hồ sơ công chứng" in spread["text"] and "Trần Thị Mai (Phòng Công chứng số 1)" in spread["text"]
    assert page.one("model-row", **{"data-model-id": "so-hoa"})["data-unit-id"] == CC1
    assert {a["href"] for a in page.all("model-link")} == {
        "/models/so-hoa",
        "/models/thanh-tra-so-hoa",
        "/models/tro-giup-luu-dong",
    }
    assert page.all("models-hidden") == []
    nav = ws.get("council", f"/campaigns/{C}/models").text
    assert f'href="/campaigns/{C}/models" aria-current="page">Điển hình tiên tiến' in nav

    # a unit: the public models and its own; the public: summed up and spread only, told how many it does not see
    assert listed(ws.tags(f"unit:{TTS}", f"/campaigns/{C}/models")) == {
        "so-hoa": "spread",
        "thanh-tra-so-hoa": "nurtured",
    }
    assert listed(ws.tags("unit:van-phong-so", f"/campaigns/{C}/models")) == {"so-hoa": "spread"}
    assert listed(ws.tags("auditor", f"/campaigns/{C}/models")) == listed(page)
    public = ws.tags("public", f"/campaigns/{C}/models")
    assert listed(public) == {"so-hoa": "spread"}
    assert {r["data-stage"]: r["data-reached"] for r in public.all("funnel-row")}["identified"] == "3"
    assert public.one("models-hidden")["text"].startswith("2 mô hình")
    assert "Thanh tra trực tuyến" not in ws.get("public", f"/campaigns/{C}/models").text

    # a model's page: every step with its campaign and date, the plan, support, results, adopters
    model = ws.tags("public", "/models/so-hoa")
    steps = model.all("model-step")
    assert [(s["data-step"], s["data-campaign-id"]) for s in steps] == [
        ("identified", C), ("nurtured", C), ("supported", C), ("summed_up", C), ("spread", C)
    ]  # fmt: skip
    assert model.one("model-stage")["data-stage"] == "spread"
    assert "Hỗ trợ phần mềm và tập huấn trong 6 tháng" in steps[1]["text"]
    assert "Tập huấn sử dụng phần mềm" in steps[2]["text"] and "10/05/2022" in steps[2]["text"]
    assert "Thời gian trả hồ sơ giảm 60%" in steps[3]["text"] and "QĐ-112/STP" in steps[3]["text"]
    assert "Mô hình hiệu quả, đề nghị nhân rộng" in steps[3]["text"]
    assert "Phong trào thi đua yêu nước năm 2022" in steps[0]["text"]
    [adopter] = model.all("model-adopter")
    assert adopter["data-unit-id"] == ADOPTER and "giảm 40% thời gian" in adopter["text"]
    council_view = ws.tags("council", "/models/so-hoa")
    assert "Phòng Công chứng số 2" in council_view.one("model-adopter")["text"]  # names for those who may read them

    dropped = ws.tags("auditor", "/models/tro-giup-luu-dong")
    assert [s["data-step"] for s in dropped.all("model-step")] == ["identified", "dropped"]
    assert "Đơn vị không duy trì được lịch lưu động" in dropped.one("model-drop-reason")["text"]
    assert "Dừng ở giai đoạn Phát hiện" in dropped.one("model-step", **{"data-step": "dropped"})["text"]

    # a model not yet public: refused to another unit, the sign-in form to the public, not found said as such
    r = ws.get("unit:van-phong-so", "/models/thanh-tra-so-hoa")
    assert r.status_code == 403 and not Tags(r.text).all("model-step")
    r = ws.get("public", "/models/thanh-tra-so-hoa")
    assert r.status_code == 401 and Tags(r.text).all("signin-form")
    assert ws.get("council", "/models/khong-co").status_code == 404
    assert ws.get("council", "/campaigns/khong-co/models").status_code == 404


async def test_an_adhoc_award_shows_its_achievement_on_the_awards_pages(system: System, tmp_path: Path) -> None:
    ws = await running(system, tmp_path)

    async def proposed() -> bool:
        body: dict[str, Any] = {"command_id": str(uuid.uuid4()), "actor": CC1, "campaign_id": C,
                                "proposal_id": "dot-xuat-1", "award": "giay-khen-giam-doc-so", "unit_id": CC1,
                                "person": "Lê Thị Cúc", "achievement": ACHIEVEMENT}  # fmt: skip
        reply = await system.send("propose_award", body)
        assert reply["ok"] or reply["error"]["code"] == "unknown_campaign", reply
        return bool(reply["ok"])

    await wait_for(proposed, timeout=30)
    await send(system, "propose_award", CC1, proposal_id="ldtt-1", award="lao-dong-tien-tien", unit_id=CC1,
               person="Nguyễn Văn An")  # fmt: skip
    await send(system, "decide_award", COUNCIL, proposal_id="dot-xuat-1", votes_for=7, votes_against=2,
               members_present=9)  # fmt: skip

    def settled() -> Tags | None:
        page = ws.tags("council", f"/campaigns/{C}/awards")
        return page if len(page.all("award-decision")) == 1 and len(page.all("award-proposal")) == 2 else None

    page: Tags = await wait_for(settled, timeout=30)
    adhoc = page.one("award-proposal", **{"data-proposal-id": "dot-xuat-1"})
    assert "Khen thưởng đột xuất" in adhoc["text"]
    [achievement] = page.all("award-achievement")  # the year-end proposal has none
    assert achievement["data-achieved-on"] == "2022-06-15"
    for text in (ACHIEVEMENT["description"], "15/06/2022", ACHIEVEMENT["evidence_ref"]):
        assert text in achievement["text"], text
    rules = {r["data-rule"]: r["text"] for r in page.all("award-rule")}
    assert "Thành tích trong thời gian phong trào" in rules["achieved-in-period"]
    assert "Có minh chứng" in rules["evidence-named"] and "Thành tích đã đạt được" in rules["achieved-by-today"]

    printed = Tags(ws.get("council", f"/campaigns/{C}/awards/print").text)
    [line] = printed.all("award-achievement")
    assert (
        line["text"].split()
        == (
            f"Khen thưởng đột xuất: {ACHIEVEMENT['description']} (ngày 15/06/2022; minh chứng: {ACHIEVEMENT['evidence_ref']})"
        ).split()
    )
    # the public reads the decided ad-hoc award with its achievement
    public = ws.tags("public", f"/campaigns/{C}/awards")
    assert [x["data-proposal-id"] for x in public.all("award-proposal")] == ["dot-xuat-1"]
    assert ACHIEVEMENT["description"] in public.one("award-achievement")["text"]
