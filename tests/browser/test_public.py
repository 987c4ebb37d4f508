"""The public (nobody signed in, or a `public` token): the campaigns, and standings only of closed campaigns."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.person import check_a11y, shot, sign_in
from tests.browser.workspace import Workspace

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="package")]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "public-token"])
async def test_the_public_finds_only_closed_campaigns_standings(
    page: Page, workspace: Workspace, signed_in: bool
) -> None:
    campaigns = await workspace.read("/v1/campaigns")
    closed = [c for c in campaigns if c["status"] == "closed"]
    still_open = [c for c in campaigns if c["status"] != "closed"]
    assert closed and still_open, "the demo has a closed campaign (2022) and an open one (2023)"
    if signed_in:
        await sign_in(page, workspace.public)
    else:
        await page.goto("/")
    for c in campaigns:
        await expect(page.get_by_role("link", name=c["title"])).to_be_visible()
    await check_a11y(page)
    await shot(page, f"campaigns-public-{'token' if signed_in else 'anonymous'}")

    for c in closed:
        await page.goto("/")
        await page.get_by_role("link", name=c["title"]).click()
        await page.get_by_role("link", name="Bảng xếp hạng").click()
        standings = await workspace.read(f"/v1/campaigns/{c['campaign_id']}/standings")
        for block in standings["blocks"]:
            rows = page.get_by_test_id(f"standings-block-{block['block_id']}").get_by_test_id("standings-row")
            await expect(rows).to_have_count(len(block["units"]))
        await check_a11y(page)
        await shot(page, f"standings-public-closed-{c['campaign_id']}")

    for c in still_open:
        answer = await page.goto(f"/campaigns/{c['campaign_id']}/standings")
        assert answer is not None and answer.status == (403 if signed_in else 401)
        await expect(page.get_by_test_id("standings-row")).to_have_count(0)
        if not signed_in:  # asked to sign in, and brought back here afterwards
            await expect(page.get_by_test_id("signin-form")).to_be_visible()
        await check_a11y(page)
        await shot(page, f"standings-public-open-{c['campaign_id']}-{'token' if signed_in else 'anonymous'}")
