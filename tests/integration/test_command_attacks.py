"""Attacks on the command path, over a real nats-server with authentication on (`Secured`).

A city system granted a single unit tries to act on others; a sender reuses a command id for another
command; hostile bodies (deep nesting, numbers out of range) try to leave the service without a reply.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from emulation.demo import load_scenario
from emulation.supervisor import create_streams
from tests.support.secured import SYSTEMS, Secured
from tests.support.system import wait_for

pytestmark = pytest.mark.integration
UNIT_SYSTEM = {"name": "phong-a-app", "actors": ["phong-a"], "commands": ["*"], "events": []}
"""A city system of one unit: it may send every command, but only as `phong-a`."""


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[Secured]:
    s = Secured(tmp_path, [*SYSTEMS, UNIT_SYSTEM])
    await create_streams(s.as_user("admin"))
    s.start("registry")
    s.system.nc = await s.connect("portal")
    await s.system.ready()
    yield s
    await s.system.nc.close()
    s.stop()


async def request(nc: Any, command: str, body: dict[str, Any] | bytes) -> dict[str, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return dict(json.loads((await nc.request(f"emulation.cmd.{command}", raw, timeout=10)).data))


def cmd(actor: str, **fields: Any) -> dict[str, Any]:
    return {"command_id": str(uuid.uuid4()), "actor": actor, **fields}


def campaign(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(load_scenario()["campaign"]), **changes}


async def department(portal: Any) -> None:
    """The 2022 campaign by its secretariat (van-phong-so), one block, units phong-a and phong-b in it."""
    for command, body in [
        ("launch_campaign", campaign()),
        ("register_unit", {"unit_id": "phong-a", "name": "Phòng A", "kind": "department"}),
        ("register_unit", {"unit_id": "phong-b", "name": "Phòng B", "kind": "department"}),
        ("define_block", {"campaign_id": "2022", "block_id": "khoi-1", "name": "Khối 1"}),
        ("assign_unit_to_block", {"campaign_id": "2022", "block_id": "khoi-1", "unit_id": "phong-a"}),
        ("assign_unit_to_block", {"campaign_id": "2022", "block_id": "khoi-1", "unit_id": "phong-b"}),
    ]:
        reply = await request(portal, command, cmd("van-phong-so", **body))
        assert reply["ok"], (command, reply)


async def test_a_city_system_limited_to_one_unit_cannot_act_on_another(secured: Secured) -> None:
    portal = secured.system.nc
    await department(portal)
    app = await secured.connect("phong-a-app")
    attacks = [
        ("withdraw_unit", {"campaign_id": "2022", "unit_id": "phong-b"}, "phong-a does not administer campaign '2022'"),
        ("rename_unit", {"unit_id": "phong-b", "name": "Phòng bị đổi tên"}, "phong-a may not rename unit phong-b"),
        ("close_campaign", {"campaign_id": "2022"}, "phong-a does not administer campaign '2022'"),
        ("launch_campaign", campaign(campaign_id="2023", secretariat_unit_id="phong-a"), "phong-a may not launch"),
        ("register_unit", {"unit_id": "phong-gia", "name": "Giả", "kind": "department"}, "phong-a is not the Department"),
    ]  # fmt: skip
    for command, body, reason in attacks:
        reply = await request(app, command, cmd("phong-a", **body))
        assert reply["ok"] is False and reply["error"]["code"] == "not_allowed", (command, reply)
        assert reply["error"]["field"] == "actor" and reply["error"]["message"].startswith(reason), reply
    refused = await request(app, "withdraw_unit", cmd("van-phong-so", campaign_id="2022", unit_id="phong-b"))
    assert refused["error"]["code"] == "actor_mismatch"  # nor may it pretend to be the secretariat
    own = await request(app, "rename_unit", cmd("phong-a", unit_id="phong-a", name="Phòng A mới"))
    assert own["ok"], own
    topics = secured.system.stored_topics("registry")
    assert topics["Unit.Renamed"] == 1 and topics["Campaign.Launched"] == 1
    assert not {"Roster.UnitWithdrawn", "Campaign.Closed"} & set(topics)
    await app.close()


async def test_a_city_system_limited_to_one_unit_subscribes_only_to_its_own_notices(secured: Secured) -> None:
    secured.start("notification")
    portal = secured.system.nc
    await department(portal)
    app = await secured.connect("phong-a-app")
    hook = {"url": "https://phong-a.example/hook", "secret": "s" * 16}
    await secured.system.ready()
    for name, unit_id, reason in [
        ("all", None, "phong-a may not subscribe to every unit's notices"),
        ("b", "phong-b", "phong-a may not subscribe to the notices of phong-b"),
    ]:
        reply = await request(
            app, "register_subscription", cmd("phong-a", subscription_id=name, unit_id=unit_id, **hook)
        )
        assert reply["error"] == {"code": "not_allowed", "message": reason, "field": "actor"}, reply
    rules = {"campaign_id": "2022", "disabled_rules": ["registration-reminder"]}

    async def secretariat_configures() -> bool:  # once the notifier has the campaign from the stream
        return bool((await request(portal, "configure_notification_rules", cmd("van-phong-so", **rules)))["ok"])

    await wait_for(secretariat_configures)
    refused = await request(app, "configure_notification_rules", cmd("phong-a", **rules))
    assert refused["error"]["code"] == "not_allowed", refused
    own = await request(app, "register_subscription", cmd("phong-a", subscription_id="a", unit_id="phong-a", **hook))
    assert own["ok"], own
    topics = secured.system.stored_topics("notification")
    assert topics["Subscription.Registered"] == 1 and topics["RuleSetting.Configured"] == 1
    await app.close()


async def test_a_reused_command_id_is_refused_naming_the_first_command(secured: Secured) -> None:
    portal = secured.system.nc
    first = cmd("van-phong-so", **campaign())
    accepted = await request(portal, "launch_campaign", first)
    assert accepted["ok"]
    spaced = json.dumps(first, indent=2).encode()  # the same command, written differently
    assert await request(portal, "launch_campaign", spaced) == accepted
    message = f"command_id {first['command_id']} was already used for a launch_campaign command; "
    another_body = await request(portal, "launch_campaign", {**first, "title": "Một tiêu đề khác"})
    assert another_body == {
        "ok": False,
        "error": {
            "code": "command_id_reused",
            "message": message + "this is another body: send it with a new command_id",
            "field": "command_id",
        },
    }
    another_campaign = await request(portal, "launch_campaign", {**first, "campaign_id": "2023"})
    assert another_campaign["error"]["code"] == "command_id_reused"
    unit = {
        "command_id": first["command_id"],
        "actor": "van-phong-so",
        "unit_id": "u",
        "name": "U",
        "kind": "department",
    }
    another_command = await request(portal, "register_unit", unit)
    assert another_command["error"]["message"] == message + "this is another command: send it with a new command_id"
    topics = secured.system.stored_topics("registry")
    assert topics["Campaign.Launched"] == 1 and "Unit.Registered" not in topics


HOSTILE = {
    "100,000 open brackets": b"[" * 100_000,
    "nested arrays, closed": b"[" * 50_000 + b"]" * 50_000,
    "nested objects": b'{"a":' * 40_000 + b"1" + b"}" * 40_000,
    "nesting inside a field": b'{"command_id":"' + str(uuid.uuid4()).encode() + b'","actor":"phong-a","unit_id":'
    + b"[" * 1500 + b"]" * 1500 + b"}",
    "a number out of range": b'{"actor":"phong-a","year":1e999999}',
    "a 5,000-digit integer": b'{"actor":"phong-a","year":' + b"9" * 5000 + b"}",
    "NaN": b'{"actor":"phong-a","year":NaN}',
}  # fmt: skip


@pytest.mark.parametrize("sender", ["portal", "phong-a-app"])
async def test_hostile_bodies_get_a_structured_reply_and_the_service_keeps_answering(
    secured: Secured, sender: str
) -> None:
    nc = secured.system.nc if sender == "portal" else await secured.connect(sender)
    for name, body in HOSTILE.items():
        reply = await request(nc, "register_unit", body)
        assert reply["ok"] is False and reply["error"]["code"] == "invalid_json", (name, reply)
        assert reply["error"]["message"].startswith("command body"), (name, reply)
    await department(secured.system.nc)  # still answering, and recording
    renamed = await request(nc, "rename_unit", cmd("phong-a", unit_id="phong-a", name="Phòng A (đổi tên)"))
    assert renamed["ok"], renamed
