"""Scale and faults: a 3-node JetStream cluster, PostgreSQL, two evaluation instances, 5,000 commands,
one NATS node and one service instance killed and restarted in the middle.

Afterwards every acknowledged command's events are in the store, on the stream and in the
projections exactly once.
"""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import nats
import pytest

from emulation.demo import load_scenario
from tests.support.cluster import NatsCluster
from tests.support.postgres import drop_schemas, postgres
from tests.support.system import System, decode, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.timeout(900)]
TOTAL = 5000


@pytest.fixture
def cluster(tmp_path: Path):  # type: ignore[no-untyped-def]
    c = NatsCluster(tmp_path / "cluster")
    c.start_all()
    yield c
    c.stop_all()


async def test_cluster_node_and_service_instance_killed_during_5000_commands(
    tmp_path: Path, cluster: NatsCluster
) -> None:
    dsn, how = postgres()
    if dsn is None:
        pytest.skip(f"PostgreSQL {how}")
    prefix = f"f{uuid.uuid4().hex[:8]}_"
    data = tmp_path / "data"
    data.mkdir()
    system = System(
        data, cluster.url, store="postgres", postgres_dsn=dsn, postgres_schema_prefix=prefix, stream_replicas=3
    )
    system.nc = await nats.connect(cluster.url.split(","), max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    try:
        await run_scenario(system, cluster)
    finally:
        system.stop_all()
        await system.nc.close()
        drop_schemas(dsn, prefix)


async def run_scenario(system: System, cluster: NatsCluster) -> None:
    async def jetstream_ready() -> bool:
        try:
            await system.nc.jetstream().account_info()
            return True
        except Exception:
            return False

    await wait_for(jetstream_ready, timeout=60)
    system.start("registry")
    eval_a = system.start("evaluation", key="evaluation-a")
    system.start("evaluation", key="evaluation-b")
    system.start("audit")
    system.start_api()
    template = copy.deepcopy(load_scenario()["campaign"])
    bodies = [
        {**template, "campaign_id": f"f{i:05d}", "command_id": str(uuid.uuid4()), "actor": "van-phong-so"}
        for i in range(TOTAL)
    ]
    acked: dict[str, str] = {}
    failures = Counter[str]()

    async def one(body: dict[str, Any]) -> None:
        try:
            reply = await system.send("launch_campaign", body, timeout=5)
        except Exception as e:  # a request lost while a node dies: the client retries later with the same id
            failures[type(e).__name__] += 1
            return
        if reply.get("ok"):
            acked[body["campaign_id"]] = reply["events"][0]["id"]
        else:
            failures[reply["error"]["code"]] += 1

    warm = {**bodies[0], "campaign_id": "warm-up", "command_id": str(uuid.uuid4())}
    assert (await system.send("launch_campaign", warm, timeout=30))["ok"]  # the services are up
    started = time.monotonic()
    killed = 0
    for n, start in enumerate(range(0, TOTAL, 100)):
        await asyncio.gather(*(one(b) for b in bodies[start : start + 100]))
        print(f"batch {n}: acked {len(acked)} failures {dict(failures)} t={time.monotonic() - started:.1f}", flush=True)
        if n == 15:  # kill the node leading the EMULATION stream: the hardest one to lose
            info = await system.nc.jetstream().stream_info("EMULATION")
            killed = int(info.cluster.leader.lstrip("n"))
            cluster.kill(killed)
        if n == 20:
            system.kill(eval_a)
        if n == 30:
            cluster.start(killed)
        if n == 35:
            eval_a = system.start("evaluation", key="evaluation-a")
    first_pass = len(acked)
    for body in bodies:  # retry what was not acknowledged, with the same command ids
        if body["campaign_id"] not in acked:
            for _ in range(20):
                await one(body)
                if body["campaign_id"] in acked:
                    break
                await asyncio.sleep(0.5)
    assert len(acked) == TOTAL

    stored = system.store_rows("registry", "SELECT COUNT(*) FROM stored_events WHERE topic LIKE '%Campaign.Launched'")[
        0
    ][0]

    async def on_stream() -> list[Any] | None:
        try:
            read = await system.stream_messages("emulation.events.*.campaign_launched")
        except nats.errors.TimeoutError:  # the restarted node may still be catching up: ask again
            return None
        msgs = [m for m in read if m.subject != "emulation.events.warm-up.campaign_launched"]
        return msgs if len(msgs) >= TOTAL else None

    msgs = await wait_for(on_stream, timeout=120)
    ids = Counter(decode(m)["id"] for m in msgs)

    def in_view() -> list[Any] | None:
        got = [c for c in system.get("/v1/campaigns") if c["campaign_id"] != "warm-up"]
        return got if len(got) >= TOTAL else None

    campaigns = await wait_for(in_view, timeout=120)
    audit_count = await wait_for(lambda: (n := audit_total(system) - 1) >= TOTAL and n, timeout=120)
    print(
        f"\nfault test: {TOTAL} commands, {first_pass} acked in the first pass ({dict(failures)} lost while faults ran), "
        f"{len(acked)} acked after retries; store {stored}, stream {len(msgs)} ({len(ids)} distinct ids), "
        f"view {len(campaigns)}, audit {audit_count}; {time.monotonic() - started:.1f}s"
    )
    assert stored == TOTAL + 1  # and the warm-up
    assert len(msgs) == TOTAL and set(ids) == set(acked.values())
    assert sorted(c["campaign_id"] for c in campaigns) == sorted(acked)
    assert audit_count == TOTAL


def audit_total(system: System) -> int:
    total, after = 0, 0
    while True:
        page = system.get("/v1/audit", type="campaign_launched", after=after, limit=1000)
        total += len(page["entries"])
        if page["next"] is None:
            return total
        after = page["next"]
