"""Every evaluation rule passes and fails, each time with the reason it gives."""

from __future__ import annotations

from datetime import date

import pytest

from services.evaluation.domain import adhoc, rules
from services.evaluation.domain.policy import CO_THI_DUA, CSTD_TP, CSTDCS, LDTT, TT_TIEN_TIEN, TT_XUAT_SAC, Policy
from services.evaluation.domain.rules import AwardFacts, check_award

pytestmark = pytest.mark.unit


def test_vote_quorum_two_thirds() -> None:
    ok = rules.vote_quorum(6, 9, 2 / 3)
    assert ok.passed and ok.rule == "vote-quorum"
    assert ok.reason == "6 of 9 eligible units voted; quorum 66.67% met"
    bad = rules.vote_quorum(5, 9, 2 / 3)
    assert not bad.passed
    assert bad.reason == "5 of 9 eligible units voted; quorum 66.67% not met"


def test_vote_share_needs_more_than_half_of_eligible() -> None:
    winner, ok = rules.vote_share({"a": 5, "b": 3}, 9, 0.5)
    assert winner == "a" and ok.passed
    assert ok.reason == "a has 5 of 9 votes, more than 50%"
    winner, bad = rules.vote_share({"a": 4, "b": 3, "c": 1}, 8, 0.5)
    assert winner is None and not bad.passed
    assert bad.reason == "a has 4 of 8 votes, not more than 50%"


def test_vote_share_tie_has_no_winner() -> None:
    winner, bad = rules.vote_share({"a": 4, "b": 4}, 8, 0.5)
    assert winner is None
    assert bad.reason == "tie at 4 votes between a, b"
    _, none = rules.vote_share({"a": 0}, 3, 0.5)
    assert none.reason == "no candidate received a vote"


def test_runoff_candidates_are_the_leaders() -> None:
    assert rules.runoff_candidates({"a": 3, "b": 3, "c": 1}) == ["a", "b"]
    assert rules.runoff_candidates({"a": 4, "b": 2, "c": 2, "d": 0}) == ["a", "b", "c"]
    assert rules.runoff_candidates({"a": 0}) == []


def test_acts_for_council() -> None:
    assert rules.acts_for_council("council:chair", "van-phong-so").passed
    assert rules.acts_for_council("van-phong-so", "van-phong-so").passed
    bad = rules.acts_for_council("thanh-tra-so", "van-phong-so")
    assert not bad.passed
    assert bad.reason == "thanh-tra-so does not act for the council or its secretariat"


def test_conducts_block_vote_council_or_block_leader() -> None:
    assert rules.conducts_block_vote("thanh-tra-so", "van-phong-so", "thanh-tra-so").passed
    assert rules.conducts_block_vote("council", "van-phong-so", None).passed
    bad = rules.conducts_block_vote("phong-pbgdpl", "van-phong-so", "thanh-tra-so")
    assert not bad.passed
    assert bad.reason == "phong-pbgdpl may not conduct this block's vote (leader: thanh-tra-so)"


def test_own_ballot() -> None:
    assert rules.own_ballot("a", "a").reason == "a casts its own ballot"
    bad = rules.own_ballot("a", "b")
    assert not bad.passed and bad.reason == "a may not cast the ballot of b"


def test_council_quorum() -> None:
    assert rules.council_quorum(6, 9, 2 / 3).passed
    bad = rules.council_quorum(5, 9, 2 / 3)
    assert not bad.passed
    assert bad.reason == "5 of 9 council members present; quorum 66.67% not met"


def test_council_threshold_counts_all_members() -> None:
    ok = rules.council_threshold(7, 9, 0.7)
    assert ok.passed and ok.reason == "7 of 9 council members voted for; reaches 70%"
    bad = rules.council_threshold(6, 9, 0.7)  # 6 of 7 present is 86%, but 6 of 9 members is 67%
    assert not bad.passed and bad.reason == "6 of 9 council members voted for; falls short of 70%"


def test_not_disciplined() -> None:
    assert rules.not_disciplined("none", 0).reason == "nobody disciplined at reprimand level or above"
    person = rules.not_disciplined("khien-trach", 0)
    assert not person.passed and person.reason == "disciplined (khien-trach), reprimand level or above"
    unit = rules.not_disciplined("none", 2)
    assert not unit.passed and unit.reason == "2 member(s) disciplined at reprimand level or above"


def test_block_leader() -> None:
    assert rules.block_leader("a", "a").reason == "a was elected leader of its block"
    bad = rules.block_leader("a", "b")
    assert not bad.passed and bad.reason == "a is not its block's elected leader (the leader elected is b)"
    assert rules.block_leader("a", None).reason == "a is not its block's elected leader (no leader has been elected)"


def test_holds_title() -> None:
    ok = rules.holds_title(LDTT, [LDTT])
    assert ok.passed and ok.rule == "holds-lao-dong-tien-tien" and ok.reason == "holds Lao động tiên tiến this year"
    bad = rules.holds_title(CSTDCS, [LDTT])
    assert not bad.passed and bad.reason == "does not hold Chiến sĩ thi đua cơ sở this year"


