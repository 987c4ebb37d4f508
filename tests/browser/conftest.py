"""Fixtures of the browser tests: one `emulation up --demo` and one Chromium for this package (stopped after its
last test, not left running through the rest of the suite), a fresh browser context (no cookies, no storage) for
each test.

Without /usr/bin/chromium (the distribution's package; `.ci/run` installs it) the tests are skipped with that
reason, not failed. Playwright drives that executable; it never downloads a browser of its own.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright, expect

from services.read_api.access import create_token
from tests.browser.person import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, taken
from tests.browser.workspace import DEMO_UNIT, Workspace
from tests.support.demo_settled import demo_settled
from tests.support.embedded import Up

TIMEOUT_MS = 20_000
"""How long a step waits for what it expects (Playwright's default, 5 s, is short on a shared 2-core machine)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"no {CHROMIUM}: `apt-get install chromium` (.ci/run installs it)")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if taken:
        terminalreporter.write_sep("-", f"screenshots of the workspace pages ({len(taken)}): {SCREENSHOTS}")


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def workspace(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Workspace]:
    """`emulation up --demo` as a subprocess, once, with a token for the council, the auditor, a unit and the public."""
    up = Up(tmp_path_factory.mktemp("workspace"), "--demo")
    try:
        await up.ready()
        tokens_file = up.data / "api-tokens.json"
        roles = {role: token for token, role in json.loads(tokens_file.read_text()).items()}
        url = f"http://127.0.0.1:{up.api_port}"
        workspace = Workspace(
            up=up,
            url=url,
            council=roles["council"],
            auditor=roles["auditor"],
            unit=create_token(tokens_file, f"unit:{DEMO_UNIT}"),
            unit_id=DEMO_UNIT,
            public=create_token(tokens_file, "public"),
        )
        await demo_settled(up)  # so no page changes under a test, and the screenshots show the whole year
        yield workspace
    finally:
        assert up.stop() == 0, up.terminal()


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def browser() -> AsyncIterator[Browser]:
    """The distribution's Chromium, headless, launched once for the browser tests."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):  # the folder shows the last run only
        old.unlink()
    expect.set_options(timeout=TIMEOUT_MS)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="package")
async def page(browser: Browser, workspace: Workspace) -> AsyncIterator[Page]:
    """A fresh context (a person who has not signed in) and its page; fails the test on any script error."""
    context = await browser.new_context(base_url=workspace.url, accept_downloads=True, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    p = await context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    await context.close()
    assert not errors, f"script errors on the page: {errors}"
