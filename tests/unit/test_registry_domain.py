"""Registry rules and aggregates, each passing and failing with its code."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.registry.adapters.search import like_pattern, search_key
from services.registry.domain import rules
from services.registry.domain.campaign import Campaign
from services.registry.domain.registration import Registration
from services.registry.domain.roster import Roster
from services.registry.domain.unit import Unit
from shared.domain.errors import DomainError

pytestmark = pytest.mark.unit


def details(**changes: Any) -> dict[str, Any]:
    base = {
        "campaign_id": "2022",
        "kind": "yearly",
        "year": 2022,
        "title": "Phong trào thi đua yêu nước năm 2022",
        "document_number": "5039/KH-STP-VP",
        "issued_on": date(2021, 12, 28),
        "issued_by": "Sở Tư pháp",
        "signed_by": "Huỳnh Văn Hạnh",
        "theme": "Thích ứng an toàn",
        "period_start": date(2022, 1, 1),
        "period_end": date(2022, 12, 31),
        "registration_deadline": date(2022, 1, 20),
        "secretariat_unit_id": "van-phong-so",
        "contents": [{"no": 1, "title": "Một"}, {"no": 2, "title": "Hai"}],
    }
    return base | changes


def code_of(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, str | None]:
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    return info.value.code, info.value.field


# ---- rules -----------------------------------------------------------------------------------------


def test_dates_within_the_period_pass() -> None:
    rules.check_dates(date(2022, 1, 1), date(2022, 12, 31), date(2022, 1, 20))
    rules.check_dates(date(2022, 1, 1), date(2022, 1, 1), date(2022, 1, 1))


@pytest.mark.parametrize(
    ("start", "end", "deadline", "expected"),
    [
        (date(2022, 12, 31), date(2022, 1, 1), date(2022, 6, 1), ("invalid_period", "period_end")),
        (date(2022, 1, 1), date(2022, 12, 31), date(2021, 12, 31), ("date_out_of_period", "registration_deadline")),
        (date(2022, 1, 1), date(2022, 12, 31), date(2023, 1, 1), ("date_out_of_period", "registration_deadline")),
    ],
)
def test_dates_out_of_order_or_period_are_refused(start: date, end: date, deadline: date, expected: Any) -> None:
    assert code_of(rules.check_dates, start, end, deadline) == expected


def test_content_numbers_must_be_unique() -> None:
    rules.check_contents([1, 2, 3])
    assert code_of(rules.check_contents, [1, 2, 2]) == ("duplicate_content", "contents")


@pytest.mark.parametrize(
    ("at", "late"),
    [
        (datetime(2022, 1, 20, 16, 59, tzinfo=UTC), False),  # 23:59 on the deadline day in Ho Chi Minh City
        (datetime(2022, 1, 20, 17, 0, tzinfo=UTC), True),  # 00:00 the next day there
        (datetime(2022, 1, 5, tzinfo=UTC), False),
        (datetime(2022, 3, 1, tzinfo=UTC), True),
    ],
)
def test_late_means_after_the_deadline_day_in_ho_chi_minh_city(at: datetime, late: bool) -> None:
    assert rules.is_late(at, date(2022, 1, 20)) is late


# ---- campaign --------------------------------------------------------------------------------------


def test_launch_records_the_details() -> None:
    campaign = Campaign.launch(**details())
    assert (campaign.title, campaign.closed) == ("Phong trào thi đua yêu nước năm 2022", False)
    assert [type(e).__name__ for e in campaign.collect_events()] == ["Launched"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"registration_deadline": date(2023, 2, 1)}, ("date_out_of_period", "registration_deadline")),
        ({"period_end": date(2021, 1, 1)}, ("invalid_period", "period_end")),
        ({"contents": [{"no": 1, "title": "a"}, {"no": 1, "title": "b"}]}, ("duplicate_content", "contents")),
    ],
)
def test_launch_refuses_bad_dates_and_contents(changes: dict[str, Any], expected: Any) -> None:
    assert code_of(Campaign.launch, **details(**changes)) == expected


def test_amend_changes_only_what_differs_and_keeps_dates_valid() -> None:
    campaign = Campaign.launch(**details())
    campaign.collect_events()
    campaign.amend({"title": "Phong trào 2022 (sửa)", "year": 2022})
    [amended] = campaign.collect_events()
    assert amended.changes == {"title": "Phong trào 2022 (sửa)"}
    assert campaign.title == "Phong trào 2022 (sửa)"
    assert code_of(campaign.amend, {"year": 2022}) == ("no_changes", None)
    assert code_of(campaign.amend, {"registration_deadline": date(2023, 1, 5)})[0] == "date_out_of_period"
    # moving the period and the deadline together is fine
    campaign.amend({"period_end": date(2023, 6, 30), "registration_deadline": date(2023, 1, 5)})
    assert campaign.registration_deadline == date(2023, 1, 5)


def test_a_closed_campaign_takes_no_amendment_and_cannot_close_again() -> None:
    campaign = Campaign.launch(**details())
    campaign.close("Kết thúc năm")
    assert campaign.closed
    assert code_of(campaign.amend, {"title": "x"}) == ("campaign_closed", "campaign_id")
    assert code_of(campaign.close, None) == ("campaign_closed", "campaign_id")


# ---- roster: blocks, membership, leaders -----------------------------------------------------------


def roster() -> Roster:
    r = Roster(campaign_id="2022")
    r.define_block("b1", "Khối 1")
    r.define_block("b2", "Khối 2")
    for unit in ("u1", "u2", "u3"):
        r.assign(unit, "b1", move=False)
    r.assign("v1", "b2", move=False)
    return r


def test_define_block_refuses_a_duplicate_id() -> None:
    r = roster()
    assert code_of(r.define_block, "b1", "Khối khác") == ("block_exists", "block_id")


def test_assign_refuses_an_unknown_block() -> None:
    assert code_of(roster().assign, "u9", "b9", False) == ("unknown_block", "block_id")


def test_a_unit_is_in_one_block_per_campaign_and_moves_only_when_asked() -> None:
    r = roster()
    assert code_of(r.assign, "u1", "b2", False) == ("unit_already_in_block", "unit_id")
    assert code_of(r.assign, "u1", "b1", True) == ("unit_already_in_block", "block_id")
    r.collect_events()
    r.assign("u1", "b2", move=True)
    [moved] = r.collect_events()
    assert (moved.block_id, moved.previous_block_id) == ("b2", "b1")
    assert r.members["u1"] == "b2"


def test_leader_and_deputy_must_be_different_members_of_the_block() -> None:
    r = roster()
    r.designate_leader("b1", "u1", "u2")
    assert r.blocks["b1"]["leader"] == "u1" and r.blocks["b1"]["deputy"] == "u2"
    r.designate_leader("b2", "v1", None)
    assert code_of(r.designate_leader, "b1", "v1", None) == ("unit_not_in_block", "leader_unit_id")
    assert code_of(r.designate_leader, "b1", "u1", "v1") == ("unit_not_in_block", "deputy_unit_id")
    assert code_of(r.designate_leader, "b1", "u1", "u1") == ("leader_is_deputy", "deputy_unit_id")
    assert code_of(r.designate_leader, "b9", "u1", None) == ("unknown_block", "block_id")


def test_the_leader_or_deputy_cannot_leave_the_block() -> None:
    r = roster()
    r.designate_leader("b1", "u1", "u2")
    assert code_of(r.assign, "u1", "b2", True) == ("unit_is_block_leader", "unit_id")
    assert code_of(r.withdraw, "u2", None) == ("unit_is_block_leader", "unit_id")
    r.designate_leader("b1", "u3", None)
    r.withdraw("u2", "Sáp nhập")
    assert "u2" not in r.members


def test_withdraw_needs_a_member_and_a_withdrawn_unit_may_rejoin() -> None:
    r = roster()
    assert code_of(r.withdraw, "u9", None) == ("unit_not_in_campaign", "unit_id")
    r.withdraw("u3", None)
    assert code_of(r.withdraw, "u3", None) == ("unit_not_in_campaign", "unit_id")
    assert code_of(r.check_member, "u3") == ("unit_not_in_campaign", "unit_id")
    r.collect_events()
    r.assign("u3", "b2", move=False)
    [rejoined] = r.collect_events()
    assert rejoined.previous_block_id is None


# ---- units and registrations -----------------------------------------------------------------------


def test_rename_keeps_the_previous_name_and_refuses_the_same_name() -> None:
    unit = Unit(unit_id="u1", name="Phòng Công chứng số 1", kind="affiliated", head=None, email=None)
    unit.rename("Văn phòng Công chứng số 1")
    renamed = unit.collect_events()[-1]
    assert (renamed.name, renamed.previous_name) == ("Văn phòng Công chứng số 1", "Phòng Công chứng số 1")
    assert code_of(unit.rename, "Văn phòng Công chứng số 1") == ("no_changes", "name")


def test_registration_and_amendment_are_flagged_late_after_the_deadline_never_refused() -> None:
    deadline = date(2022, 1, 20)
    staff = [{"person": "Nguyễn Văn A", "target_title": "lao-dong-tien-tien"}]
    on_time = Registration.register(
        "2022", "u1", "tap-the-lao-dong-xuat-sac", staff, datetime(2022, 1, 10, tzinfo=UTC), deadline
    )
    assert on_time.late is False
    on_time.amend("tap-the-lao-dong-tien-tien", [], datetime(2022, 2, 1, tzinfo=UTC), deadline)
    amended = on_time.collect_events()[-1]
    assert amended.late is True and on_time.late is False and on_time.amendments == 1
    late = Registration.register(
        "2022", "u2", "tap-the-lao-dong-tien-tien", staff, datetime(2022, 1, 21, tzinfo=UTC), deadline
    )
    assert late.late is True


def test_search_key_drops_diacritics_and_d_stroke() -> None:
    assert search_key("Phòng Công chứng số 1") == "phong cong chung so 1"
    assert search_key("  Trung tâm Dịch vụ ĐẤU GIÁ  tài sản ") == "trung tam dich vu dau gia tai san"
    assert search_key("Sở Tư pháp") == "so tu phap"
    assert like_pattern("50%_a") == "%50\\%\\_a%"
