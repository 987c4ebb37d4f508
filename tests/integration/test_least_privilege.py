"""Every identity as a possible insider, over a real nats-server with authentication on (issue 13, finding 1).

Each test performs an attack found by probing a running system and shows it now fails: forged deliveries on a
view consumer's inbox, inbox snooping, another service's commands, events or checkpoints published by the
wrong identity, a reader taking over a system consumer, a forged resume point for a relay, and a CLI tool with
no identity waiting for ever.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import ConsumerConfig

from emulation import security
from services.registry.adapters.units import UnitsView
from services.registry.factory import build_views
from shared.infra.stream import read_stream
from tests.support.secured import Secured
from tests.support.system import ROOT, wait_for

pytestmark = pytest.mark.integration
UNITS_DURABLE = "registry-registry-units"


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[Secured]:
    from emulation.supervisor import create_streams

    s = Secured(tmp_path)
    await create_streams(s.as_user("admin"))
    s.system.nc = await s.connect("portal")
    yield s
    await s.system.nc.close()
    s.stop()


def register(unit_id: str) -> dict[str, Any]:
    return {"command_id": str(uuid.uuid4()), "actor": "system:portal", "unit_id": unit_id, "name": unit_id.upper(),
            "kind": "department"}  # fmt: skip


def units_view(s: Secured) -> Any:
    return next(v for v in build_views(s.system.settings.replace(nats_user="")) if isinstance(v, UnitsView))


async def violations(s: Secured, user: str, attempt: Any) -> list[str]:
    """Run `attempt(nc)` as `user`; the permission violations the server reported."""
    errors: list[Exception] = []
    nc = await s.connect(user, errors)
    try:
        await attempt(nc)
        await nc.flush()
        await wait_for(lambda: errors, timeout=5)
    finally:
        await nc.close()
    return [str(e).lower() for e in errors]


async def test_no_identity_may_read_or_write_another_clients_inbox(secured: Secured) -> None:
    others = [u for u in security.identities() if u != "admin"]
    for user in others:
        victim = "registry-views" if user != "registry-views" else "evaluation-views"

        async def snoop(nc: Any) -> None:
            await nc.subscribe("_INBOX.>")

        async def sneak(nc: Any, victim: str = victim) -> None:
            await nc.subscribe(f"_INBOX.{victim}.>")

        async def forge(nc: Any, victim: str = victim) -> None:
            await nc.publish(f"_INBOX.{victim}.abc", b"{}")

        assert any("permissions violation for subscription" in e for e in await violations(secured, user, snoop))
        assert any("permissions violation for subscription" in e for e in await violations(secured, user, sneak))
        assert any("permissions violation for publish" in e for e in await violations(secured, user, forge))


async def test_a_forged_delivery_on_a_view_consumers_inbox_is_refused_and_ignored(secured: Secured) -> None:
    secured.start("registry")
    portal = secured.system.nc
    assert (await secured.system.send("register_unit", register("real-1")))["ok"]
    units = units_view(secured)
    await wait_for(lambda: units.query("SELECT unit_id FROM {reg_units} WHERE unit_id = 'real-1'"))

    # The attacker learns the consumer's inbox (here through the administrator, who may see everything).
    admin = await secured.connect("admin")
    inboxes: list[str] = []

    async def on_pull(msg: Any) -> None:
        inboxes.append(msg.reply)

    await admin.subscribe(f"$JS.API.CONSUMER.MSG.NEXT.EMULATION.{UNITS_DURABLE}", cb=on_pull)
    inbox = await wait_for(lambda: inboxes and inboxes[-1])
    assert inbox.startswith("_INBOX.registry-views.")

    [real] = [m async for m in read_stream(admin, subject="emulation.events._.unit_registered")]
    forged = json.loads(real.data)
    forged["data"] = {**forged["data"], "unit_id": "injected-by-api", "name": "Injected"}
    body = json.dumps(forged).encode()
    ack_shaped = [
        "_INBOX.A.EMULATION.x.1.1016419.1016419.1700000000000000000.0",
        f"$JS.ACK.EMULATION.{UNITS_DURABLE}.1.1016419.1016419.1700000000000000000.0",
        "$JS.ACK.EMULATION.someone-else.1.1016419.1016419.1700000000000000000.0",
    ]

    async def as_api(nc: Any) -> None:  # the read API's login, the least trusted one, as in the probe
        for reply in ack_shaped:
            await nc.publish(inbox, body, reply=reply)

    assert any("permissions violation for publish" in e for e in await violations(secured, "api", as_api))
    for reply in ack_shaped:  # even the administrator's forgery (a stolen admin login) is not a delivery
        await admin.publish(inbox, body, reply=reply)
    await admin.flush()

    assert (await secured.system.send("register_unit", register("real-2")))["ok"]
    await wait_for(lambda: units.query("SELECT unit_id FROM {reg_units} WHERE unit_id = 'real-2'"))
    assert units.query("SELECT unit_id FROM {reg_units} WHERE unit_id = 'injected-by-api'") == []
    assert units.position() < 1016419
    assert [m.subject async for m in read_stream(admin, subject="emulation.events._.unit_registered")] == [
        "emulation.events._.unit_registered"
    ] * 2
    log = (secured.data / "registry.log").read_text()
    assert "dropped a message that is no delivery of this consumer" in log
    await admin.close()
    del portal


async def test_the_registry_receives_unknown_commands_but_never_another_services(secured: Secured) -> None:
    registry = await secured.connect("registry")
    seen: list[str] = []

    async def collect(msg: Any) -> None:
        seen.append(msg.subject)

    await registry.subscribe("emulation.cmd.>", cb=collect)
    await registry.flush()
    sender = await secured.connect("admin")  # inside the account: city systems see only the commands granted
    vote = {"command_id": str(uuid.uuid4()), "actor": "u1", "campaign_id": "2022", "block_id": "b", "round_id": "r",
            "voter_unit_id": "u1", "candidate_unit_id": "u2"}  # fmt: skip
    for subject, body in [
        ("emulation.cmd.cast_block_vote", vote),
        ("emulation.cmd.report_achievement", {}),
        ("emulation.cmd.no_such_command", {}),
        ("emulation.cmd.register_unit", register("x")),
    ]:
        await sender.publish(subject, json.dumps(body).encode())
    await sender.flush()
    await wait_for(lambda: len(seen) >= 2)
    await asyncio.sleep(0.3)  # nothing more arrives later: deliveries are in publish order
    assert seen == ["emulation.cmd.no_such_command", "emulation.cmd.register_unit"]
    await registry.close()
    await sender.close()


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        ("registry-relay", {"emulation.events._.unit_registered", "emulation.events._.chain_checkpoint"}),
        ("registry-views", {"emulation.deadletter.registry"}),
        ("registry", {"emulation.stored.registry"}),
        ("evaluation-relay", {"emulation.events._.chain_checkpoint"}),
        ("evaluation-views", set()),
        ("audit", {"emulation.deadletter.audit"}),
        ("api", set()),
    ],
)
async def test_only_a_services_relay_publishes_its_events_and_checkpoints_and_its_views_its_dead_letters(
    secured: Secured, user: str, allowed: set[str]
) -> None:
    subjects = [
        "emulation.events._.unit_registered",
        "emulation.events._.chain_checkpoint",
        "emulation.deadletter.registry",
        "emulation.deadletter.audit",
        "emulation.stored.registry",  # wakes the registry's relay: only its commands process says so
    ]
    admin = await secured.connect("admin")
    seen: list[str] = []

    async def collect(msg: Any) -> None:
        seen.append(msg.subject)

    await admin.subscribe("emulation.>", cb=collect)
    await admin.flush()
    errors: list[Exception] = []
    nc = await secured.connect(user, errors)
    for subject in subjects:
        await nc.publish(subject, b"{}")
    await nc.flush()
    await wait_for(lambda: len(seen) + len(errors) >= len(subjects), timeout=10)
    await nc.close()
    await admin.close()
    assert set(seen) == allowed
    refused = {s for s in subjects if any(f'publish to "{s}"' in str(e).lower() for e in errors)}
    assert refused == set(subjects) - allowed


async def test_no_reader_may_create_or_pull_a_system_consumer(secured: Secured) -> None:
    secured.start("registry")
    assert (await secured.system.send("register_unit", register("real-1")))["ok"]
    admin = (await secured.connect("admin")).jetstream()
    await wait_for(lambda: _exists(admin, UNITS_DURABLE))
    api = await secured.connect("api")
    js = api.jetstream()
    takeover = {"stream_name": "EMULATION", "config": {"name": UNITS_DURABLE, "filter_subject": "nothing.here",
                                                       "ack_policy": "all", "deliver_policy": "all"}}  # fmt: skip
    for subject in (
        "$JS.API.CONSUMER.CREATE.EMULATION",
        f"$JS.API.CONSUMER.CREATE.EMULATION.{UNITS_DURABLE}",
        f"$JS.API.CONSUMER.MSG.NEXT.EMULATION.{UNITS_DURABLE}",
        f"$JS.API.CONSUMER.DELETE.EMULATION.{UNITS_DURABLE}",
    ):
        with pytest.raises((nats.errors.TimeoutError, nats.errors.NoRespondersError)):
            await api.request(subject, json.dumps(takeover).encode(), timeout=1)
    info = await admin.consumer_info("EMULATION", UNITS_DURABLE)
    assert info.config.filter_subjects or info.config.filter_subject != "nothing.here"
    with pytest.raises(Exception, match="(?i)timeout|permission"):
        await js.add_consumer("EMULATION", ConsumerConfig(durable_name="api-own-durable"), timeout=1)
    # Reading the stream with a consumer of its own is what a reader may do.
    assert [m.subject async for m in read_stream(api)] == ["emulation.events._.unit_registered"]
    await api.close()


async def _exists(js: Any, name: str) -> bool:
    try:
        await js.consumer_info("EMULATION", name)
        return True
    except Exception:
        return False


async def forge_last(s: Secured, headers: dict[str, str] | None, mutate: Any = None) -> None:
    """As the administrator, put a message on the registry's subjects after its last genuine one."""
    admin = await s.connect("admin")
    js = admin.jetstream()
    [*_, last] = [m async for m in read_stream(admin, subject="emulation.events._.unit_registered")]
    body = json.loads(last.data)
    if mutate:
        mutate(body)
        headers = {**(last.headers or {}), **(headers or {})}  # the genuine position, a changed body
    await js.publish("emulation.events._.unit_registered", json.dumps(body).encode(), headers=headers)
    await admin.close()


