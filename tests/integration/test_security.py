"""NATS identities and permissions with authentication on: each boundary refused over a real server."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import stat
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import nats
import pytest

from emulation import security
from emulation.demo import load_scenario
from emulation.supervisor import create_streams
from tests.support.secured import Secured
from tests.support.system import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[Secured]:
    s = Secured(tmp_path)
    await create_streams(s.as_user("admin"))
    s.start("registry")
    s.system.nc = await s.connect("portal")
    await s.system.ready()
    yield s
    await s.system.nc.close()
    s.stop()


def launch(actor: str, campaign_id: str = "2022") -> bytes:
    body = {
        **copy.deepcopy(load_scenario()["campaign"]),
        "campaign_id": campaign_id,
        "command_id": str(uuid.uuid4()),
        "actor": actor,
    }
    return json.dumps(body).encode()


async def request(nc: Any, subject: str, body: bytes) -> dict[str, Any]:
    return dict(json.loads((await nc.request(subject, body, timeout=5)).data))


async def test_generated_files_are_owner_only_and_the_server_listens_on_loopback(secured: Secured) -> None:
    for name in ("security.json", "actor-grants.json", "nats/server.conf"):
        assert stat.S_IMODE(os.stat(secured.data / name).st_mode) == 0o600
    assert json.loads(secured.conf.read_text())["listen"] == f"127.0.0.1:{secured.port}"
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await asyncio.wait_for(_anonymous(secured.port), timeout=10)


async def _anonymous(port: int) -> None:
    async def quiet(e: Exception) -> None:
        pass

    nc = await nats.connect(f"nats://127.0.0.1:{port}", allow_reconnect=False, connect_timeout=2, error_cb=quiet)
    await nc.close()


async def test_a_city_system_acts_only_in_its_own_name(secured: Secured) -> None:
    hr = await secured.connect("hr")
    assert (await request(hr, "emulation.cmd.launch_campaign", launch("system:hr")))["ok"] is True
    refused = await request(hr, "emulation.cmd.launch_campaign", launch("van-phong-so", "2023"))
    assert refused == {
        "ok": False,
        "error": {"code": "actor_mismatch", "message": "CITY_HR may not act as 'van-phong-so'", "field": "actor"},
    }
    assert secured.system.stored_topics("registry").get("Campaign.Launched") == 1
    await hr.close()


async def test_a_city_system_may_send_only_the_commands_granted_to_it(secured: Secured) -> None:
    hr = await secured.connect("hr")
    unit = {"command_id": str(uuid.uuid4()), "actor": "system:hr", "unit_id": "x", "name": "X", "kind": "department"}
    with pytest.raises(nats.errors.NoRespondersError):
        await hr.request("emulation.cmd.register_unit", json.dumps(unit).encode(), timeout=2)
    assert "Unit.Registered" not in secured.system.stored_topics("registry")
    await hr.close()


async def test_unknown_command_is_answered_inside_the_department_a_city_system_gets_no_responders(
    secured: Secured,
) -> None:
    """As docs/contract.md says: a city system imports only the commands it is granted (the portal: every one
    the contract has), so a command no service handles reaches nobody from its account."""
    body = json.dumps({"command_id": str(uuid.uuid4()), "actor": "system:portal"}).encode()
    with pytest.raises(nats.errors.NoRespondersError):
        await secured.system.nc.request("emulation.cmd.lauch_campaign", body, timeout=2)
    admin = await secured.connect("admin")
    answer = await request(admin, "emulation.cmd.lauch_campaign", body)
    assert answer["error"]["code"] == "unknown_command"
    await admin.close()


async def test_a_city_system_reads_only_the_events_granted_to_it(secured: Secured) -> None:
    hr = await secured.connect("hr")
    got: list[str] = []
    await hr.subscribe("emulation.events.>", cb=collector(got))
    await hr.flush()
    portal = secured.system.nc
    unit = {
        "command_id": str(uuid.uuid4()),
        "actor": "system:portal",
        "unit_id": "x",
        "name": "X",
        "kind": "department",
    }
    assert (await request(portal, "emulation.cmd.register_unit", json.dumps(unit).encode()))["ok"]
    assert (await request(portal, "emulation.cmd.launch_campaign", launch("van-phong-so")))["ok"]
    await wait_for(lambda: got)
    await asyncio.sleep(0.5)
    assert got == ["emulation.events.2022.campaign_launched"]  # unit_registered was not granted
    await hr.close()


def collector(into: list[str]) -> Any:
    async def collect(msg: Any) -> None:
        into.append(msg.subject)

    return collect


async def test_a_relay_may_publish_only_its_own_service_events(secured: Secured) -> None:
    errors: list[Exception] = []
    registry = await secured.connect("registry-relay", errors)
    admin = await secured.connect("admin")
    seen: list[str] = []
    await admin.subscribe("emulation.events.>", cb=collector(seen))
    await admin.flush()  # the subscription is on the server before anything is published
    await registry.publish("emulation.events.2022.achievement_reported", b"{}")
    await registry.flush()

    async def delivered() -> bool:
        await registry.publish("emulation.events.2022.campaign_amended", b"{}")
        await registry.flush()
        await asyncio.sleep(0.2)
        return bool(seen)

    await wait_for(delivered)
    await asyncio.sleep(0.3)
    assert set(seen) == {"emulation.events.2022.campaign_amended"}
    assert any("permissions violation" in str(e).lower() and "achievement_reported" in str(e) for e in errors), errors
    await registry.close()
    await admin.close()


@pytest.mark.parametrize("service", [u for u in security.identities() if u != "admin"])
async def test_no_service_may_delete_purge_or_reconfigure_the_stream_only_the_administrator(
    secured: Secured, service: str
) -> None:
    errors: list[Exception] = []
    nc = await secured.connect(service, errors)
    info = await nc.jetstream().stream_info("EMULATION")  # reading is allowed
    # A refused request is never answered (the server tells the connection instead): a short wait is enough, and the
    # proof is the server's word and the stream as it was, not the timeout.
    js = nc.jetstream(timeout=1)
    attempts = await asyncio.gather(
        js.delete_stream("EMULATION"),
        js.purge_stream("EMULATION"),
        js.update_stream(replace(info.config, description="x")),
        return_exceptions=True,
    )
    unanswered = (nats.errors.TimeoutError, nats.js.errors.APIError, nats.errors.NoRespondersError)
    assert all(isinstance(outcome, unanswered) for outcome in attempts), attempts

    def refused() -> set[str]:  # nats-py lowercases the server's -ERR
        said = " ".join(str(e).lower() for e in errors if "permissions violation" in str(e).lower())
        return {a for a in ("DELETE", "PURGE", "UPDATE") if f"$js.api.stream.{a.lower()}.emulation" in said}

    assert await wait_for(lambda: refused() == {"DELETE", "PURGE", "UPDATE"}), errors
    await nc.close()
    admin = (await secured.connect("admin")).jetstream()
    kept = await admin.stream_info("EMULATION")
    assert (kept.config.description, kept.state.messages) == (info.config.description, info.state.messages)
    updated = await admin.update_stream(replace(info.config, description="changed by the administrator"))
    assert updated.config.description == "changed by the administrator"
    assert (await admin.stream_info("EMULATION")).config.deny_delete is True
