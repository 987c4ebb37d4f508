"""`?as_of=`: the standings as they were at a moment, before and after a known verification event."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.integration.test_evaluation_year import BLOCK2, C, Year
from tests.support.system import System, wait_for

pytestmark = pytest.mark.integration
A, B = "phong-cong-chung-so-1", "phong-cong-chung-so-2"


def ranking(system: System, **params: str) -> list[tuple[str, float]]:
    block = system.get(f"/v1/campaigns/{C}/standings", block=BLOCK2, **params)["blocks"][0]
    return [(u["unit_id"], u["verified_score"]) for u in block["units"][:2]]


async def test_as_of_returns_the_standings_before_and_after_a_verification(system: System) -> None:
    year = Year(system)
    await year.setup()
    before_anything = datetime.now(UTC).isoformat()
    await year.ok("set_scoring_table", criteria=[{"criterion_id": "nhiem-vu", "title": "Nhiệm vụ", "max_points": 60}])
    for unit, points in ((A, 50), (B, 40)):
        await year.ok("report_achievement", unit, achievement_id=f"tt-{unit}", unit_id=unit, content_no=4,
                      criterion_id="nhiem-vu", claimed_points=points, description="Hoàn thành nhiệm vụ")  # fmt: skip
    await year.ok("verify_achievement", achievement_id=f"tt-{B}")
    await wait_for(lambda: ranking(system)[0] == (B, 40.0))
    await asyncio.sleep(0.05)
    between = datetime.now(UTC).isoformat()
    await asyncio.sleep(0.05)
    await year.ok("verify_achievement", achievement_id=f"tt-{A}")  # the known verification event
    await wait_for(lambda: ranking(system)[0] == (A, 50.0))

    assert ranking(system) == [(A, 50.0), (B, 40.0)]
    assert ranking(system, as_of=between) == [(B, 40.0), (A, 0.0)]
    early = system.get(f"/v1/campaigns/{C}/standings", block=BLOCK2, as_of=before_anything)["blocks"][0]["units"]
    assert all(u["verified_score"] == 0 and u["reported_count"] == 0 for u in early)
    assert system.get(f"/v1/campaigns/{C}/standings", as_of=between)["as_of"] == between


async def test_standings_carry_an_etag_that_changes_with_them(system: System) -> None:
    year = Year(system)
    await year.setup()
    await year.ok("set_scoring_table", criteria=[{"criterion_id": "nhiem-vu", "title": "Nhiệm vụ", "max_points": 60}])
    await year.ok("report_achievement", A, achievement_id="tt-etag", unit_id=A, content_no=4,
                  criterion_id="nhiem-vu", claimed_points=30, description="Hoàn thành nhiệm vụ")  # fmt: skip
    path = f"/v1/campaigns/{C}/standings?block={BLOCK2}"

    def unit_a(response: Any) -> dict[str, Any]:
        return next(u for u in response.json()["blocks"][0]["units"] if u["unit_id"] == A)

    with system.http() as http:
        await wait_for(lambda: unit_a(http.get(path))["reported_count"] == 1)
        first = http.get(path)
        etag = first.headers["etag"]
        again = http.get(path, headers={"If-None-Match": etag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
        await year.ok("verify_achievement", achievement_id="tt-etag")
        await wait_for(lambda: http.get(path, headers={"If-None-Match": etag}).status_code == 200)
        changed = http.get(path, headers={"If-None-Match": etag})
        assert changed.headers["etag"] != etag
        assert unit_a(changed)["verified_score"] == 30.0
