"""The reviews page's own logic: a submission's staff counts, submissions grouped by block in the summary's order
(withdrawn units last, blocks without rows kept where the summary counts them), a unit's page without a summary,
and what the template draws: a meter per share with its numbers, late by days, who is missing."""

from __future__ import annotations

from typing import Any

import pytest

from services.read_api.access import OPEN
from services.read_api.workspace import reviews
from services.read_api.workspace.render import templates
from services.read_api.workspace.rosters import Names
from tests.support.testids import Tags

pytestmark = pytest.mark.unit
NAMES = Names({"a": "Văn phòng Sở", "b": "Thanh tra Sở"}, {"k1": "Khối 1", "k2": "Khối 2"})


def submission(unit: str, block: str | None, late: int = 0, assessed: dict[str, str] | None = None) -> dict[str, Any]:
    staff = [{"person": "Hồng", "target_title": "ldtt", "status": "on_track", "note": None},
             {"person": "Bình", "target_title": "ldtt", "status": "not_completed", "note": None}]  # fmt: skip
    assessment = None
    if assessed is not None:
        assessment = {"collective": {"assessment": assessed.pop("unit"), "note": None}, "assessed_at": "2022-07-04T02:00:00+00:00",
                      "staff": [{"person": p, "assessment": a, "note": None} for p, a in assessed.items()]}  # fmt: skip
    return {
        "unit_id": unit, "block_id": block, "collective": {"target": "t", "status": "on_track", "note": None},
        "staff": staff, "submitted_at": "2022-06-28T03:00:00+00:00", "late": late > 0, "days_late": late,
        "amendments": 0, "last_submitted_at": None, "last_submission_late": None, "assessment": assessment,
    }  # fmt: skip


def counts(block: str, **extra: Any) -> dict[str, Any]:
    return {
        "block_id": block, "name": f"Khối {block[-1]}", "members": 4, "submitted": 2, "on_time": 1, "late": 1,
        "late_units": [{"unit_id": "b", "days_late": 3}], "missing": ["c", "d"], "units_on_course": 2,
        "units_assessed": 1, "units_completing_well": 1, "unit_share": 0.25, "staff_registered": 8,
        "staff_on_course": 3, "staff_assessed": 2, "staff_completing_well": 2, "staff_share": 0.25,
    } | extra  # fmt: skip


def test_a_submissions_staff_on_course_by_its_word_and_well_by_the_councils() -> None:
    got = reviews.progress(submission("a", "k1", assessed={"unit": "good", "Hồng": "excellent", "Bình": "completed"}))
    assert (got["staff"], got["staff_on_course"], got["staff_well"]) == (2, 1, 1)
    assert [p["assessment"]["assessment"] for p in got["people"]] == ["excellent", "completed"]
    assert reviews.progress(submission("a", "k1"))["staff_well"] == 0


def test_submissions_grouped_in_the_summarys_block_order_withdrawn_last() -> None:
    summary = {"target_share": 1.0, "blocks": [counts("k2"), counts("k1")]}
    rows = [submission("a", "k1"), submission("x", None), submission("b", "k2", late=3)]
    groups = reviews.blocks_of(summary, rows, NAMES)
    assert [(g["block_id"], [s["unit_id"] for s in g["submissions"]]) for g in groups] == [
        ("k2", ["b"]), ("k1", ["a"]), ("", ["x"])
    ]  # fmt: skip
    assert groups[2]["name"] == "Đơn vị đã rút khỏi khối" and groups[2]["meters"] is None
    units = groups[0]["meters"]["units"]
    assert (units["done"], units["of"], units["share"], units["gap"]) == (1, 4, 0.25, 0.75)
    # a unit's page: no summary, only the blocks its own submissions are in
    assert [g["block_id"] for g in reviews.blocks_of(None, [submission("b", "k2")], NAMES)] == ["k2"]
    assert reviews.blocks_of(None, [], NAMES) == []


def test_the_page_draws_each_share_against_the_target_with_its_numbers() -> None:
    summary: dict[str, Any] = {"target_share": 1.0, "blocks": [counts("k1", staff_completing_well=8, staff_share=1.0)],
               "totals": counts("k1")}  # fmt: skip
    rows = [submission("a", "k1", assessed={"unit": "good", "Hồng": "good", "Bình": "good"}), submission("b", "k1", 3)]
    html = templates.get_template("reviews.html").render(
        principal=OPEN, signed_in=True, role="council", title="t", section="reviews", names=NAMES,
        campaign={"campaign_id": "2022", "year": 2022, "title": "Phong trào thi đua yêu nước năm 2022"},
        reviews=[{"review": "mid_year", "name": reviews.REVIEWS["mid_year"], "due_on": "2022-06-30",
                  "totals": summary["totals"], "meters": reviews.meters(summary["totals"], 1.0), "target": 1.0,
                  "blocks": reviews.blocks_of(summary, rows, NAMES)}],
        progress_names=reviews.PROGRESS, assessment_names=reviews.ASSESSMENTS, well=reviews.WELL,
    )  # fmt: skip
    page = Tags(html)
    units = page.one("completion-share", **{"data-block-id": "k1", "data-kind": "units"})
    assert "1/4 (25%)" in units["text"] and "còn thiếu 75 điểm %" in units["text"]
    staff = page.one("completion-share", **{"data-block-id": "k1", "data-kind": "staff"})
    assert "8/8 (100%)" in staff["text"] and "đạt" in staff["text"] and "còn thiếu" not in staff["text"]
    assert len(page.all("completion-share")) == 4  # totals and the block, units and staff each
    late = page.one("review-row", **{"data-unit-id": "b"})
    assert (late["data-late"], late["data-days-late"]) == ("true", "3") and "Trễ 3 ngày" in late["text"]
    assert "Hoàn thành tốt nhiệm vụ" in page.one("review-row", **{"data-unit-id": "a"})["text"]
    assert [m["data-unit-id"] for m in page.all("review-missing")] == ["c", "d"]
    assert "style=" not in html and "<script>" not in html
