"""Review notices: reminders before each review's due date to the members that have not submitted, the late-review
notice to the secretariat; as pure rules and through the notifier's state fed with the registry's envelopes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from services.notification.adapters.state import NotifierState
from services.notification.domain import rules
from services.notification.domain.notices import Target, decide, notice_id
from services.notification.domain.reviews import ReviewFacts, review_reminder_notices
from shared.infra.eventstore import view_factory
from shared.infra.settings import Settings
from tests.unit.test_evaluation_views import registry_event
from tests.unit.test_notification_rules import CAMPAIGN, FakeFacts, trigger
from tests.unit.test_review_views import CC1, TTS, VPS, review_year

pytestmark = pytest.mark.unit
MID = ReviewFacts("2022", "mid_year", date(2022, 6, 30), "ev-review")


def test_a_review_reminder_awaits_the_members_that_have_not_submitted() -> None:
    assert rules.awaiting_review(["phong-a", "phong-b", "phong-c"], ["phong-b"]) == ["phong-a", "phong-c"]
    assert rules.awaiting_review([], []) == []


def test_review_reminders_are_skipped_once_due_or_switched_off() -> None:
    on_eve = datetime(2022, 6, 29, 2, tzinfo=UTC)
    due = rules.due_reminders(MID.due_on, rules.CampaignRules(), [7, 1], on_eve, rules.REVIEW_REMINDER)
    assert (due.send, due.slots) == (1, {1: "decided", 7: "superseded"})
    off = rules.CampaignRules(frozenset({rules.REVIEW_REMINDER}))
    assert rules.due_reminders(MID.due_on, off, [1], on_eve, rules.REVIEW_REMINDER).send is None
    assert rules.due_reminders(MID.due_on, off, [1], on_eve).send == 1  # the registration reminder is another rule
    after = datetime(2022, 6, 30, 17, tzinfo=UTC)
    assert rules.due_reminders(MID.due_on, rules.CampaignRules(), [1], after, rules.REVIEW_REMINDER).send is None


def test_a_review_reminder_names_the_review_and_its_due_date_under_a_stable_id() -> None:
    at = rules.reminder_due_at(MID.due_on, 7)
    notices = review_reminder_notices(
        CAMPAIGN, MID, 7, [Target("phong-a", "Phòng A", "a@stp.example")], FakeFacts(), at
    )
    assert [(n.channel, n.unit_id, n.rule) for n in notices] == [
        ("email", "phong-a", "review-reminder"),
        ("nats", "phong-a", "review-reminder"),
    ]
    first = notices[0]
    assert first.trigger_event_id == "ev-review#d-7" and first.scheduled and first.due_at == at
    assert first.notification_id == notice_id("review-reminder", "ev-review#d-7", "phong-a", "email")
    assert first.subject == "Nhắc hạn gửi báo cáo sơ kết 6 tháng đầu năm: còn 7 ngày"
    assert "là ngày 30/06/2022 (còn 7 ngày)" in first.body and "Kính gửi: Phòng A," in first.body


def test_a_late_submission_goes_to_the_secretariat_and_an_on_time_one_to_nobody() -> None:
    late = trigger("review_submitted", unit_id="phong-a", review="year_end", late=True, days_late=3,
                   submitted_at="2022-12-18T02:00:00+00:00")  # fmt: skip
    notices = decide(late, FakeFacts())
    assert {(n.rule, n.unit_id) for n in notices} == {("late-review", "van-phong-so")}
    assert notices[0].subject == "Báo cáo tổng kết năm trễ hạn: Phòng A"
    assert "vào ngày 18/12/2022, trễ 3 ngày so với hạn chót ngày 15/12/2022" in notices[0].body
    on_time = trigger("review_submitted", unit_id="phong-a", review="year_end", late=False, days_late=0,
                      submitted_at="2022-12-14T02:00:00+00:00")  # fmt: skip
    assert decide(on_time, FakeFacts()) == []
    assert decide(late, FakeFacts(frozenset({rules.LATE_REVIEW}))) == []


def reminded(state: NotifierState, offset: int) -> set[str]:
    rows = state.query("SELECT unit_id, trigger_event_id FROM {notices} WHERE rule = 'review-reminder'")
    return {r["unit_id"] for r in rows if r["trigger_event_id"].endswith(f"#d-{offset}")}


def test_the_notifier_reminds_before_each_due_date_only_those_that_have_not_submitted(tmp_path: Path) -> None:
    events = review_year(tmp_path)
    names = [e.event_name for _, e in events]
    scheduled = max(i for i, n in enumerate(names) if n == "review_scheduled") + 1
    on_time = [i for i, n in enumerate(names) if n == "review_submitted"][1] + 1  # Văn phòng Sở's and CC1's
    state = NotifierState(view_factory(Settings(data_dir=tmp_path / "notifier"), "notification"))
    state.apply(events[:scheduled])
    slots = state.query("SELECT review, offset_days, due_at, status FROM {review_reminders} ORDER BY due_at")
    assert [(s["review"], s["offset_days"], s["due_at"][:16]) for s in slots] == [
        ("mid_year", 7, "2022-06-23T01:00"),
        ("mid_year", 1, "2022-06-29T01:00"),
        ("year_end", 7, "2022-12-08T01:00"),
        ("year_end", 1, "2022-12-14T01:00"),
    ]

    state.decide_due_reminders(datetime(2022, 6, 23, 1, tzinfo=UTC))
    assert len(reminded(state, 7)) == 17  # every member: nobody has submitted yet
    state.apply(events[scheduled:on_time])
    state.decide_due_reminders(datetime(2022, 6, 29, 1, tzinfo=UTC))
    assert len(reminded(state, 1)) == 15 and not {VPS, CC1} & reminded(state, 1)
    state.apply(events[on_time:])
    late = state.query("SELECT rule, unit_id, data FROM {notices} WHERE rule = 'late-review'")
    assert [(n["rule"], n["unit_id"]) for n in late] == [("late-review", VPS)]  # Thanh tra Sở's, to the Office
    assert TTS in late[0]["data"]
    assert state.decide_due_reminders(datetime(2022, 7, 1, tzinfo=UTC)) == 0
    statuses = state.query("SELECT review, status FROM {review_reminders} ORDER BY due_at")
    assert [s["status"] for s in statuses] == ["decided", "decided", "pending", "pending"]


def test_moving_a_review_or_changing_the_offsets_replans_its_pending_reminders(tmp_path: Path) -> None:
    state = NotifierState(view_factory(Settings(data_dir=tmp_path / "notifier"), "notification"))
    events = review_year(tmp_path)
    state.apply(events)
    end = {"campaign_id": "2022", "review": "year_end"}
    moved = registry_event("review_scheduled", end | {"due_on": "2022-12-20", "previous_due_on": "2022-12-15"}, 90)
    configured = registry_event("notification_rules_configured", {"campaign_id": "2022", "disabled_rules": [],
                                "reminder_offsets_days": [3]}, 91)  # fmt: skip
    seq = events[-1][0]
    state.apply([(seq + 1, moved)])
    year_end = "SELECT offset_days, due_at, status FROM {review_reminders} WHERE review = 'year_end' ORDER BY due_at"
    assert [(s["offset_days"], s["due_at"][:10]) for s in state.query(year_end)] == [
        (7, "2022-12-13"),
        (1, "2022-12-19"),
    ]
    state.apply([(seq + 2, configured)])
    assert [(s["offset_days"], s["due_at"][:10]) for s in state.query(year_end)] == [(3, "2022-12-17")]
    state.decide_due_reminders(datetime(2022, 12, 17, 1, tzinfo=UTC))
    rows = state.query("SELECT DISTINCT trigger_event_id FROM {notices} WHERE rule = 'review-reminder'")
    assert {r["trigger_event_id"] for r in rows} >= {f"{moved.id}#d-3"}
