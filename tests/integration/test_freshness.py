"""How new a view's facts are, read from a real JetStream server: marks are reached only once the view's
consumer has acknowledged everything up to them, also across a consumer recreated after a crash."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.events.envelope import STREAM, event_subject
from shared.infra.clock import Clock
from shared.infra.freshness import Freshness
from shared.infra.stream import ensure_stream
from tests.support.system import NatsServer

pytestmark = pytest.mark.integration
DURABLE = "notification-notification-state"
READS = event_subject("*", "emulation_registered")
T1, T2 = datetime(2022, 1, 13, 1, tzinfo=UTC), datetime(2022, 1, 19, 1, tzinfo=UTC)


@pytest.fixture
async def js(nats_server: NatsServer) -> AsyncIterator[Any]:
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await ensure_stream(js)
    yield js
    await nc.close()


async def consumer(js: Any, start: int) -> Any:
    """The view's consumer, configured as `shared/infra/consumer.py` does, from stream sequence `start`."""
    config = ConsumerConfig(
        durable_name=DURABLE,
        filter_subjects=[READS],
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=start,
        ack_policy=AckPolicy.ALL,
    )
    return await js.pull_subscribe("", durable=DURABLE, stream=STREAM, config=config)


async def publish(js: Any, name: str, n: int) -> None:
    for _ in range(n):
        await js.publish(event_subject("2022", name), b"{}")


async def test_a_mark_is_reached_only_when_the_view_has_acknowledged_up_to_it(js: Any, tmp_path: Path) -> None:
    clock = Clock(tmp_path / "clock")
    clock.set(T1)
    await publish(js, "emulation_registered", 3)
    await publish(js, "achievement_verified", 2)  # not read by the view: the head is beyond its last message
    freshness = Freshness(js, DURABLE, clock)
    assert await freshness.as_of() is None  # no consumer yet: nothing is known
    sub = await consumer(js, 1)
    assert await freshness.as_of() is None  # three messages pending
    msgs = await sub.fetch(3, timeout=5)
    assert await freshness.as_of() is None  # delivered, not acknowledged (not yet applied)
    await msgs[-1].ack_sync()
    assert await freshness.as_of() == T1

    clock.set(T2)
    await publish(js, "emulation_registered", 1)  # stream sequence 6
    assert await freshness.as_of() == T1  # a new mark at T2, not reached: the last known moment stays
    (msg,) = await sub.fetch(1, timeout=5)
    await msg.ack_sync()
    assert await freshness.as_of() == T2  # the acknowledgement floor is at the mark's head


async def test_a_consumer_recreated_after_a_crash_reaches_marks_only_past_what_the_view_holds(
    js: Any, tmp_path: Path
) -> None:
    """The view applied messages 1-2 and crashed before acknowledging; the consumer is recreated at its stored
    position (3), as `Consumer.subscribe` does. Message 3, never applied, must be applied before the mark."""
    clock = Clock(tmp_path / "clock")
    clock.set(T1)
    await publish(js, "emulation_registered", 3)
    sub = await consumer(js, 1)
    await sub.fetch(3, timeout=5)  # delivered, never acknowledged: the process dies
    await sub.unsubscribe()
    await js.delete_consumer(STREAM, DURABLE)
    sub = await consumer(js, 3)
    freshness = Freshness(js, DURABLE, clock)
    assert await freshness.as_of() is None
    (msg,) = await sub.fetch(1, timeout=5)
    assert msg.metadata.sequence.stream == 3
    await msg.ack_sync()
    assert await freshness.as_of() == T1
