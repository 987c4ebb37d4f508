"""Notification rules without I/O: who gets what, when, and under which stable id."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.notification.domain import rules
from services.notification.domain.errors import InvalidReminderOffsets, UnknownRule
from services.notification.domain.notices import (
    CampaignFacts,
    Subscriber,
    Target,
    Trigger,
    decide,
    notice_id,
    reminder_notices,
)

pytestmark = pytest.mark.unit
CAMPAIGN = CampaignFacts("2022", "Phong trào thi đua yêu nước năm 2022", date(2022, 1, 20), "van-phong-so", "ev-launch")
AT = datetime(2022, 3, 1, 2, 0, tzinfo=UTC)
BEFORE = datetime(2022, 1, 19, 2, 0, tzinfo=UTC)
"""On the deadline's eve, after the one-day reminder fell due."""


class FakeFacts:
    def __init__(self, disabled: frozenset[str] = frozenset(), subs: list[Subscriber] | None = None) -> None:
        self.settings = rules.CampaignRules(disabled)
        self.subs = subs or []
        self.units = {
            "van-phong-so": Target("van-phong-so", "Văn phòng Sở", "vp@stp.example"),
            "phong-a": Target("phong-a", "Phòng A", "a@stp.example"),
            "phong-b": Target("phong-b", "Phòng B"),
        }

    def rules(self, campaign_id: str) -> rules.CampaignRules:
        return self.settings

    def campaign(self, campaign_id: str) -> CampaignFacts | None:
        return CAMPAIGN if campaign_id == "2022" else None

    def unit(self, unit_id: str) -> Target:
        return self.units.get(unit_id, Target(unit_id, unit_id))

    def block_members(self, campaign_id: str, block_id: str) -> list[str]:
        return ["phong-a", "phong-b"]

    def block_name(self, campaign_id: str, block_id: str) -> str:
        return "Khối các Phòng Chuyên môn Sở"

    def subscribers(self) -> list[Subscriber]:
        return self.subs


def trigger(name: str, **data: object) -> Trigger:
    return Trigger("ev-1", name, AT, {"campaign_id": "2022", **data})


def test_reminders_fall_due_at_8am_ho_chi_minh_city_time_before_the_deadline() -> None:
    assert rules.reminder_due_at(date(2022, 1, 20), 7) == datetime(2022, 1, 13, 1, 0, tzinfo=UTC)
    assert rules.reminder_due_at(date(2022, 1, 20), 1) == datetime(2022, 1, 19, 1, 0, tzinfo=UTC)


def test_deadline_passes_at_midnight_after_the_deadline_day() -> None:
    assert not rules.deadline_passed(date(2022, 1, 20), datetime(2022, 1, 20, 16, 59, tzinfo=UTC))
    assert rules.deadline_passed(date(2022, 1, 20), datetime(2022, 1, 20, 17, 0, tzinfo=UTC))


def test_after_downtime_only_the_latest_due_reminder_is_sent() -> None:
    assert rules.reminders_to_send([7, 1]) == (1, [7])
    assert rules.reminders_to_send([7]) == (7, [])
    assert rules.reminders_to_send([]) == (None, [])


def test_reminder_slots_follow_the_campaign_offsets() -> None:
    slots = rules.reminder_slots(date(2022, 1, 20), rules.check_rules([], [14, 1]))
    assert slots == [(14, datetime(2022, 1, 6, 1, 0, tzinfo=UTC)), (1, datetime(2022, 1, 19, 1, 0, tzinfo=UTC))]


def test_of_the_slots_due_at_once_the_latest_is_sent_and_the_others_superseded() -> None:
    due = rules.due_reminders(date(2022, 1, 20), rules.CampaignRules(), [7, 1], BEFORE)
    assert (due.send, due.slots) == (1, {1: "decided", 7: "superseded"})


@pytest.mark.parametrize(
    ("deadline", "settings", "now"),
    [
        (None, rules.CampaignRules(), BEFORE),  # campaign not known
        (date(2022, 1, 20), rules.CampaignRules(), datetime(2022, 1, 20, 17, tzinfo=UTC)),  # deadline day over
        (date(2022, 1, 20), rules.CampaignRules(frozenset({rules.REGISTRATION_REMINDER})), BEFORE),  # switched off
    ],
)
def test_due_slots_are_skipped_when_no_reminder_may_go(
    deadline: date | None, settings: rules.CampaignRules, now: datetime
) -> None:
    due = rules.due_reminders(deadline, settings, [7, 1], now)
    assert (due.send, due.slots) == (None, {7: "skipped", 1: "skipped"})


