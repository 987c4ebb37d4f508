"""Who may act on the registry: each rule passes and fails with its reason; each command refuses the wrong actor."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from emulation.demo import commands, load_scenario
from services.registry.adapters.wire import WIRE
from services.registry.application import RegistryApplication
from services.registry.domain import rules
from services.registry.domain.department import Department
from shared.infra.clock import Clock
from tests.unit.test_registry_application import B1, B2, PLEDGE, STAFF, Registry

pytestmark = pytest.mark.unit
C = "2022"


def test_administers_campaign_is_its_secretariat_or_a_city_system() -> None:
    ok = rules.administers_campaign("van-phong-so", C, "van-phong-so")
    assert ok.passed and ok.rule == "administers-campaign"
    assert ok.reason == "van-phong-so administers campaign '2022' (its secretariat: van-phong-so)"
    assert rules.administers_campaign("system:portal", C, "van-phong-so").passed
    bad = rules.administers_campaign("phong-a", C, "van-phong-so")
    assert not bad.passed
    assert bad.reason == "phong-a does not administer campaign '2022' (its secretariat: van-phong-so)"
    assert not rules.administers_campaign("system:", C, "van-phong-so").passed  # no system name
    assert not rules.administers_campaign("council", C, "van-phong-so").passed


def test_department_office_is_an_office_or_a_city_system() -> None:
    assert rules.department_office("van-phong-so", ["van-phong-so"]).passed
    assert rules.department_office("system:hr", []).passed
    bad = rules.department_office("phong-a", ["van-phong-so"])
    assert (bad.rule, bad.passed) == ("department-office", False)
    assert bad.reason == "phong-a is not the Department Office or a city system"


def test_the_first_campaign_is_launched_by_its_secretariat_later_ones_by_the_office() -> None:
    first = rules.launches_campaign("van-phong-so", "van-phong-so", [])
    assert first.passed and first.reason == "van-phong-so launches the Department's first campaign as its secretariat"
    assert not rules.launches_campaign("phong-a", "van-phong-so", []).passed
    assert rules.launches_campaign("van-phong-so", "thanh-tra-so", ["van-phong-so"]).passed
    assert rules.launches_campaign("system:hr", "van-phong-so", ["van-phong-so"]).passed
    squat = rules.launches_campaign("phong-a", "phong-a", ["van-phong-so"])
    assert not squat.passed
    assert squat.reason == "phong-a may not launch a campaign: phong-a is not the Department Office or a city system"


def test_acts_for_unit_is_the_unit_its_secretariat_or_a_city_system() -> None:
    for actor in ("phong-a", "van-phong-so", "system:portal"):
        assert rules.acts_for_unit(actor, "phong-a", "van-phong-so").passed
    bad = rules.acts_for_unit("phong-b", "phong-a", "van-phong-so")
    assert (bad.rule, bad.passed, bad.reason) == (
        "acts-for-unit",
        False,
        "phong-b may not act for unit phong-a in this campaign",
    )


def test_renames_unit_is_the_unit_the_office_or_a_city_system() -> None:
    for actor in ("phong-a", "van-phong-so", "system:portal"):
        assert rules.renames_unit(actor, "phong-a", ["van-phong-so"]).passed
    bad = rules.renames_unit("phong-b", "phong-a", ["van-phong-so"])
    assert (bad.rule, bad.passed, bad.reason) == ("renames-unit", False, "phong-b may not rename unit phong-a")


# ---- the commands ---------------------------------------------------------------------------------


@pytest.fixture
def registry() -> Registry:
    """The demo campaign, loaded as the demo sends it: by the Department Office (van-phong-so)."""
    r = Registry(Clock())
    for command, body in commands(load_scenario()):
        r.send(command, **body)
    return r


UNIT = "phong-cong-chung-so-1"
"""A unit of block B2, neither leader nor secretariat: what a city system granted only this unit may act as."""
OTHER = "phong-cong-chung-so-2"
REVIEW = {"campaign_id": C, "review": "mid_year"}


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("withdraw_unit", {"campaign_id": C, "unit_id": OTHER}),
        ("withdraw_unit", {"campaign_id": C, "unit_id": UNIT}),
        ("rename_unit", {"unit_id": OTHER, "name": "Bị đổi tên"}),
        ("close_campaign", {"campaign_id": C}),
        ("amend_campaign", {"campaign_id": C, "secretariat_unit_id": UNIT}),
        ("define_block", {"campaign_id": C, "block_id": "khoi-rieng", "name": "Khối riêng"}),
        ("designate_block_leader", {"campaign_id": C, "block_id": B2, "leader_unit_id": UNIT}),
        ("assign_unit_to_block", {"campaign_id": C, "block_id": B1, "unit_id": UNIT, "move": True}),
        ("register_unit", {"unit_id": "don-vi-gia", "name": "Đơn vị giả", "kind": "affiliated", "email": "x@evil.example"}),
        ("launch_campaign", {**load_scenario()["campaign"], "campaign_id": "2023", "secretariat_unit_id": UNIT}),
        ("register_emulation", {**PLEDGE, "unit_id": OTHER, "staff": STAFF}),
        ("schedule_review", {"campaign_id": C, "review": "mid_year", "due_on": "2022-06-30"}),
        ("submit_review", {**REVIEW, "unit_id": OTHER, "collective": {"target": "giay-khen", "status": "on_track"}, "staff": []}),
        ("assess_review", {**REVIEW, "unit_id": UNIT, "collective": {"assessment": "excellent"}, "staff": []}),
    ],
)  # fmt: skip
def test_a_unit_acts_on_nothing_but_itself(registry: Registry, command: str, body: dict[str, Any]) -> None:
    assert registry.refused(command, actor=UNIT, **body) == ("not_allowed", "actor")


def test_a_unit_renames_itself_and_registers_its_own_pledge(registry: Registry) -> None:
    assert registry.send("rename_unit", actor=UNIT, unit_id=UNIT, name="Phòng Công chứng số 1 (mới)") == [
        "unit_renamed"
    ]
    own = {**PLEDGE, "unit_id": UNIT, "staff": STAFF}
    assert registry.send("register_emulation", actor=UNIT, **own) == ["emulation_registered"]
    assert registry.send("amend_emulation_registration", actor=UNIT, **own | {"staff": []}) == [
        "emulation_registration_amended"
    ]


def test_the_refusal_names_the_rule_reason(registry: Registry) -> None:
    from services.registry.domain.errors import NotAllowed

    with pytest.raises(NotAllowed) as info:
        registry.send("withdraw_unit", actor=UNIT, campaign_id=C, unit_id=OTHER)
    assert info.value.message == f"{UNIT} does not administer campaign '2022' (its secretariat: van-phong-so)"


def test_a_city_system_in_its_own_name_administers(registry: Registry) -> None:
    assert registry.send("withdraw_unit", actor="system:portal", campaign_id=C, unit_id=OTHER) == ["unit_withdrawn"]
    assert registry.send("rename_unit", actor="system:portal", unit_id=UNIT, name="Tên mới") == ["unit_renamed"]


def offices(app: RegistryApplication) -> list[str]:
    """The Department's Offices as stored."""
    department: Department = app.repository.get(Department.create_id())
    return department.offices


