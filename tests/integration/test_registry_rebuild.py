"""Registry views rebuilt from the stream from scratch; a yearly and a thematic campaign side by side."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest

from emulation.demo import commands, load_scenario
from services.registry.adapters.blocks import BlocksView
from services.registry.factory import build_views
from shared.infra.consumer import parse
from tests.support.system import System, wait_for

pytestmark = pytest.mark.integration
C, B1, B2 = "2022", "khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc"
T = "chuyen-de-cai-cach-hanh-chinh-2022"
STAFF = [{"person": "Trần Văn Bình", "target_title": "lao-dong-tien-tien"}]


async def ok(system: System, command: str, /, **body: Any) -> None:
    reply = await system.send(command, {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **body})
    assert reply["ok"], (command, body, reply)


async def load_demo(system: System) -> None:
    for command, body in commands(load_scenario()):
        assert (await system.send(command, body))["ok"]


def snapshot(system: System) -> dict[str, Any]:
    """What the read API shows of the registry."""
    return {
        "blocks": system.get(f"/v1/campaigns/{C}/blocks"),
        "units": system.get("/v1/units"),
        "history": [system.get(f"/v1/units/{u['unit_id']}") for u in system.get("/v1/units")],
        "registrations": system.get(f"/v1/campaigns/{C}/registrations"),
        "summary": system.get(f"/v1/campaigns/{C}/registration-summary"),
    }


async def test_rebuilding_the_views_from_the_stream_gives_identical_results(system: System, tmp_path: Path) -> None:
    system.start("registry")
    system.start_api()
    await load_demo(system)
    await ok(system, "rename_unit", unit_id="phong-cong-chung-so-3", name="Phòng Công chứng số 3 (đổi tên)")
    await ok(system, "assign_unit_to_block", campaign_id=C, block_id=B1, unit_id="phong-cong-chung-so-4", move=True)
    await ok(system, "withdraw_unit", campaign_id=C, unit_id="phong-cong-chung-so-5", reason="Sáp nhập")
    pledge = {"campaign_id": C, "collective_target": "tap-the-lao-dong-xuat-sac", "staff": STAFF}
    await ok(system, "register_emulation", unit_id="van-phong-so", **pledge)
    await ok(system, "amend_emulation_registration", unit_id="van-phong-so", **pledge | {"staff": []})
    amended = f"/v1/campaigns/{C}/registrations"
    await wait_for(lambda: _safe(lambda: system.get(amended)["registrations"][0]["amendments"] == 1))
    await wait_for(lambda: _safe(lambda: len(system.get("/v1/units/phong-cong-chung-so-5")["history"]) == 3))
    members = f"/v1/campaigns/{C}/blocks/{B2}"
    await wait_for(lambda: _safe(lambda: len(system.get(members)["members"]) == 7))
    live_views = {v.name: v for v in build_views(system.settings)}
    # the blocks view keeps each registration's staff count, so the last command (the amendment) changes it too
    blocks = next(v for v in live_views.values() if isinstance(v, BlocksView))
    await wait_for(lambda: blocks.staff_count(C, "van-phong-so") == 0)
    stored = await system.stream_messages()
    before = snapshot(system)

    # From scratch: fresh views on a new data dir, fed the stream's messages in order.
    fresh = build_views(system.settings.replace(data_dir=tmp_path / "rebuilt"))
    events = [(m.metadata.sequence.stream, parse(m)) for m in stored]
    for view in fresh:
        view.apply(events)
        assert view.checksum() == live_views[view.name].checksum(), view.name

    # And the service itself: stop it, delete its views and its durable consumers, start again.
    system.stop_all()
    for name in ("registry-views.db", "registry-views.db-wal", "registry-views.db-shm"):
        (system.settings.data_dir / name).unlink(missing_ok=True)
    js = system.nc.jetstream()
    for view in fresh:
        await js.delete_consumer("EMULATION", f"registry-{view.name}")
    system.start("registry")
    system.start_api()
    await wait_for(lambda: _safe(snapshot, system) == before, timeout=30)


def _safe(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception:
        return None


async def test_a_yearly_and_a_thematic_campaign_run_side_by_side(system: System) -> None:
    system.start("registry")
    system.start("evaluation")
    system.start_api()
    await load_demo(system)
    thematic = copy.deepcopy(load_scenario()["campaign"]) | {
        "campaign_id": T,
        "kind": "thematic",
        "title": "Thi đua chuyên đề cải cách hành chính năm 2022",
        "period_start": "2022-03-01",
        "period_end": "2022-09-30",
        "registration_deadline": "2022-03-15",
        "contents": [{"no": 1, "title": "Nói không với hồ sơ trễ hẹn"}],
    }
    await ok(system, "launch_campaign", **thematic)
    await ok(system, "define_block", campaign_id=T, block_id="khoi-mot-cua", name="Khối tiếp nhận hồ sơ")
    # The same unit sits in a different block in each campaign: no `unit_already_in_block` across campaigns.
    for unit in ("phong-hanh-chinh-tu-phap", "phong-cong-chung-so-1"):
        await ok(system, "assign_unit_to_block", campaign_id=T, block_id="khoi-mot-cua", unit_id=unit)
    await ok(
        system, "designate_block_leader", campaign_id=T, block_id="khoi-mot-cua", leader_unit_id="phong-cong-chung-so-1"
    )
    await ok(
        system,
        "register_emulation",
        campaign_id=T,
        unit_id="phong-cong-chung-so-1",
        collective_target="giay-khen",
        staff=STAFF,
    )
    await ok(system, "withdraw_unit", campaign_id=T, unit_id="phong-hanh-chinh-tu-phap")
    await ok(system, "close_campaign", campaign_id=T)
    # The yearly campaign is untouched by the thematic one's changes and closing.
    await ok(
        system,
        "register_emulation",
        campaign_id=C,
        unit_id="phong-hanh-chinh-tu-phap",
        collective_target="tap-the-lao-dong-xuat-sac",
        staff=[],
    )

    def both() -> Any:
        t = _safe(system.get, f"/v1/campaigns/{T}/blocks")
        y = _safe(system.get, f"/v1/campaigns/{C}/registrations")
        return t and y and t["status"] == "closed" and y["registrations"] and (t, y)

    t_blocks, y_regs = await wait_for(both)
    assert [b["block_id"] for b in t_blocks["blocks"]] == ["khoi-mot-cua"]
    assert [m["unit_id"] for m in t_blocks["blocks"][0]["members"]] == ["phong-cong-chung-so-1"]
    y_blocks = system.get(f"/v1/campaigns/{C}/blocks")
    assert y_blocks["status"] == "open"
    assert [len(b["members"]) for b in y_blocks["blocks"]] == [8, 9]
    assert y_blocks["blocks"][1]["leader"]["unit_id"] == "trung-tam-tro-giup-phap-ly"
    assert [r["unit_id"] for r in y_regs["registrations"]] == ["phong-hanh-chinh-tu-phap"]
    t_regs = system.get(f"/v1/campaigns/{T}/registrations")["registrations"]
    assert [(r["unit_id"], r["collective_target"]) for r in t_regs] == [("phong-cong-chung-so-1", "giay-khen")]
    unit = system.get("/v1/units/phong-hanh-chinh-tu-phap")
    assert {c["campaign_id"]: c["status"] for c in unit["campaigns"]} == {C: "member", T: "withdrawn"}
    campaigns = await wait_for(lambda: len(system.get("/v1/campaigns")) == 2 and system.get("/v1/campaigns"))
    assert {c["campaign_id"]: c["kind"] for c in campaigns} == {C: "yearly", T: "thematic"}
