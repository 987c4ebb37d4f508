"""`emulation replay`: rebuild every projection from the stream into a fresh store, with checksums.

Views only ever derive from the stream, so a fresh store fed the same messages must end up
identical to the live one; `--until` stops at a stream sequence or a time (auditors' "as it was").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from services.audit.catalog import all_views
from shared.events.envelope import STREAM, CloudEvent
from shared.infra.connect import connect
from shared.infra.consumer import parse
from shared.infra.settings import Settings
from shared.infra.stream import read_stream
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
        pending: list[tuple[int, CloudEvent]] = []
        writing: asyncio.Task[int] | None = None  # the previous batch, written while the next is read
        done = 0
        async for msg in read_stream(js, until_seq=until_seq, batch=batch):
            try:
                event = parse(msg)
            except ValueError:  # includes pydantic ValidationError: unreadable messages are dead letters
                continue
            if until_time is not None and event.time > until_time:
                break
            pending.append((msg.metadata.sequence.stream, event))
            if len(pending) >= batch:
                if writing is not None:
                    done = await writing
                    if progress:
                        progress(done, total)
                writing = asyncio.create_task(asyncio.to_thread(apply_all, views, pending))
                pending = []
        if writing is not None:
            done = await writing
        if pending:
            done = apply_all(views, pending)
        if progress:
            progress(done, total)
    finally:
        await nc.close()
    return {v.name: v.checksum() for v in views}


def apply_all(views: list[View], batch: list[tuple[int, CloudEvent]]) -> int:
    for view in views:
        names = view.handlers()
        mine = [(seq, e) for seq, e in batch if e.event_name in names]
        if mine:
            view.apply(mine)
    return batch[-1][0]
