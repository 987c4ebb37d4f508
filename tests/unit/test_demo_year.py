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
    assert COMMANDS[: len(list(demo.commands(demo.load_scenario())))] == [
        s for s in COMMANDS if s.at == STEPS[0].at
    ]  # the campaign's setup first, with the ids `demo.load` has always used


def test_two_of_2022s_registrations_are_late() -> None:
    pledges = [s for s in COMMANDS if s.name == "register_emulation" and s.body["campaign_id"] == "2022"]
    late = {s.body["unit_id"]: (s.at - deadline_end("2022")).days + 1 for s in pledges if s.at >= deadline_end("2022")}
    assert len(pledges) == 17 and late == {"phong-ql-xlvphc": 4, "phong-cong-chung-so-6": 7}  # by how many days


@pytest.mark.parametrize("campaign_id", ["2022", "2023"])
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
    assert proposals - decided == {barred[0].body["proposal_id"]}  # the council decides every other proposal


def test_the_scenario_text_is_nfc() -> None:
    for path in (demo_year.YEAR, demo_year.NEXT):
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
