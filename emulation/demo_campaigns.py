"""The demo's smaller campaigns beside the 2022 one: the earlier yearly campaigns (2020, 2021) whose decisions the
consecutive-years rules read, and the 40th-anniversary thematic campaign (plan 5039's content 7).

Each is launched by the Department Office, gets its blocks and units, the units' pledges if the scenario has any,
award proposals with the council's decisions, and is closed (`scenario/campaigns-2020-2021.json`,
`scenario/anniversary-2022.json`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from emulation.demo_steps import Step, command, decisions, proposals, registrations


def campaign(scenario: dict[str, Any], council: str) -> Iterator[Step]:
    """One small campaign from launch to close."""
    c = scenario["campaign"]
    cid, at, office = c["campaign_id"], scenario["launched_on"], c["secretariat_unit_id"]
    yield command(at, "launch_campaign", office, cid, "launch", **c)
    for b in scenario["blocks"]:
        bid = b["block_id"]
        yield command(at, "define_block", office, cid, "block", bid, campaign_id=cid, block_id=bid, name=b["name"])
        for uid in b["units"]:
            yield command(at, "assign_unit_to_block", office, cid, "assign", uid, campaign_id=cid, block_id=bid,
                          unit_id=uid)  # fmt: skip
    yield from registrations(cid, scenario.get("registrations", []))
    entries = list(awards(scenario["awards"]))
    yield from proposals(cid, entries)
    yield from decisions(cid, council, [{"proposal_id": e["proposal_id"], **e["decided"]} for e in entries])
    close = scenario["close"]
    yield command(close["on"], "close_campaign", office, cid, "close", campaign_id=cid, reason=close["reason"])


def awards(entries: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The scenario's awards, one proposal each; an entry naming `people` is one proposal per person
    (`<proposal_id>-<n>`), all decided alike."""
    for e in entries:
        if "people" not in e:
            yield e
            continue
        one = {k: v for k, v in e.items() if k != "people"}
        for n, person in enumerate(e["people"], 1):
            yield one | {"proposal_id": f"{e['proposal_id']}-{n}", "person": person}
