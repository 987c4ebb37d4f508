"""The council at work: both blocks' standings with their bars in rank order, a unit's page, the registrations,
and the standings and registrations downloaded as XLSX and read back cell by cell."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from services.read_api.exports.tables import award_title, days_late, local_time
from services.read_api.workspace.render import vn_number
from tests.browser import xlsx
from tests.browser.person import check_a11y, shot, sign_in
from tests.browser.workspace import Workspace
from tests.support.demo_settled import BLOCKS, CAMPAIGN

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="package")]
STANDINGS = f"/campaigns/{CAMPAIGN}/standings"
REGISTRATIONS = f"/campaigns/{CAMPAIGN}/registrations"


@pytest_asyncio.fixture(loop_scope="package")
async def council(page: Page, workspace: Workspace) -> AsyncIterator[Page]:
    """The council, signed in, on the 2022 campaign's overview (reached from the campaigns list, as a person would)."""
    await sign_in(page, workspace.council)
    await page.get_by_role("link", name="Phong trào thi đua yêu nước năm 2022").click()
    await expect(page).to_have_url(f"{workspace.url}/campaigns/{CAMPAIGN}")
    yield page


async def test_the_council_sees_both_blocks_standings_with_bars_in_rank_order(
    council: Page, workspace: Workspace
) -> None:
    page = council
    await page.get_by_role("link", name="Bảng xếp hạng").click()
    await expect(page).to_have_url(workspace.url + STANDINGS)
    standings = await workspace.read(f"/v1/campaigns/{CAMPAIGN}/standings", workspace.council)
    names = await workspace.unit_names()
    assert [b["block_id"] for b in standings["blocks"]] == list(BLOCKS)
    for block in standings["blocks"]:
        shown = page.get_by_test_id(f"standings-block-{block['block_id']}")
        await expect(shown).to_be_visible()
        await expect(shown).to_contain_text(block["name"])
        rows = shown.get_by_test_id("standings-row")
        await expect(rows).to_have_count(len(block["units"]))
        for i, unit in enumerate(block["units"]):
            row = rows.nth(i)
            assert await row.get_attribute("data-unit-id") == unit["unit_id"]
            assert await row.get_attribute("data-rank") == str(unit["rank"])
            await expect(row).to_contain_text(names[unit["unit_id"]])
            await expect(row).to_contain_text(vn_number(unit["verified_score"], 2))
            await expect(row).to_contain_text(vn_number(unit["claimed_score"], 2))
        ranks = [u["rank"] for u in block["units"]]
        assert ranks == sorted(ranks) and ranks[0] == 1
        # the chart: a verified-score bar per unit, top to bottom in rank order, shortening (or equal) down the list
        bars = shown.get_by_test_id("standings-bar")
        await expect(bars).to_have_count(len(block["units"]))
        assert [await bars.nth(i).get_attribute("data-unit-id") for i in range(len(block["units"]))] == [
            u["unit_id"] for u in block["units"]
        ]
        boxes = [await bars.nth(i).bounding_box() for i in range(len(block["units"]))]
        widths = [box["width"] if box else 0.0 for box in boxes]
        assert all(a >= b - 0.5 for a, b in zip(widths, widths[1:], strict=False)), (block["block_id"], widths)
        assert widths[0] > 0 or block["units"][0]["verified_score"] == 0
    await check_a11y(page)
    await shot(page, "standings-council")


async def test_the_council_opens_a_unit_from_the_standings(council: Page, workspace: Workspace) -> None:
    page = council
    await page.get_by_role("link", name="Bảng xếp hạng").click()
    row = page.get_by_test_id(f"standings-block-{BLOCKS[1]}").locator(
        f'[data-testid="standings-row"][data-unit-id="{workspace.unit_id}"]'
    )
    await row.get_by_test_id("unit-link").click()
    await expect(page).to_have_url(f"{workspace.url}/campaigns/{CAMPAIGN}/units/{workspace.unit_id}")
    unit = await workspace.read(f"/v1/units/{workspace.unit_id}", workspace.council)
    await expect(page.get_by_role("heading", level=1)).to_contain_text(unit["name"])
    blocks = await workspace.read(f"/v1/campaigns/{CAMPAIGN}/blocks", workspace.council)
    block_name = next(b["name"] for b in blocks["blocks"] if b["block_id"] == BLOCKS[1])
    await expect(page.locator("main")).to_contain_text(block_name)
    await check_a11y(page)
    await shot(page, "unit-council")


