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


def load_scenario(path: Path = SCENARIO) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def command_id(*key: str) -> str:
    return str(uuid5(NAMESPACE_URL, "urn:emulation:demo:" + ":".join(key)))


def commands(scenario: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(command name, body) in the order a department would send them."""
    campaign = scenario["campaign"]
    cid = campaign["campaign_id"]
    yield "launch_campaign", {"command_id": command_id(cid, "launch"), "actor": ACTOR, **campaign}


async def load(nc: Any, scenario: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Send every demo command; raise if one is refused."""
    replies = []
    for name, body in commands(scenario or load_scenario()):
        reply = await send(nc, name, body)
        if not reply.get("ok"):
            raise RuntimeError(f"demo command {name} refused: {reply}")
        replies.append(reply)
    return replies
