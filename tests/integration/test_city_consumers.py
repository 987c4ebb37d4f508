"""Durable consumption for city systems (issue 15): over a real nats-server with the generated accounts.

A city system granted only `unit_registered` stops its durable consumer; 1,000 granted events happen while it is
away, with events it is not granted; when it comes back it gets exactly the 1,000, each once after its
acknowledgement; a replay from a time (the example client, run as a city system's developer would) and from a
sequence returns the same events; and whatever it tries in order to see more is refused by the server.
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import importlib.util
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from emulation import feeds, security
from emulation.demo import load_scenario
from emulation.supervisor import create_streams
from tests.support.secured import Secured
from tests.support.system import ROOT, wait_for

pytestmark = pytest.mark.integration
CITY = "staff-records"
ACCOUNT = security.account(CITY)
SYSTEMS = [
    {"name": CITY, "actors": [f"system:{CITY}"], "commands": [], "events": ["unit_registered"]},
    {"name": "portal", "actors": ["*"], "commands": ["*"], "events": ["*"]},
]
GRANTED = 1000
EXAMPLE = ROOT / "docs" / "examples" / "city_consumer.py"


def _load_example() -> Any:
    spec = importlib.util.spec_from_file_location("city_consumer", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


city_consumer = _load_example()
consume, start_config = city_consumer.consume, city_consumer.start_config


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[Secured]:
    s = Secured(tmp_path, SYSTEMS)
    await create_streams(s.as_user("admin"), s.config["systems"])
    s.system.nc = await s.connect("portal")
    yield s
    await s.system.nc.close()
    s.stop()


def register(i: int) -> dict[str, Any]:
    return {"command_id": str(uuid.uuid4()), "actor": "system:portal", "unit_id": f"unit-{i:04d}",
            "name": f"Phòng Tư pháp {i}", "kind": "department"}  # fmt: skip


async def happen(s: Secured) -> set[str]:
    """Three campaigns launched (not granted), then 1,000 units registered (granted); the granted events' ids."""
    template = copy.deepcopy(load_scenario()["campaign"])
    for i in range(3):
        body = {**template, "campaign_id": f"c{i}", "command_id": str(uuid.uuid4()), "actor": "van-phong-so"}
        assert (await s.system.send("launch_campaign", body))["ok"]
    ids: set[str] = set()
    for start in range(0, GRANTED, 100):
        replies = await asyncio.gather(
            *(s.system.send("register_unit", register(i)) for i in range(start, start + 100))
        )
        ids |= {e["id"] for r in replies for e in r["events"] if e["type"].startswith("unit_registered.")}
    assert len(ids) == GRANTED
    return ids


async def stored(nc: Any, subjects: str = "emulation.events.>") -> dict[str, int]:
    """Messages per subject of the stream `EMULATION` in the connection's own account."""
    info = await nc.jetstream().stream_info("EMULATION", subjects_filter=subjects)
    return dict(info.state.subjects or {})


async def test_a_stopped_city_consumer_gets_every_granted_event_once_and_can_replay(secured: Secured) -> None:
    secured.start("registry")
    events: list[tuple[int, dict[str, Any]]] = []

    async def keep(seq: int, event: dict[str, Any]) -> None:
        events.append((seq, event))

    city = await secured.connect(CITY)
    assert await consume(city, "reports", keep, start_config(), stop_when_idle=1) == 0  # created, caught up
    await city.close()  # the city system goes down

    since = datetime.datetime.now(datetime.UTC)
    granted = await happen(secured)
    admin = await secured.connect("admin")
    await wait_for(lambda: holds(admin, GRANTED, "emulation.events.*.unit_registered"), timeout=60)  # published
    checkpoints = await stored(admin, "emulation.events._.chain_checkpoint")
    await admin.close()

    city = await secured.connect(CITY)  # it comes back
    await wait_for(lambda: holds(city, GRANTED), timeout=30)  # the server kept them meanwhile
    assert await stored(city) == {"emulation.events._.unit_registered": GRANTED}, "nothing it is not granted"
    assert checkpoints, "events it is not granted (checkpoints, campaigns) happened meanwhile"

    assert await consume(city, "reports", keep, start_config(), stop_when_idle=2) == GRANTED
    ids = Counter(event["id"] for _, event in events)
    assert set(ids) == granted and max(ids.values()) == 1
    assert {event["type"] for _, event in events} == {"unit_registered.v1"}
    assert await consume(city, "reports", keep, start_config(), stop_when_idle=1) == 0, "acknowledged: not again"

    middle = sorted(seq for seq, _ in events)[GRANTED // 2]
    from_seq: list[str] = []

    async def keep_id(seq: int, event: dict[str, Any]) -> None:
        from_seq.append(event["id"])

    assert await consume(city, "from-middle", keep_id, start_config(from_seq=middle), stop_when_idle=1) == GRANTED // 2
    assert from_seq == [event["id"] for seq, event in sorted(events, key=lambda x: x[0]) if seq >= middle]
    await city.close()

    replay = example(secured, "--durable", "replay", "--since", since.isoformat(), "--stop-when-idle", "2")
    lines = replay.splitlines()
    assert lines[-1] == f"{GRANTED} events"
    assert [line.split()[1:] for line in lines[:-1]] == [["unit_registered.v1", e["id"]] for _, e in events]


async def holds(nc: Any, n: int, subjects: str = "emulation.events.>") -> bool:
    return sum((await stored(nc, subjects)).values()) >= n


def example(s: Secured, *args: str) -> str:
    """`docs/examples/city_consumer.py`, run as the city system's developers would run it."""
    login = ["--server", s.system.settings.nats_url, "--user", CITY, "--password", s.password(CITY)]
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), *login, *args],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return out.stdout


