"""The harness itself: the real Chromium reaches the demo's read API, and a screenshot and the accessibility
check work on what it shows."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import Page

from tests.browser.person import SCREENSHOTS, check_a11y, shot
from tests.browser.workspace import Workspace
from tests.support.demo_settled import CAMPAIGN

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="package")]


async def test_chromium_reaches_the_read_api(page: Page, workspace: Workspace) -> None:
    response = await page.goto("/healthz")
    assert response is not None and response.ok
    assert json.loads(await page.inner_text("body")) == {"status": "ok"}


async def test_the_public_reads_the_campaigns_in_the_browser(page: Page, workspace: Workspace) -> None:
    await page.goto("/v1/campaigns")
    shown = json.loads(await page.inner_text("body"))
    assert [c["campaign_id"] for c in shown] == [c["campaign_id"] for c in await workspace.read("/v1/campaigns")]
    assert CAMPAIGN in [c["campaign_id"] for c in shown]
    assert "Phong trào thi đua yêu nước năm 2022" in await page.inner_text("body")  # diacritics intact
    path = await shot(page, "harness-campaigns-json")
    assert path.parent == SCREENSHOTS and path.stat().st_size > 0


async def test_the_accessibility_check_finds_a_serious_violation(page: Page) -> None:
    """An image without a text alternative is a critical violation: the check must say so, naming it."""
    await page.set_content(
        '<html lang="vi"><head><title>t</title></head><body><main><img src="x.png"></main></body></html>'
    )
    with pytest.raises(AssertionError, match="image-alt"):
        await check_a11y(page)
    await page.set_content(
        '<html lang="vi"><head><title>t</title></head><body><main><h1>Xin chào</h1></main></body></html>'
    )
    await check_a11y(page)
