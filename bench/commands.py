"""Figures 1 and 2: commands end to end (request/reply → store → relay → stream → view) and their latency.

A command is `launch_campaign` (the 2022 plan's body under a fresh campaign id); it is visible once the
evaluation service's registry facts (view `evaluation-reference`) hold its row in their `campaigns` table,
watched by a thread polling the view's SQLite file every millisecond (read-only, WAL: it does not block the writer).
"""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nats

from bench.stats import percentiles
from emulation.client import starting
from emulation.demo import load_scenario
from shared.events.envelope import command_subject

SUBJECT = command_subject("launch_campaign")


class ViewWatcher(threading.Thread):
    """Records when each key first appears in a view's table: by default each campaign id in the evaluation's
    `campaigns` table (its registry facts)."""

    def __init__(self, db: Path, interval: float = 0.001, table: str = "campaigns", key: str = "campaign_id") -> None:
        super().__init__(daemon=True)
        self.db, self.interval = db, interval
        self.query = f"SELECT rowid, {key} FROM {table} WHERE rowid > ?"
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.db.exists() and not self.stop.is_set():
            time.sleep(0.05)
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, check_same_thread=False)
        last = 0
        while not self.stop.is_set():
            try:
                rows = conn.execute(self.query, (last,)).fetchall()
            except sqlite3.OperationalError:  # table not created yet, or busy
                rows = []
            now = time.perf_counter()
            for rowid, cid in rows:
                self.seen.setdefault(cid, now)
                last = max(last, rowid)
            time.sleep(self.interval)
        conn.close()

    async def wait(self, ids: list[str], timeout: float) -> float:
        """When the last of `ids` appeared (checking only those not seen yet: thousands are waited for at once)."""
        deadline = time.perf_counter() + timeout
        pending = list(ids)
        while pending := [i for i in pending if i not in self.seen]:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{len(pending)} of {len(ids)} not visible after {timeout}s")
            await asyncio.sleep(0.005)
        return max(self.seen[i] for i in ids)


def campaign_bodies(prefix: str, n: int) -> list[tuple[str, bytes]]:
    template = copy.deepcopy(load_scenario()["campaign"])
    out = []
    for i in range(n):
        cid = f"{prefix}{i:06d}"
        body = {**template, "campaign_id": cid, "command_id": str(uuid.uuid4()), "actor": "van-phong-so"}
        out.append((cid, json.dumps(body, ensure_ascii=False).encode()))
    return out


async def send(nc: Any, body: bytes) -> float:
    """Send one command until a service answers; returns when the reply came (perf_counter)."""
    while True:
        try:
            reply = json.loads((await nc.request(SUBJECT, body, timeout=60)).data)
        except nats.errors.NoRespondersError:
            await asyncio.sleep(0.1)
            continue
        if starting(reply):  # the service is being built: nothing recorded, send the same body again
            await asyncio.sleep(0.1)
            continue
        if not reply.get("ok"):
            raise RuntimeError(f"command refused: {reply}")
        return time.perf_counter()


async def throughput(
    nc: Any,
    watcher: ViewWatcher,
    n: int,
    cpu: Callable[[], dict[str, float]],
    in_flight: int = 64,
    prefix: str = "t",
) -> dict[str, Any]:
    """Commands per second from the first send until the last one is visible in the view.

    Also the CPU time each process spent per command meanwhile: on 2 shared cores their sum bounds the rate.
    """
    bodies = campaign_bodies(prefix, n)
    gate = asyncio.Semaphore(in_flight)

    async def one(body: bytes) -> None:
        async with gate:
            await send(nc, body)

    before = cpu()
    start = time.perf_counter()
    await asyncio.gather(*(one(b) for _, b in bodies))
    replied = time.perf_counter()
    visible = await watcher.wait([cid for cid, _ in bodies], timeout=120 + n / 50)
    after = cpu()
    cpu_us = {key: round((after[key] - before[key]) / n * 1e6) for key in after if key in before}
    return {
        "per_s": n / (visible - start),
        "replied_per_s": n / (replied - start),
        "n": n,
        "cpu_us_per_command": cpu_us | {"total": sum(cpu_us.values())},
    }


async def latency(nc: Any, watcher: ViewWatcher, rate: float, seconds: float) -> dict[str, float]:
    """Send at a steady `rate` (not waiting for replies); latency = visible in the view − sent."""
    bodies = campaign_bodies("l", int(rate * seconds))
    sent: dict[str, float] = {}
    tasks = []
    start = time.perf_counter()
    for i, (cid, body) in enumerate(bodies):
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        sent[cid] = time.perf_counter()
        tasks.append(asyncio.create_task(send(nc, body)))
    replied = dict(zip(sent, await asyncio.gather(*tasks), strict=True))
    await watcher.wait(list(sent), timeout=120)
    offered = len(bodies) / (max(sent.values()) - start) if len(bodies) > 1 else rate
    result = percentiles([(watcher.seen[cid] - t) * 1000 for cid, t in sent.items()])
    reply = percentiles([(replied[cid] - t) * 1000 for cid, t in sent.items()])
    return result | {"offered_per_s": offered, "reply_p50": reply["p50"], "reply_p99": reply["p99"]}


async def warm_up(nc: Any, watcher: ViewWatcher) -> None:
    bodies = campaign_bodies("w", 20)
    for _, body in bodies:
        await send(nc, body)
    await watcher.wait([cid for cid, _ in bodies], timeout=120)
