"""The `EMULATION` JetStream stream: created once, append-only (delete and purge denied)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.events.envelope import DEADLETTER_PREFIX, DEADLETTER_STREAM, EVENTS_PREFIX, STREAM

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


def deadletter_config(replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=DEADLETTER_STREAM,
        subjects=[f"{DEADLETTER_PREFIX}.>"],
        storage=StorageType.FILE,
        num_replicas=replicas,
        deny_delete=True,
        deny_purge=True,
    )


async def ensure_stream(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the streams if missing; existing ones are left as they are (only an administrator changes them)."""
    for config in (stream_config(replicas), deadletter_config(replicas)):
        try:
            await js.stream_info(config.name)  # type: ignore[arg-type]
        except NotFoundError:
            await js.add_stream(config)


async def read_stream(
    js: JetStreamContext,
    until_seq: int | None = None,
    subject: str = f"{EVENTS_PREFIX}.>",
    batch: int = 2000,
    stream: str = STREAM,
) -> AsyncIterator[Msg]:
    """Every message of the stream from the start (up to `until_seq`), in order, without acknowledgements."""
    info = await js.stream_info(stream)
    last = info.state.last_seq if until_seq is None else min(until_seq, info.state.last_seq)
    if info.state.messages == 0 or last == 0:
        return
    sub = await js.pull_subscribe(
        subject,
        stream=stream,
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=30.0, max_waiting=1
        ),
    )
    try:
        while True:
            try:
                msgs = await sub.fetch(batch, timeout=2.0)
            except (TimeoutError, NatsTimeout):
                return
            for msg in msgs:
                if msg.metadata.sequence.stream > last:
                    return
                yield msg
                if msg.metadata.sequence.stream == last or msg.metadata.num_pending == 0:
                    return
    finally:
        await sub.unsubscribe()