def test_a_reminder_awaits_the_block_members_or_every_unit_before_blocks_exist() -> None:
    members, known = ["phong-b", "phong-a", "van-phong-so"], ["phong-a", "phong-b", "phong-c", "van-phong-so"]
    assert rules.awaiting_registration(members, known, settled=["van-phong-so"]) == ["phong-a", "phong-b"]
    assert rules.awaiting_registration([], known, settled=["phong-a"]) == ["phong-b", "phong-c", "van-phong-so"]
    assert rules.awaiting_registration(members, known, settled=members) == []


def test_rule_settings_are_checked() -> None:
    checked = rules.check_rules(["vote-opened"], [1, 14, 7])
    assert checked.offsets_days == (14, 7, 1) and not checked.enabled("vote-opened")
    with pytest.raises(UnknownRule):
        rules.check_rules(["no-such-rule"], [7])
    with pytest.raises(InvalidReminderOffsets):
        rules.check_rules([], [7, 7])
    with pytest.raises(InvalidReminderOffsets):
        rules.check_rules([], [-1])


def test_notice_id_is_stable_and_distinct_per_rule_trigger_recipient_and_channel() -> None:
    one = notice_id("award-decided", "ev-1", "phong-a", "email")
    assert one == notice_id("award-decided", "ev-1", "phong-a", "email")
    others = {
        notice_id("award-decided", "ev-2", "phong-a", "email"),
        notice_id("award-decided", "ev-1", "phong-b", "email"),
        notice_id("award-decided", "ev-1", "phong-a", "nats"),
        notice_id("vote-result", "ev-1", "phong-a", "email"),
    }
    assert one not in others and len(others) == 4


def test_reminder_goes_to_each_unregistered_unit_on_email_and_nats() -> None:
    facts = FakeFacts()
    due = rules.reminder_due_at(CAMPAIGN.registration_deadline, 7)
    notices = reminder_notices(CAMPAIGN, 7, [facts.unit("phong-a"), facts.unit("phong-b")], facts, due)
    assert [(n.unit_id, n.channel, n.recipient) for n in notices] == [
        ("phong-a", "email", "a@stp.example"),
        ("phong-a", "nats", "emulation.notifications.phong-a"),
        ("phong-b", "nats", "emulation.notifications.phong-b"),  # no e-mail address known
    ]
    assert all(n.scheduled and n.due_at == due and n.trigger_event_id == "ev-launch#d-7" for n in notices)
    again = reminder_notices(CAMPAIGN, 7, [facts.unit("phong-a"), facts.unit("phong-b")], facts, due)
    assert [n.notification_id for n in again] == [n.notification_id for n in notices]


def test_late_registration_goes_to_the_secretariat_and_an_on_time_one_to_nobody() -> None:
    late = decide(
        trigger("emulation_registered", unit_id="phong-a", registered_at="2022-01-25T02:00:00+00:00", late=True),
        FakeFacts(),
    )
    assert {(n.rule, n.unit_id, n.channel) for n in late} == {
        ("late-registration", "van-phong-so", "email"),
        ("late-registration", "van-phong-so", "nats"),
    }
    assert "Phòng A" in late[0].body and "25/01/2022" in late[0].body and "20/01/2022" in late[0].body
    on_time = trigger("emulation_registered", unit_id="phong-a", registered_at="2022-01-10T02:00:00+00:00", late=False)
    assert decide(on_time, FakeFacts()) == []


def test_late_report_goes_to_the_secretariat() -> None:
    event = trigger(
        "achievement_reported", unit_id="phong-b", achievement_id="bc-1", description="Báo cáo quý IV", late=True
    )
    assert {n.unit_id for n in decide(event, FakeFacts())} == {"van-phong-so"}
    assert (
        decide(trigger("achievement_reported", unit_id="phong-b", achievement_id="bc-1", description="x"), FakeFacts())
        == []
    )


def test_vote_opened_goes_to_every_block_member_and_eligible_voter() -> None:
    event = trigger(
        "vote_round_opened", block_id="khoi-1", round_id="v1", candidates=["phong-a"], eligible_voters=["phong-c"]
    )
    notices = decide(event, FakeFacts())
    assert sorted({n.unit_id for n in notices}) == ["phong-a", "phong-b", "phong-c"]
    assert notices[0].subject == "Mở vòng bỏ phiếu bầu đơn vị dẫn đầu Khối các Phòng Chuyên môn Sở"


