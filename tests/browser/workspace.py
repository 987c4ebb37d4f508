"""The running demo as the browser tests see it: its address, a token for each kind of reader, its JSON API
(what a program reads, to compare a page with) and the portal's commands (to change what an open page shows).

The demo (`emulation up --demo`) plays a whole year: the 2022 campaign from launch to close, and 2023 still open.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from emulation.client import send
from tests.e2e.parties import NOT_YET
from tests.support.embedded import Up
from tests.support.system import wait_for

DEMO_UNIT = "phong-cong-chung-so-1"
"""The unit whose token the unit tests sign in with (Phòng Công chứng số 1, block `khoi-don-vi-truc-thuoc`)."""


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
