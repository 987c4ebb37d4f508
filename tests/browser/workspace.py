"""The running demo as the browser tests see it: its address, a token for each kind of reader, its JSON API
(what a program reads, to compare a page with) and the portal's commands (to change what an open page shows).

The demo (`emulation up --demo`) plays a whole year: the 2022 campaign from launch to close, and 2023 still open.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from emulation import demo
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


async def demo_shown(workspace: Workspace) -> None:
    """Until the read API shows the demo's year settled: 2022 closed with both blocks ranked, its registrations and
    every one-stop dossier of 2022 counted, 2023 open (so no page changes under a test, and the screenshots show
    the whole year)."""
    dossiers = sum(d["resolved_at"] < "2022-12-31T17" for _, _, d in demo.facts("one-stop"))  # 2022 in Vietnam

    async def shown() -> bool:
        status = {c["campaign_id"]: c["status"] for c in await workspace.read("/v1/campaigns")}
        if (status.get(CAMPAIGN), status.get(OPEN)) != ("closed", "open"):
            return False
        standings = await workspace.read(f"/v1/campaigns/{CAMPAIGN}/standings", workspace.council)
        registered = await workspace.read(f"/v1/campaigns/{CAMPAIGN}/registrations", workspace.council)
        blocks = {b["block_id"] for b in standings["blocks"] if b["units"]}
        counted = sum(u["dossier_count"] for b in standings["blocks"] for u in b["units"])
        return blocks == set(BLOCKS) and bool(registered["registrations"]) and counted == dossiers

    await wait_for(shown, timeout=180, interval=0.5)
