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
from tests.support.embedded import Up
from tests.support.system import wait_for

CAMPAIGN = "2022"
BLOCKS = ("khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc")
DEMO_UNIT = "phong-cong-chung-so-1"
"""The unit whose token the unit tests sign in with (Phòng Công chứng số 1, block `khoi-don-vi-truc-thuoc`)."""
CLOSED, OPEN = "2021", "2023"
"""Campaigns the fixture launches through the public commands, so the public finds one of each: 2021 closed
(three demo units, no achievements), and 2023 open only when the demo has closed its 2022."""


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

    async def unit_names(self) -> dict[str, str]:
        return {u["unit_id"]: u["name"] for u in await self.read("/v1/units?limit=1000", self.council)}


async def add_campaigns(workspace: Workspace) -> None:
    """Launch (as the department's portal, over NATS) a closed campaign and, if none is open, an open one;
    return once the read API shows them."""
    up = workspace.up
    campaigns = {c["campaign_id"]: c for c in await workspace.read("/v1/campaigns")}
    wanted = [CLOSED] + ([] if any(c["status"] == "open" for c in campaigns.values()) else [OPEN])
    nc = await up.connect("portal")
    try:
        for campaign_id in wanted:
            if campaign_id not in campaigns:
                for command, body in _launch(campaign_id, closed=campaign_id == CLOSED):
                    reply = await send(nc, command, body, retry_for=30)
                    assert reply["ok"], (command, body, reply)
    finally:
        await nc.close()

    async def shown() -> bool:
        status = {c["campaign_id"]: c["status"] for c in await workspace.read("/v1/campaigns")}
        if status.get(CLOSED) != "closed" or (OPEN in wanted and status.get(OPEN) != "open"):
            return False
        closed = await workspace.read(f"/v1/campaigns/{CLOSED}/standings")
        return sum(len(b["units"]) for b in closed["blocks"]) == 3

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
    block = scenario["blocks"][1]
    units = [u["unit_id"] for u in block["units"][:3]]
    commands = [
        ("launch_campaign", campaign),
        ("define_block", {"campaign_id": campaign_id, "block_id": block["block_id"], "name": block["name"]}),
        *[
            ("assign_unit_to_block", {"campaign_id": campaign_id, "block_id": block["block_id"], "unit_id": u})
            for u in units
        ],
    ]
    if closed:
        commands.append(("close_campaign", {"campaign_id": campaign_id, "reason": "Đã tổng kết năm " + campaign_id}))
    return [(name, {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **body}) for name, body in commands]


async def require_pages(workspace: Workspace, *paths: str) -> None:
    """Skip, saying which, while a page of the plan is not served yet (its route answers JSON, not HTML)."""
    async with httpx.AsyncClient(base_url=workspace.url, timeout=10) as api:
        for path in paths:
            answer = await api.get(path, headers={"Authorization": f"Bearer {workspace.auditor}"})
            if not answer.headers.get("content-type", "").startswith("text/html"):
                pytest.skip(f"the workspace page {path} is not merged yet (GET answers {answer.status_code} JSON)")