def test_a_new_secretariat_becomes_an_office(registry: Registry) -> None:
    assert registry.refused("register_unit", actor="thanh-tra-so", unit_id="u1", name="U1", kind="affiliated") == (
        "not_allowed",
        "actor",
    )
    registry.send("amend_campaign", campaign_id=C, secretariat_unit_id="thanh-tra-so")
    assert offices(registry.app) == ["van-phong-so", "thanh-tra-so"]
    assert registry.send("register_unit", actor="thanh-tra-so", unit_id="u1", name="U1", kind="affiliated") == [
        "unit_registered"
    ]
    assert registry.refused("close_campaign", campaign_id=C) == ("not_allowed", "actor")  # no longer its secretariat


def test_before_the_first_campaign_only_city_systems_register_units() -> None:
    empty = Registry(Clock())
    unit = {"unit_id": "u1", "name": "U1", "kind": "affiliated"}
    assert empty.refused("register_unit", actor="van-phong-so", **unit) == ("not_allowed", "actor")
    assert empty.send("register_unit", actor="system:portal", **unit) == ["unit_registered"]


def test_an_older_store_names_the_secretariats_of_its_campaigns_offices_on_start(tmp_path: Path) -> None:
    """A store from before the Department was recorded: its campaigns' secretariats are the Offices, so the next
    launch is not taken for the Department's first (which anyone naming themselves secretariat could send)."""
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "registry.db")}
    app = RegistryApplication(WIRE, env=env)
    r = Registry.__new__(Registry)
    r.app = app
    r.send("launch_campaign", **load_scenario()["campaign"])
    r.send("amend_campaign", campaign_id=C, secretariat_unit_id="thanh-tra-so")
    app.close()
    with sqlite3.connect(tmp_path / "registry.db") as db:  # as if recorded before the Department existed
        db.execute("DELETE FROM stored_events WHERE originator_id = ?", (Department.create_id().hex,))
    r.app = app = RegistryApplication(WIRE, env=env)
    assert not app.exists(Department.create_id())
    app.record_earlier_offices()
    assert offices(app) == ["van-phong-so", "thanh-tra-so"]
    app.record_earlier_offices()  # once only
    squat = {**load_scenario()["campaign"], "campaign_id": "2023", "secretariat_unit_id": "phong-a"}
    assert r.refused("launch_campaign", actor="phong-a", **squat) == ("not_allowed", "actor")
    app.close()


def test_a_store_without_campaigns_is_searched_for_earlier_offices_once(tmp_path: Path) -> None:
    """The search reads the whole store: finding no campaign is recorded too (a Department with no Office), so a
    restart does not search a long history again; the next launch is still the Department's first."""
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "registry.db")}
    app = RegistryApplication(WIRE, env=env)
    app.record_earlier_offices()
    assert not app.exists(Department.create_id())  # an empty store: nothing searched, nothing recorded
    r = Registry.__new__(Registry)
    r.app = app
    assert r.send("register_unit", actor="system:portal", unit_id="u1", name="U1", kind="affiliated") == [
        "unit_registered"
    ]
    app.record_earlier_offices()
    assert offices(app) == []
    stored = app.recorder.max_notification_id()
    app.record_earlier_offices()  # found recorded: no search, nothing more
    assert app.recorder.max_notification_id() == stored
    assert r.refused("launch_campaign", actor="phong-a", **load_scenario()["campaign"]) == ("not_allowed", "actor")
    assert r.send("launch_campaign", **load_scenario()["campaign"])[0] == "campaign_launched"  # its secretariat
    assert offices(app) == ["van-phong-so"]
    app.close()
