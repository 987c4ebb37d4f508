"""Signing in and out as a person does: the form, a wrong token, a sign-in link, the keyboard, a phone."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, ViewportSize, expect

from tests.browser.person import TOKEN_LABEL, check_a11y, shot, sign_in, sign_out
from tests.browser.workspace import Workspace
from tests.support.demo_settled import CAMPAIGN

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="package")]
PHONE = ViewportSize(width=390, height=844)


async def test_the_council_signs_in_sees_its_role_and_signs_out(page: Page, workspace: Workspace) -> None:
    await page.goto("/signin")
    await expect(page.get_by_test_id("signin-form")).to_be_visible()
    await check_a11y(page)
    await shot(page, "signin")

    await sign_in(page, workspace.council)
    await expect(page.get_by_test_id("signed-in-as")).to_have_text("Hội đồng thi đua khen thưởng")
    await expect(page.get_by_role("link", name="Phong trào thi đua yêu nước năm 2022")).to_be_visible()
    await check_a11y(page)
    await shot(page, "campaigns-council")

    await sign_out(page)
    await expect(page.get_by_test_id("signin-link")).to_be_visible()


async def test_a_wrong_token_shows_the_form_again_with_the_reason(page: Page) -> None:
    await page.goto("/signin")
    form = page.get_by_test_id("signin-form")
    await form.get_by_label(TOKEN_LABEL).fill("not-a-token")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await form.get_by_role("button").click()
    assert (await answer.value).status == 401
    await expect(page.get_by_role("alert")).to_contain_text("Mã truy cập không đúng")
    await expect(page.get_by_test_id("signed-in-as")).to_have_count(0)
    await check_a11y(page)
    await shot(page, "signin-wrong-token")


async def test_a_sign_in_link_keeps_the_token_out_of_every_request_url(page: Page, workspace: Workspace) -> None:
    """`/signin#token=…`: the fragment never reaches the server; the page's script posts it in the form."""
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    await page.goto(f"/signin#token={workspace.council}")
    await expect(page.get_by_test_id("signed-in-as")).to_have_text("Hội đồng thi đua khen thưởng")
    assert urls and not [u for u in urls if workspace.council in u]
    assert workspace.council not in page.url


async def test_signing_in_with_the_keyboard_alone(page: Page, workspace: Workspace) -> None:
    await page.goto("/signin")
    for _ in range(10):  # Tab from the top of the page until the token field has the focus
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.name") == "token":
            break
    else:
        pytest.fail("Tab never reached the token field")
    await page.keyboard.type(workspace.auditor)
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("signed-in-as")).to_have_text("Kiểm toán")


async def test_the_overview_on_a_phone(page: Page, workspace: Workspace) -> None:
    """The campaign's theme, its ten contents and deadline, readable on a phone without scrolling sideways."""
    await page.set_viewport_size(PHONE)
    await sign_in(page, workspace.council)
    await page.get_by_role("link", name="Phong trào thi đua yêu nước năm 2022").click()
    await expect(page).to_have_url(f"{workspace.url}/campaigns/{CAMPAIGN}")
    campaign = await workspace.read(f"/v1/campaigns/{CAMPAIGN}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(campaign["title"])
    await expect(page.get_by_text(campaign["theme"])).to_be_visible()
    contents = page.locator("main ol li")
    await expect(contents).to_have_count(len(campaign["contents"]))
    await expect(contents.first).to_have_text(campaign["contents"][0]["title"])
    await expect(page.get_by_test_id("registration-deadline")).to_contain_text("20/01/2022")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await check_a11y(page)
    await shot(page, "overview-phone")
