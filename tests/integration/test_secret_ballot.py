"""The secret ballot over a real nats-server with authentication on: a unit checks its receipt was counted as cast;
nothing on the stream, in notices, in the audit export or in any log line links a unit to its choice; and a ballot
edited in the evaluation's SQLite store is named by the integrity check and left out of its round's result."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest

from emulation import demo
from emulation.supervisor import create_streams
from services.audit.verify import verify_history
from services.evaluation.domain.ballots import ballot_id
from services.evaluation.factory import build
from services.read_api.access import create_token
from shared.infra.eventstore import event_id
from tests.support.secured import Secured
from tests.support.system import ROOT, stream_messages, wait_for

pytestmark = pytest.mark.integration
C = "2022"
BLOCK = "khoi-don-vi-truc-thuoc"
LEADER = "trung-tam-tro-giup-phap-ly"
MEMBERS = next([u["unit_id"] for u in b["units"]] for b in demo.load_scenario()["blocks"] if b["block_id"] == BLOCK)
WINNER = "phong-cong-chung-so-1"


def choices() -> dict[str, str]:
    """Every member votes: most for WINNER, the WINNER itself (no self vote) and two others for another unit."""
    other = next(u for u in MEMBERS if u not in (WINNER, LEADER))
    out = {u: WINNER for u in MEMBERS}
    out[WINNER] = other
    for u in [u for u in MEMBERS if u not in (WINNER, other)][:2]:
        out[u] = other
    return out


@pytest.fixture
async def secured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Secured]:
    s = Secured(tmp_path)
    base_env = s.system.env
    monkeypatch.setattr(s.system, "env", lambda: base_env() | {"EMULATION_LOG_LEVEL": "DEBUG"})  # everything logged
    await create_streams(s.as_user("admin"))
    s.system.nc = await s.connect("portal")
    yield s
    await s.system.nc.close()
    s.stop()


async def send(s: Secured, command: str, actor: str, **body: Any) -> dict[str, Any]:
    """As the contract says: no reply (the outcome is unknown, e.g. a process died while handling it) means send
    the same body again, with the same `command_id` (no responders and `service_starting`: `System.send`)."""
    full = {"command_id": str(uuid.uuid4()), "actor": actor, "campaign_id": C, **body}
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        try:
            return await s.system.send(command, full, timeout=5)
        except nats.errors.TimeoutError:
            if asyncio.get_running_loop().time() > deadline:
                raise


async def block_ready(s: Secured) -> None:
    """The demo's registry facts, then wait until the evaluation lets the block leader open the round."""
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        try:
            await demo.load(s.system.nc)
            break
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
            assert asyncio.get_running_loop().time() < deadline, "the registry never answered"
            await asyncio.sleep(0.2)

    async def opened() -> bool:
        reply = await send(s, "open_vote_round", LEADER, block_id=BLOCK, round_id="bau-khoi")
        return bool(reply["ok"]) or reply["error"]["code"] not in ("not_allowed", "unknown_block", "unknown_campaign")

    await wait_for(opened, timeout=60)  # type: ignore[arg-type]


async def cast_all(s: Secured, votes: dict[str, str]) -> dict[str, str]:
    """Each unit casts its ballot; returns voter → receipt (from the reply, the only place it is given)."""
    receipts = {}
    for voter, candidate in votes.items():
        reply = await send(
            s, "cast_block_vote", voter, block_id=BLOCK, round_id="bau-khoi", voter_unit_id=voter,
            candidate_unit_id=candidate,
        )  # fmt: skip
        assert reply["ok"] and [e["type"] for e in reply["events"]] == ["block_vote_cast.v2"], reply
        receipts[voter] = reply["receipt"]
    return receipts


def objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object nested in `value`."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from objects(v)
    elif isinstance(value, list):
        for v in value:
            yield from objects(v)