async def refused(s: Secured, user: str, attempt: Any) -> list[str]:
    """Run `attempt(nc)` as `user` (its requests time out unanswered); the refusals the server reported."""
    errors: list[Exception] = []
    nc = await s.connect(user, errors)
    try:
        try:
            await attempt(nc)
        except Exception as e:  # an unanswered request: the refusal itself arrives as an error on the connection
            errors.append(e)
        await nc.flush()
        await wait_for(lambda: any("permissions violation" in str(e).lower() for e in errors), timeout=5)
    finally:
        await nc.close()
    return [str(e).lower() for e in errors]


async def test_a_city_system_sees_nothing_beyond_its_grants(secured: Secured) -> None:
    secured.start("registry")
    await happen(secured)
    city = await secured.connect(CITY)
    await wait_for(lambda: holds(city, GRANTED), timeout=60)
    await city.close()

    async def on_the_department_stream(nc: Any) -> None:  # a consumer of campaigns, where they are
        js = nc.jetstream(prefix=feeds.DEPARTMENT_API)
        await js.add_consumer(
            "EMULATION", name="peek", filter_subject="emulation.events.*.campaign_launched", timeout=1
        )

    async def reset_a_service_consumer(nc: Any) -> None:
        await nc.request(f"{feeds.DEPARTMENT_API}.CONSUMER.RESET.EMULATION.registry-registry-units", b"", timeout=1)

    async def repoint_its_feed(nc: Any) -> None:  # its stream sourcing a wider consumer of the department
        config = feeds.stream_config(ACCOUNT)
        config["sources"][0]["consumer"]["name"] = "registry-registry-units"
        await nc.request("$JS.API.STREAM.UPDATE.EMULATION", _json(config), timeout=1)

    async def widen_the_feed(nc: Any) -> None:  # an insider (the read API's login) widening the city's filter
        body = {"stream_name": "EMULATION", "config": feeds.consumer_config(ACCOUNT, ["campaign_launched"])}
        await nc.request(f"$JS.API.CONSUMER.CREATE.EMULATION.{ACCOUNT}", _json(body), timeout=1)

    async def listen_to_its_feed(nc: Any) -> None:  # where a consumer someone else aims at it would deliver
        await nc.subscribe(feeds.deliver_subject(ACCOUNT))

    for user, attempt, subject in [
        (CITY, on_the_department_stream, f"publish to {feeds.DEPARTMENT_API}.consumer.create.emulation.peek"),
        (CITY, reset_a_service_consumer, f"publish to {feeds.DEPARTMENT_API}.consumer.reset"),
        (CITY, repoint_its_feed, "publish to $js.api.stream.update.emulation"),
        (CITY, listen_to_its_feed, f"subscription to {feeds.deliver_subject(ACCOUNT)}"),
        ("api", widen_the_feed, f"publish to $js.api.consumer.create.emulation.{ACCOUNT}"),
    ]:
        errors = await refused(secured, user, attempt)
        assert any(f"permissions violation for {subject}".lower() in e.replace('"', "") for e in errors), errors

    # An insider aims a consumer of campaigns at the city's feed: the feed takes only its own consumer's deliveries.
    api = await secured.connect("api")
    rogue = await api.jetstream().add_consumer(
        "EMULATION", name="api-read-rogue", deliver_subject=feeds.deliver_subject(ACCOUNT),
        filter_subject="emulation.events.*.campaign_launched",
    )  # fmt: skip

    admin = await secured.connect("admin")

    async def delivered() -> bool:
        info = await admin.jetstream().consumer_info("EMULATION", rogue.name)
        return info.delivered.consumer_seq >= 3

    await wait_for(delivered)
    await api.close()
    await admin.close()

    # A consumer of its own stream on a type it is not granted finds nothing: nothing of it ever entered.
    city = await secured.connect(CITY)
    try:
        js = city.jetstream()
        info = await js.add_consumer(
            "EMULATION", name="campaigns", filter_subject="emulation.events.*.campaign_launched"
        )
        assert info.num_pending == 0
        assert await stored(city) == {"emulation.events._.unit_registered": GRANTED}
    finally:
        await city.close()


def _json(body: Any) -> bytes:
    import json

    return json.dumps(body).encode()


async def test_creating_the_feeds_again_keeps_them_and_a_type_granted_later_flows_in(secured: Secured) -> None:
    admin = await secured.connect("admin")
    js = admin.jetstream()

    async def publish(subject: str) -> None:
        await js.publish(subject, b"{}", headers={"Nats-Msg-Id": str(uuid.uuid4())})

    await publish("emulation.events._.unit_registered")
    await publish("emulation.events.c1.campaign_launched")
    city = await secured.connect(CITY)
    try:
        await wait_for(lambda: holds(city, 1))
        await create_streams(secured.as_user("admin"), secured.config["systems"])  # as `emulation up` on each start
        await publish("emulation.events._.unit_registered")
        await wait_for(lambda: holds(city, 2))
        assert await stored(city) == {"emulation.events._.unit_registered": 2}, "kept, nothing copied twice"

        assert await feeds.ensure(admin, ACCOUNT, ["campaign_launched", "unit_registered"])  # the grant widened
        await publish("emulation.events.c2.campaign_launched")
        await wait_for(lambda: holds(city, 1, "emulation.events.c2.campaign_launched"))
        assert (await stored(city))["emulation.events._.unit_registered"] == 2
    finally:
        await city.close()
        await admin.close()
