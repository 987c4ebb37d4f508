"""The `EMULATION` JetStream stream: created once, append-only (delete and purge denied)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    DEFAULT_PREFIX,
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from shared.events.envelope import DEADLETTER_PREFIX, DEADLETTER_STREAM, EVENTS_PREFIX, STREAM
from shared.events.inbound import INBOUND_PREFIX, INBOUND_STREAM

log = logging.getLogger("emulation.stream")
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


def inbound_config(replicas: int = 1) -> StreamConfig:
    """Facts from other city systems (`city.<system>.events.<event>`), imported into this account by the server from
    each system's own account (`emulation/security.py`); append-only, with the duplicate window of the events."""
    return StreamConfig(
        name=INBOUND_STREAM,
        subjects=[f"{INBOUND_PREFIX}.*.events.>"],
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        deny_delete=True,
        deny_purge=True,
    )


async def ensure_stream(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the streams if missing; existing ones are left as they are (only an administrator changes them)."""
    for config in (stream_config(replicas), deadletter_config(replicas), inbound_config(replicas)):
        try:
            await js.stream_info(config.name)  # type: ignore[arg-type]
        except NotFoundError:
            await js.add_stream(config)


ACK_PREFIX = "$JS.ACK."


def position(msg: Msg, stream: str, consumer: str) -> tuple[int, int] | None:
    """(stream sequence, messages still pending) of a message the server delivered from `stream`'s `consumer`.

    Read from the reply subject JetStream gives each delivery (`$JS.ACK.<stream>.<consumer>.<delivered>.
    <stream seq>.<consumer seq>.<time>.<pending>`, or with domain and account hash first), without building
    nats-py's metadata objects (replay reads a million of them). None for anything else: a message that is
    not a delivery of this very consumer was not sent by the server for it, whatever its reply subject says.
    """
    reply = msg.reply
    if not reply or not reply.startswith(ACK_PREFIX):
        return None
    tokens = reply.split(".")
    if len(tokens) == 9:
        named, seq, pending = tokens[2:4], tokens[5], tokens[8]
    elif len(tokens) >= 12:
        named, seq, pending = tokens[4:6], tokens[7], tokens[10]
    else:
        return None
    if named != [stream, consumer] or not seq.isdigit() or not pending.isdigit():
        return None
    return int(seq), int(pending)


def reader_name(nc: Any) -> str:
    """A fresh name for a short-lived consumer of this connection's identity (readers may create only named
    consumers, never the system's: `emulation/security.py`)."""
    user = nc.options.get("user") or "reader"
    return f"{user}-read-{uuid.uuid4().hex[:12]}"


def sequence(msg: Msg) -> int:
    """The stream sequence of a delivery already checked with `position` (what `read_batches` yields)."""
    tokens = msg.reply.split(".")
    return int(tokens[5] if len(tokens) == 9 else tokens[7])


async def read_batches(
    nc: Client,
    until_seq: int | None = None,
    subject: str = f"{EVENTS_PREFIX}.>",
    batch: int = 2000,
    stream: str = STREAM,
    timeout: float = 30.0,
) -> AsyncGenerator[list[Msg], None]:
    """Every message of the stream from the start (up to `until_seq`), in order, in batches, without acknowledgements.

    A plain subscription takes the messages of pull requests sent to a short-lived consumer, two requests
    in flight so the server sends the next batch while the caller works on this one. nats-py's `fetch`
    costs a task, a timer and a UUID per message: a third of the bare read rate. Only the server's deliveries
    of that consumer are taken (`position`); anything else arriving on the inbox is dropped.
    """
    js = nc.jetstream()
    info = await js.stream_info(stream)
    last = info.state.last_seq if until_seq is None else min(until_seq, info.state.last_seq)
    if info.state.messages == 0 or last == 0:
        return
    consumer = await js.add_consumer(
        stream,
        ConsumerConfig(
            name=reader_name(nc),
            filter_subject=subject,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=30.0,
        ),
    )
    request_subject = f"{DEFAULT_PREFIX}.CONSUMER.MSG.NEXT.{stream}.{consumer.name}"
    request = json.dumps({"batch": batch, "expires": int(timeout * 1e9)}).encode()
    ready: asyncio.Queue[list[Msg] | None] = asyncio.Queue()
    current: list[Msg] = []
    in_request = 0  # messages received for the oldest request in flight; it ends at `batch` or with a status
    finished = False

    async def take(msg: Msg) -> None:
        nonlocal current, in_request, finished
        if finished:
            return
        if not msg.reply:  # a status (request expired): the end, unless the request got some messages
            finished = in_request == 0
        else:
            where = position(msg, stream, consumer.name)
            if where is None:
                log.warning("dropped a message that is no delivery of this reader", extra={"reply": msg.reply[:200]})
                return
            seq, pending = where
            if seq <= last:
                current.append(msg)
            in_request += 1
            finished = seq >= last or pending == 0
            if in_request < batch and not finished:
                return
        ready.put_nowait(current)
        current, in_request = [], 0
        if finished:
            ready.put_nowait(None)

    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox, cb=take)
    try:
        if consumer.num_pending == 0:  # no message matches `subject`
            return
        for _ in range(2):
            await nc.publish(request_subject, request, reply=inbox)
        while (msgs := await asyncio.wait_for(ready.get(), timeout + 5)) is not None:
            if not finished:  # one request answered, the next one asked for: two in flight at most
                await nc.publish(request_subject, request, reply=inbox)
            if msgs:
                yield msgs
    finally:
        await sub.unsubscribe()
        with contextlib.suppress(Exception):
            await js.delete_consumer(stream, consumer.name)


async def read_stream(
    nc: Client,
    until_seq: int | None = None,
    subject: str = f"{EVENTS_PREFIX}.>",
    batch: int = 2000,
    stream: str = STREAM,
) -> AsyncIterator[Msg]:
    """Every message of the stream from the start (up to `until_seq`), in order, without acknowledgements."""
    async for msgs in read_batches(nc, until_seq, subject, batch, stream):
        for msg in msgs:
            yield msg
