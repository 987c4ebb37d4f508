"""Until a running `emulation up --demo` shows its whole year in every view.

`up` is ready once every command is answered; the views trail the commands, each by its own consumer of the
stream, and the services' streams have no order between them. The tests that read the demo (`test_demo`, the
browser tests) wait here once for the year's last command in each view they read, so nothing changes under them.
"""

from __future__ import annotations

from typing import Any

import httpx

from emulation import demo, demo_year
from tests.support.embedded import Up
from tests.support.system import wait_for

BLOCKS = ("khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc")
CAMPAIGN, OPEN = "2022", "2023"
"""The demo's campaign closed last (its year ends in 2023) and the one it leaves open."""


def last(command: str) -> dict[str, Any]:
    """The body of the demo year's last `command`."""
    return next(step.body for step in reversed(demo_year.steps()) if step.name == command)


async def demo_settled(up: Up, timeout: float = 180) -> None:
    """Until the first campaign is closed (in the registry's blocks too) with both blocks ranked and every one-stop
    dossier of its year counted, the next one open, and each other view holding the year's last command: the last
    assignment, registration, review assessment, achievement verified, runoff winner (a close's second event),
    award decided and exemplary model spread."""
    assigned, registered, assessed, verified, elected, decided, spread = map(last, (
        "assign_unit_to_block", "register_emulation", "assess_review",
        "verify_achievement", "close_vote_round", "decide_award", "spread_exemplary_model",
    ))  # fmt: skip
    dossiers = sum(d["resolved_at"] < f"{CAMPAIGN}-12-31T17" for _, _, d in demo.facts("one-stop"))  # in Vietnam

    async def shown(http: httpx.AsyncClient) -> bool:
        async def known(path: str, **params: Any) -> Any:  # {} while a view does not know it yet (404)
            r = await http.get(path, params=params)
            return r.json() if r.status_code == 200 else {}

        status = {c["campaign_id"]: c["status"] for c in await known("/v1/campaigns") or []}
        if (status.get(CAMPAIGN), status.get(OPEN)) != ("closed", "open"):
            return False
        standings = (await known(f"/v1/campaigns/{CAMPAIGN}/standings")).get("blocks", [])
        rosters = await known(f"/v1/campaigns/{CAMPAIGN}/blocks")
        unit = await known(f"/v1/units/{assigned['unit_id']}")
        pledges = await known(f"/v1/campaigns/{registered['campaign_id']}/registrations", unit=registered["unit_id"])
        reviewed = await known(f"/v1/campaigns/{assessed['campaign_id']}/reviews/{assessed['review']}/submissions",
                               unit=assessed["unit_id"])  # fmt: skip
        achievements = await known(f"/v1/campaigns/{verified['campaign_id']}/achievements", limit=100)
        votes = await known(f"/v1/campaigns/{elected['campaign_id']}/votes")
        proposals = (await known(f"/v1/campaigns/{decided['campaign_id']}/awards")).get("proposals", [])
        history = (await known(f"/v1/models/{spread['model_id']}")).get("history", [])
        memberships = {(c["campaign_id"], c["block_id"]) for c in unit.get("campaigns", [])}
        verdicts = {a["achievement_id"]: a["status"] for a in achievements.get("achievements", [])}
        winners = {(r["block_id"], r["round_id"]): r["winner"] for r in votes.get("rounds", [])}
        return (
            {b["block_id"] for b in standings if b["units"]} == set(BLOCKS)
            and sum(u["dossier_count"] for b in standings for u in b["units"]) == dossiers
            and rosters.get("status") == "closed"
            and (assigned["campaign_id"], assigned["block_id"]) in memberships
            and bool(pledges.get("registrations"))
            and any(s["assessment"] for s in reviewed.get("submissions", []))
            and verdicts.get(verified["achievement_id"]) == "verified"
            and bool(winners.get((elected["block_id"], elected["round_id"])))
            and any(p["proposal_id"] == decided["proposal_id"] and p["decision"] for p in proposals)
            and any((h["step"], h["campaign_id"]) == ("spread", spread["campaign_id"]) for h in history)
        )

    async with up.http() as council:
        await wait_for(lambda: shown(council), timeout=timeout, interval=0.5)
