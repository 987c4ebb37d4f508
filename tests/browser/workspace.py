"""The running demo as the browser tests see it: its address, a token for each kind of reader, and its JSON API
(what a program reads, to compare a page with)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.embedded import Up

CAMPAIGN = "2022"
BLOCKS = ("khoi-phong-chuyen-mon", "khoi-don-vi-truc-thuoc")
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
