"""Registry use cases on an in-memory store: each command's events, each refusal's code, nothing recorded on refusal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from emulation.demo import commands, load_scenario
from services.registry.adapters.wire import WIRE
from services.registry.application import RegistryApplication
from shared.domain.errors import DomainError
from shared.events.catalog import COMMAND_TYPES
from shared.infra.clock import Clock

pytestmark = pytest.mark.unit
C = "2022"


class Registry:
    """Sends commands by name with fresh command ids, like a NATS client would."""

    def __init__(self, clock: Clock) -> None:
        self.app = RegistryApplication(WIRE, env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)

    def send(self, command: str, /, **body: Any) -> list[str]:
        body.setdefault("command_id", str(uuid.uuid4()))
        cmd = COMMAND_TYPES[command].model.model_validate({"actor": "van-phong-so", **body})
        reply = self.app.submit(cmd).result()
        return [e.type.removesuffix(".v1") for e in reply.events]

    def refused(self, command: str, /, **body: Any) -> tuple[str, str | None]:
        before = self.app.recorder.max_notification_id()
        with pytest.raises(DomainError) as info:
            self.send(command, **body)
        assert self.app.recorder.max_notification_id() == before, "a refused command recorded something"
        return info.value.code, info.value.field


@pytest.fixture
def clock(tmp_path: Path) -> Clock:
    clock = Clock(tmp_path / "clock")
    clock.set(datetime(2022, 1, 10, 9, 0, tzinfo=UTC))
    return clock


@pytest.fixture
def registry(clock: Clock) -> Registry:
    """The demo campaign with its two blocks, 17 units and leaders, loaded through the use cases."""
    r = Registry(clock)
    for command, body in commands(load_scenario()):
        r.send(command, **body)
    return r


B1, B2 = "khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc"
STAFF = [{"person": "Nguyễn Văn A", "target_title": "lao-dong-tien-tien"}]


def test_demo_commands_replay_with_the_same_ids_record_nothing(registry: Registry) -> None:
    before = registry.app.recorder.max_notification_id()
    for command, body in commands(load_scenario()):
        registry.send(command, **body)
    assert registry.app.recorder.max_notification_id() == before


def test_every_command_replies_with_its_event(registry: Registry) -> None:
    assert registry.send("amend_campaign", campaign_id=C, theme="Chủ đề mới") == ["campaign_amended"]
    assert registry.send("define_block", campaign_id=C, block_id="khoi-3", name="Khối 3") == ["block_defined"]
    assert registry.send("register_unit", unit_id="u-moi", name="Đơn vị mới", kind="affiliated",
                         head="Trần Thị B", email="u@stp.gov.vn") == ["unit_registered"]  # fmt: skip
    assert registry.send("assign_unit_to_block", campaign_id=C, block_id="khoi-3", unit_id="u-moi") == [
        "unit_assigned_to_block"
    ]
    assert registry.send("designate_block_leader", campaign_id=C, block_id="khoi-3", leader_unit_id="u-moi") == [
        "block_leader_designated"
    ]
    assert registry.send("rename_unit", unit_id="u-moi", name="Đơn vị mới (đổi tên)") == ["unit_renamed"]
    assert registry.send(
        "assign_unit_to_block", campaign_id=C, block_id=B2, unit_id="phong-to-chuc-can-bo", move=True
    ) == ["unit_assigned_to_block"]
    assert registry.send("withdraw_unit", campaign_id=C, unit_id="phong-cong-chung-so-7") == ["unit_withdrawn"]
    pledge = {"campaign_id": C, "unit_id": "phong-cong-chung-so-2", "collective_target": "tap-the-lao-dong-xuat-sac"}
    assert registry.send("register_emulation", **pledge, staff=STAFF) == ["emulation_registered"]
    assert registry.send("amend_emulation_registration", **pledge, staff=[]) == ["emulation_registration_amended"]
    assert registry.send("close_campaign", campaign_id=C, reason="Tổng kết năm") == ["campaign_closed"]


PLEDGE = {"campaign_id": C, "unit_id": "phong-cong-chung-so-1", "collective_target": "tap-the-lao-dong-xuat-sac"}


@pytest.mark.parametrize(
    ("command", "body", "expected"),
    [
        ("amend_campaign", {"campaign_id": "2099", "title": "x"}, ("unknown_campaign", "campaign_id")),
        ("amend_campaign", {"campaign_id": C}, ("no_changes", None)),
        ("amend_campaign", {"campaign_id": C, "registration_deadline": "2023-01-05"}, ("date_out_of_period", "registration_deadline")),
        ("close_campaign", {"campaign_id": "2099"}, ("unknown_campaign", "campaign_id")),
        ("define_block", {"campaign_id": "2099", "block_id": "k", "name": "K"}, ("unknown_campaign", "campaign_id")),
        ("define_block", {"campaign_id": C, "block_id": B1, "name": "K"}, ("block_exists", "block_id")),
        ("designate_block_leader", {"campaign_id": C, "block_id": "khoi-x", "leader_unit_id": "van-phong-so"}, ("unknown_block", "block_id")),
        ("designate_block_leader", {"campaign_id": C, "block_id": B1, "leader_unit_id": "phong-cong-chung-so-1"}, ("unit_not_in_block", "leader_unit_id")),
        ("designate_block_leader", {"campaign_id": C, "block_id": B1, "leader_unit_id": "thanh-tra-so", "deputy_unit_id": "thanh-tra-so"}, ("leader_is_deputy", "deputy_unit_id")),
        ("register_unit", {"unit_id": "van-phong-so", "name": "Văn phòng", "kind": "department"}, ("unit_exists", "unit_id")),
        ("assign_unit_to_block", {"campaign_id": C, "block_id": B2, "unit_id": "thanh-tra-so"}, ("unit_already_in_block", "unit_id")),
        ("assign_unit_to_block", {"campaign_id": C, "block_id": B1, "unit_id": "thanh-tra-so"}, ("unit_already_in_block", "block_id")),
        ("assign_unit_to_block", {"campaign_id": C, "block_id": B1, "unit_id": "khong-co"}, ("unknown_unit", "unit_id")),
        ("assign_unit_to_block", {"campaign_id": C, "block_id": "khoi-x", "unit_id": "thanh-tra-so"}, ("unknown_block", "block_id")),
        ("assign_unit_to_block", {"campaign_id": C, "block_id": B2, "unit_id": "van-phong-so", "move": True}, ("unit_is_block_leader", "unit_id")),
        ("assign_unit_to_block", {"campaign_id": "2099", "block_id": B1, "unit_id": "thanh-tra-so"}, ("unknown_campaign", "campaign_id")),
        ("rename_unit", {"unit_id": "khong-co", "name": "X"}, ("unknown_unit", "unit_id")),
        ("rename_unit", {"unit_id": "van-phong-so", "name": "Văn phòng Sở"}, ("no_changes", "name")),
        ("withdraw_unit", {"campaign_id": C, "unit_id": "khong-co"}, ("unknown_unit", "unit_id")),
        ("withdraw_unit", {"campaign_id": C, "unit_id": "thanh-tra-so"}, ("unit_is_block_leader", "unit_id")),
        ("register_emulation", {**PLEDGE, "campaign_id": "2099", "staff": []}, ("unknown_campaign", "campaign_id")),
        ("register_emulation", {**PLEDGE, "unit_id": "khong-co", "staff": []}, ("unknown_unit", "unit_id")),
        ("amend_emulation_registration", {**PLEDGE, "staff": []}, ("unknown_registration", "unit_id")),
    ],
)  # fmt: skip
def test_refusals_have_their_code_and_record_nothing(
    registry: Registry, command: str, body: dict[str, Any], expected: tuple[str, str | None]
) -> None:
    assert registry.refused(command, **body) == expected


def test_a_unit_outside_the_campaign_cannot_register(registry: Registry) -> None:
    registry.send("register_unit", unit_id="don-vi-ngoai", name="Đơn vị ngoài", kind="affiliated")
    pledge = {**PLEDGE, "unit_id": "don-vi-ngoai", "staff": []}
    assert registry.refused("register_emulation", **pledge) == ("unit_not_in_campaign", "unit_id")


def test_registering_twice_is_refused(registry: Registry) -> None:
    registry.send("register_emulation", **PLEDGE, staff=STAFF)
    assert registry.refused("register_emulation", **PLEDGE, staff=STAFF) == ("registration_exists", "unit_id")


def test_late_registration_is_recorded_and_flagged_by_the_clock(registry: Registry, clock: Clock) -> None:
    registry.send("register_emulation", **PLEDGE, staff=STAFF)
    clock.set(datetime(2022, 1, 25, tzinfo=UTC))
    late = {**PLEDGE, "unit_id": "phong-cong-chung-so-2"}
    registry.send("register_emulation", **late, staff=STAFF)
    registry.send("amend_emulation_registration", **PLEDGE, staff=[])
    app = registry.app
    from services.registry.domain.registration import Registration

    on_time: Registration = app.repository.get(Registration.create_id(C, "phong-cong-chung-so-1"))
    flagged: Registration = app.repository.get(Registration.create_id(C, "phong-cong-chung-so-2"))
    assert (on_time.late, on_time.amendments, on_time.staff) == (False, 1, [])
    assert flagged.late is True
    assert flagged.registered_at == datetime(2022, 1, 25, tzinfo=UTC)


def test_nothing_changes_a_closed_campaign(registry: Registry) -> None:
    registry.send("close_campaign", campaign_id=C)
    closed = ("campaign_closed", "campaign_id")
    assert registry.refused("close_campaign", campaign_id=C) == closed
    assert registry.refused("amend_campaign", campaign_id=C, title="x") == closed
    assert registry.refused("define_block", campaign_id=C, block_id="k", name="K") == closed
    assert (
        registry.refused("designate_block_leader", campaign_id=C, block_id=B1, leader_unit_id="thanh-tra-so") == closed
    )
    assert (
        registry.refused("assign_unit_to_block", campaign_id=C, block_id=B2, unit_id="thanh-tra-so", move=True)
        == closed
    )
    assert registry.refused("withdraw_unit", campaign_id=C, unit_id="phong-cong-chung-so-7") == closed
    assert registry.refused("register_emulation", **PLEDGE, staff=STAFF) == closed
    assert registry.refused("amend_emulation_registration", **PLEDGE, staff=STAFF) == closed
