"""The exemplary models pages' own logic: the funnel's rows and bar widths, models grouped by stage in the plan's
order, who a model is, and what the templates draw of them (the same numbers in the chart and the table, a model's
steps with their details, a model never summed up said as not public)."""

from __future__ import annotations

from typing import Any

import pytest

from services.read_api.access import OPEN
from services.read_api.workspace import exemplary
from services.read_api.workspace.render import templates
from services.read_api.workspace.rosters import Names
from tests.support.testids import Tags

pytestmark = pytest.mark.unit
CAMPAIGN = {"campaign_id": "2022", "year": 2022, "title": "Phong trào thi đua yêu nước năm 2022"}
NAMES = Names({"pcc1": "Phòng Công chứng số 1", "pcc2": "Phòng Công chứng số 2"})
FUNNEL = {
    "stages": [
        {"stage": "identified", "at": 1, "reached": 4},
        {"stage": "nurtured", "at": 1, "reached": 2},
        {"stage": "summed_up", "at": 0, "reached": 1},
        {"stage": "spread", "at": 1, "reached": 1},
    ],
    "dropped": 1,
    "total": 4,
}


def model(model_id: str, stage: str, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "model_id": model_id, "unit_id": "pcc1", "person": None, "area": "Công chứng", "title": title,
        "reason": "Rút ngắn thời gian", "identified_by": "Văn phòng Sở", "identified_in": "2022",
        "identified_at": "2022-02-01T03:00:00+00:00", "stage": stage, "stage_campaigns": {"identified": "2022"},
        "support_actions": 0, "adopters": [],
    } | extra  # fmt: skip


def test_funnel_rows_in_stage_order_widths_against_the_widest_and_dropped_last() -> None:
    rows = exemplary.funnel_rows(FUNNEL)
    assert [(r["stage"], r["name"], r["reached"], r["at"], r["width"]) for r in rows] == [
        ("identified", "Phát hiện", 4, 1, 1.0),
        ("nurtured", "Bồi dưỡng", 2, 1, 0.5),
        ("summed_up", "Tổng kết", 1, 0, 0.25),
        ("spread", "Nhân rộng", 1, 1, 0.25),
        ("dropped", "Dừng theo dõi", None, 1, 0.25),
    ]
    empty = exemplary.funnel_rows({"stages": [{"stage": "identified", "at": 0, "reached": 0}], "dropped": 0})
    assert [r["width"] for r in empty] == [0.0, 0.0]  # no division by zero


def test_models_grouped_by_stage_in_the_plans_order_by_title_within() -> None:
    found = [model("b", "spread", "Mô hình B"), model("a", "spread", "Mô hình A"), model("c", "dropped", "C")]
    groups = exemplary.by_stage(found)
    assert [(g["stage"], [m["model_id"] for m in g["models"]]) for g in groups] == [
        ("identified", []), ("nurtured", []), ("summed_up", []), ("spread", ["a", "b"]), ("dropped", ["c"])
    ]  # fmt: skip
    assert (
        exemplary.who(model("a", "spread", "A", person="Trần Thị Mai"), NAMES) == "Trần Thị Mai (Phòng Công chứng số 1)"
    )
    assert exemplary.who(model("a", "spread", "A", unit_id="other"), NAMES) == "other"


def test_the_models_page_draws_the_same_numbers_as_its_table_and_says_what_it_hides() -> None:
    shown = [model("so-hoa", "spread", "Số hóa hồ sơ", stage_campaigns={"spread": "2023"}, adopters=[{"unit_id": "pcc2", "outcome": "x"}])]  # fmt: skip
    html = templates.get_template("models.html").render(
        principal=OPEN, signed_in=False, role="Khách", title="t", section="models", campaign=CAMPAIGN,
        funnel=exemplary.funnel_rows(FUNNEL), total=4, hidden=3, stages=exemplary.by_stage(shown), names=NAMES,
        who=exemplary.who,
    )  # fmt: skip
    page = Tags(html)
    bars = [(b["data-stage"], b["data-reached"], b["data-at"]) for b in page.all("funnel-bar")]
    assert bars == [(r["data-stage"], r["data-reached"], r["data-at"]) for r in page.all("funnel-row")]
    assert bars[-1] == ("dropped", "", "1")
    assert "Bồi dưỡng 2 đã đạt, 1 đang ở giai đoạn này" in page.one("model-funnel")["text"]
    assert page.one("models-hidden")["text"].startswith("3 mô hình")
    row = page.one("model-row")
    assert (row["data-model-id"], row["data-stage"], row["data-unit-id"]) == ("so-hoa", "spread", "pcc1")
    assert "Phong trào 2023" in row["text"] and page.one("model-link")["href"] == "/models/so-hoa"
    assert page.one("model-stage-spread")["data-count"] == "1" and page.one("model-stage-nurtured")["data-count"] == "0"
    assert "style=" not in html and "<script>" not in html


def test_a_models_page_shows_each_step_with_its_details() -> None:
    history = [
        {"campaign_id": "2022", "step": "identified", "recorded_by": "council:chu-tich", "recorded_at": "2022-02-01T03:00:00+00:00",
         "details": {"area": "Công chứng", "reason": "Rút ngắn thời gian", "identified_by": "Văn phòng Sở"}},
        {"campaign_id": "2022", "step": "nurtured", "recorded_by": "council:chu-tich", "recorded_at": "2022-03-01T03:00:00+00:00",
         "details": {"plan": "Tập huấn 6 tháng"}},
        {"campaign_id": "2022", "step": "supported", "recorded_by": "council:chu-tich", "recorded_at": "2022-05-11T03:00:00+00:00",
         "details": {"action": "Cấp máy quét", "done_on": "2022-05-10"}},
        {"campaign_id": "2023", "step": "dropped", "recorded_by": "council:chu-tich", "recorded_at": "2023-03-01T18:00:00+00:00",
         "details": {"reason": "Không duy trì", "from_stage": "nurtured"}},
    ]  # fmt: skip
    m = model("so-hoa", "dropped", "Số hóa", stage_campaigns={"identified": "2022", "nurtured": "2022", "dropped": "2023"}, history=history)  # fmt: skip
    html = templates.get_template("model.html").render(
        principal=OPEN, signed_in=True, role="council", title="t", section="models", campaign=CAMPAIGN | {"campaign_id": "2023"},
        model=m, campaigns={"2022": CAMPAIGN}, stages=[{"stage": s, "name": exemplary.STAGE_NAMES[s], "reached": s in m["stage_campaigns"], "current": False} for s in ("identified", "nurtured", "summed_up", "spread")],
        stage_names=exemplary.STAGE_NAMES, step_names=exemplary.STEP_NAMES, names=NAMES, who=exemplary.who,
    )  # fmt: skip
    page = Tags(html)
    steps = page.all("model-step")
    assert [(s["data-step"], s["data-campaign-id"]) for s in steps] == [
        ("identified", "2022"), ("nurtured", "2022"), ("supported", "2022"), ("dropped", "2023")
    ]  # fmt: skip
    assert "Tập huấn 6 tháng" in steps[1]["text"] and "10/05/2022" in steps[2]["text"]
    assert "02/03/2023 01:00" in steps[3]["text"]  # recorded 18:00 UTC: the next morning in Ho Chi Minh City
    assert "Phong trào 2023" in steps[3]["text"]  # a campaign the page has no title for: named by its id
    assert "Không duy trì" in page.one("model-drop-reason")["text"]
    assert page.one("model-stage")["data-stage"] == "dropped" and "Dừng theo dõi" in page.one("model-stage")["text"]
