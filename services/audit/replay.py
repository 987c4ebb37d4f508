"""`emulation replay`: rebuild every projection from the stream into a fresh store, with checksums.

Views only ever derive from the stream, so a fresh store fed the same messages must end up
identical to the live one; `--until` stops at a stream sequence or a time (auditors' "as it was").

This process only reads the stream. The views are written by worker processes (the audit view,
which stores every event, in one; all the others in another), each parsing the messages its views
read and applying them, one batch while this process reads the next. Reading, parsing and every
view's handlers are Python: in one process they would share one GIL, that is one core.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
import traceback
from collections import deque
from collections.abc import Callable, Collection
from contextlib import aclosing
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from nats.aio.msg import Msg

from services.catalogue import all_views
from shared.events.envelope import STREAM, CloudEvent
from shared.infra.connect import connect
from shared.infra.consumer import parse, parse_bytes
from shared.infra.settings import Settings
from shared.infra.stream import read_batches, sequence
from shared.infra.views import View

WORKERS: tuple[tuple[str, ...], ...] = (("services.evaluation.",), ())
"""Per worker process, the packages whose views it writes; the one naming none writes all the others.

A store is written by one process. The evaluation's views (standings: two writes per achievement)
cost about as much as all the others together (the audit view stores every event).
"""

IN_FLIGHT = 2
"""Batches sent to a worker and not yet applied by it: one applied while the next waits."""


async def replay(
    settings: Settings,
    target: Path,
    until_seq: int | None = None,
    until_time: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 5000,
) -> dict[str, str]:
    """Rebuild all views under `target` (SQLite) from the stream; returns each view's checksum."""
    fresh = settings.replace(data_dir=target, store="sqlite")
    views = all_views(fresh)  # creates the tables once, before the workers open them
    names = [view.name for view in views]
    workers = [Worker(fresh, group) for group in groups(views)]
    nc = await connect(settings)
    try:
        js = nc.jetstream()
        total = (await js.stream_info(STREAM)).state.last_seq
        total = min(total, until_seq) if until_seq else total
        sent: deque[int] = deque()  # the last sequence of each batch the workers may not have applied yet
        done = 0
        async with aclosing(read_batches(nc, until_seq=until_seq, batch=batch)) as batches:
            async for msgs in batches:
                ended = False
                if until_time is not None:
                    msgs, ended = before(msgs, until_time)
                if msgs:
                    if len(sent) == IN_FLIGHT:
                        done = await applied(workers, sent.popleft())
                        if progress:
                            progress(done, total)
                    payload = pickle.dumps([(sequence(m), m.subject, m.data) for m in msgs])
                    await asyncio.gather(*(w.send(payload) for w in workers))
                    sent.append(sequence(msgs[-1]))
                if ended:
                    break
        while sent:
            done = await applied(workers, sent.popleft())
        if progress:
            progress(done, total)
        await asyncio.gather(*(w.send(b"") for w in workers))
        checksums: dict[str, str] = {}
        for found in await asyncio.gather(*(w.receive() for w in workers)):
            checksums |= found
    finally:
        await nc.close()
        for w in workers:
            w.stop()
    return {name: checksums[name] for name in names}


def groups(views: list[View]) -> list[list[str]]:
    """The names of the views each worker writes, as `WORKERS` says."""
    out: list[list[str]] = [[] for _ in WORKERS]
    for view in views:
        module = type(view).__module__
        mine = [i for i, packages in enumerate(WORKERS) if packages and module.startswith(packages)]
        out[mine[0] if mine else WORKERS.index(())].append(view.name)
    return out


def before(msgs: list[Msg], until_time: datetime) -> tuple[list[Msg], bool]:
    """The messages before the first readable event later than `until_time`, and whether there was one."""
    for i, msg in enumerate(msgs):
        try:
            event = parse(msg)
        except ValueError:  # includes pydantic ValidationError: unreadable messages are dead letters
            continue
        if event.time > until_time:
            return msgs[:i], True
    return msgs, False


async def applied(workers: list[Worker], seq: int) -> int:
    """Wait until every worker has applied the batch ending at `seq`."""
    for got in await asyncio.gather(*(w.receive() for w in workers)):
        if got != seq:
            raise RuntimeError(f"replay worker applied up to {got}, expected {seq}")
    return seq


class Worker:
    """A process writing some of the views: takes pickled batches of (sequence, subject, body), answers each."""

    def __init__(self, settings: Settings, names: list[str]) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no event loop or threads copied
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=work, args=(settings, names, theirs), daemon=True)
        self.process.start()
        theirs.close()

    async def send(self, payload: bytes) -> None:
        await asyncio.to_thread(self.conn.send_bytes, payload)

    async def receive(self) -> Any:
        outcome, value = await asyncio.to_thread(self.conn.recv)
        if outcome != "ok":
            raise RuntimeError(f"replay worker failed:\n{value}")
        return value

    def stop(self) -> None:
        self.conn.close()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


def work(settings: Settings, names: list[str], conn: Connection) -> None:
    """Worker process: apply each batch to the named views; at the end (an empty batch) send their checksums."""
    try:
        views = [view for view in all_views(settings) if view.name in names]
        rebuilding(views)
        handled = {name for view in views for name in view.handlers()}
        while payload := conn.recv_bytes():
            batch: list[tuple[int, str, bytes]] = pickle.loads(payload)
            apply_all(views, decode(batch, handled))
            conn.send(("ok", batch[-1][0]))
        conn.send(("ok", {view.name: view.checksum() for view in views}))
    except EOFError:  # the replaying process went away
        pass
    except BaseException:
        conn.send(("failed", traceback.format_exc()))
        raise


Event = tuple[int, CloudEvent, str, str]
"""(stream sequence, event, event name from the subject, event name from the envelope)."""


def decode(batch: list[tuple[int, str, bytes]], handled: Collection[str]) -> list[Event]:
    """The readable events of a batch whose subject names a handled type (unreadable ones are dead letters)."""
    events = []
    for seq, subject, body in batch:
        name = subject[subject.rfind(".") + 1 :]
        if name not in handled:
            continue
        try:
            event = parse_bytes(body)
        except ValueError:  # includes pydantic ValidationError
            continue
        events.append((seq, event, name, event.event_name))
    return events


def apply_all(views: list[View], events: list[Event]) -> None:
    """Each view takes what its live consumer would: subject and envelope both of a type it handles."""
    for view in views:
        handled = view.handlers()
        mine = [(seq, e) for seq, e, subject, name in events if subject in handled and name in handled]
        if mine:
            view.apply(mine)


def rebuilding(views: list[View]) -> None:
    """No fsync per commit: the target is fresh, checksummed at the end and rebuilt again if anything fails.

    And a 64 MB page cache instead of 2 MB: indexes in unit order (standings) take rows all over a
    million-event store.
    """
    for datastore in {id(view.datastore): view.datastore for view in views}.values():
        with datastore.get_connection(commit=True) as conn:
            conn.cursor().execute("PRAGMA synchronous=OFF")
            conn.cursor().execute("PRAGMA cache_size=-65536")
