"""The `EMULATION` JetStream stream: created once, append-only (delete and purge denied)."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.events.envelope import EVENTS_PREFIX, STREAM

DUPLICATE_WINDOW_SECONDS = 600.0
"""JetStream drops a re-published `Nats-Msg-Id` seen within this window (relay retries land here)."""


def stream_config(replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=STREAM,
        subjects=[f"{EVENTS_PREFIX}.>"],
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        deny_delete=True,
        deny_purge=True,
        discard=DiscardPolicy.NEW,
        allow_direct=True,
    )


async def ensure_stream(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the stream if it is missing; an existing one is left as it is (only an administrator changes it)."""
    try:
        await js.stream_info(STREAM)
    except NotFoundError:
        await js.add_stream(stream_config(replicas))
