"""Review rules and aggregates (sơ kết, tổng kết): each rule passing and failing with its code and field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.registry.domain import rules
from services.registry.domain.campaign import Campaign
from services.registry.domain.review import ReviewSubmission
from shared.domain.errors import DomainError
from shared.domain.rules import is_council
from tests.unit.test_registry_domain import details

pytestmark = pytest.mark.unit
START, END = date(2022, 1, 1), date(2022, 12, 31)
MID = date(2022, 6, 30)
TARGET = "tap-the-lao-dong-xuat-sac"
REGISTERED = [
    {"person": "Nguyễn Thị Hồng", "target_title": "chien-si-thi-dua-co-so"},
    {"person": "Trần Văn Bình", "target_title": "lao-dong-tien-tien"},
]


def refused(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, str | None]:
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    return info.value.code, info.value.field


def staff(status: str = "on_track", **changes: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [p | {"status": status, "note": None} for p in REGISTERED]
    out[0] |= changes
    return out


def collective(status: str = "on_track", target: str = TARGET) -> dict[str, Any]:
    return {"target": target, "status": status, "note": "Đúng tiến độ"}


def submitted(at: datetime, review: str = "mid_year", due_on: date = MID) -> ReviewSubmission:
    return ReviewSubmission.submit(
        "2022", "thanh-tra-so", review, collective(), staff(), at=at, due_on=due_on,
        registered_target=TARGET, registered_staff=REGISTERED,
    )  # fmt: skip


# ---- due dates ------------------------------------------------------------------------------------


def test_review_dates_fall_in_order_and_the_year_end_may_follow_the_period() -> None:
    rules.check_review_due("mid_year", MID, START, END, {})
    rules.check_review_due("year_end", date(2023, 1, 10), START, END, {"mid_year": MID})
    rules.check_review_due("mid_year", MID, START, END, {"year_end": date(2022, 12, 15)})
    assert refused(rules.check_review_due, "mid_year", date(2021, 12, 31), START, END, {}) == (
        "review_dates_out_of_order", "due_on")  # fmt: skip
    assert refused(rules.check_review_due, "mid_year", date(2023, 1, 2), START, END, {})[0] == (
        "review_dates_out_of_order"
    )
    assert refused(rules.check_review_due, "year_end", MID, START, END, {"mid_year": MID}) == (
        "review_dates_out_of_order", "due_on")  # fmt: skip


def test_the_campaign_schedules_moves_and_names_its_reviews() -> None:
    campaign = Campaign.launch(**details())
    assert refused(campaign.review_due, "mid_year") == ("review_not_scheduled", "review")
    campaign.schedule_review("mid_year", MID)
    campaign.schedule_review("mid_year", date(2022, 7, 5))
    moved = campaign.collect_events()[-1]
    assert (moved.due_on, moved.previous_due_on) == (date(2022, 7, 5), MID)  # type: ignore[attr-defined]
    assert campaign.review_due("mid_year") == date(2022, 7, 5)
    assert refused(campaign.schedule_review, "mid_year", date(2022, 7, 5)) == ("no_changes", "due_on")
    campaign.close(None)
    assert refused(campaign.schedule_review, "year_end", date(2022, 12, 15)) == ("campaign_closed", "campaign_id")


def test_days_late_count_calendar_days_in_ho_chi_minh_city() -> None:
    assert rules.days_late(datetime(2022, 6, 30, 16, 59, tzinfo=UTC), MID) == 0  # 23:59 on the due day
    assert rules.days_late(datetime(2022, 6, 30, 17, 0, tzinfo=UTC), MID) == 1  # 00:00 the next day
    assert rules.days_late(datetime(2022, 7, 3, 2, 0, tzinfo=UTC), MID) == 3
    assert rules.days_late(datetime(2022, 6, 1, tzinfo=UTC), MID) == 0


# ---- the unit's self-assessment --------------------------------------------------------------------


def test_a_self_assessment_covers_the_registration() -> None:
    check = rules.check_self_assessment
    check("mid_year", collective(), staff(), TARGET, REGISTERED)
    check("year_end", collective("completed"), staff("not_completed"), TARGET, REGISTERED)
    assert refused(check, "mid_year", collective(target="giay-khen"), staff(), TARGET, REGISTERED) == (
        "target_mismatch", "collective.target")  # fmt: skip
    assert refused(check, "mid_year", collective(), staff(person="Lê Văn Cường"), TARGET, REGISTERED) == (
        "person_not_registered", "staff.0.person")  # fmt: skip
    assert refused(check, "mid_year", collective(), staff(target_title="lao-dong-tien-tien"), TARGET, REGISTERED) == (
        "target_mismatch", "staff.0.target_title")  # fmt: skip
    assert refused(check, "mid_year", collective(), staff()[:1], TARGET, REGISTERED) == ("person_missing", "staff")
    twice = staff() + staff()[1:]
    assert refused(check, "mid_year", collective(), twice, TARGET, REGISTERED) == ("duplicate_person", "staff.2.person")


def test_on_track_is_for_the_mid_year_review_only() -> None:
    check = rules.check_self_assessment
    assert refused(check, "year_end", collective("on_track"), staff("completed"), TARGET, REGISTERED) == (
        "status_not_allowed", "collective.status")  # fmt: skip
    assert refused(check, "year_end", collective("completed"), staff("on_track"), TARGET, REGISTERED) == (
        "status_not_allowed", "staff.0.status")  # fmt: skip


def test_a_person_registered_twice_is_assessed_twice() -> None:
    twice = [REGISTERED[0], REGISTERED[0] | {"target_title": "lao-dong-tien-tien"}]
    people = [p | {"status": "on_track"} for p in twice]
    rules.check_self_assessment("mid_year", collective(), people, TARGET, twice)
    assert refused(rules.check_self_assessment, "mid_year", collective(), people[:1], TARGET, twice)[0] == (
        "person_missing"
    )


# ---- the submission --------------------------------------------------------------------------------


def test_a_submission_on_time_and_one_late_by_days() -> None:
    on_time = submitted(datetime(2022, 6, 30, 10, tzinfo=UTC))
    assert (on_time.late, on_time.collect_events()[0].days_late) == (False, 0)  # type: ignore[attr-defined]
    late = submitted(datetime(2022, 7, 4, 1, tzinfo=UTC))
    assert (late.late, late.collect_events()[0].days_late) == (True, 4)  # type: ignore[attr-defined]


def test_a_resubmission_replaces_it_until_the_council_has_reviewed_it() -> None:
    s = submitted(datetime(2022, 6, 20, tzinfo=UTC))
    s.resubmit(collective("completed"), staff("completed"), at=datetime(2022, 7, 1, 2, tzinfo=UTC), due_on=MID,
               registered_target=TARGET, registered_staff=REGISTERED)  # fmt: skip
    amended = s.collect_events()[-1]
    assert (s.amendments, amended.late, amended.days_late) == (1, True, 1)  # type: ignore[attr-defined]
    assert s.collective["status"] == "completed"
    assessed = [{"person": p["person"], "assessment": "good", "note": None} for p in REGISTERED]
    s.assess({"assessment": "excellent", "note": "Dẫn đầu khối"}, assessed)
    assert refused(s.resubmit, collective(), staff(), at=datetime(2022, 7, 2, tzinfo=UTC), due_on=MID,
                   registered_target=TARGET, registered_staff=REGISTERED) == ("review_assessed", "review")  # fmt: skip
    s.assess({"assessment": "good", "note": None}, assessed)  # the council may review again: the latest stands
    assert [type(e).__name__ for e in s.collect_events()] == ["Assessed", "Assessed"]


def test_the_council_reviews_every_person_of_the_submission_once() -> None:
    s = submitted(datetime(2022, 6, 20, tzinfo=UTC))
    one = {"person": "Nguyễn Thị Hồng", "assessment": "excellent", "note": None}
    two = {"person": "Trần Văn Bình", "assessment": "not_completed", "note": "Chưa đạt chỉ tiêu"}
    unit = {"assessment": "good", "note": None}
    assert refused(s.assess, unit, [one]) == ("person_missing", "staff")
    assert refused(s.assess, unit, [one, two, one]) == ("duplicate_person", "staff.2.person")
    assert refused(s.assess, unit, [one, two | {"person": "Lê Văn Cường"}]) == (
        "person_not_registered",
        "staff.1.person",
    )
    s.assess(unit, [two, one])
    assert s.assessed


# ---- who may act -----------------------------------------------------------------------------------


def test_the_council_its_secretariat_or_a_city_system_reviews_for_the_council() -> None:
    for actor in ("council", "council:chu-tich", "van-phong-so", "system:portal"):
        assert rules.reviews_for_council(actor, "2022", "van-phong-so").passed, actor
    for actor in ("thanh-tra-so", "councillor", "council:"):
        result = rules.reviews_for_council(actor, "2022", "van-phong-so")
        assert not result.passed and result.rule == "reviews-for-council", actor
    assert not is_council("council:") and is_council("council:pho-chu-tich")
