"""The audit trail: filtered history, export, replay equal to the live views, and tamper evidence."""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulation.demo import load_scenario
from services.audit.replay import replay
from services.audit.verify import verify_history
from services.audit.views import AuditView
from services.catalogue import all_views
from tests.support.system import System, wait_for

pytestmark = pytest.mark.integration


async def launch_several(system: System, n: int = 5) -> list[str]:
    campaign = copy.deepcopy(load_scenario()["campaign"])
    ids = []
    for i in range(n):
        body = {**campaign, "campaign_id": f"c{i}", "command_id": str(uuid.uuid4()), "actor": f"system:hr{i % 2}"}
        reply = await system.send("launch_campaign", body)
        assert reply["ok"], reply
        ids.append(reply["events"][0]["id"])
    return ids


async def test_audit_entries_filters_pagination_and_export(system: System) -> None:
    system.start("registry")
    system.start("audit")
    system.start_api()
    ids = await launch_several(system)
    entries = (await wait_for(lambda: len(system.get("/v1/audit")["entries"]) == 5 and system.get("/v1/audit")))[
        "entries"
    ]
    assert [e["id"] for e in entries] == ids
    first = entries[0]
    assert first["type"] == "campaign_launched.v1" and first["source"] == "/services/registry"
    assert first["actor"] == "system:hr0" and first["causationid"] and first["data"]["campaign_id"] == "c0"
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)

    assert [e["data"]["campaign_id"] for e in system.get("/v1/audit", campaign="c3")["entries"]] == ["c3"]
    assert len(system.get("/v1/audit", actor="system:hr1")["entries"]) == 2
    assert system.get("/v1/audit", type="unit_registered")["entries"] == []

    page1 = system.get("/v1/audit", limit=2)
    page2 = system.get("/v1/audit", limit=2, after=page1["next"])
    assert [e["id"] for e in page1["entries"] + page2["entries"]] == ids[:4]

    with system.http() as http:
        ndjson = http.get("/v1/audit/export", params={"format": "ndjson", "campaign": "c1"}).text.splitlines()
        assert [json.loads(line)["data"]["campaign_id"] for line in ndjson] == ["c1"]
        csv_text = http.get("/v1/audit/export", params={"format": "csv"}).text
        assert csv_text.splitlines()[0].startswith("seq,id,type") and len(csv_text.splitlines()) == 6
        assert "Phong trào thi đua yêu nước năm 2022" in csv_text


async def test_replay_rebuilds_views_equal_to_the_live_ones(system: System, tmp_path: Path) -> None:
    for service in ("registry", "evaluation", "notification", "audit"):
        system.start(service)
    system.start_api()
    await launch_several(system, 8)
    await wait_for(lambda: len(system.get("/v1/audit")["entries"]) == 8 and len(system.get("/v1/campaigns")) == 8)
    seen: list[tuple[int, int]] = []
    rebuilt = await replay(system.settings, tmp_path / "rebuilt", progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1] == 8
    assert set(rebuilt) == {v.name for v in all_views(system.settings)}
    live = await wait_for(lambda: (c := {v.name: v.checksum() for v in all_views(system.settings)}) == rebuilt and c)
    assert live == rebuilt
    partial = await replay(system.settings, tmp_path / "partial", until_seq=3)
    assert partial["audit"] != live["audit"]
    [view] = [
        v for v in all_views(system.settings.__class__(data_dir=tmp_path / "partial")) if isinstance(v, AuditView)
    ]
    assert [e["seq"] for e in view.page({})] == [1, 2, 3]


