"""Every page of the workspace, as the auditor (who may read them all): served in Vietnamese, free of serious
accessibility violations, readable on a phone without scrolling sideways, and photographed for the reviewer."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, ViewportSize, expect

from tests.browser.person import check_a11y, shot, sign_in
from tests.browser.workspace import DEMO_UNIT, Workspace
from tests.support.demo_settled import CAMPAIGN

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="package")]
C = f"/campaigns/{CAMPAIGN}"
PAGES = {
    "campaigns": "/",
    "overview": C,
    "registrations": f"{C}/registrations",
    "standings": f"{C}/standings",
    "votes": f"{C}/votes",
    "awards": f"{C}/awards",
    "awards-print": f"{C}/awards/print",
    "models": f"{C}/models",
    "reviews": f"{C}/reviews",
    "unit": f"{C}/units/{DEMO_UNIT}",
    "audit": "/audit",
}
PHONE = ViewportSize(width=390, height=844)


@pytest.mark.parametrize("name", PAGES)
async def test_every_page_is_accessible_on_a_desktop_and_a_phone(page: Page, workspace: Workspace, name: str) -> None:
    path = PAGES[name]
    await sign_in(page, workspace.auditor)
    answer = await page.goto(path)
    assert answer is not None and answer.status == 200
    await expect(page.locator("html")).to_have_attribute("lang", "vi")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await check_a11y(page)
    await shot(page, f"page-{name}")
    await page.set_viewport_size(PHONE)
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
    await check_a11y(page)
    await shot(page, f"page-{name}-phone")


async def test_the_award_list_prints(page: Page, workspace: Workspace) -> None:
    """The council meeting's printed list (danh sách đề nghị khen thưởng): the print stylesheet hides navigation."""
    path = PAGES["awards-print"]
    await sign_in(page, workspace.council)
    await page.goto(path)
    await page.emulate_media(media="print")
    await expect(page.locator("nav").first).to_be_hidden()
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await shot(page, "awards-print-media")
    assert (await page.pdf(format="A4")).startswith(b"%PDF")