@pytest.mark.parametrize(
    ("headers", "mutate", "why"),
    [
        ({"Emulation-Position": "99999999", "Emulation-Chain-Length": "1"}, None, "names no published event"),
        (None, None, "no valid Emulation-Position"),
        ({"Nats-Msg-Id": "another-id"}, lambda b: b["data"].update(name="Forged"), "its hash does not hold"),
    ],
)
async def test_a_relay_refuses_a_forged_resume_point_loudly_and_skips_nothing(
    secured: Secured, headers: dict[str, str] | None, mutate: Any, why: str
) -> None:
    secured.start("registry", "commands")
    relay = secured.start("registry", "relay")
    assert (await secured.system.send("register_unit", register("real-1")))["ok"]
    admin = await secured.connect("admin")
    await wait_for(lambda: _count(admin, "emulation.events._.unit_registered", 1))

    async def as_commands(nc: Any) -> None:  # the commands login (which faces every city system) cannot forge it
        await nc.publish("emulation.events._.unit_registered", b"{}", headers={"Emulation-Position": "99999999"})

    assert any("permissions violation" in e for e in await violations(secured, "registry", as_commands))

    secured.system.stop(relay)
    await forge_last(secured, headers, mutate)
    assert (await secured.system.send("register_unit", register("real-2")))["ok"]
    relay = secured.start("registry", "relay")
    proc = secured.system.procs[relay]
    code = await wait_for(lambda: proc.poll(), timeout=30)
    assert code == 3
    log = (secured.data / f"{relay}.log").read_text()
    assert "will not resume" in log and why in log
    assert await _count(admin, "emulation.events._.unit_registered", 2)  # the genuine one and the forgery only