def copy_db(source: Path, target: Path) -> None:
    """Copy a live SQLite database (WAL included) with the backup API."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def tamper(db: Path, sql_steps: list[tuple[str, tuple[object, ...]]]) -> None:
    with sqlite3.connect(db) as conn:
        for sql, params in sql_steps:
            conn.execute(sql, params)


def campaign_rows(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return list(
            conn.execute("SELECT rowid, * FROM stored_events WHERE topic LIKE '%Campaign.Launched' ORDER BY rowid")
        )


async def test_verify_names_each_kind_of_tampering(system: System) -> None:
    system.start("registry")
    ids = await launch_several(system, 5)
    # (receipt + campaign_launched) × 5, and the Department naming its first Office
    await wait_for(lambda: len(system.store_rows("registry", "SELECT 1 FROM stored_events")) == 11)

    async def published() -> bool:
        return len(await system.stream_messages()) == 5

    await wait_for(published)
    system.stop_all()
    assert (await verify_history(system.settings))["status"] == "intact"

    db = system.settings.data_dir / "registry-events.db"
    pristine = db.with_suffix(".pristine")
    copy_db(db, pristine)
    rows = campaign_rows(db)

    async def first_divergence() -> dict[str, object]:
        report = await verify_history(system.settings)
        assert report["status"] == "diverged"
        [problem] = report["divergences"]
        copy_db(pristine, db)
        return problem

    # 1. alter one stored event's payload
    altered_state = rows[2][4].replace("Huỳnh Văn Hạnh".encode(), "Huỳnh Văn Hành".encode())
    assert altered_state != rows[2][4]
    tamper(db, [("UPDATE stored_events SET state = ? WHERE rowid = ?", (altered_state, rows[2][0]))])
    assert await first_divergence() == {
        "service": "registry",
        "kind": "altered",
        "event_id": ids[2],
        "index": 2,
        "detail": "the stored event differs from the one published",
    }

    # 2. delete one event
    tamper(db, [("DELETE FROM stored_events WHERE rowid = ?", (rows[1][0],))])
    problem = await first_divergence()
    assert (problem["kind"], problem["event_id"], problem["index"]) == ("missing", ids[1], 1)

    # 3. swap two events (their places in the notification log)
    a, b = rows[3], rows[4]
    tamper(
        db,
        [
            ("DELETE FROM stored_events WHERE rowid IN (?, ?)", (a[0], b[0])),
            (
                "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
                (a[0], *b[1:]),
            ),
            (
                "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
                (b[0], *a[1:]),
            ),
        ],
    )
    problem = await first_divergence()
    assert (problem["kind"], problem["event_id"], problem["index"]) == ("reordered", ids[3], 4)
    assert problem["detail"] == f"stored after {ids[4]} but published before it"

    # 4. insert a duplicate (the attacker drops the uniqueness the store enforces)
    tamper(
        db,
        [
            ("CREATE TABLE copy AS SELECT * FROM stored_events", ()),
            ("DROP TABLE stored_events", ()),
            ("CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB)", ()),
            ("INSERT INTO stored_events SELECT * FROM copy ORDER BY rowid", ()),
            (
                "INSERT INTO stored_events SELECT * FROM copy WHERE topic LIKE '%Campaign.Launched' ORDER BY rowid LIMIT 1",
                (),
            ),
            ("DROP TABLE copy", ()),
        ],
    )
    problem = await first_divergence()
    assert (problem["kind"], problem["event_id"]) == ("duplicated", ids[0])
    assert problem["detail"] == "the event appears twice in the store"

    # 5. a duplicate published on the stream by a misbehaving system: a copy, and a break in the chain
    [msg, *_] = await system.stream_messages()
    await system.nc.jetstream().publish(msg.subject, msg.data, headers={"Nats-Msg-Id": str(uuid.uuid4())})
    report = await verify_history(system.settings)
    assert sorted((d["kind"], d["event_id"], d["index"], d["detail"]) for d in report["divergences"]) == [
        ("chain_broken", ids[0], 5, "its predecessorhash is not the hash of the service's previous event"),
        ("duplicated", ids[0], 5, "the event appears twice on the stream"),
    ]
    assert report["summary"] == {"divergences": 2, "by_service": {"registry": {"chain_broken": 1, "duplicated": 1}}}


@pytest.mark.both_stores
async def test_healthz_answers_while_verify_reads_thousands_of_events(system: System, tmp_path: Path) -> None:
    """Verification runs in its own process: the read API's event loop keeps answering meanwhile."""
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"auditor-token": "auditor"}))
    system.settings = system.settings.replace(api_tokens_file=str(tokens))
    system.start("registry")
    system.start_api()
    campaign = copy.deepcopy(load_scenario()["campaign"])
    total = 3000

    async def one(i: int) -> None:
        body = {**campaign, "campaign_id": f"c{i}", "command_id": str(uuid.uuid4()), "actor": "van-phong-so"}
        assert (await system.send("launch_campaign", body, timeout=30))["ok"]

    for start in range(0, total, 100):
        await asyncio.gather(*(one(i) for i in range(start, start + 100)))

    async def all_published() -> bool:  # every event and every checkpoint: the last follows the last event
        info = await system.nc.jetstream().stream_info("EMULATION")
        return bool(info.state.messages >= total + total // 1000)

    await wait_for(all_published, timeout=60)

    with system.http() as anyone:
        [key] = anyone.get("/v1/audit/keys").json()
        assert anyone.get("/v1/audit/verify").status_code in (401, 403)
    pem = (system.settings.data_dir / "public-keys" / "registry.pem").read_text()
    assert (key["service"], key["algorithm"], key["public_key"]) == ("registry", "Ed25519", pem)

    def verify_over_http() -> dict[str, Any]:
        headers = {"Authorization": "Bearer auditor-token"}
        with httpx.Client(base_url=f"http://127.0.0.1:{system.settings.api_port}", timeout=120) as http:
            answer = http.get("/v1/audit/verify", headers=headers)
        answer.raise_for_status()
        report: dict[str, Any] = answer.json()
        return report

    running = asyncio.create_task(asyncio.to_thread(verify_over_http))
    latencies = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{system.settings.api_port}", timeout=10) as http:
        while not running.done():
            started = time.perf_counter()
            assert (await http.get("/healthz")).status_code == 200
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)
    report = await running
    print(f"verify of {report['events_checked']} messages; healthz {len(latencies)}× meanwhile, slowest "
          f"{max(latencies) * 1000:.0f} ms")  # fmt: skip
    assert report["status"] == "intact" and report["events_checked"] >= total, report
    assert report["checkpoints_checked"] == total // 1000
    assert len(latencies) >= 10 and max(latencies) < 0.25
