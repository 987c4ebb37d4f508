"""A committed command wakes its service's relay in another process at once (`emulation.stored.<service>`), and
nobody else can wake it or listen in (issue 18: a new event waits for no poll)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.secured import Secured
from tests.support.system import stream_messages, wait_for

pytestmark = pytest.mark.integration
POLL = 60.0
"""The relay's poll, far longer than the test waits: only a nudge can move an event onto the stream in time."""


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[Secured]:
    from emulation.supervisor import create_streams

    s = Secured(tmp_path)
    await create_streams(s.as_user("admin"))
    s.system.settings = s.system.settings.replace(poll_interval=POLL)
    s.system.nc = await s.connect("portal")
    yield s
    await s.system.nc.close()
    s.stop()


def register(unit_id: str) -> dict[str, Any]:
    return {"command_id": str(uuid.uuid4()), "actor": "system:portal", "unit_id": unit_id, "name": unit_id.upper(),
            "kind": "department"}  # fmt: skip


async def test_each_command_reaches_the_stream_without_waiting_for_the_relays_poll(secured: Secured) -> None:
    secured.start("registry", "commands")  # the commands and the relay in processes of their own, as `emulation up`
    secured.start("registry", "relay", "views")
    await secured.system.ready()
    admin = await secured.connect("admin")
    for i in range(3):
        unit = f"wakeup-{i}"
        assert (await secured.system.send("register_unit", register(unit)))["ok"]
        replied = time.monotonic()

        async def published(unit: str = unit) -> bool:
            return any(
                m.subject.endswith("unit_registered") and unit.encode() in m.data for m in await stream_messages(admin)
            )

        await wait_for(published, timeout=POLL / 4)
        assert time.monotonic() - replied < POLL / 4
    await admin.close()


@pytest.mark.parametrize("user", ["registry-views", "evaluation", "evaluation-relay", "api", "audit"])
async def test_no_other_identity_may_listen_for_or_fake_the_registrys_commits(secured: Secured, user: str) -> None:
    errors: list[Exception] = []
    nc = await secured.connect(user, errors)
    await nc.subscribe("emulation.stored.registry")
    await nc.publish("emulation.stored.registry", b"")
    await nc.flush()
    await wait_for(lambda: len(errors) >= 2, timeout=10)
    await nc.close()
    said = " ".join(str(e).lower() for e in errors)
    assert 'subscription to "emulation.stored.registry"' in said and 'publish to "emulation.stored.registry"' in said