async def _count(nc: Any, subject: str, n: int) -> bool:
    return len([m async for m in read_stream(nc, subject=subject)]) == n


async def test_a_cli_command_without_an_identity_fails_fast_and_names_the_one_it_needs(
    secured: Secured, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "not-the-data-dir"
    elsewhere.mkdir()
    env = os.environ | {"EMULATION_NATS_URL": secured.system.settings.nats_url, "EMULATION_DATA_DIR": str(elsewhere),
                        "PYTHONPATH": str(ROOT)}  # fmt: skip
    env.pop("EMULATION_NATS_USER", None)
    done = subprocess.run(
        [sys.executable, "-m", "emulation", "audit", "verify"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert "refused the login" in done.stderr and "needs the NATS identity 'audit'" in done.stderr
    wrong = env | {"EMULATION_NATS_USER": "audit", "EMULATION_NATS_PASSWORD": "wrong"}
    done = subprocess.run(
        [sys.executable, "-m", "emulation", "deadletter", "list"], env=wrong, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "user 'audit'" in done.stderr, done.stderr
    # With the data dir of the running system, the tool finds its identity there.
    mine = env | {"EMULATION_DATA_DIR": str(secured.data)}
    done = subprocess.run(
        [sys.executable, "-m", "emulation", "deadletter", "list"], env=mine, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
