"""`emulation replay`: rebuild every projection from the stream into a fresh store, with checksums.

Views only ever derive from the stream, so a fresh store fed the same messages must end up
identical to the live one; `--until` stops at a stream sequence or a time (auditors' "as it was").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from nats.aio.msg import Msg

from services.audit.catalog import all_views
from shared.events.envelope import STREAM, CloudEvent
from shared.infra.connect import connect
from shared.infra.consumer import parse
from shared.infra.settings import Settings
from shared.infra.stream import position, read_batches
from shared.infra.views import View


async def replay(
    settings: Settings,
    target: Path,
    until_seq: int | None = None,
    until_time: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 2000,
) -> dict[str, str]:
    """Rebuild all views under `target` (SQLite) from the stream; returns each view's checksum."""
    fresh = replace(settings, data_dir=target, store="sqlite")
    views = all_views(fresh)
    nc = await connect(settings)
    try:
        js = nc.jetstream()
        total = (await js.stream_info(STREAM)).state.last_seq
        total = min(total, until_seq) if until_seq else total
        writing: asyncio.Task[int] | None = None  # the previous batch, written while the next is read
        done = 0
        async with aclosing(read_batches(js, until_seq=until_seq, batch=batch)) as batches:
            async for msgs in batches:
                events, ended = decode(msgs, until_time)
                if events:
                    if writing is not None:
                        done = await writing
                        if progress:
                            progress(done, total)
                    writing = asyncio.create_task(asyncio.to_thread(apply_all, views, events))
                if ended:
                    break
        if writing is not None:
            done = await writing
        if progress:
            progress(done, total)
    finally:
        await nc.close()
    return {v.name: v.checksum() for v in views}


def decode(msgs: list[Msg], until_time: datetime | None) -> tuple[list[tuple[int, CloudEvent]], bool]:
    """The readable events of a batch with their stream sequences, and whether `until_time` was passed.

    Unreadable messages are skipped, as the live consumers dead-letter them.
    """
    events = []
    for msg in msgs:
        try:
            event = parse(msg)
        except ValueError:  # includes pydantic ValidationError
            continue
        if until_time is not None and event.time > until_time:
            return events, True
        events.append((position(msg)[0], event))
    return events, False


def apply_all(views: list[View], batch: list[tuple[int, CloudEvent]]) -> int:
    """Each view takes the events it handles (one transaction each); returns the last sequence applied."""
    names = [event.event_name for _, event in batch]
    for view in views:
        handled = view.handlers()
        mine = [item for item, name in zip(batch, names, strict=True) if name in handled]
        if mine:
            view.apply(mine)
    return batch[-1][0]
