"""The registry over a real NATS server: every command, read back over HTTP; bad inputs record nothing."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from emulation.demo import LEADERS, commands, load_scenario
from shared.infra.clock import Clock
from tests.support.system import System, wait_for

pytestmark = pytest.mark.integration
C, B1, B2 = "2022", "khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc"
STAFF = [{"person": "Nguyễn Thị Hồng", "target_title": "chien-si-thi-dua-co-so"}]


async def ok(system: System, command: str, /, **body: Any) -> list[str]:
    reply = await system.send(command, {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **body})
    assert reply["ok"], (command, body, reply)
    return [e["type"] for e in reply["events"]]


async def load_demo(system: System) -> None:
    for command, body in commands(load_scenario()):
        reply = await system.send(command, body)
        assert reply["ok"], (command, reply)


def get_or_none(system: System, path: str, **params: Any) -> Any:
    with system.http() as http:
        r = http.get(path, params=params)
        return r.json() if r.status_code == 200 else None


async def test_every_command_over_nats_read_back_over_http(system: System, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(system.settings.data_dir / "clock")
    clock.set(datetime(2022, 1, 10, 9, 0, tzinfo=UTC))
    monkeypatch.setenv("EMULATION_CLOCK_FILE", str(clock.path))
    system.start("registry")
    system.start_api()
    await load_demo(system)

    blocks = await wait_for(
        lambda: (b := get_or_none(system, f"/v1/campaigns/{C}/blocks")) and b["blocks"][-1]["deputy"] and b
    )
    assert [b["block_id"] for b in blocks["blocks"]] == [B1, B2]
    assert [len(b["members"]) for b in blocks["blocks"]] == [8, 9]
    assert blocks["blocks"][0]["leader"] == {"unit_id": LEADERS[B1][0], "name": "Văn phòng Sở"}
    assert blocks["blocks"][1]["deputy"]["unit_id"] == LEADERS[B2][1]
    assert system.get(f"/v1/campaigns/{C}/blocks/{B2}")["name"] == "Khối các Đơn vị trực thuộc"

    found = system.get("/v1/units", q="cong chung so 1")
    assert [u["name"] for u in found] == ["Phòng Công chứng số 1"]
    assert len(system.get("/v1/units", q="Công chứng")) == 7
    assert len(system.get("/v1/units", q="cong chung")) == 7

    assert await ok(
        system, "amend_campaign", campaign_id=C, title="Phong trào thi đua yêu nước năm 2022 (sửa đổi)"
    ) == ["campaign_amended.v1"]
    assert await ok(system, "register_unit", unit_id="trung-tam-moi", name="Trung tâm Thừa phát lại",
                    kind="affiliated", head="Lê Văn C", email="ttpl@stp.gov.vn") == ["unit_registered.v1"]  # fmt: skip
    assert await ok(system, "define_block", campaign_id=C, block_id="khoi-3", name="Khối thứ ba") == [
        "block_defined.v1"
    ]
    await ok(system, "assign_unit_to_block", campaign_id=C, block_id="khoi-3", unit_id="trung-tam-moi")
    await ok(system, "designate_block_leader", campaign_id=C, block_id="khoi-3", leader_unit_id="trung-tam-moi")
    await ok(system, "rename_unit", unit_id="trung-tam-moi", name="Trung tâm Thừa phát lại số 1")
    await ok(
        system, "assign_unit_to_block", campaign_id=C, block_id="khoi-3", unit_id="phong-cong-chung-so-7", move=True
    )
    await ok(system, "withdraw_unit", campaign_id=C, unit_id="phong-cong-chung-so-7", reason="Chuyển đổi mô hình")
    pledge = {"campaign_id": C, "collective_target": "tap-the-lao-dong-xuat-sac", "staff": STAFF}
    assert await ok(system, "register_emulation", unit_id="van-phong-so", **pledge) == ["emulation_registered.v1"]
    await ok(system, "register_emulation", unit_id="phong-cong-chung-so-1", **pledge)
    clock.set(datetime(2022, 1, 21, 2, 0, tzinfo=UTC))  # 21 January in Ho Chi Minh City: past the deadline
    await ok(system, "register_emulation", unit_id="thanh-tra-so", **pledge)
    assert await ok(system, "amend_emulation_registration", unit_id="van-phong-so", **pledge | {"staff": []}) == [
        "emulation_registration_amended.v1"
    ]

    def registrations() -> Any:
        got = system.get(f"/v1/campaigns/{C}/registrations")["registrations"]
        return {r["unit_id"]: r for r in got} if any(r["amendments"] for r in got) else None

    regs = await wait_for(registrations)
    assert (regs["thanh-tra-so"]["late"], regs["van-phong-so"]["late"]) == (True, False)
    assert regs["van-phong-so"]["last_amendment_late"] is True and regs["van-phong-so"]["staff"] == []
    assert [r["unit_id"] for r in system.get(f"/v1/campaigns/{C}/registrations", late="true")["registrations"]] == [
        "thanh-tra-so"
    ]
    # the summary's members come from the blocks view, not the registrations one waited for: wait there for the last
    # membership change (the withdrawal from khoi-3, after the move out of B2)
    khoi_3 = f"/v1/campaigns/{C}/blocks/khoi-3"
    await wait_for(lambda: [m["unit_id"] for m in system.get(khoi_3)["members"]] == ["trung-tam-moi"])
    summary = {b["block_id"]: b for b in system.get(f"/v1/campaigns/{C}/registration-summary")["blocks"]}
    assert (summary[B1]["members"], summary[B1]["on_time"], summary[B1]["late"]) == (8, 1, 1)
    assert summary[B1]["on_time_share"] == 0.125
    assert (summary[B2]["members"], summary[B2]["on_time"]) == (8, 1)

    unit = await wait_for(lambda: (u := system.get("/v1/units/phong-cong-chung-so-7")) and len(u["history"]) == 4 and u)
    assert [h["event"] for h in unit["history"]] == [
        "unit_registered", "unit_assigned_to_block", "unit_assigned_to_block", "unit_withdrawn",
    ]  # fmt: skip
    assert unit["history"][2]["previous_block_id"] == B2
    renamed = system.get("/v1/units/trung-tam-moi")
    assert renamed["name"] == "Trung tâm Thừa phát lại số 1" and renamed["email"] == "ttpl@stp.gov.vn"
    assert renamed["history"][-1]["previous_name"] == "Trung tâm Thừa phát lại"

    assert await ok(system, "close_campaign", campaign_id=C, reason="Tổng kết") == ["campaign_closed.v1"]
    await wait_for(lambda: system.get(f"/v1/campaigns/{C}/blocks")["status"] == "closed")
    with system.http() as http:
        for path, code in [
            ("/v1/campaigns/2099/blocks", "unknown_campaign"),
            (f"/v1/campaigns/{C}/blocks/khoi-x", "unknown_block"),
            ("/v1/units/khong-co", "unknown_unit"),
            ("/v1/campaigns/2099/registration-summary", "unknown_campaign"),
        ]:
            r = http.get(path)
            assert r.status_code == 404 and r.json()["detail"]["code"] == code, path


def launch(campaign_id: str = C, **changes: Any) -> dict[str, Any]:
    campaign = copy.deepcopy(load_scenario()["campaign"])
    return {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **campaign, "campaign_id": campaign_id, **changes}


def bad(command: str, **body: Any) -> tuple[str, bytes]:
    return command, json.dumps({"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **body}).encode()


PLEDGE = {"campaign_id": C, "unit_id": "phong-cong-chung-so-1", "collective_target": "tap-the-lao-dong-xuat-sac"}
BAD = [
    (bad("amend_campaign", campaign_id="2099", title="x"), "unknown_campaign", "campaign_id"),
    (bad("amend_campaign", campaign_id=C, registration_deadline="2023-03-01"), "date_out_of_period", "registration_deadline"),
    (bad("define_block", campaign_id="2099", block_id="k", name="K"), "unknown_campaign", "campaign_id"),
    (bad("define_block", campaign_id=C, block_id=B1, name="K"), "block_exists", "block_id"),
    (bad("define_block", campaign_id=C, block_id="k", name="   "), "invalid_field", "name"),
    (bad("define_block", campaign_id=C, block_id="k", name="x" * 301), "invalid_field", "name"),
    (bad("designate_block_leader", campaign_id=C, block_id="khoi-x", leader_unit_id="van-phong-so"), "unknown_block", "block_id"),
    (bad("designate_block_leader", campaign_id=C, block_id=B1, leader_unit_id="phong-cong-chung-so-1"), "unit_not_in_block", "leader_unit_id"),
    (bad("register_unit", unit_id="van-phong-so", name="Văn phòng", kind="department"), "unit_exists", "unit_id"),
    (bad("register_unit", unit_id="moi", name="", kind="department"), "invalid_field", "name"),
    (bad("register_unit", unit_id="moi", name="Mới", kind="department", email="not-an-email"), "invalid_field", "email"),
    (bad("register_unit", unit_id="Mới", name="Mới", kind="department"), "invalid_id", "unit_id"),
    (bad("assign_unit_to_block", campaign_id=C, block_id=B2, unit_id="thanh-tra-so"), "unit_already_in_block", "unit_id"),
    (bad("assign_unit_to_block", campaign_id=C, block_id=B1, unit_id="khong-co"), "unknown_unit", "unit_id"),
    (bad("assign_unit_to_block", campaign_id=C, block_id="khoi-x", unit_id="thanh-tra-so"), "unknown_block", "block_id"),
    (bad("rename_unit", unit_id="khong-co", name="X"), "unknown_unit", "unit_id"),
    (bad("rename_unit", unit_id="van-phong-so", name="x" * 301), "invalid_field", "name"),
    (bad("withdraw_unit", campaign_id=C, unit_id="khong-co"), "unknown_unit", "unit_id"),
    (bad("register_emulation", **PLEDGE | {"campaign_id": "2099"}, staff=[]), "unknown_campaign", "campaign_id"),
    (bad("register_emulation", **PLEDGE | {"unit_id": "khong-co"}, staff=[]), "unknown_unit", "unit_id"),
    (bad("register_emulation", **PLEDGE, staff=[{"person": "", "target_title": "lao-dong-tien-tien"}]), "invalid_field", "staff.0.person"),
    (bad("register_emulation", **PLEDGE | {"campaign_id": "closed"}, staff=[]), "campaign_closed", "campaign_id"),
    (bad("amend_emulation_registration", **PLEDGE, staff=[]), "unknown_registration", "unit_id"),
    (("launch_campaign", json.dumps(launch()).encode()), "campaign_exists", "campaign_id"),
    (("launch_campaign", json.dumps(launch("x", registration_deadline="2021-12-31")).encode()), "date_out_of_period", "registration_deadline"),
]  # fmt: skip


async def test_each_bad_input_gets_its_code_and_leaves_the_store_unchanged(system: System) -> None:
    system.start("registry")
    await load_demo(system)
    await system.send("launch_campaign", launch("closed"))
    await ok(system, "close_campaign", campaign_id="closed")
    before = system.stored_topics("registry")
    for (command, body), code, field in BAD:
        msg = await system.nc.request(f"emulation.cmd.{command}", body, timeout=5)
        reply = json.loads(msg.data)
        assert reply["ok"] is False, (command, body)
        assert (reply["error"]["code"], reply["error"]["field"]) == (code, field), (command, reply)
        assert reply["error"]["message"]
    assert system.stored_topics("registry") == before
