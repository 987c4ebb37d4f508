"""Signed checkpoints against an operator who holds the stores and the stream (not the signing key), over a real
nats-server with authentication on, as `emulation up` runs it."""

from __future__ import annotations

import base64
import copy
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from emulation.client import send
from emulation.demo import load_scenario
from emulation.supervisor import create_streams
from services.audit.verify import verify_history
from shared.infra.checkpoints import SUBJECT, sign, signed_bytes
from shared.infra.keys import public_keys
from tests.support.secured import Secured
from tests.support.system import ROOT, wait_for

pytestmark = pytest.mark.integration
EVERY = 5


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[Secured]:
    s = Secured(tmp_path)
    s.system.settings = s.system.settings.replace(checkpoint_every=EVERY)
    await create_streams(s.as_user("admin"))
    s.system.nc = await s.connect("portal")
    yield s
    await s.system.nc.close()
    s.stop()


async def launch(s: Secured, first: int, n: int) -> list[str]:
    campaign = copy.deepcopy(load_scenario()["campaign"])
    ids = []
    for i in range(first, first + n):
        body = {**campaign, "campaign_id": f"c{i}", "command_id": str(uuid.uuid4()), "actor": "van-phong-so"}
        reply = await send(s.system.nc, "launch_campaign", body, retry_for=30)
        assert reply["ok"], reply
        ids.append(reply["events"][0]["id"])
    return ids


async def published(s: Secured, events: int, checkpoints: int) -> bool:
    """Whether the stream holds exactly this many campaign events and checkpoints."""
    admin = await s.connect("admin")
    try:
        counts = []
        for subject in ("emulation.events.*.campaign_launched", SUBJECT):
            info = await admin.jetstream().stream_info("EMULATION", subjects_filter=subject)
            counts.append(sum((info.state.subjects or {}).values()))
        return counts == [events, checkpoints]
    finally:
        await admin.close()


def verify(s: Secured, kept: list[dict[str, Any]] | None = None) -> Any:
    """`audit verify` as an auditor would run it (the read API's identity)."""
    return verify_history(s.as_user("api"), kept or [])


async def test_an_earlier_signed_checkpoint_names_the_first_event_an_operator_rewrote(
    secured: Secured, tmp_path: Path
) -> None:
    s = secured
    kept: list[bytes] = []

    async def keep(msg: Any) -> None:
        kept.append(msg.data)

    await s.system.nc.subscribe(SUBJECT, cb=keep)  # a third party keeps every checkpoint it receives
    s.start("registry")
    ids = await launch(s, 0, 7)
    await wait_for(lambda: published(s, 7, 1))
    s.system.kill("registry")  # the relay dies in the middle of a window ...
    s.start("registry")
    ids += await launch(s, 7, 5)
    await wait_for(lambda: len(kept) == 2)
    before = list(kept)
    checkpoints = [json.loads(k) for k in before]
    first, second = (c["data"] for c in checkpoints)
    # ... and its successor still covers every event since the last checkpoint, signed
    assert (first["length"], second["length"], second["start_length"], len(second["hashes"])) == (5, 10, 5, 5)
    assert second["start_head"] == first["head"]
    [key] = public_keys(s.system.settings).values()
    key.verify(base64.b64decode(second["signature"]), signed_bytes(second))
    intact = await verify(s, checkpoints)
    assert intact["status"] == "intact" and intact["kept_checkpoints_checked"] == 2, intact
    assert intact["checkpoints_checked"] == 2

    # The operator stops everything, edits the 7th event in the store, deletes and recreates the stream as the
    # administrator and lets the relay republish the whole history with a fresh, consistent chain.
    s.system.stop_all()
    db = s.data / "registry-events.db"
    with sqlite3.connect(db) as conn:
        rowid, state = conn.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE '%Campaign.Launched' ORDER BY rowid LIMIT 1 OFFSET 6"
        ).fetchone()
        forged = state.replace("Huỳnh Văn Hạnh".encode(), "Huỳnh Văn Hành".encode())
        assert forged != state
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (forged, rowid))
    admin = await s.connect("admin")
    await admin.jetstream().delete_stream("EMULATION")
    await admin.close()
    await create_streams(s.as_user("admin"))
    s.start("registry")
    await wait_for(lambda: published(s, 12, 2))

    plain = await verify(s)
    assert plain["status"] == "intact", "store and stream agree again: only kept checkpoints can tell"
    assert plain["checkpoints_checked"] == 2

    kept_file = tmp_path / "kept.ndjson"
    kept_file.write_bytes(b"\n".join(before) + b"\n")
    env = os.environ | s.as_user("api").to_env() | {"EMULATION_LOG_LEVEL": "WARNING"}
    cli = [sys.executable, "-m", "emulation", "audit", "verify", "--checkpoints", str(kept_file)]
    run = subprocess.run(cli, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["kept_checkpoints_checked"] == 2
    assert report["summary"] == {"divergences": 1, "by_service": {"registry": {"rewritten": 1}}}
    [rewritten] = report["divergences"]
    assert (rewritten["kind"], rewritten["event_id"], rewritten["index"]) == ("rewritten", ids[6], 6)
    assert "kept checkpoint 2 (signed, length 10)" in rewritten["detail"]


async def test_verify_tells_pending_from_missing_and_names_every_forged_checkpoint(secured: Secured) -> None:
    s = secured
    s.start("registry")
    await launch(s, 0, 6)
    await wait_for(lambda: published(s, 6, 1))
    s.system.stop_all()
    s.start("registry", "commands")  # commands recorded, nothing relayed: a busy system's tail
    await launch(s, 6, 3)
    report = await verify(s)
    assert (report["status"], report["pending"], report["divergences"]) == ("intact", {"registry": 3}, [])

    # Forgeries, published as the administrator (who holds the stream but not the registry's signing key).
    admin = await s.connect("admin")
    js = admin.jetstream()
    sub = await js.subscribe(SUBJECT, ordered_consumer=True, stream="EMULATION")
    real = json.loads((await sub.next_msg(timeout=5)).data)
    await sub.unsubscribe()
    data = real["data"]
    stranger = Ed25519PrivateKey.generate()
    unsigned = {k: v for k, v in data.items() if k != "signature"}
    v1 = {"service": "registry", "head": data["head"], "length": data["length"], "position": data["position"]}
    forgeries = {
        "moved head": {**real, "data": {**data, "head": "f" * 64}},
        "no signature": {**real, "data": unsigned},
        "a stranger's key": {**real, "data": sign(stranger, unsigned)},
        "another relay": {**real, "source": "/services/evaluation/relay"},
        "unsigned v1": {**real, "type": "chain_checkpoint.v1", "data": v1},
    }
    for envelope in forgeries.values():
        body = json.dumps({**envelope, "id": str(uuid.uuid4())}).encode()
        await js.publish(SUBJECT, body, headers={"Nats-Msg-Id": str(uuid.uuid4())})
    await admin.close()
    report = await verify(s)
    assert report["status"] == "diverged" and report["pending"] == {"registry": 3}
    assert report["summary"] == {"divergences": 5, "by_service": {"registry": {"checkpoint_forged": 5}}}
    details = [d["detail"] for d in report["divergences"]]
    assert [d.split(": ", 1)[1] for d in details] == [
        "its signature does not verify with registry's public key",
        "it carries no signature",
        "its signature does not verify with registry's public key",
        "it names service 'registry' but comes from '/services/evaluation/relay'",
        "an unsigned checkpoint after the service began signing",
    ]
