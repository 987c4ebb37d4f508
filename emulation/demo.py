"""The demo: the 2022 campaign of plan 5039/KH-STP-VP, sent as commands like any city system would.

`commands`/`load`: the campaign, its blocks, units and leaders (what many tests start from); the whole year that
`emulation up --demo` plays on top of them is `emulation/demo_year.py`. Command ids are derived from the
scenario, so loading it twice records nothing new.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from emulation.client import send

SCENARIO = Path(__file__).resolve().parent.parent / "scenario" / "campaign-2022.json"
ACTOR = "van-phong-so"
LEADERS = {
    "khoi-phong-chuyen-mon": ("van-phong-so", "thanh-tra-so"),
    "khoi-don-vi-truc-thuoc": ("trung-tam-tro-giup-phap-ly", "phong-cong-chung-so-1"),
}
"""Demo block leader and deputy (khối trưởng, khối phó) per block; they rotate from year to year."""


def load_scenario(path: Path = SCENARIO) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def command_id(*key: str) -> str:
    return str(uuid5(NAMESPACE_URL, "urn:emulation:demo:" + ":".join(key)))


def body(*key: str, **fields: Any) -> dict[str, Any]:
    """A command body with a command id derived from `key` (same scenario, same ids)."""
    return {"command_id": command_id(*key), "actor": ACTOR, **fields}


def commands(scenario: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(command name, body) in the order a department would send them: campaign, blocks, units, leaders."""
    campaign = scenario["campaign"]
    cid = campaign["campaign_id"]
    yield "launch_campaign", body(cid, "launch", **campaign)
    blocks = scenario["blocks"]
    for b in blocks:
        yield "define_block", body(cid, "block", b["block_id"], campaign_id=cid, block_id=b["block_id"], name=b["name"])
    for b in blocks:
        for unit in b["units"]:
            yield "register_unit", body("unit", unit["unit_id"], **unit)
    for b in blocks:
        for unit in b["units"]:
            uid = unit["unit_id"]
            yield "assign_unit_to_block", body(cid, "assign", uid, campaign_id=cid, block_id=b["block_id"], unit_id=uid)
    for b in blocks:
        if b["block_id"] in LEADERS:
            leader, deputy = LEADERS[b["block_id"]]
            yield (
                "designate_block_leader",
                body(
                    cid,
                    "leader",
                    b["block_id"],
                    campaign_id=cid,
                    block_id=b["block_id"],
                    leader_unit_id=leader,
                    deputy_unit_id=deputy,
                ),
            )


async def load(nc: Any, scenario: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Send every demo command; raise if one is refused."""
    replies = []
    for name, body in commands(scenario or load_scenario()):
        reply = await send(nc, name, body, retry_for=30)
        if not reply.get("ok"):
            raise RuntimeError(f"demo command {name} refused: {reply}")
        replies.append(reply)
    return replies


# ---- facts from other city systems (shared/events/inbound.py) -------------------------------------

PROCEDURES = ("2.000889", "2.001193", "2.000635", "2.001255", "1.001699", "2.000528")
"""Procedure codes of the national procedures database the demo's dossiers use (civil status, notarisation,
judicial records, legal aid)."""
DOSSIERS_PER_UNIT = (120, 260)
LATE_SHARE = (0.0, 0.08)
"""Each unit handles between 120 and 260 dossiers in 2022, up to 8 % of them late (seeded: the same every run)."""
MEASURE = {
    "decision_no": "12/QĐ-STP",
    "person": "Trần Văn Minh",
    "unit_id": "phong-cong-chung-so-3",
    "measure": "khien-trach",
    "decided_on": "2022-07-15",
}
"""The demo's one disciplinary measure: any award proposed for this person in 2022 is ineligible, naming it (the
demo's year proposes one, `scenario/year-2022.json`)."""


def facts(system: str, scenario: dict[str, Any] | None = None) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(event, source event id, data) a city system publishes in the demo: the one-stop system's resolved dossiers
    (a few thousand across the units, some late), the personnel system's disciplinary measure."""
    import random
    from datetime import UTC, datetime, timedelta

    if system == "personnel":
        yield "disciplinary_measure_recorded", "qd-12-2022", MEASURE
        return
    if system != "one-stop":
        return
    rng = random.Random(2022)
    year = datetime(2022, 1, 3, 1, 30, tzinfo=UTC)
    units = [u["unit_id"] for b in (scenario or load_scenario())["blocks"] for u in b["units"]]
    for u, unit in enumerate(units):
        late_share = rng.uniform(*LATE_SHARE)
        for n in range(rng.randint(*DOSSIERS_PER_UNIT)):
            received = year + timedelta(days=rng.randint(0, 340), minutes=rng.randint(0, 480))
            due = received + timedelta(days=rng.choice((3, 5, 7, 10, 15)))
            late = rng.random() < late_share
            resolved = due + timedelta(days=rng.randint(1, 6)) if late else due - timedelta(hours=rng.randint(2, 60))
            dossier_id = f"000.00.31.H29-{received:%y%m%d}-{u:02d}{n:04d}"
            data = {"dossier_id": dossier_id, "unit_id": unit, "procedure_code": rng.choice(PROCEDURES),
                    "received_at": received.isoformat(), "due_at": due.isoformat(),
                    "resolved_at": max(resolved, received).isoformat()}  # fmt: skip
            yield "dossier_resolved", f"mc-{dossier_id}", data


async def publish_facts(nc: Any, system: str, scenario: dict[str, Any] | None = None) -> int:
    """Publish the demo's facts of `system` through its own identity, each acknowledged by JetStream (message id
    `<system>:<source event id>`: the stream's duplicate window is shared by every system); how many."""
    import asyncio
    from datetime import UTC, datetime

    from shared.events.inbound import envelope, inbound_subject

    js = nc.jetstream()
    sent = list(facts(system, scenario))
    now = datetime.now(UTC)
    for start in range(0, len(sent), 200):
        await asyncio.gather(
            *(
                js.publish(
                    inbound_subject(system, event),
                    json.dumps(envelope(system, event, source_id, data, now), ensure_ascii=False).encode(),
                    headers={"Nats-Msg-Id": f"{system}:{source_id}"},
                )
                for event, source_id, data in sent[start : start + 200]
            )
        )
    return len(sent)
