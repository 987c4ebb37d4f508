"""The mid-year and year-end reviews (sơ kết, tổng kết) through a real system: the Office schedules both, units
submit on time, late or not at all on the services' clock, the notifier reminds the missing ones before each due
date and tells the Office of a late one, the council reviews, the read API shows each block against the plan's 100%
target to the council and a unit its own, and the registry's views rebuilt from the stream are identical."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from emulation.demo import commands, load_scenario
from services.read_api.access import create_token
from services.registry.adapters.views import RegistrationsView, UnitsView
from services.registry.factory import build_views
from shared.infra.clock import Clock
from shared.infra.consumer import parse
from tests.support.system import System, decode, wait_for

pytestmark = pytest.mark.integration
C, B1, B2 = "2022", "khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc"
VPS, TTS, CC1 = "van-phong-so", "thanh-tra-so", "phong-cong-chung-so-1"
TARGET = "tap-the-lao-dong-xuat-sac"
HONG = {"person": "Nguyễn Thị Hồng", "target_title": "chien-si-thi-dua-co-so"}
BINH = {"person": "Trần Văn Bình", "target_title": "lao-dong-tien-tien"}
STAFF = {VPS: [HONG, BINH], TTS: [BINH], CC1: [HONG]}


async def ok(system: System, command: str, /, actor: str = VPS, **body: Any) -> dict[str, Any]:
    reply = await system.send(command, {"command_id": str(uuid.uuid4()), "actor": actor, **body})
    assert reply["ok"], (command, body, reply)
    return reply


def progress(unit: str, review: str, status: str) -> dict[str, Any]:
    return {
        "campaign_id": C,
        "unit_id": unit,
        "review": review,
        "collective": {"target": TARGET, "status": status},
        "staff": [p | {"status": status, "note": "Tự đánh giá"} for p in STAFF[unit]],
    }


def council(unit: str, review: str, unit_assessment: str, person: str) -> dict[str, Any]:
    people = [{"person": p["person"], "assessment": person} for p in STAFF[unit]]
    return {"campaign_id": C, "unit_id": unit, "review": review, "collective": {"assessment": unit_assessment},
            "staff": people}  # fmt: skip


def state(system: System, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(system.settings.data_dir / "notification-views.db") as db:
        try:
            return list(db.execute(sql))
        except sqlite3.OperationalError:  # tables not created yet
            return []


def reminded(system: System, offset: int) -> set[str]:
    """The units a review reminder `offset` days before its due date was decided for."""
    rows = state(
        system, f"SELECT unit_id FROM notices WHERE rule = 'review-reminder' AND trigger_event_id LIKE '%#d-{offset}'"
    )
    return {u for (u,) in rows}


async def scanned(system: System, moment: datetime) -> None:
    """The dispatcher has dealt with everything due at `moment`."""
    mark = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    await wait_for(lambda: state(system, f"SELECT 1 FROM dispatcher WHERE scanned_until >= '{mark}'"), timeout=30)


async def on_nats(system: System, unit_id: str, rule: str, count: int) -> list[dict[str, Any]]:
    """The notices of `rule` to `unit_id` on stream NOTIFICATIONS, once there are `count`."""
    js = system.nc.jetstream()

    async def fetched() -> list[dict[str, Any]] | None:
        sub = await js.subscribe(f"emulation.notifications.{unit_id}", ordered_consumer=True, stream="NOTIFICATIONS")
        found = []
        try:
            while True:
                try:
                    found.append(decode(await sub.next_msg(timeout=0.3)))
                except TimeoutError:
                    break
        finally:
            await sub.unsubscribe()
        mine = [n for n in found if n["rule"] == rule]
        return mine if len(mine) >= count else None

    result: list[dict[str, Any]] = await wait_for(fetched, timeout=30)
    return result


async def test_two_reviews_with_late_and_missing_submissions_reminders_and_the_council(
    system: System, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(tmp_path / "clock")
    clock.set(datetime(2022, 1, 10, tzinfo=UTC))
    monkeypatch.setenv("EMULATION_CLOCK_FILE", str(clock.path))
    monkeypatch.setenv("EMULATION_NOTIFY_POLL", "0.1")
    tokens = tmp_path / "tokens.json"
    role = {r: create_token(tokens, r) for r in ("council", f"unit:{VPS}")}
    system.settings = system.settings.replace(api_tokens_file=str(tokens))
    system.start("registry")
    system.start("notification")
    system.start_api()
    for command, body in commands(load_scenario()):
        assert (await system.send(command, body))["ok"]
    for unit, people in STAFF.items():
        await ok(system, "register_emulation", actor=unit, campaign_id=C, unit_id=unit, collective_target=TARGET,
                 staff=people)  # fmt: skip
    await ok(system, "schedule_review", campaign_id=C, review="mid_year", due_on="2022-06-30")
    await ok(system, "schedule_review", campaign_id=C, review="year_end", due_on="2022-12-15")
    await wait_for(lambda: len(state(system, "SELECT 1 FROM review_reminders WHERE status = 'pending'")) == 4)

    # ---- the mid-year review: two on time, Thanh tra Sở three days late, 14 units missing ---------------------
    week_before = datetime(2022, 6, 23, 1, tzinfo=UTC)  # 08:00 in Ho Chi Minh City, 7 days before 30/06
    clock.set(week_before)
    await scanned(system, week_before)
    assert len(reminded(system, 7)) == 17  # nobody has submitted yet
    clock.set(datetime(2022, 6, 28, 3, tzinfo=UTC))
    for unit in (VPS, CC1):
        await ok(system, "submit_review", actor=unit, **progress(unit, "mid_year", "on_track"))
    await wait_for(lambda: len(state(system, "SELECT 1 FROM review_submitters")) == 2)
    eve = datetime(2022, 6, 29, 1, tzinfo=UTC)
    clock.set(eve)
    await scanned(system, eve)
    assert len(reminded(system, 1)) == 15 and not {VPS, CC1} & reminded(system, 1)
    week, day = await on_nats(system, TTS, "review-reminder", 2)
    assert (week["subject"], day["subject"]) == (
        "Nhắc hạn gửi báo cáo sơ kết 6 tháng đầu năm: còn 7 ngày",
        "Nhắc hạn gửi báo cáo sơ kết 6 tháng đầu năm: còn 1 ngày",
    )
    assert state(system, "SELECT status FROM review_reminders WHERE review = 'mid_year'") == [("decided",)] * 2

    clock.set(datetime(2022, 7, 3, 2, tzinfo=UTC))
    reply = await ok(system, "submit_review", actor=TTS, **progress(TTS, "mid_year", "completed"))
    assert reply["events"][0]["type"] == "review_submitted.v1"
    [late] = await on_nats(system, VPS, "late-review", 1)
    assert late["subject"] == "Báo cáo sơ kết 6 tháng đầu năm trễ hạn: Thanh tra Sở"
    refused = await system.send("submit_review", {"command_id": str(uuid.uuid4()), "actor": CC1,
                                **progress(CC1, "mid_year", "on_track") | {"staff": []}})  # fmt: skip
    assert refused["error"] == {"code": "person_missing", "message": "Nguyễn Thị Hồng of the unit's registration left out",
                                "field": "staff"}  # fmt: skip
    await ok(system, "assess_review", actor="council:chu-tich", **council(VPS, "mid_year", "excellent", "good"))
    await ok(system, "assess_review", actor="council:chu-tich", **council(TTS, "mid_year", "good", "excellent"))

    # ---- the year-end review: Văn phòng Sở on time, Phòng Công chứng số 1 five days late --------------------
    clock.set(datetime(2022, 12, 14, 3, tzinfo=UTC))
    await ok(system, "submit_review", actor=VPS, **progress(VPS, "year_end", "completed"))
    clock.set(datetime(2022, 12, 20, 3, tzinfo=UTC))
    await ok(system, "submit_review", actor=CC1, **progress(CC1, "year_end", "not_completed"))
    await ok(system, "assess_review", actor="council:chu-tich", **council(VPS, "year_end", "good", "good"))

    # ---- what the read API shows --------------------------------------------------------------------------
    def get(path: str, who: str, **params: str) -> tuple[int, Any]:
        with system.http() as http:
            r = http.get(path, params=params, headers={"Authorization": f"Bearer {role[who]}"})
        return r.status_code, r.json()

    def assessed(review: str, n: int) -> Any:  # the staff counts are the blocks view's (its own consumer): all of them
        status, body = get(f"/v1/campaigns/{C}/reviews/{review}/summary", "council")
        staffed = status == 200 and body["totals"]["staff_registered"] == sum(map(len, STAFF.values()))
        return staffed and body["totals"]["units_assessed"] == n and body

    mid = await wait_for(lambda: assessed("mid_year", 2))
    first, second = mid["blocks"]
    assert (first["block_id"], first["submitted"], first["on_time"]) == (B1, 2, 1)
    assert first["late_units"] == [{"unit_id": TTS, "days_late": 3}] and len(first["missing"]) == 6
    assert (first["units_completing_well"], first["unit_share"]) == (2, 0.25)
    assert (first["staff_registered"], first["staff_completing_well"], first["staff_share"]) == (3, 3, 1.0)
    assert (second["submitted"], second["late"], len(second["missing"])) == (1, 0, 8)
    assert (mid["target_share"], mid["totals"]["members"], mid["totals"]["unit_share"]) == (1.0, 17, 0.1176)
    end = await wait_for(lambda: assessed("year_end", 1))
    assert end["totals"]["late_units"] == [{"unit_id": CC1, "days_late": 5}]
    assert (end["totals"]["units_on_course"], end["totals"]["staff_on_course"]) == (1, 2)

    status, mine = get(f"/v1/campaigns/{C}/reviews/mid_year/submissions", f"unit:{VPS}")
    assert status == 200 and [s["unit_id"] for s in mine["submissions"]] == [VPS]
    assert mine["submissions"][0]["assessment"]["collective"]["assessment"] == "excellent"
    assert get(f"/v1/campaigns/{C}/reviews/mid_year/submissions", f"unit:{VPS}", unit=TTS)[0] == 403
    assert get(f"/v1/campaigns/{C}/reviews/mid_year/summary", f"unit:{VPS}")[0] == 403
    status, late_ones = get(f"/v1/campaigns/{C}/reviews/mid_year/submissions", "council", late="true")
    assert [(s["unit_id"], s["days_late"]) for s in late_ones["submissions"]] == [(TTS, 3)]
    assert get(f"/v1/campaigns/{C}/reviews", f"unit:{VPS}")[1]["reviews"] == [
        {"review": "mid_year", "due_on": "2022-06-30"},
        {"review": "year_end", "due_on": "2022-12-15"},
    ]

    # ---- the registry's views rebuilt from the stream alone are identical ---------------------------------
    live = {v.name: v for v in build_views(system.settings)}
    # nothing above read the units and registrations views (each its own consumer): wait for their last events
    units = next(v for v in live.values() if isinstance(v, UnitsView))
    registrations = next(v for v in live.values() if isinstance(v, RegistrationsView))
    last = load_scenario()["blocks"][-1]["units"][-1]["unit_id"]  # the demo's last unit assigned
    await wait_for(lambda: (u := units.get(last)) is not None and len(u["history"]) == 2)
    await wait_for(lambda: registrations.registrations(C, unit_id=list(STAFF)[-1]))
    stored = await system.stream_messages()
    events = [(m.metadata.sequence.stream, parse(m)) for m in stored]
    for view in build_views(system.settings.replace(data_dir=tmp_path / "rebuilt")):
        view.apply(events)
        assert view.checksum() == live[view.name].checksum(), view.name
    assert "registry-reviews" in live
