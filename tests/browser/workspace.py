"""The running demo as the browser tests see it: its address, a token for each kind of reader, its JSON API
(what a program reads, to compare a page with), and the campaigns the public tests need beside the demo's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from emulation.client import send
from emulation.demo import load_scenario
from tests.e2e.parties import NOT_YET
from tests.support.embedded import Up
from tests.support.system import wait_for

CAMPAIGN = "2022"
BLOCKS = ("khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc")
DEMO_UNIT = "phong-cong-chung-so-1"
"""The unit whose token the unit tests sign in with (Phòng Công chứng số 1, block `khoi-don-vi-truc-thuoc`)."""
CLOSED, OPEN = "2021", "2023"
"""Campaigns the fixture launches through the public commands, whatever the demo does with its 2022: 2021 closed
(the public finds its standings), 2023 open (the public does not; achievements reported in it show a page
refreshing). Each has one block of the same three units, and no achievements at first."""
OPEN_BLOCK = "khoi-don-vi-truc-thuoc"
OPEN_UNITS = ("trung-tam-tro-giup-phap-ly", "trung-tam-dau-gia-tai-san", "phong-cong-chung-so-1")


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


async def add_campaigns(workspace: Workspace) -> None:
    """Launch (as the department's portal, over NATS) a closed campaign and an open one; return once the read API
    shows them, the closed one's standings included."""
    known = {c["campaign_id"] for c in await workspace.read("/v1/campaigns")}
    for campaign_id in (CLOSED, OPEN):
        if campaign_id not in known:
            for command, body in _launch(campaign_id, closed=campaign_id == CLOSED):
                await workspace.command(command, **body)

    async def shown() -> bool:
        status = {c["campaign_id"]: c["status"] for c in await workspace.read("/v1/campaigns")}
        if (status.get(CLOSED), status.get(OPEN)) != ("closed", "open"):
            return False
        closed = await workspace.read(f"/v1/campaigns/{CLOSED}/standings")
        return sum(len(b["units"]) for b in closed["blocks"]) == len(OPEN_UNITS)

    await wait_for(shown, timeout=60, interval=0.2)


def _launch(campaign_id: str, closed: bool) -> list[tuple[str, dict[str, Any]]]:
    year = int(campaign_id)
    scenario = load_scenario()
    campaign = scenario["campaign"] | {
        "campaign_id": campaign_id,
        "year": year,
        "title": f"Phong trào thi đua yêu nước năm {year}",
        "document_number": f"1{year % 100:02d}/KH-STP-VP",
        "issued_on": f"{year - 1}-12-28",
        "period_start": f"{year}-01-01",
        "period_end": f"{year}-12-31",
        "registration_deadline": f"{year}-01-20",
    }
    block = next(b for b in scenario["blocks"] if b["block_id"] == OPEN_BLOCK)
    commands = [
        ("launch_campaign", campaign),
        ("define_block", {"campaign_id": campaign_id, "block_id": OPEN_BLOCK, "name": block["name"]}),
        *[
            ("assign_unit_to_block", {"campaign_id": campaign_id, "block_id": OPEN_BLOCK, "unit_id": u})
            for u in OPEN_UNITS
        ],
    ]
    if closed:
        commands.append(("close_campaign", {"campaign_id": campaign_id, "reason": f"Đã tổng kết năm {year}"}))
    return commands


async def require_pages(workspace: Workspace, *paths: str) -> None:
    """Skip, saying which, while a page of the plan is not served yet (its route answers JSON, not HTML)."""
    async with httpx.AsyncClient(base_url=workspace.url, timeout=10) as api:
        for path in paths:
            answer = await api.get(path, headers={"Authorization": f"Bearer {workspace.auditor}"})
            if not answer.headers.get("content-type", "").startswith("text/html"):
                pytest.skip(f"the workspace page {path} is not merged yet (GET answers {answer.status_code} JSON)")
