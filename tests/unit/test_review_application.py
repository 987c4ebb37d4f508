"""Review use cases on an in-memory store: schedule, submit on time and late, resubmit, the council's review; each
refusal with its code and field, nothing recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from emulation.demo import commands, load_scenario
from services.registry.domain.campaign import Campaign
from services.registry.domain.review import ReviewSubmission
from shared.infra.clock import Clock
from tests.unit.test_registry_application import C, Registry

pytestmark = pytest.mark.unit
CC1 = "phong-cong-chung-so-1"
TARGET = "tap-the-lao-dong-xuat-sac"
PEOPLE = [
    {"person": "Nguyễn Thị Hồng", "target_title": "chien-si-thi-dua-co-so"},
    {"person": "Trần Văn Bình", "target_title": "lao-dong-tien-tien"},
]
MID = {"campaign_id": C, "review": "mid_year"}


def self_assessment(unit: str, status: str = "on_track", **overrides: Any) -> dict[str, Any]:
    body = {
        **MID,
        "unit_id": unit,
        "actor": unit,
        "collective": {"target": TARGET, "status": status},
        "staff": [p | {"status": status, "note": "Đúng tiến độ"} for p in PEOPLE],
    }
    return body | overrides


def council(unit: str, people: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    people = people if people is not None else [{"person": p["person"], "assessment": "good"} for p in PEOPLE]
    return {**MID, "unit_id": unit, "actor": "council:chu-tich", "collective": {"assessment": "excellent"},
            "staff": people}  # fmt: skip


@pytest.fixture
def clock(tmp_path: Path) -> Clock:
    clock = Clock(tmp_path / "clock")
    clock.set(datetime(2022, 1, 10, 9, 0, tzinfo=UTC))
    return clock


@pytest.fixture
def reviewed(clock: Clock) -> Registry:
    """The demo with two units registered (Phòng Công chứng số 1 and 2) and the mid-year review due 30/06/2022."""
    registry = Registry(clock)
    for command, body in commands(load_scenario()):
        registry.send(command, **body)
    for unit in (CC1, "phong-cong-chung-so-2"):
        registry.send("register_emulation", actor=unit, campaign_id=C, unit_id=unit, collective_target=TARGET,
                      staff=PEOPLE)  # fmt: skip
    assert registry.send("schedule_review", **MID, due_on="2022-06-30") == ["review_scheduled"]
    return registry


def submission(r: Registry, unit: str = CC1) -> ReviewSubmission:
    found: ReviewSubmission = r.app.repository.get(ReviewSubmission.create_id(C, unit, "mid_year"))
    return found


def test_the_office_schedules_and_moves_a_review(reviewed: Registry) -> None:
    assert reviewed.send("schedule_review", **MID, due_on="2022-07-05") == ["review_scheduled"]
    assert reviewed.send("schedule_review", campaign_id=C, review="year_end", due_on="2022-12-15") == [
        "review_scheduled"
    ]
    campaign: Campaign = reviewed.app.repository.get(Campaign.create_id(C))
    assert {k: v.isoformat() for k, v in campaign.reviews.items()} == {
        "mid_year": "2022-07-05",
        "year_end": "2022-12-15",
    }
    assert reviewed.refused("schedule_review", **MID, due_on="2022-07-05", actor=CC1) == ("not_allowed", "actor")


def test_a_submission_on_time_a_late_one_and_a_missing_one(reviewed: Registry, clock: Clock) -> None:
    clock.set(datetime(2022, 6, 30, 16, 0, tzinfo=UTC))  # 23:00 on the due day in Ho Chi Minh City
    assert reviewed.send("submit_review", **self_assessment(CC1)) == ["review_submitted"]
    clock.set(datetime(2022, 7, 3, 2, 0, tzinfo=UTC))
    assert reviewed.send("submit_review", **self_assessment("phong-cong-chung-so-2")) == ["review_submitted"]
    on_time, late = submission(reviewed), submission(reviewed, "phong-cong-chung-so-2")
    assert (on_time.late, late.late) == (False, True)
    assert late.submitted_at == datetime(2022, 7, 3, 2, 0, tzinfo=UTC)
    assert not reviewed.app.exists(ReviewSubmission.create_id(C, "phong-cong-chung-so-3", "mid_year"))


def test_a_resubmission_amends_until_the_council_reviews_it(reviewed: Registry) -> None:
    reviewed.send("submit_review", **self_assessment(CC1))
    assert reviewed.send("submit_review", **self_assessment(CC1, "completed")) == ["review_submission_amended"]
    assert submission(reviewed).amendments == 1 and submission(reviewed).collective["status"] == "completed"
    assert reviewed.send("assess_review", **council(CC1)) == ["review_assessed"]
    assert reviewed.refused("submit_review", **self_assessment(CC1)) == ("review_assessed", "review")
    assert reviewed.send("assess_review", **council(CC1)) == ["review_assessed"]  # reviewed again: the latest stands


def test_a_unit_submits_only_for_itself_and_only_the_council_reviews(reviewed: Registry) -> None:
    assert reviewed.refused("submit_review", **self_assessment(CC1, actor="phong-cong-chung-so-2")) == (
        "not_allowed", "actor")  # fmt: skip
    assert reviewed.send("submit_review", **self_assessment(CC1, actor="van-phong-so")) == ["review_submitted"]
    assert reviewed.refused("assess_review", **council(CC1) | {"actor": CC1}) == ("not_allowed", "actor")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"campaign_id": "2099"}, ("unknown_campaign", "campaign_id")),
        ({"review": "year_end"}, ("review_not_scheduled", "review")),
        ({"unit_id": "phong-cong-chung-so-3", "actor": "phong-cong-chung-so-3"}, ("unknown_registration", "unit_id")),
        ({"collective": {"target": "giay-khen", "status": "on_track"}}, ("target_mismatch", "collective.target")),
        ({"staff": [PEOPLE[0] | {"status": "on_track"}, {"person": "Lê Văn Cường", "target_title": "lao-dong-tien-tien",
          "status": "completed"}]}, ("person_not_registered", "staff.1.person")),
        ({"staff": [PEOPLE[0] | {"status": "on_track"}]}, ("person_missing", "staff")),
    ],
)  # fmt: skip
def test_submission_refusals_have_their_code_and_record_nothing(
    reviewed: Registry, overrides: dict[str, Any], expected: tuple[str, str | None]
) -> None:
    assert reviewed.refused("submit_review", **self_assessment(CC1, **overrides)) == expected


def test_a_unit_outside_the_campaign_cannot_submit(reviewed: Registry) -> None:
    reviewed.send("withdraw_unit", campaign_id=C, unit_id="phong-cong-chung-so-2")
    body = self_assessment("phong-cong-chung-so-2")
    assert reviewed.refused("submit_review", **body) == ("unit_not_in_campaign", "unit_id")


def test_council_review_refusals(reviewed: Registry) -> None:
    assert reviewed.refused("assess_review", **council(CC1)) == ("unknown_submission", "unit_id")
    reviewed.send("submit_review", **self_assessment(CC1))
    one = [{"person": "Nguyễn Thị Hồng", "assessment": "excellent"}]
    assert reviewed.refused("assess_review", **council(CC1, one)) == ("person_missing", "staff")
    assert reviewed.refused("assess_review", **council(CC1) | {"review": "year_end"}) == (
        "review_not_scheduled", "review")  # fmt: skip


def test_a_closed_campaign_takes_no_review(reviewed: Registry) -> None:
    reviewed.send("submit_review", **self_assessment(CC1))
    reviewed.send("close_campaign", campaign_id=C)
    closed = ("campaign_closed", "campaign_id")
    assert reviewed.refused("schedule_review", campaign_id=C, review="year_end", due_on="2022-12-15") == closed
    assert reviewed.refused("submit_review", **self_assessment(CC1)) == closed
    assert reviewed.refused("assess_review", **council(CC1)) == closed