def test_recognised_initiative() -> None:
    assert rules.recognised_initiative("SK-01").reason == "recognised initiative (sáng kiến): SK-01"
    bad = rules.recognised_initiative(None)
    assert not bad.passed and bad.reason == "no recognised initiative (sáng kiến)"


def test_cstdcs_quota_fifteen_percent() -> None:
    ok = rules.cstdcs_quota(1, 7, 0.15)
    assert ok.passed and ok.reason == "1 Chiến sĩ thi đua cơ sở within 15% of 7 Lao động tiên tiến (1.05)"
    bad = rules.cstdcs_quota(1, 6, 0.15)
    assert not bad.passed and bad.reason == "1 Chiến sĩ thi đua cơ sở exceeds 15% of 6 Lao động tiên tiến (0.9)"


def test_all_members_complete_tasks() -> None:
    assert rules.all_members_complete_tasks(10, 10).reason == "10 of 10 members completed their tasks"
    bad = rules.all_members_complete_tasks(10, 9)
    assert not bad.passed and bad.reason == "9 of 10 members completed their tasks"
    assert rules.all_members_complete_tasks(None, 3).reason == "member count or task completion unknown"


def test_ldtt_share_at_least_seventy_percent() -> None:
    ok = rules.ldtt_share_at_least(7, 10, 0.7)
    assert ok.passed and ok.reason == "7 of 10 members Lao động tiên tiến, at least 70%"
    bad = rules.ldtt_share_at_least(6, 10, 0.7)
    assert not bad.passed and bad.reason == "6 of 10 members Lao động tiên tiến, below 70%"


def test_ldtt_majority_more_than_half() -> None:
    ok = rules.ldtt_majority(6, 10, 0.5)
    assert ok.passed and ok.reason == "6 of 10 members Lao động tiên tiến, more than 50%"
    bad = rules.ldtt_majority(5, 10, 0.5)
    assert not bad.passed and bad.reason == "5 of 10 members Lao động tiên tiến, not more than 50%"
    assert rules.ldtt_majority(5, None, 0.5).reason == "member count unknown"


def test_has_cstdcs() -> None:
    assert rules.has_cstdcs(1).passed
    bad = rules.has_cstdcs(0)
    assert not bad.passed and bad.reason == "0 Chiến sĩ thi đua cơ sở approved in the unit"


def failing(results: list[rules.RuleResult]) -> dict[str, str]:
    return {r.rule: r.reason for r in results if not r.passed}


def test_award_rule_sets_report_every_failing_rule() -> None:
    p = Policy()
    cstdcs = check_award(CSTDCS, AwardFacts(unit_id="u", person="A", discipline="canh-cao", ldtt_count=3), p)
    assert [r.rule for r in cstdcs] == [
        "not-disciplined",
        "holds-lao-dong-tien-tien",
        "recognised-initiative",
        "cstdcs-quota",
    ]
    assert set(failing(cstdcs)) == {
        "not-disciplined",
        "holds-lao-dong-tien-tien",
        "recognised-initiative",
        "cstdcs-quota",
    }
    good = AwardFacts(unit_id="u", person="A", person_titles=[LDTT], initiative="SK", ldtt_count=7)
    assert failing(check_award(CSTDCS, good, p)) == {}
    assert failing(check_award(CO_THI_DUA, AwardFacts(unit_id="u", elected_leader="u"), p)) == {}
    xs = AwardFacts(unit_id="u", members=10, members_completing_tasks=10, ldtt_count=7, cstdcs_count=1)
    assert failing(check_award(TT_XUAT_SAC, xs, p)) == {}
    assert set(failing(check_award(TT_XUAT_SAC, AwardFacts(unit_id="u", members=10, ldtt_count=6), p))) == {
        "all-members-complete-tasks",
        "ldtt-share",
        "has-chien-si-thi-dua-co-so",
    }
    assert failing(check_award(TT_TIEN_TIEN, AwardFacts(unit_id="u", members=10, ldtt_count=6), p)) == {}


def test_policy_parameters_change_the_outcome() -> None:
    facts = AwardFacts(unit_id="u", person="A", person_titles=[LDTT], initiative="SK", ldtt_count=5)
    assert "cstdcs-quota" in failing(check_award(CSTDCS, facts, Policy()))
    assert failing(check_award(CSTDCS, facts, Policy(cstdcs_quota=0.2))) == {}


def test_recorded_measures_fail_naming_the_decision_and_flag_a_false_declaration() -> None:
    from datetime import date

    from services.evaluation.domain.discipline import RecordedMeasure
    from services.evaluation.domain.rules import discipline_declared, no_recorded_measure, recorded_discipline

    m = RecordedMeasure("12/QĐ-STP", "Trần Văn Minh", "khien-trach", date(2022, 7, 15))
    assert no_recorded_measure([]).passed and recorded_discipline("none", []) == []
    failed = no_recorded_measure([m])
    assert not failed.passed and "decision 12/QĐ-STP (khien-trach, Trần Văn Minh, 2022-07-15)" in failed.reason
    assert not discipline_declared("none", [m]).passed and "12/QĐ-STP" in discipline_declared("none", [m]).reason
    assert discipline_declared("khien-trach", [m]).passed and discipline_declared("none", []).passed
    assert [r.rule for r in recorded_discipline("none", [m])] == ["no-recorded-measure", "discipline-declared"]


