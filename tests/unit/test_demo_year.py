"""The demo's year as data: valid commands in calendar order, ids that do not change, a calendar that yields the
outcome the demo promises (two late registrations, reminders decided the same way every run)."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from emulation import demo, demo_calendar, demo_year
from shared.events.catalog import COMMAND_TYPES

pytestmark = pytest.mark.unit
HCMC = timezone(timedelta(hours=7))
STEPS = demo_year.steps()
COMMANDS = [s for s in STEPS if s.name]


def deadline_end(campaign_id: str) -> datetime:
    deadline = next(s.body["registration_deadline"] for s in COMMANDS if s.name == "launch_campaign"
                    and s.body["campaign_id"] == campaign_id)  # fmt: skip
    return datetime.combine(date.fromisoformat(deadline) + timedelta(days=1), time(), HCMC)


def test_every_step_is_a_valid_command_of_the_contract() -> None:
    for step in COMMANDS:
        COMMAND_TYPES[step.name].model.model_validate(step.body)
    assert {s.system for s in STEPS if s.system} == {"personnel", "one-stop"}


def test_the_calendar_runs_forward_and_the_ids_stay_what_the_scenario_makes_them() -> None:
    assert [s.at for s in STEPS] == sorted(s.at for s in STEPS)
    ids = [s.body["command_id"] for s in COMMANDS]
    assert len(ids) == len(set(ids))
    assert ids == [s.body["command_id"] for s in demo_year.steps() if s.name]  # loading again: the same commands
    setup = [(name, body) for name, body in demo.commands(demo.load_scenario())]
    units = [(s.name, s.body) for s in COMMANDS if s.name == "register_unit"]
    assert units == [(n, b) for n, b in setup if n == "register_unit"]  # the ids `demo.load` has always used
    assert {s.at for s in COMMANDS if s.name == "register_unit"} == {STEPS[0].at}  # with the first campaign,
    assert COMMANDS[0].name == "launch_campaign" and COMMANDS[1].name == "register_unit"  # once it names the Office
    at_setup = [(s.name, s.body) for s in COMMANDS if s.at == datetime.fromisoformat("2021-12-29T09:00:00+07:00")]
    assert at_setup == [(n, b) for n, b in setup if n != "register_unit"]  # the 2022 campaign's setup, as before


def test_two_of_2022s_registrations_are_late() -> None:
    pledges = [s for s in COMMANDS if s.name == "register_emulation" and s.body["campaign_id"] == "2022"]
    late = {s.body["unit_id"]: (s.at - deadline_end("2022")).days + 1 for s in pledges if s.at >= deadline_end("2022")}
    assert len(pledges) == 17 and late == {"phong-ql-xlvphc": 4, "phong-cong-chung-so-6": 7}  # by how many days


@pytest.mark.parametrize("campaign_id", ["2020", "2021", "40-nam-so-tu-phap", "2022", "2023"])
def test_reminders_are_decided_the_same_way_every_run(campaign_id: str) -> None:
    """The notifier reminds the units not yet registered from 08:00 seven days before the deadline until the
    deadline day ends, once it looks. So the calendar either never stops in that window (2022: the window passes,
    nobody is reminded) or, once it has stopped there, changes nobody's registration or membership in that
    campaign (2023: the units not registered by then): which units are reminded never depends on when it looks."""
    start = deadline_end(campaign_id) - timedelta(days=8) + timedelta(hours=8)
    stops = [s for s in STEPS if start <= s.at < deadline_end(campaign_id)]
    changes = [s for s in COMMANDS if s.at >= start and s.body.get("campaign_id") == campaign_id
               and s.name in ("register_emulation", "assign_unit_to_block", "withdraw_unit")]  # fmt: skip
    assert not (stops and changes)
    assert bool(stops) == (campaign_id == "2023")


def test_the_measure_is_reported_before_the_proposal_it_bars() -> None:
    measure = next(s.at for s in STEPS if s.system == "personnel")
    barred = [s for s in COMMANDS if s.name == "propose_award" and s.body.get("person") == demo.MEASURE["person"]]
    assert [s.body["unit_id"] for s in barred] == [demo.MEASURE["unit_id"]]
    assert measure < barred[0].at
    proposals = {s.body["proposal_id"] for s in COMMANDS if s.name == "propose_award"}
    decided = {s.body["proposal_id"] for s in COMMANDS if s.name == "decide_award"}
    gap = "cstdtp-ttr-nguyen-thi-thu-ha"  # ineligible: no Chiến sĩ thi đua cơ sở in 2021
    assert proposals - decided == {barred[0].body["proposal_id"], gap}  # the council decides every other proposal


def approved_cstdcs(person: str) -> set[str]:
    """The campaigns in which the council decides a Chiến sĩ thi đua cơ sở proposal for `person` (all approve)."""
    proposed = {s.body["proposal_id"]: s.body["campaign_id"] for s in COMMANDS if s.name == "propose_award"
                and s.body["award"] == "chien-si-thi-dua-co-so" and s.body.get("person") == person}  # fmt: skip
    return {proposed[s.body["proposal_id"]] for s in COMMANDS if s.name == "decide_award"
            and s.body["proposal_id"] in proposed and s.body["votes_for"] >= 7}  # fmt: skip


def test_earlier_years_make_one_city_title_eligible_and_leave_a_gap_for_another() -> None:
    """Chiến sĩ thi đua cấp Thành phố in 2022 needs Chiến sĩ thi đua cơ sở in 2020, 2021 and 2022: one person has
    all three, decided before her 2022 proposal; the other misses 2021."""
    city = {s.body["person"]: s.at for s in COMMANDS if s.name == "propose_award"
            and s.body["award"] == "chien-si-thi-dua-thanh-pho"}  # fmt: skip
    assert approved_cstdcs("Nguyễn Thị Thanh Hương") == {"2020", "2021", "2022"}
    assert approved_cstdcs("Nguyễn Thị Thu Hà") == {"2020", "2022"}
    assert set(city) == {"Nguyễn Thị Thanh Hương", "Nguyễn Thị Thu Hà"}
    last = max(s.at for s in COMMANDS if s.name == "decide_award" and s.body["campaign_id"] == "2022"
               and s.body["proposal_id"].startswith("cstdcs-"))  # fmt: skip
    assert all(at > last for at in city.values())
    kinds = {s.body["campaign_id"]: (s.body["kind"], s.body["year"]) for s in COMMANDS if s.name == "launch_campaign"}
    assert kinds == {"2020": ("yearly", 2020), "2021": ("yearly", 2021), "2022": ("yearly", 2022),
                     "40-nam-so-tu-phap": ("thematic", 2022), "2023": ("yearly", 2023)}  # fmt: skip


def test_each_campaign_takes_its_commands_while_open() -> None:
    """Every command naming a campaign is sent between its launch and its close (the 2023 one stays open)."""
    launched = {s.body["campaign_id"]: s.at for s in COMMANDS if s.name == "launch_campaign"}
    closed = {s.body["campaign_id"]: s.at for s in COMMANDS if s.name == "close_campaign"}
    assert set(closed) == set(launched) - {"2023"}
    for s in COMMANDS:
        if (cid := s.body.get("campaign_id")) and s.name != "close_campaign":
            assert launched[cid] <= s.at < closed.get(cid, datetime.max.replace(tzinfo=HCMC)), (s.name, s.body)


def test_a_model_ends_at_each_stage() -> None:
    """The exemplary models end one at each stage: identified, nurtured (a plan, two support actions), summed up,
    spread (to two units, then further in 2023) and dropped, every stage after the one it follows."""
    order = ("identify", "nurture", "sum_up", "spread")
    stages: dict[str, list[str]] = {}
    for s in COMMANDS:
        if s.name.endswith("_exemplary_model"):
            stages.setdefault(s.body["model_id"], []).append(s.name.removesuffix("_exemplary_model"))
    last = {m: next(x for x in reversed(st) if x != "support") for m, st in stages.items()}
    assert sorted(last.values()) == sorted(["identify", "nurture", "sum_up", "spread", "drop"])
    for st in stages.values():
        main = [x for x in st if x in order]
        assert main == sorted(main, key=order.index) and main[0] == "identify"
    nurtured = next(m for m, x in last.items() if x == "nurture")
    assert stages[nurtured].count("support") == 2
    spread = [s for s in COMMANDS if s.name == "spread_exemplary_model"]
    assert len(spread[0].body["adopters"]) == 2 and {s.body["campaign_id"] for s in spread} == {"2022", "2023"}


def test_an_adhoc_award_is_decided_mid_year() -> None:
    adhoc = [s for s in COMMANDS if s.name == "propose_award" and "achievement" in s.body]
    assert len(adhoc) == 1 and adhoc[0].body["campaign_id"] == "2022"
    achieved = date.fromisoformat(adhoc[0].body["achievement"]["achieved_on"])
    assert achieved <= adhoc[0].at.date() and adhoc[0].at.month == 6  # done before it is proposed, mid-year
    assert any(s.name == "decide_award" and s.body["proposal_id"] == adhoc[0].body["proposal_id"]
               and s.at.month == 6 for s in COMMANDS)  # fmt: skip


def test_the_scenario_text_is_nfc() -> None:
    for path in (demo_year.YEAR, demo_year.NEXT, demo_year.EARLIER, demo_year.ANNIVERSARY):
        text = path.read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text), path
        json.loads(text)


def test_the_calendar_only_moves_forward(tmp_path: Path) -> None:
    calendar = demo_calendar.path(tmp_path)
    assert demo_calendar.today(calendar) is None
    first, later = datetime(2022, 1, 4, 9, tzinfo=HCMC), datetime(2022, 7, 15, 16, tzinfo=HCMC)
    assert demo_calendar.advance(calendar, later) == later
    assert demo_calendar.advance(calendar, first) == later  # a second load starts from the beginning: no move
    assert demo_calendar.today(calendar) == later


def test_the_reviews_have_a_late_and_a_missing_unit_and_remind_nobody_by_chance() -> None:
    """Mid-year: one unit late, one missing; year end: one late, none missing. The notifier reminds the units that
    have not submitted at 08:00 seven days and one day before a due date, until the due day ends, once it looks; the
    calendar never stops in those windows, so no reminder depends on when it looks."""
    due = {s.body["review"]: date.fromisoformat(s.body["due_on"]) for s in COMMANDS if s.name == "schedule_review"}
    assert set(due) == {"mid_year", "year_end"}
    units = {s.body["unit_id"] for s in COMMANDS if s.name == "register_emulation" and s.body["campaign_id"] == "2022"}
    for review, day in due.items():
        end = datetime.combine(day + timedelta(days=1), time(), HCMC)
        submitted = {
            s.body["unit_id"]: s.at for s in COMMANDS if s.name == "submit_review" and s.body["review"] == review
        }
        late = {u for u, at in submitted.items() if at >= end}
        assert (len(late), len(units - set(submitted))) == ((1, 1) if review == "mid_year" else (1, 0)), review
        assessed = {s.body["unit_id"] for s in COMMANDS if s.name == "assess_review" and s.body["review"] == review}
        assert assessed and assessed <= set(submitted)
        window = end - timedelta(days=8) + timedelta(hours=8)
        assert not [s for s in STEPS if window <= s.at < end], review
