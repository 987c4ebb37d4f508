"""1,000 commands while the relay and the view consumer are killed (SIGKILL) and restarted.

Afterwards every acknowledged command's event is in the store, on the stream and in the view,
each exactly once.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections import Counter

import pytest

from emulation.demo import load_scenario
from tests.support.system import System, decode, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.both_stores]
TOTAL = 1000


async def test_relay_and_consumer_killed_mid_run_lose_and_double_nothing(system: System) -> None:
    system.start("registry", "commands")
    relay = system.start("registry", "relay")
    consumer = system.start("evaluation", "views")
    system.start_api()
    template = copy.deepcopy(load_scenario()["campaign"])
    acked: dict[str, str] = {}  # campaign id -> event id
    sent = 0

    async def one(i: int) -> None:
        body = {**template, "campaign_id": f"c{i:04d}", "command_id": str(uuid.uuid4()), "actor": "van-phong-so"}
        reply = await system.send("launch_campaign", body)
        if reply.get("ok"):
            acked[body["campaign_id"]] = reply["events"][0]["id"]

    for start in range(0, TOTAL, 50):
        await asyncio.gather(*(one(i) for i in range(start, start + 50)))
        sent += 50
        if sent == 300:
            system.kill(relay)
            relay = system.start("registry", "relay")
        if sent == 600:
            system.kill(consumer)
            consumer = system.start("evaluation", "views")
        if sent == 800:
            system.kill(relay)
            system.kill(consumer)
            relay = system.start("registry", "relay")
            consumer = system.start("evaluation", "views")

    assert len(acked) == TOTAL

    stored = system.store_rows("registry", "SELECT COUNT(*) FROM stored_events WHERE topic LIKE '%Campaign.Launched'")
    assert stored[0][0] == TOTAL

    async def stream_complete() -> list[object] | None:
        msgs = await system.stream_messages("emulation.events.*.campaign_launched")
        return msgs if len(msgs) >= TOTAL else None

    msgs = await wait_for(stream_complete, timeout=60)
    ids = Counter(decode(m)["id"] for m in msgs)
    assert len(msgs) == TOTAL, "no event doubled on the stream"
    assert set(ids) == set(acked.values()) and max(ids.values()) == 1

    chain = [decode(m) for m in msgs]
    assert chain[0]["predecessorhash"] == "0" * 64
    for before, after in zip(chain, chain[1:], strict=False):
        assert after["predecessorhash"] == before["hash"], "the relay resumed its hash chain where it stopped"

    # the checkpoint is published after the thousandth event: the wait for the events does not cover it
    kept = await wait_for(lambda: system.stream_messages("emulation.events._.chain_checkpoint"), timeout=60)
    [checkpoint] = [decode(m)["data"] for m in kept]
    assert (checkpoint["service"], checkpoint["head"], checkpoint["length"]) == ("registry", chain[-1]["hash"], TOTAL)
    assert checkpoint["hashes"] == [m["hash"][:16] for m in chain], "restarted relays recovered the whole window"

    def view_complete() -> list[dict[str, object]] | None:
        got = system.get("/v1/campaigns")
        return got if len(got) >= TOTAL else None

    campaigns = await wait_for(view_complete, timeout=60)
    assert len(campaigns) == TOTAL
    assert sorted(c["campaign_id"] for c in campaigns) == sorted(acked)
    print(f"checked: {TOTAL} acked, {stored[0][0]} stored, {len(msgs)} on stream, {len(campaigns)} in view")
