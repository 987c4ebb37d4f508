"""Facts from other city systems over a real nats-server with the generated accounts (issue 15, deliverable 2).

The one-stop and personnel systems publish through their own identities, as `emulation up` creates them; the
registry and the evaluation run as processes under theirs. A late dossier moves the standings, a repeated or a
malformed message changes nothing (the malformed one is dead-lettered with its bytes and the next is taken), a
recorded measure bars a proposal naming the decision and its annulment lifts the bar, and a system publishing on
another system's subjects is refused by the server.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import NoStreamResponseError

from emulation import demo, security
from services.evaluation.adapters.standings import StandingsView
from services.evaluation.factory import build_views
from shared.events.envelope import DEADLETTER_STREAM
from shared.events.inbound import INBOUND_STREAM, envelope, inbound_subject
from shared.infra.inbound import inbound_durable
from tests.support.secured import Secured
from tests.support.system import stream_messages, wait_for

pytestmark = pytest.mark.integration
C = "2022"
BLOCK = "khoi-phong-chuyen-mon"
FAST, SLOW = "phong-bo-tro-tu-phap", "phong-hanh-chinh-tu-phap"  # two units of the block, in id order
T0 = datetime(2022, 3, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[Secured]:
    from emulation.supervisor import create_streams

    s = Secured(tmp_path, security.DEFAULT_SYSTEMS)
    await create_streams(s.as_user("admin"))
    s.system.nc = await s.connect("portal")
    s.start("registry")
    s.start("evaluation")
    await s.system.ready()
    await demo.load(s.system.nc)
    await wait_for(lambda: standings(s))  # the evaluation knows the campaign and its blocks
    yield s
    await s.system.nc.close()
    s.stop()


def dossier(dossier_id: str, unit: str, late: bool = False) -> dict[str, Any]:
    due = T0 + timedelta(days=5)
    resolved = due + timedelta(days=2) if late else due - timedelta(days=1)
    return {"dossier_id": dossier_id, "unit_id": unit, "procedure_code": "2.000889", "received_at": T0.isoformat(),
            "due_at": due.isoformat(), "resolved_at": resolved.isoformat()}  # fmt: skip


def body(system: str, event: str, source_id: str, data: dict[str, Any]) -> bytes:
    return json.dumps(envelope(system, event, source_id, data, T0), ensure_ascii=False).encode()


async def publish(nc: Any, system: str, event: str, payload: bytes) -> Any:
    """Publish as a city system does: through its own account, acknowledged by JetStream. A fresh message id, so
    a repeat reaches the consumer (the stream's duplicate window would drop it first)."""
    return await nc.jetstream().publish(
        inbound_subject(system, event), payload, headers={"Nats-Msg-Id": str(uuid.uuid4())}
    )


def standings(s: Secured) -> dict[str, dict[str, Any]]:
    views = build_views(s.system.settings.replace(nats_user=""))
    view = next(v for v in views if isinstance(v, StandingsView))
    return {u["unit_id"]: u for u in view.standings(C, BLOCK).get(BLOCK, [])}


async def settled(admin: Any) -> bool:
    """The inbound consumer has taken and acknowledged everything on the stream."""
    info = await admin.jetstream().consumer_info(INBOUND_STREAM, inbound_durable("evaluation"))
    return info.num_pending == 0 and info.num_ack_pending == 0


def stored(s: Secured, kind: str) -> int:
    return sum(n for topic, n in s.system.stored_topics("evaluation").items() if topic.startswith(kind))


async def test_dossiers_move_the_standings_once_and_bad_messages_are_dead_lettered(secured: Secured) -> None:
    s = secured
    council = {"command_id": str(uuid.uuid4()), "actor": "council", "campaign_id": C}
    policy = {"dossier_points_max": 10.0, "late_dossier_penalty": 1.0}
    reply = await s.system.send("set_evaluation_policy", council | {"policy": policy})
    assert reply["ok"], reply
    one_stop, admin = await s.connect("one-stop"), await s.connect("admin")
    try:
        messages = [(f"os-{u}-{i}", dossier(f"hs-{u}-{i}", u)) for u in (FAST, SLOW) for i in range(4)]
        for source_id, data in messages:
            await publish(
                one_stop, "one-stop", "dossier_resolved", body("one-stop", "dossier_resolved", source_id, data)
            )
        rows = await wait_for(lambda: (r := standings(s)) and r[SLOW]["dossier_count"] == 4 and r)
        assert rows[FAST]["verified_score"] == rows[SLOW]["verified_score"] == 10.0
        assert rows[FAST]["rank"] < rows[SLOW]["rank"]  # a tie, broken by unit id

        late = body("one-stop", "dossier_resolved", "os-late", dossier("hs-late", FAST, late=True))
        await publish(one_stop, "one-stop", "dossier_resolved", late)
        rows = await wait_for(lambda: (r := standings(s)) and r[FAST]["dossier_count"] == 5 and r)
        assert (rows[FAST]["late_dossier_count"], rows[FAST]["on_time_share"]) == (1, 0.8)
        assert rows[FAST]["verified_score"] == 7.0  # 10 × 0.8 − 1
        assert rows[SLOW]["rank"] < rows[FAST]["rank"]

        recorded = stored(s, "Dossier.Resolved")
        await publish(one_stop, "one-stop", "dossier_resolved", late)  # the same source event again
        await wait_for(lambda: settled(admin))
        assert stored(s, "Dossier.Resolved") == recorded and standings(s)[FAST]["dossier_count"] == 5

        malformed = b'{"specversion": "1.0", "id": "os-bad", "source": "one-stop", "type": "dossier_resolved.v1"'
        wrong_unit = body("one-stop", "dossier_resolved", "os-bad-2", dossier("hs-x", "Not A Unit"))
        nxt = body("one-stop", "dossier_resolved", "os-next", dossier("hs-next", SLOW))
        for payload in (malformed, wrong_unit, nxt):
            await publish(one_stop, "one-stop", "dossier_resolved", payload)
        await wait_for(lambda: standings(s)[SLOW]["dossier_count"] == 5)  # the next one was taken
        await wait_for(lambda: settled(admin))
        letters = await stream_messages(admin, "emulation.deadletter.evaluation", DEADLETTER_STREAM)
        assert [m.data for m in letters] == [malformed, wrong_unit]  # the original bytes
        reasons = [m.headers["Emulation-Reason"] for m in letters]
        assert "json" in reasons[0].lower() and "unit_id" in reasons[1]
        assert {m.headers["Emulation-Original-Subject"] for m in letters} == {"city.one-stop.events.dossier_resolved"}

        published = await stream_messages(admin, "emulation.events._.dossier_recorded")
        first = json.loads(published[0].data)
        assert first["actor"] == "system:one-stop" and first["data"]["source"] == "one-stop"
        assert first["data"]["source_event_id"] == f"os-{FAST}-0"
    finally:
        await one_stop.close()
        await admin.close()


async def proposal(s: Secured, pid: str, person: str) -> dict[str, Any]:
    """Propose Lao động tiên tiến for `person` of FAST (declaring no discipline); the published proposal."""
    command = {"command_id": str(uuid.uuid4()), "actor": FAST, "campaign_id": C, "proposal_id": pid,
               "award": "lao-dong-tien-tien", "unit_id": FAST, "person": person}  # fmt: skip
    assert (await s.system.send("propose_award", command))["ok"]
    admin = await s.connect("admin")
    try:

        async def published() -> dict[str, Any] | None:
            found = await stream_messages(admin, f"emulation.events.{C}.award_proposed")
            return next((p for m in found if (p := json.loads(m.data)["data"])["proposal_id"] == pid), None)

        found: dict[str, Any] = await wait_for(published)
        return found
    finally:
        await admin.close()


async def test_a_recorded_measure_bars_the_proposal_naming_the_decision_and_its_annulment_lifts_it(
    secured: Secured,
) -> None:
    s = secured
    personnel = await s.connect("personnel")
    person, decision = "Lê Thị Thu", "27/QĐ-STP"
    try:
        fact = {"decision_no": decision, "person": person, "unit_id": FAST, "measure": "canh-cao",
                "decided_on": "2022-06-15"}  # fmt: skip
        payload = body("personnel", "disciplinary_measure_recorded", "hr-1", fact)
        await publish(personnel, "personnel", "disciplinary_measure_recorded", payload)
        await wait_for(lambda: stored(s, "UnitDiscipline.Recorded") == 1)
        barred = await proposal(s, "ldtt-1", person)
        assert not barred["eligible"]
        failed = {r["rule"]: r["reason"] for r in barred["rule_results"] if not r["passed"]}
        assert decision in failed["no-recorded-measure"] and decision in failed["discipline-declared"]  # flagged

        annulled = {"decision_no": decision, "unit_id": FAST, "annulled_on": "2022-09-01"}
        payload = body("personnel", "disciplinary_measure_annulled", "hr-2", annulled)
        await publish(personnel, "personnel", "disciplinary_measure_annulled", payload)
        await wait_for(lambda: stored(s, "UnitDiscipline.Annulled") == 1)
        assert (await proposal(s, "ldtt-2", person))["eligible"]
        decide = {"command_id": str(uuid.uuid4()), "actor": "council", "campaign_id": C, "proposal_id": "ldtt-1",
                  "votes_for": 8, "votes_against": 1, "members_present": 9}  # fmt: skip
        assert (await s.system.send("decide_award", decide))["ok"]  # the facts as they stand at the decision
    finally:
        await personnel.close()


async def test_a_system_publishing_on_another_systems_subjects_is_refused_by_the_server(secured: Secured) -> None:
    s = secured
    forged = body("one-stop", "dossier_resolved", "forged-1", dossier("hs-forged", FAST, late=True))
    errors: list[Exception] = []
    personnel = await s.connect("personnel", errors)
    portal = await s.connect("portal", errors)
    one_stop = await s.connect("one-stop", errors)
    admin = await s.connect("admin")
    try:
        for nc in (personnel, portal):  # another system's subject space: a permissions violation
            with pytest.raises((NoStreamResponseError, NatsTimeout)):
                await nc.jetstream().publish(inbound_subject("one-stop", "dossier_resolved"), forged, timeout=2)
        await wait_for(lambda: len([e for e in errors if "permissions violation" in str(e).lower()]) >= 2, timeout=5)
        fact = {
            "decision_no": "1/QĐ",
            "person": "X",
            "unit_id": FAST,
            "measure": "khien-trach",
            "decided_on": "2022-01-02",
        }
        with pytest.raises((NoStreamResponseError, NatsTimeout)):  # its own space, but not a fact it publishes
            await one_stop.jetstream().publish(
                inbound_subject("one-stop", "disciplinary_measure_recorded"),
                body("one-stop", "disciplinary_measure_recorded", "forged-2", fact),
                timeout=2,
            )
        info = await admin.jetstream().stream_info(INBOUND_STREAM)
        assert info.state.messages == 0  # nothing reached the stream
        assert standings(s)[FAST]["dossier_count"] == 0
    finally:
        for nc in (personnel, portal, one_stop, admin):
            await nc.close()


async def test_the_demo_facts_go_through_the_systems_identities(secured: Secured) -> None:
    s = secured
    published = {}
    for system in ("one-stop", "personnel"):
        nc = await s.connect(system)
        try:
            published[system] = await demo.publish_facts(nc, system)
        finally:
            await nc.close()
    assert published["one-stop"] > 2000 and published["personnel"] == 1
    await wait_for(lambda: stored(s, "Dossier.Resolved") == published["one-stop"], timeout=180)
    assert stored(s, "UnitDiscipline.Recorded") == 1
    in_2022 = sum(d["resolved_at"] < "2022-12-31T17" for _, _, d in demo.facts("one-stop"))
    views = build_views(s.system.settings.replace(nats_user=""))
    view = next(v for v in views if isinstance(v, StandingsView))
    # recorded is not yet in the view (relayed, then applied): wait until it holds every dossier, 2023's too
    await wait_for(lambda: view.query("SELECT COUNT(*) AS n FROM {dossiers}") == [{"n": published["one-stop"]}])
    units = [u for block in view.standings(C).values() for u in block]
    assert sum(u["dossier_count"] for u in units) == in_2022
    assert 0 < sum(u["late_dossier_count"] for u in units) < in_2022


async def test_no_reader_may_take_the_evaluations_inbound_facts(secured: Secured) -> None:
    """The inbound consumer's deliveries are the facts themselves: a reader pulling them would take them away."""
    errors: list[Exception] = []
    api = await secured.connect("api", errors)
    try:
        await api.publish(f"$JS.API.CONSUMER.MSG.NEXT.{INBOUND_STREAM}.{inbound_durable('evaluation')}", b"{}")
        await api.flush()
        await wait_for(lambda: any("permissions violation" in str(e).lower() for e in errors), timeout=5)
    finally:
        await api.close()