async def test_a_unit_finds_its_ballot_counted_and_nothing_links_a_unit_to_its_choice(
    secured: Secured, tmp_path: Path
) -> None:
    s = secured
    tokens = tmp_path / "tokens.json"
    role = {r: create_token(tokens, r) for r in ("council", "auditor", f"unit:{MEMBERS[0]}")}
    for service in ("registry", "evaluation", "notification", "audit"):
        s.start(service)
    s.system.settings = s.as_user("api").replace(api_tokens_file=str(tokens))
    s.system.start_api()
    await block_ready(s)
    votes = choices()
    receipts = await cast_all(s, votes)
    assert len(set(receipts.values())) == len(MEMBERS) and all(len(r) == 43 for r in receipts.values())
    # refused casts (a malformed choice, a unit that is no candidate) are answered to the sender, never logged
    malformed, outsider = "Khong Hop Le", "so-tu-phap-khong-co"
    body = {"block_id": BLOCK, "round_id": "bau-khoi", "voter_unit_id": MEMBERS[1]}
    refused = await send(s, "cast_block_vote", MEMBERS[1], **body, candidate_unit_id=malformed)
    assert refused["error"]["code"] == "invalid_id" and refused["error"]["field"] == "candidate_unit_id"
    refused = await send(s, "cast_block_vote", MEMBERS[1], **body, candidate_unit_id=outsider)
    assert refused["error"]["code"] in ("already_voted", "not_a_candidate")
    closed = await send(s, "close_vote_round", LEADER, block_id=BLOCK, round_id="bau-khoi")
    assert [e["type"] for e in closed["events"]] == ["vote_round_closed.v3", "block_leader_elected.v1"], closed

    def get(path: str, who: str) -> Any:
        with s.system.http() as http:
            return http.get(path, headers={"Authorization": f"Bearer {role[who]}"})

    # the unit finds its own ballot, counted as cast, by the id computed from its receipt
    voter = MEMBERS[0]
    mine = ballot_id(C, BLOCK, "bau-khoi", receipts[voter])
    found = await wait_for(lambda: get(f"/v1/campaigns/{C}/ballots/{mine}", f"unit:{voter}").status_code == 200)
    assert found
    assert get(f"/v1/campaigns/{C}/ballots/{mine}", f"unit:{voter}").json()["candidate_unit_id"] == votes[voter]
    check = subprocess.run(
        [sys.executable, "-m", "emulation", "ballot", "check", "--campaign", C, "--block", BLOCK, "--round", "bau-khoi",
         "--api", f"http://127.0.0.1:{s.system.settings.api_port}", "--token", role[f"unit:{voter}"]],
        env=os.environ | {"EMULATION_BALLOT_RECEIPT": receipts[voter], "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout) == {"ballot": mine, "counted": True, "candidate_unit_id": votes[voter]}

    # anyone with the round can recount it from the published ballots
    def elected() -> dict[str, Any] | None:  # the winner is the close's second event: the ballot shows the first
        [rnd] = [r for r in get(f"/v1/campaigns/{C}/votes", "council").json()["rounds"] if r["round_id"] == "bau-khoi"]
        return rnd if rnd["winner"] else None

    rnd = await wait_for(elected)
    recount: dict[str, int] = {}
    for b in rnd["ballots"]:
        recount[b["candidate_unit_id"]] = recount.get(b["candidate_unit_id"], 0) + 1
    assert {c: n for c, n in rnd["tally"].items() if n} == recount and rnd["winner"] == WINNER
    assert {b["ballot"] for b in rnd["ballots"]} == {ballot_id(C, BLOCK, "bau-khoi", r) for r in receipts.values()}

    # every notice of the result has gone out on NATS (stream NOTIFICATIONS) before we look
    admin = await s.connect("admin")

    async def result_notices() -> list[Any]:
        notices = [
            json.loads(m.data) for m in await stream_messages(admin, "emulation.notifications.>", "NOTIFICATIONS")
        ]
        results = [n for n in notices if n["rule"] == "vote-result"]
        return notices if len({n["unit_id"] for n in results}) >= len(MEMBERS) else []

    notices = await wait_for(result_notices, timeout=60)
    events = [json.loads(m.data) for m in await stream_messages(admin, "emulation.events.>")]
    await admin.close()
    audit_export = await wait_for(lambda: _export_when_closed(get(f"/v1/audit/export?campaign={C}", "auditor").text))
    notice_log = get("/v1/notifications", "council").json()

    # the evaluation's store re-derives exactly what it published (the new versions included); other services
    # may still be relaying their notices
    report = await verify_history(s.as_user("admin"))
    assert [d for d in report["divergences"] if d["service"] == "evaluation"] == []

    # the stream carries, for each ballot, the voter and a commitment only
    cast_events = [e for e in events if e["type"].startswith("block_vote_cast")]
    assert len(cast_events) == len(MEMBERS)
    assert all(
        set(e["data"]) == {"campaign_id", "block_id", "round_id", "voter_unit_id", "commitment"} for e in cast_events
    )
    secrets = [*receipts.values(), *sealed_choices(s)]  # the receipts link ballots to voters; the sealed ones too
    probes = [malformed, outsider]
    documents = {"stream": events, "notices": notices, "notice log": notice_log, "audit export": audit_export}
    for where, document in documents.items():
        text = json.dumps(document, ensure_ascii=False)
        assert not [x for x in secrets if x in text], where
        linked = [o for o in objects(document) if "voter_unit_id" in o and "candidate_unit_id" in o]
        assert linked == [], where

    # no log line of any process (at DEBUG; nats-server's own too) holds a choice, a voter's receipt or sealed ballot;
    # FastStream logs each command it receives and processes by subject and message id only
    logs = sorted(tmp_path.rglob("*.log"))
    assert {p.name for p in logs} >= {"evaluation.log", "notification.log", "audit.log", "api.log", "nats.log"}
    lines = [line for p in logs for line in p.read_text(errors="replace").splitlines()]
    about_casts = [line for line in lines if "cast_block_vote" in line]
    assert len(about_casts) >= 2 * len(MEMBERS)  # "Received" and "Processed" for each ballot
    for line in lines:
        assert not [x for x in [*secrets, *probes] if x in line], line
        assert "candidate_unit_id" not in line, line
    for line in about_casts:
        assert not [u for u in MEMBERS if u in line], line


def sealed_choices(s: Secured) -> list[str]:
    with sqlite3.connect(s.system.settings.data_dir / "evaluation-events.db") as conn:
        rows = conn.execute("SELECT state FROM stored_events WHERE topic LIKE '%BallotCast'").fetchall()
    return [json.loads(state)["sealed"] for (state,) in rows]


def _export_when_closed(text: str) -> list[dict[str, Any]] | None:
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return rows if any(r["type"].startswith("vote_round_closed") for r in rows) else None


async def test_a_ballot_edited_in_the_store_is_named_and_its_round_counted_without_it(secured: Secured) -> None:
    s = secured
    s.start("registry")
    evaluation = s.start("evaluation")
    await block_ready(s)
    votes = choices()
    await cast_all(s, votes)
    s.system.kill(evaluation)  # an operator with the store (not the key) edits it while the service is down
    db = s.system.settings.data_dir / "evaluation-events.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT originator_id, originator_version, state FROM stored_events WHERE topic LIKE '%BallotCast'"
        ).fetchall()
        ballots = {
            json.loads(state)["voter_unit_id"]: (oid, version, json.loads(state)) for oid, version, state in rows
        }
        victim = next(v for v, c in votes.items() if c != WINNER)  # voted for the other unit...
        donor = next(v for v, c in votes.items() if c == WINNER)  # ...gets a copy of a vote for the winner
        oid, version, state = ballots[victim]
        state["sealed"] = ballots[donor][2]["sealed"]
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (json.dumps(state, separators=(",", ":")).encode(), oid, version),
        )
    s.start("evaluation")
    closed = await send(s, "close_vote_round", LEADER, block_id=BLOCK, round_id="bau-khoi")
    assert closed["ok"], closed
    admin = await s.connect("admin")

    async def relayed() -> list[dict[str, Any]]:
        events = [json.loads(m.data) for m in await stream_messages(admin, f"emulation.events.{C}.>")]
        return events if {e["id"] for e in closed["events"]} <= {e["id"] for e in events} else []

    events = await wait_for(relayed, timeout=30)
    await admin.close()

    # the stream and its hash chain are intact (the sealed choice was never published), and `audit verify`,
    # which opens the sealed choices with the key, names the edited ballot and nothing else...
    report = await verify_history(s.as_user("admin"))
    tampered_id = event_id(uuid.UUID(oid), version)
    assert [(d["kind"], d["event_id"]) for d in report["divergences"]] == [("ballot_tampered", tampered_id)]
    # ...and the integrity check, which opens the sealed choices with the key, names the edited ballot
    app = build(s.system.settings).app
    assert app is not None
    try:
        problems = list(app.integrity_problems())
    finally:
        app.close()
    tampered = event_id(uuid.UUID(oid), version)
    assert [(p.event_id, p.kind) for p in problems] == [(tampered, "ballot_tampered")]
    assert "round 'bau-khoi'" in problems[0].detail and BLOCK in problems[0].detail

    [result] = [e["data"] for e in events if e["type"] == "vote_round_closed.v3"]
    expected: dict[str, int] = {}
    for v, c in votes.items():
        if v != victim:
            expected[c] = expected.get(c, 0) + 1
    assert (result["voters"], result["rejected"], len(result["ballots"])) == (len(MEMBERS), 1, len(MEMBERS) - 1)
    assert {c: n for c, n in result["tally"].items() if n} == expected
    assert "1 ballot(s) rejected" in result["reason"]
