"""A unit signed in: its own registration, and nothing of the other units' registrations, on any page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from services.read_api.exports.tables import award_title
from tests.browser.person import check_a11y, shot, sign_in
from tests.browser.workspace import Workspace
from tests.support.demo_settled import CAMPAIGN

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="package")]
REGISTRATIONS = f"/campaigns/{CAMPAIGN}/registrations"
OTHER = "phong-cong-chung-so-2"
"""A unit of the same block as the signed-in one."""


@pytest_asyncio.fixture(loop_scope="package")
async def unit(page: Page, workspace: Workspace) -> AsyncIterator[Page]:
    await sign_in(page, workspace.unit)
    await expect(page.get_by_test_id("signed-in-as")).to_have_text("Đơn vị: Phòng Công chứng số 1")  # its name
    await page.get_by_role("link", name="Phong trào thi đua yêu nước năm 2022").click()
    yield page


async def others_people(workspace: Workspace) -> list[str]:
    """The people the other units registered (and the signed-in unit did not), as the council reads them."""
    everyone = (await workspace.read(f"/v1/campaigns/{CAMPAIGN}/registrations?limit=1000", workspace.council))[
        "registrations"
    ]
    own = {s["person"] for r in everyone if r["unit_id"] == workspace.unit_id for s in r["staff"]}
    others = {s["person"] for r in everyone if r["unit_id"] != workspace.unit_id for s in r["staff"]} - own
    assert others, "the demo's units register their staff"
    return sorted(others)


async def test_a_unit_finds_only_its_own_registration(unit: Page, workspace: Workspace) -> None:
    page = unit
    await page.get_by_role("link", name="Đăng ký thi đua").click()
    await expect(page).to_have_url(workspace.url + REGISTRATIONS)
    own = (await workspace.read(f"/v1/campaigns/{CAMPAIGN}/registrations", workspace.unit))["registrations"]
    assert [r["unit_id"] for r in own] == [workspace.unit_id], "the demo registers the signed-in unit"
    rows = page.get_by_test_id("registrations-row")
    await expect(rows).to_have_count(1)
    assert await rows.first.get_attribute("data-unit-id") == workspace.unit_id
    await expect(rows.first).to_contain_text(award_title(own[0]["collective_target"]))
    text = await page.locator("main").inner_text()
    assert not [p for p in await others_people(workspace) if p in text]
    names = await workspace.unit_names()
    assert not [n for u, n in names.items() if u != workspace.unit_id and n in text], "other units on the page"
    await check_a11y(page)
    await shot(page, "registrations-unit")


async def test_another_units_page_shows_none_of_its_registration(unit: Page, workspace: Workspace) -> None:
    page = unit
    answer = await page.goto(f"/campaigns/{CAMPAIGN}/units/{OTHER}")
    assert answer is not None and answer.status in (200, 403)
    await expect(page.get_by_test_id("registrations-row")).to_have_count(0)
    text = await page.locator("body").inner_text()
    assert not [p for p in await others_people(workspace) if p in text]
    await check_a11y(page)
    await shot(page, "unit-other-as-unit")
