"""The demo: the 2022 campaign of plan 5039/KH-STP-VP, sent as commands like any city system would.

Command ids are derived from the scenario, so loading it twice records nothing new.
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


def services(scenario: dict[str, Any] | None = None) -> set[str]:
    """The services the demo's commands go to."""
    from shared.events.catalog import COMMAND_TYPES

    return {COMMAND_TYPES[name].service for name, _ in commands(scenario or load_scenario())}


async def load(nc: Any, scenario: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Send every demo command; raise if one is refused."""
    replies = []
    for name, body in commands(scenario or load_scenario()):
        reply = await send(nc, name, body, retry_for=30)
        if not reply.get("ok"):
            raise RuntimeError(f"demo command {name} refused: {reply}")
        replies.append(reply)
    return replies
