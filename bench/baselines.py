"""Raw engine baselines: a bare eventsourcing SQLite save, nats-py async publishing, a bare pull consumer."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig

from bench.stats import percentiles

RAW_STREAM = "BENCHRAW"


class Item(Aggregate):
    @event("Created")
    def __init__(self, name: str, body: str) -> None:
        self.name = name
        self.body = body


def bare_app(path: Path) -> Application[Any]:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path), "SQLITE_LOCK_TIMEOUT": "30"}
    return Application(env=env)


def raw_save_rate(path: Path, n: int, body: str) -> float:
    """Saves per second: one new aggregate per `save` call, each its own SQLite transaction."""
    app = bare_app(path)
    items = [Item(name=f"item-{i}", body=body) for i in range(n)]
    start = time.perf_counter()
    for item in items:
        app.save(item)
    elapsed = time.perf_counter() - start
    app.close()
    return n / elapsed


async def ensure_raw_stream(js: Any) -> None:
    await js.add_stream(StreamConfig(name=RAW_STREAM, subjects=["bench.raw.>"], storage=StorageType.FILE))


async def raw_publish_rate(js: Any, n: int, body: bytes) -> float:
    """nats-py `publish_async` of `n` messages of the relay's size with `Nats-Msg-Id`, every ack awaited."""
    return await raw_publish_messages(js, [(f"raw-{i}", body) for i in range(n)])


async def raw_publish_messages(js: Any, messages: list[tuple[str, bytes]]) -> float:
    """nats-py `publish_async` of (message id, body) pairs to the raw stream, every ack awaited: messages/s."""
    await ensure_raw_stream(js)
    start = time.perf_counter()
    futures = []
    for msg_id, body in messages:
        futures.append(await js.publish_async("bench.raw.x", body, headers={"Nats-Msg-Id": msg_id}))
    await asyncio.gather(*futures)
    return len(messages) / (time.perf_counter() - start)


async def raw_read_rate(js: Any, stream: str, batch: int = 2000) -> tuple[int, float]:
    """A bare pull consumer (no acks) reading the whole stream: (messages, messages per second)."""
    last = (await js.stream_info(stream)).state.last_seq
    sub = await js.pull_subscribe(
        "", stream=stream, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE)
    )
    count, start = 0, time.perf_counter()
    try:
        while count < last:
            msgs = await sub.fetch(batch, timeout=5.0)
            count += len(msgs)
            if msgs[-1].metadata.sequence.stream >= last:
                break
    finally:
        await sub.unsubscribe()
    return count, count / (time.perf_counter() - start)


async def raw_chain_latency(js: Any, dir_: Path, rate: float, seconds: float, body: str) -> dict[str, float]:
    """The engines one command goes through, chained in one process at `rate`/s: eventsourcing save,
    JetStream publish with its ack, SQLite insert + commit in a view table. Latency p50/p99 in ms."""
    await js.add_stream(StreamConfig(name="BENCHCHAIN", subjects=["bench.chain.>"], storage=StorageType.FILE))
    app = bare_app(dir_ / "chain-events.db")
    view = sqlite3.connect(dir_ / "chain-view.db", isolation_level=None, check_same_thread=False)
    view.execute("PRAGMA journal_mode=WAL")
    view.execute("CREATE TABLE v (id TEXT PRIMARY KEY, body TEXT)")
    latencies: list[float] = []
    n = int(rate * seconds)
    start = time.perf_counter()
    for i in range(n):
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        t0 = time.perf_counter()
        item = Item(name=str(uuid4()), body=body)
        await asyncio.to_thread(app.save, item)
        await js.publish("bench.chain.x", body.encode(), headers={"Nats-Msg-Id": str(item.id)})
        await asyncio.to_thread(_insert, view, str(item.id), body)
        latencies.append((time.perf_counter() - t0) * 1000)
    app.close()
    view.close()
    return percentiles(latencies)


def _insert(db: sqlite3.Connection, key: str, body: str) -> None:
    db.execute("BEGIN")
    db.execute("INSERT INTO v VALUES (?, ?)", (key, body))
    db.execute("COMMIT")
