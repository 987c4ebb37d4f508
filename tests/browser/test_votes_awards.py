"""The council at the year's end: the block votes (the elected leaders, a runoff reached from its first round) and
the award proposals (each rule's result, the ineligible one, the decisions), downloaded as XLSX and read back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from services.read_api.exports.tables import award_title
from tests.browser import xlsx
from tests.browser.person import check_a11y, shot, sign_in
from tests.browser.workspace import Workspace
from tests.support.demo_settled import CAMPAIGN

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="package")]
VOTES, AWARDS = f"/campaigns/{CAMPAIGN}/votes", f"/campaigns/{CAMPAIGN}/awards"


async def test_the_council_follows_a_runoff_from_its_first_round(page: Page, workspace: Workspace) -> None:
    await sign_in(page, workspace.council)
    await page.goto(f"/campaigns/{CAMPAIGN}")
    await page.get_by_role("link", name="Bình xét, suy tôn").click()
    await expect(page).to_have_url(workspace.url + VOTES)
    votes = await workspace.read(f"/v1/campaigns/{CAMPAIGN}/votes", workspace.council)
    leaders = page.get_by_test_id("vote-leader")
    await expect(leaders).to_have_count(len(votes["leaders"]))
    for block, unit in votes["leaders"].items():
        await expect(page.locator(f'[data-testid="vote-leader"][data-block-id="{block}"]')).to_have_attribute(
            "data-unit-id", unit
        )
    runoffs = [r for r in votes["rounds"] if r["runoff_of"]]
    assert runoffs, "the demo's second block needs a runoff"
    runoff = runoffs[0]
    forward = page.get_by_test_id("runoff-link").first
    anchor = await forward.get_attribute("href") or ""
    await forward.click()
    await expect(page).to_have_url(re.compile(re.escape(anchor) + "$"))
    second = page.locator(f'[data-testid="vote-round"][id="{anchor.lstrip("#")}"]')
    await expect(second).to_be_in_viewport()
    await expect(second).to_contain_text(runoff["round_id"])
    back = second.get_by_test_id("runoff-of")  # and back to the round it settles
    anchor = await back.get_attribute("href") or ""
    await back.click()
    first = page.locator(f'[data-testid="vote-round"][id="{anchor.lstrip("#")}"]')
    await expect(first).to_be_in_viewport()
    await expect(first).to_contain_text(runoff["runoff_of"])
    await check_a11y(page)
    await shot(page, "votes-council")


async def test_the_council_reads_the_proposals_and_downloads_them(
    page: Page, workspace: Workspace, tmp_path: Path
) -> None:
    await sign_in(page, workspace.council)
    await page.goto(f"/campaigns/{CAMPAIGN}")
    await page.get_by_role("link", name="Đề nghị khen thưởng").click()
    await expect(page).to_have_url(workspace.url + AWARDS)
    proposals = (await workspace.read(f"/v1/campaigns/{CAMPAIGN}/awards", workspace.council))["proposals"]
    shown = page.get_by_test_id("award-proposal")
    await expect(shown).to_have_count(len(proposals))
    for x in proposals:
        article = page.locator(f'[data-testid="award-proposal"][data-proposal-id="{x["proposal_id"]}"]')
        await expect(article).to_have_attribute("data-eligible", "true" if x["eligible"] else "false")
        await expect(article.get_by_test_id("award-rule")).to_have_count(len(x["rule_results"]))
        failed = [r for r in x["rule_results"] if not r["passed"]]
        await expect(article.locator('[data-testid="award-rule"][data-passed="false"]')).to_have_count(len(failed))
        for r in failed:
            await expect(article).to_contain_text(r["reason"])
        await expect(article.get_by_test_id("award-decision")).to_have_count(1 if x["decision"] else 0)
    await check_a11y(page)
    await shot(page, "awards-council")

    async with page.expect_download() as started:
        await page.get_by_test_id("export-xlsx").click()
    path = tmp_path / "awards.xlsx"
    await (await started.value).save_as(path)
    sheets = xlsx.sheets(path)
    assert all(s.filter for s in sheets)
    rows = sheets[0].rows
    assert len(rows) == len(proposals)
    for x in proposals:
        row = xlsx.row_of(rows, x["proposal_id"])
        assert award_title(x["award"]) in row
        if x["person"]:
            assert x["person"] in row
        if x["decision"]:
            assert xlsx.has_number(row, x["decision"]["votes_for"]), row
