"""Fixtures of the end-to-end tests: `emulation up` as a subprocess, and the department's portal connected to it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest

from tests.e2e.parties import Portal
from tests.support.embedded import Up


@pytest.fixture
async def up(tmp_path: Path) -> AsyncIterator[Up]:
    system = Up(tmp_path)
    try:
        await system.ready()
        yield system
    finally:
        assert system.stop() == 0, system.terminal()


@pytest.fixture
async def portal(up: Up) -> AsyncIterator[Portal]:
    config = json.loads((up.data / "security.json").read_text())
    password = next(s["password"] for s in config["systems"] if s["name"] == "portal")
    nc = await nats.connect(f"nats://127.0.0.1:{up.nats_port}", user="portal", password=password)
    p = Portal(nc)
    await p.listen()
    yield p
    await nc.close()
