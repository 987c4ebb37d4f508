"""What a person does in the workspace, as browser steps: sign in with a token, sign out, look at a page
(a full-page screenshot a reviewer can open) and the accessibility check every page must pass.

Tests find what they act on by role and label where a person would (the sign-in field by its label), and by
`data-testid` where the page's structure is the point (`standings-row` with `data-rank`, `export-xlsx`, …).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from tests.support.system import ROOT

CHROMIUM = Path("/usr/bin/chromium")
"""The distribution's Chromium (`apt-get install chromium`; `.ci/run` installs it), never a downloaded build."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
"""Where each page's screenshot is written for a reviewer (git-ignored; listed at the end of the test report)."""
TOKEN_LABEL = "Mã truy cập"
SERIOUS = frozenset({"serious", "critical"})
_axe = Axe()
taken: list[Path] = []


async def sign_in(page: Page, token: str) -> None:
    """Type the token into the sign-in form and send it; the workspace answers with its campaigns list."""
    await page.goto("/signin")
    form = page.get_by_test_id("signin-form")
    await form.get_by_label(TOKEN_LABEL).fill(token)
    await form.get_by_role("button").click()
    await expect(page).to_have_url(re.compile(r"^[^#?]*://[^/]+/$"))


async def sign_out(page: Page) -> None:
    await page.get_by_test_id("signout").click()
    await expect(page.get_by_test_id("signout")).to_have_count(0)


async def shot(page: Page, name: str) -> Path:
    """A full-page PNG of what the person sees now, as `test-artifacts/screenshots/<name>.png`."""
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=path, full_page=True)
    taken.append(path)
    return path


async def check_a11y(page: Page) -> None:
    """axe-core (shipped in `axe-playwright-python`) on the page as it is now: no serious or critical violation."""
    results = await _axe.run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in SERIOUS]
    assert not serious, f"accessibility violations on {page.url}:\n" + "\n".join(map(_describe, serious))


def _describe(violation: dict[str, Any]) -> str:
    targets = ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:5])
    return f"- {violation['id']} ({violation['impact']}): {violation['help']} — {targets} ({violation['helpUrl']})"
