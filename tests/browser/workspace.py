"""The running demo as the browser tests see it: its address, a token for each kind of reader, its JSON API
(what a program reads, to compare a page with) and the portal's commands (to change what an open page shows).

The demo (`emulation up --demo`) plays a whole year: the 2022 campaign from launch to close, and 2023 still open.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from emulation import demo, demo_year
from emulation.client import send
from tests.e2e.parties import NOT_YET
from tests.support.embedded import Up
from tests.support.system import wait_for

CAMPAIGN = "2022"
BLOCKS = ("khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc")
DEMO_UNIT = "phong-cong-chung-so-1"
"""The unit whose token the unit tests sign in with (Phòng Công chứng số 1, block `khoi-don-vi-truc-thuoc`)."""
OPEN = "2023"
"""The demo's second campaign, still open where its calendar ends (the public may not read its standings)."""


@dataclass(frozen=True)
class Workspace:
    up: Up
    url: str
    council: str
    auditor: str
    unit: str
    unit_id: str
    public: str

    async def read(self, path: str, token: str | None = None) -> Any:
        """The JSON body of a read API route, with `token` or as the public (no token); fails on a non-200."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(base_url=self.url, headers=headers, timeout=10) as api:
            response = await api.get(path)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    async def command(self, name: str, actor: str = "van-phong-so", /, **fields: Any) -> dict[str, Any]:
        """Send a command as the department's portal does (over NATS, its own identity); the same body again
        while the evaluation has not yet seen the registry's facts it needs."""
        body = {"command_id": str(uuid.uuid4()), "actor": actor, **fields}
        nc = await self.up.connect("portal")
        try:

            async def taken() -> dict[str, Any] | None:
                reply: dict[str, Any] = await send(nc, name, body, retry_for=30)
                return reply if reply["ok"] or reply["error"]["code"] not in NOT_YET else None

            reply: dict[str, Any] = await wait_for(taken, timeout=60, interval=0.2)
        finally:
            await nc.close()
        assert reply["ok"], (name, fields, reply)
        return reply

    async def unit_names(self) -> dict[str, str]:
        return {u["unit_id"]: u["name"] for u in await self.read("/v1/units?limit=1000", self.council)}


def last(command: str) -> dict[str, Any]:
    """The body of the demo year's last `command`."""
    return next(step.body for step in reversed(demo_year.steps()) if step.name == command)


async def demo_shown(workspace: Workspace) -> None:
    """Until the read API shows the demo's year settled: 2022 closed with both blocks ranked and every one-stop
    dossier of 2022 counted, 2023 open, and every other view the tests read holding its last command of the year
    (each view has its own consumer: so no page changes under a test, and the screenshots show the whole year)."""
    dossiers = sum(d["resolved_at"] < "2022-12-31T17" for _, _, d in demo.facts("one-stop"))  # 2022 in Vietnam
    assigned, registered, assessed, elected, decided, spread = map(last, (
        "assign_unit_to_block", "register_emulation", "assess_review",
        "close_vote_round", "decide_award", "spread_exemplary_model",
    ))  # fmt: skip

    async def shown(api: httpx.AsyncClient) -> bool:
        async def known(path: str) -> Any:  # None while the view does not know it yet (404)
            response = await api.get(path)
            return response.json() if response.status_code == 200 else None

        status = {c["campaign_id"]: c["status"] for c in await known("/v1/campaigns") or []}
        if (status.get(CAMPAIGN), status.get(OPEN)) != ("closed", "open"):
            return False
        standings = await known(f"/v1/campaigns/{CAMPAIGN}/standings") or {"blocks": []}
        blocks = {b["block_id"] for b in standings["blocks"] if b["units"]}
        counted = sum(u["dossier_count"] for b in standings["blocks"] for u in b["units"])
        # the registry's other views: the blocks, the units, the registrations, the reviews
        rosters = await known(f"/v1/campaigns/{CAMPAIGN}/blocks") or {}
        unit = await known(f"/v1/units/{assigned['unit_id']}") or {"campaigns": []}
        pledges = await known(f"/v1/campaigns/{registered['campaign_id']}/registrations?unit={registered['unit_id']}")
        reviewed = await known(f"/v1/campaigns/{assessed['campaign_id']}/reviews/{assessed['review']}/submissions"
                               f"?unit={assessed['unit_id']}")  # fmt: skip
        # the evaluation's: the votes (the winner is a close's second event), the awards, the exemplary models
        votes = await known(f"/v1/campaigns/{elected['campaign_id']}/votes") or {"rounds": []}
        awards = await known(f"/v1/campaigns/{decided['campaign_id']}/awards") or {"proposals": []}
        model = await known(f"/v1/models/{spread['model_id']}") or {"history": []}
        memberships = {(c["campaign_id"], c["block_id"]) for c in unit["campaigns"]}
        rounds = {(r["block_id"], r["round_id"]): r["winner"] for r in votes["rounds"]}
        return (
            blocks == set(BLOCKS)
            and counted == dossiers
            and rosters.get("status") == "closed"  # the registry's last command
            and (assigned["campaign_id"], assigned["block_id"]) in memberships
            and bool(pledges and pledges["registrations"])
            and bool(reviewed and any(s["assessment"] for s in reviewed["submissions"]))
            and bool(rounds.get((elected["block_id"], elected["round_id"])))
            and any(p["proposal_id"] == decided["proposal_id"] and p["decision"] for p in awards["proposals"])
            and any((h["step"], h["campaign_id"]) == ("spread", spread["campaign_id"]) for h in model["history"])
        )

    headers = {"Authorization": f"Bearer {workspace.council}"}
    async with httpx.AsyncClient(base_url=workspace.url, headers=headers, timeout=10) as council:
        await wait_for(lambda: shown(council), timeout=180, interval=0.5)
