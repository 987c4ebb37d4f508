"""The workspace's reviews page (sơ kết, tổng kết), per role, over a real system on the services' clock: the Office
schedules both reviews, units submit on time, late or not at all, the council reviews some; the page shows each
block's submissions, who is late by how many days, who is missing, and the shares completing their tasks against
the plan's 100% target, with the same numbers as the summary route.

The summary is the council's and the auditors'; a unit reads its own submissions only; the public signs in.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.infra.clock import Clock
from tests.integration.test_workspace_votes_awards import C, running
from tests.support.system import System, wait_for
from tests.support.testids import Tags

pytestmark = pytest.mark.integration
B1, B2 = "khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc"
VPS, TTS, CC1 = "van-phong-so", "thanh-tra-so", "phong-cong-chung-so-1"
TARGET = "tap-the-lao-dong-xuat-sac"
HONG = {"person": "Nguyễn Thị Hồng", "target_title": "chien-si-thi-dua-co-so"}
BINH = {"person": "Trần Văn Bình", "target_title": "lao-dong-tien-tien"}
STAFF = {VPS: [HONG, BINH], TTS: [BINH], CC1: [HONG]}


async def ok(system: System, command: str, /, actor: str = VPS, **body: Any) -> None:
    reply = await system.send(command, {"command_id": str(uuid.uuid4()), "actor": actor, "campaign_id": C, **body})
    assert reply["ok"], (command, body, reply)


async def submit(system: System, unit: str, review: str, status: str) -> None:
    await ok(system, "submit_review", actor=unit, unit_id=unit, review=review,
             collective={"target": TARGET, "status": status, "note": "Tự đánh giá"},
             staff=[p | {"status": status} for p in STAFF[unit]])  # fmt: skip


async def assess(system: System, unit: str, review: str, collective: str, person: str) -> None:
    await ok(system, "assess_review", actor="council:chu-tich", unit_id=unit, review=review,
             collective={"assessment": collective},
             staff=[{"person": p["person"], "assessment": person} for p in STAFF[unit]])  # fmt: skip


def summary(system: System, token: str, review: str) -> dict[str, Any]:
    r = httpx.get(f"http://127.0.0.1:{system.settings.api_port}/v1/campaigns/{C}/reviews/{review}/summary",
                  headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip
    r.raise_for_status()
    body: dict[str, Any] = r.json()
    return body


async def test_reviews_per_block_late_missing_and_shares_per_role(
    system: System, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(tmp_path / "clock")
    clock.set(datetime(2022, 1, 10, tzinfo=UTC))
    monkeypatch.setenv("EMULATION_CLOCK_FILE", str(clock.path))
    ws = await running(system, tmp_path)

    async def registered() -> bool:  # once the registry knows the demo's units in their blocks
        body = {"command_id": str(uuid.uuid4()), "actor": VPS, "campaign_id": C, "unit_id": VPS,
                "collective_target": TARGET, "staff": STAFF[VPS]}  # fmt: skip
        reply = await system.send("register_emulation", body)
        return bool(reply["ok"])

    await wait_for(registered, timeout=30)
    for unit in (TTS, CC1):
        await ok(system, "register_emulation", actor=unit, unit_id=unit, collective_target=TARGET, staff=STAFF[unit])
    await ok(system, "schedule_review", review="mid_year", due_on="2022-06-30")
    await ok(system, "schedule_review", review="year_end", due_on="2022-12-15")

    # mid-year: two on time, Thanh tra Sở three days late, the council reviews two; year end: one on time
    clock.set(datetime(2022, 6, 28, 3, tzinfo=UTC))
    for unit in (VPS, CC1):
        await submit(system, unit, "mid_year", "on_track")
    clock.set(datetime(2022, 7, 3, 2, tzinfo=UTC))
    await submit(system, TTS, "mid_year", "on_track")
    await assess(system, VPS, "mid_year", "good", "excellent")
    await assess(system, CC1, "mid_year", "completed", "good")
    clock.set(datetime(2022, 12, 14, 3, tzinfo=UTC))
    await submit(system, VPS, "year_end", "completed")

    def settled() -> Tags | None:  # the reviews view may trail the commands (404 until it has the schedule)
        if ws.get("council", f"/campaigns/{C}/reviews").status_code != 200:
            return None
        page = ws.tags("council", f"/campaigns/{C}/reviews")
        rows = page.all("review-row")
        # and the staff counts, the blocks view's (its own consumer): every registration, in both reviews' totals
        staff = [m["data-of"] for m in page.all("completion-share", **{"data-block-id": "", "data-kind": "staff"})]
        assessed = len(rows) == 4 and sum(r["data-assessment"] != "" for r in rows) == 2
        return page if assessed and staff == [str(sum(map(len, STAFF.values())))] * 2 else None

    page: Tags = await wait_for(settled, timeout=30)
    assert [(r["data-review"], r["data-due-on"]) for r in page.all("review")] == [
        ("mid_year", "2022-06-30"),
        ("year_end", "2022-12-15"),
    ]
    mid = {r["data-unit-id"]: r for r in page.all("review-row", **{"data-review": "mid_year"})}
    assert {u: (r["data-late"], r["data-days-late"]) for u, r in mid.items()} == {
        VPS: ("false", "0"),
        CC1: ("false", "0"),
        TTS: ("true", "3"),
    }
    assert "Trễ 3 ngày" in mid[TTS]["text"] and "Đúng hạn" in mid[VPS]["text"]
    assert "Hoàn thành tốt nhiệm vụ" in mid[VPS]["text"] and "Chưa đánh giá" in mid[TTS]["text"]
    assert "Nguyễn Thị Hồng" in mid[VPS]["text"] and "Hoàn thành xuất sắc nhiệm vụ" in mid[VPS]["text"]
    assert "Đúng tiến độ" in mid[TTS]["text"]
    # who is missing, per block
    sections = [
        t for t in page.found if t["data-testid"].startswith("review-block-") and t["data-review"] == "mid_year"
    ]
    assert [t["data-testid"] for t in sections] == [f"review-block-{B1}", f"review-block-{B2}"]
    missing = {m["data-unit-id"] for m in page.all("review-missing", **{"data-review": "mid_year"})}
    assert not missing & {VPS, TTS, CC1} and len(missing) == 17 - 3
    year_end = page.all("review-missing", **{"data-review": "year_end"})
    assert len(year_end) == 16 and VPS not in {m["data-unit-id"] for m in year_end}
    # the shares: a meter per block and in total for units and staff, the summary route's numbers against 100%
    for review in ("mid_year", "year_end"):
        expected = summary(system, ws.tokens["council"], review)
        meters = {
            (m["data-block-id"], m["data-kind"]): m for m in page.all("completion-share", **{"data-review": review})
        }
        want = {("", "units"): expected["totals"], ("", "staff"): expected["totals"]}
        want |= {(b["block_id"], k): b for b in expected["blocks"] for k in ("units", "staff")}
        assert set(meters) == set(want)
        for (block, kind), counts in want.items():
            m = meters[block, kind]
            done, of, share = (("units_completing_well", "members", "unit_share") if kind == "units"
                               else ("staff_completing_well", "staff_registered", "staff_share"))  # fmt: skip
            assert (int(m["data-done"]), int(m["data-of"])) == (counts[done], counts[of]), (review, block, kind)
            assert float(m["data-share"]) == pytest.approx(counts[share]) and m["data-target"] == "1.0"
    b1 = page.one("completion-share", **{"data-review": "mid_year", "data-block-id": B1, "data-kind": "units"})
    assert b1["data-done"] == "1" and "chỉ tiêu 100%" in b1["text"]  # Văn phòng Sở: good; Thanh tra Sở not reviewed
    staff = page.one("completion-share", **{"data-review": "mid_year", "data-block-id": "", "data-kind": "staff"})
    assert (staff["data-done"], staff["data-of"]) == ("3", "4")  # Hồng and Bình of VPS, Hồng of CC1; Bình of TTS not
    assert "3/4 (75%)" in staff["text"] and "còn thiếu 25 điểm %" in staff["text"]
    nav = ws.get("council", f"/campaigns/{C}/reviews").text
    assert f'href="/campaigns/{C}/reviews" aria-current="page">Sơ kết, tổng kết' in nav

    # the auditor reads the same; a unit its own submissions only, no shares; the public is asked to sign in
    assert len(ws.tags("auditor", f"/campaigns/{C}/reviews").all("completion-share")) == len(
        page.all("completion-share")
    )
    own = ws.tags(f"unit:{TTS}", f"/campaigns/{C}/reviews")
    assert [(r["data-review"], r["data-unit-id"]) for r in own.all("review-row")] == [("mid_year", TTS)]
    assert own.all("completion-share") == own.all("review-missing") == []
    assert "chưa gửi báo cáo tổng kết năm" in ws.get(f"unit:{TTS}", f"/campaigns/{C}/reviews").text
    r = ws.get("public", f"/campaigns/{C}/reviews")
    assert r.status_code == 401 and Tags(r.text).all("signin-form") and not Tags(r.text).all("review-row")
