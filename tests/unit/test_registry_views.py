"""Registry views fed with the registry's own envelopes: content, search, redelivery and rebuild from scratch."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from emulation.demo import commands, load_scenario
from services.registry.adapters.wire import WIRE
from services.registry.application import RegistryApplication
from services.registry.factory import build_views
from shared.events.catalog import COMMAND_TYPES
from shared.events.envelope import CloudEvent
from shared.infra.clock import Clock
from shared.infra.eventstore import event_id
from shared.infra.settings import Settings
from shared.infra.views import View

pytestmark = pytest.mark.unit
C, B1, B2 = "2022", "khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc"


def stream(app: RegistryApplication) -> list[tuple[int, CloudEvent]]:
    """The envelopes the relay would publish, numbered like stream sequences."""
    out: list[tuple[int, CloudEvent]] = []
    for n in app.recorder.select_notifications(start=1, limit=10_000):
        event, meta = app.mapper.decode_notification(n)  # type: ignore[attr-defined]
        wired = WIRE.envelope(event, event_id(n.originator_id, n.originator_version), meta)
        if wired is not None:
            out.append((len(out) + 1, wired[1]))
    return out


@pytest.fixture
def events(tmp_path: Path) -> list[tuple[int, CloudEvent]]:
    return registry_year(tmp_path)


def registry_year(tmp_path: Path) -> list[tuple[int, CloudEvent]]:
    """The demo's registry, registrations on time and late, an amendment, a rename, a move and a withdrawal."""
    clock = Clock(tmp_path / "clock")
    clock.set(datetime(2022, 1, 10, tzinfo=UTC))
    app = RegistryApplication(WIRE, env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)

    def send(command: str, /, **body: Any) -> None:
        body.setdefault("command_id", str(uuid.uuid4()))
        app.submit(COMMAND_TYPES[command].model.model_validate({"actor": "van-phong-so", **body})).result()

    for command, body in commands(load_scenario()):
        send(command, **body)
    staff = [{"person": "Nguyễn Thị Hồng", "target_title": "chien-si-thi-dua-co-so"}]
    for unit in ("van-phong-so", "thanh-tra-so", "phong-cong-chung-so-1"):
        send(
            "register_emulation",
            campaign_id=C,
            unit_id=unit,
            collective_target="tap-the-lao-dong-xuat-sac",
            staff=staff,
        )
    clock.set(datetime(2022, 1, 21, 3, 0, tzinfo=UTC))
    send(
        "register_emulation",
        campaign_id=C,
        unit_id="phong-cong-chung-so-2",
        collective_target="tap-the-lao-dong-tien-tien",
        staff=[],
    )
    send(
        "amend_emulation_registration",
        campaign_id=C,
        unit_id="thanh-tra-so",
        collective_target="tap-the-lao-dong-tien-tien",
        staff=[],
    )
    send("rename_unit", unit_id="phong-cong-chung-so-7", name="Phòng Công chứng số 7 (mới)")
    send("assign_unit_to_block", campaign_id=C, block_id=B1, unit_id="phong-cong-chung-so-6", move=True)
    send("withdraw_unit", campaign_id=C, unit_id="phong-cong-chung-so-6", reason="Giải thể")
    return stream(app)


def views(tmp_path: Path, name: str) -> dict[str, View]:
    return {v.name: v for v in build_views(Settings(data_dir=tmp_path / name))}


def test_views_show_blocks_units_history_and_registrations(tmp_path: Path, events: list[Any]) -> None:
    v = views(tmp_path, "a")
    for view in v.values():
        view.apply(events)
    blocks = v["registry-blocks"].rosters(C)  # type: ignore[attr-defined]
    assert [b["block_id"] for b in blocks] == [B1, B2]
    assert blocks[0]["name"] == "Khối các Phòng Chuyên môn Sở"
    assert blocks[0]["leader"] == {"unit_id": "van-phong-so", "name": "Văn phòng Sở"}
    assert blocks[1]["deputy"]["unit_id"] == "phong-cong-chung-so-1"
    assert [len(b["members"]) for b in blocks] == [8, 8]  # cc6 moved to B1 then withdrawn

    units = v["registry-units"]
    found = units.search("cong chung")  # type: ignore[attr-defined]
    assert [u["unit_id"] for u in found] == [f"phong-cong-chung-so-{n}" for n in range(1, 8)]
    assert [u["unit_id"] for u in units.search("Công Chứng số 1")] == ["phong-cong-chung-so-1"]  # type: ignore[attr-defined]
    assert [u["unit_id"] for u in units.search("dau gia")] == ["trung-tam-dau-gia-tai-san"]  # type: ignore[attr-defined]
    assert [u["unit_id"] for u in units.search("100%")] == []  # type: ignore[attr-defined]
    assert len(units.search(None, "department")) == 8  # type: ignore[attr-defined]
    six = units.get("phong-cong-chung-so-6")  # type: ignore[attr-defined]
    assert [h["event"] for h in six["history"]] == [
        "unit_registered", "unit_assigned_to_block", "unit_assigned_to_block", "unit_withdrawn",
    ]  # fmt: skip
    assert six["history"][2]["previous_block_id"] == B2 and six["history"][3]["reason"] == "Giải thể"
    assert six["campaigns"] == [{"campaign_id": C, "block_id": None, "status": "withdrawn"}]
    seven = units.get("phong-cong-chung-so-7")  # type: ignore[attr-defined]
    assert seven["name"] == "Phòng Công chứng số 7 (mới)"
    assert seven["history"][-1]["previous_name"] == "Phòng Công chứng số 7"

    regs = v["registry-registrations"]
    listed = {r["unit_id"]: r for r in regs.registrations(C)}  # type: ignore[attr-defined]
    assert listed["phong-cong-chung-so-2"]["late"] is True
    assert listed["thanh-tra-so"]["late"] is False and listed["thanh-tra-so"]["last_amendment_late"] is True
    assert listed["van-phong-so"]["staff"] == [{"person": "Nguyễn Thị Hồng", "target_title": "chien-si-thi-dua-co-so"}]
    assert [r["unit_id"] for r in regs.registrations(C, late=True)] == ["phong-cong-chung-so-2"]  # type: ignore[attr-defined]
    summary = {s["block_id"]: s for s in regs.summary(C)}  # type: ignore[attr-defined]
    assert (summary[B1]["members"], summary[B1]["on_time"], summary[B1]["on_time_share"]) == (8, 2, 0.25)
    assert (summary[B2]["on_time"], summary[B2]["late"], summary[B2]["late_units"]) == (1, 1, ["phong-cong-chung-so-2"])


def test_redelivery_changes_nothing_and_a_rebuild_from_scratch_is_identical(tmp_path: Path, events: list[Any]) -> None:
    first = views(tmp_path, "first")
    for view in first.values():
        view.apply(events[:20])
        view.apply(events)
        assert view.apply(events) == 0
    rebuilt = views(tmp_path, "rebuilt")
    for view in rebuilt.values():
        view.apply(events)
    assert {n: v.checksum() for n, v in first.items()} == {n: v.checksum() for n, v in rebuilt.items()}