# ---- several years, ad-hoc awards ----------------------------------------------------------------


def test_three_consecutive_years_of_cstdcs_pass() -> None:
    ok = rules.consecutive_years(CSTDCS, {2020, 2021, 2022}, 2022, 3)
    assert ok.passed and ok.rule == "consecutive-chien-si-thi-dua-co-so"
    assert ok.reason == "holds Chiến sĩ thi đua cơ sở in each of 3 consecutive years 2020–2022"
    assert rules.consecutive_years(CSTDCS, {2018, 2020, 2021, 2022}, 2022, 3).passed  # an earlier gap is no gap


def test_a_gap_fails_naming_the_missing_years() -> None:
    gap = rules.consecutive_years(CSTDCS, {2020, 2022}, 2022, 3)
    assert not gap.passed
    assert gap.reason == "Chiến sĩ thi đua cơ sở needed in each of 3 consecutive years 2020–2022; missing 2021"
    none_this_year = rules.consecutive_years(CSTDCS, {2019, 2020, 2021}, 2022, 3)
    assert none_this_year.reason.endswith("; missing 2022")
    assert rules.consecutive_years(CSTDCS, set(), 2022, 2).reason.endswith("years 2021–2022; missing 2021, 2022")
    assert rules.consecutive_years(CSTDCS, {2022}, None, 3).reason == (
        "the campaign has no year to count Chiến sĩ thi đua cơ sở back from"
    )


def test_city_emulation_fighter_counts_the_years_the_policy_names() -> None:
    facts = AwardFacts(unit_id="u", person="A", year=2022, years_held={CSTDCS: frozenset({2021, 2022})})
    three = check_award(CSTD_TP, facts, Policy())
    assert [(r.rule, r.passed) for r in three] == [
        ("not-disciplined", True),
        ("consecutive-chien-si-thi-dua-co-so", False),
    ]
    assert three[1].reason.endswith("years 2020–2022; missing 2020")
    two = check_award(CSTD_TP, facts, Policy(cstdcs_consecutive_years=2))
    assert all(r.passed for r in two)
    assert two[1].reason == "holds Chiến sĩ thi đua cơ sở in each of 2 consecutive years 2021–2022"


def test_rules_over_other_systems_and_earlier_years_are_checked_again() -> None:
    assert rules.rechecked("consecutive-chien-si-thi-dua-co-so")
    assert rules.rechecked("no-recorded-measure") and rules.rechecked("discipline-declared")
    assert not rules.rechecked("holds-lao-dong-tien-tien") and not rules.rechecked("achieved-in-period")


def test_adhoc_achievement_in_the_period_done_and_evidenced() -> None:
    start, end = date(2022, 1, 1), date(2022, 12, 31)
    ok = adhoc.achieved_in_period(date(2022, 6, 15), start, end)
    assert ok.passed and ok.reason == "achieved on 2022-06-15, within the campaign's period 2022-01-01–2022-12-31"
    bad = adhoc.achieved_in_period(date(2021, 12, 30), start, end)
    assert not bad.passed and bad.reason == (
        "achieved on 2021-12-30, outside the campaign's period 2022-01-01–2022-12-31"
    )
    assert not adhoc.achieved_in_period(date(2022, 6, 15), None, end).passed
    assert adhoc.achieved_by_today(date(2022, 6, 15), date(2022, 6, 15)).passed
    future = adhoc.achieved_by_today(date(2022, 7, 1), date(2022, 6, 20))
    assert not future.passed and future.reason == "achieved on 2022-07-01, after today (2022-06-20)"
    assert adhoc.evidence_named("CV-118/CA").reason == "evidence: CV-118/CA"
    missing = adhoc.evidence_named(None)
    assert not missing.passed and missing.reason == "no evidence of the achievement named"


def test_an_adhoc_proposal_is_checked_by_its_own_rules() -> None:
    achievement = adhoc.Exceptional("Cứu người đuối nước", date(2022, 6, 15), "Thư cảm ơn số 12")
    facts = AwardFacts(
        unit_id="u", person="A", achievement=achievement, period_start=date(2022, 1, 1),
        period_end=date(2022, 12, 31), today=date(2022, 6, 20), discipline="khien-trach",
    )  # fmt: skip
    results = check_award("giay-khen-giam-doc-so", facts, Policy())
    assert [(r.rule, r.passed) for r in results] == [
        ("not-disciplined", False),
        ("achieved-in-period", True),
        ("achieved-by-today", True),
        ("evidence-named", True),
    ]
    # the year-end review's rules do not apply to an ad-hoc proposal (were it for a title, it would be refused)
    assert "recognised-initiative" not in {r.rule for r in check_award(CSTDCS, facts, Policy())}
