"""A resuming relay reads its last checkpoint back from near the end of the stream, not from its start (issue 18:
no start-up work proportional to history), and finds the same window a read of the whole stream finds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.events.envelope import STREAM, event_subject
from shared.infra import relay as relay_module
from shared.infra.relay import Relay
from shared.infra.stream import ensure_stream
from tests.support.system import NatsServer
from tests.unit.test_wire_contract import registry

pytestmark = pytest.mark.integration
NOISE = event_subject("bench", "achievement_reported")
"""Another service's subject: the traffic between this relay's batches."""


@pytest.fixture
async def js(tmp_path: Path) -> AsyncIterator[Any]:
    server = NatsServer(tmp_path / "nats")
    server.start()
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    await ensure_stream(js)
    yield js
    await nc.close()
    server.stop()


async def noise(js: Any, n: int) -> None:
    for _ in range(n):
        await js.publish(NOISE, b"{}", stream=STREAM)


def read_starts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The stream sequence each read of the relay's checkpoints starts from, as they happen."""
    starts: list[int] = []
    read = relay_module.last_checkpoint

    async def spy(*args: Any) -> Any:
        starts.append(args[4] if len(args) > 4 else 1)
        return await read(*args)

    monkeypatch.setattr(relay_module, "last_checkpoint", spy)
    return starts


async def resumed(js: Any, key: Ed25519PrivateKey, app: Any, every: int) -> Relay:
    relay = Relay(app, js, key, batch=5, checkpoint_every=every)
    relay.chain = await relay.last_published()
    return relay


async def test_the_last_checkpoint_is_read_back_from_near_the_end_of_the_stream(
    js: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, key = registry(), Ed25519PrivateKey.generate()
    await noise(js, 300)  # history before this relay's first event
    first = Relay(app, js, key, batch=5, checkpoint_every=10)
    while await first.run_once():
        await noise(js, 40)  # other services publish between its batches
    assert first.chain.length > 25 and first.chain.length % 10, "the last checkpoint is some events back"
    starts = read_starts(monkeypatch)
    monkeypatch.setattr(relay_module, "SCAN_SPAN", 30)  # the spans double: a few before the last checkpoint
    bounded = await resumed(js, key, app, 10)
    window, owed = await bounded.recover_window()
    assert min(starts) > 300 and len(starts) > 1, starts  # widened, and never back to the start
    assert not owed and window.length == bounded.chain.length // 10 * 10
    starts.clear()
    whole = await resumed(js, key, app, 10)
    whole.resumed_seq = None  # no resume point: the whole stream is read, as before
    assert await whole.recover_window() == (window, owed) and starts == [1]


async def test_no_checkpoint_is_proven_absent_without_reading_the_history_before_the_chain(
    js: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, key = registry(), Ed25519PrivateKey.generate()
    await noise(js, 300)
    first = Relay(app, js, key, batch=5, checkpoint_every=1000)  # a chain shorter than one checkpoint's span
    while await first.run_once():
        await noise(js, 5)
    starts = read_starts(monkeypatch)
    monkeypatch.setattr(relay_module, "SCAN_SPAN", 20)
    relay = await resumed(js, key, app, 1000)
    assert await relay.recent_checkpoint() is None
    assert min(starts) > 100, starts  # stopped once the spans held the chain's first event
    window, owed = await relay.recover_window()
    assert not owed and window.length == 0 and len(window.hashes) == relay.chain.length  # the window from genesis