async def test_the_council_downloads_the_standings_as_xlsx(council: Page, workspace: Workspace, tmp_path: Path) -> None:
    page = council
    await page.get_by_role("link", name="Bảng xếp hạng").click()
    async with page.expect_download() as started:
        await page.get_by_test_id("export-xlsx").first.click()
    download = await started.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    await download.save_as(path)

    await standings_read_back(path, workspace)


async def test_the_council_sees_every_registration_and_downloads_them(
    council: Page, workspace: Workspace, tmp_path: Path
) -> None:
    page = council
    await page.get_by_role("link", name="Đăng ký thi đua").click()
    await expect(page).to_have_url(workspace.url + REGISTRATIONS)
    registrations_body = await workspace.read(f"/v1/campaigns/{CAMPAIGN}/registrations?limit=1000", workspace.council)
    registrations = registrations_body["registrations"]
    assert registrations, "the demo registers the units"
    rows = page.get_by_test_id("registrations-row")
    await expect(rows).to_have_count(len(registrations))
    shown = {await rows.nth(i).get_attribute("data-unit-id") for i in range(len(registrations))}
    assert shown == {r["unit_id"] for r in registrations}
    deadline = date.fromisoformat(registrations_body["registration_deadline"])
    late = [r for r in registrations if r["late"]]
    assert late, "the demo has late registrations"
    for r in late:  # who, and by how many days (counted in Ho Chi Minh City time, as the deadline is)
        days = days_late(local_time(r["registered_at"]), deadline, True)
        row = page.locator(f'[data-testid="registrations-row"][data-unit-id="{r["unit_id"]}"]')
        await expect(row).to_contain_text(f"{days} ngày")
    await check_a11y(page)
    await shot(page, "registrations-council")

    async with page.expect_download() as started:
        await page.get_by_test_id("export-xlsx").first.click()
    path = tmp_path / "registrations.xlsx"
    await (await started.value).save_as(path)
    await registrations_read_back(path, workspace, registrations)


async def standings_read_back(path: Path, workspace: Workspace) -> None:
    """The standings spreadsheet, cell by cell against the JSON standings: a row per unit with its name (or id),
    its rank and both scores as numbers, a filterable header, Vietnamese text in NFC."""
    standings = await workspace.read(f"/v1/campaigns/{CAMPAIGN}/standings", workspace.council)
    names = await workspace.unit_names()
    sheets = xlsx.sheets(path)
    for sheet in sheets:
        assert sheet.header and all(isinstance(h, str) and h.strip() for h in sheet.header), sheet.header
        assert sheet.filter, f"sheet {sheet.title!r}: the header row has no filter"
    rows = [row for sheet in sheets for row in sheet.rows]
    units = [u for b in standings["blocks"] for u in b["units"]]
    assert len(rows) == len(units)
    for unit in units:
        row = xlsx.row_of(rows, names[unit["unit_id"]], unit["unit_id"])
        assert xlsx.has_number(row, unit["rank"]), (unit, row)
        assert xlsx.has_number(row, unit["verified_score"]), (unit, row)
        assert xlsx.has_number(row, unit["claimed_score"]), (unit, row)
        assert all(unicodedata.is_normalized("NFC", v) for v in row if isinstance(v, str))


async def registrations_read_back(path: Path, workspace: Workspace, registrations: list[dict[str, Any]]) -> None:
    """The registrations spreadsheet: a row per registration with its unit, its target's title and a real date."""
    names = await workspace.unit_names()
    rows = [row for sheet in xlsx.sheets(path) for row in sheet.rows]
    assert len(rows) == len(registrations)
    for registration in registrations:
        row = xlsx.row_of(rows, names[registration["unit_id"]], registration["unit_id"])
        assert xlsx.has_date(row), f"registered_at as a date: {row}"
        assert award_title(registration["collective_target"]) in row, row
