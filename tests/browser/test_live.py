"""A standings page left open follows the standings without a full reload (it asks again with the `ETag`)."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page, expect

from services.read_api.workspace.render import vn_number
from tests.browser.person import shot, sign_in
from tests.browser.workspace import DEMO_UNIT, Workspace
from tests.support.demo_settled import OPEN

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="package")]
COUNCIL = "council:chu-tich"
REFRESH_MS = 60_000
"""Up to how long an open page may take to show a change (its polling period plus the views' catching up)."""


async def test_an_open_standings_page_shows_a_verified_achievement_without_reloading(
    page: Page, workspace: Workspace
) -> None:
    path = f"/campaigns/{OPEN}/standings"
    await sign_in(page, workspace.council)
    await page.goto(path)
    unit = DEMO_UNIT
    block, before = next(
        (b["block_id"], u)
        for b in (await workspace.read(f"/v1/campaigns/{OPEN}/standings", workspace.council))["blocks"]
        for u in b["units"]
        if u["unit_id"] == unit
    )
    row = page.get_by_test_id(f"standings-block-{block}").locator(
        f'[data-testid="standings-row"][data-unit-id="{unit}"]'
    )
    await expect(row).to_have_attribute("data-rank", str(before["rank"]))
    await page.evaluate("window.sameDocument = true")  # gone if the page is loaded again

    achievement = f"live-{uuid.uuid4().hex[:8]}"
    await workspace.command(
        "report_achievement",
        unit,
        campaign_id=OPEN,
        achievement_id=achievement,
        unit_id=unit,
        content_no=8,
        claimed_points=12.5,
        description="Sáng kiến số hoá sổ công chứng",
    )
    await workspace.command("verify_achievement", COUNCIL, campaign_id=OPEN, achievement_id=achievement)

    await expect(row).to_contain_text(vn_number(before["verified_score"] + 12.5, 2), timeout=REFRESH_MS)
    after = next(
        u
        for b in (await workspace.read(f"/v1/campaigns/{OPEN}/standings", workspace.council))["blocks"]
        for u in b["units"]
        if u["unit_id"] == unit
    )
    await expect(row).to_have_attribute("data-rank", str(after["rank"]), timeout=REFRESH_MS)
    assert await page.evaluate("window.sameDocument === true"), "the page was reloaded"
    await shot(page, "standings-live-after-verification")