CLOSED = {
    "block_id": "khoi-1",
    "round_id": "v1",
    "tally": {"phong-a": 5, "phong-b": 2},
    "ballots": [{"ballot": "ab" * 32, "candidate_unit_id": "phong-a"}],
    "voters": 7,
    "rejected": 0,
    "eligible": 8,
    "quorum_met": True,
    "min_voters": 3,
    "outcome": "elected",
    "reason": "phong-a has 5 of 8 votes, more than 50%",
    "winner": "phong-a",
}


def test_vote_result_names_the_elected_unit_and_carries_no_ballot() -> None:
    notices = decide(trigger("vote_round_closed", **CLOSED), FakeFacts())
    first = notices[0]
    assert "Kết quả: Phòng A được bầu là đơn vị dẫn đầu." in first.body
    assert "Số phiếu: Phòng A: 5; Phòng B: 2" in first.body
    assert all("ballots" not in n.data and n.data["tally"] == CLOSED["tally"] for n in notices)
    assert {n.unit_id for n in notices} == {"phong-a", "phong-b"}  # the block's members


def test_a_round_without_enough_voters_says_no_tally() -> None:
    failed = {**CLOSED, "tally": None, "ballots": [], "voters": 2, "outcome": "failed", "winner": None}
    [first, *_] = decide(trigger("vote_round_closed", **failed), FakeFacts())
    assert "Kết quả: vòng bỏ phiếu không thành." in first.body and "Số phiếu: không công bố" in first.body
    assert first.data["tally"] is None and "ballots" not in first.data


def test_award_and_rejection_go_to_the_unit_concerned() -> None:
    award = trigger(
        "award_decided",
        proposal_id="p1",
        award="tap-the-lao-dong-xuat-sac",
        unit_id="phong-b",
        approved=False,
        votes_for=2,
        votes_against=6,
        members_present=8,
        members_total=9,
        reason="Chưa đủ tiêu chuẩn.",
    )
    notices = decide(award, FakeFacts())
    assert {n.unit_id for n in notices} == {"phong-b"}
    assert "không chấp thuận đề nghị khen thưởng «Tập thể Lao động xuất sắc»" in notices[0].body
    rejected = trigger("achievement_rejected", achievement_id="sk-1", unit_id="phong-a", reason="Thiếu minh chứng.")
    assert all("Lý do: Thiếu minh chứng." in n.body for n in decide(rejected, FakeFacts()))


def test_a_rule_switched_off_for_the_campaign_decides_nothing() -> None:
    rejected = trigger("achievement_rejected", achievement_id="sk-1", unit_id="phong-a", reason="Thiếu minh chứng.")
    assert decide(rejected, FakeFacts(disabled=frozenset({"achievement-rejected"}))) == []


def test_webhook_subscriptions_filter_by_rule_event_type_and_unit() -> None:
    subs = [
        Subscriber("all"),
        Subscriber("by-rule", ("achievement-rejected",)),
        Subscriber("by-event", ("achievement_rejected",)),
        Subscriber("other-rule", ("vote-opened",)),
        Subscriber("other-unit", (), "phong-b"),
    ]
    rejected = trigger("achievement_rejected", achievement_id="sk-1", unit_id="phong-a", reason="Thiếu minh chứng.")
    hooks = [n for n in decide(rejected, FakeFacts(subs=subs)) if n.channel == "webhook"]
    assert [n.subscription_id for n in hooks] == ["all", "by-rule", "by-event"]
    assert len({n.notification_id for n in hooks}) == 3


def test_a_city_system_subscribes_to_any_notices_a_unit_only_to_its_own() -> None:
    assert rules.own_subscription("system:hr", None).passed
    assert rules.own_subscription("system:hr", "phong-b").passed
    own = rules.own_subscription("phong-a", "phong-a")
    assert (own.rule, own.passed, own.reason) == (
        "own-subscription",
        True,
        "phong-a may subscribe to the notices of phong-a",
    )
    assert rules.own_subscription("phong-a", "phong-b").reason == "phong-a may not subscribe to the notices of phong-b"
    every = rules.own_subscription("phong-a", None)
    assert not every.passed and every.reason == "phong-a may not subscribe to every unit's notices"


def test_a_city_system_or_the_campaign_secretariat_sets_its_notification_rules() -> None:
    assert rules.configures_notifications("system:portal", "2022", None).passed
    assert rules.configures_notifications("van-phong-so", "2022", "van-phong-so").passed
    bad = rules.configures_notifications("phong-a", "2022", "van-phong-so")
    assert (bad.rule, bad.passed) == ("configures-notifications", False)
    assert bad.reason == "phong-a may not set the notification rules of campaign '2022' (its secretariat: van-phong-so)"
    unknown = rules.configures_notifications("van-phong-so", "2023", None)
    assert not unknown.passed and unknown.reason.endswith("(its secretariat: not yet known)")
