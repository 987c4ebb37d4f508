"""The live projections' checksums (`GET /v1/audit/checksums`, `emulation checksums`) equal those `emulation replay`
computes for the projections it rebuilds from the stream; a live row changed behind the views' back shows."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from emulation.demo import commands, load_scenario
from services import catalogue
from services.audit.replay import replay
from shared.events.envelope import STREAM
from tests.support.system import ROOT, System, wait_for

pytestmark = pytest.mark.integration


async def idle(system: System, events: int) -> bool:
    """The relays have published the commands' `events` and every durable consumer has applied all it reads."""
    js = system.nc.jetstream()
    if (await js.stream_info(STREAM)).state.messages < events:
        return False
    infos = await js.consumers_info(STREAM)
    return bool(infos) and all(i.num_pending == 0 and i.num_ack_pending == 0 for i in infos)


def cli_checksums(system: System) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "emulation", "checksums"], env=system.env(), cwd=ROOT, capture_output=True, check=True
    )
    assert b"emulation replay --until" in done.stderr
    return dict(line.split() for line in done.stdout.decode().splitlines())


async def test_live_checksums_equal_the_replayed_ones(system: System, tmp_path: Path) -> None:
    for name in catalogue.names():
        system.start(name)
    system.start_api()
    events = 0
    for command, body in commands(load_scenario()):
        reply = await system.send(command, body)
        assert reply["ok"]
        events += len(reply["events"])
    await wait_for(lambda: idle(system, events), timeout=60)

    live = system.get("/v1/audit/checksums")
    names = [v.name for v in catalogue.all_views(system.settings)]
    assert [v["view"] for v in live["views"]] == names
    assert all(v["settled"] for v in live["views"])
    assert live["until"] == max(v["position"] for v in live["views"]) > 0

    replayed = await replay(system.settings, tmp_path / "replay", until_seq=live["until"])
    assert {v["view"]: v["checksum"] for v in live["views"]} == replayed
    assert cli_checksums(system) == replayed

    # a live row changed behind the views' back: its view's checksum no longer matches the replay
    with sqlite3.connect(system.settings.data_dir / "evaluation-views.db") as db:
        assert db.execute("UPDATE units SET name = 'Phòng khác' WHERE unit_id = 'thanh-tra-so'").rowcount == 1
    changed = {v["view"]: v["checksum"] for v in system.get("/v1/audit/checksums")["views"]}
    assert [name for name in names if changed[name] != replayed[name]] == ["evaluation-reference"]
